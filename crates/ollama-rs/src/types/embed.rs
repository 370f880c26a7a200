//! `POST /api/embed` ([`EmbedRequest`]) and the older `POST /api/embeddings`
//! ([`EmbeddingsRequest`]).

use serde::{Deserialize, Serialize};

use super::common::{null_default, KeepAlive};
use crate::options::Options;

/// The `input` of an embed request: one text or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbedInput {
    /// One text; the answer has one vector.
    Single(String),
    /// Several texts; one vector each, in order.
    Many(Vec<String>),
}

impl EmbedInput {
    /// Whether there is no text at all (`""` or `[]`): the request then only
    /// loads the model.
    pub fn is_empty(&self) -> bool {
        match self {
            EmbedInput::Single(s) => s.is_empty(),
            EmbedInput::Many(v) => v.is_empty(),
        }
    }
}

impl Default for EmbedInput {
    fn default() -> Self {
        EmbedInput::Single(String::new())
    }
}

impl From<&str> for EmbedInput {
    fn from(s: &str) -> Self {
        EmbedInput::Single(s.to_string())
    }
}

impl From<String> for EmbedInput {
    fn from(s: String) -> Self {
        EmbedInput::Single(s)
    }
}

/// `POST /api/embed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbedRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// The text(s) to embed.
    #[serde(default)]
    pub input: EmbedInput,
    /// Cut inputs longer than the context instead of failing (server
    /// default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    /// Keep only the first N dimensions (then re-normalize).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// Model options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
    /// How long to keep the model loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<KeepAlive>,
}

impl EmbedRequest {
    /// Text(s) to embed with a model.
    pub fn new(model: impl Into<String>, input: impl Into<EmbedInput>) -> Self {
        EmbedRequest {
            model: model.into(),
            input: input.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets whether to cut inputs that are too long.
        truncate: bool
    );
    setter!(
        /// Sets the number of dimensions to keep.
        dimensions: u32
    );
    setter!(
        /// Sets the model options.
        options: into Options
    );
    setter!(
        /// Sets how long the model stays loaded.
        keep_alive: into KeepAlive
    );
}

/// The answer of `/api/embed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmbedResponse {
    /// The model.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// One L2-normalized vector per input, in order.
    #[serde(default, deserialize_with = "null_default")]
    pub embeddings: Vec<Vec<f32>>,
    /// See [`Metrics::total_duration`](crate::Metrics::total_duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<u64>,
    /// See [`Metrics::load_duration`](crate::Metrics::load_duration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_duration: Option<u64>,
    /// Tokens in all inputs together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_eval_count: Option<u64>,
}

/// `POST /api/embeddings` (deprecated; use [`EmbedRequest`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingsRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// The text to embed.
    #[serde(default)]
    pub prompt: String,
    /// Model options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
    /// How long to keep the model loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<KeepAlive>,
}

impl EmbeddingsRequest {
    /// A text to embed with a model.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        EmbeddingsRequest {
            model: model.into(),
            prompt: prompt.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets the model options.
        options: into Options
    );
    setter!(
        /// Sets how long the model stays loaded.
        keep_alive: into KeepAlive
    );
}

/// The answer of `/api/embeddings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmbeddingsResponse {
    /// The vector, as the runner produced it (not normalized by the server).
    #[serde(default, deserialize_with = "null_default")]
    pub embedding: Vec<f64>,
}

#[cfg(test)]
mod tests;
