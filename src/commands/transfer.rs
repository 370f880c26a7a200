//! `pull`, `push` and `create`: progress streams rendered by
//! [`Progress`], with stall detection and retries for pull.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use futures_util::StreamExt;
use ollama_rs::{Client, ProgressResponse, PullRequest, PushRequest, ResponseStream};

use crate::cli::{PullArgs, PushArgs};
use crate::exit::{self, about_model};
use crate::ui::progress::{Progress, Style};
use crate::ui::Ui;

pub use super::create::create;

/// The model was not finished: the stream ended without `success`.
#[derive(Debug, thiserror::Error)]
#[error("the server ended the stream without reporting success")]
pub struct NoSuccess;

/// No progress arrived for the stall timeout.
#[derive(Debug, thiserror::Error)]
#[error("no progress for {0} seconds")]
pub struct Stalled(pub u64);

/// Drives a progress stream to its end. Returns `Ok` only when the server
/// reported `success`.
pub async fn drive(
    mut stream: ResponseStream<ProgressResponse>,
    progress: &mut Progress,
    stall: Option<Duration>,
) -> Result<()> {
    let mut success = false;
    loop {
        let next = match stall {
            Some(d) => match tokio::time::timeout(d, stream.next()).await {
                Ok(n) => n,
                Err(_) => return Err(Stalled(d.as_secs()).into()),
            },
            None => stream.next().await,
        };
        let Some(item) = next else { break };
        let p = item?;
        progress.update(&p)?;
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

fn outcome(ui: &Ui, style: Style, line: &str) {
    if style != Style::Json && !line.is_empty() {
        let _ = ui;
        let _ = writeln!(std::io::stderr(), "{line}");
    }
}

/// `pull`.
pub async fn pull(a: PullArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    let models: Vec<String> = if a.all {
        client
            .list()
            .await?
            .models
            .iter()
            .map(|m| m.name().to_string())
            .collect()
    } else {
        a.models.clone()
    };
    let style = Style::resolve(a.progress.progress, ui);
    let stall = Duration::from_secs_f64(a.stall_timeout);
    let mut first_failure: Option<u8> = None;
    for model in &models {
        let mut attempt = 0;
        let result = loop {
            let mut progress = Progress::new(style, true);
            let req = PullRequest::new(model.as_str()).insecure(a.insecure);
            let r = match about_model(client.pull_stream(req).await, "could not pull", model) {
                Ok(stream) => drive(stream, &mut progress, Some(stall)).await,
                Err(e) => Err(e),
            };
            progress.clear();
            match r {
                Err(e) if e.downcast_ref::<Stalled>().is_some() && attempt < a.retries => {
                    attempt += 1;
                    eprintln!(
                        "pulling {model}: no progress for {}s, retrying ({attempt}/{})",
                        a.stall_timeout, a.retries
                    );
                }
                other => break other,
            }
        };
        match result {
            Ok(()) => outcome(ui, style, &format!("pulled '{model}'")),
            Err(e) => {
                let e = if e.downcast_ref::<exit::ModelContext>().is_some() {
                    e
                } else {
                    e.context(exit::ModelContext {
                        action: "could not pull".into(),
                        model: model.clone(),
                    })
                };
                if models.len() == 1 {
                    return Err(e);
                }
                first_failure.get_or_insert(exit::code(&e));
                exit::report(&e, ui);
            }
        }
    }
    Ok(ExitCode::from(first_failure.unwrap_or(exit::OK)))
}

/// `push`.
pub async fn push(a: PushArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    let style = Style::resolve(a.progress.progress, ui);
    let mut progress = Progress::new(style, false);
    let req = PushRequest::new(a.model.as_str()).insecure(a.insecure);
    let stream = about_model(client.push_stream(req).await, "could not push", &a.model)?;
    let r = drive(stream, &mut progress, None).await;
    progress.clear();
    r.map_err(|e| {
        e.context(exit::ModelContext {
            action: "could not push".into(),
            model: a.model.clone(),
        })
    })?;
    outcome(ui, style, &format!("pushed '{}'", a.model));
    Ok(ExitCode::SUCCESS)
}
