//! The one renderer of a model's reply as it streams, used by `generate`,
//! one-shot `chat` and the interactive chat: thinking shown dimmed between
//! `Thinking...` and `...done thinking.` (or on stderr, or not at all),
//! the answer (its Markdown drawn with `--markdown`, see
//! [`crate::render::markdown`]), tool calls, and words wrapped at a width
//! when asked. It also records whether it left a line open (see
//! [`crate::render::cursor`]).
//!
//! Two layouts remain, so that each kind of output stays as it was:
//! [`Layout::Stream`] for one-shot commands (their stdout may be a file)
//! and [`Layout::Session`] for the interactive chat. [`ReplyStyle`] says
//! which, along with the wrap width and where thinking goes.

use std::io::{self, Write};

use ollama_rs::{ChatResponse, GenerateResponse, Logprob, Metrics, ToolCall};

use crate::render::cursor::{self, Stream};
use crate::render::markdown::{Markdown, MarkdownStyle};
use crate::render::style::dim;
use crate::render::wrap::Wrapper;

/// What the renderer needs from a generate or chat response.
pub trait Reply {
    /// The thinking in this part, if any.
    fn thinking(&self) -> Option<&str>;
    /// The answer's text in this part.
    fn content(&self) -> &str;
    /// The tool calls in this part.
    fn tool_calls(&self) -> &[ToolCall];
    /// Whether this is the last part.
    fn done(&self) -> bool;
    /// The statistics (in the last part).
    fn metrics(&self) -> Metrics;
    /// The log probabilities of this part's tokens (`--logprobs`).
    fn logprobs(&self) -> &[Logprob] {
        &[]
    }
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
    fn logprobs(&self) -> &[Logprob] {
        self.logprobs.as_deref().unwrap_or_default()
    }
}

/// The `--logprobs` block printed on stderr after the answer: one line per
/// token, its text as a JSON string (so spaces and line breaks show), its
/// log probability, then the most likely alternatives.
pub fn logprobs_text(logprobs: &[Logprob]) -> String {
    let mut s = String::from("log probabilities (token, logprob, most likely tokens):\n");
    for lp in logprobs {
        let token = serde_json::to_string(&lp.token).unwrap_or_default();
        let mut line = format!("  {token:<16} {:>8.4}", lp.logprob);
        let top: Vec<String> = lp
            .top_logprobs
            .iter()
            .flatten()
            .map(|t| {
                let token = serde_json::to_string(&t.token).unwrap_or_default();
                format!("{token} {:.4}", t.logprob)
            })
            .collect();
        if !top.is_empty() {
            line.push_str("    ");
            line.push_str(&top.join(", "));
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
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

/// Where the line breaks of a reply go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One-shot output: a tool call starts a line of its own; a line has
    /// ended when the last byte written is a newline (so, with colour, not
    /// after a dimmed block, which ends with an escape code: a reply that
    /// ends with its thinking gets one more newline).
    Stream,
    /// The interactive chat: thinking that follows text starts a line of
    /// its own, a tool call follows the text as it is; a line has ended
    /// when the cursor is in the first column.
    Session,
}

/// How a reply is drawn, from the settings and the command.
#[derive(Debug, Clone, Copy)]
pub struct ReplyStyle {
    /// Line breaks (see [`Layout`]).
    pub layout: Layout,
    /// Wrap words at this many columns (`None`: the text as it comes).
    pub wrap: Option<usize>,
    /// `--hide-thinking`: show no thinking at all.
    pub hide_thinking: bool,
    /// Thinking goes to stdout between markers; otherwise to stderr,
    /// without markers, so that stdout holds only the answer.
    pub thinking_on_stdout: bool,
    /// Dim thinking on stdout.
    pub dim_stdout: bool,
    /// Dim thinking on stderr.
    pub dim_stderr: bool,
    /// Draw the answer's Markdown (`--markdown`; only on a terminal).
    pub markdown: Option<MarkdownStyle>,
    /// `out` and `err` are the process's stdout and stderr, on terminals
    /// where they are: whether a line is left open on each is recorded
    /// in [`cursor`] (for the message of an interrupted command).
    pub record_cursor: [bool; 2],
}

/// Draws one reply, part by part, to `out` (and thinking to `err` when it
/// does not go to `out`). A failure to write to `err` is ignored: it must
/// not stop the answer.
pub struct Renderer<O: Write, E: Write> {
    style: ReplyStyle,
    out: O,
    err: E,
    wrap: Wrapper,
    /// Draws the answer when `--markdown` is on.
    markdown: Option<Markdown>,
    /// Thinking was shown and the answer has not started yet.
    in_thinking: bool,
    /// The thinking shown so far ends with a newline.
    thinking_at_line_start: bool,
    /// Nothing is on `out` yet, or the last bytes written to it (escape
    /// codes included) end with a newline.
    out_at_line_start: bool,
    /// Flush `out` after each part (else the caller does, see
    /// [`Renderer::batched`]).
    flush_each: bool,
}

impl<O: Write, E: Write> Renderer<O, E> {
    /// A renderer of one reply.
    pub fn new(style: ReplyStyle, out: O, err: E) -> Self {
        Renderer {
            style,
            out,
            err,
            wrap: Wrapper::new(style.wrap),
            markdown: style.markdown.map(Markdown::new),
            in_thinking: false,
            thinking_at_line_start: true,
            out_at_line_start: true,
            flush_each: true,
        }
    }

    /// Leaves flushing `out` to the caller ([`Renderer::flush`]): it
    /// flushes when no more of the reply has arrived, so that tokens that
    /// came together are written together (one `write` instead of one
    /// per token), and a token that came alone is still shown at once.
    pub fn batched(mut self) -> Self {
        self.flush_each = false;
        self
    }

    /// Writes out what `out` holds.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Whether `out` is at the start of a line (see [`Layout`]).
    fn at_line_start(&self) -> bool {
        match self.style.layout {
            Layout::Stream => self.out_at_line_start,
            Layout::Session => self.cursor_at_line_start(),
        }
    }

    /// Whether the cursor on `out` is in the first column.
    fn cursor_at_line_start(&self) -> bool {
        self.wrap.at_line_start() && self.markdown.as_ref().is_none_or(Markdown::at_line_start)
    }

    /// Writes a chunk to `out` and flushes (unless
    /// [`Renderer::batched`]), so that each token shows as it arrives.
    fn write_out(&mut self, chunk: &str) -> io::Result<()> {
        if !chunk.is_empty() {
            self.out_at_line_start = chunk.ends_with('\n');
        }
        if self.style.record_cursor[0] {
            cursor::set_mid_line(Stream::Stdout, !self.cursor_at_line_start());
        }
        self.out.write_all(chunk.as_bytes())?;
        if self.flush_each {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Writes text to `out`, wrapped, dimmed if asked.
    fn emit(&mut self, text: &str, dimmed: bool) -> io::Result<()> {
        let mut chunk = String::new();
        self.wrap.push(text, &mut chunk);
        let chunk = dim(&chunk, dimmed && self.style.dim_stdout);
        self.write_out(&chunk)
    }

    /// Writes text of the answer: through the Markdown renderer when on.
    fn emit_answer(&mut self, text: &str) -> io::Result<()> {
        let Some(md) = self.markdown.as_mut() else {
            return self.emit(text, false);
        };
        let mut chunk = String::new();
        md.push(text, &mut chunk);
        self.write_out(&chunk)?;
        self.out_at_line_start = self.cursor_at_line_start();
        Ok(())
    }

    /// Draws what the Markdown renderer still holds (the last line, a
    /// table), ending the line.
    fn end_markdown(&mut self) -> io::Result<()> {
        let Some(md) = self.markdown.as_mut() else {
            return Ok(());
        };
        let mut chunk = String::new();
        md.finish(&mut chunk);
        if !chunk.is_empty() {
            self.write_out(&chunk)?;
            self.out_at_line_start = true;
        }
        Ok(())
    }

    /// Writes thinking to `err`.
    fn write_err(&mut self, text: &str) {
        let t = dim(text, self.style.dim_stderr);
        let _ = self.err.write_all(t.as_bytes());
        let _ = self.err.flush();
        if self.style.record_cursor[1] && !text.is_empty() {
            cursor::set_mid_line(Stream::Stderr, !text.ends_with('\n'));
        }
    }

    /// Shows thinking.
    pub fn thinking(&mut self, text: &str) -> io::Result<()> {
        if self.style.hide_thinking || text.is_empty() {
            return Ok(());
        }
        if self.style.thinking_on_stdout {
            if !self.in_thinking {
                self.end_markdown()?;
                if self.style.layout == Layout::Session && !self.at_line_start() {
                    self.emit("\n", false)?;
                }
                self.emit("Thinking...\n", true)?;
            }
            self.emit(text, true)?;
        } else {
            self.write_err(text);
        }
        self.in_thinking = true;
        self.thinking_at_line_start = text.ends_with('\n');
        Ok(())
    }

    /// Closes the thinking block, if one is open.
    fn end_thinking(&mut self) -> io::Result<()> {
        if !self.in_thinking {
            return Ok(());
        }
        self.in_thinking = false;
        let at_line_start = match self.style.layout {
            Layout::Stream => self.thinking_at_line_start,
            Layout::Session => self.wrap.at_line_start(),
        };
        if self.style.thinking_on_stdout {
            let lead = if at_line_start { "" } else { "\n" };
            self.emit(&format!("{lead}...done thinking.\n\n"), true)
        } else {
            if !at_line_start {
                self.write_err("\n");
            }
            Ok(())
        }
    }

    /// Shows text of the answer.
    pub fn content(&mut self, text: &str) -> io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        self.end_thinking()?;
        self.emit_answer(text)
    }

    /// Shows a tool call.
    pub fn tool_call(&mut self, call: &ToolCall) -> io::Result<()> {
        let text = format!("{call}\n");
        match self.style.layout {
            Layout::Session if self.markdown.is_none() => self.content(&text),
            _ => {
                self.end_thinking()?;
                self.end_markdown()?;
                if !self.at_line_start() {
                    self.emit("\n", false)?;
                }
                self.emit(&text, false)
            }
        }
    }

    /// Shows one part of a reply.
    pub fn show(&mut self, r: &impl Reply) -> io::Result<()> {
        if let Some(t) = r.thinking() {
            self.thinking(t)?;
        }
        self.content(r.content())?;
        for call in r.tool_calls() {
            self.tool_call(call)?;
        }
        Ok(())
    }

    /// Ends the reply: closes thinking and ends the last line.
    pub fn finish(&mut self) -> io::Result<()> {
        self.end_thinking()?;
        self.end_markdown()?;
        let mut tail = String::new();
        match self.style.layout {
            Layout::Session => self.wrap.finish(&mut tail),
            Layout::Stream if !self.out_at_line_start => {
                self.wrap.finish(&mut String::new());
                tail.push('\n');
            }
            Layout::Stream => {}
        }
        if !tail.is_empty() {
            self.out_at_line_start = true;
        }
        self.write_out(&tail)?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests;
