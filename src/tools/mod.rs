//! The tools `chat` runs: the MCP servers of `--mcp` and `--mcp-server`
//! and the web tools of `--web`, gathered in a [`Toolbox`] that also
//! knows which calls may run without asking; and the loop that runs a
//! turn with them ([`run`]), shared by the one-shot chat and the
//! interactive session.

pub mod run;
mod web;

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use anyhow::Result;
use ollama_rs::mcp::{ConnectOptions, McpTools};
use ollama_rs::{Client, Tool, ToolError, ToolSet, Tools};
use serde_json::{Map, Value};

use crate::settings::tools::ToolSettings;

/// The name the built-in web tools are allowed by (`web.web_search`).
pub const WEB_SERVER: &str = "web";

/// Whether a call may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permit {
    /// `--allow`, `--allow-all`, or answered "always".
    Allowed,
    /// Ask on the terminal.
    Ask,
    /// Not allowed, and no terminal to ask.
    Refused,
}

/// One tool, for `/tools`.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The name the model sees.
    pub name: String,
    /// Its server (`web` for the web tools).
    pub server: String,
    /// Its name on the server.
    pub tool: String,
    /// Whether it is offered.
    pub enabled: bool,
}

/// The tools of a chat, and the rules for running them.
pub struct Toolbox {
    mcp: Option<McpTools>,
    web: Option<Tools>,
    allow: Vec<String>,
    allow_all: bool,
    can_ask: bool,
    timeout: Duration,
    /// The most requests in one turn.
    pub max_rounds: usize,
    /// Tools answered "always" in this session.
    always: Mutex<HashSet<String>>,
    /// Tools turned off (`/tools off`).
    disabled: Mutex<HashSet<String>>,
}

impl Toolbox {
    /// Connects the servers of `settings` (at once) and adds the web
    /// tools. Each server that does not start is reported through `warn`
    /// when others do; when none does (and there are no web tools), the
    /// error says why and the chat does not start.
    pub async fn start(
        settings: &ToolSettings,
        client: &Client,
        warn: &mut dyn FnMut(&str),
    ) -> Result<Toolbox> {
        let mut mcp = None;
        if !settings.servers.servers.is_empty() {
            let mut options = ConnectOptions::default();
            for pem in &settings.root_certificates {
                options = options.add_root_certificates(pem.clone());
            }
            if let Some(dir) = &settings.log_dir {
                options = options.log_dir(dir);
            }
            let (tools, errors) = McpTools::connect(&settings.servers, &options).await;
            let started = tools.servers().len();
            if started == 0 && !settings.web {
                if let [only] = errors.as_slice() {
                    return Err(anyhow::Error::new(only.clone()));
                }
                for e in &errors {
                    warn(&crate::exit::one_line(&e.to_string()));
                }
                anyhow::bail!("none of the {} MCP servers started", errors.len());
            }
            for e in &errors {
                warn(&format!(
                    "{}; going on without it",
                    crate::exit::one_line(&e.to_string())
                ));
            }
            mcp = Some(
                tools
                    .call_timeout(settings.timeout)
                    .max_result_bytes(ollama_rs::mcp::DEFAULT_MAX_RESULT_BYTES),
            );
        }
        Ok(Toolbox {
            mcp,
            web: settings.web.then(|| web::tools(client)),
            allow: settings.allow.clone(),
            allow_all: settings.allow_all,
            can_ask: settings.can_ask,
            timeout: settings.timeout,
            max_rounds: settings.max_rounds,
            always: Mutex::default(),
            disabled: Mutex::default(),
        })
    }

    /// The server and the server's name of the tool the model calls
    /// `name`.
    pub fn origin(&self, name: &str) -> (String, String) {
        if self.is_web(name) {
            return (WEB_SERVER.to_string(), name.to_string());
        }
        match self.mcp.as_ref().and_then(|m| m.origin(name)) {
            Some((server, tool)) => (server.to_string(), tool.to_string()),
            None => (String::new(), name.to_string()),
        }
    }

    fn is_web(&self, name: &str) -> bool {
        self.web.as_ref().is_some_and(|w| w.names().contains(&name))
    }

    /// Whether the call of `name` may run.
    pub fn permit(&self, name: &str) -> Permit {
        let (server, tool) = self.origin(name);
        let allowed = self.allow_all
            || self.allow.iter().any(|p| {
                let p = p.trim();
                p == name || p == format!("{server}.{tool}") || p == format!("{server}.*")
            })
            || self.always.lock().is_ok_and(|a| a.contains(name));
        match (allowed, self.can_ask) {
            (true, _) => Permit::Allowed,
            (false, true) => Permit::Ask,
            (false, false) => Permit::Refused,
        }
    }

    /// Runs `name`'s later calls without asking.
    pub fn allow_always(&self, name: &str) {
        if let Ok(mut a) = self.always.lock() {
            a.insert(name.to_string());
        }
    }

    fn enabled(&self, name: &str) -> bool {
        !self.disabled.lock().is_ok_and(|d| d.contains(name))
    }

    /// Every tool, enabled or not.
    pub fn listing(&self) -> Vec<Listed> {
        let mut out = Vec::new();
        if let Some(web) = &self.web {
            for name in web.names() {
                out.push(Listed {
                    name: name.to_string(),
                    server: WEB_SERVER.to_string(),
                    tool: name.to_string(),
                    enabled: self.enabled(name),
                });
            }
        }
        if let Some(mcp) = &self.mcp {
            for t in mcp.tools() {
                out.push(Listed {
                    enabled: self.enabled(&t.name),
                    name: t.name,
                    server: t.server,
                    tool: t.tool,
                });
            }
        }
        out
    }

    /// The MCP servers and how they are.
    pub fn servers(&self) -> Vec<ollama_rs::mcp::ServerStatus> {
        self.mcp.as_ref().map(McpTools::servers).unwrap_or_default()
    }

    /// Turns tool `name` (or every tool of server `name`, or `server.tool`)
    /// on or off; returns how many tools that named.
    pub fn set_enabled(&self, name: &str, on: bool) -> usize {
        let named: Vec<String> = self
            .listing()
            .into_iter()
            .filter(|t| {
                t.name == name || t.server == name || format!("{}.{}", t.server, t.tool) == name
            })
            .map(|t| t.name)
            .collect();
        if let Ok(mut d) = self.disabled.lock() {
            for n in &named {
                if on {
                    d.remove(n);
                } else {
                    d.insert(n.clone());
                }
            }
        }
        named.len()
    }

    /// Ends the MCP sessions (stdio servers are stopped).
    pub async fn shutdown(&self) {
        if let Some(mcp) = &self.mcp {
            mcp.shutdown().await;
        }
    }
}

impl ToolSet for Toolbox {
    fn definitions(&self) -> Vec<Tool> {
        let mut all = self
            .web
            .as_ref()
            .map(Tools::definitions)
            .unwrap_or_default();
        if let Some(mcp) = &self.mcp {
            all.extend(mcp.definitions());
        }
        all.retain(|t| self.enabled(&t.function.name));
        all
    }

    fn call<'a>(
        &'a self,
        name: &'a str,
        arguments: Map<String, Value>,
    ) -> ollama_rs::ToolFuture<'a> {
        Box::pin(async move {
            if !self.enabled(name) {
                return Err(ToolError::unknown(name));
            }
            if self.is_web(name) {
                let web = self.web.as_ref().expect("web tools are on");
                return match tokio::time::timeout(self.timeout, web.call(name, arguments)).await {
                    Ok(r) => r,
                    Err(_) => Err(ToolError::failed(
                        name,
                        format!("no result within {}s", self.timeout.as_secs_f64()),
                    )),
                };
            }
            match &self.mcp {
                Some(mcp) => mcp.call(name, arguments).await,
                None => Err(ToolError::unknown(name)),
            }
        })
    }
}
