//! Code blocks highlighted by language, line by line, with syntect's
//! grammars.
//!
//! The grammars are loaded on the first code block that names a language
//! they know, never at start-up. Colours are the terminal's own palette
//! (red, green, ... as its theme sets them), not RGB values from an editor
//! theme: they fit a dark or a light background alike, and 16-colour
//! terminals. The theme below maps syntax scopes to palette colours; its
//! [`Color`] values encode a palette index in `r` with `a` = 0, the
//! terminal's default colour with `a` = 1, and dim with `a` = 2.

use std::str::FromStr;
use std::sync::OnceLock;

use syntect::easy::HighlightLines;
use syntect::highlighting::{
    Color, FontStyle, ScopeSelectors, Style, StyleModifier, Theme, ThemeItem, ThemeSettings,
};
use syntect::parsing::{SyntaxReference, SyntaxSet};

/// The grammars, loaded once, when first needed.
fn syntaxes() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// A palette colour (0-15).
const fn palette(index: u8) -> Color {
    Color {
        r: index,
        g: 0,
        b: 0,
        a: 0,
    }
}

/// The terminal's default colour.
const DEFAULT: Color = Color {
    r: 0,
    g: 0,
    b: 0,
    a: 1,
};

/// Dim text in the default colour.
const DIM: Color = Color {
    r: 0,
    g: 0,
    b: 0,
    a: 2,
};

/// Scopes and their colour and font style, most general first (a more
/// specific selector wins in syntect whatever the order).
const SCOPES: &[(&str, Color, FontStyle)] = &[
    (
        "comment, punctuation.definition.comment",
        DIM,
        FontStyle::ITALIC,
    ),
    (
        "string, punctuation.definition.string",
        palette(2),
        FontStyle::empty(),
    ),
    (
        "constant.numeric, constant.language, constant.character, constant.other",
        palette(6),
        FontStyle::empty(),
    ),
    (
        "keyword, storage, keyword.control, storage.type, storage.modifier",
        palette(5),
        FontStyle::empty(),
    ),
    ("keyword.operator", DEFAULT, FontStyle::empty()),
    (
        "entity.name.function, support.function, variable.function",
        palette(4),
        FontStyle::empty(),
    ),
    (
        "entity.name.type, entity.name.class, entity.name.struct, entity.name.enum, \
         entity.name.trait, support.type, support.class, entity.other.inherited-class",
        palette(3),
        FontStyle::empty(),
    ),
    ("entity.name.tag", palette(4), FontStyle::empty()),
    (
        "entity.other.attribute-name",
        palette(3),
        FontStyle::empty(),
    ),
    ("variable.language", palette(1), FontStyle::empty()),
    ("invalid", palette(1), FontStyle::empty()),
    ("markup.heading", DEFAULT, FontStyle::BOLD),
];

/// The palette theme, built once.
fn theme() -> &'static Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME.get_or_init(|| Theme {
        settings: ThemeSettings {
            foreground: Some(DEFAULT),
            ..ThemeSettings::default()
        },
        scopes: SCOPES
            .iter()
            .map(|&(selector, color, font)| ThemeItem {
                scope: ScopeSelectors::from_str(selector).expect("a valid selector"),
                style: StyleModifier {
                    foreground: Some(color),
                    background: None,
                    font_style: Some(font),
                },
            })
            .collect(),
        ..Theme::default()
    })
}

/// The grammar for a fence's language, by name or file extension; a few
/// common names the grammars lack map to a close one.
fn syntax_for(lang: &str) -> Option<&'static SyntaxReference> {
    let lang = lang.to_ascii_lowercase();
    let lang = match lang.as_str() {
        "" | "text" | "plain" | "plaintext" | "txt" => return None,
        "shell" | "console" | "zsh" | "sh" => "bash",
        "typescript" | "ts" | "tsx" | "jsx" | "javascript" | "node" => "js",
        "c++" => "cpp",
        "golang" => "go",
        "yml" => "yaml",
        "jsonc" | "json5" => "json",
        "py" | "python3" => "python",
        "rs" => "rust",
        other => other,
    };
    syntaxes().find_syntax_by_token(lang)
}

/// Highlights the lines of one code block, in order.
pub(super) struct Highlighter {
    lines: HighlightLines<'static>,
}

impl Highlighter {
    /// A highlighter for `lang`, if a grammar knows it.
    pub(super) fn for_language(lang: &str) -> Option<Highlighter> {
        let syntax = syntax_for(lang)?;
        Some(Highlighter {
            lines: HighlightLines::new(syntax, theme()),
        })
    }

    /// `line` (without its newline) with escape codes.
    pub(super) fn line(&mut self, line: &str) -> String {
        let with_newline = format!("{line}\n");
        let Ok(regions) = self.lines.highlight_line(&with_newline, syntaxes()) else {
            return line.to_string();
        };
        let mut out = String::new();
        for (style, text) in regions {
            let text = text.trim_end_matches('\n');
            if !text.is_empty() {
                out.push_str(&paint(style, text));
            }
        }
        out
    }
}

/// `text` in a theme style, as escape codes.
fn paint(style: Style, text: &str) -> String {
    let mut codes: Vec<String> = Vec::new();
    let fg = style.foreground;
    match fg.a {
        0 if fg.r < 8 => codes.push(format!("{}", 30 + fg.r)),
        0 => codes.push(format!("{}", 90 + (fg.r - 8))),
        2 => codes.push("2".into()),
        _ => {}
    }
    if style.font_style.contains(FontStyle::BOLD) {
        codes.push("1".into());
    }
    if style.font_style.contains(FontStyle::ITALIC) {
        codes.push("3".into());
    }
    if style.font_style.contains(FontStyle::UNDERLINE) {
        codes.push("4".into());
    }
    if codes.is_empty() {
        text.to_string()
    } else {
        format!("\x1b[{}m{text}\x1b[0m", codes.join(";"))
    }
}
