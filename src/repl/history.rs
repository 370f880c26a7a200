//! Where the typed lines are kept between runs, and who may read them.
//!
//! The file is `<data dir>/ollama-rs/history` (`~/.local/share` on Linux).
//! Prompts can hold private text, so the folder is made 0700 and the file
//! 0600 before anything is written to it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The most lines kept; older ones are dropped when the file is rewritten.
pub const MAX_ENTRIES: usize = 1000;

/// The history file, when the platform has a data directory.
pub fn default_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("ollama-rs").join("history"))
}

/// Whether `OLLAMA_NOHISTORY` turns history off: set to anything but empty,
/// `0` or `false`.
pub fn disabled_by(value: Option<&std::ffi::OsStr>) -> bool {
    match value.and_then(|v| v.to_str()) {
        None => value.is_some_and(|v| !v.is_empty()),
        Some(v) => !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"),
    }
}

/// Creates the folder and the file with owner-only permissions, and
/// tightens them if they already exist.
pub fn prepare(path: &Path) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let mut opts = fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?;
    restrict(path)
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Makes a file readable and writable by its owner only (a no-op where
/// permissions are not Unix modes).
pub fn restrict(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Writes a new file (or replaces one) readable by its owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.create(true).write(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    // An existing file keeps its mode on open; tighten it before writing.
    restrict(path)?;
    io::Write::write_all(&mut f, bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn nohistory_values() {
        assert!(!disabled_by(None));
        assert!(!disabled_by(Some(OsStr::new(""))));
        assert!(!disabled_by(Some(OsStr::new("0"))));
        assert!(!disabled_by(Some(OsStr::new("false"))));
        assert!(disabled_by(Some(OsStr::new("1"))));
        assert!(disabled_by(Some(OsStr::new("true"))));
        assert!(disabled_by(Some(OsStr::new("yes"))));
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("b").join("history");
        prepare(&path).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);

        let out = dir.path().join("chat.json");
        fs::write(&out, "old").unwrap();
        fs::set_permissions(&out, fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&out, b"new").unwrap();
        assert_eq!(mode(&out), 0o600);
        assert_eq!(fs::read_to_string(&out).unwrap(), "new");
    }
}
