//! Chat: streamed and whole answers, thinking and tools, every chat capture.

use ollama_rs::{ChatRequest, ChatResponse, Message, Role, Think, Tool};
use pretty_assertions::assert_eq;
use serde_json::json;

use ollama_test_server::TestServer;

use crate::support::*;

#[tokio::test]
async fn chat_with_thinking_and_tools() {
    let server = TestServer::start();
    let c = client(&server);
    let r = c
        .chat(ChatRequest::new("tiny-think", [Message::user("why?")]).think(Think::from(true)))
        .await
        .unwrap();
    assert!(!r.message.thinking.unwrap_or_default().is_empty());
    assert!(!r.message.content.is_empty());
    let tool = Tool::function(
        "get_weather",
        "Weather in a city",
        json!({"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}),
    );
    let r = c
        .chat(ChatRequest::new("tiny-tools", [Message::user("weather?")]).tools(vec![tool]))
        .await
        .unwrap();
    let calls = r.message.tool_calls.unwrap();
    assert_eq!(calls[0].function.name, "get_weather");
    assert!(calls[0].function.arguments.contains_key("city"));
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
    assert_eq!(items[6], {
        let mut r = ChatResponse::default();
        r.model = "tiny".into();
        r.created_at = Some("2026-11-25T03:10:20.106135318Z".into());
        r.message = assistant("");
        r.done = true;
        r.done_reason = Some("length".into());
        r.total_duration = Some(8449544);
        r.load_duration = Some(1242731);
        r.prompt_eval_count = Some(24);
        r.prompt_eval_duration = Some(1682000);
        r.eval_count = Some(6);
        r.eval_duration = Some(2408000);
        r
    });
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
        [{
            let mut r = ChatResponse::default();
            r.model = "tiny".into();
            r.created_at = Some("2026-11-25T03:10:19.795568715Z".into());
            r.message = assistant("");
            r.done = true;
            r.done_reason = Some("load".into());
            r
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
