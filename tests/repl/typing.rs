//! Input that comes faster than the chat reads it: a burst of lines in one
//! write, a paste without bracketed paste, a line typed right after a
//! command's answer, a `"""` block typed in one go, keys typed while a
//! reply streams. Every line arrives whole and in order, nothing typed is
//! echoed into a reply, and the screen shows each line after its prompt;
//! Ctrl-C, which stops a reply, drops what was typed during it.

use ollama_test_server::{Fault, TestServer};

use super::screen::Screen;
use super::{chats, pairs, turns, Home};

#[test]
fn a_burst_of_lines_in_one_write_runs_every_line_in_order() {
    let server = TestServer::start();
    let home = Home::new();
    let mut t = Screen::spawn(&server, &home, &["chat", "tiny"]);
    t.prompt();
    t.write("/set quiet\r/set nothink\r/set system Be brief.\r/show system\rhello there\r");
    t.expect("echo: hello there");
    t.prompt();
    assert_eq!(
        t.rows(),
        [
            ">>> /set quiet",
            "Set 'quiet' mode.",
            ">>> /set nothink",
            "Set 'nothink' mode.",
            ">>> /set system Be brief.",
            "Set system message.",
            ">>> /show system",
            "Be brief.",
            ">>> hello there",
            "echo: hello there",
            "",
            ">>>",
        ]
    );
    t.quit();
    let sent = chats(&server);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["think"], false);
    assert_eq!(
        turns(&sent[0]),
        pairs(&[("system", "Be brief."), ("user", "hello there")])
    );
}

#[test]
fn a_line_typed_right_after_an_answer_arrives_whole() {
    let server = TestServer::start();
    let home = Home::new();
    let mut t = Screen::spawn(&server, &home, &["chat", "tiny"]);
    t.prompt();
    for i in 0..5 {
        t.write(&format!("/set parameter num_ctx {}\r", 1000 + i));
        t.expect(&format!("Set parameter 'num_ctx' to '{}'", 1000 + i));
        // At once, before the next prompt is drawn.
        t.write(&format!("message {i}\r"));
        t.expect(&format!("echo: message {i}"));
    }
    t.prompt();
    // The editor never asks the terminal where its cursor is: the answer
    // would be read from the same input as the keys.
    assert!(!t.output().contains("\x1b[6n"), "{:?}", t.output());
    t.quit();
    let sent: Vec<String> = chats(&server)
        .iter()
        .map(|c| turns(c).last().expect("a message").1.clone())
        .collect();
    let want: Vec<String> = (0..5).map(|i| format!("message {i}")).collect();
    assert_eq!(sent, want);
}

#[test]
fn a_paste_without_bracketed_paste_is_every_line_in_order() {
    let server = TestServer::start();
    let home = Home::new();
    let mut t = Screen::spawn(&server, &home, &["chat", "tiny"]);
    t.prompt();
    t.write("first pasted line\rsecond pasted line\r");
    t.expect("echo: second pasted line");
    t.prompt();
    assert_eq!(
        t.rows(),
        [
            ">>> first pasted line",
            "echo: first pasted line",
            "",
            ">>> second pasted line",
            "echo: second pasted line",
            "",
            ">>>",
        ]
    );
    t.quit();
    let sent = chats(&server);
    assert_eq!(
        turns(&sent[1]),
        pairs(&[
            ("user", "first pasted line"),
            ("assistant", "echo: first pasted line"),
            ("user", "second pasted line"),
        ])
    );
}

#[test]
fn a_triple_quoted_block_typed_in_one_go_is_one_message() {
    let server = TestServer::start();
    let home = Home::new();
    let mut t = Screen::spawn(&server, &home, &["chat", "tiny"]);
    t.prompt();
    t.write("\"\"\"\rline one\rline two\r\"\"\"\rafter the block\r");
    t.expect("echo: after the block");
    t.prompt();
    assert_eq!(
        t.rows(),
        [
            ">>> \"\"\"",
            "... line one",
            "... line two",
            "... \"\"\"",
            "echo: line one",
            "line two",
            "",
            ">>> after the block",
            "echo: after the block",
            "",
            ">>>",
        ]
    );
    t.quit();
    let sent = chats(&server);
    assert_eq!(turns(&sent[0]), pairs(&[("user", "line one\nline two")]));
    assert_eq!(
        turns(&sent[1]).last().expect("a message").1,
        "after the block"
    );
}

#[test]
fn keys_typed_while_a_reply_streams_wait_for_the_next_prompt() {
    let server = TestServer::start();
    let home = Home::new();
    let mut t = Screen::spawn(&server, &home, &["chat", "tiny"]);
    t.prompt();
    // A line every 300 ms: "echo:", " one", " two", " three", then the end.
    server.set_fault_for("/api/chat", Fault::SlowLines { every_ms: 300 });
    t.write("one two three\r");
    t.expect("echo:");
    t.write("typed ahead");
    let reply = t.prompt();
    assert!(!reply.contains("typed"), "echoed into the reply: {reply:?}");
    // The editor shows the keys at the prompt, as typed.
    t.expect("typed ahead");
    assert_eq!(
        t.rows(),
        [
            ">>> one two three",
            "echo: one two three",
            "",
            ">>> typed ahead",
        ]
    );

    // Enter sends them; a whole line typed during a reply, Enter included,
    // is sent when the reply is done.
    t.write(" and more\r");
    t.expect("echo:");
    t.write("next question\r");
    t.expect("echo: next question");
    t.prompt();

    // Ctrl-C stops a reply and drops what was typed during it, as the
    // terminal drops its input on an interrupt. (The reply stalls after
    // its first token until then.)
    server.clear_faults();
    server.set_fault_once(
        "/api/chat",
        Fault::Stall {
            after_lines: 1,
            for_ms: 60_000,
        },
    );
    t.write("stop here\r");
    t.expect("echo:");
    t.write("dropped");
    t.control('c');
    t.prompt();
    t.write("after\r");
    t.expect("echo: after");
    t.prompt();
    assert_eq!(
        t.rows()[3..],
        [
            ">>> typed ahead and more",
            "echo: typed ahead and more",
            "",
            ">>> next question",
            "echo: next question",
            "",
            ">>> stop here",
            "echo:",
            "",
            ">>> after",
            "echo: after",
            "",
            ">>>",
        ]
    );
    t.quit();
    let sent: Vec<String> = chats(&server)
        .iter()
        .map(|c| turns(c).last().expect("a message").1.clone())
        .collect();
    assert_eq!(
        sent,
        [
            "one two three",
            "typed ahead and more",
            "next question",
            "stop here",
            "after"
        ]
    );
}
