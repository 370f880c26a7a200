//! The one NDJSON decoder of the crate.
//!
//! Ollama streams (generate, chat, pull, push, create) are newline-delimited
//! JSON. The server sends one line per HTTP chunk, but a TCP read may hold
//! part of a chunk or several chunks, so lines are reassembled here: a line
//! split at any byte (even inside a multi-byte UTF-8 character), several lines
//! in one chunk, a last line without a newline, blank lines and CR-LF endings
//! are all handled. A line longer than the limit is an error rather than
//! unbounded memory, and a line `{"error": "..."}` becomes [`Error::Stream`].
//!
//! [`Decoder`] is the push-style core; [`ResponseStream`] adapts it to a byte
//! stream from the HTTP layer; `decode_document` reads a single-document
//! answer, which may also end with an error line.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::Stream;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{Error, Result};

/// The default longest line accepted, in bytes (the official Go client's
/// limit).
pub const DEFAULT_MAX_LINE: usize = 8_000_000;

/// Splits bytes into lines without copying whole lines that arrive in one
/// chunk: only a line that spans chunks is gathered in a buffer.
#[derive(Debug)]
pub struct Decoder<T> {
    chunks: VecDeque<Bytes>,
    /// Read position in the front chunk.
    pos: usize,
    /// The start of a line that continues in a later chunk.
    partial: Vec<u8>,
    /// `partial` holds a finished line that was handed out last time.
    partial_done: bool,
    max_line: usize,
    failed: bool,
    _t: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Default for Decoder<T> {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_LINE)
    }
}

#[derive(Deserialize)]
struct ErrorLine {
    #[serde(default)]
    error: Option<serde_json::Value>,
}

impl<T: DeserializeOwned> Decoder<T> {
    /// A decoder that accepts lines of at most `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        Decoder {
            chunks: VecDeque::new(),
            pos: 0,
            partial: Vec::new(),
            partial_done: false,
            max_line,
            failed: false,
            _t: PhantomData,
        }
    }

    /// Adds bytes as they arrived.
    pub fn feed(&mut self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.chunks.push_back(chunk);
        }
    }

    /// The next complete object, if a whole line is buffered. After an error
    /// the decoder yields nothing more.
    pub fn next_item(&mut self) -> Option<Result<T>> {
        if self.failed {
            return None;
        }
        loop {
            let line = match self.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => return None,
                Err(e) => return Some(self.fail(e)),
            };
            match decode_line(line) {
                Ok(None) => continue,
                Ok(Some(v)) => return Some(Ok(v)),
                Err(e) => return Some(self.fail(e)),
            }
        }
    }

    /// Call at the end of the body: the last line, when it has no newline.
    pub fn finish(&mut self) -> Option<Result<T>> {
        if let Some(item) = self.next_item() {
            return Some(item);
        }
        if self.failed {
            return None;
        }
        if self.partial_done {
            self.partial.clear();
            self.partial_done = false;
        }
        while let Some(chunk) = self.chunks.pop_front() {
            self.partial.extend_from_slice(&chunk[self.pos..]);
            self.pos = 0;
        }
        if self.partial.len() > self.max_line {
            let limit = self.max_line;
            return Some(self.fail(Error::LineTooLong { limit }));
        }
        let rest = std::mem::take(&mut self.partial);
        match decode_line(&rest) {
            Ok(None) => None,
            Ok(Some(v)) => Some(Ok(v)),
            Err(e) => Some(self.fail(e)),
        }
    }

    fn fail(&mut self, e: Error) -> Result<T> {
        self.failed = true;
        self.chunks.clear();
        self.partial.clear();
        Err(e)
    }

    fn next_line(&mut self) -> Result<Option<&[u8]>> {
        if self.partial_done {
            self.partial.clear();
            self.partial_done = false;
        }
        while let Some(front) = self.chunks.front() {
            let rest = &front[self.pos..];
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    let start = self.pos;
                    self.pos += i + 1;
                    if self.partial.is_empty() {
                        if i > self.max_line {
                            return Err(Error::LineTooLong {
                                limit: self.max_line,
                            });
                        }
                        // Whole line inside one chunk: hand out a slice of it.
                        // A fully read chunk stays at the front until the next
                        // call, so the slice stays valid without a copy.
                        let front = self.chunks.front().expect("front chunk");
                        let line = &front[start..start + i];
                        return Ok(Some(line));
                    }
                    self.partial.extend_from_slice(&rest[..i]);
                    if self.partial.len() > self.max_line {
                        return Err(Error::LineTooLong {
                            limit: self.max_line,
                        });
                    }
                    self.partial_done = true;
                    if self.pos == self.chunks.front().map_or(0, |c| c.len()) {
                        self.chunks.pop_front();
                        self.pos = 0;
                    }
                    return Ok(Some(&self.partial));
                }
                None => {
                    self.partial.extend_from_slice(rest);
                    self.chunks.pop_front();
                    self.pos = 0;
                    if self.partial.len() > self.max_line {
                        return Err(Error::LineTooLong {
                            limit: self.max_line,
                        });
                    }
                }
            }
        }
        Ok(None)
    }
}

/// Built once: `memmem::find` would set up a searcher for every line.
static ERROR_KEY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"error\""));

/// Decodes one line: `None` for a blank line, [`Error::Stream`] for an
/// `{"error": ...}` line, [`Error::Decode`] when it is not the expected JSON.
pub fn decode_line<T: DeserializeOwned>(line: &[u8]) -> Result<Option<T>> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    // Only a line that mentions "error" can be an error line; checking for
    // the word first keeps the common path to a single parse.
    if ERROR_KEY.find(line).is_some() {
        if let Ok(ErrorLine { error: Some(e) }) = serde_json::from_slice::<ErrorLine>(line) {
            let message = crate::error::server_error_text(e);
            if !message.is_empty() {
                return Err(Error::Stream { message });
            }
        }
    }
    serde_json::from_slice(line)
        .map(Some)
        .map_err(|e| Error::decode(e, line))
}

/// A stream of decoded objects from a streaming response.
///
/// Ends after the last line, or after the first error (an error line, an
/// undecodable line, or a broken connection).
///
/// A server (or a proxy in front of it) may answer a streaming request with
/// one JSON document spread over several lines (pretty-printed): when the
/// first line does not decode, the whole body (up to the line limit) is
/// tried as one document before the error is reported.
pub struct ResponseStream<T> {
    body: Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>,
    decoder: Decoder<T>,
    max_line: usize,
    /// Every byte so far, until the first object is handed out (or the
    /// limit is passed): the body, should it turn out to be one document.
    start: Option<Vec<u8>>,
    /// The first line did not decode: the rest of the body is being
    /// gathered into `start` to be read as one document, else this error.
    first_error: Option<Error>,
    /// Tells the object that ends the stream; `None` when any end will do.
    is_last: Option<fn(&T) -> bool>,
    /// An object for which `is_last` holds was handed out.
    saw_last: bool,
    /// The body has ended; what is left is to check that it was whole.
    ended: bool,
    done: bool,
}

impl<T> std::fmt::Debug for ResponseStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseStream")
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> ResponseStream<T> {
    /// Decodes a stream of byte chunks: an NDJSON body read some other way
    /// than through the [`Client`](crate::Client), with lines of at most
    /// `max_line` bytes (the client's default is 8,000,000, see
    /// [`ClientBuilder::max_line_bytes`](crate::ClientBuilder::max_line_bytes)).
    pub fn new(body: impl Stream<Item = Result<Bytes>> + Send + 'static, max_line: usize) -> Self {
        ResponseStream {
            body: Box::pin(body),
            decoder: Decoder::new(max_line),
            max_line,
            start: Some(Vec::new()),
            first_error: None,
            is_last: None,
            saw_last: false,
            ended: false,
            done: false,
        }
    }

    /// Makes a body that ends without an object for which `is_last` holds
    /// end with [`Error::Incomplete`] instead of simply ending: for streams
    /// whose last object says so, like generate's and chat's `done: true`.
    #[must_use]
    pub fn expect_last(mut self, is_last: fn(&T) -> bool) -> Self {
        self.is_last = Some(is_last);
        self
    }

    /// The end of a body that broke off nowhere: `None`, or
    /// [`Error::Incomplete`] when the last object never came.
    fn end(&self) -> Option<Result<T>> {
        match self.is_last {
            Some(_) if !self.saw_last => Some(Err(Error::Incomplete)),
            _ => None,
        }
    }

    /// An item of the decoder: an object ends the watch for a one-document
    /// body; a first line that does not decode starts gathering the body.
    /// `None` when there is nothing to hand out yet.
    fn take(&mut self, item: Result<T>) -> Option<Result<T>> {
        match item {
            Ok(v) => {
                self.start = None;
                if self.is_last.is_some_and(|is_last| is_last(&v)) {
                    self.saw_last = true;
                }
                Some(Ok(v))
            }
            Err(e @ Error::Decode { .. }) if self.start.is_some() => {
                self.first_error = Some(e);
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    /// The end of a body gathered as one document.
    fn whole_document(&mut self) -> Option<Result<T>> {
        self.done = true;
        let error = self.first_error.take()?;
        let body = self.start.take().unwrap_or_default();
        match decode_line(&body) {
            Ok(Some(v)) => match self.is_last {
                Some(is_last) if !is_last(&v) => Some(Err(Error::Incomplete)),
                _ => Some(Ok(v)),
            },
            Err(e @ Error::Stream { .. }) => Some(Err(e)),
            _ => Some(Err(error)),
        }
    }
}

impl<T: DeserializeOwned> Stream for ResponseStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if this.done {
                return Poll::Ready(None);
            }
            if this.ended {
                this.done = true;
                return Poll::Ready(this.end());
            }
            if this.first_error.is_none() {
                if let Some(item) = this.decoder.next_item() {
                    match this.take(item) {
                        Some(item) => return Poll::Ready(Some(item)),
                        None => continue,
                    }
                }
            }
            match this.body.as_mut().poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(chunk))) => {
                    if let Some(start) = &mut this.start {
                        if start.len() + chunk.len() <= this.max_line {
                            start.extend_from_slice(&chunk);
                        } else {
                            this.start = None;
                            if let Some(e) = this.first_error.take() {
                                this.done = true;
                                return Poll::Ready(Some(Err(e)));
                            }
                        }
                    }
                    if this.first_error.is_none() {
                        this.decoder.feed(chunk);
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    if this.first_error.is_some() {
                        return Poll::Ready(this.whole_document());
                    }
                    if let Some(item) = this.decoder.finish() {
                        match this.take(item) {
                            // The end is checked at the next call.
                            Some(Ok(v)) => {
                                this.ended = true;
                                return Poll::Ready(Some(Ok(v)));
                            }
                            Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                            None => return Poll::Ready(this.whole_document()),
                        }
                    }
                    this.done = true;
                    return Poll::Ready(this.end());
                }
            }
        }
    }
}

/// Decodes a single-document answer.
pub(crate) fn decode_document<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    // A stream that fails after it started keeps status 200 and ends
    // with an error line, even when a single document was asked for.
    match decode_line::<T>(body) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(Error::decode("the body is empty", body)),
        Err(e @ Error::Decode { .. }) => Err(last_line_error(body).unwrap_or(e)),
        Err(e) => Err(e),
    }
}

/// The `error` of the last line of an NDJSON body, if it is an error line.
fn last_line_error(body: &[u8]) -> Option<Error> {
    let last = body
        .split(|b| *b == b'\n')
        .rev()
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))?;
    match decode_line::<serde_json::Value>(last) {
        Err(e @ Error::Stream { .. }) => Some(e),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn run(chunks: &[&[u8]], max: usize) -> Vec<Result<Value>> {
        let mut d = Decoder::<Value>::new(max);
        let mut out = Vec::new();
        for c in chunks {
            d.feed(Bytes::copy_from_slice(c));
            while let Some(v) = d.next_item() {
                out.push(v);
            }
        }
        while let Some(v) = d.finish() {
            out.push(v);
        }
        out
    }

    fn ok(v: Vec<Result<Value>>) -> Vec<Value> {
        v.into_iter().map(|r| r.unwrap()).collect()
    }

    const STREAM: &str = "{\"response\":\"h\u{e9}llo\",\"done\":false}\n\
        \n\
        {\"response\":\" w\u{f6}rld \u{2713} \u{1f600}\",\"done\":false}\r\n\
        {\"response\":\"\",\"done\":true}";

    fn expected() -> Vec<Value> {
        vec![
            json!({"response":"h\u{e9}llo","done":false}),
            json!({"response":" w\u{f6}rld \u{2713} \u{1f600}","done":false}),
            json!({"response":"","done":true}),
        ]
    }

    #[test]
    fn whole_input_in_one_chunk() {
        assert_eq!(ok(run(&[STREAM.as_bytes()], 1000)), expected());
    }

    #[test]
    fn split_at_every_offset() {
        let b = STREAM.as_bytes();
        for i in 0..=b.len() {
            let got = ok(run(&[&b[..i], &b[i..]], 1000));
            assert_eq!(got, expected(), "split at {i}");
        }
    }

    #[test]
    fn split_at_every_pair_of_offsets() {
        let b = STREAM.as_bytes();
        for i in 0..=b.len() {
            for j in i..=b.len() {
                let got = ok(run(&[&b[..i], &b[i..j], &b[j..]], 1000));
                assert_eq!(got, expected(), "split at {i} and {j}");
            }
        }
    }

    #[test]
    fn one_byte_chunks() {
        let chunks: Vec<&[u8]> = STREAM.as_bytes().chunks(1).collect();
        assert_eq!(ok(run(&chunks, 1000)), expected());
    }

    #[test]
    fn trailing_newline_and_blank_lines_are_ignored() {
        let got = ok(run(&[b"\n\n{\"a\":1}\n\n  \n{\"a\":2}\n\n"], 100));
        assert_eq!(got, vec![json!({"a":1}), json!({"a":2})]);
    }

    #[test]
    fn error_line_ends_the_stream() {
        let got = run(
            &[b"{\"a\":1}\n{\"error\":\"an error was encountered\"}\n{\"a\":2}\n"],
            100,
        );
        assert_eq!(got.len(), 2);
        assert_eq!(*got[0].as_ref().unwrap(), json!({"a":1}));
        match &got[1] {
            Err(Error::Stream { message }) => assert_eq!(message, "an error was encountered"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_token_that_says_error_is_not_an_error() {
        let got = ok(run(
            &[b"{\"response\":\"\\\"error\\\"\",\"error\":\"\"}\n"],
            100,
        ));
        assert_eq!(got, vec![json!({"response":"\"error\"","error":""})]);
    }

    #[test]
    fn long_line_is_an_error_not_memory() {
        let line = format!("{{\"a\":\"{}\"}}\n", "x".repeat(100));
        for chunking in [1usize, 7, 1000] {
            let chunks: Vec<&[u8]> = line.as_bytes().chunks(chunking).collect();
            let got = run(&chunks, 50);
            assert!(
                matches!(got.last(), Some(Err(Error::LineTooLong { limit: 50 }))),
                "{chunking}: {got:?}"
            );
        }
        // Without a newline the limit holds too.
        let got = run(&[line.trim_end().as_bytes()], 50);
        assert!(matches!(got.last(), Some(Err(Error::LineTooLong { .. }))));
    }

    #[test]
    fn invalid_json_keeps_the_line() {
        let got = run(&[b"{\"a\":1}\nnot json\n"], 100);
        match &got[1] {
            Err(Error::Decode { line, .. }) => assert_eq!(line, "not json"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_utf8_is_a_decode_error() {
        let got = run(&[b"{\"a\":\"\xff\"}\n"], 100);
        assert!(matches!(got[0], Err(Error::Decode { .. })));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn object() -> impl Strategy<Value = Value> {
            (
                "\\PC{0,12}",
                any::<i64>(),
                any::<bool>(),
                proptest::collection::vec("\\PC{0,4}", 0..3),
            )
                .prop_map(|(s, n, b, list)| json!({"response": s, "n": n, "done": b, "list": list}))
        }

        proptest! {
            /// Any split of any valid stream yields the same objects.
            #[test]
            fn any_split_yields_the_same_objects(
                objects in proptest::collection::vec(object(), 0..6),
                cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..8),
                crlf in any::<bool>(),
                final_newline in any::<bool>(),
            ) {
                let eol = if crlf { "\r\n" } else { "\n" };
                let mut text = objects
                    .iter()
                    .map(|o| o.to_string())
                    .collect::<Vec<_>>()
                    .join(eol);
                if final_newline && !objects.is_empty() {
                    text.push_str(eol);
                }
                let bytes = text.as_bytes();
                let mut offsets: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
                offsets.sort_unstable();
                let mut chunks = Vec::new();
                let mut start = 0;
                for o in offsets {
                    chunks.push(&bytes[start..o]);
                    start = o;
                }
                chunks.push(&bytes[start..]);
                let got = run(&chunks, 1 << 20);
                let got: Vec<Value> = got.into_iter().map(|r| r.unwrap()).collect();
                prop_assert_eq!(got, objects);
            }

            /// Arbitrary bytes never panic and never yield more than one error.
            #[test]
            fn arbitrary_bytes_never_panic(
                data in proptest::collection::vec(any::<u8>(), 0..512),
                cut in any::<proptest::sample::Index>(),
            ) {
                let at = cut.index(data.len() + 1);
                let got = run(&[&data[..at], &data[at..]], 64);
                prop_assert!(got.iter().filter(|r| r.is_err()).count() <= 1);
                if let Some(pos) = got.iter().position(|r| r.is_err()) {
                    prop_assert_eq!(pos, got.len() - 1, "an error ends the stream");
                }
            }
        }
    }

    #[test]
    fn stream_adapter_yields_items_then_ends() {
        let chunks: Vec<Result<Bytes>> = STREAM
            .as_bytes()
            .chunks(3)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let s = ResponseStream::<Value>::new(futures_util::stream::iter(chunks), 1000);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let got: Vec<Value> = rt.block_on(async {
            use futures_util::TryStreamExt;
            s.try_collect().await.unwrap()
        });
        assert_eq!(got, expected());
    }

    /// Every item of a [`ResponseStream`] over `body` cut into `size`-byte
    /// chunks, then `tail` (an error of the connection) if given.
    fn stream_items(
        body: &[u8],
        size: usize,
        max: usize,
        tail: Option<Error>,
    ) -> Vec<Result<Value>> {
        let mut chunks: Vec<Result<Bytes>> = body
            .chunks(size)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        chunks.extend(tail.map(Err));
        let s = ResponseStream::<Value>::new(futures_util::stream::iter(chunks), max);
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                use futures_util::StreamExt;
                s.collect().await
            })
    }

    #[test]
    fn a_stream_without_its_last_object_ends_with_incomplete() {
        fn items(body: &[u8], size: usize) -> Vec<Result<Value>> {
            let chunks: Vec<Result<Bytes>> = body
                .chunks(size.max(1))
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .collect();
            let s = ResponseStream::<Value>::new(futures_util::stream::iter(chunks), 1000)
                .expect_last(|v: &Value| v["done"] == json!(true));
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(async {
                    use futures_util::StreamExt;
                    s.collect().await
                })
        }
        let incomplete = |got: &[Result<Value>], oks: usize| {
            got.len() == oks + 1
                && got[..oks].iter().all(Result::is_ok)
                && matches!(got[oks], Err(Error::Incomplete))
        };
        for size in [1, 3, 100] {
            // Cut after a line, or in an unterminated last line that decodes.
            let got = items(b"{\"done\":false}\n", size);
            assert!(incomplete(&got, 1), "{got:?}");
            let got = items(b"{\"done\":false}\n{\"done\":false}", size);
            assert!(incomplete(&got, 2), "{got:?}");
            // Nothing at all, or one pretty-printed document that is not the last.
            assert!(incomplete(&items(b"", size), 0));
            assert!(incomplete(&items(b"{\n\"done\": false\n}\n", size), 0));
            // Whole: no error after the last object, wherever it ends.
            for body in [
                &b"{\"done\":false}\n{\"done\":true}\n"[..],
                b"{\"done\":true}",
                b"{\n  \"done\": true\n}",
            ] {
                let got = items(body, size);
                assert!(got.iter().all(Result::is_ok), "{got:?}");
            }
            // An error ends the stream without a second one.
            let got = items(b"{\"done\":false}\n{\"error\":\"boom\"}\n", size);
            assert!(
                matches!(&got[..], [Ok(_), Err(Error::Stream { .. })]),
                "{got:?}"
            );
        }
    }

    #[test]
    fn a_body_that_is_one_pretty_printed_document_is_that_document() {
        let doc = json!({"model": "tiny", "response": "Hi\nthere", "done": true});
        let pretty = serde_json::to_string_pretty(&doc).unwrap();
        for size in [1, 2, 7, pretty.len()] {
            let got = stream_items(pretty.as_bytes(), size, 1000, None);
            assert_eq!(ok(got), vec![doc.clone()], "{size}-byte chunks");
        }
        // An error document spread over lines is the server's error.
        let got = stream_items(
            b"{\n  \"error\": \"model 'x' not found\"\n}\n",
            3,
            1000,
            None,
        );
        assert!(
            matches!(&got[..], [Err(Error::Stream { message })] if message == "model 'x' not found"),
            "{got:?}"
        );
    }

    #[test]
    fn a_first_line_that_is_not_a_document_is_still_an_error() {
        // Not JSON at all: the first line's error, with that line.
        let got = stream_items(b"<html>\n<body>oops</body>\n</html>\n", 4, 1000, None);
        assert!(
            matches!(&got[..], [Err(Error::Decode { line, .. })] if line.starts_with("<html>")),
            "{got:?}"
        );
        // A document longer than the line limit is not gathered.
        let pretty = serde_json::to_string_pretty(&json!({"a": "x".repeat(100)})).unwrap();
        let got = stream_items(pretty.as_bytes(), 5, 50, None);
        assert!(matches!(&got[..], [Err(Error::Decode { .. })]), "{got:?}");
        // Once an object was read, a bad line is an error as before.
        let got = stream_items(b"{\"a\":1}\n{\n}\n", 3, 1000, None);
        assert!(
            matches!(&got[..], [Ok(_), Err(Error::Decode { .. })]),
            "{got:?}"
        );
        // A document cut short by a broken connection: the connection's error.
        let tail = Error::Io {
            path: "body".into(),
            source: std::io::Error::other("reset"),
        };
        let got = stream_items(b"{\n  \"a\": ", 3, 1000, Some(tail));
        assert!(matches!(&got[..], [Err(Error::Io { .. })]), "{got:?}");
    }
}
