//! Tools in the interactive session: a reply that runs the model's tool
//! calls (each shown dimmed, asked about unless allowed, its result
//! shortened with its size), Ctrl-C during it, and `/tools` and `/mcp`.

use std::cell::RefCell;
use std::io::{self, Write};

use anyhow::Result;
use ollama_rs::{ChatResponse, Message};
use serde_json::Value;

use super::env::{Input, LineSource, Prompt};
use super::state::Repl;
use crate::exit::Interrupted;
use crate::render::reply::{Renderer, ReplyStyle};
use crate::render::stats::stats_text;
use crate::render::style::dim;
use crate::render::tools::{ask_line, call_line};
use crate::render::waiting::Waiting;
use crate::tools::run::{
    close_open_calls, converse, parse_answer, Answer, Call, Outcome, View, CANCELLED,
};

/// Writes to the session's output, which the reply's renderer and the
/// tool lines take turns at.
struct Shared<'a, 'b, O: Write>(&'a RefCell<&'b mut O>);

impl<O: Write> Write for Shared<'_, '_, O> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.borrow_mut().flush()
    }
}

/// What the session shows of a turn with tools.
struct SessionView<'a, 'b, L, O: Write> {
    out: &'a RefCell<&'b mut O>,
    err: &'a mut dyn Write,
    lines: &'a mut L,
    style: ReplyStyle,
    color: bool,
    reply: Option<Renderer<Shared<'a, 'b, O>, io::Sink>>,
    /// Something was shown of the turn.
    shown: bool,
    /// The spinner while the model's answer is awaited.
    waiting: Waiting,
    /// Makes a new spinner, for the next round.
    spinner: &'a dyn Fn() -> Waiting,
}

impl<L: LineSource, O: Write> SessionView<'_, '_, L, O> {
    fn line(&mut self, text: &str) -> Result<()> {
        self.waiting.stop();
        let mut out = self.out.borrow_mut();
        writeln!(out, "{}", dim(text, self.color))?;
        out.flush()?;
        self.shown = true;
        Ok(())
    }
}

impl<L: LineSource, O: Write> View for SessionView<'_, '_, L, O> {
    fn part(&mut self, _raw: &Value, part: &ChatResponse) -> Result<()> {
        let mut shown = part.clone();
        shown.message.tool_calls = None;
        if shown.message.content.is_empty()
            && shown
                .message
                .thinking
                .as_deref()
                .unwrap_or_default()
                .is_empty()
        {
            return Ok(());
        }
        self.waiting.stop_for(&shown, self.style.hide_thinking);
        self.shown = true;
        let (style, out) = (self.style, self.out);
        self.reply
            .get_or_insert_with(|| Renderer::new(style, Shared(out), io::sink()))
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
        match self.lines.read_line(Prompt {
            text: &question,
            placeholder: None,
        })? {
            Input::Line(answer) => Ok(parse_answer(&answer)),
            Input::Interrupted => Err(Interrupted.into()),
            Input::Eof => Ok(Answer::No),
        }
    }

    fn call(&mut self, call: &Call<'_>) -> Result<()> {
        self.line(&call_line(call.server, call.tool, call.arguments))
    }

    fn refused(&mut self, call: &Call<'_>) -> Result<()> {
        self.waiting.stop();
        let who = format!("{}.{}", call.server, call.tool);
        writeln!(
            self.err,
            "warning: refused the call of {who}: stdin or stderr is not a terminal to ask on; \
             allow it with --allow {who} (or --allow-all)"
        )?;
        Ok(())
    }

    fn result(&mut self, _call: &Call<'_>, outcome: &Outcome) -> Result<()> {
        self.line(&outcome.line())?;
        // The results go back to the model: its answer is awaited again.
        self.waiting = (self.spinner)();
        Ok(())
    }
}

impl<'c, L: LineSource, O: Write, E: Write> Repl<'c, L, O, E> {
    /// A reply with the toolbox's tools: the model's calls are run and
    /// their results sent, until it answers without calls. Returns whether
    /// the turn joined the conversation (see [`Repl::reply`]).
    ///
    /// Ctrl-C stops the turn where it is: a running call is cancelled (the
    /// server is told), every call of the answer without a result gets
    /// "the user cancelled this tool call", and what was done stays in the
    /// conversation.
    pub(super) async fn reply_with_tools(&mut self) -> Result<bool> {
        let style = self.reply_style();
        let base = self.session.request();
        let stop = (self.env.interrupt)();
        let mut added: Vec<Message> = Vec::new();
        let toolbox = self.toolbox.as_ref().expect("a toolbox");
        let out = RefCell::new(&mut self.out);
        let env = &self.env;
        let spinner = || env.waiting();
        let mut view = SessionView {
            waiting: spinner(),
            spinner: &spinner,
            out: &out,
            err: &mut self.err,
            lines: &mut self.lines,
            style,
            color: self.env.color,
            reply: None,
            shown: false,
        };
        let outcome = tokio::select! {
            r = converse(self.client, toolbox, &base, &mut added, &mut view, true) => Some(r),
            _ = stop => None,
        };
        view.waiting.stop();
        let _ = view.end_reply();
        let shown = view.shown;
        drop(view);
        let (ended, failure) = match outcome {
            None => (None, Some(anyhow::Error::new(Interrupted))),
            Some(Ok(ended)) => (Some(ended), None),
            Some(Err(e)) => (None, Some(e)),
        };
        let interrupted = failure
            .as_ref()
            .is_some_and(|e| e.downcast_ref::<Interrupted>().is_some());
        if interrupted {
            // Let the cancelled call's notice reach its server.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            close_open_calls(&mut added, CANCELLED);
        }
        if shown {
            self.out.write_all(b"\n")?;
        }
        self.out.flush()?;
        match &failure {
            Some(_) if interrupted => {}
            Some(e) => self.error(e)?,
            None => {}
        }
        if let Some(ended) = &ended {
            if ended.limit_reached {
                self.warn(&format!(
                    "warning: stopped after {} requests: the model still asks for tools",
                    ended.rounds
                ))?;
            }
            if self.session.verbose {
                if let Some(last) = &ended.last {
                    self.err.write_all(stats_text(&last.metrics()).as_bytes())?;
                    self.err.flush()?;
                }
            }
        }
        if added.is_empty() {
            return Ok(false);
        }
        self.session.messages.extend(added);
        Ok(true)
    }

    /// `/tools`, `/tools on NAME`, `/tools off NAME`.
    pub(super) fn tools(&mut self, rest: &str) -> Result<()> {
        let Some(toolbox) = &self.toolbox else {
            self.say("No tools: start the chat with --mcp FILE, --mcp-server COMMAND or --web.")?;
            return Ok(());
        };
        let (sub, name) = super::commands::split_sub(rest);
        let text = match (sub, name.trim()) {
            ("", _) => {
                let listing = toolbox.listing();
                let width = listing.iter().map(|t| t.name.len()).max().unwrap_or(0);
                let mut s = String::new();
                let mut server = None;
                for t in &listing {
                    if server != Some(&t.server) {
                        s.push_str(&format!("{}:\n", t.server));
                        server = Some(&t.server);
                    }
                    let state = if t.enabled { "on" } else { "off" };
                    let real = if t.name != t.tool {
                        format!(" ({}.{})", t.server, t.tool)
                    } else {
                        String::new()
                    };
                    s.push_str(format!("  {:<width$}  {state:<3}{real}", t.name).trim_end());
                    s.push('\n');
                }
                if listing.is_empty() {
                    s.push_str("No tools.\n");
                }
                s
            }
            ("on" | "off", "") => "Usage:\n  /tools on NAME\n  /tools off NAME\n".to_string(),
            (on @ ("on" | "off"), name) => match toolbox.set_enabled(name, on == "on") {
                0 => format!("No tool or server named '{name}'. /tools lists them."),
                1 => format!("Turned {on} 1 tool."),
                n => format!("Turned {on} {n} tools."),
            },
            (other, _) => format!("Unknown command '/tools {other}'. Type /? for help"),
        };
        self.say(&text)?;
        Ok(())
    }

    /// `/mcp`: each server, its transport, state, tools and log file.
    pub(super) fn mcp(&mut self) -> Result<()> {
        let servers = self
            .toolbox
            .as_ref()
            .map(|t| t.servers())
            .unwrap_or_default();
        if servers.is_empty() {
            self.say("No MCP servers: start the chat with --mcp FILE or --mcp-server COMMAND.")?;
            return Ok(());
        }
        let mut s = String::new();
        for server in servers {
            let state = match (&server.exit, server.running) {
                (Some(how), _) => format!("stopped ({how})"),
                (None, true) => "running".to_string(),
                (None, false) => "disconnected".to_string(),
            };
            s.push_str(&format!(
                "{}: {} {}, {}, {} tools\n",
                server.name, server.transport, server.target, state, server.tools
            ));
            if let Some(log) = &server.log {
                s.push_str(&format!("  log: {}\n", log.display()));
            }
        }
        self.say(&s)?;
        Ok(())
    }
}
