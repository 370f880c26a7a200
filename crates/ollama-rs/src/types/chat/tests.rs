use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use super::*;
use crate::types::test_support::*;
use crate::types::*;

#[test]
fn full_chat_request_has_every_field() {
    let tool = Tool::function(
        "get_weather",
        "Weather of a city",
        json!({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}),
    );
    let req = ChatRequest::new("m", [Message::system("s")])
        .message(Message::user("u"))
        .tools(vec![tool])
        .stream(false)
        .format(json!({"type":"object"}))
        .options(Options::default())
        .keep_alive("5m")
        .think(ThinkLevel::High)
        .truncate(false)
        .shift(true)
        .logprobs(false)
        .top_logprobs(0);
    assert_eq!(
        keys(&req),
        sorted(&[
            "model",
            "messages",
            "tools",
            "stream",
            "format",
            "options",
            "keep_alive",
            "think",
            "truncate",
            "shift",
            "logprobs",
            "top_logprobs"
        ])
    );
    let v = serde_json::to_value(&req).unwrap();
    assert_eq!(v["think"], json!("high"));
    assert_eq!(v["keep_alive"], json!("5m"));
    assert_eq!(v["format"], json!({"type":"object"}));
    assert_eq!(v["tools"][0]["type"], json!("function"));
    assert_eq!(v["tools"][0]["function"]["name"], json!("get_weather"));
    assert_eq!(v["messages"].as_array().unwrap().len(), 2);
    let back: ChatRequest = serde_json::from_value(v).unwrap();
    assert_eq!(back, req);
}

const C35_CHAT_STREAM: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:10:20.103074529Z","message":{"role":"assistant","content":" h"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.104184731Z","message":{"role":"assistant","content":"r"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.104209076Z","message":{"role":"assistant","content":"a"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.104369477Z","message":{"role":"assistant","content":"a"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.104857252Z","message":{"role":"assistant","content":" lla"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.105279473Z","message":{"role":"assistant","content":"r"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.106135318Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"length","total_duration":8449544,"load_duration":1242731,"prompt_eval_count":24,"prompt_eval_duration":1682000,"eval_count":6,"eval_duration":2408000}
"##;

const C36_CHAT_NONSTREAM: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:10:20.414507977Z","message":{"role":"assistant","content":" hraa llar"},"done":true,"done_reason":"length","total_duration":6069892,"load_duration":1462713,"prompt_eval_count":24,"prompt_eval_duration":574000,"eval_count":6,"eval_duration":1297000}"##;

#[test]
fn decode_chat() {
    let rs: Vec<ChatResponse> = lines(C35_CHAT_STREAM);
    assert_eq!(rs.len(), 7);
    assert!(rs.iter().all(|r| r.message.role == Role::Assistant));
    let text: String = rs.iter().map(|r| r.message.content.as_str()).collect();
    assert_eq!(text, " hraa llar");
    let last = rs.last().unwrap();
    assert!(last.done);
    assert_eq!(last.done_reason.as_deref(), Some("length"));
    assert_eq!(last.metrics().eval_count, Some(6));
    assert_eq!(last.metrics().eval_duration, Some(2408000));
    let r: ChatResponse = serde_json::from_str(C36_CHAT_NONSTREAM).unwrap();
    assert_eq!(r.message, Message::assistant(" hraa llar"));
    assert_eq!(r.total_duration, Some(6069892));
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        serde_json::from_str::<Value>(C36_CHAT_NONSTREAM).unwrap()
    );
    // The metrics fields sit where the server puts them: the same bytes.
    assert_eq!(serde_json::to_string(&r).unwrap(), C36_CHAT_NONSTREAM);
}

#[test]
fn decode_chat_tool_call() {
    // From the reference (§5).
    let body = r#"{"model":"llama3.2","created_at":"2025-07-07T20:22:19.184789Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_k3j9x0qa","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]},"done":false}"#;
    let r: ChatResponse = serde_json::from_str(body).unwrap();
    let calls = r.message.tool_calls.as_ref().unwrap();
    assert_eq!(calls[0].id.as_deref(), Some("call_k3j9x0qa"));
    assert_eq!(calls[0].function.index, Some(0));
    assert_eq!(calls[0].function.name, "get_weather");
    assert_eq!(calls[0].to_string(), r#"get_weather({"city":"Tokyo"})"#);
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        serde_json::from_str::<Value>(body).unwrap()
    );
}
