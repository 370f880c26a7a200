use std::collections::BTreeMap;

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use super::*;
use crate::options::Options;
use crate::types::test_support::*;

#[test]
fn minimal_requests_send_only_required_fields() {
    let cases: Vec<(String, &str)> = vec![
        (
            to_json(&GenerateRequest::new("m", "hi")),
            r#"{"model":"m","prompt":"hi"}"#,
        ),
        (to_json(&GenerateRequest::new("m", "")), r#"{"model":"m"}"#),
        (to_json(&GenerateRequest::load("m")), r#"{"model":"m"}"#),
        (
            to_json(&ChatRequest::new("m", [Message::user("hi")])),
            r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#,
        ),
        (
            to_json(&ChatRequest::new("m", vec![])),
            r#"{"model":"m","messages":[]}"#,
        ),
        (
            to_json(&EmbedRequest::new("m", "x")),
            r#"{"model":"m","input":"x"}"#,
        ),
        (
            to_json(&EmbedRequest::new("m", vec!["a", "b"])),
            r#"{"model":"m","input":["a","b"]}"#,
        ),
        (
            to_json(&EmbeddingsRequest::new("m", "x")),
            r#"{"model":"m","prompt":"x"}"#,
        ),
        (to_json(&PullRequest::new("m")), r#"{"model":"m"}"#),
        (to_json(&PushRequest::new("m")), r#"{"model":"m"}"#),
        (to_json(&CreateRequest::new("m")), r#"{"model":"m"}"#),
        (to_json(&ShowRequest::new("m")), r#"{"model":"m"}"#),
        (
            to_json(&CopyRequest::new("a", "b")),
            r#"{"source":"a","destination":"b"}"#,
        ),
        (to_json(&DeleteRequest::new("m")), r#"{"model":"m"}"#),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
    // A fake server can decode a request without a model and answer
    // the way the real one does.
    let r: GenerateRequest = serde_json::from_str("{}").unwrap();
    assert_eq!(r, GenerateRequest::default());
    let r: CopyRequest = serde_json::from_str(r#"{"source":"a"}"#).unwrap();
    assert_eq!(r.destination, "");
}

#[test]
fn full_other_requests_have_every_field() {
    let embed = EmbedRequest::new("m", "x")
        .truncate(false)
        .dimensions(8)
        .options(Options::default())
        .keep_alive(-1);
    assert_eq!(
        keys(&embed),
        sorted(&[
            "model",
            "input",
            "truncate",
            "dimensions",
            "options",
            "keep_alive"
        ])
    );
    let embeddings = EmbeddingsRequest::new("m", "x")
        .options(Options::default())
        .keep_alive(KeepAlive::forever());
    assert_eq!(
        keys(&embeddings),
        sorted(&["model", "prompt", "options", "keep_alive"])
    );
    assert_eq!(
        to_json(&PullRequest::new("m").insecure(true).stream(false)),
        r#"{"model":"m","insecure":true,"stream":false}"#
    );
    assert_eq!(
        to_json(&PushRequest::new("m").insecure(false).stream(true)),
        r#"{"model":"m","insecure":false,"stream":true}"#
    );
    let show = ShowRequest::new("m")
        .verbose(true)
        .system("s")
        .options(Options::default());
    assert_eq!(
        keys(&show),
        sorted(&["model", "verbose", "system", "options"])
    );
    let create = CreateRequest::new("m")
        .from_model("base")
        .files([("model.gguf", "sha256:abc")])
        .adapters(BTreeMap::from([(
            "lora.gguf".to_string(),
            "sha256:def".to_string(),
        )]))
        .template("t")
        .license(vec!["a", "b"])
        .system("s")
        .parameters(opts(&[("num_ctx", json!(2048))]))
        .messages([Message::user("hi"), Message::assistant("hello")])
        .quantize("q4_K_M")
        .stream(false)
        .renderer("r")
        .parser("p")
        .requires("0.14.0")
        .draft_files([("draft.gguf", "sha256:fed")])
        .draft_quantize("q8_0");
    assert_eq!(
        keys(&create),
        sorted(&[
            "model",
            "from",
            "files",
            "adapters",
            "template",
            "license",
            "system",
            "parameters",
            "messages",
            "quantize",
            "stream",
            "renderer",
            "parser",
            "requires",
            "draft_files",
            "draft_quantize"
        ])
    );
    let v = serde_json::to_value(&create).unwrap();
    assert_eq!(v["draft_files"], json!({"draft.gguf":"sha256:fed"}));
    assert_eq!(v["from"], json!("base"));
    assert_eq!(v["files"], json!({"model.gguf":"sha256:abc"}));
    assert_eq!(v["license"], json!(["a", "b"]));
    assert_eq!(v["parameters"], json!({"num_ctx":2048}));
    let back: CreateRequest = serde_json::from_value(v).unwrap();
    assert_eq!(back, create);
}

/// The builders produce what the captured requests sent (compared as
/// JSON values, so key order does not matter).
#[test]
fn builders_match_captured_requests() {
    let o8 = opts(&[("num_predict", json!(8)), ("seed", json!(1))]);
    let cases: Vec<(Value, &str)> = vec![
        (
            serde_json::to_value(GenerateRequest::new("tiny", "hello").options(o8.clone()))
                .unwrap(),
            r#"{"model":"tiny","prompt":"hello","options":{"num_predict":8,"seed":1}}"#,
        ),
        (
            serde_json::to_value(
                GenerateRequest::new("tiny", "hello")
                    .stream(false)
                    .options(o8),
            )
            .unwrap(),
            r#"{"model":"tiny","prompt":"hello","stream":false,"options":{"num_predict":8,"seed":1}}"#,
        ),
        (
            serde_json::to_value(
                GenerateRequest::new("tiny", "hello")
                    .stream(false)
                    .logprobs(true)
                    .top_logprobs(2)
                    .options(opts(&[("num_predict", json!(3)), ("seed", json!(1))])),
            )
            .unwrap(),
            r#"{"model":"tiny","prompt":"hello","stream":false,"logprobs":true,"top_logprobs":2,"options":{"num_predict":3,"seed":1}}"#,
        ),
        (
            serde_json::to_value(
                ChatRequest::new("tiny", [Message::user("hello")])
                    .stream(false)
                    .options(opts(&[("num_predict", json!(6)), ("seed", json!(1))])),
            )
            .unwrap(),
            r#"{"model":"tiny","messages":[{"role":"user","content":"hello"}],"stream":false,"options":{"num_predict":6,"seed":1}}"#,
        ),
        (
            serde_json::to_value(EmbedRequest::new("tiny-embed", "hello world").dimensions(8))
                .unwrap(),
            r#"{"model":"tiny-embed","input":"hello world","dimensions":8}"#,
        ),
        (
            serde_json::to_value(EmbedRequest::new(
                "tiny-embed",
                vec!["hello".to_string(), "tiny world".to_string()],
            ))
            .unwrap(),
            r#"{"model":"tiny-embed","input":["hello","tiny world"]}"#,
        ),
        (
            serde_json::to_value(EmbeddingsRequest::new("tiny-embed", "hello world")).unwrap(),
            r#"{"model":"tiny-embed","prompt":"hello world"}"#,
        ),
        (
            serde_json::to_value(ShowRequest::new("tiny").verbose(true)).unwrap(),
            r#"{"model":"tiny","verbose":true}"#,
        ),
        (
            serde_json::to_value(
                PullRequest::new("127.0.0.1:5000/library/tiny-full").insecure(true),
            )
            .unwrap(),
            r#"{"model":"127.0.0.1:5000/library/tiny-full","insecure":true}"#,
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, serde_json::from_str::<Value>(want).unwrap());
    }
}

#[test]
fn image_embed_input_license_encoding() {
    assert_eq!(to_json(&Image::from_bytes(b"hello")), r#""aGVsbG8=""#);
    assert_eq!(Image::from_bytes(b"hello").as_base64(), "aGVsbG8=");
    assert_eq!(Image::from_bytes(b"hello").decode().unwrap(), b"hello");
    assert_eq!(to_json(&EmbedInput::from("a")), r#""a""#);
    assert_eq!(to_json(&EmbedInput::from("a".to_string())), r#""a""#);
    assert_eq!(to_json(&EmbedInput::from(vec!["a", "b"])), r#"["a","b"]"#);
    assert_eq!(
        to_json(&EmbedInput::from(vec!["a".to_string()])),
        r#"["a"]"#
    );
    assert_eq!(
        serde_json::from_str::<EmbedInput>(r#"["x"]"#).unwrap(),
        EmbedInput::Many(vec!["x".into()])
    );
    assert_eq!(
        serde_json::from_str::<EmbedInput>(r#""x""#).unwrap(),
        EmbedInput::Single("x".into())
    );
    assert!(EmbedInput::from("").is_empty());
    assert!(EmbedInput::Many(vec![]).is_empty());
    assert_eq!(to_json(&License::from("MIT")), r#""MIT""#);
    assert_eq!(to_json(&License::from(vec!["a", "b"])), r#"["a","b"]"#);
    assert_eq!(
        serde_json::from_str::<License>(r#"["a"]"#).unwrap(),
        License::Many(vec!["a".into()])
    );
}

#[test]
fn unknown_fields_and_missing_optionals_still_decode() {
    let r: GenerateResponse = serde_json::from_str(
        r#"{"model":"m","response":"x","done":false,"brand_new":{"a":[1,2]},"image":"abc"}"#,
    )
    .unwrap();
    assert_eq!(r.response, "x");
    assert_eq!(r.created_at, None);
    let r: GenerateResponse = serde_json::from_str("{}").unwrap();
    assert_eq!(r, GenerateResponse::default());
    let r: ChatResponse = serde_json::from_str(r#"{"model":"m","done":true,"future":1}"#).unwrap();
    assert_eq!(r.message.role, Role::Assistant);
    assert_eq!(r.message.content, "");
    let r: ChatResponse = serde_json::from_str(
        r#"{"model":"m","message":{"role":"assistant","content":"hi","thinking":"t","extra":true}}"#,
    )
    .unwrap();
    assert_eq!(r.message.thinking.as_deref(), Some("t"));
    let r: ProgressResponse = serde_json::from_str(r#"{"completed":5,"x":1}"#).unwrap();
    assert_eq!(r.status, "");
    assert_eq!(r.completed, Some(5));
    let r: ListResponse = serde_json::from_str("{}").unwrap();
    assert!(r.models.is_empty());
    let r: ListResponse = serde_json::from_str(
        r#"{"models":[{"name":"old:latest","modified_at":"2024-01-01T00:00:00Z","size":5,"digest":"d","details":{"format":"gguf","families":null,"new":1}}]}"#,
    )
    .unwrap();
    assert_eq!(r.models[0].name(), "old:latest");
    assert_eq!(r.models[0].details.families, None);
    assert_eq!(r.models[0].capabilities, None);
    let r: EmbedResponse = serde_json::from_str(r#"{"embeddings":[[1.0]]}"#).unwrap();
    assert_eq!(r.model, "");
    let r: ShowResponse =
        serde_json::from_str(r#"{"capabilities":null,"unknown_section":{}}"#).unwrap();
    assert!(r.capabilities.is_empty());
}
