//! Completion of model names from the server, for the arguments that name
//! a local model (`add = ArgValueCompleter::new(complete_model)`).

use std::ffi::OsStr;
use std::time::Duration;

use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Elvish, Fish, Powershell, Shells, Zsh};

mod bash;

/// The shells `COMPLETE=<shell>` serves: clap_complete's, with a bash
/// registration that joins the words bash splits at `:` and `=`.
pub const SHELLS: Shells<'static> = Shells(&[&bash::Bash, &Elvish, &Fish, &Powershell, &Zsh]);

/// The longest wait for the server while completing a model name.
pub const MODEL_COMPLETION_TIMEOUT: Duration = Duration::from_secs(1);

/// Completes a model name with the names of the local models that start
/// with `current`.
///
/// Runs inside the shell's completion request (`COMPLETE=<shell> ollama-rs
/// -- <words>`), so it asks the server of a `--host` already on the line,
/// else of `OLLAMA_HOST`, for `/api/tags` with a short timeout, and offers
/// nothing, silently, when the server cannot answer.
pub fn complete_model(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    let words: Vec<String> = std::env::args().skip_while(|w| w != "--").skip(1).collect();
    let mut builder = ollama_rs::Client::builder()
        .connect_timeout(MODEL_COMPLETION_TIMEOUT)
        .total_timeout(MODEL_COMPLETION_TIMEOUT);
    if let Some(host) = host_on_line(&words) {
        builder = builder.host(host);
    }
    let Ok(list) = ollama_rs::blocking::Client::from_builder(builder).and_then(|c| c.list()) else {
        return Vec::new();
    };
    list.models
        .into_iter()
        .map(|m| if m.name.is_empty() { m.model } else { m.name })
        .filter(|name| !name.is_empty() && name.starts_with(prefix))
        .map(CompletionCandidate::new)
        .collect()
}

/// The value of the last complete `--host` among the words of a command
/// line being completed (the last word is the one being typed).
fn host_on_line(words: &[String]) -> Option<&str> {
    let done = &words[..words.len().saturating_sub(1)];
    let mut host = None;
    let mut i = 0;
    while i < done.len() {
        if done[i] == "--" {
            break;
        }
        if let Some(value) = done[i].strip_prefix("--host=") {
            host = Some(value);
        } else if done[i] == "--host" {
            host = done.get(i + 1).map(String::as_str).or(host);
            i += 1;
        }
        i += 1;
    }
    host
}

/// `--think`'s values.
pub fn complete_think() -> Vec<CompletionCandidate> {
    [
        ("true", "think"),
        ("false", "do not think"),
        ("low", "think a little"),
        ("medium", "think more"),
        ("high", "think hard"),
        ("max", "think hardest"),
    ]
    .into_iter()
    .map(|(v, help)| CompletionCandidate::new(v).help(Some(help.into())))
    .collect()
}

/// `--format`'s one fixed value (the others are a schema or `@FILE`).
pub fn complete_format() -> Vec<CompletionCandidate> {
    vec![CompletionCandidate::new("json").help(Some("any JSON object".into()))]
}

/// `-o KEY=VALUE`: the known keys (those servers still read), each with
/// its `=`, so that the value follows.
pub fn complete_option(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(prefix) = current.to_str() else {
        return Vec::new();
    };
    if prefix.contains('=') {
        return Vec::new();
    }
    ollama_rs::Options::KNOWN
        .iter()
        .filter(|o| !o.deprecated && o.name.starts_with(prefix))
        .map(|o| {
            CompletionCandidate::new(format!("{}=", o.name)).help(Some(o.kind.describe().into()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_keys_complete_with_their_equals_sign() {
        let names = |p: &str| {
            complete_option(OsStr::new(p))
                .into_iter()
                .map(|c| c.get_value().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(names("temp"), ["temperature="]);
        assert!(names("").len() > 10);
        assert!(names("num_").contains(&"num_ctx=".to_string()));
        assert!(names("temperature=").is_empty());
    }

    #[test]
    fn completion_uses_a_host_already_on_the_line() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let host = |w: &[&str]| host_on_line(&words(w)).map(str::to_string);
        assert_eq!(host(&["ollama-rs", "show", "ll"]), None);
        assert_eq!(
            host(&["ollama-rs", "--host", "a:1", "show", "ll"]),
            Some("a:1".into())
        );
        assert_eq!(
            host(&["ollama-rs", "show", "--host=b:2", "ll"]),
            Some("b:2".into())
        );
        // The last one wins; the word being typed does not count.
        assert_eq!(
            host(&["ollama-rs", "--host", "a:1", "list", "--host", "c:3", "x"]),
            Some("c:3".into())
        );
        assert_eq!(host(&["ollama-rs", "show", "--host"]), None);
        assert_eq!(host(&["ollama-rs", "--host"]), None);
        // After `--`, words are not options.
        assert_eq!(
            host(&["ollama-rs", "run", "--", "--host", "a:1", "x"]),
            None
        );
    }
}
