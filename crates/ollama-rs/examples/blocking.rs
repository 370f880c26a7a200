//! The blocking client: list the models, one generate, one chat. No async runtime needed.
//!
//! ```text
//! cargo run -p ollama-rs --example blocking [MODEL]
//! ```
//!
//! The server is `OLLAMA_HOST` (default `http://127.0.0.1:11434`); the model is the first
//! argument, else `OLLAMA_MODEL`, else `llama3.2`.

use ollama_rs::blocking::Client;
use ollama_rs::{ChatRequest, GenerateRequest, Message};

fn main() -> ollama_rs::Result<()> {
    let model = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("OLLAMA_MODEL").ok())
        .unwrap_or_else(|| "llama3.2".to_string());

    // Reads OLLAMA_HOST; the client runs its own runtime inside.
    let client = Client::new()?;

    // The models the server has.
    println!("models:");
    for m in client.list()?.models {
        println!("  {}", m.name());
    }

    // One completion, whole.
    let reply = client.generate(GenerateRequest::new(&model, "Why is the sky blue?"))?;
    println!("generate: {}", reply.response);

    // One chat turn: the history is a list of messages.
    let messages = vec![
        Message::system("You answer in one sentence."),
        Message::user("What is Rust?"),
    ];
    let reply = client.chat(ChatRequest::new(&model, messages))?;
    println!("chat: {}", reply.message.content);
    Ok(())
}
