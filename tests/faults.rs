//! Every fault of the reliability list, against every kind of request the
//! command line makes, in one table.
//!
//! Each fault ([`Case`]) runs against the commands it applies to ([`CMDS`]:
//! streaming and single-document requests) and each run must end with the
//! documented exit status, exactly one `ollama-rs: error:` line on stderr
//! (then only `hint:` lines) that names the problem, no panic, and well
//! within a time bound: a hang fails the test instead of hanging it.
//!
//! Only 127.0.0.1 is ever contacted. The host name that does not resolve is
//! tried inside an empty network namespace (`unshare -n`), where no DNS
//! query can leave the machine.

use std::process::Output;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;

use crate::harness::{bin, can_unshare, closed_port, stderr_of, stdout_of, Test};
use ollama_test_server::{Fault, TestServer};

/// Longest a run may take: the slowest case waits one second for a timeout.
/// Generous, so that only a hang (a timeout not applied) fails it.
const BOUND: Duration = Duration::from_secs(20);

/// One command of the matrix. In `args`, `MODEL` stands for the case's
/// model (`tiny`, or a missing one) and `EMBED` for its embedding model.
struct Cmd {
    args: &'static [&'static str],
    /// The API path it asks.
    path: &'static str,
    /// Whether the answer is an NDJSON stream.
    stream: bool,
}

impl Cmd {
    fn label(&self) -> String {
        self.args.join(" ")
    }

    fn is(&self, first: &str) -> bool {
        self.args[0] == first
    }
}

const CMDS: &[Cmd] = &[
    Cmd {
        args: &["generate", "MODEL", "hi"],
        path: "/api/generate",
        stream: true,
    },
    Cmd {
        args: &["generate", "MODEL", "hi", "--no-stream"],
        path: "/api/generate",
        stream: false,
    },
    Cmd {
        args: &["generate", "MODEL", "hi", "--json"],
        path: "/api/generate",
        stream: true,
    },
    Cmd {
        args: &["chat", "MODEL", "-m", "hi"],
        path: "/api/chat",
        stream: true,
    },
    Cmd {
        args: &["list"],
        path: "/api/tags",
        stream: false,
    },
    Cmd {
        args: &["show", "MODEL"],
        path: "/api/show",
        stream: false,
    },
    // No retries: stderr then holds only the outcome (the retries have
    // tests of their own).
    Cmd {
        args: &["pull", "MODEL", "--retries", "0"],
        path: "/api/pull",
        stream: true,
    },
    Cmd {
        args: &["embed", "EMBED", "some text"],
        path: "/api/embed",
        stream: false,
    },
];

/// The faults.
#[derive(Clone, Copy, Debug)]
enum Case {
    ConnectionRefused,
    HostDoesNotResolve,
    NeverAnswers,
    Stalls,
    PullStallsPastItsStallTimeout,
    ClosedMidStream,
    EndsBeforeDone,
    ErrorLineMidStream,
    Html500,
    Refused(u16),
    ModelNotFound,
    UnknownPath404,
    RedirectLoop,
    NotJson,
    LineOverTheCap,
    InvalidUtf8,
    OneWholeObject,
}

/// What a run must show.
struct Expect {
    status: i32,
    /// Each must be in the error line (the whole stderr when status is 0).
    says: Vec<String>,
    /// The one hint line, if any.
    hint: Option<&'static str>,
    /// Exactly this on stdout, when given.
    stdout: Option<&'static str>,
}

fn fails(status: i32, says: &[&str]) -> Expect {
    Expect {
        status,
        says: says.iter().map(|s| s.to_string()).collect(),
        hint: None,
        stdout: None,
    }
}

impl Expect {
    fn hint(mut self, hint: &'static str) -> Expect {
        self.hint = Some(hint);
        self
    }

    fn stdout(mut self, stdout: &'static str) -> Expect {
        self.stdout = Some(stdout);
        self
    }
}

const HTML_PAGE: &str = "<!DOCTYPE html>\n<html>\n<head><title>500 Internal Server Error</title></head>\n\
    <body>\n<center><h1>500 Internal Server Error</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n";

/// A 200 body whose first field the command reads holds the byte 0xFF.
fn invalid_utf8_body(cmd: &Cmd) -> Vec<u8> {
    let body: &[u8] = match cmd.args[0] {
        "generate" => b"{\"model\":\"tiny\",\"response\":\"a\xffb\",\"done\":true}\n",
        "chat" => b"{\"model\":\"tiny\",\"message\":{\"role\":\"assistant\",\"content\":\"a\xffb\"},\"done\":true}\n",
        "list" => b"{\"models\":[{\"name\":\"a\xffb\",\"model\":\"a\",\"size\":1,\"digest\":\"d\"}]}",
        "show" => b"{\"modelfile\":\"a\xffb\"}",
        "pull" => b"{\"status\":\"a\xffb\"}\n",
        "embed" => b"{\"model\":\"a\xffb\",\"embeddings\":[[0.5]]}",
        other => panic!("no body for {other}"),
    };
    body.to_vec()
}

/// The one complete JSON object a server may send instead of a stream.
fn whole_object(cmd: &Cmd) -> &'static str {
    match cmd.args[0] {
        "generate" => r#"{"model":"tiny","response":"whole answer","done":true}"#,
        "chat" => {
            r#"{"model":"tiny","message":{"role":"assistant","content":"whole answer"},"done":true}"#
        }
        "pull" => r#"{"status":"success"}"#,
        other => panic!("no object for {other}"),
    }
}

impl Case {
    /// Whether the fault can happen to this request.
    fn applies(self, cmd: &Cmd) -> bool {
        match self {
            // Only streams have lines after the first, or a `done` line.
            Case::ErrorLineMidStream | Case::LineOverTheCap | Case::OneWholeObject => cmd.stream,
            Case::PullStallsPastItsStallTimeout => cmd.is("pull"),
            Case::ModelNotFound => !cmd.is("list"),
            _ => true,
        }
    }

    fn model(self) -> &'static str {
        match self {
            Case::ModelNotFound => "nope",
            _ => "tiny",
        }
    }

    /// Sets the fault up; returns the extra arguments the run needs.
    fn arm(self, server: &TestServer, cmd: &Cmd) -> Vec<String> {
        let raw = |content_type: &str, body: Vec<u8>| Fault::RawBody {
            content_type: content_type.into(),
            body,
        };
        let fault = match self {
            Case::ConnectionRefused | Case::HostDoesNotResolve | Case::ModelNotFound => None,
            Case::NeverAnswers => Some(Fault::NeverAnswer),
            Case::Stalls | Case::PullStallsPastItsStallTimeout => Some(Fault::Stall {
                // A stream stalls after its first line; a document before it.
                after_lines: usize::from(cmd.stream),
                for_ms: 30_000,
            }),
            Case::ClosedMidStream => Some(Fault::CloseMidStream {
                after_lines: usize::from(cmd.stream),
            }),
            Case::EndsBeforeDone if cmd.stream => Some(raw(
                "application/x-ndjson",
                br#"{"model":"tiny","response":"cut","message":{"role":"assistant","content":"cut"},"status":"pulling manifest","done":false}"#
                    .iter()
                    .chain(b"\n")
                    .copied()
                    .collect(),
            )),
            Case::EndsBeforeDone => Some(raw("application/json", Vec::new())),
            Case::ErrorLineMidStream => Some(Fault::ErrorMidStream {
                after_lines: 1,
                message: "the runner crashed".into(),
            }),
            Case::Html500 => Some(Fault::Status {
                code: 500,
                content_type: "text/html".into(),
                body: HTML_PAGE.into(),
            }),
            Case::Refused(code) => Some(Fault::Status {
                code,
                content_type: "application/json; charset=utf-8".into(),
                body: r#"{"error":"unauthorized"}"#.into(),
            }),
            Case::UnknownPath404 => Some(Fault::Status {
                code: 404,
                content_type: "text/plain".into(),
                body: "404 page not found".into(),
            }),
            Case::RedirectLoop => Some(Fault::Redirect {
                location: format!("{}{}", server.url(), cmd.path),
                status: 307,
            }),
            Case::NotJson => Some(raw("application/json", b"this is not json\n".to_vec())),
            Case::LineOverTheCap => {
                // One complete object of 9 MB, and no newline.
                let mut line = br#"{"response":""#.to_vec();
                line.resize(line.len() + 9_000_000, b'a');
                line.extend_from_slice(br#"","done":false}"#);
                Some(raw("application/x-ndjson", line))
            }
            Case::InvalidUtf8 => Some(raw("application/x-ndjson", invalid_utf8_body(cmd))),
            Case::OneWholeObject => Some(raw(
                "application/json",
                whole_object(cmd).as_bytes().to_vec(),
            )),
        };
        if let Some(fault) = fault {
            server.set_fault_for(cmd.path, fault);
        }
        match self {
            Case::NeverAnswers | Case::Stalls => vec!["--timeout".into(), "1".into()],
            Case::PullStallsPastItsStallTimeout => vec!["--stall-timeout".into(), "1".into()],
            _ => Vec::new(),
        }
    }

    /// What the user must see. `url` is the server's base URL.
    fn expect(self, cmd: &Cmd, url: &str) -> Expect {
        let pull = cmd.is("pull");
        match self {
            Case::ConnectionRefused => fails(
                3,
                &[
                    &format!("could not connect to Ollama at {url}"),
                    "Connection refused",
                ],
            )
            .hint("is `ollama serve` running at"),
            Case::HostDoesNotResolve => fails(
                3,
                &[
                    "could not connect to Ollama at http://ollama.invalid:11434",
                    "could not resolve the host name `ollama.invalid`",
                ],
            )
            .hint("check the host name in --host or OLLAMA_HOST"),
            Case::NeverAnswers | Case::Stalls => {
                fails(3, &[&format!("timed out waiting for Ollama at {url}")])
                    .hint("the server did not answer in time; raise --timeout")
            }
            Case::PullStallsPastItsStallTimeout => {
                fails(1, &["could not pull `tiny`: no progress for 1s"])
            }
            Case::ClosedMidStream => fails(
                1,
                &[
                    &format!("request to {url} failed"),
                    "the connection broke while the answer was being read",
                ],
            ),
            Case::EndsBeforeDone if pull => fails(
                1,
                &["the server ended the stream without reporting success"],
            ),
            Case::EndsBeforeDone if cmd.stream => fails(
                1,
                &["failed: the server ended the stream before the answer was complete"],
            ),
            Case::EndsBeforeDone => fails(
                1,
                &["could not decode the server's response: the body is empty"],
            ),
            Case::ErrorLineMidStream => fails(1, &[": the runner crashed"]),
            Case::Html500 => fails(
                1,
                &["the server answered with an HTML page: 500 Internal Server Error (status code: 500)"],
            ),
            Case::Refused(code) => fails(5, &[&format!("unauthorized (status code: {code})")])
                .hint("the server refused the credentials"),
            // One-shot chat pulls a missing model first, as `ollama run`
            // does: the pull's failure is the error, with no hint to pull.
            Case::ModelNotFound if pull || cmd.is("chat") => {
                fails(4, &["could not pull `nope`: pull model manifest: file does not exist"])
            }
            Case::ModelNotFound => {
                fails(4, &["`nope`", "not found", "(status code: 404)"]).hint("try `ollama-rs pull nope`")
            }
            Case::UnknownPath404 => fails(1, &["404 page not found (status code: 404)"]),
            Case::RedirectLoop => fails(
                1,
                &[
                    &format!("request to {url} failed"),
                    &format!("redirect loop: the server redirects back to {url}{}", cmd.path),
                ],
            ),
            Case::NotJson => fails(
                1,
                &["could not decode the server's response: expected ident at line 1 column 2 \
                   in `this is not json`"],
            ),
            Case::LineOverTheCap => {
                fails(1, &["a response line exceeds the limit of 8000000 bytes"])
            }
            Case::InvalidUtf8 => fails(
                1,
                &["could not decode the server's response: invalid UTF-8: byte 0xff at offset"],
            ),
            Case::OneWholeObject if pull => Expect {
                status: 0,
                says: vec!["pulled 'tiny'".into()],
                hint: None,
                stdout: None,
            }
            .stdout(""),
            Case::OneWholeObject if cmd.args.contains(&"--json") => Expect {
                status: 0,
                says: Vec::new(),
                hint: None,
                stdout: None,
            },
            Case::OneWholeObject => Expect {
                status: 0,
                says: Vec::new(),
                hint: None,
                stdout: None,
            }
            .stdout("whole answer\n"),
        }
    }
}

/// The arguments of `cmd` for `model`.
fn args_of(cmd: &Cmd, model: &str) -> Vec<String> {
    let embed = if model == "tiny" { "tiny-embed" } else { model };
    cmd.args
        .iter()
        .map(|a| match *a {
            "MODEL" => model.to_string(),
            "EMBED" => embed.to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// The binary inside an empty network namespace, with a clean environment.
fn in_empty_network(args: &[String]) -> Test {
    Test::program("unshare")
        .arg("-n")
        .arg(bin())
        .args_from(args)
}

/// Checks what every run must show, whatever the fault.
fn check_run(what: &str, out: &Output, took: Duration, want: &Expect) {
    let stderr = stderr_of(out);
    let stdout = stdout_of(out);
    let context = format!("{what}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}");
    assert_eq!(out.status.code(), Some(want.status), "status of {context}");
    assert!(took < BOUND, "took {took:?}: {context}");
    for bad in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!stderr.contains(bad), "{bad}: {context}");
    }
    if let Some(expected) = want.stdout {
        assert_eq!(stdout, expected, "stdout of {context}");
    }
    let lines: Vec<&str> = stderr.lines().collect();
    if want.status == 0 {
        assert!(!stderr.contains("error:"), "{context}");
        for s in &want.says {
            assert!(stderr.contains(s.as_str()), "`{s}` not in {context}");
        }
        return;
    }
    let errors = lines
        .iter()
        .filter(|l| l.starts_with("ollama-rs: error: "))
        .count();
    assert_eq!(errors, 1, "one error line: {context}");
    assert!(
        lines[0].starts_with("ollama-rs: error: "),
        "the error line comes first: {context}"
    );
    let error = lines[0];
    assert!(error.len() < 400, "a short line: {context}");
    for s in &want.says {
        assert!(
            error.contains(s.as_str()),
            "`{s}` not in the error line of {context}"
        );
    }
    let hints: Vec<&&str> = lines[1..].iter().collect();
    assert!(
        hints.iter().all(|l| l.starts_with("ollama-rs: hint: ")),
        "only hints follow the error: {context}"
    );
    match want.hint {
        Some(h) => {
            assert_eq!(hints.len(), 1, "one hint: {context}");
            assert!(hints[0].contains(h), "hint `{h}` in {context}");
        }
        None => assert!(hints.is_empty(), "no hint: {context}"),
    }
}

/// Runs every command the fault applies to; returns how many ran.
fn check(case: Case) -> usize {
    let mut ran = 0;
    for cmd in CMDS.iter().filter(|c| case.applies(c)) {
        let server = TestServer::start();
        let mut args = args_of(cmd, case.model());
        args.extend(case.arm(&server, cmd));
        let url = match case {
            Case::ConnectionRefused => format!("http://127.0.0.1:{}", closed_port()),
            _ => server.url(),
        };
        let run = match case {
            Case::HostDoesNotResolve => {
                let mut all = vec!["--host".to_string(), "http://ollama.invalid:11434".into()];
                all.extend(args);
                in_empty_network(&all)
            }
            _ => Test::new().env("OLLAMA_HOST", &url).args_from(&args),
        };
        let started = Instant::now();
        let out = run.env("RUST_BACKTRACE", "1").output();
        let took = started.elapsed();
        let what = format!("{case:?} × `{}`", cmd.label());
        check_run(&what, &out, took, &case.expect(cmd, &url));
        // The fault was the server's answer, not a request that never left.
        let reached = !server.requests_to(cmd.path).is_empty();
        let elsewhere = matches!(case, Case::ConnectionRefused | Case::HostDoesNotResolve);
        assert_eq!(
            reached, !elsewhere,
            "{what}: whether the request reached the server"
        );
        ran += 1;
    }
    ran
}

#[test]
fn connection_refused() {
    assert_eq!(check(Case::ConnectionRefused), CMDS.len());
}

#[test]
fn host_name_that_does_not_resolve() {
    if !can_unshare(&["-n"]) {
        return;
    }
    assert_eq!(check(Case::HostDoesNotResolve), CMDS.len());
}

#[test]
fn server_that_never_answers_is_ended_by_the_timeout() {
    assert_eq!(check(Case::NeverAnswers), CMDS.len());
}

#[test]
fn stream_or_document_that_stalls_is_ended_by_the_timeout() {
    assert_eq!(check(Case::Stalls), CMDS.len());
}

#[test]
fn pull_that_stalls_past_its_stall_timeout() {
    assert_eq!(check(Case::PullStallsPastItsStallTimeout), 1);
}

#[test]
fn connection_closed_mid_answer() {
    assert_eq!(check(Case::ClosedMidStream), CMDS.len());
}

#[test]
fn answer_that_ends_before_it_is_done() {
    assert_eq!(check(Case::EndsBeforeDone), CMDS.len());
}

#[test]
fn error_line_mid_stream() {
    assert_eq!(check(Case::ErrorLineMidStream), 4);
}

#[test]
fn status_500_with_an_html_page() {
    assert_eq!(check(Case::Html500), CMDS.len());
}

#[test]
fn credentials_refused_401_and_403() {
    assert_eq!(check(Case::Refused(401)), CMDS.len());
    assert_eq!(check(Case::Refused(403)), CMDS.len());
}

#[test]
fn model_not_found() {
    assert_eq!(check(Case::ModelNotFound), CMDS.len() - 1);
}

#[test]
fn unknown_path_is_not_a_missing_model() {
    assert_eq!(check(Case::UnknownPath404), CMDS.len());
}

#[test]
fn redirect_loop() {
    assert_eq!(check(Case::RedirectLoop), CMDS.len());
}

#[test]
fn body_that_is_not_json() {
    assert_eq!(check(Case::NotJson), CMDS.len());
}

#[test]
fn line_over_the_size_cap() {
    assert_eq!(check(Case::LineOverTheCap), 4);
}

#[test]
fn invalid_utf8_byte() {
    assert_eq!(check(Case::InvalidUtf8), CMDS.len());
}

#[test]
fn one_whole_object_for_a_stream_is_an_answer() {
    assert_eq!(check(Case::OneWholeObject), 4);
}

#[test]
fn one_pretty_printed_object_for_a_stream_is_an_answer() {
    let server = TestServer::start();
    let cases: [(&[&str], serde_json::Value, &str); 3] = [
        (
            &["generate", "tiny", "hi"],
            serde_json::json!({"model": "tiny", "response": "whole answer", "done": true}),
            "whole answer\n",
        ),
        (
            &["chat", "tiny", "-m", "hi"],
            serde_json::json!({"model": "tiny", "done": true,
                               "message": {"role": "assistant", "content": "whole answer"}}),
            "whole answer\n",
        ),
        (
            &["pull", "tiny"],
            serde_json::json!({"status": "success"}),
            "",
        ),
    ];
    for (args, doc, stdout) in cases {
        server.set_fault(Fault::RawBody {
            content_type: "application/json; charset=utf-8".into(),
            body: serde_json::to_string_pretty(&doc).unwrap().into_bytes(),
        });
        let out = Test::new().server(&server).args(args).output();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr_of(&out));
        assert_eq!(stdout_of(&out), stdout, "{args:?}");
    }
}

/// The same resolution failure through the library, with a resolver that
/// always fails (no DNS query at all).
#[tokio::test]
async fn library_reports_an_unresolved_host() {
    struct NoSuchName;
    impl reqwest::dns::Resolve for NoSuchName {
        fn resolve(&self, _name: reqwest::dns::Name) -> reqwest::dns::Resolving {
            Box::pin(async {
                Err::<reqwest::dns::Addrs, _>(Box::new(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such host",
                ))
                    as Box<dyn std::error::Error + Send + Sync>)
            })
        }
    }
    let http = reqwest::Client::builder()
        .dns_resolver(Arc::new(NoSuchName))
        .build()
        .unwrap();
    let client = ollama_rs::Client::builder()
        .host("http://ollama.invalid:11434")
        .http_client(http)
        .build()
        .unwrap();
    let err = client.list().await.unwrap_err();
    assert!(matches!(err, ollama_rs::Error::Connect { .. }), "{err:?}");
    assert!(err.is_unresolved_host(), "{err:?}");
    assert_eq!(
        err.to_string(),
        "could not connect to Ollama at http://ollama.invalid:11434"
    );
    // A refused connection is not a resolution failure.
    let client = ollama_rs::Client::with_host(format!("127.0.0.1:{}", closed_port())).unwrap();
    let err = client.list().await.unwrap_err();
    assert!(matches!(err, ollama_rs::Error::Connect { .. }), "{err:?}");
    assert!(!err.is_unresolved_host(), "{err:?}");
}
