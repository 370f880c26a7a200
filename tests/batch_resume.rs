//! `batch` interrupted and finished: Ctrl-C with requests in flight (once:
//! they finish; twice: they are cancelled and what is done is written), a
//! killed run resumed with no id twice, `--resume` over error lines, the
//! output never overwritten by mistake, and progress.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use crate::batch::generate_lines;
use crate::harness::{status_of, stderr_of, Running, Test, GUARD};
use ollama_test_server::{Fault, TestServer};

/// The lines of an output file, each checked to be a whole JSON object.
fn results(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    assert!(text.is_empty() || text.ends_with('\n'), "{text:?}");
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

fn ids(records: &[Value]) -> Vec<String> {
    records
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn generates(s: &TestServer) -> usize {
    s.requests_to("/api/generate").len()
}

/// Waits until `check` holds.
fn wait_until(what: &str, check: impl Fn() -> bool) {
    let deadline = Instant::now() + GUARD;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A job of `n` requests in `dir/in.jsonl`, results to `dir/out.jsonl`.
struct Job {
    dir: tempfile::TempDir,
}

impl Job {
    fn new(n: usize) -> Job {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in.jsonl"), generate_lines(n)).unwrap();
        Job { dir }
    }

    fn input(&self) -> String {
        self.dir.path().join("in.jsonl").display().to_string()
    }

    fn output(&self) -> std::path::PathBuf {
        self.dir.path().join("out.jsonl")
    }

    /// `batch` over `hosts` with `more` arguments.
    fn test(&self, hosts: &[&TestServer], more: &[&str]) -> Test {
        let hosts: Vec<String> = hosts.iter().map(|s| s.url()).collect();
        let out = self.output().display().to_string();
        Test::new()
            .env("NO_COLOR", "1")
            .args(&[
                "batch",
                &self.input(),
                "-o",
                &out,
                "--hosts",
                &hosts.join(","),
            ])
            .args(more)
    }
}

#[test]
fn ctrl_c_stops_sending_lets_requests_in_flight_finish_and_exits_130() {
    let server = TestServer::start();
    server.set_fault_for("/api/generate", Fault::Delay { ms: 1_000 });
    let job = Job::new(10);
    let mut run = Running::start(job.test(&[&server], &["-j", "2"]));
    wait_until("two requests in flight", || generates(&server) == 2);
    run.interrupt();
    run.wait_for("ollama-rs: batch: interrupted: no more requests are sent");
    let (code, lines) = run.finish();
    assert_eq!(code, 130, "{lines:?}");
    assert_eq!(
        lines.last().unwrap(),
        "ollama-rs: batch: 2 requests, 2 succeeded, 0 failed; interrupted: run it again with --resume to finish"
    );
    // The two in flight were answered and written; nothing else was sent.
    assert_eq!(ids(&results(&job.output())), ["r0", "r1"]);
    assert_eq!(generates(&server), 2);

    // --resume sends only the rest.
    server.clear_faults();
    let out = job
        .test(&[&server], &["--resume"])
        .stderr("ollama-rs: batch: 8 requests, 8 succeeded, 0 failed, 2 already answered\n")
        .run();
    assert_eq!(status_of(&out), 0);
    let want: Vec<String> = (0..10).map(|i| format!("r{i}")).collect();
    assert_eq!(ids(&results(&job.output())), want);
    assert_eq!(generates(&server), 10);
}

#[test]
fn a_second_ctrl_c_cancels_and_writes_the_results_that_are_done() {
    // r0 goes to the stalled server; r1.. to the quick one, where they
    // finish and wait, in order mode, behind r0.
    let (slow, quick) = (TestServer::start(), TestServer::start());
    slow.set_fault_for("/api/generate", Fault::Delay { ms: 30_000 });
    let job = Job::new(20);
    let mut run = Running::start(job.test(&[&slow, &quick], &["-j", "1"]));
    // The reorder buffer holds 2 × 2 slots: r0 and three finished ones.
    wait_until("the reorder buffer to fill", || {
        generates(&slow) == 1 && generates(&quick) == 3
    });
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(generates(&quick), 3, "the buffer is bounded");
    run.interrupt();
    run.wait_for("ollama-rs: batch: interrupted:");
    run.interrupt();
    let started = Instant::now();
    let (code, lines) = run.finish();
    assert!(started.elapsed() < Duration::from_secs(10), "{lines:?}");
    assert_eq!(code, 130, "{lines:?}");
    assert!(
        lines.contains(&"ollama-rs: batch: cancelled 1 request in flight".to_string()),
        "{lines:?}"
    );
    // What was done is written, in order, over the gap of r0.
    assert_eq!(ids(&results(&job.output())), ["r1", "r2", "r3"]);
}

#[test]
fn a_killed_run_leaves_whole_lines_and_resume_completes_it_without_duplicates() {
    let server = TestServer::start();
    server.set_fault_for("/api/generate", Fault::Delay { ms: 50 });
    let job = Job::new(40);
    let run = Running::start(job.test(&[&server], &["-j", "2", "--unordered"]));
    wait_until("some results", || results(&job.output()).len() >= 6);
    run.kill();
    let before = results(&job.output());
    let answered = before.len();
    assert!((6..40).contains(&answered), "{answered}");
    let sent_before = generates(&server);

    server.clear_faults();
    let out = job.test(&[&server], &["--resume", "--unordered"]).run();
    assert_eq!(status_of(&out), 0, "{}", stderr_of(&out));
    let after = results(&job.output());
    assert_eq!(after.len(), 40);
    let unique: BTreeSet<String> = ids(&after).into_iter().collect();
    assert_eq!(unique.len(), 40, "no id twice");
    assert!(after.iter().all(|r| r["response"]["done"] == true));
    // Only what was not answered was sent again.
    assert_eq!(generates(&server) - sent_before, 40 - answered);
}

#[test]
fn resume_sends_again_the_lines_with_errors_or_cut_short() {
    let server = TestServer::start();
    let job = Job::new(4);
    std::fs::write(
        job.output(),
        concat!(
            "{\"id\":\"r0\",\"response\":{\"response\":\"echo: p0\"}}\n",
            "{\"id\":\"r1\",\"error\":{\"message\":\"busy\",\"status\":503}}\n",
            "{\"id\":\"r2\",\"resp",
        ),
    )
    .unwrap();
    let out = job.test(&[&server], &["--resume"]).run();
    assert_eq!(status_of(&out), 0);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: batch: resuming: 2 lines with errors or cut short taken out of the output, to be sent again\n\
         ollama-rs: batch: 3 requests, 3 succeeded, 0 failed, 1 already answered\n"
    );
    assert_eq!(ids(&results(&job.output())), ["r0", "r1", "r2", "r3"]);
    let prompts: Vec<Value> = server
        .requests_to("/api/generate")
        .iter()
        .map(|r| r.json()["prompt"].clone())
        .collect();
    assert_eq!(prompts, [json!("p1"), json!("p2"), json!("p3")]);
}

#[test]
fn results_are_never_overwritten_without_resume() {
    let server = TestServer::start();
    let job = Job::new(2);
    let earlier = "{\"id\":\"r0\",\"response\":{}}\n";
    std::fs::write(job.output(), earlier).unwrap();
    let out = job.test(&[&server], &[]).status(2).run();
    assert!(
        stderr_of(&out).contains("already holds results: add --resume"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(std::fs::read_to_string(job.output()).unwrap(), earlier);
    assert_eq!(generates(&server), 0);

    // --resume needs a file to finish.
    let out = Test::new()
        .args(&["batch", &job.input(), "--resume", "--host", &server.url()])
        .status(2)
        .run();
    assert!(stderr_of(&out).contains("-o"), "{}", stderr_of(&out));
}

#[test]
fn plain_progress_lines_count_rates_and_each_servers_share() {
    let (a, b) = (TestServer::start(), TestServer::start());
    for s in [&a, &b] {
        s.set_fault_for("/api/generate", Fault::Delay { ms: 300 });
    }
    let job = Job::new(16);
    let out = job.test(&[&a, &b], &["-j", "2", "--progress=plain"]).run();
    assert_eq!(status_of(&out), 0);
    let err = stderr_of(&out);
    let lines: Vec<&str> = err.lines().collect();
    // At least one line while it ran (once a second), then the final one.
    assert!(lines.len() >= 3, "{err}");
    let last = lines[lines.len() - 2];
    let host = |s: &TestServer| s.url().trim_start_matches("http://").to_string();
    assert!(last.starts_with("batch: 16/16, "), "{last}");
    assert!(
        last.contains(" req/s, ") && last.contains(" tok/s, 0 errors | "),
        "{last}"
    );
    for s in [&a, &b] {
        assert!(
            last.contains(&format!("{} {}", host(s), generates(s))),
            "{last}"
        );
    }
    assert_eq!(
        lines[lines.len() - 1],
        "ollama-rs: batch: 16 requests, 16 succeeded, 0 failed"
    );
    // stdout had nothing: the results went to the file.
    assert!(out.stdout.is_empty());
    assert_eq!(results(&job.output()).len(), 16);
}
