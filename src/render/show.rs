//! What `show` prints about a model, and what the interactive chat's
//! `/show` prints: the model's sections (architecture, parameters,
//! capabilities, projector, metadata, license...), as the official
//! command line lays them out, and each topic of `/show`.

use ollama_rs::{Options, ShowResponse};
use serde_json::{Map, Value};

use crate::ui::format::{go_float, human_number, table};

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
pub fn show_sections(r: &ShowResponse, verbose: bool) -> String {
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

/// What `/show <topic>` prints in the interactive chat: `info` (the
/// sections of `show`), `license`, `modelfile`, `template`, `system` (the
/// session's system message first) or `parameters` (the model's, then the
/// session's `options`), with a sentence when the model has none.
pub fn show_topic(
    topic: &str,
    r: &ShowResponse,
    session_system: Option<&str>,
    options: &Options,
) -> String {
    let or = |field: &Option<String>, none: &str| -> String {
        match field.as_deref().map(str::trim_end) {
            Some(t) if !t.is_empty() => t.to_string(),
            _ => none.to_string(),
        }
    };
    match topic {
        "info" => show_sections(r, false),
        "license" => or(&r.license, "No license was specified for this model."),
        "modelfile" => or(&r.modelfile, "No Modelfile was returned for this model."),
        "template" => or(
            &r.template,
            "No prompt template was specified for this model.",
        ),
        "system" => match session_system {
            Some(s) if !s.is_empty() => s.to_string(),
            _ => or(&r.system, "No system message was specified for this model."),
        },
        _ => parameters_text(r, options),
    }
}

/// `/show parameters`: the model's parameters, then those set in the
/// session.
fn parameters_text(r: &ShowResponse, options: &Options) -> String {
    let mut s = String::from("Model defined parameters:\n");
    match r.parameters.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => {
            for l in p.lines() {
                s.push_str(&format!("  {l}\n"));
            }
        }
        _ => s.push_str("  No additional parameters were specified for this model.\n"),
    }
    // Through the JSON text, not `to_value`: an `f32` option such as
    // temperature 0.1 is then the shortest number that reads back to it
    // (`0.1`), not its widening to f64 (`0.10000000149011612`).
    let typed = serde_json::to_string(options).and_then(|t| serde_json::from_str::<Value>(&t));
    if let Ok(Value::Object(map)) = typed {
        if !map.is_empty() {
            s.push_str("\nUser defined parameters:\n");
            for (k, v) in map {
                let values = match v {
                    Value::Array(items) => items,
                    other => vec![other],
                };
                for v in values {
                    s.push_str(&format!("  {k:<30} {v}\n"));
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
