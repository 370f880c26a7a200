//! Tool calls and their results as the chat shows them: one line each,
//! set apart from the reply (dimmed on a terminal), results shortened
//! with their size and how long they took.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::ui::format::human_bytes;

/// The most characters of a result or of arguments shown on their line.
const SHOWN: usize = 100;

/// `text` on one line, cut to `max` characters with `…`.
fn short(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// A duration as `3ms`, `1.25s`.
fn took(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

/// `server.tool`, or `tool` alone for a tool of no server (one the model
/// made up).
pub fn tool_name(server: &str, tool: &str) -> String {
    if server.is_empty() {
        tool.to_string()
    } else {
        format!("{server}.{tool}")
    }
}

/// `[tool] server.tool {"a":1}`.
pub fn call_line(server: &str, tool: &str, arguments: &Map<String, Value>) -> String {
    let args = serde_json::to_string(arguments).unwrap_or_default();
    format!(
        "[tool] {} {}",
        tool_name(server, tool),
        short(&args, SHOWN * 2)
    )
}

/// How a call ended, for [`result_line`].
pub enum Shown<'a> {
    /// The tool's result.
    Result(&'a str),
    /// Why it failed (an error result, a timeout, a stopped server).
    Error(&'a str),
    /// The user declined it, or it was not allowed.
    Declined,
}

/// `[result] first words… (1.2 KB, 3ms)`, `[error] why (3ms)` or
/// `[declined]`.
pub fn result_line(shown: Shown<'_>, duration: Duration) -> String {
    match shown {
        Shown::Result(text) => format!(
            "[result] {} ({}, {})",
            short(text, SHOWN),
            human_bytes(text.len() as u64),
            took(duration)
        ),
        Shown::Error(text) => format!("[error] {} ({})", short(text, SHOWN * 2), took(duration)),
        Shown::Declined => "[declined] the call was not run".to_string(),
    }
}

/// The question asked before a call on a terminal.
pub fn ask_line(server: &str, tool: &str, arguments: &Map<String, Value>) -> String {
    let args = serde_json::to_string(arguments).unwrap_or_default();
    format!(
        "Run {server}.{tool} {}? [y]es / [n]o / [a]lways for this tool: ",
        short(&args, SHOWN * 2)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lines_are_short_and_say_the_size() {
        let args = json!({"text": "hi"}).as_object().unwrap().clone();
        assert_eq!(
            call_line("s", "echo", &args),
            r#"[tool] s.echo {"text":"hi"}"#
        );
        let long = "word ".repeat(100);
        let line = result_line(Shown::Result(&long), Duration::from_millis(3));
        assert!(line.starts_with("[result] word word"), "{line}");
        assert!(line.ends_with("… (500 B, 3ms)"), "{line}");
        assert_eq!(
            result_line(Shown::Error("failure:\nboom"), Duration::from_millis(1500)),
            "[error] failure: boom (1.50s)"
        );
    }
}
