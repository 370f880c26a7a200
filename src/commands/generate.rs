//! `generate` and the one-shot form of `chat`: build the request from the
//! flags, stream tokens to stdout, thinking dimmed (or to stderr when stdout
//! is not a terminal), statistics on stderr.

use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use futures_util::StreamExt;
use ollama_rs::{
    ChatRequest, ChatResponse, Client, Format, GenerateRequest, GenerateResponse, Image, KeepAlive,
    Message, Metrics, Options, Think, Tool,
};

use crate::cli::{ChatArgs, GenerateArgs, ModelArgs};
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
            let valid: Vec<&str> = ollama_rs::options::OPTIONS
                .iter()
                .filter(|s| !s.deprecated)
                .map(|s| s.name)
                .collect();
            match e {
                ollama_rs::options::OptionError::Unknown(_) => {
                    usage(format!("{e} (valid: {})", valid.join(", ")))
                }
                _ => usage(e.to_string()),
            }
        })?;
    }
    Ok(Some(o))
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
            keep_alive: a.keep_alive.as_deref().map(KeepAlive::from),
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

/// Where tokens go, and how thinking is shown.
struct Renderer<'a> {
    ui: &'a Ui,
    out: io::BufWriter<io::StdoutLock<'static>>,
    hide_thinking: bool,
    thinking: bool,
    wrote_any: bool,
    last_newline: bool,
}

impl<'a> Renderer<'a> {
    fn new(ui: &'a Ui, hide_thinking: bool) -> Self {
        Renderer {
            ui,
            out: ui.stdout(),
            hide_thinking,
            thinking: false,
            wrote_any: false,
            last_newline: true,
        }
    }

    fn thinking(&mut self, text: &str) -> Result<()> {
        if self.hide_thinking || text.is_empty() {
            return Ok(());
        }
        if self.ui.stdout_tty {
            if !self.thinking {
                self.thinking = true;
                let head = self.ui.dim_stdout("Thinking...\n");
                self.out.write_all(head.as_bytes())?;
            }
            let t = self.ui.dim_stdout(text);
            self.out.write_all(t.as_bytes())?;
            self.out.flush()?;
        } else {
            // Off a terminal stdout holds only the answer.
            self.thinking = true;
            let mut err = io::stderr().lock();
            err.write_all(text.as_bytes())?;
            err.flush()?;
        }
        Ok(())
    }

    fn content(&mut self, text: &str) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        if self.thinking {
            self.thinking = false;
            if self.ui.stdout_tty {
                let tail = self.ui.dim_stdout("\n...done thinking.\n\n");
                self.out.write_all(tail.as_bytes())?;
            } else {
                eprintln!();
            }
        }
        self.out.write_all(text.as_bytes())?;
        self.out.flush()?;
        self.wrote_any = true;
        self.last_newline = text.ends_with('\n');
        Ok(())
    }

    fn line(&mut self, text: &str) -> Result<()> {
        self.content(text)?;
        self.content("\n")
    }

    fn finish(&mut self) -> Result<()> {
        if self.thinking && !self.ui.stdout_tty {
            eprintln!();
        }
        if self.wrote_any && !self.last_newline {
            self.out.write_all(b"\n")?;
        }
        self.out.flush()?;
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

fn print_json_line(ui: &Ui, v: &impl serde::Serialize) -> Result<()> {
    let mut out = ui.stdout();
    serde_json::to_writer(&mut out, v)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// `generate`.
pub async fn generate(a: GenerateArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    let common = Common::from_args(&a.model_args)?;
    let mut parts = Vec::new();
    if let Some(s) = piped_stdin(ui)? {
        if !s.trim().is_empty() {
            parts.push(s.trim_end().to_string());
        }
    }
    if !a.prompt.is_empty() {
        parts.push(a.prompt.join(" "));
    }
    let prompt = parts.join(" ");
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
    if let Some(ctx) = &a.context {
        let c: Vec<i64> = serde_json::from_str(ctx)
            .map_err(|e| usage(format!("--context must be a JSON array of numbers: {e}")))?;
        req.context = Some(c);
    }
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
    let model = a.model.clone();
    let args = &a.model_args;

    if args.no_stream {
        let r = about_model(
            client.generate(req).await,
            "could not generate with",
            &model,
        )?;
        if ui.json {
            print_json_line(ui, &r)?;
        } else {
            let mut out = Renderer::new(ui, args.hide_thinking);
            if let Some(t) = &r.thinking {
                out.thinking(t)?;
            }
            out.content(&r.response)?;
            out.finish()?;
        }
        if args.verbose {
            print_stats(&r.metrics());
        }
        return Ok(ExitCode::SUCCESS);
    }

    let mut stream = about_model(
        client.generate_stream(req).await,
        "could not generate with",
        &model,
    )?;
    let mut out = Renderer::new(ui, args.hide_thinking);
    let mut last: Option<GenerateResponse> = None;
    while let Some(item) = stream.next().await {
        let r = match item {
            Ok(r) => r,
            Err(e) => {
                out.finish()?;
                return Err(
                    anyhow::Error::new(e).context(format!("generation with `{model}` failed"))
                );
            }
        };
        if ui.json {
            print_json_line(ui, &r)?;
        } else {
            if let Some(t) = &r.thinking {
                out.thinking(t)?;
            }
            out.content(&r.response)?;
        }
        if r.done {
            last = Some(r);
        }
    }
    out.finish()?;
    if args.verbose {
        if let Some(r) = &last {
            print_stats(&r.metrics());
        }
    }
    Ok(ExitCode::SUCCESS)
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
        messages.insert(0, Message::system(system.as_str()));
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
    let model = a.model.clone();
    let args = &a.model_args;

    let mut out = Renderer::new(ui, args.hide_thinking);
    let show = |r: &ChatResponse, out: &mut Renderer| -> Result<()> {
        if ui.json {
            return print_json_line(ui, r);
        }
        if let Some(t) = &r.message.thinking {
            out.thinking(t)?;
        }
        out.content(&r.message.content)?;
        for call in r.message.tool_calls.iter().flatten() {
            out.line(&call.to_string())?;
        }
        Ok(())
    };
    let last = if args.no_stream {
        let r = about_model(client.chat(req).await, "could not chat with", &model)?;
        show(&r, &mut out)?;
        Some(r)
    } else {
        let mut stream = about_model(client.chat_stream(req).await, "could not chat with", &model)?;
        let mut last = None;
        while let Some(item) = stream.next().await {
            let r = match item {
                Ok(r) => r,
                Err(e) => {
                    out.finish()?;
                    return Err(
                        anyhow::Error::new(e).context(format!("chat with `{model}` failed"))
                    );
                }
            };
            show(&r, &mut out)?;
            if r.done {
                last = Some(r);
            }
        }
        last
    };
    out.finish()?;
    if args.verbose {
        if let Some(r) = &last {
            print_stats(&r.metrics());
        }
    }
    Ok(ExitCode::SUCCESS)
}
