//! HTTPS and proxies, run as a subprocess: a server whose certificate comes from a CA made for
//! the test is refused until `--cacert` or `SSL_CERT_FILE` names that CA, `--insecure` never
//! turns the check off, and `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` are
//! honoured, except that a loopback host is always reached directly.
//!
//! Every connection stays on this machine. The proxy tests name a remote host,
//! `ollama.internal`, that the client must not resolve (the proxy is given the name and maps it
//! to a test server); so that a client that resolved it anyway could not send a DNS query off
//! the machine, those commands run in a private mount namespace whose name service reads only
//! a hosts file mapping `ollama.internal` to 127.0.0.1 (see [`private_hosts`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

use pretty_assertions::assert_eq;

use crate::harness::{
    b64, bin, can_unshare, closed_port, skip, stderr_of, stdout_of, traced, Test,
};
use ollama_test_server::{Fault, Relay, TestProxy, TestServer, TlsServer};

/// The remote name the proxy tests use; the test certificate is also for it.
const REMOTE: &str = "ollama.internal";

/// Variables that change which certificates are trusted or where connections go.
const TLS_AND_PROXY_VARS: [&str; 12] = [
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "REQUEST_METHOD",
    "OLLAMA_HOST",
];

/// `ollama-rs` with a clean environment (see [`Test::new`]), no certificate variables, and
/// short connection timeouts.
fn client() -> Test {
    let mut cmd = Test::new();
    for var in TLS_AND_PROXY_VARS {
        cmd = cmd.env_remove(var);
    }
    cmd.args(&["--connect-timeout", "5", "--timeout", "20"])
}

/// Runs `cmd`; asserts status `want`, an empty stdout, stderr lines that all start with
/// `ollama-rs:`, and no panic; returns stderr.
fn failed(cmd: Test, want: i32) -> String {
    let stderr = stderr_of(&cmd.status(want).stdout("").run());
    assert!(
        stderr.lines().all(|l| l.starts_with("ollama-rs: ")),
        "{stderr}"
    );
    stderr
}

/// Runs `list` in `cmd`: status 0, nothing on stderr, and the table of a seeded server.
fn lists_the_seeded_models(cmd: Test) {
    let out = cmd.stderr("").stdout_contains("tiny:latest").run();
    let stdout = stdout_of(&out);
    assert!(stdout.starts_with("NAME "), "{stdout}");
}

fn path_arg(p: &Path) -> String {
    p.display().to_string()
}

const UNTRUSTED_HINT: &str = "ollama-rs: hint: if you trust this server, give its CA certificate \
     with --cacert FILE, or a file of trusted CA certificates in SSL_CERT_FILE";

// ---------------------------------------------------------------------------------------------
// HTTPS to 127.0.0.1

#[test]
fn an_untrusted_certificate_is_refused_with_a_clear_message() {
    let server = TlsServer::start();
    let cmd = client().args(&["--host", &server.url(), "list"]);
    let stderr = failed(cmd, 3);
    assert_eq!(
        stderr,
        format!(
            "ollama-rs: error: could not connect to Ollama at {}: \
             the server's certificate is not trusted (unknown issuer)\n{UNTRUSTED_HINT}\n",
            server.url()
        )
    );
    assert!(server.connections() >= 1, "the handshake was tried");
    assert!(server.backend().requests().is_empty(), "nothing was sent");
}

#[test]
fn cacert_trusts_the_servers_ca() {
    let dir = tempfile::tempdir().unwrap();
    let server = TlsServer::start();
    let ca = path_arg(&server.write_ca(dir.path()));

    // Before the subcommand and after it: the option is global.
    let cmd = client().args(&["--cacert", &ca, "--host", &server.url(), "list"]);
    lists_the_seeded_models(cmd);
    let cmd = client().args(&["--host", &server.url(), "version", "--cacert", &ca]);
    let stdout = stdout_of(&cmd.stderr("").run());
    assert!(stdout.contains(ollama_test_server::VERSION), "{stdout}");

    // The certificate is also for `localhost`.
    let cmd = client().args(&[
        "--cacert",
        &ca,
        "--host",
        &format!("https://localhost:{}", server.port()),
        "list",
    ]);
    lists_the_seeded_models(cmd);

    let paths: Vec<String> = server
        .backend()
        .requests()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths, ["/api/tags", "/api/version", "/api/tags"]);
}

#[test]
fn a_pem_bundle_trusts_every_ca_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (TlsServer::start(), TlsServer::start());
    let bundle = dir.path().join("bundle.pem");
    std::fs::write(&bundle, format!("{}{}", first.ca_pem(), second.ca_pem())).unwrap();
    for server in [&first, &second] {
        let cmd = client().args(&[
            "--cacert",
            &path_arg(&bundle),
            "--host",
            &server.url(),
            "list",
        ]);
        lists_the_seeded_models(cmd);
    }
}

#[test]
fn ssl_cert_file_and_ssl_cert_dir_trust_the_servers_ca() {
    let dir = tempfile::tempdir().unwrap();
    let server = TlsServer::start();
    let ca = server.write_ca(dir.path());

    let cmd = client()
        .env("SSL_CERT_FILE", &ca)
        .args(&["--host", &server.url(), "list"]);
    lists_the_seeded_models(cmd);

    let cmd = client()
        .env("SSL_CERT_DIR", dir.path())
        .args(&["--host", &server.url(), "list"]);
    lists_the_seeded_models(cmd);
    assert_eq!(server.backend().requests_to("/api/tags").len(), 2);
}

#[test]
fn ssl_cert_file_replaces_the_system_certificates_and_the_hint_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let server = TlsServer::start();
    // A CA, but not the one that signed this server's certificate.
    let other = TlsServer::start();
    let other_ca = other.write_ca(dir.path());

    let cmd = client()
        .env("SSL_CERT_FILE", &other_ca)
        .args(&["--host", &server.url(), "list"]);
    let stderr = failed(cmd, 3);
    assert!(
        stderr.contains("the server's certificate is not trusted (unknown issuer)"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(&format!(
            "ollama-rs: hint: SSL_CERT_FILE is set: only the certificates in `{}` are \
             trusted, not the system's\n",
            other_ca.display()
        )),
        "{stderr}"
    );

    let missing = dir.path().join("missing.pem");
    let cmd = client()
        .env("SSL_CERT_FILE", &missing)
        .args(&["--host", &server.url(), "list"]);
    let stderr = failed(cmd, 3);
    assert!(
        stderr.contains(&format!(
            "ollama-rs: hint: SSL_CERT_FILE names `{}`, which cannot be read",
            missing.display()
        )),
        "{stderr}"
    );
    assert!(server.backend().requests().is_empty());
}

#[test]
fn insecure_is_about_registries_and_never_turns_off_the_certificate_check() {
    let server = TlsServer::start();
    for args in [
        ["pull", "--insecure", "tiny"],
        ["push", "--insecure", "tiny"],
    ] {
        let cmd = client().args(&["--host", &server.url()]).args(&args);
        let stderr = failed(cmd, 3);
        assert!(
            stderr.contains("the server's certificate is not trusted (unknown issuer)"),
            "{args:?}: {stderr}"
        );
    }
    assert!(server.backend().requests().is_empty(), "nothing was sent");
}

#[test]
fn a_bad_cacert_file_is_a_usage_error_naming_it_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let server = TlsServer::start();
    let missing = dir.path().join("missing.pem");
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a certificate\n").unwrap();
    let damaged = dir.path().join("damaged.pem");
    std::fs::write(
        &damaged,
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let broken = dir.path().join("broken.pem");
    std::fs::write(
        &broken,
        "-----BEGIN CERTIFICATE-----\n%%%% not base64 %%%%\n-----END CERTIFICATE-----\n",
    )
    .unwrap();

    let cases: [(&Path, &str); 5] = [
        (
            &missing,
            "could not read the CA certificates `{}`: No such file or directory",
        ),
        (
            dir.path(),
            "could not read the CA certificates `{}`: Is a directory",
        ),
        (
            &text,
            "`{}` holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)",
        ),
        (&damaged, "certificate 1 in `{}` is not valid: "),
        (&broken, "`{}` is not a valid PEM file of CA certificates: "),
    ];
    for (file, want) in cases {
        let cmd = client().args(&["--cacert", &path_arg(file), "--host", &server.url(), "list"]);
        let stderr = failed(cmd, 2);
        let want = format!("ollama-rs: error: {}", want.replace("{}", &path_arg(file)));
        assert!(stderr.starts_with(&want), "want {want:?}, got {stderr:?}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(server.connections(), 0, "nothing was sent");
    assert!(server.backend().requests().is_empty());
}

#[test]
fn a_certificate_for_another_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = TlsServer::with_names(&["other.internal"]);
    let ca = path_arg(&server.write_ca(dir.path()));
    let cmd = client().args(&["--cacert", &ca, "--host", &server.url(), "list"]);
    let stderr = failed(cmd, 3);
    assert_eq!(
        stderr,
        format!(
            "ollama-rs: error: could not connect to Ollama at {}: the server's certificate is \
             not valid for this host name (it is for other.internal)\n\
             ollama-rs: hint: connect with a host name the certificate is for (--host or \
             OLLAMA_HOST)\n",
            server.url()
        )
    );
    assert!(server.backend().requests().is_empty());
}

#[test]
fn https_to_a_plain_http_server_says_it_does_not_speak_tls() {
    let server = TestServer::start();
    let cmd = client().args(&[
        "--host",
        &format!("https://127.0.0.1:{}", server.port()),
        "list",
    ]);
    let stderr = failed(cmd, 3);
    assert_eq!(
        stderr,
        format!(
            "ollama-rs: error: could not connect to Ollama at https://127.0.0.1:{}: the server \
             does not speak TLS\nollama-rs: hint: for a server without TLS, use an http:// host\n",
            server.port()
        )
    );
}

#[test]
fn a_redirect_from_https_to_plain_http_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tls = TlsServer::start();
    let ca = path_arg(&tls.write_ca(dir.path()));
    let plain = TestServer::start();
    tls.backend()
        .set_fault(Fault::redirect_to(&plain, "/api/tags", 307));
    let cmd = client().args(&["--cacert", &ca, "--host", &tls.url(), "list"]);
    let stderr = failed(cmd, 1);
    assert!(
        stderr.contains(&format!(
            "refused a redirect from https to plain http ({}/api/tags)",
            plain.url()
        )),
        "{stderr}"
    );
    assert!(plain.requests().is_empty(), "the plain server was asked");
    // The same redirect between two https servers is followed.
    let other = TlsServer::start();
    let both = dir.path().join("both.pem");
    std::fs::write(&both, format!("{}{}", tls.ca_pem(), other.ca_pem())).unwrap();
    tls.backend().set_fault(Fault::Redirect {
        location: format!("{}/api/tags", other.url()),
        status: 307,
    });
    let cmd = client().args(&["--cacert", &path_arg(&both), "--host", &tls.url(), "list"]);
    cmd.stderr("").run();
    assert_eq!(other.backend().requests_to("/api/tags").len(), 1);
}

#[test]
fn http_to_a_tls_server_says_it_speaks_tls() {
    let tls = TlsServer::start();
    let cmd = client().args(&[
        "--host",
        &format!("http://127.0.0.1:{}", tls.port()),
        "list",
    ]);
    let stderr = failed(cmd, 3);
    assert_eq!(
        stderr,
        format!(
            "ollama-rs: error: request to http://127.0.0.1:{} failed: the answer is not \
             HTTP: the server may speak TLS (invalid HTTP version parsed)\nollama-rs: hint: for a \
             server with TLS, use an https:// host\n",
            tls.port()
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Proxies

/// Runs `cmd`'s program in a private mount namespace whose `/etc/hosts` maps [`REMOTE`] to
/// 127.0.0.1 and whose name service reads nothing but that file: a client that resolved the
/// name reaches 127.0.0.1, and no DNS query can leave the machine. `None` (the test is skipped)
/// when namespaces are not available to a user who is not root.
fn private_hosts(dir: &Path, args: &[&str]) -> Option<Test> {
    let hosts = dir.join("hosts");
    std::fs::write(&hosts, format!("127.0.0.1 localhost\n127.0.0.1 {REMOTE}\n")).unwrap();
    let nsswitch = dir.join("nsswitch.conf");
    std::fs::write(&nsswitch, "hosts: files\n").unwrap();
    if !can_unshare(&["--map-root-user", "--mount"]) {
        return None;
    }
    // `--map-root-user` lets a user who is not root mount in the namespace too.
    let mut cmd = Test::program("unshare")
        .args(&[
            "--map-root-user",
            "--mount",
            "--",
            "sh",
            "-c",
            "mount --bind \"$1\" /etc/hosts && mount --bind \"$2\" /etc/nsswitch.conf \
             && shift 2 && exec \"$@\"",
            "sh",
        ])
        .arg(&hosts)
        .arg(&nsswitch)
        .arg(bin())
        .args(&["--connect-timeout", "5", "--timeout", "20"])
        .args(args);
    for var in TLS_AND_PROXY_VARS {
        cmd = cmd.env_remove(var);
    }
    let home = dir.join("home");
    let _ = std::fs::create_dir_all(&home);
    Some(
        cmd.env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data")),
    )
}

fn targets(proxy: &TestProxy) -> Vec<String> {
    proxy
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect()
}

#[test]
fn http_proxy_variables_carry_requests_to_a_remote_host() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start();
    // The port is the server's, so that a client going direct would reach it without the
    // proxy, and fail the test.
    let host = format!("http://{REMOTE}:{}", server.port());
    for var in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
        let proxy = TestProxy::start(&server, None);
        let Some(mut cmd) = private_hosts(dir.path(), &["--host", &host, "list"]) else {
            return;
        };
        cmd = cmd.env(var, proxy.url());
        lists_the_seeded_models(cmd);
        assert_eq!(targets(&proxy), [format!("GET {host}/api/tags")], "{var}");
    }
    let tags = server.requests_to("/api/tags");
    assert_eq!(tags.len(), 4);
    assert_eq!(
        tags[0].header("host"),
        Some(format!("{REMOTE}:{}", server.port()).as_str())
    );
}

#[test]
fn https_proxy_variables_tunnel_to_an_https_host() {
    let dir = tempfile::tempdir().unwrap();
    let server = TlsServer::start();
    let ca = path_arg(&server.write_ca(dir.path()));
    let host = format!("https://{REMOTE}");
    for var in ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"] {
        let proxy = TestProxy::start(server.backend(), Some(&server));
        let Some(mut cmd) = private_hosts(dir.path(), &["--cacert", &ca, "--host", &host, "list"])
        else {
            return;
        };
        cmd = cmd.env(var, proxy.url());
        lists_the_seeded_models(cmd);
        assert_eq!(targets(&proxy), [format!("CONNECT {REMOTE}:443")], "{var}");
    }
    // Through the tunnel, the certificate is still checked, for the name asked for.
    let proxy = TestProxy::start(server.backend(), Some(&server));
    let Some(mut cmd) = private_hosts(dir.path(), &["--host", &host, "list"]) else {
        return;
    };
    cmd = cmd.env("HTTPS_PROXY", proxy.url());
    let stderr = failed(cmd, 3);
    assert!(
        stderr.contains("the server's certificate is not trusted (unknown issuer)"),
        "{stderr}"
    );
    assert_eq!(server.backend().requests_to("/api/tags").len(), 3);
}

#[test]
fn no_proxy_sends_a_host_direct() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start();
    let proxy = TestProxy::start(&server, None);
    let host = format!("http://{REMOTE}:{}", server.port());
    for (var, value) in [
        ("NO_PROXY", REMOTE),
        ("no_proxy", REMOTE),
        ("NO_PROXY", ".internal"),
        ("NO_PROXY", "example.com, ollama.internal"),
        ("NO_PROXY", "*"),
    ] {
        let Some(mut cmd) = private_hosts(dir.path(), &["--host", &host, "list"]) else {
            return;
        };
        cmd = cmd.env("HTTP_PROXY", proxy.url()).env(var, value);
        lists_the_seeded_models(cmd);
        assert_eq!(targets(&proxy), Vec::<String>::new(), "{var}={value}");
    }
    // Another name in NO_PROXY leaves the proxy in the way.
    let Some(mut cmd) = private_hosts(dir.path(), &["--host", &host, "list"]) else {
        return;
    };
    cmd = cmd
        .env("HTTP_PROXY", proxy.url())
        .env("NO_PROXY", "example.com");
    lists_the_seeded_models(cmd);
    assert_eq!(targets(&proxy), [format!("GET {host}/api/tags")]);
    assert_eq!(server.requests_to("/api/tags").len(), 6);
}

#[test]
fn loopback_hosts_bypass_the_proxy() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start();
    let tls = TlsServer::start();
    let ca = path_arg(&tls.write_ca(dir.path()));
    let proxy = TestProxy::start(&server, Some(&tls));
    let relay_v4 = Relay::start(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)), &server);
    let relay_v6 = Relay::start(IpAddr::V6(Ipv6Addr::LOCALHOST), &server);

    let mut hosts = vec![
        server.url(),
        format!("localhost:{}", server.port()),
        format!("http://LOCALHOST:{}", server.port()),
        tls.url(),
        format!("https://localhost:{}", tls.port()),
        // Connecting to the unspecified address reaches this machine.
        format!("0.0.0.0:{}", server.port()),
    ];
    match &relay_v4 {
        Some(r) => hosts.push(format!("http://{}", r.addr())),
        None => skip("127.0.0.2 cannot be bound here: not tested"),
    }
    match &relay_v6 {
        Some(r) => hosts.push(format!("http://{}", r.addr())),
        None => skip("[::1] cannot be bound here: not tested"),
    }
    for host in &hosts {
        let mut cmd = client();
        for var in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"] {
            cmd = cmd.env(var, proxy.url());
        }
        cmd = cmd.args(&["--cacert", &ca, "--host", host, "list"]);
        lists_the_seeded_models(cmd);
    }
    assert_eq!(targets(&proxy), Vec::<String>::new());
    for relay in [&relay_v4, &relay_v6].into_iter().flatten() {
        assert_eq!(relay.connections(), 1, "{}", relay.addr());
    }
}

#[test]
fn proxy_credentials_are_sent_to_the_proxy_and_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start();
    let tls = TlsServer::start();
    let ca = path_arg(&tls.write_ca(dir.path()));
    let proxy = TestProxy::with_credentials(&server, Some(&tls), "me", "s3cret-pass");
    let basic = |user: &str, password: &str| {
        let token = b64(format!("{user}:{password}").as_bytes());
        format!("Basic {token}")
    };
    let http_host = format!("http://{REMOTE}:{}", server.port());
    let https_host = format!("https://{REMOTE}");

    // The right credentials: the proxy gets them and lets the request through.
    let Some(mut cmd) = private_hosts(dir.path(), &["--host", &http_host, "list"]) else {
        return;
    };
    cmd = cmd.env(
        "HTTP_PROXY",
        proxy.url_with_credentials("me", "s3cret-pass"),
    );
    lists_the_seeded_models(cmd);
    let Some(mut cmd) = private_hosts(
        dir.path(),
        &["--cacert", &ca, "--host", &https_host, "list"],
    ) else {
        return;
    };
    cmd = cmd.env(
        "HTTPS_PROXY",
        proxy.url_with_credentials("me", "s3cret-pass"),
    );
    lists_the_seeded_models(cmd);
    let sent: Vec<Option<String>> = proxy
        .requests()
        .iter()
        .map(|r| r.header("proxy-authorization").map(str::to_string))
        .collect();
    assert_eq!(sent, vec![Some(basic("me", "s3cret-pass")); 2]);

    // Wrong credentials: the proxy refuses them (407), to a plain request and to CONNECT.
    for (var, host) in [("HTTP_PROXY", &http_host), ("HTTPS_PROXY", &https_host)] {
        let Some(mut cmd) = private_hosts(dir.path(), &["--cacert", &ca, "--host", host, "list"])
        else {
            return;
        };
        cmd = cmd.env(var, proxy.url_with_credentials("me", "wr0ng-pass"));
        let stderr = failed(cmd, 5);
        assert!(
            stderr.ends_with(&format!(
                "ollama-rs: hint: the proxy refused the credentials: give them as \
                 http://user:password@host:port in {var}\n"
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("wr0ng"), "{stderr}");
        assert!(
            !stderr.contains(&basic("me", "wr0ng-pass")[6..]),
            "{stderr}"
        );
    }
    let last = proxy.requests().last().cloned().unwrap();
    assert_eq!(
        last.header("proxy-authorization"),
        Some(basic("me", "wr0ng-pass").as_str())
    );

    // A proxy that cannot be reached: the hint names it, without the credentials.
    let closed = closed_port();
    for (var, host) in [("HTTP_PROXY", &http_host), ("HTTPS_PROXY", &https_host)] {
        let Some(mut cmd) = private_hosts(dir.path(), &["--host", host, "list"]) else {
            return;
        };
        cmd = cmd.env(var, format!("http://me:s3cret-pass@127.0.0.1:{closed}"));
        let stderr = failed(cmd, 3);
        assert!(
            stderr.ends_with(&format!(
                "ollama-rs: hint: the connection goes through the proxy http://127.0.0.1:{closed} \
                 (from {var}): is it running? NO_PROXY={REMOTE} connects directly\n"
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("s3cret"), "{stderr}");
        assert!(!stderr.contains("me:"), "{stderr}");
    }
    assert_eq!(server.requests_to("/api/tags").len(), 1);
    assert_eq!(tls.backend().requests_to("/api/tags").len(), 1);
}

/// The certificate files `cmd` opens; `None` without strace (a skip).
fn certificate_files_opened(cmd: Test) -> Option<Vec<String>> {
    let (_, trace) = traced(cmd, "openat")?;
    let files = trace
        .lines()
        .filter(|l| l.contains("/etc/ssl") || l.contains(".pem") || l.contains(".crt"))
        .map(str::to_string)
        .collect();
    Some(files)
}

#[test]
fn certificates_are_read_only_for_an_https_server() {
    let server = TestServer::start();
    let Some(plain) = certificate_files_opened(client().server(&server).arg("list")) else {
        return;
    };
    assert_eq!(plain, Vec::<String>::new());
    // The same command for an https:// server reads them (so the trace
    // would show them).
    let https = format!("https://127.0.0.1:{}", closed_port());
    let tls = certificate_files_opened(client().args(&["--host", &https, "list"]));
    assert!(
        tls.is_some_and(|files| !files.is_empty()),
        "no certificate file was opened for https"
    );
}
