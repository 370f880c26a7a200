//! The loop without a terminal: a scripted line source, in-memory output
//! and a small stub server that records what it was sent.

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::io::{self, Write};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Response, StatusCode};
use axum::Router;
use bytes::Bytes;
use futures_util::{stream, StreamExt};
use serde_json::{json, Value};

use anyhow::Result;
use ollama_rs::Client;

use super::commands;
use super::env::{Env, Input, InterruptFn, LineSource, Prompt};
use super::session::Session;
use super::state::Repl;
use crate::exit;
use crate::ui::progress::Style;

mod conversation;
mod failures;
mod model;
mod slash;

// ---------------------------------------------------------------------------
// Stub server
// ---------------------------------------------------------------------------

#[derive(Default)]
struct Stub {
    requests: Mutex<Vec<(String, Value)>>,
    installed: Mutex<HashSet<String>>,
    /// What happens to the next chat request whose last message has this
    /// content, in order (each is used once).
    faults: Mutex<Vec<(String, ChatFault)>>,
}

/// How the stub answers a chat request instead of streaming the echo.
#[derive(Clone, Debug)]
enum ChatFault {
    /// The echo, as usual.
    Pass,
    /// This status, content type and body.
    Status(u16, &'static str, &'static str),
    /// The first lines of the echo, then the connection drops.
    CloseAfter(usize),
    /// The first lines of the echo, then an error line.
    ErrorAfter(usize, &'static str),
    /// The first lines of the echo, then nothing more (until the client
    /// gives up).
    StallAfter(usize),
    /// No answer at all.
    NeverAnswer,
    /// Status 200 with these bytes.
    Raw(&'static [u8]),
}

impl Stub {
    /// `fault` for the next chat request whose last message is `content`.
    fn fail(&self, content: &str, fault: ChatFault) {
        self.faults
            .lock()
            .unwrap()
            .push((content.to_string(), fault));
    }

    fn fault_for(&self, content: &str) -> Option<ChatFault> {
        let mut faults = self.faults.lock().unwrap();
        let i = faults.iter().position(|(c, _)| c == content)?;
        Some(faults.remove(i).1)
    }
}

/// The reply to a chat request under `fault`; `lines` is the echo.
async fn faulty(fault: ChatFault, lines: Vec<Value>) -> Response<Body> {
    let first = |n: usize| -> Vec<Result<Bytes, io::Error>> {
        lines
            .iter()
            .take(n)
            .map(|l| Ok(Bytes::from(format!("{l}\n"))))
            .collect()
    };
    let stream_of = |body: Body| {
        Response::builder()
            .header("content-type", "application/x-ndjson")
            .body(body)
            .unwrap()
    };
    match fault {
        ChatFault::Pass => ndjson(lines, false),
        ChatFault::Status(code, content_type, body) => Response::builder()
            .status(code)
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap(),
        ChatFault::CloseAfter(n) => {
            let end = stream::once(async {
                // Lets the lines before it leave: an error drops the
                // connection at once.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                Err(io::Error::other("fault: close"))
            });
            stream_of(Body::from_stream(stream::iter(first(n)).chain(end)))
        }
        ChatFault::ErrorAfter(n, message) => {
            let mut items = first(n);
            items.push(Ok(Bytes::from(format!(
                "{}\n",
                json!({ "error": message })
            ))));
            stream_of(Body::from_stream(stream::iter(items)))
        }
        ChatFault::StallAfter(n) => stream_of(Body::from_stream(
            stream::iter(first(n)).chain(stream::pending()),
        )),
        ChatFault::NeverAnswer => std::future::pending().await,
        ChatFault::Raw(bytes) => stream_of(Body::from(bytes)),
    }
}

fn capabilities(model: &str) -> Vec<&'static str> {
    match model {
        "vis" => vec!["completion", "vision"],
        "thinker" => vec!["completion", "thinking"],
        "embedder" => vec!["embedding"],
        _ => vec!["completion"],
    }
}

/// The conversation a model was saved with (its Modelfile's `MESSAGE`
/// lines): `primed` has one.
fn model_messages(model: &str) -> Value {
    match model {
        "primed" => json!([
            {"role": "system", "content": "Not shown."},
            {"role": "user", "content": "Who are you?"},
            {"role": "assistant", "content": "A primed model."},
        ]),
        _ => Value::Null,
    }
}

fn json_response(status: StatusCode, v: Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(v.to_string()))
        .unwrap()
}

fn ndjson(lines: Vec<Value>, stall: bool) -> Response<Body> {
    let items = lines
        .into_iter()
        .map(|l| Ok::<_, Infallible>(Bytes::from(format!("{l}\n"))));
    let body = stream::iter(items);
    let body: Body = if stall {
        Body::from_stream(futures_util::StreamExt::chain(body, stream::pending()))
    } else {
        Body::from_stream(body)
    };
    Response::builder()
        .header("content-type", "application/x-ndjson")
        .body(body)
        .unwrap()
}

fn not_found(model: &str) -> Response<Body> {
    json_response(
        StatusCode::NOT_FOUND,
        json!({"error": format!("model '{model}' not found")}),
    )
}

async fn handle(State(stub): State<Arc<Stub>>, req: Request) -> Response<Body> {
    let path = req.uri().path().to_string();
    let bytes = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    stub.requests
        .lock()
        .unwrap()
        .push((path.clone(), body.clone()));
    let model = body["model"].as_str().unwrap_or_default().to_string();
    let installed = stub.installed.lock().unwrap().contains(&model);
    match path.as_str() {
        "/api/tags" => {
            let names: Vec<Value> = stub
                .installed
                .lock()
                .unwrap()
                .iter()
                .map(|n| json!({"name": n, "model": n}))
                .collect();
            json_response(StatusCode::OK, json!({ "models": names }))
        }
        "/api/show" if installed => json_response(
            StatusCode::OK,
            json!({
                "messages": model_messages(&model),
                "modelfile": format!("# Modelfile for {model}\nFROM {model}\n"),
                "parameters": "stop                           \"<|im_end|>\"",
                "template": "{{ .Prompt }}",
                "system": "",
                "details": {"parent_model": "", "family": "llama", "parameter_size": "119K",
                            "quantization_level": "Q8_0"},
                "model_info": {"general.architecture": "llama", "llama.context_length": 4096},
                "capabilities": capabilities(&model),
            }),
        ),
        "/api/show" | "/api/chat" | "/api/generate" if !installed => not_found(&model),
        // Only the load request (no prompt) is sent to generate; `slow`
        // takes forever to load.
        "/api/generate" if model == "slow" => std::future::pending().await,
        "/api/generate" => {
            if body.get("think") == Some(&Value::Bool(true))
                && !capabilities(&model).contains(&"thinking")
            {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({"error": format!("\"{model}\" does not support thinking")}),
                );
            }
            if !capabilities(&model).contains(&"completion") {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({"error": format!("\"{model}\" does not support generate")}),
                );
            }
            json_response(
                StatusCode::OK,
                json!({"model": model, "response": "", "done": true, "done_reason": "load"}),
            )
        }
        "/api/pull" => {
            if model.starts_with("missing") {
                return ndjson(
                    vec![
                        json!({"status": "pulling manifest"}),
                        json!({"error": "pull model manifest: file does not exist"}),
                    ],
                    false,
                );
            }
            stub.installed.lock().unwrap().insert(model);
            ndjson(
                vec![
                    json!({"status": "pulling manifest"}),
                    json!({"status": "success"}),
                ],
                false,
            )
        }
        "/api/create" => {
            stub.installed.lock().unwrap().insert(model);
            ndjson(vec![json!({"status": "success"})], false)
        }
        "/api/chat" => {
            let messages = body["messages"].as_array().cloned().unwrap_or_default();
            let last = messages
                .last()
                .and_then(|m| m["content"].as_str())
                .unwrap_or_default()
                .to_string();
            let mut lines = Vec::new();
            let thinks = capabilities(&model).contains(&"thinking")
                && body.get("think") != Some(&Value::Bool(false));
            if thinks {
                lines.push(json!({"model": model, "message": {"role": "assistant", "content": "", "thinking": "hmm"}, "done": false}));
            }
            let text = format!("echo: {last}");
            let mut token = String::new();
            let mut tokens = Vec::new();
            for c in text.chars() {
                if c == ' ' && !token.is_empty() {
                    tokens.push(std::mem::take(&mut token));
                }
                token.push(c);
            }
            tokens.push(token);
            let stall = last == "stall";
            if stall {
                tokens.truncate(1);
            }
            let fault = stub.fault_for(&last);
            for t in tokens {
                lines.push(json!({"model": model, "message": {"role": "assistant", "content": t}, "done": false}));
            }
            if !stall {
                lines.push(
                    json!({"model": model, "message": {"role": "assistant", "content": ""},
                    "done": true, "done_reason": "stop", "total_duration": 5_000_000u64,
                    "eval_count": 3, "eval_duration": 3_000_000u64,
                    "prompt_eval_count": 2, "prompt_eval_duration": 1_000_000u64}),
                );
            }
            match fault {
                Some(fault) => faulty(fault, lines).await,
                None => ndjson(lines, stall),
            }
        }
        _ => json_response(
            StatusCode::NOT_FOUND,
            json!({"error": "404 page not found"}),
        ),
    }
}

fn new_stub() -> Arc<Stub> {
    let stub = Arc::new(Stub::default());
    for m in [
        "tiny", "vis", "thinker", "other", "primed", "embedder", "slow",
    ] {
        stub.installed.lock().unwrap().insert(m.to_string());
    }
    stub
}

async fn start_stub() -> (String, Arc<Stub>) {
    let stub = new_stub();
    let app = Router::new().fallback(handle).with_state(Arc::clone(&stub));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, stub)
}

/// The stub on a thread of its own, so that a test can stop it (its port
/// then refuses connections) and start it again on the same port.
struct Served {
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Serves `stub` on `127.0.0.1:port` (0 picks one); the port.
fn serve_on(stub: &Arc<Stub>, port: u16) -> (Served, u16) {
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = Router::new().fallback(handle).with_state(Arc::clone(stub));
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            tokio::select! {
                _ = axum::serve(listener, app) => {}
                _ = stopped => {}
            }
        });
        // Closes the listener and every connection.
        runtime.shutdown_background();
    });
    let served = Served {
        shutdown: Some(shutdown),
        thread: Some(thread),
    };
    (served, port)
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Stub {
    fn bodies(&self, path: &str) -> Vec<Value> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
            .collect()
    }

    fn last(&self, path: &str) -> Value {
        self.bodies(path)
            .pop()
            .unwrap_or_else(|| panic!("no request to {path}"))
    }
}

// ---------------------------------------------------------------------------
// Line source and output
// ---------------------------------------------------------------------------

/// Called with a script line that starts with `!` (which the loop never
/// sees), to change the world between two lines.
type Hook = Box<dyn FnMut(&str)>;

#[derive(Default)]
struct Script {
    inputs: VecDeque<Input>,
    prompts: Rc<RefCell<Vec<String>>>,
    history: Rc<RefCell<Vec<String>>>,
    history_on: Rc<RefCell<bool>>,
    models: Rc<RefCell<Vec<String>>>,
    hook: Option<Hook>,
}

impl LineSource for Script {
    fn read_line(&mut self, prompt: Prompt<'_>) -> io::Result<Input> {
        self.prompts.borrow_mut().push(prompt.text.to_string());
        loop {
            match self.inputs.pop_front() {
                Some(Input::Line(l)) if l.starts_with('!') && self.hook.is_some() => {
                    (self.hook.as_mut().unwrap())(&l);
                }
                next => return Ok(next.unwrap_or(Input::Eof)),
            }
        }
    }
    fn remember(&mut self, entry: &str) -> io::Result<()> {
        if *self.history_on.borrow() {
            self.history.borrow_mut().push(entry.to_string());
        }
        Ok(())
    }
    fn set_history(&mut self, on: bool) {
        *self.history_on.borrow_mut() = on;
    }
    fn set_models(&mut self, models: Vec<String>) {
        *self.models.borrow_mut() = models;
    }
}

/// An output the test can read while the loop holds it.
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

struct Run {
    out: Shared,
    err: Shared,
    prompts: Vec<String>,
    history: Vec<String>,
    history_on: bool,
    models: Vec<String>,
    session: Session,
    result: Result<()>,
}

fn lines(script: &[&str]) -> Vec<Input> {
    script
        .iter()
        .map(|l| match *l {
            "^C" => Input::Interrupted,
            "^D" => Input::Eof,
            l => Input::Line(l.to_string()),
        })
        .collect()
}

fn session(model: &str) -> Session {
    Session {
        model: model.to_string(),
        wordwrap: true,
        ..Session::default()
    }
}

/// How the loop's surroundings look in a test.
#[derive(Default)]
struct Setup {
    /// The terminal's width.
    width: Option<usize>,
    /// Ctrl-C fires once the output shows this.
    interrupt_at: Option<&'static str>,
    color: bool,
    /// `--timeout`.
    timeout: Option<std::time::Duration>,
    /// Runs the script's `!` lines.
    hook: Option<Hook>,
}

/// A client for `url` that opens a connection for each request (so that a
/// stopped server is a refused connection, not a stale one).
fn client(url: &str, timeout: Option<std::time::Duration>) -> Client {
    let mut http = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0);
    if let Some(t) = timeout {
        http = http.read_timeout(t);
    }
    Client::builder()
        .host(url)
        .http_client(http.build().unwrap())
        .build()
        .unwrap()
}

/// Runs the loop over `script`.
async fn run_with(url: &str, session: Session, script: &[&str], setup: Setup) -> Run {
    let Setup {
        width,
        interrupt_at,
        color,
        timeout,
        hook,
    } = setup;
    let client = client(url, timeout);
    let out = Shared::default();
    let err = Shared::default();
    let watched = out.clone();
    let fired = Rc::new(RefCell::new(false));
    let interrupt: InterruptFn = Box::new(move || {
        let watched = watched.clone();
        let fired = Rc::clone(&fired);
        Box::pin(async move {
            let Some(needle) = interrupt_at else {
                return std::future::pending().await;
            };
            loop {
                if !*fired.borrow() && watched.text().contains(needle) {
                    *fired.borrow_mut() = true;
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        })
    });
    let env = Env {
        width: Box::new(move || width),
        interrupt,
        progress: Style::Quiet,
        color,
        home: None,
    };
    let source = Script {
        inputs: lines(script).into(),
        history_on: Rc::new(RefCell::new(true)),
        hook,
        ..Script::default()
    };
    let (prompts, history, history_on, models) = (
        Rc::clone(&source.prompts),
        Rc::clone(&source.history),
        Rc::clone(&source.history_on),
        Rc::clone(&source.models),
    );
    let mut repl = Repl::new(session, &client, source, out.clone(), err.clone(), env);
    let mut result = repl.start().await;
    if result.is_ok() {
        result = repl.run().await;
    }
    let session = repl.session.clone();
    drop(repl);
    Run {
        out,
        err,
        prompts: prompts.take(),
        history: history.take(),
        history_on: history_on.take(),
        models: models.take(),
        session,
        result,
    }
}

async fn run(url: &str, script: &[&str]) -> Run {
    run_with(url, session("tiny"), script, Setup::default()).await
}

fn contents(req: &Value) -> Vec<(String, String)> {
    req["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_string(),
                m["content"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The (role, content) pairs of a written `/export` file.
fn exported(path: &std::path::Path) -> Vec<(String, String)> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    contents(&json!({ "messages": v }))
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
