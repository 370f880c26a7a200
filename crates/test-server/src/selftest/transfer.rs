//! Blobs, create, pull and push.

use pretty_assertions::assert_eq;

use super::*;

// ---------------------------------------------------------------- blobs

#[test]
fn blob_upload_lifecycle() {
    let server = TestServer::start_empty();
    let data = gguf("llama", 1);
    let digest = state::digest_of(&data);
    let path = format!("/api/blobs/{digest}");

    let missing = send(&server, "HEAD", &path, "");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-length"), Some("102"));

    let created = send_with(&server, "POST", &path, &[], &data);
    assert_eq!(
        (created.status, created.header("content-length")),
        (201, Some("0"))
    );
    assert_eq!(created.content_type(), None);
    assert!(server.has_blob(&digest));
    assert_eq!(server.blob(&digest).unwrap(), data);
    assert!(server.requests_to(&path)[0].body.is_empty(), "not copied");

    assert_eq!(send_with(&server, "POST", &path, &[], &data).status, 200);
    assert_eq!(send(&server, "HEAD", &path, "").status, 200);

    let body = b"some bytes that do not match the digest\n";
    let wrong = format!("sha256:{}", "a".repeat(64));
    let mismatch = send_with(&server, "POST", &format!("/api/blobs/{wrong}"), &[], body);
    let real = state::digest_of(body);
    assert_json_error(
        &mismatch,
        400,
        &format!("digest mismatch, expected \"{wrong}\", got \"{real}\""),
    );
    assert!(server.has_blob(&real), "kept under the real digest");
    assert!(!server.has_blob(&wrong));

    assert_json_error(
        &send(&server, "POST", "/api/blobs/sha256:1234", "hello\n"),
        400,
        "invalid digest format",
    );
    assert_eq!(
        send(&server, "HEAD", "/api/blobs/sha256:1234", "").status,
        400
    );

    let large = vec![7u8; 300 * 1024];
    let large_digest = state::digest_of(&large);
    let large_path = format!("/api/blobs/{large_digest}");
    assert_eq!(
        send_with(&server, "POST", &large_path, &[], &large).status,
        201
    );
    let early = send_with(&server, "POST", &large_path, &[], &large);
    assert_eq!(early.status, 200);
    assert_eq!(early.header("connection"), Some("close"));
}

// ---------------------------------------------------------------- create, pull, push

fn upload(server: &TestServer, data: &[u8]) -> String {
    let digest = state::digest_of(data);
    let status = send_with(server, "POST", &format!("/api/blobs/{digest}"), &[], data).status;
    assert!(status == 200 || status == 201);
    digest
}

#[test]
fn create_from_files() {
    let server = TestServer::start();
    let digest = upload(&server, &gguf("llama", 0));
    let raw = post(
        &server,
        "/api/create",
        json!({"model": "tiny-files", "files": {"tiny.gguf": digest}}),
    );
    assert_eq!(raw.content_type(), Some("application/x-ndjson"));
    let lines = raw.lines();
    let s = statuses(&lines);
    assert_eq!(
        s[..3],
        [
            "parsing GGUF",
            "verifying conversion",
            &format!("using existing layer {digest}")
        ]
    );
    assert_eq!(s[3], "using autodetected template chatml");
    assert!(
        s[4].starts_with("using existing layer sha256:"),
        "chatml template is already stored: {s:?}"
    );
    assert_eq!(s[s.len() - 2..], ["writing manifest", "success"]);
    assert_eq!(server.model_names()[0], "tiny-files:latest");
    let show = post(&server, "/api/show", json!({"model": "tiny-files"})).json();
    assert_eq!(show["template"], state::CHATML_TEMPLATE);
    assert_eq!(show["capabilities"], json!(["completion"]));

    let quiet = post(
        &server,
        "/api/create",
        json!({"model": "tiny-full", "files": {"tiny.gguf": digest}, "stream": false,
               "template": "{{ .Prompt }}", "system": "You are tiny.", "parameters": {"temperature": 0.5, "num_predict": 8},
               "license": ["MIT", "Apache"], "messages": [{"role": "user", "content": "hello"}]}),
    );
    assert_eq!(quiet.content_type(), Some("application/json"));
    assert_eq!(quiet.text(), r#"{"status":"success"}"#);
    let show = post(&server, "/api/show", json!({"model": "tiny-full"})).json();
    assert_eq!(show["system"], "You are tiny.");
    assert_eq!(show["license"], "MIT\nApache");
    assert_eq!(
        show["messages"],
        json!([{"role": "user", "content": "hello"}])
    );
    assert_eq!(
        show["parameters"],
        "temperature                    0.5\nnum_predict                    8"
    );
    let modelfile = show["modelfile"].as_str().unwrap();
    assert!(modelfile.contains("\nSYSTEM You are tiny.\nPARAMETER temperature 0.5\nPARAMETER num_predict 8\nLICENSE \"MIT\nApache\"\nMESSAGE user hello\n"), "{modelfile}");
    // The model's num_predict applies to generation.
    let out = post(
        &server,
        "/api/generate",
        json!({"model": "tiny-full", "prompt": "1 2 3 4 5 6 7 8 9", "stream": false}),
    )
    .json();
    assert_eq!(out["eval_count"], 8);
    assert_eq!(out["done_reason"], "length");
}

#[test]
fn layer_digests_match_a_real_server() {
    let server = TestServer::start();
    let digest = upload(&server, &gguf("llama", 0));
    let template = "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n";
    let lines = post(
        &server,
        "/api/create",
        json!({"model": "tiny-full", "files": {"tiny.gguf": digest}, "template": template,
               "system": "You are a tiny test model.",
               "parameters": {"temperature": 0.5, "num_predict": 8, "stop": ["<|im_end|>"], "seed": 1},
               "license": "Test licence text.",
               "messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi there"}]}),
    )
    .lines();
    // The digests capture 62 shows, in its order.
    let created: Vec<String> = statuses(&lines)
        .iter()
        .filter_map(|s| {
            s.strip_prefix("creating new layer sha256:")
                .map(|d| d[..12].to_string())
        })
        .collect();
    assert_eq!(
        created,
        [
            "13584952422b",
            "58ed9d82d104",
            "f9a69297e7b9",
            "50b299368e4e",
            "534289adfe59"
        ]
    );
    // Capture 63: the seeded tiny's template and parameters layers.
    let lines = post(
        &server,
        "/api/create",
        json!({"model": "d", "from": "tiny", "system": "You are derived from tiny."}),
    )
    .lines();
    assert_eq!(
        statuses(&lines)[..4],
        [
            "using existing layer sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998",
            "using existing layer sha256:e3b2721cec511e3a627ae0993753abbf5c72cdf4cfcdbc8f5c33ce15c4c4e04b",
            "creating new layer sha256:b519fd56868a090485aeba8023cc968d89413a810360532d22d66658e225e7b5",
            "using existing layer sha256:f02dd72bb2423204352eabc5637b44d79d17f109fdb510a7c51455892aa2d216",
        ]
    );
}

#[test]
fn create_from_a_model() {
    let server = TestServer::start();
    let lines = post(
        &server,
        "/api/create",
        json!({"model": "tiny-derived", "from": "tiny", "system": "You are derived."}),
    )
    .lines();
    let s = statuses(&lines);
    assert_eq!(s[0], "using existing layer sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998");
    assert!(s.iter().any(|l| l.starts_with("creating new layer")));
    assert_eq!(s.last().unwrap(), "success");
    let show = post(&server, "/api/show", json!({"model": "tiny-derived"})).json();
    assert_eq!(show["system"], "You are derived.");
    assert_eq!(show["template"], state::CHATML_TEMPLATE);

    // A base that is not installed is pulled first.
    let empty = TestServer::start_empty();
    let lines = post(
        &empty,
        "/api/create",
        json!({"model": "mine", "from": "tiny-think"}),
    )
    .lines();
    let s = statuses(&lines);
    assert_eq!(s[0], "pulling manifest");
    assert!(s[1].starts_with("pulling "));
    assert_eq!(s.last().unwrap(), "success");
    assert_eq!(empty.model_names().len(), 2);
    let show = post(&empty, "/api/show", json!({"model": "mine"})).json();
    assert_eq!(show["capabilities"], json!(["completion", "thinking"]));

    let missing = post(
        &server,
        "/api/create",
        json!({"model": "x", "from": "nope"}),
    );
    assert_eq!(missing.status, 200);
    assert_eq!(
        missing.lines(),
        [
            json!({"status": "pulling manifest"}),
            json!({"error": "pull model manifest: file does not exist"})
        ]
    );
    let missing_quiet = post(
        &server,
        "/api/create",
        json!({"model": "x", "from": "nope", "stream": false}),
    );
    assert_eq!(
        (missing_quiet.status, missing_quiet.content_type()),
        (500, Some("application/json"))
    );
}

#[test]
fn create_errors() {
    let server = TestServer::start();
    let digest = upload(&server, &gguf("llama", 0));
    let neither = post(
        &server,
        "/api/create",
        json!({"model": "x", "system": "nothing"}),
    );
    assert_eq!(
        (neither.status, neither.content_type()),
        (400, Some("application/json"))
    );
    assert!(neither.is_chunked());
    assert_eq!(
        neither.text(),
        r#"{"error":"neither 'from' or 'files' was specified"}"#
    );

    assert_json_error(
        &post(
            &server,
            "/api/create",
            json!({"model": "x", "files": {"../x.gguf": digest}}),
        ),
        400,
        "file path must be relative",
    );
    assert_json_error(
        &post(
            &server,
            "/api/create",
            json!({"model": "x", "files": {"x.gguf": ""}}),
        ),
        400,
        "invalid digest format",
    );
    let unknown_blob = format!("sha256:{}", "b".repeat(64));
    let missing_blob = post(
        &server,
        "/api/create",
        json!({"model": "x", "files": {"x.gguf": unknown_blob}}),
    );
    assert_eq!(missing_blob.status, 400);
    assert_eq!(
        missing_blob.error(),
        format!("blob \"{unknown_blob}\" not found")
    );

    let bad_type = post(
        &server,
        "/api/create",
        json!({"model": "x", "files": {"x.gguf": digest}, "quantize": "q3"}),
    );
    assert_eq!(bad_type.status, 500);
    assert_eq!(
        bad_type.error(),
        "unsupported quantization type q3 - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0"
    );

    let f32_file = post(
        &server,
        "/api/create",
        json!({"model": "x", "files": {"x.gguf": digest}, "quantize": "q8_0"}),
    );
    assert_eq!(f32_file.status, 200);
    assert_eq!(
        f32_file.lines(),
        [
            json!({"status": "parsing GGUF"}),
            json!({"error": "quantization is only supported for F16, BF16 and F32 models"})
        ]
    );

    let quantized_base = post(
        &server,
        "/api/create",
        json!({"model": "x", "from": "tiny", "quantize": "q4_K_M"}),
    );
    assert_eq!(
        (quantized_base.status, quantized_base.content_type()),
        (500, Some("application/json"))
    );
    assert!(quantized_base.is_chunked());

    let not_gguf = upload(&server, b"not a gguf");
    let rejected = post(
        &server,
        "/api/create",
        json!({"model": "x", "files": {"x.gguf": not_gguf}}),
    );
    assert_eq!(
        statuses(&rejected.lines()),
        ["parsing GGUF", "supplied file was not in GGUF format"]
    );
    assert!(!server.model_names().contains(&"x:latest".to_string()));
}

#[test]
fn create_with_quantization() {
    let server = TestServer::start();
    let digest = upload(&server, &gguf("llama", 1));
    let lines = post(
        &server,
        "/api/create",
        json!({"model": "tiny-q8", "files": {"tiny.gguf": digest}, "quantize": "q8_0"}),
    )
    .lines();
    let progress: Vec<&Value> = lines
        .iter()
        .filter(|l| l["status"] == "quantizing F16 model to Q8_0")
        .collect();
    assert_eq!(progress.len(), 3);
    assert_eq!(progress[0]["digest"], "0000000000000000000");
    assert_eq!(progress[2]["completed"], progress[2]["total"]);
    assert!(statuses(&lines)
        .iter()
        .any(|s| s.starts_with("creating new layer")));
    let tags = send(&server, "GET", "/api/tags", "").json();
    assert_eq!(tags["models"][0]["details"]["quantization_level"], "Q8_0");

    let again = post(
        &server,
        "/api/create",
        json!({"model": "tiny-q4", "from": "tiny-q8", "quantize": "q4_K_M"}),
    );
    assert_eq!(again.status, 500);
    assert_eq!(
        again.error(),
        "quantization is only supported for F16, BF16 and F32 models"
    );
}

#[test]
fn pull_installs_and_reuses_layers() {
    let server = TestServer::start_empty();
    let raw = post(&server, "/api/pull", json!({"model": "tiny"}));
    assert_eq!(raw.content_type(), Some("application/x-ndjson"));
    let lines = raw.lines();
    let s = statuses(&lines);
    assert_eq!(s[0], "pulling manifest");
    assert_eq!(s[1], "pulling 8de0a46aec06");
    assert_eq!(
        lines[1]["digest"],
        "sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998"
    );
    assert_eq!(lines[3]["completed"], lines[3]["total"]);
    assert_eq!(
        s[s.len() - 3..],
        ["verifying sha256 digest", "writing manifest", "success"]
    );
    assert_eq!(server.model_names(), ["tiny:latest"]);
    assert!(
        server.has_blob("sha256-8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998")
    );

    // Everything is cached now: one line per layer, complete.
    let lines = post(
        &server,
        "/api/pull",
        json!({"model": "tiny", "stream": false}),
    );
    assert_eq!(
        (lines.content_type(), lines.text()),
        (Some("application/json"), r#"{"status":"success"}"#)
    );
    let again = post(&server, "/api/pull", json!({"model": "tiny"})).lines();
    let layer_lines: Vec<&Value> = again.iter().filter(|l| l.get("digest").is_some()).collect();
    assert_eq!(layer_lines.len(), 4, "3 layers + config");
    assert!(layer_lines.iter().all(|l| l["completed"] == l["total"]));

    let unknown = post(
        &server,
        "/api/pull",
        json!({"model": "127.0.0.1:5000/library/nope", "insecure": true}),
    );
    assert_eq!(
        unknown.lines(),
        [
            json!({"status": "pulling manifest"}),
            json!({"error": "pull model manifest: file does not exist"})
        ]
    );
    let quiet = post(
        &server,
        "/api/pull",
        json!({"model": "nope", "stream": false}),
    );
    assert_eq!(
        (quiet.status, quiet.content_type()),
        (500, Some("application/json"))
    );
    assert_eq!(
        quiet.text(),
        r#"{"error":"pull model manifest: file does not exist"}"#
    );
    assert_eq!(
        post(&server, "/api/pull", json!({"model": ""})).error(),
        "invalid model name"
    );

    let mut custom = ModelSpec::new("someone/custom:v1", &["completion", "tools"]);
    custom.system = "custom".into();
    server.add_registry_model(custom);
    let lines = post(
        &server,
        "/api/pull",
        json!({"model": "", "name": "someone/custom:v1"}),
    )
    .lines();
    assert_eq!(statuses(&lines).last().unwrap(), "success");
    assert_eq!(server.model_names()[0], "someone/custom:v1");
}

#[test]
fn push_reports_every_layer() {
    let server = TestServer::start();
    post(
        &server,
        "/api/copy",
        json!({"source": "tiny", "destination": "127.0.0.1:5000/library/tiny-full"}),
    );
    let lines = post(
        &server,
        "/api/push",
        json!({"model": "127.0.0.1:5000/library/tiny-full", "insecure": true}),
    )
    .lines();
    let s = statuses(&lines);
    assert_eq!(s[0], "retrieving manifest");
    assert_eq!(s[1], "pushing 8de0a46aec06");
    assert!(lines[1..s.len() - 2]
        .iter()
        .all(|l| l["completed"] == l["total"]));
    assert_eq!(s[s.len() - 2..], ["pushing manifest", "success"]);

    // What was pushed can be pulled back.
    send(
        &server,
        "DELETE",
        "/api/delete",
        r#"{"model":"127.0.0.1:5000/library/tiny-full"}"#,
    );
    let pulled = post(
        &server,
        "/api/pull",
        json!({"model": "127.0.0.1:5000/library/tiny-full", "stream": false}),
    );
    assert_eq!(pulled.status, 200);

    let missing = post(
        &server,
        "/api/push",
        json!({"model": "127.0.0.1:5000/library/nope", "insecure": true}),
    );
    assert_eq!(
        missing.lines(),
        [
            json!({"status": "retrieving manifest"}),
            json!({"status": "couldn't retrieve manifest"}),
            json!({"error": "open /home/user/.ollama/models/manifests/127.0.0.1:5000/library/nope/latest: no such file or directory"}),
        ]
    );
    assert_json_error(
        &post(&server, "/api/push", json!({"model": ""})),
        400,
        "model is required",
    );
}
