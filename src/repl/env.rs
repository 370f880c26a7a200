//! What the interactive loop needs from its surroundings: where lines
//! come from ([`LineSource`]), the terminal's width, Ctrl-C, and how
//! progress and thinking are shown ([`Env`]). The terminal's are built
//! from the settings; tests pass their own.

use std::io;
use std::path::PathBuf;

use futures_util::future::LocalBoxFuture;

use crate::cli::ProgressMode;
use crate::settings::Settings;
use crate::ui::progress::Style;

/// One read from a [`LineSource`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A line (or a paste, which may hold line breaks).
    Line(String),
    /// Ctrl-C on an empty line.
    Interrupted,
    /// Ctrl-D on an empty line, or the end of input.
    Eof,
}

/// Where the loop gets its lines: the terminal, or a script in tests.
pub trait LineSource {
    /// Shows `prompt` and reads one line.
    fn read_line(&mut self, prompt: &str) -> io::Result<Input>;
    /// Adds an entry to the history (and its file), if history is on.
    fn remember(&mut self, entry: &str) -> io::Result<()>;
    /// Turns history on or off.
    fn set_history(&mut self, on: bool);
    /// The installed models, for completion after `/load`.
    fn set_models(&mut self, models: Vec<String>);
}

/// Makes a future that resolves when the user presses Ctrl-C.
pub type InterruptFn = Box<dyn Fn() -> LocalBoxFuture<'static, ()>>;

/// What the loop needs from its surroundings besides lines and output.
pub struct Env {
    /// The terminal's width in columns, if known.
    pub width: Box<dyn Fn() -> Option<usize>>,
    /// Ctrl-C.
    pub interrupt: InterruptFn,
    /// How a pull is shown.
    pub progress: Style,
    /// Dim thinking with escape codes.
    pub color: bool,
    /// The home directory, for `~/` in file names.
    pub home: Option<PathBuf>,
}

impl Env {
    /// The real terminal: its width, SIGINT, bars on stderr.
    pub(super) fn terminal(settings: &Settings) -> Env {
        Env {
            width: Box::new(crate::settings::terminal_width),
            interrupt: Box::new(|| {
                Box::pin(async {
                    // Without a handler Ctrl-C could never stop anything, and
                    // an error here must not look like a press.
                    if tokio::signal::ctrl_c().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                })
            }),
            progress: settings.progress_style(ProgressMode::Auto),
            color: settings.color_stdout,
            home: settings.env.home.clone(),
        }
    }
}
