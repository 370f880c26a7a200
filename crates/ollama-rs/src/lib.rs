//! ollama-rs: an async and a blocking client for [Ollama](https://ollama.com)
//! servers, covering the whole REST API, with the official Python client's
//! behaviour (host resolution, defaults, errors).
//!
//! ```no_run
//! use ollama_rs::{ChatRequest, Client, Message};
//!
//! # async fn demo() -> ollama_rs::Result<()> {
//! let client = Client::new()?;
//! let reply = client
//!     .chat(ChatRequest::new("llama3.2", vec![Message::user("Hello!")]))
//!     .await?;
//! println!("{}", reply.message.content);
//! # Ok(()) }
//! ```
//!
//! [`blocking::Client`] has the same methods without `async` (feature
//! `blocking`).
//!
//! Everything is at the crate root: the [`Client`] and its
//! [`ClientBuilder`], one request and one response type per endpoint (by
//! area: generate, chat, embed, models, pull/push/create), the types they
//! share ([`Message`], [`Image`], [`KeepAlive`], [`Options`], ...), the
//! [`Error`] and [`Result`], the [`Host`] resolution and the
//! [`ResponseStream`] of streaming answers. Besides the root there are three
//! modules: [`blocking`], [`modelfile`] (parsing and writing Modelfiles) and
//! [`headers`] (which header names the client treats as credentials).
//!
//! # Features
//!
//! | Feature | Default | What it gives |
//! |---|---|---|
//! | `blocking` | yes | The [`blocking`] module: a client without `async`, on a runtime of its own. |
//! | `rustls-tls` | yes | HTTPS with [rustls](https://docs.rs/rustls), trusting the system's certificate store (same as `rustls-tls-native-roots`). [`Error::tls_problem`] says why a certificate was refused. |
//! | `rustls-tls-native-roots` | no | HTTPS with rustls and the system's certificate store. |
//! | `rustls-tls-webpki-roots` | no | HTTPS with rustls and Mozilla's root certificates compiled in (for systems without a certificate store, such as minimal containers). |
//! | `native-tls` | no | HTTPS with the platform's TLS library (OpenSSL on Linux: needs its development files to build). [`Error::tls_problem`] is always `None` when it is in use. |
//! | `http2` | yes | HTTP/2, when a server (or a proxy in front of it) offers it over HTTPS. |
//! | `socks` | no | SOCKS5 proxies in `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY` (`socks5://`, `socks5h://`). |
//!
//! Without any TLS feature the crate still builds and talks to `http://`
//! servers; a client for an `https://` host then fails to build with
//! [`Error::InvalidRequest`] naming the features to enable.
//! [`ClientBuilder::add_root_certificate`] exists only with a TLS feature.
//! With both `native-tls` and a rustls feature, reqwest picks native-tls
//! (its own rule); to build without rustls, turn the default features off.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod client;
mod digest;
mod embeddings;
mod error;
pub mod headers;
mod host;
pub mod modelfile;
mod ndjson;
mod options;
mod pool;
mod types;

pub use client::{BlobProgress, Client, ClientBuilder};
pub use error::{Error, Result, TlsProblem};
pub use host::{Host, HostError};
pub use ndjson::ResponseStream;
pub use options::{OptionError, OptionKind, OptionSpec, Options};
pub use pool::{BatchRequest, BatchResponse, Pool, DEFAULT_CONCURRENCY, DEFAULT_RETRIES};
pub use types::{
    ChatRequest, ChatResponse, CopyRequest, CreateRequest, DeleteRequest, EmbedInput, EmbedRequest,
    EmbedResponse, EmbeddingsRequest, EmbeddingsResponse, Format, GenerateRequest,
    GenerateResponse, Image, KeepAlive, License, ListModel, ListResponse, Logprob, Message,
    Metrics, ModelDetails, ParseError, ProcessResponse, ProgressResponse, PullRequest, PushRequest,
    Role, RunningModel, ShowRequest, ShowResponse, StatusResponse, Tensor, Think, ThinkLevel, Tool,
    ToolCall, ToolCallFunction, ToolFunction, TopLogprob, VersionResponse,
};

/// Internals of the crate, public only for its own fuzz targets (`fuzz/`)
/// and benchmarks (`benches/`, `examples/bench-client.rs`), which are
/// separate crates. Not part of the API: anything here may change or go in
/// any release, semver does not cover it.
#[doc(hidden)]
pub mod __internals {
    pub use crate::digest::sha256_file;
    pub use crate::ndjson::{decode_line, Decoder, DEFAULT_MAX_LINE};
}

/// The README's examples, compiled as doctests so that they stay true (they
/// use the blocking client too).
#[cfg(all(doctest, feature = "blocking"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
