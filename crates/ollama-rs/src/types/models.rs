//! The local models: show, list, ps, copy, delete, and the server version.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{null_default, Message};
use crate::options::Options;

/// `POST /api/show`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShowRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// Fill the long arrays of `model_info` (tokenizer tables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbose: Option<bool>,
    /// A system prompt to show in place of the model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Options to merge into the shown Modelfile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
}

impl ShowRequest {
    /// Show a model.
    pub fn new(model: impl Into<String>) -> Self {
        ShowRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets verbose output.
        verbose: bool
    );
    setter!(
        /// Sets the system prompt to show.
        system: into String
    );
    setter!(
        /// Sets options to merge.
        options: into Options
    );
}

/// Facts about a model's weights.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModelDetails {
    /// The model it was created from, often empty.
    #[serde(default, deserialize_with = "null_default")]
    pub parent_model: String,
    /// `gguf` or `safetensors`.
    #[serde(default, deserialize_with = "null_default")]
    pub format: String,
    /// The architecture family, like `llama`.
    #[serde(default, deserialize_with = "null_default")]
    pub family: String,
    /// All families (may be `null`).
    #[serde(default)]
    pub families: Option<Vec<String>>,
    /// Like `8.0B`.
    #[serde(default, deserialize_with = "null_default")]
    pub parameter_size: String,
    /// Like `Q4_K_M`.
    #[serde(default, deserialize_with = "null_default")]
    pub quantization_level: String,
    /// Context length (server 0.19.0 and newer, `/api/tags` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_length: Option<u64>,
    /// Embedding length (server 0.30.0 and newer, `/api/tags` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_length: Option<u64>,
    /// Fields this version does not know (newer servers), kept so that
    /// writing the value back loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One tensor of a model, in [`ShowResponse::tensors`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tensor {
    /// Like `blk.0.attn_q.weight`.
    #[serde(default)]
    pub name: String,
    /// The data type, like `F32` or `Q4_K`.
    #[serde(rename = "type", default)]
    pub r#type: String,
    /// The dimensions.
    #[serde(default, deserialize_with = "null_default")]
    pub shape: Vec<u64>,
}

/// The answer of `/api/show`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ShowResponse {
    /// A Modelfile that rebuilds the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modelfile: Option<String>,
    /// The parameters, one `key value` line each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<String>,
    /// The prompt template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The license(s), joined by newlines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Facts about the weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<ModelDetails>,
    /// GGUF metadata, like `general.architecture`, `llama.context_length`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_info: Option<Map<String, Value>>,
    /// Metadata of the vision projector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projector_info: Option<Map<String, Value>>,
    /// The tensors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tensors: Option<Vec<Tensor>>,
    /// What the model can do: `completion`, `tools`, `insert`, `vision`,
    /// `embedding`, `thinking`, … (server 0.6.4 and newer).
    #[serde(default, deserialize_with = "null_default")]
    pub capabilities: Vec<String>,
    /// When the model was last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
    /// The stored messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
    /// The renderer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer: Option<String>,
    /// The output parser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parser: Option<String>,
    /// The minimum server version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
    /// For cloud models: the remote model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_model: Option<String>,
    /// For cloud models: the remote host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_host: Option<String>,
    /// Fields this version does not know (newer servers), kept so that
    /// writing the value back loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ShowResponse {
    /// Whether `capabilities` holds `cap` (ASCII case ignored).
    pub fn has_capability(&self, cap: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(cap))
    }

    fn info(&self, key: &str) -> Option<&Value> {
        self.model_info.as_ref()?.get(key)
    }

    fn arch_info_u64(&self, suffix: &str) -> Option<u64> {
        let arch = self.architecture()?;
        self.info(&format!("{arch}.{suffix}"))?.as_u64()
    }

    /// `model_info["general.architecture"]`, like `llama`.
    pub fn architecture(&self) -> Option<&str> {
        self.info("general.architecture")?.as_str()
    }

    /// `model_info["<architecture>.context_length"]`, else
    /// `details.context_length`.
    pub fn context_length(&self) -> Option<u64> {
        self.arch_info_u64("context_length")
            .or_else(|| self.details.as_ref()?.context_length)
    }

    /// `model_info["<architecture>.embedding_length"]`, else
    /// `details.embedding_length`.
    pub fn embedding_length(&self) -> Option<u64> {
        self.arch_info_u64("embedding_length")
            .or_else(|| self.details.as_ref()?.embedding_length)
    }

    /// `model_info["general.parameter_count"]`.
    pub fn parameter_count(&self) -> Option<u64> {
        self.info("general.parameter_count")?.as_u64()
    }
}

/// The answer of `GET /api/tags`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListResponse {
    /// Installed models, newest first.
    #[serde(default, deserialize_with = "null_default")]
    pub models: Vec<ListModel>,
}

/// An installed model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ListModel {
    /// The name (same as `model` on current servers).
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// The name, like `llama3.2:latest`.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// When it was last changed (RFC 3339, local offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
    /// Bytes on disk.
    #[serde(default, deserialize_with = "null_default")]
    pub size: u64,
    /// The manifest's SHA-256, 64 hex digits without `sha256:`.
    #[serde(default, deserialize_with = "null_default")]
    pub digest: String,
    /// Facts about the weights.
    #[serde(default, deserialize_with = "null_default")]
    pub details: ModelDetails,
    /// What the model can do (newer servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
    /// For cloud models: the remote model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_model: Option<String>,
    /// For cloud models: the remote host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_host: Option<String>,
    /// Fields this version does not know (newer servers), kept so that
    /// writing the value back loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ListModel {
    /// The model's name: `model`, or `name` when `model` is empty (older
    /// servers).
    pub fn name(&self) -> &str {
        if self.model.is_empty() {
            &self.name
        } else {
            &self.model
        }
    }
}

/// The answer of `GET /api/ps`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProcessResponse {
    /// Loaded models, longest remaining lifetime first.
    #[serde(default, deserialize_with = "null_default")]
    pub models: Vec<RunningModel>,
}

/// A loaded model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunningModel {
    /// The name (same as `model` on current servers).
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// The name of the model that loaded it.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// Bytes in memory.
    #[serde(default, deserialize_with = "null_default")]
    pub size: u64,
    /// Of those, bytes on the GPU.
    #[serde(default, deserialize_with = "null_default")]
    pub size_vram: u64,
    /// The manifest's SHA-256, 64 hex digits.
    #[serde(default, deserialize_with = "null_default")]
    pub digest: String,
    /// Facts about the weights.
    #[serde(default, deserialize_with = "null_default")]
    pub details: ModelDetails,
    /// When it will be unloaded (RFC 3339, local offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The context length it was loaded with (server 0.10.0 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_length: Option<u64>,
    /// Fields this version does not know (newer servers), kept so that
    /// writing the value back loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RunningModel {
    /// The model's name: `model`, or `name` when `model` is empty (older
    /// servers).
    pub fn name(&self) -> &str {
        if self.model.is_empty() {
            &self.name
        } else {
            &self.model
        }
    }
}

/// The answer of `GET /api/version`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VersionResponse {
    /// Like `0.32.15`.
    #[serde(default, deserialize_with = "null_default")]
    pub version: String,
}

/// `POST /api/copy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyRequest {
    /// The existing model.
    #[serde(default)]
    pub source: String,
    /// The new name.
    #[serde(default)]
    pub destination: String,
}

impl CopyRequest {
    /// Copy `source` to `destination`.
    pub fn new(source: impl Into<String>, destination: impl Into<String>) -> Self {
        CopyRequest {
            source: source.into(),
            destination: destination.into(),
        }
    }
}

/// `DELETE /api/delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
}

impl DeleteRequest {
    /// Delete a model.
    pub fn new(model: impl Into<String>) -> Self {
        DeleteRequest {
            model: model.into(),
        }
    }
}

impl From<&str> for ShowRequest {
    fn from(model: &str) -> Self {
        ShowRequest::new(model)
    }
}

impl From<String> for ShowRequest {
    fn from(model: String) -> Self {
        ShowRequest::new(model)
    }
}

#[cfg(test)]
mod tests;
