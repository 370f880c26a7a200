//! Request and response types of the Ollama API.
//!
//! Requests are built with `new(...)` and chainable setters; every optional
//! field is an `Option` that is left out of the JSON when unset, so the
//! server applies its own default:
//!
//! ```
//! use ollama_rs::{GenerateRequest, KeepAlive, Think};
//!
//! let req = GenerateRequest::new("llama3.2", "Why is the sky blue?")
//!     .system("Answer in one sentence.")
//!     .keep_alive(KeepAlive::from_secs(0.0))
//!     .think(true);
//! assert_eq!(
//!     serde_json::to_string(&req).unwrap(),
//!     r#"{"model":"llama3.2","prompt":"Why is the sky blue?","system":"Answer in one sentence.","keep_alive":0,"think":true}"#
//! );
//! ```
//!
//! Responses ignore fields they do not know, and every field an older server
//! may leave out is an `Option` or takes its default, so answers from older
//! and newer servers still decode. Shapes follow ollama `api/types.go`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use base64::Engine as _;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::{Error, Options, Result};

/// Decodes `null` like a missing field: as the type's default.
fn null_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn default_tool_type() -> String {
    "function".to_string()
}

/// Generates chainable by-value setters for `Option` fields.
macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: into $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: impl Into<$ty>) -> Self {
            self.$name = Some(value.into());
            self
        }
    };
    ($(#[$doc:meta])* $name:ident: iter $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, values: impl IntoIterator<Item = $ty>) -> Self {
            self.$name = Some(values.into_iter().collect());
            self
        }
    };
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = Some(value);
            self
        }
    };
}

// ---------------------------------------------------------------------------
// Parse errors
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Format
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Think
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// KeepAlive
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Image
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Messages and tools
// ---------------------------------------------------------------------------

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
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
}

impl Role {
    /// The word sent to the server.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Accepts `system`, `user`, `assistant`, `tool`, in any case.
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
        images: iter Image
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

// ---------------------------------------------------------------------------
// Generate and chat
// ---------------------------------------------------------------------------

/// `POST /api/generate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerateRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// The prompt; none (or empty) only loads the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Text after the insertion point (fill-in-the-middle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// Replaces the model's system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Replaces the model's prompt template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Deprecated: the `context` of an earlier answer, to continue it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<i64>>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Send the prompt without applying the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<bool>,
    /// JSON mode or a JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Images for a vision model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// Model options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
    /// How long to keep the model loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<KeepAlive>,
    /// Thinking on/off or its level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think: Option<Think>,
    /// Trim old context to fit (server default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    /// Shift the context window instead of failing (server default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<bool>,
    /// Return the log probability of each token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<bool>,
    /// How many alternatives per token to return with `logprobs` (0–20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<u32>,
}

impl GenerateRequest {
    /// A prompt for a model. An empty prompt is left unset, so that the
    /// request only loads the model, like [`GenerateRequest::load`].
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        let prompt = prompt.into();
        GenerateRequest {
            model: model.into(),
            prompt: (!prompt.is_empty()).then_some(prompt),
            ..Self::default()
        }
    }

    /// A request without a prompt: loads the model (or, with
    /// `keep_alive(KeepAlive::unload())`, unloads it).
    pub fn load(model: impl Into<String>) -> Self {
        GenerateRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets the prompt (even an empty one).
        prompt: into String
    );
    setter!(
        /// Sets the text after the insertion point.
        suffix: into String
    );
    setter!(
        /// Sets the system prompt.
        system: into String
    );
    setter!(
        /// Sets the prompt template.
        template: into String
    );
    setter!(
        /// Sets the context of an earlier answer.
        context: iter i64
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
    setter!(
        /// Sets raw mode.
        raw: bool
    );
    setter!(
        /// Sets the format.
        format: into Format
    );
    setter!(
        /// Sets the images.
        images: iter Image
    );
    setter!(
        /// Sets the model options.
        options: into Options
    );
    setter!(
        /// Sets how long the model stays loaded.
        keep_alive: into KeepAlive
    );
    setter!(
        /// Sets thinking.
        think: into Think
    );
    setter!(
        /// Sets whether to trim old context to fit.
        truncate: bool
    );
    setter!(
        /// Sets whether to shift the context window.
        shift: bool
    );
    setter!(
        /// Sets whether to return log probabilities.
        logprobs: bool
    );
    setter!(
        /// Sets the number of alternatives per token.
        top_logprobs: u32
    );
}

/// `POST /api/chat`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// The conversation; always sent. Empty only loads the model.
    #[serde(default, deserialize_with = "null_default")]
    pub messages: Vec<Message>,
    /// Tools the model may call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// JSON mode or a JSON Schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Model options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
    /// How long to keep the model loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<KeepAlive>,
    /// Thinking on/off or its level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub think: Option<Think>,
    /// Trim old messages to fit (server default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    /// Shift the context window instead of failing (server default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<bool>,
    /// Return the log probability of each token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<bool>,
    /// How many alternatives per token to return with `logprobs` (0–20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<u32>,
}

impl ChatRequest {
    /// A conversation for a model.
    pub fn new(model: impl Into<String>, messages: impl IntoIterator<Item = Message>) -> Self {
        ChatRequest {
            model: model.into(),
            messages: messages.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Appends a message.
    #[must_use]
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    setter!(
        /// Sets the tools.
        tools: iter Tool
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
    setter!(
        /// Sets the format.
        format: into Format
    );
    setter!(
        /// Sets the model options.
        options: into Options
    );
    setter!(
        /// Sets how long the model stays loaded.
        keep_alive: into KeepAlive
    );
    setter!(
        /// Sets thinking.
        think: into Think
    );
    setter!(
        /// Sets whether to trim old messages to fit.
        truncate: bool
    );
    setter!(
        /// Sets whether to shift the context window.
        shift: bool
    );
    setter!(
        /// Sets whether to return log probabilities.
        logprobs: bool
    );
    setter!(
        /// Sets the number of alternatives per token.
        top_logprobs: u32
    );
}

/// One alternative token in [`Logprob::top_logprobs`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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

/// One line of a generate stream, or the whole non-streamed answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerateResponse {
    /// The model, as named in the request.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// When this was produced (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The text (a fragment when streaming); may be empty.
    #[serde(default, deserialize_with = "null_default")]
    pub response: String,
    /// Reasoning text from a thinking model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// Whether this is the last line.
    #[serde(default, deserialize_with = "null_default")]
    pub done: bool,
    /// Why generation stopped: `stop`, `length`, `load`, `unload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_reason: Option<String>,
    /// Deprecated conversation state, on the last line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<i64>>,
    /// See [`Metrics::total_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<u64>,
    /// See [`Metrics::load_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_duration: Option<u64>,
    /// See [`Metrics::prompt_eval_count`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_eval_count: Option<u64>,
    /// See [`Metrics::prompt_eval_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_eval_duration: Option<u64>,
    /// See [`Metrics::eval_count`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_count: Option<u64>,
    /// See [`Metrics::eval_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_duration: Option<u64>,
    /// Token log probabilities, if requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<Logprob>>,
    /// Tool calls (rare on generate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<Vec<ToolCall>>,
    /// For cloud models: the remote model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_model: Option<String>,
    /// For cloud models: the remote host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_host: Option<String>,
}

impl GenerateResponse {
    /// The timings and counts.
    pub fn metrics(&self) -> Metrics {
        Metrics {
            total_duration: self.total_duration,
            load_duration: self.load_duration,
            prompt_eval_count: self.prompt_eval_count,
            prompt_eval_duration: self.prompt_eval_duration,
            eval_count: self.eval_count,
            eval_duration: self.eval_duration,
        }
    }
}

/// One line of a chat stream, or the whole non-streamed answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The model, as named in the request.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// When this was produced (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The answer (a fragment when streaming), role `assistant`.
    #[serde(default, deserialize_with = "null_default")]
    pub message: Message,
    /// Whether this is the last line.
    #[serde(default, deserialize_with = "null_default")]
    pub done: bool,
    /// Why generation stopped: `stop`, `length`, `load`, `unload`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_reason: Option<String>,
    /// See [`Metrics::total_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<u64>,
    /// See [`Metrics::load_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_duration: Option<u64>,
    /// See [`Metrics::prompt_eval_count`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_eval_count: Option<u64>,
    /// See [`Metrics::prompt_eval_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_eval_duration: Option<u64>,
    /// See [`Metrics::eval_count`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_count: Option<u64>,
    /// See [`Metrics::eval_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_duration: Option<u64>,
    /// Token log probabilities, if requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<Logprob>>,
    /// For cloud models: the remote model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_model: Option<String>,
    /// For cloud models: the remote host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_host: Option<String>,
}

impl ChatResponse {
    /// The timings and counts.
    pub fn metrics(&self) -> Metrics {
        Metrics {
            total_duration: self.total_duration,
            load_duration: self.load_duration,
            prompt_eval_count: self.prompt_eval_count,
            prompt_eval_duration: self.prompt_eval_duration,
            eval_count: self.eval_count,
            eval_duration: self.eval_duration,
        }
    }
}

// ---------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------

/// The `input` of an embed request: one text or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbedInput {
    /// One text; the answer has one vector.
    Single(String),
    /// Several texts; one vector each, in order.
    Many(Vec<String>),
}

impl EmbedInput {
    /// Whether there is no text at all (`""` or `[]`): the request then only
    /// loads the model.
    pub fn is_empty(&self) -> bool {
        match self {
            EmbedInput::Single(s) => s.is_empty(),
            EmbedInput::Many(v) => v.is_empty(),
        }
    }
}

impl Default for EmbedInput {
    fn default() -> Self {
        EmbedInput::Single(String::new())
    }
}

impl From<&str> for EmbedInput {
    fn from(s: &str) -> Self {
        EmbedInput::Single(s.to_string())
    }
}

impl From<String> for EmbedInput {
    fn from(s: String) -> Self {
        EmbedInput::Single(s)
    }
}

impl From<Vec<String>> for EmbedInput {
    fn from(v: Vec<String>) -> Self {
        EmbedInput::Many(v)
    }
}

impl From<Vec<&str>> for EmbedInput {
    fn from(v: Vec<&str>) -> Self {
        EmbedInput::Many(v.into_iter().map(str::to_string).collect())
    }
}

/// `POST /api/embed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbedRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// The text(s) to embed.
    #[serde(default)]
    pub input: EmbedInput,
    /// Cut inputs longer than the context instead of failing (server
    /// default `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    /// Keep only the first N dimensions (then re-normalize).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// Model options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
    /// How long to keep the model loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<KeepAlive>,
}

impl EmbedRequest {
    /// Text(s) to embed with a model.
    pub fn new(model: impl Into<String>, input: impl Into<EmbedInput>) -> Self {
        EmbedRequest {
            model: model.into(),
            input: input.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets whether to cut inputs that are too long.
        truncate: bool
    );
    setter!(
        /// Sets the number of dimensions to keep.
        dimensions: u32
    );
    setter!(
        /// Sets the model options.
        options: into Options
    );
    setter!(
        /// Sets how long the model stays loaded.
        keep_alive: into KeepAlive
    );
}

/// The answer of `/api/embed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbedResponse {
    /// The model.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// One L2-normalized vector per input, in order.
    #[serde(default, deserialize_with = "null_default")]
    pub embeddings: Vec<Vec<f32>>,
    /// See [`Metrics::total_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<u64>,
    /// See [`Metrics::load_duration`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_duration: Option<u64>,
    /// Tokens in all inputs together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_eval_count: Option<u64>,
}

/// `POST /api/embeddings` (deprecated; use [`EmbedRequest`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingsRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// The text to embed.
    #[serde(default)]
    pub prompt: String,
    /// Model options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
    /// How long to keep the model loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_alive: Option<KeepAlive>,
}

impl EmbeddingsRequest {
    /// A text to embed with a model.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        EmbeddingsRequest {
            model: model.into(),
            prompt: prompt.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets the model options.
        options: into Options
    );
    setter!(
        /// Sets how long the model stays loaded.
        keep_alive: into KeepAlive
    );
}

/// The answer of `/api/embeddings`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingsResponse {
    /// The vector, as the runner produced it (not normalized by the server).
    #[serde(default, deserialize_with = "null_default")]
    pub embedding: Vec<f64>,
}

// ---------------------------------------------------------------------------
// Pull, push, create: progress streams
// ---------------------------------------------------------------------------

/// `POST /api/pull`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullRequest {
    /// The model, `[host/][namespace/]model[:tag]`.
    #[serde(default)]
    pub model: String,
    /// Allow a plain-HTTP registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
}

impl PullRequest {
    /// Pull a model.
    pub fn new(model: impl Into<String>) -> Self {
        PullRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets whether a plain-HTTP registry is allowed.
        insecure: bool
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
}

/// `POST /api/push`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The model, `[host/]namespace/model[:tag]`.
    #[serde(default)]
    pub model: String,
    /// Allow a plain-HTTP registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure: Option<bool>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
}

impl PushRequest {
    /// Push a model.
    pub fn new(model: impl Into<String>) -> Self {
        PushRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets whether a plain-HTTP registry is allowed.
        insecure: bool
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
}

/// One line of a pull, push or create stream (or the single answer with
/// `stream: false`, `{"status":"success"}`). Zero and empty values are
/// left out by the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressResponse {
    /// What is happening, like `pulling manifest` or `success`.
    #[serde(default, deserialize_with = "null_default")]
    pub status: String,
    /// The layer (`sha256:…`) a byte count belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Bytes in the layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// Bytes done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<u64>,
}

/// A bare status answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    /// The status, like `success`.
    #[serde(default, deserialize_with = "null_default")]
    pub status: String,
}

/// A create request's `license`: one text or several.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum License {
    /// One license text.
    One(String),
    /// Several (a Modelfile's `LICENSE` lines).
    Many(Vec<String>),
}

impl From<&str> for License {
    fn from(s: &str) -> Self {
        License::One(s.to_string())
    }
}

impl From<String> for License {
    fn from(s: String) -> Self {
        License::One(s)
    }
}

impl From<Vec<String>> for License {
    fn from(v: Vec<String>) -> Self {
        License::Many(v)
    }
}

impl From<Vec<&str>> for License {
    fn from(v: Vec<&str>) -> Self {
        License::Many(v.into_iter().map(str::to_string).collect())
    }
}

/// `POST /api/create`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateRequest {
    /// The name of the new model.
    #[serde(default)]
    pub model: String,
    /// The base model (pulled if missing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Uploaded model files: file name → blob digest (`sha256:…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, String>>,
    /// Uploaded LoRA adapter files: file name → blob digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adapters: Option<BTreeMap<String, String>>,
    /// The prompt template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The license text(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<License>,
    /// The system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Options, merged over the base model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Options>,
    /// Stored messages, replacing the base model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
    /// Quantization type, like `q4_K_M` or `q8_0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantize: Option<String>,
    /// Whether to stream; the server's default is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// The renderer (server 0.12.0 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer: Option<String>,
    /// The output parser (server 0.12.0 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parser: Option<String>,
    /// The minimum server version the model needs (server 0.14.0 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
    /// Uploaded files of a draft model for speculative decoding: file name
    /// → blob digest (newer servers; a Modelfile's `DRAFT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_files: Option<BTreeMap<String, String>>,
    /// Quantization type for the draft model, like `q8_0` (needs
    /// [`draft_files`](Self::draft_files)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_quantize: Option<String>,
}

/// A name → digest map from any pairs of strings.
fn name_map<K: Into<String>, V: Into<String>>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

impl CreateRequest {
    /// Create a model named `model`; set [`from_model`](Self::from_model)
    /// or [`files`](Self::files) too.
    pub fn new(model: impl Into<String>) -> Self {
        CreateRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    /// Sets the base model (the `from` field).
    #[must_use]
    pub fn from_model(mut self, base: impl Into<String>) -> Self {
        self.from = Some(base.into());
        self
    }

    /// Sets the model files: name → digest.
    #[must_use]
    pub fn files<K: Into<String>, V: Into<String>>(
        mut self,
        files: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.files = Some(name_map(files));
        self
    }

    /// Sets the adapter files: name → digest.
    #[must_use]
    pub fn adapters<K: Into<String>, V: Into<String>>(
        mut self,
        adapters: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.adapters = Some(name_map(adapters));
        self
    }

    /// Sets the draft model's files: name → digest.
    #[must_use]
    pub fn draft_files<K: Into<String>, V: Into<String>>(
        mut self,
        files: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.draft_files = Some(name_map(files));
        self
    }

    setter!(
        /// Sets the draft model's quantization type.
        draft_quantize: into String
    );
    setter!(
        /// Sets the template.
        template: into String
    );
    setter!(
        /// Sets the license text(s).
        license: into License
    );
    setter!(
        /// Sets the system prompt.
        system: into String
    );
    setter!(
        /// Sets the parameters.
        parameters: into Options
    );
    setter!(
        /// Sets the stored messages.
        messages: iter Message
    );
    setter!(
        /// Sets the quantization type.
        quantize: into String
    );
    setter!(
        /// Sets whether to stream.
        stream: bool
    );
    setter!(
        /// Sets the renderer.
        renderer: into String
    );
    setter!(
        /// Sets the parser.
        parser: into String
    );
    setter!(
        /// Sets the minimum server version.
        requires: into String
    );
}

// ---------------------------------------------------------------------------
// Show, list, ps
// ---------------------------------------------------------------------------

/// `POST /api/show`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShowRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
    /// Fill the long arrays of `model_info` (tokenizer tables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbose: Option<bool>,
    /// A system prompt to show in place of the model's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Options to merge into the shown Modelfile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Options>,
}

impl ShowRequest {
    /// Show a model.
    pub fn new(model: impl Into<String>) -> Self {
        ShowRequest {
            model: model.into(),
            ..Self::default()
        }
    }

    setter!(
        /// Sets verbose output.
        verbose: bool
    );
    setter!(
        /// Sets the system prompt to show.
        system: into String
    );
    setter!(
        /// Sets options to merge.
        options: into Options
    );
}

/// Facts about a model's weights.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelDetails {
    /// The model it was created from, often empty.
    #[serde(default, deserialize_with = "null_default")]
    pub parent_model: String,
    /// `gguf` or `safetensors`.
    #[serde(default, deserialize_with = "null_default")]
    pub format: String,
    /// The architecture family, like `llama`.
    #[serde(default, deserialize_with = "null_default")]
    pub family: String,
    /// All families (may be `null`).
    #[serde(default)]
    pub families: Option<Vec<String>>,
    /// Like `8.0B`.
    #[serde(default, deserialize_with = "null_default")]
    pub parameter_size: String,
    /// Like `Q4_K_M`.
    #[serde(default, deserialize_with = "null_default")]
    pub quantization_level: String,
    /// Context length (server 0.19.0 and newer, `/api/tags` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_length: Option<u64>,
    /// Embedding length (server 0.30.0 and newer, `/api/tags` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_length: Option<u64>,
    /// Fields this version does not know (newer servers), kept so that
    /// writing the value back loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One tensor of a model, in [`ShowResponse::tensors`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tensor {
    /// Like `blk.0.attn_q.weight`.
    #[serde(default)]
    pub name: String,
    /// The data type, like `F32` or `Q4_K`.
    #[serde(rename = "type", default)]
    pub r#type: String,
    /// The dimensions.
    #[serde(default, deserialize_with = "null_default")]
    pub shape: Vec<u64>,
}

/// The answer of `/api/show`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShowResponse {
    /// A Modelfile that rebuilds the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modelfile: Option<String>,
    /// The parameters, one `key value` line each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<String>,
    /// The prompt template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// The license(s), joined by newlines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Facts about the weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<ModelDetails>,
    /// GGUF metadata, like `general.architecture`, `llama.context_length`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_info: Option<Map<String, Value>>,
    /// Metadata of the vision projector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projector_info: Option<Map<String, Value>>,
    /// The tensors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tensors: Option<Vec<Tensor>>,
    /// What the model can do: `completion`, `tools`, `insert`, `vision`,
    /// `embedding`, `thinking`, … (server 0.6.4 and newer).
    #[serde(default, deserialize_with = "null_default")]
    pub capabilities: Vec<String>,
    /// When the model was last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
    /// The stored messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
    /// The renderer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renderer: Option<String>,
    /// The output parser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parser: Option<String>,
    /// The minimum server version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<String>,
    /// For cloud models: the remote model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_model: Option<String>,
    /// For cloud models: the remote host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_host: Option<String>,
    /// Fields this version does not know (newer servers), kept so that
    /// writing the value back loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ShowResponse {
    /// Whether `capabilities` holds `cap` (ASCII case ignored).
    pub fn has_capability(&self, cap: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(cap))
    }

    fn info(&self, key: &str) -> Option<&Value> {
        self.model_info.as_ref()?.get(key)
    }

    fn arch_info_u64(&self, suffix: &str) -> Option<u64> {
        let arch = self.architecture()?;
        self.info(&format!("{arch}.{suffix}"))?.as_u64()
    }

    /// `model_info["general.architecture"]`, like `llama`.
    pub fn architecture(&self) -> Option<&str> {
        self.info("general.architecture")?.as_str()
    }

    /// `model_info["<architecture>.context_length"]`, else
    /// `details.context_length`.
    pub fn context_length(&self) -> Option<u64> {
        self.arch_info_u64("context_length")
            .or_else(|| self.details.as_ref()?.context_length)
    }

    /// `model_info["<architecture>.embedding_length"]`, else
    /// `details.embedding_length`.
    pub fn embedding_length(&self) -> Option<u64> {
        self.arch_info_u64("embedding_length")
            .or_else(|| self.details.as_ref()?.embedding_length)
    }

    /// `model_info["general.parameter_count"]`.
    pub fn parameter_count(&self) -> Option<u64> {
        self.info("general.parameter_count")?.as_u64()
    }
}

/// The answer of `GET /api/tags`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListResponse {
    /// Installed models, newest first.
    #[serde(default, deserialize_with = "null_default")]
    pub models: Vec<ListModel>,
}

/// An installed model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListModel {
    /// The name (same as `model` on current servers).
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// The name, like `llama3.2:latest`.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// When it was last changed (RFC 3339, local offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
    /// Bytes on disk.
    #[serde(default, deserialize_with = "null_default")]
    pub size: u64,
    /// The manifest's SHA-256, 64 hex digits without `sha256:`.
    #[serde(default, deserialize_with = "null_default")]
    pub digest: String,
    /// Facts about the weights.
    #[serde(default, deserialize_with = "null_default")]
    pub details: ModelDetails,
    /// What the model can do (newer servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
    /// For cloud models: the remote model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_model: Option<String>,
    /// For cloud models: the remote host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_host: Option<String>,
    /// Fields this version does not know (newer servers), kept so that
    /// writing the value back loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ListModel {
    /// The model's name: `model`, or `name` when `model` is empty (older
    /// servers).
    pub fn name(&self) -> &str {
        if self.model.is_empty() {
            &self.name
        } else {
            &self.model
        }
    }
}

/// The answer of `GET /api/ps`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessResponse {
    /// Loaded models, longest remaining lifetime first.
    #[serde(default, deserialize_with = "null_default")]
    pub models: Vec<RunningModel>,
}

/// A loaded model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningModel {
    /// The name (same as `model` on current servers).
    #[serde(default, deserialize_with = "null_default")]
    pub name: String,
    /// The name of the model that loaded it.
    #[serde(default, deserialize_with = "null_default")]
    pub model: String,
    /// Bytes in memory.
    #[serde(default, deserialize_with = "null_default")]
    pub size: u64,
    /// Of those, bytes on the GPU.
    #[serde(default, deserialize_with = "null_default")]
    pub size_vram: u64,
    /// The manifest's SHA-256, 64 hex digits.
    #[serde(default, deserialize_with = "null_default")]
    pub digest: String,
    /// Facts about the weights.
    #[serde(default, deserialize_with = "null_default")]
    pub details: ModelDetails,
    /// When it will be unloaded (RFC 3339, local offset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// The context length it was loaded with (server 0.10.0 and newer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_length: Option<u64>,
    /// Fields this version does not know (newer servers), kept so that
    /// writing the value back loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RunningModel {
    /// The model's name: `model`, or `name` when `model` is empty (older
    /// servers).
    pub fn name(&self) -> &str {
        if self.model.is_empty() {
            &self.name
        } else {
            &self.model
        }
    }
}

/// The answer of `GET /api/version`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionResponse {
    /// Like `0.32.15`.
    #[serde(default, deserialize_with = "null_default")]
    pub version: String,
}

/// `POST /api/copy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyRequest {
    /// The existing model.
    #[serde(default)]
    pub source: String,
    /// The new name.
    #[serde(default)]
    pub destination: String,
}

impl CopyRequest {
    /// Copy `source` to `destination`.
    pub fn new(source: impl Into<String>, destination: impl Into<String>) -> Self {
        CopyRequest {
            source: source.into(),
            destination: destination.into(),
        }
    }
}

/// `DELETE /api/delete`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRequest {
    /// The model.
    #[serde(default)]
    pub model: String,
}

impl DeleteRequest {
    /// Delete a model.
    pub fn new(model: impl Into<String>) -> Self {
        DeleteRequest {
            model: model.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::json;

    fn to_json<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }

    /// The keys of a serialized value, sorted.
    fn keys<T: Serialize>(v: &T) -> Vec<String> {
        let Value::Object(m) = serde_json::to_value(v).unwrap() else {
            panic!("not an object")
        };
        let mut k: Vec<String> = m.keys().cloned().collect();
        k.sort();
        k
    }

    fn sorted(names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    fn lines<T: serde::de::DeserializeOwned>(body: &str) -> Vec<T> {
        body.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn opts(pairs: &[(&str, Value)]) -> Options {
        let mut o = Options::default();
        for (k, v) in pairs {
            o.set(k, v.clone()).unwrap();
        }
        o
    }

    // ---- minimal requests -------------------------------------------------

    #[test]
    fn minimal_requests_send_only_required_fields() {
        let cases: Vec<(String, &str)> = vec![
            (
                to_json(&GenerateRequest::new("m", "hi")),
                r#"{"model":"m","prompt":"hi"}"#,
            ),
            (to_json(&GenerateRequest::new("m", "")), r#"{"model":"m"}"#),
            (to_json(&GenerateRequest::load("m")), r#"{"model":"m"}"#),
            (
                to_json(&ChatRequest::new("m", [Message::user("hi")])),
                r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#,
            ),
            (
                to_json(&ChatRequest::new("m", vec![])),
                r#"{"model":"m","messages":[]}"#,
            ),
            (
                to_json(&EmbedRequest::new("m", "x")),
                r#"{"model":"m","input":"x"}"#,
            ),
            (
                to_json(&EmbedRequest::new("m", vec!["a", "b"])),
                r#"{"model":"m","input":["a","b"]}"#,
            ),
            (
                to_json(&EmbeddingsRequest::new("m", "x")),
                r#"{"model":"m","prompt":"x"}"#,
            ),
            (to_json(&PullRequest::new("m")), r#"{"model":"m"}"#),
            (to_json(&PushRequest::new("m")), r#"{"model":"m"}"#),
            (to_json(&CreateRequest::new("m")), r#"{"model":"m"}"#),
            (to_json(&ShowRequest::new("m")), r#"{"model":"m"}"#),
            (
                to_json(&CopyRequest::new("a", "b")),
                r#"{"source":"a","destination":"b"}"#,
            ),
            (to_json(&DeleteRequest::new("m")), r#"{"model":"m"}"#),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
        // A fake server can decode a request without a model and answer
        // the way the real one does.
        let r: GenerateRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(r, GenerateRequest::default());
        let r: CopyRequest = serde_json::from_str(r#"{"source":"a"}"#).unwrap();
        assert_eq!(r.destination, "");
    }

    // ---- fully populated requests -----------------------------------------

    #[test]
    fn full_generate_request_has_every_field() {
        let req = GenerateRequest::new("m", "p")
            .suffix("s")
            .system("sys")
            .template("t")
            .context(vec![1, 2])
            .stream(true)
            .raw(false)
            .format(Format::Json)
            .images(vec![Image::from_bytes(b"img")])
            .options(opts(&[("temperature", json!(0.5))]))
            .keep_alive(KeepAlive::from_secs(0.0))
            .think(Think::from(true))
            .truncate(true)
            .shift(false)
            .logprobs(true)
            .top_logprobs(3);
        assert_eq!(
            keys(&req),
            sorted(&[
                "model",
                "prompt",
                "suffix",
                "system",
                "template",
                "context",
                "stream",
                "raw",
                "format",
                "images",
                "options",
                "keep_alive",
                "think",
                "truncate",
                "shift",
                "logprobs",
                "top_logprobs"
            ])
        );
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(v["keep_alive"], json!(0));
        assert_eq!(v["images"], json!(["aW1n"]));
        assert_eq!(v["format"], json!("json"));
        // Requests decode too (a fake server reads them), and round-trip.
        let back: GenerateRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, req);
    }

    #[test]
    fn full_chat_request_has_every_field() {
        let tool = Tool::function(
            "get_weather",
            "Weather of a city",
            json!({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}),
        );
        let req = ChatRequest::new("m", [Message::system("s")])
            .message(Message::user("u"))
            .tools(vec![tool])
            .stream(false)
            .format(json!({"type":"object"}))
            .options(Options::default())
            .keep_alive("5m")
            .think(ThinkLevel::High)
            .truncate(false)
            .shift(true)
            .logprobs(false)
            .top_logprobs(0);
        assert_eq!(
            keys(&req),
            sorted(&[
                "model",
                "messages",
                "tools",
                "stream",
                "format",
                "options",
                "keep_alive",
                "think",
                "truncate",
                "shift",
                "logprobs",
                "top_logprobs"
            ])
        );
        let v = serde_json::to_value(&req).unwrap();
        assert_eq!(v["think"], json!("high"));
        assert_eq!(v["keep_alive"], json!("5m"));
        assert_eq!(v["format"], json!({"type":"object"}));
        assert_eq!(v["tools"][0]["type"], json!("function"));
        assert_eq!(v["tools"][0]["function"]["name"], json!("get_weather"));
        assert_eq!(v["messages"].as_array().unwrap().len(), 2);
        let back: ChatRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, req);
    }

    #[test]
    fn full_other_requests_have_every_field() {
        let embed = EmbedRequest::new("m", "x")
            .truncate(false)
            .dimensions(8)
            .options(Options::default())
            .keep_alive(-1);
        assert_eq!(
            keys(&embed),
            sorted(&[
                "model",
                "input",
                "truncate",
                "dimensions",
                "options",
                "keep_alive"
            ])
        );
        let embeddings = EmbeddingsRequest::new("m", "x")
            .options(Options::default())
            .keep_alive(KeepAlive::forever());
        assert_eq!(
            keys(&embeddings),
            sorted(&["model", "prompt", "options", "keep_alive"])
        );
        assert_eq!(
            to_json(&PullRequest::new("m").insecure(true).stream(false)),
            r#"{"model":"m","insecure":true,"stream":false}"#
        );
        assert_eq!(
            to_json(&PushRequest::new("m").insecure(false).stream(true)),
            r#"{"model":"m","insecure":false,"stream":true}"#
        );
        let show = ShowRequest::new("m")
            .verbose(true)
            .system("s")
            .options(Options::default());
        assert_eq!(
            keys(&show),
            sorted(&["model", "verbose", "system", "options"])
        );
        let create = CreateRequest::new("m")
            .from_model("base")
            .files([("model.gguf", "sha256:abc")])
            .adapters(BTreeMap::from([(
                "lora.gguf".to_string(),
                "sha256:def".to_string(),
            )]))
            .template("t")
            .license(vec!["a", "b"])
            .system("s")
            .parameters(opts(&[("num_ctx", json!(2048))]))
            .messages([Message::user("hi"), Message::assistant("hello")])
            .quantize("q4_K_M")
            .stream(false)
            .renderer("r")
            .parser("p")
            .requires("0.14.0")
            .draft_files([("draft.gguf", "sha256:fed")])
            .draft_quantize("q8_0");
        assert_eq!(
            keys(&create),
            sorted(&[
                "model",
                "from",
                "files",
                "adapters",
                "template",
                "license",
                "system",
                "parameters",
                "messages",
                "quantize",
                "stream",
                "renderer",
                "parser",
                "requires",
                "draft_files",
                "draft_quantize"
            ])
        );
        let v = serde_json::to_value(&create).unwrap();
        assert_eq!(v["draft_files"], json!({"draft.gguf":"sha256:fed"}));
        assert_eq!(v["from"], json!("base"));
        assert_eq!(v["files"], json!({"model.gguf":"sha256:abc"}));
        assert_eq!(v["license"], json!(["a", "b"]));
        assert_eq!(v["parameters"], json!({"num_ctx":2048}));
        let back: CreateRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, create);
    }

    /// The builders produce what the captured requests sent (compared as
    /// JSON values, so key order does not matter).
    #[test]
    fn builders_match_captured_requests() {
        let o8 = opts(&[("num_predict", json!(8)), ("seed", json!(1))]);
        let cases: Vec<(Value, &str)> = vec![
            (
                serde_json::to_value(GenerateRequest::new("tiny", "hello").options(o8.clone()))
                    .unwrap(),
                r#"{"model":"tiny","prompt":"hello","options":{"num_predict":8,"seed":1}}"#,
            ),
            (
                serde_json::to_value(
                    GenerateRequest::new("tiny", "hello")
                        .stream(false)
                        .options(o8),
                )
                .unwrap(),
                r#"{"model":"tiny","prompt":"hello","stream":false,"options":{"num_predict":8,"seed":1}}"#,
            ),
            (
                serde_json::to_value(
                    GenerateRequest::new("tiny", "hello")
                        .stream(false)
                        .logprobs(true)
                        .top_logprobs(2)
                        .options(opts(&[("num_predict", json!(3)), ("seed", json!(1))])),
                )
                .unwrap(),
                r#"{"model":"tiny","prompt":"hello","stream":false,"logprobs":true,"top_logprobs":2,"options":{"num_predict":3,"seed":1}}"#,
            ),
            (
                serde_json::to_value(
                    ChatRequest::new("tiny", [Message::user("hello")])
                        .stream(false)
                        .options(opts(&[("num_predict", json!(6)), ("seed", json!(1))])),
                )
                .unwrap(),
                r#"{"model":"tiny","messages":[{"role":"user","content":"hello"}],"stream":false,"options":{"num_predict":6,"seed":1}}"#,
            ),
            (
                serde_json::to_value(EmbedRequest::new("tiny-embed", "hello world").dimensions(8))
                    .unwrap(),
                r#"{"model":"tiny-embed","input":"hello world","dimensions":8}"#,
            ),
            (
                serde_json::to_value(EmbedRequest::new(
                    "tiny-embed",
                    vec!["hello".to_string(), "tiny world".to_string()],
                ))
                .unwrap(),
                r#"{"model":"tiny-embed","input":["hello","tiny world"]}"#,
            ),
            (
                serde_json::to_value(EmbeddingsRequest::new("tiny-embed", "hello world")).unwrap(),
                r#"{"model":"tiny-embed","prompt":"hello world"}"#,
            ),
            (
                serde_json::to_value(ShowRequest::new("tiny").verbose(true)).unwrap(),
                r#"{"model":"tiny","verbose":true}"#,
            ),
            (
                serde_json::to_value(
                    PullRequest::new("127.0.0.1:5000/library/tiny-full").insecure(true),
                )
                .unwrap(),
                r#"{"model":"127.0.0.1:5000/library/tiny-full","insecure":true}"#,
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, serde_json::from_str::<Value>(want).unwrap());
        }
    }

    #[test]
    fn captured_create_request_round_trips() {
        // 62-create-all-fields, request body.
        let body = r##"{"model":"tiny-full","files":{"tiny.gguf":"sha256:936219a893deab01c75ed08736e38f760b8c77eea996f551ca60aec305502a6e"},"template":"{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n<|im_start|>assistant\n","system":"You are a tiny test model.","parameters":{"temperature":0.5,"num_predict":8,"stop":["<|im_end|>"],"seed":1},"license":"Test licence text.","messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"hi there"}]}"##;
        let req: CreateRequest = serde_json::from_str(body).unwrap();
        assert_eq!(req.model, "tiny-full");
        assert_eq!(req.license, Some(License::One("Test licence text.".into())));
        assert_eq!(req.parameters.as_ref().unwrap().temperature, Some(0.5));
        assert_eq!(
            req.messages.as_ref().unwrap()[1],
            Message::assistant("hi there")
        );
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            serde_json::from_str::<Value>(body).unwrap()
        );
    }

    // ---- encodings ----------------------------------------------------------

    #[test]
    fn keep_alive_encoding() {
        let cases: Vec<(KeepAlive, &str)> = vec![
            (KeepAlive::from_secs(0.0), "0"),
            (KeepAlive::unload(), "0"),
            (KeepAlive::forever(), "-1"),
            (KeepAlive::from_secs(1.5), "1.5"),
            (KeepAlive::from_secs(-0.0), "0"),
            (KeepAlive::from(300), "300"),
            (KeepAlive::from(300_i64), "300"),
            (KeepAlive::from(2.25_f64), "2.25"),
            (KeepAlive::from(std::time::Duration::from_secs(90)), "90"),
            (
                KeepAlive::from(std::time::Duration::from_millis(1500)),
                "1.5",
            ),
            (KeepAlive::from("300"), "300"),
            (KeepAlive::from(" 2.5 "), "2.5"),
            (KeepAlive::from("-1"), "-1"),
            (KeepAlive::from("5m"), r#""5m""#),
            (KeepAlive::from("0s"), r#""0s""#),
            (KeepAlive::from("1h30m".to_string()), r#""1h30m""#),
            (KeepAlive::from("inf"), r#""inf""#),
            (KeepAlive::from("NaN"), r#""NaN""#),
        ];
        for (ka, want) in cases {
            assert_eq!(to_json(&ka), want, "{ka:?}");
        }
        assert_eq!(KeepAlive::from("300"), KeepAlive::Seconds(300.0));
        assert_eq!(
            "10m".parse::<KeepAlive>().unwrap(),
            KeepAlive::Duration("10m".into())
        );
        assert_eq!(KeepAlive::from_secs(0.0).to_string(), "0");
        assert_eq!(KeepAlive::from_secs(1.5).to_string(), "1.5");
        assert_eq!(KeepAlive::from("5m").to_string(), "5m");
    }

    #[test]
    fn keep_alive_decoding() {
        let d = |s: &str| serde_json::from_str::<KeepAlive>(s).unwrap();
        assert_eq!(d("0"), KeepAlive::Seconds(0.0));
        assert_eq!(d("-1"), KeepAlive::Seconds(-1.0));
        assert_eq!(d("1.5"), KeepAlive::Seconds(1.5));
        assert_eq!(d(r#""5m""#), KeepAlive::Duration("5m".into()));
        // A string stays a string: the server itself decides about "300".
        assert_eq!(d(r#""300""#), KeepAlive::Duration("300".into()));
        assert!(serde_json::from_str::<KeepAlive>("true").is_err());
        let r: GenerateRequest =
            serde_json::from_str(r#"{"model":"m","keep_alive":null}"#).unwrap();
        assert_eq!(r.keep_alive, None);
    }

    #[test]
    fn think_encoding() {
        assert_eq!(to_json(&Think::from(true)), "true");
        assert_eq!(to_json(&Think::from(false)), "false");
        assert_eq!(to_json(&Think::from(ThinkLevel::Low)), r#""low""#);
        assert_eq!(to_json(&Think::Level(ThinkLevel::Max)), r#""max""#);
        assert_eq!(to_json(&ThinkLevel::Medium), r#""medium""#);
        for (text, think) in [
            ("true", Think::Bool(true)),
            ("FALSE", Think::Bool(false)),
            ("low", Think::Level(ThinkLevel::Low)),
            ("Medium", Think::Level(ThinkLevel::Medium)),
            ("HIGH", Think::Level(ThinkLevel::High)),
            ("max", Think::Level(ThinkLevel::Max)),
        ] {
            assert_eq!(text.parse::<Think>().unwrap(), think);
            assert_eq!(think.to_string(), text.to_ascii_lowercase());
            let json = to_json(&think);
            assert_eq!(serde_json::from_str::<Think>(&json).unwrap(), think);
        }
        let err = "extreme".parse::<Think>().unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid think value `extreme`: expected one of true, false, low, medium, high, max"
        );
        let err = serde_json::from_str::<Think>(r#""x""#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid think value"), "{err}");
        assert!(serde_json::from_str::<Think>("1").is_err());
        let e: Error = "nope".parse::<Think>().unwrap_err().into();
        assert!(matches!(e, Error::InvalidRequest(_)));
    }

    #[test]
    fn format_encoding() {
        assert_eq!(to_json(&Format::Json), r#""json""#);
        let schema = json!({"type":"object","properties":{"a":{"type":"integer"}}});
        assert_eq!(
            serde_json::to_value(Format::Schema(schema.clone())).unwrap(),
            schema
        );
        assert_eq!(
            serde_json::from_str::<Format>(r#""json""#).unwrap(),
            Format::Json
        );
        assert_eq!(
            serde_json::from_value::<Format>(schema.clone()).unwrap(),
            Format::Schema(schema.clone())
        );
        assert_eq!(
            serde_json::from_str::<Format>(r#""yaml""#).unwrap(),
            Format::Schema(json!("yaml"))
        );
        assert_eq!(Format::from(json!("json")), Format::Json);
        assert_eq!(Format::from(schema.clone()), Format::Schema(schema));
        assert_eq!("JSON".parse::<Format>().unwrap(), Format::Json);
        assert_eq!(
            r#"{"type":"object"}"#.parse::<Format>().unwrap(),
            Format::Schema(json!({"type":"object"}))
        );
        assert!("not json".parse::<Format>().is_err());
    }

    #[test]
    fn image_embed_input_license_encoding() {
        assert_eq!(to_json(&Image::from_bytes(b"hello")), r#""aGVsbG8=""#);
        assert_eq!(Image::from_bytes(b"hello").as_base64(), "aGVsbG8=");
        assert_eq!(Image::from_bytes(b"hello").decode().unwrap(), b"hello");
        assert_eq!(to_json(&EmbedInput::from("a")), r#""a""#);
        assert_eq!(to_json(&EmbedInput::from("a".to_string())), r#""a""#);
        assert_eq!(to_json(&EmbedInput::from(vec!["a", "b"])), r#"["a","b"]"#);
        assert_eq!(
            to_json(&EmbedInput::from(vec!["a".to_string()])),
            r#"["a"]"#
        );
        assert_eq!(
            serde_json::from_str::<EmbedInput>(r#"["x"]"#).unwrap(),
            EmbedInput::Many(vec!["x".into()])
        );
        assert_eq!(
            serde_json::from_str::<EmbedInput>(r#""x""#).unwrap(),
            EmbedInput::Single("x".into())
        );
        assert!(EmbedInput::from("").is_empty());
        assert!(EmbedInput::Many(vec![]).is_empty());
        assert_eq!(to_json(&License::from("MIT")), r#""MIT""#);
        assert_eq!(to_json(&License::from(vec!["a", "b"])), r#"["a","b"]"#);
        assert_eq!(
            serde_json::from_str::<License>(r#"["a"]"#).unwrap(),
            License::Many(vec!["a".into()])
        );
    }

    #[test]
    fn message_omits_unset_fields() {
        assert_eq!(
            to_json(&Message::user("hi")),
            r#"{"role":"user","content":"hi"}"#
        );
        assert_eq!(
            to_json(&Message::assistant("")),
            r#"{"role":"assistant","content":""}"#
        );
        assert_eq!(
            to_json(&Message::tool("get_weather", "sunny").tool_call_id("call_1")),
            r#"{"role":"tool","content":"sunny","tool_name":"get_weather","tool_call_id":"call_1"}"#
        );
        let m = Message::user("look")
            .images(vec![Image::from_bytes(b"x")])
            .thinking("hmm")
            .tool_calls([ToolCall::new("f", Map::new())]);
        assert_eq!(
            to_json(&m),
            r#"{"role":"user","content":"look","thinking":"hmm","images":["eA=="],"tool_calls":[{"function":{"name":"f","arguments":{}}}]}"#
        );
        // content may be missing or null on input.
        let m: Message = serde_json::from_str(r#"{"role":"assistant"}"#).unwrap();
        assert_eq!(m, Message::assistant(""));
        let m: Message = serde_json::from_str(r#"{"role":"system","content":null}"#).unwrap();
        assert_eq!(m, Message::system(""));
    }

    #[test]
    fn role_text() {
        for (text, role) in [
            ("system", Role::System),
            ("user", Role::User),
            ("assistant", Role::Assistant),
            ("tool", Role::Tool),
        ] {
            assert_eq!(role.to_string(), text);
            assert_eq!(text.parse::<Role>().unwrap(), role);
            assert_eq!(text.to_uppercase().parse::<Role>().unwrap(), role);
            assert_eq!(to_json(&role), format!("\"{text}\""));
        }
        assert_eq!(
            "bot".parse::<Role>().unwrap_err().to_string(),
            "invalid role `bot`: expected one of system, user, assistant, tool"
        );
    }

    #[test]
    fn tool_encoding() {
        let t = Tool::function("f", "", json!({"type":"object"}));
        assert_eq!(
            to_json(&t),
            r#"{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}"#
        );
        let t: Tool = serde_json::from_str(r#"{"function":{"name":"g"}}"#).unwrap();
        assert_eq!(t.r#type, "function");
        assert_eq!(Tool::default().r#type, "function");
    }

    // ---- responses from the captures --------------------------------------

    const C03_VERSION_GET: &str = r##"{"version":"0.32.15"}"##;
    const C04_TAGS_GET: &str = r##"{"models":[{"name":"tiny-bert:latest","model":"tiny-bert:latest","modified_at":"2026-11-25T03:04:47.876297371Z","size":454998,"digest":"ccbd6352ca8e6794ff85381ba05d4217303749c9837b26f7f8ab21a03332ff32","details":{"parent_model":"","format":"gguf","family":"bert","families":["bert"],"parameter_size":"112K","quantization_level":"unknown","context_length":512,"embedding_length":64},"capabilities":["embedding"]},{"name":"tiny-embed:latest","model":"tiny-embed:latest","modified_at":"2026-11-25T03:02:54.015962513Z","size":482904,"digest":"7a5d687ee472155cbf3dd5277a1ea1577187ddc96dcb11f000575786e12ba50b","details":{"parent_model":"","format":"gguf","family":"llama","families":["llama"],"parameter_size":"119K","quantization_level":"unknown","context_length":4096,"embedding_length":64},"capabilities":["embedding"]},{"name":"tiny:latest","model":"tiny:latest","modified_at":"2026-11-25T03:01:17.493105798Z","size":483257,"digest":"6c6fb155ec0c68b62ecd35160f6720e7b64dab9d00aa32da53ab189c56388f7b","details":{"parent_model":"","format":"gguf","family":"llama","families":["llama"],"parameter_size":"119K","quantization_level":"unknown","context_length":4096,"embedding_length":64},"capabilities":["completion"]}]}"##;
    const C05_PS_NONE: &str = r##"{"models":[]}"##;
    const C06_PS_LOADED: &str = r##"{"models":[{"name":"tiny:latest","model":"tiny:latest","size":7822376,"digest":"6c6fb155ec0c68b62ecd35160f6720e7b64dab9d00aa32da53ab189c56388f7b","details":{"parent_model":"","format":"gguf","family":"llama","families":["llama"],"parameter_size":"119K","quantization_level":"unknown"},"expires_at":"2026-11-25T03:14:39.629903622Z","size_vram":0,"context_length":4096}]}"##;
    const C07_SHOW_PLAIN: &str = r##"{"modelfile":"# Modelfile generated by \"ollama show\"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM tiny:latest\n\nFROM /home/user/.ollama/models/blobs/sha256-8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998\nTEMPLATE \"{{- range .Messages }}\u003c|im_start|\u003e{{ .Role }}\n{{ .Content }}\u003c|im_end|\u003e\n{{ end }}\u003c|im_start|\u003eassistant\n\"\nPARAMETER stop \u003c|im_start|\u003e\nPARAMETER stop \u003c|im_end|\u003e\n","parameters":"stop                           \"\u003c|im_start|\u003e\"\nstop                           \"\u003c|im_end|\u003e\"","template":"{{- range .Messages }}\u003c|im_start|\u003e{{ .Role }}\n{{ .Content }}\u003c|im_end|\u003e\n{{ end }}\u003c|im_start|\u003eassistant\n","details":{"parent_model":"","format":"gguf","family":"llama","families":["llama"],"parameter_size":"119K","quantization_level":"unknown"},"model_info":{"general.architecture":"llama","general.description":"random-weight test model (not a real LLM)","general.file_type":0,"general.parameter_count":118976,"general.quantization_version":2,"llama.attention.head_count":4,"llama.attention.head_count_kv":4,"llama.attention.layer_norm_rms_epsilon":0.00001,"llama.block_count":2,"llama.context_length":4096,"llama.embedding_length":64,"llama.feed_forward_length":128,"llama.rope.dimension_count":16,"llama.rope.freq_base":10000,"llama.vocab_size":287,"tokenizer.ggml.add_bos_token":false,"tokenizer.ggml.add_eos_token":false,"tokenizer.ggml.bos_token_id":0,"tokenizer.ggml.eos_token_id":2,"tokenizer.ggml.eot_token_id":2,"tokenizer.ggml.merges":null,"tokenizer.ggml.model":"gpt2","tokenizer.ggml.padding_token_id":0,"tokenizer.ggml.pre":"gpt-2","tokenizer.ggml.token_type":null,"tokenizer.ggml.tokens":null},"tensors":[{"name":"output.weight","type":"F32","shape":[64,287]},{"name":"output_norm.weight","type":"F32","shape":[64]},{"name":"token_embd.weight","type":"F32","shape":[64,287]},{"name":"blk.0.attn_k.weight","type":"F32","shape":[64,64]},{"name":"blk.0.attn_norm.weight","type":"F32","shape":[64]},{"name":"blk.0.attn_output.weight","type":"F32","shape":[64,64]},{"name":"blk.0.attn_q.weight","type":"F32","shape":[64,64]},{"name":"blk.0.attn_v.weight","type":"F32","shape":[64,64]},{"name":"blk.0.ffn_down.weight","type":"F32","shape":[128,64]},{"name":"blk.0.ffn_gate.weight","type":"F32","shape":[64,128]},{"name":"blk.0.ffn_norm.weight","type":"F32","shape":[64]},{"name":"blk.0.ffn_up.weight","type":"F32","shape":[64,128]},{"name":"blk.1.attn_k.weight","type":"F32","shape":[64,64]},{"name":"blk.1.attn_norm.weight","type":"F32","shape":[64]},{"name":"blk.1.attn_output.weight","type":"F32","shape":[64,64]},{"name":"blk.1.attn_q.weight","type":"F32","shape":[64,64]},{"name":"blk.1.attn_v.weight","type":"F32","shape":[64,64]},{"name":"blk.1.ffn_down.weight","type":"F32","shape":[128,64]},{"name":"blk.1.ffn_gate.weight","type":"F32","shape":[64,128]},{"name":"blk.1.ffn_norm.weight","type":"F32","shape":[64]},{"name":"blk.1.ffn_up.weight","type":"F32","shape":[64,128]}],"capabilities":["completion"],"modified_at":"2026-11-25T03:01:17.493105798Z"}"##;
    const C08_SHOW_VERBOSE: &str = r##"{"modelfile":"# Modelfile generated by \"ollama show\"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM tiny:latest\n\nFROM /home/user/.ollama/models/blobs/sha256-8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998\nTEMPLATE \"{{- range .Messages }}\u003c|im_start|\u003e{{ .Role }}\n{{ .Content }}\u003c|im_end|\u003e\n{{ end }}\u003c|im_start|\u003eassistant\n\"\nPARAMETER stop \u003c|im_start|\u003e\nPARAMETER stop \u003c|im_end|\u003e\n","parameters":"stop                           \"\u003c|im_start|\u003e\"\nstop                           \"\u003c|im_end|\u003e\"","template":"{{- range .Messages }}\u003c|im_start|\u003e{{ .Role }}\n{{ .Content }}\u003c|im_end|\u003e\n{{ end }}\u003c|im_start|\u003eassistant\n","details":{"parent_model":"","format":"gguf","family":"llama","families":["llama"],"parameter_size":"119K","quantization_level":"unknown"},"model_info":{"general.architecture":"llama","general.description":"random-weight test model (not a real LLM)","general.file_type":0,"general.parameter_count":118976,"general.quantization_version":2,"llama.attention.head_count":4,"llama.attention.head_count_kv":4,"llama.attention.layer_norm_rms_epsilon":0.00001,"llama.block_count":2,"llama.context_length":4096,"llama.embedding_length":64,"llama.feed_forward_length":128,"llama.rope.dimension_count":16,"llama.rope.freq_base":10000,"llama.vocab_size":287,"tokenizer.ggml.add_bos_token":false,"tokenizer.ggml.add_eos_token":false,"tokenizer.ggml.bos_token_id":0,"tokenizer.ggml.eos_token_id":2,"tokenizer.ggml.eot_token_id":2,"tokenizer.ggml.merges":["Ġ t","Ġt h","Ġth e","Ġ h","Ġh e","Ġhe l","Ġhel l","Ġhell o","Ġ w","Ġw o","Ġwo r","Ġwor l","Ġworl d","Ġ t","Ġt i","Ġti n","Ġtin y","Ġ l","Ġl l","Ġll a","Ġlla m","Ġllam a","Ġ m","Ġm o","Ġmo d","Ġmod e","Ġmode l","Ġ o","Ġo k"],"tokenizer.ggml.model":"gpt2","tokenizer.ggml.padding_token_id":0,"tokenizer.ggml.pre":"gpt-2","tokenizer.ggml.token_type":[3,3,3,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1],"tokenizer.ggml.tokens":["\u003c|endoftext|\u003e","\u003c|im_start|\u003e","\u003c|im_end|\u003e","Ā","ā","Ă","ă","Ą","ą","Ć","ć","Ĉ","ĉ","Ċ","ċ","Č","č","Ď","ď","Đ","đ","Ē","ē","Ĕ","ĕ","Ė","ė","Ę","ę","Ě","ě","Ĝ","ĝ","Ğ","ğ","Ġ","!","\"","#","$","%","\u0026","'","(",")","*","+",",","-",".","/","0","1","2","3","4","5","6","7","8","9",":",";","\u003c","=","\u003e","?","@","A","B","C","D","E","F","G","H","I","J","K","L","M","N","O","P","Q","R","S","T","U","V","W","X","Y","Z","[","\\","]","^","_","`","a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u","v","w","x","y","z","{","|","}","~","ġ","Ģ","ģ","Ĥ","ĥ","Ħ","ħ","Ĩ","ĩ","Ī","ī","Ĭ","ĭ","Į","į","İ","ı","Ĳ","ĳ","Ĵ","ĵ","Ķ","ķ","ĸ","Ĺ","ĺ","Ļ","ļ","Ľ","ľ","Ŀ","ŀ","Ł","ł","¡","¢","£","¤","¥","¦","§","¨","©","ª","«","¬","Ń","®","¯","°","±","²","³","´","µ","¶","·","¸","¹","º","»","¼","½","¾","¿","À","Á","Â","Ã","Ä","Å","Æ","Ç","È","É","Ê","Ë","Ì","Í","Î","Ï","Ð","Ñ","Ò","Ó","Ô","Õ","Ö","×","Ø","Ù","Ú","Û","Ü","Ý","Þ","ß","à","á","â","ã","ä","å","æ","ç","è","é","ê","ë","ì","í","î","ï","ð","ñ","ò","ó","ô","õ","ö","÷","ø","ù","ú","û","ü","ý","þ","ÿ","Ġt","Ġth","Ġthe","Ġh","Ġhe","Ġhel","Ġhell","Ġhello","Ġw","Ġwo","Ġwor","Ġworl","Ġworld","Ġti","Ġtin","Ġtiny","Ġl","Ġll","Ġlla","Ġllam","Ġllama","Ġm","Ġmo","Ġmod","Ġmode","Ġmodel","Ġo","Ġok"]},"tensors":[{"name":"output.weight","type":"F32","shape":[64,287]},{"name":"output_norm.weight","type":"F32","shape":[64]},{"name":"token_embd.weight","type":"F32","shape":[64,287]},{"name":"blk.0.attn_k.weight","type":"F32","shape":[64,64]},{"name":"blk.0.attn_norm.weight","type":"F32","shape":[64]},{"name":"blk.0.attn_output.weight","type":"F32","shape":[64,64]},{"name":"blk.0.attn_q.weight","type":"F32","shape":[64,64]},{"name":"blk.0.attn_v.weight","type":"F32","shape":[64,64]},{"name":"blk.0.ffn_down.weight","type":"F32","shape":[128,64]},{"name":"blk.0.ffn_gate.weight","type":"F32","shape":[64,128]},{"name":"blk.0.ffn_norm.weight","type":"F32","shape":[64]},{"name":"blk.0.ffn_up.weight","type":"F32","shape":[64,128]},{"name":"blk.1.attn_k.weight","type":"F32","shape":[64,64]},{"name":"blk.1.attn_norm.weight","type":"F32","shape":[64]},{"name":"blk.1.attn_output.weight","type":"F32","shape":[64,64]},{"name":"blk.1.attn_q.weight","type":"F32","shape":[64,64]},{"name":"blk.1.attn_v.weight","type":"F32","shape":[64,64]},{"name":"blk.1.ffn_down.weight","type":"F32","shape":[128,64]},{"name":"blk.1.ffn_gate.weight","type":"F32","shape":[64,128]},{"name":"blk.1.ffn_norm.weight","type":"F32","shape":[64]},{"name":"blk.1.ffn_up.weight","type":"F32","shape":[64,128]}],"capabilities":["completion"],"modified_at":"2026-11-25T03:01:17.493105798Z"}"##;
    const C15_GENERATE_STREAM: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:09:40.254253891Z","response":" h","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.254901415Z","response":"r","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.255341701Z","response":"a","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.25579461Z","response":"a","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.256261395Z","response":" lla","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.256654242Z","response":"r","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.257089889Z","response":"z","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.25748543Z","response":" lla","done":false}
{"model":"tiny","created_at":"2026-11-25T03:09:40.258717841Z","response":"","done":true,"done_reason":"length","context":[1,120,118,104,117,13,107,104,111,111,114,2,13,1,100,118,118,108,118,119,100,113,119,13,262,117,100,100,277,117,125,277],"total_duration":19334064,"load_duration":5147271,"prompt_eval_count":24,"prompt_eval_duration":1728000,"eval_count":8,"eval_duration":3535000}
"##;
    const C16_GENERATE_NONSTREAM: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:09:40.645435719Z","response":" hraa llarz lla","done":true,"done_reason":"length","context":[1,120,118,104,117,13,107,104,111,111,114,2,13,1,100,118,118,108,118,119,100,113,119,13,262,117,100,100,277,117,125,277],"total_duration":75095414,"load_duration":3147332,"prompt_eval_count":24,"prompt_eval_duration":62004000,"eval_count":8,"eval_duration":3127000}"##;
    const C17_GENERATE_LOAD: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:09:39.629747389Z","response":"","done":true,"done_reason":"load"}"##;
    const C25_GENERATE_LOGPROBS: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:09:42.950219663Z","response":" hra","done":true,"done_reason":"length","context":[1,120,118,104,117,13,107,104,111,111,114,2,13,1,100,118,118,108,118,119,100,113,119,13,262,117,100],"total_duration":9112577,"load_duration":1846102,"prompt_eval_count":24,"prompt_eval_duration":821000,"eval_count":3,"eval_duration":3397000,"logprobs":[{"token":" h","logprob":-4.430198669433594,"bytes":[32,104],"top_logprobs":[{"token":"d","logprob":-1.0920945405960083,"bytes":[100]},{"token":" ","logprob":-1.577102780342102,"bytes":[32]}]},{"token":"r","logprob":-3.8591997623443604,"bytes":[114],"top_logprobs":[{"token":" lla","logprob":-1.585815668106079,"bytes":[32,108,108,97]},{"token":" ","logprob":-1.9381334781646729,"bytes":[32]}]},{"token":"a","logprob":-1.4799139499664307,"bytes":[97],"top_logprobs":[{"token":"a","logprob":-1.4799139499664307,"bytes":[97]},{"token":"z","logprob":-2.0242788791656494,"bytes":[122]}]}]}"##;
    const C35_CHAT_STREAM: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:10:20.103074529Z","message":{"role":"assistant","content":" h"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.104184731Z","message":{"role":"assistant","content":"r"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.104209076Z","message":{"role":"assistant","content":"a"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.104369477Z","message":{"role":"assistant","content":"a"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.104857252Z","message":{"role":"assistant","content":" lla"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.105279473Z","message":{"role":"assistant","content":"r"},"done":false}
{"model":"tiny","created_at":"2026-11-25T03:10:20.106135318Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"length","total_duration":8449544,"load_duration":1242731,"prompt_eval_count":24,"prompt_eval_duration":1682000,"eval_count":6,"eval_duration":2408000}
"##;
    const C36_CHAT_NONSTREAM: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:10:20.414507977Z","message":{"role":"assistant","content":" hraa llar"},"done":true,"done_reason":"length","total_duration":6069892,"load_duration":1462713,"prompt_eval_count":24,"prompt_eval_duration":574000,"eval_count":6,"eval_duration":1297000}"##;
    const C43_EMBED_SINGLE: &str = r##"{"model":"tiny-embed","embeddings":[[0.7318014,0.026626382,-0.026379481,-0.018870149,0.058635384,0.026277494,-0.008489895,0.110198416]],"total_duration":4188624,"load_duration":1300669,"prompt_eval_count":6}"##;
    const C44_EMBED_LIST: &str = r##"{"model":"tiny-embed","embeddings":[[0.72719884,0.017114434,-0.027117686,-0.01587881,0.05618365,0.017239477,-0.0077562085,0.097509556],[0.7273227,-0.012317545,0.0075029014,-0.0106122615,0.060760908,0.03597731,-0.044688012,0.0993653]],"total_duration":6672292,"load_duration":1346064,"prompt_eval_count":10}"##;
    const C50_EMBEDDINGS_LEGACY_OK: &str = r##"{"embedding":[0.7318013906478882,0.026626382023096085,-0.026379480957984924,-0.018870148807764053,0.05863538384437561,0.026277493685483932,-0.008489894680678844,0.11019841581583023]}"##;
    const C62_CREATE_ALL_FIELDS: &str = r##"{"status":"parsing GGUF"}
{"status":"verifying conversion"}
{"status":"using existing layer sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998"}
{"status":"creating new layer sha256:13584952422bdecb614b2071ce16c7e4fa90b37c89d7b99fec2c206d690c4292"}
{"status":"creating new layer sha256:58ed9d82d104e72543685c0384b7ea6c5c3c253b86f100501c2baf7443faf239"}
{"status":"creating new layer sha256:f9a69297e7b9960f695c383614d9aae182dbe312f50392011035097a71bc2d06"}
{"status":"creating new layer sha256:50b299368e4e02012ee351398820fe7f64ffed7cfbd013c9c4303ad60beb1423"}
{"status":"creating new layer sha256:534289adfe5924042077b990eb91f71564e244ae5196a21856eedb6310f412fa"}
{"status":"writing manifest"}
{"status":"success"}"##;
    const C74_PULL_STREAM: &str = r##"{"status":"pulling manifest"}
{"status":"pulling 8de0a46aec06","digest":"sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998","total":482944,"completed":482944}
{"status":"pulling bc6c655310bb","digest":"sha256:bc6c655310bb6125b91599affdb663cc7defdb5c43e95cd8704205e3aed2bc90","total":152,"completed":152}
{"status":"verifying sha256 digest"}
{"status":"writing manifest"}
{"status":"success"}
"##;
    const C98_GENERATE_STREAM_LOGPROBS: &str = r##"{"model":"tiny","created_at":"2026-11-25T03:19:56.292400004Z","response":" h","done":false,"logprobs":[{"token":" h","logprob":-4.430198669433594,"bytes":[32,104],"top_logprobs":[{"token":"d","logprob":-1.0920945405960083,"bytes":[100]},{"token":" ","logprob":-1.577102780342102,"bytes":[32]}]}]}
{"model":"tiny","created_at":"2026-11-25T03:19:56.293418433Z","response":"r","done":false,"logprobs":[{"token":"r","logprob":-3.8591997623443604,"bytes":[114],"top_logprobs":[{"token":" lla","logprob":-1.585815668106079,"bytes":[32,108,108,97]},{"token":" ","logprob":-1.9381334781646729,"bytes":[32]}]}]}
{"model":"tiny","created_at":"2026-11-25T03:19:56.294080034Z","response":"a","done":false,"logprobs":[{"token":"a","logprob":-1.4799139499664307,"bytes":[97],"top_logprobs":[{"token":"a","logprob":-1.4799139499664307,"bytes":[97]},{"token":"z","logprob":-2.0242788791656494,"bytes":[122]}]}]}
{"model":"tiny","created_at":"2026-11-25T03:19:56.294108608Z","response":"","done":true,"done_reason":"length","context":[1,120,118,104,117,13,107,104,111,111,114,2,13,1,100,118,118,108,118,119,100,113,119,13,262,117,100],"total_duration":262217603,"load_duration":256936550,"prompt_eval_count":24,"prompt_eval_duration":1326000,"eval_count":3,"eval_duration":1344000}
"##;

    #[test]
    fn decode_version() {
        let v: VersionResponse = serde_json::from_str(C03_VERSION_GET).unwrap();
        assert_eq!(v.version, "0.32.15");
    }

    #[test]
    fn decode_tags() {
        let r: ListResponse = serde_json::from_str(C04_TAGS_GET).unwrap();
        assert_eq!(r.models.len(), 3);
        let m = &r.models[2];
        assert_eq!(m.name(), "tiny:latest");
        assert_eq!(m.size, 483257);
        assert_eq!(
            m.digest,
            "6c6fb155ec0c68b62ecd35160f6720e7b64dab9d00aa32da53ab189c56388f7b"
        );
        assert_eq!(
            m.modified_at.as_deref(),
            Some("2026-11-25T03:01:17.493105798Z")
        );
        assert_eq!(m.details.family, "llama");
        assert_eq!(m.details.families, Some(vec!["llama".to_string()]));
        assert_eq!(m.details.parameter_size, "119K");
        assert_eq!(m.details.quantization_level, "unknown");
        assert_eq!(m.details.context_length, Some(4096));
        assert_eq!(m.details.embedding_length, Some(64));
        assert_eq!(m.capabilities, Some(vec!["completion".to_string()]));
        assert_eq!(r.models[0].details.family, "bert");
        // Re-encoding gives back the server's document.
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::from_str::<Value>(C04_TAGS_GET).unwrap()
        );
    }

    #[test]
    fn decode_ps() {
        let r: ProcessResponse = serde_json::from_str(C05_PS_NONE).unwrap();
        assert!(r.models.is_empty());
        let r: ProcessResponse = serde_json::from_str(C06_PS_LOADED).unwrap();
        let m = &r.models[0];
        assert_eq!(m.name(), "tiny:latest");
        assert_eq!(m.size, 7822376);
        assert_eq!(m.size_vram, 0);
        assert_eq!(m.context_length, Some(4096));
        assert_eq!(
            m.expires_at.as_deref(),
            Some("2026-11-25T03:14:39.629903622Z")
        );
        assert_eq!(m.details.context_length, None);
        // Older servers: `null` list, no `model`, no size_vram.
        let r: ProcessResponse = serde_json::from_str(r#"{"models":null}"#).unwrap();
        assert!(r.models.is_empty());
        let r: ProcessResponse =
            serde_json::from_str(r#"{"models":[{"name":"old:latest","size":1}]}"#).unwrap();
        assert_eq!(r.models[0].name(), "old:latest");
        assert_eq!(r.models[0].size_vram, 0);
    }

    #[test]
    fn decode_show() {
        for body in [C07_SHOW_PLAIN, C08_SHOW_VERBOSE] {
            let r: ShowResponse = serde_json::from_str(body).unwrap();
            assert!(r
                .modelfile
                .as_deref()
                .unwrap()
                .starts_with("# Modelfile generated by \"ollama show\""));
            assert_eq!(
                r.parameters.as_deref(),
                Some("stop                           \"<|im_start|>\"\nstop                           \"<|im_end|>\"")
            );
            assert!(r.template.as_deref().unwrap().contains("<|im_start|>"));
            assert_eq!(r.system, None);
            assert_eq!(r.license, None);
            assert_eq!(r.details.as_ref().unwrap().format, "gguf");
            assert_eq!(r.capabilities, vec!["completion"]);
            assert!(r.has_capability("completion"));
            assert!(!r.has_capability("tools"));
            assert_eq!(r.architecture(), Some("llama"));
            assert_eq!(r.context_length(), Some(4096));
            assert_eq!(r.embedding_length(), Some(64));
            assert_eq!(r.parameter_count(), Some(118976));
            let tensors = r.tensors.as_ref().unwrap();
            assert_eq!(tensors.len(), 21);
            assert_eq!(
                tensors[0],
                Tensor {
                    name: "output.weight".into(),
                    r#type: "F32".into(),
                    shape: vec![64, 287]
                }
            );
            assert_eq!(
                r.modified_at.as_deref(),
                Some("2026-11-25T03:01:17.493105798Z")
            );
        }
        let plain: ShowResponse = serde_json::from_str(C07_SHOW_PLAIN).unwrap();
        let info = plain.model_info.as_ref().unwrap();
        assert_eq!(info["tokenizer.ggml.tokens"], Value::Null);
        // Key order of model_info is the server's.
        assert_eq!(info.keys().next().unwrap(), "general.architecture");
        let verbose: ShowResponse = serde_json::from_str(C08_SHOW_VERBOSE).unwrap();
        let tokens = verbose.model_info.as_ref().unwrap()["tokenizer.ggml.tokens"]
            .as_array()
            .unwrap();
        assert_eq!(tokens.len(), 287);
        assert_eq!(tokens[0], "<|endoftext|>");
    }

    #[test]
    fn show_helpers_fall_back_to_details() {
        let r: ShowResponse = serde_json::from_str(
            r#"{"details":{"context_length":8192,"embedding_length":512},"model_info":{}}"#,
        )
        .unwrap();
        assert_eq!(r.architecture(), None);
        assert_eq!(r.context_length(), Some(8192));
        assert_eq!(r.embedding_length(), Some(512));
        assert_eq!(r.parameter_count(), None);
        // Very old servers: no model_info, no capabilities.
        let r: ShowResponse = serde_json::from_str(r#"{"modelfile":"FROM x"}"#).unwrap();
        assert!(r.capabilities.is_empty());
        assert_eq!(r.context_length(), None);
    }

    #[test]
    fn decode_generate_stream() {
        let rs: Vec<GenerateResponse> = lines(C15_GENERATE_STREAM);
        assert_eq!(rs.len(), 9);
        let text: String = rs.iter().map(|r| r.response.as_str()).collect();
        assert_eq!(text, " hraa llarz lla");
        assert!(rs[..8].iter().all(|r| !r.done && r.done_reason.is_none()));
        assert_eq!(
            rs[0].created_at.as_deref(),
            Some("2026-11-25T03:09:40.254253891Z")
        );
        assert_eq!(rs[0].metrics(), Metrics::default());
        let last = &rs[8];
        assert!(last.done);
        assert_eq!(last.model, "tiny");
        assert_eq!(last.done_reason.as_deref(), Some("length"));
        assert_eq!(last.context.as_ref().unwrap().len(), 32);
        assert_eq!(
            last.metrics(),
            Metrics {
                total_duration: Some(19334064),
                load_duration: Some(5147271),
                prompt_eval_count: Some(24),
                prompt_eval_duration: Some(1728000),
                eval_count: Some(8),
                eval_duration: Some(3535000),
            }
        );
        let rate = last.metrics().eval_rate().unwrap();
        assert!((rate - 8.0 / 3535000.0 * 1e9).abs() < 1e-9, "{rate}");
        let prate = last.metrics().prompt_eval_rate().unwrap();
        assert!((prate - 24.0 / 1728000.0 * 1e9).abs() < 1e-9);
    }

    #[test]
    fn decode_generate_single() {
        let r: GenerateResponse = serde_json::from_str(C16_GENERATE_NONSTREAM).unwrap();
        assert_eq!(r.response, " hraa llarz lla");
        assert!(r.done);
        assert_eq!(r.eval_count, Some(8));
        assert_eq!(r.thinking, None);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::from_str::<Value>(C16_GENERATE_NONSTREAM).unwrap()
        );
        let r: GenerateResponse = serde_json::from_str(C17_GENERATE_LOAD).unwrap();
        assert_eq!(r.done_reason.as_deref(), Some("load"));
        assert_eq!(r.response, "");
        assert_eq!(r.metrics().eval_rate(), None);
    }

    #[test]
    fn decode_logprobs() {
        let r: GenerateResponse = serde_json::from_str(C25_GENERATE_LOGPROBS).unwrap();
        let lp = r.logprobs.as_ref().unwrap();
        assert_eq!(lp.len(), 3);
        assert_eq!(lp[0].token, " h");
        assert_eq!(lp[0].logprob, -4.430198669433594);
        assert_eq!(lp[0].bytes, Some(vec![32, 104]));
        let top = lp[1].top_logprobs.as_ref().unwrap();
        assert_eq!(
            top[0],
            TopLogprob {
                token: " lla".into(),
                logprob: -1.585815668106079,
                bytes: Some(vec![32, 108, 108, 97])
            }
        );
        let rs: Vec<GenerateResponse> = lines(C98_GENERATE_STREAM_LOGPROBS);
        assert_eq!(rs.len(), 4);
        for (r, want) in rs[..3].iter().zip(lp) {
            assert_eq!(r.logprobs.as_deref(), Some(std::slice::from_ref(want)));
        }
        assert_eq!(rs[3].logprobs, None);
        assert_eq!(rs[3].eval_count, Some(3));
    }

    #[test]
    fn decode_chat() {
        let rs: Vec<ChatResponse> = lines(C35_CHAT_STREAM);
        assert_eq!(rs.len(), 7);
        assert!(rs.iter().all(|r| r.message.role == Role::Assistant));
        let text: String = rs.iter().map(|r| r.message.content.as_str()).collect();
        assert_eq!(text, " hraa llar");
        let last = rs.last().unwrap();
        assert!(last.done);
        assert_eq!(last.done_reason.as_deref(), Some("length"));
        assert_eq!(last.metrics().eval_count, Some(6));
        assert_eq!(last.metrics().eval_duration, Some(2408000));
        let r: ChatResponse = serde_json::from_str(C36_CHAT_NONSTREAM).unwrap();
        assert_eq!(r.message, Message::assistant(" hraa llar"));
        assert_eq!(r.total_duration, Some(6069892));
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::from_str::<Value>(C36_CHAT_NONSTREAM).unwrap()
        );
    }

    #[test]
    fn decode_chat_tool_call() {
        // From the reference (§5).
        let body = r#"{"model":"llama3.2","created_at":"2025-07-07T20:22:19.184789Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"call_k3j9x0qa","function":{"index":0,"name":"get_weather","arguments":{"city":"Tokyo"}}}]},"done":false}"#;
        let r: ChatResponse = serde_json::from_str(body).unwrap();
        let calls = r.message.tool_calls.as_ref().unwrap();
        assert_eq!(calls[0].id.as_deref(), Some("call_k3j9x0qa"));
        assert_eq!(calls[0].function.index, Some(0));
        assert_eq!(calls[0].function.name, "get_weather");
        assert_eq!(calls[0].to_string(), r#"get_weather({"city":"Tokyo"})"#);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::from_str::<Value>(body).unwrap()
        );
    }

    #[test]
    fn tool_call_arguments_keep_key_order() {
        let body = r#"{"function":{"name":"f","arguments":{"zeta":1,"alpha":"two","mid":[3],"beta":{"y":1,"x":2}}}}"#;
        let call: ToolCall = serde_json::from_str(body).unwrap();
        let keys: Vec<&str> = call.function.arguments.keys().map(String::as_str).collect();
        assert_eq!(keys, ["zeta", "alpha", "mid", "beta"]);
        assert_eq!(
            call.to_string(),
            r#"f({"zeta":1,"alpha":"two","mid":[3],"beta":{"y":1,"x":2}})"#
        );
        assert_eq!(to_json(&call), body);
        // Arguments as a JSON string, or missing, are tolerated.
        let call: ToolCall =
            serde_json::from_str(r#"{"function":{"name":"f","arguments":"{\"b\":1,\"a\":2}"}}"#)
                .unwrap();
        assert_eq!(call.to_string(), r#"f({"b":1,"a":2})"#);
        let call: ToolCall = serde_json::from_str(r#"{"function":{"name":"f"}}"#).unwrap();
        assert_eq!(call.to_string(), "f({})");
        assert!(
            serde_json::from_str::<ToolCall>(r#"{"function":{"name":"f","arguments":[1]}}"#)
                .is_err()
        );
    }

    #[test]
    fn decode_embed() {
        let r: EmbedResponse = serde_json::from_str(C43_EMBED_SINGLE).unwrap();
        assert_eq!(r.model, "tiny-embed");
        assert_eq!(r.embeddings.len(), 1);
        assert_eq!(r.embeddings[0].len(), 8);
        assert_eq!(r.embeddings[0][0], 0.7318014_f32);
        assert_eq!(r.prompt_eval_count, Some(6));
        let r: EmbedResponse = serde_json::from_str(C44_EMBED_LIST).unwrap();
        assert_eq!(r.embeddings.len(), 2);
        assert_eq!(r.embeddings[1][7], 0.0993653_f32);
        assert_eq!(r.prompt_eval_count, Some(10));
        let r: EmbedResponse =
            serde_json::from_str(r#"{"model":"tiny-embed","embeddings":[]}"#).unwrap();
        assert!(r.embeddings.is_empty());
        assert_eq!(r.total_duration, None);
        let r: EmbeddingsResponse = serde_json::from_str(C50_EMBEDDINGS_LEGACY_OK).unwrap();
        assert_eq!(r.embedding.len(), 8);
        assert_eq!(r.embedding[0], 0.7318013906478882);
    }

    #[test]
    fn decode_progress() {
        let rs: Vec<ProgressResponse> = lines(C74_PULL_STREAM);
        assert_eq!(rs.len(), 6);
        assert_eq!(rs[0].status, "pulling manifest");
        assert_eq!(rs[0].digest, None);
        assert_eq!(rs[1].status, "pulling 8de0a46aec06");
        assert_eq!(
            rs[1].digest.as_deref(),
            Some("sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998")
        );
        assert_eq!(rs[1].total, Some(482944));
        assert_eq!(rs[1].completed, Some(482944));
        assert_eq!(rs[5].status, "success");
        let rs: Vec<ProgressResponse> = lines(C62_CREATE_ALL_FIELDS);
        assert_eq!(rs.len(), 10);
        assert!(rs.iter().all(|r| r.digest.is_none() && r.total.is_none()));
        let s: StatusResponse = serde_json::from_str(r#"{"status":"success"}"#).unwrap();
        assert_eq!(s.status, "success");
        // Re-encoding omits what the server omitted.
        assert_eq!(to_json(&rs[0]), r#"{"status":"parsing GGUF"}"#);
    }

    #[test]
    fn unknown_fields_and_missing_optionals_still_decode() {
        let r: GenerateResponse = serde_json::from_str(
            r#"{"model":"m","response":"x","done":false,"brand_new":{"a":[1,2]},"image":"abc"}"#,
        )
        .unwrap();
        assert_eq!(r.response, "x");
        assert_eq!(r.created_at, None);
        let r: GenerateResponse = serde_json::from_str("{}").unwrap();
        assert_eq!(r, GenerateResponse::default());
        let r: ChatResponse =
            serde_json::from_str(r#"{"model":"m","done":true,"future":1}"#).unwrap();
        assert_eq!(r.message.role, Role::Assistant);
        assert_eq!(r.message.content, "");
        let r: ChatResponse = serde_json::from_str(
            r#"{"model":"m","message":{"role":"assistant","content":"hi","thinking":"t","extra":true}}"#,
        )
        .unwrap();
        assert_eq!(r.message.thinking.as_deref(), Some("t"));
        let r: ProgressResponse = serde_json::from_str(r#"{"completed":5,"x":1}"#).unwrap();
        assert_eq!(r.status, "");
        assert_eq!(r.completed, Some(5));
        let r: ListResponse = serde_json::from_str("{}").unwrap();
        assert!(r.models.is_empty());
        let r: ListResponse = serde_json::from_str(
            r#"{"models":[{"name":"old:latest","modified_at":"2024-01-01T00:00:00Z","size":5,"digest":"d","details":{"format":"gguf","families":null,"new":1}}]}"#,
        )
        .unwrap();
        assert_eq!(r.models[0].name(), "old:latest");
        assert_eq!(r.models[0].details.families, None);
        assert_eq!(r.models[0].capabilities, None);
        let r: EmbedResponse = serde_json::from_str(r#"{"embeddings":[[1.0]]}"#).unwrap();
        assert_eq!(r.model, "");
        let r: ShowResponse =
            serde_json::from_str(r#"{"capabilities":null,"unknown_section":{}}"#).unwrap();
        assert!(r.capabilities.is_empty());
    }

    // ---- images ---------------------------------------------------------------

    const INVALID: &str =
        "invalid request: Invalid image data, expected base64 string or path to image file";

    #[test]
    fn image_parse_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pic.png");
        std::fs::write(&path, b"\x89PNG data").unwrap();
        let img = Image::parse(path.to_str().unwrap()).unwrap();
        assert_eq!(img, Image::from_bytes(b"\x89PNG data"));
        assert_eq!(Image::from_path(&path).unwrap(), img);
        // Any existing file, whatever its name.
        let other = dir.path().join("notes");
        std::fs::write(&other, b"abc").unwrap();
        assert_eq!(
            Image::parse(other.to_str().unwrap()).unwrap().as_base64(),
            "YWJj"
        );
    }

    #[test]
    fn image_parse_missing_image_file() {
        for name in ["/no/such/cat.png", "dog.jpg", "x.jpeg", "y.webp", "Z.PNG"] {
            let e = Image::parse(name).unwrap_err();
            let Error::InvalidRequest(msg) = &e else {
                panic!("{e:?}")
            };
            assert_eq!(msg, &format!("File {name} does not exist"));
        }
    }

    #[test]
    fn image_parse_base64_and_garbage() {
        assert_eq!(Image::parse("aGVsbG8=").unwrap().as_base64(), "aGVsbG8=");
        assert_eq!(
            Image::from_base64("aGVs\nbG8=").unwrap().as_base64(),
            "aGVsbG8="
        );
        for bad in ["not base64!", "aGVsbG8", "", "/no/such/file.gif"] {
            let e = Image::parse(bad).unwrap_err();
            assert_eq!(e.to_string(), INVALID, "{bad:?}");
        }
        assert_eq!(Image::from_base64("@@@").unwrap_err().to_string(), INVALID);
        let e = Image::from_path("/no/such/file.png").unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
        assert!("aGVsbG8=".parse::<Image>().is_ok());
        // A directory is not an image file.
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Image::parse(dir.path().to_str().unwrap())
                .unwrap_err()
                .to_string(),
            INVALID
        );
    }

    #[test]
    fn metrics_rates() {
        let m = Metrics {
            eval_count: Some(10),
            eval_duration: Some(2_000_000_000),
            prompt_eval_count: Some(5),
            prompt_eval_duration: Some(0),
            ..Metrics::default()
        };
        assert_eq!(m.eval_rate(), Some(5.0));
        assert_eq!(m.prompt_eval_rate(), None);
        assert_eq!(Metrics::default().eval_rate(), None);
    }
}
