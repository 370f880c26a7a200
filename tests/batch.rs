//! `batch` against two and three test servers: order, `--unordered`,
//! servers that refuse, fail once, stall or lack the model, bad input lines
//! and exit statuses.

use std::collections::BTreeMap;
use std::process::Output;

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use crate::harness::{closed_port, status_of, stderr_of, stdout_of, Test};
use ollama_test_server::{Fault, TestServer};

/// The output lines, parsed.
fn records(out: &Output) -> Vec<Value> {
    stdout_of(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

/// `n` generate requests for `tiny`, ids `r0`, `r1`...
pub fn generate_lines(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{}\n",
                json!({"id": format!("r{i}"), "endpoint": "generate", "model": "tiny", "prompt": format!("p{i}")})
            )
        })
        .collect()
}

fn hosts(servers: &[&TestServer]) -> String {
    servers
        .iter()
        .map(|s| s.url())
        .collect::<Vec<_>>()
        .join(",")
}

fn generates(s: &TestServer) -> usize {
    s.requests_to("/api/generate").len()
}

/// Every record is the echo of its prompt, ids in the order given.
fn assert_echoes(out: &Output, ids: impl IntoIterator<Item = usize>) {
    let got: Vec<(Value, Value)> = records(out)
        .into_iter()
        .map(|r| (r["id"].clone(), r["response"]["response"].clone()))
        .collect();
    let want: Vec<(Value, Value)> = ids
        .into_iter()
        .map(|i| (json!(format!("r{i}")), json!(format!("echo: p{i}"))))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn batch_keeps_input_order_over_two_servers() {
    let (a, b) = (TestServer::start(), TestServer::start());
    // The first server is slow: later requests finish first on the other.
    a.set_fault_for("/api/generate", Fault::Delay { ms: 200 });
    let out = Test::new()
        .args(&["batch", "--hosts", &hosts(&[&a, &b]), "-j", "2"])
        .stdin(generate_lines(12))
        .stderr("ollama-rs: batch: 12 requests, 12 succeeded, 0 failed\n")
        .run();
    assert_echoes(&out, 0..12);
    assert!(generates(&a) > 0 && generates(&b) > 0);
    assert_eq!(generates(&a) + generates(&b), 12);
    assert_eq!(a.requests_to("/api/generate")[0].json()["stream"], false);
}

#[test]
fn batch_unordered_writes_every_id_once() {
    let (a, b, c) = (
        TestServer::start(),
        TestServer::start(),
        TestServer::start(),
    );
    a.set_fault_for("/api/generate", Fault::Delay { ms: 300 });
    let out = Test::new()
        .args(&["batch", "--unordered", "--hosts", &hosts(&[&a, &b])])
        .args(&["--hosts", &c.url()])
        .stdin(generate_lines(20))
        .run();
    let mut ids: Vec<String> = records(&out)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 20);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert!([&a, &b, &c].iter().all(|s| generates(s) > 0));
}

#[test]
fn a_refusing_server_leaves_its_share_to_the_other() {
    let b = TestServer::start();
    let refused = format!("http://127.0.0.1:{}", closed_port());
    let out = Test::new()
        .args(&["batch", "--hosts", &format!("{refused},{}", b.url())])
        .stdin(generate_lines(8))
        .run();
    assert_echoes(&out, 0..8);
    assert_eq!(generates(&b), 8);
}

#[test]
fn hosts_come_from_ollama_hosts() {
    let (a, b) = (TestServer::start(), TestServer::start());
    let out = Test::new()
        .env("OLLAMA_HOSTS", hosts(&[&a, &b]))
        .args(&["batch", "-j", "1"])
        .stdin(generate_lines(4))
        .run();
    assert_echoes(&out, 0..4);
    assert_eq!(generates(&a) + generates(&b), 4);
    assert!(generates(&a) > 0 && generates(&b) > 0);
}

#[test]
fn a_503_is_retried_and_the_server_recovers() {
    let (a, b) = (TestServer::start(), TestServer::start());
    a.set_fault_once(
        "/api/generate",
        Fault::Status {
            code: 503,
            content_type: "application/json".into(),
            body: r#"{"error":"server busy"}"#.into(),
        },
    );
    let out = Test::new()
        .args(&["batch", "--hosts", &hosts(&[&a, &b]), "-j", "1"])
        .stdin(generate_lines(6))
        .run();
    assert_echoes(&out, 0..6);
    // 6 answers, plus the one 503.
    assert_eq!(generates(&a) + generates(&b), 7);
}

#[test]
fn a_stalled_server_times_out_and_others_answer() {
    let (a, b) = (TestServer::start(), TestServer::start());
    a.set_fault_for("/api/generate", Fault::NeverAnswer);
    let out = Test::new()
        .args(&["batch", "--timeout", "0.5", "--hosts", &hosts(&[&a, &b])])
        .stdin(generate_lines(5))
        .run();
    assert_echoes(&out, 0..5);
    assert_eq!(generates(&b), 5);
}

#[test]
fn a_model_missing_on_one_server_is_answered_by_the_other() {
    let (empty, full) = (TestServer::start_empty(), TestServer::start());
    let out = Test::new()
        .args(&["batch", "--hosts", &hosts(&[&empty, &full]), "-j", "1"])
        .stdin(generate_lines(4))
        .run();
    assert_echoes(&out, 0..4);
    assert_eq!(generates(&full), 4);
}

#[test]
fn a_model_missing_everywhere_is_an_error_line() {
    let (a, b) = (TestServer::start_empty(), TestServer::start_empty());
    let out = Test::new()
        .args(&["batch", "--hosts", &hosts(&[&a, &b])])
        .stdin(generate_lines(1))
        .status(1)
        .stderr("ollama-rs: batch: 1 request, 0 succeeded, 1 failed\n")
        .run();
    let r = &records(&out)[0];
    assert_eq!(r["id"], "r0");
    assert_eq!(r["error"]["status"], 404);
    assert!(r["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not found"));
    assert_eq!(generates(&a) + generates(&b), 2);
}

#[test]
fn retries_run_out_into_an_error_line() {
    let (a, b) = (TestServer::start(), TestServer::start());
    for s in [&a, &b] {
        s.set_fault_for(
            "/api/generate",
            Fault::Status {
                code: 500,
                content_type: "application/json".into(),
                body: r#"{"error":"out of memory"}"#.into(),
            },
        );
    }
    let out = Test::new()
        .args(&["batch", "--retries", "1", "--hosts", &hosts(&[&a, &b])])
        .stdin(generate_lines(1))
        .status(1)
        .stderr("ollama-rs: batch: 1 request, 0 succeeded, 1 failed\n")
        .run();
    assert_eq!(
        records(&out),
        [json!({"id": "r0", "error": {"message": "out of memory", "status": 500}})]
    );
    // Tried once on each server.
    assert_eq!((generates(&a), generates(&b)), (1, 1));
}

#[test]
fn credentials_of_hosts_never_show_in_results_or_messages() {
    // A server that quotes the credentials it was sent back in its error.
    let server = TestServer::start();
    server.set_fault_for(
        "/api/generate",
        Fault::Status {
            code: 400,
            content_type: "application/json".into(),
            body: r#"{"error":"user batchuser:hunter2-batch is not allowed"}"#.into(),
        },
    );
    let host = server
        .url()
        .replacen("http://", "http://batchuser:hunter2-batch@", 1);
    let out = Test::new()
        .args(&["batch", "--hosts", &host])
        .stdin(generate_lines(1))
        .status(1)
        .run();
    let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
    assert!(stdout.contains("is not allowed"), "{stdout}");
    for text in [&stdout, &stderr] {
        assert!(!text.contains("hunter2-batch"), "{text}");
    }
    // The server did get them.
    let sent = &server.requests_to("/api/generate")[0];
    assert!(sent
        .header("authorization")
        .is_some_and(|v| v.starts_with("Basic ")));
}

#[test]
fn bad_lines_are_reported_by_number_and_the_rest_runs() {
    let server = TestServer::start();
    let input = [
        r#"{"id": "ok1", "endpoint": "generate", "model": "tiny", "prompt": "a"}"#,
        "not json",
        r#"{"id": "nomodel", "endpoint": "generate", "prompt": "b"}"#,
        "",
        r#"{"endpoint": "translate", "model": "tiny"}"#,
        r#"{"id": 7, "endpoint": "chat", "model": "tiny", "messages": [{"role": "user", "content": "c"}]}"#,
        r#"{"model": "tiny", "input": "d"}"#,
    ]
    .join("\n");
    let out = Test::new()
        .server(&server)
        .args(&["batch", "-"])
        .stdin(input)
        .status(1)
        .run();
    let by_id: BTreeMap<String, Value> = records(&out)
        .into_iter()
        .map(|r| (r["id"].to_string(), r))
        .collect();
    let ids: Vec<Value> = records(&out).iter().map(|r| r["id"].clone()).collect();
    assert_eq!(
        ids,
        [
            json!("ok1"),
            json!(2),
            json!("nomodel"),
            json!(5),
            json!(7),
            json!(7)
        ]
    );
    assert_eq!(by_id["\"ok1\""]["response"]["response"], "echo: a");
    let rs = records(&out);
    assert!(rs[1]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 2: not JSON"));
    assert_eq!(rs[1]["error"]["status"], Value::Null);
    assert!(rs[2]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 3: no model"));
    assert!(rs[3]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 5: unknown endpoint `translate`"));
    assert_eq!(rs[4]["response"]["message"]["content"], "echo: c");
    assert!(rs[5]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("line 7: no endpoint"));
    let err = stderr_of(&out);
    for n in [2, 3, 5, 7] {
        assert!(err.contains(&format!("warning: line {n}: ")), "{err}");
    }
    assert!(
        err.ends_with("ollama-rs: batch: 6 requests, 2 succeeded, 4 failed\n"),
        "{err}"
    );
}

#[test]
fn defaults_and_prompt_lines() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["batch", "--prompt-lines", "--model", "tiny"])
        .stdin("first\nsecond\n")
        .run();
    let rs = records(&out);
    assert_eq!(rs[0]["id"], 1);
    assert_eq!(rs[1]["response"]["response"], "echo: second");
    // Embed lines, endpoint and model from the flags, to a file.
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let output = dir.path().join("out.jsonl");
    std::fs::write(&input, "{\"input\": \"x\"}\n{\"input\": [\"y\", \"z\"]}\n").unwrap();
    Test::new()
        .server(&server)
        .args(&[
            "batch",
            "--endpoint",
            "embed",
            "--model",
            "tiny-embed",
            "-o",
        ])
        .args_from([&output, &input])
        .stdout("")
        .run();
    let text = std::fs::read_to_string(&output).unwrap();
    let rs: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rs.len(), 2);
    let vector: Vec<f32> =
        serde_json::from_value(rs[0]["response"]["embeddings"][0].clone()).unwrap();
    assert_eq!(vector, ollama_test_server::embedding("x", 64));
    assert_eq!(rs[1]["response"]["embeddings"].as_array().unwrap().len(), 2);
}

#[test]
fn usage_errors_exit_2() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["batch", "--prompt-lines"])
        .stdin("x\n")
        .output();
    assert_eq!(status_of(&out), 2);
    assert!(stderr_of(&out).contains("--prompt-lines needs --model"));
    let out = Test::new()
        .server(&server)
        .args(&["batch", "/no/such/file.jsonl"])
        .output();
    assert_eq!(status_of(&out), 2);
    assert!(stderr_of(&out).contains("could not open the input"));
    let out = Test::new()
        .server(&server)
        .args(&["batch", "--endpoint", "nope"])
        .output();
    assert_eq!(status_of(&out), 2);
    let out = Test::new()
        .server(&server)
        .args(&["batch", "-j", "0"])
        .output();
    assert_eq!(status_of(&out), 2);
    assert!(server.requests().is_empty());
}
