//! `--web`: ollama.com's web search and fetch, as tools.

use ollama_rs::schemars::JsonSchema;
use ollama_rs::{Client, Tools, WebFetchRequest, WebSearchRequest};
use serde::Deserialize;

/// Arguments of `web_search`.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "ollama_rs::schemars")]
struct Search {
    /// What to search for.
    query: String,
    /// How many results (1 to 10, default 3).
    max_results: Option<u32>,
}

/// Arguments of `web_fetch`.
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "ollama_rs::schemars")]
struct Fetch {
    /// The page's URL.
    url: String,
}

/// `web_search` and `web_fetch` on `client` (its API key and web URL).
pub fn tools(client: &Client) -> Tools {
    let search = client.clone();
    let fetch = client.clone();
    Tools::new()
        .add(
            "web_search",
            "Searches the web; returns titles, URLs and text of the results",
            move |a: Search| {
                let client = search.clone();
                async move {
                    let mut req = WebSearchRequest::new(a.query);
                    if let Some(n) = a.max_results {
                        req.max_results = Some(n.clamp(1, 10));
                    }
                    let found = client.web_search(req).await?;
                    let text: Vec<String> = found
                        .results
                        .iter()
                        .map(|r| {
                            let part = |s: &Option<String>| s.clone().unwrap_or_default();
                            format!("{}\n{}\n{}", part(&r.title), part(&r.url), part(&r.content))
                        })
                        .collect();
                    Ok::<_, ollama_rs::Error>(text.join("\n\n"))
                }
            },
        )
        .add(
            "web_fetch",
            "Fetches a web page; returns its title, text and links",
            move |a: Fetch| {
                let client = fetch.clone();
                async move {
                    let page = client.web_fetch(WebFetchRequest::new(a.url)).await?;
                    Ok::<_, ollama_rs::Error>(format!(
                        "{}\n\n{}\n\nlinks: {}",
                        page.title.unwrap_or_default(),
                        page.content.unwrap_or_default(),
                        page.links.unwrap_or_default().join(", ")
                    ))
                }
            },
        )
}
