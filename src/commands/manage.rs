//! Model management: list, show, ps, cp, rm, stop, version.
//!
//! Human output follows the official `ollama` CLI (captures 82–95) except
//! that table lines carry no trailing spaces; `--json` prints the server's
//! documents (list, show, ps) or one object per model (cp, rm, stop).

use std::io::Write;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use ollama_rs::{Client, GenerateRequest, KeepAlive, ShowRequest};
use serde_json::{json, Value};

use super::names::{check_model, check_models};
use crate::cli::{CopyArgs, ListArgs, RemoveArgs, ShowArgs, SortKey, StopArgs};
use crate::exit::{self, about_local_model, about_model};
use crate::render::show::show_sections;
use crate::settings::Settings;
use crate::ui::format::{human_bytes, parse_rfc3339, relative_time, table};

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The ID column: the first 12 hex digits of the manifest digest.
fn short_id(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.chars().take(12).collect()
}

/// A whole document, indented, for `jq` and for people.
fn print_json(settings: &Settings, v: &impl serde::Serialize) -> Result<()> {
    let mut out = settings.stdout();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// One object on one line, for commands that report per model.
fn print_line(settings: &Settings, v: &Value) -> Result<()> {
    crate::ui::write_json_line(&mut settings.stdout(), v)
}

fn print_text(settings: &Settings, text: &str) -> Result<()> {
    let mut out = settings.stdout();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `list`.
pub async fn list(args: ListArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    let mut resp = client.list().await?;
    if let Some(prefix) = &args.prefix {
        let p = prefix.to_lowercase();
        resp.models
            .retain(|m| m.name().to_lowercase().starts_with(&p));
    }
    // Stable sorts, so that ties keep the server's order.
    match args.sort {
        Some(SortKey::Name) => resp.models.sort_by_key(|m| m.name().to_lowercase()),
        Some(SortKey::Size) => resp.models.sort_by_key(|m| std::cmp::Reverse(m.size)),
        Some(SortKey::Modified) => {
            let t = |m: &ollama_rs::ListModel| {
                m.modified_at
                    .as_deref()
                    .and_then(parse_rfc3339)
                    .unwrap_or(f64::MIN)
            };
            resp.models.sort_by(|a, b| t(b).total_cmp(&t(a)));
        }
        None => {}
    }
    if settings.json {
        print_json(settings, &resp)?;
        return Ok(ExitCode::SUCCESS);
    }
    let now = now();
    let rows: Vec<Vec<String>> = resp
        .models
        .iter()
        .map(|m| {
            // Cloud models take no local space.
            let size = if m.remote_host.is_some() {
                "-".to_string()
            } else {
                human_bytes(m.size)
            };
            let modified = m
                .modified_at
                .as_deref()
                .and_then(parse_rfc3339)
                .map_or_else(String::new, |t| relative_time(t, now));
            vec![m.name().to_string(), short_id(&m.digest), size, modified]
        })
        .collect();
    print_text(settings, &table(&["NAME", "ID", "SIZE", "MODIFIED"], &rows))?;
    Ok(ExitCode::SUCCESS)
}

/// `ps`.
pub async fn ps(client: &Client, settings: &Settings) -> Result<ExitCode> {
    let resp = client.ps().await?;
    if settings.json {
        print_json(settings, &resp)?;
        return Ok(ExitCode::SUCCESS);
    }
    let now = now();
    let rows: Vec<Vec<String>> = resp
        .models
        .iter()
        .map(|m| {
            vec![
                m.name().to_string(),
                short_id(&m.digest),
                human_bytes(m.size),
                processor(m.size, m.size_vram),
                m.context_length.map_or_else(String::new, |c| c.to_string()),
                until(m.expires_at.as_deref(), now),
            ]
        })
        .collect();
    let header = ["NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"];
    print_text(settings, &table(&header, &rows))?;
    Ok(ExitCode::SUCCESS)
}

/// The PROCESSOR column: where the model's memory is. The CPU share is the
/// rounded one, as in the official CLI.
pub fn processor(size: u64, vram: u64) -> String {
    if size == 0 || vram > size {
        "Unknown".into()
    } else if vram == 0 {
        "100% CPU".into()
    } else if vram == size {
        "100% GPU".into()
    } else {
        let cpu = ((size - vram) as f64 / size as f64 * 100.0).round() as u64;
        format!("{cpu}%/{}% CPU/GPU", 100 - cpu)
    }
}

/// The UNTIL column: `Stopping...` once the time has passed (the runner is
/// being unloaded), `Forever` for a model kept loaded indefinitely (the
/// server then reports a time centuries ahead), else `4 minutes from now`.
pub fn until(expires_at: Option<&str>, now: f64) -> String {
    const FOREVER: f64 = 20.0 * 365.0 * 86_400.0;
    match expires_at.and_then(parse_rfc3339) {
        None => String::new(),
        Some(t) if t <= now => "Stopping...".into(),
        Some(t) if t - now > FOREVER => "Forever".into(),
        Some(t) => relative_time(t, now),
    }
}

/// `show`.
pub async fn show(args: ShowArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    check_model(&args.model)?;
    // `verbose` is sent only when asked for, like every other default.
    let mut req = ShowRequest::new(args.model.as_str());
    if args.verbose {
        req = req.verbose(true);
    }
    let resp = about_model(client.show(req).await, "could not show", &args.model)?;
    if settings.json {
        print_json(settings, &resp)?;
        return Ok(ExitCode::SUCCESS);
    }
    let field = if args.modelfile {
        Some(&resp.modelfile)
    } else if args.parameters {
        Some(&resp.parameters)
    } else if args.template {
        Some(&resp.template)
    } else if args.system {
        Some(&resp.system)
    } else if args.license {
        Some(&resp.license)
    } else {
        None
    };
    match field {
        // A field the model does not have prints nothing, so that
        // `$(ollama-rs show m --system)` is empty rather than a blank line.
        Some(text) => {
            let text = text.as_deref().unwrap_or_default();
            if !text.is_empty() {
                let nl = if text.ends_with('\n') { "" } else { "\n" };
                print_text(settings, &format!("{text}{nl}"))?;
            }
        }
        None => print_text(settings, &show_sections(&resp, args.verbose))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `cp`.
pub async fn copy(args: CopyArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    check_model(&args.source)?;
    check_model(&args.destination)?;
    let result = about_model(
        client.copy(&args.source, &args.destination).await,
        "could not copy",
        &args.source,
    );
    match result {
        Ok(_) if settings.json => print_line(
            settings,
            &json!({"model": args.source, "destination": args.destination, "status": "copied"}),
        )?,
        Ok(_) => print_text(
            settings,
            &format!("copied '{}' to '{}'\n", args.source, args.destination),
        )?,
        Err(e) => {
            if settings.json {
                print_line(
                    settings,
                    &json!({"model": args.source, "destination": args.destination,
                            "error": exit::json_error(&e)}),
                )?;
            }
            return Err(e);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `act` on each model in turn and reports each outcome: on stdout
/// `<done> '<model>'` (when `print_done`) or a JSON line, on stderr the
/// error. One failure does not stop the others, except an unreachable
/// server, which would fail them all the same way (after a timeout each).
/// The status is that of the first failure.
async fn each_model<F, Fut>(
    models: &[String],
    settings: &Settings,
    (done, action, print_done): (&str, &str, bool),
    mut act: F,
) -> Result<ExitCode>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<(), ollama_rs::Error>>,
{
    let mut first_failure: Option<u8> = None;
    for model in models {
        match about_local_model(act(model.clone()).await, action, model) {
            Ok(()) if settings.json => {
                print_line(settings, &json!({"model": model, "status": done}))?
            }
            Ok(()) if print_done => print_text(settings, &format!("{done} '{model}'\n"))?,
            Ok(()) => {}
            Err(e) => {
                if settings.json {
                    print_line(
                        settings,
                        &json!({"model": model, "error": exit::json_error(&e)}),
                    )?;
                }
                let code = exit::code(&e);
                exit::report(&e, settings);
                first_failure.get_or_insert(code);
                if code == exit::UNREACHABLE {
                    break;
                }
            }
        }
    }
    Ok(ExitCode::from(first_failure.unwrap_or(exit::OK)))
}

/// An unload request: generate with no prompt and `keep_alive` 0.
fn unload(model: &str) -> GenerateRequest {
    GenerateRequest::load(model).keep_alive(KeepAlive::unload())
}

/// `rm`: unload each model, then delete it.
pub async fn remove(args: RemoveArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    check_models(&args.models)?;
    each_model(
        &args.models,
        settings,
        ("deleted", "could not remove", true),
        |model| async move {
            // A model that is not loaded, or cannot be (an embedding or a
            // cloud model), is still deleted: the unload is best effort, and
            // a missing model is reported by the delete.
            let _ = client.generate(unload(&model)).await;
            client.delete(&model).await.map(drop)
        },
    )
    .await
}

/// `stop`: unload models (`keep_alive` 0). Like the official CLI, it prints
/// nothing on success.
pub async fn stop(args: StopArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    check_models(&args.models)?;
    let models: Vec<String> = if args.all {
        let running = client.ps().await?;
        running
            .models
            .iter()
            .map(|m| m.name().to_string())
            .collect()
    } else {
        args.models
    };
    each_model(
        &models,
        settings,
        ("stopped", "could not stop", false),
        |model| async move { client.generate(unload(&model)).await.map(drop) },
    )
    .await
}

/// `version`: the client's version, and the server's when it answers.
pub async fn version(client: &Client, settings: &Settings) -> Result<ExitCode> {
    let client_version = env!("CARGO_PKG_VERSION");
    let server = client.version().await;
    // A server that answers without a version (a proxy, a stand-in) has
    // none to show.
    let server_version = server
        .as_ref()
        .ok()
        .map(|v| v.version.clone())
        .filter(|v| !v.is_empty());
    if settings.json {
        print_line(
            settings,
            &json!({"client": client_version, "server": server_version}),
        )?;
    } else {
        let mut text = format!("client version: {client_version}\n");
        match (&server, &server_version) {
            (_, Some(v)) => text.push_str(&format!("server version: {v}\n")),
            (Ok(_), None) => text.push_str("server version: unknown (the server did not say)\n"),
            (Err(_), None) => {}
        }
        print_text(settings, &text)?;
    }
    match server {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            let e = anyhow::Error::new(e).context("could not get the server's version");
            exit::warn(&e, settings);
            Ok(ExitCode::from(exit::code(&e)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processor_column() {
        assert_eq!(processor(100, 100), "100% GPU");
        assert_eq!(processor(7_822_376, 0), "100% CPU");
        assert_eq!(processor(100, 52), "48%/52% CPU/GPU");
        // The CPU share is the one rounded: 48.5% CPU shows as 49%.
        assert_eq!(processor(1000, 515), "49%/51% CPU/GPU");
        assert_eq!(processor(1000, 1), "100%/0% CPU/GPU");
        assert_eq!(processor(100, 101), "Unknown");
        assert_eq!(processor(0, 0), "Unknown");
    }

    #[test]
    fn until_column() {
        let now = parse_rfc3339("2026-01-01T00:00:00Z").unwrap();
        let at = |s: &str| until(Some(s), now);
        assert_eq!(at("2026-01-01T00:04:10Z"), "4 minutes from now");
        assert_eq!(at("2026-01-01T00:04:10+01:00"), "Stopping...");
        assert_eq!(at("2025-12-31T23:59:59Z"), "Stopping...");
        assert_eq!(at("2026-01-01T00:00:00Z"), "Stopping...");
        assert_eq!(at("0001-01-01T00:00:00Z"), "Stopping...");
        // keep_alive -1: Go's largest duration, about 292 years ahead.
        assert_eq!(at("2318-04-11T23:47:16.854775807Z"), "Forever");
        assert_eq!(at("2036-01-01T00:00:00Z"), "10 years from now");
        assert_eq!(at("not a time"), "");
        assert_eq!(until(None, now), "");
    }
}
