//! `create`: a Modelfile and flags become a create request. Everything local
//! is checked first (the Modelfile, every path); then local model files are
//! hashed and uploaded as blobs (skipped when the server has them), and the
//! request is sent with the `files` / `adapters` maps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ollama_rs::modelfile::{self, ModelfileParts};
use ollama_rs::options::parse_option_value;
use ollama_rs::{BlobProgress, Client, CreateRequest, License, Message, Options, Role};
use serde_json::Value;

use crate::cli::CreateArgs;
use crate::commands::transfer::drive;
use crate::exit::usage;
use crate::ui::progress::{Progress, Style};
use crate::ui::Ui;

/// Local files to upload for one FROM or ADAPTER value.
struct LocalFiles {
    /// Request key (file name, or path relative to the folder) and path.
    files: Vec<(String, PathBuf)>,
}

/// Resolves a FROM/ADAPTER value that names something on disk.
fn local_files(value: &str, dir: &Path, what: &str) -> Result<Option<LocalFiles>> {
    let Some(path) = modelfile::resolve_local_path(value, dir) else {
        if modelfile::looks_like_path(value) {
            return Err(usage(format!(
                "{what} `{value}`: no such file or directory"
            )));
        }
        return Ok(None);
    };
    if path.is_dir() {
        let selected = modelfile::select_model_files(&path)
            .map_err(|e| usage(format!("{what} `{value}`: {e}")))?;
        let names = modelfile::blob_names(&selected, &path);
        Ok(Some(LocalFiles {
            files: names.into_iter().zip(selected).collect(),
        }))
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| value.to_string());
        Ok(Some(LocalFiles {
            files: vec![(name, path)],
        }))
    }
}

/// Reads and parses the Modelfile, if there is one.
fn read_modelfile(a: &CreateArgs) -> Result<(ModelfileParts, PathBuf)> {
    let path = match &a.file {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from("Modelfile")).filter(|p| p.is_file()),
    };
    let Some(path) = path else {
        if a.from.is_none() {
            return Err(usage(
                "no Modelfile: give one with -f FILE, put one in this folder, or use --from MODEL",
            ));
        }
        return Ok((ModelfileParts::default(), PathBuf::from(".")));
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| usage(format!("could not read `{}`: {e}", path.display())))?;
    let mf = modelfile::parse(&text).map_err(|e| usage(e.with_path(&path)))?;
    if a.from.is_none() {
        mf.require_from().map_err(|e| usage(e.with_path(&path)))?;
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok((mf.to_parts(), dir))
}

/// Applies the flags over the Modelfile.
fn apply_flags(parts: &mut ModelfileParts, a: &CreateArgs) -> Result<()> {
    if let Some(f) = &a.from {
        parts.from = Some(f.clone());
    }
    if let Some(s) = &a.system {
        parts.system = Some(s.clone());
    }
    if let Some(t) = &a.template {
        parts.template = Some(t.clone());
    }
    let mut from_flags: BTreeMap<String, Value> = BTreeMap::new();
    for pair in &a.parameters {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| usage(format!("parameter `{pair}` must look like KEY=VALUE")))?;
        let k = k.trim();
        let typed = parse_option_value(k, v).map_err(|e| {
            usage(format!(
                "{e} (valid: {})",
                modelfile::valid_parameter_names().join(", ")
            ))
        })?;
        match (from_flags.get_mut(k), typed) {
            (Some(Value::Array(list)), Value::Array(more)) => list.extend(more),
            (_, typed) => {
                from_flags.insert(k.to_string(), typed);
            }
        }
    }
    // A flag replaces the Modelfile's value of the same key.
    for (k, v) in from_flags {
        parts.parameters.insert(k, v);
    }
    Ok(())
}

fn upload_bar(ui: &Ui, label: &str) -> ProgressBar {
    if !ui.stderr_tty || ui.json {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    b.set_style(
        ProgressStyle::with_template(
            "{msg} {percent:>3}% ▕{wide_bar}▏ {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec}",
        )
        .expect("valid template")
        .progress_chars("██ "),
    );
    b.set_message(label.to_string());
    b
}

async fn upload(client: &Client, ui: &Ui, local: LocalFiles) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for (name, path) in local.files {
        let bar = upload_bar(ui, &format!("hashing {name}"));
        let b = bar.clone();
        let n = name.clone();
        let r = client
            .create_blob_with_progress(&path, move |p| match p {
                BlobProgress::Hashing { done, total } => {
                    b.set_length(total);
                    b.set_position(done);
                }
                BlobProgress::Exists => b.set_message(format!("using existing {n}")),
                BlobProgress::Uploading { done, total } => {
                    if done <= total && b.message().starts_with("hashing") {
                        b.set_message(format!("uploading {n}"));
                        b.reset_eta();
                    }
                    b.set_length(total);
                    b.set_position(done);
                }
            })
            .await;
        bar.finish_and_clear();
        let digest = r.map_err(|e| {
            anyhow::Error::new(e).context(format!("could not upload `{}`", path.display()))
        })?;
        map.insert(name, digest);
    }
    Ok(map)
}

/// `create`.
pub async fn create(a: CreateArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    let (mut parts, dir) = read_modelfile(&a)?;
    apply_flags(&mut parts, &a)?;
    for w in &parts.warnings {
        let prefix = console::style("warning:").yellow().bold().for_stderr();
        eprintln!("ollama-rs: {prefix} {w}");
    }
    let from = parts.from.clone().ok_or_else(|| {
        usage("no FROM line: the Modelfile or --from must name a base model or file")
    })?;
    // Every local check happens before anything is uploaded.
    let from_files = local_files(&from, &dir, "FROM")?;
    let adapter_files = match &parts.adapter {
        Some(adapter) => Some(
            local_files(adapter, &dir, "ADAPTER")?
                .ok_or_else(|| usage(format!("ADAPTER `{adapter}`: no such file or directory")))?,
        ),
        None => None,
    };
    let messages = parts
        .messages
        .iter()
        .map(|(role, text)| {
            let role: Role = role
                .parse()
                .map_err(|e: ollama_rs::types::ParseError| usage(e.to_string()))?;
            Ok(Message::new(role, text.as_str()))
        })
        .collect::<Result<Vec<_>>>()?;
    let parameters: Option<Options> = if parts.parameters.is_empty() {
        None
    } else {
        Some(
            serde_json::from_value(Value::Object(parts.parameters.clone()))
                .map_err(|e| usage(format!("invalid parameters: {e}")))?,
        )
    };
    if parts.draft.is_some() {
        let prefix = console::style("warning:").yellow().bold().for_stderr();
        eprintln!("ollama-rs: {prefix} DRAFT is not supported by this client yet; ignored");
    }

    let mut req = CreateRequest::new(a.model.as_str());
    match from_files {
        Some(local) => req.files = Some(upload(client, ui, local).await?),
        None => req.from = Some(from),
    }
    if let Some(local) = adapter_files {
        req.adapters = Some(upload(client, ui, local).await?);
    }
    req.template = parts.template;
    req.system = parts.system;
    if !parts.license.is_empty() {
        req.license = Some(License::Many(parts.license));
    }
    req.parameters = parameters;
    if !messages.is_empty() {
        req.messages = Some(messages);
    }
    req.quantize = a.quantize.clone();
    req.requires = parts.requires;
    req.renderer = parts.renderer;
    req.parser = parts.parser;

    let style = Style::resolve(a.progress.progress, ui);
    let mut progress = Progress::new(style, false);
    // No "pull it" hint here: a missing base model is named in the message.
    let context = || format!("could not create `{}`", a.model);
    let stream = client
        .create_stream(req)
        .await
        .map_err(|e| anyhow::Error::new(e).context(context()))?;
    let r = drive(stream, &mut progress, None).await;
    progress.clear();
    r.map_err(|e| e.context(context()))?;
    if style != Style::Json {
        eprintln!("created '{}'", a.model);
    }
    Ok(ExitCode::SUCCESS)
}
