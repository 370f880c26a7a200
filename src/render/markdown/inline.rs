//! Inline Markdown (emphasis, strong, strikethrough, code spans, links,
//! images) turned into styled text, and the styles used for it.
//!
//! Each word is styled on its own, with the spaces between words left
//! plain, so that wrapping (which breaks at spaces) never carries a style
//! onto the next line's indent. Without colour the source is kept as
//! written: the markers are what shows the emphasis then.

use std::ops::Range;

use console::Style;
use pulldown_cmark::{Event, Tag, TagEnd};

/// A style that is written even when the `console` crate's colour is off:
/// the Markdown renderer is told whether to style.
fn forced() -> Style {
    Style::new().force_styling(true)
}

/// Dimmed: fences, rules, table borders, quote bars, link targets.
pub(super) fn dim() -> Style {
    forced().dim()
}

/// Headings: bold, in colour; a top-level one underlined too.
pub(super) fn heading(level: usize) -> Style {
    let s = forced().bold().cyan();
    if level == 1 {
        s.underlined()
    } else {
        s
    }
}

/// List bullets and numbers.
pub(super) fn marker() -> Style {
    forced().bold()
}

/// Table headers.
pub(super) fn header() -> Style {
    forced().bold()
}

/// `code` spans.
fn code() -> Style {
    forced().yellow()
}

/// `text` in `style` when `color`, else as it is.
pub(super) fn paint(text: &str, style: &Style, color: bool) -> String {
    if color && !text.is_empty() {
        style.apply_to(text).to_string()
    } else {
        text.to_string()
    }
}

/// Styled text from a run of inline events (of one line, or one table
/// cell).
pub(super) struct Inline<'a> {
    /// The Markdown the events come from (their ranges index it).
    src: &'a str,
    color: bool,
    /// The styled text so far.
    out: String,
    /// The text without styles, to compare a link's text with its target.
    plain: String,
    /// The styles in force, innermost last.
    styles: Vec<Style>,
    /// Open links and images: their target, and where their text starts
    /// in `plain`.
    links: Vec<(String, usize)>,
    /// Without colour: the source the events cover.
    raw: Option<Range<usize>>,
}

impl<'a> Inline<'a> {
    /// Inline text of `src`, in `base` style (with colour).
    pub(super) fn new(src: &'a str, color: bool, base: Style) -> Inline<'a> {
        Inline {
            src,
            color,
            out: String::new(),
            plain: String::new(),
            styles: vec![base],
            links: Vec::new(),
            raw: None,
        }
    }

    fn current(&self) -> Style {
        self.styles.last().cloned().unwrap_or_else(forced)
    }

    /// Adds `text` in `style`, word by word.
    fn styled(&mut self, text: &str, style: &Style) {
        self.plain.push_str(text);
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 {
                self.out.push(' ');
            }
            self.out.push_str(&paint(word, style, true));
        }
    }

    fn text(&mut self, text: &str) {
        let style = self.current();
        self.styled(text, &style);
    }

    fn push_style(&mut self, f: impl FnOnce(Style) -> Style) {
        let style = f(self.current());
        self.styles.push(style);
    }

    /// Takes one inline event, at `range` of the source.
    pub(super) fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        if !self.color {
            self.raw = Some(match self.raw.take() {
                None => range,
                Some(r) => r.start.min(range.start)..r.end.max(range.end),
            });
            return;
        }
        match event {
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => self.text(&t),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
            Event::Code(t) => {
                let style = code();
                self.styled(&t, &style);
            }
            Event::SoftBreak | Event::HardBreak => self.text(" "),
            Event::FootnoteReference(t) => self.text(&format!("[^{t}]")),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::Start(Tag::Emphasis) => self.push_style(Style::italic),
            Event::Start(Tag::Strong) => self.push_style(Style::bold),
            Event::Start(Tag::Strikethrough) => self.push_style(Style::strikethrough),
            Event::Start(Tag::Link { dest_url, .. }) => {
                self.links.push((dest_url.to_string(), self.plain.len()));
                self.push_style(|s| s.underlined().blue());
            }
            Event::Start(Tag::Image { dest_url, .. }) => {
                self.text("[image: ");
                self.links.push((dest_url.to_string(), self.plain.len()));
                self.push_style(Style::italic);
            }
            Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => {
                self.styles.pop();
            }
            Event::End(end @ (TagEnd::Link | TagEnd::Image)) => {
                self.styles.pop();
                if end == TagEnd::Image {
                    self.text("]");
                }
                if let Some((target, start)) = self.links.pop() {
                    let shown = self.plain[start..].trim_end_matches(']');
                    let target_shown = target.strip_prefix("mailto:").unwrap_or(&target);
                    if !target.is_empty() && shown != target_shown {
                        self.styled(&format!(" ({target})"), &dim());
                    }
                }
            }
            _ => {}
        }
    }

    /// The styled text (without colour: the source as written).
    pub(super) fn finish(self) -> String {
        if self.color {
            return self.out;
        }
        let Some(r) = self.raw else {
            return String::new();
        };
        let mut start = r.start;
        // An escaped first character's event starts after its backslash.
        if self.src[..start].ends_with('\\') {
            start -= 1;
        }
        self.src[start..r.end].trim().to_string()
    }
}
