//! One-shot `chat` with tools (`--mcp`, `--mcp-server`, `--web`): the
//! reply on stdout as it comes, each tool call and result on stderr (dimmed
//! on a terminal); with `--json`, the server's objects and one
//! `{"tool_call": ...}` and `{"tool_result": ...}` line per call on stdout.
//! Off a terminal a call that is not allowed is refused, never waited on.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use ollama_rs::{ChatRequest, ChatResponse, Client, Message};
use serde_json::{json, Value};

use crate::cli::{ModelArgs, ProgressMode};
use crate::exit::{ModelContext, NOT_FOUND};
use crate::render::progress::{pull_missing, say};
use crate::render::reply::{Renderer, ReplyStyle};
use crate::render::stats::stats_text;
use crate::render::style::{dim, warning_label};
use crate::render::tools::{ask_line, call_line};
use crate::render::waiting::Waiting;
use crate::settings::Settings;
use crate::tools::run::{converse, parse_answer, Answer, Call, Done, Outcome, View};
use crate::tools::Toolbox;
use crate::ui::progress::Style;

/// A warning line on stderr.
pub fn warn(text: &str) {
    let _ = writeln!(
        io::stderr().lock(),
        "ollama-rs: {} {}",
        warning_label(),
        crate::exit::one_line(text)
    );
}

/// What the one-shot chat shows.
struct OneShot<'s> {
    settings: &'s Settings,
    style: ReplyStyle,
    reply: Option<Renderer<io::BufWriter<io::StdoutLock<'static>>, io::Stderr>>,
    /// The last call was refused (and said so in a warning).
    refused: bool,
    /// The spinner while the model's answer is awaited (see `spin`).
    waiting: Waiting,
    /// stderr is a terminal that can redraw: the spinner is shown.
    spin: bool,
}

impl OneShot<'_> {
    fn json_line(&self, v: &Value) -> Result<()> {
        let mut out = self.settings.stdout();
        crate::ui::write_json_line(&mut out, v)
    }

    fn note(&self, text: &str) {
        let _ = writeln!(
            io::stderr().lock(),
            "{}",
            dim(text, self.settings.color_stderr)
        );
    }

    fn event(call: &Call<'_>) -> serde_json::Map<String, Value> {
        let mut m = serde_json::Map::new();
        m.insert("round".into(), call.round.into());
        m.insert("id".into(), call.id.into());
        m.insert("name".into(), call.name.into());
        m.insert("server".into(), call.server.into());
        m.insert("tool".into(), call.tool.into());
        m.insert("arguments".into(), Value::Object(call.arguments.clone()));
        m
    }
}

impl View for OneShot<'_> {
    fn part(&mut self, raw: &Value, part: &ChatResponse) -> Result<()> {
        if self.settings.json {
            return self.json_line(raw);
        }
        self.waiting.stop_for(part, self.style.hide_thinking);
        // The calls get lines of their own, from the loop.
        let mut shown = part.clone();
        shown.message.tool_calls = None;
        let style = self.style;
        let settings = self.settings;
        self.reply
            .get_or_insert_with(|| Renderer::new(style, settings.stdout(), io::stderr()))
            .show(&shown)?;
        Ok(())
    }

    fn end_reply(&mut self) -> Result<()> {
        self.waiting.stop();
        if let Some(mut r) = self.reply.take() {
            r.finish()?;
        }
        Ok(())
    }

    async fn ask(&mut self, call: &Call<'_>) -> Result<Answer> {
        self.waiting.stop();
        let question = ask_line(call.server, call.tool, call.arguments);
        let _ = write!(io::stderr().lock(), "{question}");
        let _ = io::stderr().flush();
        // Read on another thread, so that Ctrl-C is seen meanwhile.
        let line = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            io::stdin().read_line(&mut line).map(|_| line)
        })
        .await??;
        Ok(parse_answer(&line))
    }

    fn call(&mut self, call: &Call<'_>) -> Result<()> {
        self.waiting.stop();
        if self.settings.json {
            return self.json_line(&json!({"tool_call": Value::Object(OneShot::event(call))}));
        }
        self.note(&call_line(call.server, call.tool, call.arguments));
        Ok(())
    }

    fn refused(&mut self, call: &Call<'_>) -> Result<()> {
        self.waiting.stop();
        self.refused = true;
        let who = format!("{}.{}", call.server, call.tool);
        warn(&format!(
            "refused the call of {who}: no terminal to ask on; allow it with --allow {who} \
             (or --allow-all)"
        ));
        Ok(())
    }

    fn result(&mut self, call: &Call<'_>, outcome: &Outcome) -> Result<()> {
        if self.settings.json {
            let mut m = OneShot::event(call);
            let (result, error) = match &outcome.done {
                Done::Result(text) => (Value::from(text.as_str()), Value::Null),
                Done::Error(e) => (Value::Null, Value::from(e.as_str())),
                Done::Declined => (Value::Null, Value::from(crate::tools::run::DECLINED)),
            };
            m.insert("result".into(), result);
            m.insert("error".into(), error);
            m.insert(
                "declined".into(),
                Value::Bool(outcome.done == Done::Declined),
            );
            m.insert("duration_ms".into(), duration_ms(outcome.duration).into());
            return self.json_line(&json!({"tool_result": Value::Object(m)}));
        }
        if std::mem::take(&mut self.refused) {
            return Ok(());
        }
        self.note(&outcome.line());
        // The results go back to the model: its answer is awaited again.
        self.waiting = Waiting::start(self.spin);
        Ok(())
    }
}

/// Milliseconds, to the microsecond.
fn duration_ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Whether `e` says that the model does not exist (before any answer).
fn model_missing(e: &anyhow::Error) -> bool {
    e.downcast_ref::<ModelContext>()
        .is_some_and(|c| c.action == "could not chat with")
        && crate::exit::code(e) == NOT_FOUND
}

/// Runs one user turn with tools; `req` holds the conversation (the new
/// message last).
pub async fn run(
    req: ChatRequest,
    toolbox: &Toolbox,
    client: &Client,
    settings: &Settings,
    args: &ModelArgs,
    no_pull: bool,
) -> Result<ExitCode> {
    let (no_stream, verbose) = (args.no_stream, args.verbose);
    let spin = settings.progress_style(ProgressMode::Auto) == Style::Bars;
    let mut view = OneShot {
        settings,
        style: super::style::one_shot_style(settings, args),
        reply: None,
        refused: false,
        waiting: Waiting::start(spin),
        spin,
    };
    let mut added: Vec<Message> = Vec::new();
    let mut ended = converse(client, toolbox, &req, &mut added, &mut view, !no_stream).await;
    if let Err(e) = &ended {
        if !no_pull && added.is_empty() && model_missing(e) {
            view.waiting.stop();
            let style = if settings.json {
                Style::Quiet
            } else {
                settings.progress_style(ProgressMode::Auto)
            };
            pull_missing(client, &req.model, style).await?;
            if !settings.json {
                say(&format!("pulled '{}'", req.model));
            }
            view.waiting = Waiting::start(spin);
            ended = converse(client, toolbox, &req, &mut added, &mut view, !no_stream).await;
        }
    }
    view.end_reply()?;
    toolbox.shutdown().await;
    let ended = ended?;
    if ended.limit_reached {
        warn(&format!(
            "stopped after {} requests: the model still asks for tools (raise --max-tool-rounds)",
            ended.rounds
        ));
    }
    if verbose {
        if let Some(last) = &ended.last {
            let _ = io::stderr()
                .lock()
                .write_all(stats_text(&last.metrics()).as_bytes());
        }
    }
    Ok(ExitCode::SUCCESS)
}
