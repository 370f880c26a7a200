//! Self-tests of the test server: each endpoint, the framing facts of the captures, state
//! consistency and every [`Fault`]. Most use a raw HTTP/1.1 client, to see chunks and headers exactly.
//! This module holds that client; the tests are in its children, by area.

mod basics;
mod faults;
mod inference;
mod transfer;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use super::*;

/// A response as it came off the wire.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Chunk sizes when chunked.
    chunks: Option<Vec<Vec<u8>>>,
    /// Whether a chunked body ended with its terminating chunk.
    terminated: bool,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.text()))
    }

    fn lines(&self) -> Vec<Value> {
        assert!(
            self.text().ends_with('\n'),
            "NDJSON must end with a newline: {:?}",
            self.text()
        );
        self.text()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
            .collect()
    }

    fn error(&self) -> String {
        self.json()["error"]
            .as_str()
            .expect("error field")
            .to_string()
    }

    fn is_chunked(&self) -> bool {
        self.chunks.is_some()
    }
}

fn send(server: &TestServer, method: &str, path: &str, body: &str) -> Raw {
    send_with(server, method, path, &[], body.as_bytes())
}

fn post(server: &TestServer, path: &str, body: Value) -> Raw {
    send(server, "POST", path, &body.to_string())
}

fn send_with(
    server: &TestServer,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Raw {
    let mut stream = TcpStream::connect(("127.0.0.1", server.port())).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut request = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        request.push_str(&format!("Host: 127.0.0.1:{}\r\n", server.port()));
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method != "GET" && method != "HEAD" {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    // The server may answer before reading the body and close the connection (blob uploads).
    let _ = stream.write_all(&bytes);
    let mut response = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => response.extend_from_slice(&buf[..n]),
        }
    }
    parse(&response, method == "HEAD")
}

fn parse(response: &[u8], head: bool) -> Raw {
    let end = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(response)));
    let head_text = String::from_utf8_lossy(&response[..end]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status: u16 = lines.next().unwrap()[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let rest = &response[end + 4..];
    let mut raw = Raw {
        status,
        headers,
        body: Vec::new(),
        chunks: None,
        terminated: false,
    };
    if head {
        return raw;
    }
    if raw.header("transfer-encoding") == Some("chunked") {
        let mut chunks = Vec::new();
        let mut at = 0;
        while let Some(line_end) = rest[at..].windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[at..at + line_end]).unwrap(), 16)
                    .unwrap();
            at += line_end + 2;
            if size == 0 {
                raw.terminated = true;
                break;
            }
            let chunk = rest[at..(at + size).min(rest.len())].to_vec();
            raw.body.extend_from_slice(&chunk);
            chunks.push(chunk);
            at += size + 2;
            if at > rest.len() {
                break;
            }
        }
        raw.chunks = Some(chunks);
    } else {
        raw.body = rest.to_vec();
    }
    raw
}

fn assert_json_error(raw: &Raw, status: u16, message: &str) {
    assert_eq!(raw.status, status, "{}", String::from_utf8_lossy(&raw.body));
    assert_eq!(raw.content_type(), Some("application/json; charset=utf-8"));
    assert_eq!(raw.json(), json!({"error": message}));
}

fn statuses(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            l.get("status")
                .or(l.get("error"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect()
}
