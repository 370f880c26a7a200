//! Turning a handler's answer into an HTTP response, with the active [`Fault`] applied.
//!
//! Every endpoint describes its answer as a [`Reply`]: a status, headers and a [`Payload`]. Only this
//! module decides framing (Content-Length or chunked, one chunk per NDJSON line as Ollama does) and
//! how faults cut, split, delay or break the body, so a fault behaves the same on every endpoint.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, Response, StatusCode};
use bytes::Bytes;
use serde_json::{json, Value};

use super::{json as gojson, Fault};

/// Ollama's Go server buffers this much before it commits to chunked framing (capture 07).
const CONTENT_LENGTH_LIMIT: usize = 2048;

pub(crate) const JSON: &str = "application/json; charset=utf-8";
/// Progress endpoints set their own Content-Type, without a charset (captures 61, 67, 77).
pub(crate) const PLAIN_JSON: &str = "application/json";
pub(crate) const NDJSON: &str = "application/x-ndjson";

/// A state change that happens when a stream reaches this point, so an aborted stream leaves the
/// server as a real one would (a pull cut short installs nothing).
pub(crate) type Effect = Box<dyn FnOnce() + Send>;

/// One step of a progress stream (pull, push, create).
pub(crate) enum Step {
    Line(Value),
    Effect(Effect),
    /// Ends the stream: an error line once something was sent, else an error response.
    Fail(StatusCode, String),
}

/// One piece of an NDJSON body.
pub(crate) enum Unit {
    Line(Vec<u8>),
    Effect(Effect),
}

pub(crate) enum Payload {
    /// No body, `Content-Length: 0`.
    Empty,
    /// One document: Content-Length up to 2 KiB, a single chunk beyond.
    Document(Vec<u8>),
    /// One document that is always chunked (errors raised inside Ollama's stream handlers).
    ChunkedDocument(Vec<u8>),
    /// NDJSON, one chunk per line.
    Lines(Vec<Unit>),
}

pub(crate) struct Reply {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub payload: Payload,
}

impl Reply {
    pub fn new(status: StatusCode, content_type: Option<&str>, payload: Payload) -> Reply {
        let mut headers = Vec::new();
        if let Some(ct) = content_type {
            headers.push((
                header::CONTENT_TYPE,
                HeaderValue::from_str(ct).expect("content type"),
            ));
        }
        Reply {
            status,
            headers,
            payload,
        }
    }

    pub fn json(status: StatusCode, value: &Value) -> Reply {
        Reply::new(status, Some(JSON), Payload::Document(gojson::to_vec(value)))
    }

    pub fn ok(value: &Value) -> Reply {
        Reply::json(StatusCode::OK, value)
    }

    pub fn error(status: StatusCode, message: impl Into<String>) -> Reply {
        Reply::json(status, &json!({"error": message.into()}))
    }

    pub fn bad_request(message: impl Into<String>) -> Reply {
        Reply::error(StatusCode::BAD_REQUEST, message)
    }

    pub fn empty(status: StatusCode) -> Reply {
        Reply::new(status, None, Payload::Empty)
    }

    pub fn text(status: StatusCode, content_type: &str, body: &str) -> Reply {
        Reply::new(
            status,
            Some(content_type),
            Payload::Document(body.as_bytes().to_vec()),
        )
    }

    pub fn ndjson(lines: Vec<Unit>) -> Reply {
        Reply::new(StatusCode::OK, Some(NDJSON), Payload::Lines(lines))
    }

    pub fn with_header(mut self, name: HeaderName, value: &str) -> Reply {
        self.headers
            .push((name, HeaderValue::from_str(value).expect("header value")));
        self
    }

    /// A progress stream (pull, push, create) answered as Ollama does with and without `stream`.
    pub fn progress(steps: Vec<Step>, stream: bool) -> Reply {
        if !stream {
            let mut last = json!({});
            for step in steps {
                match step {
                    Step::Line(value) => last = value,
                    Step::Effect(effect) => effect(),
                    Step::Fail(status, message) => {
                        return Reply::new(
                            status,
                            Some(PLAIN_JSON),
                            Payload::Document(gojson::to_vec(&json!({"error": message}))),
                        );
                    }
                }
            }
            return Reply::new(
                StatusCode::OK,
                Some(PLAIN_JSON),
                Payload::Document(gojson::to_vec(&last)),
            );
        }
        let mut units = Vec::new();
        let mut sent_line = false;
        for step in steps {
            match step {
                Step::Line(value) => {
                    sent_line = true;
                    units.push(Unit::Line(gojson::to_line(&value)));
                }
                Step::Effect(effect) if sent_line => units.push(Unit::Effect(effect)),
                Step::Effect(effect) => effect(),
                Step::Fail(status, message) if !sent_line => {
                    return Reply::new(
                        status,
                        Some(PLAIN_JSON),
                        Payload::ChunkedDocument(gojson::to_vec(&json!({"error": message}))),
                    );
                }
                Step::Fail(_, message) => {
                    units.push(Unit::Line(gojson::to_line(&json!({"error": message}))));
                    break;
                }
            }
        }
        Reply::ndjson(units)
    }
}

enum Event {
    Data(Bytes),
    Sleep(Duration),
    Effect(Effect),
    Abort,
}

/// Builds the response, applying a body fault (request faults are handled before routing).
pub(crate) fn render(reply: Reply, fault: Option<&Fault>) -> Response<Body> {
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        builder = builder.header(name, value);
    }
    let (units, document, force_chunked) = match reply.payload {
        Payload::Empty => return builder.body(Body::empty()).expect("response"),
        Payload::Document(bytes) => (vec![Unit::Line(bytes)], true, false),
        Payload::ChunkedDocument(bytes) => (vec![Unit::Line(bytes)], true, true),
        Payload::Lines(units) => (units, false, true),
    };
    let length: usize = units
        .iter()
        .map(|u| match u {
            Unit::Line(bytes) => bytes.len(),
            Unit::Effect(_) => 0,
        })
        .sum();
    let chunked = force_chunked
        || length > CONTENT_LENGTH_LIMIT
        || matches!(
            fault,
            Some(Fault::OneByteChunks | Fault::SplitUtf8 | Fault::CloseMidStream { .. })
        );

    let mut events = VecDeque::new();
    let mut lines_sent = 0;
    let mut units = units.into_iter();
    for unit in units.by_ref() {
        let bytes = match unit {
            Unit::Effect(effect) => {
                events.push_back(Event::Effect(effect));
                continue;
            }
            Unit::Line(bytes) => bytes,
        };
        match fault {
            Some(Fault::CloseMidStream { after_lines }) if lines_sent == *after_lines => {
                events.push_back(Event::Abort);
                break;
            }
            Some(Fault::ErrorMidStream {
                after_lines,
                message,
            }) if !document && lines_sent == *after_lines => {
                let line = gojson::to_line(&json!({"error": message}));
                events.push_back(Event::Data(line.into()));
                break;
            }
            Some(Fault::Stall {
                after_lines,
                for_ms,
            }) if lines_sent == *after_lines => {
                events.push_back(Event::Sleep(Duration::from_millis(*for_ms)));
            }
            Some(Fault::SlowLines { every_ms }) => {
                events.push_back(Event::Sleep(Duration::from_millis(*every_ms)));
            }
            _ => {}
        }
        match fault {
            Some(Fault::OneByteChunks) => {
                events.extend(
                    bytes
                        .iter()
                        .map(|b| Event::Data(Bytes::copy_from_slice(&[*b]))),
                );
            }
            Some(Fault::SplitUtf8) => {
                events.extend(split_inside_chars(&bytes).into_iter().map(Event::Data));
            }
            _ => events.push_back(Event::Data(bytes.into())),
        }
        lines_sent += 1;
    }
    // A fault point at or past the end still applies once everything was sent.
    if units.len() == 0 {
        match fault {
            Some(Fault::CloseMidStream { after_lines }) if lines_sent <= *after_lines => {
                events.push_back(Event::Abort);
            }
            Some(Fault::Stall {
                after_lines,
                for_ms,
            }) if lines_sent == *after_lines && lines_sent > 0 => {
                events.push_back(Event::Sleep(Duration::from_millis(*for_ms)));
            }
            _ => {}
        }
    }

    if !chunked {
        // Content-Length framing even when the body is delayed, as Go would frame it.
        builder = builder.header(header::CONTENT_LENGTH, length);
        let plain = events.iter().all(|e| matches!(e, Event::Data(_)));
        if plain {
            let mut all = Vec::with_capacity(length);
            for event in events {
                if let Event::Data(bytes) = event {
                    all.extend_from_slice(&bytes);
                }
            }
            return builder.body(Body::from(all)).expect("response");
        }
    }
    builder.body(event_body(events)).expect("response")
}

fn event_body(events: VecDeque<Event>) -> Body {
    let stream = futures_util::stream::unfold(events, |mut events| async move {
        loop {
            match events.pop_front()? {
                Event::Data(bytes) => return Some((Ok(bytes), events)),
                Event::Sleep(duration) => tokio::time::sleep(duration).await,
                Event::Effect(effect) => effect(),
                Event::Abort => {
                    // Give hyper a moment to flush what was sent: an error makes it drop the
                    // connection at once, without the terminating chunk and unflushed data.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    events.clear();
                    let error = io::Error::new(io::ErrorKind::ConnectionAborted, "fault: close");
                    return Some((Err(error), events));
                }
            }
        }
    });
    Body::from_stream(stream)
}

/// Splits `bytes` after the first byte of every multi-byte UTF-8 character.
fn split_inside_chars(bytes: &[u8]) -> Vec<Bytes> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        // A lead byte of a multi-byte sequence: cut right after it.
        if *b >= 0xC0 && i + 1 > start {
            pieces.push(Bytes::copy_from_slice(&bytes[start..=i]));
            start = i + 1;
        }
    }
    if start < bytes.len() {
        pieces.push(Bytes::copy_from_slice(&bytes[start..]));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_inside_multibyte_characters() {
        let pieces = split_inside_chars("aé✓b".as_bytes());
        let pieces: Vec<&[u8]> = pieces.iter().map(|p| p.as_ref()).collect();
        assert_eq!(
            pieces,
            vec![&b"a\xc3"[..], &b"\xa9\xe2"[..], &b"\x9c\x93b"[..]]
        );
        assert_eq!(split_inside_chars(b"abc").len(), 1);
    }
}
