//! Model management: list, show, ps, cp, rm, stop, version.

use std::io::Write;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use ollama_rs::{Client, GenerateRequest, KeepAlive, ShowRequest};
use serde_json::json;

use crate::cli::{CopyArgs, ListArgs, RemoveArgs, ShowArgs, SortKey, StopArgs};
use crate::exit::{self, about_model};
use crate::ui::format::{human_bytes, parse_rfc3339, relative_time, table};
use crate::ui::Ui;

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn short_id(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.chars().take(12).collect()
}

fn print_json(ui: &Ui, v: &impl serde::Serialize) -> Result<()> {
    let mut out = ui.stdout();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// `list`.
pub async fn list(args: ListArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    let mut resp = client.list().await?;
    if let Some(prefix) = &args.prefix {
        let p = prefix.to_lowercase();
        resp.models
            .retain(|m| m.name().to_lowercase().starts_with(&p));
    }
    match args.sort {
        Some(SortKey::Name) => resp.models.sort_by_key(|m| m.name().to_lowercase()),
        Some(SortKey::Size) => resp.models.sort_by_key(|m| std::cmp::Reverse(m.size)),
        Some(SortKey::Modified) => resp.models.sort_by(|a, b| {
            let t = |m: &ollama_rs::ListModel| {
                m.modified_at
                    .as_deref()
                    .and_then(parse_rfc3339)
                    .unwrap_or(0.0)
            };
            t(b).total_cmp(&t(a))
        }),
        None => {}
    }
    if ui.json {
        print_json(ui, &resp)?;
        return Ok(ExitCode::SUCCESS);
    }
    let now = now();
    let rows: Vec<Vec<String>> = resp
        .models
        .iter()
        .map(|m| {
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
    let mut out = ui.stdout();
    out.write_all(table(&["NAME", "ID", "SIZE", "MODIFIED"], &rows).as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `ps`.
pub async fn ps(client: &Client, ui: &Ui) -> Result<ExitCode> {
    let resp = client.ps().await?;
    if ui.json {
        print_json(ui, &resp)?;
        return Ok(ExitCode::SUCCESS);
    }
    let now = now();
    let rows: Vec<Vec<String>> = resp
        .models
        .iter()
        .map(|m| {
            let processor = processor(m.size, m.size_vram);
            let until =
                m.expires_at
                    .as_deref()
                    .and_then(parse_rfc3339)
                    .map_or_else(String::new, |t| {
                        if t - now > 20.0 * 365.0 * 86400.0 {
                            "Forever".to_string()
                        } else if t <= now {
                            "Stopping...".to_string()
                        } else {
                            relative_time(t, now)
                        }
                    });
            let context = m.context_length.map_or_else(String::new, |c| c.to_string());
            vec![
                m.name().to_string(),
                short_id(&m.digest),
                human_bytes(m.size),
                processor,
                context,
                until,
            ]
        })
        .collect();
    let mut out = ui.stdout();
    out.write_all(
        table(
            &["NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL"],
            &rows,
        )
        .as_bytes(),
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The PROCESSOR column: where the model's memory is.
pub fn processor(size: u64, vram: u64) -> String {
    if size == 0 || vram > size {
        "Unknown".into()
    } else if vram == size {
        "100% GPU".into()
    } else if vram == 0 {
        "100% CPU".into()
    } else {
        let gpu = (vram as f64 / size as f64 * 100.0).round() as u64;
        format!("{}%/{}% CPU/GPU", 100 - gpu, gpu)
    }
}

/// `show`.
pub async fn show(args: ShowArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    let req = ShowRequest::new(args.model.as_str()).verbose(args.verbose);
    let resp = about_model(client.show(req).await, "could not show", &args.model)?;
    if ui.json {
        print_json(ui, &resp)?;
        return Ok(ExitCode::SUCCESS);
    }
    let field = if args.modelfile {
        Some(resp.modelfile.clone())
    } else if args.parameters {
        Some(resp.parameters.clone())
    } else if args.template {
        Some(resp.template.clone())
    } else if args.system {
        Some(resp.system.clone())
    } else if args.license {
        Some(resp.license.clone())
    } else {
        None
    };
    let mut out = ui.stdout();
    if let Some(text) = field {
        let text = text.unwrap_or_default();
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            writeln!(out)?;
        }
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    out.write_all(show_sections(&resp, args.verbose).as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn section(title: &str, rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut s = format!("  {title}\n");
    // A table with an empty header row, indented by four.
    let header: Vec<&str> = vec![""; rows[0].len()];
    for line in table(&header, rows).lines().skip(1) {
        s.push_str("    ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    s
}

/// The sections `show` prints: model, capabilities, parameters, ...
pub(crate) fn show_sections(r: &ollama_rs::ShowResponse, verbose: bool) -> String {
    let mut model = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            model.push(vec![k.to_string(), v]);
        }
    };
    push("architecture", r.architecture().map(str::to_string));
    push(
        "parameters",
        r.details.as_ref().map(|d| d.parameter_size.clone()),
    );
    push("context length", r.context_length().map(|v| v.to_string()));
    push(
        "embedding length",
        r.embedding_length().map(|v| v.to_string()),
    );
    push(
        "quantization",
        r.details.as_ref().map(|d| d.quantization_level.clone()),
    );
    let mut s = section("Model", &model);
    let caps: Vec<Vec<String>> = r.capabilities.iter().map(|c| vec![c.clone()]).collect();
    s.push_str(&section("Capabilities", &caps));
    if let Some(p) = &r.projector_info {
        let get = |k: &str| {
            p.iter()
                .find(|(key, _)| key.ends_with(k))
                .map(|(_, v)| v.to_string())
        };
        let mut rows = Vec::new();
        for (label, key) in [
            ("architecture", "general.architecture"),
            ("parameters", "general.parameter_count"),
            ("embedding length", ".embedding_length"),
            ("dimensions", ".projection_dim"),
        ] {
            if let Some(v) = get(key) {
                rows.push(vec![label.to_string(), v.trim_matches('"').to_string()]);
            }
        }
        s.push_str(&section("Projector", &rows));
    }
    if let Some(params) = &r.parameters {
        let rows: Vec<Vec<String>> = params
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(char::is_whitespace)?;
                Some(vec![k.to_string(), v.trim().to_string()])
            })
            .collect();
        s.push_str(&section("Parameters", &rows));
    }
    if let Some(system) = r.system.as_deref().filter(|t| !t.is_empty()) {
        s.push_str(&text_section("System", system));
    }
    if let Some(license) = r.license.as_deref().filter(|t| !t.is_empty()) {
        s.push_str(&text_section("License", license));
    }
    if verbose {
        if let Some(info) = &r.model_info {
            let rows: Vec<Vec<String>> = info
                .iter()
                .map(|(k, v)| vec![k.clone(), compact(v)])
                .collect();
            s.push_str(&section("Metadata", &rows));
        }
        if let Some(tensors) = &r.tensors {
            let rows: Vec<Vec<String>> = tensors
                .iter()
                .map(|t| vec![t.name.clone(), t.r#type.clone(), format!("{:?}", t.shape)])
                .collect();
            s.push_str(&section("Tensors", &rows));
        }
    }
    s
}

fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A free-text section: the first two lines, then `...` when there is more.
fn text_section(title: &str, text: &str) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    let mut s = format!("  {title}\n");
    for l in lines.iter().take(2) {
        s.push_str(&format!("    {l}\n"));
    }
    if lines.len() > 2 {
        s.push_str("    ...\n");
    }
    s.push('\n');
    s
}

/// `cp`.
pub async fn copy(args: CopyArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    about_model(
        client.copy(&args.source, &args.destination).await,
        "could not copy",
        &args.source,
    )
    .inspect_err(|e| {
        if ui.json {
            let _ = print_line(
                ui,
                &json!({"model": args.source, "error": e.root_cause().to_string()}),
            );
        }
    })?;
    if ui.json {
        print_line(
            ui,
            &json!({"model": args.source, "destination": args.destination, "status": "copied"}),
        )?;
    } else {
        let mut out = ui.stdout();
        writeln!(out, "copied '{}' to '{}'", args.source, args.destination)?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_line(ui: &Ui, v: &serde_json::Value) -> Result<()> {
    let mut out = ui.stdout();
    serde_json::to_writer(&mut out, v)?;
    writeln!(out)?;
    out.flush()?;
    Ok(())
}

/// Reports each model's outcome and returns the first failure's status.
async fn each_model<F, Fut>(
    models: &[String],
    ui: &Ui,
    done: &str,
    action: &str,
    mut f: F,
) -> Result<ExitCode>
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Result<bool, ollama_rs::Error>>,
{
    let mut first_failure: Option<u8> = None;
    for model in models {
        match f(model.clone()).await {
            Ok(printed) => {
                if ui.json {
                    print_line(ui, &json!({"model": model, "status": done}))?;
                } else if printed {
                    let mut out = ui.stdout();
                    writeln!(out, "{done} '{model}'")?;
                    out.flush()?;
                }
            }
            Err(e) => {
                let e = about_model::<()>(Err(e), action, model).unwrap_err();
                let code = exit::code(&e);
                if code == exit::UNREACHABLE {
                    // No point trying the others.
                    return Err(e);
                }
                if ui.json {
                    print_line(
                        ui,
                        &json!({"model": model, "error": e.root_cause().to_string()}),
                    )?;
                }
                exit::report(&e, ui);
                first_failure.get_or_insert(code);
            }
        }
    }
    Ok(ExitCode::from(first_failure.unwrap_or(exit::OK)))
}

/// `rm`: unload each model, then delete it.
pub async fn remove(args: RemoveArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    each_model(
        &args.models,
        ui,
        "deleted",
        "could not remove",
        |model| async move {
            // Unloading a model that is not loaded (or cannot be) is not a
            // reason to keep it.
            let _ = client
                .generate(GenerateRequest::load(model.as_str()).keep_alive(KeepAlive::unload()))
                .await;
            client.delete(&model).await.map(|_| true)
        },
    )
    .await
}

/// `stop`: unload models (keep_alive 0).
pub async fn stop(args: StopArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    let models = if args.all {
        client
            .ps()
            .await?
            .models
            .iter()
            .map(|m| m.name().to_string())
            .collect()
    } else {
        args.models
    };
    each_model(
        &models,
        ui,
        "stopped",
        "could not stop",
        |model| async move {
            client
                .generate(GenerateRequest::load(model.as_str()).keep_alive(KeepAlive::unload()))
                .await
                .map(|_| false)
        },
    )
    .await
}

/// `version`.
pub async fn version(client: &Client, ui: &Ui) -> Result<ExitCode> {
    let client_version = env!("CARGO_PKG_VERSION");
    let server = client.version().await;
    let server_version = server.as_ref().ok().map(|v| v.version.clone());
    if ui.json {
        print_line(
            ui,
            &json!({"client": client_version, "server": server_version}),
        )?;
    } else {
        let mut out = ui.stdout();
        writeln!(out, "client version: {client_version}")?;
        if let Some(v) = &server_version {
            writeln!(out, "server version: {v}")?;
        }
        out.flush()?;
    }
    match server {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            let e = anyhow::Error::new(e).context("could not get the server's version");
            let code = exit::code(&e);
            let prefix = console::style("warning:").yellow().bold().for_stderr();
            eprintln!("ollama-rs: {prefix} {}", exit::message(&e));
            Ok(ExitCode::from(code))
        }
    }
}
