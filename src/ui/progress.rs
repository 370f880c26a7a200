//! Progress of pull, push and create: indicatif bars on a terminal, log
//! lines for provisioning, JSON lines for scripts, or only the outcome.
//!
//! One [`Progress`] renders one operation: the server's progress objects
//! ([`Progress::update`]) and the local work before it (hashing and
//! uploading files, through [`FileTask`]). Everything it draws is cleared
//! by [`Progress::clear`], which also runs when it is dropped, so an
//! operation that fails, or is dropped because Ctrl-C was pressed, leaves
//! no half-drawn bar and no hidden cursor behind.
//!
//! [`Activity`] names what is going on, so that an interruption can say
//! what it interrupted.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use ollama_rs::ProgressResponse;

use crate::cli::ProgressMode;
use crate::ui::format::{human_bytes, human_rate};

/// How often a bar is told of new byte counts (it redraws at 10 Hz).
const BAR_EVERY: Duration = Duration::from_millis(50);

/// How progress is shown, after looking at the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// indicatif bars and spinners on stderr.
    Bars,
    /// Plain lines on stderr, throttled.
    Plain,
    /// Each progress object as a JSON line on stdout.
    Json,
    /// Nothing but the outcome.
    Quiet,
}

impl Style {
    /// The style for `--progress` given `--json`, whether stderr is a
    /// terminal, and whether it can redraw (see
    /// [`crate::settings::Settings::progress_style`]).
    pub fn decide(mode: ProgressMode, json: bool, tty: bool, can_draw: bool) -> Style {
        if json {
            return Style::Json;
        }
        match mode {
            ProgressMode::Auto | ProgressMode::Bars if can_draw => Style::Bars,
            // A person watching a terminal that cannot redraw still wants
            // to see something move.
            ProgressMode::Auto if tty => Style::Plain,
            ProgressMode::Auto | ProgressMode::None => Style::Quiet,
            ProgressMode::Bars | ProgressMode::Plain => Style::Plain,
        }
    }
}

/// Where lines go: the real streams, or a buffer in tests.
#[derive(Clone)]
enum Sink {
    Stderr,
    Stdout,
    #[cfg(test)]
    Buffer(Arc<Mutex<Vec<u8>>>),
}

impl Sink {
    fn line(&self, text: &str) -> io::Result<()> {
        fn put(mut w: impl Write, text: &str) -> io::Result<()> {
            w.write_all(text.as_bytes())?;
            w.write_all(b"\n")?;
            w.flush()
        }
        match self {
            Sink::Stderr => put(io::stderr().lock(), text),
            Sink::Stdout => put(io::stdout().lock(), text),
            #[cfg(test)]
            Sink::Buffer(b) => put(&mut *lock(b), text),
        }
    }
}

fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not also take the progress display down.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The first 12 hex digits of a digest, as `ollama pull` labels layers.
pub fn short_digest(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.get(..12).unwrap_or(hex)
}

fn percent(done: u64, total: u64) -> u64 {
    if total == 0 {
        return 100;
    }
    (u128::from(done.min(total)) * 100 / u128::from(total)) as u64
}

/// The throttle and speed of one plain-mode byte counter.
struct Meter {
    start: (Instant, u64),
    last_print: Option<Instant>,
    complete: bool,
}

impl Meter {
    fn new(now: Instant, done: u64) -> Meter {
        Meter {
            start: (now, done),
            last_print: None,
            complete: false,
        }
    }

    /// The line for this update, when one is due: the first, then at most
    /// one per `every`, and the completion once.
    fn line(
        &mut self,
        label: &str,
        done: u64,
        total: u64,
        now: Instant,
        every: Duration,
    ) -> Option<String> {
        let complete = done >= total;
        if complete {
            if self.complete {
                return None;
            }
            self.complete = true;
        } else if self
            .last_print
            .is_some_and(|t| now.saturating_duration_since(t) < every)
        {
            return None;
        }
        self.last_print = Some(now);
        let secs = now.saturating_duration_since(self.start.0).as_secs_f64();
        let moved = done.saturating_sub(self.start.1);
        // Below a tenth of a second the rate says more about the clock than
        // about the network.
        let rate = if secs >= 0.1 && moved > 0 {
            format!(", {}", human_rate(moved as f64 / secs))
        } else {
            String::new()
        };
        Some(format!(
            "{label}: {}% ({}/{}{rate})",
            percent(done, total),
            human_bytes(done),
            human_bytes(total)
        ))
    }
}

/// `42s`, `3m12s`, `1h05m`.
fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// Rounded down, so that 100% means done.
fn key_percent(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{}", percent(state.pos(), state.len().unwrap_or(0)));
}

fn key_bytes(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let total = state.len().unwrap_or(0);
    let _ = write!(
        w,
        "{}/{}",
        human_bytes(state.pos().min(total)),
        human_bytes(total)
    );
}

fn key_total(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = w.write_str(&human_bytes(state.len().unwrap_or(0)));
}

fn key_rate(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let rate = state.per_sec();
    if rate.is_finite() && rate >= 1.0 && !state.is_finished() {
        let _ = w.write_str(&human_rate(rate));
    }
}

fn key_eta(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let done = state.len().is_some_and(|l| state.pos() >= l);
    let rate = state.per_sec();
    if !done && rate.is_finite() && rate >= 1.0 {
        let _ = w.write_str(&short_duration(state.eta()));
    }
}

const BAR_CHARS: &str = "█▉▊▋▌▍▎▏ ";

/// The narrowest a bar is drawn.
const MIN_BAR: usize = 10;

/// The parts of a bar's line after `label: `, richest first, with the
/// columns they take besides the bar: speed and time left, then sizes, then
/// the percentage alone, whichever fits the terminal with a bar of at
/// least [`MIN_BAR`] columns.
const RUNNING: [(&str, usize); 3] = [
    ("{pct:>3}% ▕{wide_bar}▏ {bytes:>17} {rate:>10} {eta:>6}", 45),
    ("{pct:>3}% ▕{wide_bar}▏ {bytes:>17}", 27),
    ("{pct:>3}% ▕{wide_bar}▏", 9),
];
/// The same for a finished bar: its total size, or the percentage alone.
const DONE: [(&str, usize); 2] = [
    ("{pct:>3}% ▕{wide_bar}▏ {total:>17}", 27),
    ("{pct:>3}% ▕{wide_bar}▏", 9),
];

/// The template for `label` on `width` columns, and the label, cut with
/// `…` when even the narrowest form does not fit.
fn fitting(forms: &[(&'static str, usize)], label: &str, width: usize) -> (String, String) {
    let chars = label.chars().count();
    for &(form, used) in forms {
        if chars + used + MIN_BAR <= width {
            return (format!("{{msg}}: {form}"), label.to_string());
        }
    }
    let (form, used) = forms[forms.len() - 1];
    let room = width.saturating_sub(used + MIN_BAR + 1).max(1);
    let cut: String = label.chars().take(room).collect();
    (format!("{{msg}}: {form}"), format!("{cut}…"))
}

/// A running bar's style and label on `width` columns.
fn running_style(label: &str, width: usize) -> (ProgressStyle, String) {
    let (template, label) = fitting(&RUNNING, label, width);
    let style = ProgressStyle::with_template(&template)
        .expect("valid template")
        .with_key("pct", key_percent)
        .with_key("bytes", key_bytes)
        .with_key("rate", key_rate)
        .with_key("eta", key_eta)
        .progress_chars(BAR_CHARS);
    (style, label)
}

/// A finished bar's style and label on `width` columns.
fn done_style(label: &str, width: usize) -> (ProgressStyle, String) {
    let (template, label) = fitting(&DONE, label, width);
    let style = ProgressStyle::with_template(&template)
        .expect("valid template")
        .with_key("pct", key_percent)
        .with_key("total", key_total)
        .progress_chars(BAR_CHARS);
    (style, label)
}

fn spinner_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg} {spinner}").expect("valid template")
}

fn line_style() -> ProgressStyle {
    ProgressStyle::with_template("{msg}").expect("valid template")
}

/// What is drawn, shared with the upload callbacks (which run on other
/// threads).
struct Inner {
    style: Style,
    /// False once cleared: late callbacks (a hashing thread outliving an
    /// interrupted command) must not draw again.
    open: bool,
    multi: MultiProgress,
    /// The real stderr, whose cursor is hidden while bars are drawn; `None`
    /// when drawing elsewhere (tests).
    cursor: Option<console::Term>,
    cursor_hidden: bool,
    bars: HashMap<String, ProgressBar>,
    /// When each bar was last told of new byte counts.
    bar_updates: HashMap<String, Instant>,
    meters: HashMap<String, Meter>,
    spinner: Option<ProgressBar>,
    /// Finished steps, kept on screen as lines until cleared.
    lines: Vec<ProgressBar>,
    status: String,
    plain_every: Duration,
    err: Sink,
    /// The terminal's columns, which bars fit.
    width: usize,
    /// Finished with success: what is drawn stays.
    kept: bool,
}

impl Inner {
    /// Hides the cursor while bars are drawn: a cursor blinking at the end
    /// of a bar that is being redrawn flickers. [`Inner::clear`] shows it.
    fn hide_cursor(&mut self) {
        if !self.cursor_hidden {
            if let Some(term) = &self.cursor {
                let _ = term.hide_cursor();
                self.cursor_hidden = true;
            }
        }
    }

    fn bytes(&mut self, key: &str, label: &str, done: u64, total: u64, now: Instant) {
        if !self.open {
            return;
        }
        match self.style {
            Style::Bars => {
                self.hide_cursor();
                let bar = match self.bars.get(key) {
                    Some(bar) => bar.clone(),
                    None => {
                        // Bytes moving end the step the spinner was
                        // showing; it stays above as a line.
                        self.end_step();
                        // Hidden until added: a bar draws to its own target
                        // before it joins the others, and a line drawn there
                        // would be left behind.
                        let (style, label) = running_style(label, self.width);
                        let bar = ProgressBar::with_draw_target(
                            Some(total),
                            ProgressDrawTarget::hidden(),
                        )
                        .with_style(style)
                        .with_message(label)
                        .with_position(done.min(total));
                        // A resumed download starts part-way: that is not
                        // speed.
                        bar.reset_eta();
                        let bar = self.multi.add(bar);
                        // Redrawn while no bytes come, so that the speed of
                        // a stalled download falls instead of standing still.
                        bar.enable_steady_tick(Duration::from_millis(500));
                        self.bars.insert(key.to_string(), bar.clone());
                        bar
                    }
                };
                if bar.is_finished() {
                    return;
                }
                // A pull sends a line every few kilobytes; handing each to
                // indicatif costs more than decoding it. The bar redraws at
                // 10 Hz anyway, so it hears of progress at most every 50 ms,
                // and always of the end of a layer.
                let due = self
                    .bar_updates
                    .get(key)
                    .is_none_or(|t| now.duration_since(*t) >= BAR_EVERY);
                if !due && done < total {
                    return;
                }
                self.bar_updates.insert(key.to_string(), now);
                bar.set_length(total);
                bar.set_position(done.min(total));
                if done >= total {
                    let (style, label) = done_style(label, self.width);
                    bar.set_style(style);
                    bar.set_message(label);
                    bar.finish();
                }
            }
            Style::Plain => {
                let every = self.plain_every;
                let line = self
                    .meters
                    .entry(key.to_string())
                    .or_insert_with(|| Meter::new(now, done))
                    .line(label, done, total, now, every);
                if let Some(line) = line {
                    let _ = self.err.line(&line);
                }
            }
            Style::Json | Style::Quiet => {}
        }
    }

    fn status(&mut self, status: &str) {
        if !self.open || status.is_empty() || status == self.status {
            return;
        }
        self.status = status.to_string();
        match self.style {
            Style::Bars => {
                self.hide_cursor();
                self.end_step();
                let s = self.multi.add(
                    ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden())
                        .with_style(spinner_style()),
                );
                s.set_message(status.to_string());
                s.enable_steady_tick(Duration::from_millis(100));
                self.spinner = Some(s);
            }
            Style::Plain => {
                let _ = self.err.line(status);
            }
            Style::Json | Style::Quiet => {}
        }
    }

    /// The step the spinner shows is done: it stays as a line above what
    /// comes next.
    fn end_step(&mut self) {
        if let Some(old) = self.spinner.take() {
            old.set_style(line_style());
            old.finish();
            self.lines.push(old);
        }
    }

    /// Success: the spinner's step becomes a line, the bars stay finished,
    /// and nothing is cleared, as `ollama pull` leaves its screen.
    fn keep(&mut self) {
        if !self.open {
            return;
        }
        self.end_step();
        for bar in self.bars.values() {
            if !bar.is_finished() {
                bar.finish();
            }
        }
        self.kept = true;
        self.clear();
    }

    fn clear(&mut self) {
        self.open = false;
        if self.kept {
            self.show_cursor();
            return;
        }
        if let Some(s) = self.spinner.take() {
            s.finish_and_clear();
        }
        for line in self.lines.drain(..) {
            line.finish_and_clear();
        }
        for bar in self.bars.values() {
            bar.finish_and_clear();
        }
        let _ = self.multi.clear();
        self.show_cursor();
    }

    fn show_cursor(&mut self) {
        if self.cursor_hidden {
            if let Some(term) = &self.cursor {
                let _ = term.show_cursor();
            }
            self.cursor_hidden = false;
        }
    }
}

/// Renders one operation's progress stream.
pub struct Progress {
    style: Style,
    /// Pull labels bars `pulling <12hex>`; push and create use the status.
    label_by_digest: bool,
    inner: Arc<Mutex<Inner>>,
    out: Sink,
}

impl Progress {
    /// A renderer in the given style on the real stderr and stdout;
    /// `label_by_digest` for pull.
    pub fn new(style: Style, label_by_digest: bool) -> Progress {
        let (target, cursor) = match style {
            Style::Bars => (
                ProgressDrawTarget::stderr_with_hz(10),
                Some(console::Term::stderr()),
            ),
            _ => (ProgressDrawTarget::hidden(), None),
        };
        let width = console::Term::stderr().size().1 as usize;
        Progress::build(
            style,
            label_by_digest,
            (target, width),
            cursor,
            Sink::Stderr,
            Sink::Stdout,
        )
    }

    fn build(
        style: Style,
        label_by_digest: bool,
        (target, width): (ProgressDrawTarget, usize),
        cursor: Option<console::Term>,
        err: Sink,
        out: Sink,
    ) -> Progress {
        Progress {
            style,
            label_by_digest,
            inner: Arc::new(Mutex::new(Inner {
                style,
                open: true,
                multi: MultiProgress::with_draw_target(target),
                cursor,
                cursor_hidden: false,
                bars: HashMap::new(),
                bar_updates: HashMap::new(),
                meters: HashMap::new(),
                spinner: None,
                lines: Vec::new(),
                status: String::new(),
                plain_every: Duration::from_secs(1),
                err,
                width,
                kept: false,
            })),
            out,
        }
    }

    /// Handles one progress object from the server.
    pub fn update(&mut self, p: &ProgressResponse) -> io::Result<()> {
        self.update_at(p, Instant::now())
    }

    fn update_at(&mut self, p: &ProgressResponse, now: Instant) -> io::Result<()> {
        if self.style == Style::Json {
            let line = serde_json::to_string(p).map_err(io::Error::other)?;
            return self.out.line(&line);
        }
        let mut inner = lock(&self.inner);
        match (&p.digest, p.total) {
            (Some(digest), Some(total)) if total > 0 => {
                let done = p.completed.unwrap_or(0);
                // Pull shows a layer once bytes move, like `ollama pull`; a
                // layer already there comes complete in its first line.
                if self.label_by_digest && done == 0 && !inner.bars.contains_key(digest) {
                    return Ok(());
                }
                let label = if self.label_by_digest {
                    format!("pulling {}", short_digest(digest))
                } else {
                    p.status.clone()
                };
                inner.bytes(digest, &label, done, total, now);
            }
            // Early lines of a layer carry its digest but no size yet: the
            // bar waits for the size.
            (Some(_), _) => {}
            _ => inner.status(&p.status),
        }
        Ok(())
    }

    /// Writes the server's error line as JSON, when that is the style:
    /// `--json` shows the stream as the server sent it.
    pub fn error_line(&self, message: &str) -> io::Result<()> {
        if self.style == Style::Json {
            let line = serde_json::json!({ "error": message }).to_string();
            return self.out.line(&line);
        }
        Ok(())
    }

    /// A byte counter for local work on one file (hashing, uploading).
    pub fn file_task(&self, name: &str) -> FileTask {
        FileTask {
            inner: Arc::clone(&self.inner),
            key: format!("file:{name}"),
            name: name.to_string(),
        }
    }

    /// Clears everything drawn and shows the cursor again. Nothing is
    /// drawn after this, even by tasks still running elsewhere.
    pub fn clear(&mut self) {
        lock(&self.inner).clear();
    }

    /// Ends the display: after success, what is drawn stays (each layer's
    /// finished bar, the statuses, `success`), like `ollama pull`'s;
    /// otherwise it is cleared, above the error.
    pub fn end(&mut self, success: bool) {
        if success {
            lock(&self.inner).keep();
        } else {
            self.clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}

/// Progress of the local work on one file, from any thread.
#[derive(Clone)]
pub struct FileTask {
    inner: Arc<Mutex<Inner>>,
    key: String,
    name: String,
}

impl FileTask {
    /// Bytes hashed so far.
    pub fn hashing(&self, done: u64, total: u64) {
        let label = format!("hashing {}", self.name);
        lock(&self.inner).bytes(
            &format!("{}:hash", self.key),
            &label,
            done,
            total,
            Instant::now(),
        );
    }

    /// Bytes uploaded so far.
    pub fn uploading(&self, done: u64, total: u64) {
        let label = format!("uploading {}", self.name);
        lock(&self.inner).bytes(
            &format!("{}:upload", self.key),
            &label,
            done,
            total,
            Instant::now(),
        );
    }

    /// The server already has the file: nothing is uploaded.
    pub fn exists(&self) {
        lock(&self.inner).status(&format!("using existing blob for {}", self.name));
    }
}

/// What the command is doing, for the line an interruption prints.
static ACTIVITY: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Names what is going on until dropped: `pulling `tiny``. Nested ones
/// stack; the innermost is reported.
#[must_use = "the activity ends when this is dropped"]
pub struct Activity(());

impl Activity {
    /// Starts an activity.
    pub fn begin(what: impl Into<String>) -> Activity {
        lock(&ACTIVITY).push(what.into());
        Activity(())
    }

    /// The innermost activity going on, if any.
    pub fn current() -> Option<String> {
        lock(&ACTIVITY).last().cloned()
    }
}

impl Drop for Activity {
    fn drop(&mut self) {
        lock(&ACTIVITY).pop();
    }
}

#[cfg(test)]
mod tests;
