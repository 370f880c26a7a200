//! The chat on a pseudo-terminal of a known size with every byte it writes
//! kept, so that a test can check what a terminal would show (through
//! vt100) as well as the bytes themselves.

use nix::sys::wait::WaitStatus;
use rexpect::session::{Options, PtySession};

use super::{Home, TIMEOUT_MS};
use crate::harness::{bin, Test};
use ollama_test_server::TestServer;

/// The terminal's size.
pub const ROWS: u16 = 40;
pub const COLS: u16 = 100;

/// The frames of the waiting spinner.
pub const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// A program on a pseudo-terminal of [`ROWS`] x [`COLS`], and what it wrote.
pub struct Screen {
    s: PtySession,
    /// Everything read so far, one `char` per byte (as rexpect reads).
    seen: String,
}

/// `text` as rexpect reads it: each byte one `char`.
fn as_read(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// What rexpect read, as the text that was written.
fn as_written(read: &str) -> String {
    let bytes: Vec<u8> = read.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Whether `text` holds a frame of the spinner.
pub fn has_frame(text: &str) -> bool {
    text.contains(FRAMES)
}

impl Screen {
    /// `ollama-rs ARGS` against `server`, with its own home, colour off.
    pub fn spawn(server: &TestServer, home: &Home, args: &[&str]) -> Screen {
        Screen::spawn_env(server, home, args, &[])
    }

    /// [`Screen::spawn`] with more environment variables.
    pub fn spawn_env(
        server: &TestServer,
        home: &Home,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Screen {
        let mut cmd = Test::program("sh")
            .server(server)
            .env("HOME", home.path())
            .env("XDG_DATA_HOME", home.path().join("data"))
            // rustyline edits lines only on a terminal it knows.
            .env("TERM", "xterm");
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        // Echo on, as on a real terminal (rexpect turns it off).
        let cmd = cmd
            .arg("-c")
            .arg(format!(
                "stty cols {COLS} rows {ROWS} echo && exec \"$0\" \"$@\""
            ))
            .arg(bin())
            .args(args)
            .command();
        let options = Options::new()
            .timeout_ms(Some(TIMEOUT_MS))
            .strip_ansi_escape_codes(false);
        let s = rexpect::session::spawn_with_options(cmd, options).expect("spawn in a pty");
        Screen {
            s,
            seen: String::new(),
        }
    }

    /// Waits for `text`; returns what was written before it (since the
    /// last wait).
    pub fn expect(&mut self, text: &str) -> String {
        let needle = as_read(text);
        let before = self.s.exp_string(&needle).unwrap_or_else(|e| {
            panic!(
                "waiting for {text:?}: {e}\nscreen: {:#?}",
                self.rows_after(&self.seen)
            )
        });
        self.seen.push_str(&before);
        self.seen.push_str(&needle);
        as_written(&before)
    }

    /// Waits for the prompt.
    pub fn prompt(&mut self) -> String {
        self.expect(">>> ")
    }

    /// Writes `text` to the terminal in one write, as a fast typist, a
    /// paste without bracketed paste or a program would.
    pub fn write(&mut self, text: &str) {
        self.s.send(text).expect("send");
        // The writer holds text until a newline; terminal input has none.
        self.s.flush().expect("flush");
    }

    pub fn control(&mut self, c: char) {
        self.s.send_control(c).expect("send control");
    }

    /// Everything written so far.
    pub fn output(&self) -> String {
        as_written(&self.seen)
    }

    /// The terminal after everything written so far.
    pub fn terminal(&self) -> vt100::Parser {
        let mut parser = vt100::Parser::new(ROWS, COLS, 0);
        parser.process(self.output().as_bytes());
        parser
    }

    fn rows_after(&self, seen: &str) -> Vec<String> {
        let size = crate::harness::pty::Size {
            rows: ROWS,
            cols: COLS,
        };
        crate::harness::pty::screen(&as_written(seen), size)
    }

    /// The screen's rows, trailing blanks and empty rows at the end left
    /// out.
    pub fn rows(&self) -> Vec<String> {
        self.rows_after(&self.seen)
    }

    /// Whether the terminal is cooked, as the program found it: canonical
    /// mode, echo and signals on.
    fn cooked(&self) -> bool {
        use nix::sys::termios::{tcgetattr, LocalFlags};
        let tty = self.s.process().get_file_handle().expect("pty handle");
        let flags = tcgetattr(&tty).expect("terminal settings").local_flags;
        flags.contains(LocalFlags::ICANON | LocalFlags::ISIG | LocalFlags::ECHO)
    }

    /// Waits for the program to end; its exit status, and whether it left
    /// the terminal cooked, as it found it.
    pub fn status_and_terminal(mut self) -> (i32, bool) {
        let rest = self.s.exp_eof().expect("the program ends");
        self.seen.push_str(&rest);
        let code = match self.s.process().wait().expect("wait") {
            WaitStatus::Exited(_, code) => code,
            other => panic!("not a normal exit: {other:?}"),
        };
        (code, self.cooked())
    }

    /// Ctrl-D at the prompt: the program ends, with status 0 and the
    /// terminal as it was.
    pub fn quit(mut self) {
        self.control('d');
        assert_eq!(self.status_and_terminal(), (0, true));
    }
}
