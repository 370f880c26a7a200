//! The interactive chat: `ollama-rs chat MODEL` (or `run`) when stdin and
//! stdout are terminals and no message is given.
//!
//! [`Repl`] is generic over where lines come from ([`LineSource`]) and where
//! output goes, and takes the terminal's width and the Ctrl-C signal as
//! parameters ([`Env`]), so that everything but the line editor itself runs
//! in unit tests without a terminal. [`run`] wires it to rustyline, stdout,
//! stderr and the real signal.

mod commands;
mod editor;
mod history;
#[cfg(test)]
mod tests;
mod wrap;

use std::future::Future;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use ollama_rs::{
    ChatRequest, ChatResponse, Client, CreateRequest, Format, Image, KeepAlive, Message, Options,
    Role, ShowRequest, ShowResponse, Think, Tool, ToolCall,
};

use crate::cli::{ChatArgs, Cli, Command, ProgressMode};
use crate::commands::generate::{read_messages, stats_text, Common};
use crate::commands::manage::show_sections;
use crate::commands::transfer::drive;
use crate::exit::{self, about_model, Interrupted};
use crate::ui::progress::{Progress, Style};
use crate::ui::Ui;

use commands::Id;
use wrap::Wrapper;

/// One read from a [`LineSource`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A line (or a paste, which may hold line breaks).
    Line(String),
    /// Ctrl-C on an empty line.
    Interrupted,
    /// Ctrl-D on an empty line, or the end of input.
    Eof,
}

/// Where the loop gets its lines: the terminal, or a script in tests.
pub trait LineSource {
    /// Shows `prompt` and reads one line.
    fn read_line(&mut self, prompt: &str) -> io::Result<Input>;
    /// Adds an entry to the history (and its file), if history is on.
    fn remember(&mut self, entry: &str) -> io::Result<()>;
    /// Turns history on or off.
    fn set_history(&mut self, on: bool);
    /// The installed models, for completion after `/load`.
    fn set_models(&mut self, models: Vec<String>);
}

/// Makes a future that resolves when the user presses Ctrl-C.
pub type InterruptFn = Box<dyn Fn() -> LocalBoxFuture<'static, ()>>;

/// What the loop needs from its surroundings besides lines and output.
pub struct Env {
    /// The terminal's width in columns, if known.
    pub width: Box<dyn Fn() -> Option<usize>>,
    /// Ctrl-C.
    pub interrupt: InterruptFn,
    /// How a pull is shown.
    pub progress: Style,
    /// Dim thinking with escape codes.
    pub color: bool,
}

impl Env {
    /// The real terminal: its width, SIGINT, bars on stderr.
    fn terminal(ui: &Ui) -> Env {
        Env {
            width: Box::new(|| {
                console::Term::stdout()
                    .size_checked()
                    .map(|(_, cols)| usize::from(cols))
            }),
            interrupt: Box::new(|| {
                Box::pin(async {
                    // Without a handler Ctrl-C could never stop anything, and
                    // an error here must not look like a press.
                    if tokio::signal::ctrl_c().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                })
            }),
            progress: Style::resolve(ProgressMode::Auto, ui),
            color: ui.color_stdout,
        }
    }
}

/// Everything a conversation carries from one request to the next.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The model.
    pub model: String,
    /// What the model was made from (for `/save`), if the server says.
    pub parent_model: String,
    /// What the model can do (`vision`, `thinking`, ...).
    pub capabilities: Vec<String>,
    /// The system message set in this session.
    pub system: Option<String>,
    /// The conversation, without the system message.
    pub messages: Vec<Message>,
    /// Options set with `-o` and `/set parameter`.
    pub options: Options,
    /// `--format` or `/set format json`.
    pub format: Option<Format>,
    /// `--think` or `/set think`.
    pub think: Option<Think>,
    /// `--keep-alive`.
    pub keep_alive: Option<KeepAlive>,
    /// `--tools`.
    pub tools: Option<Vec<Tool>>,
    /// Images from `--image`, sent with the first message.
    pub images: Vec<Image>,
    /// `--hide-thinking`.
    pub hide_thinking: bool,
    /// Statistics after each reply.
    pub verbose: bool,
    /// Wrap words at the terminal's width.
    pub wordwrap: bool,
    /// `--no-pull`.
    pub no_pull: bool,
}

impl Session {
    /// The session the flags describe.
    pub fn from_args(a: &ChatArgs, common: Common, messages: Vec<Message>) -> Session {
        let mut s = Session {
            model: a.model.clone(),
            options: common.options.unwrap_or_default(),
            format: common.format,
            think: common.think,
            keep_alive: common.keep_alive,
            images: common.images,
            hide_thinking: a.model_args.hide_thinking,
            verbose: a.model_args.verbose,
            wordwrap: !a.nowordwrap,
            no_pull: a.no_pull,
            ..Session::default()
        };
        s.set_conversation(messages);
        if let Some(system) = &a.system {
            s.system = Some(system.clone());
        }
        s
    }

    /// Replaces the conversation; a leading system message becomes the
    /// session's system message.
    pub fn set_conversation(&mut self, mut messages: Vec<Message>) {
        if messages.first().is_some_and(|m| m.role == Role::System) {
            self.system = Some(messages.remove(0).content);
        }
        self.messages = messages;
    }

    /// The conversation as `/export` writes it: the system message first.
    pub fn transcript(&self) -> Vec<Message> {
        let mut all = Vec::with_capacity(self.messages.len() + 1);
        if let Some(s) = &self.system {
            all.push(Message::system(s.as_str()));
        }
        all.extend(self.messages.iter().cloned());
        all
    }

    /// The next chat request.
    pub fn request(&self) -> ChatRequest {
        let mut req = ChatRequest::new(self.model.as_str(), self.transcript());
        req.options = (!self.options.is_empty()).then(|| self.options.clone());
        req.format = self.format.clone();
        req.think = self.think;
        req.keep_alive = self.keep_alive.clone();
        req.tools = self.tools.clone();
        req
    }

    fn has(&self, capability: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(capability))
    }

    /// The `/save` request: the base model, system message, parameters and
    /// the conversation.
    pub fn save_request(&self, name: &str) -> CreateRequest {
        let mut req = CreateRequest::new(name);
        let parent = self.parent_model.trim();
        // A parent that is a path or blob cannot be created from by name.
        let usable = !parent.is_empty()
            && !parent.starts_with(['/', '.', '~'])
            && !parent.contains(char::is_whitespace);
        req.from = Some(if usable { parent } else { &self.model }.to_string());
        req.system = self.system.clone();
        req.parameters = (!self.options.is_empty()).then(|| self.options.clone());
        req.messages = (!self.messages.is_empty()).then(|| self.messages.clone());
        req
    }
}

/// Whether the loop goes on.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Exit,
}

/// What a `"""` block becomes when it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Message,
    System,
}

/// A `"""` block still open.
#[derive(Debug)]
struct Multiline {
    target: Target,
    text: String,
    /// The lines as typed, for the history.
    raw: String,
}

/// The message between `"""` and `"""`, without the line break right
/// after the opening quotes or right before the closing ones.
fn quoted_body(text: &str) -> String {
    let t = text
        .strip_prefix("\r\n")
        .or_else(|| text.strip_prefix('\n'));
    let t = t.unwrap_or(text);
    let t = t
        .strip_suffix("\r\n")
        .or_else(|| t.strip_suffix('\n'))
        .unwrap_or(t);
    t.to_string()
}

impl Multiline {
    /// Opens a block with the text after the opening quotes; a block closed
    /// on the same line (or in the same paste) is returned at once.
    fn open(target: Target, after: &str, raw: &str) -> std::result::Result<String, Multiline> {
        match after.strip_suffix("\"\"\"") {
            Some(body) => Ok(quoted_body(body)),
            None => Err(Multiline {
                target,
                text: after.to_string(),
                raw: raw.to_string(),
            }),
        }
    }

    /// Adds a line; returns the message when the line closes the block.
    fn feed(&mut self, line: &str) -> Option<String> {
        self.raw.push('\n');
        self.raw.push_str(line);
        self.text.push('\n');
        match line.strip_suffix("\"\"\"") {
            Some(before) => {
                self.text.push_str(before);
                Some(quoted_body(&self.text))
            }
            None => {
                self.text.push_str(line);
                None
            }
        }
    }
}

/// The words of a message with their byte ranges, as a shell would split
/// them: quotes group, `\ ` is a space.
fn words(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut word = String::new();
        if bytes[i] == b'\'' || bytes[i] == b'"' {
            let q = bytes[i] as char;
            match text[i + 1..].find(q) {
                Some(end) => {
                    word.push_str(&text[i + 1..i + 1 + end]);
                    i += end + 2;
                }
                None => {
                    word.push_str(&text[i..]);
                    i = bytes.len();
                }
            }
        } else {
            let mut chars = text[i..].char_indices();
            let mut end = bytes.len();
            while let Some((off, c)) = chars.next() {
                if c == '\\' {
                    if let Some((_, next)) = chars.next() {
                        word.push(next);
                    }
                    continue;
                }
                if c.is_whitespace() {
                    end = i + off;
                    break;
                }
                word.push(c);
            }
            i = end;
        }
        out.push((start..i, word));
    }
    out
}

/// The image file a word names, if it names one.
fn image_path(word: &str) -> Option<PathBuf> {
    const EXTS: [&str; 4] = [".png", ".jpg", ".jpeg", ".webp"];
    let lower = word.to_ascii_lowercase();
    if !EXTS.iter().any(|e| lower.ends_with(e)) {
        return None;
    }
    let path = match word.strip_prefix("~/") {
        Some(rest) => dirs::home_dir().map_or_else(|| PathBuf::from(word), |h| h.join(rest)),
        None => PathBuf::from(word),
    };
    path.is_file().then_some(path)
}

/// Paths of images in a message, and the message without them.
fn find_images(text: &str) -> (String, Vec<PathBuf>) {
    let mut found = Vec::new();
    let mut kept = String::with_capacity(text.len());
    let mut last = 0;
    for (range, word) in words(text) {
        if let Some(path) = image_path(&word) {
            kept.push_str(&text[last..range.start]);
            last = range.end;
            found.push(path);
        }
    }
    kept.push_str(&text[last..]);
    // Removing a path leaves its blanks behind; one is enough.
    let mut tidy = String::with_capacity(kept.len());
    for c in kept.trim().chars() {
        if c == ' ' && tidy.ends_with(' ') {
            continue;
        }
        tidy.push(c);
    }
    (tidy, found)
}

/// How a streamed reply is drawn: thinking dimmed between "Thinking..."
/// and "...done thinking.", words wrapped.
struct View {
    wrap: Wrapper,
    color: bool,
    hide_thinking: bool,
    thinking: bool,
    buf: String,
}

impl View {
    fn dim(&self, s: &str) -> String {
        if self.color && !s.is_empty() {
            console::Style::new()
                .dim()
                .force_styling(true)
                .apply_to(s)
                .to_string()
        } else {
            s.to_string()
        }
    }

    fn text(&mut self, s: &str, dim: bool) {
        let mut chunk = String::new();
        self.wrap.push(s, &mut chunk);
        let chunk = if dim { self.dim(&chunk) } else { chunk };
        self.buf.push_str(&chunk);
    }

    fn thinking(&mut self, t: &str) {
        if self.hide_thinking || t.is_empty() {
            return;
        }
        if !self.thinking {
            self.thinking = true;
            if !self.wrap.at_line_start() {
                self.text("\n", false);
            }
            self.text("Thinking...\n", true);
        }
        self.text(t, true);
    }

    fn end_thinking(&mut self) {
        if self.thinking {
            self.thinking = false;
            let lead = if self.wrap.at_line_start() { "" } else { "\n" };
            self.text(&format!("{lead}...done thinking.\n\n"), true);
        }
    }

    fn content(&mut self, t: &str) {
        if t.is_empty() {
            return;
        }
        self.end_thinking();
        self.text(t, false);
    }

    fn finish(&mut self) {
        self.end_thinking();
        let mut tail = String::new();
        self.wrap.finish(&mut tail);
        self.buf.push_str(&tail);
    }

    fn take(&mut self) -> String {
        std::mem::take(&mut self.buf)
    }
}

/// Runs `fut` unless Ctrl-C comes first.
async fn unless_interrupted<T>(interrupt: &InterruptFn, fut: impl Future<Output = T>) -> Option<T> {
    let stop = interrupt();
    tokio::select! {
        v = fut => Some(v),
        _ = stop => None,
    }
}

/// Whether an error says the model is not installed.
fn is_not_found(e: &anyhow::Error) -> bool {
    exit::code(e) == exit::NOT_FOUND
}

/// The interactive loop.
pub struct Repl<'c, L, O, E> {
    /// The conversation and settings.
    pub session: Session,
    client: &'c Client,
    lines: L,
    /// Replies and command output.
    pub out: O,
    /// Errors, warnings, statistics.
    pub err: E,
    env: Env,
    history_failed: bool,
    /// Lines typed at a `"""` block that is still open.
    multiline: Option<Multiline>,
    /// The last message sent, when its request failed (or was stopped
    /// before any reply) and so is not in the conversation: `/retry` sends
    /// it again. Sending anything else, `/clear`, `/load` and `/import`
    /// drop it.
    unsent: Option<String>,
}

impl<'c, L: LineSource, O: Write, E: Write> Repl<'c, L, O, E> {
    /// A loop over `lines`.
    pub fn new(session: Session, client: &'c Client, lines: L, out: O, err: E, env: Env) -> Self {
        Repl {
            session,
            client,
            lines,
            out,
            err,
            env,
            history_failed: false,
            multiline: None,
            unsent: None,
        }
    }

    fn say(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }

    fn warn(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.err, "{text}")?;
        self.err.flush()
    }

    fn error(&mut self, e: &anyhow::Error) -> io::Result<()> {
        let prefix = console::style("error:").red().bold().for_stderr();
        writeln!(self.err, "{prefix} {}", exit::message(e))?;
        self.err.flush()
    }

    /// Checks that the model exists, pulling it when it does not (unless
    /// `--no-pull`), and reads what it can do. An error here ends the
    /// session with the command's usual status.
    pub async fn start(&mut self) -> Result<()> {
        let model = self.session.model.clone();
        let show = self.open_model(&model, !self.session.no_pull).await?;
        self.adopt(model, show);
        self.refresh_models().await;
        Ok(())
    }

    /// Shows the model, pulling it first when it is missing and `pull` is
    /// set.
    async fn open_model(&mut self, model: &str, pull: bool) -> Result<ShowResponse> {
        let client = self.client;
        let show = || async {
            about_model(
                client.show(ShowRequest::new(model)).await,
                "could not find",
                model,
            )
        };
        let first = unless_interrupted(&self.env.interrupt, show())
            .await
            .ok_or(Interrupted)?;
        match first {
            Err(e) if pull && is_not_found(&e) => {
                self.pull(model).await?;
                unless_interrupted(&self.env.interrupt, show())
                    .await
                    .ok_or(Interrupted)?
            }
            other => other,
        }
    }

    async fn pull(&mut self, model: &str) -> Result<()> {
        let client = self.client;
        let style = self.env.progress;
        let work = async {
            let mut progress = Progress::new(style, true);
            let req = ollama_rs::PullRequest::new(model);
            let r = match about_model(client.pull_stream(req).await, "could not pull", model) {
                Ok(stream) => drive(stream, &mut progress, None).await,
                Err(e) => Err(e),
            };
            progress.clear();
            r
        };
        match unless_interrupted(&self.env.interrupt, work).await {
            None => Err(Interrupted.into()),
            Some(Err(e)) if e.downcast_ref::<exit::ModelContext>().is_some() => Err(e),
            Some(Err(e)) => Err(e.context(exit::ModelContext {
                action: "could not pull".into(),
                model: model.to_string(),
            })),
            Some(Ok(())) => {
                self.warn(&format!("pulled '{model}'"))?;
                Ok(())
            }
        }
    }

    fn adopt(&mut self, model: String, show: ShowResponse) {
        self.session.model = model;
        self.session.capabilities = show.capabilities;
        self.session.parent_model = show.details.map(|d| d.parent_model).unwrap_or_default();
    }

    async fn refresh_models(&mut self) {
        let client = self.client;
        if let Some(Ok(list)) = unless_interrupted(&self.env.interrupt, client.list()).await {
            let names = list.models.iter().map(|m| m.name().to_string()).collect();
            self.lines.set_models(names);
        }
    }

    fn remember(&mut self, entry: &str) -> io::Result<()> {
        if let Err(e) = self.lines.remember(entry) {
            if !self.history_failed {
                self.history_failed = true;
                self.warn(&format!("warning: could not save the history: {e}"))?;
            }
        }
        Ok(())
    }

    /// Reads and answers lines until `/bye` or Ctrl-D.
    pub async fn run(&mut self) -> Result<()> {
        loop {
            let prompt = if self.multiline.is_some() {
                "... "
            } else {
                ">>> "
            };
            let line = match self.lines.read_line(prompt)? {
                Input::Eof => return Ok(()),
                Input::Interrupted => {
                    // Ctrl-C in an open block drops the block.
                    if self.multiline.take().is_none() {
                        self.say("Use Ctrl + d or /bye to exit.")?;
                    }
                    continue;
                }
                Input::Line(l) => l,
            };
            if self.line(&line).await? == Flow::Exit {
                return Ok(());
            }
        }
    }

    /// Handles one line.
    async fn line(&mut self, line: &str) -> Result<Flow> {
        if let Some(mut m) = self.multiline.take() {
            match m.feed(line) {
                None => self.multiline = Some(m),
                Some(text) => {
                    self.remember(&m.raw)?;
                    self.closed(m.target, text).await?;
                }
            }
            return Ok(Flow::Continue);
        }
        if let Some(after) = line.strip_prefix("\"\"\"") {
            match Multiline::open(Target::Message, after, line) {
                Ok(text) => {
                    self.remember(line)?;
                    self.closed(Target::Message, text).await?;
                }
                Err(m) => self.multiline = Some(m),
            }
            return Ok(Flow::Continue);
        }
        if line.trim().is_empty() {
            return Ok(Flow::Continue);
        }
        self.remember(line)?;
        if line.starts_with('/') {
            match commands::parse(line) {
                Ok(inv) => return self.command(inv.id, inv.word, inv.rest).await,
                Err(commands::Unknown(word)) => {
                    // `/path/to/cat.png what is this?` is a message.
                    let is_image = self.session.has("vision")
                        && words(line)
                            .first()
                            .is_some_and(|(_, w)| image_path(w).is_some());
                    if !is_image {
                        self.warn(&format!("Unknown command '{word}'. Type /? for help"))?;
                        return Ok(Flow::Continue);
                    }
                }
            }
        }
        self.send(line).await?;
        Ok(Flow::Continue)
    }

    async fn closed(&mut self, target: Target, text: String) -> Result<()> {
        match target {
            Target::Message if text.trim().is_empty() => Ok(()),
            Target::Message => self.send(&text).await,
            Target::System => {
                self.session.system = Some(text);
                self.say("Set system message.")?;
                Ok(())
            }
        }
    }

    /// Sends a user message and streams the reply.
    ///
    /// When the request fails, or Ctrl-C stops it before any reply, the
    /// conversation is left as it was before the message: earlier turns
    /// stay, the message is not added (so the conversation still alternates
    /// and nothing half-done is sent next time), and `/retry` sends it
    /// again.
    async fn send(&mut self, text: &str) -> Result<()> {
        self.unsent = None;
        let kept = self.session.messages.len();
        let session_images = std::mem::take(&mut self.session.images);
        let mut msg = Message::user(text);
        let mut images = session_images.clone();
        if self.session.has("vision") {
            let (rest, paths) = find_images(text);
            for p in paths {
                match Image::from_path(&p) {
                    Ok(img) => {
                        self.warn(&format!("Added image '{}'", p.display()))?;
                        images.push(img);
                    }
                    Err(e) => self.warn(&format!("Couldn't read image '{}': {e}", p.display()))?,
                }
            }
            msg.content = rest;
        }
        if !images.is_empty() {
            msg.images = Some(images);
        }
        self.session.messages.push(msg);
        if !self.reply().await? {
            self.session.messages.truncate(kept);
            // `--image` pictures go with the next message sent instead.
            self.session.images = session_images;
            self.unsent = Some(text.to_string());
        }
        Ok(())
    }

    /// Streams the reply to the conversation as it stands, and returns
    /// whether it became the assistant's turn.
    ///
    /// A reply that ends with `done` is added. Ctrl-C stops it; what was
    /// shown is added, so the next request continues from there (nothing
    /// shown, nothing added). A failure (an error status, a broken or
    /// undecodable stream, an error line, a timeout, or a stream that ends
    /// without `done`) adds nothing, even when part of the reply was shown:
    /// it is reported in one line on stderr and the caller puts the
    /// conversation back as it was.
    async fn reply(&mut self) -> Result<bool> {
        let limit = if self.session.wordwrap {
            (self.env.width)()
                .filter(|&w| w >= 10)
                // The last column is left free: a terminal that wraps on
                // its own there would make erasing a word miss a line.
                .map(|w| w - 1)
        } else {
            None
        };
        let mut view = View {
            wrap: Wrapper::new(limit),
            color: self.env.color,
            hide_thinking: self.session.hide_thinking,
            thinking: false,
            buf: String::new(),
        };
        let model = self.session.model.clone();
        let req = self.session.request();
        let client = self.client;
        let mut stop = (self.env.interrupt)();
        let mut content = String::new();
        let mut thinking = String::new();
        let mut calls: Vec<ToolCall> = Vec::new();
        let mut last: Option<ChatResponse> = None;
        let mut failure: Option<anyhow::Error> = None;
        let mut stopped = false;

        let started = tokio::select! {
            r = client.chat_stream(req) => Some(r),
            _ = &mut stop => None,
        };
        if let Some(started) = started {
            match about_model(started, "could not chat with", &model) {
                Err(e) => failure = Some(e),
                Ok(mut stream) => loop {
                    let item = tokio::select! {
                        biased;
                        _ = &mut stop => {
                            stopped = true;
                            break;
                        }
                        item = stream.next() => item,
                    };
                    let r = match item {
                        None => break,
                        Some(Ok(r)) => r,
                        Some(Err(e)) => {
                            failure = Some(
                                anyhow::Error::new(e)
                                    .context(format!("chat with `{model}` failed")),
                            );
                            break;
                        }
                    };
                    if let Some(t) = &r.message.thinking {
                        view.thinking(t);
                        thinking.push_str(t);
                    }
                    view.content(&r.message.content);
                    content.push_str(&r.message.content);
                    for call in r.message.tool_calls.iter().flatten() {
                        view.content(&format!("{call}\n"));
                        calls.push(call.clone());
                    }
                    self.out.write_all(view.take().as_bytes())?;
                    self.out.flush()?;
                    if r.done {
                        last = Some(r);
                    }
                },
            }
        } else {
            stopped = true;
        }
        view.finish();
        let tail = view.take();
        self.out.write_all(tail.as_bytes())?;
        let shown = !content.is_empty() || !calls.is_empty() || !thinking.is_empty();
        // A blank line sets the reply apart from the next prompt.
        if shown {
            self.out.write_all(b"\n")?;
        }
        self.out.flush()?;

        let answered = failure.is_none() && (!stopped || shown);
        if answered {
            let mut answer = Message::assistant(content);
            answer.thinking = (!thinking.is_empty()).then_some(thinking);
            answer.tool_calls = (!calls.is_empty()).then_some(calls);
            self.session.messages.push(answer);
        }
        if let Some(e) = failure {
            self.error(&e)?;
        }
        if self.session.verbose {
            if let Some(r) = &last {
                let stats = stats_text(&r.metrics());
                self.err.write_all(stats.as_bytes())?;
                self.err.flush()?;
            }
        }
        Ok(answered)
    }

    async fn command(&mut self, id: Id, word: &str, rest: &str) -> Result<Flow> {
        let spec = commands::find(word).expect("parsed from the table");
        let one_arg = |rest: &str| -> Option<String> {
            let a = rest.trim();
            (!a.is_empty() && !a.contains(char::is_whitespace)).then(|| a.to_string())
        };
        match id {
            Id::Bye => return Ok(Flow::Exit),
            Id::Help => {
                let text = if rest.is_empty() {
                    Some(commands::help(self.session.has("vision")))
                } else {
                    commands::help_for(rest)
                };
                match text {
                    Some(t) => self.say(&t)?,
                    None => self.warn(&format!(
                        "Unknown command '{word} {rest}'. Type /? for help"
                    ))?,
                }
            }
            Id::Clear => {
                self.session.messages.clear();
                self.unsent = None;
                self.say("Cleared session context")?;
            }
            Id::Set => self.set(word, rest).await?,
            Id::Show => self.show(word, rest).await?,
            Id::Load => match one_arg(rest) {
                Some(m) => self.load(&m).await?,
                None => self.say(&commands::usage(spec))?,
            },
            Id::Save => match one_arg(rest) {
                Some(m) => self.save(&m).await?,
                None => self.say(&commands::usage(spec))?,
            },
            Id::Export | Id::Import => {
                let path = unquote(rest);
                if path.is_empty() {
                    self.say(&commands::usage(spec))?;
                } else if id == Id::Export {
                    self.export(&expand_home(&path))?;
                } else {
                    self.import(&expand_home(&path))?;
                }
            }
            Id::Retry => self.retry().await?,
        }
        Ok(Flow::Continue)
    }

    async fn set(&mut self, word: &str, rest: &str) -> Result<()> {
        let (sub, arg) = commands::split_sub(rest);
        match sub {
            "" => {
                let spec = commands::find(word).expect("in the table");
                self.say(&commands::sub_help(spec))?;
            }
            "parameter" => self.set_parameter(arg)?,
            "system" => {
                if arg.is_empty() {
                    self.say("Usage:\n  /set system <message>")?;
                } else if let Some(after) = arg.strip_prefix("\"\"\"") {
                    match Multiline::open(Target::System, after, "") {
                        Ok(text) => self.closed(Target::System, text).await?,
                        Err(mut m) => {
                            m.raw = format!("/set system {arg}");
                            self.multiline = Some(m);
                        }
                    }
                } else {
                    self.session.system = Some(arg.to_string());
                    self.say("Set system message.")?;
                }
            }
            "format" => {
                if arg == "json" {
                    self.session.format = Some(Format::Json);
                    self.say("Set format to 'json' mode.")?;
                } else {
                    self.say("Invalid or missing format. For 'json' mode use '/set format json'")?;
                }
            }
            "noformat" => {
                self.session.format = None;
                self.say("Disabled format.")?;
            }
            "think" => {
                let think = if arg.is_empty() {
                    Ok(Think::Bool(true))
                } else {
                    arg.parse::<Think>()
                };
                match think {
                    Err(e) => self.warn(&format!("error: {e}"))?,
                    Ok(t) => {
                        self.session.think = Some(t);
                        if arg.is_empty() {
                            self.say("Set 'think' mode.")?;
                        } else {
                            self.say(&format!("Set 'think' mode to '{arg}'."))?;
                        }
                        self.warn_no_thinking()?;
                    }
                }
            }
            "nothink" => {
                self.session.think = Some(Think::Bool(false));
                self.say("Set 'nothink' mode.")?;
            }
            "verbose" | "quiet" => {
                self.session.verbose = sub == "verbose";
                self.say(&format!("Set '{sub}' mode."))?;
            }
            "wordwrap" | "nowordwrap" => {
                self.session.wordwrap = sub == "wordwrap";
                self.say(&format!("Set '{sub}' mode."))?;
            }
            "history" | "nohistory" => {
                self.lines.set_history(sub == "history");
                self.say(&format!("Set '{sub}' mode."))?;
            }
            other => {
                self.warn(&format!("Unknown command '/set {other}'. Type /? for help"))?;
            }
        }
        Ok(())
    }

    fn warn_no_thinking(&mut self) -> io::Result<()> {
        if !self.session.capabilities.is_empty() && !self.session.has("thinking") {
            let model = self.session.model.clone();
            self.warn(&format!(
                "warning: model '{model}' does not support thinking output"
            ))?;
        }
        Ok(())
    }

    fn set_parameter(&mut self, arg: &str) -> io::Result<()> {
        let mut words = arg.split_whitespace();
        let (Some(key), values) = (words.next(), words.collect::<Vec<_>>()) else {
            return self.say(&parameter_usage());
        };
        if values.is_empty() {
            return self.say(&parameter_usage());
        }
        let mut options = self.session.options.clone();
        let result = if key == "stop" {
            // A new list of stop sequences replaces the old one.
            options.stop = None;
            values.iter().try_for_each(|v| options.set_str(key, v))
        } else if values.len() > 1 {
            self.warn(&format!("Couldn't set parameter: '{key}' takes one value"))?;
            return Ok(());
        } else {
            options.set_str(key, values[0])
        };
        match result {
            Ok(()) => {
                self.session.options = options;
                self.say(&format!("Set parameter '{key}' to '{}'", values.join(", ")))
            }
            Err(e) => self.warn(&format!("Couldn't set parameter: {e}")),
        }
    }

    async fn show(&mut self, word: &str, rest: &str) -> Result<()> {
        let (sub, _) = commands::split_sub(rest);
        if sub.is_empty() {
            let spec = commands::find(word).expect("in the table");
            self.say(&commands::sub_help(spec))?;
            return Ok(());
        }
        if ![
            "info",
            "license",
            "modelfile",
            "parameters",
            "system",
            "template",
        ]
        .contains(&sub)
        {
            self.warn(&format!("Unknown command '/show {sub}'. Type /? for help"))?;
            return Ok(());
        }
        let mut req = ShowRequest::new(self.session.model.as_str());
        req.system = self.session.system.clone();
        req.options = (!self.session.options.is_empty()).then(|| self.session.options.clone());
        let client = self.client;
        let model = self.session.model.clone();
        let resp = match unless_interrupted(&self.env.interrupt, client.show(req)).await {
            None => return Ok(()),
            Some(r) => about_model(r, "could not show", &model),
        };
        let resp = match resp {
            Ok(r) => r,
            Err(e) => {
                self.error(&e)?;
                return Ok(());
            }
        };
        let or = |field: &Option<String>, none: &str| -> String {
            match field.as_deref().map(str::trim_end) {
                Some(t) if !t.is_empty() => t.to_string(),
                _ => none.to_string(),
            }
        };
        let text = match sub {
            "info" => show_sections(&resp, false),
            "license" => or(&resp.license, "No license was specified for this model."),
            "modelfile" => or(&resp.modelfile, "No Modelfile was returned for this model."),
            "template" => or(
                &resp.template,
                "No prompt template was specified for this model.",
            ),
            "system" => match &self.session.system {
                Some(s) if !s.is_empty() => s.clone(),
                _ => or(
                    &resp.system,
                    "No system message was specified for this model.",
                ),
            },
            _ => self.parameters_text(&resp),
        };
        self.say(&text)?;
        Ok(())
    }

    fn parameters_text(&self, resp: &ShowResponse) -> String {
        let mut s = String::from("Model defined parameters:\n");
        match resp.parameters.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => {
                for l in p.lines() {
                    s.push_str(&format!("  {l}\n"));
                }
            }
            _ => s.push_str("  No additional parameters were specified for this model.\n"),
        }
        if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(&self.session.options) {
            if !map.is_empty() {
                s.push_str("\nUser defined parameters:\n");
                for (k, v) in map {
                    let values = match v {
                        serde_json::Value::Array(items) => items,
                        other => vec![other],
                    };
                    for v in values {
                        s.push_str(&format!("  {k:<30} {v}\n"));
                    }
                }
            }
        }
        s
    }

    async fn load(&mut self, model: &str) -> Result<()> {
        self.say(&format!("Loading model '{model}'"))?;
        match self.open_model(model, !self.session.no_pull).await {
            Ok(show) => {
                self.adopt(model.to_string(), show);
                self.session.messages.clear();
                self.unsent = None;
                if self.session.think.is_some_and(|t| t != Think::Bool(false)) {
                    self.warn_no_thinking()?;
                }
                self.refresh_models().await;
            }
            Err(e) if e.downcast_ref::<Interrupted>().is_some() => {}
            Err(e) if is_not_found(&e) => self.say(&format!("Couldn't find model '{model}'"))?,
            Err(e) => self.error(&e)?,
        }
        Ok(())
    }

    async fn save(&mut self, name: &str) -> Result<()> {
        let req = self.session.save_request(name);
        let client = self.client;
        let work = async {
            let mut progress = Progress::new(Style::Quiet, false);
            let stream = client
                .create_stream(req)
                .await
                .map_err(|e| anyhow::Error::new(e).context(format!("could not create `{name}`")))?;
            drive(stream, &mut progress, None)
                .await
                .map_err(|e| e.context(format!("could not create `{name}`")))
        };
        match unless_interrupted(&self.env.interrupt, work).await {
            None => {}
            Some(Ok(())) => {
                self.say(&format!("Created new model '{name}'"))?;
                self.refresh_models().await;
            }
            Some(Err(e)) => self.error(&e)?,
        }
        Ok(())
    }

    fn export(&mut self, path: &Path) -> Result<()> {
        let messages = self.session.transcript();
        let markdown = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("md"));
        let bytes = if markdown {
            to_markdown(&self.session.model, &messages).into_bytes()
        } else {
            let mut v = serde_json::to_vec_pretty(&messages)?;
            v.push(b'\n');
            v
        };
        match history::write_private(path, &bytes) {
            Ok(()) => self.say(&format!(
                "Exported {} messages to '{}'",
                messages.len(),
                path.display()
            ))?,
            Err(e) => self.warn(&format!("error: could not write '{}': {e}", path.display()))?,
        }
        Ok(())
    }

    fn import(&mut self, path: &Path) -> Result<()> {
        match read_messages(path) {
            Ok(messages) => {
                let n = messages.len();
                self.session.system = None;
                self.session.set_conversation(messages);
                self.unsent = None;
                self.say(&format!("Imported {n} messages from '{}'", path.display()))?;
            }
            Err(e) => self.error(&e)?,
        }
        Ok(())
    }

    /// Sends the last message again: the one whose request failed, if
    /// any; else the last question of the conversation, whose answer is
    /// replaced (and kept when the new request fails).
    async fn retry(&mut self) -> Result<()> {
        if let Some(text) = self.unsent.take() {
            return self.send(&text).await;
        }
        let last_user = self
            .session
            .messages
            .iter()
            .rposition(|m| m.role == Role::User);
        match last_user {
            None => self.say("Nothing to retry yet.")?,
            Some(i) => {
                let before = self.session.messages.clone();
                self.session.messages.truncate(i + 1);
                if !self.reply().await? {
                    self.session.messages = before;
                }
            }
        }
        Ok(())
    }
}

/// `/set parameter` without a value: the options from the table.
fn parameter_usage() -> String {
    let mut s = String::from("Available Parameters:\n");
    for o in ollama_rs::Options::KNOWN.iter().filter(|o| !o.deprecated) {
        let arg = format!("<{}>", o.kind.describe());
        let arg = if o.name == "stop" {
            format!("{arg} {arg} ...")
        } else {
            arg
        };
        s.push_str(&format!("  /set parameter {} {arg}\n", o.name));
    }
    s
}

/// Removes one pair of matching quotes around a file name.
fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['\'', '"'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].to_string();
        }
    }
    s.to_string()
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(p),
    }
}

/// The conversation as Markdown: a heading per turn.
fn to_markdown(model: &str, messages: &[Message]) -> String {
    let mut s = format!("# Conversation with {model}\n");
    for m in messages {
        let who = match m.role {
            Role::System => "System",
            Role::User => "User",
            Role::Assistant => "Assistant",
            Role::Tool => "Tool",
        };
        s.push_str(&format!("\n## {who}\n\n"));
        if let Some(t) = m.thinking.as_deref().filter(|t| !t.is_empty()) {
            for l in t.lines() {
                s.push_str(&format!("> {l}\n"));
            }
            s.push('\n');
        }
        s.push_str(m.content.trim_end());
        s.push('\n');
        if let Some(n) = m.images.as_ref().map(Vec::len).filter(|&n| n > 0) {
            s.push_str(&format!("\n*({n} image(s))*\n"));
        }
        for call in m.tool_calls.iter().flatten() {
            s.push_str(&format!("\n`{call}`\n"));
        }
    }
    s
}

/// Whether this command line runs the interactive session, which then
/// handles Ctrl-C itself instead of letting it end the program.
pub(crate) fn owns_ctrl_c(cli: &Cli, ui: &Ui) -> bool {
    matches!(&cli.command, Command::Chat(a) if a.message.is_none()) && ui.stdin_tty && ui.stdout_tty
}

/// Runs the interactive session on the terminal.
pub(crate) async fn run(
    a: &ChatArgs,
    common: Common,
    messages: Vec<Message>,
    tools: Option<Vec<Tool>>,
    client: &Client,
    ui: &Ui,
) -> Result<ExitCode> {
    let mut session = Session::from_args(a, common, messages);
    session.tools = tools;
    let history_on = !history::disabled_by(std::env::var_os("OLLAMA_NOHISTORY").as_deref());
    let lines = editor::Terminal::new(history::default_path(), history_on)?;
    let env = Env::terminal(ui);
    let mut repl = Repl::new(session, client, lines, io::stdout(), io::stderr(), env);
    // A failed check of the model ends the program before any prompt.
    repl.start().await?;
    repl.run().await?;
    Ok(ExitCode::SUCCESS)
}
