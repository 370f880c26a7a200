//! `create`: a Modelfile and flags become a create request.
//!
//! Everything local is checked first (the Modelfile, the flags, every path
//! and every file to upload), so that a mistake is exit status 2 with
//! nothing sent. Then local model files are hashed and uploaded as blobs
//! (skipped when the server has them), and the request is sent with the
//! `files` / `adapters` / `draft_files` maps.

mod files;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use ollama_rs::modelfile::{self, ModelfileParts};

use self::files::{
    blob_names, expand_home, looks_like_path, resolve_local_path, select_model_files,
};
use ollama_rs::OptionKind;
use ollama_rs::{BlobProgress, Client, CreateRequest, License, Message, Options, Role};
use serde_json::Value;

use crate::cli::CreateArgs;
use crate::commands::transfer::{drive, outcome};
use crate::exit::usage;
use crate::ui::progress::{Activity, Progress, Style};
use crate::ui::Ui;

/// Local files to upload for one FROM, ADAPTER or DRAFT value: the request key
/// (file name, or path relative to the folder) and the path.
type LocalFiles = Vec<(String, PathBuf)>;

/// "no such file or directory", and where it was looked for when that is
/// not the value itself (`~`, or relative to a Modelfile elsewhere).
fn missing(what: &str, value: &str, dir: &Path) -> anyhow::Error {
    let looked = if let Some(rest) = value.strip_prefix('~') {
        match expand_home(value) {
            Some(path) => path,
            None => {
                let user = rest.split('/').next().unwrap_or_default();
                return if user.is_empty() {
                    usage(format!("{what} `{value}`: the home directory is unknown"))
                } else {
                    usage(format!("{what} `{value}`: there is no user `{user}`"))
                };
            }
        }
    } else if dir == Path::new(".") {
        PathBuf::from(value)
    } else {
        dir.join(value.strip_prefix("./").unwrap_or(value))
    };
    if looked == Path::new(value) {
        usage(format!("{what} `{value}`: no such file or directory"))
    } else {
        usage(format!(
            "{what} `{value}`: no such file or directory (looked for `{}`)",
            looked.display()
        ))
    }
}

/// The path without its `.` parts (`././model.gguf` is `model.gguf`), for
/// messages that quote it.
fn tidy(path: &Path) -> PathBuf {
    let tidy: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if tidy.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        tidy
    }
}

/// Resolves a FROM/ADAPTER/DRAFT value that names something on disk;
/// `None` when it is a model name.
fn local_files(value: &str, dir: &Path, what: &str) -> Result<Option<LocalFiles>> {
    let Some(path) = resolve_local_path(value, dir).map(|p| tidy(&p)) else {
        if looks_like_path(value) {
            return Err(missing(what, value, dir));
        }
        return Ok(None);
    };
    let files = if path.is_dir() {
        let selected =
            select_model_files(&path).map_err(|e| usage(format!("{what} `{value}`: {e}")))?;
        let names = blob_names(&selected, &path);
        names.into_iter().zip(selected).collect()
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| value.to_string());
        vec![(name, path)]
    };
    // Unreadable files fail here, before anything is uploaded.
    for (_, f) in &files {
        std::fs::File::open(f).map_err(|e| {
            usage(format!(
                "{what} `{value}`: could not read `{}`: {e}",
                f.display()
            ))
        })?;
    }
    Ok(Some(files))
}

/// Like [`local_files`] for ADAPTER and DRAFT, which are never model
/// names: nothing on disk is "no such file".
fn required_local_files(value: &str, dir: &Path, what: &str) -> Result<LocalFiles> {
    local_files(value, dir, what)?.ok_or_else(|| missing(what, value, dir))
}

/// Fails when DRAFT names the same file as FROM (compared after following
/// symbolic links), as the official command line does: a model cannot be
/// its own draft.
fn check_not_shared(from: &LocalFiles, draft: &LocalFiles, value: &str) -> Result<()> {
    let canonical = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
    let from: Vec<PathBuf> = from.iter().map(|(_, p)| canonical(p)).collect();
    match draft.iter().find(|(_, p)| from.contains(&canonical(p))) {
        Some((_, shared)) => Err(usage(format!(
            "DRAFT `{value}` must not be the same file as FROM (`{}`): \
             name the draft model's own file or folder",
            shared.display()
        ))),
        None => Ok(()),
    }
}

/// The Modelfile's parts and the folder its paths are relative to.
struct Source {
    parts: ModelfileParts,
    dir: PathBuf,
    /// There was no Modelfile: FROM is the current folder.
    implicit: bool,
}

/// Reads and parses the Modelfile. Without one (and without `--from`) the
/// current folder is the model, as `ollama create` does it.
fn read_modelfile(a: &CreateArgs) -> Result<Source> {
    let path = match &a.file {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from("Modelfile")).filter(|p| p.is_file()),
    };
    let Some(path) = path else {
        let mut parts = ModelfileParts::default();
        if a.from.is_none() {
            parts.from = Some(".".into());
        }
        return Ok(Source {
            implicit: parts.from.is_some(),
            parts,
            dir: PathBuf::from("."),
        });
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
    Ok(Source {
        parts: mf.to_parts(),
        dir,
        implicit: false,
    })
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
        match Options::spec(k) {
            None => {
                return Err(usage(format!(
                    "unknown parameter '{k}' (valid parameters: {})",
                    modelfile::valid_parameter_names().join(", ")
                )))
            }
            // Skipped like the Modelfile's, with the same warning.
            Some(spec) if spec.deprecated => {
                parts.warnings.push(format!(
                    "parameter '{k}' is deprecated and ignored by current servers; skipped"
                ));
                continue;
            }
            Some(_) => {}
        }
        let typed = Options::parse_value(k, v).map_err(|e| usage(e.to_string()))?;
        let is_list = Options::spec(k).is_some_and(|s| s.kind == OptionKind::StringList);
        match (from_flags.get_mut(k), typed) {
            (Some(Value::Array(list)), Value::Array(more)) if is_list => list.extend(more),
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

/// Hashes and uploads each file, one bar (or line) per file, and returns
/// the name → digest map for the request.
async fn upload(
    client: &Client,
    progress: &Progress,
    model: &str,
    files: LocalFiles,
) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for (name, path) in files {
        let _activity = Activity::begin(format!("uploading `{name}` for `{model}`"));
        let task = progress.file_task(&name);
        let digest = client
            .create_blob_with_progress(&path, move |p| match p {
                BlobProgress::Hashing { done, total } => task.hashing(done, total),
                BlobProgress::Exists => task.exists(),
                BlobProgress::Uploading { done, total } => task.uploading(done, total),
            })
            .await
            .map_err(|e| {
                anyhow::Error::new(e).context(format!("could not upload `{}`", path.display()))
            })?;
        map.insert(name, digest);
    }
    Ok(map)
}

fn warn(text: &str) {
    let prefix = console::style("warning:").yellow().bold().for_stderr();
    let _ = writeln!(std::io::stderr(), "ollama-rs: {prefix} {text}");
}

/// `create`.
pub async fn create(a: CreateArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    crate::commands::check_model(&a.model)?;
    let Source {
        mut parts,
        dir,
        implicit,
    } = read_modelfile(&a)?;
    apply_flags(&mut parts, &a)?;
    let from = parts.from.clone().ok_or_else(|| {
        usage("no FROM line: the Modelfile or --from must name a base model or file")
    })?;
    // A path given on the command line is relative to where the command
    // runs, not to the Modelfile.
    let from_dir = if a.from.is_some() {
        PathBuf::from(".")
    } else {
        dir.clone()
    };
    let from_what = if a.from.is_some() { "--from" } else { "FROM" };
    let from_files = local_files(&from, &from_dir, from_what).map_err(|e| {
        if implicit {
            usage(
                "no Modelfile and no model files in this folder: \
                 give one with -f FILE, or use --from MODEL",
            )
        } else {
            e
        }
    })?;
    let adapter_files = parts
        .adapter
        .as_deref()
        .map(|adapter| required_local_files(adapter, &dir, "ADAPTER"))
        .transpose()?;
    // The draft model must not be the FROM files.
    let draft_files = parts
        .draft
        .as_deref()
        .map(|draft| required_local_files(draft, &dir, "DRAFT"))
        .transpose()?;
    if let (Some(from), Some(draft), Some(value)) = (&from_files, &draft_files, &parts.draft) {
        check_not_shared(from, draft, value)?;
    }
    if a.draft_quantize.is_some() && draft_files.is_none() {
        return Err(usage(
            "--draft-quantize needs a DRAFT model: add `DRAFT <path>` to the Modelfile",
        ));
    }
    let messages = parts
        .messages
        .iter()
        .map(|(role, text)| {
            let role: Role = role
                .parse()
                .map_err(|e: ollama_rs::ParseError| usage(e.to_string()))?;
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
    for w in &parts.warnings {
        warn(w);
    }

    // Everything local is checked: from here on the server is involved.
    let style = Style::resolve(a.progress.progress, ui);
    let mut progress = Progress::new(style, false);
    let mut req = CreateRequest::new(a.model.as_str());
    match from_files {
        Some(local) => req.files = Some(upload(client, &progress, &a.model, local).await?),
        None => req.from = Some(from),
    }
    if let Some(local) = adapter_files {
        req.adapters = Some(upload(client, &progress, &a.model, local).await?);
    }
    if let Some(local) = draft_files {
        req.draft_files = Some(upload(client, &progress, &a.model, local).await?);
    }
    req.draft_quantize = a.draft_quantize.clone();
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

    let _activity = Activity::begin(format!("creating `{}`", a.model));
    // No "pull it" hint here: a missing base model is named in the message.
    let context = || format!("could not create `{}`", a.model);
    let stream = client
        .create_stream(req)
        .await
        .map_err(|e| anyhow::Error::new(e).context(context()))?;
    let r = drive(stream, &mut progress, None).await;
    progress.clear();
    r.map_err(|e| e.context(context()))?;
    outcome(style, &format!("created '{}'", a.model));
    Ok(ExitCode::SUCCESS)
}
