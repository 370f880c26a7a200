//! What the terminal can do, decided once at start-up, and the writers
//! that respect it.

pub mod format;
pub mod progress;

use std::io::{self, IsTerminal, Write};

use crate::cli::{ColorChoice, GlobalArgs};

/// How output is rendered: resolved from the flags and the environment once,
/// so that commands never look at either.
#[derive(Debug, Clone)]
pub struct Ui {
    /// `--json`: machine-readable output only.
    pub json: bool,
    /// Colour and other escape codes on stdout.
    pub color_stdout: bool,
    /// Colour and other escape codes on stderr.
    pub color_stderr: bool,
    /// stdin is a terminal.
    pub stdin_tty: bool,
    /// stdout is a terminal.
    pub stdout_tty: bool,
    /// stderr is a terminal.
    pub stderr_tty: bool,
}

impl Ui {
    /// Resolves `--color`, `NO_COLOR` and the terminals.
    pub fn new(global: &GlobalArgs) -> Ui {
        let stdout_tty = io::stdout().is_terminal();
        let stderr_tty = io::stderr().is_terminal();
        // no-color.org: a set but empty NO_COLOR does not count.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let ui = Ui {
            json: global.json,
            // JSON on stdout is for programs: never colour it.
            color_stdout: use_color(global.color, stdout_tty, no_color) && !global.json,
            color_stderr: use_color(global.color, stderr_tty, no_color),
            stdin_tty: io::stdin().is_terminal(),
            stdout_tty,
            stderr_tty,
        };
        console::set_colors_enabled(ui.color_stdout);
        console::set_colors_enabled_stderr(ui.color_stderr);
        ui
    }

    /// A buffered, locked stdout. Flush it when a unit of output is done.
    pub fn stdout(&self) -> io::BufWriter<io::StdoutLock<'static>> {
        io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())
    }

    /// Text dimmed on stdout, when colour is on there.
    pub fn dim_stdout(&self, s: &str) -> String {
        if self.color_stdout {
            console::style(s).dim().to_string()
        } else {
            s.to_string()
        }
    }
}

/// Whether a stream gets colour: `--color always` and `never` win over
/// everything (an explicit choice overrides `NO_COLOR`, as no-color.org
/// asks); `auto` colours only a terminal, and only without `NO_COLOR`.
pub fn use_color(choice: ColorChoice, tty: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && !no_color,
    }
}

/// Writes one JSON value on one line and flushes: the unit of `--json`
/// output for streams and per-model reports.
pub fn write_json_line(out: &mut impl Write, v: &impl serde::Serialize) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn color_decision() {
        use ColorChoice::*;
        // (choice, tty, NO_COLOR) -> colour
        let table = [
            (Auto, true, false, true),
            (Auto, true, true, false),
            (Auto, false, false, false),
            (Auto, false, true, false),
            (Always, false, true, true),
            (Always, false, false, true),
            (Always, true, true, true),
            (Never, true, false, false),
            (Never, false, false, false),
        ];
        for (choice, tty, no_color, want) in table {
            assert_eq!(
                use_color(choice, tty, no_color),
                want,
                "{choice:?} tty={tty} NO_COLOR={no_color}"
            );
        }
    }
}
