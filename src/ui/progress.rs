//! Progress of pull, push and create: indicatif bars on a terminal, log
//! lines for provisioning, JSON lines for scripts, or only the outcome.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use ollama_rs::ProgressResponse;

use crate::cli::ProgressMode;
use crate::ui::format::{human_bytes, human_rate};
use crate::ui::Ui;

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
    /// Resolves `--progress` against the terminal: bars never go into a
    /// file or pipe.
    pub fn resolve(mode: ProgressMode, ui: &Ui) -> Style {
        if ui.json {
            return Style::Json;
        }
        match mode {
            ProgressMode::Auto if ui.stderr_tty => Style::Bars,
            ProgressMode::Auto | ProgressMode::None => Style::Quiet,
            ProgressMode::Bars if ui.stderr_tty => Style::Bars,
            ProgressMode::Bars | ProgressMode::Plain => Style::Plain,
        }
    }
}

/// How often a bar is told of new byte counts; it redraws at 10 Hz anyway.
const BAR_EVERY: Duration = Duration::from_millis(50);

struct Layer {
    bar: Option<ProgressBar>,
    first: (Instant, u64),
    last_print: Option<Instant>,
    finished: bool,
}

/// Renders one operation's progress stream.
pub struct Progress {
    style: Style,
    multi: MultiProgress,
    layers: HashMap<String, Layer>,
    order: Vec<String>,
    spinner: Option<ProgressBar>,
    status: String,
    /// Pull labels bars `pulling <12hex>`; push and create use the status.
    label_by_digest: bool,
    plain_every: Duration,
}

fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    &hex[..hex.len().min(12)]
}

impl Progress {
    /// A renderer in the given style; `label_by_digest` for pull.
    pub fn new(style: Style, label_by_digest: bool) -> Progress {
        let multi = MultiProgress::with_draw_target(match style {
            Style::Bars => ProgressDrawTarget::stderr_with_hz(10),
            _ => ProgressDrawTarget::hidden(),
        });
        Progress {
            style,
            multi,
            layers: HashMap::new(),
            order: Vec::new(),
            spinner: None,
            status: String::new(),
            label_by_digest,
            plain_every: Duration::from_secs(1),
        }
    }

    /// Handles one progress object.
    pub fn update(&mut self, p: &ProgressResponse) -> std::io::Result<()> {
        match self.style {
            Style::Json => {
                let mut out = std::io::stdout().lock();
                serde_json::to_writer(&mut out, p)?;
                out.write_all(b"\n")?;
                out.flush()
            }
            Style::Quiet => Ok(()),
            Style::Plain => {
                self.plain(p);
                Ok(())
            }
            Style::Bars => {
                self.bars(p);
                Ok(())
            }
        }
    }

    fn label(&self, p: &ProgressResponse, digest: &str) -> String {
        if self.label_by_digest {
            format!("pulling {}", short(digest))
        } else {
            p.status.clone()
        }
    }

    fn plain(&mut self, p: &ProgressResponse) {
        let now = Instant::now();
        match (&p.digest, p.total) {
            (Some(digest), Some(total)) if total > 0 => {
                let completed = p.completed.unwrap_or(0);
                let label = self.label(p, digest);
                let layer = self.layers.entry(digest.clone()).or_insert(Layer {
                    bar: None,
                    first: (now, completed),
                    last_print: None,
                    finished: false,
                });
                let done = completed >= total;
                let due = layer
                    .last_print
                    .is_none_or(|t| now.duration_since(t) >= self.plain_every);
                if (done && !layer.finished) || (!done && due) {
                    let secs = now.duration_since(layer.first.0).as_secs_f64();
                    let rate = if secs > 0.0 {
                        format!(
                            ", {}",
                            human_rate((completed - layer.first.1.min(completed)) as f64 / secs)
                        )
                    } else {
                        String::new()
                    };
                    eprintln!(
                        "{label}: {}% ({}/{}{rate})",
                        completed.saturating_mul(100) / total,
                        human_bytes(completed),
                        human_bytes(total)
                    );
                    layer.last_print = Some(now);
                    layer.finished = done;
                }
            }
            _ => {
                if p.status != self.status && !p.status.is_empty() {
                    self.status = p.status.clone();
                    eprintln!("{}", p.status);
                }
            }
        }
    }

    fn bars(&mut self, p: &ProgressResponse) {
        match (&p.digest, p.total) {
            (Some(digest), Some(total)) if total > 0 => {
                let completed = p.completed.unwrap_or(0);
                if !self.layers.contains_key(digest) {
                    // Pull shows a layer once bytes move, like `ollama pull`.
                    if self.label_by_digest && completed == 0 {
                        return;
                    }
                    let bar = self.multi.add(ProgressBar::new(total));
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{msg} {percent:>3}% ▕{wide_bar}▏ {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} {eta}",
                        )
                        .expect("valid template")
                        .progress_chars("██ "),
                    );
                    bar.set_message(self.label(p, digest));
                    self.layers.insert(
                        digest.clone(),
                        Layer {
                            bar: Some(bar),
                            first: (Instant::now(), completed),
                            last_print: None,
                            finished: false,
                        },
                    );
                    self.order.push(digest.clone());
                }
                // A pull sends a line per few kilobytes: handing each one to indicatif costs
                // more than decoding it, so the bar hears of progress at most every
                // `BAR_EVERY`, and always of the end of a layer.
                let now = Instant::now();
                if let Some(layer) = self.layers.get_mut(digest) {
                    let due = layer
                        .last_print
                        .is_none_or(|t| now.duration_since(t) >= BAR_EVERY);
                    if let Some(bar) = layer.bar.as_ref().filter(|_| due || completed >= total) {
                        bar.set_length(total);
                        bar.set_position(completed);
                        layer.last_print = Some(now);
                    }
                }
            }
            _ => {
                if p.status != self.status && !p.status.is_empty() {
                    self.status = p.status.clone();
                    if let Some(s) = self.spinner.take() {
                        s.finish();
                    }
                    let s = self.multi.add(ProgressBar::new_spinner());
                    s.set_style(
                        ProgressStyle::with_template("{msg} {spinner}").expect("valid template"),
                    );
                    s.set_message(p.status.clone());
                    s.enable_steady_tick(Duration::from_millis(100));
                    self.spinner = Some(s);
                }
            }
        }
    }

    /// Clears everything drawn, leaving the terminal clean.
    pub fn clear(&mut self) {
        if let Some(s) = self.spinner.take() {
            s.finish_and_clear();
        }
        for l in self.layers.values() {
            if let Some(b) = &l.bar {
                b.finish_and_clear();
            }
        }
        let _ = self.multi.clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
    }
}
