//! The committed bash completion script, run by a real bash against the
//! built binary and a test server: words that bash splits at `:` and `=`
//! (`--host 127.0.0.1:PORT`, `tiny:`, `--think=`) are completed as whole
//! words, and the candidates given back fit what bash replaces.
//!
//! Bash fills `COMP_WORDS`, `COMP_CWORD`, `COMP_LINE`, `COMP_POINT` and the
//! function's arguments before calling a completion function; each case
//! below sets them as bash does for its line (cursor at the end), and the
//! script's function is called the same way.

use std::path::Path;
use std::process::Command;

use pretty_assertions::assert_eq;

use crate::harness::bin;
use ollama_test_server::TestServer;

/// COMPREPLY for `line`, split by bash into `words` (the last one being
/// completed; `cur` is bash's word under the cursor, `""` after a `:` or
/// `=`), with `OLLAMA_HOST` unset.
fn complete(line: &str, words: &[&str], cur: &str) -> Vec<String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions/ollama-rs.bash");
    let dir = bin().parent().unwrap().to_path_buf();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        r#"source "$SCRIPT"
COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}
COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); COMP_TYPE=9
_ollama_rs_complete_ollama_rs ollama-rs '{cur}' "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#,
        words = quoted.join(" ")
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .env("SCRIPT", &script)
        .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
        .env_remove("OLLAMA_HOST")
        .env_remove("OLLAMA_API_KEY")
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_host_with_a_port_on_the_line_is_the_one_asked() {
    let server = TestServer::start();
    let host = server.url().trim_start_matches("http://").to_string();
    let (ip, port) = host.split_once(':').unwrap();
    let line = format!("ollama-rs --host {host} show tiny-t");
    let got = complete(
        &line,
        &["ollama-rs", "--host", ip, ":", port, "show", "tiny-t"],
        "tiny-t",
    );
    assert_eq!(got, ["tiny-tools:latest", "tiny-think:latest"]);
    assert_eq!(server.requests_to("/api/tags").len(), 1);
}

#[test]
fn a_model_name_after_its_colon_completes_the_tag() {
    let server = TestServer::start();
    let host = server.url().trim_start_matches("http://").to_string();
    let (ip, port) = host.split_once(':').unwrap();
    let line = format!("ollama-rs --host {host} show tiny:");
    let got = complete(
        &line,
        &["ollama-rs", "--host", ip, ":", port, "show", "tiny", ":"],
        "",
    );
    // Bash puts it after the `:` it keeps: `tiny:latest`.
    assert_eq!(got, ["latest"]);
}

#[test]
fn values_after_an_equals_sign_complete() {
    let got = complete(
        "ollama-rs chat tiny --think=",
        &["ollama-rs", "chat", "tiny", "--think", "="],
        "",
    );
    assert_eq!(got, ["true", "false", "low", "medium", "high", "max"]);
    let got = complete(
        "ollama-rs pull --progress=pl",
        &["ollama-rs", "pull", "--progress", "=", "pl"],
        "pl",
    );
    assert_eq!(got, ["plain"]);
}

#[test]
fn option_keys_sort_keys_colors_and_formats_complete() {
    let got = complete(
        "ollama-rs chat tiny -o temp",
        &["ollama-rs", "chat", "tiny", "-o", "temp"],
        "temp",
    );
    assert_eq!(got, ["temperature="]);
    let got = complete(
        "ollama-rs list --sort ",
        &["ollama-rs", "list", "--sort", ""],
        "",
    );
    assert_eq!(got, ["name", "size", "modified"]);
    let got = complete("ollama-rs --color ", &["ollama-rs", "--color", ""], "");
    assert_eq!(got, ["auto", "always", "never"]);
    let got = complete(
        "ollama-rs generate tiny --format j",
        &["ollama-rs", "generate", "tiny", "--format", "j"],
        "j",
    );
    assert_eq!(got, ["json"]);
}
