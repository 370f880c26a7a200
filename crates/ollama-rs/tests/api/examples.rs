//! The programs of `examples/`, run as a user would run them, against a test server named by
//! `OLLAMA_HOST`: each must succeed, print what it is about, and send what it should.
//!
//! `cargo test` builds the examples next to this test binary (`target/<profile>/examples/`,
//! beside `target/<profile>/deps/`); they are run from there, not rebuilt. A binary that is
//! missing, or older than its source, fails the test with the command to build it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use ollama_test_server::{TestServer, WEB_API_KEY};
use serde_json::json;

/// The longest an example may run (the test server answers in milliseconds).
const EXAMPLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The example binary `name`, which `cargo test` builds.
fn example_path(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/api-<hash> → target/<profile>/examples/<name>
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/<profile>/deps");
    let path = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "the example binary {} is missing: run the tests with `cargo test -p ollama-rs` \
         (which builds the examples), or `cargo build -p ollama-rs --examples` first",
        path.display()
    );
    // `cargo test --test api` alone does not rebuild the examples: refuse an old binary.
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.rs"));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(built), Some(written)) = (modified(&path), modified(&source)) {
        assert!(
            built >= written,
            "the example binary {} is older than {}: run `cargo test -p ollama-rs` \
             or `cargo build -p ollama-rs --examples` first",
            path.display(),
            source.display()
        );
    }
    path
}

/// What an example printed.
struct Output {
    stdout: String,
    stderr: String,
}

/// Reads a pipe to its end on a thread, so that a chatty child never blocks on a full pipe.
fn drain(pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        let mut pipe = pipe;
        pipe.read_to_string(&mut text).ok();
        text
    })
}

/// Runs example `name` with `args` and `env` against `server`, and checks that it succeeds
/// within [`EXAMPLE_TIMEOUT`].
fn run(name: &str, server: &TestServer, args: &[&str], env: &[(&str, &str)]) -> Output {
    let (status, out) = run_status(name, server, args, env);
    assert!(
        status.success(),
        "example {name} failed ({status})\n--- stdout\n{}\n--- stderr\n{}",
        out.stdout,
        out.stderr
    );
    out
}

/// Runs example `name` within [`EXAMPLE_TIMEOUT`], successful or not.
fn run_status(
    name: &str,
    server: &TestServer,
    args: &[&str],
    env: &[(&str, &str)],
) -> (ExitStatus, Output) {
    run_command(name, server, args, env, None)
}

/// Runs example `name` in the folder `dir`.
#[cfg(feature = "mcp")]
fn run_status_in(
    name: &str,
    server: &TestServer,
    args: &[&str],
    dir: &Path,
) -> (ExitStatus, Output) {
    run_command(name, server, args, &[], Some(dir))
}

fn run_command(
    name: &str,
    server: &TestServer,
    args: &[&str],
    env: &[(&str, &str)],
    dir: Option<&Path>,
) -> (ExitStatus, Output) {
    let mut cmd = Command::new(example_path(name));
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd.args(args)
        .env("OLLAMA_HOST", server.url())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Nothing from the environment of the test run may change what the example does.
    for var in [
        "OLLAMA_API_KEY",
        "OLLAMA_MODEL",
        "OLLAMA_VISION_MODEL",
        "OLLAMA_WEB_BASE_URL",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let mut child: Child = cmd.spawn().expect("start the example");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let stderr = drain(child.stderr.take().expect("stderr"));

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the example") {
            break status;
        }
        if start.elapsed() > EXAMPLE_TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            panic!("example {name} still ran after {EXAMPLE_TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let out = Output {
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    };
    (status, out)
}

/// Checks that `out` printed every one of `lines` as a whole line.
#[track_caller]
fn assert_lines(out: &Output, lines: &[&str]) {
    let printed: Vec<&str> = out.stdout.lines().collect();
    for line in lines {
        assert!(
            printed.contains(line),
            "missing line {line:?} in\n{}\n--- stderr\n{}",
            out.stdout,
            out.stderr
        );
    }
}

#[cfg(feature = "blocking")]
#[test]
fn blocking_lists_generates_and_chats() {
    let server = TestServer::start();
    let out = run("blocking", &server, &["tiny"], &[]);
    assert_lines(
        &out,
        &[
            "models:",
            "  tiny:latest",
            "  tiny-tools:latest",
            "generate: echo: Why is the sky blue?",
            "chat: echo: What is Rust?",
        ],
    );
    let chat = server.requests_to("/api/chat");
    assert_eq!(chat.len(), 1);
    assert_eq!(chat[0].json()["model"], "tiny");
    assert_eq!(chat[0].json()["messages"][0]["role"], "system");
}

#[test]
fn streaming_prints_tokens_and_stats() {
    let server = TestServer::start();
    let out = run("streaming", &server, &["tiny", "one two three"], &[]);
    assert_lines(
        &out,
        &[
            "echo: one two three",
            "done reason: stop",
            "characters: 19",
            "tokens: 4",
        ],
    );
    let sent = server.requests_to("/api/generate");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["stream"], true);
}

#[test]
fn model_from_the_environment() {
    let server = TestServer::start();
    let out = run("streaming", &server, &[], &[("OLLAMA_MODEL", "tiny-think")]);
    assert!(out.stdout.contains("echo: Tell me a short story."));
    assert_eq!(
        server.requests_to("/api/generate")[0].json()["model"],
        "tiny-think"
    );
}

#[test]
fn concurrent_chats_answer_in_order() {
    let server = TestServer::start();
    let out = run("concurrent", &server, &["tiny"], &[]);
    assert_lines(
        &out,
        &[
            "Why is the sky blue?",
            "  echo: Why is the sky blue?",
            "Why is the sea salty?",
            "  echo: Why is the sea salty?",
            "Why do cats purr?",
            "  echo: Why do cats purr?",
        ],
    );
    assert_eq!(server.requests_to("/api/chat").len(), 3);
}

#[cfg(feature = "schema")]
#[test]
fn tools_run_both_tools_then_answer() {
    let server = TestServer::start();
    let prompt = r#"call get_weather {"city":"Paris"}; call add {"a":2,"b":3}"#;
    let out = run("tools", &server, &["tiny-tools", prompt], &[]);
    assert_lines(
        &out,
        &[
            r#"call get_weather({"city":"Paris"}) -> sunny in Paris"#,
            r#"call add({"a":2,"b":3}) -> 5"#,
            "answer: echo: sunny in Paris; 5",
        ],
    );
    let chat = server.requests_to("/api/chat");
    assert_eq!(chat.len(), 2, "one round of calls, then the answer");
    let names: Vec<_> = chat[0].json()["tools"]
        .as_array()
        .expect("tools sent")
        .iter()
        .map(|t| t["function"]["name"].clone())
        .collect();
    assert_eq!(names, [json!("get_weather"), json!("add")]);
}

#[cfg(feature = "schema")]
#[test]
fn structured_answer_becomes_the_struct() {
    let server = TestServer::start();
    let out = run("structured", &server, &["tiny", "Canada"], &[]);
    assert_lines(
        &out,
        &[r#"Country { name: "Canada", capital: "Canada", languages: [] }"#],
    );
    let format = &server.requests_to("/api/chat")[0].json()["format"];
    assert_eq!(format["type"], "object");
    assert_eq!(format["required"], json!(["name", "capital", "languages"]));
}

#[test]
fn images_sends_the_file() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("picture.png");
    std::fs::write(&path, b"\x89PNG not really a picture").unwrap();
    let out = run(
        "images",
        &server,
        &[path.to_str().unwrap(), "tiny-vision", "What is this?"],
        &[],
    );
    assert_lines(&out, &["echo: What is this?"]);
    let sent = &server.requests_to("/api/chat")[0].json();
    use base64::Engine as _;
    let expected =
        base64::engine::general_purpose::STANDARD.encode(b"\x89PNG not really a picture");
    assert_eq!(sent["messages"][0]["images"], json!([expected]));
}

#[test]
fn images_fails_on_a_missing_file_without_sending() {
    let server = TestServer::start();
    let (status, out) = run_status(
        "images",
        &server,
        &["/no/such/picture.png", "tiny-vision"],
        &[],
    );
    assert!(!status.success(), "{}", out.stdout);
    assert!(
        out.stderr.contains("/no/such/picture.png"),
        "{}",
        out.stderr
    );
    assert!(server.requests_to("/api/chat").is_empty());
}

#[test]
fn web_search_needs_the_key() {
    let server = TestServer::start();
    let url = server.url();
    let (status, out) = run_status(
        "web_search",
        &server,
        &["rust"],
        &[("OLLAMA_WEB_BASE_URL", &url)],
    );
    assert!(!status.success(), "{}", out.stdout);
    assert!(out.stderr.contains("OLLAMA_API_KEY"), "{}", out.stderr);
    assert!(server.requests_to("/api/web_search").is_empty());
}

#[test]
fn pull_shows_progress_to_success() {
    let server = TestServer::start();
    let out = run("pull", &server, &["tiny"], &[]);
    assert_lines(&out, &["pulling manifest", "success"]);
    assert!(out.stdout.contains("100%"), "{}", out.stdout);
    assert_eq!(server.requests_to("/api/pull")[0].json()["model"], "tiny");
}

#[test]
fn create_from_a_modelfile() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Modelfile");
    std::fs::write(
        &path,
        "FROM tiny\nPARAMETER temperature 0.5\nPARAMETER stop \"<end>\"\nSYSTEM \"\"\"Be brief.\"\"\"\nMESSAGE user Hi\n",
    )
    .unwrap();
    let out = run("create", &server, &[path.to_str().unwrap(), "brief"], &[]);
    assert_lines(&out, &["success", "created brief"]);
    assert!(server.model_names().contains(&"brief:latest".to_string()));
    let sent = server.requests_to("/api/create")[0].json();
    assert_eq!(sent["model"], "brief");
    assert_eq!(sent["from"], "tiny");
    assert_eq!(sent["system"], "Be brief.");
    assert_eq!(
        sent["parameters"],
        json!({"temperature": 0.5, "stop": ["<end>"]})
    );
    assert_eq!(sent["messages"], json!([{"role": "user", "content": "Hi"}]));
}

#[test]
fn web_search_then_fetch() {
    let server = TestServer::start();
    let url = server.url();
    let out = run(
        "web_search",
        &server,
        &["rust"],
        &[
            ("OLLAMA_API_KEY", WEB_API_KEY),
            ("OLLAMA_WEB_BASE_URL", &url),
        ],
    );
    assert!(out.stdout.contains("for rust"), "{}", out.stdout);
    assert!(
        out.stdout.contains("fetched: Page https://example.com/"),
        "{}",
        out.stdout
    );
    assert_lines(&out, &["links: 2"]);
    let search = server.requests_to("/api/web_search");
    assert_eq!(search[0].json(), json!({"query": "rust", "max_results": 3}));
    assert_eq!(
        search[0].header("authorization"),
        Some(format!("Bearer {WEB_API_KEY}").as_str())
    );
    assert_eq!(server.requests_to("/api/web_fetch").len(), 1);
}

#[cfg(feature = "mcp")]
#[test]
fn mcp_runs_a_servers_tools() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("servers.json");
    let binary = crate::mcp::server_binary();
    std::fs::write(
        &config,
        json!({"mcpServers": {"test": {"command": binary, "args": []}}}).to_string(),
    )
    .unwrap();
    let prompt = r#"call echo {"text":"hello"}; call add {"a":2,"b":3}"#;
    let (status, out) = run_status_in(
        "mcp",
        &server,
        &[config.to_str().unwrap(), "tiny-tools", prompt],
        dir.path(),
    );
    assert!(status.success(), "{}\n{}", out.stdout, out.stderr);
    assert_lines(
        &out,
        &[
            "tool echo (test.echo)",
            "call test.echo -> hello",
            "call test.add -> 5",
            "answer: echo: hello; 5",
        ],
    );
    assert!(dir.path().join("mcp-logs").join("test.log").is_file());
}
