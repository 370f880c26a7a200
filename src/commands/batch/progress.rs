//! Progress of a batch job on stderr: one bar on a terminal, plain lines
//! once a second with `--progress` off one, or nothing.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ollama_rs::{BatchResponse, ServerStats};

use crate::render::progress::say;
use crate::ui::progress::Style;

/// How often the bar's text is made anew (it redraws at most at 10 Hz).
const BAR_EVERY: Duration = Duration::from_millis(100);
/// How often a plain line is written.
const LINE_EVERY: Duration = Duration::from_secs(1);

/// The counts of a run.
#[derive(Debug)]
pub struct Tally {
    /// Results written, errors included.
    pub done: u64,
    /// Results that are errors.
    pub failed: u64,
    /// Tokens generated (generate, chat) or read (embed).
    pub tokens: u64,
    /// Lines skipped because an earlier run answered them (`--resume`).
    pub skipped: Arc<AtomicU64>,
    /// Lines in the input, when known (a file: counted on the side; 0
    /// until then).
    pub total: Arc<AtomicU64>,
    started: Instant,
}

impl Tally {
    pub fn new(total: Arc<AtomicU64>) -> Tally {
        Tally {
            done: 0,
            failed: 0,
            tokens: 0,
            skipped: Arc::new(AtomicU64::new(0)),
            total,
            started: Instant::now(),
        }
    }

    /// Counts a response's tokens.
    pub fn add_tokens(&mut self, response: &BatchResponse) {
        self.tokens += match response {
            BatchResponse::Generate(r) => r.metrics().eval_count.unwrap_or(0),
            BatchResponse::Chat(r) => r.metrics().eval_count.unwrap_or(0),
            BatchResponse::Embed(r) => r.prompt_eval_count.unwrap_or(0),
        };
    }

    /// `done/total` (or `done`), rates, the time left, errors, and each
    /// server's share.
    pub fn text(&self, servers: &[Share]) -> String {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let skipped = self.skipped.load(Ordering::Relaxed);
        let total = self.total.load(Ordering::Relaxed);
        let rate = self.done as f64 / elapsed;
        let mut s = match total {
            0 => format!("{} done", self.done + skipped),
            t => format!("{}/{t}", self.done + skipped),
        };
        let _ = write!(
            s,
            ", {rate:.1} req/s, {:.0} tok/s",
            self.tokens as f64 / elapsed
        );
        let left = total.saturating_sub(self.done + skipped);
        if total > 0 && left > 0 && self.done > 0 {
            let _ = write!(s, ", ETA {}", eta(left as f64 / rate));
        }
        let _ = write!(
            s,
            ", {} error{}",
            self.failed,
            if self.failed == 1 { "" } else { "s" }
        );
        if servers.len() > 1 {
            let shares: Vec<String> = servers.iter().map(share).collect();
            let _ = write!(s, " | {}", shares.join(", "));
        }
        s
    }
}

/// What the display says of one server.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    host: String,
    succeeded: u64,
    failed: u64,
}

impl From<&ServerStats> for Share {
    fn from(s: &ServerStats) -> Share {
        Share {
            host: s.host.clone(),
            succeeded: s.succeeded,
            failed: s.failed,
        }
    }
}

/// The shares of the pool's servers.
pub fn shares(stats: &[ServerStats]) -> Vec<Share> {
    stats.iter().map(Share::from).collect()
}

/// `gpu1:11434 120`, with the server's failures when there are any.
fn share(s: &Share) -> String {
    let host = s
        .host
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let mut text = format!("{host} {}", s.succeeded);
    if s.failed > 0 {
        let _ = write!(text, " ({} failed)", s.failed);
    }
    text
}

/// `45s`, `3m05s`, `2h10m`.
fn eta(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

/// What is drawn.
pub enum Progress {
    Bar { bar: ProgressBar, last: Instant },
    Lines { last: Instant },
    Quiet,
}

impl Progress {
    /// The display for `style` (JSON progress means none: stdout holds
    /// only results).
    pub fn new(style: Style) -> Progress {
        match style {
            Style::Bars => {
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                bar.set_style(
                    ProgressStyle::with_template("batch {spinner} {msg}").expect("valid template"),
                );
                bar.enable_steady_tick(Duration::from_millis(100));
                Progress::Bar {
                    bar,
                    last: Instant::now() - BAR_EVERY,
                }
            }
            Style::Plain => Progress::Lines {
                last: Instant::now(),
            },
            Style::Json | Style::Quiet => Progress::Quiet,
        }
    }

    /// Whether anything is shown (the caller then ticks once a second
    /// even when no result comes).
    pub fn is_shown(&self) -> bool {
        !matches!(self, Progress::Quiet)
    }

    /// Shows the counts, at most every [`BAR_EVERY`] or [`LINE_EVERY`];
    /// `servers` is asked only then.
    pub fn update(&mut self, tally: &Tally, servers: impl FnOnce() -> Vec<Share>) {
        match self {
            Progress::Bar { bar, last } if last.elapsed() >= BAR_EVERY => {
                *last = Instant::now();
                let total = tally.total.load(Ordering::Relaxed);
                if total > 0 && bar.length().is_none() {
                    bar.set_length(total);
                    bar.set_style(
                        ProgressStyle::with_template("batch [{bar:24}] {msg}")
                            .expect("valid template")
                            .progress_chars("=> "),
                    );
                }
                bar.set_position(tally.done + tally.skipped.load(Ordering::Relaxed));
                bar.set_message(tally.text(&servers()));
            }
            Progress::Lines { last } if last.elapsed() >= LINE_EVERY => {
                *last = Instant::now();
                say(&format!("batch: {}", tally.text(&servers())));
            }
            _ => {}
        }
    }

    /// A line of its own on stderr, above the bar.
    pub fn println(&self, line: &str) {
        match self {
            Progress::Bar { bar, .. } => bar.suspend(|| say(line)),
            _ => say(line),
        }
    }

    /// Clears the bar; plain lines end with the final counts.
    pub fn finish(&mut self, tally: &Tally, servers: &[Share]) {
        match self {
            Progress::Bar { bar, .. } => bar.finish_and_clear(),
            Progress::Lines { .. } => say(&format!("batch: {}", tally.text(servers))),
            Progress::Quiet => {}
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Progress::Bar { bar, .. } = self {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_reads_as_minutes_and_hours() {
        assert_eq!(eta(4.4), "4s");
        assert_eq!(eta(185.0), "3m05s");
        assert_eq!(eta(7800.0), "2h10m");
    }

    #[test]
    fn the_text_has_counts_rates_and_shares() {
        let total = Arc::new(AtomicU64::new(10));
        let mut t = Tally::new(total);
        t.done = 4;
        t.failed = 1;
        t.skipped.store(2, Ordering::Relaxed);
        let servers = [
            Share {
                host: "http://a:1".into(),
                succeeded: 3,
                failed: 1,
            },
            Share {
                host: "http://b:2".into(),
                succeeded: 1,
                failed: 0,
            },
        ];
        let text = t.text(&servers);
        assert!(text.starts_with("6/10, "), "{text}");
        assert!(text.contains(" req/s, "), "{text}");
        assert!(text.contains(", ETA "), "{text}");
        assert!(
            text.contains(", 1 error | a:1 3 (1 failed), b:2 1"),
            "{text}"
        );
    }
}
