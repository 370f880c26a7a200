//! `POST /api/chat`: [`ChatRequest`] and [`ChatResponse`].

use serde::{Deserialize, Serialize};

use super::common::{null_default, Format, KeepAlive, Logprob, Message, Metrics, Think, Tool};
use crate::options::Options;

/// `POST /api/chat`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// The conversation; always sent. Empty only loads the model.
    #[serde(default, deserialize_with = "null_default")]
    pub messages: Vec<Message>,
    /// Tools the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// JSON mode or a JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Model options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
    /// How long to keep the model loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<KeepAlive>,
    /// Thinking on/off or its level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think: Option<Think>,
    /// Trim old messages to fit (server default `true`).
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
}

impl ChatRequest {
    /// A conversation for a model.
    pub fn new(model: impl Into<String>, messages: impl IntoIterator<Item = Message>) -> Self {
        ChatRequest {
            model: model.into(),
            messages: messages.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Appends a message.
    #[must_use]
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    setter!(
        /// Sets the tools.
        tools: iter Tool
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
    setter!(
        /// Sets the format.
        format: into Format
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
        /// Sets whether to trim old messages to fit.
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
}

with_metrics! {
    /// One line of a chat stream, or the whole non-streamed answer.
    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    #[non_exhaustive]
    pub struct ChatResponse {
        /// The model, as named in the request.
        #[serde(default, deserialize_with = "null_default")]
        pub model: String,
        /// When this was produced (RFC 3339, UTC).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub created_at: Option<String>,
        /// The answer (a fragment when streaming), role `assistant`.
        #[serde(default, deserialize_with = "null_default")]
        pub message: Message,
        /// Whether this is the last line.
        #[serde(default, deserialize_with = "null_default")]
        pub done: bool,
        /// Why generation stopped: `stop`, `length`, `load`, `unload`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub done_reason: Option<String>,
        ..metrics,
        /// Token log probabilities, if requested.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub logprobs: Option<Vec<Logprob>>,
        /// For cloud models: the remote model.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub remote_model: Option<String>,
        /// For cloud models: the remote host.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub remote_host: Option<String>,
    }
}

#[cfg(test)]
mod tests;
