//! `embed`: inputs from the arguments or stdin (one per line, so that
//! output line N is the vector of input line N; a blank line is refused,
//! naming its number, since skipping it would shift every later line and
//! embedding it would give a meaningless vector), sent in batches of `--batch-size`, printed as one JSON array
//! per input, in input order. With `--json`, the server's whole response
//! object is printed instead, one line per batch.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ollama_rs::{Client, EmbedRequest};

use super::names::check_model;
use crate::cli::EmbedArgs;
use crate::exit::{about_model, usage};
use crate::settings::request::{parse_keep_alive, parse_options};
use crate::settings::Settings;

/// `embed`.
pub async fn run(a: EmbedArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    check_model(&a.model)?;
    let options = parse_options(&a.options)?;
    let keep_alive = a.keep_alive.as_deref().map(parse_keep_alive).transpose()?;
    let inputs: Vec<String> = if !a.input.is_empty() {
        a.input.clone()
    } else if settings.stdin_tty {
        return Err(usage(
            "no input: give texts as arguments or on stdin, one per line",
        ));
    } else {
        let mut lines = Vec::new();
        for line in io::stdin().lock().lines() {
            lines.push(line.map_err(|e| usage(format!("could not read stdin: {e}")))?);
        }
        stdin_inputs(lines)?
    };
    if let Some(n) = inputs.iter().position(|t| t.trim().is_empty()) {
        return Err(usage(format!(
            "input {} is blank: give a text for each argument",
            n + 1
        )));
    }
    let truncate = if a.no_truncate {
        Some(false)
    } else if a.truncate {
        Some(true)
    } else {
        None
    };
    let batch = a.batch_size as usize;
    let batches = inputs.len().div_ceil(batch);
    let bar = if settings.stderr_tty && !settings.json && batches > 1 {
        let b =
            ProgressBar::with_draw_target(Some(inputs.len() as u64), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template("embedding {pos}/{len} {wide_bar} {eta}")
                .expect("valid template"),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let mut out = settings.stdout();
    let sent = async {
        for chunk in inputs.chunks(batch) {
            let mut req = EmbedRequest::new(a.model.as_str(), chunk.to_vec());
            req.truncate = truncate;
            req.dimensions = a.dimensions;
            req.options = options.clone();
            req.keep_alive = keep_alive.clone();
            if settings.json {
                // As plain JSON, so that fields newer than the typed
                // response are printed too.
                let resp: serde_json::Value = about_model(
                    client.post_as("/api/embed", &req).await,
                    "could not embed with",
                    &a.model,
                )?;
                crate::ui::write_json_line(&mut out, &resp)?;
            } else {
                let resp = about_model(client.embed(req).await, "could not embed with", &a.model)?;
                // Output line N must belong to input N.
                if resp.embeddings.len() != chunk.len() {
                    anyhow::bail!(
                        "the server returned {} embeddings for {} inputs",
                        resp.embeddings.len(),
                        chunk.len()
                    );
                }
                for v in &resp.embeddings {
                    serde_json::to_writer(&mut out, v)?;
                    out.write_all(b"\n")?;
                }
            }
            out.flush()?;
            bar.inc(chunk.len() as u64);
        }
        anyhow::Ok(())
    }
    .await;
    bar.finish_and_clear();
    sent?;
    Ok(ExitCode::SUCCESS)
}

/// The inputs of stdin, one per line: a blank line is a usage error that
/// names its line number, and so is a stdin with no text at all.
fn stdin_inputs(lines: Vec<String>) -> Result<Vec<String>> {
    if lines.iter().all(|l| l.trim().is_empty()) {
        return Err(usage("stdin is empty: give one input per line"));
    }
    if let Some(n) = lines.iter().position(|l| l.trim().is_empty()) {
        return Err(usage(format!(
            "stdin line {} is blank: each line is one input and gets one output line; \
             remove blank lines first (e.g. grep -v '^[[:space:]]*$')",
            n + 1
        )));
    }
    Ok(lines)
}
