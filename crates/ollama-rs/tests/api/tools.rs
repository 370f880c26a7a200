//! The tool loop against the test server, whose tools model answers a user
//! message `call NAME ARGS; ...` with exactly those calls and tool results
//! with `echo: <results>`: every request body it was sent, the results, the
//! round limit and the streamed events.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use ollama_rs::{
    ChatRequest, Error, Message, Role, Tool, ToolCall, ToolError, ToolEvent, ToolFuture, ToolLoop,
    ToolSet, Tools,
};
use pretty_assertions::assert_eq;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::Barrier;

use ollama_test_server::{ModelSpec, TestServer};

use crate::support::*;

/// Long enough for any run, short enough that a loop that waits forever
/// fails the test instead of hanging the binary.
const HANG_GUARD: Duration = Duration::from_secs(10);

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct Weather {
    /// The city.
    city: String,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct Add {
    /// The first term.
    a: i64,
    /// The second term.
    b: i64,
}

fn weather_tool() -> Tool {
    Tool::function(
        "get_weather",
        "Current weather in a city",
        json!({"type": "object", "properties": {"city": {"type": "string", "description": "The city."}}, "required": ["city"]}),
    )
}

fn add_tool() -> Tool {
    Tool::function(
        "add",
        "Adds two numbers",
        json!({"type": "object", "properties": {
            "a": {"type": "integer", "format": "int64", "description": "The first term."},
            "b": {"type": "integer", "format": "int64", "description": "The second term."}},
            "required": ["a", "b"]}),
    )
}

/// `get_weather` and `add`, each waiting on `barrier` (when given) before
/// answering; `fail` always fails.
fn tools(barrier: Option<Arc<Barrier>>) -> Tools {
    let b1 = barrier.clone();
    let b2 = barrier;
    Tools::new()
        .add_tool(weather_tool(), move |w: Weather| {
            let barrier = b1.clone();
            async move {
                if let Some(b) = barrier {
                    b.wait().await;
                }
                Ok::<_, String>(format!("sunny in {}", w.city))
            }
        })
        .add_tool(add_tool(), move |a: Add| {
            let barrier = b2.clone();
            async move {
                if let Some(b) = barrier {
                    b.wait().await;
                }
                Ok::<_, String>((a.a + a.b).to_string())
            }
        })
        .add_tool(
            Tool::function(
                "fail",
                "Always fails",
                json!({"type": "object", "properties": {}}),
            ),
            |_: ()| async move { Err::<String, _>("the disk is on fire") },
        )
}

fn definitions(tools: &Tools) -> Value {
    serde_json::to_value(tools.definitions()).unwrap()
}

fn ask(text: &str) -> ChatRequest {
    ChatRequest::new("tiny-tools", [Message::user(text)])
}

/// The bodies of every `/api/chat` request.
fn chat_bodies(server: &TestServer) -> Vec<Value> {
    server
        .requests_to("/api/chat")
        .iter()
        .map(|r| r.json())
        .collect()
}

fn ids(message: &Message) -> Vec<String> {
    message
        .tool_calls
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.id.clone().unwrap())
        .collect()
}

#[tokio::test]
async fn two_typed_tools_run_at_once_and_every_body_is_sent_in_order() {
    let server = TestServer::start();
    let c = client(&server);
    // Each tool waits until both have started: the loop only ends if the
    // two calls of the answer run at the same time.
    let tools = tools(Some(Arc::new(Barrier::new(2))));
    let tool_loop = ToolLoop::new(&c, &tools);
    let run = tool_loop.run(ask(
        r#"call get_weather {"city":"Paris"}; call add {"a":1,"b":2}"#,
    ));
    let outcome = tokio::time::timeout(HANG_GUARD, run)
        .await
        .expect("the two calls did not run at the same time")
        .unwrap();

    assert_eq!(outcome.content(), "echo: sunny in Paris; 3");
    assert_eq!(outcome.rounds, 2);
    assert!(!outcome.limit_reached);
    assert!(outcome.pending_calls().is_empty());
    let first = &outcome.messages[1];
    let [weather_id, add_id] = <[String; 2]>::try_from(ids(first)).unwrap();
    assert!(weather_id.starts_with("call_") && weather_id != add_id);
    let results: Vec<(usize, usize, &str, Result<String, ToolError>)> = outcome
        .calls
        .iter()
        .map(|r| {
            (
                r.round,
                r.index,
                r.call.function.name.as_str(),
                r.result.clone(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [
            (1, 0, "get_weather", Ok("sunny in Paris".into())),
            (1, 1, "add", Ok("3".into()))
        ]
    );

    let user = json!({"role": "user", "content": r#"call get_weather {"city":"Paris"}; call add {"a":1,"b":2}"#});
    let assistant = json!({"role": "assistant", "content": "", "tool_calls": [
        {"id": weather_id, "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}},
        {"id": add_id, "function": {"index": 1, "name": "add", "arguments": {"a": 1, "b": 2}}},
    ]});
    let results = [
        json!({"role": "tool", "content": "sunny in Paris", "tool_name": "get_weather", "tool_call_id": weather_id}),
        json!({"role": "tool", "content": "3", "tool_name": "add", "tool_call_id": add_id}),
    ];
    let offered = definitions(&tools);
    assert_eq!(
        chat_bodies(&server),
        [
            json!({"model": "tiny-tools", "messages": [user], "tools": offered, "stream": false}),
            json!({"model": "tiny-tools", "messages": [user, assistant, results[0], results[1]],
                   "tools": offered, "stream": false}),
        ]
    );
    // The transcript is what was sent, then the last answer.
    let mut sent: Vec<Message> =
        serde_json::from_value(chat_bodies(&server)[1]["messages"].clone()).unwrap();
    sent.push(Message::assistant("echo: sunny in Paris; 3"));
    assert_eq!(outcome.messages, sent);
}

#[tokio::test]
async fn a_failing_tool_gives_the_model_its_error_and_the_loop_goes_on() {
    let server = TestServer::start();
    let c = client(&server);
    let tools = tools(None);
    let outcome = tokio::time::timeout(
        HANG_GUARD,
        c.chat_with_tools(
            ask(r#"call fail; call add {"a":"x","b":2}; call nope; call add {"a":2,"b":2}"#),
            &tools,
            5,
        ),
    )
    .await
    .unwrap()
    .unwrap();

    let fail = r#"error: tool "fail" failed: the disk is on fire"#;
    let invalid = &outcome.calls[1].text();
    assert!(
        invalid.starts_with(r#"error: invalid arguments for tool "add": invalid type: string "x""#)
            && invalid.ends_with(r#"; arguments: {"a":"x","b":2}"#),
        "{invalid}"
    );
    let unknown = r#"error: no tool named "nope""#;
    assert_eq!(
        outcome.content(),
        format!("echo: {fail}; {invalid}; {unknown}; 4")
    );
    assert_eq!(outcome.rounds, 2);
    assert_eq!(
        outcome.calls[0].result,
        Err(ToolError::failed("fail", "the disk is on fire"))
    );
    assert!(matches!(
        outcome.calls[1].result,
        Err(ToolError::InvalidArguments { .. })
    ));
    assert_eq!(outcome.calls[2].result, Err(ToolError::unknown("nope")));
    assert_eq!(outcome.calls[3].result, Ok("4".into()));

    let bodies = chat_bodies(&server);
    assert_eq!(bodies.len(), 2);
    let sent = bodies[1]["messages"].as_array().unwrap();
    let ids = ids(&outcome.messages[1]);
    let results: Vec<Value> = sent[2..].to_vec();
    assert_eq!(
        results,
        [
            json!({"role": "tool", "content": fail, "tool_name": "fail", "tool_call_id": ids[0]}),
            json!({"role": "tool", "content": invalid, "tool_name": "add", "tool_call_id": ids[1]}),
            json!({"role": "tool", "content": unknown, "tool_name": "nope", "tool_call_id": ids[2]}),
            json!({"role": "tool", "content": "4", "tool_name": "add", "tool_call_id": ids[3]}),
        ]
    );
}

#[tokio::test]
async fn the_round_limit_stops_the_loop_with_the_conversation_so_far() {
    let server = TestServer::start();
    let c = client(&server);
    let tools = tools(None);
    let outcome = ToolLoop::new(&c, &tools)
        .max_rounds(3)
        .run(ask(r#"always call add {"a":1,"b":2}"#))
        .await
        .unwrap();
    assert!(outcome.limit_reached);
    assert_eq!(outcome.rounds, 3);
    // Two rounds of calls ran; the third answer's call did not.
    assert_eq!(outcome.calls.len(), 2);
    assert_eq!(outcome.pending_calls().len(), 1);
    assert_eq!(outcome.pending_calls()[0].function.name, "add");
    let roles: Vec<Role> = outcome.messages.iter().map(|m| m.role.clone()).collect();
    use Role::*;
    assert_eq!(roles, [User, Assistant, Tool, Assistant, Tool, Assistant]);
    assert_eq!(outcome.messages[5], outcome.response.message);

    let bodies = chat_bodies(&server);
    assert_eq!(bodies.len(), 3);
    for (i, body) in bodies.iter().enumerate() {
        assert_eq!(body["tools"], definitions(&tools), "round {}", i + 1);
        let sent: Vec<Message> = serde_json::from_value(body["messages"].clone()).unwrap();
        assert_eq!(sent, outcome.messages[..1 + 2 * i], "round {}", i + 1);
    }

    // Zero rounds means one.
    let one = ToolLoop::new(&c, &tools)
        .max_rounds(0)
        .run(ask(r#"always call add {"a":1,"b":2}"#))
        .await
        .unwrap();
    assert_eq!(
        (one.rounds, one.limit_reached, one.calls.len()),
        (1, true, 0)
    );
}

#[tokio::test]
async fn the_stream_reports_fragments_calls_and_results_in_order() {
    let server = TestServer::start();
    let c = client(&server);
    let tools = tools(None);
    let events = ToolLoop::new(&c, &tools).stream(ask(r#"call get_weather {"city":"Paris"}"#));
    let events: Vec<ToolEvent> = tokio::time::timeout(HANG_GUARD, events.collect::<Vec<_>>())
        .await
        .unwrap()
        .into_iter()
        .collect::<ollama_rs::Result<_>>()
        .unwrap();

    let ToolEvent::ToolCall { round, index, call } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!((round, index), (&1, &0));
    assert_eq!(call.to_string(), r#"get_weather({"city":"Paris"})"#);
    let ToolEvent::ToolResult(record) = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(
        (record.round, record.index, &record.call, record.text()),
        (1, 0, call, "sunny in Paris".to_string())
    );
    let fragments: Vec<&ToolEvent> = events[2..6].iter().collect();
    assert_eq!(
        fragments,
        [
            &ToolEvent::Content("echo:".into()),
            &ToolEvent::Content(" sunny".into()),
            &ToolEvent::Content(" in".into()),
            &ToolEvent::Content(" Paris".into()),
        ]
    );
    let ToolEvent::Done(outcome) = &events[6] else {
        panic!("{events:?}")
    };
    assert_eq!(events.len(), 7);
    assert_eq!(outcome.content(), "echo: sunny in Paris");
    assert_eq!(outcome.response.message.role, Role::Assistant);
    assert!(outcome.response.done);
    assert_eq!(outcome.response.eval_count, Some(4));
    assert_eq!(outcome.calls, std::slice::from_ref(record));

    let bodies = chat_bodies(&server);
    assert_eq!(bodies.len(), 2);
    let id = call.id.clone().unwrap();
    assert_eq!(
        bodies[1],
        json!({"model": "tiny-tools", "messages": [
            {"role": "user", "content": r#"call get_weather {"city":"Paris"}"#},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": id, "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}}]},
            {"role": "tool", "content": "sunny in Paris", "tool_name": "get_weather", "tool_call_id": id},
        ], "tools": definitions(&tools), "stream": true})
    );
}

#[tokio::test]
async fn the_stream_runs_the_calls_of_one_answer_at_once() {
    let server = TestServer::start();
    let c = client(&server);
    let tools = tools(Some(Arc::new(Barrier::new(2))));
    let events = ToolLoop::new(&c, &tools).stream(ask(
        r#"call add {"a":1,"b":2}; call get_weather {"city":"Oslo"}"#,
    ));
    let events: Vec<ToolEvent> = tokio::time::timeout(HANG_GUARD, events.collect::<Vec<_>>())
        .await
        .expect("the two calls did not run at the same time")
        .into_iter()
        .collect::<ollama_rs::Result<_>>()
        .unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            ToolEvent::ToolCall { .. } => "call",
            ToolEvent::ToolResult(_) => "result",
            ToolEvent::Content(_) => "content",
            ToolEvent::Done(_) => "done",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "call", "call", "result", "result", "content", "content", "content", "content",
            "content", "done"
        ]
    );
    let ToolEvent::Done(outcome) = events.last().unwrap() else {
        unreachable!()
    };
    // Results go to the model in the calls' order, whatever order they finished in.
    assert_eq!(outcome.content(), "echo: 3; sunny in Oslo");
}

#[tokio::test]
async fn without_a_script_the_model_calls_the_first_tool_once() {
    let server = TestServer::start();
    let c = client(&server);
    let tools = tools(None);
    let outcome = c
        .chat_with_tools(ask("weather?"), &tools, 10)
        .await
        .unwrap();
    assert_eq!(outcome.content(), "echo: sunny in example");
    assert_eq!(outcome.rounds, 2);
}

#[tokio::test]
async fn a_client_error_ends_the_loop() {
    let server = TestServer::start();
    let c = client(&server);
    let tools = tools(None);
    let request = ChatRequest::new("tiny", [Message::user("call add {}")]);
    let err = ToolLoop::new(&c, &tools)
        .run(request.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Api { status: 400, message } if message.contains("does not support tools")),
        "{err:?}"
    );
    let events: Vec<_> = ToolLoop::new(&c, &tools).stream(request).collect().await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(matches!(&events[0], Err(Error::Api { status: 400, .. })));
}

/// A set of tools written by hand, as a bridge to another tool server would
/// be: it answers every call with its name and arguments.
struct Remote;

impl ToolSet for Remote {
    fn definitions(&self) -> Vec<Tool> {
        vec![Tool::function(
            "remote",
            "A tool from elsewhere",
            json!({"type": "object", "properties": {}}),
        )]
    }

    fn call<'a>(&'a self, name: &'a str, arguments: Map<String, Value>) -> ToolFuture<'a> {
        Box::pin(async move { Ok(format!("{name} got {}", Value::Object(arguments))) })
    }
}

#[tokio::test]
async fn sets_combine_in_one_loop() {
    let server = TestServer::start();
    let c = client(&server);
    let sets: Vec<Box<dyn ToolSet>> = vec![Box::new(tools(None)), Box::new(Remote)];
    let outcome = ToolLoop::new(&c, &sets)
        .run(ask(r#"call remote {"k":1}; call add {"a":2,"b":3}"#))
        .await
        .unwrap();
    assert_eq!(outcome.content(), r#"echo: remote got {"k":1}; 5"#);
    let offered: Vec<String> = chat_bodies(&server)[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(offered, ["get_weather", "add", "fail", "remote"]);
}

#[cfg(feature = "schema")]
#[tokio::test]
async fn typed_tools_offer_the_schema_of_their_argument_type() {
    let server = TestServer::start();
    let c = client(&server);
    let tools = Tools::new()
        .add(
            "get_weather",
            "Current weather in a city",
            |w: Weather| async move { Ok::<_, String>(format!("sunny in {}", w.city)) },
        )
        .add("add", "Adds two numbers", |a: Add| async move {
            Ok::<_, String>((a.a + a.b).to_string())
        });
    // The same definitions as those written by hand above.
    assert_eq!(tools.definitions(), [weather_tool(), add_tool()]);
    let outcome = c
        .chat_with_tools(
            ask(r#"call get_weather {"city":"Rome"}; call add {"a":1,"b":1}"#),
            &tools,
            3,
        )
        .await
        .unwrap();
    assert_eq!(outcome.content(), "echo: sunny in Rome; 2");
    assert_eq!(
        chat_bodies(&server)[0]["tools"],
        json!([weather_tool(), add_tool()])
    );
}

#[test]
fn parse_args_and_tool_result_round_trip_a_call() {
    let call: ToolCall = serde_json::from_value(
        json!({"id": "call_1", "function": {"index": 0, "name": "add", "arguments": {"a": 1, "b": 2}}}),
    )
    .unwrap();
    let add: Add = call.parse_args().unwrap();
    let reply = Message::tool_result(&call, (add.a + add.b).to_string());
    assert_eq!(
        serde_json::to_value(reply).unwrap(),
        json!({"role": "tool", "content": "3", "tool_name": "add", "tool_call_id": "call_1"})
    );
}

#[cfg(feature = "blocking")]
#[test]
fn the_blocking_client_runs_the_loop() {
    let server = TestServer::start();
    let c = crate::support::blocking_client(&server);
    let outcome = c
        .chat_with_tools(
            ask(r#"call add {"a":40,"b":2}"#),
            tools(Some(Arc::new(Barrier::new(1)))),
            4,
        )
        .unwrap();
    assert_eq!(outcome.content(), "echo: 42");
}

#[tokio::test]
async fn thinking_is_reported_and_kept_in_the_conversation() {
    let server = TestServer::start();
    server.add_model(ModelSpec::new(
        "think-tools:latest",
        &["completion", "tools", "thinking"],
    ));
    let c = client(&server);
    let tools = tools(None);
    let ask = r#"call get_weather {"city":"Paris"}"#;
    let request = ChatRequest::new("think-tools", [Message::user(ask)]);
    let events: Vec<ToolEvent> = ToolLoop::new(&c, &tools)
        .stream(request)
        .map(Result::unwrap)
        .collect()
        .await;
    let thinking = |text: &str| -> Vec<ToolEvent> {
        ollama_test_server::tokens(&ollama_test_server::thinking_text(text))
            .into_iter()
            .map(ToolEvent::Thinking)
            .collect()
    };
    let first = thinking(ask);
    assert_eq!(events[..first.len()], first[..]);
    let rest = &events[first.len()..];
    assert!(matches!(rest[0], ToolEvent::ToolCall { .. }), "{rest:?}");
    assert!(matches!(rest[1], ToolEvent::ToolResult(_)), "{rest:?}");
    let second = thinking("sunny in Paris");
    assert_eq!(rest[2..2 + second.len()], second[..]);
    let ToolEvent::Done(outcome) = events.last().unwrap() else {
        panic!("{events:?}")
    };
    assert_eq!(
        outcome.response.message.thinking.as_deref(),
        Some("thinking about: sunny in Paris")
    );
    // The answer with the call goes back with its thinking.
    let bodies = chat_bodies(&server);
    assert_eq!(
        bodies[1]["messages"][1]["thinking"],
        format!("thinking about: {ask}")
    );
}
