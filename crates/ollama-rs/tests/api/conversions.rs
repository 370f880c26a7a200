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

#[tokio::test]
async fn a_message_of_any_role_goes_to_the_server_as_written() {
    let server = ollama_test_server::TestServer::start();
    let developer: Message =
        serde_json::from_value(serde_json::json!({"role": "developer", "content": "be brief"}))
            .unwrap();
    assert_eq!(developer.role, ollama_rs::Role::Other("developer".into()));
    let reply = crate::support::client(&server)
        .chat(ChatRequest::new(
            "tiny",
            [developer, Message::user("hello")],
        ))
        .await
        .unwrap();
    assert_eq!(reply.message.content, "echo: hello");
    let sent = server.requests_to("/api/chat")[0].json();
    assert_eq!(
        sent["messages"][0],
        serde_json::json!({"role": "developer", "content": "be brief"})
    );
    // And back: an answer with a role this crate does not know keeps it.
    let back: Message =
        serde_json::from_value(serde_json::json!({"role": "critic", "content": "x"})).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap()["role"], "critic");
}
