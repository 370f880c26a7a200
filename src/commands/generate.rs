//! `generate` and the one-shot form of `chat`: build the request from the
//! flags, stream tokens to stdout as they arrive, thinking dimmed on a
//! terminal (on stderr when stdout is not one), statistics on stderr; with
//! `--json`, the server's objects one per line, every field kept.

use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use futures_util::StreamExt;
use ollama_rs::{
    ChatRequest, ChatResponse, Client, Format, GenerateRequest, GenerateResponse, Image, KeepAlive,
    Message, Metrics, Options, Role, Think, Tool, ToolCall,
};
use serde_json::Value;

use crate::cli::{ChatArgs, GenerateArgs, ModelArgs};
use crate::commands::check_model;
use crate::exit::{about_model, usage};
use crate::ui::format::go_duration;
use crate::ui::Ui;

/// The request fields that generate and chat share, resolved from the flags.
pub struct Common {
    pub options: Option<Options>,
    pub keep_alive: Option<KeepAlive>,
    pub format: Option<Format>,
    pub images: Vec<Image>,
    pub think: Option<Think>,
}

/// Parses `-o KEY=VALUE` flags, typing each value by the option table.
pub fn parse_options(pairs: &[String]) -> Result<Option<Options>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut o = Options::default();
    for pair in pairs {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| usage(format!("option `{pair}` must look like KEY=VALUE")))?;
        o.set_str(k.trim(), v).map_err(|e| {
            let valid: Vec<&str> = ollama_rs::Options::KNOWN
                .iter()
                .filter(|s| !s.deprecated)
                .map(|s| s.name)
                .collect();
            match e {
                ollama_rs::OptionError::Unknown(_) => {
                    usage(format!("{e} (valid: {})", valid.join(", ")))
                }
                _ => usage(e.to_string()),
            }
        })?;
    }
    Ok(Some(o))
}

/// Parses `--keep-alive`: a number of seconds, or a duration in the
/// server's (Go's) syntax, such as `5m`, `1h30m` or `-1s`. Anything else
/// would reach the server and come back as a 400; it is a usage error here.
pub fn parse_keep_alive(s: &str) -> Result<KeepAlive> {
    let t = s.trim();
    if t.parse::<f64>().is_ok_and(f64::is_finite) || is_go_duration(t) {
        return Ok(KeepAlive::from(t));
    }
    Err(usage(format!(
        "--keep-alive `{s}` is not a duration: give seconds (300), or a number with a unit \
         like 5m or 1h30m (units: ns, us, ms, s, m, h); a negative value keeps the model loaded"
    )))
}

/// Whether `s` is a duration Go's `time.ParseDuration` accepts: an optional
/// sign, then numbers (with an optional fraction), each followed by a unit.
fn is_go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if !number.chars().any(|c| c.is_ascii_digit()) || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !matches!(
            &rest[..unit],
            "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
        ) {
            return false;
        }
        rest = &rest[unit..];
    }
    true
}

/// Reads a local file for a flag, with status 2 when it cannot be read or
/// is empty.
pub fn read_input_file(path: &Path, what: &str) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("could not read {what} `{}`: {e}", path.display())))?;
    if text.trim().is_empty() {
        return Err(usage(format!("{what} `{}` is empty", path.display())));
    }
    Ok(text)
}

fn parse_format(s: &str) -> Result<Format> {
    if s.eq_ignore_ascii_case("json") {
        return Ok(Format::Json);
    }
    let (text, origin) = match s.strip_prefix('@') {
        Some(path) => (
            read_input_file(Path::new(path), "format file")?,
            path.to_string(),
        ),
        None => (s.to_string(), "--format".to_string()),
    };
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| usage(format!("{origin} is not `json` or a JSON schema: {e}")))?;
    if !v.is_object() {
        return Err(usage(format!("{origin}: a JSON schema must be an object")));
    }
    Ok(Format::Schema(v))
}

impl Common {
    /// Resolves the shared flags; every error here is status 2.
    pub fn from_args(a: &ModelArgs) -> Result<Common> {
        let images = a
            .images
            .iter()
            .map(|p| {
                if std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() == 0) {
                    return Err(usage(format!(
                        "image `{}` is empty: give a PNG, JPEG or WebP file",
                        p.display()
                    )));
                }
                Image::from_path(p).map_err(|e| {
                    usage(format!(
                        "could not read image `{}`: {}",
                        p.display(),
                        root(&e)
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let think = match &a.think {
            Some(t) => Some(t.parse::<Think>().map_err(|e| usage(e.to_string()))?),
            None => None,
        };
        Ok(Common {
            options: parse_options(&a.options)?,
            keep_alive: a.keep_alive.as_deref().map(parse_keep_alive).transpose()?,
            format: a.format.as_deref().map(parse_format).transpose()?,
            images,
            think,
        })
    }
}

fn root(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Reads stdin when it is not a terminal.
fn piped_stdin(ui: &Ui) -> Result<Option<String>> {
    if ui.stdin_tty {
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

/// What the renderer needs from a generate or chat response.
trait Reply {
    fn thinking(&self) -> Option<&str>;
    fn content(&self) -> &str;
    fn tool_calls(&self) -> &[ToolCall];
    fn done(&self) -> bool;
    fn metrics(&self) -> Metrics;
}

impl Reply for GenerateResponse {
    fn thinking(&self) -> Option<&str> {
        self.thinking.as_deref()
    }
    fn content(&self) -> &str {
        &self.response
    }
    fn tool_calls(&self) -> &[ToolCall] {
        self.tool_calls.as_deref().unwrap_or_default()
    }
    fn done(&self) -> bool {
        self.done
    }
    fn metrics(&self) -> Metrics {
        GenerateResponse::metrics(self)
    }
}

impl Reply for ChatResponse {
    fn thinking(&self) -> Option<&str> {
        self.message.thinking.as_deref()
    }
    fn content(&self) -> &str {
        &self.message.content
    }
    fn tool_calls(&self) -> &[ToolCall] {
        self.message.tool_calls.as_deref().unwrap_or_default()
    }
    fn done(&self) -> bool {
        self.done
    }
    fn metrics(&self) -> Metrics {
        ChatResponse::metrics(self)
    }
}

/// Where tokens go, and how thinking is shown.
///
/// On a terminal, thinking is printed dimmed on stdout between `Thinking...`
/// and `...done thinking.`, as `ollama run` does. Off a terminal stdout holds
/// only the answer: thinking goes to stderr (dimmed only if stderr has
/// colour), or nowhere with `--hide-thinking`.
struct Renderer<'a> {
    ui: &'a Ui,
    out: io::BufWriter<io::StdoutLock<'static>>,
    hide_thinking: bool,
    /// Thinking was shown and the answer has not started yet.
    in_thinking: bool,
    /// The thinking shown so far ends with a newline.
    thinking_at_line_start: bool,
    /// Nothing is on stdout yet, or it ends with a newline.
    at_line_start: bool,
}

impl<'a> Renderer<'a> {
    fn new(ui: &'a Ui, hide_thinking: bool) -> Self {
        Renderer {
            ui,
            out: ui.stdout(),
            hide_thinking,
            in_thinking: false,
            thinking_at_line_start: true,
            at_line_start: true,
        }
    }

    fn dim_stderr(&self, s: &str) -> String {
        if self.ui.color_stderr {
            console::style(s)
                .dim()
                .for_stderr()
                .force_styling(true)
                .to_string()
        } else {
            s.to_string()
        }
    }

    /// Writes to stdout and flushes, so each token shows as it arrives.
    fn write(&mut self, text: &str) -> Result<()> {
        self.out.write_all(text.as_bytes())?;
        self.out.flush()?;
        if !text.is_empty() {
            self.at_line_start = text.ends_with('\n');
        }
        Ok(())
    }

    fn thinking(&mut self, text: &str) -> Result<()> {
        if self.hide_thinking || text.is_empty() {
            return Ok(());
        }
        if self.ui.stdout_tty {
            if !self.in_thinking {
                let head = self.ui.dim_stdout("Thinking...\n");
                self.write(&head)?;
            }
            let t = self.ui.dim_stdout(text);
            self.write(&t)?;
        } else {
            // A closed or full stderr must not stop the answer on stdout.
            let t = self.dim_stderr(text);
            let mut err = io::stderr().lock();
            let _ = err.write_all(t.as_bytes());
            let _ = err.flush();
        }
        self.in_thinking = true;
        self.thinking_at_line_start = text.ends_with('\n');
        Ok(())
    }

    /// Closes the thinking block, if one is open.
    fn end_thinking(&mut self) -> Result<()> {
        if !self.in_thinking {
            return Ok(());
        }
        self.in_thinking = false;
        let newline = if self.thinking_at_line_start {
            ""
        } else {
            "\n"
        };
        if self.ui.stdout_tty {
            let tail = self
                .ui
                .dim_stdout(&format!("{newline}...done thinking.\n\n"));
            self.write(&tail)?;
        } else {
            let _ = io::stderr().lock().write_all(newline.as_bytes());
        }
        Ok(())
    }

    fn content(&mut self, text: &str) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        self.end_thinking()?;
        self.write(text)
    }

    /// A line of its own: a tool call.
    fn line(&mut self, text: &str) -> Result<()> {
        self.end_thinking()?;
        if !self.at_line_start {
            self.write("\n")?;
        }
        self.write(&format!("{text}\n"))
    }

    fn show(&mut self, r: &impl Reply) -> Result<()> {
        if let Some(t) = r.thinking() {
            self.thinking(t)?;
        }
        self.content(r.content())?;
        for call in r.tool_calls() {
            self.line(&call.to_string())?;
        }
        Ok(())
    }

    /// Ends the output: closes thinking and adds the final newline if the
    /// answer has none.
    fn finish(&mut self) -> Result<()> {
        self.end_thinking()?;
        if !self.at_line_start {
            self.write("\n")?;
        }
        Ok(())
    }
}

/// Prints the statistics as `ollama run --verbose` does.
fn print_stats(m: &Metrics) {
    let _ = io::stderr().lock().write_all(stats_text(m).as_bytes());
}

/// The statistics as `ollama run --verbose` prints them.
pub(crate) fn stats_text(m: &Metrics) -> String {
    let mut s = String::new();
    let mut row = |k: &str, v: String| s.push_str(&format!("{:<22}{v}\n", format!("{k}:")));
    if let Some(d) = m.total_duration {
        row("total duration", go_duration(d));
    }
    if let Some(d) = m.load_duration {
        row("load duration", go_duration(d));
    }
    if let Some(c) = m.prompt_eval_count {
        row("prompt eval count", format!("{c} token(s)"));
    }
    if let Some(d) = m.prompt_eval_duration {
        row("prompt eval duration", go_duration(d));
    }
    if let Some(r) = m.prompt_eval_rate() {
        row("prompt eval rate", format!("{r:.2} tokens/s"));
    }
    if let Some(c) = m.eval_count {
        row("eval count", format!("{c} token(s)"));
    }
    if let Some(d) = m.eval_duration {
        row("eval duration", go_duration(d));
    }
    if let Some(r) = m.eval_rate() {
        row("eval rate", format!("{r:.2} tokens/s"));
    }
    s
}

/// What a generate or chat run is about, for its messages.
struct Job<'a> {
    ui: &'a Ui,
    args: &'a ModelArgs,
    model: &'a str,
    /// The API path.
    path: &'static str,
    /// "could not generate with": names the model, for the pull hint.
    action: &'static str,
    /// "generation with": for a stream that breaks after it started.
    doing: &'static str,
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
        let mut out = self.ui.stdout();
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
            let mut stream = about_model(
                client.post_stream_as::<_, Value>(self.path, body).await,
                self.action,
                self.model,
            )?
            .expect_last(|v: &Value| v.get("done") == Some(&Value::Bool(true)));
            while let Some(item) = stream.next().await {
                let v = item.map_err(|e| self.failed(e))?;
                crate::ui::write_json_line(&mut out, &v)?;
                last = Some(v);
            }
        }
        if self.args.verbose {
            if let Some(m) = last.and_then(|v| serde_json::from_value::<Metrics>(v).ok()) {
                print_stats(&m);
            }
        }
        Ok(ExitCode::SUCCESS)
    }

    /// Shows a stream as it arrives; returns the statistics of its last line.
    async fn render<R: Reply + serde::de::DeserializeOwned>(
        &self,
        mut stream: ollama_rs::ResponseStream<R>,
    ) -> Result<Option<Metrics>> {
        let mut out = Renderer::new(self.ui, self.args.hide_thinking);
        let mut metrics = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(r) => {
                    out.show(&r)?;
                    if r.done() {
                        metrics = Some(r.metrics());
                    }
                }
                Err(e) => {
                    // What was printed stays, ended by a newline, above the error.
                    out.finish()?;
                    return Err(self.failed(e));
                }
            }
        }
        out.finish()?;
        Ok(metrics)
    }

    /// Shows a whole answer (`--no-stream`).
    fn render_one(&self, r: &impl Reply) -> Result<Option<Metrics>> {
        let mut out = Renderer::new(self.ui, self.args.hide_thinking);
        out.show(r)?;
        out.finish()?;
        Ok(Some(r.metrics()))
    }

    fn done(&self, metrics: Option<Metrics>) -> ExitCode {
        if self.args.verbose {
            if let Some(m) = metrics {
                print_stats(&m);
            }
        }
        ExitCode::SUCCESS
    }
}

/// `generate`.
pub async fn generate(a: GenerateArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    check_model(&a.model)?;
    let common = Common::from_args(&a.model_args)?;
    let context = match &a.context {
        Some(ctx) => Some(
            serde_json::from_str::<Vec<i64>>(ctx)
                .map_err(|e| usage(format!("--context must be a JSON array of numbers: {e}")))?,
        ),
        None => None,
    };
    let prompt = prompt_of(piped_stdin(ui)?, &a.prompt);
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
        ui,
        args: &a.model_args,
        model: &a.model,
        path: "/api/generate",
        action: "could not generate with",
        doing: "generation with",
    };
    if ui.json {
        req.stream = Some(!job.args.no_stream);
        return job.print_json(client, &req).await;
    }
    let metrics = if job.args.no_stream {
        let r = about_model(client.generate(req).await, job.action, job.model)?;
        job.render_one(&r)?
    } else {
        let stream = about_model(client.generate_stream(req).await, job.action, job.model)?;
        job.render(stream).await?
    };
    Ok(job.done(metrics))
}

/// Reads a JSON array of messages (`--messages`, `/import`).
pub(crate) fn read_messages(path: &Path) -> Result<Vec<Message>> {
    let text = read_input_file(path, "messages file")?;
    serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "`{}` is not a JSON array of messages: {e}",
            path.display()
        ))
    })
}

fn read_tools(path: &Path) -> Result<Vec<Tool>> {
    let text = read_input_file(path, "tools file")?;
    serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "`{}` is not a JSON array of tool definitions: {e}",
            path.display()
        ))
    })
}

/// `chat`: one message from -m or stdin; without either, on a terminal, the
/// interactive session.
pub async fn chat(a: ChatArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    check_model(&a.model)?;
    let common = Common::from_args(&a.model_args)?;
    let mut messages = match &a.messages {
        Some(p) => read_messages(p)?,
        None => Vec::new(),
    };
    let tools = a.tools.as_deref().map(read_tools).transpose()?;
    let text = match (&a.message, ui.stdin_tty) {
        (Some(m), _) => m.clone(),
        (None, false) => {
            let s = piped_stdin(ui)?.unwrap_or_default();
            if s.trim().is_empty() {
                return Err(usage("stdin is empty: give a message with -m or on stdin"));
            }
            s.trim_end().to_string()
        }
        (None, true) => {
            if !ui.stdout_tty {
                return Err(usage(
                    "stdout is not a terminal: give a message with -m or on stdin",
                ));
            }
            return crate::repl::run(&a, common, messages, tools, client, ui).await;
        }
    };
    if let Some(system) = &a.system {
        // A system message at the start of --messages is replaced, not
        // followed by a second one.
        match messages.first_mut() {
            Some(first) if first.role == Role::System => first.content = system.clone(),
            _ => messages.insert(0, Message::system(system.as_str())),
        }
    }
    let mut user = Message::user(text);
    if !common.images.is_empty() {
        user.images = Some(common.images);
    }
    messages.push(user);
    let mut req = ChatRequest::new(a.model.as_str(), messages);
    req.tools = tools;
    req.options = common.options;
    req.keep_alive = common.keep_alive;
    req.format = common.format;
    req.think = common.think;
    let job = Job {
        ui,
        args: &a.model_args,
        model: &a.model,
        path: "/api/chat",
        action: "could not chat with",
        doing: "chat with",
    };
    if ui.json {
        req.stream = Some(!job.args.no_stream);
        return job.print_json(client, &req).await;
    }
    let metrics = if job.args.no_stream {
        let r = about_model(client.chat(req).await, job.action, job.model)?;
        job.render_one(&r)?
    } else {
        let stream = about_model(client.chat_stream(req).await, job.action, job.model)?;
        job.render(stream).await?
    };
    Ok(job.done(metrics))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_alive_accepts_seconds_and_go_durations_only() {
        for ok in [
            "300", "-1", "0", "2.5", "5m", "1h30m", "-1s", "+2h", ".5s", "1.5h", "10us", "3µs",
        ] {
            assert!(parse_keep_alive(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "soon", "5 m", "5x", "m", ".", "1..5s", "inf", "NaN", "-", "1h30",
        ] {
            assert!(parse_keep_alive(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_keep_alive("5m").unwrap(),
            KeepAlive::Duration("5m".into())
        );
        assert_eq!(
            parse_keep_alive(" 300 ").unwrap(),
            KeepAlive::Seconds(300.0)
        );
    }
}
