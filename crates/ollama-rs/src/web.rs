//! [`Client::web_search`] and [`Client::web_fetch`]: ollama.com's web API,
//! as the Python client has it.

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use reqwest::Method;

use crate::client::Client;
use crate::error::{Error, Result};
use crate::headers::user_agent;
use crate::types::{WebFetchRequest, WebFetchResponse, WebSearchRequest, WebSearchResponse};

impl Client {
    /// Searches the web with ollama.com's web search
    /// (`POST https://ollama.com/api/web_search`, or under
    /// [`ClientBuilder::web_base_url`](crate::ClientBuilder::web_base_url)).
    ///
    /// It needs an API key ([`ClientBuilder::api_key`](crate::ClientBuilder::api_key),
    /// `OLLAMA_API_KEY` by default, or an `Authorization: Bearer` header):
    /// without one it fails with [`Error::InvalidRequest`] before sending
    /// anything. Only the key and the client's standard headers go to
    /// ollama.com: not the other headers given for the Ollama server, nor the
    /// host's user name and password.
    ///
    /// A `&str` asks for [`DEFAULT_WEB_SEARCH_RESULTS`](crate::DEFAULT_WEB_SEARCH_RESULTS)
    /// results, like the Python client:
    ///
    /// ```no_run
    /// use ollama_rs::{Client, WebSearchRequest};
    /// # async fn demo() -> ollama_rs::Result<()> {
    /// let client = Client::builder().api_key(Some("my-key".into())).build()?;
    /// for result in client.web_search("what is ollama?").await?.results {
    ///     println!("{:?}: {:?}", result.title, result.url);
    /// }
    /// let more = client.web_search(WebSearchRequest::new("rust").max_results(10)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn web_search(
        &self,
        request: impl Into<WebSearchRequest>,
    ) -> Result<WebSearchResponse> {
        let request = request.into();
        if request.query.trim().is_empty() {
            return Err(Error::InvalidRequest("a search query is required".into()));
        }
        self.web_post("/api/web_search", "web search", &request)
            .await
    }

    /// Fetches a web page's title, text and links with ollama.com's web
    /// fetch (`POST https://ollama.com/api/web_fetch`). The key rules of
    /// [`web_search`](Self::web_search) apply.
    pub async fn web_fetch(&self, request: impl Into<WebFetchRequest>) -> Result<WebFetchResponse> {
        let request = request.into();
        if request.url.trim().is_empty() {
            return Err(Error::InvalidRequest("a URL to fetch is required".into()));
        }
        self.web_post("/api/web_fetch", "web fetch", &request).await
    }

    async fn web_post<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
        body: &B,
    ) -> Result<T> {
        let (base, auth) = self.web_settings();
        let Some(auth) = auth else {
            return Err(Error::InvalidRequest(format!(
                "{what} needs an ollama.com API key: set OLLAMA_API_KEY, or give one with \
                 ClientBuilder::api_key or an `Authorization: Bearer` header"
            )));
        };
        let url = format!("{}{path}", base.as_str().trim_end_matches('/'));
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Ok(agent) = HeaderValue::from_str(&user_agent()) {
            headers.insert(USER_AGENT, agent);
        }
        headers.insert(AUTHORIZATION, auth.clone());
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidRequest(format!("could not encode the request: {e}")))?;
        let rb = self
            .http_client()
            .request(Method::POST, url)
            .headers(headers)
            .body(body);
        let resp = self.send(rb).await?;
        self.read_json(resp).await
    }
}
