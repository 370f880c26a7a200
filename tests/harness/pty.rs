//! The binary on a pseudo-terminal of a given size, and what such a
//! terminal shows after its output (through vt100).

use std::path::Path;

use ollama_test_server::TestServer;
use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

use super::{bin, Test, GUARD};

/// A terminal's size.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    /// Rows.
    pub rows: u16,
    /// Columns.
    pub cols: u16,
}

/// The binary with `args` on a pseudo-terminal of `size` that can draw
/// (`TERM=xterm`), in `dir` (also its home), against `server`, with a
/// clean environment plus `env`.
pub fn spawn(
    server: &TestServer,
    dir: &Path,
    args: &[&str],
    size: Size,
    env: &[(&str, &str)],
) -> PtySession {
    let mut test = Test::program("sh")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .server(server)
        .env("HOME", dir)
        .env("TERM", "xterm")
        .current_dir(dir);
    for (k, v) in env {
        test = test.env(k, v);
    }
    let cmd = test
        .arg("-c")
        .arg(format!(
            "stty cols {} rows {} && exec \"$0\" \"$@\"",
            size.cols, size.rows
        ))
        .arg(bin())
        .args(args)
        .command();
    rexpect::session::spawn_command(cmd, Some(GUARD.as_millis() as u64)).expect("spawn on a pty")
}

/// rexpect hands over each byte as one `char`: the text as written.
pub fn text(read: &str) -> String {
    let bytes: Vec<u8> = read.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(bytes).expect("the output is UTF-8")
}

/// `needle` as rexpect sees it (each byte one `char`).
pub fn as_read(needle: &str) -> String {
    needle.bytes().map(char::from).collect()
}

/// A terminal of `size` after `output`.
pub fn terminal(output: &str, size: Size) -> vt100::Parser {
    let mut parser = vt100::Parser::new(size.rows, size.cols, 0);
    parser.process(output.as_bytes());
    parser
}

/// What a terminal of `size` shows after `output`, trailing blanks removed.
pub fn screen(output: &str, size: Size) -> Vec<String> {
    let parser = terminal(output, size);
    let mut rows: Vec<String> = parser
        .screen()
        .rows(0, size.cols)
        .map(|r| r.trim_end().to_string())
        .collect();
    while rows.last().is_some_and(String::is_empty) {
        rows.pop();
    }
    rows
}

/// The exit status of a program that ended normally.
pub fn exit_code(p: &PtySession) -> i32 {
    match p.process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("{other:?}"),
    }
}
