//! The global options and the rules every command keeps: `--host` and
//! `OLLAMA_HOST`, `-H` headers, timeouts, an unreachable server, every exit
//! status, colour only when asked for off a terminal, a closed pipe, and
//! the examples and statuses of `--help`.

use std::io::{BufRead, BufReader};

use pretty_assertions::assert_eq;
use serde_json::json;

use crate::harness::models::*;
use crate::harness::{closed_port, ok, status_of, stderr_of, stdout_of, Test};
use ollama_test_server::{Fault, TestServer};

// ---------------------------------------------------------------- global options

#[test]
fn host_from_flag_or_environment_before_or_after_the_subcommand() {
    let server = TestServer::start();
    let port = server.port().to_string();
    let forms = [
        server.url(),
        format!("127.0.0.1:{port}"),
        format!(":{port}"),
        format!("http://localhost:{port}/"),
    ];
    for host in &forms {
        Test::new()
            .args(&["--host", host, "version", "--json"])
            .run();
        Test::new().args(&["version", "--host", host]).run();
        Test::new()
            .env("OLLAMA_HOST", host)
            .args(&["version"])
            .run();
    }
    assert_eq!(server.requests_to("/api/version").len(), 3 * forms.len());
    // The flag wins over the environment.
    Test::new()
        .env("OLLAMA_HOST", format!("127.0.0.1:{}", closed_port()))
        .args(&["list", "--host", &server.url(), "--json"])
        .run();
}

#[test]
fn invalid_host_is_a_usage_error_and_sends_nothing() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["list", "--host", "127.0.0.1:notaport"])
        .status(2).stdout("").stderr("ollama-rs: error: invalid Ollama host `127.0.0.1:notaport`: the port must be a number from 0 to 65535\n")
        .run();
    Test::new()
        .env("OLLAMA_HOST", "exa mple.com")
        .arg("list")
        .status(2).stderr("ollama-rs: error: invalid Ollama host `exa mple.com`: the host name has characters a host cannot have\n")
        .run();
    assert!(server.requests().is_empty());
}

#[test]
fn headers_are_sent_and_malformed_ones_refused() {
    let server = TestServer::start();
    ok(&Test::new()
        .server(&server)
        .args(&["-H", "X-Trace: 1", "list", "--header", "X-Team:blue: green"])
        .output());
    let sent = &server.requests_to("/api/tags")[0];
    assert_eq!(sent.header("x-trace"), Some("1"));
    assert_eq!(sent.header("x-team"), Some("blue: green"));

    for (bad, message) in [
        ("no-colon", "header `no-colon` must look like 'Name: value'"),
        (
            ": value",
            "a -H header has no name before `:`; it must look like 'Name: value'",
        ),
        ("Bad Name: v", "invalid header name `Bad Name`"),
    ] {
        Test::new()
            .server(&server)
            .args(&["list", "-H", bad])
            .status(2)
            .stderr(format!("ollama-rs: error: {message}\n"))
            .run();
    }
    assert_eq!(
        server.requests_to("/api/tags").len(),
        1,
        "nothing more sent"
    );
}

#[test]
fn timeout_ends_a_silent_server_with_status_3() {
    let server = TestServer::start();
    server.set_fault(Fault::NeverAnswer);
    let out = Test::new()
        .server(&server)
        .args(&["list", "--timeout", "1"])
        .status(3)
        .stdout("")
        .run();
    let err = stderr_of(&out);
    assert!(
        err.starts_with(&format!(
            "ollama-rs: error: timed out waiting for Ollama at {}",
            server.url()
        )),
        "{err}"
    );
    assert!(
        err.ends_with(
            "ollama-rs: hint: the server did not answer in time; raise --timeout (or --connect-timeout) to wait longer\n"
        ),
        "{err}"
    );
}

#[test]
fn timeouts_must_be_positive_numbers() {
    let server = TestServer::start();
    for args in [
        ["list", "--timeout", "0"],
        ["list", "--timeout", "soon"],
        ["list", "--connect-timeout=-1", "--json"],
        ["list", "--connect-timeout", "0"],
    ] {
        Test::new()
            .server(&server)
            .args(&args)
            .status(2)
            .stderr_contains("is not a positive number of seconds")
            .run();
    }
    ok(&Test::new()
        .server(&server)
        .args(&["list", "--connect-timeout", "2.5", "--timeout", "30"])
        .output());
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn unreachable_server_is_status_3_with_a_hint() {
    let host = format!("http://127.0.0.1:{}", closed_port());
    let out = Test::new()
        .args(&["list", "--host", &host])
        .status(3)
        .stdout("")
        .run();
    let err = stderr_of(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with(&format!(
            "ollama-rs: error: could not connect to Ollama at {host}: "
        )),
        "{err}"
    );
    assert_eq!(
        lines[1],
        format!(
            "ollama-rs: hint: is `ollama serve` running at {host}? Set OLLAMA_HOST or --host to use another server"
        )
    );
}

#[test]
fn every_exit_status() {
    let server = TestServer::start();
    let fault = |code: u16, msg: &str| Fault::Status {
        code,
        content_type: "application/json; charset=utf-8".into(),
        body: json!({"error": msg}).to_string(),
    };
    // 0
    ok(&Test::new().server(&server).args(&["list"]).output());
    // 2: a bad flag value, nothing sent
    let before = server.requests().len();
    assert_eq!(
        status_of(
            &Test::new()
                .server(&server)
                .args(&["list", "--sort", "colour"])
                .output()
        ),
        2
    );
    assert_eq!(
        status_of(
            &Test::new()
                .server(&server)
                .args(&["list", "--bogus"])
                .output()
        ),
        2
    );
    assert_eq!(server.requests().len(), before);
    // 4
    assert_eq!(
        status_of(&Test::new().server(&server).args(&["show", "nope"]).output()),
        4
    );
    // 1, 5, 5
    for (code, want, message) in [
        (500, 1, "something broke"),
        (401, 5, "unauthorized"),
        (403, 5, "forbidden"),
    ] {
        server.set_fault_for("/api/tags", fault(code, message));
        let out = Test::new().server(&server).args(&["list"]).output();
        assert_eq!(status_of(&out), want, "HTTP {code}");
        assert_eq!(stdout_of(&out), "");
        let err = stderr_of(&out);
        assert!(
            err.starts_with(&format!(
                "ollama-rs: error: {message} (status code: {code})\n"
            )),
            "{err}"
        );
        if want == 5 {
            assert!(err.contains("ollama-rs: hint: the server refused the credentials"));
        }
        server.clear_faults();
    }
    // A 403 with an empty body (a server refusing a non-local Host).
    server.set_fault_for(
        "/api/ps",
        Fault::Status {
            code: 403,
            content_type: String::new(),
            body: String::new(),
        },
    );
    assert_eq!(
        status_of(&Test::new().server(&server).args(&["ps"]).output()),
        5
    );
    server.clear_faults();
    // 3
    Test::new()
        .args(&["ps", "--host", &format!("127.0.0.1:{}", closed_port())])
        .status(3)
        .run();
}

#[test]
fn colour_only_when_asked_for_off_a_terminal() {
    let server = TestServer::start();
    // An error, so that stderr has something to colour.
    let with = |args: &[&str], no_color: Option<&str>| {
        let cmd = Test::new().server(&server);
        let cmd = match no_color {
            Some(v) => cmd.env("NO_COLOR", v),
            None => cmd.env_remove("NO_COLOR"),
        };
        cmd.args(args).output()
    };
    for (args, no_color) in [
        (&["show", "nope"][..], Some("1")),
        (&["show", "nope"][..], None),
        (&["show", "nope", "--color", "auto"][..], None),
        (&["show", "nope", "--color", "never"][..], None),
        (&["--color=never", "show", "nope"][..], Some("")),
    ] {
        let out = with(args, no_color);
        assert_eq!(status_of(&out), 4);
        no_escapes(&stderr_of(&out), &format!("stderr of {args:?}"));
    }
    // --color always wins over NO_COLOR, before or after the subcommand.
    for args in [
        &["show", "nope", "--color", "always"][..],
        &["--color", "always", "show", "nope"][..],
    ] {
        let out = with(args, Some("1"));
        assert!(
            stderr_of(&out).contains("\x1b["),
            "{args:?}: {:?}",
            stderr_of(&out)
        );
    }
    // Data on stdout stays plain, and --json is never coloured.
    for args in [
        &["list", "--color", "always"][..],
        &["show", "tiny", "--color", "always"][..],
        &["ps", "--color", "always"][..],
        &["version", "--json", "--color", "always"][..],
    ] {
        let out = with(args, None);
        assert_eq!(status_of(&out), 0);
        no_escapes(&stdout_of(&out), &format!("stdout of {args:?}"));
    }
    for args in [
        &["list"][..],
        &["show", "tiny", "-v"][..],
        &["version"][..],
        &["cp", "tiny", "t2"][..],
        &["rm", "t2"][..],
    ] {
        let out = with(args, None);
        assert_eq!(status_of(&out), 0);
        no_escapes(&stdout_of(&out), &format!("stdout of {args:?}"));
        no_escapes(&stderr_of(&out), &format!("stderr of {args:?}"));
    }
}

#[test]
fn closed_pipe_ends_quietly() {
    let server = TestServer::start_empty();
    // Enough rows to overflow the pipe, so the command is still writing
    // when the reader goes away.
    let now = unix_now();
    for i in 0..4000 {
        server.add_model(spec(&format!("model-{i:04}"), 1_000_000 + i, now - 60));
    }
    let mut child = Test::new().args(&["list", "--host", &server.url()]).spawn();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("NAME "), "{first:?}");
    // The reader is dropped: the pipe is closed.
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn help_of_each_command_has_an_example() {
    for cmd in ["list", "show", "ps", "cp", "rm", "stop", "version"] {
        let out = Test::new().args(&[cmd, "--help"]).run();
        let help = stdout_of(&out);
        assert!(
            help.contains("Example:\n  ollama-rs ") || help.contains("Examples:\n  ollama-rs "),
            "{cmd} --help:\n{help}"
        );
    }
    // The exit statuses are documented in --help.
    let out = Test::new().arg("--help").output();
    let help = stdout_of(&out);
    for line in [
        "  0    success",
        "  2    invalid command line",
        "  3    the server could not be reached",
        "  4    the model does not exist",
        "  5    authentication or permission refused",
    ] {
        assert!(help.contains(line), "{line}");
    }
}

#[test]
fn the_cli_sees_the_test_server() {
    let server = TestServer::start();
    let out = Test::new().server(&server).arg("version").output();
    assert!(out.status.success());
    assert_eq!(stderr_of(&out), "");
    assert_eq!(
        stdout_of(&out),
        format!(
            "client version: {}\nserver version: 0.32.15\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}
