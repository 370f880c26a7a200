//! The terminal between two lines.
//!
//! rustyline puts the terminal in raw mode while a line is edited, and
//! back in the mode it found when the line is accepted. Were that the
//! terminal's usual (cooked) mode, keys typed while a reply streams would
//! be echoed by the terminal into the middle of the reply, and then drawn
//! a second time by the editor at the next prompt.
//!
//! So for the whole session the terminal is kept [`Quiet`] between lines:
//! no echo and no line discipline (what is typed waits, byte for byte, for
//! the next prompt, where the editor shows it as typed), while Ctrl-C still
//! sends SIGINT to stop a reply. rustyline then finds this mode and puts it
//! back after each line. Modes are changed with `TCSADRAIN`, which never
//! discards input (`TCSAFLUSH` would throw the typed-ahead keys away); the
//! terminal's own mode comes back when the session ends.
//!
//! Bracketed paste stays on between lines too (rustyline turns it off when
//! a line is accepted), so that a paste made while a reply streams still
//! reaches the next prompt as one paste, not as one message per line.

/// The terminal on stdin kept quiet between lines until this is dropped,
/// which puts back the mode it had.
pub struct Quiet {
    #[cfg(unix)]
    held: Option<unix::Held>,
}

impl Quiet {
    /// Makes the terminal on stdin quiet between lines; `on` false (a
    /// terminal rustyline does not edit on, where it reads cooked lines)
    /// leaves it alone.
    pub fn stdin(on: bool) -> Quiet {
        #[cfg(unix)]
        {
            use std::io;
            use std::os::fd::AsFd;
            let held = on
                .then(|| io::stdin().as_fd().try_clone_to_owned().ok())
                .flatten()
                .and_then(|fd| unix::Held::new(fd, Box::new(io::stdout())));
            Quiet { held }
        }
        #[cfg(not(unix))]
        {
            let _ = on;
            Quiet {}
        }
    }

    /// After a line was read: bracketed paste on again.
    pub fn after_line(&mut self) {
        #[cfg(unix)]
        if let Some(h) = &mut self.held {
            h.paste(true);
        }
    }
}

#[cfg(unix)]
mod unix {
    use std::io::Write;
    use std::os::fd::OwnedFd;

    use nix::sys::termios::{
        tcgetattr, tcsetattr, InputFlags, LocalFlags, SetArg, SpecialCharacterIndices, Termios,
    };

    /// Turns bracketed paste on (`ESC [ ? 2004 h`).
    pub(super) const PASTE_ON: &[u8] = b"\x1b[?2004h";
    /// Turns bracketed paste off.
    pub(super) const PASTE_OFF: &[u8] = b"\x1b[?2004l";

    /// A terminal made quiet, and what it was.
    pub(super) struct Held {
        fd: OwnedFd,
        original: Termios,
        /// Where the bracketed-paste switches are written (the terminal).
        out: Box<dyn Write>,
    }

    /// The quiet mode made from the terminal's `mode`: no echo, no line
    /// editing by the terminal, no CR-to-NL translation (so Enter arrives
    /// as the editor's raw mode reads it), one byte at a time; signals and
    /// output processing as they were.
    pub(super) fn quiet(mode: &Termios) -> Termios {
        let mut q = mode.clone();
        q.local_flags &=
            !(LocalFlags::ECHO | LocalFlags::ECHONL | LocalFlags::ICANON | LocalFlags::IEXTEN);
        q.input_flags &= !InputFlags::ICRNL;
        q.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
        q.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
        q
    }

    impl Held {
        /// Makes the terminal on `fd` quiet; `None` when `fd` is not a
        /// terminal.
        pub(super) fn new(fd: OwnedFd, out: Box<dyn Write>) -> Option<Held> {
            let original = tcgetattr(&fd).ok()?;
            tcsetattr(&fd, SetArg::TCSADRAIN, &quiet(&original)).ok()?;
            let mut held = Held { fd, original, out };
            held.paste(true);
            Some(held)
        }

        pub(super) fn paste(&mut self, on: bool) {
            // A terminal that cannot take it loses nothing but the paste.
            let _ = self.out.write_all(if on { PASTE_ON } else { PASTE_OFF });
            let _ = self.out.flush();
        }
    }

    impl Drop for Held {
        fn drop(&mut self) {
            self.paste(false);
            let _ = tcsetattr(&self.fd, SetArg::TCSADRAIN, &self.original);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::io::{self, Read, Write};
    use std::os::fd::OwnedFd;
    use std::sync::{Arc, Mutex};

    use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
    use nix::pty::openpty;
    use nix::sys::termios::{tcgetattr, InputFlags, LocalFlags};

    use super::unix::{Held, PASTE_OFF, PASTE_ON};

    #[derive(Clone, Default)]
    struct Written(Arc<Mutex<Vec<u8>>>);

    impl Write for Written {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Whether `fd` has bytes to read within `ms`.
    fn readable(fd: &OwnedFd, ms: u16) -> bool {
        use std::os::fd::AsFd;
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        poll(&mut fds, PollTimeout::from(ms)).unwrap() > 0
    }

    #[test]
    fn typed_keys_are_kept_unechoed_and_the_mode_comes_back() {
        let pty = openpty(None, None).unwrap();
        let before = tcgetattr(&pty.slave).unwrap();
        assert!(before
            .local_flags
            .contains(LocalFlags::ECHO | LocalFlags::ICANON));
        let written = Written::default();
        let held = Held::new(pty.slave.try_clone().unwrap(), Box::new(written.clone())).unwrap();

        let mode = tcgetattr(&pty.slave).unwrap();
        assert!(!mode.local_flags.contains(LocalFlags::ECHO));
        assert!(!mode.local_flags.contains(LocalFlags::ICANON));
        assert!(
            mode.local_flags.contains(LocalFlags::ISIG),
            "Ctrl-C still stops a reply"
        );
        assert!(!mode.input_flags.contains(InputFlags::ICRNL));
        assert_eq!(*written.0.lock().unwrap(), PASTE_ON);

        // Keys typed now: nothing comes back to the screen, and the bytes
        // wait as typed (Enter stays a carriage return, no line needed).
        let mut master = std::fs::File::from(pty.master.try_clone().unwrap());
        master.write_all(b"next line\r/set quiet\rpartial").unwrap();
        assert!(!readable(&pty.master, 200), "nothing is echoed");
        let mut slave = std::fs::File::from(pty.slave.try_clone().unwrap());
        let mut got = Vec::new();
        while got.len() < 28 && readable(&pty.slave, 2_000) {
            let mut buf = [0u8; 64];
            let n = slave.read(&mut buf).unwrap();
            got.extend_from_slice(&buf[..n]);
        }
        assert_eq!(got, b"next line\r/set quiet\rpartial");

        drop(held);
        let after = tcgetattr(&pty.slave).unwrap();
        assert_eq!(after.local_flags, before.local_flags);
        assert_eq!(after.input_flags, before.input_flags);
        assert!(written.0.lock().unwrap().ends_with(PASTE_OFF));
    }

    #[test]
    fn not_a_terminal_is_left_alone() {
        let file = tempfile::tempfile().unwrap();
        assert!(Held::new(OwnedFd::from(file), Box::new(io::sink())).is_none());
    }
}
