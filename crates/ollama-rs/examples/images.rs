//! A vision chat: one image file, read and encoded by `Image::from_path`, sent with a question.
//!
//! ```text
//! cargo run -p ollama-rs --example images IMAGE [MODEL] [QUESTION]
//! ```
//!
//! The server is `OLLAMA_HOST` (default local); the model is the second argument, else
//! `OLLAMA_VISION_MODEL`, else `llava` (it must accept images).

use ollama_rs::{ChatRequest, Client, Image, Message};

#[tokio::main]
async fn main() -> ollama_rs::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: images IMAGE [MODEL] [QUESTION]");
        std::process::exit(2);
    };
    let model = args
        .next()
        .or_else(|| std::env::var("OLLAMA_VISION_MODEL").ok())
        .unwrap_or_else(|| "llava".to_string());
    let question = args
        .next()
        .unwrap_or_else(|| "What is in this picture?".to_string());

    // A file that cannot be read is `Error::Io`, naming the path.
    let image = Image::from_path(&path)?;
    let message = Message::user(question).images([image]);

    let client = Client::new()?;
    let reply = client.chat(ChatRequest::new(model, [message])).await?;
    println!("{}", reply.message.content);
    Ok(())
}
