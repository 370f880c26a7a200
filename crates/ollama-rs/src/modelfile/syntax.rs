//! What a Modelfile is made of: [`Instruction`]s, [`Command`]s, the
//! [`Modelfile`] that holds them, and the errors of reading one.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde_json::Value;

use crate::options::{OptionError, Options};

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

/// What went wrong while parsing a Modelfile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
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

/// The option keys a Modelfile may set and that current servers still use,
/// in table order (listed in [`ParseErrorKind::UnknownParameter`]).
pub fn valid_parameter_names() -> Vec<&'static str> {
    Options::KNOWN
        .iter()
        .filter(|o| !o.deprecated)
        .map(|o| o.name)
        .collect()
}

/// Types a `PARAMETER` value. `Ok(None)` means the key is deprecated: the
/// official command line skips those without looking at the value, so a
/// deprecated key never fails on its value either.
pub(super) fn typed_parameter(key: &str, value: &str) -> Result<Option<Value>, ParseErrorKind> {
    match Options::spec(key) {
        None => Err(ParseErrorKind::UnknownParameter {
            name: key.to_string(),
            valid: valid_parameter_names(),
        }),
        Some(spec) if spec.deprecated => Ok(None),
        Some(_) => Options::parse_value(key, value)
            .map(Some)
            .map_err(ParseErrorKind::BadParameterValue),
    }
}
