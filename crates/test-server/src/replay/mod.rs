//! Replays of the captured exchanges in tests/fixtures/captures.
//!
//! The captures are real HTTP exchanges with an Ollama 0.32.15 server (see the README next to them).
//! This module parses them into [`Capture`] values and serves them again, byte for byte, with
//! [`Replay`], so that client code is tested against what the real server sends rather than against
//! what we believe it sends.

// This is shared fixture code for the whole test binary: not every test uses every item or field,
// and an unused accessor is not a bug here.
#![allow(dead_code)]

mod cli;
mod wire;

#[cfg(test)]
mod selftest;

pub use cli::{cli_capture, cli_runs, CliRun};
pub use wire::{ReceivedRequest, Replay};

use std::path::{Path, PathBuf};

/// The server's models directory as the captures show it; the real path had another length, so
/// bodies holding it no longer match their recorded lengths.
pub const MASKED_MODELS_DIR: &str = "/home/user/.ollama/models";

/// Where the capture files live, independent of the directory `cargo test` runs in.
pub fn captures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/captures")
}

/// One captured HTTP exchange (files 01–81, 96, 98, 99).
#[derive(Debug, Clone)]
pub struct Capture {
    /// File name without `.txt`, e.g. `15-generate-stream`.
    pub name: String,
    /// What the client sent.
    pub request: CapturedRequest,
    /// What the server answered.
    pub response: CapturedResponse,
    /// Every `#` line outside the bodies (title, notes and the trailer), verbatim.
    pub notes: Vec<String>,
}

/// The request half of a capture.
#[derive(Debug, Clone)]
pub struct CapturedRequest {
    /// `GET`, `POST`, `HEAD`, `DELETE`, ...
    pub method: String,
    /// Request target as sent, e.g. `/api/generate`.
    pub path: String,
    /// Every header that was sent, in order.
    pub headers: Vec<(String, String)>,
    /// Exact body bytes; empty when the body was replaced by a placeholder.
    pub body: Vec<u8>,
    /// Body length stated by the trailer (`# request body: N bytes`), when there is one.
    pub recorded_len: Option<usize>,
    /// `Some(N)` when an N-byte binary body (a GGUF upload) was replaced by a `# <N bytes ...>` line.
    pub placeholder_len: Option<usize>,
}

/// The response half of a capture.
#[derive(Debug, Clone)]
pub struct CapturedResponse {
    /// Status code, e.g. 200.
    pub status: u16,
    /// Reason phrase, e.g. `OK` or `Method Not Allowed`.
    pub reason: String,
    /// Every header received, in order (the capture leaves out `Date`).
    pub headers: Vec<(String, String)>,
    /// Exact body bytes (de-chunked). Empty for HEAD.
    pub body: Vec<u8>,
    /// Sizes of the HTTP chunks as received, for chunked responses.
    pub chunk_sizes: Option<Vec<usize>>,
    /// The server closed the connection after this response.
    pub closed: bool,
    /// Body length stated by the trailer (`# response body: N bytes`), when there is one.
    pub recorded_len: Option<usize>,
    /// The body in the file is not what the server sent: embedding vectors were cut (43, 44, 50) or
    /// the server's models directory was rewritten (07, 08, 72). `recorded_len`, `chunk_sizes` and
    /// Content-Length then describe the original body, not `body`.
    pub altered: bool,
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl CapturedRequest {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body parsed as one JSON document; panics if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "request body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

impl CapturedResponse {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Whether the response used `Transfer-Encoding: chunked`.
    pub fn is_chunked(&self) -> bool {
        self.header("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    }

    /// The body parsed as one JSON document; panics if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The body parsed as NDJSON: one value per non-empty line; panics on a bad line.
    pub fn lines(&self) -> Vec<serde_json::Value> {
        self.body
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| {
                serde_json::from_slice(l).unwrap_or_else(|e| {
                    panic!(
                        "NDJSON line is not JSON ({e}): {}",
                        String::from_utf8_lossy(l)
                    )
                })
            })
            .collect()
    }

    /// The pieces the replay server writes, one HTTP chunk each when chunked: the recorded chunk
    /// sizes when they add up to the body, otherwise one piece per line (the server sends every
    /// NDJSON line as its own chunk, so that is the faithful fallback when the body was edited).
    /// Not chunked: the whole body as one piece. An empty body gives no pieces.
    pub fn wire_chunks(&self) -> Vec<&[u8]> {
        if self.body.is_empty() {
            return Vec::new();
        }
        if !self.is_chunked() {
            return vec![&self.body];
        }
        if let Some(sizes) = &self.chunk_sizes {
            if sizes.iter().sum::<usize>() == self.body.len() && sizes.iter().all(|&s| s > 0) {
                let mut rest = &self.body[..];
                let mut out = Vec::new();
                for &s in sizes {
                    let (head, tail) = rest.split_at(s);
                    out.push(head);
                    rest = tail;
                }
                return out;
            }
        }
        self.body
            .split_inclusive(|&b| b == b'\n')
            .collect::<Vec<_>>()
    }
}

/// Whether this file is an HTTP capture (the CLI files have other section markers).
fn is_http_capture(text: &str) -> bool {
    text.lines().any(|l| l == "=== REQUEST")
}

/// All capture files, sorted by name, as (stem, path).
fn capture_files() -> Vec<(String, PathBuf)> {
    let dir = captures_dir();
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let stem = path.file_stem()?.to_str()?.to_owned();
            let numbered = stem.len() > 3 && stem.as_bytes()[..2].iter().all(u8::is_ascii_digit);
            (numbered && path.extension()? == "txt").then_some((stem, path))
        })
        .collect();
    files.sort();
    files
}

/// The one file whose stem is `prefix` or starts with `prefix-`; panics with the candidates otherwise.
fn find_capture_file(prefix: &str) -> (String, PathBuf) {
    let files = capture_files();
    let matches: Vec<_> = files
        .iter()
        .filter(|(stem, _)| stem == prefix || stem.starts_with(&format!("{prefix}-")))
        .cloned()
        .collect();
    match matches.len() {
        1 => matches.into_iter().next().unwrap(),
        0 => panic!(
            "no capture named {prefix:?} in {}; there are: {}",
            captures_dir().display(),
            files
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => panic!(
            "capture name {prefix:?} is ambiguous: {}",
            matches
                .iter()
                .map(|(s, _)| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The HTTP capture named `name_prefix` (`"15"` or `"15-generate-stream"`). Panics if it is
/// missing, ambiguous, or a CLI file.
pub fn capture(name_prefix: &str) -> Capture {
    let (stem, path) = find_capture_file(name_prefix);
    let text = read_text(&path);
    assert!(
        is_http_capture(&text),
        "{stem} is not an HTTP capture; use cli_capture/cli_runs for it"
    );
    parse_capture(&stem, &text)
}

/// Every HTTP capture, sorted by name.
pub fn all_http_captures() -> Vec<Capture> {
    capture_files()
        .into_iter()
        .filter_map(|(stem, path)| {
            let text = read_text(&path);
            is_http_capture(&text).then(|| parse_capture(&stem, &text))
        })
        .collect()
}

/// What a trailer line says about one body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyTrailer {
    /// No trailer line for this body: it must be empty.
    Missing,
    /// `none (HEAD)` or `0 bytes`.
    Empty,
    /// `N bytes of binary data (not shown)`.
    Placeholder(usize),
    /// `N bytes, K newline(s), ends with "\n"` (true) or `does NOT end with "\n"` (false).
    Text(usize, bool),
}

fn body_trailer(trailer: &[&str], which: &str) -> BodyTrailer {
    let key = format!("# {which} body: ");
    let Some(rest) = trailer.iter().find_map(|l| l.strip_prefix(&key)) else {
        return BodyTrailer::Missing;
    };
    if rest.starts_with("none") {
        return BodyTrailer::Empty;
    }
    let len: usize = rest
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("cannot read the length in trailer line {key}{rest}"));
    if rest.contains("binary data") {
        BodyTrailer::Placeholder(len)
    } else if len == 0 {
        BodyTrailer::Empty
    } else if rest.contains("does NOT end with") {
        BodyTrailer::Text(len, false)
    } else if rest.contains("ends with") {
        BodyTrailer::Text(len, true)
    } else {
        panic!("unrecognised trailer line {key}{rest}")
    }
}

/// Splits a section (head lines, blank line, body text) into head lines and body text.
fn split_section<'a>(name: &str, section: &'a str) -> (Vec<&'a str>, &'a str) {
    let (head, body) = section
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("{name}: no blank line after the headers"));
    (head.lines().collect(), body)
}

fn parse_headers(name: &str, lines: &[&str]) -> Vec<(String, String)> {
    lines
        .iter()
        .map(|l| {
            let (k, v) = l
                .split_once(':')
                .unwrap_or_else(|| panic!("{name}: bad header line {l:?}"));
            (k.to_owned(), v.trim_start().to_owned())
        })
        .collect()
}

/// Turns the text between the blank line and the next marker into the exact body bytes.
fn restore_body(name: &str, which: &str, text: &str, trailer: BodyTrailer) -> Vec<u8> {
    match trailer {
        BodyTrailer::Missing | BodyTrailer::Empty => {
            assert!(
                text.is_empty(),
                "{name}: {which} body has text but its trailer gives no length"
            );
            Vec::new()
        }
        BodyTrailer::Placeholder(_) => {
            let line = text.trim_end_matches('\n');
            assert!(
                line.starts_with("# <") && line.ends_with('>') && !line.contains('\n'),
                "{name}: expected a one-line placeholder for the binary {which} body, got {line:?}"
            );
            Vec::new()
        }
        BodyTrailer::Text(_, ends_with_newline) => {
            // The file always puts a newline before the next marker; it is part of the body only
            // when the trailer says the body ends with one.
            let text = text
                .strip_suffix('\n')
                .unwrap_or_else(|| panic!("{name}: {which} body is not followed by a newline"));
            let mut body = text.as_bytes().to_vec();
            if ends_with_newline {
                body.push(b'\n');
            }
            body
        }
    }
}

/// Parses one HTTP capture file. `name` is only used in messages and as `Capture::name`.
pub fn parse_capture(name: &str, text: &str) -> Capture {
    // Byte offsets of the marker lines, so bodies are sliced from the original text untouched.
    let marker = |m: &str, from: usize| -> (usize, usize) {
        let needle = format!("\n{m}\n");
        let at = text[from..]
            .find(&needle)
            .map(|i| from + i + 1)
            .or_else(|| (from == 0 && text.starts_with(&needle[1..])).then_some(0))
            .unwrap_or_else(|| panic!("{name}: missing {m:?} line"));
        (at, at + m.len() + 1)
    };
    let (req_at, req_start) = marker("=== REQUEST", 0);
    let (resp_at, resp_start) = marker("=== RESPONSE", req_start - 1);
    let (end_at, end_start) = marker("=== END", resp_start - 1);

    let preamble: Vec<&str> = text[..req_at].lines().collect();
    let trailer: Vec<&str> = text[end_start..].lines().collect();
    let notes: Vec<String> = preamble
        .iter()
        .chain(trailer.iter())
        .filter(|l| l.starts_with('#'))
        .map(|l| (*l).to_owned())
        .collect();

    // Request.
    let (head, body_text) = split_section(name, &text[req_start..resp_at]);
    let request_line = head
        .first()
        .unwrap_or_else(|| panic!("{name}: empty request"));
    let mut parts = request_line.split(' ');
    let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
        panic!("{name}: bad request line {request_line:?}")
    };
    let req_trailer = body_trailer(&trailer, "request");
    let request = CapturedRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        headers: parse_headers(name, &head[1..]),
        body: restore_body(name, "request", body_text, req_trailer),
        recorded_len: match req_trailer {
            BodyTrailer::Missing => None,
            BodyTrailer::Empty => Some(0),
            BodyTrailer::Placeholder(n) | BodyTrailer::Text(n, _) => Some(n),
        },
        placeholder_len: match req_trailer {
            BodyTrailer::Placeholder(n) => Some(n),
            _ => None,
        },
    };

    // Response.
    let (head, body_text) = split_section(name, &text[resp_start..end_at]);
    let status_line = head
        .first()
        .unwrap_or_else(|| panic!("{name}: empty response"));
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{name}: bad status line {status_line:?}"));
    let reason = parts.next().unwrap_or("").to_owned();
    let headers = parse_headers(name, &head[1..]);
    let resp_trailer = body_trailer(&trailer, "response");
    let body = restore_body(name, "response", body_text, resp_trailer);
    let chunked = find_header(&headers, "transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let chunk_sizes = trailer
        .iter()
        .find_map(|l| l.strip_prefix("# chunk sizes (bytes):"))
        .filter(|_| chunked)
        .map(|sizes| {
            sizes
                .split_whitespace()
                .map(|s| {
                    s.parse()
                        .unwrap_or_else(|_| panic!("{name}: bad chunk size {s:?}"))
                })
                .collect()
        });
    let closed = trailer.iter().any(|l| l.contains("closed the connection"))
        || find_header(&headers, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let altered = notes.iter().any(|n| n.contains("cut to their first"))
        || String::from_utf8_lossy(&body).contains(MASKED_MODELS_DIR);
    let response = CapturedResponse {
        status,
        reason,
        headers,
        body,
        chunk_sizes,
        closed,
        recorded_len: match resp_trailer {
            BodyTrailer::Missing | BodyTrailer::Placeholder(_) => None,
            BodyTrailer::Empty => Some(0),
            BodyTrailer::Text(n, _) => Some(n),
        },
        altered,
    };

    Capture {
        name: name.to_owned(),
        request,
        response,
        notes,
    }
}
