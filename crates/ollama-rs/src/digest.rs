//! SHA-256 digests of local files, as blob names (`sha256:<hex>`).

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Hashes a file in a streaming fashion and returns `sha256:<hex>`,
/// calling `progress` with the bytes hashed so far.
pub fn sha256_file(path: &Path, mut progress: impl FnMut(u64)) -> Result<String> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        hasher.update(&buf[..n]);
        done += n as u64;
        progress(done);
    }
    Ok(format!("sha256:{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_known_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello\n").unwrap();
        let mut seen = 0;
        let d = sha256_file(&p, |n| seen = n).unwrap();
        assert_eq!(
            d,
            "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
        );
        assert_eq!(seen, 6);
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = sha256_file(Path::new("/no/such/file"), |_| {}).unwrap_err();
        assert_eq!(e.to_string(), "could not read `/no/such/file`");
    }
}
