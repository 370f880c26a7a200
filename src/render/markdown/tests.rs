//! Tests of the Markdown renderer: what a terminal shows after its output
//! (through vt100), whole and streamed in pieces.

use super::*;

const COLS: u16 = 40;
const ROWS: u16 = 40;

fn style(color: bool, wrap: Option<usize>) -> MarkdownStyle {
    MarkdownStyle {
        color,
        wrap,
        columns: usize::from(COLS),
        rows: usize::from(ROWS),
    }
}

/// What the renderer writes for `chunks`, one after the other.
fn draw(chunks: &[&str], style: MarkdownStyle) -> String {
    let mut md = Markdown::new(style);
    let mut out = String::new();
    for c in chunks {
        md.push(c, &mut out);
    }
    md.finish(&mut out);
    assert!(md.at_line_start());
    out
}

/// A terminal after `output` (a terminal's driver turns `\n` into `\r\n`).
fn terminal(output: &str) -> vt100::Parser {
    let mut parser = vt100::Parser::new(ROWS, COLS, 0);
    parser.process(output.replace('\n', "\r\n").as_bytes());
    parser
}

/// The rows a terminal shows after `output`, trailing blanks removed.
fn screen(output: &str) -> Vec<String> {
    let parser = terminal(output);
    let mut rows: Vec<String> = parser
        .screen()
        .rows(0, COLS)
        .map(|r| r.trim_end().to_string())
        .collect();
    while rows.last().is_some_and(String::is_empty) {
        rows.pop();
    }
    rows
}

/// The cell where `text` starts on the screen after `output`.
fn cell_of(output: &str, text: &str) -> vt100::Cell {
    let parser = terminal(output);
    let rows: Vec<String> = parser.screen().rows(0, COLS).collect();
    for (r, row) in rows.iter().enumerate() {
        if let Some(i) = row.find(text) {
            let col = row[..i].chars().count();
            return parser
                .screen()
                .cell(r as u16, col as u16)
                .expect("a cell")
                .clone();
        }
    }
    panic!("{text:?} is not on the screen: {rows:?}");
}

/// Whether `output` has styles (SGR escape codes), not only cursor moves.
fn has_styles(output: &str) -> bool {
    output.split("\x1b[").skip(1).any(|rest| {
        rest.chars()
            .find(|c| !c.is_ascii_digit() && *c != ';')
            .is_some_and(|c| c == 'm')
    })
}

/// `text` cut into pieces of `size` bytes (at character boundaries).
fn pieces(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + size).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

#[test]
fn headings_are_bold_with_colour_and_keep_their_marks_without() {
    let text = "# Title\n## Part *two*\n";
    let out = draw(&[text], style(true, Some(39)));
    assert_eq!(screen(&out), ["Title", "Part two"]);
    let title = cell_of(&out, "Title");
    assert!(title.bold() && title.underline());
    assert!(cell_of(&out, "Part").bold());
    assert!(cell_of(&out, "two").italic());

    let out = draw(&[text], style(false, Some(39)));
    assert_eq!(screen(&out), ["# Title", "## Part *two*"]);
    assert!(!has_styles(&out), "{out:?}");
}

#[test]
fn emphasis_code_and_links() {
    let text = "Some *it*, **bold**, `code`, ~~old~~ and [docs](https://x.org).\n";
    let out = draw(&[text], style(true, None));
    assert_eq!(
        screen(&out),
        ["Some it, bold, code, old and docs (https", "://x.org)."]
    );
    assert!(cell_of(&out, "it,").italic());
    assert!(!cell_of(&out, "Some").italic());
    assert!(cell_of(&out, "bold").bold());
    assert_eq!(cell_of(&out, "code").fgcolor(), vt100::Color::Idx(3));
    assert!(cell_of(&out, "docs").underline());

    // Without colour the text stays as written.
    let out = draw(&[text], style(false, None));
    assert_eq!(screen(&out).concat(), text.trim_end());
    assert!(!has_styles(&out));
}

#[test]
fn lists_get_bullets_numbers_as_written_and_hanging_indents() {
    let text = "- one\n- two **b**\n  - nested\n1. first\n7) seventh\n- [x] done\n\
                - alpha beta gamma delta epsilon zeta\n";
    let want = [
        "• one",
        "• two b",
        "  ◦ nested",
        "1. first",
        "7) seventh",
        "• [x] done",
        "• alpha beta gamma",
        "  delta epsilon zeta",
    ];
    let out = draw(&[text], style(true, Some(20)));
    assert_eq!(screen(&out), want);
    assert!(cell_of(&out, "b").bold());
    // The layout is the same without colour; inline marks stay.
    let out = draw(&[text], style(false, Some(20)));
    let mut plain = want.map(String::from).to_vec();
    plain[1] = "• two **b**".into();
    assert_eq!(screen(&out), plain);
    assert!(!has_styles(&out));
}

#[test]
fn quotes_and_rules() {
    let out = draw(&["> a quoted *line*\n***\n"], style(false, Some(20)));
    assert_eq!(screen(&out), ["│ a quoted *line*", &"─".repeat(20)]);
}

#[test]
fn paragraphs_wrap_at_the_width() {
    let text = "The quick brown fox jumps over the lazy dog and keeps running.\n";
    let out = draw(&[text], style(true, Some(20)));
    assert_eq!(
        screen(&out),
        [
            "The quick brown fox",
            "jumps over the lazy",
            "dog and keeps",
            "running."
        ]
    );
    // --nowordwrap: one line, folded by the terminal.
    let out = draw(&[text], style(true, None));
    let rows = screen(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(format!("{:<40}{}", rows[0], rows[1]), text.trim_end());
}

#[test]
fn tables_become_grids() {
    let text = "| Name | Qty |\n|:-----|----:|\n| apple | 3 |\n| kiwi | *12* |\nAfter.\n";
    let want = [
        "┌───────┬─────┐",
        "│ Name  │ Qty │",
        "├───────┼─────┤",
        "│ apple │   3 │",
        "│ kiwi  │  12 │",
        "└───────┴─────┘",
        "After.",
    ];
    let out = draw(&[text], style(true, Some(39)));
    assert_eq!(screen(&out), want);
    assert!(cell_of(&out, "Name").bold());
    assert!(cell_of(&out, "12").italic());
    // The end of the reply ends a table too.
    let out = draw(&[text.trim_end_matches("After.\n")], style(true, Some(39)));
    assert_eq!(screen(&out), want[..6]);
    // Without colour: the same grid, the cells as written.
    let out = draw(&[text], style(false, Some(39)));
    assert_eq!(screen(&out)[4], "│ kiwi  │ *12* │");
    assert!(!has_styles(&out));
}

#[test]
fn wide_tables_wrap_their_cells() {
    let text = "| Key | Meaning |\n|---|---|\n| a | the first letter of the alphabet |\n";
    let out = draw(&[text], style(false, Some(30)));
    let rows = screen(&out);
    assert!(rows.iter().all(|r| r.chars().count() <= 30), "{rows:?}");
    assert_eq!(rows[3], "│ a   │ the first letter of  │");
    assert_eq!(rows[4], "│     │ the alphabet         │");
}

#[test]
fn lines_with_a_bar_that_are_no_table_are_text() {
    let out = draw(&["a | b means a or b\n**next**\n"], style(true, Some(39)));
    assert_eq!(screen(&out), ["a | b means a or b", "next"]);
}

#[test]
fn a_table_taller_than_the_screen_stays_raw() {
    let mut text = String::from("| n |\n|---|\n");
    for i in 0..usize::from(ROWS) {
        text.push_str(&format!("| {i} |\n"));
    }
    let out = draw(&[&text], style(false, Some(39)));
    assert!(!out.contains('┌'), "{out:?}");
    assert_eq!(screen(&out).last().unwrap(), &format!("| {} |", ROWS - 1));
}

#[test]
fn code_blocks_are_highlighted_by_language() {
    let text = "```rust\nfn main() {\n    let n = 42; // answer\n}\n```\nDone.\n";
    let out = draw(&[text], style(true, Some(39)));
    assert_eq!(
        screen(&out),
        [
            "```rust",
            "fn main() {",
            "    let n = 42; // answer",
            "}",
            "```",
            "Done."
        ]
    );
    assert!(cell_of(&out, "```rust").dim());
    assert_eq!(cell_of(&out, "fn").fgcolor(), vt100::Color::Idx(5));
    assert_eq!(cell_of(&out, "main").fgcolor(), vt100::Color::Idx(4));
    assert_eq!(cell_of(&out, "42").fgcolor(), vt100::Color::Idx(6));
    assert!(cell_of(&out, "// answer").dim());
    // Markdown inside a block is code.
    let out = draw(&["~~~\n# not a heading\n~~~\n"], style(true, Some(39)));
    assert_eq!(screen(&out), ["~~~", "# not a heading", "~~~"]);
    assert!(!cell_of(&out, "# not").bold());
    // Without colour, or in an unknown language: as written.
    for (text, color) in [(text, false), ("```nolang\nfn x\n```\n", true)] {
        let out = draw(&[text], style(color, Some(39)));
        assert!(!cell_of(&out, "fn").fgcolor().eq(&vt100::Color::Idx(5)));
    }
}

#[test]
fn long_code_lines_are_not_wrapped() {
    let line = "let s = \"a b c d e f g h i j k l m n o p q r s t u v\";";
    let out = draw(&[&format!("```\n{line}\n```\n")], style(false, Some(20)));
    assert!(out.contains(line), "{out:?}");
}

#[test]
fn streamed_in_any_pieces_the_screen_is_the_same() {
    let text = "# Plan\nIntro with **bold** words that run on past the width of a line.\n\
                - item one\n- item *two* is long enough to wrap here\n\n\
                | a | b |\n|---|---|\n| 1 | 22 |\n\
                ```python\ndef f(x):\n    return x + 1\n```\nThe end";
    for wrap in [Some(30), None] {
        for color in [true, false] {
            let whole = screen(&draw(&[text], style(color, wrap)));
            for size in [1, 2, 3, 5, 8, 13] {
                let streamed = draw(&pieces(text, size), style(color, wrap));
                assert_eq!(
                    screen(&streamed),
                    whole,
                    "pieces of {size}, wrap {wrap:?}, colour {color}"
                );
            }
        }
    }
}

#[test]
fn the_line_being_received_shows_raw_until_its_newline() {
    let mut md = Markdown::new(style(true, Some(39)));
    let mut out = String::new();
    md.push("Hello **wor", &mut out);
    assert!(!md.at_line_start());
    assert_eq!(screen(&out), ["Hello **wor"]);
    md.push("ld**\nNext", &mut out);
    assert_eq!(screen(&out), ["Hello world", "Next"]);
    md.finish(&mut out);
    assert_eq!(screen(&out), ["Hello world", "Next"]);
}
