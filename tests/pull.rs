//! `pull` against the test server: every progress mode off a terminal,
//! `--json`, several models, `--all`, stalls and retries, errors
//! mid-stream and an unreachable server.
//!
//! See: issue 4 (model transfer) and issue 3 (exit statuses, output
//! discipline).

use pretty_assertions::assert_eq;
use serde_json::Value;

use crate::harness::transfer::*;
use crate::harness::{stderr_of, stdout_of, Test};
use ollama_test_server::{Fault, TestServer};

#[test]
fn pull_off_a_terminal_prints_only_the_outcome() {
    let server = TestServer::start_empty();
    let out = Test::new()
        .server(&server)
        .args(&["pull", "tiny"])
        .stdout("")
        .stderr("pulled 'tiny'\n")
        .run();
    assert_no_escapes(&out);
    assert_eq!(server.model_names(), ["tiny:latest"]);
    let body = &pull_bodies(&server)[0];
    assert_eq!(body["model"], "tiny");
    assert!(body.get("insecure").is_none() || body["insecure"] == false);
}

#[test]
fn pull_progress_none_prints_only_the_outcome() {
    let server = TestServer::start_empty();
    Test::new()
        .server(&server)
        .args(&["pull", "--progress=none", "tiny"])
        .stderr("pulled 'tiny'\n")
        .run();
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
    want.push("success".into());
    want.push(format!("pulled '{model}'"));
    want
}

#[test]
fn pull_plain_and_bare_progress_log_lines_off_a_terminal() {
    // The server's own account of the pull, to build the expected lines.
    let json = reference_pull("tiny");
    // Three lines per layer, since no blob is there yet.
    assert_eq!(json.len(), 1 + 3 * layers(&json).len() + 3, "{json:?}");
    let want = expected_plain_pull("tiny", &json);

    for flag in ["--progress=plain", "--progress", "--progress=bars"] {
        let server = TestServer::start_empty();
        let out = Test::new()
            .server(&server)
            .args(&["pull", flag, "tiny"])
            .run();
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
    let out = Test::new()
        .server(&server)
        .args(&["--json", "pull", "tiny"])
        .stderr("")
        .run();
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
    Test::new()
        .server(&server)
        .args(&["pull", "tiny", "tiny-embed"])
        .stderr("pulled 'tiny'\npulled 'tiny-embed'\n")
        .run();
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
    Test::new()
        .server(&server)
        .args(&["pull", "nope", "tiny"])
        .status(4)
        .stderr(
            "ollama-rs: error: could not pull `nope`: pull model manifest: file does not exist\n\
         pulled 'tiny'\n",
        )
        .run();
    assert_eq!(server.model_names(), ["tiny:latest"]);
}

#[test]
fn pull_missing_model_is_status_4_without_a_pull_hint() {
    let server = TestServer::start_empty();
    Test::new()
        .server(&server)
        .args(&["pull", "nope"])
        .status(4)
        .stderr(
            "ollama-rs: error: could not pull `nope`: pull model manifest: file does not exist\n",
        )
        .run();
}

#[test]
fn pull_all_pulls_every_local_model_again() {
    let server = TestServer::start();
    let mut local = server.model_names();
    let out = Test::new().server(&server).args(&["pull", "--all"]).run();
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
    Test::new()
        .server(&server)
        .args(&["pull", "--all"])
        .stderr("no local models to pull\n")
        .run();
    assert!(server.requests_to("/api/pull").is_empty());
}

#[test]
fn pull_and_push_send_insecure() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["pull", "--insecure", "tiny"])
        .run();
    assert_eq!(pull_bodies(&server)[0]["insecure"], true);
    Test::new()
        .server(&server)
        .args(&["push", "--insecure", "tiny"])
        .run();
    assert_eq!(server.requests_to("/api/push")[0].json()["insecure"], true);
}

#[test]
fn pull_reissues_a_stalled_pull() {
    // The stall timeout is seconds, so that a loaded machine's pause between
    // two lines is never taken for a stall: the request count is exact.
    let server = TestServer::start_empty();
    server.set_fault_once(
        "/api/pull",
        Fault::Stall {
            after_lines: 2,
            for_ms: 20_000,
        },
    );
    let out = Test::new()
        .server(&server)
        .args(&["pull", "--stall-timeout", "2", "--progress=plain", "tiny"])
        .run();
    let err = stderr_of(&out);
    assert!(
        err.contains("\npulling 'tiny': no progress for 2s; retrying (1/3)\npulling manifest\n"),
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
    Test::new()
        .server(&server)
        .args(&["pull", "--stall-timeout", "1", "--retries", "2", "tiny"])
        .status(1)
        .stderr(
            "pulling 'tiny': no progress for 1s; retrying (1/2)\n\
         pulling 'tiny': no progress for 1s; retrying (2/2)\n\
         ollama-rs: error: could not pull `tiny`: gave up after 2 retries: no progress for 1s\n",
        )
        .run();
    assert_eq!(server.requests_to("/api/pull").len(), 3);
    assert!(server.model_names().is_empty());
}

#[test]
fn pull_does_not_take_verification_for_a_stall() {
    // The server hashes the download after `verifying sha256 digest` and
    // sends nothing meanwhile, for minutes on a large model. Here it is
    // silent for twice the stall timeout (seconds, not a race with a loaded
    // machine).
    let json = reference_pull("tiny");
    let verifying = json
        .iter()
        .position(|o| o["status"] == "verifying sha256 digest")
        .unwrap();
    let server = TestServer::start_empty();
    server.set_fault_for(
        "/api/pull",
        Fault::Stall {
            after_lines: verifying + 1,
            for_ms: 4_000,
        },
    );
    Test::new()
        .server(&server)
        .args(&["pull", "--stall-timeout", "2", "tiny"])
        .stderr("pulled 'tiny'\n")
        .run();
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
    Test::new()
        .server(&server)
        .args(&["pull", "--stall-timeout", "1", "--retries", "0", "tiny"])
        .status(1)
        .stderr("ollama-rs: error: could not pull `tiny`: no progress for 1s\n")
        .run();
    assert_eq!(server.requests_to("/api/pull").len(), 1);
}

#[test]
fn pull_reissues_a_pull_whose_connection_broke() {
    let server = TestServer::start_empty();
    server.set_fault_once("/api/pull", Fault::CloseMidStream { after_lines: 2 });
    let out = Test::new().server(&server).args(&["pull", "tiny"]).run();
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
    let out = Test::new()
        .server(&server)
        .args(&["pull", "--progress=plain", "tiny"])
        .status(1)
        .run();
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
    let out = Test::new()
        .server(&server)
        .args(&["--json", "pull", "tiny"])
        .status(1)
        .run();
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
    let out = Test::new()
        .server(&server)
        .args(&["pull", "--retries", "1", "tiny"])
        .status(1)
        .run();
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
    Test::new()
        .env("OLLAMA_HOST", format!("127.0.0.1:{port}"))
        .args(&["pull", "tiny"])
        .status(3)
        .run();
}
