//! Several requests at once, like `asyncio.gather` in Python: one `Client` (cheap to clone,
//! sharing its connections) and `try_join_all` over a few chats, which all run concurrently.
//!
//! ```text
//! cargo run -p ollama-rs --example concurrent [MODEL]
//! ```
//!
//! The server is `OLLAMA_HOST` (default local); the model is the first argument, else
//! `OLLAMA_MODEL`, else `llama3.2`.

use futures_util::future::try_join_all;
use ollama_rs::{ChatRequest, Client, Message};

#[tokio::main]
async fn main() -> ollama_rs::Result<()> {
    let model = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("OLLAMA_MODEL").ok())
        .unwrap_or_else(|| "llama3.2".to_string());
    let client = Client::new()?;

    let questions = [
        "Why is the sky blue?",
        "Why is the sea salty?",
        "Why do cats purr?",
    ];
    // One future per question; nothing is sent until they are awaited together.
    let chats = questions
        .iter()
        .map(|q| client.chat(ChatRequest::new(model.as_str(), [Message::user(*q)])));
    // The first error wins; `join_all` would give every result instead.
    let replies = try_join_all(chats).await?;

    // The replies come back in the order of the questions.
    for (question, reply) in questions.iter().zip(replies) {
        println!("{question}\n  {}", reply.message.content);
    }
    Ok(())
}
