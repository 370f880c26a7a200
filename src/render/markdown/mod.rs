//! Markdown drawn on a terminal while a reply streams (`--markdown`,
//! `/set markdown`).
//!
//! The reply is drawn line by line, so that it stays live:
//!
//! - The line still arriving is shown as raw text, word-wrapped like any
//!   reply. When its newline arrives it is erased (cursor up over the rows
//!   it took, clear to the end of the screen) and drawn rendered: heading,
//!   list item, quote, rule or paragraph, with its emphasis, code spans and
//!   links ([`line`]), wrapped at the same width with a hanging indent.
//! - Lines of a fenced code block are drawn one by one as well, highlighted
//!   by the fence's language when colour is on ([`code`]); the fences stay,
//!   dimmed, so the block's edges show without colour too, and code lines
//!   are never wrapped (copying them gives the code as written).
//! - A table needs all its rows to know its column widths: its lines stay
//!   raw as they arrive and are redrawn as a grid when the first line after
//!   it arrives, or the reply ends ([`table`]). A table taller than the
//!   screen cannot be erased, so it stays raw.
//!
//! Without colour, nothing is styled: inline text is kept as written
//! (`**bold**` stays), and only the layout is drawn (list bullets, quote
//! bars, rules, table grids). Each line is parsed on its own, with
//! pulldown-cmark: emphasis never spans lines, and a setext underline
//! (`---` under a line) is drawn as a rule.
//!
//! Everything here assumes a terminal: the renderer is only used when
//! stdout is one.

mod code;
mod inline;
mod line;
mod table;
#[cfg(test)]
mod tests;

use crate::render::wrap::Wrapper;

/// How Markdown is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkdownStyle {
    /// Bold, italic and colours (escape codes); without, only the layout.
    pub color: bool,
    /// Wrap text at this many columns; `None`: lines are written whole and
    /// the terminal folds them.
    pub wrap: Option<usize>,
    /// The terminal's width, for the rows an unwrapped line takes.
    pub columns: usize,
    /// The terminal's height: raw lines that took more rows cannot be
    /// erased and redrawn.
    pub rows: usize,
}

/// What the lines being received belong to.
enum Block {
    /// Headings, paragraphs, lists, quotes, rules: each line drawn alone.
    Text,
    /// A line with a `|` is held, raw, until the next tells whether it
    /// heads a table (a delimiter row, `|---|---|`, follows).
    MaybeTable,
    /// A table's lines, held raw until it ends.
    Table,
    /// Inside a fenced code block: `fence` repeated `len` times closes it.
    Code {
        fence: char,
        len: usize,
        highlighter: Option<Box<code::Highlighter>>,
    },
}

/// Draws streamed Markdown: text goes in as it comes ([`push`](Self::push)),
/// what to write comes out.
pub struct Markdown {
    style: MarkdownStyle,
    block: Block,
    /// The line being received (no newline yet), shown raw.
    partial: String,
    /// Wraps the raw partial line as it is shown.
    raw: Wrapper,
    /// Some of the partial line is on the screen.
    partial_shown: bool,
    /// The line breaks `raw` wrote for the partial line.
    partial_breaks: usize,
    /// Lines shown raw and kept, until it is known how to draw them.
    held: Vec<String>,
    /// The rows the held lines take on the screen.
    held_rows: usize,
}

impl Markdown {
    /// A renderer of one reply.
    pub fn new(style: MarkdownStyle) -> Markdown {
        Markdown {
            style,
            block: Block::Text,
            partial: String::new(),
            raw: Wrapper::new(style.wrap),
            partial_shown: false,
            partial_breaks: 0,
            held: Vec::new(),
            held_rows: 0,
        }
    }

    /// Whether the cursor is at the start of a line (nothing of the line
    /// being received is shown).
    pub fn at_line_start(&self) -> bool {
        self.partial.is_empty()
    }

    /// Appends what to write for `text`, the next piece of the reply, to
    /// `out`: each line completed by it, rendered, then the start of the
    /// next line, raw.
    pub fn push(&mut self, text: &str, out: &mut String) {
        let mut pieces = text.split('\n').peekable();
        while let Some(piece) = pieces.next() {
            if pieces.peek().is_some() {
                // A whole line: drawn rendered at once, never raw first.
                self.partial.push_str(piece);
                self.complete(out);
            } else if !piece.is_empty() {
                let mut shown = String::new();
                self.raw.push(piece, &mut shown);
                self.partial_breaks += shown.matches('\n').count();
                self.partial_shown = true;
                self.partial.push_str(piece);
                out.push_str(&shown);
            }
        }
    }

    /// Ends the reply: draws the last line and whatever is held.
    pub fn finish(&mut self, out: &mut String) {
        if !self.partial.is_empty() {
            self.complete(out);
        }
        match std::mem::replace(&mut self.block, Block::Text) {
            Block::MaybeTable => self.release_held(out),
            Block::Table => self.end_table(out),
            Block::Text | Block::Code { .. } => {}
        }
    }

    /// The partial line is complete: replaces its raw text with its
    /// rendering.
    fn complete(&mut self, out: &mut String) {
        let shown_rows = self.partial_rows();
        let mut line = std::mem::take(&mut self.partial);
        if line.ends_with('\r') {
            line.pop();
        }
        if self.partial_shown {
            erase(shown_rows, out);
        }
        self.raw = Wrapper::new(self.style.wrap);
        self.partial_shown = false;
        self.partial_breaks = 0;
        self.line(&line, out);
    }

    /// Draws (or holds) one complete line.
    fn line(&mut self, line: &str, out: &mut String) {
        match &mut self.block {
            Block::Code {
                fence,
                len,
                highlighter,
            } => {
                if closes_fence(line, *fence, *len) {
                    out.push_str(&fence_line(line, self.style.color));
                    self.block = Block::Text;
                } else {
                    match highlighter {
                        Some(h) => out.push_str(&h.line(line)),
                        None => out.push_str(line),
                    }
                    out.push('\n');
                }
            }
            Block::Table => {
                if table::is_row(line) {
                    self.hold(line, out);
                } else {
                    self.end_table(out);
                    self.block = Block::Text;
                    self.line(line, out);
                }
            }
            Block::MaybeTable => {
                let head = &self.held[0];
                if table::is_delimiter(line, table::cell_count(head)) {
                    self.hold(line, out);
                    self.block = Block::Table;
                } else {
                    self.block = Block::Text;
                    self.release_held(out);
                    self.line(line, out);
                }
            }
            Block::Text => {
                if let Some((fence, len, lang)) = opens_fence(line) {
                    out.push_str(&fence_line(line, self.style.color));
                    let highlighter = if self.style.color {
                        code::Highlighter::for_language(lang).map(Box::new)
                    } else {
                        None
                    };
                    self.block = Block::Code {
                        fence,
                        len,
                        highlighter,
                    };
                } else if table::is_row(line) {
                    self.hold(line, out);
                    self.block = Block::MaybeTable;
                } else {
                    out.push_str(&line::render(line, &self.style));
                }
            }
        }
    }

    /// Shows `line` raw and keeps it.
    fn hold(&mut self, line: &str, out: &mut String) {
        let mut shown = String::new();
        let mut raw = Wrapper::new(self.style.wrap);
        raw.push(line, &mut shown);
        self.held_rows += 1 + match self.style.wrap {
            Some(_) => shown.matches('\n').count(),
            None => extra_rows(line, self.style.columns),
        };
        out.push_str(&shown);
        out.push('\n');
        self.held.push(line.to_string());
    }

    /// Erases the held lines, if the screen still shows them whole, and
    /// returns them; `None` when they stay as they are.
    fn take_held(&mut self, out: &mut String) -> Option<Vec<String>> {
        let held = std::mem::take(&mut self.held);
        let rows = std::mem::take(&mut self.held_rows);
        if rows >= self.style.rows {
            return None;
        }
        if rows > 0 {
            out.push_str(&format!("\x1b[{rows}A\r\x1b[J"));
        }
        Some(held)
    }

    /// The held lines were not a table: drawn as text lines.
    fn release_held(&mut self, out: &mut String) {
        if let Some(lines) = self.take_held(out) {
            for l in lines {
                out.push_str(&line::render(&l, &self.style));
            }
        }
    }

    /// The table's lines are all in: drawn as a grid (or as text lines if
    /// they do not parse as a table after all).
    fn end_table(&mut self, out: &mut String) {
        if let Some(lines) = self.take_held(out) {
            match table::render(&lines, &self.style) {
                Some(grid) => out.push_str(&grid),
                None => {
                    for l in lines {
                        out.push_str(&line::render(&l, &self.style));
                    }
                }
            }
        }
    }

    /// The rows below its first that the raw partial line takes.
    fn partial_rows(&self) -> usize {
        match self.style.wrap {
            Some(_) => self.partial_breaks,
            None => extra_rows(&self.partial, self.style.columns),
        }
    }
}

/// Erases the rows of a raw line: back to its first row's start, and the
/// screen cleared from there.
fn erase(rows_above: usize, out: &mut String) {
    out.push('\r');
    if rows_above > 0 {
        out.push_str(&format!("\x1b[{rows_above}A"));
    }
    out.push_str("\x1b[J");
}

/// The rows below the first that `text`, unwrapped, takes on a terminal
/// `columns` wide (which folds it).
fn extra_rows(text: &str, columns: usize) -> usize {
    let width = textwrap::core::display_width(text);
    if width == 0 || columns == 0 {
        0
    } else {
        (width - 1) / columns
    }
}

/// A fence that opens a code block (```` ```rust ```` or `~~~`), at any
/// indentation (code in a list item is indented): its character, length
/// and language.
fn opens_fence(line: &str) -> Option<(char, usize, &str)> {
    let trimmed = line.trim_start();
    let fence = trimmed.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = trimmed.chars().take_while(|&c| c == fence).count();
    if len < 3 {
        return None;
    }
    let info = trimmed[len..].trim();
    if fence == '`' && info.contains('`') {
        // Inline code such as ```` ```a``` ````, not a fence.
        return None;
    }
    let lang = info
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c| matches!(c, '{' | '}' | '.'));
    Some((fence, len, lang))
}

/// Whether `line` closes a block opened by `fence` repeated `len` times.
fn closes_fence(line: &str, fence: char, len: usize) -> bool {
    let t = line.trim();
    t.chars().count() >= len && t.chars().all(|c| c == fence)
}

/// A fence line as drawn: as written, dimmed with colour.
fn fence_line(line: &str, color: bool) -> String {
    format!("{}\n", inline::paint(line, &inline::dim(), color))
}
