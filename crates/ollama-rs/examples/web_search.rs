//! ollama.com's web search and web fetch. They need an API key from ollama.com in
//! `OLLAMA_API_KEY` (sent as `Authorization: Bearer <key>`).
//!
//! ```text
//! OLLAMA_API_KEY=... cargo run -p ollama-rs --example web_search [QUERY]
//! ```
//!
//! `OLLAMA_WEB_BASE_URL` sends the requests elsewhere than `https://ollama.com` (a test server).

use ollama_rs::{Client, WebFetchRequest, WebSearchRequest};

#[tokio::main]
async fn main() -> ollama_rs::Result<()> {
    let query = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "what is ollama?".to_string());

    // The key comes from OLLAMA_API_KEY by itself.
    let mut builder = Client::builder();
    if let Ok(url) = std::env::var("OLLAMA_WEB_BASE_URL") {
        builder = builder.web_base_url(url);
    }
    let client = builder.build()?;

    let found = client
        .web_search(WebSearchRequest::new(query).max_results(3))
        .await?;
    for result in &found.results {
        println!(
            "{}\n  {}",
            result.title.as_deref().unwrap_or("(no title)"),
            result.url.as_deref().unwrap_or("")
        );
    }

    // Fetch the first result's page: its title, text and links.
    if let Some(url) = found.results.first().and_then(|r| r.url.clone()) {
        let page = client.web_fetch(WebFetchRequest::new(url)).await?;
        println!("fetched: {}", page.title.as_deref().unwrap_or("(no title)"));
        let content = page.content.unwrap_or_default();
        println!("{}", content.chars().take(300).collect::<String>());
        println!("links: {}", page.links.map_or(0, |l| l.len()));
    }
    Ok(())
}
