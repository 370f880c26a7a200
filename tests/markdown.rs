//! `--markdown` off a terminal: the answer is the raw text, whatever the
//! colour setting; and its help.

use crate::harness::{ok, Test};
use ollama_test_server::TestServer;

/// A reply with Markdown in it (the echo model answers the prompt).
const MARKDOWN: &str = "# Title\n- item **bold**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n\
                        ```rust\nfn main() {}\n```";

#[test]
fn markdown_on_a_pipe_is_the_raw_text() {
    let server = TestServer::start();
    let want = format!("echo: {MARKDOWN}\n");
    for args in [
        &["run", "tiny", "--markdown", MARKDOWN][..],
        &["chat", "tiny", "--markdown", "-m", MARKDOWN],
        &["generate", "tiny", "--markdown", MARKDOWN],
        &[
            "--color",
            "always",
            "generate",
            "tiny",
            "--markdown",
            MARKDOWN,
        ],
        &["generate", "tiny", "--markdown", "--no-stream", MARKDOWN],
    ] {
        Test::new()
            .server(&server)
            .args(args)
            .stdout(&want)
            .stderr("")
            .run();
    }
}

#[test]
fn help_teaches_markdown_and_nowordwrap() {
    for command in ["chat", "generate"] {
        let help = ok(&Test::new().args(&[command, "--help"]).run());
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            help.contains("--markdown") && help.contains("--nowordwrap"),
            "{help}"
        );
        assert!(
            help.contains(&format!("ollama-rs {command} llama3.2 --markdown '"))
                || help.contains("ollama-rs run llama3.2 --markdown '"),
            "an example: {help}"
        );
        assert!(help.contains("stdout is not a terminal"), "{help}");
    }
}
