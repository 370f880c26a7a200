//! The tool loop with two typed tools: the model asks for calls, the loop runs them (several at
//! once when it asks for several), sends the results back and repeats until the model answers.
//!
//! ```text
//! cargo run -p ollama-rs --example tools [MODEL] [PROMPT]
//! ```
//!
//! The server is `OLLAMA_HOST` (default local); the model is the first argument, else
//! `OLLAMA_MODEL`, else `llama3.2` (it must support tools).

use ollama_rs::schemars::JsonSchema;
use ollama_rs::{ChatRequest, Client, Message, ToolLoop, Tools};
use serde::Deserialize;

/// The arguments of `get_weather`. The doc comments become the schema's descriptions, which
/// the model reads.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "ollama_rs::schemars")]
struct City {
    /// The city's name, e.g. "Paris".
    city: String,
}

/// The arguments of `add`.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "ollama_rs::schemars")]
struct Sum {
    /// The first number.
    a: i64,
    /// The second number.
    b: i64,
}

#[tokio::main]
async fn main() -> ollama_rs::Result<()> {
    let mut args = std::env::args().skip(1);
    let model = args
        .next()
        .or_else(|| std::env::var("OLLAMA_MODEL").ok())
        .unwrap_or_else(|| "llama3.2".to_string());
    let prompt = args
        .next()
        .unwrap_or_else(|| "What is the weather in Paris? And what is 2 + 3?".to_string());

    let client = Client::new()?;

    // Each tool is an async function of its typed arguments; an error becomes the text the
    // model is given, and the loop goes on.
    let tools = Tools::new()
        .add(
            "get_weather",
            "The current weather in a city",
            |args: City| async move { Ok::<_, std::io::Error>(format!("sunny in {}", args.city)) },
        )
        .add("add", "Adds two integers", |args: Sum| async move {
            Ok::<_, std::io::Error>((args.a + args.b).to_string())
        });

    let request = ChatRequest::new(model, [Message::user(prompt)]);
    let outcome = ToolLoop::new(&client, tools)
        .max_rounds(5)
        .run(request)
        .await?;

    for call in &outcome.calls {
        // `name({"json":"arguments"})`, then what the tool gave back.
        println!("call {} -> {}", call.call, call.text());
    }
    println!("answer: {}", outcome.content());
    Ok(())
}
