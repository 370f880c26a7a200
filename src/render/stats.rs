//! The timing statistics of a reply (`--verbose`, `/set verbose`), as
//! `ollama run --verbose` prints them.

use ollama_rs::Metrics;

use crate::ui::format::go_duration;

/// The statistics as `ollama run --verbose` prints them.
pub fn stats_text(m: &Metrics) -> String {
    let mut s = String::new();
    let mut row = |k: &str, v: String| s.push_str(&format!("{:<22}{v}\n", format!("{k}:")));
    if let Some(d) = m.total_duration {
        row("total duration", go_duration(d));
    }
    if let Some(d) = m.load_duration {
        row("load duration", go_duration(d));
    }
    if let Some(c) = m.prompt_eval_count {
        row("prompt eval count", format!("{c} token(s)"));
    }
    if let Some(d) = m.prompt_eval_duration {
        row("prompt eval duration", go_duration(d));
    }
    if let Some(r) = m.prompt_eval_rate() {
        row("prompt eval rate", format!("{r:.2} tokens/s"));
    }
    if let Some(c) = m.eval_count {
        row("eval count", format!("{c} token(s)"));
    }
    if let Some(d) = m.eval_duration {
        row("eval duration", go_duration(d));
    }
    if let Some(r) = m.eval_rate() {
        row("eval rate", format!("{r:.2} tokens/s"));
    }
    s
}
