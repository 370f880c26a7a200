//! A tiny HTTP/1.1 server on raw tokio TCP that answers with captured responses.
//!
//! hyper or axum would normalise what goes on the wire (header case and order, chunk boundaries,
//! Content-Length handling), and the point of a replay is to send exactly what Ollama sent.

use super::{capture, Capture, CapturedResponse};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// One request as received: request line, headers in order, de-chunked body.
pub type ReceivedRequest = (String, Vec<(String, String)>, Vec<u8>);

/// Requests larger than this are refused, so a client bug cannot make a test eat all memory.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A response ready to be written, prepared once per capture.
#[derive(Debug, Clone)]
struct Reply {
    status_line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Byte ranges of `body`, one per HTTP chunk (or one for the whole body).
    pieces: Vec<std::ops::Range<usize>>,
    chunked: bool,
    close: bool,
    /// The capture was a HEAD exchange, so its Content-Length describes a body that was never sent.
    head_capture: bool,
}

impl Reply {
    fn new(c: &Capture) -> Reply {
        let r: &CapturedResponse = &c.response;
        let mut pieces = Vec::new();
        let mut at = 0;
        for p in r.wire_chunks() {
            pieces.push(at..at + p.len());
            at += p.len();
        }
        Reply {
            status_line: if r.reason.is_empty() {
                format!("HTTP/1.1 {}", r.status)
            } else {
                format!("HTTP/1.1 {} {}", r.status, r.reason)
            },
            headers: r.headers.clone(),
            body: r.body.clone(),
            pieces,
            chunked: r.is_chunked(),
            close: r.closed,
            head_capture: c.request.method.eq_ignore_ascii_case("HEAD"),
        }
    }

    /// The bytes of the status line and headers for a request with this method.
    fn head_bytes(&self, head_request: bool) -> Vec<u8> {
        let mut out = format!("{}\r\n", self.status_line);
        for (k, v) in &self.headers {
            let v = if k.eq_ignore_ascii_case("content-length")
                && !(head_request && self.head_capture)
            {
                // Edited captures (cut vectors, rewritten paths) no longer match their recorded
                // Content-Length; a client must be given the length of what is really sent.
                self.body.len().to_string()
            } else {
                v.clone()
            };
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.into_bytes()
    }

    /// Without Content-Length or chunking the body can only end when the connection closes.
    fn delimited_by_close(&self) -> bool {
        !self.chunked
            && !self
                .headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-length"))
    }
}

/// How the server chooses the reply for a request.
#[derive(Debug)]
enum Script {
    /// The same reply for every request.
    Always(Reply),
    /// Match on method and path; (method, path, reply) in priority order, then a 404.
    Routes(Vec<(String, String, Reply)>, Reply),
}

impl Script {
    fn pick(&self, method: &str, path: &str) -> &Reply {
        match self {
            Script::Always(r) => r,
            Script::Routes(routes, not_found) => {
                let exact = routes
                    .iter()
                    .find(|(m, p, _)| m.eq_ignore_ascii_case(method) && p == path);
                // Like the real server, HEAD is answered by the GET route when there is no HEAD one.
                let via_get = || {
                    routes.iter().find(|(m, p, _)| {
                        method.eq_ignore_ascii_case("HEAD")
                            && m.eq_ignore_ascii_case("GET")
                            && p == path
                    })
                };
                exact
                    .or_else(via_get)
                    .map(|(_, _, r)| r)
                    .unwrap_or(not_found)
            }
        }
    }
}

/// A running replay server on 127.0.0.1. Dropping it stops the server.
#[derive(Debug)]
pub struct Replay {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<ReceivedRequest>>>,
    connections: Arc<AtomicUsize>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Replay {
    /// Serves `c`'s response to every request, on its own thread and runtime.
    pub fn serve(c: &Capture) -> Replay {
        Replay::start(Script::Always(Reply::new(c)))
    }

    /// Serves several captures at once, picking the one whose request method and path (query
    /// included) equal the incoming request's; HEAD falls back to a GET capture of the same path.
    /// Anything else gets the real server's plain-text 404 (capture 79).
    pub fn serve_routes(captures: &[Capture]) -> Replay {
        let routes = captures
            .iter()
            .map(|c| {
                (
                    c.request.method.clone(),
                    c.request.path.clone(),
                    Reply::new(c),
                )
            })
            .collect();
        Replay::start(Script::Routes(routes, Reply::new(&capture("79"))))
    }

    fn start(script: Script) -> Replay {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("set_nonblocking");
        let addr = listener.local_addr().expect("local_addr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (shutdown, mut stop) = oneshot::channel::<()>();
        let script = Arc::new(script);
        let (log2, connections2) = (log.clone(), connections.clone());
        let thread = std::thread::Builder::new()
            .name(format!("replay-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("replay runtime");
                rt.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("tokio listener");
                    loop {
                        tokio::select! {
                            _ = &mut stop => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                connections2.fetch_add(1, Ordering::SeqCst);
                                let (script, log) = (script.clone(), log2.clone());
                                tokio::spawn(async move {
                                    if let Err(e) = serve_connection(stream, &script, &log).await {
                                        eprintln!("replay server: connection ended with an error: {e}");
                                    }
                                });
                            }
                        }
                    }
                });
                // Dropping the runtime here cancels the connection tasks still running.
            })
            .expect("spawn replay thread");
        Replay {
            addr,
            log,
            connections,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// Base URL, e.g. `http://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every complete request received so far, in arrival order.
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.log.lock().unwrap().clone()
    }

    /// How many TCP connections were accepted so far (to check keep-alive).
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Replay {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

type IoResult<T> = std::io::Result<T>;

fn bad(msg: impl Into<String>) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.into())
}

/// A connection with the bytes read but not yet consumed (a client may pipeline requests).
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Reads more bytes into the buffer; false at end of stream.
    async fn fill(&mut self) -> IoResult<bool> {
        // Reading straight into the Vec's spare capacity keeps a large array out of the future.
        self.buf.reserve(16 * 1024);
        Ok(self.stream.read_buf(&mut self.buf).await? > 0)
    }

    /// Consumes everything up to and including `delim`; None if the peer closed first.
    async fn take_until(&mut self, delim: &[u8], limit: usize) -> IoResult<Option<Vec<u8>>> {
        loop {
            if let Some(i) = self.buf.windows(delim.len()).position(|w| w == delim) {
                let rest = self.buf.split_off(i + delim.len());
                return Ok(Some(std::mem::replace(&mut self.buf, rest)));
            }
            if self.buf.len() > limit {
                return Err(bad("request head too large"));
            }
            if !self.fill().await? {
                return Ok(None);
            }
        }
    }

    async fn take_exact(&mut self, n: usize) -> IoResult<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(bad("connection closed in the middle of a request body"));
            }
        }
        let rest = self.buf.split_off(n);
        Ok(std::mem::replace(&mut self.buf, rest))
    }

    /// Reads a `Transfer-Encoding: chunked` body and returns it de-chunked.
    async fn take_chunked(&mut self) -> IoResult<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let line = self
                .take_until(b"\r\n", MAX_HEAD)
                .await?
                .ok_or_else(|| bad("connection closed inside a chunked body"))?;
            let line = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
            let size_hex = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_hex, 16)
                .map_err(|_| bad(format!("bad chunk size line {line:?}")))?;
            if size == 0 {
                // Trailer fields, if any, end with an empty line.
                loop {
                    let t = self
                        .take_until(b"\r\n", MAX_HEAD)
                        .await?
                        .ok_or_else(|| bad("connection closed inside chunked trailers"))?;
                    if t.len() == 2 {
                        return Ok(body);
                    }
                }
            }
            if body.len() + size > MAX_BODY {
                return Err(bad("request body too large"));
            }
            body.extend(self.take_exact(size).await?);
            if self.take_exact(2).await? != b"\r\n" {
                return Err(bad("chunk not followed by CRLF"));
            }
        }
    }
}

async fn serve_connection(
    stream: TcpStream,
    script: &Script,
    log: &Mutex<Vec<ReceivedRequest>>,
) -> IoResult<()> {
    // Each chunk should leave as soon as it is written, as it did from the real server.
    stream.set_nodelay(true)?;
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
    };
    loop {
        let Some(head) = conn.take_until(b"\r\n\r\n", MAX_HEAD).await? else {
            return Ok(()); // the client closed an idle keep-alive connection
        };
        let head = String::from_utf8(head).map_err(|_| bad("request head is not UTF-8"))?;
        let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
        let request_line = lines.next().ok_or_else(|| bad("empty request"))?.to_owned();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l
                    .split_once(':')
                    .ok_or_else(|| bad(format!("bad header {l:?}")))?;
                Ok((k.to_owned(), v.trim().to_owned()))
            })
            .collect::<IoResult<_>>()?;
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let http10 = parts.next() == Some("HTTP/1.0");

        if get("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
            conn.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .await?;
        }
        let body = if get("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            conn.take_chunked().await?
        } else if let Some(len) = get("content-length") {
            let len: usize = len
                .parse()
                .map_err(|_| bad(format!("bad Content-Length {len:?}")))?;
            if len > MAX_BODY {
                return Err(bad("request body too large"));
            }
            conn.take_exact(len).await?
        } else {
            Vec::new()
        };
        let client_close =
            http10 || get("connection").is_some_and(|v| v.eq_ignore_ascii_case("close"));
        // Logged before answering, so a client that has its answer always finds its request here.
        log.lock().unwrap().push((request_line, headers, body));

        let reply = script.pick(&method, &path);
        let head_request = method.eq_ignore_ascii_case("HEAD");
        conn.stream
            .write_all(&reply.head_bytes(head_request))
            .await?;
        if !head_request {
            for range in &reply.pieces {
                let piece = &reply.body[range.clone()];
                if reply.chunked {
                    let mut framed = format!("{:x}\r\n", piece.len()).into_bytes();
                    framed.extend_from_slice(piece);
                    framed.extend_from_slice(b"\r\n");
                    conn.stream.write_all(&framed).await?;
                } else {
                    conn.stream.write_all(piece).await?;
                }
                conn.stream.flush().await?;
            }
            if reply.chunked {
                conn.stream.write_all(b"0\r\n\r\n").await?;
            }
        }
        conn.stream.flush().await?;

        let status_has_body = !(reply.status_line.starts_with("HTTP/1.1 1")
            || reply.status_line.starts_with("HTTP/1.1 204")
            || reply.status_line.starts_with("HTTP/1.1 304"));
        if reply.close
            || client_close
            || (!head_request && status_has_body && reply.delimited_by_close())
        {
            conn.stream.shutdown().await?;
            return Ok(());
        }
    }
}
