//! What `generate`, `chat` and `embed` send, resolved from their flags
//! and the files those name (`-o`, `--keep-alive`, `--format`, `--image`,
//! `--think`, `--messages`, `--tools`). Every error here is a bad command
//! line (status 2), found before anything is sent.

use std::path::Path;

use anyhow::Result;
use ollama_rs::{Format, Image, KeepAlive, Message, Options, Think, Tool};

use crate::cli::ModelArgs;
use crate::exit::usage;

/// The request fields that generate and chat share, resolved from the flags.
pub struct ModelSettings {
    /// `-o KEY=VALUE`.
    pub options: Option<Options>,
    /// `--keep-alive`.
    pub keep_alive: Option<KeepAlive>,
    /// `--format`.
    pub format: Option<Format>,
    /// `--image`, read.
    pub images: Vec<Image>,
    /// `--think`.
    pub think: Option<Think>,
}

/// Parses `-o KEY=VALUE` flags, typing each value by the option table.
pub fn parse_options(pairs: &[String]) -> Result<Option<Options>> {
    if pairs.is_empty() {
        return Ok(None);
    }
    let mut o = Options::default();
    for pair in pairs {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| usage(format!("option `{pair}` must look like KEY=VALUE")))?;
        o.set_str(k.trim(), v).map_err(|e| {
            let valid: Vec<&str> = ollama_rs::Options::KNOWN
                .iter()
                .filter(|s| !s.deprecated)
                .map(|s| s.name)
                .collect();
            match &e {
                ollama_rs::OptionError::Unknown(name) => match closest_option(name) {
                    Some(near) => usage(format!(
                        "{e}: did you mean {near}? (valid: {})",
                        valid.join(", ")
                    )),
                    None => usage(format!("{e} (valid: {})", valid.join(", "))),
                },
                _ => usage(e.to_string()),
            }
        })?;
    }
    Ok(Some(o))
}

/// The known option closest to an unknown `name` (a typo such as
/// `temprature`), when one is close enough to be what was meant.
pub fn closest_option(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    ollama_rs::Options::KNOWN
        .iter()
        .filter(|s| !s.deprecated)
        .map(|s| (strsim::jaro_winkler(&name, s.name), s.name))
        // The threshold clap uses for its own suggestions.
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, known)| known)
}

/// Parses `--keep-alive`: a number of seconds, or a duration in the
/// server's (Go's) syntax, such as `5m`, `1h30m` or `-1s`. Anything else
/// would reach the server and come back as a 400; it is a usage error here.
pub fn parse_keep_alive(s: &str) -> Result<KeepAlive> {
    let t = s.trim();
    if t.parse::<f64>().is_ok_and(f64::is_finite) || is_go_duration(t) {
        return Ok(KeepAlive::from(t));
    }
    Err(usage(format!(
        "--keep-alive `{s}` is not a duration: give seconds (300), or a number with a unit \
         like 5m or 1h30m (units: ns, us, ms, s, m, h); a negative value keeps the model loaded"
    )))
}

/// Whether `s` is a duration Go's `time.ParseDuration` accepts: an optional
/// sign, then numbers (with an optional fraction), each followed by a unit.
fn is_go_duration(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    if s == "0" {
        return true;
    }
    let mut rest = s;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if !number.chars().any(|c| c.is_ascii_digit()) || number.matches('.').count() > 1 {
            return false;
        }
        rest = &rest[digits..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !matches!(
            &rest[..unit],
            "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
        ) {
            return false;
        }
        rest = &rest[unit..];
    }
    true
}

/// Reads a local file for a flag, with status 2 when it cannot be read or
/// is empty.
pub fn read_input_file(path: &Path, what: &str) -> Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("could not read {what} `{}`: {e}", path.display())))?;
    if text.trim().is_empty() {
        return Err(usage(format!("{what} `{}` is empty", path.display())));
    }
    Ok(text)
}

/// Parses `--format`: `json`, an inline schema, or `@FILE` holding one.
fn parse_format(s: &str) -> Result<Format> {
    if s.eq_ignore_ascii_case("json") {
        return Ok(Format::Json);
    }
    let (text, origin) = match s.strip_prefix('@') {
        Some(path) => (
            read_input_file(Path::new(path), "format file")?,
            path.to_string(),
        ),
        None => (s.to_string(), "--format".to_string()),
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        // Text that is not even meant as JSON (`yaml`, `xml`) gets what is
        // accepted, not the JSON parser's position.
        let meant_as_json = text.trim_start().starts_with(['{', '[', '"']);
        if meant_as_json || s.starts_with('@') {
            usage(format!("{origin} is not `json` or a JSON schema: {e}"))
        } else {
            usage(format!(
                "{origin} `{s}` is not `json` or a JSON schema: give `json`, a JSON schema \
                 object such as '{{\"type\": \"object\"}}', or @FILE holding one"
            ))
        }
    })?;
    if !v.is_object() {
        return Err(usage(format!("{origin}: a JSON schema must be an object")));
    }
    Ok(Format::Schema(v))
}

impl ModelSettings {
    /// Resolves the shared flags; every error here is status 2.
    pub fn resolve(a: &ModelArgs) -> Result<ModelSettings> {
        let images = a
            .images
            .iter()
            .map(|p| {
                if std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.len() == 0) {
                    return Err(usage(format!(
                        "image `{}` is empty: give a PNG, JPEG or WebP file",
                        p.display()
                    )));
                }
                Image::from_path(p).map_err(|e| {
                    usage(format!(
                        "could not read image `{}`: {}",
                        p.display(),
                        root(&e)
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let think = match &a.think {
            Some(t) => Some(t.parse::<Think>().map_err(|e| usage(e.to_string()))?),
            None => None,
        };
        Ok(ModelSettings {
            options: parse_options(&a.options)?,
            keep_alive: a.keep_alive.as_deref().map(parse_keep_alive).transpose()?,
            format: a.format.as_deref().map(parse_format).transpose()?,
            images,
            think,
        })
    }
}

/// The deepest cause of an error: what went wrong, without the wrappers.
fn root(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// Reads a JSON array of messages (`--messages`, `/import`).
pub fn read_messages(path: &Path) -> Result<Vec<Message>> {
    let text = read_input_file(path, "messages file")?;
    serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "`{}` is not a JSON array of messages: {e}",
            path.display()
        ))
    })
}

/// Reads a JSON array of tool definitions (`--tools`).
pub fn read_tools(path: &Path) -> Result<Vec<Tool>> {
    let text = read_input_file(path, "tools file")?;
    serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "`{}` is not a JSON array of tool definitions: {e}",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_options_suggest_the_closest() {
        assert_eq!(closest_option("temprature"), Some("temperature"));
        assert_eq!(closest_option("TOP_K"), Some("top_k"));
        assert_eq!(closest_option("num_ctxx"), Some("num_ctx"));
        assert_eq!(closest_option("zzzzzz"), None);
        let e = parse_options(&["temprature=1".into()]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unknown parameter 'temprature': did you mean temperature? (valid: "),
            "{e}"
        );
    }

    #[test]
    fn format_says_what_it_accepts() {
        let e = parse_format("yaml").err().unwrap().to_string();
        assert_eq!(
            e,
            "--format `yaml` is not `json` or a JSON schema: give `json`, a JSON schema object \
             such as '{\"type\": \"object\"}', or @FILE holding one"
        );
        let e = parse_format("{nope").err().unwrap().to_string();
        assert!(
            e.starts_with("--format is not `json` or a JSON schema: key must be"),
            "{e}"
        );
        assert!(matches!(parse_format("JSON"), Ok(Format::Json)));
    }

    #[test]
    fn keep_alive_accepts_seconds_and_go_durations_only() {
        for ok in [
            "300", "-1", "0", "2.5", "5m", "1h30m", "-1s", "+2h", ".5s", "1.5h", "10us", "3µs",
        ] {
            assert!(parse_keep_alive(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "soon", "5 m", "5x", "m", ".", "1..5s", "inf", "NaN", "-", "1h30",
        ] {
            assert!(parse_keep_alive(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_keep_alive("5m").unwrap(),
            KeepAlive::Duration("5m".into())
        );
        assert_eq!(
            parse_keep_alive(" 300 ").unwrap(),
            KeepAlive::Seconds(300.0)
        );
    }
}
