//! Helpers of the `pull`, `push` and `create` tests: progress output
//! (sizes, rates, the objects of `--json`), the requests a transfer sent,
//! and a folder of model files.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use super::{stdout_of, Test};
use ollama_test_server::TestServer;

pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// Nothing a terminal would interpret: no ESC, no carriage return.
pub fn assert_no_escapes(out: &Output) {
    for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        assert!(
            !bytes.contains(&0x1b) && !bytes.contains(&b'\r'),
            "{name} has terminal control bytes: {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// Sizes as the command line writes them: decimal units, values of 10 or
/// more truncated to an integer, smaller ones with one (truncated) decimal
/// unless whole.
pub fn size(n: u64) -> String {
    for (unit, scale) in [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3)] {
        let v = n as f64 / scale;
        if v >= 1.0 {
            return if v >= 10.0 {
                format!("{} {unit}", v.trunc())
            } else {
                let t = (v * 10.0).trunc() / 10.0;
                if t.fract() == 0.0 {
                    format!("{} {unit}", t as u64)
                } else {
                    format!("{t:.1} {unit}")
                }
            };
        }
    }
    format!("{n} B")
}

/// A plain progress line without its speed (`, 52 MB/s`), which depends on
/// the clock.
pub fn without_rate(line: &str) -> String {
    match (line.rfind(", "), line.strip_suffix("/s)")) {
        (Some(i), Some(_)) => format!("{})", &line[..i]),
        _ => line.to_string(),
    }
}

/// The JSON objects of a `--json` run's stdout.
pub fn objects(out: &Output) -> Vec<Value> {
    stdout_of(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `(digest, total)` of each layer a progress stream reported, in order.
pub fn layers(objects: &[Value]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for o in objects {
        if let (Some(d), Some(t)) = (o["digest"].as_str(), o["total"].as_u64()) {
            if !out.iter().any(|(x, _)| x == d) {
                out.push((d.to_string(), t));
            }
        }
    }
    out
}

pub fn short(digest: &str) -> &str {
    &digest["sha256:".len().."sha256:".len() + 12]
}

pub fn pull_bodies(server: &TestServer) -> Vec<Value> {
    server
        .requests_to("/api/pull")
        .iter()
        .map(|r| r.json())
        .collect()
}

/// A folder for a create test, with files written into it.
pub struct Dir(tempfile::TempDir);

impl Dir {
    pub fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }

    pub fn write(&self, rel: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }
}

pub fn sha256(data: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{:x}", sha2::Sha256::digest(data))
}

/// The create requests, without `stream` (always true).
pub fn create_bodies(server: &TestServer) -> Vec<Value> {
    server
        .requests_to("/api/create")
        .iter()
        .map(|r| {
            let mut body = r.json();
            let stream = body.as_object_mut().unwrap().remove("stream");
            assert_eq!(stream, Some(Value::Bool(true)));
            body
        })
        .collect()
}

/// `(method, path)` of every blob request.
pub fn blob_requests(server: &TestServer) -> Vec<(String, String)> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/blobs/"))
        .map(|r| (r.method, r.path))
        .collect()
}

/// The server's own account of pulling `model` (the objects of `pull
/// --json` from a fresh empty server), to build what a test expects.
pub fn reference_pull(model: &str) -> Vec<Value> {
    let reference = TestServer::start_empty();
    objects(
        &Test::new()
            .server(&reference)
            .args(&["pull", "--json", model])
            .run(),
    )
}
