//! Create a model from a Modelfile: parse it, turn it into the values of a create request and
//! stream the server's progress.
//!
//! ```text
//! cargo run -p ollama-rs --example create MODELFILE [NAME]
//! ```
//!
//! The server is `OLLAMA_HOST` (default local); the new model's name is the second argument,
//! else `my-model`. This handles a `FROM` that names a model; a `FROM` of local files would
//! first upload them with `Client::create_blob` and send their digests as `files`.

use ollama_rs::modelfile;
use ollama_rs::prelude::*;
use ollama_rs::{Client, CreateRequest, Message, Options};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: create MODELFILE [NAME]");
        std::process::exit(2);
    };
    let name = args.next().unwrap_or_else(|| "my-model".to_string());

    // Parse with the official grammar; errors say the line and column.
    let text = std::fs::read_to_string(&path)?;
    let parsed = modelfile::parse(&text)?;
    parsed.require_from()?;
    let parts = parsed.to_parts();
    for warning in &parts.warnings {
        eprintln!("warning: {warning}");
    }

    // The parts become the fields of the request.
    let mut request = CreateRequest::new(&name);
    if let Some(from) = parts.from {
        request = request.from_model(from);
    }
    if let Some(template) = parts.template {
        request = request.template(template);
    }
    if let Some(system) = parts.system {
        request = request.system(system);
    }
    if !parts.license.is_empty() {
        request = request.license(parts.license);
    }
    if !parts.parameters.is_empty() {
        let mut options = Options::default();
        for (key, value) in parts.parameters {
            options.set(&key, value)?;
        }
        request = request.parameters(options);
    }
    if !parts.messages.is_empty() {
        let messages = parts
            .messages
            .into_iter()
            .map(|(role, content)| Message::new(role.as_str().into(), content));
        request = request.messages(messages);
    }

    // The server answers with status lines, the last one `success`.
    let client = Client::new()?;
    let mut stream = client.create_stream(request).await?;
    while let Some(part) = stream.next().await {
        println!("{}", part?.status);
    }
    println!("created {name}");
    Ok(())
}
