//! `batch`: JSON-line requests from a file or stdin, sent through an
//! [`ollama_rs::Pool`] over the servers of `--hosts` (or `--host`), with one
//! JSON line out per request. See `batch --help` (`cli/batch.rs`) for the
//! rules.
//!
//! The input is read on a thread of its own into a small bounded channel,
//! so that a slow pipe never blocks the runtime and a large file is never
//! held whole. The pool runs unordered; the order is restored here
//! ([`output::Writer`]), so that a second Ctrl-C can still write every
//! result that is done.

mod input;
mod output;
mod progress;
mod resume;

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use futures_util::{stream, StreamExt};
use ollama_rs::{BatchRequest, Error, Pool};
use serde_json::{json, Value};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::cli::BatchArgs;
use crate::exit::{self, usage};
use crate::settings::connection::Connection;
use crate::settings::Settings;
use input::{Defaults, Line};
use output::{ErrorRecord, Record, Writer};
use progress::{shares, Progress, Tally};

/// Lines read ahead of the pool.
const READ_AHEAD: usize = 64;

/// The servers of `--hosts` (or `OLLAMA_HOSTS`), blanks left out; empty
/// for the one server of `--host`.
pub fn hosts(a: &BatchArgs) -> Vec<String> {
    a.hosts
        .iter()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .collect()
}

/// How far Ctrl-C has gone: 0 not pressed, 1 no more requests are sent,
/// 2 the requests in flight are cancelled.
type Interrupts = watch::Receiver<u8>;

/// What travels with a request through the pool.
struct Tag {
    /// Its place among the requests sent, from 0.
    seq: u64,
    id: Value,
    /// The line could not be read as a request.
    bad_line: bool,
    /// In order mode, its room in the reorder buffer.
    permit: Option<OwnedSemaphorePermit>,
}

/// Runs the job over `hosts` (see [`hosts`]) with the run's `connection`
/// (resolved with those hosts, so that their credentials are secrets).
pub async fn run(
    a: BatchArgs,
    mut connection: Connection,
    hosts: Vec<String>,
    settings: &Settings,
) -> Result<ExitCode> {
    if a.prompt_lines && a.model.as_deref().is_none_or(|m| m.trim().is_empty()) {
        return Err(usage("--prompt-lines needs --model"));
    }
    let clients = if hosts.is_empty() {
        vec![connection.client()?]
    } else {
        let mut clients = Vec::with_capacity(hosts.len());
        for host in hosts {
            connection.host = host;
            clients.push(connection.client()?);
        }
        clients
    };
    // Ordered here, not in the pool: see the module's documentation.
    let pool = Pool::from_clients(clients)?
        .concurrency(a.jobs as usize)
        .retries(a.retries)
        .ordered(false);

    let from_stdin = a.input.as_deref().is_none_or(|p| p.as_os_str() == "-");
    if from_stdin && settings.stdin_tty {
        return Err(usage(
            "no input: give a FILE of requests, or pipe them on stdin",
        ));
    }
    let reader = input::open(a.input.as_deref()).map_err(|e| {
        let p = a.input.as_deref().unwrap_or("-".as_ref());
        usage(format!("could not open the input `{}`: {e}", p.display()))
    })?;
    let (out, answered) = open_output(&a)?;
    let total = match &a.input {
        Some(p) if !from_stdin => input::count_lines(p),
        _ => Arc::new(AtomicU64::new(0)),
    };
    let mut tally = Tally::new(total);
    let mut progress = Progress::new(settings.progress_style(a.progress.progress));
    if let Some(answered) = &answered {
        if answered.dropped > 0 {
            progress.println(&format!(
                "ollama-rs: batch: resuming: {} line{} with errors or cut short taken out of the output, to be sent again",
                answered.dropped,
                if answered.dropped == 1 { "" } else { "s" }
            ));
        }
    }

    let interrupts = listen_for_ctrl_c();
    let requests = requests(reader, &a, answered, &pool, &tally, interrupts.clone());
    let mut writer = Writer::new(out, !a.unordered);
    let mut results = pool.run_tagged(requests);
    let mut cancelled = interrupts.clone();
    let mut stopping = interrupts.clone();
    let mut stop_said = false;
    let mut ticks = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            biased;
            _ = cancelled.wait_for(|n| *n >= 2) => {
                let in_flight: usize = pool.stats().iter().map(|s| s.in_flight).sum();
                progress.println(&format!(
                    "ollama-rs: batch: cancelled {in_flight} request{} in flight",
                    if in_flight == 1 { "" } else { "s" }
                ));
                break;
            }
            _ = stopping.wait_for(|n| *n >= 1), if !stop_said => {
                stop_said = true;
                progress.println(
                    "ollama-rs: batch: interrupted: no more requests are sent; waiting for those \
                     in flight (Ctrl-C again to cancel them)",
                );
            }
            next = results.next() => {
                let Some((tag, result)) = next else { break };
                let Tag {
                    seq,
                    id,
                    bad_line,
                    permit,
                } = tag;
                let (record, bad) = record(id, bad_line, result, &mut tally);
                if let Some(msg) = bad {
                    progress.println(&exit::scrub(&format!("ollama-rs: warning: {msg}")));
                }
                let mut line = serde_json::to_string(&record)?;
                line.push('\n');
                writer
                    .push(seq, line, permit)
                    .map_err(|e| anyhow::anyhow!("could not write the results: {e}"))?;
                progress.update(&tally, || shares(&pool.stats()));
            }
            _ = ticks.tick(), if progress.is_shown() => {
                progress.update(&tally, || shares(&pool.stats()));
            }
        }
    }
    let interrupted = *interrupts.borrow() > 0;
    drop(results);
    writer
        .flush_waiting()
        .map_err(|e| anyhow::anyhow!("could not write the results: {e}"))?;
    progress.finish(&tally, &shares(&pool.stats()));
    drop(progress);

    let skipped = tally.skipped.load(Ordering::Relaxed);
    let succeeded = tally.done - tally.failed;
    let mut summary = format!(
        "ollama-rs: batch: {} request{}, {succeeded} succeeded, {} failed",
        tally.done,
        if tally.done == 1 { "" } else { "s" },
        tally.failed
    );
    if skipped > 0 {
        summary += &format!(", {skipped} already answered");
    }
    if interrupted {
        summary += "; interrupted";
        if a.output.is_some() {
            summary += ": run it again with --resume to finish";
        }
    }
    summary.push('\n');
    let _ = io::stderr().lock().write_all(summary.as_bytes());
    Ok(ExitCode::from(if interrupted {
        exit::INTERRUPTED
    } else if tally.failed == 0 {
        exit::OK
    } else {
        exit::FAILED
    }))
}

/// The output (stdout or `-o FILE`) and, with `--resume`, what the file
/// already answers. Without `--resume`, a FILE that already holds results
/// is not overwritten.
fn open_output(a: &BatchArgs) -> Result<(Box<dyn Write>, Option<resume::Answered>)> {
    let Some(path) = &a.output else {
        if a.resume {
            return Err(usage(
                "--resume needs -o FILE, the output of the run to finish",
            ));
        }
        return Ok((Box::new(io::stdout()), None));
    };
    let shown = path.display();
    if a.resume {
        let answered = resume::prepare(path)
            .map_err(|e| usage(format!("could not read the output `{shown}`: {e}")))?;
        let file = resume::append(path)
            .map_err(|e| usage(format!("could not open the output `{shown}`: {e}")))?;
        return Ok((Box::new(file), Some(answered)));
    }
    if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() > 0) {
        return Err(usage(format!(
            "the output `{shown}` already holds results: add --resume to finish that job, \
             or remove the file to start again"
        )));
    }
    let file = std::fs::File::create(path)
        .map_err(|e| usage(format!("could not create the output `{shown}`: {e}")))?;
    Ok((Box::new(file), None))
}

/// Ctrl-C, counted: the first stops the dispatch, the second cancels what
/// is in flight. The default handling (exit at once) is off meanwhile.
fn listen_for_ctrl_c() -> Interrupts {
    let (tx, rx) = watch::channel(0u8);
    tokio::spawn(async move {
        for n in 1..=2 {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            let _ = tx.send(n);
        }
    });
    rx
}

/// The requests of the input, tagged: lines already answered (`--resume`)
/// left out; in order mode, each waits for room in the reorder buffer;
/// none after the first Ctrl-C.
fn requests(
    reader: Box<dyn io::BufRead + Send>,
    a: &BatchArgs,
    answered: Option<resume::Answered>,
    pool: &Pool,
    tally: &Tally,
    interrupts: Interrupts,
) -> impl futures_util::Stream<Item = (Tag, ollama_rs::Result<BatchRequest>)> + Send + 'static {
    let defaults = Defaults {
        endpoint: a.endpoint,
        model: a.model.clone(),
        prompt_lines: a.prompt_lines,
    };
    let answered = answered.map(|a| a.ids);
    let skipped = Arc::clone(&tally.skipped);
    // Room for the requests in flight and as many finished ones behind a
    // slow one.
    let room = (!a.unordered).then(|| Arc::new(Semaphore::new(2 * pool.max_in_flight())));
    let (tx, rx) = tokio::sync::mpsc::channel::<Line>(READ_AHEAD);
    std::thread::spawn(move || input::read_lines(reader, tx));
    let mut seq = 0u64;
    let mut stop = interrupts;
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|line| (line, rx))
    })
    .filter_map(move |(number, line)| {
        let (id, request) = match line {
            Ok(text) => input::parse_line(&text, number, &defaults),
            Err(e) => (json!(number), Err(format!("could not read the line: {e}"))),
        };
        let done = answered
            .as_ref()
            .is_some_and(|ids| ids.contains(&input::id_key(&id)));
        if done {
            skipped.fetch_add(1, Ordering::Relaxed);
        }
        let item = (!done).then(|| {
            let bad_line = request.is_err();
            let request =
                request.map_err(|msg| Error::InvalidRequest(format!("line {number}: {msg}")));
            (id, bad_line, request)
        });
        std::future::ready(item)
    })
    .then(move |(id, bad_line, request)| {
        let room = room.clone();
        let this = seq;
        seq += 1;
        async move {
            let permit = match room {
                Some(room) => room.acquire_owned().await.ok(),
                None => None,
            };
            let tag = Tag {
                seq: this,
                id,
                bad_line,
                permit,
            };
            (tag, request)
        }
    })
    .take_until(async move {
        let _ = stop.wait_for(|n| *n >= 1).await;
    })
}

/// The output line of a result, counted in `tally`, and the warning for a
/// bad input line.
fn record(
    id: Value,
    bad_line: bool,
    result: ollama_rs::Result<ollama_rs::BatchResponse>,
    tally: &mut Tally,
) -> (Record, Option<String>) {
    tally.done += 1;
    match result {
        Ok(response) => {
            tally.add_tokens(&response);
            (
                Record {
                    id,
                    response: Some(response),
                    error: None,
                },
                None,
            )
        }
        Err(e) => {
            tally.failed += 1;
            let status = e.status();
            let (message, warning) = match e {
                // A line that is no request: its message says so.
                Error::InvalidRequest(m) if bad_line => (m.clone(), Some(m)),
                Error::InvalidRequest(m) => (m, None),
                e => (exit::json_error(&anyhow::Error::new(e)), None),
            };
            let record = Record {
                id,
                response: None,
                error: Some(ErrorRecord { message, status }),
            };
            (record, warning)
        }
    }
}
