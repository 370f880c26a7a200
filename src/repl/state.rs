//! The interactive loop's state ([`Repl`]) and what every part of it uses:
//! writing to the screen, the history, Ctrl-C.

use std::future::Future;
use std::io::{self, Write};

use ollama_rs::Client;

use super::env::{Env, InterruptFn, LineSource};
use super::input::Multiline;
use super::session::Session;
use crate::exit;

/// Whether the loop goes on.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Flow {
    Continue,
    Exit,
}

/// Runs `fut` unless Ctrl-C comes first.
pub(super) async fn unless_interrupted<T>(
    interrupt: &InterruptFn,
    fut: impl Future<Output = T>,
) -> Option<T> {
    let stop = interrupt();
    tokio::select! {
        v = fut => Some(v),
        _ = stop => None,
    }
}

/// Whether an error says the model is not installed.
pub(super) fn is_not_found(e: &anyhow::Error) -> bool {
    exit::code(e) == exit::NOT_FOUND
}

/// The interactive loop.
pub struct Repl<'c, L, O, E> {
    /// The conversation and settings.
    pub session: Session,
    /// The server.
    pub(super) client: &'c Client,
    /// Where lines come from.
    pub(super) lines: L,
    /// Replies and command output.
    pub out: O,
    /// Errors, warnings, statistics.
    pub err: E,
    /// The surroundings: width, Ctrl-C, progress, colour, home.
    pub(super) env: Env,
    /// Saving the history failed once (and was said).
    pub(super) history_failed: bool,
    /// Lines typed at a `"""` block that is still open.
    pub(super) multiline: Option<Multiline>,
    /// The last message sent, when its request failed (or was stopped
    /// before any reply) and so is not in the conversation: `/retry` sends
    /// it again. Sending anything else, `/clear`, `/load` and `/import`
    /// drop it.
    pub(super) unsent: Option<String>,
    /// The tools of `--mcp`, `--mcp-server` and `--web`, run when the
    /// model calls them.
    pub(super) toolbox: Option<crate::tools::Toolbox>,
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
            toolbox: None,
        }
    }

    /// Writes a line (or lines) of output.
    pub(super) fn say(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }

    /// Writes a line on the error stream.
    pub(super) fn warn(&mut self, text: &str) -> io::Result<()> {
        writeln!(self.err, "{text}")?;
        self.err.flush()
    }

    /// Reports an error on one line; the session goes on.
    pub(super) fn error(&mut self, e: &anyhow::Error) -> io::Result<()> {
        let prefix = crate::render::style::error_label();
        writeln!(self.err, "{prefix} {}", exit::message(e))?;
        self.err.flush()
    }

    /// Adds a line to the history; says once if saving it fails.
    pub(super) fn remember(&mut self, entry: &str) -> io::Result<()> {
        if let Err(e) = self.lines.remember(entry) {
            if !self.history_failed {
                self.history_failed = true;
                self.warn(&format!("warning: could not save the history: {e}"))?;
            }
        }
        Ok(())
    }
}
