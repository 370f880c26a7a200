//! `pull`, `push` and `create` on a pseudo-terminal: progress bars drawn
//! and cleared, the cursor restored, a dumb terminal's plain lines.

use std::path::Path;

use crate::harness::transfer::*;
use crate::harness::{bin, Test, GUARD};
use ollama_test_server::{gguf, Fault, TestServer};

use pretty_assertions::assert_eq;
use rexpect::process::{Signal, WaitStatus};
use rexpect::session::PtySession;

const ROWS: u16 = 30;
const COLS: u16 = 100;

/// The binary on a pseudo-terminal of ROWS x COLS that can draw.
fn spawn(server: &TestServer, dir: &Path, args: &[&str]) -> PtySession {
    spawn_on(server, dir, args, COLS)
}

/// The binary on a pseudo-terminal of ROWS x `cols`.
fn spawn_on(server: &TestServer, dir: &Path, args: &[&str], cols: u16) -> PtySession {
    let cmd = Test::program("sh")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .server(server)
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .current_dir(dir)
        .arg("-c")
        .arg(format!(
            "stty cols {cols} rows {ROWS} && exec \"$0\" \"$@\""
        ))
        .arg(bin())
        .args(args)
        .command();
    rexpect::session::spawn_command(cmd, Some(GUARD.as_millis() as u64)).expect("spawn on a pty")
}

/// rexpect hands over each byte as one `char`: the text as written.
fn text(read: &str) -> String {
    let bytes: Vec<u8> = read.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(bytes).expect("the output is UTF-8")
}

/// `needle` as rexpect sees it (each byte one `char`).
fn as_read(needle: &str) -> String {
    needle.bytes().map(char::from).collect()
}

/// What a terminal shows after `output`, trailing blanks removed.
fn screen(output: &str) -> Vec<String> {
    screen_of(output, COLS)
}

/// What a terminal of `cols` columns shows after `output`.
fn screen_of(output: &str, cols: u16) -> Vec<String> {
    crate::harness::pty::screen(output, crate::harness::pty::Size { rows: ROWS, cols })
}

/// The cursor was hidden while drawing and is visible at the end.
fn assert_cursor_restored(output: &str) {
    let hidden = output
        .rfind("\x1b[?25l")
        .expect("the cursor is hidden while drawing");
    let shown = output
        .rfind("\x1b[?25h")
        .expect("the cursor is shown again");
    assert!(shown > hidden, "{output:?}");
}

fn exit_code(p: &PtySession) -> i32 {
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("{other:?}"),
    }
}

#[test]
fn pull_draws_bars_and_leaves_them_as_ollama_pull_does() {
    let server = TestServer::start_empty();
    // A pause after the first layer's first bytes, so that a frame with
    // a bar is drawn whatever the refresh rate (seconds, so that a loaded
    // machine draws it too).
    server.set_fault_once(
        "/api/pull",
        Fault::Stall {
            after_lines: 2,
            for_ms: 2_000,
        },
    );
    let dir = Dir::new();
    let mut p = spawn(&server, dir.path(), &["pull", "tiny"]);
    let output = text(&p.exp_eof().unwrap());
    assert_eq!(exit_code(&p), 0, "{output:?}");
    // A bar like `ollama pull`'s: label, percent, bar, decimal bytes.
    let bar = output
        .split(['\r', '\n'])
        .find(|l| l.contains("pulling ") && l.contains("% ▕"))
        .unwrap_or_else(|| panic!("no bar in {output:?}"));
    assert!(bar.contains("/482 KB"), "{bar:?}");
    assert!(output.contains("pulling manifest"), "{output:?}");
    assert_cursor_restored(&output);
    assert_pull_screen(&screen(&output), COLS);
}

/// What a finished pull of `tiny` leaves, as `ollama pull` does: each
/// layer's finished bar, the statuses and `success`, then the outcome;
/// no row wider than the terminal.
fn assert_pull_screen(s: &[String], cols: u16) {
    assert_eq!(s.len(), 9, "{s:#?}");
    assert_eq!(s[0], "pulling manifest");
    for row in &s[1..5] {
        assert!(row.starts_with("pulling "), "{s:#?}");
        assert!(row.contains(": 100% ▕█"), "{s:#?}");
        assert!(row.chars().count() <= cols as usize, "{s:#?}");
    }
    assert!(
        s[1].ends_with("█▏            482 KB") || cols < 60,
        "{s:#?}"
    );
    assert_eq!(
        &s[5..],
        [
            "verifying sha256 digest",
            "writing manifest",
            "success",
            "pulled 'tiny'"
        ]
    );
}

#[test]
fn a_pull_on_40_columns_draws_bars_that_fit() {
    let server = TestServer::start_empty();
    server.set_fault_once(
        "/api/pull",
        Fault::Stall {
            after_lines: 2,
            for_ms: 1_000,
        },
    );
    let dir = Dir::new();
    let mut p = spawn_on(&server, dir.path(), &["pull", "tiny"], 40);
    let output = text(&p.exp_eof().unwrap());
    assert_eq!(exit_code(&p), 0, "{output:?}");
    let s = screen_of(&output, 40);
    assert_pull_screen(&s, 40);
}

#[test]
fn create_draws_file_bars_and_statuses_and_leaves_them() {
    let server = TestServer::start_empty();
    // A pause, as for the pull, so that a frame is drawn.
    server.set_fault_once(
        "/api/create",
        Fault::Stall {
            after_lines: 1,
            for_ms: 2_000,
        },
    );
    let dir = Dir::new();
    dir.write("model.gguf", gguf("llama", 1));
    dir.write("Modelfile", "FROM ./model.gguf\n");
    let mut p = spawn(&server, dir.path(), &["create", "drawn"]);
    let output = text(&p.exp_eof().unwrap());
    assert_eq!(exit_code(&p), 0, "{output:?}");
    assert!(output.contains("hashing model.gguf: 100% ▕"), "{output:?}");
    assert!(output.contains("parsing GGUF"), "{output:?}");
    assert_cursor_restored(&output);
    let s = screen(&output);
    assert!(s[0].starts_with("hashing model.gguf: 100% ▕█"), "{s:#?}");
    assert!(s[1].starts_with("uploading model.gguf: 100% ▕█"), "{s:#?}");
    assert_eq!(s[2], "parsing GGUF");
    assert_eq!(
        &s[s.len() - 3..],
        ["writing manifest", "success", "created 'drawn'"]
    );
}

#[test]
fn sigint_clears_the_bars_and_restores_the_cursor() {
    let server = TestServer::start_empty();
    server.set_fault_for(
        "/api/pull",
        Fault::Stall {
            after_lines: 2,
            for_ms: 30_000,
        },
    );
    let dir = Dir::new();
    let mut p = spawn(&server, dir.path(), &["pull", "tiny"]);
    let needle = as_read("% ▕");
    let before = p.exp_string(&needle).unwrap();
    p.process_mut().signal(Signal::SIGINT).unwrap();
    let rest = p.exp_eof().unwrap();
    let output = text(&format!("{before}{needle}{rest}"));
    assert_eq!(exit_code(&p), 130, "{output:?}");
    assert_cursor_restored(&output);
    assert_eq!(
        screen(&output),
        ["ollama-rs: interrupted while pulling `tiny`"]
    );
}

#[test]
fn a_failed_pull_clears_the_bars_and_leaves_one_error_line() {
    let cases = [
        (
            Fault::ErrorMidStream {
                after_lines: 3,
                message: "max retries exceeded: unexpected EOF".into(),
            },
            vec![],
            "ollama-rs: error: could not pull `tiny`: max retries exceeded: unexpected EOF",
        ),
        (
            // A broken connection is retried, each with a line: none here.
            Fault::CloseMidStream { after_lines: 3 },
            vec!["--retries", "0"],
            "ollama-rs: error: could not pull `tiny`:",
        ),
        (
            Fault::Stall {
                after_lines: 2,
                for_ms: 30_000,
            },
            vec!["--stall-timeout", "1", "--retries", "0"],
            "ollama-rs: error: could not pull `tiny`: no progress for 1s",
        ),
    ];
    let mut drawn = 0;
    for (fault, extra, want) in cases {
        let server = TestServer::start_empty();
        let what = format!("{fault:?}");
        server.set_fault_for("/api/pull", fault);
        let dir = Dir::new();
        let args: Vec<&str> = ["pull", "tiny"].into_iter().chain(extra).collect();
        let mut p = spawn(&server, dir.path(), &args);
        let output = text(&p.exp_eof().unwrap());
        assert_eq!(exit_code(&p), 1, "{what}: {output:?}");
        // Whatever was drawn is gone, and the cursor is back.
        if output.contains("\x1b[?25l") {
            assert_cursor_restored(&output);
            drawn += 1;
        }
        // One error line (long ones wrap), no bar or status left over.
        let shown = screen(&output).concat();
        assert!(shown.starts_with(want), "{what}: {shown:?}");
        assert_eq!(shown.matches("ollama-rs:").count(), 1, "{what}: {shown:?}");
        assert!(
            !shown.contains('▕') && !shown.contains("pulling"),
            "{what}: {shown:?}"
        );
    }
    assert!(drawn > 0, "no case drew anything to clear");
}

#[test]
fn a_dumb_terminal_gets_plain_lines() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    // Not even NO_COLOR: a dumb terminal is reason enough for plain lines.
    let cmd = Test::new()
        .env_clear()
        .server(&server)
        .env("HOME", dir.path())
        .env("TERM", "dumb")
        .args(&["pull", "tiny"])
        .command();
    let mut p = rexpect::session::spawn_command(cmd, Some(GUARD.as_millis() as u64)).unwrap();
    let output = text(&p.exp_eof().unwrap());
    assert_eq!(exit_code(&p), 0, "{output:?}");
    assert!(!output.contains('\x1b'), "{output:?}");
    assert!(output.starts_with("pulling manifest\r\n"), "{output:?}");
    assert!(output.ends_with("pulled 'tiny'\r\n"), "{output:?}");
}

#[test]
fn batch_draws_one_bar_and_leaves_only_the_summary() {
    let server = TestServer::start();
    // Slow answers, so that the bar is drawn whatever the refresh rate.
    server.set_fault_for("/api/generate", Fault::Delay { ms: 400 });
    let dir = Dir::new();
    let lines: String = (0..8)
        .map(|i| format!("{{\"endpoint\":\"generate\",\"model\":\"tiny\",\"prompt\":\"p{i}\"}}\n"))
        .collect();
    dir.write("in.jsonl", &lines);
    let mut p = spawn(
        &server,
        dir.path(),
        &["batch", "in.jsonl", "-o", "out.jsonl", "-j", "2"],
    );
    let output = text(&p.exp_eof().unwrap());
    assert_eq!(exit_code(&p), 0, "{output:?}");
    let bar = output
        .split(['\r', '\n'])
        .find(|l| l.contains("batch [") && l.contains("/8, "))
        .unwrap_or_else(|| panic!("no bar in {output:?}"));
    assert!(
        bar.contains(" req/s, ") && bar.contains(" errors"),
        "{bar:?}"
    );
    assert_eq!(
        screen(&output),
        ["ollama-rs: batch: 8 requests, 8 succeeded, 0 failed"],
        "{output:?}"
    );
    let results = std::fs::read_to_string(dir.path().join("out.jsonl")).unwrap();
    assert_eq!(results.lines().count(), 8);
}
