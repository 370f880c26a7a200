//! `--resume`: the ids an earlier run of the job already answered, read
//! from its output file, which is made ready to be appended to.

use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::Path;

use serde_json::Value;

use super::input::id_key;

/// What an earlier run left in the output file.
#[derive(Debug, Default)]
pub struct Answered {
    /// The ids answered with a response (see [`id_key`]).
    pub ids: HashSet<String>,
    /// Lines dropped from the file: errors, to be tried again, and a last
    /// line cut short by a crash.
    pub dropped: usize,
}

/// Reads the output file `path` of an earlier run: the ids with a response
/// are kept; lines with an error, and anything that is not a whole result
/// line, are taken out of the file (through a temporary file renamed over
/// it, so that a crash meanwhile loses nothing), so that their ids are
/// sent again and appear once. A file that does not exist is an empty one.
pub fn prepare(path: &Path) -> io::Result<Answered> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Answered::default()),
        Err(e) => return Err(e),
    };
    let mut answered = Answered::default();
    for line in BufReader::new(file).split(b'\n') {
        match answered_id(&line?) {
            Some(key) => {
                answered.ids.insert(key);
            }
            None => answered.dropped += 1,
        }
    }
    if answered.dropped > 0 {
        rewrite(path)?;
    }
    Ok(answered)
}

/// The id of a result line with a response; `None` for an error line, a
/// blank one or one that is not a result.
fn answered_id(line: &[u8]) -> Option<String> {
    let Ok(Value::Object(record)) = serde_json::from_slice::<Value>(line) else {
        return None;
    };
    match (record.get("id"), record.get("response")) {
        (Some(id), Some(_)) => Some(id_key(id)),
        _ => None,
    }
}

/// Keeps only the answered lines of `path`.
fn rewrite(path: &Path) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut kept = tempfile::NamedTempFile::new_in(dir)?;
    {
        let mut out = BufWriter::new(kept.as_file_mut());
        for line in BufReader::new(File::open(path)?).split(b'\n') {
            let line = line?;
            if answered_id(&line).is_some() {
                out.write_all(&line)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()?;
    }
    kept.as_file().sync_all()?;
    // Keep the file's permissions.
    if let Ok(meta) = fs::metadata(path) {
        let _ = fs::set_permissions(kept.path(), meta.permissions());
    }
    kept.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Opens the output for appending, creating it when needed.
pub fn append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answered_ids_are_kept_and_errors_and_a_cut_line_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        fs::write(
            &path,
            concat!(
                "{\"id\":\"a\",\"response\":{\"response\":\"x\"}}\n",
                "{\"id\":2,\"error\":{\"message\":\"busy\",\"status\":503}}\n",
                "{\"id\":3,\"response\":{}}\n",
                "{\"id\":\"c\",\"respo",
            ),
        )
        .unwrap();
        let answered = prepare(&path).unwrap();
        let mut ids: Vec<_> = answered.ids.into_iter().collect();
        ids.sort();
        assert_eq!(ids, ["\"a\"", "3"]);
        assert_eq!(answered.dropped, 2);
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "{\"id\":\"a\",\"response\":{\"response\":\"x\"}}\n{\"id\":3,\"response\":{}}\n"
        );
    }

    #[test]
    fn a_file_of_answers_only_is_left_as_it_is_and_a_missing_one_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        assert!(prepare(&path).unwrap().ids.is_empty());
        assert!(!path.exists());
        fs::write(&path, "{\"id\":1,\"response\":{}}\n").unwrap();
        let before = fs::metadata(&path).unwrap().modified().unwrap();
        assert_eq!(prepare(&path).unwrap().ids.len(), 1);
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
    }
}
