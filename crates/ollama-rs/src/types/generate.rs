//! `POST /api/generate`: [`GenerateRequest`] and [`GenerateResponse`].

use serde::{Deserialize, Serialize};

use super::common::{null_default, Format, Image, KeepAlive, Logprob, Metrics, Think, ToolCall};
use crate::options::Options;

/// `POST /api/generate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerateRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// The prompt; none (or empty) only loads the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Text after the insertion point (fill-in-the-middle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// Replaces the model's system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Replaces the model's prompt template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Deprecated: the `context` of an earlier answer, to continue it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<i64>>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Send the prompt without applying the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<bool>,
    /// JSON mode or a JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Images for a vision model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// Model options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
    /// How long to keep the model loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<KeepAlive>,
    /// Thinking on/off or its level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think: Option<Think>,
    /// Trim old context to fit (server default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    /// Shift the context window instead of failing (server default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<bool>,
    /// Return the log probability of each token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<bool>,
    /// How many alternatives per token to return with `logprobs` (0–20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<u32>,
    /// Image generation: the image's width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Image generation: the image's height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Image generation: the number of diffusion steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
}

impl GenerateRequest {
    /// A prompt for a model. An empty prompt is left unset, so that the
    /// request only loads the model, like [`GenerateRequest::load`].
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        let prompt = prompt.into();
        GenerateRequest {
            model: model.into(),
            prompt: (!prompt.is_empty()).then_some(prompt),
            ..Self::default()
        }
    }

    /// A request without a prompt: loads the model (or, with
    /// `keep_alive(KeepAlive::unload())`, unloads it).
    pub fn load(model: impl Into<String>) -> Self {
        GenerateRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets the prompt (even an empty one).
        prompt: into String
    );
    setter!(
        /// Sets the text after the insertion point.
        suffix: into String
    );
    setter!(
        /// Sets the system prompt.
        system: into String
    );
    setter!(
        /// Sets the prompt template.
        template: into String
    );
    setter!(
        /// Sets the context of an earlier answer.
        context: iter i64
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
    setter!(
        /// Sets raw mode.
        raw: bool
    );
    setter!(
        /// Sets the format.
        format: into Format
    );
    setter!(
        /// Sets the images.
        images: iter into Image
    );
    setter!(
        /// Sets the model options.
        options: into Options
    );
    setter!(
        /// Sets how long the model stays loaded.
        keep_alive: into KeepAlive
    );
    setter!(
        /// Sets thinking.
        think: into Think
    );
    setter!(
        /// Sets whether to trim old context to fit.
        truncate: bool
    );
    setter!(
        /// Sets whether to shift the context window.
        shift: bool
    );
    setter!(
        /// Sets whether to return log probabilities.
        logprobs: bool
    );
    setter!(
        /// Sets the number of alternatives per token.
        top_logprobs: u32
    );
    setter!(
        /// Sets the width of a generated image, in pixels.
        width: u32
    );
    setter!(
        /// Sets the height of a generated image, in pixels.
        height: u32
    );
    setter!(
        /// Sets the number of steps of image generation.
        steps: u32
    );
}

with_metrics! {
    /// One line of a generate stream, or the whole non-streamed answer.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct GenerateResponse {
        /// The model, as named in the request.
        #[serde(default, deserialize_with = "null_default")]
        pub model: String,
        /// When this was produced (RFC 3339, UTC).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_at: Option<String>,
        /// The text (a fragment when streaming); may be empty.
        #[serde(default, deserialize_with = "null_default")]
        pub response: String,
        /// Reasoning text from a thinking model.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub thinking: Option<String>,
        /// Whether this is the last line.
        #[serde(default, deserialize_with = "null_default")]
        pub done: bool,
        /// Why generation stopped: `stop`, `length`, `load`, `unload`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub done_reason: Option<String>,
        /// Deprecated conversation state, on the last line.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub context: Option<Vec<i64>>,
        ..metrics,
        /// Token log probabilities, if requested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub logprobs: Option<Vec<Logprob>>,
        /// Tool calls (rare on generate).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub tool_calls: Option<Vec<ToolCall>>,
        /// For cloud models: the remote model.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub remote_model: Option<String>,
        /// For cloud models: the remote host.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub remote_host: Option<String>,
        /// Image generation: the image, base64-encoded (on the last line).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub image: Option<String>,
        /// Image generation: the steps done so far (progress lines).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub completed: Option<u64>,
        /// Image generation: the number of steps in all (progress lines).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub total: Option<u64>,
    }
}

#[cfg(test)]
mod tests;
