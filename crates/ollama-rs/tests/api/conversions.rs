//! The small conversions, from a crate that sees only the library and
//! `serde_json`: the probe below is kept exactly as it was asked for (its
//! imports and signature are the point), and run on a real file.

use ollama_rs::{ChatRequest, EmbedRequest, GenerateRequest, Message, Options};

#[rustfmt::skip]
fn probe(msgs: Vec<Message>, lines: Vec<String>, path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let _ = GenerateRequest::new("m", "p").format("json");
    let _ = ChatRequest::new("m", msgs).think("high");
    let _ = EmbedRequest::new("m", ["a", "b"]);
    let _ = EmbedRequest::new("m", &lines[..]);
    let _ = Message::user("x").images([std::fs::read(path)?]);
    let _ = Options::default().temperature(0.2).num_ctx(4096);
    let _ = GenerateRequest::new("m", "p").options(Options::try_from(serde_json::json!({"temperature": 0}))?);
    let _ = serde_json::from_value::<Message>(serde_json::json!({"role": "developer", "content": "x"}))?; // any role, like Python
    Ok(())
}

#[test]
fn probe_runs_on_a_readable_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.png");
    std::fs::write(&path, b"\x89PNG\r\n").unwrap();
    probe(
        vec![Message::user("hi")],
        vec!["one".into(), "two".into()],
        &path,
    )
    .unwrap();
    // Its `?` on the file read works too.
    assert!(probe(vec![], vec![], &dir.path().join("missing.png")).is_err());
}
