//! JSON the way the Go server writes and reads it.
//!
//! Ollama encodes with `encoding/json`: `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026`, floats use
//! the shortest form without an exponent between 1e-6 and 1e21, and no document ends with a newline.
//! Requests are read with a `json.Decoder`, whose error texts clients show to users, so the decoder
//! below reproduces those texts for malformed input and for fields of the wrong type.

use serde_json::{Map, Value};

/// Serialises `value` byte-for-byte like Go's `json.Marshal` (keys in insertion order).
pub(crate) fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = String::new();
    write_value(&mut out, value);
    out.into_bytes()
}

/// [`to_vec`] plus the `\n` that ends an NDJSON line.
pub(crate) fn to_line(value: &Value) -> Vec<u8> {
    let mut out = to_vec(value);
    out.push(b'\n');
    out
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                out.push_str(&go_float(n.as_f64().unwrap_or(0.0)));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, key);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's float64 formatting: like JavaScript, exponent form only for very small or large magnitudes.
pub(crate) fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        // Rust writes `1e21`, Go writes `1e+21`.
        match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => s,
        }
    } else {
        format!("{f}")
    }
}

/// A number holding the shortest decimal form of an `f32`, as Go prints `[]float32` values.
pub(crate) fn f32_number(f: f32) -> Value {
    let shortest: f64 = f.to_string().parse().unwrap_or(0.0);
    serde_json::Number::from_f64(shortest).map_or(Value::Null, Value::Number)
}

/// The type a request field must have; `name` in the variants is the Go type shown in errors.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Str,
    Bool,
    Int,
    IntArray,
    /// Any JSON object (`map[string]interface {}`).
    Object,
    /// `map[string]string`.
    StrMap,
    /// Whatever JSON value (`json.RawMessage` or `any`).
    Any,
    /// An array whose elements are objects checked against a nested spec.
    Objects(&'static str, &'static [(&'static str, Kind)]),
    /// Images: base64 strings decoded by Go as `[]byte`.
    Images,
    KeepAlive,
    Think,
}

fn go_type(kind: Kind) -> String {
    match kind {
        Kind::Str => "string".into(),
        Kind::Bool => "bool".into(),
        Kind::Int => "int".into(),
        Kind::IntArray => "[]int".into(),
        Kind::Object => "map[string]interface {}".into(),
        Kind::StrMap => "map[string]string".into(),
        Kind::Any => "interface {}".into(),
        Kind::Objects(name, _) => format!("[]api.{name}"),
        Kind::Images => "[]api.ImageData".into(),
        Kind::KeepAlive => "api.Duration".into(),
        Kind::Think => "api.ThinkValue".into(),
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Reads a request body the way Ollama's handlers do and checks the fields listed in `spec`.
///
/// Errors are the 400 texts the real server sends: `missing request body`, the decoder's syntax
/// message, or `json: cannot unmarshal ...`.
pub(crate) fn decode_request(
    body: &[u8],
    struct_name: &str,
    spec: &[(&str, Kind)],
) -> Result<Map<String, Value>, String> {
    let end = match scan(body) {
        Scan::Empty => return Err("missing request body".into()),
        Scan::Error(message) => return Err(message),
        Scan::Value(end) => end,
    };
    let text = String::from_utf8_lossy(&body[..end]);
    let value: Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let Value::Object(map) = value else {
        return Err(format!(
            "json: cannot unmarshal {} into Go value of type api.{struct_name}",
            json_kind(&value)
        ));
    };
    check_fields(&map, struct_name, "", spec)?;
    Ok(map)
}

fn check_fields(
    map: &Map<String, Value>,
    struct_name: &str,
    prefix: &str,
    spec: &[(&str, Kind)],
) -> Result<(), String> {
    for (field, kind) in spec {
        let Some(value) = map.get(*field) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        let path = format!("{prefix}{field}");
        check_value(value, *kind, struct_name, &path)?;
    }
    Ok(())
}

fn mismatch(value: &Value, kind: Kind, struct_name: &str, path: &str) -> String {
    let what = match value {
        Value::Number(n) => format!("number {n}"),
        other => json_kind(other).to_string(),
    };
    format!(
        "json: cannot unmarshal {what} into Go struct field {struct_name}.{path} of type {}",
        go_type(kind)
    )
}

fn check_value(value: &Value, kind: Kind, struct_name: &str, path: &str) -> Result<(), String> {
    let ok = match kind {
        Kind::Any => true,
        Kind::Str => value.is_string(),
        Kind::Bool => value.is_boolean(),
        Kind::Int => value.is_i64() || value.is_u64(),
        Kind::IntArray => match value {
            Value::Array(items) => {
                for item in items {
                    if !(item.is_i64() || item.is_u64() || item.is_null()) {
                        return Err(mismatch(item, Kind::Int, struct_name, path));
                    }
                }
                true
            }
            _ => false,
        },
        Kind::Object => value.is_object(),
        Kind::StrMap => match value {
            Value::Object(map) => {
                for item in map.values() {
                    if !(item.is_string() || item.is_null()) {
                        return Err(mismatch(item, Kind::Str, struct_name, path));
                    }
                }
                true
            }
            _ => false,
        },
        Kind::Objects(element, spec) => match value {
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::Object(map) => {
                            check_fields(map, struct_name, &format!("{path}."), spec)?
                        }
                        Value::Null => {}
                        other => {
                            return Err(format!(
                                "json: cannot unmarshal {} into Go struct field {struct_name}.{path} of type api.{element}",
                                json_kind(other)
                            ))
                        }
                    }
                }
                true
            }
            _ => false,
        },
        Kind::Images => match value {
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::String(s) => check_base64(s)?,
                        Value::Null => {}
                        other => return Err(mismatch(other, Kind::Images, struct_name, path)),
                    }
                }
                true
            }
            _ => false,
        },
        Kind::KeepAlive => {
            super::clock::parse_keep_alive(value)?;
            true
        }
        Kind::Think => {
            parse_think(value)?;
            true
        }
    };
    if ok {
        Ok(())
    } else {
        Err(mismatch(value, kind, struct_name, path))
    }
}

/// Go decodes `[]byte` fields from standard, padded base64.
fn check_base64(s: &str) -> Result<(), String> {
    use base64::Engine as _;
    match base64::engine::general_purpose::STANDARD.decode(s) {
        Ok(_) => Ok(()),
        Err(base64::DecodeError::InvalidByte(at, _)) => {
            Err(format!("illegal base64 data at input byte {at}"))
        }
        Err(base64::DecodeError::InvalidLastSymbol(at, _)) => {
            Err(format!("illegal base64 data at input byte {at}"))
        }
        Err(_) => Err(format!(
            "illegal base64 data at input byte {}",
            s.len() / 4 * 4
        )),
    }
}

/// `think` as the server understands it: `Some(false)` means off, `Some(true)` any way of turning
/// it on, `None` not given.
pub(crate) fn parse_think(value: &Value) -> Result<Option<bool>, String> {
    match value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) if ["high", "medium", "low", "max"].contains(&s.as_str()) => Ok(Some(true)),
        other => Err(format!(
            "invalid think value: {} (must be \"high\", \"medium\", \"low\", \"max\", true, or false)",
            String::from_utf8_lossy(&to_vec(other))
        )),
    }
}

enum Scan {
    /// Nothing but whitespace: Go's decoder reports `io.EOF`.
    Empty,
    Error(String),
    /// A complete value ends at this offset; whatever follows is never read.
    Value(usize),
}

fn scan(input: &[u8]) -> Scan {
    let mut scanner = Scanner { input, at: 0 };
    scanner.skip_ws();
    if scanner.at == input.len() {
        return Scan::Empty;
    }
    match scanner.value() {
        Ok(()) => Scan::Value(scanner.at),
        Err(message) => Scan::Error(message),
    }
}

/// A validating pass that fails with the messages of Go's `encoding/json` scanner.
struct Scanner<'a> {
    input: &'a [u8],
    at: usize,
}

const EOF: &str = "unexpected EOF";

fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        b'\n' => "'\\n'".into(),
        b'\r' => "'\\r'".into(),
        b'\t' => "'\\t'".into(),
        c if c < 0x20 || c == 0x7f => format!("'\\x{c:02x}'"),
        c => format!("'{}'", char::from(c)),
    }
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self.at < self.input.len()
            && matches!(self.input[self.at], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.at += 1;
        }
    }

    fn peek(&self) -> Result<u8, String> {
        self.input
            .get(self.at)
            .copied()
            .ok_or_else(|| EOF.to_string())
    }

    fn bad(&self, c: u8, context: &str) -> String {
        format!("invalid character {} {context}", quote_char(c))
    }

    fn value(&mut self) -> Result<(), String> {
        self.skip_ws();
        match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string(),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            c => Err(self.bad(c, "looking for beginning of value")),
        }
    }

    fn object(&mut self) -> Result<(), String> {
        self.at += 1;
        self.skip_ws();
        if self.peek()? == b'}' {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            match self.peek()? {
                b'"' => self.string()?,
                c => return Err(self.bad(c, "looking for beginning of object key string")),
            }
            self.skip_ws();
            match self.peek()? {
                b':' => self.at += 1,
                c => return Err(self.bad(c, "after object key")),
            }
            self.value()?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Ok(());
                }
                c => return Err(self.bad(c, "after object key:value pair")),
            }
        }
    }

    fn array(&mut self) -> Result<(), String> {
        self.at += 1;
        self.skip_ws();
        if self.peek()? == b']' {
            self.at += 1;
            return Ok(());
        }
        loop {
            self.value()?;
            self.skip_ws();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Ok(());
                }
                c => return Err(self.bad(c, "after array element")),
            }
        }
    }

    fn string(&mut self) -> Result<(), String> {
        self.at += 1;
        loop {
            let c = self.peek()?;
            self.at += 1;
            match c {
                b'"' => return Ok(()),
                b'\\' => {
                    let e = self.peek()?;
                    self.at += 1;
                    match e {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            for _ in 0..4 {
                                let h = self.peek()?;
                                if !h.is_ascii_hexdigit() {
                                    return Err(self.bad(h, "in \\u hexadecimal character escape"));
                                }
                                self.at += 1;
                            }
                        }
                        e => return Err(self.bad(e, "in string escape code")),
                    }
                }
                c if c < 0x20 => return Err(self.bad(c, "in string literal")),
                _ => {}
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while self.at < self.input.len() && self.input[self.at].is_ascii_digit() {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<(), String> {
        if self.peek()? == b'-' {
            self.at += 1;
            let c = self.peek()?;
            if !c.is_ascii_digit() {
                return Err(self.bad(c, "in numeric literal"));
            }
        }
        if self.peek()? == b'0' {
            self.at += 1;
        } else {
            self.digits();
        }
        if self.input.get(self.at) == Some(&b'.') {
            self.at += 1;
            let c = self.peek()?;
            if self.digits() == 0 {
                return Err(self.bad(c, "after decimal point in numeric literal"));
            }
        }
        if matches!(self.input.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek()?, b'+' | b'-') {
                self.at += 1;
            }
            let c = self.peek()?;
            if self.digits() == 0 {
                return Err(self.bad(c, "in exponent of numeric literal"));
            }
        }
        Ok(())
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        for expected in word.bytes() {
            let c = self.peek()?;
            if c != expected {
                return Err(self.bad(
                    c,
                    &format!("in literal {word} (expecting {})", quote_char(expected)),
                ));
            }
            self.at += 1;
        }
        Ok(())
    }
}

/// Field accessors that treat `null` like an absent field, as Go's zero values do.
pub(crate) trait Fields {
    fn str_of(&self, key: &str) -> &str;
    fn bool_of(&self, key: &str) -> Option<bool>;
    fn int_of(&self, key: &str) -> Option<i64>;
    fn present(&self, key: &str) -> Option<&Value>;
}

impl Fields for Map<String, Value> {
    fn str_of(&self, key: &str) -> &str {
        self.get(key).and_then(Value::as_str).unwrap_or("")
    }

    fn bool_of(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }

    fn int_of(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(Value::as_i64)
    }

    fn present(&self, key: &str) -> Option<&Value> {
        self.get(key).filter(|v| !v.is_null())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_like_go() {
        let v = json!({"a": "<|im_end|> & \u{1}", "f": 0.00001, "g": 10000.0, "h": 1e-7, "i": 1e21, "n": -3});
        assert_eq!(
            String::from_utf8(to_vec(&v)).unwrap(),
            r#"{"a":"\u003c|im_end|\u003e \u0026 \u0001","f":0.00001,"g":10000,"h":1e-7,"i":1e+21,"n":-3}"#
        );
        assert_eq!(
            String::from_utf8(to_vec(&json!([f32_number(0.7318014)]))).unwrap(),
            "[0.7318014]"
        );
    }

    #[test]
    fn decoder_messages_match_go() {
        let spec: &[(&str, Kind)] = &[("model", Kind::Str), ("top_logprobs", Kind::Int)];
        let err =
            |body: &str| decode_request(body.as_bytes(), "GenerateRequest", spec).unwrap_err();
        assert_eq!(err(""), "missing request body");
        assert_eq!(err("  \n"), "missing request body");
        assert_eq!(err(r#"{"model":"tiny","prompt":"#), "unexpected EOF");
        assert_eq!(
            err("x"),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            err("{x"),
            "invalid character 'x' looking for beginning of object key string"
        );
        assert_eq!(err(r#"{"a" 1}"#), "invalid character '1' after object key");
        assert_eq!(
            err(r#"{"a":1 "b"}"#),
            "invalid character '\"' after object key:value pair"
        );
        assert_eq!(
            err(r#"{"a":[1 2]}"#),
            "invalid character '2' after array element"
        );
        assert_eq!(
            err(r#"{"a":tru}"#),
            "invalid character '}' in literal true (expecting 'e')"
        );
        assert_eq!(
            err("[]"),
            "json: cannot unmarshal array into Go value of type api.GenerateRequest"
        );
        assert_eq!(
            err(r#"{"model":1}"#),
            "json: cannot unmarshal number 1 into Go struct field GenerateRequest.model of type string"
        );
        assert_eq!(
            err(r#"{"top_logprobs":1.5}"#),
            "json: cannot unmarshal number 1.5 into Go struct field GenerateRequest.top_logprobs of type int"
        );
        assert!(decode_request(br#"{"model":null} trailing"#, "GenerateRequest", spec).is_ok());
    }
}
