//! The library clients against byte-exact replays of a real Ollama 0.32.15 server.
//!
//! Each test serves one capture (or a few, by route) from tests/fixtures/captures, points a client
//! at it, and checks both what the client made of the answer and what it sent. Expected values are
//! written out literally, and where it is cheap also compared with the capture itself, so that a
//! wrong literal and a wrong parse cannot hide each other.

use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use ollama_rs::{
    BlobProgress, ChatRequest, ChatResponse, Client, CreateRequest, EmbedRequest,
    EmbeddingsRequest, Error, GenerateRequest, GenerateResponse, Image, KeepAlive, Logprob,
    Message, ModelDetails, Options, ProgressResponse, PullRequest, PushRequest, ResponseStream,
    Result, Role, ShowRequest, StatusResponse, Tensor, Tool, TopLogprob,
};
use pretty_assertions::assert_eq;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use ollama_test_server::replay::{capture, Capture, Replay};

/// A broken replay or client must fail the test, not hang the whole binary.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The digest of [`BLOB`]; also the "got" digest in capture 56.
const BLOB_DIGEST: &str = "sha256:44505fc52face380adff2956c009dbde8b7e6cd3a7a9878f0d1ea4acd011752d";
/// The body capture 56 uploaded, reused as the file for the blob tests.
const BLOB: &[u8] = b"some bytes that do not match the digest\n";

/// The digest the create captures name as the uploaded GGUF.
const GGUF_DIGEST: &str = "sha256:936219a893deab01c75ed08736e38f760b8c77eea996f551ca60aec305502a6e";

const MODEL_DIGEST: &str = "6c6fb155ec0c68b62ecd35160f6720e7b64dab9d00aa32da53ab189c56388f7b";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn client_for(replay: &Replay) -> Client {
    // No API key: OLLAMA_API_KEY in the environment would add an Authorization header.
    Client::builder()
        .host(replay.url())
        .timeout(TIMEOUT)
        .api_key(None)
        .build()
        .expect("client")
}

/// Serves one capture to every request.
fn serve(name: &str) -> (Capture, Replay, Client) {
    let cap = capture(name);
    let replay = Replay::serve(&cap);
    let client = client_for(&replay);
    (cap, replay, client)
}

/// A capture answered on another path (the blob digests of the tests differ from the captured ones,
/// and routes match on the exact path).
fn at_path(name: &str, path: &str) -> Capture {
    let mut c = capture(name);
    c.request.path = path.to_owned();
    c
}

/// The options most generate/chat captures sent: a fixed seed and a token limit.
fn opts(num_predict: i64) -> Options {
    Options {
        num_predict: Some(num_predict),
        seed: Some(1),
        ..Options::default()
    }
}

/// One request as the replay server received it.
#[derive(Debug)]
struct Sent {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Sent {
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The one header of that name; a missing or repeated header fails.
    #[track_caller]
    fn header(&self, name: &str) -> &str {
        let values = self.all(name);
        assert_eq!(
            values.len(),
            1,
            "want exactly one {name} header: {values:?}"
        );
        values[0]
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 request body")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON request body")
    }
}

fn sent(replay: &Replay) -> Vec<Sent> {
    replay
        .requests()
        .into_iter()
        .map(|(line, headers, body)| {
            let mut parts = line.split(' ');
            Sent {
                method: parts.next().unwrap_or_default().to_owned(),
                path: parts.next().unwrap_or_default().to_owned(),
                headers,
                body,
            }
        })
        .collect()
}

#[track_caller]
fn only_request(replay: &Replay) -> Sent {
    let mut all = sent(replay);
    assert_eq!(all.len(), 1, "want exactly one request: {all:?}");
    all.pop().unwrap()
}

/// Checks a JSON POST (or DELETE) the client sent: method, path, the default headers, the `Accept`
/// of a stream or a single answer, and the exact body bytes.
#[track_caller]
fn assert_json_request(s: &Sent, method: &str, path: &str, accept: &str, body: &str) {
    assert_eq!((s.method.as_str(), s.path.as_str()), (method, path));
    assert_eq!(s.header("content-type"), "application/json");
    assert_eq!(s.header("accept"), accept);
    let ua = s.header("user-agent");
    assert!(ua.starts_with("ollama-rs/"), "user-agent {ua:?}");
    assert!(s.all("authorization").is_empty());
    assert_eq!(s.text(), body);
}

/// The captured request's JSON with `stream` set as given (or removed with `None`): what this client
/// must send for the same call, since it always states `stream` where the server has a default.
fn captured_body(cap: &Capture, stream: Option<bool>) -> Value {
    let mut v = cap.request.json();
    let obj = v.as_object_mut().expect("object body");
    match stream {
        Some(s) => {
            obj.insert("stream".into(), Value::Bool(s));
        }
        None => {
            obj.remove("stream");
        }
    }
    v
}

/// The one request sent must mean the same JSON as the captured one (key order aside).
#[track_caller]
fn assert_same_body(replay: &Replay, cap: &Capture, stream: Option<bool>) {
    let s = only_request(replay);
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        (cap.request.method.as_str(), cap.request.path.as_str())
    );
    assert_eq!(s.json(), captured_body(cap, stream));
}

/// The error must be `Error::Api` with this status and message, and agree with the capture.
#[track_caller]
fn assert_api<T: Debug>(result: Result<T>, cap: &Capture, status: u16, message: &str) -> Error {
    let err = result.expect_err("want an error");
    match &err {
        Error::Api {
            status: s,
            message: m,
        } => assert_eq!((*s, m.as_str()), (status, message)),
        other => panic!("want Error::Api, got {other:?}"),
    }
    assert_eq!(cap.response.status, status, "literal status vs capture");
    if cap
        .response
        .header("content-type")
        .is_some_and(|t| t.contains("json"))
    {
        assert_eq!(
            cap.response.json()["error"].as_str(),
            Some(message),
            "literal message vs capture"
        );
    }
    assert_eq!(err.status(), Some(status));
    assert_eq!(err.server_message(), Some(message));
    err
}

#[track_caller]
fn assert_stream_error(err: &Error, message: &str) {
    match err {
        Error::Stream { message: m } => assert_eq!(m, message),
        other => panic!("want Error::Stream, got {other:?}"),
    }
    assert_eq!(err.status(), None);
    assert_eq!(err.server_message(), Some(message));
}

/// Every item of a stream up to its end or its first error; after an error it must end.
async fn drain<T: DeserializeOwned>(mut stream: ResponseStream<T>) -> (Vec<T>, Option<Error>) {
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(v) => items.push(v),
            Err(e) => {
                assert!(
                    stream.next().await.is_none(),
                    "the stream must end after an error"
                );
                return (items, Some(e));
            }
        }
    }
    (items, None)
}

async fn drain_ok<T: DeserializeOwned + Debug>(stream: ResponseStream<T>) -> Vec<T> {
    let (items, err) = drain(stream).await;
    assert!(err.is_none(), "unexpected error {err:?} after {items:?}");
    items
}

fn progress(status: &str) -> ProgressResponse {
    ProgressResponse {
        status: status.into(),
        ..ProgressResponse::default()
    }
}

fn layer(status: &str, digest: &str, bytes: u64) -> ProgressResponse {
    ProgressResponse {
        status: status.into(),
        digest: Some(digest.into()),
        total: Some(bytes),
        completed: Some(bytes),
    }
}

fn statuses(items: &[ProgressResponse]) -> Vec<&str> {
    items.iter().map(|p| p.status.as_str()).collect()
}

/// A file holding [`BLOB`], deleted when the test ends.
fn blob_file() -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(BLOB).expect("write temp file");
    f.flush().expect("flush temp file");
    f
}

fn blob_path() -> String {
    format!("/api/blobs/{BLOB_DIGEST}")
}

/// The prompt-token context of captures 15, 16 (same prompt and seed).
const CONTEXT_15: [i64; 32] = [
    1, 120, 118, 104, 117, 13, 107, 104, 111, 111, 114, 2, 13, 1, 100, 118, 118, 108, 118, 119,
    100, 113, 119, 13, 262, 117, 100, 100, 277, 117, 125, 277,
];

fn tiny_details() -> ModelDetails {
    ModelDetails {
        parent_model: String::new(),
        format: "gguf".into(),
        family: "llama".into(),
        families: Some(vec!["llama".into()]),
        parameter_size: "119K".into(),
        quantization_level: "unknown".into(),
        context_length: None,
        embedding_length: None,
        extra: Default::default(),
    }
}

/// The logprobs of captures 25 and 98 (same prompt, seed and settings).
fn logprobs_25() -> Vec<Logprob> {
    fn top(token: &str, logprob: f64, bytes: &[u8]) -> TopLogprob {
        TopLogprob {
            token: token.into(),
            logprob,
            bytes: Some(bytes.to_vec()),
        }
    }
    vec![
        Logprob {
            token: " h".into(),
            logprob: -4.430198669433594,
            bytes: Some(vec![32, 104]),
            top_logprobs: Some(vec![
                top("d", -1.0920945405960083, &[100]),
                top(" ", -1.577102780342102, &[32]),
            ]),
        },
        Logprob {
            token: "r".into(),
            logprob: -3.8591997623443604,
            bytes: Some(vec![114]),
            top_logprobs: Some(vec![
                top(" lla", -1.585815668106079, &[32, 108, 108, 97]),
                top(" ", -1.9381334781646729, &[32]),
            ]),
        },
        Logprob {
            token: "a".into(),
            logprob: -1.4799139499664307,
            bytes: Some(vec![97]),
            top_logprobs: Some(vec![
                top("a", -1.4799139499664307, &[97]),
                top("z", -2.0242788791656494, &[122]),
            ]),
        },
    ]
}

// ---------------------------------------------------------------------------
// Version, list, ps
// ---------------------------------------------------------------------------

#[tokio::test]
async fn version_03() {
    let (_cap, replay, client) = serve("03");
    let v = client.version().await.unwrap();
    assert_eq!(v.version, "0.32.15");
    let s = only_request(&replay);
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        ("GET", "/api/version")
    );
    assert_eq!(s.header("accept"), "application/json");
    assert!(s.header("user-agent").starts_with("ollama-rs/"));
    assert!(s.body.is_empty());
}

#[tokio::test]
async fn with_host_reaches_the_replay() {
    // The plain constructor, not only the builder, must accept the replay's URL.
    let (_cap, replay, _) = serve("03");
    let client = Client::with_host(replay.url()).unwrap();
    assert_eq!(client.version().await.unwrap().version, "0.32.15");
}

#[tokio::test]
async fn list_04() {
    let (cap, replay, client) = serve("04");
    let list = client.list().await.unwrap();
    let names: Vec<&str> = list.models.iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["tiny-bert:latest", "tiny-embed:latest", "tiny:latest"]
    );
    let sizes: Vec<u64> = list.models.iter().map(|m| m.size).collect();
    assert_eq!(sizes, [454998, 482904, 483257]);
    let caps: Vec<Vec<String>> = list
        .models
        .iter()
        .map(|m| m.capabilities.clone().unwrap())
        .collect();
    assert_eq!(
        caps,
        [vec!["embedding"], vec!["embedding"], vec!["completion"]]
    );

    let bert = &list.models[0];
    assert_eq!(bert.name, "tiny-bert:latest");
    assert_eq!(bert.model, "tiny-bert:latest");
    assert_eq!(
        bert.modified_at.as_deref(),
        Some("2026-11-25T03:04:47.876297371Z")
    );
    assert_eq!(
        bert.digest,
        "ccbd6352ca8e6794ff85381ba05d4217303749c9837b26f7f8ab21a03332ff32"
    );
    assert_eq!(
        bert.details,
        ModelDetails {
            parent_model: String::new(),
            format: "gguf".into(),
            family: "bert".into(),
            families: Some(vec!["bert".into()]),
            parameter_size: "112K".into(),
            quantization_level: "unknown".into(),
            context_length: Some(512),
            embedding_length: Some(64),
            extra: Default::default(),
        }
    );
    let tiny = &list.models[2];
    assert_eq!(tiny.digest, MODEL_DIGEST);
    assert_eq!(
        tiny.details,
        ModelDetails {
            context_length: Some(4096),
            embedding_length: Some(64),
            ..tiny_details()
        }
    );
    assert_eq!(
        (tiny.remote_model.as_deref(), tiny.remote_host.as_deref()),
        (None, None)
    );

    // Nothing was lost on the way: the typed answer serializes back to the captured document.
    assert_eq!(serde_json::to_value(&list).unwrap(), cap.response.json());
    let s = only_request(&replay);
    assert_eq!((s.method.as_str(), s.path.as_str()), ("GET", "/api/tags"));
}

#[tokio::test]
async fn ps_05_none() {
    let (_cap, replay, client) = serve("05");
    assert!(client.ps().await.unwrap().models.is_empty());
    assert_eq!(only_request(&replay).path, "/api/ps");
}

#[tokio::test]
async fn ps_06_loaded() {
    let (_cap, _replay, client) = serve("06");
    let ps = client.ps().await.unwrap();
    assert_eq!(ps.models.len(), 1);
    let m = &ps.models[0];
    assert_eq!(m.name(), "tiny:latest");
    assert_eq!(m.name, "tiny:latest");
    assert_eq!(m.size, 7822376);
    assert_eq!(m.size_vram, 0);
    assert_eq!(m.digest, MODEL_DIGEST);
    assert_eq!(
        m.expires_at.as_deref(),
        Some("2026-11-25T03:14:39.629903622Z")
    );
    assert_eq!(m.context_length, Some(4096));
    // ps details lack context_length; it is the top-level field here.
    assert_eq!(m.details, tiny_details());
}

// ---------------------------------------------------------------------------
// Show, copy, delete
// ---------------------------------------------------------------------------

const TINY_TEMPLATE: &str = "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";
const TINY_PARAMETERS: &str = "stop                           \"<|im_start|>\"\nstop                           \"<|im_end|>\"";

#[tokio::test]
async fn show_07_plain() {
    let (cap, replay, client) = serve("07");
    assert!(cap.response.is_chunked(), "the answer must arrive chunked");
    let show = client.show("tiny").await.unwrap();

    let modelfile = format!(
        "# Modelfile generated by \"ollama show\"\n\
         # To build a new Modelfile based on this, replace FROM with:\n\
         # FROM tiny:latest\n\n\
         FROM /home/user/.ollama/models/blobs/sha256-8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998\n\
         TEMPLATE \"{TINY_TEMPLATE}\"\n\
         PARAMETER stop <|im_start|>\n\
         PARAMETER stop <|im_end|>\n"
    );
    assert_eq!(show.modelfile.as_deref(), Some(modelfile.as_str()));
    assert_eq!(show.parameters.as_deref(), Some(TINY_PARAMETERS));
    assert_eq!(show.template.as_deref(), Some(TINY_TEMPLATE));
    assert_eq!(
        (show.system.as_deref(), show.license.as_deref()),
        (None, None)
    );
    assert_eq!(show.details, Some(tiny_details()));
    assert_eq!(show.capabilities, ["completion"]);
    assert!(show.has_capability("Completion"));
    assert!(!show.has_capability("embedding"));
    assert_eq!(
        show.modified_at.as_deref(),
        Some("2026-11-25T03:01:17.493105798Z")
    );

    assert_eq!(show.architecture(), Some("llama"));
    assert_eq!(show.context_length(), Some(4096));
    assert_eq!(show.embedding_length(), Some(64));
    assert_eq!(show.parameter_count(), Some(118976));
    let info = show.model_info.as_ref().unwrap();
    assert_eq!(info.len(), 26);
    assert_eq!(
        info["llama.attention.layer_norm_rms_epsilon"],
        json!(0.00001)
    );
    assert_eq!(info["tokenizer.ggml.model"], json!("gpt2"));
    // Without verbose the long tokenizer arrays are null.
    assert_eq!(info["tokenizer.ggml.tokens"], Value::Null);
    // Key order is kept as the server sent it.
    assert_eq!(
        info.keys().next().map(String::as_str),
        Some("general.architecture")
    );

    let tensors = show.tensors.as_ref().unwrap();
    assert_eq!(tensors.len(), 21);
    assert_eq!(
        tensors[0],
        Tensor {
            name: "output.weight".into(),
            r#type: "F32".into(),
            shape: vec![64, 287],
        }
    );
    assert_eq!(
        tensors[20],
        Tensor {
            name: "blk.1.ffn_up.weight".into(),
            r#type: "F32".into(),
            shape: vec![64, 128],
        }
    );
    assert_eq!(serde_json::to_value(&show).unwrap(), cap.response.json());

    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/show",
        "application/json",
        r#"{"model":"tiny"}"#,
    );
    assert_eq!(s.json(), cap.request.json());
}

#[tokio::test]
async fn show_08_verbose() {
    let (cap, replay, client) = serve("08");
    let show = client
        .show(ShowRequest::new("tiny").verbose(true))
        .await
        .unwrap();
    let info = show.model_info.as_ref().unwrap();
    let tokens = info["tokenizer.ggml.tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 287);
    assert_eq!(
        tokens[..3],
        [
            json!("<|endoftext|>"),
            json!("<|im_start|>"),
            json!("<|im_end|>")
        ]
    );
    assert_eq!(
        info["tokenizer.ggml.token_type"].as_array().unwrap().len(),
        287
    );
    let merges = info["tokenizer.ggml.merges"].as_array().unwrap();
    assert_eq!(merges.len(), 29);
    assert_eq!(merges[0], json!("\u{120} t"));
    assert_eq!(show.parameters.as_deref(), Some(TINY_PARAMETERS));
    assert_eq!(show.template.as_deref(), Some(TINY_TEMPLATE));
    assert_eq!(show.context_length(), Some(4096));
    assert_eq!(show.tensors.as_ref().unwrap().len(), 21);
    assert_eq!(show.capabilities, ["completion"]);
    assert_eq!(serde_json::to_value(&show).unwrap(), cap.response.json());

    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/show",
        "application/json",
        r#"{"model":"tiny","verbose":true}"#,
    );
}

#[tokio::test]
async fn show_09_missing() {
    let (cap, replay, client) = serve("09");
    let err = assert_api(
        client.show("nope").await,
        &cap,
        404,
        "model 'nope:latest' not found",
    );
    assert!(err.is_model_not_found());
    assert_eq!(
        err.to_string(),
        "model 'nope:latest' not found (status code: 404)"
    );
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn copy_10_ok() {
    let (_cap, replay, client) = serve("10");
    let r = client.copy("tiny", "tiny-copy").await.unwrap();
    assert_eq!(
        r,
        StatusResponse {
            status: "success".into()
        }
    );
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/copy",
        "application/json",
        r#"{"source":"tiny","destination":"tiny-copy"}"#,
    );
}

#[tokio::test]
async fn copy_11_missing_source() {
    let (cap, replay, client) = serve("11");
    let err = assert_api(
        client.copy("nope", "tiny-copy2").await,
        &cap,
        404,
        "model \"nope\" not found",
    );
    assert!(err.is_model_not_found());
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn copy_12_invalid_destination() {
    let (cap, replay, client) = serve("12");
    let err = assert_api(
        client.copy("tiny", "bad name!").await,
        &cap,
        400,
        "destination \"bad name!\" is invalid",
    );
    assert!(!err.is_model_not_found());
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn delete_13_ok() {
    let (_cap, replay, client) = serve("13");
    let r = client.delete("tiny-copy").await.unwrap();
    assert_eq!(r.status, "success");
    assert_json_request(
        &only_request(&replay),
        "DELETE",
        "/api/delete",
        "application/json",
        r#"{"model":"tiny-copy"}"#,
    );
}

#[tokio::test]
async fn delete_14_missing() {
    let (cap, replay, client) = serve("14");
    assert_api(
        client.delete("tiny-copy").await,
        &cap,
        404,
        "model 'tiny-copy' not found",
    );
    assert_same_body(&replay, &cap, None);
}

// ---------------------------------------------------------------------------
// Generate
// ---------------------------------------------------------------------------

#[tokio::test]
async fn generate_15_stream() {
    let (cap, replay, client) = serve("15");
    let stream = client
        .generate_stream(GenerateRequest::new("tiny", "hello").options(opts(8)))
        .await
        .unwrap();
    let items = drain_ok(stream).await;
    assert_eq!(items.len(), 9);

    let text: String = items.iter().map(|r| r.response.as_str()).collect();
    assert_eq!(text, " hraa llarz lla");
    let captured: String = cap
        .response
        .lines()
        .iter()
        .map(|l| l["response"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(text, captured);

    for item in &items[..8] {
        assert!(!item.done);
        assert_eq!(item.model, "tiny");
        assert_eq!(
            (item.done_reason.as_ref(), item.context.as_ref()),
            (None, None)
        );
        assert_eq!(item.total_duration, None);
    }
    // Trailing zeros of the fraction are trimmed by the server; the text is kept as sent.
    assert_eq!(
        items[3].created_at.as_deref(),
        Some("2026-11-25T03:09:40.25579461Z")
    );

    let last = &items[8];
    assert_eq!(
        *last,
        GenerateResponse {
            model: "tiny".into(),
            created_at: Some("2026-11-25T03:09:40.258717841Z".into()),
            response: String::new(),
            done: true,
            done_reason: Some("length".into()),
            context: Some(CONTEXT_15.to_vec()),
            total_duration: Some(19334064),
            load_duration: Some(5147271),
            prompt_eval_count: Some(24),
            prompt_eval_duration: Some(1728000),
            eval_count: Some(8),
            eval_duration: Some(3535000),
            ..GenerateResponse::default()
        }
    );
    let rate = last.metrics().eval_rate().unwrap();
    assert!((rate - 8.0 / 0.003535).abs() < 1e-6, "{rate}");

    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/generate",
        "application/x-ndjson",
        r#"{"model":"tiny","prompt":"hello","stream":true,"options":{"seed":1,"num_predict":8}}"#,
    );
    assert_eq!(s.json(), captured_body(&cap, Some(true)));
}

#[tokio::test]
async fn stream_keeps_the_callers_accept_header() {
    // Headers set on the builder win over the defaults, the stream's Accept included, and each
    // header goes out once.
    let cap = capture("15");
    let replay = Replay::serve(&cap);
    let client = Client::builder()
        .host(replay.url())
        .timeout(TIMEOUT)
        .api_key(None)
        .header("Accept", "*/*")
        .header("X-Trace", "1")
        .build()
        .unwrap();
    let items = drain_ok(
        client
            .generate_stream(GenerateRequest::new("tiny", "hello"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(items.len(), 9);
    let s = only_request(&replay);
    assert_eq!(s.header("accept"), "*/*");
    assert_eq!(s.header("x-trace"), "1");
    assert_eq!(s.header("content-type"), "application/json");
}

#[tokio::test]
async fn generate_16_nonstream() {
    let (cap, replay, client) = serve("16");
    let r = client
        .generate(GenerateRequest::new("tiny", "hello").options(opts(8)))
        .await
        .unwrap();
    assert_eq!(
        r,
        GenerateResponse {
            model: "tiny".into(),
            created_at: Some("2026-11-25T03:09:40.645435719Z".into()),
            response: " hraa llarz lla".into(),
            done: true,
            done_reason: Some("length".into()),
            context: Some(CONTEXT_15.to_vec()),
            total_duration: Some(75095414),
            load_duration: Some(3147332),
            prompt_eval_count: Some(24),
            prompt_eval_duration: Some(62004000),
            eval_count: Some(8),
            eval_duration: Some(3127000),
            ..GenerateResponse::default()
        }
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/generate",
        "application/json",
        r#"{"model":"tiny","prompt":"hello","stream":false,"options":{"seed":1,"num_predict":8}}"#,
    );
    assert_eq!(s.json(), cap.request.json());
}

#[tokio::test]
async fn generate_17_load_answers_a_stream_with_one_object() {
    let (cap, replay, client) = serve("17");
    let stream = client
        .generate_stream(GenerateRequest::load("tiny"))
        .await
        .unwrap();
    let items = drain_ok(stream).await;
    assert_eq!(
        items,
        [GenerateResponse {
            model: "tiny".into(),
            created_at: Some("2026-11-25T03:09:39.629747389Z".into()),
            response: String::new(),
            done: true,
            done_reason: Some("load".into()),
            ..GenerateResponse::default()
        }]
    );
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/generate",
        "application/x-ndjson",
        r#"{"model":"tiny","stream":true}"#,
    );
    // An empty prompt is a load request too: the prompt is left out, as in the capture.
    let replay2 = Replay::serve(&cap);
    let r = client_for(&replay2)
        .generate(GenerateRequest::new("tiny", ""))
        .await
        .unwrap();
    assert_eq!(r.done_reason.as_deref(), Some("load"));
    assert_same_body(&replay2, &cap, Some(false));
}

#[tokio::test]
async fn generate_18_unload_answers_a_stream_with_one_object() {
    let (cap, replay, client) = serve("18");
    let stream = client
        .generate_stream(GenerateRequest::load("tiny").keep_alive(KeepAlive::unload()))
        .await
        .unwrap();
    let items = drain_ok(stream).await;
    assert_eq!(items.len(), 1);
    assert!(items[0].done);
    assert_eq!(items[0].done_reason.as_deref(), Some("unload"));
    assert_eq!(items[0].response, "");
    assert_eq!(
        items[0].created_at.as_deref(),
        Some("2026-11-25T03:09:46.050165602Z")
    );
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/generate",
        "application/x-ndjson",
        r#"{"model":"tiny","stream":true,"keep_alive":0}"#,
    );
    assert_eq!(
        only_request(&replay).json(),
        captured_body(&cap, Some(true))
    );
}

#[tokio::test]
async fn generate_21_format_schema() {
    let (cap, replay, client) = serve("21");
    let schema = json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "n": {"type": "integer"}},
        "required": ["name", "n"]
    });
    let r = client
        .generate(
            GenerateRequest::new("tiny", "hello")
                .format(ollama_rs::Format::Schema(schema))
                .options(opts(16)),
        )
        .await
        .unwrap();
    assert_eq!(r.response, "{ \"name\" : \"y wo wo wo");
    assert_eq!(r.eval_count, Some(16));
    assert_eq!(r.context.as_ref().map(Vec::len), Some(40));
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_22_raw_has_no_context() {
    let (cap, replay, client) = serve("22");
    let r = client
        .generate(
            GenerateRequest::new("tiny", "hello")
                .raw(true)
                .options(opts(8)),
        )
        .await
        .unwrap();
    assert_eq!(r.response, " h okyea wo llar");
    assert_eq!(r.context, None);
    assert_eq!(r.done_reason.as_deref(), Some("length"));
    assert_eq!(r.prompt_eval_count, Some(5));
    assert_eq!(
        r.created_at.as_deref(),
        Some("2026-11-25T03:09:42.02917878Z")
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_23_suffix_without_insert() {
    let (cap, replay, client) = serve("23");
    let req = GenerateRequest::new("tiny", "def f(")
        .suffix("    return x")
        .options(opts(8));
    assert_api(
        client.generate(req).await,
        &cap,
        400,
        "registry.ollama.ai/library/tiny:latest does not support insert",
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_24_think_unsupported() {
    let (cap, replay, client) = serve("24");
    let req = GenerateRequest::new("tiny", "hello")
        .think(true)
        .options(opts(8));
    let err = assert_api(
        client.generate(req).await,
        &cap,
        400,
        "\"tiny\" does not support thinking",
    );
    assert!(!err.is_model_not_found());
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_25_logprobs_nonstream() {
    let (cap, replay, client) = serve("25");
    let req = GenerateRequest::new("tiny", "hello")
        .logprobs(true)
        .top_logprobs(2)
        .options(opts(3));
    let r = client.generate(req).await.unwrap();
    assert_eq!(r.response, " hra");
    assert_eq!(r.logprobs, Some(logprobs_25()));
    assert_eq!(r.eval_count, Some(3));
    assert_eq!(
        serde_json::to_value(&r.logprobs).unwrap(),
        cap.response.json()["logprobs"]
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_26_images_on_non_vision_model() {
    let (cap, replay, client) = serve("26");
    let req = GenerateRequest::new("tiny", "what is this?")
        .images([Image::from_base64("aGVsbG8=").unwrap()])
        .options(opts(8));
    // The runner's own JSON error arrives as an escaped string; it is kept as text, not unwrapped.
    assert_api(
        client.generate(req).await,
        &cap,
        400,
        r#"{"error":{"code":400,"message":"Multimodal data provided, but model does not support multimodal requests.","type":"invalid_request_error"}}"#,
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_27_bad_json_answer() {
    // The client cannot send broken JSON; this checks how it reports the server's answer to it.
    let (cap, _replay, client) = serve("27");
    assert_api(
        client.generate(GenerateRequest::new("tiny", "hello")).await,
        &cap,
        400,
        "unexpected EOF",
    );
}

#[tokio::test]
async fn generate_28_empty_body_answer() {
    // As for 27: only the mapping of the answer can be checked.
    let (cap, _replay, client) = serve("28");
    assert_api(
        client.generate(GenerateRequest::new("tiny", "hello")).await,
        &cap,
        400,
        "missing request body",
    );
}

#[tokio::test]
async fn generate_29_missing_model() {
    let (cap, replay, client) = serve("29");
    let err = assert_api(
        client.generate(GenerateRequest::new("nope", "hello")).await,
        &cap,
        404,
        "model 'nope' not found",
    );
    assert!(err.is_model_not_found());
    // Byte for byte what the capture sent.
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn generate_30_empty_model_is_refused_before_sending() {
    let (_cap, replay, client) = serve("30");
    for model in ["", "  "] {
        let err = client
            .generate(GenerateRequest::new(model, "hello"))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest(m) if m == "model is required"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "invalid request: model is required");
        assert_eq!(err.status(), None);
    }
    let err = client
        .chat_stream(ChatRequest::new("", [Message::user("hello")]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let err = client.show("").await.unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert!(replay.requests().is_empty());
    assert_eq!(replay.connections(), 0);
}

#[tokio::test]
async fn generate_31_bad_keep_alive() {
    let (cap, replay, client) = serve("31");
    let req = GenerateRequest::new("tiny", "hello")
        .keep_alive("forever")
        .options(opts(8));
    assert_api(
        client.generate(req).await,
        &cap,
        400,
        "time: invalid duration \"forever\"",
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_32_bad_option_type_is_500() {
    let (cap, replay, client) = serve("32");
    let mut o = opts(8);
    // A wrongly typed value can only go through the untyped extra keys.
    o.extra.insert("temperature".into(), json!("hot"));
    let req = GenerateRequest::new("tiny", "hello").options(o);
    assert_api(
        client.generate(req).await,
        &cap,
        500,
        "option \"temperature\" must be of type float32",
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn generate_34_long_final_line() {
    let (cap, replay, client) = serve("34");
    let prompt = cap.request.json()["prompt"].as_str().unwrap().to_owned();
    let stream = client
        .generate_stream(GenerateRequest::new("tiny", prompt).options(opts(3)))
        .await
        .unwrap();
    let items = drain_ok(stream).await;
    assert_eq!(items.len(), 4);
    let text: String = items.iter().map(|r| r.response.as_str()).collect();
    assert_eq!(text, " hxa");
    let last = &items[3];
    assert!(last.done);
    assert_eq!(last.done_reason.as_deref(), Some("length"));
    let context = last.context.as_ref().unwrap();
    assert_eq!(context.len(), 827);
    assert_eq!(
        (&context[..3], &context[824..]),
        (&[1, 120, 118][..], &[262, 123, 100][..])
    );
    assert_eq!(last.prompt_eval_count, Some(824));
    assert_eq!(last.eval_count, Some(3));
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn generate_34_line_over_the_limit() {
    // The 3567-byte final line with a 1000-byte limit: the earlier lines, then LineTooLong.
    let cap = capture("34");
    let replay = Replay::serve(&cap);
    let client = Client::builder()
        .host(replay.url())
        .timeout(TIMEOUT)
        .max_line_bytes(1000)
        .build()
        .unwrap();
    let stream = client
        .generate_stream(GenerateRequest::new("tiny", "hello"))
        .await
        .unwrap();
    let (items, err) = drain(stream).await;
    assert_eq!(items.len(), 3);
    assert!(
        matches!(err, Some(Error::LineTooLong { limit: 1000 })),
        "{err:?}"
    );
}

#[tokio::test]
async fn generate_98_stream_logprobs() {
    let (cap, replay, client) = serve("98");
    let req = GenerateRequest::new("tiny", "hello")
        .logprobs(true)
        .top_logprobs(2)
        .options(opts(3));
    let items = drain_ok(client.generate_stream(req).await.unwrap()).await;
    assert_eq!(items.len(), 4);
    // One logprob per token line, none on the final line; together they equal 25's array.
    let expected = logprobs_25();
    for (i, item) in items[..3].iter().enumerate() {
        assert_eq!(item.logprobs.as_deref(), Some(&expected[i..=i]));
        assert_eq!(item.response, expected[i].token);
    }
    assert_eq!(items[3].logprobs, None);
    assert!(items[3].done);
    assert_eq!(items[3].load_duration, Some(256936550));
    assert_same_body(&replay, &cap, Some(true));
}

// ---------------------------------------------------------------------------
// Chat
// ---------------------------------------------------------------------------

fn assistant(content: &str) -> Message {
    Message::assistant(content)
}

#[tokio::test]
async fn chat_35_stream() {
    let (cap, replay, client) = serve("35");
    let req = ChatRequest::new("tiny", [Message::user("hello")]).options(opts(6));
    let items = drain_ok(client.chat_stream(req).await.unwrap()).await;
    assert_eq!(items.len(), 7);
    let text: String = items.iter().map(|r| r.message.content.as_str()).collect();
    assert_eq!(text, " hraa llar");
    for item in &items[..6] {
        assert!(!item.done);
        assert_eq!(item.message.role, Role::Assistant);
        assert_eq!(item.done_reason, None);
    }
    assert_eq!(
        items[6],
        ChatResponse {
            model: "tiny".into(),
            created_at: Some("2026-11-25T03:10:20.106135318Z".into()),
            message: assistant(""),
            done: true,
            done_reason: Some("length".into()),
            total_duration: Some(8449544),
            load_duration: Some(1242731),
            prompt_eval_count: Some(24),
            prompt_eval_duration: Some(1682000),
            eval_count: Some(6),
            eval_duration: Some(2408000),
            ..ChatResponse::default()
        }
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/chat",
        "application/x-ndjson",
        r#"{"model":"tiny","messages":[{"role":"user","content":"hello"}],"stream":true,"options":{"seed":1,"num_predict":6}}"#,
    );
    assert_eq!(s.json(), captured_body(&cap, Some(true)));
}

#[tokio::test]
async fn chat_36_nonstream() {
    let (cap, replay, client) = serve("36");
    let req = ChatRequest::new("tiny", [Message::user("hello")]).options(opts(6));
    let r = client.chat(req).await.unwrap();
    assert_eq!(r.message, assistant(" hraa llar"));
    assert!(r.done);
    assert_eq!(r.done_reason.as_deref(), Some("length"));
    assert_eq!(r.eval_count, Some(6));
    assert_eq!(r.total_duration, Some(6069892));
    assert_eq!(
        r.created_at.as_deref(),
        Some("2026-11-25T03:10:20.414507977Z")
    );
    let s = only_request(&replay);
    assert_eq!(s.header("accept"), "application/json");
    assert_eq!(s.json(), cap.request.json());
}

#[tokio::test]
async fn chat_38_tools_unsupported() {
    let (cap, replay, client) = serve("38");
    let tool = Tool::function(
        "get_weather",
        "Get the weather",
        json!({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}),
    );
    let req = ChatRequest::new("tiny", [Message::user("weather in Paris?")])
        .tools([tool])
        .options(opts(6));
    assert_api(
        client.chat(req).await,
        &cap,
        400,
        "registry.ollama.ai/library/tiny:latest does not support tools",
    );
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn chat_39_load_answers_a_stream_with_one_object() {
    let (cap, replay, client) = serve("39");
    let items = drain_ok(
        client
            .chat_stream(ChatRequest::new("tiny", []))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        items,
        [ChatResponse {
            model: "tiny".into(),
            created_at: Some("2026-11-25T03:10:19.795568715Z".into()),
            message: assistant(""),
            done: true,
            done_reason: Some("load".into()),
            ..ChatResponse::default()
        }]
    );
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/chat",
        "application/x-ndjson",
        r#"{"model":"tiny","messages":[],"stream":true}"#,
    );
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn chat_40_unload_answers_a_stream_with_one_object() {
    let (cap, replay, client) = serve("40");
    let req = ChatRequest::new("tiny", []).keep_alive(0);
    let items = drain_ok(client.chat_stream(req).await.unwrap()).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].done_reason.as_deref(), Some("unload"));
    assert_eq!(items[0].message, assistant(""));
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn chat_41_missing_model_fails_before_the_stream() {
    let (cap, replay, client) = serve("41");
    let err = assert_api(
        client
            .chat_stream(ChatRequest::new("nope", [Message::user("hello")]))
            .await,
        &cap,
        404,
        "model 'nope' not found",
    );
    assert!(err.is_model_not_found());
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn chat_99_embedding_model() {
    let (cap, replay, client) = serve("99");
    let err = assert_api(
        client
            .chat_stream(ChatRequest::new("tiny-embed", [Message::user("hello")]))
            .await,
        &cap,
        400,
        "\"tiny-embed\" does not support chat",
    );
    assert!(!err.is_model_not_found());
    assert_same_body(&replay, &cap, Some(true));
}

// ---------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------

#[tokio::test]
async fn embed_43_single() {
    let (cap, replay, client) = serve("43");
    let r = client
        .embed(EmbedRequest::new("tiny-embed", "hello world"))
        .await
        .unwrap();
    assert_eq!(r.model, "tiny-embed");
    // The capture keeps only the first 8 of the 64 values.
    assert_eq!(
        r.embeddings,
        [vec![
            0.7318014f32,
            0.026626382,
            -0.026379481,
            -0.018870149,
            0.058635384,
            0.026277494,
            -0.008489895,
            0.110198416
        ]]
    );
    assert_eq!(
        (r.total_duration, r.load_duration, r.prompt_eval_count),
        (Some(4188624), Some(1300669), Some(6))
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/embed",
        "application/json",
        r#"{"model":"tiny-embed","input":"hello world"}"#,
    );
    assert_eq!(s.body, cap.request.body);
}

#[tokio::test]
async fn embed_44_list() {
    let (cap, replay, client) = serve("44");
    let r = client
        .embed(EmbedRequest::new("tiny-embed", vec!["hello", "tiny world"]))
        .await
        .unwrap();
    assert_eq!(r.embeddings.len(), 2);
    assert_eq!(r.embeddings[0][0], 0.72719884);
    assert_eq!(r.embeddings[1][7], 0.0993653);
    assert_eq!(r.prompt_eval_count, Some(10));
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn embed_45_dimensions() {
    let (cap, replay, client) = serve("45");
    let r = client
        .embed(EmbedRequest::new("tiny-embed", "hello world").dimensions(8))
        .await
        .unwrap();
    assert_eq!(r.embeddings.len(), 1);
    let v = &r.embeddings[0];
    assert_eq!(v.len(), 8);
    assert_eq!((v[0], v[7]), (0.98351294, 0.14810243));
    let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "{norm}");
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn embed_46_too_long() {
    let (cap, replay, client) = serve("46");
    let input = cap.request.json()["input"].as_str().unwrap().to_owned();
    assert_api(
        client
            .embed(EmbedRequest::new("tiny-bert", input).truncate(false))
            .await,
        &cap,
        400,
        "the input length exceeds the context length",
    );
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn embed_47_empty_input() {
    let (cap, replay, client) = serve("47");
    let r = client
        .embed(EmbedRequest::new("tiny-embed", ""))
        .await
        .unwrap();
    assert_eq!(r.model, "tiny-embed");
    assert!(r.embeddings.is_empty());
    assert_eq!(r.total_duration, None);
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn embed_48_completion_model_is_501() {
    let (cap, replay, client) = serve("48");
    assert_api(
        client.embed(EmbedRequest::new("tiny", "hello")).await,
        &cap,
        501,
        "This server does not support embeddings. Start it with `--embeddings`",
    );
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn embed_49_missing_model() {
    let (cap, replay, client) = serve("49");
    let err = assert_api(
        client.embed(EmbedRequest::new("nope", "hello")).await,
        &cap,
        404,
        "model \"nope\" not found, try pulling it first",
    );
    assert!(err.is_model_not_found());
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
#[allow(deprecated)] // the deprecated endpoint is what is under test
async fn embeddings_50_legacy() {
    let (cap, replay, client) = serve("50");
    let r = client
        .embeddings(EmbeddingsRequest::new("tiny-embed", "hello world"))
        .await
        .unwrap();
    // float64 with all 17 digits, unlike /api/embed.
    assert_eq!(
        r.embedding,
        [
            0.7318013906478882,
            0.026626382023096085,
            -0.026379480957984924,
            -0.018870148807764053,
            0.05863538384437561,
            0.026277493685483932,
            -0.008489894680678844,
            0.11019841581583023
        ]
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/embeddings",
        "application/json",
        r#"{"model":"tiny-embed","prompt":"hello world"}"#,
    );
    assert_eq!(s.body, cap.request.body);
}

#[tokio::test]
#[allow(deprecated)] // the deprecated endpoint is what is under test
async fn embeddings_51_legacy_missing() {
    let (cap, replay, client) = serve("51");
    let err = assert_api(
        client
            .embeddings(EmbeddingsRequest::new("nope", "hello"))
            .await,
        &cap,
        404,
        "model \"nope\" not found, try pulling it first",
    );
    assert!(err.is_model_not_found());
    assert_eq!(only_request(&replay).body, cap.request.body);
}

// ---------------------------------------------------------------------------
// Blobs
// ---------------------------------------------------------------------------

#[tokio::test]
async fn blob_55_present() {
    let (cap, replay, client) = serve("55");
    let digest = cap.request.path.strip_prefix("/api/blobs/").unwrap();
    assert!(client.blob_exists(digest).await.unwrap());
    let s = only_request(&replay);
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        ("HEAD", cap.request.path.as_str())
    );
    assert!(s.body.is_empty());
}

#[tokio::test]
async fn blob_52_missing() {
    let (cap, replay, client) = serve("52");
    let digest = cap.request.path.strip_prefix("/api/blobs/").unwrap();
    // A 404 to HEAD is the answer "no", not an error, although it advertises an error body.
    assert!(!client.blob_exists(digest).await.unwrap());
    let s = only_request(&replay);
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        ("HEAD", cap.request.path.as_str())
    );
}

#[tokio::test]
async fn create_blob_uploads_when_missing_52_53() {
    let replay = Replay::serve_routes(&[at_path("52", &blob_path()), at_path("53", &blob_path())]);
    let client = client_for(&replay);
    let file = blob_file();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let digest = client
        .create_blob_with_progress(file.path(), move |p| log.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(digest, BLOB_DIGEST);

    let reqs = sent(&replay);
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("HEAD", blob_path().as_str())
    );
    let post = &reqs[1];
    assert_eq!(
        (post.method.as_str(), post.path.as_str()),
        ("POST", blob_path().as_str())
    );
    assert_eq!(post.body, BLOB);
    assert_eq!(post.header("content-type"), "application/octet-stream");
    assert_eq!(post.header("content-length"), "40");

    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.last(),
        Some(&BlobProgress::Uploading {
            done: 40,
            total: 40
        })
    );
    assert!(seen.contains(&BlobProgress::Hashing {
        done: 40,
        total: 40
    }));
    assert!(!seen.contains(&BlobProgress::Exists));
}

#[tokio::test]
async fn create_blob_skips_upload_when_present_55() {
    let replay = Replay::serve_routes(&[at_path("55", &blob_path())]);
    let client = client_for(&replay);
    let file = blob_file();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let digest = client
        .create_blob_with_progress(file.path(), move |p| log.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(digest, BLOB_DIGEST);
    assert_eq!(only_request(&replay).method, "HEAD");
    assert_eq!(seen.lock().unwrap().last(), Some(&BlobProgress::Exists));
}

#[tokio::test]
async fn create_blob_56_digest_mismatch() {
    let replay = Replay::serve_routes(&[at_path("52", &blob_path()), at_path("56", &blob_path())]);
    let client = client_for(&replay);
    let file = blob_file();
    assert_api(
        client.create_blob(file.path()).await,
        &capture("56"),
        400,
        "digest mismatch, expected \"sha256:a1621be95040239ee14362c16e20510ddc20f527d772d823b2a1679b33f5cd74\", got \"sha256:44505fc52face380adff2956c009dbde8b7e6cd3a7a9878f0d1ea4acd011752d\"",
    );
    let reqs = sent(&replay);
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].body, BLOB);
}

#[tokio::test]
async fn create_blob_58_bad_digest_format() {
    let replay = Replay::serve_routes(&[at_path("52", &blob_path()), at_path("58", &blob_path())]);
    let client = client_for(&replay);
    let file = blob_file();
    assert_api(
        client.create_blob(file.path()).await,
        &capture("58"),
        400,
        "invalid digest format",
    );
}

#[tokio::test]
async fn blob_exists_other_status_is_an_error_58() {
    // A HEAD answer has no body to read a message from, so the reason phrase stands in for it.
    let (_cap, _replay, client) = serve("58");
    let err = client.blob_exists("sha256:1234").await.unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message } if message == "bad request"),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_blob_missing_file_is_io_error() {
    let (_cap, replay, client) = serve("55");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.gguf");
    let err = client.create_blob(&path).await.unwrap_err();
    assert!(
        matches!(&err, Error::Io { path: p, .. } if *p == path),
        "{err:?}"
    );
    assert!(replay.requests().is_empty());
}

// ---------------------------------------------------------------------------
// Create, push, pull
// ---------------------------------------------------------------------------

#[tokio::test]
async fn create_60_stream() {
    let (cap, replay, client) = serve("60");
    let req = CreateRequest::new("tiny-files").files([("tiny.gguf", GGUF_DIGEST)]);
    let items = drain_ok(client.create_stream(req).await.unwrap()).await;
    assert_eq!(
        items,
        [
            progress("parsing GGUF"),
            progress("verifying conversion"),
            progress("using existing layer sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998"),
            progress("using autodetected template chatml"),
            progress("using existing layer sha256:f02dd72bb2423204352eabc5637b44d79d17f109fdb510a7c51455892aa2d216"),
            progress("writing manifest"),
            progress("success"),
        ]
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/create",
        "application/x-ndjson",
        &format!(
            r#"{{"model":"tiny-files","files":{{"tiny.gguf":"{GGUF_DIGEST}"}},"stream":true}}"#
        ),
    );
    assert_eq!(s.json(), captured_body(&cap, Some(true)));
}

#[tokio::test]
async fn create_61_nonstream() {
    let (cap, replay, client) = serve("61");
    let req = CreateRequest::new("tiny-files2").files([("tiny.gguf", GGUF_DIGEST)]);
    assert_eq!(client.create(req).await.unwrap(), progress("success"));
    // Same fields in the same order as the capture: byte-identical.
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn create_64_error_line_after_progress() {
    let (cap, replay, client) = serve("64");
    let req = CreateRequest::new("tiny-x").from_model("127.0.0.1:5000/library/nope");
    const MSG: &str = "pull model manifest: Get \"https://127.0.0.1:5000/v2/library/nope/manifests/latest\": http: server gave HTTP response to HTTPS client";
    let (items, err) = drain(client.create_stream(req.clone()).await.unwrap()).await;
    assert_eq!(items, [progress("pulling manifest")]);
    let err = err.expect("an error line");
    assert_stream_error(&err, MSG);
    assert!(!err.is_model_not_found());
    assert_same_body(&replay, &cap, Some(true));

    // The single-answer call on the same body: the last line is an error line, so it is that error.
    let replay = Replay::serve(&cap);
    let err = client_for(&replay).create(req).await.unwrap_err();
    assert_stream_error(&err, MSG);
    assert_same_body(&replay, &cap, Some(false));
}

#[tokio::test]
async fn create_65_quantize_error_line() {
    let (cap, replay, client) = serve("65");
    let req = CreateRequest::new("tiny-q8")
        .files([("tiny.gguf", GGUF_DIGEST)])
        .quantize("q8_0");
    const MSG: &str = "quantization is only supported for F16, BF16 and F32 models";
    let (items, err) = drain(client.create_stream(req.clone()).await.unwrap()).await;
    assert_eq!(items, [progress("parsing GGUF")]);
    assert_stream_error(&err.expect("an error line"), MSG);
    assert_same_body(&replay, &cap, Some(true));

    let replay = Replay::serve(&cap);
    assert_stream_error(&client_for(&replay).create(req).await.unwrap_err(), MSG);
}

#[tokio::test]
async fn create_67_chunked_500_before_the_stream() {
    let (cap, replay, client) = serve("67");
    let req = CreateRequest::new("tiny-q4")
        .from_model("tiny-q8")
        .quantize("q4_K_M");
    assert!(cap.response.is_chunked());
    assert_api(
        client.create_stream(req.clone()).await,
        &cap,
        500,
        "quantization is only supported for F16, BF16 and F32 models",
    );
    assert_same_body(&replay, &cap, Some(true));
    let replay = Replay::serve(&cap);
    assert_api(
        client_for(&replay).create(req).await,
        &cap,
        500,
        "quantization is only supported for F16, BF16 and F32 models",
    );
}

#[tokio::test]
async fn create_68_chunked_400_before_the_stream() {
    let (cap, replay, client) = serve("68");
    let req = CreateRequest::new("tiny-empty").system("nothing to build on");
    assert_api(
        client.create_stream(req).await,
        &cap,
        400,
        "neither 'from' or 'files' was specified",
    );
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn create_69_bad_file_path() {
    let (cap, replay, client) = serve("69");
    let req = CreateRequest::new("tiny-bad").files([("../x.gguf", GGUF_DIGEST)]);
    assert_api(
        client.create_stream(req).await,
        &cap,
        400,
        "file path must be relative",
    );
    assert_same_body(&replay, &cap, Some(true));
}

#[tokio::test]
async fn push_70_stream() {
    let (cap, replay, client) = serve("70");
    let req = PushRequest::new("127.0.0.1:5000/library/tiny-full").insecure(true);
    let items = drain_ok(client.push_stream(req).await.unwrap()).await;
    assert_eq!(items.len(), 10);
    assert_eq!(items[0], progress("retrieving manifest"));
    assert_eq!(
        items[1],
        layer(
            "pushing 8de0a46aec06",
            "sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998",
            482944
        )
    );
    assert_eq!(
        items[7],
        layer(
            "pushing bc6c655310bb",
            "sha256:bc6c655310bb6125b91599affdb663cc7defdb5c43e95cd8704205e3aed2bc90",
            152
        )
    );
    let totals: Vec<u64> = items[1..8].iter().map(|p| p.total.unwrap()).collect();
    assert_eq!(totals, [482944, 131, 26, 18, 77, 78, 152]);
    assert!(items[1..8].iter().all(|p| p.completed == p.total));
    assert_eq!(statuses(&items[8..]), ["pushing manifest", "success"]);
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/push",
        "application/x-ndjson",
        r#"{"model":"127.0.0.1:5000/library/tiny-full","insecure":true,"stream":true}"#,
    );
    assert_eq!(s.json(), captured_body(&cap, Some(true)));
}

#[tokio::test]
async fn push_72_missing_model_error_line() {
    let (cap, replay, client) = serve("72");
    let req = PushRequest::new("127.0.0.1:5000/library/nope").insecure(true);
    const MSG: &str = "open /home/user/.ollama/models/manifests/127.0.0.1:5000/library/nope/latest: no such file or directory";
    let (items, err) = drain(client.push_stream(req.clone()).await.unwrap()).await;
    assert_eq!(
        statuses(&items),
        ["retrieving manifest", "couldn't retrieve manifest"]
    );
    assert_stream_error(&err.expect("an error line"), MSG);
    assert_same_body(&replay, &cap, Some(true));

    let replay = Replay::serve(&cap);
    assert_stream_error(&client_for(&replay).push(req).await.unwrap_err(), MSG);
}

#[tokio::test]
async fn push_73_without_insecure_error_line() {
    let (cap, replay, client) = serve("73");
    let req = PushRequest::new("127.0.0.1:5000/library/tiny-full");
    const MSG: &str = "Head \"https://127.0.0.1:5000/v2/library/tiny-full/blobs/sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998\": http: server gave HTTP response to HTTPS client";
    let (items, err) = drain(client.push_stream(req.clone()).await.unwrap()).await;
    assert_eq!(items, [progress("retrieving manifest")]);
    assert_stream_error(&err.expect("an error line"), MSG);
    // insecure unset is left out, not sent as false.
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/push",
        "application/x-ndjson",
        r#"{"model":"127.0.0.1:5000/library/tiny-full","stream":true}"#,
    );

    let replay = Replay::serve(&cap);
    assert_stream_error(&client_for(&replay).push(req).await.unwrap_err(), MSG);
}

#[tokio::test]
async fn pull_74_stream() {
    let (cap, replay, client) = serve("74");
    let req = PullRequest::new("127.0.0.1:5000/library/tiny-full").insecure(true);
    let items = drain_ok(client.pull_stream(req).await.unwrap()).await;
    assert_eq!(
        items,
        [
            progress("pulling manifest"),
            layer(
                "pulling 8de0a46aec06",
                "sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998",
                482944
            ),
            layer(
                "pulling bc6c655310bb",
                "sha256:bc6c655310bb6125b91599affdb663cc7defdb5c43e95cd8704205e3aed2bc90",
                152
            ),
            progress("verifying sha256 digest"),
            progress("writing manifest"),
            progress("success"),
        ]
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/pull",
        "application/x-ndjson",
        r#"{"model":"127.0.0.1:5000/library/tiny-full","insecure":true,"stream":true}"#,
    );
    assert_eq!(s.json(), captured_body(&cap, Some(true)));
}

#[tokio::test]
async fn pull_75_nonstream() {
    let (cap, replay, client) = serve("75");
    let req = PullRequest::new("127.0.0.1:5000/library/tiny-full").insecure(true);
    assert_eq!(client.pull(req).await.unwrap(), progress("success"));
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/pull",
        "application/json",
        r#"{"model":"127.0.0.1:5000/library/tiny-full","insecure":true,"stream":false}"#,
    );
    assert_eq!(s.body, cap.request.body);
}

#[tokio::test]
async fn pull_76_missing_repo_error_line() {
    let (cap, replay, client) = serve("76");
    let req = PullRequest::new("127.0.0.1:5000/library/nope").insecure(true);
    const MSG: &str = "pull model manifest: file does not exist";
    let (items, err) = drain(client.pull_stream(req.clone()).await.unwrap()).await;
    assert_eq!(items, [progress("pulling manifest")]);
    let err = err.expect("an error line");
    assert_stream_error(&err, MSG);
    assert!(err.is_model_not_found());
    assert_eq!(err.to_string(), MSG);
    assert_same_body(&replay, &cap, Some(true));

    let replay = Replay::serve(&cap);
    let err = client_for(&replay).pull(req).await.unwrap_err();
    assert_stream_error(&err, MSG);
    assert!(err.is_model_not_found());
}

#[tokio::test]
async fn pull_77_missing_repo_nonstream_is_500() {
    let (cap, replay, client) = serve("77");
    let req = PullRequest::new("127.0.0.1:5000/library/nope").insecure(true);
    let err = assert_api(
        client.pull(req).await,
        &cap,
        500,
        "pull model manifest: file does not exist",
    );
    // The 500 still means the model does not exist.
    assert!(err.is_model_not_found());
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn pull_78_without_insecure_is_500() {
    let (cap, replay, client) = serve("78");
    let req = PullRequest::new("127.0.0.1:5000/library/tiny-full");
    let err = assert_api(
        client.pull(req).await,
        &cap,
        500,
        "pull model manifest: Get \"https://127.0.0.1:5000/v2/library/tiny-full/manifests/latest\": http: server gave HTTP response to HTTPS client",
    );
    assert!(!err.is_model_not_found());
    assert_eq!(only_request(&replay).body, cap.request.body);
}

// ---------------------------------------------------------------------------
// Plain-text and empty error bodies
// ---------------------------------------------------------------------------

#[tokio::test]
async fn unknown_path_79_plain_text_404() {
    let (cap, _replay, client) = serve("79");
    assert_api(client.list().await, &cap, 404, "404 page not found");
}

#[tokio::test]
async fn wrong_method_80_plain_text_405() {
    let (cap, _replay, client) = serve("80");
    let err = assert_api(
        client.generate(GenerateRequest::new("tiny", "hello")).await,
        &cap,
        405,
        "405 method not allowed",
    );
    assert!(!err.is_model_not_found());
}

#[tokio::test]
async fn host_forbidden_81_empty_403() {
    let (cap, _replay, client) = serve("81");
    let err = assert_api(client.version().await, &cap, 403, "forbidden");
    assert_eq!(err.to_string(), "forbidden (status code: 403)");
    // The same empty answer to a stream call fails before any item.
    let replay = Replay::serve(&cap);
    assert_api(
        client_for(&replay)
            .pull_stream(PullRequest::new("tiny"))
            .await,
        &cap,
        403,
        "forbidden",
    );
}

// ---------------------------------------------------------------------------
// The blocking client (plain tests: it must not run inside a tokio runtime)
// ---------------------------------------------------------------------------

fn blocking_client(replay: &Replay) -> ollama_rs::blocking::Client {
    ollama_rs::blocking::Client::from_builder(
        Client::builder()
            .host(replay.url())
            .timeout(TIMEOUT)
            .api_key(None),
    )
    .expect("blocking client")
}

#[test]
fn blocking_list_04() {
    let cap = capture("04");
    let replay = Replay::serve(&cap);
    let list = blocking_client(&replay).list().unwrap();
    let names: Vec<&str> = list.models.iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["tiny-bert:latest", "tiny-embed:latest", "tiny:latest"]
    );
    assert_eq!(serde_json::to_value(&list).unwrap(), cap.response.json());
}

#[test]
fn blocking_show_07() {
    let cap = capture("07");
    let replay = Replay::serve(&cap);
    let client = ollama_rs::blocking::Client::with_host(replay.url()).unwrap();
    let show = client.show("tiny").unwrap();
    assert_eq!(show.template.as_deref(), Some(TINY_TEMPLATE));
    assert_eq!(show.context_length(), Some(4096));
    assert_eq!(show.tensors.map(|t| t.len()), Some(21));
    assert_eq!(only_request(&replay).text(), r#"{"model":"tiny"}"#);
}

#[test]
fn blocking_generate_15_stream_as_iterator() {
    let cap = capture("15");
    let replay = Replay::serve(&cap);
    let client = blocking_client(&replay);
    let items: Vec<GenerateResponse> = client
        .generate_stream(GenerateRequest::new("tiny", "hello").options(opts(8)))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(items.len(), 9);
    let text: String = items.iter().map(|r| r.response.as_str()).collect();
    assert_eq!(text, " hraa llarz lla");
    assert_eq!(items[8].context.as_deref(), Some(&CONTEXT_15[..]));
    assert_eq!(items[8].done_reason.as_deref(), Some("length"));
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/generate",
        "application/x-ndjson",
        r#"{"model":"tiny","prompt":"hello","stream":true,"options":{"seed":1,"num_predict":8}}"#,
    );
}

#[test]
fn blocking_chat_36_nonstream() {
    let cap = capture("36");
    let replay = Replay::serve(&cap);
    let r = blocking_client(&replay)
        .chat(ChatRequest::new("tiny", [Message::user("hello")]).options(opts(6)))
        .unwrap();
    assert_eq!(r.message, assistant(" hraa llar"));
    assert_eq!(r.done_reason.as_deref(), Some("length"));
    assert_eq!(only_request(&replay).json(), cap.request.json());
}

#[test]
fn blocking_api_error_09() {
    let cap = capture("09");
    let replay = Replay::serve(&cap);
    let err = assert_api(
        blocking_client(&replay).show("nope"),
        &cap,
        404,
        "model 'nope:latest' not found",
    );
    assert!(err.is_model_not_found());
}

#[test]
fn blocking_error_line_76_through_the_iterator() {
    let cap = capture("76");
    let replay = Replay::serve(&cap);
    let client = blocking_client(&replay);
    let mut iter = client
        .pull_stream(PullRequest::new("127.0.0.1:5000/library/nope").insecure(true))
        .unwrap();
    assert_eq!(iter.next().unwrap().unwrap(), progress("pulling manifest"));
    let err = iter.next().unwrap().unwrap_err();
    assert_stream_error(&err, "pull model manifest: file does not exist");
    assert!(err.is_model_not_found());
    assert!(iter.next().is_none());
}

#[test]
fn blocking_empty_model_is_refused_before_sending() {
    let cap = capture("30");
    let replay = Replay::serve(&cap);
    let err = blocking_client(&replay)
        .generate(GenerateRequest::new("", "hello"))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(replay.connections(), 0);
}
