//! What the terminal can do, decided once at start-up, and the writers
//! that respect it.

pub mod format;
pub mod progress;

use std::io::{self, IsTerminal};

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
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let decide = |tty: bool| match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        let ui = Ui {
            json: global.json,
            color_stdout: decide(stdout_tty) && !global.json,
            color_stderr: decide(stderr_tty),
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
