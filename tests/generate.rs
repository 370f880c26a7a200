//! `generate` against the test server: the request every flag sends, the
//! exact output on stdout and stderr, `--json`, stdin, exit statuses,
//! escape codes, colour, a closed stdout and the examples of `--help`.
//!
//! The terminal forms (thinking dimmed on stdout between `Thinking...` and
//! `...done thinking.`) need a PTY and are not covered here.

use std::io::Read;
use std::sync::mpsc;
use std::time::Instant;

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use crate::harness::process::close_after_one_byte;
use crate::harness::{
    assert_no_escape, assert_nothing_sent, assert_usage, assert_usage_starting, b64, body,
    closed_port, stats, status_of, stderr_of, stdout_of, Test, GUARD,
};
use ollama_test_server::{self, Fault, TestServer};

#[test]
fn generate_streams_the_reply_and_ends_it_with_a_newline() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["generate", "tiny", "hello", "world"])
        .stdout("echo: hello world\n")
        .stderr("")
        .run();
    assert_eq!(
        body(&server, "/api/generate"),
        json!({"model": "tiny", "prompt": "hello world", "stream": true})
    );
}

#[test]
fn generate_puts_piped_stdin_before_the_arguments() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "Summarise", "this"])
        .stdin("some text\nmore\n\n")
        .run();
    assert_eq!(
        body(&server, "/api/generate")["prompt"],
        "some text\nmore\nSummarise this"
    );
    assert_eq!(stdout_of(&out), "echo: some text\nmore\nSummarise this\n");

    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny"])
        .stdin("only stdin\n")
        .run();
    assert_eq!(body(&server, "/api/generate")["prompt"], "only stdin");
    assert_eq!(stdout_of(&out), "echo: only stdin\n");
}

#[test]
fn generate_without_a_prompt_is_a_usage_error() {
    for stdin in ["", " \n\n"] {
        let server = TestServer::start();
        assert_usage(
            &server,
            Test::new().args(&["generate", "tiny"]).stdin(stdin),
            "no prompt: give it as arguments or on stdin, e.g. ollama-rs generate MODEL 'Hello'",
        );
    }
}

#[test]
fn generate_sends_every_request_flag() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&[
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
        ])
        // --logprobs shows its block on stderr (generate_logprobs).
        .stderr_contains("log probabilities")
        .stdout("{\"echo\": \"p\"}\n")
        .run();
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
    let out = Test::new()
        .server(&server)
        .args(&[
            "generate",
            "tiny-think",
            "p",
            "--raw",
            "--keep-alive",
            "300",
            "--think=high",
        ])
        .run();
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
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny-think", "--think", "hi"])
        .run();
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
        let out = Test::new()
            .server(&server)
            .args(&["generate", "tiny-think", flag, "hi"])
            .run();
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
    Test::new()
        .server(&server)
        .args(&["generate", "tiny-think", "--think=lots", "hi"])
        .status(2)
        .stderr_contains("`lots` is not one of true, false, low, medium, high, max")
        .run();
    assert_nothing_sent(&server);
}

#[test]
fn generate_hide_thinking_shows_only_the_answer() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["generate", "tiny-think", "--hide-thinking", "hi"])
        .stdout("echo: hi\n")
        .stderr("")
        .run();
    // Hiding is local: the model still thinks as it would.
    assert_eq!(body(&server, "/api/generate").get("think"), None);
}

#[test]
fn generate_no_stream_prints_the_whole_answer() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny-think", "--no-stream", "a", "b"])
        .run();
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
        Test::new()
            .server(&server)
            .args(&args)
            .stdout("echo: hello world\n")
            .stderr(&expected)
            .run();
    }
    // With --json the statistics still go to stderr, and stdout stays JSON.
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "hello", "world", "--verbose", "--json"])
        .stderr(&expected)
        .run();
    for line in stdout_of(&out).lines() {
        serde_json::from_str::<Value>(line).expect("a JSON line");
    }
}

#[test]
fn generate_format_schema_inline_and_from_a_file() {
    let schema =
        r#"{"type":"object","properties":{"n":{"type":"integer"},"ok":{"type":"boolean"}}}"#;
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "--format", schema, "p"])
        .run();
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
    Test::new()
        .server(&server)
        .args(&["generate", "tiny", "--format", &arg, "p"])
        .run();
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
    assert_usage(
        &server,
        Test::new().args(&["generate", "tiny", "--format", "[1, 2]", "p"]),
        "--format: a JSON schema must be an object",
    );

    assert_usage_starting(
        &server,
        Test::new().args(&["generate", "tiny", "--format", "{nope", "p"]),
        "ollama-rs: error: --format is not `json` or a JSON schema: ",
    );

    let arg = format!("@{}", missing.display());
    assert_usage_starting(
        &server,
        Test::new().args(&["generate", "tiny", "--format", &arg, "p"]),
        &format!(
            "ollama-rs: error: could not read format file `{}`: ",
            missing.display()
        ),
    );

    let arg = format!("@{}", empty.display());
    assert_usage(
        &server,
        Test::new().args(&["generate", "tiny", "--format", &arg, "p"]),
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
    Test::new()
        .server(&server)
        .args(&[
            "generate",
            "tiny-vision",
            "--image",
            &a_arg,
            "--image",
            &b_arg,
            "what is it",
        ])
        .stdout("echo: what is it\n")
        .run();
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
    assert_usage_starting(
        &server,
        Test::new().args(&["generate", "tiny-vision", "--image", &arg, "p"]),
        &format!("ollama-rs: error: could not read image `{arg}`: "),
    );
}

#[test]
fn generate_options_are_checked_before_anything_is_sent() {
    let server = TestServer::start();
    assert_usage(&server, Test::new().args(&["generate", "tiny", "-o", "tempurature=1", "p"]), "unknown parameter 'tempurature': did you mean temperature? (valid: num_ctx, num_batch, num_gpu, main_gpu, use_mmap, \
         num_thread, num_keep, seed, num_predict, stop, temperature, top_k, top_p, min_p, typical_p, \
         repeat_last_n, repeat_penalty, presence_penalty, frequency_penalty, draft_num_predict)");
    assert_usage(
        &server,
        Test::new().args(&["generate", "tiny", "-o", "temperature=hot", "p"]),
        "option 'temperature' must be of type float, not `hot`",
    );
    assert_usage(
        &server,
        Test::new().args(&["generate", "tiny", "-o", "num_ctx=big", "p"]),
        "option 'num_ctx' must be of type integer, not `big`",
    );
    assert_usage(
        &server,
        Test::new().args(&["generate", "tiny", "-o", "use_mmap=maybe", "p"]),
        "option 'use_mmap' must be of type boolean, not `maybe`",
    );
    assert_usage(
        &server,
        Test::new().args(&["generate", "tiny", "-o", "temperature", "p"]),
        "option `temperature` must look like KEY=VALUE",
    );
}

#[test]
fn generate_other_bad_flags_send_nothing() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "--context", "1,2", "p"])
        .status(2)
        .run();
    assert!(stderr_of(&out)
        .starts_with("ollama-rs: error: --context must be a JSON array of numbers: "));
    for args in [
        &["generate", "tiny", "--logprobs", "21", "p"][..],
        &["generate", "tiny", "--no-such-flag", "p"],
        &["generate"],
        &["generate", "tiny", "--timeout", "0", "p"],
    ] {
        let out = Test::new()
            .server(&server)
            .args(args)
            .status(2)
            .stdout("")
            .run();
        assert!(
            stderr_of(&out).starts_with("ollama-rs: error: "),
            "{args:?}"
        );
    }
    assert_usage(
        &server,
        Test::new().args(&["generate", "", "p"]),
        "the model name is empty",
    );
    assert_nothing_sent(&server);
}

#[test]
fn generate_json_prints_each_server_line() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "a", "b", "--json"])
        .stderr("")
        .run();
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
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "a", "b", "--json", "--no-stream"])
        .run();
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
    Test::new()
        .server(&server)
        .args(&["generate", "tiny", "p", "--json"])
        .stdout(stream)
        .run();
    // Without --json the same stream is just its text.
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "p"])
        .output();
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
    Test::new()
        .server(&server)
        .args(&["generate", "tiny", "p", "--json", "--no-stream"])
        .stdout(format!("{whole}\n"))
        .run();
}

#[test]
fn generate_logprobs() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "a", "--logprobs", "2", "--json"])
        .run();
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
    // Without --json, the text on stdout and the log probabilities in a
    // block on stderr after it.
    Test::new()
        .server(&server)
        .args(&["generate", "tiny", "a", "--logprobs", "2"])
        .stdout("echo: a\n")
        .stderr(
            "log probabilities (token, logprob, most likely tokens):\n  \
             \"echo:\"           -0.1250    \"echo:\" -0.1250, \"alt1\" -1.1250\n  \
             \" a\"              -0.2500    \" a\" -0.2500, \"alt1\" -1.2500\n",
        )
        .run();
    // The same whole (--no-stream), and before the statistics (--verbose).
    let out = Test::new()
        .server(&server)
        .args(&[
            "generate",
            "tiny",
            "a",
            "--logprobs",
            "0",
            "--no-stream",
            "--verbose",
        ])
        .stdout("echo: a\n")
        .run();
    let err = stderr_of(&out);
    assert!(
        err.starts_with(
            "log probabilities (token, logprob, most likely tokens):\n  \
             \"echo:\"           -0.1250\n  \
             \" a\"              -0.2500\ntotal duration:"
        ),
        "{err}"
    );
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
    let mut child = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "a", "b"])
        .spawn();
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
    Test::new()
        .server(&server)
        .args(&["generate", "nope", "hi"])
        .stdout("").stderr("ollama-rs: error: could not generate with `nope`: model 'nope' not found (status code: 404)\n\
         ollama-rs: hint: try `ollama-rs pull nope`\n")
        .status(4)
        .run();
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
    Test::new()
        .server(&server)
        .args(&["generate", "tiny", "a", "b", "c"])
        .stdout("echo: a\n")
        .stderr("ollama-rs: error: generation with `tiny` failed: the runner crashed\n")
        .status(1)
        .run();

    // With --json, the lines before the error, then the error on stderr.
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "a", "b", "c", "--json"])
        .output();
    assert_eq!(stdout_of(&out).lines().count(), 2);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: generation with `tiny` failed: the runner crashed\n"
    );
    assert_eq!(status_of(&out), 1);
}

#[test]
fn generate_connection_closed_mid_stream_is_status_1() {
    let server = TestServer::start();
    server.set_fault_for("/api/generate", Fault::CloseMidStream { after_lines: 2 });
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "a", "b", "c"])
        .output();
    assert_eq!(stdout_of(&out), "echo: a\n");
    assert!(stderr_of(&out).starts_with("ollama-rs: error: generation with `tiny` failed: "));
    assert_eq!(status_of(&out), 1);
}

#[test]
fn generate_unreachable_server_is_status_3_with_a_hint() {
    let port = closed_port();
    let out = Test::new()
        .env("OLLAMA_HOST", format!("127.0.0.1:{port}"))
        .args(&["generate", "tiny", "hi"])
        .output();
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
    assert_eq!(status_of(&out), 3);
}

#[test]
fn generate_timeout_is_status_3() {
    let server = TestServer::start();
    server.set_fault_for("/api/generate", Fault::NeverAnswer);
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "hi", "--timeout", "0.5"])
        .output();
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
    assert_eq!(status_of(&out), 3);
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
        Test::new()
            .server(&server)
            .args(&["generate", "tiny", "hi"])
            .stdout("").stderr(format!(
                "ollama-rs: error: could not generate with `tiny`: unauthorized (status code: {code})\n\
                 ollama-rs: hint: the server refused the credentials: set OLLAMA_API_KEY, put user:password@ in the host, or pass -H 'Authorization: ...'\n"
            ))
        .status(5)
        .run();
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
            // Not a terminal is reason enough, even without NO_COLOR.
            let mut cmd = Test::new()
                .server(&server)
                .env_remove("NO_COLOR")
                .args(args);
            if let Some(c) = color {
                cmd = cmd.args(&["--color", c]);
            }
            let out = cmd.output();
            assert_no_escape(&out);
        }
    }
}

#[test]
fn color_always_colours_stderr() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "nope", "hi", "--color", "always"])
        .status(4)
        .run();
    let err = stderr_of(&out);
    assert!(err.starts_with("ollama-rs: \u{1b}["), "{err:?}");
    assert!(err.contains("could not generate with `nope`"));
    assert_eq!(stdout_of(&out), "");

    // Thinking on stderr is dimmed too; the answer on stdout stays plain.
    Test::new()
        .server(&server)
        .args(&["generate", "tiny-think", "hi", "--color", "always"])
        .stdout("echo: hi\n")
        .stderr_contains("\u{1b}[")
        .run();
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
        let (code, err) = close_after_one_byte(Test::new().server(&server).args(&args));
        assert_eq!(err, "", "{extra:?}");
        assert_eq!(code, 0, "{extra:?}");
    }

    let inputs: Vec<String> = (0..300).map(|i| format!("input {i}")).collect();
    for extra in [&[][..], &["--json", "--batch-size", "10"]] {
        let mut args = vec!["embed", "tiny-embed"];
        args.extend(inputs.iter().map(String::as_str));
        args.extend(extra);
        let (code, err) = close_after_one_byte(Test::new().server(&server).args(&args));
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
        let out = Test::new().args(&[cmd, "--help"]).run();
        let help = stdout_of(&out);
        assert!(help.contains("Examples:"), "{cmd}");
        assert!(help.contains(example), "{cmd}: {help}");
    }
}

#[test]
fn an_explicit_empty_prompt_loads_the_model() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["generate", "tiny", "", "--keep-alive", "10m"])
        .stdout("")
        .stderr("loaded 'tiny'\n")
        .run();
    let sent = body(&server, "/api/generate");
    assert_eq!(sent["keep_alive"], "10m");
    assert!(sent.get("prompt").is_none(), "{sent}");
    assert!(server.loaded_names().iter().any(|n| n.starts_with("tiny")));

    // --keep-alive 0 unloads, and says so.
    Test::new()
        .server(&server)
        .args(&["generate", "tiny", "", "--keep-alive", "0"])
        .stdout("")
        .stderr("unloaded 'tiny'\n")
        .run();

    // --json: the server's object on stdout.
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny", "", "--json"])
        .stderr("")
        .run();
    let v: serde_json::Value = serde_json::from_str(stdout_of(&out).trim()).unwrap();
    assert_eq!(v["done_reason"], "load");

    // Piped text with an empty argument is a prompt as usual.
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["generate", "tiny", ""])
        .stdin("hello\n")
        .stdout("echo: hello\n")
        .run();

    // Empty piped stdin without a prompt stays a usage error.
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["generate", "tiny"])
        .stdin("\n")
        .status(2)
        .stdout("")
        .run();
    assert!(stderr_of(&out).starts_with("ollama-rs: error: no prompt"));
    assert!(server.requests().is_empty());
}

#[test]
fn run_with_an_empty_prompt_loads_the_model() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["run", "tiny", "", "--keep-alive", "-1"])
        .stdout("")
        .stderr("loaded 'tiny'\n")
        .run();
    let sent = body(&server, "/api/chat");
    assert_eq!(sent["messages"], serde_json::json!([]));
    assert_eq!(sent["keep_alive"], -1.0);

    // A missing model is pulled, then loaded.
    let server = TestServer::start_empty();
    Test::new()
        .server(&server)
        .args(&["run", "tiny", ""])
        .stdout("")
        .stderr("pulled 'tiny'\nloaded 'tiny'\n")
        .run();

    // Empty piped stdin and no prompt: a usage error, nothing sent.
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["run", "tiny"])
        .stdin("")
        .status(2)
        .stdout("")
        .stderr("ollama-rs: error: stdin is empty: give a message with -m or on stdin\n")
        .run();
    assert!(server.requests().is_empty());
}

#[test]
fn tokens_that_arrive_together_are_written_together() {
    // 2,000 tokens sent at once: most are already there when the one
    // before is written, so they share a write. (One write per token was
    // most of the CPU of a long answer.)
    let server = TestServer::start();
    let words: Vec<String> = (0..2_000).map(|i| format!("w{i}")).collect();
    let prompt = words.join(" ");
    let cmd = Test::new()
        .server(&server)
        .args(&["generate", "tiny", &prompt]);
    let Some((out, trace)) = crate::harness::traced(cmd, "write") else {
        return;
    };
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("echo: {prompt}\n")
    );
    let writes = trace.lines().filter(|l| l.contains("write(1,")).count();
    assert!(
        (1..500).contains(&writes),
        "{writes} writes to stdout for 2,001 tokens"
    );
}
