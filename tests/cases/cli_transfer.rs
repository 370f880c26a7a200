//! `pull`, `push` and `create` against the test server: every progress mode
//! (bars through a pseudo-terminal), several models, `--all`, stalls and
//! retries, errors mid-stream, blobs already present, a digest mismatch,
//! everything local checked before anything is sent, and Ctrl-C.
//!
//! See: issue 4 (model transfer) and issue 3 (exit statuses, output
//! discipline).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;
use serde_json::Value;

use super::cli::{ollama, stderr_of, stdout_of};
use ollama_test_server::{gguf, Fault, TestServer};

/// Longest any one command may take before the test fails instead of
/// hanging; nothing here should come near it.
const GUARD: Duration = Duration::from_secs(60);

fn run(server: &TestServer, args: &[&str]) -> Output {
    ollama(server)
        .args(args)
        .timeout(GUARD)
        .output()
        .expect("the command runs")
}

fn run_in(server: &TestServer, dir: &Path, args: &[&str]) -> Output {
    ollama(server)
        .current_dir(dir)
        .args(args)
        .timeout(GUARD)
        .output()
        .expect("the command runs")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

/// Nothing a terminal would interpret: no ESC, no carriage return.
fn assert_no_escapes(out: &Output) {
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
fn size(n: u64) -> String {
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
fn without_rate(line: &str) -> String {
    match (line.rfind(", "), line.strip_suffix("/s)")) {
        (Some(i), Some(_)) => format!("{})", &line[..i]),
        _ => line.to_string(),
    }
}

/// The JSON objects of a `--json` run's stdout.
fn objects(out: &Output) -> Vec<Value> {
    stdout_of(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// `(digest, total)` of each layer a progress stream reported, in order.
fn layers(objects: &[Value]) -> Vec<(String, u64)> {
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

fn short(digest: &str) -> &str {
    &digest["sha256:".len().."sha256:".len() + 12]
}

fn pull_bodies(server: &TestServer) -> Vec<Value> {
    server
        .requests_to("/api/pull")
        .iter()
        .map(|r| r.json())
        .collect()
}

// ---------------------------------------------------------------- pull

#[test]
fn pull_off_a_terminal_prints_only_the_outcome() {
    let server = TestServer::start_empty();
    let out = run(&server, &["pull", "tiny"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(stdout_of(&out), "");
    assert_eq!(stderr_of(&out), "pulled 'tiny'\n");
    assert_no_escapes(&out);
    assert_eq!(server.model_names(), ["tiny:latest"]);
    let body = &pull_bodies(&server)[0];
    assert_eq!(body["model"], "tiny");
    assert!(body.get("insecure").is_none() || body["insecure"] == false);
}

#[test]
fn pull_progress_none_prints_only_the_outcome() {
    let server = TestServer::start_empty();
    let out = run(&server, &["pull", "--progress=none", "tiny"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stderr_of(&out), "pulled 'tiny'\n");
}

/// The lines `--progress=plain` prints for a pull the server streams in one
/// go: each status once, each layer when its bytes first move and when it
/// completes (the lines in between come within the same second).
fn expected_plain_pull(model: &str, json: &[Value]) -> Vec<String> {
    let mut want = vec!["pulling manifest".to_string()];
    for (digest, total) in layers(json) {
        let third = total / 3;
        want.push(format!(
            "pulling {}: {}% ({}/{})",
            short(&digest),
            third * 100 / total,
            size(third),
            size(total)
        ));
        want.push(format!(
            "pulling {}: 100% ({}/{})",
            short(&digest),
            size(total),
            size(total)
        ));
    }
    want.push("verifying sha256 digest".into());
    want.push("writing manifest".into());
    want.push(format!("pulled '{model}'"));
    want
}

#[test]
fn pull_plain_and_bare_progress_log_lines_off_a_terminal() {
    // The server's own account of the pull, to build the expected lines.
    let reference = TestServer::start_empty();
    let json = objects(&run(&reference, &["pull", "--json", "tiny"]));
    // Three lines per layer, since no blob is there yet.
    assert_eq!(json.len(), 1 + 3 * layers(&json).len() + 3, "{json:?}");
    let want = expected_plain_pull("tiny", &json);

    for flag in ["--progress=plain", "--progress", "--progress=bars"] {
        let server = TestServer::start_empty();
        let out = run(&server, &["pull", flag, "tiny"]);
        assert_eq!(code(&out), 0, "{flag}: {}", stderr_of(&out));
        assert_no_escapes(&out);
        assert_eq!(stdout_of(&out), "", "{flag}");
        let got: Vec<String> = stderr_of(&out).lines().map(without_rate).collect();
        assert_eq!(got, want, "{flag}");
        // A speed, when there is one, is a rate in decimal units.
        for line in stderr_of(&out).lines() {
            if let Some(rate) = line.strip_suffix("/s)") {
                let unit = rate.rsplit(' ').next().unwrap();
                assert!(["B", "KB", "MB", "GB", "TB"].contains(&unit), "{line}");
            }
        }
    }
}

#[test]
fn pull_json_echoes_each_progress_object_on_stdout() {
    let server = TestServer::start_empty();
    let out = run(&server, &["--json", "pull", "tiny"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stderr_of(&out), "", "--json keeps stderr for errors");
    let json = objects(&out);
    assert_eq!(
        json.first().unwrap(),
        &serde_json::json!({"status": "pulling manifest"})
    );
    assert_eq!(
        json.last().unwrap(),
        &serde_json::json!({"status": "success"})
    );
    let (digest, total) = layers(&json)[0].clone();
    // As the server sends them: status, digest, total, completed.
    assert_eq!(
        lines(&stdout_of(&out))[1],
        format!(
            "{{\"status\":\"pulling {}\",\"digest\":\"{digest}\",\"total\":{total},\"completed\":{}}}",
            short(&digest),
            total / 3
        )
    );
}

#[test]
fn pull_several_models_one_after_another() {
    let server = TestServer::start_empty();
    let out = run(&server, &["pull", "tiny", "tiny-embed"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "pulled 'tiny'\npulled 'tiny-embed'\n");
    let models: Vec<Value> = pull_bodies(&server)
        .iter()
        .map(|b| b["model"].clone())
        .collect();
    assert_eq!(models, ["tiny", "tiny-embed"]);
    let mut names = server.model_names();
    names.sort();
    assert_eq!(names, ["tiny-embed:latest", "tiny:latest"]);
}

#[test]
fn pull_several_goes_on_after_a_failure_and_exits_with_the_first() {
    let server = TestServer::start_empty();
    let out = run(&server, &["pull", "nope", "tiny"]);
    assert_eq!(code(&out), 4);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not pull `nope`: pull model manifest: file does not exist\n\
         pulled 'tiny'\n"
    );
    assert_eq!(server.model_names(), ["tiny:latest"]);
}

#[test]
fn pull_missing_model_is_status_4_without_a_pull_hint() {
    let server = TestServer::start_empty();
    let out = run(&server, &["pull", "nope"]);
    assert_eq!(code(&out), 4);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not pull `nope`: pull model manifest: file does not exist\n"
    );
}

#[test]
fn pull_all_pulls_every_local_model_again() {
    let server = TestServer::start();
    let mut local = server.model_names();
    let out = run(&server, &["pull", "--all"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let mut pulled: Vec<String> = pull_bodies(&server)
        .iter()
        .map(|b| b["model"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(pulled.len(), local.len());
    let want: String = pulled.iter().map(|m| format!("pulled '{m}'\n")).collect();
    assert_eq!(stderr_of(&out), want);
    local.sort();
    pulled.sort();
    assert_eq!(pulled, local);
}

#[test]
fn pull_all_with_no_local_model_says_so() {
    let server = TestServer::start_empty();
    let out = run(&server, &["pull", "--all"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stderr_of(&out), "no local models to pull\n");
    assert!(server.requests_to("/api/pull").is_empty());
}

#[test]
fn pull_and_push_send_insecure() {
    let server = TestServer::start();
    let out = run(&server, &["pull", "--insecure", "tiny"]);
    assert_eq!(code(&out), 0);
    assert_eq!(pull_bodies(&server)[0]["insecure"], true);
    let out = run(&server, &["push", "--insecure", "tiny"]);
    assert_eq!(code(&out), 0);
    assert_eq!(server.requests_to("/api/push")[0].json()["insecure"], true);
}

#[test]
fn pull_reissues_a_stalled_pull() {
    let server = TestServer::start_empty();
    server.set_fault_once(
        "/api/pull",
        Fault::Stall {
            after_lines: 2,
            for_ms: 20_000,
        },
    );
    let out = run(
        &server,
        &["pull", "--stall-timeout", "0.3", "--progress=plain", "tiny"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(
        err.contains("\npulling 'tiny': no progress for 0.3s; retrying (1/3)\npulling manifest\n"),
        "{err}"
    );
    assert!(err.ends_with("pulled 'tiny'\n"), "{err}");
    assert_eq!(server.requests_to("/api/pull").len(), 2);
    assert_eq!(server.model_names(), ["tiny:latest"]);
}

#[test]
fn pull_stalled_on_every_try_fails_with_status_1() {
    let server = TestServer::start_empty();
    server.set_fault_for(
        "/api/pull",
        Fault::Stall {
            after_lines: 1,
            for_ms: 20_000,
        },
    );
    let out = run(
        &server,
        &["pull", "--stall-timeout", "0.3", "--retries", "2", "tiny"],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr_of(&out),
        "pulling 'tiny': no progress for 0.3s; retrying (1/2)\n\
         pulling 'tiny': no progress for 0.3s; retrying (2/2)\n\
         ollama-rs: error: could not pull `tiny`: gave up after 2 retries: no progress for 0.3s\n"
    );
    assert_eq!(server.requests_to("/api/pull").len(), 3);
    assert!(server.model_names().is_empty());
}

#[test]
fn pull_does_not_take_verification_for_a_stall() {
    // The server hashes the download after `verifying sha256 digest` and
    // sends nothing meanwhile, for minutes on a large model.
    let reference = TestServer::start_empty();
    let json = objects(&run(&reference, &["pull", "--json", "tiny"]));
    let verifying = json
        .iter()
        .position(|o| o["status"] == "verifying sha256 digest")
        .unwrap();
    let server = TestServer::start_empty();
    server.set_fault_for(
        "/api/pull",
        Fault::Stall {
            after_lines: verifying + 1,
            for_ms: 1_000,
        },
    );
    let out = run(&server, &["pull", "--stall-timeout", "0.3", "tiny"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "pulled 'tiny'\n");
    assert_eq!(server.requests_to("/api/pull").len(), 1);
}

#[test]
fn pull_with_no_retries_fails_at_the_first_stall() {
    let server = TestServer::start_empty();
    server.set_fault_for(
        "/api/pull",
        Fault::Stall {
            after_lines: 0,
            for_ms: 20_000,
        },
    );
    let out = run(
        &server,
        &["pull", "--stall-timeout", "0.3", "--retries", "0", "tiny"],
    );
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not pull `tiny`: no progress for 0.3s\n"
    );
    assert_eq!(server.requests_to("/api/pull").len(), 1);
}

#[test]
fn pull_reissues_a_pull_whose_connection_broke() {
    let server = TestServer::start_empty();
    server.set_fault_once("/api/pull", Fault::CloseMidStream { after_lines: 2 });
    let out = run(&server, &["pull", "tiny"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let err = stderr_of(&out);
    let first = err.lines().next().unwrap();
    assert!(
        first.starts_with("pulling 'tiny': ") && first.ends_with("; retrying (1/3)"),
        "{err}"
    );
    assert!(err.ends_with("pulled 'tiny'\n"), "{err}");
    assert_eq!(server.requests_to("/api/pull").len(), 2);
}

#[test]
fn pull_error_mid_stream_is_status_1_with_the_servers_message() {
    let server = TestServer::start_empty();
    server.set_fault_for(
        "/api/pull",
        Fault::ErrorMidStream {
            after_lines: 2,
            message: "write /root/.ollama/models/blobs: no space left on device".into(),
        },
    );
    let out = run(&server, &["pull", "--progress=plain", "tiny"]);
    assert_eq!(code(&out), 1);
    let err = stderr_of(&out);
    assert!(
        err.ends_with(
            "\nollama-rs: error: could not pull `tiny`: \
             write /root/.ollama/models/blobs: no space left on device\n"
        ),
        "{err}"
    );
    assert!(
        !err.contains("retrying"),
        "a server error is not retried: {err}"
    );
    assert_eq!(server.requests_to("/api/pull").len(), 1);

    // --json: the error line too, as the server sent it.
    let out = run(&server, &["--json", "pull", "tiny"]);
    assert_eq!(code(&out), 1);
    let json = objects(&out);
    assert_eq!(
        json.last().unwrap(),
        &serde_json::json!({"error": "write /root/.ollama/models/blobs: no space left on device"})
    );
    assert_eq!(json.len(), 3);
}

#[test]
fn pull_stream_that_ends_without_success_is_retried_then_fails() {
    let server = TestServer::start_empty();
    server.set_fault_for("/api/pull", Fault::CloseMidStream { after_lines: 1 });
    let out = run(&server, &["pull", "--retries", "1", "tiny"]);
    assert_eq!(code(&out), 1);
    let err = stderr_of(&out);
    assert!(err.contains("retrying (1/1)"), "{err}");
    assert!(
        err.contains("ollama-rs: error: could not pull `tiny`: gave up after 1 retry: "),
        "{err}"
    );
    assert_eq!(server.requests_to("/api/pull").len(), 2);
}

#[test]
fn pull_unreachable_server_is_status_3() {
    let server = TestServer::start_empty();
    let port = server.port();
    drop(server);
    let out = super::cli::bare()
        .env("OLLAMA_HOST", format!("127.0.0.1:{port}"))
        .args(["pull", "tiny"])
        .timeout(GUARD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 3, "{}", stderr_of(&out));
}

// ---------------------------------------------------------------- push

#[test]
fn push_in_every_mode() {
    let server = TestServer::start();
    let out = run(&server, &["push", "tiny"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "pushed 'tiny'\n");
    assert_eq!(stdout_of(&out), "");

    let out = run(&server, &["--json", "push", "tiny"]);
    assert_eq!(code(&out), 0);
    let json = objects(&out);
    assert_eq!(
        json[0],
        serde_json::json!({"status": "retrieving manifest"})
    );
    assert_eq!(
        json.last().unwrap(),
        &serde_json::json!({"status": "success"})
    );
    assert_eq!(stderr_of(&out), "");

    let out = run(&server, &["push", "--progress=plain", "tiny"]);
    assert_eq!(code(&out), 0);
    assert_no_escapes(&out);
    let mut want = vec!["retrieving manifest".to_string()];
    for (digest, total) in layers(&json) {
        want.push(format!(
            "pushing {}: 100% ({}/{})",
            short(&digest),
            size(total),
            size(total)
        ));
    }
    want.push("pushing manifest".into());
    want.push("pushed 'tiny'".into());
    let got: Vec<String> = stderr_of(&out).lines().map(without_rate).collect();
    assert_eq!(got, want);
    assert_eq!(server.requests_to("/api/push").len(), 3);
}

#[test]
fn push_of_a_missing_model_is_status_4() {
    let server = TestServer::start();
    let out = run(&server, &["push", "nope"]);
    assert_eq!(code(&out), 4);
    let err = stderr_of(&out);
    assert!(
        err.starts_with("ollama-rs: error: could not push `nope`: open "),
        "{err}"
    );
    assert!(err.ends_with(": no such file or directory\n"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

// ---------------------------------------------------------------- create

/// A folder for a create test, with files written into it.
struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Dir {
        Dir(tempfile::tempdir().unwrap())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn write(&self, rel: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        p
    }
}

fn sha256(data: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{:x}", sha2::Sha256::digest(data))
}

/// The create requests, without `stream` (always true).
fn create_bodies(server: &TestServer) -> Vec<Value> {
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
fn blob_requests(server: &TestServer) -> Vec<(String, String)> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/blobs/"))
        .map(|r| (r.method, r.path))
        .collect()
}

#[test]
fn create_from_a_model_in_every_mode() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM tiny\nPARAMETER num_predict 8\n");

    let out = run_in(&server, dir.path(), &["create", "tiny8"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(stderr_of(&out), "created 'tiny8'\n");
    assert_eq!(stdout_of(&out), "");
    assert_eq!(
        create_bodies(&server)[0],
        serde_json::json!({"model": "tiny8", "from": "tiny", "parameters": {"num_predict": 8}})
    );
    assert!(server.model_names().contains(&"tiny8:latest".to_string()));

    let out = run_in(&server, dir.path(), &["--json", "create", "tiny8"]);
    assert_eq!(code(&out), 0);
    let json = objects(&out);
    assert!(json[0]["status"]
        .as_str()
        .unwrap()
        .starts_with("using existing layer sha256:"));
    assert_eq!(
        json.last().unwrap(),
        &serde_json::json!({"status": "success"})
    );
    assert_eq!(stderr_of(&out), "");

    let out = run_in(
        &server,
        dir.path(),
        &["create", "--progress=plain", "tiny8"],
    );
    assert_eq!(code(&out), 0);
    assert_no_escapes(&out);
    let mut want: Vec<String> = json[..json.len() - 1]
        .iter()
        .map(|o| o["status"].as_str().unwrap().to_string())
        .collect();
    want.push("created 'tiny8'".into());
    assert_eq!(lines(&stderr_of(&out)), want);
}

#[test]
fn create_uploads_a_gguf_relative_to_the_modelfile_once() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    let weights = gguf("llama", 1);
    let digest = sha256(&weights);
    dir.write("sub/model.gguf", &weights);
    dir.write(
        "sub/Modelfile",
        "FROM ./model.gguf\nSYSTEM \"\"\"Be brief.\"\"\"\nPARAMETER stop <a>\nPARAMETER stop <b>\n",
    );

    let out = run_in(
        &server,
        dir.path(),
        &["create", "mine", "-f", "sub/Modelfile", "--progress=plain"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_no_escapes(&out);
    let n = size(weights.len() as u64);
    let err = lines(&stderr_of(&out));
    assert_eq!(err[0], format!("hashing model.gguf: 100% ({n}/{n})"));
    assert_eq!(
        without_rate(&err[1]),
        format!("uploading model.gguf: 100% ({n}/{n})")
    );
    assert_eq!(err[2], "parsing GGUF");
    assert_eq!(err.last().unwrap(), "created 'mine'");
    assert_eq!(err[err.len() - 2], "writing manifest");
    assert_eq!(server.blob(&digest).as_deref(), Some(&weights[..]));
    assert_eq!(
        create_bodies(&server)[0],
        serde_json::json!({
            "model": "mine",
            "files": {"model.gguf": digest},
            "system": "Be brief.",
            "parameters": {"stop": ["<a>", "<b>"]},
        })
    );
    let blob_path = format!("/api/blobs/{digest}");
    assert_eq!(
        blob_requests(&server),
        [
            ("HEAD".to_string(), blob_path.clone()),
            ("POST".to_string(), blob_path.clone())
        ]
    );

    // The server has the blob now: asked, not sent again.
    server.clear_requests();
    let out = run_in(
        &server,
        dir.path(),
        &["create", "mine2", "-f", "sub/Modelfile", "--progress=plain"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let err = lines(&stderr_of(&out));
    assert_eq!(err[1], "using existing blob for model.gguf");
    assert_eq!(blob_requests(&server), [("HEAD".to_string(), blob_path)]);
    assert_eq!(
        create_bodies(&server)[0]["files"]["model.gguf"],
        digest.as_str()
    );
}

#[test]
fn create_from_a_home_relative_gguf_with_quantize() {
    let server = TestServer::start_empty();
    let home = Dir::new();
    let weights = gguf("llama", 1);
    home.write("models/f16.gguf", &weights);
    let work = Dir::new();
    work.write("Modelfile", "FROM ~/models/f16.gguf\n");
    let out = ollama(&server)
        .current_dir(work.path())
        .env("HOME", home.path())
        .args(["create", "small", "-q", "q4_K_M", "--progress=plain"])
        .timeout(GUARD)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let body = &create_bodies(&server)[0];
    assert_eq!(body["quantize"], "q4_K_M");
    assert_eq!(body["files"]["f16.gguf"], sha256(&weights).as_str());
    // The server's byte progress for the quantization, labelled by status.
    let err = stderr_of(&out);
    let n = size(weights.len() as u64);
    assert!(
        err.lines()
            .map(without_rate)
            .any(|l| l == format!("quantizing F16 model to Q4_K_M: 100% ({n}/{n})")),
        "{err}"
    );
}

#[test]
fn create_from_a_safetensors_folder_uploads_the_selected_files() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    dir.write("hf/model-00001-of-00002.safetensors", b"first half");
    dir.write("hf/model-00002-of-00002.safetensors", b"second half");
    dir.write(
        "hf/config.json",
        b"{\"architectures\":[\"LlamaForCausalLM\"]}",
    );
    dir.write("hf/tokenizer.json", b"{}");
    dir.write("hf/README.md", b"not a model file");
    dir.write("hf/Modelfile", "FROM .\n");
    let out = run_in(&server, dir.path(), &["create", "st", "-f", "hf/Modelfile"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let files = create_bodies(&server)[0]["files"].clone();
    let keys: Vec<&String> = files.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "config.json",
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            "tokenizer.json"
        ]
    );
    assert_eq!(
        files["model-00002-of-00002.safetensors"],
        sha256(b"second half").as_str()
    );
    assert!(server.has_blob(&sha256(b"first half")));
    assert!(!server.has_blob(&sha256(b"not a model file")));
}

#[test]
fn create_without_a_modelfile_takes_the_current_folder() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    let weights = gguf("llama", 0);
    dir.write("only.gguf", &weights);
    let out = run_in(&server, dir.path(), &["create", "here"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(
        create_bodies(&server)[0]["files"],
        serde_json::json!({"only.gguf": sha256(&weights)})
    );

    // An empty folder: nothing to create from, nothing sent.
    let server = TestServer::start_empty();
    let empty = Dir::new();
    let out = run_in(&server, empty.path(), &["create", "here"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: no Modelfile and no model files in this folder: \
         give one with -f FILE, or use --from MODEL\n"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn create_flags_add_to_and_override_the_modelfile() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write(
        "Modelfile",
        "FROM tiny\nSYSTEM old\nPARAMETER temperature 0.9\nPARAMETER stop x\nLICENSE MIT\n\
         MESSAGE user hi\nMESSAGE assistant hello\n",
    );
    let out = run_in(
        &server,
        dir.path(),
        &[
            "create",
            "custom",
            "--from",
            "tiny-coder",
            "--system",
            "new",
            "--template",
            "{{ .Prompt }}",
            "-p",
            "num_ctx=2048",
            "-p",
            "stop=<a>",
            "-p",
            "stop=<b>",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(
        create_bodies(&server)[0],
        serde_json::json!({
            "model": "custom",
            "from": "tiny-coder",
            "template": "{{ .Prompt }}",
            "license": ["MIT"],
            "system": "new",
            "parameters": {"num_ctx": 2048, "stop": ["<a>", "<b>"], "temperature": 0.9},
            "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
        })
    );
}

#[test]
fn create_with_only_flags_needs_no_modelfile() {
    let server = TestServer::start();
    let dir = Dir::new();
    let out = run_in(
        &server,
        dir.path(),
        &["create", "bare", "--from", "tiny", "-p", "num_predict=3"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(
        create_bodies(&server)[0],
        serde_json::json!({"model": "bare", "from": "tiny", "parameters": {"num_predict": 3}})
    );
}

#[test]
fn create_from_a_missing_name_sends_it_as_a_model() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM no-such-model\n");
    let out = run_in(&server, dir.path(), &["create", "x"]);
    // Not a path: the server is asked, and says it has no such model.
    assert_eq!(code(&out), 4);
    assert_eq!(create_bodies(&server)[0]["from"], "no-such-model");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not create `x`: pull model manifest: file does not exist\n"
    );
}

/// A local mistake: status 2, and the server saw nothing at all.
fn assert_refused_locally(server: &TestServer, out: &Output, message: &str) {
    assert_eq!(code(out), 2, "{}", stderr_of(out));
    assert_eq!(stderr_of(out), format!("ollama-rs: error: {message}\n"));
    assert_eq!(stdout_of(out), "");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn create_from_a_missing_path_is_status_2_with_nothing_sent() {
    for from in [
        "./missing.gguf",
        "../up/x",
        "/no/such/dir",
        "~/gone",
        "weights.gguf",
        "w.safetensors",
    ] {
        let server = TestServer::start();
        let dir = Dir::new();
        let home = Dir::new();
        dir.write("Modelfile", format!("FROM {from}\n"));
        let out = ollama(&server)
            .current_dir(dir.path())
            .env("HOME", home.path())
            .args(["create", "x"])
            .timeout(GUARD)
            .output()
            .unwrap();
        let message = match from.strip_prefix("~/") {
            Some(rest) => format!(
                "FROM `{from}`: no such file or directory (looked for `{}`)",
                home.path().join(rest).display()
            ),
            None => format!("FROM `{from}`: no such file or directory"),
        };
        assert_refused_locally(&server, &out, &message);
    }

    // A path given with --from is the command line's.
    let server = TestServer::start();
    let dir = Dir::new();
    let out = run_in(
        &server,
        dir.path(),
        &["create", "x", "--from", "./weights.gguf"],
    );
    assert_refused_locally(
        &server,
        &out,
        "--from `./weights.gguf`: no such file or directory",
    );

    // Relative to the Modelfile's folder, not to where the command runs.
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("sub/Modelfile", "FROM ./missing.gguf\n");
    dir.write("missing.gguf", "a decoy where the command runs");
    let out = run_in(&server, dir.path(), &["create", "x", "-f", "sub/Modelfile"]);
    assert_refused_locally(
        &server,
        &out,
        "FROM `./missing.gguf`: no such file or directory (looked for `sub/missing.gguf`)",
    );
}

#[test]
fn create_checks_every_path_before_uploading_anything() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    dir.write("model.gguf", gguf("llama", 1));
    dir.write(
        "Modelfile",
        "FROM ./model.gguf\nADAPTER ./lora.safetensors\n",
    );
    let out = run_in(&server, dir.path(), &["create", "x"]);
    assert_refused_locally(
        &server,
        &out,
        "ADAPTER `./lora.safetensors`: no such file or directory",
    );

    // A folder with nothing to upload in it.
    let server = TestServer::start_empty();
    let dir = Dir::new();
    dir.write("empty/notes.txt", "x");
    dir.write("Modelfile", "FROM ./empty\n");
    let out = run_in(&server, dir.path(), &["create", "x"]);
    assert_refused_locally(
        &server,
        &out,
        "FROM `./empty`: no Modelfile or safetensors files found",
    );
}

#[test]
fn create_uploads_an_adapter() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("lora/adapter_model.safetensors", b"lora weights");
    dir.write("lora/adapter_config.json", b"{}");
    dir.write(
        "Modelfile",
        "FROM tiny\nADAPTER ./lora/adapter_model.safetensors\n",
    );
    let out = run_in(&server, dir.path(), &["create", "tuned"]);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let body = &create_bodies(&server)[0];
    assert_eq!(body["from"], "tiny");
    assert_eq!(
        body["adapters"],
        serde_json::json!({"adapter_model.safetensors": sha256(b"lora weights")})
    );
}

#[test]
fn create_uploads_a_draft_model() {
    let server = TestServer::start();
    let dir = Dir::new();
    let weights = gguf("llama", 1);
    let draft = gguf("llama", 1)
        .into_iter()
        .chain(*b"draft")
        .collect::<Vec<u8>>();
    dir.write("model.gguf", &weights);
    dir.write("small/draft.gguf", &draft);
    dir.write("Modelfile", "FROM ./model.gguf\nDRAFT ./small/draft.gguf\n");
    let out = run_in(
        &server,
        dir.path(),
        &["create", "fast", "--draft-quantize", "q8_0"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert!(server.has_blob(&sha256(&draft)));
    let body = &create_bodies(&server)[0];
    assert_eq!(
        body["files"],
        serde_json::json!({"model.gguf": sha256(&weights)})
    );
    assert_eq!(
        body["draft_files"],
        serde_json::json!({"draft.gguf": sha256(&draft)})
    );
    assert_eq!(body["draft_quantize"], "q8_0");
    // The draft is a layer of the new model.
    let show = server.model_names().into_iter().any(|n| n == "fast:latest");
    assert!(show, "{:?}", server.model_names());

    // Without DRAFT, nothing is sent.
    let server = TestServer::start();
    let out = run_in(
        &server,
        dir.path(),
        &[
            "create",
            "x",
            "--from",
            "tiny",
            "-f",
            "/dev/null",
            "--draft-quantize",
            "q8_0",
        ],
    );
    assert_refused_locally(
        &server,
        &out,
        "--draft-quantize needs a DRAFT model: add `DRAFT <path>` to the Modelfile",
    );
}

#[test]
fn create_draft_must_be_a_local_model_of_its_own() {
    let dir = Dir::new();
    dir.write("model.gguf", gguf("llama", 1));
    // DRAFT is never a model name.
    let server = TestServer::start();
    dir.write("Modelfile", "FROM ./model.gguf\nDRAFT tiny\n");
    let out = run_in(&server, dir.path(), &["create", "x"]);
    assert_refused_locally(&server, &out, "DRAFT `tiny`: no such file or directory");
    // Nor the FROM file itself, however it is spelled.
    for draft in ["./model.gguf", ".", "../{}/model.gguf"] {
        let name = dir.path().file_name().unwrap().to_string_lossy();
        let draft = draft.replace("{}", &name);
        let server = TestServer::start();
        dir.write("Modelfile", format!("FROM ./model.gguf\nDRAFT {draft}\n"));
        let out = run_in(&server, dir.path(), &["create", "x"]);
        assert_eq!(code(&out), 2, "{}", stderr_of(&out));
        assert!(
            stderr_of(&out).starts_with(&format!(
                "ollama-rs: error: DRAFT `{draft}` must not be the same file as FROM"
            )),
            "{}",
            stderr_of(&out)
        );
        assert!(server.requests().is_empty());
    }
    // A user that does not exist is named.
    let server = TestServer::start();
    dir.write(
        "Modelfile",
        "FROM ./model.gguf\nDRAFT ~no-such-user-here/d.gguf\n",
    );
    let out = run_in(&server, dir.path(), &["create", "x"]);
    assert_refused_locally(
        &server,
        &out,
        "DRAFT `~no-such-user-here/d.gguf`: there is no user `no-such-user-here`",
    );
}

#[test]
fn create_modelfile_errors_name_file_line_and_column() {
    let cases: &[(&str, &str)] = &[
        (
            "FROM tiny\n  FORM tiny\n",
            "Modelfile:2:3: command must be one of \"from\", \"license\", \"template\", \"system\", \
             \"adapter\", \"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \
             \"requires\": `  FORM tiny`",
        ),
        (
            "FROM tiny\r\nSYSTEM \"\"\"never closed\r\n",
            "Modelfile:2:8: unexpected EOF: the quoted value is never closed: `SYSTEM \"\"\"never closed`",
        ),
        (
            "FROM tiny\nMESSAGE robot hi\n",
            "Modelfile:2:9: message role must be one of \"system\", \"user\", or \"assistant\": \
             `MESSAGE robot hi`",
        ),
        (
            "FROM tiny\nPARAMETER top_k lots\n",
            "Modelfile:2:17: option 'top_k' must be of type integer, not `lots`: `PARAMETER top_k lots`",
        ),
        (
            "FROM tiny\nPARAMETER bad-name 1\n",
            "Modelfile:2:11: invalid parameter name 'bad-name': only letters, digits and '_' are \
             allowed: `PARAMETER bad-name 1`",
        ),
        ("FROM\n", "Modelfile:1:5: missing value for \"from\": `FROM`"),
        ("# only a comment\nPARAMETER temperature 1\n", "Modelfile: no FROM line"),
        ("", "Modelfile: no FROM line"),
    ];
    for (text, message) in cases {
        let server = TestServer::start();
        let dir = Dir::new();
        dir.write("Modelfile", text);
        let out = run_in(&server, dir.path(), &["create", "x"]);
        assert_refused_locally(&server, &out, message);
    }
    // The path is the one given.
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write(
        "conf/My.modelfile",
        "FROM tiny\nPARAMETER temperature hot\n",
    );
    let out = run_in(
        &server,
        dir.path(),
        &["create", "x", "-f", "conf/My.modelfile"],
    );
    assert_refused_locally(
        &server,
        &out,
        "conf/My.modelfile:2:23: option 'temperature' must be of type float, not `hot`: \
         `PARAMETER temperature hot`",
    );
}

#[test]
fn create_unknown_parameter_names_the_key_and_the_valid_ones() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM tiny\nPARAMETER temprature 0.5\n");
    let out = run_in(&server, dir.path(), &["create", "x"]);
    assert_eq!(code(&out), 2);
    let err = stderr_of(&out);
    assert!(
        err.starts_with(
            "ollama-rs: error: Modelfile:2:11: unknown parameter 'temprature' (valid parameters: "
        ),
        "{err}"
    );
    assert!(err.contains("temperature, "), "{err}");
    assert!(
        err.trim_end().ends_with("`PARAMETER temprature 0.5`"),
        "{err}"
    );
    assert!(server.requests().is_empty());

    // The same from -p.
    let out = run_in(
        &server,
        dir.path(),
        &["create", "x", "--from", "tiny", "-p", "topk=3"],
    );
    assert_eq!(code(&out), 2);
    let err = stderr_of(&out);
    assert!(
        err.starts_with("ollama-rs: error: Modelfile:2:11: unknown parameter 'temprature'"),
        "{err}"
    );
    let empty = Dir::new();
    let out = run_in(
        &server,
        empty.path(),
        &["create", "x", "--from", "tiny", "-p", "topk=3"],
    );
    assert_eq!(code(&out), 2);
    let err = stderr_of(&out);
    assert!(
        err.starts_with("ollama-rs: error: unknown parameter 'topk' (valid parameters: "),
        "{err}"
    );
    assert!(err.contains("top_k"), "{err}");
    let out = run_in(
        &server,
        empty.path(),
        &["create", "x", "--from", "tiny", "-p", "top_k=many"],
    );
    assert_eq!(code(&out), 2);
    assert!(stderr_of(&out).contains("top_k"), "{}", stderr_of(&out));
    assert!(server.requests().is_empty());
}

#[test]
fn create_skips_deprecated_parameters_with_a_warning() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write(
        "Modelfile",
        "FROM tiny\nPARAMETER mirostat 1\nPARAMETER top_k 3\n",
    );
    let out = run_in(
        &server,
        dir.path(),
        &["create", "x", "-p", "use_mlock=true"],
    );
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: warning: line 2: parameter 'mirostat' is deprecated and ignored by current servers; skipped\n\
         ollama-rs: warning: parameter 'use_mlock' is deprecated and ignored by current servers; skipped\n\
         created 'x'\n"
    );
    assert_eq!(
        create_bodies(&server)[0]["parameters"],
        serde_json::json!({"top_k": 3})
    );
}

#[test]
fn create_unreadable_modelfile_is_status_2() {
    let server = TestServer::start();
    let dir = Dir::new();
    let out = run_in(
        &server,
        dir.path(),
        &["create", "x", "-f", "nope/Modelfile"],
    );
    assert_eq!(code(&out), 2);
    assert!(
        stderr_of(&out).starts_with("ollama-rs: error: could not read `nope/Modelfile`: "),
        "{}",
        stderr_of(&out)
    );
    assert!(server.requests().is_empty());
}

#[test]
fn create_server_error_is_status_1() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM tiny\n");
    let out = run_in(&server, dir.path(), &["create", "x", "-q", "q9_X"]);
    assert_eq!(code(&out), 1);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not create `x`: unsupported quantization type q9_X - \
         supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0 (status code: 500)\n"
    );
}

// ------------------------------------------- processes watched as they run

/// The binary with a clean environment, for tests that watch it run.
fn watched(server: &TestServer, dir: &Path, home: &Path, args: &[&str]) -> StdCommand {
    let mut cmd = StdCommand::new(assert_cmd::cargo::cargo_bin("ollama-rs"));
    cmd.env_clear()
        .env("OLLAMA_HOST", server.url())
        .env("HOME", home)
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .current_dir(dir)
        .args(args);
    cmd
}

/// A child whose stderr lines arrive on a channel.
struct Running {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(mut cmd: StdCommand) -> Running {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line that starts with `prefix`.
    fn wait_for(&mut self, prefix: &str) {
        let deadline = Instant::now() + GUARD;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.starts_with(prefix);
                    self.seen.push(line);
                    if hit {
                        return;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!("no line starting with {prefix:?}; saw {:?}", self.seen);
                }
            }
        }
    }

    /// Sends SIGINT, as Ctrl-C would, to this child only.
    fn interrupt(&self) {
        let status = StdCommand::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Sends SIGINT, checks that the command exits 130, and returns every
    /// stderr line.
    fn interrupted(self) -> Vec<String> {
        self.interrupt();
        let (code, lines) = self.finish();
        assert_eq!(code, 130, "{lines:?}");
        lines
    }

    /// Waits for the exit (killing the child past the guard) and returns
    /// the status and every stderr line.
    fn finish(mut self) -> (i32, Vec<String>) {
        let deadline = Instant::now() + GUARD;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("did not exit; saw {:?}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        self.seen.extend(self.lines.iter());
        (
            status.code().expect("exited, not killed by the signal"),
            self.seen,
        )
    }
}

#[test]
fn sigint_during_a_stalled_pull_exits_130_naming_it() {
    let server = TestServer::start_empty();
    server.set_fault_for(
        "/api/pull",
        Fault::Stall {
            after_lines: 2,
            for_ms: 30_000,
        },
    );
    let dir = Dir::new();
    let mut run = Running::start(watched(
        &server,
        dir.path(),
        dir.path(),
        &["pull", "--progress=plain", "tiny"],
    ));
    run.wait_for("pulling ");
    run.wait_for("pulling ");
    let lines = run.interrupted();
    assert_eq!(
        lines.last().unwrap(),
        "ollama-rs: interrupted while pulling `tiny`"
    );
    assert!(server.model_names().is_empty());
}

#[test]
fn sigint_during_push_and_create_names_them() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM tiny\n");
    for (path, args, want) in [
        (
            "/api/push",
            &["push", "--progress=plain", "tiny"][..],
            "ollama-rs: interrupted while pushing `tiny`",
        ),
        (
            "/api/create",
            &["create", "--progress=plain", "x"][..],
            "ollama-rs: interrupted while creating `x`",
        ),
    ] {
        server.set_fault_once(
            path,
            Fault::Stall {
                after_lines: 1,
                for_ms: 30_000,
            },
        );
        let mut run = Running::start(watched(&server, dir.path(), dir.path(), args));
        // The first line has come: the command is waiting for the rest.
        run.wait_for("");
        let lines = run.interrupted();
        assert_eq!(lines.last().unwrap(), want);
    }
}

#[test]
fn sigint_during_an_upload_names_the_file() {
    let server = TestServer::start_empty();
    // The blob requests never get an answer, so the upload cannot finish
    // (a stalled empty body would still let the status through).
    server.set_fault_for("/api/blobs/", Fault::NeverAnswer);
    let dir = Dir::new();
    dir.write("model.gguf", gguf("llama", 1));
    dir.write("Modelfile", "FROM model.gguf\n");
    let mut run = Running::start(watched(
        &server,
        dir.path(),
        dir.path(),
        &["create", "--progress=plain", "up"],
    ));
    run.wait_for("hashing model.gguf: 100%");
    let lines = run.interrupted();
    assert_eq!(
        lines.last().unwrap(),
        "ollama-rs: interrupted while uploading `model.gguf` for `up`"
    );
    assert!(server.requests_to("/api/create").is_empty());
}

#[test]
fn create_after_an_interrupted_upload_sends_only_what_is_missing() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    let files: [(&str, &[u8]); 4] = [
        ("model-00001-of-00002.safetensors", b"first half"),
        ("model-00002-of-00002.safetensors", b"second half"),
        ("config.json", b"{\"architectures\":[\"LlamaForCausalLM\"]}"),
        ("tokenizer.json", b"{}"),
    ];
    for (name, data) in files {
        dir.write(&format!("hf/{name}"), data);
    }
    dir.write("hf/Modelfile", "FROM .\n");
    let digests: Vec<String> = files.iter().map(|(_, data)| sha256(data)).collect();
    let blob = |d: &str| format!("/api/blobs/{d}");
    let (first, second) = (blob(&digests[0]), blob(&digests[1]));

    // The second file's upload is sent but never answered; its existence
    // check gets the usual "no".
    server.set_fault_for(&second, Fault::NeverAnswer);
    server.set_fault_once(
        &second,
        Fault::Status {
            code: 404,
            content_type: String::new(),
            body: String::new(),
        },
    );
    let args = ["create", "--progress=plain", "st", "-f", "hf/Modelfile"];
    let run1 = Running::start(watched(&server, dir.path(), dir.path(), &args));
    let deadline = Instant::now() + GUARD;
    while !blob_requests(&server).contains(&("POST".into(), second.clone())) {
        assert!(Instant::now() < deadline, "{:?}", blob_requests(&server));
        std::thread::sleep(Duration::from_millis(20));
    }
    run1.interrupted();
    assert!(server.has_blob(&digests[0]), "the first file was uploaded");
    assert!(!server.has_blob(&digests[1]));
    assert!(server.requests_to("/api/create").is_empty());

    server.clear_faults();
    server.clear_requests();
    let out = run_in(&server, dir.path(), &args);
    assert_eq!(code(&out), 0, "{}", stderr_of(&out));
    let sent = blob_requests(&server);
    assert_eq!(
        sent.iter().filter(|(_, p)| *p == first).collect::<Vec<_>>(),
        [&("HEAD".to_string(), first.clone())],
        "the uploaded file is only looked for: {sent:?}"
    );
    for d in &digests[1..] {
        assert!(sent.contains(&("POST".into(), blob(d))), "{sent:?}");
        assert!(server.has_blob(d));
    }
    let create = create_bodies(&server);
    assert_eq!(create.len(), 1);
    for ((name, _), d) in files.iter().zip(&digests) {
        assert_eq!(create[0]["files"][*name], d.as_str(), "{name}");
    }
    assert!(server.model_names().contains(&"st:latest".to_string()));
}

#[test]
fn create_reports_a_digest_mismatch() {
    // The file changes between hashing and uploading: the server computes
    // another digest than the one in the upload's path, and refuses it.
    let server = TestServer::start_empty();
    server.set_fault_once(
        "/api/blobs/",
        Fault::Stall {
            after_lines: 0,
            for_ms: 1_500,
        },
    );
    let dir = Dir::new();
    let weights = gguf("llama", 1);
    let file = dir.write("model.gguf", &weights);
    dir.write("Modelfile", "FROM ./model.gguf\n");
    let mut run = Running::start(watched(
        &server,
        dir.path(),
        dir.path(),
        &["create", "--progress=plain", "changed"],
    ));
    run.wait_for("hashing model.gguf: 100%");
    let mut changed = weights.clone();
    *changed.last_mut().unwrap() ^= 0xff;
    std::fs::write(&file, &changed).unwrap();
    let (code, lines) = run.finish();
    assert_eq!(code, 1, "{lines:?}");
    let last = lines.last().unwrap();
    assert_eq!(
        last,
        &format!(
            "ollama-rs: error: could not upload `model.gguf`: digest mismatch, expected \"{}\", \
             got \"{}\" (status code: 400)",
            sha256(&weights),
            sha256(&changed)
        )
    );
    assert!(server.requests_to("/api/create").is_empty());
}

// --------------------------------------------------- on a terminal (PTY)

#[cfg(unix)]
mod terminal {
    use super::*;
    use pretty_assertions::assert_eq;
    use rexpect::process::{Signal, WaitStatus};
    use rexpect::session::PtySession;

    const ROWS: u16 = 30;
    const COLS: u16 = 100;

    /// The binary on a pseudo-terminal of ROWS x COLS that can draw.
    fn spawn(server: &TestServer, dir: &Path, args: &[&str]) -> PtySession {
        let bin = assert_cmd::cargo::cargo_bin("ollama-rs");
        let mut cmd = StdCommand::new("sh");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("OLLAMA_HOST", server.url())
            .env("HOME", dir)
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .current_dir(dir)
            .arg("-c")
            .arg(format!(
                "stty cols {COLS} rows {ROWS} && exec \"$0\" \"$@\""
            ))
            .arg(bin)
            .args(args);
        rexpect::session::spawn_command(cmd, Some(GUARD.as_millis() as u64))
            .expect("spawn on a pty")
    }

    /// rexpect hands over each byte as one `char`: the text as written.
    fn text(read: &str) -> String {
        let bytes: Vec<u8> = read.chars().map(|c| c as u32 as u8).collect();
        String::from_utf8(bytes).expect("the output is UTF-8")
    }

    /// `needle` as rexpect sees it (each byte one `char`).
    fn as_read(needle: &str) -> String {
        needle.bytes().map(char::from).collect()
    }

    /// What a terminal shows after `output`, trailing blanks removed.
    fn screen(output: &str) -> Vec<String> {
        let mut parser = vt100::Parser::new(ROWS, COLS, 0);
        parser.process(output.as_bytes());
        let mut rows: Vec<String> = parser
            .screen()
            .rows(0, COLS)
            .map(|r| r.trim_end().to_string())
            .collect();
        while rows.last().is_some_and(String::is_empty) {
            rows.pop();
        }
        rows
    }

    /// The cursor was hidden while drawing and is visible at the end.
    fn assert_cursor_restored(output: &str) {
        let hidden = output
            .rfind("\x1b[?25l")
            .expect("the cursor is hidden while drawing");
        let shown = output
            .rfind("\x1b[?25h")
            .expect("the cursor is shown again");
        assert!(shown > hidden, "{output:?}");
    }

    fn exit_code(p: &PtySession) -> i32 {
        match p.process().wait().unwrap() {
            WaitStatus::Exited(_, code) => code,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pull_draws_bars_and_leaves_only_the_outcome() {
        let server = TestServer::start_empty();
        // A pause after the first layer's first bytes, so that a frame with
        // a bar is drawn whatever the refresh rate.
        server.set_fault_once(
            "/api/pull",
            Fault::Stall {
                after_lines: 2,
                for_ms: 700,
            },
        );
        let dir = Dir::new();
        let mut p = spawn(&server, dir.path(), &["pull", "tiny"]);
        let output = text(&p.exp_eof().unwrap());
        assert_eq!(exit_code(&p), 0, "{output:?}");
        // A bar like `ollama pull`'s: label, percent, bar, decimal bytes.
        let bar = output
            .split(['\r', '\n'])
            .find(|l| l.contains("pulling ") && l.contains("% ▕"))
            .unwrap_or_else(|| panic!("no bar in {output:?}"));
        assert!(bar.contains("/482 KB"), "{bar:?}");
        assert!(output.contains("pulling manifest"), "{output:?}");
        assert_cursor_restored(&output);
        assert_eq!(screen(&output), ["pulled 'tiny'"], "{output:?}");
    }

    #[test]
    fn create_draws_file_bars_and_statuses_then_only_the_outcome() {
        let server = TestServer::start_empty();
        server.set_fault_once(
            "/api/create",
            Fault::Stall {
                after_lines: 1,
                for_ms: 700,
            },
        );
        let dir = Dir::new();
        dir.write("model.gguf", gguf("llama", 1));
        dir.write("Modelfile", "FROM ./model.gguf\n");
        let mut p = spawn(&server, dir.path(), &["create", "drawn"]);
        let output = text(&p.exp_eof().unwrap());
        assert_eq!(exit_code(&p), 0, "{output:?}");
        assert!(output.contains("hashing model.gguf: 100% ▕"), "{output:?}");
        assert!(output.contains("parsing GGUF"), "{output:?}");
        assert_cursor_restored(&output);
        assert_eq!(screen(&output), ["created 'drawn'"], "{output:?}");
    }

    #[test]
    fn sigint_clears_the_bars_and_restores_the_cursor() {
        let server = TestServer::start_empty();
        server.set_fault_for(
            "/api/pull",
            Fault::Stall {
                after_lines: 2,
                for_ms: 30_000,
            },
        );
        let dir = Dir::new();
        let mut p = spawn(&server, dir.path(), &["pull", "tiny"]);
        let needle = as_read("% ▕");
        let before = p.exp_string(&needle).unwrap();
        p.process_mut().signal(Signal::SIGINT).unwrap();
        let rest = p.exp_eof().unwrap();
        let output = text(&format!("{before}{needle}{rest}"));
        assert_eq!(exit_code(&p), 130, "{output:?}");
        assert_cursor_restored(&output);
        assert_eq!(
            screen(&output),
            ["ollama-rs: interrupted while pulling `tiny`"]
        );
    }

    #[test]
    fn a_failed_pull_clears_the_bars_and_leaves_one_error_line() {
        let cases = [
            (
                Fault::ErrorMidStream {
                    after_lines: 3,
                    message: "max retries exceeded: unexpected EOF".into(),
                },
                vec![],
                "ollama-rs: error: could not pull `tiny`: max retries exceeded: unexpected EOF",
            ),
            (
                // A broken connection is retried, each with a line: none here.
                Fault::CloseMidStream { after_lines: 3 },
                vec!["--retries", "0"],
                "ollama-rs: error: could not pull `tiny`:",
            ),
            (
                Fault::Stall {
                    after_lines: 2,
                    for_ms: 30_000,
                },
                vec!["--stall-timeout", "1", "--retries", "0"],
                "ollama-rs: error: could not pull `tiny`: no progress for 1s",
            ),
        ];
        let mut drawn = 0;
        for (fault, extra, want) in cases {
            let server = TestServer::start_empty();
            let what = format!("{fault:?}");
            server.set_fault_for("/api/pull", fault);
            let dir = Dir::new();
            let args: Vec<&str> = ["pull", "tiny"].into_iter().chain(extra).collect();
            let mut p = spawn(&server, dir.path(), &args);
            let output = text(&p.exp_eof().unwrap());
            assert_eq!(exit_code(&p), 1, "{what}: {output:?}");
            // Whatever was drawn is gone, and the cursor is back.
            if output.contains("\x1b[?25l") {
                assert_cursor_restored(&output);
                drawn += 1;
            }
            // One error line (long ones wrap), no bar or status left over.
            let shown = screen(&output).concat();
            assert!(shown.starts_with(want), "{what}: {shown:?}");
            assert_eq!(shown.matches("ollama-rs:").count(), 1, "{what}: {shown:?}");
            assert!(
                !shown.contains('▕') && !shown.contains("pulling"),
                "{what}: {shown:?}"
            );
        }
        assert!(drawn > 0, "no case drew anything to clear");
    }

    #[test]
    fn a_dumb_terminal_gets_plain_lines() {
        let server = TestServer::start_empty();
        let dir = Dir::new();
        let bin = assert_cmd::cargo::cargo_bin("ollama-rs");
        let mut cmd = StdCommand::new(bin);
        cmd.env_clear()
            .env("OLLAMA_HOST", server.url())
            .env("HOME", dir.path())
            .env("TERM", "dumb")
            .args(["pull", "tiny"]);
        let mut p = rexpect::session::spawn_command(cmd, Some(GUARD.as_millis() as u64)).unwrap();
        let output = text(&p.exp_eof().unwrap());
        assert_eq!(exit_code(&p), 0, "{output:?}");
        assert!(!output.contains('\x1b'), "{output:?}");
        assert!(output.starts_with("pulling manifest\r\n"), "{output:?}");
        assert!(output.ends_with("pulled 'tiny'\r\n"), "{output:?}");
    }
}
