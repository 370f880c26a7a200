//! The loop without a terminal: a scripted line source, in-memory output
//! and a small stub server that records what it was sent.

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Response, StatusCode};
use axum::Router;
use bytes::Bytes;
use futures_util::stream;
use serde_json::{json, Value};

use super::*;

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
        _ => vec!["completion"],
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
        "/api/show" | "/api/chat" if !installed => not_found(&model),
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
    for m in ["tiny", "vis", "thinker", "other"] {
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
    fn read_line(&mut self, prompt: &str) -> io::Result<Input> {
        self.prompts.borrow_mut().push(prompt.to_string());
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

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn streams_replies_and_keeps_the_conversation() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["Hello there", "And again"]).await;
    r.result.unwrap();
    assert_eq!(
        r.out.text(),
        "echo: Hello there\n\necho: And again\n\n",
        "replies end with a blank line"
    );
    let chats = stub.bodies("/api/chat");
    assert_eq!(chats.len(), 2);
    assert_eq!(chats[0]["model"], "tiny");
    assert_eq!(
        contents(&chats[1]),
        pairs(&[
            ("user", "Hello there"),
            ("assistant", "echo: Hello there"),
            ("user", "And again")
        ])
    );
    assert_eq!(r.prompts, vec![">>> ", ">>> ", ">>> "]);
    assert_eq!(r.history, vec!["Hello there", "And again"]);
    assert_eq!(r.models.len(), 4, "models fetched for completion");
}

#[tokio::test]
async fn multi_line_input_between_triple_quotes() {
    let (url, stub) = start_stub().await;
    let r = run(
        &url,
        &[
            "\"\"\"",
            "first line",
            "  second line",
            "\"\"\"",
            "\"\"\"one line\"\"\"",
            "\"\"\"start",
            "end\"\"\"",
            "pasted\ntext",
        ],
    )
    .await;
    r.result.unwrap();
    let sent: Vec<String> = stub
        .bodies("/api/chat")
        .iter()
        .map(|b| contents(b).last().unwrap().1.clone())
        .collect();
    assert_eq!(
        sent,
        vec![
            "first line\n  second line",
            "one line",
            "start\nend",
            "pasted\ntext"
        ]
    );
    assert_eq!(
        r.prompts[..6],
        [">>> ", "... ", "... ", "... ", ">>> ", ">>> "]
    );
    assert_eq!(r.history[0], "\"\"\"\nfirst line\n  second line\n\"\"\"");
}

#[tokio::test]
async fn ctrl_c_and_ctrl_d_at_the_prompt() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["^C", "\"\"\"", "dropped", "^C", "^D", "never sent"]).await;
    r.result.unwrap();
    assert_eq!(r.out.text(), "Use Ctrl + d or /bye to exit.\n");
    assert!(stub.bodies("/api/chat").is_empty());
    assert_eq!(r.prompts, vec![">>> ", ">>> ", "... ", "... ", ">>> "]);
}

#[tokio::test]
async fn bye_and_exit_end_the_session() {
    let (url, stub) = start_stub().await;
    for cmd in ["/bye", "/exit"] {
        let r = run(&url, &[cmd, "never sent"]).await;
        r.result.unwrap();
    }
    assert!(stub.bodies("/api/chat").is_empty());
}

#[tokio::test]
async fn ctrl_c_mid_reply_keeps_what_was_shown() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        session("tiny"),
        &["stall", "next"],
        Setup {
            interrupt_at: Some("echo:"),
            ..Setup::default()
        },
    )
    .await;
    r.result.unwrap();
    assert!(
        r.out.text().starts_with("echo:\n\necho: next"),
        "{:?}",
        r.out.text()
    );
    let chats = stub.bodies("/api/chat");
    assert_eq!(
        contents(&chats[1]),
        pairs(&[("user", "stall"), ("assistant", "echo:"), ("user", "next")])
    );
}

#[tokio::test]
async fn help_comes_from_the_table_and_unknown_commands_say_so() {
    let (url, _stub) = start_stub().await;
    let r = run(
        &url,
        &[
            "/?",
            "/help set",
            "/? show",
            "/help shortcuts",
            "/x",
            "/set nope",
            "/show nope",
        ],
    )
    .await;
    r.result.unwrap();
    let out = r.out.text();
    assert!(out.starts_with("Available Commands:\n"));
    for c in commands::COMMANDS {
        assert!(out.contains(c.name), "{}", c.name);
    }
    assert!(out.contains("/set parameter KEY VALUE..."));
    assert!(out.contains("/show modelfile"));
    assert!(out.contains("Ctrl + r"));
    assert_eq!(
        r.err.text(),
        "Unknown command '/x'. Type /? for help\n\
         Unknown command '/set nope'. Type /? for help\n\
         Unknown command '/show nope'. Type /? for help\n"
    );
}

#[tokio::test]
async fn set_commands_change_the_next_request() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        session("thinker"),
        &[
            "/set parameter temperature 0.25",
            "/set parameter stop a b",
            "/set parameter nope 1",
            "/set parameter seed x",
            "/set system Be brief.",
            "/set format json",
            "/set think high",
            "one",
            "/set noformat",
            "/set nothink",
            "/set format yaml",
            "two",
        ],
        Setup::default(),
    )
    .await;
    r.result.unwrap();
    let chats = stub.bodies("/api/chat");
    assert_eq!(
        chats[0]["options"],
        json!({"temperature": 0.25, "stop": ["a", "b"]})
    );
    assert_eq!(chats[0]["format"], "json");
    assert_eq!(chats[0]["think"], "high");
    assert_eq!(
        contents(&chats[0])[0],
        ("system".into(), "Be brief.".into())
    );
    assert_eq!(chats[1].get("format"), None);
    assert_eq!(chats[1]["think"], false);
    let out = r.out.text();
    for line in [
        "Set parameter 'temperature' to '0.25'",
        "Set parameter 'stop' to 'a, b'",
        "Set system message.",
        "Set format to 'json' mode.",
        "Set 'think' mode to 'high'.",
        "Disabled format.",
        "Set 'nothink' mode.",
        "Invalid or missing format. For 'json' mode use '/set format json'",
    ] {
        assert!(out.contains(line), "{line}");
    }
    let err = r.err.text();
    assert!(
        err.contains("Couldn't set parameter: unknown parameter 'nope'"),
        "{err}"
    );
    assert!(
        err.contains("Couldn't set parameter: option 'seed'"),
        "{err}"
    );
}

#[tokio::test]
async fn multi_line_system_message() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["/set system \"\"\"You are", "terse.\"\"\"", "hi"]).await;
    r.result.unwrap();
    assert_eq!(r.session.system.as_deref(), Some("You are\nterse."));
    assert_eq!(
        contents(&stub.last("/api/chat"))[0],
        ("system".into(), "You are\nterse.".into())
    );
}

#[tokio::test]
async fn thinking_is_shown_between_markers_unless_hidden() {
    let (url, _stub) = start_stub().await;
    let r = run_with(&url, session("thinker"), &["hi"], Setup::default()).await;
    assert_eq!(
        r.out.text(),
        "Thinking...\nhmm\n...done thinking.\n\necho: hi\n\n"
    );
    assert_eq!(r.session.messages[1].thinking.as_deref(), Some("hmm"));
    let hidden = Session {
        hide_thinking: true,
        ..session("thinker")
    };
    let r = run_with(&url, hidden, &["hi"], Setup::default()).await;
    assert_eq!(r.out.text(), "echo: hi\n\n");
    let colored = Setup {
        color: true,
        ..Setup::default()
    };
    let r = run_with(&url, session("thinker"), &["hi"], colored).await;
    assert_eq!(
        r.out.text(),
        "\x1b[2mThinking...\n\x1b[0m\x1b[2mhmm\x1b[0m\x1b[2m\n...done thinking.\n\n\x1b[0mecho: hi\n\n"
    );
}

#[tokio::test]
async fn verbose_prints_statistics() {
    let (url, _stub) = start_stub().await;
    let r = run(&url, &["/set verbose", "hi", "/set quiet", "again"]).await;
    let err = r.err.text();
    assert_eq!(err.matches("eval count:").count(), 2, "{err}");
    assert!(err.contains("total duration:       5ms"), "{err}");
    assert!(r.out.text().contains("Set 'verbose' mode.\n"));
    assert!(r.out.text().contains("Set 'quiet' mode.\n"));
}

#[tokio::test]
async fn word_wrap_follows_the_setting() {
    let (url, _stub) = start_stub().await;
    let msg = "aaaa bbbb cccc dddd eeee";
    let r = run_with(
        &url,
        session("tiny"),
        &[msg, "/set nowordwrap", msg, "/set wordwrap"],
        Setup {
            width: Some(16),
            ..Setup::default()
        },
    )
    .await;
    let out = r.out.text();
    assert!(
        out.starts_with("echo: aaaa bbbb\ncccc dddd eeee\n\n"),
        "{out:?}"
    );
    assert!(out.contains("Set 'nowordwrap' mode.\necho: aaaa bbbb cccc dddd eeee\n\n"));
    assert!(out.ends_with("Set 'wordwrap' mode.\n"));
}

#[tokio::test]
async fn history_can_be_turned_off() {
    let (url, _stub) = start_stub().await;
    let r = run(
        &url,
        &["/set nohistory", "secret", "/set history", "public"],
    )
    .await;
    assert!(r.history_on);
    // Lines typed while history is off are not kept, `/set history` included.
    assert_eq!(r.history, vec!["/set nohistory", "public"]);
    assert!(r.out.text().contains("Set 'nohistory' mode.\n"));
}

#[tokio::test]
async fn show_prints_the_servers_fields() {
    let (url, stub) = start_stub().await;
    let r = run(
        &url,
        &[
            "/show",
            "/show modelfile",
            "/show parameters",
            "/show template",
            "/show license",
            "/show system",
            "/set system Be kind.",
            "/set parameter temperature 0.5",
            "/show system",
            "/show parameters",
            "/show info",
        ],
    )
    .await;
    r.result.unwrap();
    let out = r.out.text();
    assert!(out.starts_with("Available Commands:\n  /show info"));
    assert!(out.contains("# Modelfile for tiny\nFROM tiny\n"));
    assert!(out
        .contains("Model defined parameters:\n  stop                           \"<|im_end|>\"\n"));
    assert!(out.contains("{{ .Prompt }}\n"));
    assert!(out.contains("No license was specified for this model.\n"));
    assert!(out.contains("No system message was specified for this model.\n"));
    assert!(out.contains("Be kind.\n"));
    assert!(out.contains("User defined parameters:\n  temperature                    0.5\n"));
    assert!(out.contains("architecture"), "{out}");
    let last = stub.last("/api/show");
    assert_eq!(last["system"], "Be kind.");
    assert_eq!(last["options"], json!({"temperature": 0.5}));
}

#[tokio::test]
async fn load_switches_models_and_clears_the_conversation() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        Session {
            no_pull: true,
            ..session("tiny")
        },
        &["hi", "/load", "/load missing-model", "/load other", "again"],
        Setup::default(),
    )
    .await;
    r.result.unwrap();
    let out = r.out.text();
    assert!(out.contains("Usage:\n  /load <model>\n"));
    assert!(out.contains("Loading model 'missing-model'\nCouldn't find model 'missing-model'\n"));
    assert!(out.contains("Loading model 'other'\n"));
    let last = stub.last("/api/chat");
    assert_eq!(last["model"], "other");
    assert_eq!(contents(&last), pairs(&[("user", "again")]));
    assert!(stub.bodies("/api/pull").is_empty(), "--no-pull");
}

#[tokio::test]
async fn save_sends_a_create_request() {
    let (url, stub) = start_stub().await;
    let r = run(
        &url,
        &[
            "/set system Be brief.",
            "/set parameter temperature 0.5",
            "hi",
            "/save",
            "/save my-model",
        ],
    )
    .await;
    r.result.unwrap();
    assert!(r.out.text().contains("Usage:\n  /save <model>\n"));
    assert!(r.out.text().contains("Created new model 'my-model'\n"));
    assert_eq!(
        stub.last("/api/create"),
        json!({
            "model": "my-model",
            "from": "tiny",
            "system": "Be brief.",
            "parameters": {"temperature": 0.5},
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "echo: hi"}
            ],
            "stream": true
        })
    );
}

#[tokio::test]
async fn export_and_import_round_trip() {
    let (url, stub) = start_stub().await;
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("chat.json");
    let md_path = dir.path().join("chat.md");
    let export_json = format!("/export {}", json_path.display());
    let export_md = format!("/export '{}'", md_path.display());
    let r = run(
        &url,
        &[
            "/set system Be brief.",
            "hi",
            &export_json,
            &export_md,
            "/export",
        ],
    )
    .await;
    r.result.unwrap();
    assert!(r
        .out
        .text()
        .contains(&format!("Exported 3 messages to '{}'", json_path.display())));
    assert!(r.out.text().contains("Usage:\n  /export <file>\n"));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(
        saved,
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "echo: hi"}
        ])
    );
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert_eq!(
        md,
        "# Conversation with tiny\n\n## System\n\nBe brief.\n\n## User\n\nhi\n\n## Assistant\n\necho: hi\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&json_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let import = format!("/import {}", json_path.display());
    let r = run(&url, &[&import, "more", "/import /nonexistent/file.json"]).await;
    r.result.unwrap();
    assert!(r.out.text().contains(&format!(
        "Imported 3 messages from '{}'",
        json_path.display()
    )));
    assert!(
        r.err.text().contains("could not read messages file"),
        "{}",
        r.err.text()
    );
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[
            ("system", "Be brief."),
            ("user", "hi"),
            ("assistant", "echo: hi"),
            ("user", "more")
        ])
    );
}

#[tokio::test]
async fn retry_regenerates_the_last_reply() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["/retry", "one", "two", "/retry"]).await;
    r.result.unwrap();
    assert!(r.out.text().starts_with("Nothing to retry yet.\n"));
    let chats = stub.bodies("/api/chat");
    assert_eq!(chats.len(), 3);
    assert_eq!(chats[2], chats[1], "the same conversation is sent again");
    assert_eq!(r.session.messages.len(), 4);
}

#[tokio::test]
async fn clear_starts_over_but_keeps_the_system_message() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["/set system S", "one", "/clear", "two"]).await;
    r.result.unwrap();
    assert!(r.out.text().contains("Cleared session context\n"));
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[("system", "S"), ("user", "two")])
    );
}

#[tokio::test]
async fn a_missing_model_is_pulled_or_refused() {
    let (url, stub) = start_stub().await;
    let refused = run_with(
        &url,
        Session {
            no_pull: true,
            ..session("new-model")
        },
        &["hi"],
        Setup::default(),
    )
    .await;
    let e = refused.result.unwrap_err();
    assert_eq!(exit::code(&e), exit::NOT_FOUND);
    assert!(stub.bodies("/api/pull").is_empty());

    let r = run(&url, &[]).await;
    r.result.unwrap();
    let pulled = run_with(&url, session("new-model"), &["hi"], Setup::default()).await;
    pulled.result.unwrap();
    assert_eq!(stub.last("/api/pull")["model"], "new-model");
    assert!(pulled.err.text().contains("pulled 'new-model'"));
    assert_eq!(stub.last("/api/chat")["model"], "new-model");

    let missing = run_with(&url, session("missing-too"), &["hi"], Setup::default()).await;
    let e = missing.result.unwrap_err();
    assert_eq!(exit::code(&e), exit::NOT_FOUND);
}

#[tokio::test]
async fn images_are_attached_for_vision_models() {
    let (url, stub) = start_stub().await;
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("cat picture.PNG");
    std::fs::write(&img, b"\x89PNG fake").unwrap();
    let escaped = img.display().to_string().replace(' ', "\\ ");
    let line = format!("{escaped} what is this?");
    let r = run_with(&url, session("vis"), &[&line], Setup::default()).await;
    r.result.unwrap();
    assert_eq!(r.err.text(), format!("Added image '{}'\n", img.display()));
    let last = stub.last("/api/chat");
    assert_eq!(last["messages"][0]["content"], "what is this?");
    assert_eq!(last["messages"][0]["images"].as_array().unwrap().len(), 1);

    // Other models get the text as typed.
    let r = run(&url, &[&line]).await;
    assert!(r.err.text().contains("Unknown command"), "{}", r.err.text());
    let quoted = format!("look at '{}'", img.display());
    let r = run(&url, &[&quoted]).await;
    r.result.unwrap();
    assert_eq!(
        stub.last("/api/chat")["messages"][0]["content"],
        quoted.as_str()
    );
}

#[tokio::test]
async fn server_errors_leave_the_session_running() {
    let (url, stub) = start_stub().await;
    stub.installed.lock().unwrap().insert("gone".into());
    let s = session("gone");
    let client_url = url.clone();
    let stub2 = Arc::clone(&stub);
    // The model disappears after the start-up check.
    let r = {
        let client = Client::with_host(client_url.as_str()).unwrap();
        let out = Shared::default();
        let err = Shared::default();
        let env = Env {
            width: Box::new(|| None),
            interrupt: Box::new(|| Box::pin(std::future::pending())),
            progress: Style::Quiet,
            color: false,
            home: None,
        };
        let source = Script {
            inputs: lines(&["hi", "/retry"]).into(),
            history_on: Rc::new(RefCell::new(true)),
            ..Script::default()
        };
        let mut repl = Repl::new(s, &client, source, out.clone(), err.clone(), env);
        repl.start().await.unwrap();
        stub2.installed.lock().unwrap().remove("gone");
        repl.run().await.unwrap();
        (err.text(), repl.session.messages.len())
    };
    assert!(
        r.0.contains("error: could not chat with `gone`: model 'gone' not found"),
        "{}",
        r.0
    );
    assert_eq!(r.1, 0, "the failed question is not kept");
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

/// Every way a chat request can fail. Each time: one error line, the
/// prompt back, the failed message left out of the conversation (earlier
/// turns intact), `/export` still working, and the next message sent with
/// the earlier turns.
#[tokio::test]
async fn a_failed_request_leaves_the_earlier_turns_in_place() {
    use ChatFault as F;
    let html = "<!DOCTYPE html>\n<html>\n<head><title>500 Internal Server Error</title></head>\n\
                <body>\n<h1>Internal Server Error</h1>\n</body>\n</html>\n";
    let one_second = Some(std::time::Duration::from_secs(1));
    let cases: Vec<(F, Option<std::time::Duration>, &str)> = vec![
        (
            F::Status(500, "text/html", html),
            None,
            "error: could not chat with `tiny`: the server answered with an HTML page: 500 Internal Server Error (status code: 500)",
        ),
        (
            F::Status(404, "application/json", r#"{"error":"model 'tiny' not found"}"#),
            None,
            "error: could not chat with `tiny`: model 'tiny' not found (status code: 404)",
        ),
        (
            F::Status(401, "application/json", r#"{"error":"unauthorized"}"#),
            None,
            "error: could not chat with `tiny`: unauthorized (status code: 401)",
        ),
        (
            F::NeverAnswer,
            one_second,
            "error: could not chat with `tiny`: timed out waiting for Ollama at",
        ),
        (
            F::CloseAfter(2),
            None,
            "error: chat with `tiny` failed: request to",
        ),
        (
            F::ErrorAfter(2, "an error was encountered while running the model"),
            None,
            "error: chat with `tiny` failed: an error was encountered while running the model",
        ),
        (
            F::StallAfter(2),
            one_second,
            "error: chat with `tiny` failed: timed out waiting for Ollama at",
        ),
        (
            F::Raw(b"not json\n"),
            None,
            "error: chat with `tiny` failed: could not decode the server's response",
        ),
        (
            F::Raw(b"{\"model\":\"tiny\",\"message\":{\"role\":\"assistant\",\"content\":\"\xff\"},\"done\":false}\n"),
            None,
            "error: chat with `tiny` failed: could not decode the server's response",
        ),
        (
            F::Raw(b""),
            None,
            "error: chat with `tiny` failed: the server ended the stream before the answer was complete",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (fault, timeout, want)) in cases.into_iter().enumerate() {
        let (url, stub) = start_stub().await;
        let what = format!("{fault:?}");
        stub.fail("second question", fault);
        let file = dir.path().join(format!("after-{i}.json"));
        let export = format!("/export {}", file.display());
        let script = ["first", "second question", &export, "third"];
        let r = run_with(
            &url,
            session("tiny"),
            &script,
            Setup {
                timeout,
                ..Setup::default()
            },
        )
        .await;
        r.result.unwrap();
        let err = r.err.text();
        assert_eq!(err.lines().count(), 1, "{what}: one line: {err:?}");
        assert!(err.starts_with(want), "{what}: {err:?}");
        assert_eq!(r.prompts, vec![">>> "; script.len() + 1], "{what}");

        let chats = stub.bodies("/api/chat");
        assert_eq!(chats.len(), 3, "{what}");
        let earlier = [("user", "first"), ("assistant", "echo: first")];
        assert_eq!(
            contents(&chats[1]),
            pairs(&[earlier[0], earlier[1], ("user", "second question")]),
            "{what}"
        );
        assert_eq!(exported(&file), pairs(&earlier), "{what}");
        #[cfg(unix)]
        assert_eq!(mode(&file), 0o600, "{what}");
        assert_eq!(
            contents(&chats[2]),
            pairs(&[earlier[0], earlier[1], ("user", "third")]),
            "{what}: the failed turn is not sent again"
        );
        assert_eq!(r.session.messages.len(), 4, "{what}");
    }
}

#[tokio::test]
async fn a_reply_cut_short_stays_on_screen_but_not_in_the_conversation() {
    let (url, stub) = start_stub().await;
    stub.fail("one two three", ChatFault::CloseAfter(2));
    let r = run(&url, &["one two three", "next"]).await;
    r.result.unwrap();
    assert_eq!(r.out.text(), "echo: one\n\necho: next\n\n");
    assert!(r.err.text().starts_with("error: chat with `tiny` failed"));
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[("user", "next")])
    );
}

#[tokio::test]
async fn retry_after_a_failure_sends_the_failed_message() {
    let (url, stub) = start_stub().await;
    stub.fail("second", ChatFault::ErrorAfter(1, "model crashed"));
    let r = run(&url, &["first", "second", "/retry", "third"]).await;
    r.result.unwrap();
    let chats = stub.bodies("/api/chat");
    assert_eq!(chats.len(), 4);
    assert_eq!(chats[2], chats[1], "the failed request is sent again");
    assert_eq!(
        contents(&chats[3]),
        pairs(&[
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", "second"),
            ("assistant", "echo: second"),
            ("user", "third"),
        ])
    );

    // Typing the message again (or anything else) instead: it is sent
    // once, and /retry then regenerates the reply to it.
    let (url, stub) = start_stub().await;
    stub.fail("second", ChatFault::Status(500, "text/plain", "busy"));
    let r = run(&url, &["first", "second", "second", "/retry"]).await;
    r.result.unwrap();
    let chats = stub.bodies("/api/chat");
    assert_eq!(chats.len(), 4);
    assert_eq!(chats[2], chats[1]);
    assert_eq!(chats[3], chats[2]);
    assert_eq!(r.session.messages.len(), 4);
}

#[tokio::test]
async fn a_failed_retry_keeps_the_old_reply() {
    let (url, stub) = start_stub().await;
    stub.fail("first", ChatFault::Pass);
    stub.fail("first", ChatFault::CloseAfter(1));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chat.json");
    let export = format!("/export {}", file.display());
    let r = run(&url, &["first", "/retry", &export, "second"]).await;
    r.result.unwrap();
    assert_eq!(r.err.text().lines().count(), 1, "{}", r.err.text());
    let earlier = [("user", "first"), ("assistant", "echo: first")];
    assert_eq!(exported(&file), pairs(&earlier));
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[earlier[0], earlier[1], ("user", "second")])
    );
}

#[tokio::test]
async fn clear_load_and_import_forget_a_failed_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chat.json");
    std::fs::write(&file, r#"[{"role":"user","content":"old"}]"#).unwrap();
    let import = format!("/import {}", file.display());
    for command in ["/clear", "/load other", import.as_str()] {
        let (url, stub) = start_stub().await;
        stub.fail("lost", ChatFault::Status(500, "text/plain", "busy"));
        let r = run(&url, &["lost", command, "/retry"]).await;
        r.result.unwrap();
        let chats = stub.bodies("/api/chat");
        assert_eq!(
            chats
                .iter()
                .filter(|c| c.to_string().contains("lost"))
                .count(),
            1,
            "{command}: the failed message is not sent again"
        );
    }
}

#[tokio::test]
async fn ctrl_c_before_the_reply_leaves_the_message_for_retry() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        session("tiny"),
        // Ctrl-C is pressed as soon as "Set 'quiet' mode." is shown: at
        // once when "second" is sent.
        &["first", "/set quiet", "second", "/retry"],
        Setup {
            interrupt_at: Some("Set 'quiet' mode."),
            ..Setup::default()
        },
    )
    .await;
    r.result.unwrap();
    assert_eq!(r.err.text(), "", "Ctrl-C is no error");
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", "second")
        ])
    );
    assert_eq!(r.session.messages.len(), 4);
}

#[tokio::test]
async fn a_server_that_went_away_and_came_back() {
    let stub = new_stub();
    let (served, port) = serve_on(&stub, 0);
    let server = Rc::new(RefCell::new(Some(served)));
    let control = Rc::clone(&server);
    let again = Arc::clone(&stub);
    let hook: Hook = Box::new(move |line| match line {
        "!stop" => drop(control.borrow_mut().take()),
        "!start" => *control.borrow_mut() = Some(serve_on(&again, port).0),
        other => panic!("unknown hook {other}"),
    });
    let url = format!("http://127.0.0.1:{port}");
    let r = run_with(
        &url,
        session("tiny"),
        &["first", "!stop", "second", "!start", "third"],
        Setup {
            hook: Some(hook),
            ..Setup::default()
        },
    )
    .await;
    drop(server.borrow_mut().take());
    r.result.unwrap();
    let err = r.err.text();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: could not chat with `tiny`: could not connect to Ollama at {url}"
        )),
        "{err}"
    );
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", "third")
        ])
    );
}

#[test]
fn find_images_handles_quotes_and_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jpg");
    let b = dir.path().join("b c.webp");
    std::fs::write(&a, b"x").unwrap();
    std::fs::write(&b, b"x").unwrap();
    let text = format!(
        "compare {} and \"{}\" but not /no/such.png",
        a.display(),
        b.display()
    );
    let (rest, found) = find_images(&text, None);
    assert_eq!(found, vec![a, b]);
    assert_eq!(rest, "compare and but not /no/such.png");
}

#[test]
fn quoted_bodies_lose_one_line_break_at_each_end() {
    assert_eq!(quoted_body("\nabc\n"), "abc");
    assert_eq!(quoted_body("\n\nabc\n\n"), "\nabc\n");
    assert_eq!(quoted_body("abc"), "abc");
    assert_eq!(
        Multiline::open(Target::Message, "x\"\"\"", "").unwrap(),
        "x"
    );
    let mut m = Multiline::open(Target::Message, "", "\"\"\"").unwrap_err();
    assert_eq!(m.feed("a"), None);
    assert_eq!(m.feed("\"\"\"").as_deref(), Some("a"));
}
