//! Model names, checked before anything is sent with the server's own rules
//! (`[host/][namespace/]model[:tag]`): a name the server would refuse is a
//! usage error (status 2) that says what is wrong, rather than a "not
//! found" (status 4) with a pointless pull hint, or a bare 400.
//!
//! - model and tag: a letter, digit or `_`, then letters, digits, `_`, `-`,
//!   `.`; at most 80 characters each;
//! - namespace: the same without `.`; at most 80;
//! - host: the same plus `:` (a port); at most 350.
//!
//! Forms this client does not parse itself (a `scheme://` prefix, an
//! `@digest`) are left to the server.

use anyhow::Result;

use crate::exit::usage;

/// What the names look like, for the end of every message.
const FORMS: &str = "names look like `llama3.2`, `llama3.2:1b` or `namespace/model:tag`, \
                     made of letters, digits, `_`, `-` and `.`";

/// Checks one model name given on the command line.
pub fn check_model(model: &str) -> Result<()> {
    if model.trim().is_empty() {
        return Err(usage("the model name is empty"));
    }
    match problem(model) {
        Some(why) => Err(usage(format!(
            "invalid model name `{model}`: {why} ({FORMS})"
        ))),
        None => Ok(()),
    }
}

/// Checks every name, before any is used.
pub fn check_models(models: &[String]) -> Result<()> {
    models.iter().try_for_each(|m| check_model(m))
}

/// The parts of a name, for messages.
#[derive(Clone, Copy)]
enum Part {
    Host,
    Namespace,
    Model,
    Tag,
}

impl Part {
    fn word(self) -> &'static str {
        match self {
            Part::Host => "host",
            Part::Namespace => "namespace",
            Part::Model => "model",
            Part::Tag => "tag",
        }
    }

    fn max_len(self) -> usize {
        match self {
            Part::Host => 350,
            _ => 80,
        }
    }

    fn allows(self, c: char) -> bool {
        c.is_ascii_alphanumeric()
            || c == '_'
            || c == '-'
            || (c == '.' && !matches!(self, Part::Namespace))
            || (c == ':' && matches!(self, Part::Host))
    }
}

/// Why the server would refuse `name`, if it would.
fn problem(name: &str) -> Option<String> {
    if name.contains("://") || name.contains('@') {
        return None;
    }
    // A `:` after the last `/` starts the tag; one before it is a port.
    let (path, tag) = match (name.rfind(':'), name.rfind('/')) {
        (Some(c), slash) if slash.is_none_or(|s| c > s) => (&name[..c], Some(&name[c + 1..])),
        _ => (name, None),
    };
    let segments: Vec<&str> = path.split('/').collect();
    let parts: Vec<(Part, &str)> = match segments.as_slice() {
        [m] => vec![(Part::Model, *m)],
        [n, m] => vec![(Part::Namespace, *n), (Part::Model, *m)],
        [h, n, m] => vec![(Part::Host, *h), (Part::Namespace, *n), (Part::Model, *m)],
        _ => return Some("more than three `/`-separated parts".into()),
    };
    let tag = tag.map(|t| (Part::Tag, t));
    for (part, text) in parts.into_iter().chain(tag) {
        if let Some(why) = part_problem(part, text) {
            return Some(why);
        }
    }
    None
}

fn part_problem(part: Part, text: &str) -> Option<String> {
    let word = part.word();
    let Some(first) = text.chars().next() else {
        return Some(format!("the {word} is empty"));
    };
    if let Some(bad) = text.chars().find(|c| !part.allows(*c)) {
        let shown = match bad {
            ' ' => "a space".to_string(),
            c if c.is_control() || c.is_whitespace() => format!("`{}`", c.escape_default()),
            c => format!("`{c}`"),
        };
        return Some(format!("{shown} is not allowed in the {word} `{text}`"));
    }
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return Some(format!(
            "the {word} `{text}` must start with a letter, a digit or `_`"
        ));
    }
    if text.len() > part.max_len() {
        return Some(format!(
            "the {word} is {} characters long, more than {}",
            text.len(),
            part.max_len()
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_server_accepts() {
        for ok in [
            "tiny",
            "tiny:latest",
            "llama3.2:1b-instruct-q4_K_M",
            "user/model:tag",
            "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
            "localhost:5000/ns/m",
            "localhost:5000/ns/m:v1",
            "registry.ollama.ai/library/llama3:latest",
            "gpt-oss:120b-cloud",
            "_private",
            "m@sha256:abc",
            "https://example.com/ns/m",
            &"m".repeat(80),
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn names_the_server_refuses() {
        for (bad, why) in [
            (
                "bad name!",
                "a space is not allowed in the model `bad name!`",
            ),
            ("tiny!", "`!` is not allowed in the model `tiny!`"),
            ("tiny:", "the tag is empty"),
            ("tiny:a/b", "`:` is not allowed in the namespace `tiny:a`"),
            ("a//b", "the namespace is empty"),
            ("/tiny", "the namespace is empty"),
            ("a/b/c/d", "more than three `/`-separated parts"),
            (
                "-tiny",
                "the model `-tiny` must start with a letter, a digit or `_`",
            ),
            (
                ".hidden",
                "the model `.hidden` must start with a letter, a digit or `_`",
            ),
            ("my.ns/m", "`.` is not allowed in the namespace `my.ns`"),
            ("tiny:v:1", "`:` is not allowed in the model `tiny:v`"),
            ("tab\there", "`\\t` is not allowed in the model `tab\there`"),
            ("modèle", "`è` is not allowed in the model `modèle`"),
        ] {
            assert_eq!(problem(bad).as_deref(), Some(why), "{bad}");
        }
        let long = "m".repeat(81);
        assert_eq!(
            problem(&long).as_deref(),
            Some("the model is 81 characters long, more than 80")
        );
        assert_eq!(
            problem(&format!("tiny:{long}")).as_deref(),
            Some("the tag is 81 characters long, more than 80")
        );
    }
}
