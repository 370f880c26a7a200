//! `embed` against the test server: one vector per input, stdin, batches
//! in order, `--json`, every flag, errors and statuses, and a server that
//! loses inputs.
//!
//! The progress bar needs a PTY and is not covered here.

use std::process::Output;

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use crate::harness::{
    assert_nothing_sent, assert_usage, assert_usage_starting, body, status_of, stderr_of,
    stdout_of, Test,
};
use ollama_test_server::{self, Fault, TestServer};

fn vectors(out: &Output) -> Vec<Vec<f32>> {
    stdout_of(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON array of numbers"))
        .collect()
}

#[test]
fn embed_prints_one_vector_per_input() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["embed", "tiny-embed", "first text", "second"])
        .stderr("")
        .run();
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
    let out = Test::new()
        .server(&server)
        .args(&["embed", "tiny-embed"])
        .stdin("one\ntwo words\r\nthree")
        .run();
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
    assert_usage(
        &server,
        Test::new().args(&["embed", "tiny-embed"]).stdin("\n \n"),
        "stdin is empty: give one input per line",
    );
    // Output line N is the vector of input line N: a blank line is refused,
    // by its number, and nothing is sent.
    for (stdin, line) in [
        ("a\nb\n\nc\n", 3),
        ("\na\n", 1),
        ("a\n \t\nb", 2),
        ("a\nb\n\n", 3),
    ] {
        let server = TestServer::start();
        assert_usage(
            &server,
            Test::new().args(&["embed", "tiny-embed"]).stdin(stdin),
            &format!(
                "stdin line {line} is blank: each line is one input and gets one output line; \
                 remove blank lines first (e.g. grep -v '^[[:space:]]*$')"
            ),
        );
    }
    let server = TestServer::start();
    assert_usage(
        &server,
        Test::new().args(&["embed", "tiny-embed", "a", " "]),
        "input 2 is blank: give a text for each argument",
    );
}

#[test]
fn embed_batches_keep_the_input_order() {
    let inputs: Vec<String> = (0..7).map(|i| format!("text number {i}")).collect();
    let server = TestServer::start();
    let mut args = vec!["embed", "tiny-embed", "--batch-size", "3"];
    args.extend(inputs.iter().map(String::as_str));
    let out = Test::new().server(&server).args(&args).run();
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
    let out = Test::new()
        .server(&server)
        .args(&[
            "embed",
            "tiny-embed",
            "a",
            "b",
            "c",
            "--batch-size",
            "2",
            "--json",
        ])
        .run();
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
    let out = Test::new()
        .server(&server)
        .args(&[
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
        ])
        .run();
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
        Test::new().server(&server).args(&args).run();
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
    assert_usage_starting(
        &server,
        Test::new().args(&["embed", "tiny-embed", "x", "-o", "dims=3"]),
        "ollama-rs: error: unknown parameter 'dims' (valid: ",
    );
    Test::new()
        .server(&server)
        .args(&["embed", "tiny-embed", "x", "--batch-size", "0"])
        .status(2)
        .run();
    assert_nothing_sent(&server);
    assert_usage(
        &server,
        Test::new().args(&["embed", "tiny-embed"]),
        "stdin is empty: give one input per line",
    );

    Test::new()
        .server(&server)
        .args(&["embed", "nope", "x"])
        .stderr("ollama-rs: error: could not embed with `nope`: model \"nope\" not found, try pulling it first (status code: 404)\n\
         ollama-rs: hint: try `ollama-rs pull nope`\n")
        .status(4)
        .run();

    Test::new()
        .server(&server)
        .args(&["embed", "tiny", "x"])
        .stderr("ollama-rs: error: could not embed with `tiny`: This server does not support embeddings. \
         Start it with `--embeddings` (status code: 501)\n")
        .status(1)
        .run();

    // A failing later batch: the earlier vectors stay printed.
    let long = "w ".repeat(5000);
    let out = Test::new()
        .server(&server)
        .args(&[
            "embed",
            "tiny-embed",
            "short",
            &long,
            "--batch-size",
            "1",
            "--no-truncate",
        ])
        .output();
    assert_eq!(vectors(&out), [ollama_test_server::embedding("short", 64)]);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not embed with `tiny-embed`: the input length exceeds the context length (status code: 400)\n"
    );
    assert_eq!(status_of(&out), 1);

    let server = TestServer::start();
    server.set_fault(Fault::Status {
        code: 401,
        content_type: "application/json".into(),
        body: r#"{"error":"unauthorized"}"#.into(),
    });
    Test::new()
        .server(&server)
        .args(&["embed", "tiny-embed", "x"])
        .status(5)
        .run();
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
    Test::new()
        .server(&server)
        .args(&["embed", "tiny-embed", "x", "--json"])
        .stdout(format!("{whole}\n"))
        .run();
    let out = Test::new()
        .server(&server)
        .args(&["embed", "tiny-embed", "x"])
        .output();
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
    Test::new()
        .server(&server)
        .args(&["embed", "tiny-embed", "x", "y"])
        .stdout("")
        .stderr("ollama-rs: error: the server returned 1 embeddings for 2 inputs\n")
        .status(1)
        .run();
}
