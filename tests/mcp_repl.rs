//! MCP tools in the interactive chat, in a pseudo-terminal: the confirmation of each call (yes,
//! no, always), Ctrl-C during a slow call, `/tools`, `/mcp` and `/export` of a conversation with
//! tool calls. The real `mcp-test-server` runs the tools; `tiny-tools` calls them as the typed
//! message says (`call echo {"text":"hi"}`).

use serde_json::{json, Value};

use crate::harness::mcp_server;
use crate::repl::{chats, Chat, Home};
use ollama_test_server::TestServer;

/// `chat tiny-tools --mcp-server <test server>` and `more` flags.
fn spawn(server: &TestServer, home: &Home, more: &[&str]) -> Chat {
    let binary = mcp_server().display().to_string();
    let mut args = vec!["chat", "tiny-tools", "--mcp-server", binary.as_str()];
    args.extend_from_slice(more);
    Chat::spawn(server, home, &args)
}

/// The roles and contents of the messages of a chat request.
fn messages(req: &Value) -> Vec<(String, String)> {
    crate::repl::turns(req)
}

#[test]
fn each_call_is_confirmed_yes_no_or_always() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = spawn(&server, &home, &[]);
    chat.prompt();

    chat.line(r#"call echo {"text":"hi"}"#);
    chat.expect(r#"[tool] mcp-test-server.echo {"text":"hi"}"#);
    chat.expect(
        r#"Run mcp-test-server.echo {"text":"hi"}? [y]es / [n]o / [a]lways for this tool: "#,
    );
    chat.line("y");
    chat.expect("[result] hi (2 B, ");
    chat.expect("echo: hi");
    chat.prompt();

    chat.line(r#"call echo {"text":"no"}"#);
    chat.expect("[a]lways for this tool: ");
    chat.line("n");
    chat.expect("[declined] the call was not run");
    chat.expect("echo: the user declined this tool call");
    chat.prompt();

    chat.line(r#"call add {"a":1,"b":2}"#);
    chat.expect("[a]lways for this tool: ");
    chat.line("a");
    chat.expect("echo: 3");
    chat.prompt();
    // Always: the next call of that tool runs without a question.
    chat.line(r#"call add {"a":2,"b":2}"#);
    let before = chat.expect("echo: 4");
    assert!(!before.contains("Run mcp-test-server.add"), "{before}");
    chat.prompt();
    chat.line("/bye");
    assert_eq!(chat.status_and_terminal(), (0, true));

    let sent = chats(&server);
    let last = messages(sent.last().unwrap());
    let tool_results: Vec<&str> = last
        .iter()
        .filter(|(role, _)| role == "tool")
        .map(|(_, c)| c.as_str())
        .collect();
    assert_eq!(
        tool_results,
        ["hi", "the user declined this tool call", "3", "4"]
    );
}

#[test]
fn ctrl_c_cancels_a_slow_call_and_keeps_the_conversation() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = spawn(&server, &home, &["--allow-all"]);
    chat.prompt();
    chat.line(r#"call sleep {"seconds":30}"#);
    chat.expect("[tool] mcp-test-server.sleep");
    chat.control('c');
    chat.prompt();
    // The session goes on; the cancelled call has its result in the conversation.
    chat.line(r#"call echo {"text":"after"}"#);
    chat.expect("echo: after");
    chat.prompt();
    let export = home.path().join("chat.json");
    chat.line(&format!("/export {}", export.display()));
    chat.expect("Exported 7 messages");
    chat.prompt();
    chat.line("/bye");
    assert_eq!(chat.status(), 0);

    let sent = chats(&server);
    let last = messages(sent.last().unwrap());
    assert_eq!(
        last.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>(),
        ["user", "assistant", "tool", "user", "assistant", "tool"]
    );
    assert_eq!(last[2].1, "the user cancelled this tool call");
    // /export keeps the calls and their results, for /import and --messages.
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    assert_eq!(exported[1]["tool_calls"][0]["function"]["name"], "sleep");
    assert_eq!(exported[2]["role"], "tool");
    assert_eq!(exported[2]["tool_name"], "sleep");
    assert_eq!(exported[5]["content"], "after");
    assert_eq!(exported[5]["tool_name"], "echo");
    let log = home.path().join("data/ollama-rs/mcp/mcp-test-server.log");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("sleep cancelled")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the server was not told"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn tools_lists_and_turns_tools_off_and_mcp_shows_the_servers() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = spawn(&server, &home, &["--allow-all"]);
    chat.prompt();
    chat.line("/tools");
    chat.expect("mcp-test-server:");
    chat.expect("  add      on");
    chat.expect("  sleep    on");
    chat.prompt();
    chat.line("/tools off echo");
    chat.expect("Turned off 1 tool.");
    chat.prompt();
    chat.line("/tools");
    chat.expect("  echo     off");
    chat.prompt();
    chat.line("/tools off nothing");
    chat.expect("No tool or server named 'nothing'. /tools lists them.");
    chat.prompt();
    chat.line(r#"call add {"a":1,"b":1}"#);
    chat.expect("echo: 2");
    chat.prompt();
    chat.line("/tools on mcp-test-server");
    chat.expect("Turned on 8 tools.");
    chat.prompt();
    chat.line("/mcp");
    chat.expect("mcp-test-server: stdio ");
    chat.expect(", running, 8 tools");
    chat.expect("  log: ");
    chat.expect("mcp-test-server.log");
    chat.prompt();
    chat.line("/bye");
    assert_eq!(chat.status(), 0);
    let sent = chats(&server);
    let offered: Vec<Value> = sent[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].clone())
        .collect();
    assert!(!offered.contains(&json!("echo")), "{offered:?}");
    assert_eq!(offered.len(), 7);
}

#[test]
fn a_one_shot_chat_on_a_terminal_asks_too() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = spawn(
        &server,
        &home,
        &[
            "-m",
            r#"call echo {"text":"asked"}; call add {"a":1,"b":2}"#,
        ],
    );
    chat.expect(
        r#"Run mcp-test-server.echo {"text":"asked"}? [y]es / [n]o / [a]lways for this tool: "#,
    );
    chat.line("y");
    chat.expect("[result] asked");
    chat.expect("[a]lways for this tool: ");
    chat.line("no");
    chat.expect("echo: asked; the user declined this tool call");
    assert_eq!(chat.status(), 0);
}
