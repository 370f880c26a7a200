//! The Modelfile grammar.
//!
//! The text is read line by line. A command starts on a line whose first
//! non-blank character is a letter; its instruction word (ASCII letters)
//! must be followed by a space or a tab. A value runs to the end of the
//! line, unless it starts with a quote: then it runs, over as many lines as
//! needed, until a line whose trimmed text closes it (`"""` for a value
//! opened with `"""`, `"` otherwise). Only the outer quotes are removed.

use std::str::FromStr;

use super::syntax::{
    typed_parameter, Command, Instruction, Modelfile, ParseError, ParseErrorKind, MESSAGE_ROLES,
};

/// Parses Modelfile text.
///
/// Instructions are case-insensitive; blank lines and lines whose first
/// non-blank character is `#` are skipped; a leading byte-order mark is
/// accepted, and a line ends at LF, CRLF or a lone CR, as for the official
/// parser (inside a quoted value, each of them becomes a `\n`). `PARAMETER` keys and values are checked against
/// the option table; deprecated keys are accepted here and reported by
/// [`Modelfile::to_parts`].
///
/// An instruction with nothing after it is an error
/// ([`ParseErrorKind::MissingValue`]); an empty value is written `""`.
///
/// A `FROM` line is not required here: call [`Modelfile::require_from`]
/// when the Modelfile is the only source of the base model.
pub fn parse(text: &str) -> Result<Modelfile, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = split_lines(text);
    let mut commands = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let start = skip_blanks(line, 0);
        if start == line.len() || line[start..].starts_with('#') {
            i += 1;
            continue;
        }
        let (command, used) = parse_command(&lines, i, start)?;
        commands.push(command);
        i += used;
    }
    Ok(Modelfile { commands })
}

/// The lines of `text`, each ending at LF, CRLF or a lone CR (the
/// official parser counts both CR and LF as line breaks).
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['\r', '\n']) {
        lines.push(&rest[..at]);
        let skip = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[at + skip..];
    }
    lines.push(rest);
    lines
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The byte index of the first character at or after `from` that is not a
/// space or tab.
fn skip_blanks(line: &str, from: usize) -> usize {
    line[from..]
        .find(|c: char| !is_blank(c))
        .map_or(line.len(), |n| from + n)
}

/// The 1-based character column of a byte index.
fn column(line: &str, byte: usize) -> usize {
    line[..byte].chars().count() + 1
}

/// Parses the command that starts at byte `start` of line `i`; returns it
/// and how many lines it spans.
fn parse_command(lines: &[&str], i: usize, start: usize) -> Result<(Command, usize), ParseError> {
    let line = lines[i];
    let err = |byte: usize, kind: ParseErrorKind| ParseError {
        line: i + 1,
        column: column(line, byte),
        kind,
        snippet: line.to_string(),
    };

    let word_end = line[start..]
        .find(|c: char| !c.is_ascii_alphabetic())
        .map_or(line.len(), |n| start + n);
    let kind: Instruction = line[start..word_end]
        .parse()
        .map_err(|_| err(start, ParseErrorKind::UnknownInstruction))?;
    match line[word_end..].chars().next() {
        None => return Err(err(word_end, ParseErrorKind::MissingValue(kind))),
        Some(c) if is_blank(c) => {}
        Some(_) => return Err(err(start, ParseErrorKind::UnknownInstruction)),
    }

    let mut pos = word_end;
    let mut name = None;
    if kind.takes_name() {
        let name_start = skip_blanks(line, pos);
        let name_end = line[name_start..]
            .find(is_blank)
            .map_or(line.len(), |n| name_start + n);
        let word = &line[name_start..name_end];
        if word.is_empty() {
            return Err(err(pos, ParseErrorKind::MissingValue(kind)));
        }
        if kind == Instruction::Parameter
            && !word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(err(
                name_start,
                ParseErrorKind::BadParameterName(word.to_string()),
            ));
        }
        if kind == Instruction::Message && !MESSAGE_ROLES.contains(&word) {
            return Err(err(name_start, ParseErrorKind::BadRole(word.to_string())));
        }
        name = Some((word.to_string(), name_start));
        pos = name_end;
    }

    let rest = &line[pos..];
    let value_start = pos + (rest.len() - rest.trim_start().len());
    if value_start == line.len() {
        return Err(err(pos, ParseErrorKind::MissingValue(kind)));
    }
    let (args, used) = scan_value(lines, i, value_start)
        .ok_or_else(|| err(value_start, ParseErrorKind::UnterminatedQuote))?;

    if let Some((key, name_start)) = &name {
        if kind == Instruction::Parameter {
            if let Err(e) = typed_parameter(key, &args) {
                let at = match e {
                    ParseErrorKind::UnknownParameter { .. } => *name_start,
                    _ => value_start,
                };
                return Err(err(at, e));
            }
        }
    }

    let command = Command {
        kind,
        args,
        name: name.map(|(n, _)| n),
        line: i + 1,
        column: column(line, start),
    };
    Ok((command, used))
}

/// Reads the value that starts at byte `start` of line `i` (its first
/// character is not blank). Returns the value and how many lines it spans,
/// or `None` when a quote is never closed.
fn scan_value(lines: &[&str], i: usize, start: usize) -> Option<(String, usize)> {
    let first = &lines[i][start..];
    let quote = if first.starts_with("\"\"\"") {
        3
    } else if first.starts_with('"') {
        1
    } else {
        return Some((first.trim_end().to_string(), 1));
    };
    let mut text = first.to_string();
    let mut j = i;
    loop {
        let t = text.trim_end();
        // The opening quotes alone do not close the value: `"""` on its own
        // starts a multi-line value.
        if t.len() >= 2 * quote && t.as_bytes()[t.len() - quote..].iter().all(|&b| b == b'"') {
            return Some((t[quote..t.len() - quote].to_string(), j - i + 1));
        }
        // Skip the blank lines that follow: they cannot change the outcome,
        // and re-checking each would be quadratic.
        loop {
            j += 1;
            let next = lines.get(j)?;
            text.push('\n');
            text.push_str(next);
            if !next.trim().is_empty() {
                break;
            }
        }
    }
}

impl FromStr for Modelfile {
    type Err = ParseError;

    /// Same as [`parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}
