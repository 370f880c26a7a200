//! A progress stream (pull, push, create) driven to its end into a
//! [`Progress`] display, and the line that says how it ended. Shared by
//! `pull`, `push`, `create` and the interactive chat (which pulls a
//! missing model and saves models).

use std::io::Write;
use std::time::Duration;

use anyhow::Result;
use futures_util::StreamExt;
use ollama_rs::{ProgressResponse, ResponseStream};

use crate::exit::{self, about_model, PULL_ACTION};
use crate::ui::progress::{Progress, Style};

/// The model was not finished: the stream ended without `success`.
#[derive(Debug, thiserror::Error)]
#[error("the server ended the stream without reporting success")]
pub struct NoSuccess;

/// No progress arrived for the stall timeout.
#[derive(Debug, thiserror::Error)]
#[error("no progress for {}", seconds(*.0))]
pub struct Stalled(pub Duration);

/// `0.3s`, `60s`.
fn seconds(d: Duration) -> String {
    format!("{}s", d.as_secs_f64())
}

/// The status after which the server hashes what it downloaded, sending
/// nothing until it is done: minutes for a large model, which is not a
/// stall.
const VERIFYING: &str = "verifying sha256 digest";

/// Drives a progress stream to its end. Returns `Ok` only when the server
/// reported `success`. With `stall`, fails with [`Stalled`] when no line
/// arrives for that long (except while the server verifies a download).
pub async fn drive(
    mut stream: ResponseStream<ProgressResponse>,
    progress: &mut Progress,
    stall: Option<Duration>,
) -> Result<()> {
    let mut success = false;
    let mut stall = stall;
    loop {
        let next = match stall {
            Some(d) => tokio::time::timeout(d, stream.next())
                .await
                .map_err(|_| Stalled(d))?,
            None => stream.next().await,
        };
        let Some(item) = next else { break };
        let p = match item {
            Ok(p) => p,
            Err(e) => {
                if let ollama_rs::Error::Stream { message } = &e {
                    // A server may echo what it was sent: never a credential.
                    progress.error_line(&exit::scrub(message))?;
                }
                return Err(e.into());
            }
        };
        progress.update(&p)?;
        if p.status == VERIFYING {
            stall = None;
        }
        if p.status == "success" {
            success = true;
        }
    }
    if success {
        Ok(())
    } else {
        Err(NoSuccess.into())
    }
}

/// Pulls a model that is missing, as `ollama run` does before it answers:
/// progress in `style` (bars or lines on stderr), cleared at the end. The
/// interactive chat and the one-shot `chat`/`run` share it.
pub async fn pull_missing(client: &ollama_rs::Client, model: &str, style: Style) -> Result<()> {
    let mut progress = Progress::new(style, true);
    let req = ollama_rs::PullRequest::new(model);
    let r = match about_model(client.pull_stream(req).await, PULL_ACTION, model) {
        Ok(stream) => drive(stream, &mut progress, None).await,
        Err(e) => Err(e),
    };
    progress.clear();
    r.map_err(|e| {
        if e.downcast_ref::<exit::ModelContext>().is_some() {
            e
        } else {
            e.context(exit::ModelContext {
                action: PULL_ACTION.into(),
                model: model.to_string(),
            })
        }
    })
}

/// The one line that says how it ended; `--json` keeps stderr for errors.
pub fn outcome(style: Style, line: &str) {
    if style != Style::Json {
        say(line);
    }
}

/// A line on stderr; a closed stderr is no reason to fail.
pub fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}
