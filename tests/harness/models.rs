//! Helpers of the model management tests: requests straight to the test
//! server (raw documents, loading models), times as a server writes them,
//! models with a given size and age, captures of the official CLI.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use ollama_test_server::{Fault, ModelSpec, TestServer};

/// A request straight to the server, for the raw documents the command
/// must reproduce and for setting up state (loading models).
pub fn raw(server: &TestServer, method: &str, path: &str, body: Option<Value>) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let url = format!("{}{path}", server.url());
        let mut rb = client.request(method.parse().unwrap(), url);
        if let Some(b) = body {
            rb = rb.body(b.to_string());
        }
        let bytes = rb.send().await.unwrap().bytes().await.unwrap();
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    })
}

pub fn load(server: &TestServer, model: &str) {
    raw(
        server,
        "POST",
        "/api/generate",
        Some(json!({"model": model})),
    );
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// RFC 3339 with a `-07:00` offset, as a server in that zone writes
/// `modified_at` and `expires_at`.
pub fn rfc3339(unix: i64) -> String {
    let local = unix - 7 * 3600;
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.123456789-07:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The first STDOUT block of a CLI capture, without the official CLI's
/// trailing spaces (we write none).
pub fn capture_stdout(file: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/captures/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let start = text.find("=== STDOUT\n").unwrap() + "=== STDOUT\n".len();
    let end = start + text[start..].find("=== STDERR").unwrap();
    text[start..end]
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}

/// A server serving exactly this `/api/tags` or `/api/ps` document.
pub fn serving(path: &str, doc: &Value) -> TestServer {
    let server = TestServer::start_empty();
    server.set_fault_for(
        path,
        Fault::RawBody {
            content_type: "application/json; charset=utf-8".into(),
            body: doc.to_string().into_bytes(),
        },
    );
    server
}

pub fn spec(name: &str, size: u64, modified: i64) -> ModelSpec {
    let mut m = ModelSpec::new(name, &["completion"]);
    m.size = size;
    m.modified_at = rfc3339(modified);
    m
}

/// The 12-digit IDs of the server's models, by name.
pub fn ids(server: &TestServer) -> std::collections::HashMap<String, String> {
    raw(server, "GET", "/api/tags", None)["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["digest"].as_str().unwrap()[..12].to_string(),
            )
        })
        .collect()
}

pub fn no_escapes(s: &str, what: &str) {
    assert!(!s.contains('\x1b'), "escape code in {what}: {s:?}");
}
