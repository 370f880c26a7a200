//! What `create` makes a model from, resolved from its flags and the
//! Modelfile they name. Every error here is a bad command line (status 2),
//! found before anything is sent; the files the Modelfile names are
//! checked by the command.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use ollama_rs::modelfile::{self, ModelfileParts};
use ollama_rs::{OptionKind, Options};
use serde_json::Value;

use crate::cli::CreateArgs;
use crate::exit::usage;

/// What `create` makes a model from: the Modelfile's parts, the flags
/// applied over them, and the folder its paths are relative to.
#[derive(Debug)]
pub struct CreateSource {
    /// The Modelfile's values, with the flags applied.
    pub parts: ModelfileParts,
    /// The folder of the Modelfile (paths in it are relative to it).
    pub dir: PathBuf,
    /// There was no Modelfile: FROM is the current folder.
    pub implicit: bool,
}

/// Reads and parses the Modelfile. Without one (and without `--from`) the
/// current folder is the model, as `ollama create` does it.
fn read_modelfile(a: &CreateArgs) -> Result<CreateSource> {
    let path = match &a.file {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from("Modelfile")).filter(|p| p.is_file()),
    };
    let Some(path) = path else {
        let mut parts = ModelfileParts::default();
        if a.from.is_none() {
            parts.from = Some(".".into());
        }
        return Ok(CreateSource {
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
    Ok(CreateSource {
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

impl CreateSource {
    /// Reads the Modelfile (`-f`, else `./Modelfile` if there is one) and
    /// applies `--from`, `--system`, `--template` and `-p` over it.
    pub fn resolve(a: &CreateArgs) -> Result<CreateSource> {
        let mut source = read_modelfile(a)?;
        apply_flags(&mut source.parts, a)?;
        Ok(source)
    }
}
