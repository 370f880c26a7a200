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

use crate::harness::{b64, closed_port, status_of, stderr_of, stdout_of, Test};
use ollama_test_server::{Fault, TestServer};

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
    b64(format!("me:{PASSWORD}").as_bytes())
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
    fn command(self, url: &str) -> Test {
        let cmd = Test::new()
            .env("RUST_LOG", "trace")
            .env("RUST_BACKTRACE", "1");
        let with_password = url.replacen("http://", &format!("http://me:{PASSWORD}@"), 1);
        match self {
            Source::Header => cmd
                .env("OLLAMA_HOST", url)
                .args(&["-H", &format!("Authorization: Bearer {HEADER_SECRET}")]),
            Source::ApiKey => cmd
                .env("OLLAMA_HOST", url)
                .env("OLLAMA_API_KEY", KEY_SECRET),
            Source::HostPassword => cmd.env("OLLAMA_HOST", with_password),
            Source::All => cmd
                .env("OLLAMA_HOST", with_password)
                .env("OLLAMA_API_KEY", KEY_SECRET)
                .args(&["-H", &format!("Authorization: Bearer {HEADER_SECRET}")]),
            Source::CustomHeader => cmd
                .env("OLLAMA_HOST", url)
                .args(&["-H", &format!("X-Api-Key: {CUSTOM_SECRET}")]),
        }
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

/// What a run must end with, so that the path it is meant to cover is shown
/// to have run: its exit status, and a piece of what it prints (on stdout or
/// stderr).
struct Ends(i32, &'static str);

/// Runs `args` with every credential source; checks the exit status, a
/// piece of the expected output, that nothing secret is printed, and that
/// the server received the credential.
fn run_everywhere(args: &[&str], fault: Option<(&str, MakeFault)>, ends: Ends) {
    let Ends(status, says) = ends;
    for source in Source::ALL {
        let server = TestServer::start();
        let fault = fault.map(|(path, make)| (path, make(source)));
        if let Some((path, fault)) = &fault {
            server.set_fault_for(path, fault.clone());
        }
        let out = source.command(&server.url()).args(args).output();
        let what = format!("{source:?} `{}` ({fault:?})", args.join(" "));
        assert_clean(&what, &out);
        let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
        let context = format!("{what}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}");
        assert_eq!(status_of(&out), status, "status of {context}");
        assert!(
            stdout.contains(says) || stderr.contains(says),
            "`{says}` not printed by {context}"
        );
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
    for (args, ends) in [
        (&["list"][..], Ends(0, "NAME ")),
        (&["list", "--json"], Ends(0, "\"models\"")),
        (&["ps"], Ends(0, "PROCESSOR")),
        (&["version"], Ends(0, "server version: 0.32.15")),
        (&["version", "--json"], Ends(0, "\"server\":\"0.32.15\"")),
        (&["show", "tiny", "-v"], Ends(0, "  Model")),
        (&["show", "tiny", "--json"], Ends(0, "\"details\"")),
        (
            &["generate", "tiny", "hi", "--verbose"],
            Ends(0, "total duration:"),
        ),
        (
            &["generate", "tiny", "hi", "--json", "--verbose"],
            Ends(0, "total duration:"),
        ),
        (
            &["generate", "tiny", "hi", "--no-stream", "--verbose"],
            Ends(0, "total duration:"),
        ),
        (
            &["chat", "tiny", "-m", "hi", "--verbose"],
            Ends(0, "total duration:"),
        ),
        (
            &["chat", "tiny", "-m", "hi", "--json"],
            Ends(0, "\"done\":true"),
        ),
        (&["embed", "tiny-embed", "x"], Ends(0, "[")),
        (
            &["pull", "tiny", "--progress=plain"],
            Ends(0, "pulled 'tiny'"),
        ),
        (
            &["pull", "tiny", "--json"],
            Ends(0, "\"status\":\"success\""),
        ),
        (
            &["cp", "tiny", "other", "--json"],
            Ends(0, "\"status\":\"copied\""),
        ),
    ] {
        run_everywhere(args, None, ends);
    }
}

#[test]
fn failures_print_no_secret() {
    let cases: Vec<(&[&str], &str, MakeFault, Ends)> = vec![
        (
            &["list"],
            "/api/tags",
            |s| json_error(s, 401),
            Ends(5, "(status code: 401)"),
        ),
        (
            &["list", "--json"],
            "/api/tags",
            |s| json_error(s, 403),
            Ends(5, "(status code: 403)"),
        ),
        (
            &["show", "tiny"],
            "/api/show",
            |s| json_error(s, 500),
            Ends(1, "could not show `tiny`: rejected"),
        ),
        (
            &["cp", "tiny", "x", "--json"],
            "/api/copy",
            |s| json_error(s, 401),
            Ends(5, "(status code: 401)"),
        ),
        (
            &["rm", "tiny", "--json"],
            "/api/delete",
            |s| json_error(s, 403),
            Ends(5, "(status code: 403)"),
        ),
        (
            &["version"],
            "/api/version",
            |s| json_error(s, 401),
            Ends(5, "(status code: 401)"),
        ),
        (
            &["generate", "tiny", "hi"],
            "/api/generate",
            |s| json_error(s, 401),
            Ends(5, "could not generate with `tiny`: rejected"),
        ),
        (
            &["embed", "tiny-embed", "x", "--json"],
            "/api/embed",
            |s| json_error(s, 403),
            Ends(5, "could not embed with `tiny-embed`: rejected"),
        ),
        (
            &["list"],
            "/api/tags",
            |s| Fault::Status {
                code: 502,
                content_type: "text/html".into(),
                body: format!("<html><title>{}</title></html>", echo(s)),
            },
            Ends(1, "the server answered with an HTML page: rejected"),
        ),
        (
            &["list"],
            "/api/tags",
            |s| Fault::Status {
                code: 400,
                content_type: "text/plain".into(),
                body: echo(s),
            },
            Ends(1, "(status code: 400)"),
        ),
        (
            &["show", "tiny"],
            "/api/show",
            |s| Fault::RawBody {
                content_type: "application/json".into(),
                body: echo(s).into_bytes(),
            },
            Ends(1, "could not decode the server's response"),
        ),
        (
            &["generate", "tiny", "a", "b", "c", "--verbose"],
            "/api/generate",
            error_line,
            Ends(1, "generation with `tiny` failed: rejected"),
        ),
        (
            &["chat", "tiny", "-m", "a b c", "--json"],
            "/api/chat",
            error_line,
            Ends(1, "chat with `tiny` failed: rejected"),
        ),
        (
            &["pull", "tiny", "--json", "--retries", "0"],
            "/api/pull",
            error_line,
            Ends(1, "could not pull `tiny`: rejected"),
        ),
        (
            &["pull", "tiny", "--progress=plain"],
            "/api/pull",
            |_| Fault::CloseMidStream { after_lines: 1 },
            Ends(1, "could not pull `tiny`"),
        ),
        (
            &["list", "--timeout", "0.5"],
            "/api/tags",
            |_| Fault::NeverAnswer,
            Ends(3, "timed out waiting for Ollama"),
        ),
        (
            &["generate", "tiny", "a", "b", "--timeout", "0.5"],
            "/api/generate",
            |_| Fault::Stall {
                after_lines: 1,
                for_ms: 10_000,
            },
            // Mid-stream as a rule; on a loaded machine the first line may
            // come too late too: the same status, and the same words.
            Ends(3, "timed out waiting for Ollama"),
        ),
        (
            &["list"],
            "/api/tags",
            |_| Fault::Redirect {
                location: "/api/tags".into(),
                status: 307,
            },
            Ends(1, "redirect loop"),
        ),
    ];
    for (args, path, fault, ends) in cases {
        run_everywhere(args, Some((path, fault)), ends);
    }
}

#[test]
fn errors_before_sending_print_no_secret() {
    let closed = format!("http://127.0.0.1:{}", closed_port());
    for source in Source::ALL {
        // Nothing listens: connection refused.
        let out = source.command(&closed).args(&["list"]).output();
        assert_eq!(out.status.code(), Some(3));
        assert_clean(&format!("{source:?} refused"), &out);
        // A host that is not valid, with the password in it.
        let out = source
            .command("http://127.0.0.1:notaport")
            .args(&["list"])
            .output();
        assert_clean(&format!("{source:?} bad host"), &out);
    }
    let out = Test::new()
        .env(
            "OLLAMA_HOST",
            format!("http://me:{PASSWORD}@127.0.0.1:notaport"),
        )
        .arg("list")
        .output();
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
        let out = Test::new()
            .server(&server)
            .args(&["list", "-H", &bad])
            .output();
        assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
        assert_clean(&format!("-H {bad:?}"), &out);
    }
    let out = Test::new()
        .server(&server)
        .args(&[
            "list",
            "-H",
            &format!("Authorization Bearer {HEADER_SECRET}"),
        ])
        .output();
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
    let closed = format!("127.0.0.1:{}", closed_port());
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
/// for: a redirect to another server is followed without it (nor
/// `Authorization`, `Cookie`, `Proxy-Authorization`). Other headers go
/// along.
#[test]
fn credential_headers_never_follow_a_redirect_to_another_server() {
    let first = TestServer::start();
    let other = TestServer::start();
    first.set_fault(Fault::redirect_to(&other, "/api/tags", 307));
    let out = Test::new()
        .server(&first)
        .args(&["-H", &format!("X-Api-Key: {CUSTOM_SECRET}"), "list"])
        .output();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(CUSTOM_SECRET), "{stderr}");
    assert_eq!(first.requests()[0].header("x-api-key"), Some(CUSTOM_SECRET));
    let asked = other.requests_to("/api/tags");
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0].header("x-api-key"),
        None,
        "the credential went along"
    );
    other.clear_requests();

    let out = Test::new()
        .server(&first)
        .args(&["-H", "X-Trace: 1", "list"])
        .output();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(stdout_of(&out).starts_with("NAME"), "{}", stdout_of(&out));
    let asked = other.requests_to("/api/tags");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].header("x-trace"), Some("1"));
}
