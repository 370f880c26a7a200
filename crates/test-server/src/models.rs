//! `/api/tags`, `/api/ps`, `/api/show`, `/api/copy` and `/api/delete`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::body::Reply;
use super::clock;
use super::json::{decode_request, Fields, Kind};
use super::state::{self, Name, MODELS_DIR};
use super::{ModelSpec, Shared};

pub(crate) fn tags(shared: &Arc<Shared>) -> Reply {
    let state = shared.state();
    let models: Vec<Value> = state
        .models_newest_first()
        .into_iter()
        .map(|m| {
            json!({
                "name": m.name,
                "model": m.name,
                "modified_at": m.modified_at,
                "size": m.size,
                "digest": state::manifest_digest(m),
                "details": state::details(m, true),
                "capabilities": m.capabilities,
            })
        })
        .collect();
    Reply::ok(&json!({"models": models}))
}

pub(crate) fn ps(shared: &Arc<Shared>) -> Reply {
    let mut state = shared.state();
    let models: Vec<Value> = state
        .loaded_sorted()
        .into_iter()
        .map(|l| {
            json!({
                "name": l.spec.name,
                "model": l.spec.name,
                // What a CPU runner of the captured tiny model really occupies, scaled by file size.
                "size": l.spec.size + 7_339_119,
                "digest": state::manifest_digest(&l.spec),
                "details": state::details(&l.spec, false),
                "expires_at": clock::rfc3339(l.expires_at),
                "size_vram": 0,
                "context_length": l.context_length,
            })
        })
        .collect();
    Reply::ok(&json!({"models": models}))
}

const SHOW_SPEC: &[(&str, Kind)] = &[
    ("model", Kind::Str),
    ("name", Kind::Str),
    ("system", Kind::Str),
    ("template", Kind::Str),
    ("verbose", Kind::Bool),
    ("options", Kind::Object),
];

/// The model name of a request that may use the deprecated `name` field.
pub(crate) fn requested_name(req: &Map<String, Value>) -> &str {
    let model = req.str_of("model");
    if model.is_empty() {
        req.str_of("name")
    } else {
        model
    }
}

fn quantization_file_type(level: &str) -> u64 {
    match level {
        "F16" => 1,
        "Q4_0" => 2,
        "Q8_0" => 7,
        "Q4_K_S" => 14,
        "Q4_K_M" => 15,
        "BF16" => 32,
        _ => 0,
    }
}

fn tensor_type(level: &str) -> &str {
    match level {
        "unknown" | "" => "F32",
        other => other,
    }
}

const TOKENS: &[&str] = &[
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "!",
    "\"",
    "#",
    "a",
    "b",
    "c",
    "Ġt",
    "Ġh",
    "Ġhello",
    "Ġworld",
];
const MERGES: &[&str] = &["Ġ t", "Ġ h", "Ġh e", "Ġhe l", "Ġhel l", "Ġhell o", "Ġ w"];

fn model_info(spec: &ModelSpec, verbose: bool) -> Value {
    let arch = spec.family.as_str();
    let embedding = spec.embedding_length;
    let mut info: BTreeMap<String, Value> = BTreeMap::new();
    info.insert("general.architecture".into(), arch.into());
    info.insert(
        "general.description".into(),
        "random-weight test model (not a real LLM)".into(),
    );
    info.insert(format!("{arch}.attention.head_count_kv"), 4.into());
    info.insert(
        format!("{arch}.attention.layer_norm_rms_epsilon"),
        json!(0.00001),
    );
    info.insert(
        format!("{arch}.feed_forward_length"),
        (2 * embedding).into(),
    );
    info.insert(format!("{arch}.rope.dimension_count"), 16.into());
    info.insert(format!("{arch}.rope.freq_base"), json!(10000.0));
    for (key, value) in [
        ("add_bos_token", json!(false)),
        ("add_eos_token", json!(false)),
        ("bos_token_id", json!(0)),
        ("eos_token_id", json!(2)),
        ("eot_token_id", json!(2)),
        ("padding_token_id", json!(0)),
        ("pre", json!("gpt-2")),
    ] {
        info.insert(format!("tokenizer.ggml.{key}"), value);
    }
    info.insert(
        "general.file_type".into(),
        quantization_file_type(&spec.quantization_level).into(),
    );
    info.insert(
        "general.parameter_count".into(),
        state::parse_count(&spec.parameter_size).into(),
    );
    info.insert("general.quantization_version".into(), 2.into());
    info.insert(format!("{arch}.attention.head_count"), 4.into());
    info.insert(format!("{arch}.block_count"), 2.into());
    info.insert(format!("{arch}.context_length"), spec.context_length.into());
    info.insert(format!("{arch}.embedding_length"), embedding.into());
    info.insert(format!("{arch}.vocab_size"), TOKENS.len().into());
    info.insert("tokenizer.ggml.model".into(), "gpt2".into());
    let (tokens, merges, types) = if verbose {
        let types: Vec<Value> = (0..TOKENS.len())
            .map(|i| Value::from(if i < 3 { 3 } else { 1 }))
            .collect();
        (json!(TOKENS), json!(MERGES), Value::Array(types))
    } else {
        (Value::Null, Value::Null, Value::Null)
    };
    info.insert("tokenizer.ggml.tokens".into(), tokens);
    info.insert("tokenizer.ggml.merges".into(), merges);
    info.insert("tokenizer.ggml.token_type".into(), types);
    Value::Object(info.into_iter().collect())
}

fn tensors(spec: &ModelSpec) -> Value {
    let e = spec.embedding_length;
    let vocab = TOKENS.len() as u64;
    let t = tensor_type(&spec.quantization_level);
    let mut list = vec![
        json!({"name": "output.weight", "type": t, "shape": [e, vocab]}),
        json!({"name": "output_norm.weight", "type": "F32", "shape": [e]}),
        json!({"name": "token_embd.weight", "type": t, "shape": [e, vocab]}),
    ];
    for block in 0..2 {
        for part in ["attn_k", "attn_q", "attn_v", "attn_output"] {
            list.push(
                json!({"name": format!("blk.{block}.{part}.weight"), "type": t, "shape": [e, e]}),
            );
        }
        list.push(
            json!({"name": format!("blk.{block}.attn_norm.weight"), "type": "F32", "shape": [e]}),
        );
    }
    Value::Array(list)
}

/// The Modelfile text of `/api/show` (capture 07).
pub(crate) fn modelfile(spec: &ModelSpec, parameters: &Map<String, Value>, system: &str) -> String {
    let mut out = String::from("# Modelfile generated by \"ollama show\"\n");
    out.push_str("# To build a new Modelfile based on this, replace FROM with:\n");
    out.push_str(&format!("# FROM {}\n\n", spec.name));
    let weights = state::weights_digest(spec).replacen("sha256:", "sha256-", 1);
    out.push_str(&format!("FROM {MODELS_DIR}/blobs/{weights}\n"));
    if !spec.template.is_empty() {
        out.push_str(&format!(
            "TEMPLATE {}\n",
            state::modelfile_quote(&spec.template)
        ));
    }
    if !system.is_empty() {
        out.push_str(&format!("SYSTEM {}\n", state::modelfile_quote(system)));
    }
    for (key, value) in parameters {
        let values = match value {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for v in values {
            out.push_str(&format!("PARAMETER {key} {}\n", state::modelfile_value(&v)));
        }
    }
    if !spec.license.is_empty() {
        out.push_str(&format!(
            "LICENSE {}\n",
            state::modelfile_quote(&spec.license)
        ));
    }
    for message in &spec.messages {
        let role = message
            .get("role")
            .and_then(Value::as_str)
            .unwrap_or("user");
        let content = message.get("content").and_then(Value::as_str).unwrap_or("");
        out.push_str(&format!(
            "MESSAGE {role} {}\n",
            state::modelfile_quote(content)
        ));
    }
    out
}

pub(crate) fn show(shared: &Arc<Shared>, body: &[u8]) -> Reply {
    let req = match decode_request(body, "ShowRequest", SHOW_SPEC) {
        Ok(req) => req,
        Err(message) => return Reply::bad_request(message),
    };
    let requested = requested_name(&req);
    if requested.is_empty() {
        return Reply::bad_request("model is required");
    }
    let Some(name) = Name::parse(requested) else {
        return Reply::bad_request("invalid model name");
    };
    let Some(spec) = shared.state().model(&name).cloned() else {
        return Reply::error(
            StatusCode::NOT_FOUND,
            format!("model '{}' not found", name.display()),
        );
    };
    let mut parameters = spec.parameters.clone();
    if let Some(Value::Object(options)) = req.get("options") {
        for (k, v) in options {
            parameters.insert(k.clone(), v.clone());
        }
    }
    let system = if req.str_of("system").is_empty() {
        spec.system.clone()
    } else {
        req.str_of("system").to_string()
    };
    let mut out = Map::new();
    if !spec.license.is_empty() {
        out.insert("license".into(), spec.license.clone().into());
    }
    out.insert(
        "modelfile".into(),
        modelfile(&spec, &parameters, &system).into(),
    );
    let parameters_text = state::parameters_text(&parameters);
    if !parameters_text.is_empty() {
        out.insert("parameters".into(), parameters_text.into());
    }
    if !spec.template.is_empty() {
        out.insert("template".into(), spec.template.clone().into());
    }
    if !system.is_empty() {
        out.insert("system".into(), system.into());
    }
    out.insert("details".into(), state::details(&spec, false));
    if !spec.messages.is_empty() {
        out.insert("messages".into(), Value::Array(spec.messages.clone()));
    }
    out.insert(
        "model_info".into(),
        model_info(&spec, req.bool_of("verbose") == Some(true)),
    );
    out.insert("tensors".into(), tensors(&spec));
    out.insert("capabilities".into(), json!(spec.capabilities));
    out.insert("modified_at".into(), spec.modified_at.clone().into());
    Reply::ok(&Value::Object(out))
}

const COPY_SPEC: &[(&str, Kind)] = &[("source", Kind::Str), ("destination", Kind::Str)];

pub(crate) fn copy(shared: &Arc<Shared>, body: &[u8]) -> Reply {
    let req = match decode_request(body, "CopyRequest", COPY_SPEC) {
        Ok(req) => req,
        Err(message) => return Reply::bad_request(message),
    };
    let source = req.str_of("source");
    let destination = req.str_of("destination");
    let Some(from) = Name::parse(source) else {
        return Reply::bad_request(format!("source \"{source}\" is invalid"));
    };
    let Some(to) = Name::parse(destination) else {
        return Reply::bad_request(format!("destination \"{destination}\" is invalid"));
    };
    let mut state = shared.state();
    let Some(mut spec) = state.model(&from).cloned() else {
        return Reply::error(
            StatusCode::NOT_FOUND,
            format!("model \"{source}\" not found"),
        );
    };
    spec.name = to.display();
    spec.modified_at = clock::rfc3339(clock::now());
    state.install(spec);
    Reply::empty(StatusCode::OK)
}

const DELETE_SPEC: &[(&str, Kind)] = &[("model", Kind::Str), ("name", Kind::Str)];

pub(crate) fn delete(shared: &Arc<Shared>, body: &[u8]) -> Reply {
    let req = match decode_request(body, "DeleteRequest", DELETE_SPEC) {
        Ok(req) => req,
        Err(message) => return Reply::bad_request(message),
    };
    let requested = requested_name(&req);
    if requested.is_empty() {
        return Reply::bad_request("model is required");
    }
    let Some(name) = Name::parse(requested) else {
        return Reply::bad_request(format!("name \"{requested}\" is invalid"));
    };
    if shared.state().models.remove(&name.key()).is_none() {
        return Reply::error(
            StatusCode::NOT_FOUND,
            format!("model '{requested}' not found"),
        );
    }
    Reply::empty(StatusCode::OK)
}
