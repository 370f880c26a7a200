//! What a typed line holds: `"""` blocks that span lines, words split as
//! a shell would, image paths in a message, and file names of `/export`
//! and `/import`.

use std::path::{Path, PathBuf};

/// What a `"""` block becomes when it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Message,
    System,
}

/// A `"""` block still open.
#[derive(Debug)]
pub(super) struct Multiline {
    /// What the block becomes.
    pub(super) target: Target,
    /// The text so far, without the opening quotes.
    pub(super) text: String,
    /// The lines as typed, for the history.
    pub(super) raw: String,
}

/// The message between `"""` and `"""`, without the line break right
/// after the opening quotes or right before the closing ones.
pub(super) fn quoted_body(text: &str) -> String {
    let t = text
        .strip_prefix("\r\n")
        .or_else(|| text.strip_prefix('\n'));
    let t = t.unwrap_or(text);
    let t = t
        .strip_suffix("\r\n")
        .or_else(|| t.strip_suffix('\n'))
        .unwrap_or(t);
    t.to_string()
}

impl Multiline {
    /// Opens a block with the text after the opening quotes; a block closed
    /// on the same line (or in the same paste) is returned at once.
    pub(super) fn open(
        target: Target,
        after: &str,
        raw: &str,
    ) -> std::result::Result<String, Multiline> {
        match after.strip_suffix("\"\"\"") {
            Some(body) => Ok(quoted_body(body)),
            None => Err(Multiline {
                target,
                text: after.to_string(),
                raw: raw.to_string(),
            }),
        }
    }

    /// Adds a line; returns the message when the line closes the block.
    pub(super) fn feed(&mut self, line: &str) -> Option<String> {
        self.raw.push('\n');
        self.raw.push_str(line);
        self.text.push('\n');
        match line.strip_suffix("\"\"\"") {
            Some(before) => {
                self.text.push_str(before);
                Some(quoted_body(&self.text))
            }
            None => {
                self.text.push_str(line);
                None
            }
        }
    }
}

/// The words of a message with their byte ranges, as a shell would split
/// them: quotes group, `\ ` is a space.
pub(super) fn words(text: &str) -> Vec<(std::ops::Range<usize>, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let mut word = String::new();
        if bytes[i] == b'\'' || bytes[i] == b'"' {
            let q = bytes[i] as char;
            match text[i + 1..].find(q) {
                Some(end) => {
                    word.push_str(&text[i + 1..i + 1 + end]);
                    i += end + 2;
                }
                None => {
                    word.push_str(&text[i..]);
                    i = bytes.len();
                }
            }
        } else {
            let mut chars = text[i..].char_indices();
            let mut end = bytes.len();
            while let Some((off, c)) = chars.next() {
                if c == '\\' {
                    if let Some((_, next)) = chars.next() {
                        word.push(next);
                    }
                    continue;
                }
                if c.is_whitespace() {
                    end = i + off;
                    break;
                }
                word.push(c);
            }
            i = end;
        }
        out.push((start..i, word));
    }
    out
}

/// The image file a word names, if it names one.
pub(super) fn image_path(word: &str, home: Option<&Path>) -> Option<PathBuf> {
    const EXTS: [&str; 4] = [".png", ".jpg", ".jpeg", ".webp"];
    let lower = word.to_ascii_lowercase();
    if !EXTS.iter().any(|e| lower.ends_with(e)) {
        return None;
    }
    let path = match word.strip_prefix("~/") {
        Some(rest) => home.map_or_else(|| PathBuf::from(word), |h| h.join(rest)),
        None => PathBuf::from(word),
    };
    path.is_file().then_some(path)
}

/// Paths of images in a message, and the message without them.
pub(super) fn find_images(text: &str, home: Option<&Path>) -> (String, Vec<PathBuf>) {
    let mut found = Vec::new();
    let mut kept = String::with_capacity(text.len());
    let mut last = 0;
    for (range, word) in words(text) {
        if let Some(path) = image_path(&word, home) {
            kept.push_str(&text[last..range.start]);
            last = range.end;
            found.push(path);
        }
    }
    kept.push_str(&text[last..]);
    // Removing a path leaves its blanks behind; one is enough.
    let mut tidy = String::with_capacity(kept.len());
    for c in kept.trim().chars() {
        if c == ' ' && tidy.ends_with(' ') {
            continue;
        }
        tidy.push(c);
    }
    (tidy, found)
}

/// Removes one pair of matching quotes around a file name.
pub(super) fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['\'', '"'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return s[1..s.len() - 1].to_string();
        }
    }
    s.to_string()
}

/// `~/…` from the home directory, when it is known.
pub(super) fn expand_home(p: &str, home: Option<&Path>) -> PathBuf {
    match (p.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_images_handles_quotes_and_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jpg");
        let b = dir.path().join("b c.webp");
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(&b, b"x").unwrap();
        let text = format!(
            "compare {} and \"{}\" but not /no/such.png",
            a.display(),
            b.display()
        );
        let (rest, found) = find_images(&text, None);
        assert_eq!(found, vec![a, b]);
        assert_eq!(rest, "compare and but not /no/such.png");
    }

    #[test]
    fn quoted_bodies_lose_one_line_break_at_each_end() {
        assert_eq!(quoted_body("\nabc\n"), "abc");
        assert_eq!(quoted_body("\n\nabc\n\n"), "\nabc\n");
        assert_eq!(quoted_body("abc"), "abc");
        assert_eq!(
            Multiline::open(Target::Message, "x\"\"\"", "").unwrap(),
            "x"
        );
        let mut m = Multiline::open(Target::Message, "", "\"\"\"").unwrap_err();
        assert_eq!(m.feed("a"), None);
        assert_eq!(m.feed("\"\"\"").as_deref(), Some("a"));
    }
}
