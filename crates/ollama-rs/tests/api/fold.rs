//! Folding a stream gives the non-streamed answer: content, thinking, tool
//! calls and metrics, async and blocking.

use ollama_rs::{ChatRequest, ChatResponse, GenerateRequest, GenerateResponse, Message, Tool};
use pretty_assertions::assert_eq;
use serde_json::json;

use ollama_test_server::TestServer;

use crate::support::*;

/// What differs between two runs of the same request: the times and the
/// tool calls' random ids.
fn chat_norm(mut r: ChatResponse) -> ChatResponse {
    r.created_at = None;
    for call in r.message.tool_calls.iter_mut().flatten() {
        assert!(call.id.as_deref().is_some_and(|id| id.starts_with("call_")));
        call.id = None;
    }
    r
}

fn generate_norm(mut r: GenerateResponse) -> GenerateResponse {
    r.created_at = None;
    r
}

fn tool() -> Tool {
    Tool::function(
        "get_weather",
        "Weather in a city",
        json!({"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}),
    )
}

#[tokio::test]
async fn folded_chat_stream_equals_the_whole_answer() {
    let server = TestServer::start();
    let c = client(&server);
    for req in [
        ChatRequest::new("tiny-think", [Message::user("why is the sky blue?")]).think(true),
        ChatRequest::new("tiny-tools", [Message::user("weather?")]).tools([tool()]),
        ChatRequest::new("tiny", [Message::user("hello there")]).logprobs(true),
    ] {
        let whole = c.chat(req.clone()).await.unwrap();
        let folded = c
            .chat_stream(req.clone())
            .await
            .unwrap()
            .fold_response()
            .await
            .unwrap();
        assert!(folded.done);
        assert!(folded.eval_count.is_some() && folded.total_duration.is_some());
        assert_eq!(folded.done_reason.as_deref(), Some("stop"));
        assert_eq!(chat_norm(folded), chat_norm(whole));
    }
}

#[tokio::test]
async fn folded_chat_has_thinking_and_tool_calls() {
    let server = TestServer::start();
    let c = client(&server);
    let r = c
        .chat_stream(ChatRequest::new("tiny-think", [Message::user("why?")]).think("high"))
        .await
        .unwrap()
        .fold_response()
        .await
        .unwrap();
    assert_eq!(r.message.thinking.as_deref(), Some("thinking about: why?"));
    assert_eq!(r.message.content, "echo: why?");
    let r = c
        .chat_stream(ChatRequest::new("tiny-tools", [Message::user("weather?")]).tools([tool()]))
        .await
        .unwrap()
        .fold_response()
        .await
        .unwrap();
    let calls = r.message.tool_calls.unwrap();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].function.name, "get_weather");
}

#[tokio::test]
async fn folded_generate_stream_equals_the_whole_answer() {
    let server = TestServer::start();
    let c = client(&server);
    for req in [
        GenerateRequest::new("tiny", "hello there").options(opts(3)),
        GenerateRequest::new("tiny-think", "why?").think(true),
    ] {
        let whole = c.generate(req.clone()).await.unwrap();
        let folded = ollama_rs::fold_stream(c.generate_stream(req).await.unwrap())
            .await
            .unwrap();
        assert!(folded.metrics().eval_count.is_some());
        assert!(folded.context.is_some());
        assert_eq!(generate_norm(folded), generate_norm(whole));
    }
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_fold_equals_the_whole_answer() {
    let server = TestServer::start();
    let c = crate::support::blocking_client(&server);
    let req = ChatRequest::new("tiny-think", [Message::user("why?")]).think(true);
    let whole = c.chat(req.clone()).unwrap();
    let folded = c.chat_stream(req).unwrap().fold_response().unwrap();
    assert_eq!(chat_norm(folded), chat_norm(whole));
    let req = GenerateRequest::new("tiny", "hello there");
    let whole = c.generate(req.clone()).unwrap();
    let folded = ollama_rs::fold_iter(c.generate_stream(req).unwrap()).unwrap();
    assert_eq!(generate_norm(folded), generate_norm(whole));
}
