//! Structured output: the JSON Schema of a Rust type goes as the request's `format`, and the
//! answer comes back as that type.
//!
//! ```text
//! cargo run -p ollama-rs --example structured [MODEL] [PROMPT]
//! ```
//!
//! The server is `OLLAMA_HOST` (default local); the model is the first argument, else
//! `OLLAMA_MODEL`, else `llama3.2`.

use ollama_rs::schemars::JsonSchema;
use ollama_rs::{ChatRequest, Client, Error, Message};
use serde::Deserialize;

/// What we want to know about a country. Derive `JsonSchema` through the re-exported
/// `ollama_rs::schemars`, so that its version is the library's.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(crate = "ollama_rs::schemars")]
struct Country {
    /// The country's name.
    name: String,
    /// Its capital city.
    capital: String,
    /// The languages spoken there.
    languages: Vec<String>,
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
        .unwrap_or_else(|| "Tell me about Canada.".to_string());

    let client = Client::new()?;
    let request = ChatRequest::new(model, [Message::user(prompt)]);
    match client.chat_as::<Country>(request).await {
        Ok(country) => {
            println!("{country:?}");
            println!(
                "{}: capital {}, speaks {}",
                country.name,
                country.capital,
                country.languages.join(", ")
            );
            Ok(())
        }
        // The model answered, but not with a `Country`: the error keeps the raw text.
        Err(e @ Error::Structured { .. }) => {
            eprintln!("the answer did not fit: {e}");
            Err(e)
        }
        Err(e) => Err(e),
    }
}
