//! The spinner shown while a reply (or a model load) is awaited, as
//! `ollama run` shows one: on stderr, only when stderr is a terminal that
//! can redraw, and cleared before anything else is written — the first
//! token, thinking, an error line, the prompt.
//!
//! [`Waiting`] is an indicatif spinner; dropping it clears it, so a request
//! that fails or is interrupted leaves nothing behind.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::reply::Reply;

/// The frames of `ollama run`'s spinner; the last string is the finished
/// one, never seen since the spinner is cleared.
const FRAMES: [&str; 11] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏", " "];

/// How often the spinner turns.
const TICK: Duration = Duration::from_millis(100);

/// A spinner on stderr until [`Waiting::stop`] (or drop).
pub struct Waiting {
    bar: Option<ProgressBar>,
}

impl Waiting {
    /// Starts the spinner on stderr when `show` is set (stderr is a
    /// terminal that can redraw: [`Style::Bars`](crate::ui::progress::Style));
    /// otherwise it draws nothing at all.
    pub fn start(show: bool) -> Waiting {
        Waiting::on(show.then(|| ProgressDrawTarget::stderr_with_hz(20)))
    }

    /// Starts the spinner on `target`, if any.
    fn on(target: Option<ProgressDrawTarget>) -> Waiting {
        let bar = target.map(|target| {
            let style = ProgressStyle::with_template("{spinner}")
                .expect("valid template")
                .tick_strings(&FRAMES);
            let bar = ProgressBar::with_draw_target(None, target).with_style(style);
            bar.enable_steady_tick(TICK);
            bar
        });
        Waiting { bar }
    }

    /// Whether the spinner is still drawn.
    pub fn is_running(&self) -> bool {
        self.bar.is_some()
    }

    /// Clears the spinner; it is not drawn again.
    pub fn stop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    /// Clears the spinner when `part` of a reply draws something: text,
    /// a tool call, or thinking that is shown. Thinking that is hidden
    /// keeps the spinner turning, as with `ollama run --hidethinking`.
    pub fn stop_for(&mut self, part: &impl Reply, hide_thinking: bool) {
        if self.is_running() && shows(part, hide_thinking) {
            self.stop();
        }
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether the renderer draws anything for `part`.
fn shows(part: &impl Reply, hide_thinking: bool) -> bool {
    !part.content().is_empty()
        || !part.tool_calls().is_empty()
        || (!hide_thinking && part.thinking().is_some_and(|t| !t.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::{InMemoryTerm, TermLike};
    use ollama_rs::{ChatResponse, Message};

    fn part(content: &str, thinking: Option<&str>) -> ChatResponse {
        let mut message = Message::assistant(content);
        message.thinking = thinking.map(str::to_string);
        let mut r = ChatResponse::default();
        r.message = message;
        r
    }

    /// Waits (a few seconds at most) until the terminal shows `want`.
    fn wait_for(term: &InMemoryTerm, want: impl Fn(&str) -> bool) -> String {
        let start = std::time::Instant::now();
        loop {
            let shown = term.contents();
            if want(&shown) || start.elapsed() > Duration::from_secs(5) {
                return shown;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn turns_until_the_first_part_that_shows_something_then_leaves_nothing() {
        let term = InMemoryTerm::new(4, 40);
        let mut w = Waiting::on(Some(ProgressDrawTarget::term_like(Box::new(term.clone()))));
        let first = wait_for(&term, |s| FRAMES[..10].iter().any(|f| s.contains(f)));
        assert!(FRAMES[..10].iter().any(|f| first.contains(f)), "{first:?}");
        // Two different frames: it turns.
        let other = wait_for(&term, |s| !s.is_empty() && s != first);
        assert_ne!(other, first);

        // An empty part, or thinking that is hidden, keeps it.
        w.stop_for(&part("", None), false);
        w.stop_for(&part("", Some("hmm")), true);
        assert!(w.is_running());
        // Thinking that is shown clears it; so does text.
        w.stop_for(&part("", Some("hmm")), false);
        assert!(!w.is_running());
        assert_eq!(term.contents(), "");
        assert_eq!(term.width(), 40);

        let term = InMemoryTerm::new(4, 40);
        let mut w = Waiting::on(Some(ProgressDrawTarget::term_like(Box::new(term.clone()))));
        wait_for(&term, |s| !s.is_empty());
        w.stop_for(&part("echo:", None), true);
        assert_eq!(term.contents(), "");
        drop(w);
        assert_eq!(term.contents(), "");
    }

    #[test]
    fn dropped_it_clears_and_off_a_terminal_it_is_nothing() {
        let term = InMemoryTerm::new(4, 40);
        let w = Waiting::on(Some(ProgressDrawTarget::term_like(Box::new(term.clone()))));
        wait_for(&term, |s| !s.is_empty());
        drop(w);
        assert_eq!(term.contents(), "");

        let mut off = Waiting::start(false);
        assert!(!off.is_running());
        off.stop_for(&part("text", None), false);
    }
}
