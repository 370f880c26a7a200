//! Word wrapping of a reply while it streams.
//!
//! Tokens arrive a few characters at a time, so a word is printed before it
//! is known whether it fits. When a word outgrows the line it is erased
//! (cursor back, clear to the end of the line) and printed again on the next
//! line; a word longer than a whole line is broken where the line ends.

/// The wrap width for a terminal `width` columns wide. The last column is
/// left free: a terminal that wraps on its own there would make erasing a
/// word miss a line. None when the width is unknown or under 10 columns.
pub fn limit(width: Option<usize>) -> Option<usize> {
    width.filter(|&w| w >= 10).map(|w| w - 1)
}

/// Tracks the cursor column and the word being printed.
#[derive(Debug, Clone)]
pub struct Wrapper {
    /// Columns a line may hold; `None` writes the text unchanged.
    limit: Option<usize>,
    col: usize,
    word: String,
    word_cols: usize,
}

/// The display width of one character (0 for combining marks).
fn char_width(c: char) -> usize {
    let mut buf = [0u8; 4];
    console::measure_text_width(c.encode_utf8(&mut buf))
}

impl Wrapper {
    /// A wrapper for lines of at most `limit` columns (`None`: no wrapping).
    pub fn new(limit: Option<usize>) -> Wrapper {
        Wrapper {
            limit: limit.filter(|&l| l > 0),
            col: 0,
            word: String::new(),
            word_cols: 0,
        }
    }

    /// Whether the cursor is at the start of a line.
    pub fn at_line_start(&self) -> bool {
        self.col == 0
    }

    /// Appends what to write for `text` to `out`.
    pub fn push(&mut self, text: &str, out: &mut String) {
        let Some(limit) = self.limit else {
            out.push_str(text);
            if let Some(i) = text.rfind('\n') {
                self.col = text[i + 1..].chars().map(char_width).sum();
            } else {
                self.col += text.chars().map(char_width).sum::<usize>();
            }
            return;
        };
        for c in text.chars() {
            match c {
                '\n' | '\r' => {
                    out.push(c);
                    self.col = 0;
                    self.end_word();
                }
                ' ' | '\t' => {
                    self.end_word();
                    let next = if c == '\t' {
                        (self.col / 8 + 1) * 8
                    } else {
                        self.col + 1
                    };
                    if next > limit {
                        // The break replaces the blank.
                        out.push('\n');
                        self.col = 0;
                    } else {
                        out.push(c);
                        self.col = next;
                    }
                }
                _ => {
                    let w = char_width(c);
                    if self.col + w > limit {
                        let start = self.col - self.word_cols;
                        if start > 0 && self.word_cols + w <= limit {
                            // Move the word begun on this line to the next.
                            if self.word_cols > 0 {
                                out.push_str(&format!("\x1b[{}D\x1b[K", self.word_cols));
                            }
                            out.push('\n');
                            out.push_str(&self.word);
                            self.col = self.word_cols;
                        } else {
                            // Longer than a line: break it where the line ends.
                            out.push('\n');
                            self.col = 0;
                            self.end_word();
                        }
                    }
                    out.push(c);
                    self.word.push(c);
                    self.word_cols += w;
                    self.col += w;
                }
            }
        }
    }

    fn end_word(&mut self) {
        self.word.clear();
        self.word_cols = 0;
    }

    /// Ends the output on a fresh line: a newline when the cursor is not at
    /// the start of one.
    pub fn finish(&mut self, out: &mut String) {
        if self.col > 0 {
            out.push('\n');
        }
        self.col = 0;
        self.end_word();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a terminal shows for `bytes`: handles newlines, `ESC [ n D` and
    /// `ESC [ K`, which is all the wrapper writes.
    fn screen(bytes: &str) -> Vec<String> {
        let mut lines: Vec<Vec<char>> = vec![Vec::new()];
        let mut col = 0usize;
        let mut it = bytes.chars().peekable();
        while let Some(c) = it.next() {
            let line = lines.last_mut().unwrap();
            match c {
                '\n' => {
                    lines.push(Vec::new());
                    col = 0;
                }
                '\x1b' => {
                    assert_eq!(it.next(), Some('['));
                    let mut n = String::new();
                    let cmd = loop {
                        let d = it.next().expect("complete escape");
                        if d.is_ascii_digit() {
                            n.push(d);
                        } else {
                            break d;
                        }
                    };
                    match cmd {
                        'D' => col -= n.parse::<usize>().unwrap(),
                        'K' => line.truncate(col),
                        other => panic!("unexpected escape {other}"),
                    }
                }
                c => {
                    if col < line.len() {
                        line[col] = c;
                    } else {
                        line.push(c);
                    }
                    col += 1;
                }
            }
        }
        lines.into_iter().map(|l| l.into_iter().collect()).collect()
    }

    fn wrap_chunks(chunks: &[&str], limit: usize) -> Vec<String> {
        let mut w = Wrapper::new(Some(limit));
        let mut out = String::new();
        for c in chunks {
            w.push(c, &mut out);
        }
        w.finish(&mut out);
        screen(&out)
    }

    #[test]
    fn moves_a_word_that_does_not_fit() {
        let lines = wrap_chunks(&["The quick", " brown", " fox", " jumps"], 15);
        assert_eq!(lines, vec!["The quick brown", "fox jumps", ""]);
    }

    #[test]
    fn erases_a_partly_printed_word() {
        let lines = wrap_chunks(&["aaaa bb", "bb", "bbb c"], 8);
        assert_eq!(lines, vec!["aaaa ", "bbbbbbb ", "c", ""]);
    }

    #[test]
    fn breaks_a_word_longer_than_the_line() {
        let lines = wrap_chunks(&["abcdefghijkl"], 5);
        assert_eq!(lines, vec!["abcde", "fghij", "kl", ""]);
    }

    #[test]
    fn keeps_newlines_and_resets_the_column() {
        let lines = wrap_chunks(&["one two\nthree four five"], 10);
        assert_eq!(lines, vec!["one two", "three four", "five", ""]);
    }

    #[test]
    fn no_limit_is_unchanged() {
        let mut w = Wrapper::new(None);
        let mut out = String::new();
        w.push("a long line that is not wrapped", &mut out);
        assert!(!w.at_line_start());
        w.finish(&mut out);
        assert_eq!(out, "a long line that is not wrapped\n");
    }

    #[test]
    fn wide_characters_count_twice() {
        let lines = wrap_chunks(&["日本語 日本語"], 7);
        assert_eq!(lines, vec!["日本語 ", "日本語", ""]);
    }

    proptest! {
        #[test]
        fn never_overflows_and_never_splits_a_word(
            words in prop::collection::vec("[a-z]{1,9}", 1..40),
            limit in 10usize..40,
            cuts in prop::collection::vec(0usize..400, 0..30),
        ) {
            let text = words.join(" ");
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (text.len() + 1)).collect();
            cuts.sort_unstable();
            cuts.dedup();
            let mut chunks = Vec::new();
            let mut last = 0;
            for c in cuts {
                chunks.push(&text[last..c]);
                last = c;
            }
            chunks.push(&text[last..]);
            let lines = wrap_chunks(&chunks, limit);
            for l in &lines {
                prop_assert!(l.chars().count() <= limit, "{l:?} is longer than {limit}");
            }
            let shown: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
            prop_assert_eq!(shown, words.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}
