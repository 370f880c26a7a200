//! The `mcpServers` configuration that MCP clients share:
//!
//! ```json
//! {"mcpServers": {
//!   "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
//!   "search": {"url": "http://127.0.0.1:8000/mcp", "headers": {"Authorization": "Bearer x"}}
//! }}
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Why a configuration was refused. Its text names the server and the
/// field at fault, e.g. `server "files": "args" must be an array of strings`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    /// The server whose entry is at fault, when it is one.
    pub server: Option<String>,
    /// What is wrong, in words (naming the server and the field).
    pub message: String,
}

impl ConfigError {
    fn top(message: impl Into<String>) -> ConfigError {
        ConfigError {
            server: None,
            message: message.into(),
        }
    }

    fn server(name: &str, message: impl fmt::Display) -> ConfigError {
        ConfigError {
            server: Some(name.to_string()),
            message: format!("server \"{name}\": {message}"),
        }
    }
}

/// A server started as a child process, spoken to over its stdin and
/// stdout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StdioServer {
    /// The program (found on `PATH` when it has no `/`).
    pub command: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Variables set for it, on top of the few passed on from this process
    /// (see [`PASSED_VARIABLES`](super::PASSED_VARIABLES)).
    pub env: BTreeMap<String, String>,
    /// The folder it runs in (default: this process's).
    pub cwd: Option<PathBuf>,
}

impl StdioServer {
    /// `command` with `args`, no extra environment.
    pub fn new<I, S>(command: impl Into<String>, args: I) -> StdioServer
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        StdioServer {
            command: command.into(),
            args: args.into_iter().map(Into::into).collect(),
            ..StdioServer::default()
        }
    }

    /// The command line, for messages: the command and its arguments.
    pub fn command_line(&self) -> String {
        std::iter::once(self.command.as_str())
            .chain(self.args.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A server reached over streamable HTTP.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpServer {
    /// Its endpoint, e.g. `http://127.0.0.1:8000/mcp`.
    pub url: String,
    /// Headers sent with every request (`Authorization`, ...).
    pub headers: BTreeMap<String, String>,
}

/// How to reach one MCP server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerConfig {
    /// A child process over stdio (`command`, `args`, `env`).
    Stdio(StdioServer),
    /// Streamable HTTP (`url`, `headers`).
    Http(HttpServer),
}

impl ServerConfig {
    /// `stdio` or `http`.
    pub fn transport(&self) -> &'static str {
        match self {
            ServerConfig::Stdio(_) => "stdio",
            ServerConfig::Http(_) => "http",
        }
    }

    /// The command line or the URL, for messages (headers and environment
    /// left out: they may hold credentials).
    pub fn target(&self) -> String {
        match self {
            ServerConfig::Stdio(s) => s.command_line(),
            ServerConfig::Http(h) => h.url.clone(),
        }
    }
}

/// Named MCP servers, in the order they were written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct McpConfig {
    /// Each server's name and how to reach it.
    pub servers: Vec<(String, ServerConfig)>,
}

impl McpConfig {
    /// Reads the `{"mcpServers": {...}}` shape. Each entry has either
    /// `command` (with optional `args`, `env`, `cwd`) or `url` (with
    /// optional `headers`); `type` may say `stdio`, `http` or
    /// `streamable-http`. An entry with `"disabled": true` is left out;
    /// other fields (those of other clients) are ignored.
    pub fn parse(text: &str) -> Result<McpConfig, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::top(format!("not valid JSON: {e}")))?;
        let Value::Object(mut root) = value else {
            return Err(ConfigError::top(
                "expected a JSON object with \"mcpServers\"",
            ));
        };
        let servers = match root.remove("mcpServers") {
            Some(Value::Object(map)) => map,
            Some(_) => {
                return Err(ConfigError::top(
                    "\"mcpServers\" must be an object of servers by name",
                ))
            }
            None => {
                return Err(ConfigError::top(
                    "no \"mcpServers\" object (expected {\"mcpServers\": {\"NAME\": {\"command\": ...}}})",
                ))
            }
        };
        let mut config = McpConfig::default();
        for (name, entry) in servers {
            if name.trim().is_empty() {
                return Err(ConfigError::top("a server has an empty name"));
            }
            let Value::Object(entry) = entry else {
                return Err(ConfigError::server(&name, "must be an object"));
            };
            if entry.get("disabled") == Some(&Value::Bool(true)) {
                continue;
            }
            let server = server_entry(&name, &entry)?;
            config.servers.push((name, server));
        }
        Ok(config)
    }

    /// Reads and parses a file; the error names the file.
    pub fn from_file(path: &Path) -> Result<McpConfig, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::top(format!("could not read `{}`: {e}", path.display())))?;
        McpConfig::parse(&text).map_err(|e| ConfigError {
            server: e.server,
            message: format!("`{}`: {}", path.display(), e.message),
        })
    }

    /// Adds a server; a name already used gets `-2`, `-3`... appended.
    /// Returns the name it got.
    pub fn add(&mut self, name: &str, server: ServerConfig) -> String {
        let mut unique = name.to_string();
        let mut n = 1;
        while self.servers.iter().any(|(s, _)| *s == unique) {
            n += 1;
            unique = format!("{name}-{n}");
        }
        self.servers.push((unique.clone(), server));
        unique
    }
}

fn string_field(
    name: &str,
    entry: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, ConfigError> {
    match entry.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ConfigError::server(
            name,
            format!("\"{field}\" must be a string"),
        )),
    }
}

fn string_map(
    name: &str,
    entry: &Map<String, Value>,
    field: &str,
) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut out = BTreeMap::new();
    match entry.get(field) {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => {
                        return Err(ConfigError::server(
                            name,
                            format!("\"{field}\".\"{k}\" must be a string"),
                        ))
                    }
                };
                out.insert(k.clone(), v);
            }
        }
        Some(_) => {
            return Err(ConfigError::server(
                name,
                format!("\"{field}\" must be an object of strings"),
            ))
        }
    }
    Ok(out)
}

fn server_entry(name: &str, entry: &Map<String, Value>) -> Result<ServerConfig, ConfigError> {
    let kind = string_field(name, entry, "type")?.or(string_field(name, entry, "transport")?);
    let command = string_field(name, entry, "command")?;
    let url = string_field(name, entry, "url")?;
    match kind.as_deref() {
        None
        | Some("stdio" | "http" | "streamable-http" | "streamableHttp" | "streamable_http") => {}
        Some("sse") => {
            return Err(ConfigError::server(
                name,
                "\"type\": \"sse\" (the old HTTP+SSE transport) is not supported; \
                 use the server's streamable HTTP endpoint",
            ))
        }
        Some(other) => {
            return Err(ConfigError::server(
                name,
                format!("unknown \"type\" \"{other}\" (expected stdio or http)"),
            ))
        }
    }
    match (command, url) {
        (Some(_), Some(_)) => Err(ConfigError::server(
            name,
            "has both \"command\" and \"url\": give one",
        )),
        (None, None) => Err(ConfigError::server(
            name,
            "needs \"command\" (a program to start) or \"url\" (a streamable HTTP endpoint)",
        )),
        (Some(command), None) => {
            if command.trim().is_empty() {
                return Err(ConfigError::server(name, "\"command\" is empty"));
            }
            let args = match entry.get("args") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s.clone()),
                        Value::Number(n) => Ok(n.to_string()),
                        _ => Err(ConfigError::server(
                            name,
                            "\"args\" must be an array of strings",
                        )),
                    })
                    .collect::<Result<_, _>>()?,
                Some(_) => {
                    return Err(ConfigError::server(
                        name,
                        "\"args\" must be an array of strings",
                    ))
                }
            };
            Ok(ServerConfig::Stdio(StdioServer {
                command,
                args,
                env: string_map(name, entry, "env")?,
                cwd: string_field(name, entry, "cwd")?.map(PathBuf::from),
            }))
        }
        (None, Some(url)) => {
            let parsed = url::Url::parse(&url).map_err(|e| {
                ConfigError::server(name, format!("\"url\" `{url}` is not a URL: {e}"))
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(ConfigError::server(
                    name,
                    format!("\"url\" `{url}` must be http:// or https://"),
                ));
            }
            Ok(ServerConfig::Http(HttpServer {
                url,
                headers: string_map(name, entry, "headers")?,
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_kinds_in_order() {
        let config = McpConfig::parse(
            r#"{"mcpServers": {
                "b": {"command": "srv", "args": ["-x", 3], "env": {"K": "v"}},
                "a": {"type": "http", "url": "http://127.0.0.1:1/mcp", "headers": {"X": "y"}},
                "off": {"command": "nope", "disabled": true}
            }, "other": 1}"#,
        )
        .unwrap();
        assert_eq!(config.servers.len(), 2);
        assert_eq!(config.servers[0].0, "b");
        let ServerConfig::Stdio(s) = &config.servers[0].1 else {
            panic!()
        };
        assert_eq!(s.args, ["-x", "3"]);
        assert_eq!(s.env["K"], "v");
        assert_eq!(config.servers[1].1.transport(), "http");
    }

    #[test]
    fn errors_name_the_server_and_field() {
        let cases = [
            ("[]", "expected a JSON object with \"mcpServers\""),
            ("{}", "no \"mcpServers\" object"),
            (r#"{"mcpServers": []}"#, "\"mcpServers\" must be an object"),
            (
                r#"{"mcpServers": {"s": 1}}"#,
                "server \"s\": must be an object",
            ),
            (
                r#"{"mcpServers": {"s": {}}}"#,
                "server \"s\": needs \"command\"",
            ),
            (
                r#"{"mcpServers": {"s": {"command": "x", "args": "y"}}}"#,
                "server \"s\": \"args\" must be an array of strings",
            ),
            (
                r#"{"mcpServers": {"s": {"command": "x", "env": {"A": []}}}}"#,
                "server \"s\": \"env\".\"A\" must be a string",
            ),
            (
                r#"{"mcpServers": {"s": {"url": "ftp://x"}}}"#,
                "must be http:// or https://",
            ),
            (
                r#"{"mcpServers": {"s": {"url": "http://x", "type": "sse"}}}"#,
                "not supported",
            ),
            (
                r#"{"mcpServers": {"s": {"url": "http://x", "command": "y"}}}"#,
                "has both",
            ),
            ("{nope", "not valid JSON"),
        ];
        for (text, want) in cases {
            let e = McpConfig::parse(text).unwrap_err();
            assert!(e.to_string().contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn added_names_stay_unique() {
        let mut c = McpConfig::default();
        let s = ServerConfig::Stdio(StdioServer::new("x", ["a"]));
        assert_eq!(c.add("x", s.clone()), "x");
        assert_eq!(c.add("x", s.clone()), "x-2");
        assert_eq!(c.add("x", s), "x-3");
    }
}
