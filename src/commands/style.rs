//! How one-shot replies are drawn, shared by `generate`, `chat` and the
//! tool loop of `chat`.

use crate::cli::ModelArgs;
use crate::render::markdown::MarkdownStyle;
use crate::render::reply::{Layout, ReplyStyle};
use crate::render::wrap;
use crate::settings::Settings;

/// How a one-shot reply is drawn: wrapped and (with `--markdown`) drawn as
/// Markdown on a terminal that can move its cursor, raw elsewhere.
pub fn one_shot_style(s: &Settings, args: &ModelArgs) -> ReplyStyle {
    let terminal = s.stdout_tty && !s.dumb_terminal;
    let width = terminal.then(crate::settings::terminal_width).flatten();
    let wrap = if args.nowordwrap {
        None
    } else {
        wrap::limit(width)
    };
    let markdown = (terminal && args.markdown).then(|| MarkdownStyle {
        color: s.color_stdout,
        wrap,
        columns: width.unwrap_or(80),
        rows: crate::settings::terminal_rows().unwrap_or(24),
    });
    ReplyStyle {
        layout: Layout::Stream,
        wrap,
        hide_thinking: args.hide_thinking,
        thinking_on_stdout: s.stdout_tty,
        dim_stdout: s.color_stdout,
        dim_stderr: s.color_stderr,
        markdown,
        record_cursor: [s.stdout_tty, s.stderr_tty],
    }
}
