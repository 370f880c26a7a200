//! The interactive chat in a pseudo-terminal: the real binary, rustyline
//! and signals, against the test server.
//!
//! Every step waits for what the program prints before typing on, so that
//! nothing depends on timing; the timeouts only bound a failure. Input
//! typed ahead of the program is in `typing`; the spinner, the load
//! request, the model's own conversation and the placeholder in `waiting`,
//! both checking the screen through `screen`.

use std::path::{Path, PathBuf};

use nix::sys::wait::WaitStatus;
use rexpect::session::{Options, PtySession};
use serde_json::{json, Value};

use crate::harness::{pairs, Test};
use ollama_test_server::{Fault, TestServer};

mod screen;
mod typing;
mod waiting;

/// The longest wait for expected output.
const TIMEOUT_MS: u64 = 10_000;

pub(crate) struct Chat {
    pub(crate) s: PtySession,
}

/// A home folder for one test; the data directory is inside it.
pub(crate) struct Home(tempfile::TempDir);

impl Home {
    pub(crate) fn new() -> Home {
        Home(tempfile::tempdir().expect("temporary folder"))
    }

    pub(crate) fn path(&self) -> &Path {
        self.0.path()
    }

    pub(crate) fn history(&self) -> PathBuf {
        self.path().join("data").join("ollama-rs").join("history")
    }
}

impl Chat {
    pub(crate) fn spawn(server: &TestServer, home: &Home, args: &[&str]) -> Chat {
        Chat::spawn_env(server, home, args, &[])
    }

    pub(crate) fn spawn_env(
        server: &TestServer,
        home: &Home,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Chat {
        let mut cmd = Test::new()
            .server(server)
            .args(args)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            // rustyline edits lines only on a terminal it knows.
            .env("TERM", "xterm");
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        let cmd = cmd.command();
        let options = Options::new()
            .timeout_ms(Some(TIMEOUT_MS))
            .strip_ansi_escape_codes(true);
        let s = rexpect::session::spawn_with_options(cmd, options).expect("spawn in a pty");
        Chat { s }
    }

    /// Waits for `text`; returns what came before it.
    pub(crate) fn expect(&mut self, text: &str) -> String {
        self.s
            .exp_string(text)
            .unwrap_or_else(|e| panic!("waiting for {text:?}: {e}"))
    }

    pub(crate) fn prompt(&mut self) {
        self.expect(">>> ");
    }

    /// Types text without pressing Enter.
    pub(crate) fn type_text(&mut self, text: &str) {
        self.s.send(text).expect("send");
        // The writer is line-buffered and terminal input has no newlines.
        self.s.flush().expect("flush");
    }

    /// Types a line and presses Enter.
    pub(crate) fn line(&mut self, text: &str) {
        self.type_text(&format!("{text}\r"));
    }

    /// Types a line, waits for `reply`, then for the next prompt.
    pub(crate) fn ask(&mut self, text: &str, reply: &str) {
        self.line(text);
        self.expect(reply);
        self.prompt();
    }

    pub(crate) fn control(&mut self, c: char) {
        self.s.send_control(c).expect("send control");
    }

    /// Whether the terminal is in canonical mode with signals on.
    pub(crate) fn cooked(&self) -> bool {
        use nix::sys::termios::{tcgetattr, LocalFlags};
        let tty = self.s.process().get_file_handle().expect("pty handle");
        let flags = tcgetattr(&tty).expect("terminal settings").local_flags;
        flags.contains(LocalFlags::ICANON | LocalFlags::ISIG)
    }

    /// Waits for the program to end; its exit status.
    pub(crate) fn status(self) -> i32 {
        self.status_and_terminal().0
    }

    /// Waits for the program to end; its exit status, and whether it left
    /// the terminal as it found it (line editing and signals on, not in
    /// rustyline's raw mode).
    pub(crate) fn status_and_terminal(mut self) -> (i32, bool) {
        self.s.exp_eof().expect("the program ends");
        let code = match self.s.process().wait().expect("wait") {
            WaitStatus::Exited(_, code) => code,
            other => panic!("not a normal exit: {other:?}"),
        };
        (code, self.cooked())
    }
}

/// The messages of a recorded chat request as (role, content) pairs.
pub(crate) fn turns(req: &Value) -> Vec<(String, String)> {
    req["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default().to_string(),
                m["content"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub(crate) fn chats(server: &TestServer) -> Vec<Value> {
    server
        .requests_to("/api/chat")
        .iter()
        .map(|r| r.json())
        .collect()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("file exists")
        .permissions()
        .mode()
        & 0o777
}

#[test]
fn streams_a_reply_and_ctrl_d_exits_0() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    chat.ask("Why is the sky blue?", "echo: Why is the sky blue?");
    chat.ask("And the sea?", "echo: And the sea?");
    assert!(!chat.cooked(), "rustyline edits the line in raw mode");
    chat.control('d');
    assert_eq!(chat.status_and_terminal(), (0, true));
    let sent = chats(&server);
    assert_eq!(
        turns(&sent[1]),
        pairs(&[
            ("user", "Why is the sky blue?"),
            ("assistant", "echo: Why is the sky blue?"),
            ("user", "And the sea?"),
        ])
    );
}

#[test]
fn run_is_an_alias_and_bye_exits_0() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["run", "tiny"]);
    chat.prompt();
    chat.line("/bye");
    assert_eq!(chat.status_and_terminal(), (0, true));
}

#[test]
fn multi_line_input() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    chat.line("\"\"\"");
    chat.expect("... ");
    chat.line("first line");
    chat.expect("... ");
    chat.line("second line");
    chat.expect("... ");
    chat.line("\"\"\"");
    chat.expect("echo: first");
    chat.prompt();
    chat.line("\"\"\"one");
    chat.expect("... ");
    chat.line("two\"\"\"");
    chat.expect("echo: one");
    chat.prompt();
    chat.control('d');
    assert_eq!(chat.status(), 0);
    let sent = chats(&server);
    assert_eq!(turns(&sent[0])[0].1, "first line\nsecond line");
    assert_eq!(turns(&sent[1]).last().unwrap().1, "one\ntwo");
}

#[test]
fn a_paste_is_one_message_and_tab_completes() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    // What a terminal sends for a bracketed paste of two lines.
    chat.line("\x1b[200~line one\nline two\x1b[201~");
    chat.expect("echo: line one");
    chat.prompt();
    chat.line("/se\tverb\t");
    chat.expect("Set 'verbose' mode.");
    chat.prompt();
    chat.line("/lo\ttiny-c\t");
    chat.expect("Loading model 'tiny-coder:latest'");
    chat.prompt();
    chat.line("/bye");
    assert_eq!(chat.status(), 0);
    let sent = chats(&server);
    assert_eq!(turns(&sent[0]), pairs(&[("user", "line one\nline two")]));
}

#[test]
fn ctrl_c_mid_reply_returns_to_the_prompt_and_keeps_the_partial_reply() {
    let server = TestServer::start();
    let home = Home::new();
    // Two lines ("echo:" and " one"), then nothing for a minute.
    server.set_fault_for(
        "/api/chat",
        Fault::Stall {
            after_lines: 2,
            for_ms: 60_000,
        },
    );
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    chat.line("one two three");
    chat.expect("echo: one");
    chat.control('c');
    chat.prompt();
    server.clear_faults();
    chat.ask("go on", "echo: go on");
    chat.control('d');
    assert_eq!(chat.status(), 0);
    let sent = chats(&server);
    assert_eq!(
        turns(&sent[1]),
        pairs(&[
            ("user", "one two three"),
            ("assistant", "echo: one"),
            ("user", "go on"),
        ])
    );
}

#[test]
fn ctrl_c_at_the_prompt() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    chat.control('c');
    chat.expect("Use Ctrl + d or /bye to exit.");
    chat.prompt();
    // On a line with text, Ctrl-C clears it (the line is drawn again with
    // the prompt): Enter then sends nothing.
    chat.type_text("not sent");
    chat.expect("not sent");
    chat.control('c');
    chat.prompt();
    chat.line("");
    chat.prompt();
    chat.ask("/set verbose", "Set 'verbose' mode.");
    assert!(chats(&server).is_empty());
    chat.ask("hi", "eval rate:");
    chat.line("/bye");
    assert_eq!(chat.status(), 0);
    assert_eq!(chats(&server).len(), 1);
}

#[test]
fn every_slash_command() {
    let server = TestServer::start();
    let home = Home::new();
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    chat.ask("/?", "Use \"\"\" to begin a multi-line message.");
    chat.ask("/help set", "/set nohistory");
    chat.ask("/? show", "/show template");
    chat.ask("/help shortcuts", "Search the history");
    chat.ask("/x", "Unknown command '/x'. Type /? for help");
    chat.ask(
        "/set parameter temperature 0.5",
        "Set parameter 'temperature' to '0.5'",
    );
    chat.ask("/set system Answer briefly.", "Set system message.");
    chat.ask("/set format json", "Set format to 'json' mode.");
    chat.ask("/set noformat", "Disabled format.");
    // tiny cannot think: refused, and not kept.
    chat.ask(
        "/set think",
        "does not support thinking; 'think' mode not set",
    );
    chat.ask(
        "/set think low",
        "does not support thinking; 'think' mode not set",
    );
    chat.ask("/set nothink", "Set 'nothink' mode.");
    chat.ask("/set verbose", "Set 'verbose' mode.");
    chat.ask("/set quiet", "Set 'quiet' mode.");
    chat.ask("/set nowordwrap", "Set 'nowordwrap' mode.");
    chat.ask("/set wordwrap", "Set 'wordwrap' mode.");
    chat.ask("/set nohistory", "Set 'nohistory' mode.");
    chat.ask("/set history", "Set 'history' mode.");
    chat.ask("/show info", "Capabilities");
    chat.ask("/show license", "license");
    chat.ask("/show modelfile", "FROM ");
    chat.ask("/show parameters", "temperature                    0.5");
    chat.ask("/show system", "Answer briefly.");
    chat.ask("/show template", "{{");
    chat.ask("hello", "echo: hello");
    chat.ask("/retry", "echo: hello");
    let export = dir.path().join("chat.json");
    chat.ask(
        &format!("/export {}", export.display()),
        "Exported 3 messages",
    );
    chat.ask("/clear", "Cleared session context");
    chat.ask(
        &format!("/import {}", export.display()),
        "Imported 3 messages",
    );
    chat.ask("/save my-tiny", "Created new model 'my-tiny'");
    chat.ask("/load tiny-coder", "Loading model 'tiny-coder'");
    chat.ask(
        "/load no-such-model-x",
        "Couldn't find model 'no-such-model-x'",
    );
    chat.ask("after load", "echo: after load");
    chat.line("/bye");
    assert_eq!(chat.status(), 0);

    let sent = chats(&server);
    let first = &sent[0];
    assert_eq!(first["options"], json!({"temperature": 0.5}));
    assert_eq!(first["think"], false);
    assert_eq!(first.get("format"), None);
    assert_eq!(
        turns(first),
        pairs(&[("system", "Answer briefly."), ("user", "hello")])
    );
    assert_eq!(sent[1], sent[0], "/retry sends the same conversation");
    let last = sent.last().unwrap();
    assert_eq!(last["model"], "tiny-coder");
    assert_eq!(
        turns(last),
        pairs(&[("system", "Answer briefly."), ("user", "after load")])
    );
    assert!(server.model_names().iter().any(|m| m == "my-tiny:latest"));
}

#[test]
fn history_is_private_and_read_back() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    chat.ask("remember this line", "echo: remember this line");
    chat.control('d');
    assert_eq!(chat.status(), 0);
    let file = home.history();
    let text = std::fs::read_to_string(&file).expect("history written");
    assert!(text.contains("remember this line"), "{text}");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);

    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    // Up arrow, then Enter: the line from the first run.
    chat.line("\x1b[A");
    chat.expect("echo: remember this line");
    chat.prompt();
    chat.ask("something else", "echo: something else");
    // Ctrl-R searches back past the newer line.
    chat.line("\x12remember");
    chat.expect("echo: remember this line");
    chat.prompt();
    chat.control('d');
    assert_eq!(chat.status(), 0);
    assert_eq!(chats(&server).len(), 4);

    // OLLAMA_NOHISTORY keeps the file as it was.
    let before = std::fs::read_to_string(&file).expect("history");
    let mut chat = Chat::spawn_env(
        &server,
        &home,
        &["chat", "tiny"],
        &[("OLLAMA_NOHISTORY", "1")],
    );
    chat.prompt();
    chat.ask("private line", "echo: private line");
    chat.control('d');
    assert_eq!(chat.status(), 0);
    assert_eq!(std::fs::read_to_string(&file).expect("history"), before);
}

#[test]
fn save_sends_the_session_as_a_create_request() {
    let server = TestServer::start();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    chat.ask("/set system Be terse.", "Set system message.");
    chat.ask(
        "/set parameter num_ctx 1024",
        "Set parameter 'num_ctx' to '1024'",
    );
    chat.ask("hi", "echo: hi");
    chat.ask("/save terse-tiny", "Created new model 'terse-tiny'");
    chat.line("/bye");
    assert_eq!(chat.status(), 0);
    let create = server.requests_to("/api/create");
    assert_eq!(create.len(), 1);
    assert_eq!(
        create[0].json(),
        json!({
            "model": "terse-tiny",
            "from": "tiny",
            "system": "Be terse.",
            "parameters": {"num_ctx": 1024},
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "echo: hi"}
            ],
            "stream": true
        })
    );
}

#[test]
fn export_and_import_round_trip() {
    let server = TestServer::start();
    let home = Home::new();
    let dir = tempfile::tempdir().expect("temporary folder");
    let json_file = dir.path().join("talk.json");
    let md_file = dir.path().join("talk.md");
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny", "--system", "Be kind."]);
    chat.prompt();
    chat.ask("first", "echo: first");
    chat.ask(
        &format!("/export {}", json_file.display()),
        "Exported 3 messages",
    );
    chat.ask(
        &format!("/export {}", md_file.display()),
        "Exported 3 messages",
    );
    chat.line("/bye");
    assert_eq!(chat.status(), 0);
    #[cfg(unix)]
    {
        assert_eq!(mode(&json_file), 0o600);
        assert_eq!(mode(&md_file), 0o600);
    }
    let md = std::fs::read_to_string(&md_file).expect("markdown");
    assert!(
        md.contains("## User\n\nfirst\n\n## Assistant\n\necho: first\n"),
        "{md}"
    );

    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    chat.ask(
        &format!("/import {}", json_file.display()),
        "Imported 3 messages",
    );
    chat.ask("second", "echo: second");
    chat.line("/bye");
    assert_eq!(chat.status(), 0);

    let path = json_file.to_string_lossy().into_owned();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny", "--messages", &path]);
    chat.prompt();
    chat.ask("third", "echo: third");
    chat.line("/bye");
    assert_eq!(chat.status(), 0);

    let expected = |last: &str| {
        pairs(&[
            ("system", "Be kind."),
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", last),
        ])
    };
    let sent = chats(&server);
    assert_eq!(turns(&sent[1]), expected("second"));
    assert_eq!(turns(&sent[2]), expected("third"));
}

#[test]
fn a_missing_model_is_pulled_first() {
    let server = TestServer::start_empty();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.expect("pulled 'tiny'");
    chat.prompt();
    chat.ask("hi", "echo: hi");
    chat.control('d');
    assert_eq!(chat.status(), 0);
    let pulls = server.requests_to("/api/pull");
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].json()["model"], "tiny");
}

#[test]
fn no_pull_exits_4_with_the_hint() {
    let server = TestServer::start_empty();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny", "--no-pull"]);
    chat.expect("not found");
    chat.expect("ollama-rs pull tiny");
    assert_eq!(chat.status(), 4);
    assert!(server.requests_to("/api/pull").is_empty());
}

/// Waits for an error line and the prompt after it; the line's text.
fn error_line(chat: &mut Chat) -> String {
    chat.expect("error: ");
    let rest = chat.expect(">>> ");
    let line = rest.trim_end().to_string();
    assert!(!line.contains('\n'), "one line, then the prompt: {rest:?}");
    line
}

#[test]
fn a_failed_reply_leaves_the_conversation_and_the_terminal_intact() {
    let server = TestServer::start();
    let home = Home::new();
    let dir = tempfile::tempdir().expect("temporary folder");
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny"]);
    chat.prompt();
    chat.ask("first", "echo: first");

    server.set_fault_once(
        "/api/chat",
        Fault::Status {
            code: 500,
            content_type: "text/html".into(),
            body: "<html>\n<head><title>500 Internal Server Error</title></head>\n\
                   <body><h1>Internal Server Error</h1></body>\n</html>\n"
                .into(),
        },
    );
    chat.line("second");
    assert_eq!(
        error_line(&mut chat),
        "could not chat with `tiny`: the server answered with an HTML page: 500 Internal Server Error (status code: 500)"
    );

    // Part of the reply is shown, then the server reports an error.
    server.set_fault_once(
        "/api/chat",
        Fault::ErrorMidStream {
            after_lines: 2,
            message: "an error was encountered while running the model".into(),
        },
    );
    chat.line("third one two");
    chat.expect("echo: third");
    assert_eq!(
        error_line(&mut chat),
        "chat with `tiny` failed: an error was encountered while running the model"
    );
    assert!(!chat.cooked(), "rustyline has the terminal again");
    chat.ask("/retry", "echo: third one two");

    // An existing file, readable by all, is replaced and made private.
    let export = dir.path().join("after.json");
    std::fs::write(&export, "old").expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    chat.ask(
        &format!("/export {}", export.display()),
        "Exported 4 messages",
    );
    chat.control('d');
    assert_eq!(chat.status_and_terminal(), (0, true));

    #[cfg(unix)]
    assert_eq!(mode(&export), 0o600);
    let complete = pairs(&[
        ("user", "first"),
        ("assistant", "echo: first"),
        ("user", "third one two"),
        ("assistant", "echo: third one two"),
    ]);
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(&export).expect("exported")).expect("JSON");
    assert_eq!(turns(&json!({ "messages": saved })), complete);
    let sent = chats(&server);
    assert_eq!(sent.len(), 4);
    assert_eq!(
        turns(&sent[1]),
        pairs(&[
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", "second"),
        ])
    );
    assert_eq!(
        turns(&sent[2]),
        complete[..3].to_vec(),
        "no trace of 'second'"
    );
    assert_eq!(sent[3], sent[2], "/retry sends the failed message again");
}

#[test]
fn a_server_that_stops_answering_then_comes_back() {
    let server = TestServer::start();
    let port = server.port();
    let home = Home::new();
    let mut chat = Chat::spawn(&server, &home, &["chat", "tiny", "--timeout", "2"]);
    chat.prompt();
    chat.ask("first", "echo: first");

    drop(server);
    chat.line("second");
    let refused = error_line(&mut chat);
    assert!(
        refused.starts_with("could not chat with `tiny`: could not connect to Ollama at"),
        "{refused}"
    );

    let server = TestServer::start_on(port);
    server.set_fault_once("/api/chat", Fault::NeverAnswer);
    chat.line("third");
    let silent = error_line(&mut chat);
    assert!(
        silent.starts_with("could not chat with `tiny`: timed out waiting for Ollama at"),
        "{silent}"
    );

    server.set_fault_once(
        "/api/chat",
        Fault::Stall {
            after_lines: 2,
            for_ms: 10_000,
        },
    );
    chat.line("fourth one two");
    chat.expect("echo: fourth");
    let stalled = error_line(&mut chat);
    assert!(
        stalled.starts_with("chat with `tiny` failed: timed out waiting for Ollama at"),
        "{stalled}"
    );

    chat.ask("fifth", "echo: fifth");
    chat.control('d');
    assert_eq!(chat.status_and_terminal(), (0, true));
    let sent = chats(&server);
    assert_eq!(
        turns(sent.last().expect("a chat request")),
        pairs(&[
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", "fifth"),
        ])
    );
}
