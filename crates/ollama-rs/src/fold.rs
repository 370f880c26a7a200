//! Folding a streamed answer into one response, so that streaming and
//! non-streaming code end with the same value.
//!
//! ```no_run
//! use ollama_rs::{ChatRequest, Client, Message};
//!
//! # async fn demo() -> ollama_rs::Result<()> {
//! let client = Client::new()?;
//! let reply = client
//!     .chat_stream(ChatRequest::new("llama3.2", [Message::user("Hello!")]))
//!     .await?
//!     .fold_response()
//!     .await?;
//! println!("{} ({:?} tokens)", reply.message.content, reply.eval_count);
//! # Ok(()) }
//! ```

use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::ndjson::ResponseStream;
use crate::types::{ChatResponse, GenerateResponse};

/// A streamed response whose parts add up to the whole answer, the way the
/// server builds its non-streamed answer: texts are concatenated, lists
/// (tool calls, log probabilities) collected in order, and every other
/// field (model, `done`, `done_reason`, the metrics, `context`, ...) comes
/// from the last part.
pub trait Accumulate: Sized {
    /// Adds the next part of the stream to what came before.
    fn accumulate(&mut self, next: Self);
}

/// Appends a text fragment; a missing fragment leaves the text as it is.
fn append(acc: &mut Option<String>, part: Option<String>) {
    match (acc.as_mut(), part) {
        (Some(a), Some(p)) => a.push_str(&p),
        (None, Some(p)) => *acc = Some(p),
        (_, None) => {}
    }
}

/// Appends a list of items; a missing list leaves the list as it is.
fn extend<T>(acc: &mut Option<Vec<T>>, part: Option<Vec<T>>) {
    match (acc.as_mut(), part) {
        (Some(a), Some(p)) => a.extend(p),
        (None, Some(p)) => *acc = Some(p),
        (_, None) => {}
    }
}

/// `message.content` and `message.thinking` are concatenated,
/// `message.tool_calls` and `logprobs` collected; everything else comes
/// from the last part.
impl Accumulate for ChatResponse {
    fn accumulate(&mut self, mut next: Self) {
        let prev = std::mem::take(self);
        let mut content = prev.message.content;
        content.push_str(&next.message.content);
        next.message.content = content;
        let mut thinking = prev.message.thinking;
        append(&mut thinking, next.message.thinking.take());
        next.message.thinking = thinking;
        let mut tool_calls = prev.message.tool_calls;
        extend(&mut tool_calls, next.message.tool_calls.take());
        next.message.tool_calls = tool_calls;
        let mut logprobs = prev.logprobs;
        extend(&mut logprobs, next.logprobs.take());
        next.logprobs = logprobs;
        *self = next;
    }
}

/// `response` and `thinking` are concatenated, `tool_calls` and `logprobs`
/// collected; everything else (`context` too) comes from the last part.
impl Accumulate for GenerateResponse {
    fn accumulate(&mut self, mut next: Self) {
        let prev = std::mem::take(self);
        let mut response = prev.response;
        response.push_str(&next.response);
        next.response = response;
        let mut thinking = prev.thinking;
        append(&mut thinking, next.thinking.take());
        next.thinking = thinking;
        let mut tool_calls = prev.tool_calls;
        extend(&mut tool_calls, next.tool_calls.take());
        next.tool_calls = tool_calls;
        let mut logprobs = prev.logprobs;
        extend(&mut logprobs, next.logprobs.take());
        next.logprobs = logprobs;
        if next.context.is_none() {
            next.context = prev.context;
        }
        *self = next;
    }
}

/// Folds the parts of a stream into one response with
/// [`Accumulate::accumulate`]. The first error ends the fold and is
/// returned; a stream with no part at all is [`Error::Incomplete`].
pub async fn fold_stream<T, S>(stream: S) -> Result<T>
where
    T: Accumulate,
    S: Stream<Item = Result<T>>,
{
    let mut stream = std::pin::pin!(stream);
    let mut acc: Option<T> = None;
    while let Some(part) = stream.next().await {
        let part = part?;
        match acc.as_mut() {
            Some(a) => a.accumulate(part),
            None => acc = Some(part),
        }
    }
    acc.ok_or(Error::Incomplete)
}

/// [`fold_stream`] for an iterator, such as the blocking client's
/// [`ResponseIter`](crate::blocking::ResponseIter).
pub fn fold_iter<T, I>(parts: I) -> Result<T>
where
    T: Accumulate,
    I: IntoIterator<Item = Result<T>>,
{
    let mut acc: Option<T> = None;
    for part in parts {
        let part = part?;
        match acc.as_mut() {
            Some(a) => a.accumulate(part),
            None => acc = Some(part),
        }
    }
    acc.ok_or(Error::Incomplete)
}

impl<T: Accumulate + DeserializeOwned> ResponseStream<T> {
    /// Reads the whole stream and folds it into one response, equal to the
    /// non-streamed answer (see [`Accumulate`]); the first error ends it.
    pub async fn fold_response(self) -> Result<T> {
        fold_stream(self).await
    }
}

#[cfg(feature = "blocking")]
impl<T: Accumulate + DeserializeOwned> crate::blocking::ResponseIter<T> {
    /// Reads the whole stream and folds it into one response, equal to the
    /// non-streamed answer (see [`Accumulate`]); the first error ends it.
    pub fn fold_response(self) -> Result<T> {
        fold_iter(self)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::types::{Logprob, ToolCall};

    fn chat(v: serde_json::Value) -> ChatResponse {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn chat_parts_add_up() {
        let parts = vec![
            Ok(chat(
                json!({"model":"m","message":{"role":"assistant","content":"","thinking":"hm"},"done":false}),
            )),
            Ok(chat(
                json!({"model":"m","message":{"role":"assistant","content":"","thinking":" ok"},"done":false}),
            )),
            Ok(chat(
                json!({"model":"m","message":{"role":"assistant","content":"Hel"},"done":false,"logprobs":[{"token":"Hel","logprob":-0.5}]}),
            )),
            Ok(chat(
                json!({"model":"m","message":{"role":"assistant","content":"lo","tool_calls":[{"function":{"name":"f","arguments":{}}}]},"done":false,"logprobs":[{"token":"lo","logprob":-1.0}]}),
            )),
            Ok(chat(
                json!({"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","eval_count":4,"total_duration":9}),
            )),
        ];
        let r = fold_iter(parts).unwrap();
        assert_eq!(r.message.content, "Hello");
        assert_eq!(r.message.thinking.as_deref(), Some("hm ok"));
        assert_eq!(
            r.message.tool_calls,
            Some(vec![ToolCall::new("f", Default::default())])
        );
        assert_eq!(
            r.logprobs
                .unwrap()
                .iter()
                .map(|l: &Logprob| l.token.as_str())
                .collect::<Vec<_>>(),
            ["Hel", "lo"]
        );
        assert!(r.done);
        assert_eq!(r.done_reason.as_deref(), Some("stop"));
        assert_eq!(r.eval_count, Some(4));
        assert_eq!(r.total_duration, Some(9));
    }

    #[test]
    fn generate_parts_add_up() {
        let g = |v| serde_json::from_value::<GenerateResponse>(v).unwrap();
        let r = fold_iter([
            Ok(g(json!({"model":"m","response":"a","done":false}))),
            Ok(g(
                json!({"model":"m","response":"b","done":true,"context":[1,2],"eval_count":2}),
            )),
        ])
        .unwrap();
        assert_eq!(r.response, "ab");
        assert_eq!(r.thinking, None);
        assert_eq!(r.context, Some(vec![1, 2]));
        assert_eq!(r.metrics().eval_count, Some(2));
    }

    #[test]
    fn errors_and_empty_streams() {
        let e = fold_iter::<GenerateResponse, _>([
            Ok(GenerateResponse::default()),
            Err(Error::Stream {
                message: "boom".into(),
            }),
        ])
        .unwrap_err();
        assert_eq!(e.to_string(), "boom");
        assert!(matches!(
            fold_iter::<ChatResponse, _>([]),
            Err(Error::Incomplete)
        ));
    }
}
