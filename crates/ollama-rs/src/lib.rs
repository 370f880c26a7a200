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
//! [`ResponseStream`] of streaming answers, and tools run by Rust code:
//! [`Tools`] (async functions with typed arguments), the [`ToolSet`] trait
//! and the [`ToolLoop`] that lets the model call them until it answers.
//! Besides the root there are four modules: [`blocking`], [`modelfile`]
//! (parsing and writing Modelfiles), [`headers`] (which header names the
//! client treats as credentials) and [`prelude`] (the stream traits); with
//! the `mcp` feature, a fifth, `mcp`: the tools of MCP servers. The
//! crates our types come from are re-exported: [`reqwest`], and
//! [`schemars`] with the `schema` feature.
//!
//! # Features
//!
//! | Feature | Default | What it gives |
//! |---|---|---|
//! | `blocking` | yes | The [`blocking`] module: a client without `async`, on a runtime of its own. |
//! | `schema` | yes | JSON Schemas from Rust types with [schemars](https://docs.rs/schemars), re-exported as [`schemars`]: [`Format::for_type`], `format_for` on requests and the clients' `chat_as`/`generate_as` (typed structured output), [`Tool::from_type`] and [`Tools::add`] (typed tools). |
//! | `rustls-tls` | yes | HTTPS with [rustls](https://docs.rs/rustls), trusting the system's certificate store (same as `rustls-tls-native-roots`). [`Error::tls_problem`] says why a certificate was refused. |
//! | `rustls-tls-native-roots` | no | HTTPS with rustls and the system's certificate store. |
//! | `rustls-tls-webpki-roots` | no | HTTPS with rustls and Mozilla's root certificates compiled in (for systems without a certificate store, such as minimal containers). |
//! | `native-tls` | no | HTTPS with the platform's TLS library (OpenSSL on Linux: needs its development files to build). [`Error::tls_problem`] is always `None` when it is in use. |
//! | `http2` | yes | HTTP/2, when a server (or a proxy in front of it) offers it over HTTPS. |
//! | `socks` | no | SOCKS5 proxies in `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY` (`socks5://`, `socks5h://`). |
//! | `mcp` | no | The `mcp` module: the tools of [Model Context Protocol](https://modelcontextprotocol.io) servers (stdio and streamable HTTP) as a [`ToolSet`], with the official SDK, [rmcp](https://docs.rs/rmcp). |
//!
//! Without any TLS feature the crate still builds and talks to `http://`
//! servers; a client for an `https://` host then fails to build with
//! [`Error::InvalidRequest`] naming the features to enable.
//! [`ClientBuilder::add_root_certificate`] exists only with a TLS feature.
//! With both `native-tls` and a rustls feature, reqwest picks native-tls
//! (its own rule); to build without rustls, turn the default features off.
//!
//! # Tools and structured output
//!
//! With the `schema` feature, Rust types give both the parameters of a tool
//! and the shape of a structured answer. [`Tools`] holds async functions
//! with typed arguments; the [`ToolLoop`] sends the chat, runs the calls the
//! model asks for (several at once), sends the results back and repeats
//! until the model answers without calls or the round limit is reached (a
//! failing tool gives the model its error text). [`ToolLoop::stream`] yields
//! the same loop as [`ToolEvent`]s. [`Client::chat_as`] sends the schema of
//! `T` as the `format` and reads the answer back as a `T`.
//!
//! ```no_run
//! # #[cfg(feature = "schema")]
//! # mod demo {
//! use ollama_rs::schemars::JsonSchema;
//! use ollama_rs::{ChatRequest, Client, Message, ToolLoop, Tools};
//! use serde::Deserialize;
//!
//! /// Arguments of `get_weather`; doc comments become descriptions.
//! #[derive(Deserialize, JsonSchema)]
//! #[schemars(crate = "ollama_rs::schemars")]
//! struct City {
//!     /// The city, e.g. "Paris".
//!     city: String,
//! }
//!
//! #[derive(Debug, Deserialize, JsonSchema)]
//! #[schemars(crate = "ollama_rs::schemars")]
//! struct Capital {
//!     country: String,
//!     capital: String,
//! }
//!
//! async fn demo(client: &Client) -> ollama_rs::Result<()> {
//!     let tools = Tools::new().add("get_weather", "The weather in a city", |a: City| async move {
//!         Ok::<_, std::io::Error>(format!("sunny in {}", a.city))
//!     });
//!     let outcome = ToolLoop::new(client, tools)
//!         .max_rounds(5)
//!         .run(ChatRequest::new("llama3.2", [Message::user("Weather in Paris?")]))
//!         .await?;
//!     println!("{} ({} tool calls)", outcome.content(), outcome.calls.len());
//!
//!     let answer: Capital = client
//!         .chat_as(ChatRequest::new("llama3.2", [Message::user("Capital of Canada?")]))
//!         .await?;
//!     println!("{answer:?}");
//!     Ok(())
//! }
//! # }
//! ```
//!
//! # Redirects, retries, tracing
//!
//! Redirects are followed by the client (at most 10, loops and `https` to
//! plain `http` refused); one to another origin goes without any
//! credential (see [`ClientBuilder::follow_redirects`]). Retries are off
//! until [`ClientBuilder::retries`] or [`ClientBuilder::retry_policy`] turns
//! them on, and then only where nothing can happen twice ([`RetryPolicy`]).
//! Each request runs in a [`tracing`](https://docs.rs/tracing) span
//! `ollama.request` (DEBUG level) with the fields `method`, `server` (scheme,
//! host and port), `path`, `status`, `retries`, `redirects`, `error` (a word
//! for its kind) and `duration_ms` (until the answer's headers; a stream's
//! body comes later), plus DEBUG events for each retry and redirect. They
//! never hold a header, a user name or password, a query or a body: no
//! credential, no prompt. Without a subscriber they cost next to nothing.
//!
//! # Stability
//!
//! What the server sends back may gain fields in any Ollama release, so
//! the response types are `#[non_exhaustive]`: a new field is not a
//! breaking change. They are [`GenerateResponse`], [`ChatResponse`],
//! [`Metrics`], [`Logprob`], [`TopLogprob`], [`EmbedResponse`],
//! [`EmbeddingsResponse`], [`ListResponse`], [`ListModel`],
//! [`ModelDetails`], [`ShowResponse`], [`Tensor`], [`ProcessResponse`],
//! [`RunningModel`], [`VersionResponse`], [`ProgressResponse`],
//! [`StatusResponse`], [`WebSearchResponse`], [`WebSearchResult`] and
//! [`WebFetchResponse`]; so are the enums that may grow: [`Error`],
//! [`TlsProblem`], [`OptionError`], [`ToolError`], [`ToolEvent`] and
//! [`modelfile::ParseErrorKind`] (match them with a `_` arm). Outside this
//! crate such a struct cannot be written as a literal, not even with
//! `..Default::default()`, nor matched without `..`. Each one implements
//! [`Default`]: to build one (a mock server's answer, the expected value
//! in a test of your own code), start from the default and set the fields
//! you need:
//!
//! ```
//! use ollama_rs::{ChatResponse, Message};
//!
//! let mut reply = ChatResponse::default();
//! reply.model = "llama3.2".into();
//! reply.message = Message::assistant("Hello!");
//! reply.done = true;
//! assert_eq!(reply.message.content, "Hello!");
//! ```
//!
//! Request types and what you send ([`Message`], [`ToolCall`],
//! [`ToolCallFunction`], [`Tool`], ...) stay open to struct literals; they
//! also have constructors and setters.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod client;
mod digest;
mod embeddings;
mod error;
mod fold;
pub mod headers;
mod host;
#[cfg(feature = "mcp")]
#[cfg_attr(docsrs, doc(cfg(feature = "mcp")))]
pub mod mcp;
pub mod modelfile;
mod ndjson;
mod option_setters;
mod options;
mod pool;
mod redirect;
mod retry;
mod structured;
mod tools;
mod types;
mod web;

pub use client::{BlobProgress, Client, ClientBuilder, DEFAULT_WEB_BASE_URL};
pub use error::{Error, Result, TlsProblem};
pub use fold::{fold_iter, fold_stream, Accumulate};
pub use host::{Host, HostError};
pub use ndjson::ResponseStream;
pub use options::{OptionError, OptionKind, OptionSpec, Options};
pub use pool::{
    BatchRequest, BatchResponse, Pool, ServerStats, DEFAULT_CONCURRENCY, DEFAULT_RETRIES,
};
pub use retry::RetryPolicy;
pub use tools::{
    ToolCallRecord, ToolError, ToolEvent, ToolEventStream, ToolFuture, ToolLoop, ToolLoopOutcome,
    ToolSet, Tools,
};
pub use types::{
    ChatRequest, ChatResponse, CopyRequest, CreateRequest, DeleteRequest, EmbedInput, EmbedRequest,
    EmbedResponse, EmbeddingsRequest, EmbeddingsResponse, Format, GenerateRequest,
    GenerateResponse, Image, KeepAlive, License, ListModel, ListResponse, Logprob, Message,
    Metrics, ModelDetails, ParseError, ProcessResponse, ProgressResponse, PullRequest, PushRequest,
    Role, RunningModel, ShowRequest, ShowResponse, StatusResponse, Tensor, Think, ThinkLevel, Tool,
    ToolCall, ToolCallFunction, ToolFunction, TopLogprob, VersionResponse, WebFetchRequest,
    WebFetchResponse, WebSearchRequest, WebSearchResponse, WebSearchResult,
    DEFAULT_WEB_SEARCH_RESULTS,
};

/// The HTTP crate the client is built on, to name its types
/// ([`ClientBuilder::http_client`] takes a `reqwest::Client`) with the very
/// version this crate uses.
pub use reqwest;

/// What streaming code needs in scope: the [`Stream`](futures_util::Stream)
/// trait and its extensions from the `futures-util` version this crate
/// uses, and [`Accumulate`] for folding streams.
///
/// ```no_run
/// use ollama_rs::prelude::*;
/// use ollama_rs::{Client, GenerateRequest};
///
/// # async fn demo() -> ollama_rs::Result<()> {
/// let mut stream = Client::new()?.generate_stream(GenerateRequest::new("llama3.2", "Hi")).await?;
/// while let Some(part) = stream.next().await {
///     print!("{}", part?.response);
/// }
/// # Ok(()) }
/// ```
pub mod prelude {
    pub use crate::fold::Accumulate;
    pub use futures_util::{Stream, StreamExt, TryStreamExt};
}

/// The [`schemars`](https://docs.rs/schemars) crate this one builds
/// [`Format::for_type`] with (feature `schema`): derive
/// `ollama_rs::schemars::JsonSchema` with
/// `#[schemars(crate = "ollama_rs::schemars")]` to be sure to use the same
/// version.
#[cfg(feature = "schema")]
#[cfg_attr(docsrs, doc(cfg(feature = "schema")))]
pub use schemars;

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
