//! Chainable setters on [`Options`], one per known option, and
//! `TryFrom<serde_json::Value>`.
//!
//! ```
//! use ollama_rs::Options;
//! let o = Options::default().temperature(0.2).num_ctx(4096).stop(["END"]);
//! assert_eq!(
//!     serde_json::to_string(&o).unwrap(),
//!     r#"{"num_ctx":4096,"stop":["END"],"temperature":0.2}"#
//! );
//! ```

use serde_json::{Map, Value};

use crate::options::{OptionError, Options};

/// Generates one setter per option, typed by its [`OptionKind`]: `int`
/// takes any integer type that converts into `i64`, `float` an `f32`,
/// `bool` a `bool`, `list` strings. The names are also collected, so that a
/// test can check them against [`Options::KNOWN`].
///
/// [`OptionKind`]: crate::OptionKind
macro_rules! option_setters {
    ($( $name:ident: $kind:ident $(, $deprecated:ident)? ; )*) => {
        impl Options {
            $( option_setters!(@one $name $kind $($deprecated)?); )*
        }

        /// The options that have a setter, in order.
        #[cfg(test)]
        pub(crate) const SETTERS: &[&str] = &[$(stringify!($name)),*];
    };
    (@one $name:ident $kind:ident deprecated) => {
        option_setters!(@typed $name $kind concat!(
            "Sets [`Options::", stringify!($name), "`]. Current servers ignore it."
        ));
    };
    (@one $name:ident $kind:ident) => {
        option_setters!(@typed $name $kind concat!("Sets [`Options::", stringify!($name), "`]."));
    };
    (@typed $name:ident int $doc:expr) => {
        #[doc = $doc]
        #[must_use]
        pub fn $name(mut self, value: impl Into<i64>) -> Self {
            self.$name = Some(value.into());
            self
        }
    };
    (@typed $name:ident float $doc:expr) => {
        #[doc = $doc]
        #[must_use]
        pub fn $name(mut self, value: f32) -> Self {
            self.$name = Some(value);
            self
        }
    };
    (@typed $name:ident bool $doc:expr) => {
        #[doc = $doc]
        #[must_use]
        pub fn $name(mut self, value: bool) -> Self {
            self.$name = Some(value);
            self
        }
    };
    (@typed $name:ident list $doc:expr) => {
        #[doc = $doc]
        #[doc = ""]
        #[doc = "Replaces any stop sequences already set."]
        #[must_use]
        pub fn $name<S: Into<String>>(mut self, values: impl IntoIterator<Item = S>) -> Self {
            self.$name = Some(values.into_iter().map(Into::into).collect());
            self
        }
    };
}

option_setters! {
    num_ctx: int;
    num_batch: int;
    num_gpu: int;
    main_gpu: int;
    use_mmap: bool;
    num_thread: int;
    num_keep: int;
    seed: int;
    num_predict: int;
    stop: list;
    temperature: float;
    top_k: int;
    top_p: float;
    min_p: float;
    typical_p: float;
    repeat_last_n: int;
    repeat_penalty: float;
    presence_penalty: float;
    frequency_penalty: float;
    draft_num_predict: int;
    numa: bool, deprecated;
    low_vram: bool, deprecated;
    f16_kv: bool, deprecated;
    logits_all: bool, deprecated;
    vocab_only: bool, deprecated;
    use_mlock: bool, deprecated;
    embedding_only: bool, deprecated;
    tfs_z: float, deprecated;
    mirostat: int, deprecated;
    mirostat_tau: float, deprecated;
    mirostat_eta: float, deprecated;
    penalize_newline: bool, deprecated;
}

/// Options from a JSON object, key by key as [`Options::set`] takes them:
/// known keys must have their type ([`OptionError::BadValue`] names the
/// key), `null` leaves a known option unset, unknown keys go to
/// [`Options::extra`] unchanged. Anything but an object is
/// [`OptionError::NotAnObject`].
///
/// ```
/// use ollama_rs::Options;
/// let o = Options::try_from(serde_json::json!({"temperature": 0, "my_knob": 1})).unwrap();
/// assert_eq!(o.temperature, Some(0.0));
/// assert_eq!(o.extra["my_knob"], 1);
/// let e = Options::try_from(serde_json::json!({"num_ctx": "big"})).unwrap_err();
/// assert_eq!(e.to_string(), "option 'num_ctx' must be of type integer, not `\"big\"`");
/// ```
impl TryFrom<Value> for Options {
    type Error = OptionError;

    fn try_from(value: Value) -> Result<Self, Self::Error> {
        match value {
            Value::Object(map) => Options::try_from(map),
            other => Err(OptionError::NotAnObject(other.to_string())),
        }
    }
}

/// See `TryFrom<Value>`.
impl TryFrom<Map<String, Value>> for Options {
    type Error = OptionError;

    fn try_from(map: Map<String, Value>) -> Result<Self, Self::Error> {
        let mut options = Options::default();
        for (key, value) in map {
            if value.is_null() && Options::spec(&key).is_some() {
                continue;
            }
            options.set(&key, value)?;
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_known_option_has_a_setter() {
        let known: Vec<&str> = Options::KNOWN.iter().map(|o| o.name).collect();
        assert_eq!(SETTERS, &known[..]);
    }

    #[test]
    fn setters_serialize_like_fields() {
        let o = Options::default()
            .num_ctx(4096)
            .num_predict(8u32)
            .seed(-1)
            .temperature(0.2)
            .use_mmap(false)
            .stop(vec!["a".to_string(), "b".to_string()]);
        assert_eq!(
            o,
            Options {
                num_ctx: Some(4096),
                num_predict: Some(8),
                seed: Some(-1),
                temperature: Some(0.2),
                use_mmap: Some(false),
                stop: Some(vec!["a".into(), "b".into()]),
                ..Options::default()
            }
        );
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"num_ctx":4096,"use_mmap":false,"seed":-1,"num_predict":8,"stop":["a","b"],"temperature":0.2}"#
        );
    }

    #[test]
    fn try_from_json() {
        let o = Options::try_from(json!({
            "temperature": 0,
            "top_k": 5,
            "stop": ["x", "y"],
            "seed": null,
            "future": {"a": 1},
        }))
        .unwrap();
        assert_eq!(o.temperature, Some(0.0));
        assert_eq!(o.top_k, Some(5));
        assert_eq!(o.stop, Some(vec!["x".into(), "y".into()]));
        assert_eq!(o.seed, None);
        assert_eq!(o.extra.get("future"), Some(&json!({"a": 1})));
        assert_eq!(
            Options::try_from(json!({"use_mmap": "yes"}))
                .unwrap_err()
                .to_string(),
            "option 'use_mmap' must be of type boolean, not `\"yes\"`"
        );
        assert_eq!(
            Options::try_from(json!({"stop": 3})).unwrap_err(),
            OptionError::BadValue {
                name: "stop".into(),
                kind: "string",
                value: "3".into()
            }
        );
        assert_eq!(
            Options::try_from(json!([1])).unwrap_err().to_string(),
            "options must be a JSON object, not `[1]`"
        );
        assert_eq!(Options::try_from(json!({})).unwrap(), Options::default());
    }
}
