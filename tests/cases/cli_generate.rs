//! `generate`, one-shot `chat` and `embed` against the test server: the
//! request every flag sends, the exact output on stdout and stderr, `--json`,
//! stdin, exit statuses, escape codes and closed pipes.
//!
//! The terminal forms (thinking dimmed on stdout between `Thinking...` and
//! `...done thinking.`, the embed progress bar) need a PTY and are not
//! covered here.

use std::io::Read;
use std::process::{Child, Command as StdCommand, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use crate::cases::cli::{self, stderr_of, stdout_of};
use ollama_test_server::{self, Fault, TestServer};

/// Hang guard for every run: far above what any of them needs.
const GUARD: Duration = Duration::from_secs(60);

/// Runs `ollama-rs ARGS` against `server` with `stdin`.
fn run(server: &TestServer, args: &[&str], stdin: &str) -> Output {
    cli::ollama(server)
        .args(args)
        .write_stdin(stdin)
        .timeout(GUARD)
        .output()
        .expect("the binary runs")
}

fn status(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// The JSON body of the only request to `path`.
fn body(server: &TestServer, path: &str) -> Value {
    let requests = server.requests_to(path);
    assert_eq!(requests.len(), 1, "one request to {path}");
    requests[0].json()
}

fn assert_nothing_sent(server: &TestServer) {
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.is_empty(), "requests were sent: {paths:?}");
}

/// A usage error: status 2, one error line, no output, no request.
fn assert_usage(server: &TestServer, out: &Output, message: &str) {
    assert_eq!(stdout_of(out), "");
    assert_eq!(stderr_of(out), format!("ollama-rs: error: {message}\n"));
    assert_eq!(status(out), 2);
    assert_nothing_sent(server);
}

/// A usage error whose one line starts with `prefix` (the rest quotes
/// what another layer said): status 2, no output, no request.
fn assert_usage_starting(server: &TestServer, out: &Output, prefix: &str) {
    let stderr = stderr_of(out);
    assert!(stderr.starts_with(prefix), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(stdout_of(out), "");
    assert_eq!(status(out), 2);
    assert_nothing_sent(server);
}

fn assert_no_escape(out: &Output) {
    assert!(!out.stdout.contains(&0x1b), "escape code on stdout");
    assert!(!out.stderr.contains(&0x1b), "escape code on stderr");
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What the test server's statistics look like for `prompt_eval_count` P and
/// `eval_count` E (0.1 ms per prompt token, 1 ms per generated token, 1 ms
/// load, 0.5 ms overhead), printed as `ollama run --verbose` prints them.
fn stats(
    total: &str,
    prompt_count: u32,
    prompt_duration: &str,
    count: u32,
    duration: &str,
) -> String {
    format!(
        "total duration:       {total}\n\
         load duration:        1ms\n\
         prompt eval count:    {prompt_count} token(s)\n\
         prompt eval duration: {prompt_duration}\n\
         prompt eval rate:     10000.00 tokens/s\n\
         eval count:           {count} token(s)\n\
         eval duration:        {duration}\n\
         eval rate:            1000.00 tokens/s\n"
    )
}

/// The binary as a plain process, for tests that read its output while it
/// runs: a clean environment pointed at `server`.
fn spawn(server: &TestServer, args: &[&str]) -> Child {
    let home = super::cli::test_home();
    StdCommand::new(assert_cmd::cargo::cargo_bin("ollama-rs"))
        .args(args)
        .env_clear()
        .env("OLLAMA_HOST", server.url())
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits for `child` with the hang guard; kills it if the guard expires.
fn wait(mut child: Child) -> (i32, String) {
    let deadline = Instant::now() + GUARD;
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                e.read_to_string(&mut stderr).expect("stderr");
            }
            return (st.code().expect("exited normally"), stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the command did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Reads one byte of stdout, closes it, and returns the exit status and
/// stderr: the `ollama-rs ... | head -c 1` case.
fn close_after_one_byte(server: &TestServer, args: &[&str]) -> (i32, String) {
    let mut child = spawn(server, args);
    let mut stdout = child.stdout.take().expect("stdout");
    let mut byte = [0u8; 1];
    stdout.read_exact(&mut byte).expect("one byte of output");
    drop(stdout);
    wait(child)
}

// ---------------------------------------------------------------------------
// generate
// ---------------------------------------------------------------------------

#[test]
fn generate_streams_the_reply_and_ends_it_with_a_newline() {
    let server = TestServer::start();
    let out = run(&server, &["generate", "tiny", "hello", "world"], "");
    assert_eq!(stdout_of(&out), "echo: hello world\n");
    assert_eq!(stderr_of(&out), "");
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/generate"),
        json!({"model": "tiny", "prompt": "hello world", "stream": true})
    );
}

#[test]
fn generate_puts_piped_stdin_before_the_arguments() {
    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "tiny", "Summarise", "this"],
        "some text\nmore\n\n",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/generate")["prompt"],
        "some text\nmore\nSummarise this"
    );
    assert_eq!(stdout_of(&out), "echo: some text\nmore\nSummarise this\n");

    let server = TestServer::start();
    let out = run(&server, &["generate", "tiny"], "only stdin\n");
    assert_eq!(status(&out), 0);
    assert_eq!(body(&server, "/api/generate")["prompt"], "only stdin");
    assert_eq!(stdout_of(&out), "echo: only stdin\n");
}

#[test]
fn generate_without_a_prompt_is_a_usage_error() {
    for stdin in ["", " \n\n"] {
        let server = TestServer::start();
        let out = run(&server, &["generate", "tiny"], stdin);
        assert_usage(
            &server,
            &out,
            "no prompt: give it as arguments or on stdin, e.g. ollama-rs generate MODEL 'Hello'",
        );
    }
}

#[test]
fn generate_sends_every_request_flag() {
    let server = TestServer::start();
    let out = run(
        &server,
        &[
            "generate",
            "tiny-coder",
            "p",
            "--system",
            "S",
            "--template",
            "T",
            "--suffix",
            "X",
            "--context",
            "[1, 2, 3]",
            "--keep-alive",
            "5m",
            "--logprobs",
            "2",
            "--format",
            "json",
            "-o",
            "temperature=0.5",
            "-o",
            "num_predict=8",
            "--option",
            "stop=a",
            "-o",
            "stop=b",
            "-o",
            "use_mmap=false",
        ],
        "",
    );
    assert_eq!(stderr_of(&out), "");
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), "{\"echo\": \"p\"}\n");
    assert_eq!(
        body(&server, "/api/generate"),
        json!({
            "model": "tiny-coder",
            "prompt": "p",
            "suffix": "X",
            "system": "S",
            "template": "T",
            "context": [1, 2, 3],
            "stream": true,
            "format": "json",
            "options": {"temperature": 0.5, "num_predict": 8, "stop": ["a", "b"], "use_mmap": false},
            "keep_alive": "5m",
            "logprobs": true,
            "top_logprobs": 2
        })
    );
}

#[test]
fn generate_raw_numeric_keep_alive_and_a_think_level() {
    let server = TestServer::start();
    let out = run(
        &server,
        &[
            "generate",
            "tiny-think",
            "p",
            "--raw",
            "--keep-alive",
            "300",
            "--think=high",
        ],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/generate"),
        json!({"model": "tiny-think", "prompt": "p", "stream": true, "raw": true, "keep_alive": 300, "think": "high"})
    );
    // Off a terminal the thinking goes to stderr, so stdout is only the answer.
    assert_eq!(stdout_of(&out), "echo: p\n");
    assert_eq!(stderr_of(&out), "thinking about: p\n");
}

#[test]
fn generate_think_forms() {
    // Bare --think means true; it needs `=` for a value, so `hi` stays the prompt.
    let server = TestServer::start();
    let out = run(&server, &["generate", "tiny-think", "--think", "hi"], "");
    assert_eq!(status(&out), 0);
    let sent = body(&server, "/api/generate");
    assert_eq!(sent["think"], true);
    assert_eq!(sent["prompt"], "hi");
    assert_eq!(stdout_of(&out), "echo: hi\n");
    assert_eq!(stderr_of(&out), "thinking about: hi\n");

    for (flag, sent) in [
        ("--think=true", json!(true)),
        ("--think=false", json!(false)),
        ("--think=low", json!("low")),
        ("--think=MEDIUM", json!("medium")),
        ("--think=max", json!("max")),
    ] {
        let server = TestServer::start();
        let out = run(&server, &["generate", "tiny-think", flag, "hi"], "");
        assert_eq!(status(&out), 0, "{flag}");
        assert_eq!(body(&server, "/api/generate")["think"], sent, "{flag}");
        assert_eq!(stdout_of(&out), "echo: hi\n", "{flag}");
        let thinking = if flag == "--think=false" {
            ""
        } else {
            "thinking about: hi\n"
        };
        assert_eq!(stderr_of(&out), thinking, "{flag}");
    }

    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "tiny-think", "--think=lots", "hi"],
        "",
    );
    assert_eq!(status(&out), 2);
    assert!(stderr_of(&out).contains("`lots` is not one of true, false, low, medium, high, max"));
    assert_nothing_sent(&server);
}

#[test]
fn generate_hide_thinking_shows_only_the_answer() {
    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "tiny-think", "--hide-thinking", "hi"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), "echo: hi\n");
    assert_eq!(stderr_of(&out), "");
    // Hiding is local: the model still thinks as it would.
    assert_eq!(body(&server, "/api/generate").get("think"), None);
}

#[test]
fn generate_no_stream_prints_the_whole_answer() {
    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "tiny-think", "--no-stream", "a", "b"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/generate"),
        json!({"model": "tiny-think", "prompt": "a b", "stream": false})
    );
    assert_eq!(stdout_of(&out), "echo: a b\n");
    assert_eq!(stderr_of(&out), "thinking about: a b\n");
}

#[test]
fn generate_verbose_prints_the_statistics_on_stderr() {
    // "hello world": 2 words + 1 = 3 prompt tokens; "echo: hello world" is 3 tokens.
    let expected = stats("4.8ms", 3, "300µs", 3, "3ms");
    for extra in [None, Some("--no-stream")] {
        let server = TestServer::start();
        let mut args = vec!["generate", "tiny", "hello", "world", "--verbose"];
        args.extend(extra);
        let out = run(&server, &args, "");
        assert_eq!(status(&out), 0);
        assert_eq!(stdout_of(&out), "echo: hello world\n");
        assert_eq!(stderr_of(&out), expected, "{extra:?}");
    }
    // With --json the statistics still go to stderr, and stdout stays JSON.
    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "tiny", "hello", "world", "--verbose", "--json"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(stderr_of(&out), expected);
    for line in stdout_of(&out).lines() {
        serde_json::from_str::<Value>(line).expect("a JSON line");
    }
}

#[test]
fn generate_format_schema_inline_and_from_a_file() {
    let schema =
        r#"{"type":"object","properties":{"n":{"type":"integer"},"ok":{"type":"boolean"}}}"#;
    let server = TestServer::start();
    let out = run(&server, &["generate", "tiny", "--format", schema, "p"], "");
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/generate")["format"],
        serde_json::from_str::<Value>(schema).unwrap()
    );
    assert_eq!(stdout_of(&out), "{\"n\": 42, \"ok\": true}\n");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("schema.json");
    std::fs::write(&file, schema).unwrap();
    let server = TestServer::start();
    let arg = format!("@{}", file.display());
    let out = run(&server, &["generate", "tiny", "--format", &arg, "p"], "");
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/generate")["format"],
        serde_json::from_str::<Value>(schema).unwrap()
    );
}

#[test]
fn generate_bad_format_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "\n").unwrap();
    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "tiny", "--format", "[1, 2]", "p"],
        "",
    );
    assert_usage(&server, &out, "--format: a JSON schema must be an object");

    let out = run(&server, &["generate", "tiny", "--format", "{nope", "p"], "");
    assert_usage_starting(
        &server,
        &out,
        "ollama-rs: error: --format is not `json` or a JSON schema: ",
    );

    let arg = format!("@{}", missing.display());
    let out = run(&server, &["generate", "tiny", "--format", &arg, "p"], "");
    assert_usage_starting(
        &server,
        &out,
        &format!(
            "ollama-rs: error: could not read format file `{}`: ",
            missing.display()
        ),
    );

    let arg = format!("@{}", empty.display());
    let out = run(&server, &["generate", "tiny", "--format", &arg, "p"], "");
    assert_usage(
        &server,
        &out,
        &format!("format file `{}` is empty", empty.display()),
    );
}

#[test]
fn generate_images_are_sent_as_base64() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.png");
    let b = dir.path().join("b.jpg");
    std::fs::write(&a, b"\x89PNG fake image").unwrap();
    std::fs::write(&b, [0xff, 0xd8, 0xff, 0x00, 0x01]).unwrap();
    let server = TestServer::start();
    let (a_arg, b_arg) = (a.display().to_string(), b.display().to_string());
    let out = run(
        &server,
        &[
            "generate",
            "tiny-vision",
            "--image",
            &a_arg,
            "--image",
            &b_arg,
            "what is it",
        ],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), "echo: what is it\n");
    assert_eq!(
        body(&server, "/api/generate")["images"],
        json!([
            b64(b"\x89PNG fake image"),
            b64(&[0xff, 0xd8, 0xff, 0x00, 0x01])
        ])
    );

    let missing = dir.path().join("missing.png");
    let server = TestServer::start();
    let arg = missing.display().to_string();
    let out = run(
        &server,
        &["generate", "tiny-vision", "--image", &arg, "p"],
        "",
    );
    assert_usage_starting(
        &server,
        &out,
        &format!("ollama-rs: error: could not read image `{arg}`: "),
    );
}

#[test]
fn generate_options_are_checked_before_anything_is_sent() {
    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "tiny", "-o", "tempurature=1", "p"],
        "",
    );
    assert_usage(
        &server,
        &out,
        "unknown parameter 'tempurature' (valid: num_ctx, num_batch, num_gpu, main_gpu, use_mmap, \
         num_thread, num_keep, seed, num_predict, stop, temperature, top_k, top_p, min_p, typical_p, \
         repeat_last_n, repeat_penalty, presence_penalty, frequency_penalty, draft_num_predict)",
    );
    let out = run(
        &server,
        &["generate", "tiny", "-o", "temperature=hot", "p"],
        "",
    );
    assert_usage(
        &server,
        &out,
        "option 'temperature' must be of type float, not `hot`",
    );
    let out = run(&server, &["generate", "tiny", "-o", "num_ctx=big", "p"], "");
    assert_usage(
        &server,
        &out,
        "option 'num_ctx' must be of type integer, not `big`",
    );
    let out = run(
        &server,
        &["generate", "tiny", "-o", "use_mmap=maybe", "p"],
        "",
    );
    assert_usage(
        &server,
        &out,
        "option 'use_mmap' must be of type boolean, not `maybe`",
    );
    let out = run(&server, &["generate", "tiny", "-o", "temperature", "p"], "");
    assert_usage(
        &server,
        &out,
        "option `temperature` must look like KEY=VALUE",
    );
}

#[test]
fn generate_other_bad_flags_send_nothing() {
    let server = TestServer::start();
    let out = run(&server, &["generate", "tiny", "--context", "1,2", "p"], "");
    assert_eq!(status(&out), 2);
    assert!(stderr_of(&out)
        .starts_with("ollama-rs: error: --context must be a JSON array of numbers: "));
    for args in [
        &["generate", "tiny", "--logprobs", "21", "p"][..],
        &["generate", "tiny", "--no-such-flag", "p"],
        &["generate"],
        &["generate", "tiny", "--timeout", "0", "p"],
    ] {
        let out = run(&server, args, "");
        assert_eq!(status(&out), 2, "{args:?}");
        assert_eq!(stdout_of(&out), "", "{args:?}");
        assert!(stderr_of(&out).starts_with("error: "), "{args:?}");
    }
    let out = run(&server, &["generate", "", "p"], "");
    assert_usage(&server, &out, "the model name is empty");
    assert_nothing_sent(&server);
}

#[test]
fn generate_json_prints_each_server_line() {
    let server = TestServer::start();
    let out = run(&server, &["generate", "tiny", "a", "b", "--json"], "");
    assert_eq!(status(&out), 0);
    assert_eq!(stderr_of(&out), "");
    let lines: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let responses: Vec<&str> = lines
        .iter()
        .map(|l| l["response"].as_str().unwrap())
        .collect();
    assert_eq!(responses, ["echo:", " a", " b", ""]);
    let last = lines.last().unwrap();
    assert_eq!(last["done"], true);
    assert_eq!(last["done_reason"], "stop");
    assert_eq!(last["eval_count"], 3);
    assert!(last["context"].is_array());

    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "tiny", "a", "b", "--json", "--no-stream"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(body(&server, "/api/generate")["stream"], false);
    let text = stdout_of(&out);
    assert_eq!(text.lines().count(), 1);
    let whole: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(whole["response"], "echo: a b");
    assert_eq!(whole["done"], true);
}

#[test]
fn generate_json_keeps_fields_the_typed_responses_do_not_know() {
    // A newer server's fields must reach scripts: the lines are printed as
    // the server sent them, not re-serialised from the typed responses.
    let stream = concat!(
        r#"{"model":"tiny","created_at":"2025-01-01T00:00:00Z","response":"Hi","done":false,"future":{"x":[1,2.5,"y"]}}"#,
        "\n",
        r#"{"model":"tiny","created_at":"2025-01-01T00:00:01Z","response":"","done":true,"done_reason":"stop","total_duration":5,"brand_new":null}"#,
        "\n"
    );
    let server = TestServer::start();
    server.set_fault_for(
        "/api/generate",
        Fault::RawBody {
            content_type: "application/x-ndjson".into(),
            body: stream.as_bytes().to_vec(),
        },
    );
    let out = run(&server, &["generate", "tiny", "p", "--json"], "");
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), stream);
    // Without --json the same stream is just its text.
    let out = run(&server, &["generate", "tiny", "p"], "");
    assert_eq!(stdout_of(&out), "Hi\n");

    let whole = r#"{"model":"tiny","response":"Hi","done":true,"future":true}"#;
    let server = TestServer::start();
    server.set_fault_for(
        "/api/generate",
        Fault::RawBody {
            content_type: "application/json; charset=utf-8".into(),
            body: whole.as_bytes().to_vec(),
        },
    );
    let out = run(
        &server,
        &["generate", "tiny", "p", "--json", "--no-stream"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), format!("{whole}\n"));
}

#[test]
fn generate_logprobs() {
    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "tiny", "a", "--logprobs", "2", "--json"],
        "",
    );
    assert_eq!(status(&out), 0);
    let first: Value = serde_json::from_str(stdout_of(&out).lines().next().unwrap()).unwrap();
    assert_eq!(
        first["logprobs"],
        json!([{
            "token": "echo:", "logprob": -0.125, "bytes": [101, 99, 104, 111, 58],
            "top_logprobs": [
                {"token": "echo:", "logprob": -0.125, "bytes": [101, 99, 104, 111, 58]},
                {"token": "alt1", "logprob": -1.125, "bytes": [97, 108, 116, 49]}
            ]
        }])
    );
    // Without --json only the text is printed.
    let out = run(&server, &["generate", "tiny", "a", "--logprobs", "2"], "");
    assert_eq!(stdout_of(&out), "echo: a\n");
}

#[test]
fn generate_tokens_appear_as_they_arrive() {
    // The server stops after two lines for far longer than the guard below:
    // the first tokens must be on stdout long before the stream ends.
    let server = TestServer::start();
    server.set_fault_for(
        "/api/generate",
        Fault::Stall {
            after_lines: 2,
            for_ms: 120_000,
        },
    );
    let mut child = spawn(&server, &["generate", "tiny", "a", "b"]);
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 64];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            if tx.send(seen.clone()).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + GUARD;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(seen) if seen == b"echo: a" => break,
            Ok(seen) => assert!(b"echo: a".starts_with(&seen), "{seen:?}"),
            Err(_) => {
                let _ = child.kill();
                panic!("the first tokens did not arrive while the stream was open");
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn generate_model_not_found_suggests_a_pull() {
    let server = TestServer::start();
    let out = run(&server, &["generate", "nope", "hi"], "");
    assert_eq!(stdout_of(&out), "");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not generate with `nope`: model 'nope' not found (status code: 404)\n\
         ollama-rs: hint: try `ollama-rs pull nope`\n"
    );
    assert_eq!(status(&out), 4);
}

#[test]
fn generate_server_error_mid_stream_keeps_what_was_printed() {
    let server = TestServer::start();
    server.set_fault_for(
        "/api/generate",
        Fault::ErrorMidStream {
            after_lines: 2,
            message: "the runner crashed".into(),
        },
    );
    let out = run(&server, &["generate", "tiny", "a", "b", "c"], "");
    assert_eq!(stdout_of(&out), "echo: a\n");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: generation with `tiny` failed: the runner crashed\n"
    );
    assert_eq!(status(&out), 1);

    // With --json, the lines before the error, then the error on stderr.
    let out = run(&server, &["generate", "tiny", "a", "b", "c", "--json"], "");
    assert_eq!(stdout_of(&out).lines().count(), 2);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: generation with `tiny` failed: the runner crashed\n"
    );
    assert_eq!(status(&out), 1);
}

#[test]
fn generate_connection_closed_mid_stream_is_status_1() {
    let server = TestServer::start();
    server.set_fault_for("/api/generate", Fault::CloseMidStream { after_lines: 2 });
    let out = run(&server, &["generate", "tiny", "a", "b", "c"], "");
    assert_eq!(stdout_of(&out), "echo: a\n");
    assert!(stderr_of(&out).starts_with("ollama-rs: error: generation with `tiny` failed: "));
    assert_eq!(status(&out), 1);
}

#[test]
fn generate_unreachable_server_is_status_3_with_a_hint() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let out = cli::bare()
        .env("OLLAMA_HOST", format!("127.0.0.1:{port}"))
        .args(["generate", "tiny", "hi"])
        .timeout(GUARD)
        .output()
        .unwrap();
    assert_eq!(stdout_of(&out), "");
    let err = stderr_of(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with(&format!(
        "ollama-rs: error: could not generate with `tiny`: could not connect to Ollama at http://127.0.0.1:{port}"
    )));
    assert_eq!(
        lines[1],
        format!(
            "ollama-rs: hint: is `ollama serve` running at http://127.0.0.1:{port}? \
             Set OLLAMA_HOST or --host to use another server"
        )
    );
    assert_eq!(status(&out), 3);
}

#[test]
fn generate_timeout_is_status_3() {
    let server = TestServer::start();
    server.set_fault_for("/api/generate", Fault::NeverAnswer);
    let out = run(&server, &["generate", "tiny", "hi", "--timeout", "0.5"], "");
    assert_eq!(stdout_of(&out), "");
    let err = stderr_of(&out);
    assert!(
        err.starts_with(&format!(
            "ollama-rs: error: could not generate with `tiny`: timed out waiting for Ollama at {}",
            server.url()
        )),
        "{err}"
    );
    assert!(err.ends_with(
        "ollama-rs: hint: the server did not answer in time; raise --timeout (or --connect-timeout) to wait longer\n"
    ));
    assert_eq!(status(&out), 3);
}

#[test]
fn generate_refused_credentials_are_status_5() {
    for code in [401, 403] {
        let server = TestServer::start();
        server.set_fault(Fault::Status {
            code,
            content_type: "application/json".into(),
            body: r#"{"error":"unauthorized"}"#.into(),
        });
        let out = run(&server, &["generate", "tiny", "hi"], "");
        assert_eq!(stdout_of(&out), "");
        assert_eq!(
            stderr_of(&out),
            format!(
                "ollama-rs: error: could not generate with `tiny`: unauthorized (status code: {code})\n\
                 ollama-rs: hint: the server refused the credentials: set OLLAMA_API_KEY, put user:password@ in the host, or pass -H 'Authorization: ...'\n"
            )
        );
        assert_eq!(status(&out), 5);
    }
}

#[test]
fn no_escape_codes_off_a_terminal() {
    let server = TestServer::start();
    let cases: &[&[&str]] = &[
        &["generate", "tiny-think", "hi", "--verbose"],
        &["generate", "nope", "hi"],
        &["generate", "tiny", "-o", "x=1", "hi"],
        &["chat", "tiny-think", "-m", "hi", "--verbose"],
        &["embed", "tiny-embed", "x"],
        &["embed", "nope", "x"],
    ];
    for args in cases {
        for color in [None, Some("never"), Some("auto")] {
            let mut cmd = cli::ollama(&server);
            // Not a terminal is reason enough, even without NO_COLOR.
            cmd.env_remove("NO_COLOR").args(*args);
            if let Some(c) = color {
                cmd.args(["--color", c]);
            }
            let out = cmd.timeout(GUARD).output().unwrap();
            assert_no_escape(&out);
        }
    }
}

#[test]
fn color_always_colours_stderr() {
    let server = TestServer::start();
    let out = run(
        &server,
        &["generate", "nope", "hi", "--color", "always"],
        "",
    );
    assert_eq!(status(&out), 4);
    let err = stderr_of(&out);
    assert!(err.starts_with("ollama-rs: \u{1b}["), "{err:?}");
    assert!(err.contains("could not generate with `nope`"));
    assert_eq!(stdout_of(&out), "");

    // Thinking on stderr is dimmed too; the answer on stdout stays plain.
    let out = run(
        &server,
        &["generate", "tiny-think", "hi", "--color", "always"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), "echo: hi\n");
    assert!(stderr_of(&out).contains("\u{1b}["));
}

#[test]
fn closed_stdout_ends_quietly() {
    // More output than a pipe holds, so writing surely fails after the
    // reader has gone, whatever the timing.
    let words: Vec<String> = (0..3).map(|_| "word ".repeat(10_000)).collect();
    let server = TestServer::start();
    for extra in [&[][..], &["--json"], &["--no-stream"]] {
        let mut args = vec!["generate", "tiny"];
        args.extend(words.iter().map(String::as_str));
        args.extend(extra);
        let (code, err) = close_after_one_byte(&server, &args);
        assert_eq!(err, "", "{extra:?}");
        assert_eq!(code, 0, "{extra:?}");
    }

    let inputs: Vec<String> = (0..300).map(|i| format!("input {i}")).collect();
    for extra in [&[][..], &["--json", "--batch-size", "10"]] {
        let mut args = vec!["embed", "tiny-embed"];
        args.extend(inputs.iter().map(String::as_str));
        args.extend(extra);
        let (code, err) = close_after_one_byte(&server, &args);
        assert_eq!(err, "", "{extra:?}");
        assert_eq!(code, 0, "{extra:?}");
    }
}

#[test]
fn help_shows_examples() {
    for (cmd, example) in [
        (
            "generate",
            "ollama-rs generate llama3.2 'Why is the sky blue?'",
        ),
        ("chat", "ollama-rs chat llama3.2 -m 'Hello!'"),
        (
            "embed",
            "ollama-rs embed all-minilm 'first text' 'second text'",
        ),
    ] {
        let out = cli::bare().args([cmd, "--help"]).output().unwrap();
        assert_eq!(status(&out), 0);
        let help = stdout_of(&out);
        assert!(help.contains("Examples:"), "{cmd}");
        assert!(help.contains(example), "{cmd}: {help}");
    }
}

// ---------------------------------------------------------------------------
// chat
// ---------------------------------------------------------------------------

#[test]
fn chat_message_sends_one_user_turn() {
    let server = TestServer::start();
    let out = run(&server, &["chat", "tiny", "-m", "hi there"], "");
    assert_eq!(stdout_of(&out), "echo: hi there\n");
    assert_eq!(stderr_of(&out), "");
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/chat"),
        json!({"model": "tiny", "messages": [{"role": "user", "content": "hi there"}], "stream": true})
    );
}

#[test]
fn chat_reads_the_message_from_piped_stdin() {
    let server = TestServer::start();
    let out = run(&server, &["chat", "tiny"], "line one\nline two\n");
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), "echo: line one\nline two\n");
    assert_eq!(
        body(&server, "/api/chat")["messages"],
        json!([{"role": "user", "content": "line one\nline two"}])
    );

    // -m wins; stdin is then not read at all.
    let server = TestServer::start();
    let out = run(
        &server,
        &["chat", "tiny", "-m", "from flag"],
        "from stdin\n",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/chat")["messages"][0]["content"],
        "from flag"
    );
}

#[test]
fn chat_with_empty_stdin_and_no_message_is_a_usage_error() {
    for stdin in ["", "\n  \n"] {
        let server = TestServer::start();
        let out = run(&server, &["chat", "tiny"], stdin);
        assert_usage(
            &server,
            &out,
            "stdin is empty: give a message with -m or on stdin",
        );
    }
}

#[test]
fn chat_sends_every_request_flag() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("a.png");
    std::fs::write(&img, b"img").unwrap();
    let img_arg = img.display().to_string();
    let server = TestServer::start();
    let out = run(
        &server,
        &[
            "chat",
            "tiny-vision",
            "-m",
            "look",
            "--system",
            "S",
            "--format",
            "json",
            "--image",
            &img_arg,
            "-o",
            "temperature=0",
            "-o",
            "stop=x",
            "--think=false",
            "--keep-alive",
            "300",
            "--no-stream",
            "--verbose",
        ],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/chat"),
        json!({
            "model": "tiny-vision",
            "messages": [
                {"role": "system", "content": "S"},
                {"role": "user", "content": "look", "images": [b64(b"img")]}
            ],
            "stream": false,
            "format": "json",
            "options": {"temperature": 0.0, "stop": ["x"]},
            "keep_alive": 300,
            "think": false
        })
    );
    assert_eq!(stdout_of(&out), "{\"echo\": \"look\"}\n");
    // "S" + "look": 2 words + 1 prompt tokens; `{"echo":` and ` "look"}`: 2 tokens.
    assert_eq!(stderr_of(&out), stats("3.8ms", 3, "300µs", 2, "2ms"));
}

#[test]
fn chat_verbose_streamed() {
    let server = TestServer::start();
    let out = run(
        &server,
        &["chat", "tiny", "-m", "hello world", "--verbose"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), "echo: hello world\n");
    assert_eq!(stderr_of(&out), stats("4.8ms", 3, "300µs", 3, "3ms"));
}

#[test]
fn chat_thinking_goes_to_stderr_or_nowhere() {
    let server = TestServer::start();
    let out = run(&server, &["chat", "tiny-think", "-m", "hi", "--think"], "");
    assert_eq!(status(&out), 0);
    assert_eq!(body(&server, "/api/chat")["think"], true);
    assert_eq!(stdout_of(&out), "echo: hi\n");
    assert_eq!(stderr_of(&out), "thinking about: hi\n");

    let out = run(
        &server,
        &["chat", "tiny-think", "-m", "hi", "--hide-thinking"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), "echo: hi\n");
    assert_eq!(stderr_of(&out), "");
}

#[test]
fn chat_continues_a_conversation_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.json");
    let history = json!([
        {"role": "system", "content": "old system"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "echo: first"}
    ]);
    std::fs::write(&file, history.to_string()).unwrap();
    let arg = file.display().to_string();

    let server = TestServer::start();
    let out = run(
        &server,
        &["chat", "tiny", "--messages", &arg, "-m", "and then?"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), "echo: and then?\n");
    assert_eq!(
        body(&server, "/api/chat")["messages"],
        json!([
            {"role": "system", "content": "old system"},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "echo: first"},
            {"role": "user", "content": "and then?"}
        ])
    );

    // --system replaces the file's system message rather than adding one.
    let server = TestServer::start();
    let out = run(
        &server,
        &[
            "chat",
            "tiny",
            "--messages",
            &arg,
            "--system",
            "new",
            "-m",
            "x",
        ],
        "",
    );
    assert_eq!(status(&out), 0);
    let messages = body(&server, "/api/chat")["messages"].clone();
    assert_eq!(messages[0], json!({"role": "system", "content": "new"}));
    assert_eq!(messages.as_array().unwrap().len(), 4);
}

#[test]
fn chat_bad_messages_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let empty = dir.path().join("empty.json");
    let invalid = dir.path().join("invalid.json");
    std::fs::write(&empty, "  \n").unwrap();
    std::fs::write(&invalid, r#"{"role": "user"}"#).unwrap();
    let server = TestServer::start();

    let arg = missing.display().to_string();
    let out = run(
        &server,
        &["chat", "tiny", "--messages", &arg, "-m", "x"],
        "",
    );
    assert_usage_starting(
        &server,
        &out,
        &format!("ollama-rs: error: could not read messages file `{arg}`: "),
    );

    let arg = empty.display().to_string();
    let out = run(
        &server,
        &["chat", "tiny", "--messages", &arg, "-m", "x"],
        "",
    );
    assert_usage(&server, &out, &format!("messages file `{arg}` is empty"));

    let arg = invalid.display().to_string();
    let out = run(
        &server,
        &["chat", "tiny", "--messages", &arg, "-m", "x"],
        "",
    );
    assert_usage_starting(
        &server,
        &out,
        &format!("ollama-rs: error: `{arg}` is not a JSON array of messages: "),
    );
}

#[test]
fn chat_tool_calls_are_printed_as_calls() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tools.json");
    let tools = json!([{
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                "required": ["city", "days"]
            }
        }
    }]);
    std::fs::write(&file, tools.to_string()).unwrap();
    let arg = file.display().to_string();

    let server = TestServer::start();
    let out = run(
        &server,
        &["chat", "tiny-tools", "--tools", &arg, "-m", "weather?"],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(
        stdout_of(&out),
        "get_weather({\"city\":\"example\",\"days\":42})\n"
    );
    assert_eq!(body(&server, "/api/chat")["tools"], tools);

    let out = run(
        &server,
        &[
            "chat",
            "tiny-tools",
            "--tools",
            &arg,
            "-m",
            "weather?",
            "--no-stream",
        ],
        "",
    );
    assert_eq!(
        stdout_of(&out),
        "get_weather({\"city\":\"example\",\"days\":42})\n"
    );

    // --json: the whole tool-call objects, as the server sent them.
    let out = run(
        &server,
        &[
            "chat",
            "tiny-tools",
            "--tools",
            &arg,
            "-m",
            "weather?",
            "--json",
        ],
        "",
    );
    assert_eq!(status(&out), 0);
    let lines: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let call = &lines[0]["message"]["tool_calls"][0];
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(
        call["function"],
        json!({"index": 0, "name": "get_weather", "arguments": {"city": "example", "days": 42}})
    );

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "[{\"type\": 1}]").unwrap();
    let server = TestServer::start();
    let arg = bad.display().to_string();
    let out = run(
        &server,
        &["chat", "tiny-tools", "--tools", &arg, "-m", "x"],
        "",
    );
    assert_usage_starting(
        &server,
        &out,
        &format!("ollama-rs: error: `{arg}` is not a JSON array of tool definitions: "),
    );
}

#[test]
fn chat_json_keeps_fields_the_typed_responses_do_not_know() {
    let stream = concat!(
        r#"{"model":"tiny","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":"Hi","annotations":[1]},"done":false}"#,
        "\n",
        r#"{"model":"tiny","created_at":"2025-01-01T00:00:01Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","usage":{"cost":0}}"#,
        "\n"
    );
    let server = TestServer::start();
    server.set_fault_for(
        "/api/chat",
        Fault::RawBody {
            content_type: "application/x-ndjson".into(),
            body: stream.as_bytes().to_vec(),
        },
    );
    let out = run(&server, &["chat", "tiny", "-m", "x", "--json"], "");
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), stream);
}

#[test]
fn chat_errors_and_statuses() {
    let server = TestServer::start();
    let out = run(&server, &["chat", "nope", "-m", "hi"], "");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not chat with `nope`: model 'nope' not found (status code: 404)\n\
         ollama-rs: hint: try `ollama-rs pull nope`\n"
    );
    assert_eq!(status(&out), 4);

    server.set_fault_for(
        "/api/chat",
        Fault::ErrorMidStream {
            after_lines: 2,
            message: "out of memory".into(),
        },
    );
    let out = run(&server, &["chat", "tiny", "-m", "a b c"], "");
    assert_eq!(stdout_of(&out), "echo: a\n");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: chat with `tiny` failed: out of memory\n"
    );
    assert_eq!(status(&out), 1);

    let server = TestServer::start();
    server.set_fault_for("/api/chat", Fault::CloseMidStream { after_lines: 1 });
    let out = run(&server, &["chat", "tiny", "-m", "a b c"], "");
    assert_eq!(stdout_of(&out), "echo:\n");
    assert_eq!(status(&out), 1);

    let server = TestServer::start();
    server.set_fault(Fault::Status {
        code: 403,
        content_type: String::new(),
        body: String::new(),
    });
    let out = run(&server, &["chat", "tiny", "-m", "hi"], "");
    assert_eq!(status(&out), 5);

    let server = TestServer::start();
    server.set_fault_for("/api/chat", Fault::NeverAnswer);
    let out = run(
        &server,
        &["chat", "tiny", "-m", "hi", "--timeout", "0.5"],
        "",
    );
    assert_eq!(status(&out), 3);

    // A capability the model lacks is the server's error: status 1.
    let server = TestServer::start();
    let out = run(&server, &["chat", "tiny", "-m", "hi", "--think"], "");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not chat with `tiny`: \"tiny\" does not support thinking (status code: 400)\n"
    );
    assert_eq!(status(&out), 1);
}

// ---------------------------------------------------------------------------
// embed
// ---------------------------------------------------------------------------

fn vectors(out: &Output) -> Vec<Vec<f32>> {
    stdout_of(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON array of numbers"))
        .collect()
}

#[test]
fn embed_prints_one_vector_per_input() {
    let server = TestServer::start();
    let out = run(
        &server,
        &["embed", "tiny-embed", "first text", "second"],
        "",
    );
    assert_eq!(stderr_of(&out), "");
    assert_eq!(status(&out), 0);
    assert_eq!(
        vectors(&out),
        [
            ollama_test_server::embedding("first text", 64),
            ollama_test_server::embedding("second", 64)
        ]
    );
    assert_eq!(
        body(&server, "/api/embed"),
        json!({"model": "tiny-embed", "input": ["first text", "second"]})
    );
}

#[test]
fn embed_reads_stdin_one_input_per_line() {
    let server = TestServer::start();
    let out = run(
        &server,
        &["embed", "tiny-embed"],
        "one\n\ntwo words\r\nthree",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/embed")["input"],
        json!(["one", "two words", "three"])
    );
    assert_eq!(
        vectors(&out),
        [
            ollama_test_server::embedding("one", 64),
            ollama_test_server::embedding("two words", 64),
            ollama_test_server::embedding("three", 64)
        ]
    );

    let server = TestServer::start();
    let out = run(&server, &["embed", "tiny-embed"], "\n \n");
    assert_usage(&server, &out, "stdin is empty: give one input per line");
}

#[test]
fn embed_batches_keep_the_input_order() {
    let inputs: Vec<String> = (0..7).map(|i| format!("text number {i}")).collect();
    let server = TestServer::start();
    let mut args = vec!["embed", "tiny-embed", "--batch-size", "3"];
    args.extend(inputs.iter().map(String::as_str));
    let out = run(&server, &args, "");
    assert_eq!(status(&out), 0);
    let sent: Vec<Value> = server
        .requests_to("/api/embed")
        .iter()
        .map(|r| r.json()["input"].clone())
        .collect();
    assert_eq!(
        sent,
        [
            json!(["text number 0", "text number 1", "text number 2"]),
            json!(["text number 3", "text number 4", "text number 5"]),
            json!(["text number 6"])
        ]
    );
    let expected: Vec<Vec<f32>> = inputs
        .iter()
        .map(|i| ollama_test_server::embedding(i, 64))
        .collect();
    assert_eq!(vectors(&out), expected);
}

#[test]
fn embed_json_prints_each_batch_response() {
    let server = TestServer::start();
    let out = run(
        &server,
        &[
            "embed",
            "tiny-embed",
            "a",
            "b",
            "c",
            "--batch-size",
            "2",
            "--json",
        ],
        "",
    );
    assert_eq!(status(&out), 0);
    let lines: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let embeddings = |line: &Value| -> Vec<Vec<f32>> {
        serde_json::from_value(line["embeddings"].clone()).unwrap()
    };
    assert_eq!(
        embeddings(&lines[0]),
        [
            ollama_test_server::embedding("a", 64),
            ollama_test_server::embedding("b", 64)
        ]
    );
    assert_eq!(
        embeddings(&lines[1]),
        [ollama_test_server::embedding("c", 64)]
    );
    // The rest of the server's object comes along.
    let mut first = lines[0].clone();
    first["embeddings"] = json!("...");
    assert_eq!(
        first,
        json!({
            "model": "tiny-embed",
            "embeddings": "...",
            "total_duration": 2_100_000,
            "load_duration": 1_000_000,
            "prompt_eval_count": 6
        })
    );
}

#[test]
fn embed_sends_every_flag() {
    let server = TestServer::start();
    let out = run(
        &server,
        &[
            "embed",
            "tiny-embed",
            "x",
            "--truncate",
            "--dimensions",
            "8",
            "-o",
            "num_ctx=512",
            "--keep-alive",
            "10m",
        ],
        "",
    );
    assert_eq!(status(&out), 0);
    assert_eq!(
        body(&server, "/api/embed"),
        json!({
            "model": "tiny-embed",
            "input": ["x"],
            "truncate": true,
            "dimensions": 8,
            "options": {"num_ctx": 512},
            "keep_alive": "10m"
        })
    );
    // The server cuts the vector to 8 values and normalises it again.
    let mut cut = ollama_test_server::embedding("x", 64);
    cut.truncate(8);
    let norm = cut.iter().map(|v| v * v).sum::<f32>().sqrt();
    cut.iter_mut().for_each(|v| *v /= norm);
    assert_eq!(vectors(&out), [cut]);

    for (flags, truncate) in [
        (&["--no-truncate"][..], json!(false)),
        (&["--truncate", "--no-truncate"], json!(false)),
        (&["--no-truncate", "--truncate"], json!(true)),
        (&["--keep-alive", "0"], Value::Null),
    ] {
        let server = TestServer::start();
        let mut args = vec!["embed", "tiny-embed", "x"];
        args.extend(flags);
        let out = run(&server, &args, "");
        assert_eq!(status(&out), 0, "{flags:?}");
        let sent = body(&server, "/api/embed");
        assert_eq!(
            sent.get("truncate").cloned().unwrap_or(Value::Null),
            truncate,
            "{flags:?}"
        );
        if flags[0] == "--keep-alive" {
            assert_eq!(sent["keep_alive"], 0);
        }
    }
}

#[test]
fn embed_errors_and_statuses() {
    let server = TestServer::start();
    let out = run(&server, &["embed", "tiny-embed", "x", "-o", "dims=3"], "");
    assert_usage_starting(
        &server,
        &out,
        "ollama-rs: error: unknown parameter 'dims' (valid: ",
    );
    let out = run(
        &server,
        &["embed", "tiny-embed", "x", "--batch-size", "0"],
        "",
    );
    assert_eq!(status(&out), 2);
    assert_nothing_sent(&server);
    let out = run(&server, &["embed", "tiny-embed"], "");
    assert_usage(&server, &out, "stdin is empty: give one input per line");

    let out = run(&server, &["embed", "nope", "x"], "");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not embed with `nope`: model \"nope\" not found, try pulling it first (status code: 404)\n\
         ollama-rs: hint: try `ollama-rs pull nope`\n"
    );
    assert_eq!(status(&out), 4);

    let out = run(&server, &["embed", "tiny", "x"], "");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not embed with `tiny`: This server does not support embeddings. \
         Start it with `--embeddings` (status code: 501)\n"
    );
    assert_eq!(status(&out), 1);

    // A failing later batch: the earlier vectors stay printed.
    let long = "w ".repeat(5000);
    let out = run(
        &server,
        &[
            "embed",
            "tiny-embed",
            "short",
            &long,
            "--batch-size",
            "1",
            "--no-truncate",
        ],
        "",
    );
    assert_eq!(vectors(&out), [ollama_test_server::embedding("short", 64)]);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not embed with `tiny-embed`: the input length exceeds the context length (status code: 400)\n"
    );
    assert_eq!(status(&out), 1);

    let server = TestServer::start();
    server.set_fault(Fault::Status {
        code: 401,
        content_type: "application/json".into(),
        body: r#"{"error":"unauthorized"}"#.into(),
    });
    let out = run(&server, &["embed", "tiny-embed", "x"], "");
    assert_eq!(status(&out), 5);
}

#[test]
fn embed_json_keeps_fields_the_typed_response_does_not_know() {
    let whole = r#"{"model":"tiny-embed","embeddings":[[0.6,0.8]],"future":"yes"}"#;
    let server = TestServer::start();
    server.set_fault_for(
        "/api/embed",
        Fault::RawBody {
            content_type: "application/json; charset=utf-8".into(),
            body: whole.as_bytes().to_vec(),
        },
    );
    let out = run(&server, &["embed", "tiny-embed", "x", "--json"], "");
    assert_eq!(status(&out), 0);
    assert_eq!(stdout_of(&out), format!("{whole}\n"));
    let out = run(&server, &["embed", "tiny-embed", "x"], "");
    assert_eq!(stdout_of(&out), "[0.6,0.8]\n");
}

#[test]
fn embed_refuses_a_server_that_loses_inputs() {
    // Output line N must be the vector of input N; a short answer is an error.
    let whole = r#"{"model":"tiny-embed","embeddings":[[0.6,0.8]]}"#;
    let server = TestServer::start();
    server.set_fault_for(
        "/api/embed",
        Fault::RawBody {
            content_type: "application/json; charset=utf-8".into(),
            body: whole.as_bytes().to_vec(),
        },
    );
    let out = run(&server, &["embed", "tiny-embed", "x", "y"], "");
    assert_eq!(stdout_of(&out), "");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: the server returned 1 embeddings for 2 inputs\n"
    );
    assert_eq!(status(&out), 1);
}
