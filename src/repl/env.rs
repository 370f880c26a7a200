//! What the interactive loop needs from its surroundings: where lines
//! come from ([`LineSource`], asked with a [`Prompt`]), the terminal's
//! width, Ctrl-C, and how progress, the waiting spinner and thinking are
//! shown ([`Env`]). The terminal's are built
//! from the settings; tests pass their own.

use std::io;
use std::path::PathBuf;

use futures_util::future::LocalBoxFuture;

use crate::cli::ProgressMode;
use crate::render::waiting::Waiting;
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

/// What the loop asks a line with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prompt<'a> {
    /// Shown before the line.
    pub text: &'a str,
    /// Shown dimmed in the empty line, gone at the first key.
    pub placeholder: Option<&'static str>,
}

impl Prompt<'static> {
    /// The prompt of a new message or command.
    pub const MAIN: Prompt<'static> = Prompt {
        text: ">>> ",
        placeholder: Some("Send a message (/? for help)"),
    };
    /// The prompt of a line inside a `"""` block.
    pub const CONTINUED: Prompt<'static> = Prompt {
        text: "... ",
        placeholder: None,
    };
}

/// Where the loop gets its lines: the terminal, or a script in tests.
pub trait LineSource {
    /// Shows `prompt` and reads one line.
    fn read_line(&mut self, prompt: Prompt<'_>) -> io::Result<Input>;
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
    /// How a pull is shown; [`Style::Bars`] (stderr is a terminal that can
    /// redraw) also shows a spinner while a reply or a load is awaited.
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

    /// A spinner until the reply starts, when stderr can show one.
    pub(super) fn waiting(&self) -> Waiting {
        Waiting::start(self.progress == Style::Bars)
    }
}
