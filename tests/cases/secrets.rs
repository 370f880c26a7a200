//! Nothing leaked: credentials given as `-H 'Authorization: ...'`, as
//! `OLLAMA_API_KEY` or as `user:password@` in the host never appear in what
//! the command prints (stdout or stderr), whatever happens: success,
//! `--verbose`, `--json`, every fault, a server that echoes them back in its
//! errors, `RUST_LOG=trace` and `RUST_BACKTRACE=1` in the environment. Each
//! run also checks that the server did receive the credential, so that a
//! secret that is simply never sent cannot make the test pass.
//!
//! Panics: the command installs a hook that removes the run's credentials
//! from a panic's message (`src/main.rs`); no test forces a panic, as the
//! product has no way to, and the payloads of its `expect`s are fixed texts.

use std::process::Output;
use std::time::Duration;

use base64::Engine as _;

use crate::cases::cli::{self, stderr_of, stdout_of};
use ollama_test_server::{Fault, TestServer};

const GUARD: Duration = Duration::from_secs(60);

const HEADER_SECRET: &str = "hdr-S1-7c1d9a";
const KEY_SECRET: &str = "key-S2-3e8b04";
const PASSWORD: &str = "pw-S3-91f2aa";
const CUSTOM_SECRET: &str = "xkey-S4-55d0e1";

/// The texts that must never be printed.
fn forbidden() -> Vec<String> {
    vec![
        HEADER_SECRET.into(),
        KEY_SECRET.into(),
        PASSWORD.into(),
        CUSTOM_SECRET.into(),
        basic(),
    ]
}

fn basic() -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("me:{PASSWORD}"))
}

/// Where the credential comes from.
#[derive(Clone, Copy, Debug)]
enum Source {
    Header,
    ApiKey,
    HostPassword,
    /// All three at once: the header wins.
    All,
    /// A custom header that carries a key.
    CustomHeader,
}

impl Source {
    const ALL: [Source; 5] = [
        Source::Header,
        Source::ApiKey,
        Source::HostPassword,
        Source::All,
        Source::CustomHeader,
    ];

    /// `(header name, value)` the server must receive.
    fn received(self) -> (&'static str, String) {
        match self {
            Source::Header | Source::All => ("authorization", format!("Bearer {HEADER_SECRET}")),
            Source::ApiKey => ("authorization", format!("Bearer {KEY_SECRET}")),
            Source::HostPassword => ("authorization", format!("Basic {}", basic())),
            Source::CustomHeader => ("x-api-key", CUSTOM_SECRET.into()),
        }
    }

    /// The command, pointed at `url` with this credential.
    fn command(self, url: &str) -> assert_cmd::Command {
        let mut cmd = cli::bare();
        cmd.env("RUST_LOG", "trace").env("RUST_BACKTRACE", "1");
        let with_password = url.replacen("http://", &format!("http://me:{PASSWORD}@"), 1);
        match self {
            Source::Header => {
                cmd.env("OLLAMA_HOST", url)
                    .args(["-H", &format!("Authorization: Bearer {HEADER_SECRET}")]);
            }
            Source::ApiKey => {
                cmd.env("OLLAMA_HOST", url)
                    .env("OLLAMA_API_KEY", KEY_SECRET);
            }
            Source::HostPassword => {
                cmd.env("OLLAMA_HOST", with_password);
            }
            Source::All => {
                cmd.env("OLLAMA_HOST", with_password)
                    .env("OLLAMA_API_KEY", KEY_SECRET)
                    .args(["-H", &format!("Authorization: Bearer {HEADER_SECRET}")]);
            }
            Source::CustomHeader => {
                cmd.env("OLLAMA_HOST", url)
                    .args(["-H", &format!("X-Api-Key: {CUSTOM_SECRET}")]);
            }
        }
        cmd
    }
}

fn assert_clean(what: &str, out: &Output) {
    let stdout = stdout_of(out);
    let stderr = stderr_of(out);
    for secret in forbidden() {
        assert!(
            !stdout.contains(&secret) && !stderr.contains(&secret),
            "{secret} printed by {what}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

/// A fault made for the credential source of the run.
type MakeFault = fn(Source) -> Fault;

/// Runs `args` with every credential source; checks the output and that
/// the server received the credential.
fn run_everywhere(args: &[&str], fault: Option<(&str, MakeFault)>) {
    for source in Source::ALL {
        let server = TestServer::start();
        let fault = fault.map(|(path, make)| (path, make(source)));
        if let Some((path, fault)) = &fault {
            server.set_fault_for(path, fault.clone());
        }
        let out = source
            .command(&server.url())
            .args(args)
            .timeout(GUARD)
            .output()
            .expect("the binary runs");
        let what = format!("{source:?} `{}` ({fault:?})", args.join(" "));
        assert_clean(&what, &out);
        let (name, value) = source.received();
        let requests = server.requests();
        assert!(!requests.is_empty(), "{what}: nothing reached the server");
        for r in requests {
            assert_eq!(r.header(name), Some(value.as_str()), "{what}: {}", r.path);
        }
    }
}

/// An error text that quotes the credentials of the run back, as a careless
/// server or proxy might: the header it received, and what it decodes to.
fn echo(source: Source) -> String {
    let (_, received) = source.received();
    let decoded = match source {
        Source::HostPassword => format!(" (user me, password {PASSWORD})"),
        Source::All => format!(" (also {KEY_SECRET} and {PASSWORD})"),
        _ => String::new(),
    };
    format!("rejected {received}{decoded}")
}

fn json_error(source: Source, code: u16) -> Fault {
    Fault::Status {
        code,
        content_type: "application/json; charset=utf-8".into(),
        body: serde_json::json!({ "error": echo(source) }).to_string(),
    }
}

fn error_line(source: Source) -> Fault {
    Fault::ErrorMidStream {
        after_lines: 1,
        message: echo(source),
    }
}

#[test]
fn successful_commands_print_no_secret() {
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["ps"],
        &["version"],
        &["version", "--json"],
        &["show", "tiny", "-v"],
        &["show", "tiny", "--json"],
        &["generate", "tiny", "hi", "--verbose"],
        &["generate", "tiny", "hi", "--json", "--verbose"],
        &["generate", "tiny", "hi", "--no-stream", "--verbose"],
        &["chat", "tiny", "-m", "hi", "--verbose"],
        &["chat", "tiny", "-m", "hi", "--json"],
        &["embed", "tiny-embed", "x"],
        &["pull", "tiny", "--progress=plain"],
        &["pull", "tiny", "--json"],
        &["cp", "tiny", "other", "--json"],
    ] {
        run_everywhere(args, None);
    }
}

#[test]
fn failures_print_no_secret() {
    let cases: Vec<(&[&str], &str, MakeFault)> = vec![
        (&["list"], "/api/tags", |s| json_error(s, 401)),
        (&["list", "--json"], "/api/tags", |s| json_error(s, 403)),
        (&["show", "tiny"], "/api/show", |s| json_error(s, 500)),
        (&["cp", "tiny", "x", "--json"], "/api/copy", |s| {
            json_error(s, 401)
        }),
        (&["rm", "tiny", "--json"], "/api/delete", |s| {
            json_error(s, 403)
        }),
        (&["version"], "/api/version", |s| json_error(s, 401)),
        (&["generate", "tiny", "hi"], "/api/generate", |s| {
            json_error(s, 401)
        }),
        (&["embed", "tiny-embed", "x", "--json"], "/api/embed", |s| {
            json_error(s, 403)
        }),
        (&["list"], "/api/tags", |s| Fault::Status {
            code: 502,
            content_type: "text/html".into(),
            body: format!("<html><title>{}</title></html>", echo(s)),
        }),
        (&["list"], "/api/tags", |s| Fault::Status {
            code: 400,
            content_type: "text/plain".into(),
            body: echo(s),
        }),
        (&["show", "tiny"], "/api/show", |s| Fault::RawBody {
            content_type: "application/json".into(),
            body: echo(s).into_bytes(),
        }),
        (
            &["generate", "tiny", "a", "b", "c", "--verbose"],
            "/api/generate",
            error_line,
        ),
        (
            &["chat", "tiny", "-m", "a b c", "--json"],
            "/api/chat",
            error_line,
        ),
        (
            &["pull", "tiny", "--json", "--retries", "0"],
            "/api/pull",
            error_line,
        ),
        (&["pull", "tiny", "--progress=plain"], "/api/pull", |_| {
            Fault::CloseMidStream { after_lines: 1 }
        }),
        (&["list", "--timeout", "0.5"], "/api/tags", |_| {
            Fault::NeverAnswer
        }),
        (
            &["generate", "tiny", "a", "b", "--timeout", "0.5"],
            "/api/generate",
            |_| Fault::Stall {
                after_lines: 1,
                for_ms: 10_000,
            },
        ),
        (&["list"], "/api/tags", |_| Fault::Redirect {
            location: "/api/tags".into(),
            status: 307,
        }),
    ];
    for (args, path, fault) in cases {
        run_everywhere(args, Some((path, fault)));
    }
}

#[test]
fn errors_before_sending_print_no_secret() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let closed = format!("http://127.0.0.1:{port}");
    for source in Source::ALL {
        // Nothing listens: connection refused.
        let out = source
            .command(&closed)
            .args(["list"])
            .timeout(GUARD)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_clean(&format!("{source:?} refused"), &out);
        // A host that is not valid, with the password in it.
        let out = source
            .command("http://127.0.0.1:notaport")
            .args(["list"])
            .timeout(GUARD)
            .output()
            .unwrap();
        assert_clean(&format!("{source:?} bad host"), &out);
    }
    let out = cli::bare()
        .env(
            "OLLAMA_HOST",
            format!("http://me:{PASSWORD}@127.0.0.1:notaport"),
        )
        .arg("list")
        .timeout(GUARD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: invalid Ollama host `http://me:***@127.0.0.1:notaport`: \
         the port must be a number from 0 to 65535\n"
    );
    // A header without its colon, or with a value no header can hold.
    let server = TestServer::start();
    for bad in [
        format!("Authorization Bearer {HEADER_SECRET}"),
        format!("Authorization=Bearer {HEADER_SECRET}"),
        format!("Authorization: Bearer {HEADER_SECRET}\u{1}"),
        format!("X-Api-Key: {CUSTOM_SECRET}\nInjected: 1"),
    ] {
        let out = cli::ollama(&server)
            .args(["list", "-H", &bad])
            .timeout(GUARD)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
        assert_clean(&format!("-H {bad:?}"), &out);
    }
    let out = cli::ollama(&server)
        .args([
            "list",
            "-H",
            &format!("Authorization Bearer {HEADER_SECRET}"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: header `Authorization...` must look like 'Name: value'\n"
    );
    assert!(server.requests().is_empty());
}

/// The library's errors and `Debug` output, with every kind of credential.
#[tokio::test]
async fn library_errors_and_debug_show_no_secret() {
    let server = TestServer::start();
    server.set_fault_for(
        "/api/tags",
        Fault::Redirect {
            location: "/api/tags".into(),
            status: 307,
        },
    );
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("127.0.0.1:{}", l.local_addr().unwrap().port())
    };
    for host in [server.url().replace("http://", ""), closed] {
        let builder = ollama_rs::Client::builder()
            .host(format!("http://me:{PASSWORD}@{host}"))
            .api_key(Some(KEY_SECRET.into()))
            .header("X-Api-Key", CUSTOM_SECRET);
        let debug_builder = format!("{builder:?}");
        let client = builder.build().unwrap();
        let other = ollama_rs::Client::builder()
            .host(format!("http://{host}"))
            .header("Authorization", format!("Bearer {HEADER_SECRET}"))
            .build()
            .unwrap();
        let mut texts = vec![
            debug_builder,
            format!("{client:?}"),
            format!("{other:#?}"),
            format!("{:?}", client.host()),
            client.host().to_string(),
        ];
        for c in [&client, &other] {
            let err = c.list().await.unwrap_err();
            texts.push(err.to_string());
            texts.push(format!("{err:?}"));
            let mut source = std::error::Error::source(&err);
            while let Some(s) = source {
                texts.push(s.to_string());
                source = s.source();
            }
        }
        for text in texts {
            for secret in forbidden() {
                assert!(!text.contains(&secret), "{secret} in {text}");
            }
        }
    }
    // The redirected requests carried the credentials all the same.
    let sent = server.requests_to("/api/tags");
    assert!(sent
        .iter()
        .any(|r| r.header("authorization") == Some(&format!("Basic {}", basic()))));
}

/// A header that looks like a credential is for the server it was given
/// for: a redirect to another server is refused rather than followed with
/// it (reqwest itself drops only `Authorization`, `Cookie` and
/// `Proxy-Authorization`). Other headers do not stop a redirect.
#[test]
fn credential_headers_never_follow_a_redirect_to_another_server() {
    let first = TestServer::start();
    let other = TestServer::start();
    first.set_fault(Fault::redirect_to(&other, "/api/tags", 307));
    let out = cli::ollama(&first)
        .args(["-H", &format!("X-Api-Key: {CUSTOM_SECRET}"), "list"])
        .timeout(GUARD)
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "refused a redirect to another server ({}/api/tags)",
            other.url()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(CUSTOM_SECRET), "{stderr}");
    assert!(other.requests().is_empty(), "the other server was asked");

    let out = cli::ollama(&first)
        .args(["-H", "X-Trace: 1", "list"])
        .timeout(GUARD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stdout_of(&out).starts_with("NAME"), "{}", stdout_of(&out));
    let asked = other.requests_to("/api/tags");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].header("x-trace"), Some("1"));
}
