//! Pull a model with a progress bar, drawn with plain text (no terminal crate needed).
//!
//! ```text
//! cargo run -p ollama-rs --example pull [MODEL]
//! ```
//!
//! The server is `OLLAMA_HOST` (default local); the model is the first argument, else
//! `OLLAMA_MODEL`, else `llama3.2`.

use std::io::Write;

use ollama_rs::prelude::*;
use ollama_rs::{Client, PullRequest};

/// `[#########...........]  45%` for `done` of `total`.
fn bar(done: u64, total: u64) -> String {
    const WIDTH: u64 = 30;
    let filled = (done.min(total) * WIDTH).checked_div(total).unwrap_or(0);
    let percent = (done.min(total) * 100).checked_div(total).unwrap_or(0);
    format!(
        "[{}{}] {percent:>3}%",
        "#".repeat(filled as usize),
        ".".repeat((WIDTH - filled) as usize)
    )
}

#[tokio::main]
async fn main() -> ollama_rs::Result<()> {
    let model = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("OLLAMA_MODEL").ok())
        .unwrap_or_else(|| "llama3.2".to_string());

    let client = Client::new()?;
    let mut stream = client.pull_stream(PullRequest::new(&model)).await?;

    // Each part is a status (`pulling manifest`, `verifying sha256 digest`, `success`), or the
    // byte count of one layer (`digest`, `total`, `completed`).
    let mut last_status = String::new();
    let mut last_digest = String::new();
    let mut bar_open = false;
    let mut stdout = std::io::stdout();
    while let Some(part) = stream.next().await {
        let part = part?;
        if let (Some(total), Some(digest)) = (part.total, part.digest.as_deref()) {
            // A new layer gets a line of its own; the finished one stays on screen.
            if bar_open && digest != last_digest {
                println!();
            }
            last_digest = digest.to_string();
            let short = digest.trim_start_matches("sha256:");
            let short = &short[..short.len().min(12)];
            // `\r` draws the bar over itself.
            print!("\r{short} {}", bar(part.completed.unwrap_or(0), total));
            stdout.flush().ok();
            bar_open = true;
        } else if part.status != last_status {
            if bar_open {
                println!();
                bar_open = false;
            }
            println!("{}", part.status);
        }
        last_status = part.status;
    }
    if bar_open {
        println!();
    }
    Ok(())
}
