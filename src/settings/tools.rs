//! What `chat` runs tools with, resolved from `--mcp`, `--mcp-server`,
//! `--web`, `--allow`, `--allow-all`, `--max-tool-rounds` and
//! `--tool-timeout`. A bad file or flag is a bad command line (status 2),
//! found before any server is started or request sent.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;
use ollama_rs::mcp::{McpConfig, ServerConfig, StdioServer};

use crate::cli::ToolArgs;
use crate::exit::usage;
use crate::settings::Env;

/// The resolved tool settings of a chat.
#[derive(Debug, Clone)]
pub struct ToolSettings {
    /// The MCP servers: those of `--mcp`, then each `--mcp-server`.
    pub servers: McpConfig,
    /// `--web`: the built-in web tools.
    pub web: bool,
    /// `--allow` patterns: `server.tool`, `server.*`, or a tool's name.
    pub allow: Vec<String>,
    /// `--allow-all`.
    pub allow_all: bool,
    /// `--max-tool-rounds`.
    pub max_rounds: usize,
    /// `--tool-timeout`.
    pub timeout: Duration,
    /// Where the servers' stderr goes (`<data dir>/ollama-rs/mcp`).
    pub log_dir: Option<PathBuf>,
    /// A call can be asked about: stdin and stderr are terminals.
    pub can_ask: bool,
    /// `--cacert`'s certificates (PEM), trusted by `https://` servers too.
    pub root_certificates: Vec<Vec<u8>>,
}

/// Programs that run another one named by their first argument that is not
/// an option: a server started with them is named after that argument.
const LAUNCHERS: &[&str] = &[
    "npx", "uvx", "bunx", "pnpx", "pipx", "uv", "node", "deno", "bun", "python", "python3",
    "docker", "podman",
];

/// The name of a `--mcp-server` server: its program's file name, or for a
/// launcher (`npx -y @scope/server-files`) the last part of its first
/// argument that is not an option (`server-files`).
pub fn server_name(server: &StdioServer) -> String {
    let base = |s: &str| {
        let s = s.trim_end_matches(['/', '\\']);
        let last = s.rsplit(['/', '\\']).next().unwrap_or(s);
        last.strip_suffix(".exe").unwrap_or(last).to_string()
    };
    let program = base(&server.command);
    if LAUNCHERS.contains(&program.as_str()) {
        if let Some(arg) = server
            .args
            .iter()
            .find(|a| !a.starts_with('-') && *a != "run" && *a != "x")
        {
            let name = base(arg);
            let name = name.split('@').find(|p| !p.is_empty()).unwrap_or(&name);
            if !name.is_empty() {
                return name.to_string();
            }
        }
    }
    program
}

impl ToolSettings {
    /// The settings the flags ask for; `None` when no tool is asked for.
    pub fn resolve(
        a: &ToolArgs,
        env: &Env,
        cacert: Option<&std::path::Path>,
        can_ask: bool,
    ) -> Result<Option<ToolSettings>> {
        if !a.any() {
            return Ok(None);
        }
        let mut servers = match &a.mcp {
            Some(path) => McpConfig::from_file(path).map_err(|e| usage(e.to_string()))?,
            None => McpConfig::default(),
        };
        if a.mcp.is_some() && servers.servers.is_empty() {
            let path = a.mcp.as_deref().unwrap_or_else(|| "".as_ref());
            return Err(usage(format!(
                "`{}`: \"mcpServers\" names no server",
                path.display()
            )));
        }
        for line in &a.mcp_servers {
            let words = shell_words::split(line)
                .map_err(|e| usage(format!("--mcp-server `{line}`: {e}")))?;
            let Some((command, args)) = words.split_first() else {
                return Err(usage(
                    "--mcp-server needs a command, e.g. --mcp-server 'uvx mcp-server-time'",
                ));
            };
            let server = StdioServer::new(command.as_str(), args.iter().cloned());
            let name = server_name(&server);
            servers.add(&name, ServerConfig::Stdio(server));
        }
        if a.web && env.api_key.as_deref().is_none_or(str::is_empty) {
            return Err(usage(
                "--web needs an ollama.com API key in OLLAMA_API_KEY (web_search and web_fetch \
                 are ollama.com's web API)",
            ));
        }
        for pattern in &a.allow {
            if pattern.trim().is_empty() {
                return Err(usage(
                    "--allow needs a tool: SERVER.TOOL, SERVER.* or the tool's name",
                ));
            }
        }
        let root_certificates = match cacert {
            Some(path) => vec![std::fs::read(path).map_err(|e| {
                usage(format!("could not read --cacert `{}`: {e}", path.display()))
            })?],
            None => Vec::new(),
        };
        Ok(Some(ToolSettings {
            root_certificates,
            servers,
            web: a.web,
            allow: a.allow.clone(),
            allow_all: a.allow_all,
            max_rounds: a.max_tool_rounds as usize,
            timeout: Duration::from_secs_f64(a.tool_timeout),
            log_dir: env.data_dir.as_ref().map(|d| d.join("mcp")),
            can_ask,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_named_after_what_they_run() {
        let name = |line: &str| {
            let words = shell_words::split(line).unwrap();
            server_name(&StdioServer::new(
                words[0].as_str(),
                words[1..].iter().cloned(),
            ))
        };
        assert_eq!(name("/usr/bin/mcp-test-server --x"), "mcp-test-server");
        assert_eq!(name("uvx mcp-server-time"), "mcp-server-time");
        assert_eq!(
            name("npx -y @modelcontextprotocol/server-filesystem /tmp"),
            "server-filesystem"
        );
        assert_eq!(name("npx -y @playwright/mcp@latest"), "mcp");
        assert_eq!(name("python3 server.py"), "server.py");
        assert_eq!(name("npx"), "npx");
    }
}
