//! MCP servers as tools: the real `mcp-test-server` (crates/mcp-test-server, built with the
//! official SDK's server side) started as child processes over stdio and as a streamable-HTTP
//! server on 127.0.0.1, in a tool loop against the Ollama test server's tools model.
//!
//! `cargo test` at the root builds `mcp-test-server` next to this test binary; run alone, build
//! it first with `cargo build -p ollama-mcp-test-server`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ollama_rs::mcp::{
    ConnectOptions, McpConfig, McpError, McpTools, ServerConfig, StdioServer, PASSED_VARIABLES,
};
use ollama_rs::{ChatRequest, Message, ToolError, ToolLoop, ToolSet};
use pretty_assertions::assert_eq;
use serde_json::{json, Map, Value};

use ollama_test_server::TestServer;

use crate::support::*;

/// The `mcp-test-server` binary, beside this test binary's folder (`target/<profile>/`).
pub(crate) fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/<profile>/deps");
    let path = profile_dir.join(format!("mcp-test-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p ollama-mcp-test-server` (`cargo test` at the root \
         builds it)",
        path.display()
    );
    path
}

fn stdio(args: &[&str]) -> ServerConfig {
    ServerConfig::Stdio(StdioServer::new(
        server_binary().to_string_lossy(),
        args.iter().copied(),
    ))
}

fn config(servers: &[(&str, ServerConfig)]) -> McpConfig {
    McpConfig {
        servers: servers
            .iter()
            .map(|(n, s)| ((*n).to_string(), s.clone()))
            .collect(),
    }
}

async fn connect(servers: &[(&str, ServerConfig)], logs: &Path) -> McpTools {
    let (tools, errors) =
        McpTools::connect(&config(servers), &ConnectOptions::default().log_dir(logs)).await;
    assert!(errors.is_empty(), "{errors:?}");
    tools
}

fn args(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

#[tokio::test]
async fn a_stdio_server_runs_in_the_tool_loop_with_every_body_sent() {
    let server = TestServer::start();
    let logs = tempfile::tempdir().unwrap();
    let tools = connect(&[("test", stdio(&[]))], logs.path()).await;
    let names: Vec<String> = tools.tools().into_iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        ["add", "big", "crash", "echo", "env", "fail", "picture", "sleep"]
    );
    let c = client(&server);
    let request = ChatRequest::new(
        "tiny-tools",
        [Message::user(
            r#"call echo {"text":"hi"}; call add {"a":2,"b":3}"#,
        )],
    );
    let outcome = ToolLoop::new(&c, &tools).run(request).await.unwrap();
    assert_eq!(outcome.content(), "echo: hi; 5");
    let bodies: Vec<Value> = server
        .requests_to("/api/chat")
        .iter()
        .map(|r| r.json())
        .collect();
    assert_eq!(bodies.len(), 2);
    let add = bodies[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["function"]["name"] == "add")
        .cloned()
        .unwrap();
    assert_eq!(add["type"], "function");
    assert_eq!(add["function"]["description"], "Adds two integers");
    assert_eq!(add["function"]["parameters"]["required"], json!(["a", "b"]));
    assert!(add["function"]["parameters"].get("$schema").is_none());
    let sent = &bodies[1]["messages"];
    assert_eq!(sent[2]["role"], "tool");
    assert_eq!(sent[2]["content"], "hi");
    assert_eq!(sent[2]["tool_name"], "echo");
    assert_eq!(sent[3]["content"], "5");
    let log = std::fs::read_to_string(logs.path().join("test.log")).unwrap();
    assert!(log.contains("mcp-test-server started"), "{log}");
    tools.shutdown().await;
}

/// `mcp-test-server --http` on a free port of 127.0.0.1; its URL.
struct HttpServer {
    child: Child,
    url: String,
}

impl HttpServer {
    fn start() -> HttpServer {
        let mut child = Command::new(server_binary())
            .arg("--http")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mcp-test-server --http");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        HttpServer {
            child,
            url: line.trim().to_string(),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_streamable_http_server_answers_calls() {
    let http = HttpServer::start();
    assert!(http.url.starts_with("http://127.0.0.1:"), "{}", http.url);
    let text = format!(
        r#"{{"mcpServers": {{"web": {{"url": "{}", "headers": {{"X-Test": "1"}}}}}}}}"#,
        http.url
    );
    let config = McpConfig::parse(&text).unwrap();
    let (tools, errors) = McpTools::connect(&config, &ConnectOptions::default()).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        tools.call("add", args(json!({"a": 40, "b": 2}))).await,
        Ok("42".to_string())
    );
    let status = &tools.servers()[0];
    assert_eq!((status.transport, status.running), ("http", true));
    assert_eq!(status.target, http.url);
    tools.shutdown().await;
}

#[tokio::test]
async fn an_https_server_is_reached_with_its_ca_and_refused_without() {
    use ollama_test_server::TlsFront;
    let http = HttpServer::start();
    let url = url::Url::parse(&http.url).unwrap();
    let front = TlsFront::to_port(url.port().unwrap());
    let https = format!("{}{}", front.url(), url.path());
    let text = format!(r#"{{"mcpServers": {{"secure": {{"url": "{https}"}}}}}}"#);
    let config = McpConfig::parse(&text).unwrap();

    let options = ConnectOptions::default().add_root_certificates(front.ca_pem());
    let (tools, errors) = McpTools::connect(&config, &options).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        tools.call("add", args(json!({"a": 1, "b": 2}))).await,
        Ok("3".to_string())
    );
    tools.shutdown().await;

    // The system's CAs do not know the test's: the handshake fails, naming
    // the server.
    let options = ConnectOptions::default().start_timeout(Duration::from_secs(10));
    let (tools, errors) = McpTools::connect(&config, &options).await;
    assert!(tools.servers().is_empty());
    let message = errors[0].to_string();
    assert!(message.contains("secure"), "{message}");
}

#[tokio::test]
async fn clashing_names_get_the_server_and_calls_reach_the_right_one() {
    let logs = tempfile::tempdir().unwrap();
    let mut a = StdioServer::new(server_binary().to_string_lossy(), Vec::<String>::new());
    a.env.insert("WHO".into(), "server a".into());
    let mut b = a.clone();
    b.env.insert("WHO".into(), "server b".into());
    let only = stdio(&["--prefix", "only_"]);
    let tools = connect(
        &[
            ("a", ServerConfig::Stdio(a)),
            ("b", ServerConfig::Stdio(b)),
            ("c", only),
        ],
        logs.path(),
    )
    .await;
    assert_eq!(tools.origin("a__env"), Some(("a", "env")));
    assert_eq!(tools.origin("b__env"), Some(("b", "env")));
    assert_eq!(tools.origin("only_env"), Some(("c", "only_env")));
    assert_eq!(tools.origin("env"), None);
    let who = |name: &'static str| tools.call(name, args(json!({"name": "WHO"})));
    assert_eq!(who("a__env").await, Ok("server a".into()));
    assert_eq!(who("b__env").await, Ok("server b".into()));
    assert_eq!(who("only_env").await, Ok("(unset)".into()));
    assert_eq!(
        tools.call("env", Map::new()).await,
        Err(ToolError::unknown("env"))
    );
    tools.shutdown().await;
}

#[tokio::test]
async fn results_errors_sizes_and_other_content() {
    let logs = tempfile::tempdir().unwrap();
    let tools = connect(&[("t", stdio(&[]))], logs.path())
        .await
        .max_result_bytes(100);
    assert_eq!(
        tools.call("fail", args(json!({"message": "boom"}))).await,
        Err(ToolError::failed("fail", "failure: boom"))
    );
    let big = tools
        .call("big", args(json!({"bytes": 1000})))
        .await
        .unwrap();
    assert_eq!(
        big,
        format!(
            "{}\n[the result was cut: these are the first 100 of its 1000 bytes]",
            "0123456789".repeat(10)
        )
    );
    let picture = tools.call("picture", Map::new()).await.unwrap();
    assert!(picture.starts_with("[image: image/png, "), "{picture}");
    assert!(picture.ends_with(" bytes]\na red dot"), "{picture}");
    // Disabled tools are neither offered nor run.
    assert_eq!(tools.set_enabled("big", false), 1);
    assert!(!tools.definitions().iter().any(|t| t.function.name == "big"));
    assert!(
        !tools
            .tools()
            .iter()
            .find(|t| t.name == "big")
            .unwrap()
            .enabled
    );
    assert_eq!(
        tools.call("big", args(json!({"bytes": 1}))).await,
        Err(ToolError::unknown("big"))
    );
    assert_eq!(tools.set_enabled("t", true), 8);
    assert_eq!(tools.definitions().len(), 8);
    tools.shutdown().await;
}

#[tokio::test]
async fn a_slow_call_is_cancelled_at_the_timeout() {
    let logs = tempfile::tempdir().unwrap();
    let tools = connect(&[("slow", stdio(&[]))], logs.path())
        .await
        .call_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let result = tools.call("sleep", args(json!({"seconds": 20}))).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        result,
        Err(ToolError::failed(
            "sleep",
            "no result within 0.3s: the call was cancelled"
        ))
    );
    // The server was told (`notifications/cancelled`): it dropped the call.
    let log = logs.path().join("slow.log");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("sleep cancelled")
    {
        assert!(Instant::now() < deadline, "the server was not told");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The session goes on.
    assert_eq!(
        tools
            .call("echo", args(json!({"text": "still here"})))
            .await,
        Ok("still here".into())
    );
    tools.shutdown().await;
}

#[tokio::test]
async fn a_server_that_crashes_mid_call_is_the_tools_error() {
    let logs = tempfile::tempdir().unwrap();
    let tools = connect(&[("crashy", stdio(&[]))], logs.path()).await;
    let log = logs.path().join("crashy.log");
    let want = format!(
        "the MCP server \"crashy\" stopped (exited with status 3); its stderr is in {}",
        log.display()
    );
    assert_eq!(
        tools.call("crash", Map::new()).await,
        Err(ToolError::failed("crash", &want))
    );
    assert_eq!(
        tools.call("echo", args(json!({"text": "x"}))).await,
        Err(ToolError::failed("echo", &want))
    );
    let status = &tools.servers()[0];
    assert!(!status.running);
    assert_eq!(status.exit.as_deref(), Some("exited with status 3"));
    assert!(std::fs::read_to_string(&log).unwrap().contains("crashing"));
}

#[tokio::test]
async fn servers_get_only_the_passed_variables_and_their_own() {
    let logs = tempfile::tempdir().unwrap();
    let mut s = StdioServer::new(server_binary().to_string_lossy(), Vec::<String>::new());
    s.env.insert("MY_SETTING".into(), "on".into());
    let tools = connect(&[("env", ServerConfig::Stdio(s))], logs.path()).await;
    let names = tools.call("env", Map::new()).await.unwrap();
    for name in names.split(',').filter(|n| !n.is_empty()) {
        assert!(
            PASSED_VARIABLES.contains(&name) || name.starts_with("LC_") || name == "MY_SETTING",
            "{name} was passed on"
        );
    }
    assert!(names.split(',').any(|n| n == "MY_SETTING"), "{names}");
    assert!(names.split(',').any(|n| n == "PATH"), "{names}");
    tools.shutdown().await;
}

#[tokio::test]
async fn the_servers_that_start_are_kept_and_the_others_said() {
    let logs = tempfile::tempdir().unwrap();
    let config = config(&[
        ("good", stdio(&[])),
        (
            "missing",
            ServerConfig::Stdio(StdioServer::new("no-such-mcp-server-here", ["x"])),
        ),
        (
            "silent",
            ServerConfig::Stdio(StdioServer::new("sh", ["-c", "echo bye >&2; exit 7"])),
        ),
    ]);
    let options = ConnectOptions::default().log_dir(logs.path());
    let (tools, errors) = McpTools::connect(&config, &options).await;
    assert_eq!(tools.servers().len(), 1);
    assert_eq!(tools.tools().len(), 8);
    assert_eq!(errors.len(), 2);
    assert_eq!(
        errors[0],
        McpError::Start {
            server: "missing".into(),
            command: "no-such-mcp-server-here x".into(),
            message: "command `no-such-mcp-server-here` not found".into(),
        }
    );
    assert_eq!(errors[1].server(), "silent");
    let text = errors[1].to_string();
    assert!(
        text.starts_with(
            "MCP server \"silent\" (`sh -c echo bye >&2; exit 7`) did not finish the MCP handshake: "
        ),
        "{text}"
    );
    let log = logs.path().join("silent.log");
    assert!(text.contains("(it exited with status 7)"), "{text}");
    assert!(
        text.ends_with(&format!("; its stderr is in {}", log.display())),
        "{text}"
    );
    assert!(std::fs::read_to_string(&log).unwrap().contains("bye"));
    tools.shutdown().await;
}
