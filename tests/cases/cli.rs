//! Shared set-up for the command-line tests: the binary, run against a test
//! server with a clean environment.

use assert_cmd::Command;

use ollama_test_server::TestServer;

/// `ollama-rs` with a clean environment: no `OLLAMA_HOST`, no API key, no
/// proxies, no certificate settings, `NO_COLOR` set, `HOME` and the data directory in a fresh
/// temporary folder, and stdin empty (not a terminal).
pub fn bare() -> Command {
    let mut cmd = Command::cargo_bin("ollama-rs").expect("the binary is built");
    for var in [
        "OLLAMA_HOST",
        "OLLAMA_API_KEY",
        "OLLAMA_NOHISTORY",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "COMPLETE",
        "CLICOLOR_FORCE",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REQUEST_METHOD",
    ] {
        cmd.env_remove(var);
    }
    let home = test_home();
    cmd.env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .write_stdin("");
    cmd
}

/// The home folder of this test run's commands (made when missing), so
/// that nothing reads or writes the real one.
pub fn test_home() -> std::path::PathBuf {
    let home = std::env::temp_dir().join(format!("ollama-rs-test-home-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    home
}

/// [`bare`] talking to `server`.
pub fn ollama(server: &TestServer) -> Command {
    let mut cmd = bare();
    cmd.env("OLLAMA_HOST", server.url());
    cmd
}

/// A command's stdout as text.
pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// A command's stderr as text.
pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}
