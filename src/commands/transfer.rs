//! `pull` and `push`: progress streams rendered by [`Progress`] (through
//! [`drive`]), with stall detection and retries for pull.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use ollama_rs::{Client, PullRequest, PushRequest};

use super::names::{check_model, check_models};
use crate::cli::{PullArgs, PushArgs};
use crate::exit;
use crate::render::progress::{drive, outcome, say, NoSuccess, Stalled};
use crate::settings::Settings;
use crate::ui::progress::{Activity, Progress, Style};

/// A failed pull attempt, and whether trying again may help.
struct Failed {
    error: anyhow::Error,
    /// Why another attempt may succeed (`no progress for 60s`), if it may.
    retry: Option<String>,
}

/// One pull request, from the first byte to `success`.
async fn pull_once(
    client: &Client,
    model: &str,
    insecure: bool,
    style: Style,
    stall: Duration,
) -> Result<(), Failed> {
    let stalled = |e: Stalled| Failed {
        retry: Some(e.to_string()),
        error: e.into(),
    };
    let mut progress = Progress::new(style, true);
    let req = PullRequest::new(model).insecure(insecure);
    let stream = tokio::time::timeout(stall, client.pull_stream(req))
        .await
        .map_err(|_| stalled(Stalled(stall)))?
        .map_err(|e| Failed {
            error: e.into(),
            retry: None,
        })?;
    let r = drive(stream, &mut progress, Some(stall)).await;
    progress.end(r.is_ok());
    r.map_err(|error| {
        let retry = if let Some(s) = error.downcast_ref::<Stalled>() {
            Some(s.to_string())
        } else if error.downcast_ref::<NoSuccess>().is_some() {
            Some("the stream ended early".to_string())
        } else if matches!(
            error.downcast_ref::<ollama_rs::Error>(),
            Some(ollama_rs::Error::Http { .. })
        ) {
            // The connection broke mid-download; the server keeps what it
            // has and resumes.
            Some("the connection broke".to_string())
        } else {
            None
        };
        Failed { error, retry }
    })
}

/// Pulls one model, re-issuing the pull when it stalls or breaks.
async fn pull_one(client: &Client, model: &str, a: &PullArgs, style: Style) -> Result<()> {
    let _activity = Activity::begin(format!("pulling `{model}`"));
    let stall = Duration::from_secs_f64(a.stall_timeout);
    let mut attempt = 0;
    loop {
        match pull_once(client, model, a.insecure, style, stall).await {
            Ok(()) => return Ok(()),
            Err(Failed {
                error,
                retry: Some(why),
            }) => {
                if attempt == a.retries {
                    let error = if a.retries > 0 {
                        error.context(format!(
                            "gave up after {} {}",
                            a.retries,
                            if a.retries == 1 { "retry" } else { "retries" }
                        ))
                    } else {
                        error
                    };
                    return Err(error);
                }
                attempt += 1;
                say(&format!(
                    "pulling '{model}': {why}; retrying ({attempt}/{})",
                    a.retries
                ));
            }
            Err(Failed { error, retry: None }) => return Err(error),
        }
    }
}

/// `pull`.
pub async fn pull(a: PullArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    check_models(&a.models)?;
    let models: Vec<String> = if a.all {
        let listed = client
            .list()
            .await
            .map_err(|e| anyhow::Error::new(e).context("could not list the local models"))?;
        listed.models.iter().map(|m| m.name().to_string()).collect()
    } else {
        a.models.clone()
    };
    if models.is_empty() {
        say("no local models to pull");
        return Ok(ExitCode::SUCCESS);
    }
    let style = settings.progress_style(a.progress.progress);
    let mut first_failure: Option<u8> = None;
    for model in &models {
        // No "try `ollama-rs pull`" hint here: that is what failed.
        match pull_one(client, model, &a, style).await {
            Ok(()) => outcome(style, &format!("pulled '{model}'")),
            Err(e) => {
                let e = e.context(format!("could not pull `{model}`"));
                if models.len() == 1 {
                    return Err(e);
                }
                first_failure.get_or_insert(exit::code(&e));
                exit::report(&e, settings);
            }
        }
    }
    Ok(ExitCode::from(first_failure.unwrap_or(exit::OK)))
}

/// `push`.
pub async fn push(a: PushArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    check_model(&a.model)?;
    let _activity = Activity::begin(format!("pushing `{}`", a.model));
    let style = settings.progress_style(a.progress.progress);
    let context = || format!("could not push `{}`", a.model);
    let mut progress = Progress::new(style, false);
    let req = PushRequest::new(a.model.as_str()).insecure(a.insecure);
    let stream = client
        .push_stream(req)
        .await
        .map_err(|e| anyhow::Error::new(e).context(context()))?;
    let r = drive(stream, &mut progress, None).await;
    progress.end(r.is_ok());
    r.map_err(|e| e.context(context()))?;
    outcome(style, &format!("pushed '{}'", a.model));
    Ok(ExitCode::SUCCESS)
}
