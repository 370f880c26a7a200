//! One line of Markdown outside code blocks and tables: a heading, list
//! item, quote, rule or paragraph line, drawn with its inline styles and
//! wrapped with a hanging indent.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use textwrap::{WordSeparator, WrapAlgorithm};

use super::inline::{self, Inline};
use super::MarkdownStyle;

/// Bullets by nesting depth.
const BULLETS: [&str; 3] = ["•", "◦", "▪"];

/// The extensions parsed in a line (tables are drawn by `table`).
pub(super) fn options() -> Options {
    Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// `line` as drawn, each row ended by a newline.
pub(super) fn render(line: &str, style: &MarkdownStyle) -> String {
    let line = line.trim_end();
    if line.is_empty() {
        return "\n".into();
    }
    let src = line.trim_start();
    let indent: String = line[..line.len() - src.len()]
        .chars()
        .map(|c| if c == '\t' { "    " } else { " " })
        .collect();
    let depth = match indent.len() {
        0 => 0,
        1..=4 => 1,
        _ => 2,
    };

    let mut quotes = 0;
    let mut marker = String::new();
    let mut heading = None;
    let mut rule = false;
    let mut events = Vec::new();
    for (event, range) in Parser::new_ext(src, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::BlockQuote(_)) => quotes += 1,
            Event::Start(Tag::Item) => {
                let number: String = src[range.start..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let written = if number.is_empty() {
                    BULLETS[depth].to_string()
                } else {
                    // The number as written, with its `.` or `)`.
                    let end = src[range.start + number.len()..].chars().next();
                    format!("{number}{}", end.unwrap_or('.'))
                };
                marker.push_str(&written);
                marker.push(' ');
            }
            Event::TaskListMarker(done) => marker.push_str(if done { "[x] " } else { "[ ] " }),
            Event::Start(Tag::Heading { level, .. }) => heading = Some(level as usize),
            Event::Rule => rule = true,
            Event::Start(Tag::Paragraph | Tag::List(_) | Tag::HtmlBlock | Tag::CodeBlock(_))
            | Event::End(
                TagEnd::Paragraph
                | TagEnd::List(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::Heading(_)
                | TagEnd::HtmlBlock
                | TagEnd::CodeBlock,
            ) => {}
            other => events.push((other, range)),
        }
    }

    let color = style.color;
    let bars = inline::paint(&"│ ".repeat(quotes), &inline::dim(), color);
    let lead = format!("{indent}{bars}");
    let width = style
        .wrap
        .unwrap_or(style.columns.saturating_sub(1))
        .saturating_sub(indent.len() + 2 * quotes)
        .max(1);
    if rule {
        let rule = "─".repeat(width.min(80));
        return format!("{lead}{}\n", inline::paint(&rule, &inline::dim(), color));
    }
    let hang = " ".repeat(textwrap::core::display_width(&marker));
    let first = format!("{lead}{}", inline::paint(&marker, &inline::marker(), color));
    let next = format!("{lead}{hang}");
    let base = match heading {
        Some(level) => inline::heading(level),
        None => console::Style::new().force_styling(true),
    };
    let mut text = Inline::new(src, color, base);
    for (event, range) in events {
        text.event(event, range);
    }
    let body = match heading {
        // Without colour a heading keeps its `#`s: they are what marks it.
        Some(level) if !color => format!("{} {}", "#".repeat(level), text.finish()),
        _ => text.finish(),
    };
    fill(&body, &first, &next, style.wrap)
}

/// `body` after `first`, wrapped at `wrap` columns with `next` before each
/// further row; each row ended by a newline.
pub(super) fn fill(body: &str, first: &str, next: &str, wrap: Option<usize>) -> String {
    let Some(width) = wrap.filter(|_| !body.is_empty()) else {
        return format!("{}\n", format!("{first}{body}").trim_end());
    };
    let options = textwrap::Options::new(width)
        .initial_indent(first)
        .subsequent_indent(next)
        .word_separator(WordSeparator::AsciiSpace)
        .wrap_algorithm(WrapAlgorithm::FirstFit)
        .break_words(true);
    let mut out = String::new();
    for row in textwrap::wrap(body, options) {
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}
