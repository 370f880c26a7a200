//! The basics (routing, hosts, recording, JSON errors) and model management.

use pretty_assertions::assert_eq;

use super::*;

// ---------------------------------------------------------------- basics

#[test]
fn root_version_and_routing() {
    let server = TestServer::start();
    let root = send(&server, "GET", "/", "");
    assert_eq!(root.status, 200);
    assert_eq!(root.content_type(), Some("text/plain; charset=utf-8"));
    assert_eq!(root.header("content-length"), Some("17"));
    assert_eq!(root.text(), "Ollama is running");

    let head = send(&server, "HEAD", "/", "");
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("17"));

    let version = send(&server, "GET", "/api/version", "");
    assert_eq!(
        version.content_type(),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(version.header("content-length"), Some("21"));
    assert_eq!(version.text(), r#"{"version":"0.32.15"}"#);

    let missing = send(&server, "GET", "/api/nope", "");
    assert_eq!(
        (missing.status, missing.content_type()),
        (404, Some("text/plain"))
    );
    assert_eq!(missing.text(), "404 page not found");

    let wrong = send(&server, "GET", "/api/generate", "");
    assert_eq!(
        (wrong.status, wrong.content_type()),
        (405, Some("text/plain"))
    );
    assert_eq!(wrong.header("allow"), Some("POST"));
    assert_eq!(wrong.text(), "405 method not allowed");
    assert_eq!(
        send(&server, "POST", "/", "").header("allow"),
        Some("GET, HEAD")
    );

    let slash = send(&server, "GET", "/api/tags/", "");
    assert_eq!(
        (slash.status, slash.header("location")),
        (301, Some("/api/tags"))
    );
    let slash = send(&server, "POST", "/api/chat/", "{}");
    assert_eq!(
        (slash.status, slash.header("location")),
        (307, Some("/api/chat"))
    );
}

#[test]
fn non_local_host_is_forbidden() {
    let server = TestServer::start();
    let forbidden = send_with(
        &server,
        "GET",
        "/api/version",
        &[("Host", "example.com")],
        b"",
    );
    assert_eq!(forbidden.status, 403);
    assert_eq!(forbidden.header("content-length"), Some("0"));
    assert!(forbidden.body.is_empty());
    for host in [
        "localhost:11434",
        "127.0.0.1",
        "[::1]:80",
        "192.168.1.2:1",
        "box.local",
    ] {
        let ok = send_with(&server, "GET", "/api/version", &[("Host", host)], b"");
        assert_eq!(ok.status, 200, "{host}");
    }
    // Recorded although refused.
    assert_eq!(
        server.requests_to("/api/version")[0].header("host"),
        Some("example.com")
    );
}

#[test]
fn records_requests_in_order() {
    let server = TestServer::start();
    send_with(
        &server,
        "POST",
        "/api/show?x=1",
        &[("X-Custom", "Yes")],
        br#"{"model":"tiny"}"#,
    );
    send(&server, "GET", "/api/tags", "");
    let all = server.requests();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].method, "POST");
    assert_eq!(all[0].path, "/api/show?x=1");
    assert_eq!(all[0].header("x-custom"), Some("Yes"));
    assert!(all[0].headers.iter().all(|(n, _)| n == &n.to_lowercase()));
    assert_eq!(all[0].json(), json!({"model": "tiny"}));
    assert_eq!(server.requests_to("/api/show").len(), 1);
    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[test]
fn json_errors_from_the_decoder() {
    let server = TestServer::start();
    assert_json_error(
        &send(&server, "POST", "/api/generate", ""),
        400,
        "missing request body",
    );
    assert_json_error(
        &send(
            &server,
            "POST",
            "/api/generate",
            r#"{"model":"tiny","prompt":"#,
        ),
        400,
        "unexpected EOF",
    );
    assert_json_error(
        &send(&server, "POST", "/api/chat", "xyz"),
        400,
        "invalid character 'x' looking for beginning of value",
    );
    assert_json_error(
        &post(&server, "/api/generate", json!({"model": "tiny", "prompt": 3})),
        400,
        "json: cannot unmarshal number 3 into Go struct field GenerateRequest.prompt of type string",
    );
}

// ---------------------------------------------------------------- model management

#[test]
fn tags_lists_seeded_models_newest_first() {
    let server = TestServer::start();
    let tags = send(&server, "GET", "/api/tags", "");
    assert_eq!(tags.status, 200);
    let body = tags.json();
    let names: Vec<&str> = body["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "tiny-coder:latest",
            "tiny-vision:latest",
            "tiny-tools:latest",
            "tiny-think:latest",
            "tiny-embed:latest",
            "tiny:latest"
        ]
    );
    assert_eq!(server.model_names(), names);
    let tiny = &body["models"][5];
    assert_eq!(tiny["model"], "tiny:latest");
    assert_eq!(tiny["modified_at"], "2026-11-25T03:01:17.493105798Z");
    assert_eq!(tiny["digest"].as_str().unwrap().len(), 64);
    assert_eq!(
        tiny["details"],
        json!({"parent_model": "", "format": "gguf", "family": "llama", "families": ["llama"],
               "parameter_size": "119K", "quantization_level": "unknown", "context_length": 4096, "embedding_length": 64})
    );
    assert_eq!(tiny["capabilities"], json!(["completion"]));
    assert_eq!(body["models"][4]["capabilities"], json!(["embedding"]));

    let empty = TestServer::start_empty();
    assert_eq!(
        send(&empty, "GET", "/api/tags", "").text(),
        r#"{"models":[]}"#
    );
    assert_eq!(send(&empty, "HEAD", "/api/tags", "").status, 200);
}

#[test]
fn show_reports_modelfile_parameters_and_info() {
    let server = TestServer::start();
    let show = post(&server, "/api/show", json!({"model": "tiny"}));
    assert_eq!(show.status, 200);
    assert_eq!(show.content_type(), Some("application/json; charset=utf-8"));
    assert!(show.is_chunked(), "show is over 2 KiB, so chunked");
    assert_eq!(show.chunks.as_ref().unwrap().len(), 1);
    assert!(
        show.text().contains(r#"\u003c|im_start|\u003e"#),
        "Go escapes < and >"
    );
    let body = show.json();
    let modelfile = body["modelfile"].as_str().unwrap();
    assert!(modelfile.starts_with(
        "# Modelfile generated by \"ollama show\"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM tiny:latest\n\nFROM /home/user/.ollama/models/blobs/sha256-8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998\nTEMPLATE \"{{- range .Messages }}"
    ));
    assert!(modelfile.ends_with("PARAMETER stop <|im_start|>\nPARAMETER stop <|im_end|>\n"));
    assert_eq!(
        body["parameters"],
        "stop                           \"<|im_start|>\"\nstop                           \"<|im_end|>\""
    );
    assert_eq!(body["template"], state::CHATML_TEMPLATE);
    assert_eq!(body["details"]["quantization_level"], "unknown");
    assert!(body["details"].get("context_length").is_none());
    let info = &body["model_info"];
    assert_eq!(info["general.architecture"], "llama");
    assert_eq!(info["llama.context_length"], 4096);
    assert_eq!(info["llama.embedding_length"], 64);
    assert_eq!(info["general.parameter_count"], 119000);
    assert_eq!(info["tokenizer.ggml.tokens"], Value::Null);
    assert!(body["tensors"].as_array().unwrap().len() > 3);
    assert_eq!(body["capabilities"], json!(["completion"]));
    assert_eq!(body["modified_at"], "2026-11-25T03:01:17.493105798Z");
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "modelfile",
            "parameters",
            "template",
            "details",
            "model_info",
            "tensors",
            "capabilities",
            "modified_at"
        ]
    );

    let verbose = post(
        &server,
        "/api/show",
        json!({"model": "TINY:latest", "verbose": true}),
    )
    .json();
    assert!(
        verbose["model_info"]["tokenizer.ggml.tokens"]
            .as_array()
            .unwrap()
            .len()
            > 5
    );

    // The CLI sends the deprecated `name` with an empty `model`.
    let cli = post(
        &server,
        "/api/show",
        json!({"model": "", "name": "tiny", "verbose": false, "options": null}),
    );
    assert_eq!(cli.status, 200);

    assert_json_error(
        &post(&server, "/api/show", json!({"model": "nope"})),
        404,
        "model 'nope:latest' not found",
    );
    assert_json_error(
        &post(&server, "/api/show", json!({"model": ""})),
        400,
        "model is required",
    );
}

#[test]
fn copy_and_delete() {
    let server = TestServer::start();
    let copied = post(
        &server,
        "/api/copy",
        json!({"source": "tiny", "destination": "tiny-copy"}),
    );
    assert_eq!(copied.status, 200);
    assert_eq!(copied.header("content-length"), Some("0"));
    assert_eq!(copied.content_type(), None);
    assert_eq!(server.model_names()[0], "tiny-copy:latest");
    let show = post(&server, "/api/show", json!({"model": "tiny-copy"})).json();
    assert_eq!(show["template"], state::CHATML_TEMPLATE);

    assert_json_error(
        &post(
            &server,
            "/api/copy",
            json!({"source": "nope", "destination": "x"}),
        ),
        404,
        "model \"nope\" not found",
    );
    assert_json_error(
        &post(
            &server,
            "/api/copy",
            json!({"source": "tiny", "destination": "bad name!"}),
        ),
        400,
        "destination \"bad name!\" is invalid",
    );

    let deleted = send(&server, "DELETE", "/api/delete", r#"{"model":"tiny-copy"}"#);
    assert_eq!(
        (deleted.status, deleted.header("content-length")),
        (200, Some("0"))
    );
    assert!(!server
        .model_names()
        .contains(&"tiny-copy:latest".to_string()));
    assert_json_error(
        &send(&server, "DELETE", "/api/delete", r#"{"model":"tiny-copy"}"#),
        404,
        "model 'tiny-copy' not found",
    );
    assert_json_error(
        &send(&server, "DELETE", "/api/delete", r#"{"model":""}"#),
        400,
        "model is required",
    );
    let cli = send(
        &server,
        "DELETE",
        "/api/delete",
        r#"{"model":"","name":"tiny-coder"}"#,
    );
    assert_eq!(cli.status, 200);
}

#[test]
fn ps_follows_loads_and_unloads() {
    let server = TestServer::start();
    assert_eq!(
        send(&server, "GET", "/api/ps", "").text(),
        r#"{"models":[]}"#
    );

    post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "hi", "stream": false}),
    );
    let ps = send(&server, "GET", "/api/ps", "").json();
    let entry = &ps["models"][0];
    assert_eq!(entry["name"], "tiny:latest");
    assert_eq!(entry["size"], 7822376);
    assert_eq!(entry["size_vram"], 0);
    assert_eq!(entry["context_length"], 4096);
    assert!(entry.get("modified_at").is_none());
    assert!(entry["details"].get("context_length").is_none());
    let expires = clock::parse_rfc3339(entry["expires_at"].as_str().unwrap()).unwrap();
    let ahead = expires - clock::now();
    assert!(
        ahead > 290 * clock::SECOND && ahead <= 300 * clock::SECOND,
        "{ahead}"
    );

    post(
        &server,
        "/api/embed",
        json!({"model": "tiny-embed", "input": "x", "keep_alive": -1}),
    );
    assert_eq!(server.loaded_names(), ["tiny-embed:latest", "tiny:latest"]);
    let ps = send(&server, "GET", "/api/ps", "").json();
    assert!(ps["models"][0]["expires_at"]
        .as_str()
        .unwrap()
        .starts_with("23"));

    let unload = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "keep_alive": 0}),
    );
    assert_eq!(unload.json()["done_reason"], "unload");
    post(
        &server,
        "/api/chat",
        json!({"model": "tiny-embed", "messages": [], "keep_alive": "0s"}),
    );
    // Chat on an embedding model is refused before it unloads anything.
    assert_eq!(server.loaded_names(), ["tiny-embed:latest"]);
    post(
        &server,
        "/api/embed",
        json!({"model": "tiny-embed", "keep_alive": 0}),
    );
    assert!(server.loaded_names().is_empty());

    post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "keep_alive": "1h"}),
    );
    let ps = send(&server, "GET", "/api/ps", "").json();
    let expires = clock::parse_rfc3339(ps["models"][0]["expires_at"].as_str().unwrap()).unwrap();
    assert!(expires - clock::now() > 3500 * clock::SECOND);
}

#[test]
fn models_sharing_weights_share_a_runner() {
    let server = TestServer::start();
    let created = post(
        &server,
        "/api/create",
        json!({"model": "tiny8", "from": "tiny", "parameters": {"num_predict": 8}, "stream": false}),
    );
    assert_eq!(created.status, 200);
    post(&server, "/api/generate", json!({"model": "tiny"}));
    post(&server, "/api/generate", json!({"model": "tiny8"}));
    assert_eq!(server.loaded_names(), ["tiny:latest"]);
    post(
        &server,
        "/api/generate",
        json!({"model": "tiny8", "keep_alive": 0}),
    );
    assert!(server.loaded_names().is_empty());
}
