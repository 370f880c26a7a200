//! ollama-rs: a client library for [Ollama](https://ollama.com) servers.
#![warn(missing_docs)]

pub mod error;
pub mod options;
pub mod types;
pub mod modelfile;

pub use error::{Error, Result};
pub use options::Options;
pub use types::*;
