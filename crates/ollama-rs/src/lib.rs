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
//! [`blocking::Client`] has the same methods without `async`.
#![warn(missing_docs)]

pub mod blocking;
mod client;
pub mod digest;
mod embeddings;
pub mod error;
pub mod host;
pub mod modelfile;
pub mod ndjson;
pub mod options;
pub mod types;

pub use client::{is_credential_header, user_agent, BlobProgress, Client, ClientBuilder};
pub use error::{Error, Result, TlsProblem};
pub use host::Host;
pub use ndjson::ResponseStream;
pub use options::Options;
pub use types::*;

/// The README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
