//! The escape codes the command line writes, in one place. Whether colour
//! is on for stdout and for stderr is decided once, in
//! [`crate::settings::Settings`] (`--color`, `NO_COLOR`, the terminals);
//! the labels below follow that decision through the `console` crate, and
//! [`dim`] is told it.

/// `s` dimmed when `on`; unchanged when not, or when it is empty.
pub fn dim(s: &str, on: bool) -> String {
    if on && !s.is_empty() {
        console::Style::new()
            .dim()
            .force_styling(true)
            .apply_to(s)
            .to_string()
    } else {
        s.to_string()
    }
}

/// `error:` in bold red, for a line on stderr.
pub fn error_label() -> String {
    console::style("error:")
        .red()
        .bold()
        .for_stderr()
        .to_string()
}

/// `warning:` in bold yellow, for a line on stderr.
pub fn warning_label() -> String {
    console::style("warning:")
        .yellow()
        .bold()
        .for_stderr()
        .to_string()
}

/// `hint:` in bold cyan, for a line on stderr.
pub fn hint_label() -> String {
    console::style("hint:")
        .cyan()
        .bold()
        .for_stderr()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dim_only_what_is_there_when_asked() {
        assert_eq!(dim("x", true), "\u{1b}[2mx\u{1b}[0m");
        assert_eq!(dim("x", false), "x");
        assert_eq!(dim("", true), "");
    }
}
