//! Types several endpoints share: [`Format`], [`Think`], [`KeepAlive`],
//! [`Image`], messages and tools, log probabilities and [`Metrics`], and the
//! [`ParseError`] of their `FromStr` implementations.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use base64::Engine as _;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// Decodes `null` like a missing field: as the type's default.
pub(super) fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn default_tool_type() -> String {
    "function".to_string()
}

/// A word that is not one of the values a type accepts, from the `FromStr`
/// implementations of this module ([`Think`], [`ThinkLevel`], [`Role`],
/// [`Format`]). Converts into [`Error::InvalidRequest`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} `{value}`: expected {expected}")]
pub struct ParseError {
    what: &'static str,
    value: String,
    expected: &'static str,
}

impl ParseError {
    fn new(what: &'static str, value: &str, expected: &'static str) -> Self {
        ParseError {
            what,
            value: value.to_string(),
            expected,
        }
    }
}

impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::InvalidRequest(e.to_string())
    }
}

/// The `format` of a generate or chat request: JSON mode or a JSON Schema
/// the answer must follow.
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    /// Any JSON value; sent as the string `"json"`.
    Json,
    /// A JSON Schema (normally an object); sent as is.
    Schema(Value),
}

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Format::Json => s.serialize_str("json"),
            Format::Schema(v) => v.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(Format::from(Value::deserialize(d)?))
    }
}

/// The string `"json"` becomes [`Format::Json`], any other value a schema.
impl From<Value> for Format {
    fn from(v: Value) -> Self {
        match v {
            Value::String(s) if s == "json" => Format::Json,
            v => Format::Schema(v),
        }
    }
}

/// `json` (any case) is [`Format::Json`]; any other text must be a JSON
/// document (the schema).
impl FromStr for Format {
    type Err = ParseError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("json") {
            return Ok(Format::Json);
        }
        serde_json::from_str::<Value>(s)
            .map(Format::from)
            .map_err(|_| ParseError::new("format", s, "\"json\" or a JSON Schema document"))
    }
}

/// How hard a thinking model should think.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ThinkLevel {
    /// `"low"`.
    Low,
    /// `"medium"` (what `true` means).
    Medium,
    /// `"high"`.
    High,
    /// `"max"` (server 0.22.0 and newer).
    Max,
}

impl ThinkLevel {
    /// The word sent to the server.
    pub fn as_str(self) -> &'static str {
        match self {
            ThinkLevel::Low => "low",
            ThinkLevel::Medium => "medium",
            ThinkLevel::High => "high",
            ThinkLevel::Max => "max",
        }
    }
}

impl fmt::Display for ThinkLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ThinkLevel {
    type Err = ParseError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(ThinkLevel::Low),
            "medium" => Ok(ThinkLevel::Medium),
            "high" => Ok(ThinkLevel::High),
            "max" => Ok(ThinkLevel::Max),
            _ => Err(ParseError::new(
                "think level",
                s,
                "one of low, medium, high, max",
            )),
        }
    }
}

/// The `think` field: on/off, or a level. Sent as a JSON bool or string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Think {
    /// `true` or `false`.
    Bool(bool),
    /// `"low"`, `"medium"`, `"high"` or `"max"`.
    Level(ThinkLevel),
}

impl From<bool> for Think {
    fn from(b: bool) -> Self {
        Think::Bool(b)
    }
}

impl From<ThinkLevel> for Think {
    fn from(l: ThinkLevel) -> Self {
        Think::Level(l)
    }
}

impl fmt::Display for Think {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Think::Bool(b) => write!(f, "{b}"),
            Think::Level(l) => l.fmt(f),
        }
    }
}

/// Accepts `true`, `false`, `low`, `medium`, `high`, `max`, in any case.
impl FromStr for Think {
    type Err = ParseError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Think::Bool(true)),
            "false" => Ok(Think::Bool(false)),
            "low" => Ok(Think::Level(ThinkLevel::Low)),
            "medium" => Ok(Think::Level(ThinkLevel::Medium)),
            "high" => Ok(Think::Level(ThinkLevel::High)),
            "max" => Ok(Think::Level(ThinkLevel::Max)),
            _ => Err(ParseError::new(
                "think value",
                s,
                "one of true, false, low, medium, high, max",
            )),
        }
    }
}

impl Serialize for Think {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Think::Bool(b) => s.serialize_bool(*b),
            Think::Level(l) => s.serialize_str(l.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for Think {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Think;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean or one of \"low\", \"medium\", \"high\", \"max\"")
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> std::result::Result<Think, E> {
                Ok(Think::Bool(b))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Think, E> {
                s.parse().map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// How long the server keeps the model loaded after the request.
///
/// A number is seconds (fractions allowed; negative = forever, `0` = unload
/// right after the request); a string is a Go duration such as `"5m"` or
/// `"1h30m"`. Integral seconds are sent as JSON integers (`0`, not `0.0`).
#[derive(Debug, Clone, PartialEq)]
pub enum KeepAlive {
    /// Seconds.
    Seconds(f64),
    /// A Go duration string, sent as given.
    Duration(String),
}

impl KeepAlive {
    /// A number of seconds.
    pub fn from_secs(secs: f64) -> Self {
        KeepAlive::Seconds(secs)
    }

    /// Keep the model loaded forever (`-1`).
    pub fn forever() -> Self {
        KeepAlive::Seconds(-1.0)
    }

    /// Unload the model right after the request (`0`).
    pub fn unload() -> Self {
        KeepAlive::Seconds(0.0)
    }

    /// The seconds as an integer when they are integral (and not huge).
    fn integral(secs: f64) -> Option<i64> {
        // 2^53: beyond that not every integer is representable anyway.
        (secs.fract() == 0.0 && secs.abs() < 9_007_199_254_740_992.0).then_some(secs as i64)
    }
}

impl Serialize for KeepAlive {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            KeepAlive::Seconds(secs) => match KeepAlive::integral(*secs) {
                Some(i) => s.serialize_i64(i),
                None => s.serialize_f64(*secs),
            },
            KeepAlive::Duration(d) => s.serialize_str(d),
        }
    }
}

impl<'de> Deserialize<'de> for KeepAlive {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeepAlive;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number of seconds or a duration string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<KeepAlive, E> {
                Ok(KeepAlive::Seconds(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<KeepAlive, E> {
                Ok(KeepAlive::Seconds(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<KeepAlive, E> {
                Ok(KeepAlive::Seconds(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<KeepAlive, E> {
                Ok(KeepAlive::Duration(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl fmt::Display for KeepAlive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepAlive::Seconds(secs) => match KeepAlive::integral(*secs) {
                Some(i) => write!(f, "{i}"),
                None => write!(f, "{secs}"),
            },
            KeepAlive::Duration(d) => f.write_str(d),
        }
    }
}

impl From<std::time::Duration> for KeepAlive {
    fn from(d: std::time::Duration) -> Self {
        KeepAlive::Seconds(d.as_secs_f64())
    }
}

/// Text that is a finite number becomes seconds (so `"300"`, which the
/// server would refuse as a duration, means 300 seconds); anything else is
/// sent as a duration string, as given.
impl From<&str> for KeepAlive {
    fn from(s: &str) -> Self {
        match s.trim().parse::<f64>() {
            Ok(secs) if secs.is_finite() => KeepAlive::Seconds(secs),
            _ => KeepAlive::Duration(s.to_string()),
        }
    }
}

/// See `From<&str>`.
impl From<String> for KeepAlive {
    fn from(s: String) -> Self {
        match s.trim().parse::<f64>() {
            Ok(secs) if secs.is_finite() => KeepAlive::Seconds(secs),
            _ => KeepAlive::Duration(s),
        }
    }
}

/// Same as `From<&str>`; never fails.
impl FromStr for KeepAlive {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(KeepAlive::from(s))
    }
}

impl From<i64> for KeepAlive {
    fn from(secs: i64) -> Self {
        KeepAlive::Seconds(secs as f64)
    }
}

/// So that an untyped literal (`KeepAlive::from(300)`) works.
impl From<i32> for KeepAlive {
    fn from(secs: i32) -> Self {
        KeepAlive::Seconds(f64::from(secs))
    }
}

impl From<f64> for KeepAlive {
    fn from(secs: f64) -> Self {
        KeepAlive::Seconds(secs)
    }
}

const INVALID_IMAGE: &str = "Invalid image data, expected base64 string or path to image file";

/// An image for a vision model: standard, padded base64 of the file's bytes.
/// Serialized as that string.
///
/// Decoding (from a server response) takes the string as is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Image(String);

impl Image {
    /// Encodes raw image bytes.
    pub fn from_bytes(bytes: &[u8]) -> Image {
        Image(base64::engine::general_purpose::STANDARD.encode(bytes))
    }

    /// Takes base64 text, checking that it decodes as standard padded
    /// base64. Line breaks (as in wrapped `base64` output) are removed.
    /// Empty text is refused.
    pub fn from_base64(s: impl Into<String>) -> Result<Image> {
        let mut s = s.into();
        if s.contains(['\r', '\n']) {
            s.retain(|c| c != '\r' && c != '\n');
        }
        if s.is_empty()
            || base64::engine::general_purpose::STANDARD
                .decode(&s)
                .is_err()
        {
            return Err(Error::InvalidRequest(INVALID_IMAGE.to_string()));
        }
        Ok(Image(s))
    }

    /// Reads and encodes an image file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Image> {
        let path = path.as_ref();
        std::fs::read(path)
            .map(|bytes| Image::from_bytes(&bytes))
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })
    }

    /// Interprets a string the way the Python client does:
    ///
    /// 1. the name of an existing file → that file's bytes;
    /// 2. a name ending `.png`, `.jpg`, `.jpeg` or `.webp` (any case) that
    ///    does not exist → `InvalidRequest("File <s> does not exist")`;
    /// 3. valid base64 → used unchanged;
    /// 4. anything else → `InvalidRequest("Invalid image data, expected
    ///    base64 string or path to image file")`.
    pub fn parse(s: &str) -> Result<Image> {
        // Base64 can hold '/', so a long base64 string is also tried as a
        // path; the lookup just fails.
        let path = Path::new(s);
        if !s.is_empty() && path.is_file() {
            return Image::from_path(path);
        }
        let ext = s.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        if matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg" | "webp")) {
            return Err(Error::InvalidRequest(format!("File {s} does not exist")));
        }
        Image::from_base64(s)
    }

    /// The base64 text.
    pub fn as_base64(&self) -> &str {
        &self.0
    }

    /// The base64 text, by value.
    pub fn into_base64(self) -> String {
        self.0
    }

    /// Decodes the base64 back to bytes.
    pub fn decode(&self) -> Result<Vec<u8>> {
        base64::engine::general_purpose::STANDARD
            .decode(&self.0)
            .map_err(|_| Error::InvalidRequest(INVALID_IMAGE.to_string()))
    }
}

/// Same as [`Image::parse`].
impl FromStr for Image {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Image::parse(s)
    }
}

/// Who wrote a chat message.
///
/// The four roles the server documents have their own variants; any other
/// role (such as `"developer"`) is kept as [`Role::Other`] and sent back
/// unchanged, as the Python client does with its plain string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The person.
    User,
    /// The model (the role of every answer, hence the default).
    #[default]
    Assistant,
    /// The result of a tool call.
    Tool,
    /// Any other role, exactly as written (never one of the four words
    /// above when it comes from [`Role::from`] or decoding).
    Other(String),
}

impl Role {
    /// The word sent to the server.
    pub fn as_str(&self) -> &str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Other(s) => s,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Strict, for text a person typed (a Modelfile's `MESSAGE`, a command
/// line): accepts `system`, `user`, `assistant`, `tool`, in any case, and
/// refuses anything else. [`Role::from`] and decoding accept any role.
impl FromStr for Role {
    type Err = ParseError;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "system" => Ok(Role::System),
            "user" => Ok(Role::User),
            "assistant" => Ok(Role::Assistant),
            "tool" => Ok(Role::Tool),
            _ => Err(ParseError::new(
                "role",
                s,
                "one of system, user, assistant, tool",
            )),
        }
    }
}

/// Any text: the four known words (exactly, lowercase) become their
/// variants, anything else [`Role::Other`], unchanged.
impl From<&str> for Role {
    fn from(s: &str) -> Self {
        match s {
            "system" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            other => Role::Other(other.to_string()),
        }
    }
}

/// See `From<&str>`.
impl From<String> for Role {
    fn from(s: String) -> Self {
        match Role::from(s.as_str()) {
            Role::Other(_) => Role::Other(s),
            known => known,
        }
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Role;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a role string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> std::result::Result<Role, E> {
                Ok(Role::from(s))
            }
            fn visit_string<E: de::Error>(self, s: String) -> std::result::Result<Role, E> {
                Ok(Role::from(s))
            }
        }
        d.deserialize_str(V)
    }
}

/// One chat message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// The text; always sent, may be empty.
    #[serde(default, deserialize_with = "null_default")]
    pub content: String,
    /// The model's reasoning, from a thinking model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// Images for a vision model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// Tools the model wants called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// For a [`Role::Tool`] message: the tool whose result this is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    /// For a [`Role::Tool`] message: the [`ToolCall::id`] it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    /// A message with a role and text.
    pub fn new(role: Role, content: impl Into<String>) -> Message {
        Message {
            role,
            content: content.into(),
            ..Message::default()
        }
    }

    /// A [`Role::System`] message.
    pub fn system(content: impl Into<String>) -> Message {
        Message::new(Role::System, content)
    }

    /// A [`Role::User`] message.
    pub fn user(content: impl Into<String>) -> Message {
        Message::new(Role::User, content)
    }

    /// A [`Role::Assistant`] message.
    pub fn assistant(content: impl Into<String>) -> Message {
        Message::new(Role::Assistant, content)
    }

    /// A [`Role::Tool`] message: the result of calling `tool_name`.
    pub fn tool(tool_name: impl Into<String>, content: impl Into<String>) -> Message {
        Message {
            tool_name: Some(tool_name.into()),
            ..Message::new(Role::Tool, content)
        }
    }

    setter!(
        /// Sets the images.
        images: iter into Image
    );
    setter!(
        /// Sets the reasoning text.
        thinking: into String
    );
    setter!(
        /// Sets the tool calls.
        tool_calls: iter ToolCall
    );
    setter!(
        /// Sets the name of the tool whose result this is.
        tool_name: into String
    );
    setter!(
        /// Sets the id of the tool call this message answers.
        tool_call_id: into String
    );
}

/// Arguments are normally a JSON object; a string holding one is accepted
/// too, and `null` means none.
fn tool_arguments<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Map<String, Value>, D::Error> {
    match Value::deserialize(d)? {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(de::Error::custom(
                "tool call arguments must be a JSON object",
            )),
        },
        _ => Err(de::Error::custom(
            "tool call arguments must be a JSON object",
        )),
    }
}

/// The function part of a [`ToolCall`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCallFunction {
    /// Position of the call in the answer (server 0.12.6 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// The tool's name.
    #[serde(default)]
    pub name: String,
    /// The arguments, in the order the model wrote them.
    #[serde(default, deserialize_with = "tool_arguments")]
    pub arguments: Map<String, Value>,
}

/// A call of a tool, requested by the model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The call's id, like `call_k3j9x0qa` (server 0.12.10 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// What to call.
    #[serde(default)]
    pub function: ToolCallFunction,
}

impl ToolCall {
    /// A call of `name` with `arguments`.
    pub fn new(name: impl Into<String>, arguments: Map<String, Value>) -> ToolCall {
        ToolCall {
            id: None,
            function: ToolCallFunction {
                index: None,
                name: name.into(),
                arguments,
            },
        }
    }
}

/// `name({"a":1})`: the name, then the arguments as compact JSON.
impl fmt::Display for ToolCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args = serde_json::to_string(&self.function.arguments).map_err(|_| fmt::Error)?;
        write!(f, "{}({args})", self.function.name)
    }
}

/// The function a [`Tool`] offers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ToolFunction {
    /// The name the model calls it by.
    #[serde(default)]
    pub name: String,
    /// What it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A JSON Schema of the arguments (`{"type":"object","properties":…}`).
    #[serde(default)]
    pub parameters: Value,
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// Always `"function"`.
    #[serde(rename = "type", default = "default_tool_type")]
    pub r#type: String,
    /// The function.
    pub function: ToolFunction,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            r#type: default_tool_type(),
            function: ToolFunction::default(),
        }
    }
}

impl Tool {
    /// A function tool. An empty `description` is left out.
    pub fn function(
        name: impl Into<String>,
        description: impl Into<String>,
        parameters: Value,
    ) -> Tool {
        let description = description.into();
        Tool {
            r#type: default_tool_type(),
            function: ToolFunction {
                name: name.into(),
                description: (!description.is_empty()).then_some(description),
                parameters,
            },
        }
    }
}

/// One alternative token in [`Logprob::top_logprobs`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TopLogprob {
    /// The token's text.
    #[serde(default)]
    pub token: String,
    /// Its log probability.
    #[serde(default)]
    pub logprob: f64,
    /// Its UTF-8 bytes (a token may hold part of a character).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
}

/// The log probability of one generated token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Logprob {
    /// The token's text.
    #[serde(default)]
    pub token: String,
    /// Its log probability.
    #[serde(default)]
    pub logprob: f64,
    /// Its UTF-8 bytes (a token may hold part of a character).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
    /// The most likely tokens at this position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<Vec<TopLogprob>>,
}

/// Timings and token counts of a finished generation (the last line of a
/// stream). Durations are nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Metrics {
    /// The whole request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<u64>,
    /// Loading the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_duration: Option<u64>,
    /// Tokens in the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_eval_count: Option<u64>,
    /// Evaluating the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_eval_duration: Option<u64>,
    /// Tokens generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_count: Option<u64>,
    /// Generating them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_duration: Option<u64>,
}

fn rate(count: Option<u64>, duration_ns: Option<u64>) -> Option<f64> {
    match (count, duration_ns) {
        (Some(c), Some(d)) if d > 0 => Some(c as f64 / d as f64 * 1e9),
        _ => None,
    }
}

impl Metrics {
    /// Generated tokens per second.
    pub fn eval_rate(&self) -> Option<f64> {
        rate(self.eval_count, self.eval_duration)
    }

    /// Prompt tokens per second.
    pub fn prompt_eval_rate(&self) -> Option<f64> {
        rate(self.prompt_eval_count, self.prompt_eval_duration)
    }
}

#[cfg(test)]
mod tests;
