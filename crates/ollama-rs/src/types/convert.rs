//! Small conversions into the request types, so that plain values can be
//! passed where a [`Format`], [`Think`], [`EmbedInput`] or [`Image`] is
//! expected:
//!
//! ```
//! use ollama_rs::{ChatRequest, EmbedRequest, GenerateRequest, Message};
//!
//! let _ = GenerateRequest::new("m", "p").format("json");
//! let _ = ChatRequest::new("m", [Message::user("hi")]).think("high");
//! let _ = EmbedRequest::new("m", ["a", "b"]);
//! let _ = Message::user("look").images([vec![0x89u8, b'P', b'N', b'G']]);
//! ```

use serde_json::Value;

use super::common::{Format, Image, Think};
use super::embed::EmbedInput;

/// Text as the Python client sends it, read the way [`Format::from_str`]
/// reads it when it can: `"json"` (any case) is [`Format::Json`], a JSON
/// document (normally a schema object) is that document. Any other text is
/// kept as a string and sent as is: the server treats `""` as no format and
/// refuses anything else (`invalid format: ...; expected "json" or a valid
/// JSON Schema object`), the same answer a Python caller gets. Use
/// [`str::parse`] to refuse such text before sending.
///
/// ```
/// use ollama_rs::Format;
/// assert_eq!(Format::from("json"), Format::Json);
/// assert_eq!(
///     Format::from(r#"{"type":"object"}"#),
///     Format::Schema(serde_json::json!({"type": "object"}))
/// );
/// assert_eq!(Format::from("xml"), Format::Schema(serde_json::json!("xml")));
/// ```
///
/// [`Format::from_str`]: std::str::FromStr::from_str
impl From<&str> for Format {
    fn from(s: &str) -> Self {
        s.parse()
            .unwrap_or_else(|_| Format::Schema(Value::String(s.to_string())))
    }
}

/// See `From<&str>`.
impl From<String> for Format {
    fn from(s: String) -> Self {
        s.parse().unwrap_or(Format::Schema(Value::String(s)))
    }
}

/// `"true"`, `"false"`, `"low"`, `"medium"`, `"high"` or `"max"`, in any
/// case, as [`Think`]'s `FromStr` reads them.
///
/// # Panics
///
/// On any other text: [`Think`] has no value for it, and the server would
/// refuse it anyway (`invalid think value`). This is meant for literals
/// (`.think("high")`); parse text from elsewhere with [`str::parse`], which
/// returns an error instead.
///
/// ```
/// use ollama_rs::{Think, ThinkLevel};
/// assert_eq!(Think::from("high"), Think::Level(ThinkLevel::High));
/// assert_eq!(Think::from("false"), Think::Bool(false));
/// assert!("very".parse::<Think>().is_err());
/// ```
impl From<&str> for Think {
    fn from(s: &str) -> Self {
        match s.parse() {
            Ok(t) => t,
            Err(e) => panic!("{e}"),
        }
    }
}

/// See `From<&str>` (this panics the same way).
impl From<String> for Think {
    fn from(s: String) -> Self {
        Think::from(s.as_str())
    }
}

impl EmbedInput {
    /// Several texts, from anything that yields strings (an iterator, an
    /// array, a slice, a `Vec`). Always [`EmbedInput::Many`], even for one
    /// text.
    pub fn many<S: Into<String>>(texts: impl IntoIterator<Item = S>) -> EmbedInput {
        EmbedInput::Many(texts.into_iter().map(Into::into).collect())
    }
}

/// Several texts: a `Vec` of `String` or `&str`.
impl<S: Into<String>> From<Vec<S>> for EmbedInput {
    fn from(v: Vec<S>) -> Self {
        EmbedInput::many(v)
    }
}

/// Several texts: an array (`["a", "b"]`).
impl<S: Into<String>, const N: usize> From<[S; N]> for EmbedInput {
    fn from(a: [S; N]) -> Self {
        EmbedInput::many(a)
    }
}

/// Several texts: a slice (`&lines[..]`).
impl<S: Into<String> + Clone> From<&[S]> for EmbedInput {
    fn from(s: &[S]) -> Self {
        EmbedInput::many(s.iter().cloned())
    }
}

/// Several texts: a borrowed array.
impl<S: Into<String> + Clone, const N: usize> From<&[S; N]> for EmbedInput {
    fn from(s: &[S; N]) -> Self {
        EmbedInput::many(s.iter().cloned())
    }
}

/// Several texts: a borrowed `Vec`.
impl<S: Into<String> + Clone> From<&Vec<S>> for EmbedInput {
    fn from(v: &Vec<S>) -> Self {
        EmbedInput::many(v.iter().cloned())
    }
}

/// One text.
impl From<&String> for EmbedInput {
    fn from(s: &String) -> Self {
        EmbedInput::Single(s.clone())
    }
}

/// Several texts, collected from an iterator:
/// `lines.iter().map(|l| l.trim()).collect::<EmbedInput>()`.
impl<S: Into<String>> FromIterator<S> for EmbedInput {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        EmbedInput::many(iter)
    }
}

/// The raw bytes of an image file (as [`std::fs::read`] gives them),
/// encoded; see [`Image::from_bytes`]. To read a file, use
/// [`Image::from_path`], which reports a missing file.
impl From<Vec<u8>> for Image {
    fn from(bytes: Vec<u8>) -> Self {
        Image::from_bytes(&bytes)
    }
}

/// Raw image bytes; see [`Image::from_bytes`].
impl From<&[u8]> for Image {
    fn from(bytes: &[u8]) -> Self {
        Image::from_bytes(bytes)
    }
}

/// Raw image bytes; see [`Image::from_bytes`].
impl From<&Vec<u8>> for Image {
    fn from(bytes: &Vec<u8>) -> Self {
        Image::from_bytes(bytes)
    }
}

/// Raw image bytes, such as `include_bytes!("cat.png")`.
impl<const N: usize> From<&[u8; N]> for Image {
    fn from(bytes: &[u8; N]) -> Self {
        Image::from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests;
