//! A streaming reader for `/api/embed` answers, the largest documents of the API: 2,000 inputs
//! of 4,096 dimensions are 100 MB of decimal numbers, in one chunk without `Content-Length`.
//!
//! Read whole and then parsed by serde_json, such an answer costs the body's size in memory on
//! top of the vectors, and most of the time goes into serde_json's general number path.
//! [`EmbedReader`] instead takes the body chunk by chunk: the numbers of the top-level
//! `embeddings` array go straight into `f32` vectors, with the same arithmetic as serde_json
//! (so the same values), and only the rest of the document (the model, the statistics, with
//! `null` where the vectors were) is kept and handed to serde_json at the end. Memory is the
//! vectors plus a few bytes, and the result is what serde_json gives.
//!
//! Only the array that is plainly the top-level `embeddings` field is read this way; anything
//! else (an error document, an escaped key, a duplicate field) stays in the kept text, which is
//! then the whole body and gets serde_json's usual result or error. A malformed vector is a
//! [`Error::Decode`] as with serde_json, with a message of this reader's.

use crate::error::{Error, Result};
use crate::types::EmbedResponse;

/// Reads an `/api/embed` answer fed in pieces; see the module documentation.
#[derive(Debug, Default)]
pub(crate) struct EmbedReader {
    /// The document as received, less the vectors' array (`null` stands in its place).
    outer: Vec<u8>,
    scan: Outer,
    /// `Some` while inside the vectors' array.
    inside: Option<Inside>,
    /// The vectors' array was read already: a second one is left to serde_json.
    seen: bool,
    vectors: Vec<Vec<f32>>,
    current: Vec<f32>,
    /// The start of a number cut by the end of a piece.
    carry: Vec<u8>,
}

/// Just enough of the JSON structure outside the vectors to find the top-level key.
#[derive(Debug, Default)]
struct Outer {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// At depth 1, after `{` or `,`: the next string is a key.
    expect_key: bool,
    /// Where, in `outer`, the key being read started.
    key_start: Option<usize>,
    after: After,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum After {
    #[default]
    Nothing,
    /// The key `"embeddings"` at depth 1.
    Key,
    /// ... and its colon: a `[` now opens the vectors.
    Colon,
}

/// Where the reader is inside the vectors' array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inside {
    /// After the array's `[`: a vector or `]`.
    FirstVector,
    /// After `,`: a vector.
    Vector,
    /// After a vector's `[`: a number or `]`.
    FirstNumber,
    /// After `,` in a vector, or inside a number cut by a piece's end.
    Number,
    /// After a number: `,` or `]`.
    AfterNumber,
    /// After a vector: `,` or `]`.
    AfterVector,
}

const KEY: &[u8] = b"\"embeddings\"";

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t')
}

fn is_number_byte(c: u8) -> bool {
    matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
}

fn invalid(what: &str, near: &[u8]) -> Error {
    Error::decode(
        format!("invalid embeddings: {what}"),
        &near[..near.len().min(40)],
    )
}

impl EmbedReader {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Takes the next piece of the body. An error is final.
    pub(crate) fn feed(&mut self, piece: &[u8]) -> Result<()> {
        let mut at = 0;
        while at < piece.len() {
            at = match self.inside {
                Some(_) => self.vectors(piece, at)?,
                None => self.outer(piece, at),
            };
        }
        Ok(())
    }

    /// The answer, once the whole body was fed.
    pub(crate) fn finish(mut self) -> Result<EmbedResponse> {
        if self.inside.is_some() {
            return Err(invalid("the body ended inside the vectors", &self.carry));
        }
        let vectors = std::mem::take(&mut self.vectors);
        let mut response: EmbedResponse = crate::ndjson::decode_document(&self.outer)?;
        if self.seen {
            response.embeddings = vectors;
        }
        Ok(response)
    }

    /// Copies bytes outside the vectors, watching for the top-level `"embeddings": [`.
    /// Returns where it stopped: the end, or just past that `[`.
    fn outer(&mut self, piece: &[u8], mut at: usize) -> usize {
        let s = &mut self.scan;
        while at < piece.len() {
            let c = piece[at];
            at += 1;
            if s.in_string {
                self.outer.push(c);
                if s.escaped {
                    s.escaped = false;
                } else if c == b'\\' {
                    s.escaped = true;
                } else if c == b'"' {
                    s.in_string = false;
                    if let Some(start) = s.key_start.take() {
                        if &self.outer[start..] == KEY && !self.seen {
                            s.after = After::Key;
                        }
                    }
                }
                continue;
            }
            if is_ws(c) {
                self.outer.push(c);
                continue;
            }
            let after = std::mem::take(&mut s.after);
            match c {
                b'[' if after == After::Colon => {
                    // The vectors: kept out of `outer`, where `null` stands for them.
                    self.outer.extend_from_slice(b"null");
                    self.seen = true;
                    self.inside = Some(Inside::FirstVector);
                    return at;
                }
                b'"' => {
                    s.in_string = true;
                    if s.depth == 1 && s.expect_key {
                        s.key_start = Some(self.outer.len());
                    }
                    s.expect_key = false;
                }
                b':' if after == After::Key => s.after = After::Colon,
                b'{' | b'[' => {
                    s.depth += 1;
                    s.expect_key = c == b'{' && s.depth == 1;
                }
                b'}' | b']' => s.depth = s.depth.saturating_sub(1),
                b',' => s.expect_key = s.depth == 1,
                _ => {}
            }
            self.outer.push(c);
        }
        at
    }

    /// Reads vectors from `piece[at..]`; returns where it stopped: the end of the piece, or just
    /// past the array's closing `]`.
    fn vectors(&mut self, piece: &[u8], mut at: usize) -> Result<usize> {
        let mut state = self.inside.expect("inside the vectors");
        if !self.carry.is_empty() {
            // Finish the number that the last piece cut.
            let end = piece[at..]
                .iter()
                .position(|c| !is_number_byte(*c))
                .map_or(piece.len(), |n| at + n);
            self.carry.extend_from_slice(&piece[at..end]);
            if end == piece.len() {
                return Ok(end);
            }
            let carry = std::mem::take(&mut self.carry);
            match scan_number(&carry, true) {
                Scanned::Number(v, len) if len == carry.len() => self.current.push(v),
                Scanned::Number(..) => return Err(invalid("expected `,` or `]`", &carry)),
                Scanned::Cut | Scanned::Invalid(_) => {
                    return Err(invalid("expected a number", &carry))
                }
            }
            at = end;
            state = Inside::AfterNumber;
        }
        loop {
            while at < piece.len() && is_ws(piece[at]) {
                at += 1;
            }
            if at == piece.len() {
                self.inside = Some(state);
                return Ok(at);
            }
            let c = piece[at];
            state = match state {
                Inside::FirstVector | Inside::Vector | Inside::AfterVector => {
                    at += 1;
                    match (state, c) {
                        (Inside::FirstVector | Inside::Vector, b'[') => {
                            // The vectors of one answer have one length.
                            let hint = self.vectors.last().map_or(0, Vec::len);
                            self.current = Vec::with_capacity(hint);
                            Inside::FirstNumber
                        }
                        (Inside::AfterVector, b',') => Inside::Vector,
                        (Inside::FirstVector | Inside::AfterVector, b']') => {
                            self.inside = None;
                            return Ok(at);
                        }
                        _ => return Err(invalid("expected a vector", &piece[at - 1..])),
                    }
                }
                Inside::FirstNumber if c == b']' => {
                    at += 1;
                    self.vectors.push(std::mem::take(&mut self.current));
                    Inside::AfterVector
                }
                Inside::FirstNumber | Inside::Number => {
                    // The hot loop: numbers and commas, with no other state.
                    loop {
                        match scan_number(&piece[at..], false) {
                            Scanned::Number(v, len) => {
                                self.current.push(v);
                                at += len;
                            }
                            Scanned::Cut => {
                                self.carry.extend_from_slice(&piece[at..]);
                                self.inside = Some(Inside::Number);
                                return Ok(piece.len());
                            }
                            Scanned::Invalid(what) => return Err(invalid(what, &piece[at..])),
                        }
                        if piece[at] != b',' {
                            break;
                        }
                        at += 1;
                        if piece.get(at).is_none_or(|c| is_ws(*c)) {
                            break;
                        }
                    }
                    if piece.get(at - 1) == Some(&b',') {
                        Inside::Number
                    } else {
                        Inside::AfterNumber
                    }
                }
                Inside::AfterNumber => {
                    at += 1;
                    match c {
                        b',' => Inside::Number,
                        b']' => {
                            self.vectors.push(std::mem::take(&mut self.current));
                            Inside::AfterVector
                        }
                        _ => return Err(invalid("expected `,` or `]`", &piece[at - 1..])),
                    }
                }
            };
        }
    }
}

/// How a number at the start of some bytes reads.
enum Scanned {
    /// The value and the number's length.
    Number(f32, usize),
    /// The bytes end inside the number (or where one could go on).
    Cut,
    Invalid(&'static str),
}

/// Powers of ten that are exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Reads a number in JSON's grammar from the start of `b` in one pass, to the `f32` that
/// serde_json gives: integers convert directly, other numbers round to the nearest `f64` and
/// then narrow. A decimal whose digits fit in 53 bits, with an exponent of at most 22, is one
/// exact `f64` operation (the classic fast path); others go through the standard library's
/// correctly rounded parser, as serde_json's `float_roundtrip` reads them. `last` says that no
/// byte follows `b`.
fn scan_number(b: &[u8], last: bool) -> Scanned {
    const MAX_DIGITS: u32 = 19;
    let mut i = 0;
    let negative = b.first() == Some(&b'-');
    if negative {
        i = 1;
    }
    let mut mantissa: u64 = 0;
    let mut digits = 0u32;
    let mut exponent: i64 = 0;
    let mut truncated = false;
    let mut integer = true;
    let mut take = |c: u8, fraction: bool, mantissa: &mut u64, exponent: &mut i64| {
        if digits < MAX_DIGITS {
            *mantissa = *mantissa * 10 + u64::from(c - b'0');
            if *mantissa > 0 {
                digits += 1;
            }
            if fraction {
                *exponent -= 1;
            }
        } else {
            truncated = true;
            if !fraction {
                *exponent += 1;
            }
        }
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(c @ b'1'..=b'9') => {
            take(*c, false, &mut mantissa, &mut exponent);
            i += 1;
            while let Some(c @ b'0'..=b'9') = b.get(i) {
                take(*c, false, &mut mantissa, &mut exponent);
                i += 1;
            }
        }
        None if !last => return Scanned::Cut,
        _ => return Scanned::Invalid("expected a number"),
    }
    if b.get(i) == Some(&b'.') {
        integer = false;
        i += 1;
        let start = i;
        while let Some(c @ b'0'..=b'9') = b.get(i) {
            take(*c, true, &mut mantissa, &mut exponent);
            i += 1;
        }
        if i == start {
            return if i == b.len() && !last {
                Scanned::Cut
            } else {
                Scanned::Invalid("expected a digit after `.`")
            };
        }
    }
    if let Some(b'e' | b'E') = b.get(i) {
        integer = false;
        i += 1;
        let mut sign = 1;
        if let Some(c @ (b'+' | b'-')) = b.get(i) {
            sign = if *c == b'-' { -1 } else { 1 };
            i += 1;
        }
        let start = i;
        let mut e: i64 = 0;
        while let Some(c @ b'0'..=b'9') = b.get(i) {
            e = (e * 10 + i64::from(c - b'0')).min(1 << 40);
            i += 1;
        }
        if i == start {
            return if i == b.len() && !last {
                Scanned::Cut
            } else {
                Scanned::Invalid("expected a digit in the exponent")
            };
        }
        exponent += sign * e;
    }
    if i == b.len() && !last {
        return Scanned::Cut;
    }
    let value = if integer && !truncated {
        // serde_json reads these as u64 or i64 and converts them directly.
        let v = mantissa as f32;
        if negative {
            -v
        } else {
            v
        }
    } else {
        let wide = if !truncated && mantissa < (1 << 53) && (-22..=22).contains(&exponent) {
            let m = mantissa as f64;
            let p = POW10[exponent.unsigned_abs() as usize];
            if exponent < 0 {
                m / p
            } else {
                m * p
            }
        } else {
            match std::str::from_utf8(&b[usize::from(negative)..i])
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
            {
                Some(v) => v,
                None => return Scanned::Invalid("expected a number"),
            }
        };
        let v = wide as f32;
        if negative {
            -v
        } else {
            v
        }
    };
    // serde_json refuses what does not fit an f32.
    if !value.is_finite() {
        return Scanned::Invalid("number out of range");
    }
    Scanned::Number(value, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(pieces: &[&[u8]]) -> Result<EmbedResponse> {
        let mut r = EmbedReader::new();
        for p in pieces {
            r.feed(p)?;
        }
        r.finish()
    }

    fn serde(body: &str) -> Result<EmbedResponse> {
        crate::ndjson::decode_document(body.as_bytes())
    }

    const BODIES: &[&str] = &[
        r#"{"model":"m","embeddings":[[0.1,-0.25,3e-7,1E2,0,-0],[1,2.5e+1,-1.5E-3,0.0]],"total_duration":5,"load_duration":1,"prompt_eval_count":3}"#,
        " { \"embeddings\" : [ [ 1 , 2 ] , [ ] ] , \"model\" : \"a\\\"b[\" } \n",
        r#"{"model":"m","embeddings":[]}"#,
        r#"{"model":"m","embeddings":null}"#,
        r#"{"model":"m"}"#,
        r#"{}"#,
        r#"{"extra":{"embeddings":[[5]],"x":["embeddings",[1]]},"embeddings":[[1]],"model":null}"#,
        r#"{"emb\u0065ddings":[[1,2]],"model":"escaped key: serde_json reads it"}"#,
        r#"{"model":"embeddings","embeddings":[[1]]}"#,
        "[]",
        r#"{"embeddings":[[12345678901234567890123,0.1234567890123456789012,9007199254740993,18446744073709551615,-9223372036854775808,3.4028235e38,1e-50,123e-2,-0.0,0e0,1E+2]]}"#,
    ];

    #[test]
    fn same_result_as_serde_json_for_any_split() {
        for body in BODIES {
            let expected = serde(body).expect(body);
            let b = body.as_bytes();
            assert_eq!(read(&[b]).expect(body), expected, "{body}");
            for i in 0..=b.len() {
                for j in i..=b.len() {
                    let got = read(&[&b[..i], &b[i..j], &b[j..]]);
                    assert_eq!(got.as_ref().ok(), Some(&expected), "{body} cut at {i}, {j}");
                }
            }
        }
    }

    #[test]
    fn every_float_reads_back_the_same() {
        // Shortest forms of many f32 values, as servers write them, in both notations.
        let mut x: u32 = 0x1234_5678;
        let mut values = Vec::new();
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let f = f32::from_bits(x);
            if f.is_finite() {
                values.push(f);
            }
        }
        let text: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if i % 2 == 0 {
                    format!("{v}")
                } else {
                    format!("{v:e}")
                }
            })
            .collect();
        let body = format!("{{\"embeddings\":[[{}]]}}", text.join(","));
        let pieces: Vec<&[u8]> = body.as_bytes().chunks(7).collect();
        let got = read(&pieces).unwrap();
        assert_eq!(got.embeddings[0], values);
        assert_eq!(got, serde(&body).unwrap());
    }

    #[test]
    fn errors_where_serde_json_errs() {
        for body in [
            r#"{"embeddings":[[1,null]]}"#,
            r#"{"embeddings":[null]}"#,
            r#"{"embeddings":[[1e400]]}"#,
            r#"{"embeddings":[[1e39]]}"#,
            r#"{"embeddings":[[-3.5e38]]}"#,
            r#"{"embeddings":[[.5]]}"#,
            r#"{"embeddings":[[+1]]}"#,
            r#"{"embeddings":[[01]]}"#,
            r#"{"embeddings":[[1.]]}"#,
            r#"{"embeddings":[[1-2]]}"#,
            r#"{"embeddings":[[inf]]}"#,
            r#"{"embeddings":[[1],]}"#,
            r#"{"embeddings":[[1]]"#,
            r#"{"embeddings":[[1"#,
            r#"{"embeddings":[[1]],"embeddings":[[2]]}"#,
            r#"{"embeddings":[[1]]} {}"#,
            r#"{"embeddings":[[1]],"model":5}"#,
            "",
        ] {
            assert!(serde(body).is_err(), "serde_json accepts {body}");
            let b = body.as_bytes();
            for i in 0..=b.len() {
                let got = read(&[&b[..i], &b[i..]]);
                assert!(
                    matches!(got, Err(Error::Decode { .. })),
                    "{body} cut at {i}: {got:?}"
                );
            }
        }
    }

    #[test]
    fn error_documents_keep_their_meaning() {
        for body in [
            "{\"error\":\"model \\\"x\\\" not found\"}",
            "{\"model\":\"m\",\"embeddings\":[[1]]}\n{\"error\":\"failed late\"}\n",
        ] {
            let got = read(&[body.as_bytes()]).unwrap_err();
            let expected = serde(body).unwrap_err();
            assert_eq!(got.to_string(), expected.to_string());
            assert!(matches!(got, Error::Stream { .. }), "{got:?}");
        }
    }

    #[test]
    fn memory_is_the_vectors_not_the_body() {
        let body = format!(
            "{{\"model\":\"m\",\"embeddings\":[{}]}}",
            vec!["[0.123456789,-0.987654321]"; 1000].join(",")
        );
        let mut r = EmbedReader::new();
        r.feed(body.as_bytes()).unwrap();
        assert!(r.outer.len() < 40, "{}", String::from_utf8_lossy(&r.outer));
        assert_eq!(r.finish().unwrap().embeddings.len(), 1000);
    }
}
