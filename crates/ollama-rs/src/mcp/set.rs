//! [`McpTools`]: the tools of several MCP servers as one [`ToolSet`].

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures_util::future::join_all;
use rmcp::model::CallToolRequestParams;
use serde_json::{Map, Value};

use super::config::McpConfig;
use super::connect::{connect, ConnectOptions, Connection};
use super::content::{cap, result_text};
use super::McpError;
use crate::tools::{ToolError, ToolFuture, ToolSet};
use crate::types::Tool;

/// How long a call may take unless told otherwise.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The most bytes of a result given to the model unless told otherwise;
/// past that it is cut, with a note.
pub const DEFAULT_MAX_RESULT_BYTES: usize = 16 * 1024;

/// One tool as offered to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ToolInfo {
    /// The name the model sees: the tool's own, or `server__tool` when
    /// servers share that name.
    pub name: String,
    /// The server it belongs to.
    pub server: String,
    /// Its name on that server.
    pub tool: String,
    /// Its description, if the server gave one.
    pub description: Option<String>,
    /// Whether it is offered (see [`McpTools::set_enabled`]).
    pub enabled: bool,
}

/// One connected server, as [`McpTools::servers`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerStatus {
    /// Its name in the configuration.
    pub name: String,
    /// `stdio` or `http`.
    pub transport: &'static str,
    /// Its command line or URL.
    pub target: String,
    /// How many tools it offers.
    pub tools: usize,
    /// Whether its session still runs.
    pub running: bool,
    /// How it ended, when it has (`exited with status 3`).
    pub exit: Option<String>,
    /// Where its stderr goes (stdio servers with a log folder).
    pub log: Option<PathBuf>,
}

struct Entry {
    name: String,
    server: usize,
    tool: String,
    definition: Tool,
}

/// The tools of connected MCP servers, offered to the model as one
/// [`ToolSet`]: each call goes to its server (`tools/call`), and the result
/// comes back as text (text content joined; images, audio and resources
/// described; cut past [`max_result_bytes`](Self::max_result_bytes) with a
/// note). An error result (`isError`), a call that outlives
/// [`call_timeout`](Self::call_timeout) (cancelled with an MCP
/// `notifications/cancelled`) and a server that stopped are each the
/// tool's [`ToolError::Failed`], whose text the model gets.
///
/// Tool names are kept as the servers give them; when two servers offer
/// the same name, each of those becomes `server__tool`
/// ([`origin`](Self::origin) maps a name back).
///
/// ```no_run
/// # async fn demo() -> ollama_rs::Result<()> {
/// use ollama_rs::mcp::{ConnectOptions, McpConfig, McpTools};
/// use ollama_rs::{ChatRequest, Client, Message, ToolLoop};
///
/// let config = McpConfig::parse(r#"{"mcpServers": {"time": {"command": "mcp-server-time"}}}"#)
///     .expect("a valid configuration");
/// let (tools, failures) = McpTools::connect(&config, &ConnectOptions::default()).await;
/// for failure in &failures {
///     eprintln!("warning: {failure}");
/// }
/// let client = Client::new()?;
/// let request = ChatRequest::new("llama3.2", [Message::user("What time is it in Tokyo?")]);
/// let outcome = ToolLoop::new(&client, &tools).run(request).await?;
/// println!("{}", outcome.content());
/// tools.shutdown().await;
/// # Ok(()) }
/// ```
pub struct McpTools {
    servers: Vec<Arc<Connection>>,
    entries: Vec<Entry>,
    disabled: RwLock<HashSet<String>>,
    call_timeout: Duration,
    max_result_bytes: usize,
}

impl std::fmt::Debug for McpTools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpTools")
            .field(
                "servers",
                &self.servers.iter().map(|s| &s.name).collect::<Vec<_>>(),
            )
            .field(
                "tools",
                &self.entries.iter().map(|e| &e.name).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl McpTools {
    /// Starts (or reaches) every server of `config` at once and lists their
    /// tools. The servers that could not start or did not finish the
    /// handshake are left out, each with its [`McpError`]; the others are
    /// in the set (which is empty when none started).
    pub async fn connect(
        config: &McpConfig,
        options: &ConnectOptions,
    ) -> (McpTools, Vec<McpError>) {
        let attempts = join_all(
            config
                .servers
                .iter()
                .map(|(name, server)| connect(name, server, options)),
        )
        .await;
        let mut servers = Vec::new();
        let mut errors = Vec::new();
        for attempt in attempts {
            match attempt {
                Ok(c) => servers.push(Arc::new(c)),
                Err(e) => errors.push(e),
            }
        }
        (McpTools::from_connections(servers), errors)
    }

    fn from_connections(servers: Vec<Arc<Connection>>) -> McpTools {
        let mut count: HashMap<&str, usize> = HashMap::new();
        for s in &servers {
            for t in &s.tools {
                *count.entry(&t.name).or_default() += 1;
            }
        }
        let mut taken: HashSet<String> = HashSet::new();
        let mut entries = Vec::new();
        for (index, s) in servers.iter().enumerate() {
            for t in &s.tools {
                let base = if count[t.name.as_ref()] > 1 {
                    format!("{}__{}", tool_safe(&s.name), t.name)
                } else {
                    t.name.to_string()
                };
                let mut name = base.clone();
                let mut n = 1;
                while !taken.insert(name.clone()) {
                    n += 1;
                    name = format!("{base}_{n}");
                }
                let mut schema: Map<String, Value> = (*t.input_schema).clone();
                schema.remove("$schema");
                let definition = Tool::function(
                    name.as_str(),
                    t.description.as_deref().unwrap_or_default(),
                    Value::Object(schema),
                );
                entries.push(Entry {
                    name,
                    server: index,
                    tool: t.name.to_string(),
                    definition,
                });
            }
        }
        McpTools {
            servers,
            entries,
            disabled: RwLock::new(HashSet::new()),
            call_timeout: DEFAULT_CALL_TIMEOUT,
            max_result_bytes: DEFAULT_MAX_RESULT_BYTES,
        }
    }

    /// Sets the longest a call may take (default 60 s); past it the call
    /// is cancelled and the model told so.
    #[must_use]
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Sets the most bytes of a result the model gets (default 16 KiB).
    #[must_use]
    pub fn max_result_bytes(mut self, bytes: usize) -> Self {
        self.max_result_bytes = bytes.max(1);
        self
    }

    /// Whether no tool is offered (no server started, or none has tools).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every tool, enabled or not, server by server.
    pub fn tools(&self) -> Vec<ToolInfo> {
        let disabled = self.disabled.read().map(|d| d.clone()).unwrap_or_default();
        self.entries
            .iter()
            .map(|e| ToolInfo {
                name: e.name.clone(),
                server: self.servers[e.server].name.clone(),
                tool: e.tool.clone(),
                description: e
                    .definition
                    .function
                    .description
                    .clone()
                    .filter(|d| !d.is_empty()),
                enabled: !disabled.contains(&e.name),
            })
            .collect()
    }

    /// The connected servers and how they are.
    pub fn servers(&self) -> Vec<ServerStatus> {
        self.servers
            .iter()
            .map(|s| ServerStatus {
                name: s.name.clone(),
                transport: s.config.transport(),
                target: s.config.target(),
                tools: s.tools.len(),
                running: s.running(),
                exit: s.exit(),
                log: s.log.clone(),
            })
            .collect()
    }

    /// The server and the server's name of tool `name` (as the model
    /// calls it).
    pub fn origin(&self, name: &str) -> Option<(&str, &str)> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .map(|e| (self.servers[e.server].name.as_str(), e.tool.as_str()))
    }

    /// Offers tool `name` to the model again, or stops offering it; `name`
    /// may also be a server's, for all of its tools. Returns how many tools
    /// it named (0: no such tool or server).
    pub fn set_enabled(&self, name: &str, enabled: bool) -> usize {
        let names: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.name == name || self.servers[e.server].name == name)
            .map(|e| e.name.clone())
            .collect();
        if let Ok(mut disabled) = self.disabled.write() {
            for n in &names {
                if enabled {
                    disabled.remove(n);
                } else {
                    disabled.insert(n.clone());
                }
            }
        }
        names.len()
    }

    /// Ends every session: closes each server's connection and waits a
    /// little for stdio servers to exit (then kills them). Dropping the
    /// set kills them too, without waiting.
    pub async fn shutdown(&self) {
        for s in &self.servers {
            if let Some(service) = s.service.lock().await.take() {
                let _ = tokio::time::timeout(Duration::from_secs(2), service.cancel()).await;
            }
            let child = s.child.lock().ok().and_then(|mut c| c.take());
            if let Some(mut child) = child {
                if tokio::time::timeout(Duration::from_secs(1), child.wait())
                    .await
                    .is_err()
                {
                    let _ = child.kill().await;
                }
            }
        }
    }

    async fn run(&self, entry: &Entry, arguments: Map<String, Value>) -> Result<String, ToolError> {
        let server = &self.servers[entry.server];
        let params = CallToolRequestParams::new(entry.tool.clone()).with_arguments(arguments);
        let failed = |message: String| ToolError::failed(&entry.name, message);
        if !server.running() {
            return Err(failed(stopped(server)));
        }
        // Dropping the call when the time is up sends the server
        // `notifications/cancelled`.
        let call = tokio::time::timeout(self.call_timeout, server.peer.call_tool(params)).await;
        match call {
            Err(_) => Err(failed(format!(
                "no result within {}s: the call was cancelled",
                self.call_timeout.as_secs_f64()
            ))),
            Ok(Err(e)) => {
                // A server that exits mid-call closes the session first:
                // give it a moment to be seen as gone.
                tokio::time::sleep(Duration::from_millis(50)).await;
                if server.running() {
                    Err(failed(format!("MCP error: {e}")))
                } else {
                    Err(failed(stopped(server)))
                }
            }
            Ok(Ok(result)) => {
                let value = serde_json::to_value(&result).unwrap_or(Value::Null);
                let (text, is_error) = result_text(&value);
                let text = cap(text, self.max_result_bytes);
                if is_error {
                    Err(failed(text))
                } else {
                    Ok(text)
                }
            }
        }
    }
}

/// What the model is told about a server that is gone.
fn stopped(server: &Connection) -> String {
    match server.exit() {
        Some(how) => format!(
            "the MCP server \"{}\" stopped ({how}){}",
            server.name,
            server.log_note()
        ),
        None => format!(
            "the MCP server \"{}\" closed the connection{}",
            server.name,
            server.log_note()
        ),
    }
}

/// A server's name as part of a tool name: letters, digits, `_` and `-`.
fn tool_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl ToolSet for McpTools {
    fn definitions(&self) -> Vec<Tool> {
        let disabled = self.disabled.read().map(|d| d.clone()).unwrap_or_default();
        self.entries
            .iter()
            .filter(|e| !disabled.contains(&e.name))
            .map(|e| e.definition.clone())
            .collect()
    }

    fn call<'a>(&'a self, name: &'a str, arguments: Map<String, Value>) -> ToolFuture<'a> {
        Box::pin(async move {
            let enabled = !self.disabled.read().is_ok_and(|d| d.contains(name));
            match self.entries.iter().find(|e| e.name == name) {
                Some(entry) if enabled => self.run(entry, arguments).await,
                _ => Err(ToolError::unknown(name)),
            }
        })
    }
}
