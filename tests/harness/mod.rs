//! The one harness of the command-line tests: [`Test`], a builder that runs
//! `ollama-rs` with a clean environment (optionally against a test server),
//! checks what it was told to expect and returns the output for further
//! checks; the helpers for output text; [`skip`] for tests the machine
//! cannot run; in [`process`], the children watched while they run; and,
//! in `pty`, the binary on a pseudo-terminal and the screen it leaves.

pub mod models;
pub mod process;
#[cfg(unix)]
pub mod pty;
pub mod transfer;

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output};
use std::time::Duration;

use ollama_test_server::TestServer;

pub use process::Running;

/// Hang guard of every run: far above what any of them needs, so that a
/// hang fails the test instead of blocking the suite, and a loaded machine
/// never does.
pub const GUARD: Duration = Duration::from_secs(60);

/// Variables the clean environment removes: where the server is, the
/// credentials, proxies, certificates, history and completion switches.
pub const REMOVED_VARS: [&str; 17] = [
    "OLLAMA_HOST",
    "OLLAMA_HOSTS",
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
];

/// What a stream (stdout or stderr) must be.
#[derive(Debug, Clone)]
enum Want {
    Exact(String),
    Contains(Vec<String>),
}

impl Want {
    fn check(&self, name: &str, got: &str, context: &str) {
        match self {
            Want::Exact(want) => {
                pretty_assertions::assert_eq!(got, want.as_str(), "{name} of {context}");
            }
            Want::Contains(parts) => {
                for part in parts {
                    assert!(
                        got.contains(part.as_str()),
                        "{name} of {context} lacks {part:?}:\n{got}"
                    );
                }
            }
        }
    }

    fn add(slot: &mut Option<Want>, part: String) {
        match slot {
            Some(Want::Contains(parts)) => parts.push(part),
            _ => *slot = Some(Want::Contains(vec![part])),
        }
    }
}

/// One run of `ollama-rs`, built up and then [`run`](Test::run) (checks)
/// or [`output`](Test::output) (no checks).
///
/// ```ignore
/// let out = Test::new()
///     .server(&server)
///     .args(&["generate", "tiny", "hi"])
///     .stdout("…\n")
///     .stderr("")
///     .run(); // status 0 unless `.status(n)`
/// ```
///
/// The environment is clean: the variables of [`REMOVED_VARS`] are gone,
/// `NO_COLOR=1`, `TERM=dumb`, `HOME` and the data directory in this test
/// run's own folder ([`test_home`]), and stdin is empty (not a terminal).
pub struct Test {
    cmd: StdCommand,
    stdin: Vec<u8>,
    timeout: Duration,
    stdout: Option<Want>,
    stderr: Option<Want>,
    status: Option<i32>,
}

impl Default for Test {
    fn default() -> Self {
        Test::new()
    }
}

impl Test {
    /// The binary with a clean environment, talking to no server.
    pub fn new() -> Test {
        Test::program(bin())
    }

    /// `program` (such as `unshare`) with the clean environment of [`Test::new`].
    pub fn program(program: impl AsRef<OsStr>) -> Test {
        let mut cmd = StdCommand::new(program);
        for var in REMOVED_VARS {
            cmd.env_remove(var);
        }
        let home = test_home();
        cmd.env("HOME", &home)
            .env("XDG_DATA_HOME", home.join("data"))
            .env("NO_COLOR", "1")
            .env("TERM", "dumb");
        Test {
            cmd,
            stdin: Vec::new(),
            timeout: GUARD,
            stdout: None,
            stderr: None,
            status: None,
        }
    }

    /// Talks to `server` (`OLLAMA_HOST`).
    pub fn server(self, server: &TestServer) -> Test {
        self.env("OLLAMA_HOST", server.url())
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Test {
        self.cmd.arg(arg);
        self
    }

    pub fn args(mut self, args: &[&str]) -> Test {
        self.cmd.args(args);
        self
    }

    /// [`args`](Test::args) from any list (owned strings, paths).
    pub fn args_from<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// What the command reads on stdin (empty unless given).
    pub fn stdin(mut self, stdin: impl Into<Vec<u8>>) -> Test {
        self.stdin = stdin.into();
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Test {
        self.cmd.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Test {
        self.cmd.env_remove(key);
        self
    }

    /// Starts from an empty environment: every variable set so far too.
    pub fn env_clear(mut self) -> Test {
        self.cmd.env_clear();
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Test {
        self.cmd.current_dir(dir);
        self
    }

    /// The hang guard (default [`GUARD`]).
    #[allow(dead_code)] // Every test so far does with the default.
    pub fn timeout(mut self, timeout: Duration) -> Test {
        self.timeout = timeout;
        self
    }

    /// Stdout must be exactly `text`.
    pub fn stdout(mut self, text: impl AsRef<str>) -> Test {
        self.stdout = Some(Want::Exact(text.as_ref().to_string()));
        self
    }

    /// Stdout must contain `part` (may be given several times).
    #[allow(dead_code)] // The pair of `stderr_contains`.
    pub fn stdout_contains(mut self, part: impl Into<String>) -> Test {
        Want::add(&mut self.stdout, part.into());
        self
    }

    /// Stderr must be exactly `text`.
    pub fn stderr(mut self, text: impl AsRef<str>) -> Test {
        self.stderr = Some(Want::Exact(text.as_ref().to_string()));
        self
    }

    /// Stderr must contain `part` (may be given several times).
    pub fn stderr_contains(mut self, part: impl Into<String>) -> Test {
        Want::add(&mut self.stderr, part.into());
        self
    }

    /// The exit status [`run`](Test::run) expects (0 unless given).
    pub fn status(mut self, status: i32) -> Test {
        self.status = Some(status);
        self
    }

    /// The command as it stands, for a test that runs it another way.
    pub fn command(self) -> StdCommand {
        self.cmd
    }

    /// Runs the command (killed past the hang guard) and returns its
    /// output, checking nothing.
    pub fn output(self) -> Output {
        let mut cmd = assert_cmd::Command::from_std(self.cmd);
        cmd.write_stdin(self.stdin).timeout(self.timeout);
        cmd.output().expect("the command runs")
    }

    /// Runs the command and checks the status (0 unless [`status`](Test::status)
    /// says otherwise), no panic, and the stdout and stderr asked for;
    /// returns the output for further checks.
    pub fn run(self) -> Output {
        let context = format!("{:?}", self.cmd);
        let (want_out, want_err, want_status) =
            (self.stdout.clone(), self.stderr.clone(), self.status);
        let out = self.output();
        let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
        let context = format!("{context}\n--- stdout:\n{stdout}\n--- stderr:\n{stderr}");
        assert_eq!(
            out.status.code(),
            Some(want_status.unwrap_or(0)),
            "status of {context}"
        );
        assert!(!stderr.contains("panicked"), "a panic: {context}");
        if let Some(want) = want_out {
            want.check("stdout", &stdout, &context);
        }
        if let Some(want) = want_err {
            want.check("stderr", &stderr, &context);
        }
        out
    }

    /// Starts the command with stdin closed and stdout and stderr piped.
    pub fn spawn(self) -> std::process::Child {
        process::spawn(self.cmd)
    }
}

/// The binary under test.
pub fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ollama-rs")
}

/// The `mcp-test-server` binary (crates/mcp-test-server), which `cargo test`
/// builds beside this test binary's folder (`target/<profile>/`).
pub fn mcp_server() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/<profile>/deps");
    let path = dir.join(format!("mcp-test-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p ollama-mcp-test-server` (`cargo test` at the \
         root builds it)",
        path.display()
    );
    path
}

/// The home folder of this test run's commands (made when missing), so
/// that nothing reads or writes the real one.
pub fn test_home() -> PathBuf {
    let home = std::env::temp_dir().join(format!("ollama-rs-test-home-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&home);
    home
}

/// A command's stdout as text.
pub fn stdout_of(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

/// A command's stderr as text.
pub fn stderr_of(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("stderr is UTF-8")
}

/// A command's exit status; a command killed by a signal fails the test.
pub fn status_of(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

/// Owned pairs, to compare with (role, content) or (tool, result) lists.
pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

/// Asserts status 0 and an empty stderr; returns stdout.
pub fn ok(out: &Output) -> String {
    assert_eq!(stderr_of(out), "", "stderr");
    assert_eq!(status_of(out), 0, "status; stdout: {}", stdout_of(out));
    stdout_of(out)
}

/// Nothing was sent to `server`.
pub fn assert_nothing_sent(server: &TestServer) {
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.is_empty(), "requests were sent: {paths:?}");
}

/// A port of 127.0.0.1 on which a connection is refused, for as long as the
/// test process runs: a socket is bound to it and never listens, and is
/// kept open, so no server started meanwhile (by this or a parallel test)
/// can take the port.
pub fn closed_port() -> u16 {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&any.into()).expect("bind");
    let port = socket
        .local_addr()
        .expect("address")
        .as_socket()
        .expect("an IP address")
        .port();
    // Bound, not listening: connecting is refused; never closed.
    std::mem::forget(socket);
    port
}

/// Whether `CI` is set (CI runs with `CI=true`, as root, where every test
/// must be able to run).
fn on_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Says that the running test cannot test what it should here, because of
/// `reason`: with `CI` set this fails the test; otherwise it prints a loud
/// `SKIPPED: <test>: <reason>` on stderr. The caller then returns or leaves
/// the case out.
pub fn skip(reason: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("(unnamed test)");
    let line = skipped(on_ci(), test, reason);
    // Straight to the process's stderr: the test harness captures what
    // `eprintln!` prints, and shows it only for a test that fails.
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The line [`skip`] prints for `test`; a panic instead when `ci`.
fn skipped(ci: bool, test: &str, reason: &str) -> String {
    assert!(!ci, "{test} cannot run here although CI is set: {reason}");
    format!("SKIPPED: {test}: {reason}")
}

#[test]
fn a_skip_is_loud_off_ci() {
    assert_eq!(
        skipped(false, "faults::x", "no unshare"),
        "SKIPPED: faults::x: no unshare"
    );
}

#[test]
#[should_panic(expected = "faults::x cannot run here although CI is set: no unshare")]
fn a_skip_fails_on_ci() {
    skipped(true, "faults::x", "no unshare");
}

/// Whether `unshare ARGS true` works here (so that a test can run its
/// command in a namespace); [`skip`]s when it does not. As root it must.
pub fn can_unshare(args: &[&str]) -> bool {
    let works = StdCommand::new("unshare")
        .args(args)
        .arg("true")
        .output()
        .is_ok_and(|o| o.status.success());
    let root = StdCommand::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    assert!(works || !root, "`unshare {}` fails as root", args.join(" "));
    if !works {
        skip(&format!("`unshare {}` does not work here", args.join(" ")));
    }
    works
}

/// The JSON body of the only request to `path`.
pub fn body(server: &TestServer, path: &str) -> serde_json::Value {
    let requests = server.requests_to(path);
    assert_eq!(requests.len(), 1, "one request to {path}");
    requests[0].json()
}

/// A usage error: `test` run against `server` ends with status 2, one error
/// line, no output, and sends no request.
pub fn assert_usage(server: &TestServer, test: Test, message: &str) {
    test.server(server)
        .status(2)
        .stdout("")
        .stderr(format!("ollama-rs: error: {message}\n"))
        .run();
    assert_nothing_sent(server);
}

/// A usage error whose one line starts with `prefix` (the rest quotes
/// what another layer said): status 2, no output, no request.
pub fn assert_usage_starting(server: &TestServer, test: Test, prefix: &str) {
    let out = test.server(server).status(2).stdout("").run();
    let stderr = stderr_of(&out);
    assert!(stderr.starts_with(prefix), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_nothing_sent(server);
}

/// No escape code on stdout or stderr.
pub fn assert_no_escape(out: &Output) {
    assert!(!out.stdout.contains(&0x1b), "escape code on stdout");
    assert!(!out.stderr.contains(&0x1b), "escape code on stderr");
}

/// `bytes` in standard base64.
pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What the test server's statistics look like for `prompt_eval_count` P and
/// `eval_count` E (0.1 ms per prompt token, 1 ms per generated token, 1 ms
/// load, 0.5 ms overhead), printed as `ollama run --verbose` prints them.
pub fn stats(
    total: &str,
    prompt_count: u32,
    prompt_duration: &str,
    count: u32,
    duration: &str,
) -> String {
    format!(
        "total duration:       {total}\n\
         load duration:        1ms\n\
         prompt eval count:    {prompt_count} token(s)\n\
         prompt eval duration: {prompt_duration}\n\
         prompt eval rate:     10000.00 tokens/s\n\
         eval count:           {count} token(s)\n\
         eval duration:        {duration}\n\
         eval rate:            1000.00 tokens/s\n"
    )
}

/// Runs `cmd` (the binary) under `strace -f -e trace=SYSCALLS`, and returns
/// its output and the trace; `None` (a skip, which fails under CI) when
/// strace is not installed (CI installs it).
pub fn traced(cmd: Test, syscalls: &str) -> Option<(Output, String)> {
    if StdCommand::new("strace").arg("-V").output().is_err() {
        skip("strace is not installed");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace");
    let inner = cmd.command();
    let mut strace = Test::program("strace")
        .args(&["-f", "-qq", "-e", &format!("trace={syscalls}"), "-o"])
        .arg(&trace)
        .arg(inner.get_program());
    for a in inner.get_args() {
        strace = strace.arg(a);
    }
    for (k, v) in inner.get_envs() {
        strace = match v {
            Some(v) => strace.env(k, v),
            None => strace.env_remove(k),
        };
    }
    let out = strace.output();
    Some((out, std::fs::read_to_string(&trace).unwrap()))
}
