//! The requests answered by progress streams: pull, push and create
//! ([`ProgressResponse`]), with the types of a create request.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::{null_default, Message};
use crate::options::Options;

/// `POST /api/pull`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    /// The model, `[host/][namespace/]model[:tag]`.
    #[serde(default)]
    pub model: String,
    /// Allow a plain-HTTP registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
}

impl PullRequest {
    /// Pull a model.
    pub fn new(model: impl Into<String>) -> Self {
        PullRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets whether a plain-HTTP registry is allowed.
        insecure: bool
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
}

/// `POST /api/push`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The model, `[host/]namespace/model[:tag]`.
    #[serde(default)]
    pub model: String,
    /// Allow a plain-HTTP registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
}

impl PushRequest {
    /// Push a model.
    pub fn new(model: impl Into<String>) -> Self {
        PushRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets whether a plain-HTTP registry is allowed.
        insecure: bool
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
}

/// One line of a pull, push or create stream (or the single answer with
/// `stream: false`, `{"status":"success"}`). Zero and empty values are
/// left out by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProgressResponse {
    /// What is happening, like `pulling manifest` or `success`.
    #[serde(default, deserialize_with = "null_default")]
    pub status: String,
    /// The layer (`sha256:…`) a byte count belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Bytes in the layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Bytes done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<u64>,
}

/// A bare status answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusResponse {
    /// The status, like `success`.
    #[serde(default, deserialize_with = "null_default")]
    pub status: String,
}

/// A create request's `license`: one text or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum License {
    /// One license text.
    One(String),
    /// Several (a Modelfile's `LICENSE` lines).
    Many(Vec<String>),
}

impl From<&str> for License {
    fn from(s: &str) -> Self {
        License::One(s.to_string())
    }
}

impl From<String> for License {
    fn from(s: String) -> Self {
        License::One(s)
    }
}

impl From<Vec<String>> for License {
    fn from(v: Vec<String>) -> Self {
        License::Many(v)
    }
}

impl From<Vec<&str>> for License {
    fn from(v: Vec<&str>) -> Self {
        License::Many(v.into_iter().map(str::to_string).collect())
    }
}

/// `POST /api/create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateRequest {
    /// The name of the new model.
    #[serde(default)]
    pub model: String,
    /// The base model (pulled if missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Uploaded model files: file name → blob digest (`sha256:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, String>>,
    /// Uploaded LoRA adapter files: file name → blob digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapters: Option<BTreeMap<String, String>>,
    /// The prompt template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The license text(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<License>,
    /// The system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Options, merged over the base model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Options>,
    /// Stored messages, replacing the base model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
    /// Quantization type, like `q4_K_M` or `q8_0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantize: Option<String>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// The renderer (server 0.12.0 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer: Option<String>,
    /// The output parser (server 0.12.0 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parser: Option<String>,
    /// The minimum server version the model needs (server 0.14.0 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
    /// Uploaded files of a draft model for speculative decoding: file name
    /// → blob digest (newer servers; a Modelfile's `DRAFT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_files: Option<BTreeMap<String, String>>,
    /// Quantization type for the draft model, like `q8_0` (needs
    /// [`draft_files`](Self::draft_files)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_quantize: Option<String>,
}

/// A name → digest map from any pairs of strings.
fn name_map<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

impl CreateRequest {
    /// Create a model named `model`; set [`from_model`](Self::from_model)
    /// or [`files`](Self::files) too.
    pub fn new(model: impl Into<String>) -> Self {
        CreateRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    /// Sets the base model (the `from` field).
    #[must_use]
    pub fn from_model(mut self, base: impl Into<String>) -> Self {
        self.from = Some(base.into());
        self
    }

    /// Sets the model files: name → digest.
    #[must_use]
    pub fn files<K: Into<String>, V: Into<String>>(
        mut self,
        files: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.files = Some(name_map(files));
        self
    }

    /// Sets the adapter files: name → digest.
    #[must_use]
    pub fn adapters<K: Into<String>, V: Into<String>>(
        mut self,
        adapters: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.adapters = Some(name_map(adapters));
        self
    }

    /// Sets the draft model's files: name → digest.
    #[must_use]
    pub fn draft_files<K: Into<String>, V: Into<String>>(
        mut self,
        files: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.draft_files = Some(name_map(files));
        self
    }

    setter!(
        /// Sets the draft model's quantization type.
        draft_quantize: into String
    );
    setter!(
        /// Sets the template.
        template: into String
    );
    setter!(
        /// Sets the license text(s).
        license: into License
    );
    setter!(
        /// Sets the system prompt.
        system: into String
    );
    setter!(
        /// Sets the parameters.
        parameters: into Options
    );
    setter!(
        /// Sets the stored messages.
        messages: iter Message
    );
    setter!(
        /// Sets the quantization type.
        quantize: into String
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
    setter!(
        /// Sets the renderer.
        renderer: into String
    );
    setter!(
        /// Sets the parser.
        parser: into String
    );
    setter!(
        /// Sets the minimum server version.
        requires: into String
    );
}

#[cfg(test)]
mod tests;
