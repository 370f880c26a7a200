//! The spinner of one-shot `generate` and `chat`: drawn on stderr while the
//! answer is awaited when stderr is a terminal, gone before the first
//! token; nothing of it ever reaches a pipe or a file.

use crate::harness::{bin, Test, GUARD};
use ollama_test_server::{Fault, TestServer};

/// The frames of the spinner.
const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

#[cfg(unix)]
mod terminal {
    use super::*;
    use rexpect::process::WaitStatus;

    const ROWS: u16 = 30;
    const COLS: u16 = 100;

    /// Runs the binary on a pseudo-terminal that can draw; its status and
    /// everything it wrote.
    fn run(server: &TestServer, args: &[&str]) -> (i32, String) {
        let cmd = Test::program("sh")
            .server(server)
            .env("TERM", "xterm")
            .arg("-c")
            .arg(format!(
                "stty cols {COLS} rows {ROWS} && exec \"$0\" \"$@\""
            ))
            .arg(bin())
            .args(args)
            .command();
        let mut p = rexpect::session::spawn_command(cmd, Some(GUARD.as_millis() as u64))
            .expect("spawn on a pty");
        let read = p.exp_eof().expect("the program ends");
        // rexpect hands over each byte as one `char`.
        let bytes: Vec<u8> = read.chars().map(|c| c as u32 as u8).collect();
        let code = match p.process().wait().expect("wait") {
            WaitStatus::Exited(_, code) => code,
            other => panic!("{other:?}"),
        };
        (code, String::from_utf8(bytes).expect("UTF-8"))
    }

    /// What a terminal shows after `output`, trailing blanks removed.
    fn screen(output: &str) -> Vec<String> {
        crate::harness::pty::screen(
            output,
            crate::harness::pty::Size {
                rows: ROWS,
                cols: COLS,
            },
        )
    }

    /// Checks that the spinner was drawn, and gone before `first`.
    fn spun_before(output: &str, first: &str) {
        let at = output
            .find(first)
            .unwrap_or_else(|| panic!("no {first:?} in {output:?}"));
        assert!(output[..at].contains(FRAMES), "no spinner: {output:?}");
        assert!(!output[at..].contains(FRAMES), "drawn after: {output:?}");
    }

    #[test]
    fn generate_and_chat_spin_until_the_first_token() {
        for (path, args) in [
            ("/api/generate", vec!["generate", "tiny", "hi"]),
            (
                "/api/generate",
                vec!["generate", "tiny", "hi", "--no-stream"],
            ),
            ("/api/chat", vec!["run", "tiny", "hi"]),
            ("/api/chat", vec!["chat", "tiny", "-m", "hi", "--no-stream"]),
        ] {
            let server = TestServer::start();
            // Long enough for frames to be drawn on a loaded machine.
            server.set_fault_for(path, Fault::Delay { ms: 1_000 });
            let (code, output) = run(&server, &args);
            assert_eq!(code, 0, "{args:?}: {output:?}");
            spun_before(&output, "echo: hi");
            assert_eq!(screen(&output), ["echo: hi"], "{args:?}: {output:?}");
        }
    }

    #[test]
    fn hidden_thinking_keeps_it_turning_and_a_failure_clears_it() {
        let server = TestServer::start();
        server.set_fault_for("/api/generate", Fault::SlowLines { every_ms: 150 });
        let (code, output) = run(
            &server,
            &["generate", "tiny-think", "hi", "--hide-thinking"],
        );
        assert_eq!(code, 0, "{output:?}");
        spun_before(&output, "echo: hi");
        assert_eq!(screen(&output), ["echo: hi"]);

        let server = TestServer::start();
        server.set_fault_for("/api/chat", Fault::Delay { ms: 1_000 });
        let (code, output) = run(&server, &["run", "nope", "hi", "--no-pull"]);
        assert_eq!(code, 4, "{output:?}");
        spun_before(&output, "ollama-rs: error:");
        let shown = screen(&output);
        assert!(
            shown[0].starts_with("ollama-rs: error: could not chat with `nope`"),
            "{shown:?}"
        );
    }

    #[test]
    fn a_chat_with_tools_spins_while_each_answer_is_awaited() {
        let server = TestServer::start();
        server.set_fault_for("/api/chat", Fault::Delay { ms: 1_000 });
        let mcp = crate::harness::mcp_server().display().to_string();
        let (code, output) = run(
            &server,
            &[
                "chat",
                "tiny-tools",
                "--mcp-server",
                &mcp,
                "--allow-all",
                "-m",
                r#"call add {"a":1,"b":2}"#,
            ],
        );
        assert_eq!(code, 0, "{output:?}");
        // Before the call, and again while the answer to its result is
        // awaited; never after the answer.
        let call = output.find("[tool] ").expect("a call line");
        assert!(output[..call].contains(FRAMES), "no spinner: {output:?}");
        let result = output.find("[result] ").expect("a result line");
        assert!(!output[call..result].contains(FRAMES), "{output:?}");
        spun_before(&output[result..], "echo: 3");
        assert_eq!(screen(&output).last().unwrap(), "echo: 3");
    }

    #[test]
    fn a_load_spins_until_it_is_done() {
        let server = TestServer::start();
        server.set_fault_for("/api/generate", Fault::Delay { ms: 1_000 });
        let (code, output) = run(&server, &["generate", "tiny", ""]);
        assert_eq!(code, 0, "{output:?}");
        spun_before(&output, "loaded 'tiny'");
        assert_eq!(screen(&output), ["loaded 'tiny'"]);
    }

    #[test]
    fn json_and_a_dumb_terminal_get_no_spinner() {
        let server = TestServer::start();
        server.set_fault_for("/api/generate", Fault::Delay { ms: 500 });
        let (code, output) = run(
            &server,
            &["generate", "tiny", "hi", "--json", "--no-stream"],
        );
        assert_eq!(code, 0);
        assert!(!output.contains(FRAMES), "{output:?}");

        let cmd = Test::new()
            .server(&server)
            .args(&["generate", "tiny", "hi"])
            .command();
        let mut p = rexpect::session::spawn_command(cmd, Some(GUARD.as_millis() as u64))
            .expect("spawn on a pty");
        let read = p.exp_eof().expect("the program ends");
        let bytes: Vec<u8> = read.chars().map(|c| c as u32 as u8).collect();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "echo: hi\r\n",
            "TERM=dumb"
        );
    }
}

#[test]
fn nothing_of_the_spinner_goes_to_a_pipe() {
    let server = TestServer::start();
    server.set_fault_for("/api/generate", Fault::Delay { ms: 500 });
    server.set_fault_for("/api/chat", Fault::Delay { ms: 500 });
    for args in [
        &["generate", "tiny", "hi"][..],
        &["generate", "tiny", "hi", "--no-stream"],
        &["run", "tiny", "hi"],
        &["chat", "tiny", "-m", "hi", "--no-stream"],
    ] {
        // TERM=xterm and colour allowed: only the pipe keeps it away.
        Test::new()
            .server(&server)
            .env("TERM", "xterm")
            .env_remove("NO_COLOR")
            .args(args)
            .stdout("echo: hi\n")
            .stderr("")
            .run();
    }
    Test::new()
        .server(&server)
        .env("TERM", "xterm")
        .args(&["generate", "tiny", ""])
        .stdout("")
        .stderr("loaded 'tiny'\n")
        .run();
}
