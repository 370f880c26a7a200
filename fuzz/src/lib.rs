//! The properties the fuzz targets check, one function per target.
//!
//! Each `check_*` function takes the raw fuzzer input and panics when a
//! property does not hold. The fuzz targets in `fuzz_targets/` call them, and
//! the crate's own test suite (`crates/ollama-rs/tests/api/fuzz_seeds.rs`, which includes
//! this file as a module) replays the committed seeds and regression inputs
//! through them on the stable toolchain, without a fuzzer.

use std::fmt::Debug;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_util::Stream;
use ollama_rs::__internals::{decode_line, Decoder, DEFAULT_MAX_LINE};
use ollama_rs::modelfile::{self, Instruction, Modelfile};
use ollama_rs::ResponseStream;
use ollama_rs::{ChatResponse, GenerateResponse, Host, ProgressResponse};
use serde::de::DeserializeOwned;
use serde_json::Value;

// ------------------------------------------------------------------ NDJSON

/// The most chunk boundaries one input may ask for.
const MAX_CUTS: usize = 16;

/// An NDJSON input split into its parts.
///
/// Layout of the fuzzer input: byte 0 is a small line limit (0 to 255
/// bytes), byte 1 the number of cuts (modulo 17), then two bytes
/// (little-endian) per cut, each taken modulo the body length + 1; the rest
/// is the body. A short input gives a short header and an empty body.
#[derive(Debug)]
pub struct NdjsonCase<'a> {
    /// The small line limit the body is also decoded with.
    pub small_limit: usize,
    /// Where the body is cut into chunks, sorted, each at most its length.
    pub cuts: Vec<usize>,
    /// The bytes to decode.
    pub body: &'a [u8],
}

impl<'a> NdjsonCase<'a> {
    /// Splits a fuzzer input into limit, cuts and body.
    pub fn from_input(data: &'a [u8]) -> NdjsonCase<'a> {
        let small_limit = data.first().copied().unwrap_or(0) as usize;
        let n = data.get(1).copied().unwrap_or(0) as usize % (MAX_CUTS + 1);
        let header = (2 + 2 * n).min(data.len());
        let raw_cuts: Vec<usize> = data[2.min(data.len())..header]
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], *c.get(1).unwrap_or(&0)]) as usize)
            .collect();
        let body = &data[header..];
        let mut cuts: Vec<usize> = raw_cuts.iter().map(|c| c % (body.len() + 1)).collect();
        cuts.sort_unstable();
        NdjsonCase {
            small_limit,
            cuts,
            body,
        }
    }

    /// The body cut at `cuts` (some chunks may be empty).
    pub fn chunks(&self) -> Vec<&'a [u8]> {
        let mut out = Vec::with_capacity(self.cuts.len() + 1);
        let mut start = 0;
        for &c in &self.cuts {
            out.push(&self.body[start..c]);
            start = c;
        }
        out.push(&self.body[start..]);
        out
    }
}

/// A decoded item, as text, so that values and errors of any type compare.
fn show<T: Debug>(r: &ollama_rs::Result<T>) -> String {
    format!("{r:?}")
}

/// Decodes `chunks` with a [`Decoder`], draining it after every chunk, then
/// calling `finish` until it has nothing more.
fn decode_chunks<T: DeserializeOwned + Debug>(chunks: &[&[u8]], limit: usize) -> Vec<String> {
    let mut d = Decoder::<T>::new(limit);
    let mut out = Vec::new();
    for c in chunks {
        d.feed(Bytes::copy_from_slice(c));
        while let Some(item) = d.next_item() {
            out.push(show(&item));
        }
    }
    while let Some(item) = d.finish() {
        out.push(show(&item));
    }
    // Once finished, the decoder stays finished.
    assert!(d.next_item().is_none(), "an item after finish");
    assert!(d.finish().is_none(), "a second finish yields an item");
    out
}

/// Decodes `chunks` through a [`ResponseStream`], polling it to the end.
fn decode_stream<T: DeserializeOwned + Debug>(chunks: &[&[u8]], limit: usize) -> Vec<String> {
    let body: Vec<ollama_rs::Result<Bytes>> = chunks
        .iter()
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    let mut stream = ResponseStream::<T>::new(futures_util::stream::iter(body), limit);
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    loop {
        match Pin::new(&mut stream).poll_next(&mut cx) {
            Poll::Ready(Some(item)) => out.push(show(&item)),
            Poll::Ready(None) => break,
            Poll::Pending => panic!("an in-memory body never waits"),
        }
    }
    // A finished stream stays finished.
    assert!(matches!(
        Pin::new(&mut stream).poll_next(&mut cx),
        Poll::Ready(None)
    ));
    out
}

/// What the decoder should give, worked out line by line without it: every
/// `\n`-terminated line and the unterminated rest are decoded with
/// [`decode_line`] (a line longer than the limit is an error), until the
/// first error.
fn reference<T: DeserializeOwned + Debug>(body: &[u8], limit: usize) -> Vec<String> {
    let mut out = Vec::new();
    for line in body.split(|&b| b == b'\n') {
        if line.len() > limit {
            out.push(show::<T>(&Err(ollama_rs::Error::LineTooLong { limit })));
            break;
        }
        match decode_line::<T>(line) {
            Ok(None) => {}
            Ok(Some(v)) => out.push(show::<T>(&Ok(v))),
            Err(e) => {
                out.push(show::<T>(&Err(e)));
                break;
            }
        }
    }
    out
}

/// What a [`ResponseStream`] should give: the same as line by line, except
/// that a body whose first item does not decode, and that fits in the
/// limit, is read as one (pretty-printed) document when it is one.
fn stream_reference<T: DeserializeOwned + Debug>(body: &[u8], limit: usize) -> Vec<String> {
    let want = reference::<T>(body, limit);
    if body.len() <= limit && want.first().is_some_and(|s| s.starts_with("Err(Decode")) {
        match decode_line::<T>(body) {
            Ok(Some(v)) => return vec![show::<T>(&Ok(v))],
            Err(e @ ollama_rs::Error::Stream { .. }) => return vec![show::<T>(&Err(e))],
            _ => {}
        }
    }
    want
}

/// Decodes one body as `T` with one limit in every way there is, and checks
/// that they all agree.
fn ndjson_agrees<T: DeserializeOwned + Debug>(case: &NdjsonCase<'_>, limit: usize) {
    let want = reference::<T>(case.body, limit);
    let whole = decode_chunks::<T>(&[case.body], limit);
    assert_eq!(whole, want, "whole body vs line by line, limit {limit}");
    let chunks = case.chunks();
    let cut = decode_chunks::<T>(&chunks, limit);
    assert_eq!(
        cut, want,
        "cut at {:?} vs line by line, limit {limit}",
        case.cuts
    );
    let stream = decode_stream::<T>(&chunks, limit);
    assert_eq!(
        stream,
        stream_reference::<T>(case.body, limit),
        "stream cut at {:?}, limit {limit}",
        case.cuts
    );
    // An error is always the last item.
    let errors = want.iter().filter(|s| s.starts_with("Err(")).count();
    assert!(errors <= 1, "more than one error: {want:?}");
    if errors == 1 {
        assert!(want.last().is_some_and(|s| s.starts_with("Err(")));
    }
}

/// The NDJSON decoder property: for any body, any chunking and any line
/// limit, the [`Decoder`] fed the whole body and the decoder fed the chunks
/// give the same items (values and errors) as decoding the body line by
/// line, one-byte chunks too; a [`ResponseStream`] over the chunks as well,
/// but for a body that is one multi-line document. Checked
/// as [`Value`] with the default and a small limit, and as the typed
/// streaming responses with the default limit.
pub fn check_ndjson(data: &[u8]) {
    let case = NdjsonCase::from_input(data);
    ndjson_agrees::<Value>(&case, DEFAULT_MAX_LINE);
    ndjson_agrees::<Value>(&case, case.small_limit);
    ndjson_agrees::<GenerateResponse>(&case, DEFAULT_MAX_LINE);
    ndjson_agrees::<ChatResponse>(&case, DEFAULT_MAX_LINE);
    ndjson_agrees::<ProgressResponse>(&case, case.small_limit);
    let bytes: Vec<&[u8]> = case.body.chunks(1).collect();
    assert_eq!(
        decode_chunks::<Value>(&bytes, case.small_limit),
        reference::<Value>(case.body, case.small_limit),
        "one-byte chunks"
    );
}

// --------------------------------------------------------------- Modelfile

/// The lines as the parser sees them: without a byte-order mark, each
/// ending at `\n`, `\r\n` or a lone `\r`.
fn modelfile_lines(text: &str) -> Vec<&str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = Vec::new();
    let mut line_start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[line_start..i]);
                line_start = i + 1;
            }
            b'\r' => {
                lines.push(&text[line_start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(&text[line_start..]);
    lines
}

/// What a command is, without its source position.
fn shape(mf: &Modelfile) -> Vec<(Instruction, Option<String>, String)> {
    mf.commands
        .iter()
        .map(|c| (c.kind, c.name.clone(), c.args.clone()))
        .collect()
}

/// The Modelfile properties, for the input read as UTF-8 (invalid bytes
/// replaced): parsing never panics; an error points at a real line and
/// column and quotes that line; a parsed file gives its parts without
/// panicking and with no warning but deprecated keys; when
/// [`Modelfile::write`] succeeds its text is the `Display` text and parses
/// back to the same commands, and when it refuses, the refused value has a
/// carriage return or a `"""`.
pub fn check_modelfile(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let lines = modelfile_lines(&text);
    let mf = match modelfile::parse(&text) {
        Ok(mf) => mf,
        Err(e) => {
            let _ = e.to_string();
            let _ = e.with_path("Modelfile");
            assert!(
                e.line >= 1 && e.line <= lines.len(),
                "error line {} of {}",
                e.line,
                lines.len()
            );
            assert_eq!(e.snippet, lines[e.line - 1], "the snippet is the line");
            let width = e.snippet.chars().count();
            assert!(
                e.column >= 1 && e.column <= width + 1,
                "column {} of a line of {width} characters",
                e.column
            );
            return;
        }
    };
    let mut last_line = 0;
    for c in &mf.commands {
        assert!(c.line > last_line, "commands out of order: {mf:?}");
        last_line = c.line;
        assert!(c.line <= lines.len() && c.column >= 1);
        assert_eq!(c.kind.takes_name(), c.name.is_some(), "{c:?}");
    }
    let _ = mf.require_from();
    let parts = mf.to_parts();
    for w in &parts.warnings {
        assert!(w.contains("deprecated"), "a parsed file warns: {w}");
    }
    let shown = mf.to_string();
    let _ = modelfile::parse(&shown);
    match mf.write() {
        Ok(written) => {
            assert_eq!(written, shown, "write and Display differ");
            let back = modelfile::parse(&written)
                .unwrap_or_else(|e| panic!("written text does not parse: {e}\n{written}"));
            assert_eq!(shape(&back), shape(&mf), "round trip of\n{written}");
            assert_eq!(back.write().as_deref(), Ok(written.as_str()));
        }
        Err(e) => {
            let c = &mf.commands[e.index];
            assert!(
                c.args.contains('\r') || c.args.contains("\"\"\""),
                "{c:?} refused: {e}"
            );
        }
    }
}

// -------------------------------------------------------------------- Host

/// The host properties, for the input read as UTF-8 (invalid bytes
/// replaced): [`Host::parse`] never panics; a resolved host has a base URL
/// that [`url::Url::parse`] accepts and that does not end in `/`, API URLs
/// built on it are valid, and the base URL given back as a host resolves to
/// itself.
pub fn check_host(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let Ok(h) = Host::parse(Some(&input)) else {
        return;
    };
    let base = h.base_url();
    assert!(
        url::Url::parse(base).is_ok(),
        "{input:?} -> {base:?} is not a URL"
    );
    assert!(!base.ends_with('/'), "{input:?} -> {base:?}");
    assert_eq!(h.to_string(), base);
    let api = h.url("/api/tags");
    assert!(url::Url::parse(&api).is_ok(), "{input:?} -> {api:?}");
    let _ = h.is_loopback();
    let _ = h.credentials();
    let _ = format!("{h:?}");
    let again = Host::parse(Some(base))
        .unwrap_or_else(|e| panic!("{input:?} -> {base:?}, which does not resolve: {e}"));
    assert_eq!(again.base_url(), base, "{input:?}: not a fixed point");
}
