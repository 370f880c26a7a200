//! Feedback while the chat waits: the spinner until the model is loaded
//! and until the first token (cleared before anything else is drawn), the
//! load request at the start, the model's own conversation, and the
//! placeholder of an empty prompt.

use ollama_test_server::{Fault, ModelSpec, TestServer};
use serde_json::json;

use super::screen::{has_frame, Screen, COLS};
use super::{chats, Home};

#[test]
fn the_model_is_loaded_under_a_spinner_before_the_first_prompt() {
    let server = TestServer::start();
    let home = Home::new();
    // A load that takes a while, so that the spinner turns whatever the
    // machine's load.
    server.set_fault_once("/api/generate", Fault::Delay { ms: 1_500 });
    let mut t = Screen::spawn(
        &server,
        &home,
        &["chat", "tiny", "--keep-alive", "1h", "-o", "num_ctx=2048"],
    );
    let before = t.prompt();
    assert!(
        has_frame(&before),
        "no spinner before the prompt: {before:?}"
    );
    assert_eq!(t.rows(), [">>>"], "the spinner is gone");
    let loads = server.requests_to("/api/generate");
    assert_eq!(loads.len(), 1);
    assert_eq!(
        loads[0].json(),
        json!({"model": "tiny", "options": {"num_ctx": 2048}, "keep_alive": "1h", "stream": false})
    );
    assert!(server.loaded_names().iter().any(|n| n == "tiny:latest"));
    assert!(chats(&server).is_empty(), "a load is no message");
    t.quit();
}

#[test]
fn a_spinner_turns_until_the_first_token_and_is_gone_before_it() {
    let server = TestServer::start();
    let home = Home::new();
    let mut t = Screen::spawn(&server, &home, &["chat", "tiny"]);
    t.prompt();
    server.set_fault_for("/api/chat", Fault::Delay { ms: 1_500 });
    t.write("hi\r");
    let before = t.expect("echo: hi");
    assert!(has_frame(&before), "no spinner: {before:?}");
    t.prompt();
    assert_eq!(t.rows(), [">>> hi", "echo: hi", "", ">>>"]);
    let output = t.output();
    let first_token = output.find("echo:").expect("the reply");
    assert!(
        !has_frame(&output[first_token..]),
        "drawn after the first token"
    );

    // A failed request: the spinner is gone before the error line.
    server.set_fault_once(
        "/api/chat",
        Fault::Status {
            code: 500,
            content_type: "application/json".into(),
            body: r#"{"error":"the model crashed"}"#.into(),
        },
    );
    t.write("again\r");
    t.expect("the model crashed");
    t.prompt();
    let rows = t.rows();
    assert_eq!(rows[3], ">>> again");
    assert!(rows[4].starts_with("error: "), "{rows:?}");
    assert!(!rows.concat().contains(super::screen::FRAMES), "{rows:?}");
    server.clear_faults();
    t.quit();
}

#[test]
fn ctrl_c_while_the_model_loads_ends_the_session_and_restores_the_terminal() {
    let server = TestServer::start();
    let home = Home::new();
    server.set_fault_for("/api/generate", Fault::NeverAnswer);
    let mut t = Screen::spawn(&server, &home, &["chat", "tiny"]);
    // The spinner turns.
    t.expect("⠙");
    t.control('c');
    let (status, cooked) = t.status_and_terminal();
    assert_eq!((status, cooked), (130, true));
}

#[test]
fn the_models_own_conversation_is_shown_at_the_start_and_on_load() {
    let server = TestServer::start();
    let mut spec = ModelSpec::new("primed", &["completion"]);
    spec.messages = vec![
        json!({"role": "system", "content": "Not shown."}),
        json!({"role": "user", "content": "Who are you?"}),
        json!({"role": "assistant", "content": "A model with a past."}),
    ];
    server.add_model(spec);
    let home = Home::new();
    let mut t = Screen::spawn(&server, &home, &["run", "primed"]);
    t.expect("A model with a past.");
    t.prompt();
    assert_eq!(
        t.rows(),
        [">>> Who are you?", "A model with a past.", "", ">>>"]
    );
    t.write("/load primed\r");
    t.expect("A model with a past.");
    t.prompt();
    assert_eq!(
        t.rows()[3..],
        [
            ">>> /load primed",
            "Loading model 'primed'",
            ">>> Who are you?",
            "A model with a past.",
            "",
            ">>>",
        ]
    );
    t.write("hello\r");
    t.expect("echo: hello");
    t.prompt();
    t.quit();
    let sent = chats(&server);
    assert_eq!(
        sent[0]["messages"],
        json!([{"role": "user", "content": "hello"}]),
        "the server adds the model's messages itself"
    );
    assert_eq!(server.requests_to("/api/generate").len(), 2);
}

#[test]
fn an_empty_prompt_shows_a_dim_placeholder_gone_at_the_first_key() {
    let server = TestServer::start();
    let home = Home::new();
    let placeholder = "Send a message (/? for help)";
    let mut t = Screen::spawn(&server, &home, &["--color", "always", "chat", "tiny"]);
    t.prompt();
    t.expect(&format!("\x1b[2m{placeholder}\x1b[0m"));
    // The end of rustyline's synchronized update: the cursor is placed.
    t.expect("\x1b[?2026l");
    let term = t.terminal();
    let screen = term.screen();
    assert_eq!(t.rows(), [format!(">>> {placeholder}")]);
    assert!(screen.cell(0, 4).expect("a cell").dim(), "dimmed");
    assert!(
        !screen.cell(0, 0).expect("a cell").dim(),
        "the prompt is not"
    );
    assert_eq!(screen.cursor_position(), (0, 4), "the cursor is before it");

    // Enter on the empty line leaves only the prompt.
    t.write("\r");
    t.prompt();
    t.expect(placeholder);
    // Typed text replaces it, and it stays gone.
    t.write("hi\r");
    t.expect("echo: hi");
    t.prompt();
    t.expect(placeholder);
    let rows = t.rows();
    assert_eq!(
        rows,
        [
            ">>>".to_string(),
            ">>> hi".to_string(),
            "echo: hi".to_string(),
            String::new(),
            format!(">>> {placeholder}"),
        ]
    );
    // A `"""` block's lines have none.
    t.write("\"\"\"\r");
    t.expect("... ");
    t.write("x");
    let drawn = t.expect("x");
    assert!(
        !drawn.contains("Send") && !drawn.contains("\x1b[2m"),
        "{drawn:?}"
    );
    assert_eq!(t.rows()[5], "... x");
    assert!(COLS as usize > placeholder.len() + 4);
    // Ctrl-C clears the line; Ctrl-D on the empty line ends the session.
    t.control('c');
    t.quit();
}
