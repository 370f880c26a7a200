//! Where the typed lines are kept between runs, and who may read them.
//!
//! The file is `<data dir>/ollama-rs/history` (`~/.local/share` on Linux),
//! in rustyline's format: a `#V2` line, then one entry a line with line
//! breaks written `\n` and backslashes `\\`. Prompts can hold private text,
//! so a new folder is made 0700 and the file 0600; an existing file that
//! others could read is tightened to 0600 when a session opens it.
//!
//! Several sessions may run at once. Each entry is added as it is typed,
//! under an exclusive lock on `history.lock` next to the file: the entry
//! is appended in one write, or, when the file is full, the file is read
//! again (with what the other sessions added), cut to the newest
//! [`MAX_ENTRIES`] and replaced as a whole by renaming a new file over it.
//! A reader therefore sees either the old file or the new one, and no
//! writer loses another's lines.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The most lines kept; older ones are dropped when the file is rewritten.
pub const MAX_ENTRIES: usize = 1000;

/// The first line of the file (rustyline's format with escapes).
const HEADER: &[u8] = b"#V2";

/// The file next to `path` whose lock the writers take.
fn lock_path(path: &Path) -> PathBuf {
    sibling(path, "lock")
}

/// `path` with `.suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".");
    name.push(suffix);
    path.with_file_name(name)
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
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

/// Options that create a file readable and writable by its owner only.
fn private_options() -> fs::OpenOptions {
    let mut opts = fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts
}

/// Makes an open file readable and writable by its owner only (a no-op
/// where permissions are not Unix modes). An existing file keeps its mode
/// when it is opened, so this tightens it.
fn restrict(file: &fs::File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// An entry as one line of the file, with its line break.
fn escape(entry: &str) -> Vec<u8> {
    let mut line = Vec::with_capacity(entry.len() + 1);
    for b in entry.bytes() {
        match b {
            b'\\' => line.extend_from_slice(b"\\\\"),
            b'\n' => line.extend_from_slice(b"\\n"),
            b => line.push(b),
        }
    }
    line.push(b'\n');
    line
}

/// The entries of a history file, each as the line that holds it (without
/// its line break), and whether the file can simply be appended to: it
/// has the header and its last line is whole.
fn entries(bytes: &[u8]) -> (Vec<Vec<u8>>, bool) {
    if bytes.is_empty() {
        return (Vec::new(), true);
    }
    let all: Vec<&[u8]> = bytes
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let escaped = all[0] == HEADER;
    // An old file without escapes: its first line is an entry too.
    let lines = if escaped { &all[1..] } else { &all[..] };
    let mut out = Vec::new();
    for line in lines.iter().filter(|l| !l.is_empty()) {
        if escaped {
            out.push(line.to_vec());
        } else {
            let mut e = Vec::with_capacity(line.len());
            for &b in *line {
                if b == b'\\' {
                    e.push(b'\\');
                }
                e.push(b);
            }
            out.push(e);
        }
    }
    (out, escaped && bytes.ends_with(b"\n"))
}

/// Adds `entry` to the history file at `path`, creating it (and its
/// folder) if needed. Safe while other sessions add to the same file: see
/// the module's documentation.
pub fn append(path: &Path, entry: &str) -> io::Result<()> {
    // A link (to a file kept with other settings, say) stays a link: the
    // file it points to is the one written and replaced.
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).ok(),
        _ => None,
    };
    let path = target.as_deref().unwrap_or(path);
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    let lock = private_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(path))?;
    // Released when `lock` is closed, at the end of this function.
    lock.lock()?;
    let old = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    let (mut kept, appendable) = entries(&old);
    let line = escape(entry);
    if appendable && kept.len() < MAX_ENTRIES {
        let mut bytes = Vec::with_capacity(HEADER.len() + 1 + line.len());
        if old.is_empty() {
            bytes.extend_from_slice(HEADER);
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(&line);
        let mut f = private_options().create(true).append(true).open(path)?;
        // rustyline takes a shared lock on the file to read it: it never
        // sees half an entry.
        f.lock()?;
        restrict(&f)?;
        return f.write_all(&bytes);
    }
    kept.push(line[..line.len() - 1].to_vec());
    let skip = kept.len().saturating_sub(MAX_ENTRIES);
    let mut bytes = Vec::with_capacity(old.len() + line.len() + HEADER.len() + 1);
    bytes.extend_from_slice(HEADER);
    bytes.push(b'\n');
    for e in &kept[skip..] {
        bytes.extend_from_slice(e);
        bytes.push(b'\n');
    }
    replace(path, &bytes)
}

/// Makes an existing history file private, if it is not (a no-op where
/// permissions are not Unix modes). Errors are ignored: the file may
/// belong to someone else.
pub fn tighten(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = fs::metadata(path) {
            if m.is_file() && m.permissions().mode() & 0o077 != 0 {
                let _ = fs::set_permissions(path, fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Replaces the file at `path` with `bytes` all at once: a new private
/// file is written next to it and renamed over it. The caller holds the
/// lock, so the name of the new file is free.
fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = sibling(path, "new");
    let f = private_options()
        .create(true)
        .write(true)
        .truncate(true)
        .open(&tmp)?;
    rename_over(f, &tmp, path, bytes)
}

/// Writes `bytes` to `f`, the new private file `tmp`, and renames it over
/// `target`; `tmp` is removed when that fails.
fn rename_over(mut f: fs::File, tmp: &Path, target: &Path, bytes: &[u8]) -> io::Result<()> {
    let written = (|| {
        restrict(&f)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(tmp, target)
    })();
    if written.is_err() {
        let _ = fs::remove_file(tmp);
    }
    written
}

/// Writes a new file (or replaces one) readable by its owner only. The
/// bytes go to a new file beside it, which is then renamed over it, so
/// that a failed write (a full disk) leaves the old file whole; a symbolic
/// link is followed, and the file it names is replaced.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let tmp = sibling(&target, &format!("{}.tmp", std::process::id()));
    let f = private_options().create_new(true).write(true).open(&tmp)?;
    rename_over(f, &tmp, &target, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[cfg(unix)]
    fn set_mode(p: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
    }

    fn lines(path: &Path) -> Vec<String> {
        fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("b").join("history");
        append(&path, "first").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&lock_path(&path)), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);

        let out = dir.path().join("chat.json");
        fs::write(&out, "old").unwrap();
        set_mode(&out, 0o644);
        write_private(&out, b"new").unwrap();
        assert_eq!(mode(&out), 0o600);
        assert_eq!(fs::read_to_string(&out).unwrap(), "new");
    }

    #[cfg(unix)]
    #[test]
    fn an_export_replaces_the_file_whole_and_follows_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        fs::write(&real, "old").unwrap();
        let link = dir.path().join("chat.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_private(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "new");
        assert_eq!(mode(&real), 0o600);
        // Nothing is left beside it.
        let mut names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["chat.json", "real.json"]);
        // A write that cannot finish leaves the old file as it was.
        let folder = dir.path().join("a-folder");
        fs::create_dir(&folder).unwrap();
        assert!(write_private(&folder, b"x").is_err());
        assert!(folder.is_dir());
    }

    #[cfg(unix)]
    #[test]
    fn an_existing_file_readable_by_others_is_tightened_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history");
        fs::write(&path, "#V2\nolder\n").unwrap();
        set_mode(&path, 0o644);
        append(&path, "newer").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(lines(&path), ["#V2", "older", "newer"]);

        // Also when the file is full and replaced.
        let full: String = (0..MAX_ENTRIES).map(|i| format!("e{i}\n")).collect();
        fs::write(&path, format!("#V2\n{full}")).unwrap();
        set_mode(&path, 0o644);
        append(&path, "last").unwrap();
        assert_eq!(mode(&path), 0o600);
        let l = lines(&path);
        assert_eq!(l.len(), MAX_ENTRIES + 1);
        assert_eq!(l[1], "e1");
        assert_eq!(l.last().unwrap(), "last");
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_file_is_written_through_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles").join("history");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        let full: String = (0..MAX_ENTRIES).map(|i| format!("e{i}\n")).collect();
        fs::write(&real, format!("#V2\n{full}")).unwrap();
        let link = dir.path().join("history");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        append(&link, "through the link").unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(lines(&real).last().unwrap(), "through the link");
        assert_eq!(lines(&real).len(), MAX_ENTRIES + 1);
    }

    #[cfg(unix)]
    #[test]
    fn tighten_makes_a_readable_file_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history");
        fs::write(&path, "#V2\nx\n").unwrap();
        set_mode(&path, 0o644);
        tighten(&path);
        assert_eq!(mode(&path), 0o600);
        tighten(&dir.path().join("missing"));
    }

    #[test]
    fn entries_are_escaped_and_old_files_converted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history");
        append(&path, "two\nlines").unwrap();
        append(&path, r"back\slash").unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "#V2\ntwo\\nlines\nback\\\\slash\n"
        );

        // A file without the header (rustyline's first format), and one
        // whose last line was cut short: both are rewritten whole.
        fs::write(&path, "plain \\ line\n").unwrap();
        append(&path, "next").unwrap();
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "#V2\nplain \\\\ line\nnext\n"
        );
        fs::write(&path, "#V2\ncut sho").unwrap();
        append(&path, "next").unwrap();
        assert_eq!(lines(&path), ["#V2", "cut sho", "next"]);
    }

    #[test]
    fn a_rewrite_that_fails_leaves_the_file_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history");
        let full: String = (0..MAX_ENTRIES).map(|i| format!("e{i}\n")).collect();
        let before = format!("#V2\n{full}");
        fs::write(&path, &before).unwrap();
        // The new file cannot be written (as on a full disk).
        fs::create_dir(sibling(&path, "new")).unwrap();
        assert!(append(&path, "one more").is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), before);
        fs::remove_dir(sibling(&path, "new")).unwrap();
        append(&path, "one more").unwrap();
        assert_eq!(lines(&path).last().unwrap(), "one more");
    }

    /// Runs `threads` writers adding `each` entries at once; the file's
    /// entries.
    fn race(path: &Path, threads: usize, each: usize) -> Vec<String> {
        let start = std::sync::Barrier::new(threads);
        std::thread::scope(|s| {
            for t in 0..threads {
                let start = &start;
                s.spawn(move || {
                    start.wait();
                    for i in 0..each {
                        append(
                            path,
                            &format!("writer {t} entry {i} {}", "x".repeat(i % 50)),
                        )
                        .unwrap();
                    }
                });
            }
        });
        let l = lines(path);
        assert_eq!(l[0], "#V2");
        l[1..].to_vec()
    }

    /// Checks that every line is a whole entry, that no entry is there
    /// twice, and that each writer's entries are there in the order it added
    /// them, without a gap; returns each writer's first and last entry kept.
    fn check_whole(entries: &[String], threads: usize) -> Vec<Option<(usize, usize)>> {
        let mut seen = HashSet::new();
        let mut kept: Vec<Option<(usize, usize)>> = vec![None; threads];
        for e in entries {
            let words: Vec<&str> = e.split(' ').collect();
            assert!(words.len() == 5, "whole line: {e:?}");
            let (t, i): (usize, usize) = (words[1].parse().unwrap(), words[3].parse().unwrap());
            assert_eq!(words[4], "x".repeat(i % 50), "whole line: {e:?}");
            assert!(seen.insert((t, i)), "twice: {e:?}");
            kept[t] = match kept[t] {
                None => Some((i, i)),
                Some((first, last)) => {
                    assert_eq!(i, last + 1, "in order, without a gap: {e:?}");
                    Some((first, i))
                }
            };
        }
        kept
    }

    #[test]
    fn sessions_adding_at_once_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("history");
        let entries = race(&path, 4, 200);
        assert_eq!(entries.len(), 800, "every entry is kept");
        assert_eq!(check_whole(&entries, 4), vec![Some((0, 199)); 4]);
    }

    #[test]
    fn sessions_adding_at_once_past_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history");
        fs::write(&path, "#V2\nvery old\n").unwrap();
        let entries = race(&path, 3, 400);
        assert_eq!(entries.len(), MAX_ENTRIES);
        // The ones dropped are the oldest: the line that was there, then
        // the first entries of the writers. After a writer's last entry
        // the other two add at most 800, so that entry is always kept.
        assert!(!entries.contains(&"very old".to_string()));
        for (first, last) in check_whole(&entries, 3).into_iter().flatten() {
            assert_eq!(last, 399, "kept from {first}");
        }
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        assert!(!sibling(&path, "new").exists(), "no file left behind");
    }
}
