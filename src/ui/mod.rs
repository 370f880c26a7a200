//! Output helpers: progress display, formatting of numbers, sizes and
//! tables, and JSON lines.

pub mod format;
pub mod progress;

use std::io::Write;

/// Writes one JSON value on one line and flushes: the unit of `--json`
/// output for streams and per-model reports.
pub fn write_json_line(out: &mut impl Write, v: &impl serde::Serialize) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, v)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}
