//! `ollama.com`'s web API (`POST /api/web_search`, `/api/web_fetch`):
//! [`WebSearchRequest`], [`WebSearchResponse`], [`WebFetchRequest`] and
//! [`WebFetchResponse`]. See [`Client::web_search`](crate::Client::web_search).

use serde::{Deserialize, Serialize};

/// How many results [`WebSearchRequest::new`] asks for, as the Python client
/// does.
pub const DEFAULT_WEB_SEARCH_RESULTS: u32 = 3;

/// `POST /api/web_search`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebSearchRequest {
    /// What to search for.
    pub query: String,
    /// The most results to return (the service caps it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<u32>,
}

impl WebSearchRequest {
    /// A search for `query`, asking for [`DEFAULT_WEB_SEARCH_RESULTS`]
    /// results.
    pub fn new(query: impl Into<String>) -> Self {
        WebSearchRequest {
            query: query.into(),
            max_results: Some(DEFAULT_WEB_SEARCH_RESULTS),
        }
    }

    setter!(
        /// Sets the most results to return.
        max_results: u32
    );
}

impl From<&str> for WebSearchRequest {
    fn from(query: &str) -> Self {
        WebSearchRequest::new(query)
    }
}

impl From<String> for WebSearchRequest {
    fn from(query: String) -> Self {
        WebSearchRequest::new(query)
    }
}

/// One result of a web search.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebSearchResult {
    /// The page's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The page's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The relevant text of the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}

/// The answer of `/api/web_search`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebSearchResponse {
    /// The results, best first.
    #[serde(default)]
    pub results: Vec<WebSearchResult>,
}

/// `POST /api/web_fetch`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebFetchRequest {
    /// The page to fetch.
    pub url: String,
}

impl WebFetchRequest {
    /// A fetch of `url`.
    pub fn new(url: impl Into<String>) -> Self {
        WebFetchRequest { url: url.into() }
    }
}

impl From<&str> for WebFetchRequest {
    fn from(url: &str) -> Self {
        WebFetchRequest::new(url)
    }
}

impl From<String> for WebFetchRequest {
    fn from(url: String) -> Self {
        WebFetchRequest::new(url)
    }
}

/// The answer of `/api/web_fetch`: the page's text and links.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebFetchResponse {
    /// The page's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The page's main text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The links found on the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<String>>,
}
