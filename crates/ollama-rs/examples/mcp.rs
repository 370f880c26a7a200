//! The tools of MCP servers in a tool loop: connects the servers of an
//! `mcpServers` configuration file, lets the model call their tools, and
//! prints each call and the answer.
//!
//! ```sh
//! cargo run -p ollama-rs --features mcp --example mcp -- servers.json [MODEL] [PROMPT]
//! ```
//!
//! `servers.json` is the file other MCP clients use, e.g.
//! `{"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}}}`.
//! The servers' stderr goes to `mcp-logs/` in the current folder.

use futures_util::StreamExt;
use ollama_rs::mcp::{ConnectOptions, McpConfig, McpTools};
use ollama_rs::{ChatRequest, Client, Message, ToolEvent, ToolLoop};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        return Err("usage: mcp SERVERS.json [MODEL] [PROMPT]".into());
    };
    let model = args
        .next()
        .or_else(|| std::env::var("OLLAMA_MODEL").ok())
        .unwrap_or_else(|| "llama3.2".into());
    let prompt = args
        .next()
        .unwrap_or_else(|| "What tools do you have? Use one.".into());

    let config = McpConfig::from_file(path.as_ref())?;
    let options = ConnectOptions::default().log_dir("mcp-logs");
    let (tools, failures) = McpTools::connect(&config, &options).await;
    for failure in &failures {
        eprintln!("warning: {failure}");
    }
    if tools.is_empty() {
        return Err("no MCP server offers any tool".into());
    }
    for tool in tools.tools() {
        println!("tool {} ({}.{})", tool.name, tool.server, tool.tool);
    }

    let client = Client::new()?;
    let request = ChatRequest::new(model, [Message::user(prompt)]);
    let mut events = ToolLoop::new(&client, &tools).max_rounds(5).stream(request);
    while let Some(event) = events.next().await {
        match event? {
            ToolEvent::ToolResult(record) => {
                let name = &record.call.function.name;
                let (server, tool) = tools.origin(name).unwrap_or(("?", name));
                println!("call {server}.{tool} -> {}", record.text());
            }
            ToolEvent::Done(outcome) => println!("answer: {}", outcome.content()),
            _ => {}
        }
    }
    drop(events);
    tools.shutdown().await;
    Ok(())
}
