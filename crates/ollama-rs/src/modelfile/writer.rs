//! Writing a Modelfile back as text.
//!
//! A value is written bare when it can be (one line, no blanks at either
//! end, not empty, not starting with a quote); otherwise it is quoted with
//! `"""…"""` if it contains `"` and `"…"` if not. [`Modelfile::write`]
//! checks each command by parsing its text back.
//!
//! Some values cannot be written so that they read back unchanged, because
//! the grammar has no escapes: a multi-line value with an inner line that
//! ends in `"""` (it closes the value early), or a CR (the parser reads
//! it as a line break). [`Modelfile::write`]
//! refuses those; [`Display`](fmt::Display) writes them with the preferred
//! quoting, knowing they will read back differently.

use std::fmt;

use super::parser::parse;
use super::syntax::{Command, Instruction, Modelfile};

/// A command that cannot be written so that it parses back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot write command {} ({kind}) so that it reads back unchanged: {reason}", .index + 1)]
pub struct WriteError {
    /// The 0-based index of the command in [`Modelfile::commands`].
    pub index: usize,
    /// Its instruction.
    pub kind: Instruction,
    /// Why.
    pub reason: String,
}

/// The instruction and name part of a command's text: `PARAMETER stop`.
fn head(c: &Command) -> String {
    match (&c.name, c.kind.takes_name()) {
        (Some(name), true) => format!("{} {name}", c.kind),
        _ => c.kind.to_string(),
    }
}

/// How the value is written. Bare when possible; else `"""…"""` when the
/// value has a quote and `"…"` when not. Trying the other quoting as a
/// fallback would never help: a value that defeats `"""…"""` has an inner
/// line ending in `"""`, which also closes `"…"` early, and a value without
/// quotes only defeats `"…"` through a CR, which defeats both.
fn quoted(v: &str) -> String {
    let needs_quotes = v.is_empty()
        || v.contains('\n')
        || v.starts_with(char::is_whitespace)
        || v.ends_with(char::is_whitespace)
        || v.starts_with('"');
    if !needs_quotes {
        v.to_string()
    } else if v.contains('"') {
        format!("\"\"\"{v}\"\"\"")
    } else {
        format!("\"{v}\"")
    }
}

/// The text of one command (without a line ending).
fn command_text(c: &Command) -> String {
    format!("{} {}", head(c), quoted(&c.args))
}

/// Whether the text of a command parses back to it, or else why not.
fn check(c: &Command, text: &str) -> Result<(), String> {
    match (c.kind.takes_name(), &c.name) {
        (true, None) => return Err(format!("\"{}\" needs a name", c.kind.name())),
        (false, Some(_)) => return Err(format!("\"{}\" takes no name", c.kind.name())),
        _ => {}
    }
    let mf = parse(text).map_err(|e| e.kind.to_string())?;
    match mf.commands.as_slice() {
        [back] if back.kind == c.kind && back.name == c.name && back.args == c.args => Ok(()),
        _ => Err(
            "the value has an inner line ending in a quote that closes it early, \
                  or a carriage return (read as a line break); no quoting keeps it"
                .to_string(),
        ),
    }
}

pub(super) fn write_strict(mf: &Modelfile) -> Result<String, WriteError> {
    let mut out = String::new();
    for (index, c) in mf.commands.iter().enumerate() {
        let text = command_text(c);
        check(c, &text).map_err(|reason| WriteError {
            index,
            kind: c.kind,
            reason,
        })?;
        out.push_str(&text);
        out.push('\n');
    }
    Ok(out)
}

impl fmt::Display for Modelfile {
    /// One command per line (a quoted value may span several), each ending
    /// with a line break; the same text as [`Modelfile::write`] when that
    /// succeeds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.commands {
            writeln!(f, "{}", command_text(c))?;
        }
        Ok(())
    }
}

impl Modelfile {
    /// The text of this Modelfile, or an error naming the first command
    /// whose text would not parse back to the same command (see
    /// [`WriteError`]). The [`Display`](fmt::Display) output is the same
    /// text whenever this succeeds.
    pub fn write(&self) -> Result<String, WriteError> {
        write_strict(self)
    }
}
