//! `push` against the test server: every progress mode and a missing model.

use pretty_assertions::assert_eq;

use crate::harness::transfer::*;
use crate::harness::{stderr_of, Test};
use ollama_test_server::TestServer;

#[test]
fn push_in_every_mode() {
    let server = TestServer::start();
    Test::new()
        .server(&server)
        .args(&["push", "tiny"])
        .stderr("pushed 'tiny'\n")
        .stdout("")
        .run();

    let out = Test::new()
        .server(&server)
        .args(&["--json", "push", "tiny"])
        .run();
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

    let out = Test::new()
        .server(&server)
        .args(&["push", "--progress=plain", "tiny"])
        .run();
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
    want.push("success".into());
    want.push("pushed 'tiny'".into());
    let got: Vec<String> = stderr_of(&out).lines().map(without_rate).collect();
    assert_eq!(got, want);
    assert_eq!(server.requests_to("/api/push").len(), 3);
}

#[test]
fn push_of_a_missing_model_is_status_4() {
    let server = TestServer::start();
    let out = Test::new()
        .server(&server)
        .args(&["push", "nope"])
        .status(4)
        .run();
    let err = stderr_of(&out);
    assert!(
        err.starts_with("ollama-rs: error: could not push `nope`: open "),
        "{err}"
    );
    assert!(err.ends_with(": no such file or directory\n"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}
