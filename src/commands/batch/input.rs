//! The input of `batch`: lines read on a thread of their own, and each
//! line's id and request.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use ollama_rs::{BatchRequest, ChatRequest, EmbedRequest, GenerateRequest, Message};
use serde_json::{json, Map, Value};

use crate::cli::Endpoint;

/// What lines that say nothing of it default to.
#[derive(Debug)]
pub struct Defaults {
    pub endpoint: Option<Endpoint>,
    pub model: Option<String>,
    pub prompt_lines: bool,
}

/// A line as read: its number (from 1) and its text.
pub type Line = (usize, io::Result<String>);

/// Sends each line that is not blank, with its number (from 1), until the
/// input ends or the receiver is gone. Runs on a thread of its own, so that
/// a slow pipe never blocks the runtime.
pub fn read_lines(mut input: Box<dyn BufRead + Send>, tx: tokio::sync::mpsc::Sender<Line>) {
    let mut number = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        number += 1;
        let item = match input.read_until(b'\n', &mut buf) {
            Ok(0) => return,
            Ok(_) => match String::from_utf8(std::mem::take(&mut buf)) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => Ok(text),
                Err(_) => Err(io::Error::new(io::ErrorKind::InvalidData, "not UTF-8")),
            },
            Err(e) => Err(e),
        };
        let stop =
            item.is_err() && !matches!(&item, Err(e) if e.kind() == io::ErrorKind::InvalidData);
        if tx.blocking_send((number, item)).is_err() || stop {
            return;
        }
    }
}

/// Counts the lines of `path` that are not blank, on a thread of its own,
/// into the returned number (0 until it is done), for the progress
/// display's total. Reads in 64 KiB blocks: memory stays flat.
pub fn count_lines(path: &Path) -> Arc<AtomicU64> {
    let total = Arc::new(AtomicU64::new(0));
    let Ok(mut file) = File::open(path) else {
        return total;
    };
    let out = Arc::clone(&total);
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let (mut count, mut blank) = (0u64, true);
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            for &b in &buf[..n] {
                if b == b'\n' {
                    count += u64::from(!blank);
                    blank = true;
                } else if !b.is_ascii_whitespace() {
                    blank = false;
                }
            }
        }
        count += u64::from(!blank);
        out.store(count, Ordering::Relaxed);
    });
    total
}

/// Opens the input: FILE, or stdin for none or `-`.
pub fn open(path: Option<&Path>) -> io::Result<Box<dyn BufRead + Send>> {
    Ok(match path {
        Some(p) if p.as_os_str() != "-" => Box::new(BufReader::new(File::open(p)?)),
        _ => Box::new(BufReader::new(io::stdin())),
    })
}

/// A line's id (its own, else its number) and its request, or why it is
/// not one.
pub fn parse_line(
    text: &str,
    number: usize,
    d: &Defaults,
) -> (Value, Result<BatchRequest, String>) {
    let text = text.trim_end_matches(['\n', '\r']);
    if d.prompt_lines {
        let model = d.model.clone().unwrap_or_default();
        let request = match d.endpoint.unwrap_or(Endpoint::Generate) {
            Endpoint::Generate => GenerateRequest::new(model, text).into(),
            Endpoint::Chat => ChatRequest::new(model, [Message::user(text)]).into(),
            Endpoint::Embed => EmbedRequest::new(model, text).into(),
        };
        return (json!(number), Ok(request));
    }
    let mut fields: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return (json!(number), Err("not a JSON object".into())),
        Err(e) => return (json!(number), Err(format!("not JSON: {e}"))),
    };
    let id = fields.remove("id").unwrap_or_else(|| json!(number));
    let endpoint = match fields.remove("endpoint") {
        Some(Value::String(s)) => match s.as_str() {
            "generate" => Endpoint::Generate,
            "chat" => Endpoint::Chat,
            "embed" => Endpoint::Embed,
            _ => {
                return (
                    id,
                    Err(format!("unknown endpoint `{s}` (generate, chat or embed)")),
                )
            }
        },
        Some(_) => return (id, Err("\"endpoint\" must be a string".into())),
        None => match d.endpoint {
            Some(e) => e,
            None => {
                return (
                    id,
                    Err("no endpoint: give \"endpoint\" or --endpoint".into()),
                )
            }
        },
    };
    if !fields.contains_key("model") {
        match &d.model {
            Some(m) => {
                fields.insert("model".into(), json!(m));
            }
            None => return (id, Err("no model: give \"model\" or --model".into())),
        }
    }
    let value = Value::Object(fields);
    let request = match endpoint {
        Endpoint::Generate => serde_json::from_value::<GenerateRequest>(value).map(Into::into),
        Endpoint::Chat => serde_json::from_value::<ChatRequest>(value).map(Into::into),
        Endpoint::Embed => serde_json::from_value::<EmbedRequest>(value).map(Into::into),
    };
    let name = match endpoint {
        Endpoint::Generate => "generate",
        Endpoint::Chat => "chat",
        Endpoint::Embed => "embed",
    };
    (
        id,
        request.map_err(|e| format!("not a valid {name} request: {e}")),
    )
}

/// The form of an id that `--resume` compares: its compact JSON text, so
/// that `1` and `"1"` stay different ids.
pub fn id_key(id: &Value) -> String {
    id.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_lines_skips_blank_ones_and_counts_a_last_line_without_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        std::fs::write(&path, "a\n\n  \nb\nc").unwrap();
        let total = count_lines(&path);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while total.load(Ordering::Relaxed) == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(total.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn id_keys_tell_numbers_from_strings() {
        assert_ne!(id_key(&json!(1)), id_key(&json!("1")));
        assert_eq!(id_key(&json!({"a": [1, 2]})), r#"{"a":[1,2]}"#);
    }
}
