//! `pull`, `push` and `create` watched while they run: Ctrl-C (status 130,
//! naming what was interrupted), a create after an interrupted upload, and
//! a file that changes between hashing and uploading.

use std::path::Path;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;

use crate::harness::transfer::*;
use crate::harness::{Running, Test, GUARD};
use ollama_test_server::{gguf, Fault, TestServer};

// ------------------------------------------- processes watched as they run

/// The binary with a clean environment, for tests that watch it run.
fn watched(server: &TestServer, dir: &Path, home: &Path, args: &[&str]) -> Test {
    Test::new()
        .env_clear()
        .server(server)
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .current_dir(dir)
        .args(args)
}

#[test]
fn sigint_during_a_stalled_pull_exits_130_naming_it() {
    let server = TestServer::start_empty();
    server.set_fault_for(
        "/api/pull",
        Fault::Stall {
            after_lines: 2,
            for_ms: 30_000,
        },
    );
    let dir = Dir::new();
    let mut run = Running::start(watched(
        &server,
        dir.path(),
        dir.path(),
        &["pull", "--progress=plain", "tiny"],
    ));
    run.wait_for("pulling ");
    run.wait_for("pulling ");
    let lines = run.interrupted();
    assert_eq!(
        lines.last().unwrap(),
        "ollama-rs: interrupted while pulling `tiny`"
    );
    assert!(server.model_names().is_empty());
}

#[test]
fn sigint_during_push_and_create_names_them() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM tiny\n");
    for (path, args, want) in [
        (
            "/api/push",
            &["push", "--progress=plain", "tiny"][..],
            "ollama-rs: interrupted while pushing `tiny`",
        ),
        (
            "/api/create",
            &["create", "--progress=plain", "x"][..],
            "ollama-rs: interrupted while creating `x`",
        ),
    ] {
        server.set_fault_once(
            path,
            Fault::Stall {
                after_lines: 1,
                for_ms: 30_000,
            },
        );
        let mut run = Running::start(watched(&server, dir.path(), dir.path(), args));
        // The first line has come: the command is waiting for the rest.
        run.wait_for("");
        let lines = run.interrupted();
        assert_eq!(lines.last().unwrap(), want);
    }
}

#[test]
fn sigint_during_an_upload_names_the_file() {
    let server = TestServer::start_empty();
    // The blob requests never get an answer, so the upload cannot finish
    // (a stalled empty body would still let the status through).
    server.set_fault_for("/api/blobs/", Fault::NeverAnswer);
    let dir = Dir::new();
    dir.write("model.gguf", gguf("llama", 1));
    dir.write("Modelfile", "FROM model.gguf\n");
    let mut run = Running::start(watched(
        &server,
        dir.path(),
        dir.path(),
        &["create", "--progress=plain", "up"],
    ));
    run.wait_for("hashing model.gguf: 100%");
    let lines = run.interrupted();
    assert_eq!(
        lines.last().unwrap(),
        "ollama-rs: interrupted while uploading `model.gguf` for `up`"
    );
    assert!(server.requests_to("/api/create").is_empty());
}

#[test]
fn create_after_an_interrupted_upload_sends_only_what_is_missing() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    let files: [(&str, &[u8]); 4] = [
        ("model-00001-of-00002.safetensors", b"first half"),
        ("model-00002-of-00002.safetensors", b"second half"),
        ("config.json", b"{\"architectures\":[\"LlamaForCausalLM\"]}"),
        ("tokenizer.json", b"{}"),
    ];
    for (name, data) in files {
        dir.write(&format!("hf/{name}"), data);
    }
    dir.write("hf/Modelfile", "FROM .\n");
    let digests: Vec<String> = files.iter().map(|(_, data)| sha256(data)).collect();
    let blob = |d: &str| format!("/api/blobs/{d}");
    let (first, second) = (blob(&digests[0]), blob(&digests[1]));

    // The second file's upload is sent but never answered; its existence
    // check gets the usual "no".
    server.set_fault_for(&second, Fault::NeverAnswer);
    server.set_fault_once(
        &second,
        Fault::Status {
            code: 404,
            content_type: String::new(),
            body: String::new(),
        },
    );
    let args = ["create", "--progress=plain", "st", "-f", "hf/Modelfile"];
    let run1 = Running::start(watched(&server, dir.path(), dir.path(), &args));
    let deadline = Instant::now() + GUARD;
    while !blob_requests(&server).contains(&("POST".into(), second.clone())) {
        assert!(Instant::now() < deadline, "{:?}", blob_requests(&server));
        std::thread::sleep(Duration::from_millis(20));
    }
    run1.interrupted();
    assert!(server.has_blob(&digests[0]), "the first file was uploaded");
    assert!(!server.has_blob(&digests[1]));
    assert!(server.requests_to("/api/create").is_empty());

    server.clear_faults();
    server.clear_requests();
    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&args)
        .run();
    let sent = blob_requests(&server);
    assert_eq!(
        sent.iter().filter(|(_, p)| *p == first).collect::<Vec<_>>(),
        [&("HEAD".to_string(), first.clone())],
        "the uploaded file is only looked for: {sent:?}"
    );
    for d in &digests[1..] {
        assert!(sent.contains(&("POST".into(), blob(d))), "{sent:?}");
        assert!(server.has_blob(d));
    }
    let create = create_bodies(&server);
    assert_eq!(create.len(), 1);
    for ((name, _), d) in files.iter().zip(&digests) {
        assert_eq!(create[0]["files"][*name], d.as_str(), "{name}");
    }
    assert!(server.model_names().contains(&"st:latest".to_string()));
}

#[test]
fn create_reports_a_digest_mismatch() {
    // The file changes between hashing and uploading: the server computes
    // another digest than the one in the upload's path, and refuses it.
    // The first blob request (the `HEAD` asking whether the server has
    // it) is held long enough (seconds, for a loaded machine) for the test
    // to change the file once hashing is done, before the upload reads it.
    let server = TestServer::start_empty();
    server.set_fault_once("/api/blobs/", Fault::Delay { ms: 5_000 });
    let dir = Dir::new();
    let weights = gguf("llama", 1);
    let file = dir.write("model.gguf", &weights);
    dir.write("Modelfile", "FROM ./model.gguf\n");
    let mut run = Running::start(watched(
        &server,
        dir.path(),
        dir.path(),
        &["create", "--progress=plain", "changed"],
    ));
    run.wait_for("hashing model.gguf: 100%");
    let mut changed = weights.clone();
    *changed.last_mut().unwrap() ^= 0xff;
    std::fs::write(&file, &changed).unwrap();
    let (code, lines) = run.finish();
    assert_eq!(code, 1, "{lines:?}");
    let last = lines.last().unwrap();
    assert_eq!(
        last,
        &format!(
            "ollama-rs: error: could not upload `model.gguf`: digest mismatch, expected \"{}\", \
             got \"{}\" (status code: 400)",
            sha256(&weights),
            sha256(&changed)
        )
    );
    assert!(server.requests_to("/api/create").is_empty());
}
