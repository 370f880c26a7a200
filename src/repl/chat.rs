//! The loop: lines read and answered, messages sent, replies streamed
//! through the shared renderer after a spinner while the first token is
//! awaited.

use std::io::{self, Write};

use anyhow::Result;
use futures_util::StreamExt;
use ollama_rs::{ChatResponse, Image, Message, ToolCall};

use super::commands;
use super::env::{Input, LineSource, Prompt};
use super::input::{find_images, image_path, words, Multiline, Target};
use super::state::{Flow, Repl};
use crate::exit::about_model;
use crate::render::markdown::MarkdownStyle;
use crate::render::reply::{Layout, Renderer, ReplyStyle};
use crate::render::stats::stats_text;
use crate::render::wrap;

impl<'c, L: LineSource, O: Write, E: Write> Repl<'c, L, O, E> {
    /// Reads and answers lines until `/bye` or Ctrl-D.
    pub async fn run(&mut self) -> Result<()> {
        loop {
            let prompt = if self.multiline.is_some() {
                Prompt::CONTINUED
            } else {
                Prompt::MAIN
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
    pub(super) async fn line(&mut self, line: &str) -> Result<Flow> {
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
                        && words(line).first().is_some_and(|(_, w)| {
                            image_path(w, self.env.home.as_deref()).is_some()
                        });
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

    /// Acts on a closed `"""` block: sends the message or sets the system message.
    pub(super) async fn closed(&mut self, target: Target, text: String) -> Result<()> {
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
    pub(super) async fn send(&mut self, text: &str) -> Result<()> {
        self.unsent = None;
        let kept = self.session.messages.len();
        let session_images = std::mem::take(&mut self.session.images);
        let mut msg = Message::user(text);
        let mut images = session_images.clone();
        if self.session.has("vision") {
            let (rest, paths) = find_images(text, self.env.home.as_deref());
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
    pub(super) async fn reply(&mut self) -> Result<bool> {
        if self.toolbox.is_some() {
            return self.reply_with_tools().await;
        }
        let style = self.reply_style();
        let hide_thinking = style.hide_thinking;
        let mut view = Renderer::new(style, &mut self.out, io::sink());
        let model = self.session.model.clone();
        let req = self.session.request();
        let client = self.client;
        let mut stop = (self.env.interrupt)();
        let mut waiting = self.env.waiting();
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
                    waiting.stop_for(&r, hide_thinking);
                    view.show(&r)?;
                    if let Some(t) = &r.message.thinking {
                        thinking.push_str(t);
                    }
                    content.push_str(&r.message.content);
                    calls.extend(r.message.tool_calls.iter().flatten().cloned());
                    if r.done {
                        last = Some(r);
                    }
                },
            }
        } else {
            stopped = true;
        }
        waiting.stop();
        view.finish()?;
        drop(view);
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

    /// How replies are drawn in the session: wrapped at the terminal's
    /// width unless `/set nowordwrap`, thinking dimmed on stdout.
    pub(super) fn reply_style(&self) -> ReplyStyle {
        let width = (self.env.width)();
        let limit = if self.session.wordwrap {
            wrap::limit(width)
        } else {
            None
        };
        let markdown = self.session.markdown.then(|| MarkdownStyle {
            color: self.env.color,
            wrap: limit,
            columns: width.unwrap_or(80),
            rows: crate::settings::terminal_rows().unwrap_or(24),
        });
        ReplyStyle {
            layout: Layout::Session,
            wrap: limit,
            hide_thinking: self.session.hide_thinking,
            // The chat runs on a terminal.
            thinking_on_stdout: true,
            dim_stdout: self.env.color,
            dim_stderr: false,
            markdown,
            // The chat handles Ctrl-C itself.
            record_cursor: [false; 2],
        }
    }
}
