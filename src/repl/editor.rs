//! The terminal line source: rustyline with Emacs bindings, a history file,
//! Tab completion from the command table, and the dimmed placeholder of an
//! empty prompt.
//!
//! Nothing typed is lost: bytes read past the end of a line (a burst of
//! lines in one write, a paste without bracketed paste, keys typed during
//! a reply) are kept by rustyline for the next line (its `buffer-redux`
//! feature; without it they are dropped with the line's reader), and the
//! editor never asks the terminal where the cursor is (`ESC [ 6 n`): its
//! answer is read from the same input, so a key typed before the answer
//! arrived was taken for it and lost, and the answer then arrived as keys.
//! The loop's output always ends its lines, so the prompt starts in the
//! first column without asking. Between lines the terminal is kept quiet
//! ([`super::tty`]).

use std::borrow::Cow;
use std::io;
use std::path::PathBuf;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::config::{CompletionType, Config, EditMode};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::Validator;
use rustyline::{
    Cmd, ConditionalEventHandler, Context, Editor, Event, EventContext, EventHandler, KeyEvent,
    Movement, RepeatCount,
};

use super::commands::{self, Complete};
use super::env::{Input, LineSource, Prompt};
use super::history;
use super::tty::Quiet;
use crate::render::style::dim;

/// Completion and the placeholder for the editor.
pub struct Helper {
    models: Vec<String>,
    files: FilenameCompleter,
    /// Shown dimmed while the line is empty.
    placeholder: Option<&'static str>,
}

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = &line[..pos];
        let Some((start, kind)) = commands::completion_context(head) else {
            return Ok((pos, Vec::new()));
        };
        let words: Vec<String> = match kind {
            Complete::Files => return self.files.complete(line, pos, ctx),
            Complete::Models => self
                .models
                .iter()
                .filter(|m| m.starts_with(&head[start..]))
                .cloned()
                .collect(),
            kind => commands::candidates(head, start, kind),
        };
        let pairs = words
            .into_iter()
            .map(|w| Pair {
                display: w.clone(),
                // A finished word gets its blank, as in a shell.
                replacement: format!("{w} "),
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for Helper {
    type Hint = String;

    /// The placeholder, while the line is empty.
    fn hint(&self, line: &str, _pos: usize, _ctx: &Context<'_>) -> Option<String> {
        self.placeholder
            .filter(|_| line.is_empty())
            .map(str::to_string)
    }
}

impl Highlighter for Helper {
    /// The placeholder is the only hint: dimmed (rustyline asks only when
    /// it may write colours).
    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(dim(hint, true))
    }
}

impl Validator for Helper {}

impl rustyline::Helper for Helper {}

/// Ctrl-C clears a line that has text; on an empty line it interrupts, so
/// the loop can tell the user how to leave.
struct CtrlC;

impl ConditionalEventHandler for CtrlC {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext<'_>) -> Option<Cmd> {
        if ctx.line().is_empty() {
            None
        } else {
            Some(Cmd::Kill(Movement::WholeBuffer))
        }
    }
}

/// Lines from the terminal.
pub struct Terminal {
    editor: Editor<Helper, FileHistory>,
    /// The history file, when the platform has a data directory.
    path: Option<PathBuf>,
    enabled: bool,
    /// Show the prompt's placeholder (the terminal takes colours).
    placeholders: bool,
    /// The terminal kept quiet between lines, when it is.
    quiet: Option<Quiet>,
}

impl Terminal {
    /// An editor keeping history in `path` unless `enabled` is false.
    pub fn new(path: Option<PathBuf>, enabled: bool) -> io::Result<Terminal> {
        let config = Config::builder()
            .edit_mode(EditMode::Emacs)
            .completion_type(CompletionType::List)
            .auto_add_history(false)
            // The answer would be read from the input, where typed keys are.
            .check_cursor_position(false)
            .max_history_size(history::MAX_ENTRIES)
            .and_then(|b| b.history_ignore_dups(true))
            .map_err(io::Error::other)?
            .build();
        let mut editor: Editor<Helper, FileHistory> =
            Editor::with_config(config).map_err(io::Error::other)?;
        editor.set_helper(Some(Helper {
            models: Vec::new(),
            files: FilenameCompleter::new(),
            placeholder: None,
        }));
        editor.bind_sequence(
            KeyEvent::ctrl('C'),
            EventHandler::Conditional(Box::new(CtrlC)),
        );
        let mut t = Terminal {
            editor,
            path,
            enabled,
            placeholders: false,
            quiet: None,
        };
        if enabled {
            t.load();
        }
        Ok(t)
    }

    /// Shows each prompt's placeholder, dimmed; `color` false (the
    /// placeholder could not be told from typed text) shows none.
    pub fn with_placeholders(mut self, color: bool) -> Terminal {
        self.placeholders = color;
        self
    }

    /// Keeps the terminal quiet between lines ([`Quiet`]) until dropped;
    /// `on` false (a terminal the editor reads cooked lines on) does not.
    pub fn quiet_between_lines(mut self, on: bool) -> Terminal {
        self.quiet = Some(Quiet::stdin(on));
        self
    }

    fn load(&mut self) {
        if let Some(path) = &self.path {
            if path.is_file() {
                history::tighten(path);
                // A damaged file must not keep the session from starting.
                let _ = self.editor.load_history(path);
            }
        }
    }
}

impl LineSource for Terminal {
    fn read_line(&mut self, prompt: Prompt<'_>) -> io::Result<Input> {
        let placeholder = prompt.placeholder.filter(|_| self.placeholders);
        if let Some(h) = self.editor.helper_mut() {
            h.placeholder = placeholder;
        }
        let read = self.editor.readline(prompt.text);
        if let Some(q) = &mut self.quiet {
            q.after_line();
        }
        match read {
            Ok(line) => Ok(Input::Line(line)),
            Err(ReadlineError::Interrupted) => Ok(Input::Interrupted),
            Err(ReadlineError::Eof) => Ok(Input::Eof),
            Err(ReadlineError::Io(e)) => Err(e),
            Err(e) => Err(io::Error::other(e)),
        }
    }

    fn remember(&mut self, entry: &str) -> io::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let added = self
            .editor
            .add_history_entry(entry)
            .map_err(io::Error::other)?;
        match &self.path {
            // The same line twice in a row is kept once.
            Some(path) if added => history::append(path, entry),
            _ => Ok(()),
        }
    }

    fn set_history(&mut self, on: bool) {
        self.enabled = on;
    }

    fn set_models(&mut self, models: Vec<String>) {
        if let Some(h) = self.editor.helper_mut() {
            h.models = models;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustyline::history::{DefaultHistory, History};

    fn complete(h: &Helper, line: &str) -> (usize, Vec<String>) {
        let history = DefaultHistory::new();
        let ctx = Context::new(&history);
        let (start, pairs) = h.complete(line, line.len(), &ctx).unwrap();
        (start, pairs.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn completes_commands_and_model_names() {
        let h = Helper {
            models: vec![
                "tiny:latest".into(),
                "tiny-coder:latest".into(),
                "big:7b".into(),
            ],
            files: FilenameCompleter::new(),
            placeholder: None,
        };
        assert_eq!(complete(&h, "/lo"), (0, vec!["/load ".to_string()]));
        assert_eq!(
            complete(&h, "/load tiny"),
            (
                6,
                vec!["tiny:latest ".to_string(), "tiny-coder:latest ".to_string()]
            )
        );
        assert_eq!(
            complete(&h, "/show mo"),
            (6, vec!["modelfile ".to_string()])
        );
        assert_eq!(complete(&h, "plain text"), (10, Vec::new()));
    }

    #[test]
    fn the_placeholder_shows_dimmed_in_an_empty_line_only() {
        let mut h = Helper {
            models: Vec::new(),
            files: FilenameCompleter::new(),
            placeholder: Prompt::MAIN.placeholder,
        };
        let history = DefaultHistory::new();
        let ctx = Context::new(&history);
        assert_eq!(
            h.hint("", 0, &ctx).as_deref(),
            Some("Send a message (/? for help)")
        );
        assert_eq!(h.hint("h", 1, &ctx), None);
        assert_eq!(h.highlight_hint("Send"), "\x1b[2mSend\x1b[0m");
        h.placeholder = Prompt::CONTINUED.placeholder;
        assert_eq!(h.hint("", 0, &ctx), None);
    }

    #[test]
    fn two_sessions_typing_at_once_keep_every_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("history");
        let start = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            for who in ["left", "right"] {
                let (path, start) = (path.clone(), &start);
                s.spawn(move || {
                    let mut t = Terminal::new(Some(path), true).unwrap();
                    start.wait();
                    for i in 0..300 {
                        t.remember(&format!("{who} {i}\nsecond line")).unwrap();
                    }
                });
            }
        });
        let t = Terminal::new(Some(path), true).unwrap();
        let read: Vec<&String> = t.editor.history().iter().collect();
        assert_eq!(read.len(), 600);
        for who in ["left", "right"] {
            let mine: Vec<&&String> = read.iter().filter(|e| e.starts_with(who)).collect();
            let want: Vec<String> = (0..300)
                .map(|i| format!("{who} {i}\nsecond line"))
                .collect();
            assert_eq!(mine.len(), 300);
            assert!(mine.iter().zip(&want).all(|(a, b)| **a == b));
        }
    }

    #[test]
    fn history_file_is_bounded_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("history");
        let mut t = Terminal::new(Some(path.clone()), true).unwrap();
        for i in 0..history::MAX_ENTRIES + 20 {
            t.remember(&format!("line {i}")).unwrap();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let entries: Vec<&str> = text.lines().filter(|l| l.starts_with("line ")).collect();
        assert_eq!(entries.len(), history::MAX_ENTRIES);
        assert_eq!(
            entries.last(),
            Some(&format!("line {}", history::MAX_ENTRIES + 19).as_str())
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // Read back by the next session; nothing is written while off.
        let mut t = Terminal::new(Some(path.clone()), true).unwrap();
        assert_eq!(t.editor.history().len(), history::MAX_ENTRIES);
        t.set_history(false);
        t.remember("secret").unwrap();
        assert!(!std::fs::read_to_string(&path).unwrap().contains("secret"));
        let t = Terminal::new(Some(path), false).unwrap();
        assert_eq!(
            t.editor.history().len(),
            0,
            "OLLAMA_NOHISTORY reads nothing"
        );
    }
}
