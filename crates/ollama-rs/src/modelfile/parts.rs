//! A parsed Modelfile as the values of a create request ([`ModelfileParts`]).

use serde_json::{Map, Value};

use super::syntax::{typed_parameter, Command, Instruction, Modelfile, ParseError, ParseErrorKind};
use crate::options::{OptionKind, Options};

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

impl Modelfile {
    /// Checks that there is a `FROM` instruction. [`parse`](crate::modelfile::parse) does not
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
}

/// `line N: ` for a command read from text, nothing for one built in code.
fn position(c: &Command) -> String {
    if c.line == 0 {
        String::new()
    } else {
        format!("line {}: ", c.line)
    }
}

/// Adds one typed value: list options accumulate, others keep the last
/// value (at the position of the first, since the map keeps insertion
/// order).
fn add_parameter(map: &mut Map<String, Value>, key: &str, value: Value) {
    let is_list = Options::spec(key).is_some_and(|s| s.kind == OptionKind::StringList);
    match (map.get_mut(key), value) {
        (Some(Value::Array(have)), Value::Array(more)) if is_list => have.extend(more),
        (_, value) => {
            map.insert(key.to_string(), value);
        }
    }
}
