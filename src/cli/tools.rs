//! The options of `chat` that run tools: MCP servers, the built-in web
//! tools, and who allows each call.

use std::path::PathBuf;

use clap::Args;

use super::values::parse_secs;

/// The long help of `--mcp`.
pub const MCP_HELP: &str = "\
Connect the MCP servers of FILE, a JSON file in the `mcpServers` shape other MCP clients use:

  {\"mcpServers\": {
    \"files\": {\"command\": \"npx\",
              \"args\": [\"-y\", \"@modelcontextprotocol/server-filesystem\", \"/tmp\"]},
    \"search\": {\"url\": \"http://127.0.0.1:8000/mcp\",
               \"headers\": {\"Authorization\": \"Bearer TOKEN\"}}}}

Their tools are offered to the model, and the calls it asks for are run (see --allow). A server \
started as a command gets only the environment its entry names plus PATH, HOME, USER, LANG, \
LC_*, TERM, TMPDIR and the like: never OLLAMA_API_KEY, -H headers or other credentials. Its \
stderr goes to <data dir>/ollama-rs/mcp/<server>.log (~/.local/share on Linux), not to the \
screen. A server that does not start is a warning, as long as another one does. An https:// \
server's certificate is checked against the system's CAs (SSL_CERT_FILE and SSL_CERT_DIR \
replace them) and --cacert's.";

/// The long help of `--allow`.
pub const ALLOW_HELP: &str = "\
Run the calls of this tool without asking (repeatable): SERVER.TOOL, SERVER.* for every tool \
of a server, or the tool's name as the model sees it. The built-in web tools are web.web_search \
and web.web_fetch. On a terminal any other call is shown and needs a yes, no or always answer; \
off a terminal it is refused, the model is told \"the user declined this tool call\", and a \
warning goes to stderr.";

/// Tools the model may call, and the rules for running them.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Tools")]
pub struct ToolArgs {
    /// MCP servers to connect: a JSON file with "mcpServers"
    #[arg(long = "mcp", value_name = "FILE", long_help = MCP_HELP)]
    pub mcp: Option<PathBuf>,

    /// An MCP server to start, as a command line (repeatable), e.g. --mcp-server 'uvx mcp-server-time'
    #[arg(long = "mcp-server", value_name = "COMMAND")]
    pub mcp_servers: Vec<String>,

    /// Offer ollama.com's web_search and web_fetch as tools (needs OLLAMA_API_KEY)
    #[arg(long)]
    pub web: bool,

    /// Run this tool's calls without asking: SERVER.TOOL or SERVER.* (repeatable)
    #[arg(long = "allow", value_name = "TOOL", long_help = ALLOW_HELP)]
    pub allow: Vec<String>,

    /// Run every tool call without asking
    #[arg(long)]
    pub allow_all: bool,

    /// Stop after N requests to the model in one turn, even if it still asks for tools
    #[arg(long, value_name = "N", default_value = "10",
          value_parser = clap::value_parser!(u32).range(1..), allow_negative_numbers = true)]
    pub max_tool_rounds: u32,

    /// Longest wait, in seconds, for one tool call (it is cancelled then)
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_secs,
          allow_negative_numbers = true)]
    pub tool_timeout: f64,
}

impl ToolArgs {
    /// Whether any tool is asked for.
    pub fn any(&self) -> bool {
        self.mcp.is_some() || !self.mcp_servers.is_empty() || self.web
    }
}
