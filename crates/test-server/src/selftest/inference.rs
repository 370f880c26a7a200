//! Generate, chat (thinking, tools, images) and embeddings.

use pretty_assertions::assert_eq;

use super::*;

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
