//! `chat` with MCP servers, off a terminal: the real `mcp-test-server` (crates/mcp-test-server)
//! started over stdio and over streamable HTTP, the test server's `tiny-tools` model calling its
//! tools as the user message says (`call echo {"text":"hi"}; call add {...}`), every request body
//! checked.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use crate::harness::{assert_nothing_sent, mcp_server, pairs, stderr_of, stdout_of, Test};
use ollama_test_server::{TestServer, WEB_API_KEY};

/// `--mcp-server` for the test MCP server (named `mcp-test-server`).
fn server_flag() -> String {
    mcp_server().display().to_string()
}

/// `chat tiny-tools --mcp-server <test server> -m MESSAGE` and `more` flags.
fn chat(server: &TestServer, message: &str, more: &[&str]) -> Test {
    Test::new()
        .server(server)
        .args(&["chat", "tiny-tools", "--mcp-server"])
        .arg(server_flag())
        .args(&["-m", message])
        .args(more)
}

/// The bodies of every `/api/chat` request.
fn bodies(server: &TestServer) -> Vec<Value> {
    server
        .requests_to("/api/chat")
        .iter()
        .map(|r| r.json())
        .collect()
}

/// The tool messages of a request: (name, content).
fn tool_messages(body: &Value) -> Vec<(String, String)> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            (
                m["tool_name"].as_str().unwrap_or_default().to_string(),
                m["content"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const TWO_CALLS: &str = r#"call echo {"text":"hi"}; call add {"a":2,"b":3}"#;

#[test]
fn calls_run_with_allow_all_and_every_body_is_sent() {
    let server = TestServer::start();
    let out = chat(&server, TWO_CALLS, &["--allow-all"])
        .stdout("echo: hi; 5\n")
        .run();
    assert_eq!(
        stderr_of(&out)
            .lines()
            .map(|l| l.split(" (").next().unwrap())
            .collect::<Vec<_>>(),
        [
            r#"[tool] mcp-test-server.echo {"text":"hi"}"#,
            "[result] hi",
            r#"[tool] mcp-test-server.add {"a":2,"b":3}"#,
            "[result] 5",
        ]
    );
    let sent = bodies(&server);
    assert_eq!(sent.len(), 2);
    let names: Vec<&str> = sent[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["add", "big", "crash", "echo", "env", "fail", "picture", "sleep"]
    );
    assert_eq!(
        sent[0]["messages"],
        json!([{"role": "user", "content": TWO_CALLS}])
    );
    let answer = &sent[1]["messages"][1];
    assert_eq!(answer["role"], "assistant");
    assert_eq!(answer["tool_calls"][0]["function"]["name"], "echo");
    assert_eq!(
        tool_messages(&sent[1]),
        pairs(&[("echo", "hi"), ("add", "5")])
    );
    assert_eq!(
        sent[1]["messages"][2]["tool_call_id"],
        answer["tool_calls"][0]["id"]
    );
}

#[test]
fn off_a_terminal_calls_that_are_not_allowed_are_refused() {
    let server = TestServer::start();
    let out = chat(&server, TWO_CALLS, &[])
        .stdout("echo: the user declined this tool call; the user declined this tool call\n")
        .run();
    let stderr = stderr_of(&out);
    assert_eq!(
        stderr,
        "[tool] mcp-test-server.echo {\"text\":\"hi\"}\n\
         ollama-rs: warning: refused the call of mcp-test-server.echo: no terminal to ask on; \
         allow it with --allow mcp-test-server.echo (or --allow-all)\n\
         [tool] mcp-test-server.add {\"a\":2,\"b\":3}\n\
         ollama-rs: warning: refused the call of mcp-test-server.add: no terminal to ask on; \
         allow it with --allow mcp-test-server.add (or --allow-all)\n"
    );
    assert_eq!(
        tool_messages(&bodies(&server)[1]),
        pairs(&[
            ("echo", "the user declined this tool call"),
            ("add", "the user declined this tool call")
        ])
    );
}

#[test]
fn allow_names_a_tool_or_every_tool_of_a_server() {
    let server = TestServer::start();
    chat(&server, TWO_CALLS, &["--allow", "mcp-test-server.add"])
        .stdout("echo: the user declined this tool call; 5\n")
        .stderr_contains("refused the call of mcp-test-server.echo")
        .run();
    let server = TestServer::start();
    chat(&server, TWO_CALLS, &["--allow", "mcp-test-server.*"])
        .stdout("echo: hi; 5\n")
        .run();
    let server = TestServer::start();
    chat(&server, TWO_CALLS, &["--allow", "echo", "--allow", "add"])
        .stdout("echo: hi; 5\n")
        .run();
}

#[test]
fn piped_stdin_runs_the_same_loop() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny-tools", "--allow-all", "--mcp-server"])
        .arg(server_flag())
        .stdin(r#"call echo {"text":"piped"}"#)
        .stdout("echo: piped\n")
        .run();
}

#[test]
fn json_prints_the_chunks_and_an_event_per_call() {
    let server = TestServer::start();
    let out = chat(
        &server,
        r#"call echo {"text":"hi"}; call fail {"message":"boom"}"#,
        &["--allow", "mcp-test-server.echo", "--json"],
    )
    .run();
    let lines: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let events: Vec<&Value> = lines
        .iter()
        .filter(|v| v.get("tool_call").is_some() || v.get("tool_result").is_some())
        .collect();
    assert_eq!(events.len(), 4, "{lines:?}");
    let call = &events[0]["tool_call"];
    assert_eq!(call["server"], "mcp-test-server");
    assert_eq!(call["tool"], "echo");
    assert_eq!(call["name"], "echo");
    assert_eq!(call["round"], 1);
    assert_eq!(call["arguments"], json!({"text": "hi"}));
    assert!(call["id"].as_str().unwrap().starts_with("call_"));
    let done = &events[1]["tool_result"];
    assert_eq!(done["result"], "hi");
    assert_eq!(done["error"], Value::Null);
    assert_eq!(done["declined"], false);
    assert!(done["duration_ms"].as_f64().unwrap() >= 0.0);
    // Not allowed: refused, with an event all the same.
    assert_eq!(events[2]["tool_call"]["tool"], "fail");
    let refused = &events[3]["tool_result"];
    assert_eq!(refused["declined"], true);
    assert_eq!(refused["result"], Value::Null);
    assert_eq!(refused["error"], "the user declined this tool call");
    // The server's chunks, as sent, around the events; the last is done.
    assert!(lines[0].get("model").is_some());
    assert_eq!(lines.last().unwrap()["done"], true);
    let text: String = lines
        .iter()
        .filter_map(|v| v["message"]["content"].as_str())
        .collect();
    assert_eq!(text, "echo: hi; the user declined this tool call");
}

#[test]
fn errors_of_tools_go_to_the_model_and_the_chat_goes_on() {
    let server = TestServer::start();
    let out = chat(
        &server,
        r#"call fail {"message":"boom"}; call echo {"text":"after"}"#,
        &["--allow-all"],
    )
    .stdout("echo: error: tool \"fail\" failed: failure: boom; after\n")
    .run();
    assert!(
        stderr_of(&out).contains("[error] tool \"fail\" failed: failure: boom ("),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn the_round_limit_stops_a_model_that_keeps_calling() {
    let server = TestServer::start();
    chat(
        &server,
        r#"always call echo {"text":"again"}"#,
        &["--allow-all", "--max-tool-rounds", "3"],
    )
    .stdout("")
    .stderr_contains(
        "ollama-rs: warning: stopped after 3 requests: the model still asks for tools \
         (raise --max-tool-rounds)\n",
    )
    .run();
    let sent = bodies(&server);
    assert_eq!(sent.len(), 3);
    assert_eq!(tool_messages(&sent[2]).len(), 2);
}

#[test]
fn a_slow_call_is_cancelled_at_the_timeout_and_the_server_told() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let started = Instant::now();
    chat(
        &server,
        r#"call sleep {"seconds":30}"#,
        &["--allow-all", "--tool-timeout", "0.5"],
    )
    .env("XDG_DATA_HOME", data.path())
    .stdout("echo: error: tool \"sleep\" failed: no result within 0.5s: the call was cancelled\n")
    .run();
    assert!(started.elapsed() < Duration::from_secs(20));
    let log = data.path().join("ollama-rs/mcp/mcp-test-server.log");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("mcp-test-server started"), "{text}");
    assert!(text.contains("sleep cancelled"), "{text}");
}

#[test]
fn a_server_that_crashes_mid_call_is_reported_and_the_chat_goes_on() {
    let server = TestServer::start();
    let data = tempfile::tempdir().unwrap();
    let log = data.path().join("ollama-rs/mcp/mcp-test-server.log");
    let stopped = format!(
        "the MCP server \\\"mcp-test-server\\\" stopped (exited with status 3); its stderr is in {}",
        log.display()
    );
    let out = chat(
        &server,
        r#"call crash; call echo {"text":"x"}"#,
        &["--allow-all", "--json"],
    )
    .env("XDG_DATA_HOME", data.path())
    .run();
    let results: Vec<Value> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|v| v.get("tool_result").cloned())
        .collect();
    let want = stopped.replace("\\\"", "\"");
    assert_eq!(
        results[0]["error"],
        format!("tool \"crash\" failed: {want}")
    );
    assert_eq!(results[1]["error"], format!("tool \"echo\" failed: {want}"));
    let sent = bodies(&server);
    assert_eq!(sent.len(), 2, "the chat went on to the answer");
    assert!(std::fs::read_to_string(&log).unwrap().contains("crashing"));
}

#[test]
fn a_bad_config_file_is_status_2_naming_the_file() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("{\"mcpServers\": {\"s\": {}}}", "server \"s\": needs \"command\" (a program to start) or \"url\" (a streamable HTTP endpoint)"),
        ("{\"mcpServers\": {\"s\": {\"command\": \"x\", \"args\": \"-v\"}}}", "server \"s\": \"args\" must be an array of strings"),
        ("{\"servers\": {}}", "no \"mcpServers\" object"),
        ("{\"mcpServers\": {}}", "\"mcpServers\" names no server"),
        ("{nope", "not valid JSON: key must be a string at line 1 column 2"),
    ];
    for (text, problem) in cases {
        let path = dir.path().join("servers.json");
        std::fs::write(&path, text).unwrap();
        let out = Test::new()
            .server(&server)
            .args(&["chat", "tiny-tools", "-m", "hi", "--mcp"])
            .arg(&path)
            .status(2)
            .stdout("")
            .run();
        let stderr = stderr_of(&out);
        let want = format!("ollama-rs: error: `{}`: {problem}", path.display());
        assert!(stderr.starts_with(&want), "{text}: {stderr}");
    }
    let missing = dir.path().join("missing.json");
    let out = Test::new()
        .server(&server)
        .args(&["chat", "tiny-tools", "-m", "hi", "--mcp"])
        .arg(&missing)
        .status(2)
        .run();
    assert!(
        stderr_of(&out).starts_with(&format!(
            "ollama-rs: error: could not read `{}`: ",
            missing.display()
        )),
        "{}",
        stderr_of(&out)
    );
    assert_nothing_sent(&server);
}

#[test]
fn a_server_that_does_not_exist_is_status_1_alone_and_a_warning_with_others() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny-tools", "-m", "hi"])
        .args(&["--mcp-server", "no-such-mcp-server --flag"])
        .status(1)
        .stdout("")
        .stderr(
            "ollama-rs: error: MCP server \"no-such-mcp-server\": could not start \
             `no-such-mcp-server --flag`: command `no-such-mcp-server` not found\n",
        )
        .run();
    assert_nothing_sent(&server);

    let out = chat(
        &server,
        r#"call echo {"text":"still"}"#,
        &["--allow-all", "--mcp-server", "no-such-mcp-server"],
    )
    .stdout("echo: still\n")
    .run();
    assert!(
        stderr_of(&out).starts_with(
            "ollama-rs: warning: MCP server \"no-such-mcp-server\": could not start \
             `no-such-mcp-server`: command `no-such-mcp-server` not found; going on without it\n"
        ),
        "{}",
        stderr_of(&out)
    );

    // A server that starts but does not speak MCP.
    let out = Test::new()
        .server(&server)
        .args(&["chat", "tiny-tools", "-m", "hi"])
        .args(&["--mcp-server", "sh -c 'echo nope; exit 4'"])
        .status(1)
        .stdout("")
        .run();
    let stderr = stderr_of(&out);
    assert!(
        stderr.starts_with(
            "ollama-rs: error: MCP server \"sh\" (`sh -c echo nope; exit 4`) did not finish the \
             MCP handshake: "
        ),
        "{stderr}"
    );
    assert!(stderr.contains("(it exited with status 4)"), "{stderr}");
}

#[test]
fn no_credential_of_ours_reaches_a_server() {
    let server = TestServer::start();
    let out = chat(
        &server,
        r#"call env; call env {"name":"OLLAMA_API_KEY"}; call env {"name":"MY_SETTING"}"#,
        &["--allow-all", "--json", "-H", "X-Secret: header-secret-1"],
    )
    .env("OLLAMA_API_KEY", "api-secret-key-1")
    .env("MY_SETTING", "not for servers")
    .env("LC_TIME", "C")
    .run();
    let results: Vec<String> = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter_map(|v| v["tool_result"]["result"].as_str().map(str::to_string))
        .collect();
    let names: Vec<&str> = results[0].split(',').collect();
    for name in &names {
        assert!(
            [
                "PATH", "HOME", "LANG", "TERM", "USER", "LOGNAME", "SHELL", "TMPDIR", "TZ",
                "LANGUAGE"
            ]
            .contains(name)
                || name.starts_with("LC_"),
            "{name} reached the server: {names:?}"
        );
    }
    assert!(
        names.contains(&"HOME") && names.contains(&"LC_TIME"),
        "{names:?}"
    );
    assert_eq!(results[1], "(unset)");
    assert_eq!(results[2], "(unset)");
    let all = stdout_of(&out);
    assert!(!all.contains("api-secret-key-1") && !all.contains("header-secret-1"));
}

#[test]
fn a_configured_environment_and_a_streamable_http_server() {
    let server = TestServer::start();
    let http = HttpServer::start();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("servers.json");
    let config = json!({"mcpServers": {
        "local": {"command": mcp_server(), "args": ["--prefix", "local_"], "env": {"WHO": "configured"}},
        "remote": {"url": http.url, "headers": {"X-Test": "1"}},
    }});
    std::fs::write(&path, config.to_string()).unwrap();
    Test::new()
        .server(&server)
        .args(&[
            "chat",
            "tiny-tools",
            "--allow",
            "local.*",
            "--allow",
            "remote.add",
            "--mcp",
        ])
        .arg(&path)
        .args(&[
            "-m",
            r#"call local_env {"name":"WHO"}; call add {"a":20,"b":22}"#,
        ])
        .stdout("echo: configured; 42\n")
        .run();
}

#[test]
fn clashing_names_are_made_unique() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny-tools", "--allow-all"])
        .args(&["--mcp-server", &server_flag(), "--mcp-server", &server_flag()])
        .args(&[
            "-m",
            r#"call mcp-test-server__echo {"text":"one"}; call mcp-test-server-2__echo {"text":"two"}"#,
        ])
        .stdout("echo: one; two\n")
        .stderr_contains("[tool] mcp-test-server-2.echo {\"text\":\"two\"}")
        .run();
    let tools = &bodies(&server)[0]["tools"];
    assert_eq!(tools.as_array().unwrap().len(), 16);
}

#[test]
fn web_tools_need_the_key_and_search_with_it() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["chat", "tiny-tools", "--web", "-m", "hi"])
        .status(2)
        .stdout("")
        .stderr(
            "ollama-rs: error: --web needs an ollama.com API key in OLLAMA_API_KEY (web_search \
             and web_fetch are ollama.com's web API)\n",
        )
        .run();
    assert_nothing_sent(&server);
    let out = Test::new()
        .server(&server)
        .args(&["chat", "tiny-tools", "--web", "--allow", "web.*", "--json"])
        .args(&["-m", r#"call web_search {"query":"rust","max_results":2}"#])
        .env("OLLAMA_API_KEY", WEB_API_KEY)
        .env("OLLAMA_WEB_BASE_URL", server.url())
        .run();
    let result = stdout_of(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find_map(|v| v["tool_result"]["result"].as_str().map(str::to_string))
        .unwrap();
    assert!(result.starts_with("Result 1 for rust\n"), "{result}");
    assert_eq!(
        server.requests_to("/api/web_search")[0].json(),
        json!({"query": "rust", "max_results": 2})
    );
}

#[test]
fn tools_files_and_mcp_do_not_mix() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&[
            "chat",
            "tiny-tools",
            "-m",
            "hi",
            "--tools",
            "t.json",
            "--web",
        ])
        .status(2)
        .run();
    assert!(
        stderr_of(&out).contains("cannot be used with"),
        "{}",
        stderr_of(&out)
    );
}

/// `mcp-test-server --http` on a free port of 127.0.0.1.
pub struct HttpServer {
    child: Child,
    /// `http://127.0.0.1:PORT/PATH`
    pub url: String,
}

impl HttpServer {
    /// Starts it and reads its URL.
    pub fn start() -> HttpServer {
        let mut child = Command::new(mcp_server())
            .arg("--http")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mcp-test-server --http");
        let mut url = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut url)
            .unwrap();
        HttpServer {
            child,
            url: url.trim().to_string(),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_tool_that_does_not_exist_is_not_asked_about() {
    let server = TestServer::start();
    chat(&server, "call nope", &[])
        .stdout("echo: error: no tool named \"nope\"\n")
        .stderr_contains("[tool] nope {}\n[error] no tool named \"nope\" (")
        .run();
}
