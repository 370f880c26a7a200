//! The Modelfile: parser and writer.
//!
//! A Modelfile is a list of `INSTRUCTION value` lines ([`Instruction`]).
//! [`parse`] reads one into a [`Modelfile`], checking the grammar and typing
//! `PARAMETER` values through the crate's one option table
//! ([`crate::options`]); [`Modelfile::to_parts`] turns it into the values of
//! a create request; its [`Display`](std::fmt::Display) and
//! [`Modelfile::write`] produce text that parses back to the same commands.
//!
//! ```
//! use ollama_rs::modelfile::parse;
//!
//! let mf = parse("FROM llama3.2\nPARAMETER temperature 0.2\nSYSTEM \"\"\"Be brief.\"\"\"\n").unwrap();
//! mf.require_from().unwrap();
//! let parts = mf.to_parts();
//! assert_eq!(parts.from.as_deref(), Some("llama3.2"));
//! assert_eq!(parts.parameters["temperature"], 0.2);
//! assert_eq!(parts.system.as_deref(), Some("Be brief."));
//! ```

mod parser;
mod writer;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde_json::{Map, Value};

use crate::options::{option_spec, parse_option_value, OptionError, OptionKind};

pub use parser::parse;
pub use writer::WriteError;

/// A Modelfile instruction. Instructions are case-insensitive in the text.
///
/// [`Display`](fmt::Display) gives the upper-case keyword used when writing
/// (`FROM`); [`Instruction::name`] gives the lower-case name used in messages
/// (`from`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Instruction {
    /// `FROM`: the base model name, or a local file or directory.
    From,
    /// `PARAMETER name value`: one model option.
    Parameter,
    /// `TEMPLATE`: the prompt template.
    Template,
    /// `SYSTEM`: the system prompt.
    System,
    /// `ADAPTER`: a LoRA adapter file or directory.
    Adapter,
    /// `LICENSE`: one license text (may be given several times).
    License,
    /// `MESSAGE role text`: a stored conversation message.
    Message,
    /// `REQUIRES`: the lowest server version the model needs.
    Requires,
    /// `RENDERER`: the server-side prompt renderer.
    Renderer,
    /// `PARSER`: the server-side output parser.
    Parser,
    /// `DRAFT`: the draft model for speculative decoding.
    Draft,
}

impl Instruction {
    /// Every instruction, in the order the server's error message lists
    /// them.
    pub const ALL: [Instruction; 11] = [
        Instruction::From,
        Instruction::License,
        Instruction::Template,
        Instruction::System,
        Instruction::Adapter,
        Instruction::Draft,
        Instruction::Renderer,
        Instruction::Parser,
        Instruction::Parameter,
        Instruction::Message,
        Instruction::Requires,
    ];

    /// The lower-case name: `from`, `parameter`, ...
    pub fn name(self) -> &'static str {
        match self {
            Instruction::From => "from",
            Instruction::Parameter => "parameter",
            Instruction::Template => "template",
            Instruction::System => "system",
            Instruction::Adapter => "adapter",
            Instruction::License => "license",
            Instruction::Message => "message",
            Instruction::Requires => "requires",
            Instruction::Renderer => "renderer",
            Instruction::Parser => "parser",
            Instruction::Draft => "draft",
        }
    }

    /// The upper-case keyword written in Modelfiles: `FROM`, `PARAMETER`, ...
    pub fn keyword(self) -> &'static str {
        match self {
            Instruction::From => "FROM",
            Instruction::Parameter => "PARAMETER",
            Instruction::Template => "TEMPLATE",
            Instruction::System => "SYSTEM",
            Instruction::Adapter => "ADAPTER",
            Instruction::License => "LICENSE",
            Instruction::Message => "MESSAGE",
            Instruction::Requires => "REQUIRES",
            Instruction::Renderer => "RENDERER",
            Instruction::Parser => "PARSER",
            Instruction::Draft => "DRAFT",
        }
    }

    /// Whether the instruction takes a name before its value (`PARAMETER`
    /// takes the option key, `MESSAGE` the role).
    pub fn takes_name(self) -> bool {
        matches!(self, Instruction::Parameter | Instruction::Message)
    }
}

impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

impl FromStr for Instruction {
    type Err = ParseErrorKind;

    /// Parses an instruction word, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Instruction::ALL
            .into_iter()
            .find(|i| i.name().eq_ignore_ascii_case(s))
            .ok_or(ParseErrorKind::UnknownInstruction)
    }
}

/// The roles a `MESSAGE` may have.
pub const MESSAGE_ROLES: [&str; 3] = ["system", "user", "assistant"];

/// One instruction of a Modelfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The instruction.
    pub kind: Instruction,
    /// The value, with surrounding blanks and the outer quotes removed.
    pub args: String,
    /// The option key of a `PARAMETER` or the role of a `MESSAGE`; `None`
    /// for the other instructions.
    pub name: Option<String>,
    /// The 1-based line of the instruction word (0 for a command built in
    /// code).
    pub line: usize,
    /// The 1-based column, in characters, of the instruction word (0 for a
    /// command built in code).
    pub column: usize,
}

impl Command {
    /// A command without a name (anything but `PARAMETER` and `MESSAGE`),
    /// with no source position.
    pub fn new(kind: Instruction, args: impl Into<String>) -> Command {
        Command {
            kind,
            args: args.into(),
            name: None,
            line: 0,
            column: 0,
        }
    }

    /// A `PARAMETER key value` command, with no source position.
    pub fn parameter(key: impl Into<String>, value: impl Into<String>) -> Command {
        Command {
            name: Some(key.into()),
            ..Command::new(Instruction::Parameter, value)
        }
    }

    /// A `MESSAGE role text` command, with no source position.
    pub fn message(role: impl Into<String>, text: impl Into<String>) -> Command {
        Command {
            name: Some(role.into()),
            ..Command::new(Instruction::Message, text)
        }
    }
}

/// A parsed Modelfile: its instructions in file order. Comments and blank
/// lines are not kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Modelfile {
    /// The instructions, in file order.
    pub commands: Vec<Command>,
}

impl FromStr for Modelfile {
    type Err = ParseError;

    /// Same as [`parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// What went wrong while parsing a Modelfile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    /// A line does not start with a known instruction word followed by a
    /// space or tab.
    #[error(
        "command must be one of \"from\", \"license\", \"template\", \"system\", \"adapter\", \
         \"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \"requires\""
    )]
    UnknownInstruction,
    /// An instruction (or a `PARAMETER` key, or a `MESSAGE` role) has
    /// nothing after it.
    #[error("missing value for \"{}\"", .0.name())]
    MissingValue(Instruction),
    /// A quoted value is still open at the end of the file.
    #[error("unexpected EOF: the quoted value is never closed")]
    UnterminatedQuote,
    /// A `PARAMETER` key has characters other than `A-Z a-z 0-9 _`.
    #[error("invalid parameter name '{0}': only letters, digits and '_' are allowed")]
    BadParameterName(String),
    /// A `MESSAGE` role is not `system`, `user` or `assistant`.
    #[error("message role must be one of \"system\", \"user\", or \"assistant\"")]
    BadRole(String),
    /// A `PARAMETER` key is not a known option.
    #[error("unknown parameter '{name}' (valid parameters: {})", .valid.join(", "))]
    UnknownParameter {
        /// The key given.
        name: String,
        /// Every key that is accepted and not deprecated.
        valid: Vec<&'static str>,
    },
    /// A `PARAMETER` value does not have the option's type.
    #[error("{0}")]
    BadParameterValue(OptionError),
    /// There is no `FROM` instruction (see [`Modelfile::require_from`]).
    #[error("no FROM line")]
    NoFrom,
}

/// A Modelfile syntax error, with its position.
///
/// Display: ``line 3, column 1: command must be one of ...: `FORM tiny` ``;
/// [`ParseError::with_path`] puts the file name first, as compilers do.
/// [`ParseErrorKind::NoFrom`] has no position (line and column are 0) and
/// displays as its message alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The 1-based line of the error (0 when it is about the whole file).
    pub line: usize,
    /// The 1-based column, in characters (0 when it is about the whole
    /// file).
    pub column: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// The text of the offending line (without its line ending).
    pub snippet: String,
}

impl ParseError {
    /// The error prefixed by the file it came from:
    /// ``Modelfile:3:1: command must be one of ...: `FORM tiny` ``, or
    /// `Modelfile: no FROM line` for an error without a position.
    pub fn with_path(&self, path: impl AsRef<Path>) -> String {
        let path = path.as_ref().display();
        if self.line == 0 {
            format!("{path}: {}", self.kind)
        } else {
            format!(
                "{path}:{}:{}: {}: `{}`",
                self.line, self.column, self.kind, self.snippet
            )
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.kind)
        } else {
            write!(
                f,
                "line {}, column {}: {}: `{}`",
                self.line, self.column, self.kind, self.snippet
            )
        }
    }
}

impl std::error::Error for ParseError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ParseErrorKind::BadParameterValue(e) => Some(e),
            _ => None,
        }
    }
}

/// The values of a create request that a Modelfile gives, before any local
/// path is resolved or uploaded.
///
/// Instructions that may appear once keep their last value, as the official
/// command line does.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelfileParts {
    /// The last `FROM` value, as written (a model name or a local path).
    pub from: Option<String>,
    /// The last `ADAPTER` value, as written (a local path).
    pub adapter: Option<String>,
    /// The last `TEMPLATE`.
    pub template: Option<String>,
    /// The last `SYSTEM`.
    pub system: Option<String>,
    /// Every `LICENSE`, in order (sent as a string array).
    pub license: Vec<String>,
    /// The typed `PARAMETER` values, in order of first appearance; a
    /// repeated `stop` adds to its array, any other repeated key keeps its
    /// last value. Deprecated keys are left out (see `warnings`).
    pub parameters: Map<String, Value>,
    /// Every `MESSAGE` as `(role, content)`, in order.
    pub messages: Vec<(String, String)>,
    /// The last `REQUIRES`, without a leading `v`.
    pub requires: Option<String>,
    /// The last `RENDERER`.
    pub renderer: Option<String>,
    /// The last `PARSER`.
    pub parser: Option<String>,
    /// The last `DRAFT`, as written (a model name or a local path).
    pub draft: Option<String>,
    /// Things the user should be told, one line each, such as a deprecated
    /// parameter that was skipped.
    pub warnings: Vec<String>,
}

/// The option keys a Modelfile may set and that current servers still use,
/// in table order (listed in [`ParseErrorKind::UnknownParameter`]).
pub fn valid_parameter_names() -> Vec<&'static str> {
    crate::options::OPTIONS
        .iter()
        .filter(|o| !o.deprecated)
        .map(|o| o.name)
        .collect()
}

impl Modelfile {
    /// Checks that there is a `FROM` instruction. [`parse`] does not
    /// require one, because a caller may supply the base model some other
    /// way (`ollama create --from`).
    pub fn require_from(&self) -> Result<(), ParseError> {
        if self.commands.iter().any(|c| c.kind == Instruction::From) {
            Ok(())
        } else {
            Err(ParseError {
                line: 0,
                column: 0,
                kind: ParseErrorKind::NoFrom,
                snippet: String::new(),
            })
        }
    }

    /// The values of a create request this Modelfile gives.
    ///
    /// A `PARAMETER` whose key is deprecated is skipped with a warning. The
    /// parser has already checked every other key and value; a command
    /// built in code whose key or value is invalid is skipped with a warning
    /// too, so that this never fails.
    pub fn to_parts(&self) -> ModelfileParts {
        let mut p = ModelfileParts::default();
        for c in &self.commands {
            let v = c.args.clone();
            match c.kind {
                Instruction::From => p.from = Some(v),
                Instruction::Adapter => p.adapter = Some(v),
                Instruction::Template => p.template = Some(v),
                Instruction::System => p.system = Some(v),
                Instruction::License => p.license.push(v),
                Instruction::Message => {
                    p.messages.push((c.name.clone().unwrap_or_default(), v));
                }
                Instruction::Requires => {
                    p.requires = Some(v.strip_prefix('v').map(str::to_string).unwrap_or(v));
                }
                Instruction::Renderer => p.renderer = Some(v),
                Instruction::Parser => p.parser = Some(v),
                Instruction::Draft => p.draft = Some(v),
                Instruction::Parameter => {
                    let key = c.name.as_deref().unwrap_or_default();
                    match typed_parameter(key, &c.args) {
                        Ok(Some(value)) => add_parameter(&mut p.parameters, key, value),
                        Ok(None) => p.warnings.push(format!(
                            "{}parameter '{key}' is deprecated and ignored by current servers; skipped",
                            position(c)
                        )),
                        Err(e) => p
                            .warnings
                            .push(format!("{}{e}; parameter skipped", position(c))),
                    }
                }
            }
        }
        p
    }

    /// The text of this Modelfile, or an error naming the first command
    /// whose text would not parse back to the same command (see
    /// [`WriteError`]). The [`Display`](fmt::Display) output is the same
    /// text whenever this succeeds.
    pub fn write(&self) -> Result<String, WriteError> {
        writer::write_strict(self)
    }
}

/// `line N: ` for a command read from text, nothing for one built in code.
fn position(c: &Command) -> String {
    if c.line == 0 {
        String::new()
    } else {
        format!("line {}: ", c.line)
    }
}

/// Types a `PARAMETER` value. `Ok(None)` means the key is deprecated: the
/// official command line skips those without looking at the value, so a
/// deprecated key never fails on its value either.
pub(crate) fn typed_parameter(key: &str, value: &str) -> Result<Option<Value>, ParseErrorKind> {
    match option_spec(key) {
        None => Err(ParseErrorKind::UnknownParameter {
            name: key.to_string(),
            valid: valid_parameter_names(),
        }),
        Some(spec) if spec.deprecated => Ok(None),
        Some(_) => parse_option_value(key, value)
            .map(Some)
            .map_err(ParseErrorKind::BadParameterValue),
    }
}

/// Adds one typed value: list options accumulate, others keep the last
/// value (at the position of the first, since the map keeps insertion
/// order).
fn add_parameter(map: &mut Map<String, Value>, key: &str, value: Value) {
    let is_list = option_spec(key).is_some_and(|s| s.kind == OptionKind::StringList);
    match (map.get_mut(key), value) {
        (Some(Value::Array(have)), Value::Array(more)) if is_list => have.extend(more),
        (_, value) => {
            map.insert(key.to_string(), value);
        }
    }
}
