//! Option values parsed by clap: `--color`, seconds, `--think`.

use clap::ValueEnum;

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when the stream is a terminal and NO_COLOR is not set.
    Auto,
    /// Always colour, even into a pipe.
    Always,
    /// Never colour.
    Never,
}

/// A positive number of seconds (`--timeout`, `--stall-timeout`...).
pub fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}

/// Whether and how to think.
pub fn parse_think(s: &str) -> Result<String, String> {
    match s.to_ascii_lowercase().as_str() {
        v @ ("true" | "false" | "low" | "medium" | "high" | "max") => Ok(v.to_string()),
        _ => Err(format!(
            "`{s}` is not one of true, false, low, medium, high, max"
        )),
    }
}
