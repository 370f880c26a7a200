//! The settings of a run, resolved once: flags, environment variables,
//! files named by flags and facts about the terminal become values that
//! the commands, the interactive chat and the renderers read. Nothing else
//! in the command line reads `std::env` or the terminal's state.
//!
//! - [`Settings`]: the global part, resolved in `main` before anything runs.
//! - [`connection`]: the server, headers, certificates and credentials
//!   (`--host`, `-H`, `--cacert`, `OLLAMA_API_KEY`), and the client built
//!   from them.
//! - [`request`]: what `generate`, `chat` and `embed` send (`-o`,
//!   `--keep-alive`, `--format`, `--image`, `--think`, `--messages`,
//!   `--tools`).
//! - [`modelfile`]: what `create` makes a model from (`-f` and the flags
//!   applied over the Modelfile).
//! - [`tools`]: the MCP servers and web tools of `chat`, and the rules for
//!   running their calls.
//! - [`environment`]: the documented list of every variable read here.
//!
//! Variables read by the library and the HTTP layer themselves (the proxy
//! variables, and `OLLAMA_HOST` when completing a model name) are listed
//! in [`environment`] too, since they change what the command does.

pub mod connection;
pub mod environment;
pub mod modelfile;
pub mod request;
pub mod tools;

use std::ffi::{OsStr, OsString};
use std::io::{self, IsTerminal};
use std::path::PathBuf;

use crate::cli::{ChatArgs, Cli, ColorChoice, Command, GlobalArgs, ProgressMode};
use crate::ui::progress::Style;

/// Everything a run needs to know about its surroundings, resolved once.
#[derive(Debug, Clone)]
pub struct Settings {
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
    /// `TERM=dumb`: a terminal that cannot move its cursor (indicatif
    /// draws nothing there, so bars would be silent).
    pub dumb_terminal: bool,
    /// The command runs the interactive chat, which handles Ctrl-C itself.
    pub interactive: bool,
    /// The command handles Ctrl-C itself (the interactive chat goes on,
    /// `batch` finishes what is in flight); otherwise Ctrl-C ends the run.
    pub handles_interrupt: bool,
    /// `--cacert`: also trusted by the `https://` MCP servers of `chat`.
    pub cacert: Option<std::path::PathBuf>,
    /// The environment variables the command line reads.
    pub env: Env,
}

/// The values of the environment variables the command line reads itself
/// (see [`environment::ENVIRONMENT`]).
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `OLLAMA_API_KEY`, when it is valid UTF-8.
    pub api_key: Option<String>,
    /// `OLLAMA_NOHISTORY` turns the chat's history off.
    pub no_history: bool,
    /// The chat's history file, when the platform has a data directory
    /// (`XDG_DATA_HOME` or `HOME`).
    pub history_path: Option<PathBuf>,
    /// The home directory (`HOME`), for `~` in file names.
    pub home: Option<PathBuf>,
    /// `ollama-rs` in the platform's data directory (`XDG_DATA_HOME` or
    /// `HOME`): MCP servers' logs go to its `mcp` folder.
    pub data_dir: Option<PathBuf>,
    /// `OLLAMA_WEB_BASE_URL`: where `--web` sends its searches.
    pub web_base_url: Option<String>,
    /// `SSL_CERT_FILE`, when set and not empty.
    pub ssl_cert_file: Option<OsString>,
    /// `SSL_CERT_DIR`, when set and not empty.
    pub ssl_cert_dir: Option<OsString>,
    /// The proxy variables that are set and not empty, by name.
    pub proxy_variables: Vec<&'static str>,
    /// `TERM` names a terminal the chat's line editor edits on (it reads
    /// plain cooked lines on `dumb`, `cons25` and `emacs`).
    pub line_editing: bool,
}

impl Settings {
    /// Resolves the global flags, the environment and the terminals, and
    /// turns the `console` crate's colour on or off to match.
    pub fn resolve(cli: &Cli) -> Settings {
        let env = Env::read();
        let stdin_tty = io::stdin().is_terminal();
        let stdout_tty = io::stdout().is_terminal();
        let stderr_tty = io::stderr().is_terminal();
        // no-color.org: a set but empty NO_COLOR does not count.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb_terminal = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        let mut settings = Settings::from_parts(
            &cli.global,
            [stdin_tty, stdout_tty, stderr_tty],
            no_color,
            dumb_terminal,
            is_interactive(&cli.command, stdin_tty, stdout_tty),
            env,
        );
        settings.handles_interrupt |= matches!(cli.command, Command::Batch(_));
        console::set_colors_enabled(settings.color_stdout);
        console::set_colors_enabled_stderr(settings.color_stderr);
        settings
    }

    /// The settings given the facts: the terminals (stdin, stdout,
    /// stderr), `NO_COLOR`, `TERM=dumb`, whether the chat is interactive.
    fn from_parts(
        global: &GlobalArgs,
        [stdin_tty, stdout_tty, stderr_tty]: [bool; 3],
        no_color: bool,
        dumb_terminal: bool,
        interactive: bool,
        env: Env,
    ) -> Settings {
        Settings {
            json: global.json,
            // JSON on stdout is for programs: never colour it.
            color_stdout: use_color(global.color, stdout_tty, no_color) && !global.json,
            color_stderr: use_color(global.color, stderr_tty, no_color),
            stdin_tty,
            stdout_tty,
            stderr_tty,
            dumb_terminal,
            interactive,
            handles_interrupt: interactive,
            cacert: global.cacert.clone(),
            env,
        }
    }

    /// How progress is shown for `--progress`: bars never go into a file
    /// or pipe, nor onto a terminal that cannot move its cursor.
    pub fn progress_style(&self, mode: ProgressMode) -> Style {
        Style::decide(
            mode,
            self.json,
            self.stderr_tty,
            self.stderr_tty && !self.dumb_terminal,
        )
    }

    /// A buffered, locked stdout. Flush it when a unit of output is done.
    pub fn stdout(&self) -> io::BufWriter<io::StdoutLock<'static>> {
        io::BufWriter::with_capacity(64 * 1024, io::stdout().lock())
    }
}

impl Env {
    /// Reads the variables.
    fn read() -> Env {
        Env {
            api_key: std::env::var("OLLAMA_API_KEY").ok(),
            no_history: history_disabled_by(std::env::var_os("OLLAMA_NOHISTORY").as_deref()),
            history_path: dirs::data_dir().map(|d| d.join("ollama-rs").join("history")),
            home: dirs::home_dir(),
            data_dir: dirs::data_dir().map(|d| d.join("ollama-rs")),
            web_base_url: std::env::var("OLLAMA_WEB_BASE_URL")
                .ok()
                .filter(|v| !v.is_empty()),
            ssl_cert_file: std::env::var_os("SSL_CERT_FILE").filter(|v| !v.is_empty()),
            ssl_cert_dir: std::env::var_os("SSL_CERT_DIR").filter(|v| !v.is_empty()),
            proxy_variables: environment::PROXY_VARIABLES
                .iter()
                .copied()
                .filter(|n| std::env::var_os(n).is_some_and(|v| !v.is_empty()))
                .collect(),
            line_editing: std::env::var_os("TERM").is_none_or(|t| {
                !["dumb", "cons25", "emacs"]
                    .iter()
                    .any(|u| t.eq_ignore_ascii_case(u))
            }),
        }
    }
}

/// The width of the terminal on stdout in columns, if known. Asked each
/// time, since a terminal can be resized during an interactive session.
pub fn terminal_width() -> Option<usize> {
    console::Term::stdout()
        .size_checked()
        .map(|(_, cols)| usize::from(cols))
}

/// The height of the terminal on stdout in rows, if known (asked each
/// time, as the width).
pub fn terminal_rows() -> Option<usize> {
    console::Term::stdout()
        .size_checked()
        .map(|(rows, _)| usize::from(rows))
}

/// Whether this command line runs the interactive session: `chat` without
/// `-m` or a prompt, with stdin and stdout on a terminal.
fn is_interactive(command: &Command, stdin_tty: bool, stdout_tty: bool) -> bool {
    matches!(command, Command::Chat(ChatArgs { message: None, prompt, .. }) if prompt.is_empty())
        && stdin_tty
        && stdout_tty
}

/// Whether `OLLAMA_NOHISTORY` turns history off: set to anything but empty,
/// `0` or `false`.
pub fn history_disabled_by(value: Option<&OsStr>) -> bool {
    match value.and_then(|v| v.to_str()) {
        None => value.is_some_and(|v| !v.is_empty()),
        Some(v) => !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"),
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

    #[test]
    fn json_output_is_never_coloured() {
        let cli =
            crate::cli::parse_from(["ollama-rs", "--color", "always", "--json", "ps"]).unwrap();
        let s = Settings::from_parts(&cli.global, [true; 3], false, false, false, Env::default());
        assert!(!s.color_stdout);
        assert!(s.color_stderr);
    }

    #[test]
    fn nohistory_values() {
        assert!(!history_disabled_by(None));
        assert!(!history_disabled_by(Some(OsStr::new(""))));
        assert!(!history_disabled_by(Some(OsStr::new("0"))));
        assert!(!history_disabled_by(Some(OsStr::new("false"))));
        assert!(history_disabled_by(Some(OsStr::new("1"))));
        assert!(history_disabled_by(Some(OsStr::new("true"))));
        assert!(history_disabled_by(Some(OsStr::new("yes"))));
    }
}
