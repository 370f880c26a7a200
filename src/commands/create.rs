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

use self::files::{
    blob_names, expand_home, looks_like_path, resolve_local_path, select_model_files,
};
use ollama_rs::{BlobProgress, Client, CreateRequest, License, Message, Options, Role};
use serde_json::Value;

use crate::cli::CreateArgs;
use crate::exit::usage;
use crate::render::progress::{drive, outcome};
use crate::settings::modelfile::CreateSource;
use crate::settings::Settings;
use crate::ui::progress::{Activity, Progress};

/// Local files to upload for one FROM, ADAPTER or DRAFT value: the request key
/// (file name, or path relative to the folder) and the path.
type LocalFiles = Vec<(String, PathBuf)>;

/// "no such file or directory", and where it was looked for when that is
/// not the value itself (`~`, or relative to a Modelfile elsewhere).
fn missing(what: &str, value: &str, dir: &Path, home: Option<&Path>) -> anyhow::Error {
    let looked = if let Some(rest) = value.strip_prefix('~') {
        match expand_home(value, home) {
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
fn local_files(
    value: &str,
    dir: &Path,
    home: Option<&Path>,
    what: &str,
) -> Result<Option<LocalFiles>> {
    let Some(path) = resolve_local_path(value, dir, home).map(|p| tidy(&p)) else {
        if looks_like_path(value) {
            return Err(missing(what, value, dir, home));
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
fn required_local_files(
    value: &str,
    dir: &Path,
    home: Option<&Path>,
    what: &str,
) -> Result<LocalFiles> {
    local_files(value, dir, home, what)?.ok_or_else(|| missing(what, value, dir, home))
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
    let prefix = crate::render::style::warning_label();
    let _ = writeln!(std::io::stderr(), "ollama-rs: {prefix} {text}");
}

/// `create`.
pub async fn create(a: CreateArgs, client: &Client, settings: &Settings) -> Result<ExitCode> {
    super::names::check_model(&a.model)?;
    let CreateSource {
        parts,
        dir,
        implicit,
    } = CreateSource::resolve(&a)?;
    let home = settings.env.home.as_deref();
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
    let from_files = local_files(&from, &from_dir, home, from_what).map_err(|e| {
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
        .map(|adapter| required_local_files(adapter, &dir, home, "ADAPTER"))
        .transpose()?;
    // The draft model must not be the FROM files.
    let draft_files = parts
        .draft
        .as_deref()
        .map(|draft| required_local_files(draft, &dir, home, "DRAFT"))
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
    let style = settings.progress_style(a.progress.progress);
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
    progress.end(r.is_ok());
    r.map_err(|e| e.context(context()))?;
    outcome(style, &format!("created '{}'", a.model));
    Ok(ExitCode::SUCCESS)
}
