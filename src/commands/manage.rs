//! Model management: list, show, ps, cp, rm, stop, version.
//!
//! Human output follows the official `ollama` CLI (captures 82–95) except
//! that table lines carry no trailing spaces; `--json` prints the server's
//! documents (list, show, ps) or one object per model (cp, rm, stop).

use std::io::Write;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Result;
use ollama_rs::{Client, GenerateRequest, KeepAlive, ShowRequest, ShowResponse};
use serde_json::{json, Map, Value};

use crate::cli::{CopyArgs, ListArgs, RemoveArgs, ShowArgs, SortKey, StopArgs};
use crate::commands::{check_model, check_models};
use crate::exit::{self, about_local_model, about_model};
use crate::settings::Settings;
use crate::ui::format::{go_float, human_bytes, human_number, parse_rfc3339, relative_time, table};

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

/// A titled two-space-indented section whose rows are a table indented by
/// four, then a blank line; nothing when there are no rows.
fn section(title: &str, rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut s = format!("  {title}\n");
    let header: Vec<&str> = vec![""; rows[0].len()];
    for line in table(&header, rows).lines().skip(1) {
        s.push_str("    ");
        s.push_str(line);
        s.push('\n');
    }
    s.push('\n');
    s
}

/// Rows of (label, value), leaving out the empty values.
fn pairs(items: Vec<(&str, Option<String>)>) -> Vec<Vec<String>> {
    items
        .into_iter()
        .filter_map(|(k, v)| Some(vec![k.to_string(), v.filter(|v| !v.is_empty())?]))
        .collect()
}

/// A JSON number as an integer when it is one, in Go's float form otherwise
/// (the official CLI decodes every number to a float64).
fn number(v: &Value) -> Option<String> {
    if let Some(n) = v.as_u64() {
        return Some(n.to_string());
    }
    v.as_f64().map(go_float)
}

/// The sections `show` prints: model, capabilities, parameters, ...
pub(crate) fn show_sections(r: &ShowResponse, verbose: bool) -> String {
    let details = r.details.clone().unwrap_or_default();
    let info = r.model_info.as_ref().filter(|m| !m.is_empty());
    let arch = r.architecture().map(str::to_string);
    let mut model = pairs(vec![
        ("Remote model", r.remote_model.clone()),
        ("Remote URL", r.remote_host.clone()),
    ]);
    let parameters = Some(details.parameter_size.clone())
        .filter(|p| !p.is_empty())
        .or_else(|| r.parameter_count().map(human_number));
    let arch_number = |key: &str| {
        let arch = arch.as_deref()?;
        number(info?.get(&format!("{arch}.{key}"))?)
    };
    model.extend(pairs(vec![
        (
            "architecture",
            arch.clone()
                .or_else(|| Some(details.family.clone()).filter(|_| info.is_none())),
        ),
        ("parameters", parameters),
        (
            "context length",
            arch_number("context_length").or_else(|| details.context_length.map(|n| n.to_string())),
        ),
        (
            "embedding length",
            arch_number("embedding_length")
                .or_else(|| details.embedding_length.map(|n| n.to_string())),
        ),
        ("quantization", Some(details.quantization_level.clone())),
        ("requires", r.requires.clone()),
    ]));
    let mut s = section("Model", &model);

    let caps: Vec<Vec<String>> = r.capabilities.iter().map(|c| vec![c.clone()]).collect();
    s.push_str(&section("Capabilities", &caps));

    if let Some(p) = r.projector_info.as_ref().filter(|p| !p.is_empty()) {
        s.push_str(&section("Projector", &projector_rows(p)));
    }

    if let Some(params) = &r.parameters {
        let rows: Vec<Vec<String>> = params
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                let (k, v) = l.split_once(char::is_whitespace)?;
                Some(vec![k.to_string(), v.trim().to_string()])
            })
            .collect();
        s.push_str(&section("Parameters", &rows));
    }
    if let Some(system) = &r.system {
        s.push_str(&section("System", &head(system, 2)));
    }
    if let Some(license) = &r.license {
        s.push_str(&section("License", &head(license, 2)));
    }

    if verbose {
        if let Some(info) = &r.model_info {
            let mut keys: Vec<&String> = info.keys().collect();
            keys.sort();
            let rows: Vec<Vec<String>> = keys
                .into_iter()
                .map(|k| vec![k.clone(), metadata_value(&info[k])])
                .collect();
            s.push_str(&section("Metadata", &rows));
        }
        if let Some(tensors) = &r.tensors {
            let rows: Vec<Vec<String>> = tensors
                .iter()
                .map(|t| {
                    let dims: Vec<String> = t.shape.iter().map(u64::to_string).collect();
                    vec![
                        t.name.clone(),
                        t.r#type.clone(),
                        format!("[{}]", dims.join(" ")),
                    ]
                })
                .collect();
            s.push_str(&section("Tensors", &rows));
        }
    }
    s
}

/// The Projector section of a vision model: its architecture, parameter
/// count, embedding length and projection dimensions.
fn projector_rows(p: &Map<String, Value>) -> Vec<Vec<String>> {
    let arch = p.get("general.architecture").and_then(Value::as_str);
    // `<arch>.vision.<key>` on current servers; any `.<key>` otherwise.
    let find = |key: &str| {
        arch.and_then(|a| p.get(&format!("{a}.vision.{key}")))
            .or_else(|| {
                p.iter()
                    .find(|(k, _)| k.ends_with(&format!(".{key}")))
                    .map(|(_, v)| v)
            })
            .and_then(number)
    };
    pairs(vec![
        ("architecture", arch.map(str::to_string)),
        (
            "parameters",
            p.get("general.parameter_count")
                .and_then(Value::as_f64)
                .map(|n| human_number(n as u64)),
        ),
        ("embedding length", find("embedding_length")),
        ("dimensions", find("projection_dim")),
    ])
}

/// The first `n` non-blank lines of a free text, trimmed, then `...` when
/// there are more.
fn head(text: &str, n: usize) -> Vec<Vec<String>> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut rows: Vec<Vec<String>> = lines.iter().take(n).map(|l| vec![l.to_string()]).collect();
    if lines.len() > n {
        rows.push(vec!["...".into()]);
    }
    rows
}

/// A metadata value as `ollama show -v` prints it: strings bare, numbers in
/// Go's float form, and arrays as `[a b c]`, cut to about ten columns with
/// `...+N more]` (a tokenizer's vocabulary would otherwise fill the screen).
pub fn metadata_value(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            const WIDTH: usize = 10;
            let shown: Vec<String> = items.iter().map(array_item).collect();
            // The bracket counts one, and each item after the first two more
            // (room for its separator); the first item always shows.
            let mut used = 1;
            let mut take = 0;
            for (i, item) in shown.iter().enumerate() {
                let w = console::measure_text_width(item) + if i > 0 { 2 } else { 0 };
                if i > 0 && used + w > WIDTH {
                    break;
                }
                used += w;
                take += 1;
            }
            let body = shown[..take].join(" ");
            if take < shown.len() {
                format!("[{body} ...+{} more]", shown.len() - take)
            } else {
                format!("[{body}]")
            }
        }
        other => array_item(other),
    }
}

fn array_item(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(_) => number(v).unwrap_or_default(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(array_item).collect();
            format!("[{}]", inner.join(" "))
        }
        Value::Object(_) => v.to_string(),
    }
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

    #[test]
    fn metadata_arrays_are_cut_like_ollama_show() {
        // Capture 87.
        let merges: Vec<Value> = ["Ġ t", "Ġt h"]
            .iter()
            .map(|s| json!(s))
            .chain((0..27).map(|_| json!("x y")))
            .collect();
        assert_eq!(
            metadata_value(&Value::Array(merges)),
            "[Ġ t Ġt h ...+27 more]"
        );
        let types: Vec<Value> = (0..287).map(|i| json!(if i < 3 { 3 } else { 1 })).collect();
        assert_eq!(metadata_value(&Value::Array(types)), "[3 3 3 ...+284 more]");
        let tokens: Vec<Value> = std::iter::once(json!("<|endoftext|>"))
            .chain((0..286).map(|_| json!("a")))
            .collect();
        assert_eq!(
            metadata_value(&Value::Array(tokens)),
            "[<|endoftext|> ...+286 more]"
        );
        assert_eq!(metadata_value(&json!([1, 2])), "[1 2]");
        assert_eq!(metadata_value(&json!([])), "[]");
        assert_eq!(metadata_value(&json!(0.00001)), "1e-05");
        assert_eq!(metadata_value(&json!(118976)), "118976");
        assert_eq!(metadata_value(&json!(10000.0)), "10000");
        assert_eq!(metadata_value(&json!(false)), "false");
        assert_eq!(metadata_value(&json!("gpt2")), "gpt2");
    }

    #[test]
    fn head_skips_blank_lines() {
        let rows = head("\n  You are terse.  \n\nAnswer briefly.\nThird line.\n", 2);
        assert_eq!(
            rows,
            vec![
                vec!["You are terse.".to_string()],
                vec!["Answer briefly.".to_string()],
                vec!["...".to_string()],
            ]
        );
        assert_eq!(head("one\n\n", 2), vec![vec!["one".to_string()]]);
    }

    #[test]
    fn sections_of_a_vision_model() {
        let r: ShowResponse = serde_json::from_value(json!({
            "details": {"family": "gemma3", "parameter_size": "4.3B", "quantization_level": "Q4_K_M"},
            "model_info": {
                "general.architecture": "gemma3",
                "gemma3.context_length": 131072,
                "gemma3.embedding_length": 2560
            },
            "projector_info": {
                "general.architecture": "clip",
                "general.parameter_count": 416_866_032u64,
                "clip.vision.embedding_length": 1152,
                "clip.vision.projection_dim": 2560
            },
            "capabilities": ["completion", "vision"],
            "system": "Be brief.",
            "license": "Gemma Terms of Use\n\nLast modified: February 21, 2024\n\nBy using...",
            "requires": "0.6.0"
        }))
        .unwrap();
        let want = "  Model
    architecture        gemma3
    parameters          4.3B
    context length      131072
    embedding length    2560
    quantization        Q4_K_M
    requires            0.6.0

  Capabilities
    completion
    vision

  Projector
    architecture        clip
    parameters          416.87M
    embedding length    1152
    dimensions          2560

  System
    Be brief.

  License
    Gemma Terms of Use
    Last modified: February 21, 2024
    ...

";
        pretty_assertions::assert_eq!(show_sections(&r, false), want);
    }

    #[test]
    fn sections_without_model_info() {
        // Cloud models and old servers: details only.
        let r: ShowResponse = serde_json::from_value(json!({
            "remote_model": "gpt-oss:120b",
            "remote_host": "https://ollama.com:443",
            "details": {"family": "gptoss", "parameter_size": "116.8B", "quantization_level": "MXFP4"},
            "model_info": {},
            "capabilities": ["completion", "tools", "thinking"]
        }))
        .unwrap();
        let want = "  Model
    Remote model    gpt-oss:120b
    Remote URL      https://ollama.com:443
    architecture    gptoss
    parameters      116.8B
    quantization    MXFP4

  Capabilities
    completion
    tools
    thinking

";
        pretty_assertions::assert_eq!(show_sections(&r, false), want);
    }
}
