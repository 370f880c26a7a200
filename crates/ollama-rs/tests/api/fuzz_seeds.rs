//! The fuzz targets' seeds and regression inputs (`fuzz/seeds/<target>/`,
//! `fuzz/regressions/<target>/`), replayed through the same property checks
//! as the fuzz targets, without a fuzzer.

#[path = "../../../../fuzz/src/lib.rs"]
mod checks;

use std::path::Path;

/// Runs `check` on every seed and regression input of `target`; returns how
/// many there were.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut count = 0;
    for dir in ["seeds", "regressions"] {
        let dir = fuzz.join(dir).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        // `.gitkeep` keeps an empty folder in git; it is no input.
        let mut paths: Vec<_> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails its checks", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn fuzz_seeds_ndjson() {
    assert!(replay("ndjson", checks::check_ndjson) > 0);
}

#[test]
fn fuzz_seeds_modelfile() {
    assert!(replay("modelfile", checks::check_modelfile) > 0);
}

#[test]
fn fuzz_seeds_host() {
    assert!(replay("host", checks::check_host) > 0);
}
