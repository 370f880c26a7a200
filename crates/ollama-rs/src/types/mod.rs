//! Request and response types of the Ollama API, by API area.
//!
//! Requests are built with `new(...)` and chainable setters; every optional
//! field is an `Option` that is left out of the JSON when unset, so the
//! server applies its own default:
//!
//! ```
//! use ollama_rs::{GenerateRequest, KeepAlive, Think};
//!
//! let req = GenerateRequest::new("llama3.2", "Why is the sky blue?")
//!     .system("Answer in one sentence.")
//!     .keep_alive(KeepAlive::from_secs(0.0))
//!     .think(true);
//! assert_eq!(
//!     serde_json::to_string(&req).unwrap(),
//!     r#"{"model":"llama3.2","prompt":"Why is the sky blue?","system":"Answer in one sentence.","keep_alive":0,"think":true}"#
//! );
//! ```
//!
//! Responses ignore fields they do not know, and every field an older server
//! may leave out is an `Option` or takes its default, so answers from older
//! and newer servers still decode. Shapes follow ollama `api/types.go`.

/// Generates chainable by-value setters for `Option` fields.
macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: into $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.$name = Some(value.into());
            self
        }
    };
    ($(#[$doc:meta])* $name:ident: iter into $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name<T: Into<$ty>>(mut self, values: impl IntoIterator<Item = T>) -> Self {
            self.$name = Some(values.into_iter().map(Into::into).collect());
            self
        }
    };
    ($(#[$doc:meta])* $name:ident: iter $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, values: impl IntoIterator<Item = $ty>) -> Self {
            self.$name = Some(values.into_iter().collect());
            self
        }
    };
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = Some(value);
            self
        }
    };
}

/// Defines a response of a generation ([`GenerateResponse`],
/// [`ChatResponse`]) with the fields of [`Metrics`] in place of `..metrics`,
/// and its `metrics()` method: the six fields and the method are written
/// once, here. The fields stay plain fields of the struct (no
/// `#[serde(flatten)]`, which buffers every field of every streamed line
/// through a map), so the JSON is the same and decoding as fast as with the
/// fields written out.
macro_rules! with_metrics {
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            $( $(#[$fattr:meta])* pub $field:ident: $ty:ty, )*
            ..metrics,
            $( $(#[$lattr:meta])* pub $lfield:ident: $lty:ty, )*
        }
    ) => {
        $(#[$attr])*
        pub struct $name {
            $( $(#[$fattr])* pub $field: $ty, )*
            /// See [`Metrics::total_duration`].
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub total_duration: Option<u64>,
            /// See [`Metrics::load_duration`].
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub load_duration: Option<u64>,
            /// See [`Metrics::prompt_eval_count`].
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub prompt_eval_count: Option<u64>,
            /// See [`Metrics::prompt_eval_duration`].
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub prompt_eval_duration: Option<u64>,
            /// See [`Metrics::eval_count`].
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub eval_count: Option<u64>,
            /// See [`Metrics::eval_duration`].
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub eval_duration: Option<u64>,
            $( $(#[$lattr])* pub $lfield: $lty, )*
        }

        impl $name {
            /// The timings and counts.
            pub fn metrics(&self) -> Metrics {
                Metrics {
                    total_duration: self.total_duration,
                    load_duration: self.load_duration,
                    prompt_eval_count: self.prompt_eval_count,
                    prompt_eval_duration: self.prompt_eval_duration,
                    eval_count: self.eval_count,
                    eval_duration: self.eval_duration,
                }
            }
        }
    };
}

mod chat;
mod common;
mod convert;
mod embed;
mod generate;
mod models;
mod transfer;
mod web;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;

pub use chat::{ChatRequest, ChatResponse};
pub use common::{
    Format, Image, KeepAlive, Logprob, Message, Metrics, ParseError, Role, Think, ThinkLevel, Tool,
    ToolCall, ToolCallFunction, ToolFunction, TopLogprob,
};
pub use embed::{EmbedInput, EmbedRequest, EmbedResponse, EmbeddingsRequest, EmbeddingsResponse};
pub use generate::{GenerateRequest, GenerateResponse};
pub use models::{
    CopyRequest, DeleteRequest, ListModel, ListResponse, ModelDetails, ProcessResponse,
    RunningModel, ShowRequest, ShowResponse, Tensor, VersionResponse,
};
pub use transfer::{
    CreateRequest, License, ProgressResponse, PullRequest, PushRequest, StatusResponse,
};
pub use web::{
    WebFetchRequest, WebFetchResponse, WebSearchRequest, WebSearchResponse, WebSearchResult,
    DEFAULT_WEB_SEARCH_RESULTS,
};
