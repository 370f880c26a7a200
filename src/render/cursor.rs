//! Whether an answer left a terminal's cursor in the middle of a line.
//!
//! A one-shot command interrupted by Ctrl-C is dropped mid-answer, and its
//! message (`ollama-rs: interrupted`) is printed after it, in `main`. The
//! reply renderer records here whether the line it was writing is still
//! open (on stdout for the answer, on stderr for thinking shown there), so
//! that the message starts a line of its own instead of following the
//! answer's last word.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// A stream a renderer writes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The answer.
    Stdout,
    /// Thinking shown off stdout.
    Stderr,
}

static STDOUT_MID_LINE: AtomicBool = AtomicBool::new(false);
static STDERR_MID_LINE: AtomicBool = AtomicBool::new(false);

fn flag(stream: Stream) -> &'static AtomicBool {
    match stream {
        Stream::Stdout => &STDOUT_MID_LINE,
        Stream::Stderr => &STDERR_MID_LINE,
    }
}

/// Records whether the cursor of the terminal on `stream` is past the
/// start of a line.
pub fn set_mid_line(stream: Stream, mid_line: bool) {
    flag(stream).store(mid_line, Ordering::Relaxed);
}

/// Whether the last record for `stream` says the cursor is mid-line.
#[cfg(test)]
pub fn is_mid_line(stream: Stream) -> bool {
    flag(stream).load(Ordering::Relaxed)
}

/// Ends the lines left open: a newline on each stream whose cursor is
/// mid-line. Called before a message that must start a line.
pub fn end_open_lines() {
    if STDOUT_MID_LINE.swap(false, Ordering::Relaxed) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(b"\n");
        let _ = out.flush();
    }
    if STDERR_MID_LINE.swap(false, Ordering::Relaxed) {
        let _ = std::io::stderr().write_all(b"\n");
    }
}
