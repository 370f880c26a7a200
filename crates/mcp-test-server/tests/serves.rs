//! The server starts and prints its URL. (Having a test here also makes
//! `cargo test` build the `mcp-test-server` binary, which the tests of
//! ollama-rs and of the command line start.)

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn http_mode_prints_its_url() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mcp-test-server"))
        .arg("--http")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read its URL");
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("http://127.0.0.1:"), "{line}");
    assert!(line.trim_end().ends_with("/mcp"), "{line}");
}

#[test]
fn a_bad_argument_is_status_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_mcp-test-server"))
        .arg("--nope")
        .output()
        .expect("run the server");
    assert_eq!(out.status.code(), Some(2));
}
