//! The Ollama test server: an in-process fake of Ollama 0.32.15 for integration tests and benchmarks.
//!
//! It speaks raw HTTP/JSON (it never uses the `ollama_rs` types), so it is an independent oracle: status
//! codes, error texts, content types and framing follow `ollama-api.md` and the captures. Each
//! [`TestServer`] runs on its own thread and Tokio runtime on `127.0.0.1:<random port>`, so it serves
//! sync tests, async tests and `assert_cmd` subprocesses alike, and tests can run in parallel.
//!
//! ```ignore
//! let server = TestServer::start();
//! server.set_fault_once("/api/pull", Fault::Stall { after_lines: 1, for_ms: 5_000 });
//! // ... run the client against server.url() ...
//! assert_eq!(server.requests_to("/api/pull")[0].json()["model"], "tiny");
//! assert!(server.model_names().contains(&"tiny:latest".to_string()));
//! ```
//!
//! # Predictable model output
//!
//! - Generate replies with [`reply_text`]`(prompt)` = `"echo: <prompt>"`; chat echoes the content of
//!   the **last** message the same way. The text is cut into [`tokens`]: each token starts at a space
//!   (`"echo:"`, `" hello"`), one NDJSON line per token.
//! - `options.num_predict` N (request or model parameter) keeps the first N tokens and gives
//!   `done_reason:"length"`; otherwise `"stop"`. An `options.stop` string cuts the text before it.
//! - Thinking models (`think` true, a level, or omitted) first stream [`thinking_text`]`(prompt)` =
//!   `"thinking about: <prompt>"` as `thinking` fragments.
//! - `format:"json"` replies `{"echo": "<prompt>"}`; a schema object replies an object with every
//!   property of the schema (strings get the prompt, integers 42, numbers 1.5, booleans true, enums
//!   their first value).
//! - Tools models given `tools` answer with one tool call to the first tool (id `call_` + 8 chars,
//!   arguments for its `required` properties: strings `"example"`, integers 42, ...) and no content,
//!   unless the last message has role `tool`: then the reply echoes the results, those of every
//!   `tool` message after the last other message, joined by `"; "` (`"echo: sunny; 3"`).
//! - Scripted calls, to drive a tool loop: when the last **user** message is, as a whole,
//!   `call NAME [ARGS]`, several separated by `;` (`ARGS` a JSON object, default `{}`), e.g.
//!   `call get_weather {"city":"Paris"}; call add {"a":1,"b":2}`, a tools model given `tools` answers
//!   that message with exactly those calls, in one turn (index 0, 1, ...; distinct ids; names are
//!   not checked against `tools`), and the results with the echo above, which ends the loop. With
//!   the prefix `always` (`always call add {"a":1}`) it asks for the same calls after every round
//!   of results too, so a loop only stops at its round limit.
//! - With [`Fault::SplitUtf8`] active, plain replies are prefixed with [`UTF8_PREFIX`].
//! - Metrics: `prompt_eval_count` = words of the prompt (plus system, or of all messages) + 1,
//!   `eval_count` = generated tokens, 1 ms per generated token, 0.1 ms per prompt token, 1 ms load.
//! - `logprobs`: token *i* (from 0) has logprob `-(i+1)/8`; `top_logprobs` N lists the token itself
//!   then `alt1`, `alt2`, ... each 1 lower.
//! - Embeddings are [`embedding`]`(input, embedding_length)`: a unit vector seeded by the input's
//!   SHA-256. Inputs longer than the context (counted in words) fail with `truncate:false`.
//!
//! - Image generation: a generate request with `width`, `height` or `steps` streams one line per
//!   step with `completed` (1..=steps) and `total` (`steps`, default 4), then a last line with
//!   `image` = [`image_base64`]`(width, height, prompt)` (sizes default to 512); not streamed,
//!   only that last line.
//!
//! # ollama.com's web API
//!
//! `POST /api/web_search` and `/api/web_fetch` answer only `Authorization: Bearer `[`WEB_API_KEY`]
//! (else 401 `{"error":"unauthorized"}`). Search returns `max_results` (default 5, at most 10)
//! results `{title: "Result <i> for <query>", url: "https://example.com/<i>", content: "About
//! <query>, part <i>"}`; fetch returns `{title: "Page <url>", content: "Content of <url>", links:
//! ["<url>/a", "<url>/b"]}`.
//!
//! # Redirects and retries
//!
//! [`Fault::redirect_to`] sends a request on to another server; every server records the headers
//! it received ([`TestServer::requests`]), so a test can tell what reached which. A
//! [`Fault::RetryAfter`] set with [`TestServer::set_fault_once`] answers 429/503 with
//! `Retry-After` once, then the server recovers.
//!
//! # Models, blobs and registry
//!
//! [`TestServer::start`] installs `tiny`, `tiny-embed`, `tiny-think`, `tiny-tools`, `tiny-vision` and
//! `tiny-coder` (all `:latest`); every server's registry (for pull) holds those too, plus whatever
//! [`TestServer::add_registry_model`] adds and whatever is pushed. Uploaded blobs are kept in memory;
//! `/api/create` with `files` accepts GGUF bytes such as [`gguf`] builds. Pull, push and create state
//! changes happen as their stream is sent, so a stream cut by a fault (or the client) installs nothing.

#![allow(dead_code)] // Each test uses a different part of this module.

pub mod replay;

mod body;
mod clock;
mod inference;
mod json;
mod models;
mod proxy;
mod state;
mod tls;
mod transfer;
mod web;

#[cfg(test)]
mod selftest;

use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use axum::body::Body;
use axum::extract::{Request, State as AxumState};
use axum::http::{header, HeaderMap, Method, Response, StatusCode};
use axum::serve::ListenerExt as _;
use axum::Router;
use serde_json::{Map, Value};

use body::{Payload, Reply};
// HTTPS and a proxy, for the tests that need them (not the example server).
#[allow(unused_imports)]
pub use proxy::TestProxy;
#[allow(unused_imports)]
pub use tls::{Relay, TlsFront, TlsServer};
pub use web::{image_base64, WEB_API_KEY};

/// The version this server claims to be.
pub const VERSION: &str = "0.32.15";

/// Prefix of every plain reply while [`Fault::SplitUtf8`] is active.
pub const UTF8_PREFIX: &str = inference::UTF8_PREFIX;

/// The text a completion model answers to `prompt` (see the module docs).
pub fn reply_text(prompt: &str) -> String {
    inference::reply_text(prompt)
}

/// The thinking text a thinking model streams before its answer.
pub fn thinking_text(prompt: &str) -> String {
    inference::thinking_text(prompt)
}

/// How a reply is cut into stream lines: every token but the first starts with a space.
pub fn tokens(text: &str) -> Vec<String> {
    inference::tokens(text)
}

/// The L2-normalised vector `/api/embed` returns for `input` (before a `dimensions` cut).
pub fn embedding(input: &str, dims: usize) -> Vec<f32> {
    inference::embedding(input, dims)
}

/// A small valid GGUF file (header and metadata only) to upload for `/api/create`.
/// `file_type` 1 (F16) or 32 (BF16) can be quantized; 0 (all F32) cannot, as with real Ollama.
pub fn gguf(architecture: &str, file_type: u32) -> Vec<u8> {
    transfer::gguf(architecture, file_type)
}

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path with the query string.
    pub path: String,
    /// Header names are lowercase.
    pub headers: Vec<(String, String)>,
    /// Blob uploads keep their bytes only as the blob ([`TestServer::blob`]); here they record
    /// what was drained when the upload was refused or not needed (at most 256 KiB), else nothing.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The body as JSON; panics if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body of {} {} is not JSON ({e}): {:?}",
                self.method,
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Misbehaviour injected into responses. Body faults count "lines": NDJSON lines, or the whole
/// document for single-document replies.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Every body byte in its own HTTP chunk (streams and single documents).
    OneByteChunks,
    /// Chunk boundaries inside multi-byte UTF-8 characters; replies gain [`UTF8_PREFIX`].
    SplitUtf8,
    /// Send `after_lines` lines, then drop the connection without the terminating chunk.
    CloseMidStream { after_lines: usize },
    /// Send `after_lines` lines, pause `for_ms`, then send the rest (also delays single documents
    /// when `after_lines` is 0).
    Stall { after_lines: usize, for_ms: u64 },
    /// Pause `every_ms` before each line: a stream that keeps sending, slowly (a single document
    /// is one line, so it is delayed once).
    SlowLines { every_ms: u64 },
    /// Send `after_lines` lines, then `{"error":message}` and end the stream (status 200). Single
    /// documents are unaffected.
    ErrorMidStream { after_lines: usize, message: String },
    /// Answer every request with this status, Content-Type (none if empty) and body.
    Status {
        code: u16,
        content_type: String,
        body: String,
    },
    /// Answer with this status and `Location` (used as given).
    Redirect { location: String, status: u16 },
    /// Answer with this status (429 or 503, say), `Retry-After: <seconds>` and an error body; with
    /// [`TestServer::set_fault_once`] the next request is answered as usual.
    RetryAfter { status: u16, seconds: u64 },
    /// Read the request, wait `ms`, then answer as usual: holds a request (a `HEAD` too, which
    /// has no body for a stall to delay) while a test changes something.
    Delay { ms: u64 },
    /// Read the request, then never answer (until the server is dropped).
    NeverAnswer,
    /// 200 with exactly these bytes.
    RawBody { content_type: String, body: Vec<u8> },
}

impl Fault {
    /// A redirect to `path` on another test server.
    pub fn redirect_to(target: &TestServer, path: &str, status: u16) -> Fault {
        Fault::Redirect {
            location: format!("{}{path}", target.url()),
            status,
        }
    }

    fn is_request_fault(&self) -> bool {
        matches!(
            self,
            Fault::Status { .. }
                | Fault::Redirect { .. }
                | Fault::RetryAfter { .. }
                | Fault::NeverAnswer
                | Fault::RawBody { .. }
        )
    }
}

/// A model the server can list, show, run, copy, push or pull.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Any accepted form (`tiny`, `tiny:latest`, `user/m:tag`); stored in short form with a tag.
    pub name: String,
    /// Subset of `completion, tools, insert, vision, embedding, thinking`.
    pub capabilities: Vec<String>,
    pub family: String,
    pub parameter_size: String,
    pub quantization_level: String,
    pub context_length: u64,
    pub embedding_length: u64,
    /// What `/api/tags` reports (layers plus config blob for models this server builds).
    pub size: u64,
    pub template: String,
    pub system: String,
    pub license: String,
    pub parameters: Map<String, Value>,
    pub messages: Vec<Value>,
    /// `(sha256:<hex>, size)`; the first one is the weights. Pull and push report these (plus a
    /// config blob) and [`TestServer::has_blob`] knows them once the model is installed.
    pub layers: Vec<(String, u64)>,
    /// RFC 3339; `/api/tags` sorts by it, newest first.
    pub modified_at: String,
}

impl ModelSpec {
    /// A model like the captures' `tiny`: llama, 119K parameters, 4096 context, 64-dim embeddings;
    /// completion models get the chatml template and its stop parameters. Layers are derived from
    /// the name and these defaults; `modified_at` is now.
    pub fn new(name: &str, capabilities: &[&str]) -> ModelSpec {
        let completion = capabilities.contains(&"completion");
        let mut parameters = Map::new();
        if completion {
            parameters.insert(
                "stop".into(),
                Value::Array(vec!["<|im_start|>".into(), "<|im_end|>".into()]),
            );
        }
        let mut spec = ModelSpec {
            name: name.into(),
            capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
            family: "llama".into(),
            parameter_size: "119K".into(),
            quantization_level: "unknown".into(),
            context_length: 4096,
            embedding_length: 64,
            size: 0,
            template: if completion {
                state::CHATML_TEMPLATE.into()
            } else {
                String::new()
            },
            system: String::new(),
            license: String::new(),
            parameters,
            messages: Vec::new(),
            layers: Vec::new(),
            modified_at: clock::rfc3339(clock::now()),
        };
        let weights = state::digest_of(format!("weights of {}", name.to_lowercase()).as_bytes());
        spec.layers.push((weights, 482_944));
        for layer in state::text_layers(&spec) {
            spec.layers
                .push((state::digest_of(&layer), layer.len() as u64));
        }
        spec.size = state::total_size(&spec);
        spec
    }
}

#[derive(Default)]
struct Faults {
    all: Option<Fault>,
    /// Path (or prefix ending in `/`), fault, and how many more requests it applies to.
    by_path: Vec<(String, Fault, Option<usize>)>,
}

pub(crate) struct Shared {
    requests: Mutex<Vec<Recorded>>,
    faults: Mutex<Faults>,
    state: Mutex<state::State>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking handler must not take the whole server down with it.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, state::State> {
        lock(&self.state)
    }

    fn record(&self, recorded: Recorded) -> usize {
        let mut requests = lock(&self.requests);
        requests.push(recorded);
        requests.len() - 1
    }

    pub(crate) fn set_recorded_body(&self, index: usize, body: Vec<u8>) {
        if let Some(r) = lock(&self.requests).get_mut(index) {
            r.body = body;
        }
    }

    fn fault_for(&self, path: &str) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let matching = faults.by_path.iter().rposition(|(p, _, left)| {
            left != &Some(0) && (p == path || (p.ends_with('/') && path.starts_with(p.as_str())))
        });
        match matching {
            Some(i) => {
                let (_, fault, left) = &mut faults.by_path[i];
                if let Some(left) = left {
                    *left -= 1;
                }
                Some(fault.clone())
            }
            None => faults.all.clone(),
        }
    }
}

/// An Ollama server on `127.0.0.1`; dropping it shuts it down.
pub struct TestServer {
    shared: Arc<Shared>,
    port: u16,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A server with the seeded models installed.
    pub fn start() -> TestServer {
        TestServer::launch(0, true)
    }

    /// A server with no models installed (the seeded ones can still be pulled).
    pub fn start_empty() -> TestServer {
        TestServer::launch(0, false)
    }

    /// A seeded server on a fixed port (0 picks one).
    pub fn start_on(port: u16) -> TestServer {
        TestServer::launch(port, true)
    }

    fn launch(port: u16, seeded: bool) -> TestServer {
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind test server");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared {
            requests: Mutex::new(Vec::new()),
            faults: Mutex::new(Faults::default()),
            state: Mutex::new(state::State::new(seeded)),
        });
        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new()
            .fallback(dispatch)
            .with_state(Arc::clone(&shared));
        let thread = std::thread::Builder::new()
            .name(format!("ollama-test-server-{port}"))
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("test server runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("tokio listener")
                        // Small stream lines must leave at once, not wait for Nagle.
                        .tap_io(|tcp| {
                            let _ = tcp.set_nodelay(true);
                        });
                    tokio::select! {
                        _ = axum::serve(listener, app) => {}
                        _ = stopped => {}
                    }
                });
                // Drops every connection, including ones held by NeverAnswer or a stall.
                runtime.shutdown_background();
            })
            .expect("spawn test server thread");
        TestServer {
            shared,
            port,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// The requests whose path (query string ignored) is `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.split('?').next() == Some(path))
            .collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Applies `fault` to every following request until [`TestServer::clear_faults`].
    pub fn set_fault(&self, fault: Fault) {
        lock(&self.shared.faults).all = Some(fault);
    }

    /// Applies `fault` to requests for `path` only (query ignored); a path ending in `/` is a prefix,
    /// e.g. `/api/blobs/` (and `/` matches everything). It wins over [`TestServer::set_fault`].
    pub fn set_fault_for(&self, path: &str, fault: Fault) {
        lock(&self.shared.faults)
            .by_path
            .push((path.into(), fault, None));
    }

    /// Like [`TestServer::set_fault_for`], for the next request to `path` only: a client that
    /// retries then gets a normal answer.
    pub fn set_fault_once(&self, path: &str, fault: Fault) {
        lock(&self.shared.faults)
            .by_path
            .push((path.into(), fault, Some(1)));
    }

    pub fn clear_faults(&self) {
        *lock(&self.shared.faults) = Faults::default();
    }

    /// Installs `m`, replacing a model of the same name.
    pub fn add_model(&self, m: ModelSpec) {
        self.shared.state().install(m);
    }

    /// Makes `m` available to `/api/pull` (and to `/api/create` `from`).
    pub fn add_registry_model(&self, m: ModelSpec) {
        let name = state::Name::parse(&m.name).expect("valid model name");
        self.shared.state().registry.insert(name.key(), m);
    }

    /// Whether the server has this blob (`sha256:<hex>` or `sha256-<hex>`).
    pub fn has_blob(&self, digest: &str) -> bool {
        self.shared.state().has_blob(digest)
    }

    /// The bytes of an uploaded or created blob.
    pub fn blob(&self, digest: &str) -> Option<Vec<u8>> {
        self.shared
            .state()
            .blobs
            .get(&digest.replacen("sha256-", "sha256:", 1))
            .map(|b| b.to_vec())
    }

    /// Installed models as `/api/tags` lists them (newest first).
    pub fn model_names(&self) -> Vec<String> {
        let state = self.shared.state();
        state
            .models_newest_first()
            .into_iter()
            .map(|m| m.name.clone())
            .collect()
    }

    /// Loaded models as `/api/ps` lists them.
    pub fn loaded_names(&self) -> Vec<String> {
        let mut state = self.shared.state();
        state
            .loaded_sorted()
            .into_iter()
            .map(|l| l.spec.name.clone())
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Ollama's allowed-host rule for a server bound to loopback.
fn host_allowed(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return true;
    };
    let host = host.to_ascii_lowercase();
    let host = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("").to_string()
    } else {
        match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h.to_string(),
            _ => host,
        }
    };
    if host.is_empty() || host == "localhost" {
        return true;
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        return match ip {
            IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_unspecified(),
            IpAddr::V6(v6) => {
                v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xfe00) == 0xfc00
            }
        };
    }
    [".localhost", ".local", ".internal"]
        .iter()
        .any(|tld| host.ends_with(tld))
}

async fn dispatch(AxumState(shared): AxumState<Arc<Shared>>, request: Request) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_string();
    let recorded = Recorded {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| path.clone(), |p| p.to_string()),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: Vec::new(),
    };
    let fault = shared.fault_for(&path);
    let request_fault = fault.as_ref().is_some_and(Fault::is_request_fault);
    let host_ok = host_allowed(&parts.headers);

    if parts.method == Method::POST && blob_digest(&path).is_some() && !request_fault && host_ok {
        let index = shared.record(recorded);
        let digest = blob_digest(&path).unwrap_or_default();
        let reply = transfer::blob_post(&shared, index, digest, &parts.headers, body).await;
        return body::render(reply, fault.as_ref());
    }

    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    shared.record(Recorded {
        body: bytes.to_vec(),
        ..recorded
    });

    if request_fault {
        return request_fault_response(fault.expect("request fault")).await;
    }
    if let Some(Fault::Delay { ms }) = fault {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    if !host_ok {
        return body::render(Reply::empty(StatusCode::FORBIDDEN), None);
    }
    let reply = route(
        &shared,
        &parts.method,
        &path,
        &parts.headers,
        &bytes,
        fault.as_ref(),
    );
    body::render(reply, fault.as_ref())
}

async fn request_fault_response(fault: Fault) -> Response<Body> {
    let reply = match fault {
        Fault::Status {
            code,
            content_type,
            body,
        } => {
            let ct = (!content_type.is_empty()).then_some(content_type.as_str());
            Reply::new(status(code), ct, Payload::Document(body.into_bytes()))
        }
        Fault::Redirect {
            location,
            status: code,
        } => Reply::empty(status(code)).with_header(header::LOCATION, &location),
        Fault::RetryAfter {
            status: code,
            seconds,
        } => Reply::error(status(code), "server busy, retry later")
            .with_header(header::RETRY_AFTER, &seconds.to_string()),
        Fault::RawBody { content_type, body } => {
            Reply::new(StatusCode::OK, Some(&content_type), Payload::Document(body))
        }
        Fault::NeverAnswer => std::future::pending().await,
        _ => unreachable!("not a request fault"),
    };
    body::render(reply, None)
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn blob_digest(path: &str) -> Option<&str> {
    path.strip_prefix("/api/blobs/")
        .filter(|d| !d.is_empty() && !d.contains('/'))
}

fn is_route(path: &str) -> bool {
    const ROUTES: &[&str] = &[
        "/api/version",
        "/api/tags",
        "/api/ps",
        "/api/delete",
        "/api/generate",
        "/api/chat",
        "/api/embed",
        "/api/embeddings",
        "/api/show",
        "/api/copy",
        "/api/create",
        "/api/pull",
        "/api/push",
        "/api/web_search",
        "/api/web_fetch",
    ];
    ROUTES.contains(&path) || blob_digest(path).is_some()
}

/// Gin's `RedirectTrailingSlash`: 301 for GET, 307 otherwise; only GET gets Go's HTML body.
fn trailing_slash_redirect(method: &Method, location: &str) -> Reply {
    let reply = if method == Method::GET {
        let body = format!("<a href=\"{location}\">Moved Permanently</a>.\n\n");
        Reply::text(
            StatusCode::MOVED_PERMANENTLY,
            "text/html; charset=utf-8",
            &body,
        )
    } else {
        Reply::empty(StatusCode::TEMPORARY_REDIRECT)
    };
    reply.with_header(header::LOCATION, location)
}

fn route(
    shared: &Arc<Shared>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
    fault: Option<&Fault>,
) -> Reply {
    use Method as M;
    let allowed: &[Method] = match path {
        "/" | "/api/version" | "/api/tags" => &[M::GET, M::HEAD],
        "/api/ps" => &[M::GET],
        "/api/delete" => &[M::DELETE],
        "/api/generate" | "/api/chat" | "/api/embed" | "/api/embeddings" | "/api/show"
        | "/api/copy" | "/api/create" | "/api/pull" | "/api/push" | "/api/web_search"
        | "/api/web_fetch" => &[M::POST],
        p if blob_digest(p).is_some() => &[M::HEAD, M::POST],
        p if p.len() > 1 && p.ends_with('/') && is_route(&p[..p.len() - 1]) => {
            return trailing_slash_redirect(method, &p[..p.len() - 1]);
        }
        _ => return Reply::text(StatusCode::NOT_FOUND, "text/plain", "404 page not found"),
    };
    if !allowed.contains(method) {
        let allow: Vec<&str> = allowed.iter().map(Method::as_str).collect();
        return Reply::text(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "405 method not allowed",
        )
        .with_header(header::ALLOW, &allow.join(", "));
    }
    match path {
        "/" => Reply::text(
            StatusCode::OK,
            "text/plain; charset=utf-8",
            "Ollama is running",
        ),
        "/api/version" => Reply::ok(&serde_json::json!({"version": VERSION})),
        "/api/tags" => models::tags(shared),
        "/api/ps" => models::ps(shared),
        "/api/show" => models::show(shared, body),
        "/api/copy" => models::copy(shared, body),
        "/api/delete" => models::delete(shared, body),
        "/api/generate" => inference::generate(shared, body, fault),
        "/api/chat" => inference::chat(shared, body, fault),
        "/api/embed" => inference::embed(shared, body),
        "/api/embeddings" => inference::embeddings(shared, body),
        "/api/create" => transfer::create(shared, body),
        "/api/pull" => transfer::pull(shared, body),
        "/api/push" => transfer::push(shared, body),
        "/api/web_search" => web::search(headers, body),
        "/api/web_fetch" => web::fetch(headers, body),
        p => transfer::blob_head(shared, blob_digest(p).unwrap_or_default()),
    }
}
