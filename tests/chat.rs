//! One-shot `chat` against the test server: the messages and flags it
//! sends, stdin, a conversation from a file, thinking, tool calls, `--json`
//! and the errors with their exit statuses.

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use crate::harness::{
    assert_usage, assert_usage_starting, b64, body, stats, stderr_of, stdout_of, Test,
};
use ollama_test_server::{self, Fault, TestServer};

#[test]
fn chat_message_sends_one_user_turn() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "hi there"])
        .stdout("echo: hi there\n")
        .stderr("")
        .run();
    assert_eq!(
        body(&server, "/api/chat"),
        json!({"model": "tiny", "messages": [{"role": "user", "content": "hi there"}], "stream": true})
    );
}

#[test]
fn chat_reads_the_message_from_piped_stdin() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny"])
        .stdin("line one\nline two\n")
        .stdout("echo: line one\nline two\n")
        .run();
    assert_eq!(
        body(&server, "/api/chat")["messages"],
        json!([{"role": "user", "content": "line one\nline two"}])
    );

    // -m wins; stdin is then not read at all.
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "from flag"])
        .stdin("from stdin\n")
        .run();
    assert_eq!(
        body(&server, "/api/chat")["messages"][0]["content"],
        "from flag"
    );
}

#[test]
fn chat_with_empty_stdin_and_no_message_is_a_usage_error() {
    for stdin in ["", "\n  \n"] {
        let server = TestServer::start();
        assert_usage(
            &server,
            Test::new().args(&["chat", "tiny"]).stdin(stdin),
            "stdin is empty: give a message with -m or on stdin",
        );
    }
}

#[test]
fn chat_sends_every_request_flag() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("a.png");
    std::fs::write(&img, b"img").unwrap();
    let img_arg = img.display().to_string();
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&[
            "chat",
            "tiny-vision",
            "-m",
            "look",
            "--system",
            "S",
            "--format",
            "json",
            "--image",
            &img_arg,
            "-o",
            "temperature=0",
            "-o",
            "stop=x",
            "--think=false",
            "--keep-alive",
            "300",
            "--no-stream",
            "--verbose",
        ])
        .run();
    assert_eq!(
        body(&server, "/api/chat"),
        json!({
            "model": "tiny-vision",
            "messages": [
                {"role": "system", "content": "S"},
                {"role": "user", "content": "look", "images": [b64(b"img")]}
            ],
            "stream": false,
            "format": "json",
            "options": {"temperature": 0.0, "stop": ["x"]},
            "keep_alive": 300,
            "think": false
        })
    );
    assert_eq!(stdout_of(&out), "{\"echo\": \"look\"}\n");
    // "S" + "look": 2 words + 1 prompt tokens; `{"echo":` and ` "look"}`: 2 tokens.
    assert_eq!(stderr_of(&out), stats("3.8ms", 3, "300µs", 2, "2ms"));
}

#[test]
fn chat_verbose_streamed() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "hello world", "--verbose"])
        .stdout("echo: hello world\n")
        .stderr(stats("4.8ms", 3, "300µs", 3, "3ms"))
        .run();
}

#[test]
fn chat_thinking_goes_to_stderr_or_nowhere() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["chat", "tiny-think", "-m", "hi", "--think"])
        .run();
    assert_eq!(body(&server, "/api/chat")["think"], true);
    assert_eq!(stdout_of(&out), "echo: hi\n");
    assert_eq!(stderr_of(&out), "thinking about: hi\n");

    Test::new()
        .server(&server)
        .args(&["chat", "tiny-think", "-m", "hi", "--hide-thinking"])
        .stdout("echo: hi\n")
        .stderr("")
        .run();
}

#[test]
fn chat_continues_a_conversation_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.json");
    let history = json!([
        {"role": "system", "content": "old system"},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "echo: first"}
    ]);
    std::fs::write(&file, history.to_string()).unwrap();
    let arg = file.display().to_string();

    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "--messages", &arg, "-m", "and then?"])
        .stdout("echo: and then?\n")
        .run();
    assert_eq!(
        body(&server, "/api/chat")["messages"],
        json!([
            {"role": "system", "content": "old system"},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "echo: first"},
            {"role": "user", "content": "and then?"}
        ])
    );

    // --system replaces the file's system message rather than adding one.
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&[
            "chat",
            "tiny",
            "--messages",
            &arg,
            "--system",
            "new",
            "-m",
            "x",
        ])
        .run();
    let messages = body(&server, "/api/chat")["messages"].clone();
    assert_eq!(messages[0], json!({"role": "system", "content": "new"}));
    assert_eq!(messages.as_array().unwrap().len(), 4);
}

#[test]
fn chat_bad_messages_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let empty = dir.path().join("empty.json");
    let invalid = dir.path().join("invalid.json");
    std::fs::write(&empty, "  \n").unwrap();
    std::fs::write(&invalid, r#"{"role": "user"}"#).unwrap();
    let server = TestServer::start();

    let arg = missing.display().to_string();
    assert_usage_starting(
        &server,
        Test::new().args(&["chat", "tiny", "--messages", &arg, "-m", "x"]),
        &format!("ollama-rs: error: could not read messages file `{arg}`: "),
    );

    let arg = empty.display().to_string();
    assert_usage(
        &server,
        Test::new().args(&["chat", "tiny", "--messages", &arg, "-m", "x"]),
        &format!("messages file `{arg}` is empty"),
    );

    let arg = invalid.display().to_string();
    assert_usage_starting(
        &server,
        Test::new().args(&["chat", "tiny", "--messages", &arg, "-m", "x"]),
        &format!("ollama-rs: error: `{arg}` is not a JSON array of messages: "),
    );
}

#[test]
fn chat_tool_calls_are_printed_as_calls() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tools.json");
    let tools = json!([{
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                "required": ["city", "days"]
            }
        }
    }]);
    std::fs::write(&file, tools.to_string()).unwrap();
    let arg = file.display().to_string();

    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny-tools", "--tools", &arg, "-m", "weather?"])
        .stdout("get_weather({\"city\":\"example\",\"days\":42})\n")
        .run();
    assert_eq!(body(&server, "/api/chat")["tools"], tools);

    let out = Test::new()
        .server(&server)
        .args(&[
            "chat",
            "tiny-tools",
            "--tools",
            &arg,
            "-m",
            "weather?",
            "--no-stream",
        ])
        .output();
    assert_eq!(
        stdout_of(&out),
        "get_weather({\"city\":\"example\",\"days\":42})\n"
    );

    // --json: the whole tool-call objects, as the server sent them.
    let out = Test::new()
        .server(&server)
        .args(&[
            "chat",
            "tiny-tools",
            "--tools",
            &arg,
            "-m",
            "weather?",
            "--json",
        ])
        .run();
    let lines: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let call = &lines[0]["message"]["tool_calls"][0];
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    assert_eq!(
        call["function"],
        json!({"index": 0, "name": "get_weather", "arguments": {"city": "example", "days": 42}})
    );

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "[{\"type\": 1}]").unwrap();
    let server = TestServer::start();
    let arg = bad.display().to_string();
    assert_usage_starting(
        &server,
        Test::new().args(&["chat", "tiny-tools", "--tools", &arg, "-m", "x"]),
        &format!("ollama-rs: error: `{arg}` is not a JSON array of tool definitions: "),
    );
}

#[test]
fn chat_json_keeps_fields_the_typed_responses_do_not_know() {
    let stream = concat!(
        r#"{"model":"tiny","created_at":"2025-01-01T00:00:00Z","message":{"role":"assistant","content":"Hi","annotations":[1]},"done":false}"#,
        "\n",
        r#"{"model":"tiny","created_at":"2025-01-01T00:00:01Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","usage":{"cost":0}}"#,
        "\n"
    );
    let server = TestServer::start();
    server.set_fault_for(
        "/api/chat",
        Fault::RawBody {
            content_type: "application/x-ndjson".into(),
            body: stream.as_bytes().to_vec(),
        },
    );
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "x", "--json"])
        .stdout(stream)
        .run();
}

#[test]
fn chat_errors_and_statuses() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "nope", "-m", "hi", "--no-pull"])
        .stderr("ollama-rs: error: could not chat with `nope`: model 'nope' not found (status code: 404)\n\
         ollama-rs: hint: try `ollama-rs pull nope`\n")
        .status(4)
        .run();
    // Without --no-pull the model is pulled first; when that fails, no
    // hint proposes the pull that just failed.
    let out = Test::new()
        .server(&server)
        .args(&["chat", "nope", "-m", "hi"])
        .status(4)
        .run();
    let err = stderr_of(&out);
    assert!(
        err.starts_with("ollama-rs: error: could not pull `nope`"),
        "{err}"
    );
    assert!(!err.contains("hint"), "{err}");

    server.set_fault_for(
        "/api/chat",
        Fault::ErrorMidStream {
            after_lines: 2,
            message: "out of memory".into(),
        },
    );
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "a b c"])
        .stdout("echo: a\n")
        .stderr("ollama-rs: error: chat with `tiny` failed: out of memory\n")
        .status(1)
        .run();

    let server = TestServer::start();
    server.set_fault_for("/api/chat", Fault::CloseMidStream { after_lines: 1 });
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "a b c"])
        .stdout("echo:\n")
        .status(1)
        .run();

    let server = TestServer::start();
    server.set_fault(Fault::Status {
        code: 403,
        content_type: String::new(),
        body: String::new(),
    });
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "hi"])
        .status(5)
        .run();

    // An `error` that is an object shows its message.
    let server = TestServer::start();
    server.set_fault(Fault::Status {
        code: 500,
        content_type: "application/json".into(),
        body: r#"{"error":{"message":"model is busy","type":"server_error"}}"#.into(),
    });
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "hi"])
        .stdout("")
        .stderr("ollama-rs: error: could not chat with `tiny`: model is busy (status code: 500)\n")
        .status(1)
        .run();

    let server = TestServer::start();
    server.set_fault_for("/api/chat", Fault::NeverAnswer);
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "hi", "--timeout", "0.5"])
        .status(3)
        .run();

    // A capability the model lacks is the server's error: status 1.
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny", "-m", "hi", "--think"])
        .stderr("ollama-rs: error: could not chat with `tiny`: \"tiny\" does not support thinking (status code: 400)\n")
        .status(1)
        .run();
}

#[test]
fn run_takes_the_prompt_after_the_model() {
    for command in ["run", "chat"] {
        let server = TestServer::start();
        Test::new()
            .server(&server)
            .args(&[command, "tiny", "Why is the sky", "blue?"])
            .stdout("echo: Why is the sky blue?\n")
            .stderr("")
            .run();
        assert_eq!(
            body(&server, "/api/chat")["messages"],
            json!([{"role": "user", "content": "Why is the sky blue?"}])
        );
    }

    // Piped stdin first, then the words on a line of their own.
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["run", "tiny", "Summarise this"])
        .stdin("some text\n\n")
        .run();
    assert_eq!(
        body(&server, "/api/chat")["messages"][0]["content"],
        "some text\nSummarise this"
    );

    // Words and -m together are ambiguous.
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["run", "tiny", "words", "-m", "message"])
        .status(2)
        .run();
    assert!(
        stderr_of(&out).contains("cannot be used with"),
        "{}",
        stderr_of(&out)
    );
    assert!(server.requests().is_empty());
}

#[test]
fn one_shot_run_pulls_a_missing_model_first() {
    let server = TestServer::start_empty();
    let out = Test::new()
        .server(&server)
        .args(&["run", "tiny", "hi"])
        .stdout("echo: hi\n")
        .run();
    assert_eq!(stderr_of(&out), "pulled 'tiny'\n");
    assert_eq!(server.requests_to("/api/pull").len(), 1);
    assert_eq!(server.requests_to("/api/chat").len(), 2);
    assert!(server.model_names().contains(&"tiny:latest".to_string()));

    // --json keeps stdout for the answer: no progress objects there.
    let server = TestServer::start_empty();
    let out = Test::new()
        .server(&server)
        .args(&["run", "tiny", "hi", "--json", "--no-stream"])
        .run();
    let v: Value = serde_json::from_str(stdout_of(&out).trim()).unwrap();
    assert_eq!(v["message"]["content"], "echo: hi");
    assert_eq!(stderr_of(&out), "");

    // --no-pull refuses, with status 4.
    let server = TestServer::start_empty();
    Test::new()
        .server(&server)
        .args(&["run", "tiny", "hi", "--no-pull"])
        .stdout("")
        .stderr(
            "ollama-rs: error: could not chat with `tiny`: model 'tiny' not found (status code: 404)\n\
             ollama-rs: hint: try `ollama-rs pull tiny`\n",
        )
        .status(4)
        .run();
    assert!(server.requests_to("/api/pull").is_empty());
}
