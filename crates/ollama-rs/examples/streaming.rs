//! Tokens as they come: print each part of a generate stream at once, then the statistics of
//! the whole answer, folded from the parts.
//!
//! ```text
//! cargo run -p ollama-rs --example streaming [MODEL] [PROMPT]
//! ```
//!
//! The server is `OLLAMA_HOST` (default local); the model is the first argument, else
//! `OLLAMA_MODEL`, else `llama3.2`.

use std::io::Write;

use ollama_rs::prelude::*;
use ollama_rs::{Client, GenerateRequest, GenerateResponse};

#[tokio::main]
async fn main() -> ollama_rs::Result<()> {
    let mut args = std::env::args().skip(1);
    let model = args
        .next()
        .or_else(|| std::env::var("OLLAMA_MODEL").ok())
        .unwrap_or_else(|| "llama3.2".to_string());
    let prompt = args
        .next()
        .unwrap_or_else(|| "Tell me a short story.".to_string());

    let client = Client::new()?;
    let mut stream = client
        .generate_stream(GenerateRequest::new(model, prompt))
        .await?;

    // Each part holds the next few characters; the last one (`done: true`) holds the stats.
    // `Accumulate` adds the parts up to what a non-streamed request would have answered
    // (`stream.fold_response().await` does the same when nothing needs printing on the way).
    let mut whole: Option<GenerateResponse> = None;
    let mut stdout = std::io::stdout();
    while let Some(part) = stream.next().await {
        let part = part?;
        print!("{}", part.response);
        stdout.flush().ok();
        match whole.as_mut() {
            Some(w) => w.accumulate(part),
            None => whole = Some(part),
        }
    }
    println!();

    let whole = whole.expect("a stream ends with its done part, or with an error");
    let metrics = whole.metrics();
    println!(
        "done reason: {}",
        whole.done_reason.as_deref().unwrap_or("?")
    );
    println!("characters: {}", whole.response.chars().count());
    println!("tokens: {}", metrics.eval_count.unwrap_or(0));
    if let Some(rate) = metrics.eval_rate() {
        println!("tokens per second: {rate:.1}");
    }
    Ok(())
}
