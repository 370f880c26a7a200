//! The one renderer of a model's reply as it streams, used by `generate`,
//! one-shot `chat` and the interactive chat: thinking shown dimmed between
//! `Thinking...` and `...done thinking.` (or on stderr, or not at all),
//! the answer, tool calls, and words wrapped at a width when asked.
//!
//! Two layouts remain, so that each kind of output stays as it was:
//! [`Layout::Stream`] for one-shot commands (their stdout may be a file)
//! and [`Layout::Session`] for the interactive chat. [`ReplyStyle`] says
//! which, along with the wrap width and where thinking goes.

use std::io::{self, Write};

use ollama_rs::{ChatResponse, GenerateResponse, Logprob, Metrics, ToolCall};

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
}

/// Draws one reply, part by part, to `out` (and thinking to `err` when it
/// does not go to `out`). A failure to write to `err` is ignored: it must
/// not stop the answer.
pub struct Renderer<O: Write, E: Write> {
    style: ReplyStyle,
    out: O,
    err: E,
    wrap: Wrapper,
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
            Layout::Session => self.wrap.at_line_start(),
        }
    }

    /// Writes text to `out`, wrapped, dimmed if asked, and flushes (unless
    /// [`Renderer::batched`]), so that each token shows as it arrives.
    fn emit(&mut self, text: &str, dimmed: bool) -> io::Result<()> {
        let mut chunk = String::new();
        self.wrap.push(text, &mut chunk);
        let chunk = dim(&chunk, dimmed && self.style.dim_stdout);
        if !chunk.is_empty() {
            self.out_at_line_start = chunk.ends_with('\n');
        }
        self.out.write_all(chunk.as_bytes())?;
        if self.flush_each {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Shows thinking.
    pub fn thinking(&mut self, text: &str) -> io::Result<()> {
        if self.style.hide_thinking || text.is_empty() {
            return Ok(());
        }
        if self.style.thinking_on_stdout {
            if !self.in_thinking {
                if self.style.layout == Layout::Session && !self.at_line_start() {
                    self.emit("\n", false)?;
                }
                self.emit("Thinking...\n", true)?;
            }
            self.emit(text, true)?;
        } else {
            let t = dim(text, self.style.dim_stderr);
            let _ = self.err.write_all(t.as_bytes());
            let _ = self.err.flush();
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
                let _ = self.err.write_all(b"\n");
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
        self.emit(text, false)
    }

    /// Shows a tool call.
    pub fn tool_call(&mut self, call: &ToolCall) -> io::Result<()> {
        let text = format!("{call}\n");
        match self.style.layout {
            Layout::Session => self.content(&text),
            Layout::Stream => {
                self.end_thinking()?;
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
        let mut tail = String::new();
        match self.style.layout {
            Layout::Session => self.wrap.finish(&mut tail),
            Layout::Stream if !self.out_at_line_start => tail.push('\n'),
            Layout::Stream => {}
        }
        if !tail.is_empty() {
            self.out_at_line_start = true;
        }
        self.out.write_all(tail.as_bytes())?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(layout: Layout, thinking_on_stdout: bool) -> ReplyStyle {
        ReplyStyle {
            layout,
            wrap: None,
            hide_thinking: false,
            thinking_on_stdout,
            dim_stdout: false,
            dim_stderr: false,
        }
    }

    /// What a renderer writes to stdout and stderr for these steps.
    fn draw(style: ReplyStyle, steps: &[(&str, &str)]) -> (String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut r = Renderer::new(style, &mut out, &mut err);
        for (kind, text) in steps {
            match *kind {
                "think" => r.thinking(text).unwrap(),
                "text" => r.content(text).unwrap(),
                _ => unreachable!(),
            }
        }
        r.finish().unwrap();
        drop(r);
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn thinking_between_markers_on_stdout() {
        let steps = [("think", "hmm"), ("think", " so"), ("text", "Yes")];
        let want = "Thinking...\nhmm so\n...done thinking.\n\nYes\n";
        for layout in [Layout::Stream, Layout::Session] {
            assert_eq!(draw(style(layout, true), &steps), (want.into(), "".into()));
        }
    }

    #[test]
    fn thinking_on_stderr_leaves_stdout_the_answer() {
        let steps = [("think", "hmm"), ("text", "Yes")];
        assert_eq!(
            draw(style(Layout::Stream, false), &steps),
            ("Yes\n".into(), "hmm\n".into())
        );
    }

    #[test]
    fn a_stream_ending_in_dimmed_thinking_gets_one_more_newline() {
        let mut s = style(Layout::Stream, true);
        s.dim_stdout = true;
        let (out, _) = draw(s, &[("think", "t\n")]);
        assert_eq!(
            out,
            "\u{1b}[2mThinking...\n\u{1b}[0m\u{1b}[2mt\n\u{1b}[0m\
             \u{1b}[2m...done thinking.\n\n\u{1b}[0m\n"
        );
        let mut s = style(Layout::Session, true);
        s.dim_stdout = true;
        let (out, _) = draw(s, &[("think", "t\n")]);
        assert!(out.ends_with("...done thinking.\n\n\u{1b}[0m"), "{out:?}");
    }

    #[test]
    fn thinking_after_text_starts_a_line_in_a_session_only() {
        let steps = [("text", "A"), ("think", "t"), ("text", "B")];
        assert_eq!(
            draw(style(Layout::Session, true), &steps).0,
            "A\nThinking...\nt\n...done thinking.\n\nB\n"
        );
        assert_eq!(
            draw(style(Layout::Stream, true), &steps).0,
            "AThinking...\nt\n...done thinking.\n\nB\n"
        );
    }
}
