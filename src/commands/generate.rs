//! `generate` and the one-shot form of `chat`: build the request from the
//! flags, show a spinner on stderr (a terminal only) until the first token,
//! stream tokens to stdout as they arrive, thinking dimmed on a terminal
//! (on stderr when stdout is not one), statistics on stderr; with `--json`,
//! the server's objects one per line, every field kept.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::process::ExitCode;

use anyhow::Result;
use ollama_rs::{ChatRequest, Client, GenerateRequest, Logprob, Message, Metrics, Role};
use serde_json::Value;

use super::ahead::{next_flushing, read_ahead};
use super::names::check_model;
use crate::cli::ProgressMode;
use crate::cli::{ChatArgs, GenerateArgs, ModelArgs};
use crate::exit::{about_model, usage, ModelContext};
use crate::render::progress::{pull_missing, say};
use crate::render::reply::{logprobs_text, Renderer, Reply};
use crate::render::stats::stats_text;
use crate::render::waiting::Waiting;
use crate::settings::request::{read_messages, read_tools, ModelSettings};
use crate::settings::tools::ToolSettings;
use crate::settings::Settings;
use crate::tools::Toolbox;
use crate::ui::progress::Style;

/// Reads stdin when it is not a terminal.
fn piped_stdin(settings: &Settings) -> Result<Option<String>> {
    if settings.stdin_tty {
        return Ok(None);
    }
    let mut s = String::new();
    io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| usage(format!("could not read stdin: {e}")))?;
    Ok(Some(s))
}

/// The prompt of `generate`: piped stdin first, then the arguments, as
/// `ollama run` does. Stdin's trailing newlines are dropped and the
/// arguments start on a line of their own, so that an instruction after piped
/// text (`git diff | ollama-rs generate m 'Write a commit message'`) is not
/// glued to the text's last line.
fn prompt_of(stdin: Option<String>, args: &[String]) -> String {
    let mut parts = Vec::new();
    if let Some(s) = stdin {
        let s = s.trim_end();
        if !s.is_empty() {
            parts.push(s.to_string());
        }
    }
    if !args.is_empty() {
        parts.push(args.join(" "));
    }
    parts.join("\n")
}

/// Prints the statistics as `ollama run --verbose` does.
fn print_stats(m: &Metrics) {
    let _ = io::stderr().lock().write_all(stats_text(m).as_bytes());
}

/// What a generate or chat run is about, for its messages.
struct Job<'a> {
    settings: &'a Settings,
    args: &'a ModelArgs,
    model: &'a str,
    /// The API path.
    path: &'static str,
    /// "could not generate with": names the model, for the pull hint.
    action: &'static str,
    /// "generation with": for a stream that breaks after it started.
    doing: &'static str,
    /// The log probabilities received (`--logprobs`), shown after the answer.
    logprobs: RefCell<Vec<Logprob>>,
}

impl Job<'_> {
    fn failed(&self, e: ollama_rs::Error) -> anyhow::Error {
        anyhow::Error::new(e).context(format!("{} `{}` failed", self.doing, self.model))
    }

    /// `--json`: the server's objects, one per line. They are decoded as
    /// plain JSON values rather than the typed responses, which drop fields
    /// they do not know (a newer server's), so scripts see every field.
    /// `body` has `stream` set.
    async fn print_json(&self, client: &Client, body: &impl serde::Serialize) -> Result<ExitCode> {
        let mut out = self.settings.stdout();
        let mut last = None;
        if self.args.no_stream {
            let v: Value = about_model(
                client.post_as(self.path, body).await,
                self.action,
                self.model,
            )?;
            crate::ui::write_json_line(&mut out, &v)?;
            last = Some(v);
        } else {
            let stream = about_model(
                client.post_stream_as::<_, Value>(self.path, body).await,
                self.action,
                self.model,
            )?
            .expect_last(|v: &Value| v.get("done") == Some(&Value::Bool(true)));
            let mut stream = read_ahead(stream);
            while let Some(item) = next_flushing(&mut stream, || out.flush()).await? {
                let v = item.map_err(|e| self.failed(e))?;
                serde_json::to_writer(&mut out, &v)?;
                out.write_all(b"\n")?;
                last = Some(v);
            }
            out.flush()?;
        }
        if self.args.verbose {
            if let Some(m) = last.and_then(|v| serde_json::from_value::<Metrics>(v).ok()) {
                print_stats(&m);
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    /// The renderer of the reply: on stdout as it comes; on a terminal,
    /// words wrapped at its width (unless --nowordwrap), Markdown drawn
    /// with --markdown, and thinking between markers; else the text as
    /// it comes, thinking on stderr.
    fn renderer(&self) -> Renderer<io::BufWriter<io::StdoutLock<'static>>, io::Stderr> {
        let s = self.settings;
        Renderer::new(
            super::style::one_shot_style(s, self.args),
            s.stdout(),
            io::stderr(),
        )
    }

    /// The spinner until the answer starts: on stderr when it is a
    /// terminal that can redraw (never with `--json`).
    fn waiting(&self) -> Waiting {
        Waiting::start(self.settings.progress_style(ProgressMode::Auto) == Style::Bars)
    }

    /// Shows a stream as it arrives, clearing `waiting` before the first
    /// thing it draws; returns the statistics of its last line.
    async fn render<R: Reply + serde::de::DeserializeOwned + Send + 'static>(
        &self,
        stream: ollama_rs::ResponseStream<R>,
        mut waiting: Waiting,
    ) -> Result<Option<Metrics>> {
        let mut out = self.renderer().batched();
        let mut metrics = None;
        let mut stream = read_ahead(stream);
        while let Some(item) = next_flushing(&mut stream, || out.flush()).await? {
            match item {
                Ok(r) => {
                    waiting.stop_for(&r, self.args.hide_thinking);
                    out.show(&r)?;
                    self.logprobs.borrow_mut().extend_from_slice(r.logprobs());
                    if r.done() {
                        metrics = Some(r.metrics());
                    }
                }
                Err(e) => {
                    waiting.stop();
                    // What was printed stays, ended by a newline, above the error.
                    out.finish()?;
                    return Err(self.failed(e));
                }
            }
        }
        waiting.stop();
        out.finish()?;
        Ok(metrics)
    }

    /// Shows a whole answer (`--no-stream`).
    fn render_one(&self, r: &impl Reply) -> Result<Option<Metrics>> {
        let mut out = self.renderer();
        out.show(r)?;
        out.finish()?;
        self.logprobs.borrow_mut().extend_from_slice(r.logprobs());
        Ok(Some(r.metrics()))
    }

    fn done(&self, metrics: Option<Metrics>) -> ExitCode {
        let logprobs = self.logprobs.borrow();
        if !logprobs.is_empty() {
            let _ = io::stderr()
                .lock()
                .write_all(logprobs_text(&logprobs).as_bytes());
        }
        if self.args.verbose {
            if let Some(m) = metrics {
                print_stats(&m);
            }
        }
        ExitCode::SUCCESS
    }
}

/// `generate`.
pub async fn generate(a: GenerateArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    check_model(&a.model)?;
    let common = ModelSettings::resolve(&a.model_args)?;
    let context = match &a.context {
        Some(ctx) => Some(
            serde_json::from_str::<Vec<i64>>(ctx)
                .map_err(|e| usage(format!("--context must be a JSON array of numbers: {e}")))?,
        ),
        None => None,
    };
    let prompt = prompt_of(piped_stdin(settings)?, &a.prompt);
    if prompt.trim().is_empty() && !a.prompt.is_empty() {
        // An explicit empty prompt (`generate MODEL ""`) loads the model,
        // as the API's request without a prompt does.
        let mut req = GenerateRequest::load(a.model.as_str());
        req.keep_alive = common.keep_alive;
        req.stream = Some(false);
        let job = Job {
            settings,
            args: &a.model_args,
            model: &a.model,
            path: "/api/generate",
            action: "could not load",
            doing: "loading",
            logprobs: RefCell::default(),
        };
        return job.load(client, &req).await;
    }
    if prompt.trim().is_empty() {
        return Err(usage(
            "no prompt: give it as arguments or on stdin, e.g. ollama-rs generate MODEL 'Hello'",
        ));
    }
    let mut req = GenerateRequest::new(a.model.as_str(), prompt);
    req.system = a.system;
    req.template = a.template;
    req.suffix = a.suffix;
    req.raw = a.raw.then_some(true);
    req.context = context;
    if let Some(n) = a.logprobs {
        req.logprobs = Some(true);
        req.top_logprobs = Some(n);
    }
    req.options = common.options;
    req.keep_alive = common.keep_alive;
    req.format = common.format;
    req.think = common.think;
    if !common.images.is_empty() {
        req.images = Some(common.images);
    }
    let job = Job {
        settings,
        args: &a.model_args,
        model: &a.model,
        path: "/api/generate",
        action: "could not generate with",
        doing: "generation with",
        logprobs: RefCell::default(),
    };
    if settings.json {
        req.stream = Some(!job.args.no_stream);
        return job.print_json(client, &req).await;
    }
    let mut waiting = job.waiting();
    let metrics = if job.args.no_stream {
        let r = about_model(client.generate(req).await, job.action, job.model)?;
        waiting.stop();
        job.render_one(&r)?
    } else {
        let stream = about_model(client.generate_stream(req).await, job.action, job.model)?;
        job.render(stream, waiting).await?
    };
    Ok(job.done(metrics))
}

/// `chat` (and `run`): one message from the words after the model, -m or
/// stdin; without any, on a terminal, the interactive session.
pub async fn chat(a: ChatArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    check_model(&a.model)?;
    let common = ModelSettings::resolve(&a.model_args)?;
    let mut messages = match &a.messages {
        Some(p) => read_messages(p)?,
        None => Vec::new(),
    };
    let tools = a.tools.as_deref().map(read_tools).transpose()?;
    let can_ask = settings.stdin_tty && settings.stderr_tty;
    let tool_settings = ToolSettings::resolve(
        &a.tool_args,
        &settings.env,
        settings.cacert.as_deref(),
        can_ask,
    )?;
    let text = if let Some(m) = &a.message {
        m.clone()
    } else if !a.prompt.is_empty() || !settings.stdin_tty {
        // Piped stdin first, then the words, as `ollama run` does.
        let text = prompt_of(piped_stdin(settings)?, &a.prompt);
        if text.trim().is_empty() && a.prompt.is_empty() {
            return Err(usage("stdin is empty: give a message with -m or on stdin"));
        }
        // An explicit empty prompt (`run MODEL ""`) only loads the model.
        text
    } else {
        if !settings.stdout_tty {
            return Err(usage(
                "stdout is not a terminal: give a message as arguments, with -m or on stdin",
            ));
        }
        let toolbox = match &tool_settings {
            Some(t) => Some(Toolbox::start(t, client, &mut super::tool_chat::warn).await?),
            None => None,
        };
        return crate::repl::run(&a, common, messages, tools, toolbox, client, settings).await;
    };
    if let Some(system) = &a.system {
        // A system message at the start of --messages is replaced, not
        // followed by a second one.
        match messages.first_mut() {
            Some(first) if first.role == Role::System => first.content = system.clone(),
            _ => messages.insert(0, Message::system(system.as_str())),
        }
    }
    let load = text.trim().is_empty() && a.message.is_none();
    if load {
        // The API's load request: no messages at all.
        messages.clear();
    } else {
        let mut user = Message::user(text);
        if !common.images.is_empty() {
            user.images = Some(common.images);
        }
        messages.push(user);
    }
    let mut req = ChatRequest::new(a.model.as_str(), messages);
    req.tools = tools;
    req.options = common.options;
    req.keep_alive = common.keep_alive;
    req.format = common.format;
    req.think = common.think;
    if let (Some(t), false) = (&tool_settings, load) {
        let toolbox = Toolbox::start(t, client, &mut super::tool_chat::warn).await?;
        return super::tool_chat::run(req, &toolbox, client, settings, &a.model_args, a.no_pull)
            .await;
    }
    let job = Job {
        settings,
        args: &a.model_args,
        model: &a.model,
        path: "/api/chat",
        action: "could not chat with",
        doing: "chat with",
        logprobs: RefCell::default(),
    };
    let job = if load {
        Job {
            action: "could not load",
            doing: "loading",
            ..job
        }
    } else {
        job
    };
    let send = |req: ChatRequest| async {
        if load {
            let mut req = req;
            req.stream = Some(false);
            job.load(client, &req).await
        } else {
            job.chat_once(client, req).await
        }
    };
    match send(req.clone()).await {
        // A missing model is pulled first, as `ollama run` does, unless
        // --no-pull.
        Err(e) if !a.no_pull && job.model_missing(&e) => {
            let style = if settings.json {
                // stdout is for the answer's JSON.
                Style::Quiet
            } else {
                settings.progress_style(ProgressMode::Auto)
            };
            pull_missing(client, &a.model, style).await?;
            if !settings.json {
                say(&format!("pulled '{}'", a.model));
            }
            send(req).await
        }
        other => other,
    }
}

impl Job<'_> {
    /// Whether the request failed before any answer because the model
    /// does not exist.
    fn model_missing(&self, e: &anyhow::Error) -> bool {
        e.downcast_ref::<ModelContext>()
            .is_some_and(|c| c.action == self.action)
            && crate::exit::code(e) == crate::exit::NOT_FOUND
    }

    /// Sends a load request (no prompt, no messages) and says how it
    /// went: `loaded 'MODEL'` (or `unloaded`, with `--keep-alive 0`) on
    /// stderr; with `--json`, the server's object on stdout.
    async fn load(&self, client: &Client, body: &impl serde::Serialize) -> Result<ExitCode> {
        let mut waiting = self.waiting();
        let v: Value = about_model(
            client.post_as(self.path, body).await,
            self.action,
            self.model,
        )?;
        waiting.stop();
        if self.settings.json {
            let mut out = self.settings.stdout();
            crate::ui::write_json_line(&mut out, &v)?;
            out.flush()?;
        } else {
            let done = match v.get("done_reason").and_then(Value::as_str) {
                Some("unload") => "unloaded",
                _ => "loaded",
            };
            say(&format!("{done} '{}'", self.model));
        }
        Ok(ExitCode::SUCCESS)
    }

    /// Sends one chat request and shows its answer.
    async fn chat_once(&self, client: &Client, mut req: ChatRequest) -> Result<ExitCode> {
        if self.settings.json {
            req.stream = Some(!self.args.no_stream);
            return self.print_json(client, &req).await;
        }
        let mut waiting = self.waiting();
        let metrics = if self.args.no_stream {
            let r = about_model(client.chat(req).await, self.action, self.model)?;
            waiting.stop();
            self.render_one(&r)?
        } else {
            let stream = about_model(client.chat_stream(req).await, self.action, self.model)?;
            self.render(stream, waiting).await?
        };
        Ok(self.done(metrics))
    }
}
