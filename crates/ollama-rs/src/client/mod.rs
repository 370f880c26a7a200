//! The asynchronous [`Client`].
//!
//! Request building, response decoding and error mapping live here once; the
//! [blocking client](crate::blocking::Client) wraps this one.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use futures_util::TryStreamExt;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use tracing::Instrument as _;

use crate::error::{Error, Result};
use crate::headers::user_agent;
use crate::host::{Host, HostError};
use crate::ndjson::{self, decode_document, ResponseStream};
use crate::redirect::{Chain, Next, Sent};
use crate::retry::RetryPolicy;
use crate::types::*;

mod builder;

pub use builder::ClientBuilder;

/// An asynchronous client for one Ollama server.
///
/// Cheap to clone: clones share the connection pool.
///
/// ```no_run
/// use futures_util::StreamExt;
/// use ollama_rs::{Client, GenerateRequest};
///
/// # async fn demo() -> ollama_rs::Result<()> {
/// let client = Client::new()?; // OLLAMA_HOST, or http://127.0.0.1:11434
/// let reply = client.generate(GenerateRequest::new("llama3.2", "Why is the sky blue?")).await?;
/// println!("{}", reply.response);
///
/// let mut stream = client.generate_stream(GenerateRequest::new("llama3.2", "Count to 3")).await?;
/// while let Some(part) = stream.next().await {
///     print!("{}", part?.response);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    /// The host (without credentials), the header names, and the line limit:
    /// never a header's value, which may be a credential.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.inner.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("Client")
            .field("host", &self.inner.host)
            .field("headers", &names)
            .field("max_line", &self.inner.max_line)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

struct Inner {
    /// The client for the server's URLs (and every URL, when the server's
    /// are https:// or the caller gave the client).
    http: reqwest::Client,
    /// For a plain-HTTP server, the client of https:// URLs.
    https: Option<builder::LazyHttps>,
    host: Host,
    headers: HeaderMap,
    max_line: usize,
    /// Whether the client follows redirects itself (see `redirect`).
    follow_redirects: bool,
    retry: RetryPolicy,
    /// Where `/api/web_search` and `/api/web_fetch` are (`https://ollama.com`).
    web_base: url::Url,
    /// `Bearer <key>` for the web API, if there is a key.
    web_auth: Option<HeaderValue>,
}

/// Where [`Client::web_search`] and [`Client::web_fetch`] send requests
/// unless [`ClientBuilder::web_base_url`] says otherwise.
pub const DEFAULT_WEB_BASE_URL: &str = "https://ollama.com";

fn require_model(model: &str) -> Result<()> {
    if model.trim().is_empty() {
        return Err(Error::InvalidRequest("model is required".into()));
    }
    Ok(())
}

impl Client {
    /// A client for the server named by `OLLAMA_HOST` (default
    /// `http://127.0.0.1:11434`), with no timeout.
    pub fn new() -> Result<Client> {
        ClientBuilder::default().build()
    }

    /// A client for the given host, in any form `OLLAMA_HOST` accepts.
    pub fn with_host(host: impl Into<String>) -> Result<Client> {
        ClientBuilder::default().host(host).build()
    }

    /// Starts building a client with other settings.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The server this client talks to.
    pub fn host(&self) -> &Host {
        &self.inner.host
    }

    pub(crate) fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The web API's base URL and its `Authorization` value, if any.
    pub(crate) fn web_settings(&self) -> (&url::Url, Option<&HeaderValue>) {
        (&self.inner.web_base, self.inner.web_auth.as_ref())
    }

    pub(crate) fn map_err(&self, e: reqwest::Error) -> Error {
        let host = self.inner.host.to_string();
        if e.is_timeout() {
            Error::Timeout {
                host,
                source: Some(e),
            }
        } else if e.is_connect() {
            Error::Connect { host, source: e }
        } else {
            Error::Http { host, source: e }
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.inner
            .http
            .request(method, self.inner.host.url(path))
            .headers(self.inner.headers.clone())
    }

    /// A request whose `name` header is `value` instead of the built-in
    /// `application/json`; a value the caller set on the builder is kept.
    /// (`RequestBuilder::header` appends, which would send both values.)
    fn request_with(
        &self,
        method: Method,
        path: &str,
        name: HeaderName,
        value: &'static str,
    ) -> reqwest::RequestBuilder {
        let mut headers = self.inner.headers.clone();
        if headers.get(&name).is_none_or(|v| v == "application/json") {
            headers.insert(name, HeaderValue::from_static(value));
        }
        self.inner
            .http
            .request(method, self.inner.host.url(path))
            .headers(headers)
    }

    /// Sends a request and checks the status; a non-success answer becomes
    /// [`Error::Api`].
    pub(crate) async fn send(&self, rb: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let resp = self.execute(rb).await?;
        if resp.status().is_success() {
            return Ok(resp);
        }
        Err(self.api_error(resp).await)
    }

    /// Sends a request, inside a tracing span `ollama.request`: follows
    /// redirects (see `redirect`) and retries as the policy allows (see
    /// `retry`). Any answer is returned, success or not.
    pub(crate) async fn execute(&self, rb: reqwest::RequestBuilder) -> Result<reqwest::Response> {
        let request = rb.build().map_err(|e| self.map_err(e))?;
        let span = tracing::debug_span!(
            "ollama.request",
            method = %request.method(),
            server = %request.url().origin().ascii_serialization(),
            path = request.url().path(),
            status = tracing::field::Empty,
            retries = tracing::field::Empty,
            redirects = tracing::field::Empty,
            error = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let start = std::time::Instant::now();
        let result = self
            .execute_hops(request, &span)
            .instrument(span.clone())
            .await;
        span.record("duration_ms", start.elapsed().as_millis() as u64);
        if let Err(e) = &result {
            span.record("error", error_kind(e));
        }
        result
    }

    async fn execute_hops(
        &self,
        mut request: reqwest::Request,
        span: &tracing::Span,
    ) -> Result<reqwest::Response> {
        let inner = &self.inner;
        let mut chain = Chain::new(request.url());
        let mut retries = 0u32;
        loop {
            let mut sent = Sent::of(&request);
            let http = match (&inner.https, request.url().scheme()) {
                (Some(lazy), "https") => lazy.get().map_err(|e| self.map_err(e))?,
                _ => &inner.http,
            };
            let resp = match http.execute(request).await {
                Ok(resp) => resp,
                Err(e) => {
                    // Nothing was sent: a retry cannot do anything twice.
                    if e.is_connect() && retries < inner.retry.max_retries() {
                        if let Some(copy) = sent.copy {
                            let wait = inner.retry.backoff(retries);
                            retries += 1;
                            span.record("retries", retries);
                            tracing::debug!(
                                retry = retries,
                                wait_ms = wait.as_millis() as u64,
                                "could not connect; retrying"
                            );
                            tokio::time::sleep(wait).await;
                            request = copy;
                            continue;
                        }
                    }
                    return Err(self.map_err(e));
                }
            };
            let status = resp.status();
            span.record("status", status.as_u16());
            if retries < inner.retry.max_retries() {
                if let Some(wait) = inner.retry.wait_for_answer(status, resp.headers()) {
                    if let Some(copy) = sent.copy.take() {
                        drop(resp);
                        retries += 1;
                        span.record("retries", retries);
                        tracing::debug!(
                            status = status.as_u16(),
                            retry = retries,
                            wait_ms = wait.as_millis() as u64,
                            "the server asked to retry later; retrying"
                        );
                        tokio::time::sleep(wait).await;
                        request = copy;
                        continue;
                    }
                }
            }
            if !inner.follow_redirects {
                return Ok(resp);
            }
            match chain.next(sent, resp) {
                Next::Done(resp) => return Ok(resp),
                Next::Follow(next) => {
                    span.record("redirects", chain.redirects());
                    tracing::debug!(
                        status = status.as_u16(),
                        to_server = %next.url().origin().ascii_serialization(),
                        to_path = next.url().path(),
                        credentials_dropped = chain.stripped(),
                        "following a redirect"
                    );
                    request = *next;
                }
                Next::Refuse(message) => {
                    return Err(Error::Redirect {
                        host: inner.host.to_string(),
                        message,
                    })
                }
            }
        }
    }

    async fn api_error(&self, resp: reqwest::Response) -> Error {
        let status = resp.status();
        let body = resp.bytes().await.unwrap_or_default();
        Error::Api {
            status: status.as_u16(),
            message: error_message(status, &body),
        }
    }

    async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        let resp = self
            .send(self.request(Method::POST, path).body(to_json(body)?))
            .await?;
        self.read_json(resp).await
    }

    async fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let resp = self.send(self.request(Method::GET, path)).await?;
        self.read_json(resp).await
    }

    pub(crate) async fn read_json<T: DeserializeOwned>(
        &self,
        resp: reqwest::Response,
    ) -> Result<T> {
        let body = self.read_body(resp).await?;
        decode_document(&body)
    }

    /// The whole body in one buffer. `Response::bytes` gathers the chunks and then copies them
    /// into a second buffer, which doubles the memory of a large answer; here each chunk is
    /// copied once into a buffer sized from `Content-Length` when there is one. Without it (any
    /// document over 2 KiB) the buffer grows by doubling, and the allocator moves large buffers
    /// by remapping pages rather than copying, so only the bytes received take memory.
    async fn read_body(&self, mut resp: reqwest::Response) -> Result<Vec<u8>> {
        // A bogus length must not reserve gigabytes before a byte arrives.
        const PRESIZE_LIMIT: u64 = 64 << 20;
        let expected = resp.content_length().unwrap_or(0).min(PRESIZE_LIMIT);
        let mut body = Vec::with_capacity(expected as usize);
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.map_err(e))? {
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn post_stream<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<ResponseStream<T>> {
        let resp = self
            .send(
                self.request_with(Method::POST, path, ACCEPT, "application/x-ndjson")
                    .body(to_json(body)?),
            )
            .await?;
        let this = self.clone();
        let bytes = resp.bytes_stream().map_err(move |e| this.map_err(e));
        Ok(ResponseStream::new(bytes, self.inner.max_line))
    }

    /// Posts `body` to an API `path` (such as `/api/generate`) and decodes
    /// the whole answer as `T`.
    ///
    /// Unlike the typed methods, this sends `body` exactly as given (it does
    /// not set `stream` nor check the model). With `T = serde_json::Value`
    /// every field the server sent is kept, even fields newer than this
    /// crate's types, which the typed responses drop.
    ///
    /// ```no_run
    /// # async fn demo(client: ollama_rs::Client) -> ollama_rs::Result<()> {
    /// use ollama_rs::GenerateRequest;
    /// let req = GenerateRequest::new("llama3.2", "Hi").stream(false);
    /// let reply: serde_json::Value = client.post_as("/api/generate", &req).await?;
    /// println!("{reply}");
    /// # Ok(()) }
    /// ```
    pub async fn post_as<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.post_json(path, body).await
    }

    /// Like [`post_as`](Self::post_as), for a streamed answer: one `T` per
    /// line, ending at the first error (an `{"error": ...}` line becomes
    /// [`Error::Stream`]).
    pub async fn post_stream_as<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<ResponseStream<T>> {
        self.post_stream(path, body).await
    }

    /// Generates a completion and returns it whole (`stream: false`).
    pub async fn generate(&self, mut request: GenerateRequest) -> Result<GenerateResponse> {
        require_model(&request.model)?;
        request.stream = Some(false);
        self.post_json("/api/generate", &request).await
    }

    /// Generates a completion as a stream of fragments; the last one has
    /// `done: true` and the statistics.
    pub async fn generate_stream(
        &self,
        mut request: GenerateRequest,
    ) -> Result<ResponseStream<GenerateResponse>> {
        require_model(&request.model)?;
        request.stream = Some(true);
        let stream = self.post_stream("/api/generate", &request).await?;
        Ok(stream.expect_last(|r: &GenerateResponse| r.done))
    }

    /// Sends a chat and returns the whole reply (`stream: false`).
    pub async fn chat(&self, mut request: ChatRequest) -> Result<ChatResponse> {
        require_model(&request.model)?;
        request.stream = Some(false);
        self.post_json("/api/chat", &request).await
    }

    /// Sends a chat and streams the reply; the last item has `done: true`.
    pub async fn chat_stream(
        &self,
        mut request: ChatRequest,
    ) -> Result<ResponseStream<ChatResponse>> {
        require_model(&request.model)?;
        request.stream = Some(true);
        let stream = self.post_stream("/api/chat", &request).await?;
        Ok(stream.expect_last(|r: &ChatResponse| r.done))
    }

    /// Computes embeddings (`/api/embed`).
    pub async fn embed(&self, request: EmbedRequest) -> Result<EmbedResponse> {
        require_model(&request.model)?;
        let mut resp = self
            .send(
                self.request(Method::POST, "/api/embed")
                    .body(to_json(&request)?),
            )
            .await?;
        // Vectors are most of a large answer: they are parsed as the body arrives, and the
        // body itself is never held whole (see `embeddings`).
        let mut reader = crate::embeddings::EmbedReader::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.map_err(e))? {
            reader.feed(&chunk)?;
        }
        reader.finish()
    }

    /// Computes one embedding with the deprecated `/api/embeddings`.
    #[deprecated(note = "use `embed`: `/api/embeddings` is deprecated by the server")]
    pub async fn embeddings(&self, request: EmbeddingsRequest) -> Result<EmbeddingsResponse> {
        require_model(&request.model)?;
        self.post_json("/api/embeddings", &request).await
    }

    /// Pulls a model and returns the final status (`stream: false`).
    pub async fn pull(&self, mut request: PullRequest) -> Result<ProgressResponse> {
        require_model(&request.model)?;
        request.stream = Some(false);
        self.post_json("/api/pull", &request).await
    }

    /// Pulls a model, streaming its progress.
    pub async fn pull_stream(
        &self,
        mut request: PullRequest,
    ) -> Result<ResponseStream<ProgressResponse>> {
        require_model(&request.model)?;
        request.stream = Some(true);
        self.post_stream("/api/pull", &request).await
    }

    /// Pushes a model and returns the final status (`stream: false`).
    pub async fn push(&self, mut request: PushRequest) -> Result<ProgressResponse> {
        require_model(&request.model)?;
        request.stream = Some(false);
        self.post_json("/api/push", &request).await
    }

    /// Pushes a model, streaming its progress.
    pub async fn push_stream(
        &self,
        mut request: PushRequest,
    ) -> Result<ResponseStream<ProgressResponse>> {
        require_model(&request.model)?;
        request.stream = Some(true);
        self.post_stream("/api/push", &request).await
    }

    /// Creates a model and returns the final status (`stream: false`).
    pub async fn create(&self, mut request: CreateRequest) -> Result<ProgressResponse> {
        require_model(&request.model)?;
        request.stream = Some(false);
        self.post_json("/api/create", &request).await
    }

    /// Creates a model, streaming its progress.
    pub async fn create_stream(
        &self,
        mut request: CreateRequest,
    ) -> Result<ResponseStream<ProgressResponse>> {
        require_model(&request.model)?;
        request.stream = Some(true);
        self.post_stream("/api/create", &request).await
    }

    /// Whether the server has the blob `sha256:<hex>`.
    pub async fn blob_exists(&self, digest: &str) -> Result<bool> {
        let resp = self
            .execute(self.request(Method::HEAD, &format!("/api/blobs/{digest}")))
            .await?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(self.api_error(resp).await),
        }
    }

    /// Uploads a file as a blob unless the server has it already, and
    /// returns its digest `sha256:<hex>`.
    ///
    /// The file is read twice in a streaming fashion, once to hash it and
    /// once to upload it, so memory stays constant whatever its size.
    pub async fn create_blob(&self, path: impl AsRef<Path>) -> Result<String> {
        self.create_blob_with_progress(path, |_| {}).await
    }

    /// [`create_blob`](Self::create_blob), calling `progress` as bytes are
    /// hashed and uploaded.
    pub async fn create_blob_with_progress(
        &self,
        path: impl AsRef<Path>,
        progress: impl Fn(BlobProgress) + Send + Sync + 'static,
    ) -> Result<String> {
        let path = path.as_ref().to_path_buf();
        let progress = Arc::new(progress);
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        let size = tokio::fs::metadata(&path)
            .await
            .map_err(io_err(&path))?
            .len();
        let digest = {
            let path = path.clone();
            let progress = progress.clone();
            tokio::task::spawn_blocking(move || {
                crate::digest::sha256_file(&path, |n| {
                    progress(BlobProgress::Hashing {
                        done: n,
                        total: size,
                    })
                })
            })
            .await
            .map_err(|e| Error::InvalidRequest(format!("hashing failed: {e}")))??
        };
        if self.blob_exists(&digest).await? {
            progress(BlobProgress::Exists);
            return Ok(digest);
        }
        let file = tokio::fs::File::open(&path).await.map_err(io_err(&path))?;
        let mut sent = 0u64;
        let reader = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).inspect_ok(
            move |chunk| {
                sent += chunk.len() as u64;
                progress(BlobProgress::Uploading {
                    done: sent,
                    total: size,
                });
            },
        );
        let resp = self
            .execute(
                self.request_with(
                    Method::POST,
                    &format!("/api/blobs/{digest}"),
                    CONTENT_TYPE,
                    "application/octet-stream",
                )
                .header(reqwest::header::CONTENT_LENGTH, size)
                .body(reqwest::Body::wrap_stream(reader)),
            )
            .await?;
        if !resp.status().is_success() {
            return Err(self.api_error(resp).await);
        }
        Ok(digest)
    }

    /// Deletes a model.
    pub async fn delete(&self, model: &str) -> Result<StatusResponse> {
        require_model(model)?;
        let body = to_json(&DeleteRequest {
            model: model.to_string(),
        })?;
        self.send(self.request(Method::DELETE, "/api/delete").body(body))
            .await?;
        Ok(StatusResponse {
            status: "success".into(),
        })
    }

    /// Copies a model to a new name.
    pub async fn copy(&self, source: &str, destination: &str) -> Result<StatusResponse> {
        require_model(source)?;
        require_model(destination)?;
        let body = to_json(&CopyRequest {
            source: source.to_string(),
            destination: destination.to_string(),
        })?;
        self.send(self.request(Method::POST, "/api/copy").body(body))
            .await?;
        Ok(StatusResponse {
            status: "success".into(),
        })
    }

    /// Lists the local models, newest first.
    pub async fn list(&self) -> Result<ListResponse> {
        self.get_json("/api/tags").await
    }

    /// Shows a model's details.
    pub async fn show(&self, request: impl Into<ShowRequest>) -> Result<ShowResponse> {
        let request = request.into();
        require_model(&request.model)?;
        self.post_json("/api/show", &request).await
    }

    /// Lists the models loaded in memory.
    pub async fn ps(&self) -> Result<ProcessResponse> {
        self.get_json("/api/ps").await
    }

    /// The server's version.
    pub async fn version(&self) -> Result<VersionResponse> {
        self.get_json("/api/version").await
    }
}

/// Progress of [`Client::create_blob_with_progress`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobProgress {
    /// Bytes hashed so far.
    Hashing {
        /// Bytes done.
        done: u64,
        /// The file's size.
        total: u64,
    },
    /// The server has the blob already: nothing is uploaded.
    Exists,
    /// Bytes uploaded so far.
    Uploading {
        /// Bytes done.
        done: u64,
        /// The file's size.
        total: u64,
    },
}

/// A word for the kind of error, for the tracing span (never its text,
/// which may quote a server's words).
fn error_kind(e: &Error) -> &'static str {
    match e {
        Error::Api { .. } => "api",
        Error::Stream { .. } => "stream",
        Error::InvalidRequest(_) => "invalid_request",
        Error::Connect { .. } => "connect",
        Error::Timeout { .. } => "timeout",
        Error::Redirect { .. } => "redirect",
        Error::Decode { .. } => "decode",
        Error::LineTooLong { .. } => "line_too_long",
        Error::Incomplete => "incomplete",
        Error::Io { .. } => "io",
        _ => "http",
    }
}

fn to_json<B: Serialize>(body: &B) -> Result<Vec<u8>> {
    serde_json::to_vec(body)
        .map_err(|e| Error::InvalidRequest(format!("could not encode the request: {e}")))
}

/// The message of an error answer: the JSON `error` field, else the body
/// text, else the reason phrase.
/// The message of an error answer: Ollama's `{"error": ...}` (a string, or an
/// object's `message`), else the `message` or `detail` of another JSON body
/// (an OpenAI-style server or a proxy in front of Ollama), else the text.
fn error_message(status: StatusCode, body: &[u8]) -> String {
    if let Ok(serde_json::Value::Object(mut map)) = serde_json::from_slice(body) {
        if let Some(error) = map.remove("error") {
            return crate::error::server_error_text(error);
        }
        if let Some(text) = ["message", "detail"]
            .iter()
            .find_map(|k| map.get(*k)?.as_str())
        {
            return text.to_string();
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text.chars().take(1000).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_give_their_message() {
        let m = |body: &str| error_message(StatusCode::INTERNAL_SERVER_ERROR, body.as_bytes());
        assert_eq!(m(r#"{"error":"boom"}"#), "boom");
        assert_eq!(
            m(r#"{"error":{"message":"model is busy","type":"server_error","code":null}}"#),
            "model is busy"
        );
        assert_eq!(
            m(r#"{"message":"model is busy","type":"server_error","code":null}"#),
            "model is busy"
        );
        assert_eq!(m(r#"{"detail":"no"}"#), "no");
        // An object without a message stays as it came.
        assert_eq!(m(r#"{"code":7}"#), r#"{"code":7}"#);
        assert_eq!(m("{not json"), "{not json");
        assert_eq!(m(""), "internal server error");
    }

    #[test]
    fn debug_output_shows_no_credentials() {
        let builder = Client::builder()
            .host("http://me:hunter22@127.0.0.1:1")
            .api_key(Some("key-secret-1".into()))
            .header("Authorization", "Bearer header-secret-2")
            .header("X-Api-Key", "header-secret-3");
        let client = Client::builder()
            .host("http://me:hunter22@127.0.0.1:1")
            .header("X-Api-Key", "header-secret-3")
            .build()
            .unwrap();
        let keyed = Client::builder()
            .host("127.0.0.1:1")
            .api_key(Some("key-secret-1".into()))
            .build()
            .unwrap();
        for text in [
            format!("{builder:?}"),
            format!("{builder:#?}"),
            format!("{client:?}"),
            format!("{client:#?}"),
            format!("{keyed:?}"),
        ] {
            for secret in [
                "hunter22",
                "key-secret-1",
                "header-secret",
                "bWU6aHVudGVyMjI",
            ] {
                assert!(!text.contains(secret), "{secret} in {text}");
            }
        }
        assert!(format!("{client:?}").contains("x-api-key"));
        assert!(format!("{builder:?}").contains("me:***@127.0.0.1:1"));
    }
}
