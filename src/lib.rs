//! ollama-rs: a client library for [Ollama](https://ollama.com) servers.
#![warn(missing_docs)]

pub mod error;
pub mod host;
pub mod modelfile;
pub mod ndjson;
pub mod options;
pub mod types;

pub use error::{Error, Result};
pub use host::Host;
pub use options::Options;
pub use types::*;
