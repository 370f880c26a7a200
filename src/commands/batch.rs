//! `batch`: JSON-line requests from a file or stdin, sent through an
//! [`ollama_rs::Pool`] over the servers of `--hosts` (or `--host`), with one
//! JSON line out per request. See `batch --help` (`cli/batch.rs`) for the
//! rules.
//!
//! The input is read on a thread of its own into a small bounded channel,
//! so that a slow pipe never blocks the runtime and a large file is never
//! held whole.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use futures_util::{stream, StreamExt};
use ollama_rs::{
    BatchRequest, BatchResponse, ChatRequest, EmbedRequest, Error, GenerateRequest, Message, Pool,
};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::cli::{BatchArgs, Endpoint};
use crate::exit::{self, usage};
use crate::settings::connection::Connection;
use crate::settings::Settings;

/// Lines read ahead of the pool.
const READ_AHEAD: usize = 64;

/// What lines that say nothing of it default to.
#[derive(Debug)]
struct Defaults {
    endpoint: Option<Endpoint>,
    model: Option<String>,
    prompt_lines: bool,
}

/// `batch`.
/// The servers of `--hosts` (or `OLLAMA_HOSTS`), blanks left out; empty
/// for the one server of `--host`.
pub fn hosts(a: &BatchArgs) -> Vec<String> {
    a.hosts
        .iter()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .collect()
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
    let pool = Pool::from_clients(clients)?
        .concurrency(a.jobs as usize)
        .retries(a.retries)
        .ordered(!a.unordered);

    let stdin = a.input.as_deref().is_none_or(|p| p.as_os_str() == "-");
    if stdin && settings.stdin_tty {
        return Err(usage(
            "no input: give a FILE of requests, or pipe them on stdin",
        ));
    }
    let input: Box<dyn BufRead + Send> = match a.input.as_deref() {
        Some(p) if !stdin => {
            Box::new(BufReader::new(File::open(p).map_err(|e| {
                usage(format!("could not open the input `{}`: {e}", p.display()))
            })?))
        }
        _ => Box::new(BufReader::new(io::stdin())),
    };
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(File::create(p).map_err(|e| {
            usage(format!(
                "could not create the output `{}`: {e}",
                p.display()
            ))
        })?),
        None => Box::new(io::stdout()),
    };

    let defaults = Arc::new(Defaults {
        endpoint: a.endpoint,
        model: a.model.clone(),
        prompt_lines: a.prompt_lines,
    });
    let warn_settings = settings.clone();
    let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD);
    std::thread::spawn(move || read_lines(input, tx));
    let requests = stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|line| (line, rx))
    })
    .map(move |(number, line): (usize, io::Result<String>)| {
        let (id, request) = match line {
            Ok(text) => parse_line(&text, number, &defaults),
            Err(e) => (json!(number), Err(format!("could not read the line: {e}"))),
        };
        let request = request.map_err(|msg| {
            exit::warn(&anyhow::anyhow!("line {number}: {msg}"), &warn_settings);
            Error::InvalidRequest(format!("line {number}: {msg}"))
        });
        (id, request)
    });

    let (mut succeeded, mut failed) = (0usize, 0usize);
    let mut results = pool.run_tagged(requests);
    while let Some((id, result)) = results.next().await {
        let record = match result {
            Ok(response) => {
                succeeded += 1;
                Record {
                    id,
                    response: Some(response),
                    error: None,
                }
            }
            Err(e) => {
                failed += 1;
                let status = e.status();
                let message = match e {
                    // A line that is no request: its message says so.
                    Error::InvalidRequest(m) => m,
                    e => exit::json_error(&anyhow::Error::new(e)),
                };
                Record {
                    id,
                    response: None,
                    error: Some(ErrorRecord { message, status }),
                }
            }
        };
        let mut line = serde_json::to_string(&record)?;
        line.push('\n');
        // One write per line, then flushed: an interrupted run never
        // leaves half a line.
        out.write_all(line.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| anyhow::anyhow!("could not write the results: {e}"))?;
    }
    let total = succeeded + failed;
    let summary = format!(
        "ollama-rs: batch: {total} request{}, {succeeded} succeeded, {failed} failed\n",
        if total == 1 { "" } else { "s" }
    );
    let _ = io::stderr().lock().write_all(summary.as_bytes());
    Ok(ExitCode::from(if failed == 0 {
        exit::OK
    } else {
        exit::FAILED
    }))
}

/// One output line. (Serialized directly, not through a `Value`, so that
/// the vectors' `f32`s keep their short form.)
#[derive(Serialize)]
struct Record {
    id: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<BatchResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorRecord>,
}

/// The `error` of an output line.
#[derive(Serialize)]
struct ErrorRecord {
    message: String,
    /// The HTTP status, when the server answered.
    status: Option<u16>,
}

/// Sends each line that is not blank, with its number (from 1), until the
/// input ends or the receiver is gone.
fn read_lines(
    mut input: Box<dyn BufRead + Send>,
    tx: tokio::sync::mpsc::Sender<(usize, io::Result<String>)>,
) {
    let mut number = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        number += 1;
        let item = match input.read_until(b'\n', &mut buf) {
            Ok(0) => return,
            Ok(_) => match String::from_utf8(std::mem::take(&mut buf)) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => Ok(text),
                Err(_) => Err(io::Error::new(io::ErrorKind::InvalidData, "not UTF-8")),
            },
            Err(e) => Err(e),
        };
        let stop =
            item.is_err() && !matches!(&item, Err(e) if e.kind() == io::ErrorKind::InvalidData);
        if tx.blocking_send((number, item)).is_err() || stop {
            return;
        }
    }
}

/// A line's id (its own, else its number) and its request, or why it is
/// not one.
fn parse_line(
    text: &str,
    number: usize,
    d: &Defaults,
) -> (Value, std::result::Result<BatchRequest, String>) {
    let text = text.trim_end_matches(['\n', '\r']);
    if d.prompt_lines {
        let model = d.model.clone().unwrap_or_default();
        let request = match d.endpoint.unwrap_or(Endpoint::Generate) {
            Endpoint::Generate => GenerateRequest::new(model, text).into(),
            Endpoint::Chat => ChatRequest::new(model, [Message::user(text)]).into(),
            Endpoint::Embed => EmbedRequest::new(model, text).into(),
        };
        return (json!(number), Ok(request));
    }
    let mut fields: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return (json!(number), Err("not a JSON object".into())),
        Err(e) => return (json!(number), Err(format!("not JSON: {e}"))),
    };
    let id = fields.remove("id").unwrap_or_else(|| json!(number));
    let endpoint = match fields.remove("endpoint") {
        Some(Value::String(s)) => match s.as_str() {
            "generate" => Endpoint::Generate,
            "chat" => Endpoint::Chat,
            "embed" => Endpoint::Embed,
            _ => {
                return (
                    id,
                    Err(format!("unknown endpoint `{s}` (generate, chat or embed)")),
                )
            }
        },
        Some(_) => return (id, Err("\"endpoint\" must be a string".into())),
        None => match d.endpoint {
            Some(e) => e,
            None => {
                return (
                    id,
                    Err("no endpoint: give \"endpoint\" or --endpoint".into()),
                )
            }
        },
    };
    if !fields.contains_key("model") {
        match &d.model {
            Some(m) => {
                fields.insert("model".into(), json!(m));
            }
            None => return (id, Err("no model: give \"model\" or --model".into())),
        }
    }
    let value = Value::Object(fields);
    let request = match endpoint {
        Endpoint::Generate => serde_json::from_value::<GenerateRequest>(value).map(Into::into),
        Endpoint::Chat => serde_json::from_value::<ChatRequest>(value).map(Into::into),
        Endpoint::Embed => serde_json::from_value::<EmbedRequest>(value).map(Into::into),
    };
    let name = match endpoint {
        Endpoint::Generate => "generate",
        Endpoint::Chat => "chat",
        Endpoint::Embed => "embed",
    };
    (
        id,
        request.map_err(|e| format!("not a valid {name} request: {e}")),
    )
}
