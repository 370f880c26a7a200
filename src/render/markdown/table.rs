//! GitHub tables (`| a | b |` over `|---|---|`) drawn as a grid whose
//! columns fit their cells, narrowed (cells wrapped) to fit the wrap width.

use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};

use super::inline::{self, Inline};
use super::line::fill;
use super::MarkdownStyle;

/// Whether `line` can be a row of a table.
pub(super) fn is_row(line: &str) -> bool {
    !line.trim().is_empty() && line.contains('|')
}

/// The cells of a row, split at the `|`s that are not escaped.
fn cells(line: &str) -> Vec<&str> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = match t.strip_suffix('|') {
        Some(rest) if !rest.ends_with('\\') => rest,
        _ => t,
    };
    let mut cells = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in t.char_indices() {
        match c {
            '\\' => escaped = !escaped,
            '|' if !escaped => {
                cells.push(&t[start..i]);
                start = i + 1;
            }
            _ => escaped = false,
        }
    }
    cells.push(&t[start..]);
    cells
}

/// How many cells a row has.
pub(super) fn cell_count(line: &str) -> usize {
    cells(line).len()
}

/// Whether `line` is the delimiter row (`|---|:--:|`) of a table of `n`
/// columns.
pub(super) fn is_delimiter(line: &str, n: usize) -> bool {
    let cells = cells(line);
    cells.len() == n
        && cells.iter().all(|c| {
            let c = c.trim();
            let c = c.strip_prefix(':').unwrap_or(c);
            let c = c.strip_suffix(':').unwrap_or(c);
            !c.is_empty() && c.chars().all(|ch| ch == '-')
        })
}

/// A parsed table: its columns' alignment and its rows (the first is the
/// header), each cell styled.
struct Grid {
    aligns: Vec<Alignment>,
    rows: Vec<Vec<String>>,
}

/// Parses the lines of a table; `None` if they are not one.
fn parse(src: &str, color: bool) -> Option<Grid> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut grid: Option<Grid> = None;
    let mut row: Vec<String> = Vec::new();
    let mut cell: Option<Inline> = None;
    let mut in_head = false;
    for (event, range) in Parser::new_ext(src, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Table(aligns)) => {
                grid = Some(Grid {
                    aligns,
                    rows: Vec::new(),
                })
            }
            Event::Start(Tag::TableHead) => in_head = true,
            Event::Start(Tag::TableCell) => {
                let base = if in_head {
                    inline::header()
                } else {
                    console::Style::new().force_styling(true)
                };
                cell = Some(Inline::new(src, color, base));
            }
            Event::End(TagEnd::TableCell) => {
                row.push(cell.take().map(Inline::finish).unwrap_or_default());
            }
            Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                in_head = false;
                grid.as_mut()?.rows.push(std::mem::take(&mut row));
            }
            Event::Start(Tag::TableRow) | Event::End(TagEnd::Table) => {}
            other => {
                if let Some(c) = cell.as_mut() {
                    c.event(other, range);
                }
            }
        }
    }
    grid.filter(|g| !g.rows.is_empty())
}

/// The table as drawn, each row ended by a newline; `None` if the lines
/// are not a table.
pub(super) fn render(lines: &[String], style: &MarkdownStyle) -> Option<String> {
    let first = lines.first()?;
    let indent = &first[..first.len() - first.trim_start().len()];
    let src: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
    let grid = parse(&src.join("\n"), style.color)?;
    let n = grid.aligns.len();
    let width = |s: &str| textwrap::core::display_width(s);
    let mut widths = vec![1; n];
    for row in &grid.rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    if let Some(limit) = style.wrap {
        // Each column takes its width plus 3 (`│ ` and a space), and the
        // last border 1.
        let room = limit.saturating_sub(indent.len() + 3 * n + 1).max(n);
        while widths.iter().sum::<usize>() > room {
            let widest = (0..n).max_by_key(|&i| widths[i]).unwrap_or(0);
            if widths[widest] <= 1 {
                break;
            }
            widths[widest] -= 1;
        }
    }

    let border = |left: &str, mid: &str, right: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        let line = format!("{left}{}{right}", parts.join(mid));
        format!(
            "{indent}{}\n",
            inline::paint(&line, &inline::dim(), style.color)
        )
    };
    let bar = inline::paint("│", &inline::dim(), style.color);
    let mut out = border("┌", "┬", "┐");
    for (r, row) in grid.rows.iter().enumerate() {
        // Each cell's text wrapped into its column.
        let wrapped: Vec<Vec<String>> = row
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| {
                if width(cell) <= w {
                    vec![cell.clone()]
                } else {
                    fill(cell, "", "", Some(w))
                        .lines()
                        .map(str::to_string)
                        .collect()
                }
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        for k in 0..height {
            out.push_str(indent);
            out.push_str(&bar);
            for (c, &w) in widths.iter().enumerate() {
                let text = wrapped
                    .get(c)
                    .and_then(|lines| lines.get(k))
                    .map_or("", String::as_str);
                let pad = w.saturating_sub(width(text));
                let (before, after) = match grid.aligns.get(c) {
                    Some(Alignment::Right) => (pad, 0),
                    Some(Alignment::Center) => (pad / 2, pad - pad / 2),
                    _ => (0, pad),
                };
                out.push(' ');
                out.push_str(&" ".repeat(before));
                out.push_str(text);
                out.push_str(&" ".repeat(after));
                out.push(' ');
                out.push_str(&bar);
            }
            out.push('\n');
        }
        if r == 0 {
            out.push_str(&border("├", "┼", "┤"));
        }
    }
    out.push_str(&border("└", "┴", "┘"));
    Some(out)
}
