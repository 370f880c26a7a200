//! Self-tests of the test server: each endpoint, the framing facts of the captures, state
//! consistency and every [`Fault`]. Most use a raw HTTP/1.1 client, to see chunks and headers exactly.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use super::*;

/// A response as it came off the wire.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Chunk sizes when chunked.
    chunks: Option<Vec<Vec<u8>>>,
    /// Whether a chunked body ended with its terminating chunk.
    terminated: bool,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.text()))
    }

    fn lines(&self) -> Vec<Value> {
        assert!(
            self.text().ends_with('\n'),
            "NDJSON must end with a newline: {:?}",
            self.text()
        );
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect()
    }

    fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .expect("error field")
            .to_string()
    }

    fn is_chunked(&self) -> bool {
        self.chunks.is_some()
    }
}

fn send(server: &TestServer, method: &str, path: &str, body: &str) -> Raw {
    send_with(server, method, path, &[], body.as_bytes())
}

fn post(server: &TestServer, path: &str, body: Value) -> Raw {
    send(server, "POST", path, &body.to_string())
}

fn send_with(
    server: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Raw {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: 127.0.0.1:{}\r\n", server.port()));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method != "GET" && method != "HEAD" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    // The server may answer before reading the body and close the connection (blob uploads).
    let _ = stream.write_all(&bytes);
    let mut response = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
        }
    }
    parse(&response, method == "HEAD")
}

fn parse(response: &[u8], head: bool) -> Raw {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(response)));
    let head_text = String::from_utf8_lossy(&response[..end]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status: u16 = lines.next().unwrap()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let rest = &response[end + 4..];
    let mut raw = Raw {
        status,
        headers,
        body: Vec::new(),
        chunks: None,
        terminated: false,
    };
    if head {
        return raw;
    }
    if raw.header("transfer-encoding") == Some("chunked") {
        let mut chunks = Vec::new();
        let mut at = 0;
        while let Some(line_end) = rest[at..].windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[at..at + line_end]).unwrap(), 16)
                    .unwrap();
            at += line_end + 2;
            if size == 0 {
                raw.terminated = true;
                break;
            }
            let chunk = rest[at..(at + size).min(rest.len())].to_vec();
            raw.body.extend_from_slice(&chunk);
            chunks.push(chunk);
            at += size + 2;
            if at > rest.len() {
                break;
            }
        }
        raw.chunks = Some(chunks);
    } else {
        raw.body = rest.to_vec();
    }
    raw
}

fn assert_json_error(raw: &Raw, status: u16, message: &str) {
    assert_eq!(raw.status, status, "{}", String::from_utf8_lossy(&raw.body));
    assert_eq!(raw.content_type(), Some("application/json; charset=utf-8"));
    assert_eq!(raw.json(), json!({"error": message}));
}

fn statuses(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            l.get("status")
                .or(l.get("error"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

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

// ---------------------------------------------------------------- generate

#[test]
fn generate_streams_one_line_per_token() {
    let server = TestServer::start();
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "hello there"}),
    );
    assert_eq!(raw.status, 200);
    assert_eq!(raw.content_type(), Some("application/x-ndjson"));
    assert!(raw.terminated);
    let chunks = raw.chunks.as_ref().unwrap();
    let lines = raw.lines();
    assert_eq!(chunks.len(), lines.len(), "one chunk per line");
    assert!(chunks
        .iter()
        .all(|c| c.ends_with(b"\n") && c.iter().filter(|b| **b == b'\n').count() == 1));
    let expected = tokens(&reply_text("hello there"));
    assert_eq!(expected, ["echo:", " hello", " there"]);
    for (line, token) in lines.iter().zip(&expected) {
        assert_eq!(line["model"], "tiny");
        assert_eq!(line["response"], token.as_str());
        assert_eq!(line["done"], false);
        assert!(line["created_at"].as_str().unwrap().ends_with('Z'));
    }
    let last = lines.last().unwrap();
    assert_eq!(last["done"], true);
    assert_eq!(last["done_reason"], "stop");
    assert_eq!(last["response"], "");
    assert!(!last["context"].as_array().unwrap().is_empty());
    assert_eq!(last["eval_count"], 3);
    assert_eq!(last["prompt_eval_count"], 3);
    assert_eq!(last["eval_duration"], 3_000_000);
    for key in ["total_duration", "load_duration", "prompt_eval_duration"] {
        assert!(last[key].as_u64().unwrap() > 0, "{key}");
    }
}

#[test]
fn generate_without_streaming() {
    let server = TestServer::start();
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "one two three", "stream": false, "options": {"num_predict": 2}}),
    );
    assert_eq!(raw.content_type(), Some("application/json; charset=utf-8"));
    assert!(!raw.is_chunked());
    assert!(!raw.text().ends_with('\n'));
    let body = raw.json();
    assert_eq!(body["response"], "echo: one");
    assert_eq!(body["done_reason"], "length");
    assert_eq!(body["eval_count"], 2);

    let raw_mode = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "x", "raw": true, "stream": false}),
    );
    assert!(raw_mode.json().get("context").is_none());

    let stop = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b STOP c", "stream": false, "options": {"stop": ["STOP"]}}),
    );
    assert_eq!(stop.json()["response"], "echo: a b ");

    let json_format = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "hi", "format": "json", "stream": false}),
    );
    let text = json_format.json()["response"].as_str().unwrap().to_string();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"echo": "hi"})
    );

    let schema = json!({"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer"}}});
    let structured = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "hi", "format": schema, "stream": false}),
    );
    let text = structured.json()["response"].as_str().unwrap().to_string();
    assert_eq!(
        serde_json::from_str::<Value>(&text).unwrap(),
        json!({"name": "hi", "n": 42})
    );
}

#[test]
fn load_and_unload_answer_one_document_even_when_streaming() {
    let server = TestServer::start();
    let load = post(&server, "/api/generate", json!({"model": "tiny"}));
    assert_eq!(load.content_type(), Some("application/json; charset=utf-8"));
    assert!(!load.is_chunked());
    let body = load.json();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["model", "created_at", "response", "done", "done_reason"]
    );
    assert_eq!(body["done_reason"], "load");
    assert_eq!(server.loaded_names(), ["tiny:latest"]);

    let chat = post(
        &server,
        "/api/chat",
        json!({"model": "tiny", "messages": [], "keep_alive": 0}),
    );
    assert_eq!(
        chat.json()["message"],
        json!({"role": "assistant", "content": ""})
    );
    assert_eq!(chat.json()["done_reason"], "unload");
    assert!(server.loaded_names().is_empty());
}

#[test]
fn generate_errors() {
    let server = TestServer::start();
    let gen = |body: Value| post(&server, "/api/generate", body);
    assert_json_error(
        &gen(json!({"model": "nope", "prompt": "x"})),
        404,
        "model 'nope' not found",
    );
    assert_json_error(
        &gen(json!({"model": "", "prompt": "x"})),
        404,
        "model '' not found",
    );
    assert_json_error(
        &gen(json!({"model": "tiny", "prompt": "x", "keep_alive": "forever"})),
        400,
        "time: invalid duration \"forever\"",
    );
    assert_json_error(
        &gen(json!({"model": "tiny", "prompt": "x", "keep_alive": true})),
        400,
        "Unsupported type: 'bool'",
    );
    assert_json_error(
        &gen(json!({"model": "tiny", "prompt": "x", "options": {"temperature": "hot"}})),
        500,
        "option \"temperature\" must be of type float32",
    );
    assert_eq!(
        gen(json!({"model": "tiny", "prompt": "x", "stream": false, "options": {"nope": 1}}))
            .status,
        200
    );
    assert_json_error(
        &gen(json!({"model": "tiny", "prompt": "x", "suffix": "y"})),
        400,
        "registry.ollama.ai/library/tiny:latest does not support insert",
    );
    assert_json_error(
        &gen(json!({"model": "tiny", "prompt": "x", "think": true})),
        400,
        "\"tiny\" does not support thinking",
    );
    assert_eq!(
        gen(json!({"model": "tiny", "prompt": "x", "think": false, "stream": false})).status,
        200
    );
    assert_json_error(
        &gen(json!({"model": "tiny-think", "prompt": "x", "think": "hard"})),
        400,
        "invalid think value: \"hard\" (must be \"high\", \"medium\", \"low\", \"max\", true, or false)",
    );
    assert_json_error(
        &gen(json!({"model": "tiny", "prompt": "x", "logprobs": true, "top_logprobs": 21})),
        400,
        "top_logprobs must be between 0 and 20",
    );
    assert_json_error(
        &gen(json!({"model": "tiny", "prompt": "x", "raw": true, "system": "s"})),
        400,
        "raw mode does not support template, system, or context",
    );
    assert_json_error(
        &gen(json!({"model": "tiny", "prompt": "x", "format": "yaml"})),
        500,
        "invalid format: \"yaml\"; expected \"json\" or a valid JSON Schema object",
    );
    assert_json_error(
        &gen(json!({"model": "tiny", "prompt": "x", "images": ["aGVsbG8="]})),
        400,
        "{\"error\":{\"code\":400,\"message\":\"Multimodal data provided, but model does not support multimodal requests.\",\"type\":\"invalid_request_error\"}}",
    );
    assert_json_error(
        &gen(json!({"model": "tiny-vision", "prompt": "x", "images": ["not base64!"]})),
        400,
        "illegal base64 data at input byte 3",
    );
    assert_eq!(
        gen(
            json!({"model": "tiny-vision", "prompt": "x", "images": ["aGVsbG8="], "stream": false})
        )
        .status,
        200
    );
    assert_json_error(
        &gen(json!({"model": "tiny-embed", "prompt": "x"})),
        400,
        "\"tiny-embed\" does not support generate",
    );
    assert_eq!(
        gen(json!({"model": "tiny-coder", "prompt": "x", "suffix": "y", "stream": false})).status,
        200
    );
}

#[test]
fn thinking_comes_before_content() {
    let server = TestServer::start();
    let lines = post(
        &server,
        "/api/generate",
        json!({"model": "tiny-think", "prompt": "why"}),
    )
    .lines();
    let thinking: String = lines
        .iter()
        .filter_map(|l| l.get("thinking")?.as_str())
        .collect();
    assert_eq!(thinking, thinking_text("why"));
    assert!(lines[0].get("thinking").is_some());
    let response: String = lines
        .iter()
        .filter_map(|l| l["response"].as_str())
        .collect();
    assert_eq!(response, reply_text("why"));

    let whole = post(&server, "/api/chat", json!({"model": "tiny-think", "messages": [{"role": "user", "content": "why"}], "think": "high", "stream": false})).json();
    assert_eq!(whole["message"]["thinking"], thinking_text("why"));
    assert_eq!(whole["message"]["content"], reply_text("why"));

    let off = post(
        &server,
        "/api/generate",
        json!({"model": "tiny-think", "prompt": "why", "think": false, "stream": false}),
    )
    .json();
    assert!(off.get("thinking").is_none());
}

#[test]
fn logprobs_per_line_and_gathered() {
    let server = TestServer::start();
    let lines = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b", "logprobs": true, "top_logprobs": 2}),
    )
    .lines();
    assert_eq!(
        lines[1]["logprobs"],
        json!([{"token": " a", "logprob": -0.25, "bytes": [32, 97],
                "top_logprobs": [{"token": " a", "logprob": -0.25, "bytes": [32, 97]}, {"token": "alt1", "logprob": -1.25, "bytes": [97, 108, 116, 49]}]}])
    );
    assert!(lines.last().unwrap().get("logprobs").is_none());
    let whole = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b", "logprobs": true, "stream": false}),
    )
    .json();
    let gathered = whole["logprobs"].as_array().unwrap();
    assert_eq!(gathered.len(), 3);
    assert!(gathered[0].get("top_logprobs").is_none());
}

// ---------------------------------------------------------------- chat

#[test]
fn chat_streams_and_gathers() {
    let server = TestServer::start();
    let messages =
        json!([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi you"}]);
    let raw = post(
        &server,
        "/api/chat",
        json!({"model": "tiny", "messages": messages}),
    );
    assert_eq!(raw.content_type(), Some("application/x-ndjson"));
    let lines = raw.lines();
    let content: String = lines
        .iter()
        .map(|l| l["message"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(content, "echo: hi you");
    assert!(lines.iter().all(|l| l["message"]["role"] == "assistant"));
    let last = lines.last().unwrap();
    assert_eq!(last["done"], true);
    assert!(last.get("context").is_none());

    let whole = post(
        &server,
        "/api/chat",
        json!({"model": "tiny", "messages": messages, "stream": false, "options": {"num_predict": 1}}),
    );
    let body = whole.json();
    assert_eq!(
        body["message"],
        json!({"role": "assistant", "content": "echo:"})
    );
    assert_eq!(body["done_reason"], "length");

    assert_json_error(
        &post(&server, "/api/chat", json!({"model": "", "messages": []})),
        400,
        "model is required",
    );
    assert_json_error(
        &post(
            &server,
            "/api/chat",
            json!({"model": "nope", "messages": messages}),
        ),
        404,
        "model 'nope' not found",
    );
    assert_json_error(
        &post(
            &server,
            "/api/chat",
            json!({"model": "tiny-embed", "messages": messages}),
        ),
        400,
        "\"tiny-embed\" does not support chat",
    );
}

#[test]
fn chat_tools() {
    let server = TestServer::start();
    let tools = json!([{"type": "function", "function": {"name": "get_weather", "description": "Get the weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}, "unit": {"type": "string", "enum": ["C", "F"]}},
                       "required": ["city", "unit", "days"]}}}]);
    let ask = json!([{"role": "user", "content": "weather in Paris?"}]);
    assert_json_error(
        &post(
            &server,
            "/api/chat",
            json!({"model": "tiny", "messages": ask, "tools": tools}),
        ),
        400,
        "registry.ollama.ai/library/tiny:latest does not support tools",
    );
    let lines = post(
        &server,
        "/api/chat",
        json!({"model": "tiny-tools", "messages": ask, "tools": tools}),
    )
    .lines();
    assert_eq!(lines.len(), 2);
    let message = &lines[0]["message"];
    assert_eq!(message["content"], "");
    let call = &message["tool_calls"][0];
    let id = call["id"].as_str().unwrap();
    assert!(id.starts_with("call_") && id.len() == 13, "{id}");
    assert_eq!(
        call["function"],
        json!({"index": 0, "name": "get_weather", "arguments": {"city": "example", "unit": "C", "days": 42}})
    );
    assert_eq!(
        call["function"]["arguments"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["city", "unit", "days"]
    );

    let whole = post(
        &server,
        "/api/chat",
        json!({"model": "tiny-tools", "messages": ask, "tools": tools, "stream": false}),
    )
    .json();
    assert_eq!(
        whole["message"]["tool_calls"][0]["function"]["name"],
        "get_weather"
    );
    let answer = json!([{"role": "user", "content": "weather?"}, {"role": "assistant", "content": "", "tool_calls": [call]},
                        {"role": "tool", "content": "sunny", "tool_name": "get_weather"}]);
    let reply = post(
        &server,
        "/api/chat",
        json!({"model": "tiny-tools", "messages": answer, "tools": tools, "stream": false}),
    )
    .json();
    assert_eq!(
        reply["message"],
        json!({"role": "assistant", "content": "echo: sunny"})
    );
}

#[test]
fn chat_tools_directed_calls() {
    let server = TestServer::start();
    let tools = json!([{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}},
                       {"type": "function", "function": {"name": "add", "parameters": {"type": "object", "properties": {}}}}]);
    let ask = json!([{"role": "user", "content": r#"call get_weather {"city":"Paris","days":2}; call add {"a":1,"b":2}; call noargs"#}]);
    let lines = post(
        &server,
        "/api/chat",
        json!({"model": "tiny-tools", "messages": ask, "tools": tools}),
    )
    .lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    let message = &lines[0]["message"];
    assert_eq!(message["content"], "");
    let calls = message["tool_calls"].as_array().unwrap();
    let functions: Vec<&Value> = calls.iter().map(|c| &c["function"]).collect();
    assert_eq!(
        functions,
        [
            &json!({"index": 0, "name": "get_weather", "arguments": {"city": "Paris", "days": 2}}),
            &json!({"index": 1, "name": "add", "arguments": {"a": 1, "b": 2}}),
            &json!({"index": 2, "name": "noargs", "arguments": {}}),
        ]
    );
    let ids: Vec<&str> = calls.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(
        ids.iter()
            .all(|id| id.starts_with("call_") && id.len() == 13),
        "{ids:?}"
    );
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "{ids:?}");
    assert_eq!(lines[1]["done"], true);
    assert_eq!(lines[1]["done_reason"], "stop");

    // The same answer whole, with the same ids.
    let whole = post(
        &server,
        "/api/chat",
        json!({"model": "tiny-tools", "messages": ask, "tools": tools, "stream": false}),
    )
    .json();
    assert_eq!(whole["message"]["tool_calls"], message["tool_calls"]);

    // After the results, the reply echoes every one of them, in order.
    let mut answered = ask.as_array().unwrap().clone();
    answered.push(json!({"role": "assistant", "content": "", "tool_calls": calls}));
    answered.push(json!({"role": "tool", "content": "sunny", "tool_name": "get_weather"}));
    answered.push(json!({"role": "tool", "content": "3", "tool_name": "add"}));
    let reply = post(
        &server,
        "/api/chat",
        json!({"model": "tiny-tools", "messages": answered, "tools": tools, "stream": false}),
    )
    .json();
    assert_eq!(
        reply["message"],
        json!({"role": "assistant", "content": "echo: sunny; 3"})
    );

    // `always`: the model asks again after the results, every time.
    let again = json!([{"role": "user", "content": "always call add {\"a\":1}"},
                       {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "add", "arguments": {"a": 1}}}]},
                       {"role": "tool", "content": "1", "tool_name": "add"}]);
    let reply = post(
        &server,
        "/api/chat",
        json!({"model": "tiny-tools", "messages": again, "tools": tools, "stream": false}),
    )
    .json();
    assert_eq!(reply["message"]["content"], "");
    assert_eq!(
        reply["message"]["tool_calls"][0]["function"],
        json!({"index": 0, "name": "add", "arguments": {"a": 1}})
    );

    // Without tools in the request, a directive is plain text.
    let reply = post(
        &server,
        "/api/chat",
        json!({"model": "tiny-tools", "messages": ask, "stream": false}),
    )
    .json();
    assert!(reply["message"].get("tool_calls").is_none(), "{reply}");
}

#[test]
fn call_directive_grammar() {
    use crate::inference::call_directive;
    let parsed = |t: &str| {
        call_directive(t).map(|(always, calls)| {
            let calls: Vec<(String, Value)> = calls
                .into_iter()
                .map(|(n, a)| (n, Value::Object(a)))
                .collect();
            (always, calls)
        })
    };
    assert_eq!(
        parsed("  call a ; call b {\"x\": \"; call c\"};"),
        Some((
            false,
            vec![
                ("a".into(), json!({})),
                ("b".into(), json!({"x": "; call c"}))
            ]
        ))
    );
    assert_eq!(
        parsed("always call a{}"),
        Some((true, vec![("a".into(), json!({}))]))
    );
    for text in [
        "",
        "call",
        "calls a",
        "call a b",
        "call a {",
        "call a [1]",
        "weather in Paris? call a",
        "call a; hello",
        "alwayscall a",
    ] {
        assert_eq!(parsed(text), None, "{text:?}");
    }
}

#[test]
fn chat_images_need_vision() {
    let server = TestServer::start();
    let messages = json!([{"role": "user", "content": "what?", "images": ["aGVsbG8="]}]);
    assert_eq!(
        post(
            &server,
            "/api/chat",
            json!({"model": "tiny", "messages": messages})
        )
        .status,
        400
    );
    assert_eq!(
        post(
            &server,
            "/api/chat",
            json!({"model": "tiny-vision", "messages": messages, "stream": false})
        )
        .status,
        200
    );
}

// ---------------------------------------------------------------- embeddings

fn norm(v: &[Value]) -> f64 {
    v.iter()
        .map(|x| x.as_f64().unwrap().powi(2))
        .sum::<f64>()
        .sqrt()
}

#[test]
fn embed_vectors() {
    let server = TestServer::start();
    let one = post(
        &server,
        "/api/embed",
        json!({"model": "tiny-embed", "input": "hello world"}),
    )
    .json();
    assert_eq!(one["model"], "tiny-embed");
    let vectors = one["embeddings"].as_array().unwrap();
    assert_eq!(vectors.len(), 1);
    let v = vectors[0].as_array().unwrap();
    assert_eq!(v.len(), 64);
    assert!((norm(v) - 1.0).abs() < 1e-5);
    let expected = embedding("hello world", 64);
    assert_eq!(v[0].as_f64().unwrap() as f32, expected[0]);
    assert!(one["prompt_eval_count"].as_u64().unwrap() > 0);

    let list = post(
        &server,
        "/api/embed",
        json!({"model": "tiny-embed", "input": ["a", "b"]}),
    )
    .json();
    assert_eq!(list["embeddings"].as_array().unwrap().len(), 2);
    assert_ne!(list["embeddings"][0], list["embeddings"][1]);

    let cut = post(
        &server,
        "/api/embed",
        json!({"model": "tiny-embed", "input": "hello world", "dimensions": 8}),
    )
    .json();
    let short = cut["embeddings"][0].as_array().unwrap();
    assert_eq!(short.len(), 8);
    assert!((norm(short) - 1.0).abs() < 1e-5);
    let ratio = short[0].as_f64().unwrap() / v[0].as_f64().unwrap();
    assert!(
        (short[1].as_f64().unwrap() / v[1].as_f64().unwrap() - ratio).abs() < 1e-3,
        "same direction"
    );

    let empty = post(
        &server,
        "/api/embed",
        json!({"model": "tiny-embed", "input": ""}),
    );
    assert_eq!(empty.text(), r#"{"model":"tiny-embed","embeddings":[]}"#);
    assert_json_error(
        &post(
            &server,
            "/api/embed",
            json!({"model": "tiny", "input": "x"}),
        ),
        501,
        "This server does not support embeddings. Start it with `--embeddings`",
    );
    assert_json_error(
        &post(
            &server,
            "/api/embed",
            json!({"model": "nope", "input": "x"}),
        ),
        404,
        "model \"nope\" not found, try pulling it first",
    );
    assert_json_error(
        &post(
            &server,
            "/api/embed",
            json!({"model": "tiny-embed", "input": 3}),
        ),
        400,
        "invalid input type",
    );
    let long = "word ".repeat(5000);
    assert_json_error(
        &post(
            &server,
            "/api/embed",
            json!({"model": "tiny-embed", "input": long, "truncate": false}),
        ),
        400,
        "the input length exceeds the context length",
    );
    assert_eq!(
        post(
            &server,
            "/api/embed",
            json!({"model": "tiny-embed", "input": long})
        )
        .status,
        200
    );
}

#[test]
fn legacy_embeddings_are_float64() {
    let server = TestServer::start();
    let raw = post(
        &server,
        "/api/embeddings",
        json!({"model": "tiny-embed", "prompt": "hello world"}),
    );
    let body = raw.json();
    assert_eq!(
        body.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["embedding"]
    );
    let v = body["embedding"].as_array().unwrap();
    assert_eq!(v.len(), 64);
    assert_eq!(
        v[0].as_f64().unwrap(),
        f64::from(embedding("hello world", 64)[0])
    );
    assert_eq!(
        post(
            &server,
            "/api/embeddings",
            json!({"model": "tiny-embed", "prompt": ""})
        )
        .text(),
        r#"{"embedding":[]}"#
    );
    assert_json_error(
        &post(
            &server,
            "/api/embeddings",
            json!({"model": "nope", "prompt": "x"}),
        ),
        404,
        "model \"nope\" not found, try pulling it first",
    );
    assert_json_error(
        &post(
            &server,
            "/api/embeddings",
            json!({"model": "", "prompt": "x"}),
        ),
        400,
        "model is required",
    );
}

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

// ---------------------------------------------------------------- framing

#[test]
fn small_documents_have_content_length_large_ones_are_chunked() {
    let server = TestServer::start();
    let small = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "x", "stream": false}),
    );
    assert!(!small.is_chunked());
    assert_eq!(
        small
            .header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        small.body.len()
    );

    let long_prompt = "word ".repeat(400);
    let large = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": long_prompt, "stream": false}),
    );
    assert!(large.body.len() > 2048);
    assert!(large.is_chunked());
    assert!(large.header("content-length").is_none());
    assert!(!large.text().ends_with('\n'));
}

// ---------------------------------------------------------------- faults

#[test]
fn fault_one_byte_chunks() {
    let server = TestServer::start();
    server.set_fault(Fault::OneByteChunks);
    let stream = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "hi"}),
    );
    let chunks = stream.chunks.as_ref().unwrap();
    assert!(chunks.iter().all(|c| c.len() == 1));
    assert_eq!(chunks.len(), stream.body.len());
    assert!(stream.terminated);
    assert_eq!(stream.lines().len(), 3);

    let document = send(&server, "GET", "/api/version", "");
    assert_eq!(document.chunks.as_ref().unwrap().len(), 21);
    assert_eq!(document.text(), r#"{"version":"0.32.15"}"#);
    server.clear_faults();
    assert!(!send(&server, "GET", "/api/version", "").is_chunked());
}

#[test]
fn fault_split_utf8() {
    let server = TestServer::start();
    server.set_fault_for("/api/chat", Fault::SplitUtf8);
    let raw = post(
        &server,
        "/api/chat",
        json!({"model": "tiny", "messages": [{"role": "user", "content": "hi"}]}),
    );
    let chunks = raw.chunks.as_ref().unwrap();
    let broken = chunks
        .iter()
        .filter(|c| std::str::from_utf8(c).is_err())
        .count();
    assert!(broken >= 2, "chunks split inside characters");
    let content: String = raw
        .lines()
        .iter()
        .map(|l| l["message"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(content, format!("{UTF8_PREFIX}{}", reply_text("hi")));
    // Only /api/chat is affected.
    let other = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "hi", "stream": false}),
    )
    .json();
    assert_eq!(other["response"], reply_text("hi"));
}

#[test]
fn fault_close_mid_stream() {
    let server = TestServer::start();
    server.set_fault(Fault::CloseMidStream { after_lines: 2 });
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b c d"}),
    );
    assert_eq!(raw.status, 200);
    assert!(!raw.terminated, "no terminating chunk");
    assert_eq!(raw.chunks.as_ref().unwrap().len(), 2);

    let document = send(&server, "GET", "/api/tags", "");
    assert!(document.is_chunked() && !document.terminated);
}

#[test]
fn fault_error_mid_stream() {
    let server = TestServer::start();
    server.set_fault(Fault::ErrorMidStream {
        after_lines: 1,
        message: "an error was encountered while running the model".into(),
    });
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b c"}),
    );
    assert_eq!(raw.status, 200);
    let lines = raw.lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[1],
        json!({"error": "an error was encountered while running the model"})
    );
    assert!(raw.terminated);
}

#[test]
fn fault_stall_then_continue() {
    let server = TestServer::start();
    server.set_fault(Fault::Stall {
        after_lines: 1,
        for_ms: 300,
    });
    let started = Instant::now();
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b"}),
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(raw.lines().len(), 4);
    assert!(raw.terminated);
}

#[test]
fn fault_slow_lines_pauses_before_every_line() {
    let server = TestServer::start();
    server.set_fault(Fault::SlowLines { every_ms: 100 });
    let started = Instant::now();
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b"}),
    );
    assert_eq!(raw.lines().len(), 4);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(raw.terminated);
}

#[test]
fn fault_cut_pull_installs_nothing_and_can_be_retried() {
    let server = TestServer::start_empty();
    server.set_fault_for("/api/pull", Fault::CloseMidStream { after_lines: 2 });
    let cut = post(&server, "/api/pull", json!({"model": "tiny"}));
    assert!(!cut.terminated);
    assert!(server.model_names().is_empty());
    server.clear_faults();
    let retried = post(&server, "/api/pull", json!({"model": "tiny"})).lines();
    assert_eq!(statuses(&retried).last().unwrap(), "success");
    assert_eq!(server.model_names(), ["tiny:latest"]);
}

/// The first request stalls for far longer than the test waits; once the
/// server has it, a second request is answered. The test waits on what the
/// server received, not on the clock; the one time bound (30 s) only
/// catches a hang.
#[tokio::test]
async fn fault_once_lets_a_retry_through() {
    let server = TestServer::start();
    server.set_fault_once(
        "/api/",
        Fault::Stall {
            after_lines: 0,
            for_ms: 120_000,
        },
    );
    let url = format!("{}/api/version", server.url());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let whole_answer = |client: reqwest::Client, url: String| async move {
        client.get(url).send().await?.text().await
    };
    let first = tokio::spawn(whole_answer(client.clone(), url.clone()));
    while server.requests_to("/api/version").is_empty() {
        assert!(!first.is_finished(), "the first request was answered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = whole_answer(client, url).await.unwrap();
    assert!(second.contains("version"), "{second}");
    assert!(!first.is_finished(), "the first request is still stalled");
    first.abort();
    assert_eq!(server.requests_to("/api/version").len(), 2);
}

#[test]
fn fault_status_raw_body_and_records_first() {
    let server = TestServer::start();
    server.set_fault(Fault::Status {
        code: 503,
        content_type: "application/json; charset=utf-8".into(),
        body: r#"{"error":"server busy, please try again.  maximum pending requests exceeded"}"#
            .into(),
    });
    let busy = post(
        &server,
        "/api/chat",
        json!({"model": "tiny", "messages": []}),
    );
    assert_json_error(
        &busy,
        503,
        "server busy, please try again.  maximum pending requests exceeded",
    );
    assert_eq!(server.requests_to("/api/chat")[0].json()["model"], "tiny");

    server.set_fault_for(
        "/api/tags",
        Fault::RawBody {
            content_type: "application/json".into(),
            body: vec![b'{', 0xff, 0xfe],
        },
    );
    let raw = send(&server, "GET", "/api/tags", "");
    assert_eq!(raw.status, 200);
    assert_eq!(raw.body, [b'{', 0xff, 0xfe]);
    assert_eq!(send(&server, "GET", "/api/version", "").status, 503);
}

#[tokio::test]
async fn fault_redirect_and_never_answer() {
    let target = TestServer::start();
    let server = TestServer::start_empty();
    server.set_fault(Fault::redirect_to(&target, "/api/tags", 307));
    let raw = send(&server, "GET", "/api/tags", "");
    assert_eq!(raw.status, 307);
    assert_eq!(
        raw.header("location"),
        Some(format!("{}/api/tags", target.url()).as_str())
    );
    let followed = reqwest::get(format!("{}/api/tags", server.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let followed: Value = serde_json::from_str(&followed).unwrap();
    assert_eq!(followed["models"].as_array().unwrap().len(), 6);

    server.set_fault(Fault::NeverAnswer);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = client
        .get(format!("{}/api/version", server.url()))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    assert_eq!(server.requests_to("/api/version").len(), 1);
    drop(server); // shuts down even with a request pending
}

#[tokio::test]
async fn reqwest_reads_a_split_stream() {
    let server = TestServer::start();
    server.set_fault(Fault::SplitUtf8);
    let response = reqwest::Client::new()
        .post(format!("{}/api/generate", server.url()))
        .body(json!({"model": "tiny", "prompt": "ünï"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let response: String = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["response"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(response, format!("{UTF8_PREFIX}echo: ünï"));
}

#[test]
fn servers_are_independent() {
    let a = TestServer::start();
    let b = TestServer::start();
    assert_ne!(a.port(), b.port());
    send(&a, "DELETE", "/api/delete", r#"{"model":"tiny"}"#);
    assert_eq!(a.model_names().len(), 5);
    assert_eq!(b.model_names().len(), 6);
    assert_eq!(a.url(), format!("http://127.0.0.1:{}", a.port()));
    let mut spec = ModelSpec::new("extra", &["completion"]);
    spec.modified_at = "2030-01-01T00:00:00Z".into();
    b.add_model(spec);
    assert_eq!(b.model_names()[0], "extra:latest");
}

#[test]
fn web_search_and_fetch_need_the_key() {
    let server = TestServer::start();
    let auth = format!("Bearer {WEB_API_KEY}");
    let body = json!({"query": "rust", "max_results": 2}).to_string();
    let raw = send_with(&server, "POST", "/api/web_search", &[], body.as_bytes());
    assert_json_error(&raw, 401, "unauthorized");
    let raw = send_with(
        &server,
        "POST",
        "/api/web_search",
        &[("Authorization", &auth)],
        body.as_bytes(),
    );
    assert_eq!(raw.status, 200);
    assert_eq!(
        raw.json(),
        json!({"results": [
            {"title": "Result 1 for rust", "url": "https://example.com/1", "content": "About rust, part 1"},
            {"title": "Result 2 for rust", "url": "https://example.com/2", "content": "About rust, part 2"},
        ]})
    );
    let body = json!({"url": "https://example.com"}).to_string();
    let raw = send_with(&server, "POST", "/api/web_fetch", &[], body.as_bytes());
    assert_json_error(&raw, 401, "unauthorized");
    let raw = send_with(
        &server,
        "POST",
        "/api/web_fetch",
        &[("Authorization", &auth)],
        body.as_bytes(),
    );
    assert_eq!(
        raw.json(),
        json!({"title": "Page https://example.com", "content": "Content of https://example.com",
               "links": ["https://example.com/a", "https://example.com/b"]})
    );
}

#[test]
fn image_generation_streams_progress_then_the_image() {
    let server = TestServer::start();
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a cat", "width": 64, "height": 32, "steps": 3}),
    );
    let lines = raw.lines();
    assert_eq!(lines.len(), 4);
    for (i, line) in lines[..3].iter().enumerate() {
        assert_eq!(line["completed"], json!(i + 1));
        assert_eq!(line["total"], json!(3));
        assert_eq!(line["done"], json!(false));
    }
    assert_eq!(lines[3]["image"], json!(image_base64(64, 32, "a cat")));
    assert_eq!(lines[3]["done"], json!(true));
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a cat", "steps": 2, "stream": false}),
    );
    assert_eq!(raw.json()["image"], json!(image_base64(512, 512, "a cat")));
    assert!(raw.json().get("completed").is_none());
}

#[test]
fn retry_after_once_then_recovers() {
    let server = TestServer::start();
    server.set_fault_once(
        "/api/tags",
        Fault::RetryAfter {
            status: 503,
            seconds: 2,
        },
    );
    let raw = send(&server, "GET", "/api/tags", "");
    assert_eq!(raw.status, 503);
    assert_eq!(raw.header("retry-after"), Some("2"));
    assert_eq!(send(&server, "GET", "/api/tags", "").status, 200);
}

#[test]
fn redirects_to_another_server_record_what_each_received() {
    let first = TestServer::start();
    let second = TestServer::start();
    first.set_fault(Fault::redirect_to(&second, "/api/tags", 307));
    let raw = send_with(&first, "GET", "/api/tags", &[("X-Api-Key", "k")], b"");
    assert_eq!(raw.status, 307);
    assert_eq!(
        raw.header("location"),
        Some(format!("{}/api/tags", second.url()).as_str())
    );
    assert_eq!(first.requests()[0].header("x-api-key"), Some("k"));
    assert!(second.requests().is_empty());
}
