//! Model options (`options` in requests, `parameters` in create) and the
//! table of their names and types.
//!
//! [`Options`] has a typed field for every option the server documents, and
//! the options the Python client still declares, plus [`Options::extra`] for
//! keys this crate does not know. [`Options::KNOWN`] lists every known key
//! with its [`OptionKind`], and [`Options::parse_value`] types a text value
//! by it: the Modelfile parser and the command line both type their text
//! through it, so one table serves every reader of `key value` text.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The JSON type of an option's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// An integer.
    Int,
    /// A floating-point number.
    Float,
    /// `true` or `false`.
    Bool,
    /// A list of strings (`stop`); a key given several times adds to it.
    StringList,
}

impl OptionKind {
    /// A word for messages: `integer`, `float`, `boolean`, `string`.
    pub fn describe(self) -> &'static str {
        match self {
            OptionKind::Int => "integer",
            OptionKind::Float => "float",
            OptionKind::Bool => "boolean",
            OptionKind::StringList => "string",
        }
    }
}

/// One known option: an entry of [`Options::KNOWN`].
#[derive(Debug, Clone, Copy)]
pub struct OptionSpec {
    /// The key, as sent.
    pub name: &'static str,
    /// Its type.
    pub kind: OptionKind,
    /// Whether current servers ignore it (the official CLI warns and skips
    /// these in a Modelfile).
    pub deprecated: bool,
}

const fn spec(name: &'static str, kind: OptionKind, deprecated: bool) -> OptionSpec {
    OptionSpec {
        name,
        kind,
        deprecated,
    }
}

/// Every option key this crate knows, in the order of the reference.
const OPTIONS: &[OptionSpec] = &[
    spec("num_ctx", OptionKind::Int, false),
    spec("num_batch", OptionKind::Int, false),
    spec("num_gpu", OptionKind::Int, false),
    spec("main_gpu", OptionKind::Int, false),
    spec("use_mmap", OptionKind::Bool, false),
    spec("num_thread", OptionKind::Int, false),
    spec("num_keep", OptionKind::Int, false),
    spec("seed", OptionKind::Int, false),
    spec("num_predict", OptionKind::Int, false),
    spec("stop", OptionKind::StringList, false),
    spec("temperature", OptionKind::Float, false),
    spec("top_k", OptionKind::Int, false),
    spec("top_p", OptionKind::Float, false),
    spec("min_p", OptionKind::Float, false),
    spec("typical_p", OptionKind::Float, false),
    spec("repeat_last_n", OptionKind::Int, false),
    spec("repeat_penalty", OptionKind::Float, false),
    spec("presence_penalty", OptionKind::Float, false),
    spec("frequency_penalty", OptionKind::Float, false),
    spec("draft_num_predict", OptionKind::Int, false),
    spec("numa", OptionKind::Bool, true),
    spec("low_vram", OptionKind::Bool, true),
    spec("f16_kv", OptionKind::Bool, true),
    spec("logits_all", OptionKind::Bool, true),
    spec("vocab_only", OptionKind::Bool, true),
    spec("use_mlock", OptionKind::Bool, true),
    spec("embedding_only", OptionKind::Bool, true),
    spec("tfs_z", OptionKind::Float, true),
    spec("mirostat", OptionKind::Int, true),
    spec("mirostat_tau", OptionKind::Float, true),
    spec("mirostat_eta", OptionKind::Float, true),
    spec("penalize_newline", OptionKind::Bool, true),
];

/// Looks up a known option by key.
fn option_spec(name: &str) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|o| o.name == name)
}

/// Why a textual option value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionError {
    /// The key is not a known option.
    #[error("unknown parameter '{0}'")]
    Unknown(String),
    /// The value does not have the option's type.
    #[error("option '{name}' must be of type {kind}, not `{value}`")]
    BadValue {
        /// The key.
        name: String,
        /// The expected type, as a word.
        kind: &'static str,
        /// The value given.
        value: String,
    },
    /// Options given as JSON were not an object (see
    /// `TryFrom<serde_json::Value> for Options`).
    #[error("options must be a JSON object, not `{0}`")]
    NotAnObject(String),
}

/// See [`Options::parse_value`].
fn parse_option_value(name: &str, value: &str) -> Result<Value, OptionError> {
    let spec = option_spec(name).ok_or_else(|| OptionError::Unknown(name.to_string()))?;
    let bad = || OptionError::BadValue {
        name: name.to_string(),
        kind: spec.kind.describe(),
        value: value.to_string(),
    };
    let v = value.trim();
    Ok(match spec.kind {
        OptionKind::Int => {
            if let Ok(i) = v.parse::<i64>() {
                Value::from(i)
            } else {
                // The server accepts any number for an int option and truncates it.
                let f: f64 = v.parse().map_err(|_| bad())?;
                if !f.is_finite() {
                    return Err(bad());
                }
                Value::from(f.trunc() as i64)
            }
        }
        OptionKind::Float => {
            let f: f64 = v.parse().map_err(|_| bad())?;
            serde_json::Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(bad)?
        }
        OptionKind::Bool => match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => Value::Bool(true),
            "false" | "0" | "f" => Value::Bool(false),
            _ => return Err(bad()),
        },
        OptionKind::StringList => Value::Array(vec![Value::String(value.to_string())]),
    })
}

/// Model options. Every field is optional and absent from the JSON when
/// `None`; keys this crate does not know go in [`Options::extra`].
///
/// ```
/// use ollama_rs::Options;
/// let o = Options { temperature: Some(0.2), num_predict: Some(64), ..Default::default() };
/// assert_eq!(serde_json::to_string(&o).unwrap(), r#"{"num_predict":64,"temperature":0.2}"#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Context window size in tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_ctx: Option<i64>,
    /// Prompt processing batch size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_batch: Option<i64>,
    /// Number of layers to offload to the GPU (-1: automatic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_gpu: Option<i64>,
    /// The GPU that holds small tensors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_gpu: Option<i64>,
    /// Whether to memory-map the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_mmap: Option<bool>,
    /// Number of CPU threads (0: automatic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_thread: Option<i64>,
    /// Tokens of the prompt kept when the context shifts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_keep: Option<i64>,
    /// Random seed (-1: random).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Most tokens to generate (-1: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_predict: Option<i64>,
    /// Stop sequences.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Vec<String>>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
    /// Top-k sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_k: Option<i64>,
    /// Top-p (nucleus) sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f32>,
    /// Min-p sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_p: Option<f32>,
    /// Locally typical sampling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typical_p: Option<f32>,
    /// How far back to look for repetitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_last_n: Option<i64>,
    /// Penalty for repetitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_penalty: Option<f32>,
    /// Penalty for tokens already present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f32>,
    /// Penalty proportional to token frequency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f32>,
    /// Tokens the draft model predicts per step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft_num_predict: Option<i64>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numa: Option<bool>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub low_vram: Option<bool>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub f16_kv: Option<bool>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logits_all: Option<bool>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vocab_only: Option<bool>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_mlock: Option<bool>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedding_only: Option<bool>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tfs_z: Option<f32>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirostat: Option<i64>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirostat_tau: Option<f32>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirostat_eta: Option<f32>,
    /// Deprecated: ignored by current servers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub penalize_newline: Option<bool>,
    /// Keys this crate does not know, sent as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Options {
    /// Every option key this crate knows, with its type, in the order of the
    /// API reference; deprecated keys (which current servers ignore) are
    /// marked so.
    ///
    /// ```
    /// use ollama_rs::{OptionKind, Options};
    /// let current: Vec<&str> = Options::KNOWN
    ///     .iter()
    ///     .filter(|o| !o.deprecated)
    ///     .map(|o| o.name)
    ///     .collect();
    /// assert!(current.contains(&"temperature"));
    /// assert_eq!(Options::spec("stop").unwrap().kind, OptionKind::StringList);
    /// ```
    pub const KNOWN: &'static [OptionSpec] = OPTIONS;

    /// The entry of [`Options::KNOWN`] for a key, if the key is known.
    pub fn spec(key: &str) -> Option<&'static OptionSpec> {
        option_spec(key)
    }

    /// Types a text value for a known key, as a Modelfile's `PARAMETER` or a
    /// command line's `key=value` gives it: `"0.7"` for `temperature`
    /// becomes the number 0.7, `"true"` for `use_mmap` the boolean, and a
    /// [`OptionKind::StringList`] value (`stop`) a one-element list (a
    /// caller that sees the key again appends to it). An unknown key is
    /// [`OptionError::Unknown`].
    ///
    /// ```
    /// use ollama_rs::Options;
    /// assert_eq!(Options::parse_value("num_ctx", "4096").unwrap(), 4096);
    /// assert_eq!(Options::parse_value("stop", "END").unwrap(), serde_json::json!(["END"]));
    /// assert!(Options::parse_value("num_ctx", "big").is_err());
    /// ```
    pub fn parse_value(key: &str, text: &str) -> Result<Value, OptionError> {
        parse_option_value(key, text)
    }

    /// Sets one option from a JSON value, by key. Known keys must have the
    /// right type; unknown keys go to [`Options::extra`]. For `stop`, a
    /// string or list is appended to the stop sequences already set.
    pub fn set(&mut self, name: &str, value: Value) -> Result<(), OptionError> {
        if name == "stop" {
            let more: Vec<String> = match value {
                Value::String(s) => vec![s],
                v => serde_json::from_value(v.clone()).map_err(|_| OptionError::BadValue {
                    name: name.into(),
                    kind: "string",
                    value: v.to_string(),
                })?,
            };
            self.stop.get_or_insert_with(Vec::new).extend(more);
            return Ok(());
        }
        if option_spec(name).is_none() {
            self.extra.insert(name.to_string(), value);
            return Ok(());
        }
        // Round-trip through JSON so that one code path types every field.
        let mut obj = match serde_json::to_value(&*self) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        obj.insert(name.to_string(), value.clone());
        let kind = option_spec(name).map_or("value", |s| s.kind.describe());
        *self = serde_json::from_value(Value::Object(obj)).map_err(|_| OptionError::BadValue {
            name: name.into(),
            kind,
            value: value.to_string(),
        })?;
        Ok(())
    }

    /// Sets one option from text, typed by [`Options::parse_value`]. Unknown
    /// keys are refused.
    pub fn set_str(&mut self, name: &str, value: &str) -> Result<(), OptionError> {
        let v = parse_option_value(name, value)?;
        self.set(name, v)
    }

    /// Whether no option is set.
    pub fn is_empty(&self) -> bool {
        *self == Options::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_fields_are_absent() {
        assert_eq!(serde_json::to_string(&Options::default()).unwrap(), "{}");
    }

    #[test]
    fn typed_from_text() {
        let mut o = Options::default();
        o.set_str("temperature", "0.5").unwrap();
        o.set_str("num_predict", "8").unwrap();
        o.set_str("stop", "a").unwrap();
        o.set_str("stop", "b").unwrap();
        o.set_str("use_mmap", "false").unwrap();
        assert_eq!(
            serde_json::to_value(&o).unwrap(),
            serde_json::json!({"use_mmap":false,"num_predict":8,"stop":["a","b"],"temperature":0.5})
        );
    }

    #[test]
    fn int_accepts_fraction_like_the_server() {
        assert_eq!(parse_option_value("top_k", "3.9").unwrap(), Value::from(3));
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = parse_option_value("temperature", "hot").unwrap_err();
        assert_eq!(
            e.to_string(),
            "option 'temperature' must be of type float, not `hot`"
        );
        assert_eq!(
            parse_option_value("nope", "1").unwrap_err().to_string(),
            "unknown parameter 'nope'"
        );
    }

    #[test]
    fn extra_keys_round_trip() {
        let mut o = Options::default();
        o.set("future_knob", Value::from(3)).unwrap();
        let s = serde_json::to_string(&o).unwrap();
        assert_eq!(s, r#"{"future_knob":3}"#);
        let back: Options = serde_json::from_str(&s).unwrap();
        assert_eq!(back, o);
    }

    #[test]
    fn set_rejects_wrong_json_type() {
        let mut o = Options::default();
        assert!(o.set("temperature", Value::from("hot")).is_err());
        assert!(o.is_empty());
    }
}
