//! Children watched while they run: a closed pipe, stderr lines read as
//! they come, Ctrl-C. Every wait is bounded by the hang guard.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command as StdCommand, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{Test, GUARD};

/// Starts `cmd` with stdin closed and stdout and stderr piped.
pub fn spawn(mut cmd: StdCommand) -> Child {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// Waits for `child` within the hang guard (killing it past the guard);
/// returns the exit status and stderr.
pub fn wait(mut child: Child) -> (i32, String) {
    let deadline = Instant::now() + GUARD;
    loop {
        if let Some(st) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                e.read_to_string(&mut stderr).expect("stderr");
            }
            return (st.code().expect("exited normally"), stderr);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the command did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `test`, reads one byte of its stdout, closes it, and returns the
/// exit status and stderr: the `ollama-rs ... | head -c 1` case.
pub fn close_after_one_byte(test: Test) -> (i32, String) {
    let mut child = test.spawn();
    let mut stdout = child.stdout.take().expect("stdout");
    let mut byte = [0u8; 1];
    stdout.read_exact(&mut byte).expect("one byte of output");
    drop(stdout);
    wait(child)
}

/// A child whose stderr lines arrive on a channel.
pub struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    /// Starts `test` with stdin and stdout closed.
    pub fn start(test: Test) -> Running {
        let mut cmd = test.command();
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
    pub fn wait_for(&mut self, prefix: &str) {
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
    pub fn interrupt(&self) {
        let status = StdCommand::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Sends SIGINT, checks that the command exits 130, and returns every
    /// stderr line.
    pub fn interrupted(self) -> Vec<String> {
        self.interrupt();
        let (code, lines) = self.finish();
        assert_eq!(code, 130, "{lines:?}");
        lines
    }

    /// Waits for the exit (killing the child past the guard) and returns
    /// the status and every stderr line.
    pub fn finish(mut self) -> (i32, Vec<String>) {
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

    /// Kills the child at once (SIGKILL: no chance to tidy up, as in a
    /// crash) and waits for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
