//! The blocking [`Client`]: the same methods as the
//! [async client](crate::Client), for programs without an async runtime.
//!
//! It wraps the async client and drives it on a runtime of its own, so
//! requests, decoding and errors are exactly the async client's. Streams
//! become iterators. Do not call it from inside an async runtime (tokio
//! panics when a runtime blocks inside another); use the async client there.
//!
//! ```no_run
//! use ollama_rs::blocking::Client;
//! use ollama_rs::GenerateRequest;
//!
//! let client = Client::new()?;
//! for part in client.generate_stream(GenerateRequest::new("llama3.2", "Hi"))? {
//!     print!("{}", part?.response);
//! }
//! # Ok::<(), ollama_rs::Error>(())
//! ```

use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use serde::de::DeserializeOwned;

mod builder;

pub use builder::ClientBuilder;

use crate::client::BlobProgress;
use crate::error::{Error, Result};
use crate::host::Host;
use crate::ndjson::ResponseStream;
use crate::types::*;

/// A blocking client for one Ollama server. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Client {
    inner: crate::client::Client,
    rt: Arc<tokio::runtime::Runtime>,
}

/// An iterator over a streaming response; see [`ResponseStream`].
#[derive(Debug)]
pub struct ResponseIter<T> {
    stream: ResponseStream<T>,
    rt: Arc<tokio::runtime::Runtime>,
}

impl<T: DeserializeOwned> Iterator for ResponseIter<T> {
    type Item = Result<T>;
    fn next(&mut self) -> Option<Result<T>> {
        self.rt.block_on(self.stream.next())
    }
}

fn runtime() -> Result<Arc<tokio::runtime::Runtime>> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map(Arc::new)
        .map_err(|e| Error::InvalidRequest(format!("could not start a runtime: {e}")))
}

macro_rules! blocking {
    ($( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty; )*) => {
        $(
            $(#[$doc])*
            pub fn $name(&self, $($arg: $ty),*) -> Result<$ret> {
                self.rt.block_on(self.inner.$name($($arg),*))
            }
        )*
    };
}

macro_rules! blocking_stream {
    ($( $(#[$doc:meta])* fn $name:ident($arg:ident: $ty:ty) -> $item:ty; )*) => {
        $(
            $(#[$doc])*
            pub fn $name(&self, $arg: $ty) -> Result<ResponseIter<$item>> {
                let stream = self.rt.block_on(self.inner.$name($arg))?;
                Ok(ResponseIter { stream, rt: self.rt.clone() })
            }
        )*
    };
}

impl Client {
    /// A client for the server named by `OLLAMA_HOST` (default
    /// `http://127.0.0.1:11434`), with no timeout.
    pub fn new() -> Result<Client> {
        Client::from_builder(crate::client::Client::builder())
    }

    /// A client for the given host, in any form `OLLAMA_HOST` accepts.
    pub fn with_host(host: impl Into<String>) -> Result<Client> {
        Client::from_builder(crate::client::Client::builder().host(host))
    }

    /// A client with the settings of an async [`ClientBuilder`](crate::ClientBuilder).
    pub fn from_builder(builder: crate::client::ClientBuilder) -> Result<Client> {
        let rt = runtime()?;
        // reqwest's client must be created inside the runtime that drives it.
        let inner = {
            let _guard = rt.enter();
            builder.build()?
        };
        Ok(Client { inner, rt })
    }

    /// The server this client talks to.
    pub fn host(&self) -> &Host {
        self.inner.host()
    }

    /// The async client this one drives.
    pub fn as_async(&self) -> &crate::client::Client {
        &self.inner
    }

    blocking! {
        /// Generates a completion and returns it whole.
        fn generate(request: GenerateRequest) -> GenerateResponse;
        /// Sends a chat and returns the whole reply.
        fn chat(request: ChatRequest) -> ChatResponse;
        /// Computes embeddings (`/api/embed`).
        fn embed(request: EmbedRequest) -> EmbedResponse;
        /// Pulls a model and returns the final status.
        fn pull(request: PullRequest) -> ProgressResponse;
        /// Pushes a model and returns the final status.
        fn push(request: PushRequest) -> ProgressResponse;
        /// Creates a model and returns the final status.
        fn create(request: CreateRequest) -> ProgressResponse;
        /// Whether the server has the blob `sha256:<hex>`.
        fn blob_exists(digest: &str) -> bool;
        /// Deletes a model.
        fn delete(model: &str) -> StatusResponse;
        /// Copies a model to a new name.
        fn copy(source: &str, destination: &str) -> StatusResponse;
        /// Lists the local models, newest first.
        fn list() -> ListResponse;
        /// Lists the models loaded in memory.
        fn ps() -> ProcessResponse;
        /// The server's version.
        fn version() -> VersionResponse;
    }

    blocking_stream! {
        /// Generates a completion, fragment by fragment.
        fn generate_stream(request: GenerateRequest) -> GenerateResponse;
        /// Sends a chat and iterates over the reply's fragments.
        fn chat_stream(request: ChatRequest) -> ChatResponse;
        /// Pulls a model, iterating over its progress.
        fn pull_stream(request: PullRequest) -> ProgressResponse;
        /// Pushes a model, iterating over its progress.
        fn push_stream(request: PushRequest) -> ProgressResponse;
        /// Creates a model, iterating over its progress.
        fn create_stream(request: CreateRequest) -> ProgressResponse;
    }

    /// Computes one embedding with the deprecated `/api/embeddings`.
    #[deprecated(note = "use `embed`: `/api/embeddings` is deprecated by the server")]
    pub fn embeddings(&self, request: EmbeddingsRequest) -> Result<EmbeddingsResponse> {
        #[allow(deprecated)]
        self.rt.block_on(self.inner.embeddings(request))
    }

    /// Shows a model's details.
    pub fn show(&self, request: impl Into<ShowRequest>) -> Result<ShowResponse> {
        self.rt.block_on(self.inner.show(request))
    }

    /// Searches the web with ollama.com (see
    /// [`Client::web_search`](crate::Client::web_search)).
    pub fn web_search(&self, request: impl Into<WebSearchRequest>) -> Result<WebSearchResponse> {
        self.rt.block_on(self.inner.web_search(request))
    }

    /// Fetches a web page with ollama.com (see
    /// [`Client::web_fetch`](crate::Client::web_fetch)).
    pub fn web_fetch(&self, request: impl Into<WebFetchRequest>) -> Result<WebFetchResponse> {
        self.rt.block_on(self.inner.web_fetch(request))
    }

    /// Uploads a file as a blob unless the server has it, and returns its
    /// digest `sha256:<hex>`.
    pub fn create_blob(&self, path: impl AsRef<Path>) -> Result<String> {
        self.rt.block_on(self.inner.create_blob(path))
    }

    /// [`create_blob`](Self::create_blob) with progress reports.
    pub fn create_blob_with_progress(
        &self,
        path: impl AsRef<Path>,
        progress: impl Fn(BlobProgress) + Send + Sync + 'static,
    ) -> Result<String> {
        self.rt
            .block_on(self.inner.create_blob_with_progress(path, progress))
    }

    /// Runs a future made from the async client on this client's runtime
    /// (for methods defined elsewhere in the crate).
    pub(crate) fn block_on<'a, F: std::future::Future>(
        &'a self,
        make: impl FnOnce(&'a crate::client::Client) -> F,
    ) -> F::Output {
        self.rt.block_on(make(&self.inner))
    }
}
