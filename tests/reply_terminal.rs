//! One-shot answers on a pseudo-terminal: words wrapped at its width,
//! Ctrl-C's message on a line of its own, and `--markdown` drawn.

use pretty_assertions::assert_eq;
use rexpect::session::PtySession;

use crate::harness::pty::{self, as_read, exit_code, text, Size};
use ollama_test_server::{Fault, TestServer};

const SIZE: Size = Size { rows: 30, cols: 40 };

/// The binary on a 40-column terminal, with `env`; its output and status
/// once it ends.
fn run(server: &TestServer, args: &[&str], env: &[(&str, &str)]) -> (String, i32) {
    let dir = tempfile::tempdir().unwrap();
    let mut p = pty::spawn(server, dir.path(), args, SIZE, env);
    let output = text(&p.exp_eof().unwrap());
    let code = exit_code(&p);
    (output, code)
}

fn screen(output: &str) -> Vec<String> {
    pty::screen(output, SIZE)
}

const WORDS: &str = "alpha beta gamma delta epsilon zeta eta theta iota kappa";

#[test]
fn one_shot_answers_wrap_at_the_terminal_width() {
    let server = TestServer::start();
    for command in ["run", "generate"] {
        let (out, code) = run(&server, &[command, "tiny", WORDS], &[("NO_COLOR", "1")]);
        assert_eq!(code, 0, "{out:?}");
        assert_eq!(
            screen(&out),
            [
                "echo: alpha beta gamma delta epsilon",
                "zeta eta theta iota kappa"
            ],
            "{command}: {out:?}"
        );
    }
    // --nowordwrap: the terminal folds the line where it ends.
    let (out, _) = run(
        &server,
        &["run", "tiny", "--nowordwrap", WORDS],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(
        screen(&out),
        [
            "echo: alpha beta gamma delta epsilon zet",
            "a eta theta iota kappa"
        ]
    );
}

#[test]
fn ctrl_c_mid_answer_puts_the_message_on_its_own_line() {
    let server = TestServer::start();
    for (path, args) in [
        ("/api/chat", ["run", "tiny", WORDS]),
        ("/api/generate", ["generate", "tiny", WORDS]),
    ] {
        server.set_fault_for(path, Fault::SlowLines { every_ms: 400 });
        let dir = tempfile::tempdir().unwrap();
        let mut p: PtySession = pty::spawn(&server, dir.path(), &args, SIZE, &[("NO_COLOR", "1")]);
        let needle = as_read("echo: alpha beta");
        let before = p.exp_string(&needle).unwrap();
        // As typed: the terminal sends SIGINT (and echoes ^C).
        p.send_control('c').unwrap();
        let rest = p.exp_eof().unwrap();
        let out = text(&format!("{before}{needle}{rest}"));
        assert_eq!(exit_code(&p), 130, "{out:?}");
        let rows = screen(&out);
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows[0].starts_with("echo: alpha beta"), "{rows:?}");
        assert_eq!(rows[1], "ollama-rs: interrupted", "{out:?}");
        server.clear_faults();
    }
}

/// A reply with a heading, a list, a table and a code block: the echo
/// model answers `echo: ` and the prompt.
const MARKDOWN: &str = "intro\n# Title\n- item **bold**\n\n| a | b |\n|---|--:|\n| 1 | 22 |\n\n\
                        ```rust\nfn main() {}\n```";

#[test]
fn markdown_is_drawn_on_a_terminal() {
    let server = TestServer::start();
    // Slow lines: the reply arrives token by token, as from a model.
    server.set_fault_for("/api/chat", Fault::SlowLines { every_ms: 5 });
    let grid = [
        "┌───┬────┐",
        "│ a │  b │",
        "├───┼────┤",
        "│ 1 │ 22 │",
        "└───┴────┘",
    ];
    let (out, code) = run(&server, &["run", "tiny", "--markdown", MARKDOWN], &[]);
    assert_eq!(code, 0, "{out:?}");
    let mut want = vec!["echo: intro", "Title", "• item bold", ""];
    want.extend(grid);
    want.extend(["", "```rust", "fn main() {}", "```"]);
    assert_eq!(screen(&out), want, "{out:?}");
    let term = pty::terminal(&out, SIZE);
    let cell = |row, col| term.screen().cell(row, col).unwrap().clone();
    assert!(cell(1, 0).bold(), "the heading");
    assert!(cell(2, 7).bold(), "**bold**");
    assert!(!cell(2, 2).bold(), "item");
    assert_eq!(cell(11, 0).fgcolor(), vt100::Color::Idx(5), "fn");

    // Without colour: the layout, the text as written, no styles.
    for command in ["generate", "chat"] {
        let (out, code) = run(
            &server,
            &[command, "tiny", "--markdown", MARKDOWN],
            &[("NO_COLOR", "1")],
        );
        assert_eq!(code, 0, "{out:?}");
        let mut want = vec!["echo: intro", "# Title", "• item **bold**", ""];
        want.extend(grid);
        want.extend(["", "```rust", "fn main() {}", "```"]);
        assert_eq!(screen(&out), want, "{command}: {out:?}");
        assert!(
            !out.contains("m\u{1b}") && !out.contains("\u{1b}[1m"),
            "{out:?}"
        );
    }
}
