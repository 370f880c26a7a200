//! `mcp-test-server`: a Model Context Protocol server for the tests of
//! ollama-rs's MCP support, built with the official SDK's server side.
//!
//! Its tools:
//!
//! | Tool | Arguments | Result |
//! |---|---|---|
//! | `echo` | `text` | the text |
//! | `add` | `a`, `b` (integers) | their sum |
//! | `sleep` | `seconds` | `slept N s` after that long; a cancelled call writes `sleep cancelled` on stderr |
//! | `fail` | `message` (optional) | an error result (`isError`) with the message |
//! | `big` | `bytes` | that many bytes of `0123456789` repeated |
//! | `crash` | none | the process exits (status 3) before answering |
//! | `env` | `name` (optional) | the variable's value or `(unset)`; without a name, the names of every variable, sorted, separated by commas |
//! | `picture` | none | an image (a PNG's bytes) and a text |
//!
//! Usage: `mcp-test-server` serves on stdin/stdout; `mcp-test-server --http [--port N]`
//! serves streamable HTTP at `http://127.0.0.1:PORT/mcp` and prints that URL as its first line
//! on stdout. `--prefix P` puts `P` before every tool's name (a server whose names do not clash
//! with another's). Each start writes `mcp-test-server started` on stderr.

use std::io::Write;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, ServerCapabilities, ServerConfig};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::{schemars, tool, tool_handler, tool_router, ErrorData, ServerHandler, ServiceExt};
use serde::Deserialize;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Text {
    /// The text to send back.
    text: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Sum {
    /// The first number.
    a: i64,
    /// The second number.
    b: i64,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Seconds {
    /// How long to sleep, in seconds.
    seconds: f64,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Failure {
    /// What went wrong.
    message: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Size {
    /// How many bytes to return.
    bytes: usize,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
struct Variable {
    /// The environment variable's name.
    name: Option<String>,
}

/// A PNG's first bytes, base64: enough to be an image of some type.
const PICTURE: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

#[derive(Debug, Clone)]
struct TestTools {
    tool_router: ToolRouter<Self>,
}

/// Writes `sleep cancelled` on stderr when dropped before the sleep ended:
/// the server dropped the call because the client cancelled it.
struct SleepGuard {
    done: bool,
}

impl Drop for SleepGuard {
    fn drop(&mut self) {
        if !self.done {
            say("sleep cancelled");
        }
    }
}

/// A line on stderr, which a client may keep in a log file.
fn say(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}

#[tool_router]
impl TestTools {
    fn new() -> Self {
        TestTools {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Sends the text back")]
    fn echo(&self, Parameters(Text { text }): Parameters<Text>) -> String {
        text
    }

    #[tool(description = "Adds two integers")]
    fn add(&self, Parameters(Sum { a, b }): Parameters<Sum>) -> String {
        (a + b).to_string()
    }

    #[tool(description = "Sleeps, then says how long")]
    async fn sleep(
        &self,
        Parameters(Seconds { seconds }): Parameters<Seconds>,
        context: RequestContext<RoleServer>,
    ) -> String {
        let mut guard = SleepGuard { done: false };
        let pause = Duration::from_secs_f64(seconds.clamp(0.0, 3600.0));
        tokio::select! {
            _ = tokio::time::sleep(pause) => {
                guard.done = true;
                format!("slept {seconds} s")
            }
            _ = context.ct.cancelled() => {
                "cancelled".to_string()
            }
        }
    }

    #[tool(description = "Fails with an error result")]
    fn fail(&self, Parameters(Failure { message }): Parameters<Failure>) -> CallToolResult {
        let message = message.unwrap_or_else(|| "it failed".to_string());
        CallToolResult::error(vec![ContentBlock::text(format!("failure: {message}"))])
    }

    #[tool(description = "Returns that many bytes")]
    fn big(&self, Parameters(Size { bytes }): Parameters<Size>) -> String {
        "0123456789".chars().cycle().take(bytes).collect()
    }

    #[tool(description = "Exits the server in the middle of the call")]
    fn crash(&self) -> String {
        say("crashing");
        std::process::exit(3);
    }

    #[tool(description = "Reads an environment variable of the server")]
    fn env(&self, Parameters(Variable { name }): Parameters<Variable>) -> String {
        match name {
            Some(name) => std::env::var(&name).unwrap_or_else(|_| "(unset)".to_string()),
            None => {
                let mut names: Vec<String> = std::env::vars_os()
                    .map(|(k, _)| k.to_string_lossy().into_owned())
                    .collect();
                names.sort();
                names.join(",")
            }
        }
    }

    #[tool(description = "Returns a picture and a caption")]
    fn picture(&self) -> Result<CallToolResult, ErrorData> {
        Ok(CallToolResult::success(vec![
            ContentBlock::image(PICTURE, "image/png"),
            ContentBlock::text("a red dot"),
        ]))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for TestTools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_instructions("Tools for tests: echo, add, sleep, fail, big, crash, env, picture")
    }
}

/// The tools, each name after `prefix`.
fn tools(prefix: &str) -> TestTools {
    let mut t = TestTools::new();
    if !prefix.is_empty() {
        let mut router = ToolRouter::new();
        for mut route in t.tool_router.map.drain().map(|(_, r)| r) {
            route.attr.name = format!("{prefix}{}", route.attr.name).into();
            router.add_route(route);
        }
        t.tool_router = router;
    }
    t
}

/// What the command line asks for.
struct Args {
    http: bool,
    port: u16,
    prefix: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        http: false,
        port: 0,
        prefix: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--http" => args.http = true,
            "--port" => {
                let v = it.next().ok_or("--port needs a number")?;
                args.port = v.parse().map_err(|e| format!("--port {v}: {e}"))?;
            }
            "--prefix" => args.prefix = it.next().ok_or("--prefix needs a value")?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            say(&format!("mcp-test-server: {e}"));
            std::process::exit(2);
        }
    };
    say("mcp-test-server started");
    let outcome = if args.http {
        serve_http(args.port, args.prefix).await
    } else {
        serve_stdio(args.prefix).await
    };
    if let Err(e) = outcome {
        say(&format!("mcp-test-server: {e}"));
        std::process::exit(1);
    }
}

async fn serve_stdio(prefix: String) -> Result<(), String> {
    let service = tools(&prefix)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| e.to_string())?;
    service.waiting().await.map_err(|e| e.to_string())?;
    Ok(())
}

async fn serve_http(port: u16, prefix: String) -> Result<(), String> {
    use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
    use rmcp::transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService,
    };
    let service: StreamableHttpService<TestTools, LocalSessionManager> = StreamableHttpService::new(
        move || Ok(tools(&prefix)),
        Default::default(),
        StreamableHttpServerConfig::default().with_sse_keep_alive(None),
    );
    let router = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "http://{addr}/mcp");
        let _ = out.flush();
    }
    axum::serve(listener, router)
        .await
        .map_err(|e| e.to_string())
}
