//! Tools from [Model Context Protocol](https://modelcontextprotocol.io)
//! servers (feature `mcp`), for the [`ToolLoop`](crate::ToolLoop).
//!
//! - [`McpConfig`]: the `{"mcpServers": {...}}` configuration other MCP
//!   clients use: servers started as child processes (`command`, `args`,
//!   `env`) and servers reached over streamable HTTP (`url`, `headers`).
//! - [`McpTools::connect`] starts them all, and gives the ones that
//!   answered as one [`ToolSet`](crate::ToolSet), with an [`McpError`] for
//!   each that did not.
//!
//! A stdio server gets a cleared environment: the variables its
//! configuration names, and from this process only [`PASSED_VARIABLES`]
//! and `LC_*` (so no `OLLAMA_API_KEY` nor any other credential). Its
//! stderr goes to a log file in [`ConnectOptions::log_dir`]; on Unix it
//! runs in a process group of its own, so that Ctrl-C on the terminal does
//! not reach it. Built on the
//! official Rust SDK, [rmcp](https://docs.rs/rmcp).
//!
//! Only `http://` URLs are reached over streamable HTTP: the SDK's HTTP
//! client is built here without TLS.

mod config;
mod connect;
mod content;
mod set;

pub use config::{ConfigError, HttpServer, McpConfig, ServerConfig, StdioServer};
pub use connect::{log_file, ConnectOptions, PASSED_VARIABLES};
pub use set::{McpTools, ServerStatus, ToolInfo, DEFAULT_CALL_TIMEOUT, DEFAULT_MAX_RESULT_BYTES};

/// Why a server did not join the set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum McpError {
    /// Its process could not be started (or its URL used).
    #[error("MCP server \"{server}\": could not start `{command}`: {message}")]
    Start {
        /// The server's name.
        server: String,
        /// Its command line (or URL).
        command: String,
        /// Why.
        message: String,
    },
    /// It started but did not finish the MCP handshake (or list its tools).
    #[error("MCP server \"{server}\" (`{target}`) did not finish the MCP handshake: {message}")]
    Handshake {
        /// The server's name.
        server: String,
        /// Its command line or URL.
        target: String,
        /// Why, with where its stderr went.
        message: String,
    },
}

impl McpError {
    /// The name of the server.
    pub fn server(&self) -> &str {
        match self {
            McpError::Start { server, .. } | McpError::Handshake { server, .. } => server,
        }
    }
}
