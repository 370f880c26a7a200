//! `/api/generate`, `/api/chat`, `/api/embed` and `/api/embeddings`.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use super::body::{Reply, Unit};
use super::clock;
use super::json::{self as gojson, decode_request, parse_think, Fields, Kind};
use super::state::{self, has_capability, Name};
use super::{Fault, ModelSpec, Shared};

const MESSAGE_SPEC: &[(&str, Kind)] = &[
    ("role", Kind::Str),
    ("content", Kind::Str),
    ("thinking", Kind::Str),
    ("images", Kind::Images),
    (
        "tool_calls",
        Kind::Objects("ToolCall", &[("function", Kind::Object)]),
    ),
    ("tool_name", Kind::Str),
    ("tool_call_id", Kind::Str),
];

const TOOL_SPEC: &[(&str, Kind)] = &[("type", Kind::Str), ("function", Kind::Object)];

const GENERATE_SPEC: &[(&str, Kind)] = &[
    ("model", Kind::Str),
    ("prompt", Kind::Str),
    ("suffix", Kind::Str),
    ("system", Kind::Str),
    ("template", Kind::Str),
    ("context", Kind::IntArray),
    ("stream", Kind::Bool),
    ("raw", Kind::Bool),
    ("format", Kind::Any),
    ("images", Kind::Images),
    ("options", Kind::Object),
    ("keep_alive", Kind::KeepAlive),
    ("think", Kind::Think),
    ("truncate", Kind::Bool),
    ("shift", Kind::Bool),
    ("logprobs", Kind::Bool),
    ("top_logprobs", Kind::Int),
    ("width", Kind::Int),
    ("height", Kind::Int),
    ("steps", Kind::Int),
];

const CHAT_SPEC: &[(&str, Kind)] = &[
    ("model", Kind::Str),
    ("messages", Kind::Objects("Message", MESSAGE_SPEC)),
    ("tools", Kind::Objects("Tool", TOOL_SPEC)),
    ("stream", Kind::Bool),
    ("format", Kind::Any),
    ("options", Kind::Object),
    ("keep_alive", Kind::KeepAlive),
    ("think", Kind::Think),
    ("truncate", Kind::Bool),
    ("shift", Kind::Bool),
    ("logprobs", Kind::Bool),
    ("top_logprobs", Kind::Int),
];

const EMBED_SPEC: &[(&str, Kind)] = &[
    ("model", Kind::Str),
    ("input", Kind::Any),
    ("truncate", Kind::Bool),
    ("dimensions", Kind::Int),
    ("options", Kind::Object),
    ("keep_alive", Kind::KeepAlive),
];

const EMBEDDINGS_SPEC: &[(&str, Kind)] = &[
    ("model", Kind::Str),
    ("prompt", Kind::Str),
    ("options", Kind::Object),
    ("keep_alive", Kind::KeepAlive),
];

/// What the runner says when it gets images for a model without a projector (capture 26).
const NO_VISION: &str = "{\"error\":{\"code\":400,\"message\":\"Multimodal data provided, but model does not support multimodal requests.\",\"type\":\"invalid_request_error\"}}";

/// The llama.cpp runner's answer to embeddings on a completion model (capture 48).
const NO_EMBEDDINGS: &str = "This server does not support embeddings. Start it with `--embeddings`";

/// Prefix of every reply while [`Fault::SplitUtf8`] is active, so chunks can split characters.
pub(crate) const UTF8_PREFIX: &str = "héllo wörld ✓ ";

pub(crate) fn reply_text(prompt: &str) -> String {
    format!("echo: {prompt}")
}

pub(crate) fn thinking_text(prompt: &str) -> String {
    format!("thinking about: {prompt}")
}

/// Splits text into tokens that each start at a space, so they concatenate back to the text.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if c == ' ' && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn words(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

fn token_id(token: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in token.bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    3 + hash % 284
}

/// A deterministic unit vector for `text` (before any `dimensions` cut).
pub(crate) fn embedding(text: &str, dims: usize) -> Vec<f32> {
    let seed = Sha256::digest(text.as_bytes());
    let mut x = u64::from_le_bytes(seed[..8].try_into().expect("8 bytes"));
    let mut values: Vec<f32> = (0..dims)
        .map(|_| {
            // splitmix64
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            ((z >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) as f32
        })
        .collect();
    normalize(&mut values);
    values
}

fn normalize(values: &mut [f32]) {
    let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > 0.0 {
        for v in values.iter_mut() {
            *v /= norm;
        }
    }
}

fn not_found(model: &str) -> Reply {
    Reply::error(StatusCode::NOT_FOUND, format!("model '{model}' not found"))
}

/// Model parameters overlaid with the request's options (request wins).
fn effective_options(spec: &ModelSpec, request: Option<&Value>) -> Map<String, Value> {
    let mut options = spec.parameters.clone();
    if let Some(Value::Object(request)) = request {
        for (k, v) in request {
            if !v.is_null() {
                options.insert(k.clone(), v.clone());
            }
        }
    }
    options
}

fn check_format(format: Option<&Value>) -> Result<(), Reply> {
    match format {
        None | Some(Value::Null) | Some(Value::Object(_)) => Ok(()),
        Some(Value::String(s)) if s.is_empty() || s == "json" => Ok(()),
        Some(other) => Err(Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "invalid format: {}; expected \"json\" or a valid JSON Schema object",
                String::from_utf8_lossy(&gojson::to_vec(other))
            ),
        )),
    }
}

fn quoted(s: &str) -> String {
    String::from_utf8_lossy(&gojson::to_vec(&Value::String(s.into()))).into_owned()
}

/// A sample value for a JSON schema: used for structured output and tool-call arguments.
fn sample_for(schema: &Value, text: &str) -> String {
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return String::from_utf8_lossy(&gojson::to_vec(first)).into_owned();
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ => "string",
    };
    match kind {
        "integer" => "42".into(),
        "number" => "1.5".into(),
        "boolean" => "true".into(),
        "array" => "[]".into(),
        "object" => "{}".into(),
        "null" => "null".into(),
        _ => quoted(text),
    }
}

/// The reply text for the prompt, shaped by `format` (see the module docs of the server).
fn reply_for(prompt: &str, format: Option<&Value>, split_utf8: bool) -> String {
    match format {
        Some(Value::String(s)) if s == "json" => format!("{{\"echo\": {}}}", quoted(prompt)),
        Some(Value::Object(schema)) => {
            let fields: Vec<String> = schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(k, v)| format!("{}: {}", quoted(k), sample_for(v, prompt)))
                        .collect()
                })
                .unwrap_or_default();
            format!("{{{}}}", fields.join(", "))
        }
        _ if split_utf8 => format!("{UTF8_PREFIX}{}", reply_text(prompt)),
        _ => reply_text(prompt),
    }
}

/// The tokens a model produces for one request.
struct Output {
    thinking: Vec<String>,
    content: Vec<String>,
    tool_calls: Vec<Value>,
    done_reason: &'static str,
    prompt_eval_count: u64,
    /// Token ids of the prompt, for generate's `context`.
    prompt_ids: Vec<u64>,
}

impl Output {
    fn new(
        prompt: &str,
        think: bool,
        options: &Map<String, Value>,
        format: Option<&Value>,
        split_utf8: bool,
        prompt_words: u64,
    ) -> Output {
        let mut text = reply_for(prompt, format, split_utf8);
        let mut done_reason = "stop";
        if let Some(Value::Array(stops)) = options.get("stop") {
            let cut = stops
                .iter()
                .filter_map(Value::as_str)
                .filter(|s| !s.is_empty())
                .filter_map(|s| text.find(s))
                .min();
            if let Some(at) = cut {
                text.truncate(at);
            }
        }
        let mut content = tokens(&text);
        if let Some(limit) = options.get("num_predict").and_then(Value::as_f64) {
            let limit = limit as i64;
            if limit >= 0 && (limit as usize) < content.len() {
                content.truncate(limit as usize);
                done_reason = "length";
            }
        }
        Output {
            thinking: if think {
                tokens(&thinking_text(prompt))
            } else {
                Vec::new()
            },
            content,
            tool_calls: Vec::new(),
            done_reason,
            prompt_eval_count: prompt_words + 1,
            prompt_ids: prompt.split_whitespace().map(token_id).collect(),
        }
    }

    fn eval_count(&self) -> u64 {
        (self.thinking.len() + self.content.len() + self.tool_calls.len()) as u64
    }

    /// Durations follow fixed rates so tests can predict them: 1 ms per generated token.
    fn metrics(&self, map: &mut Map<String, Value>) {
        let eval_count = self.eval_count();
        let load: u64 = 1_000_000;
        let prompt_eval = self.prompt_eval_count * 100_000;
        let eval = eval_count * 1_000_000;
        map.insert(
            "total_duration".into(),
            (load + prompt_eval + eval + 500_000).into(),
        );
        map.insert("load_duration".into(), load.into());
        map.insert("prompt_eval_count".into(), self.prompt_eval_count.into());
        map.insert("prompt_eval_duration".into(), prompt_eval.into());
        if eval_count > 0 {
            map.insert("eval_count".into(), eval_count.into());
            map.insert("eval_duration".into(), eval.into());
        }
    }

    fn logprob(&self, index: usize, top: usize) -> Value {
        let token = &self.content[index];
        let logprob = -((index + 1) as f64) / 8.0;
        let bytes: Vec<Value> = token.bytes().map(Value::from).collect();
        let mut entry = json!({"token": token, "logprob": logprob, "bytes": bytes});
        if top > 0 {
            let mut alternatives =
                vec![json!({"token": token, "logprob": logprob, "bytes": bytes})];
            for j in 1..top {
                let alt = format!("alt{j}");
                let alt_bytes: Vec<Value> = alt.bytes().map(Value::from).collect();
                alternatives
                    .push(json!({"token": alt, "logprob": logprob - j as f64, "bytes": alt_bytes}));
            }
            entry["top_logprobs"] = Value::Array(alternatives);
        }
        entry
    }
}

fn now() -> String {
    clock::rfc3339(clock::now())
}

/// Request checks shared by generate and chat.
fn check_common(req: &Map<String, Value>) -> Result<(), Reply> {
    if let Some(top) = req.int_of("top_logprobs") {
        if !(0..=20).contains(&top) {
            return Err(Reply::bad_request("top_logprobs must be between 0 and 20"));
        }
    }
    Ok(())
}

fn keep_alive(req: &Map<String, Value>) -> Option<clock::Nanos> {
    req.get("keep_alive")
        .and_then(|v| clock::parse_keep_alive(v).ok())
        .flatten()
}

fn num_ctx(options: &Map<String, Value>) -> Option<i64> {
    options
        .get("num_ctx")
        .and_then(Value::as_f64)
        .map(|n| n as i64)
}

fn wants_thinking(spec: &ModelSpec, req: &Map<String, Value>, model: &str) -> Result<bool, Reply> {
    let think = req
        .get("think")
        .map(parse_think)
        .transpose()
        .ok()
        .flatten()
        .flatten();
    let can = has_capability(spec, "thinking");
    if think == Some(true) && !can {
        return Err(Reply::bad_request(format!(
            "\"{model}\" does not support thinking"
        )));
    }
    Ok(can && think != Some(false))
}

fn lookup(shared: &Shared, name: &Name) -> Option<ModelSpec> {
    shared.state().model(name).cloned()
}

pub(crate) fn generate(shared: &Arc<Shared>, body: &[u8], fault: Option<&Fault>) -> Reply {
    let req = match decode_request(body, "GenerateRequest", GENERATE_SPEC) {
        Ok(req) => req,
        Err(message) => return Reply::bad_request(message),
    };
    let model = req.str_of("model");
    let Some(name) = Name::parse(model) else {
        return not_found(model);
    };
    let raw = req.bool_of("raw") == Some(true);
    let context: Vec<Value> = req
        .get("context")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Err(reply) = check_common(&req) {
        return reply;
    }
    let Some(spec) = lookup(shared, &name) else {
        return not_found(model);
    };
    // Unloading comes before every other check, so that any model, an
    // embedding model too, can be stopped.
    let keep_alive = keep_alive(&req);
    if req.str_of("prompt").is_empty() && keep_alive == Some(0) {
        shared.state().touch(&spec, keep_alive, None);
        return Reply::ok(&json!({
            "model": model, "created_at": now(), "response": "", "done": true,
            "done_reason": "unload",
        }));
    }
    if raw
        && (!req.str_of("template").is_empty()
            || !req.str_of("system").is_empty()
            || !context.is_empty())
    {
        return Reply::bad_request("raw mode does not support template, system, or context");
    }
    if !has_capability(&spec, "completion") {
        return Reply::bad_request(format!("\"{model}\" does not support generate"));
    }
    if !req.str_of("suffix").is_empty() && !has_capability(&spec, "insert") {
        return Reply::bad_request(format!("{} does not support insert", name.full()));
    }
    let think = match wants_thinking(&spec, &req, model) {
        Ok(think) => think,
        Err(reply) => return reply,
    };
    if let Err(message) = state::check_options(req.get("options")) {
        return Reply::error(StatusCode::INTERNAL_SERVER_ERROR, message);
    }
    let options = effective_options(&spec, req.get("options"));
    let prompt = req.str_of("prompt");
    let images = req
        .get("images")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if prompt.is_empty() && images == 0 {
        shared.state().touch(&spec, keep_alive, num_ctx(&options));
        let reason = if keep_alive == Some(0) {
            "unload"
        } else {
            "load"
        };
        return Reply::ok(&json!({
            "model": model, "created_at": now(), "response": "", "done": true, "done_reason": reason,
        }));
    }
    if let Err(reply) = check_format(req.get("format")) {
        return reply;
    }
    if images > 0 && !has_capability(&spec, "vision") {
        return Reply::bad_request(NO_VISION);
    }
    shared.state().touch(&spec, keep_alive, num_ctx(&options));
    let (width, height, steps) = (
        req.int_of("width"),
        req.int_of("height"),
        req.int_of("steps"),
    );
    if width.is_some() || height.is_some() || steps.is_some() {
        let stream = req.bool_of("stream") != Some(false);
        return super::web::image(model, prompt, width, height, steps, stream);
    }

    let system = if req.str_of("system").is_empty() {
        spec.system.as_str()
    } else {
        req.str_of("system")
    };
    let split_utf8 = matches!(fault, Some(Fault::SplitUtf8));
    let out = Output::new(
        prompt,
        think,
        &options,
        req.get("format"),
        split_utf8,
        words(prompt) + if raw { 0 } else { words(system) },
    );
    let logprobs = req.bool_of("logprobs") == Some(true);
    let top = req.int_of("top_logprobs").unwrap_or(0).max(0) as usize;

    let mut final_line = Map::new();
    final_line.insert("model".into(), model.into());
    final_line.insert("created_at".into(), Value::Null);
    final_line.insert("response".into(), "".into());
    final_line.insert("done".into(), true.into());
    final_line.insert("done_reason".into(), out.done_reason.into());
    if !raw {
        let mut ids: Vec<Value> = context;
        ids.push(1.into());
        ids.extend(out.prompt_ids.iter().map(|&i| Value::from(i)));
        ids.push(2.into());
        ids.extend(out.content.iter().map(|t| Value::from(token_id(t))));
        final_line.insert("context".into(), Value::Array(ids));
    }
    out.metrics(&mut final_line);

    if req.bool_of("stream") == Some(false) {
        final_line["created_at"] = now().into();
        final_line["response"] = out.content.concat().into();
        if !out.thinking.is_empty() {
            // Go's field order puts `thinking` right after `response`.
            let mut ordered = Map::new();
            for (k, v) in final_line {
                let after_response = k == "response";
                ordered.insert(k, v);
                if after_response {
                    ordered.insert("thinking".into(), out.thinking.concat().into());
                }
            }
            final_line = ordered;
        }
        if logprobs {
            let all: Vec<Value> = (0..out.content.len())
                .map(|i| out.logprob(i, top))
                .collect();
            final_line.insert("logprobs".into(), Value::Array(all));
        }
        return Reply::ok(&Value::Object(final_line));
    }

    let mut lines = Vec::new();
    for piece in &out.thinking {
        lines.push(json!({"model": model, "created_at": now(), "response": "", "thinking": piece, "done": false}));
    }
    for (i, piece) in out.content.iter().enumerate() {
        let mut line =
            json!({"model": model, "created_at": now(), "response": piece, "done": false});
        if logprobs {
            line["logprobs"] = json!([out.logprob(i, top)]);
        }
        lines.push(line);
    }
    final_line["created_at"] = now().into();
    lines.push(Value::Object(final_line));
    Reply::ndjson(
        lines
            .iter()
            .map(|l| Unit::Line(gojson::to_line(l)))
            .collect(),
    )
}

/// A tool call id: `call_` + 8 characters from a hash of the tool's name and `seed`.
fn call_id(name: &str, seed: &str) -> String {
    let hash = Sha256::digest(format!("{name}\n{seed}").as_bytes());
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let id: String = hash[..8]
        .iter()
        .map(|b| char::from(alphabet[usize::from(*b) % alphabet.len()]))
        .collect();
    format!("call_{id}")
}

/// A tool's name and the arguments of a call.
pub(crate) type NamedCall = (String, Map<String, Value>);

/// The calls a user message asks for: `call NAME [ARGS]`, several separated by `;`, optionally
/// preceded by `always` (the model then calls again after the results); `ARGS` is a JSON object
/// (default `{}`). `None` unless the whole text has that shape.
pub(crate) fn call_directive(text: &str) -> Option<(bool, Vec<NamedCall>)> {
    let mut rest = text.trim();
    let always = match rest.strip_prefix("always") {
        Some(r) if r.starts_with(char::is_whitespace) => {
            rest = r.trim_start();
            true
        }
        _ => false,
    };
    let mut calls = Vec::new();
    loop {
        rest = rest.strip_prefix("call")?;
        if !rest.starts_with(char::is_whitespace) {
            return None;
        }
        rest = rest.trim_start();
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ';' || c == '{')
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() {
            return None;
        }
        rest = rest[end..].trim_start();
        let mut arguments = Map::new();
        if rest.starts_with('{') {
            let mut values =
                serde_json::Deserializer::from_str(rest).into_iter::<Map<String, Value>>();
            arguments = values.next()?.ok()?;
            rest = rest[values.byte_offset()..].trim_start();
        }
        calls.push((name.to_string(), arguments));
        if rest.is_empty() {
            return Some((always, calls));
        }
        rest = rest.strip_prefix(';')?.trim_start();
        if rest.is_empty() {
            return Some((always, calls));
        }
    }
}

/// The calls of a [`call_directive`], with ids and indexes.
fn directed_calls(calls: Vec<NamedCall>, seed: usize) -> Vec<Value> {
    calls
        .into_iter()
        .enumerate()
        .map(|(index, (name, arguments))| {
            json!({
                "id": call_id(&name, &format!("{seed}.{index}")),
                "function": {"index": index, "name": name, "arguments": arguments},
            })
        })
        .collect()
}

/// A tool call for the first tool, with arguments sampled from its required parameters.
fn tool_call(tools: &[Value], seed: &str) -> Option<Value> {
    let function = tools.first()?.get("function")?;
    let name = function.get("name").and_then(Value::as_str).unwrap_or("");
    let parameters = function.get("parameters");
    let properties = parameters.and_then(|p| p.get("properties"));
    let mut arguments = Map::new();
    if let Some(Value::Array(required)) = parameters.and_then(|p| p.get("required")) {
        for key in required.iter().filter_map(Value::as_str) {
            let schema = properties
                .and_then(|p| p.get(key))
                .cloned()
                .unwrap_or(Value::Null);
            let sample = sample_for(&schema, "example");
            arguments.insert(
                key.into(),
                serde_json::from_str(&sample).unwrap_or(Value::Null),
            );
        }
    }
    Some(json!({
        "id": call_id(name, seed),
        "function": {"index": 0, "name": name, "arguments": arguments},
    }))
}

pub(crate) fn chat(shared: &Arc<Shared>, body: &[u8], fault: Option<&Fault>) -> Reply {
    let req = match decode_request(body, "ChatRequest", CHAT_SPEC) {
        Ok(req) => req,
        Err(message) => return Reply::bad_request(message),
    };
    let model = req.str_of("model");
    if model.is_empty() {
        return Reply::bad_request("model is required");
    }
    let Some(name) = Name::parse(model) else {
        return not_found(model);
    };
    if let Err(reply) = check_common(&req) {
        return reply;
    }
    let Some(spec) = lookup(shared, &name) else {
        return not_found(model);
    };
    if !has_capability(&spec, "completion") {
        return Reply::bad_request(format!("\"{model}\" does not support chat"));
    }
    let tools: Vec<Value> = req
        .get("tools")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !tools.is_empty() && !has_capability(&spec, "tools") {
        return Reply::bad_request(format!("{} does not support tools", name.full()));
    }
    let think = match wants_thinking(&spec, &req, model) {
        Ok(think) => think,
        Err(reply) => return reply,
    };
    if let Err(message) = state::check_options(req.get("options")) {
        return Reply::error(StatusCode::INTERNAL_SERVER_ERROR, message);
    }
    let options = effective_options(&spec, req.get("options"));
    let keep_alive = keep_alive(&req);
    let messages: Vec<Value> = req
        .get("messages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let assistant = |content: &str| json!({"role": "assistant", "content": content});
    if messages.is_empty() {
        shared.state().touch(&spec, keep_alive, num_ctx(&options));
        let reason = if keep_alive == Some(0) {
            "unload"
        } else {
            "load"
        };
        return Reply::ok(&json!({
            "model": model, "created_at": now(), "message": assistant(""), "done": true, "done_reason": reason,
        }));
    }
    if let Err(reply) = check_format(req.get("format")) {
        return reply;
    }
    let has_images = messages.iter().any(|m| {
        m.get("images")
            .and_then(Value::as_array)
            .is_some_and(|i| !i.is_empty())
    });
    if has_images && !has_capability(&spec, "vision") {
        return Reply::bad_request(NO_VISION);
    }
    shared.state().touch(&spec, keep_alive, num_ctx(&options));

    let last = messages.last().cloned().unwrap_or(Value::Null);
    let last_role = last.get("role").and_then(Value::as_str).unwrap_or("");
    let content_of = |m: &Value| {
        m.get("content")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    // After tool results, the reply echoes all of them (those after the last other message).
    let prompt = if last_role == "tool" {
        let first_result = messages
            .iter()
            .rposition(|m| m.get("role").and_then(Value::as_str) != Some("tool"))
            .map_or(0, |i| i + 1);
        let results: Vec<String> = messages[first_result..].iter().map(content_of).collect();
        results.join("; ")
    } else {
        content_of(&last)
    };
    let prompt = prompt.as_str();
    let directive = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .and_then(|m| call_directive(&content_of(m)));
    let mut prompt_words: u64 = messages
        .iter()
        .filter_map(|m| m.get("content").and_then(Value::as_str))
        .map(words)
        .sum();
    if messages
        .first()
        .and_then(|m| m.get("role"))
        .and_then(Value::as_str)
        != Some("system")
    {
        prompt_words += words(&spec.system);
    }
    let split_utf8 = matches!(fault, Some(Fault::SplitUtf8));
    let mut out = Output::new(
        prompt,
        think,
        &options,
        req.get("format"),
        split_utf8,
        prompt_words,
    );
    if !tools.is_empty() {
        match directive {
            Some((always, calls)) if last_role == "user" || (always && last_role == "tool") => {
                out.content.clear();
                out.done_reason = "stop";
                out.tool_calls = directed_calls(calls, messages.len());
            }
            _ if last_role != "tool" => {
                out.content.clear();
                out.done_reason = "stop";
                out.tool_calls
                    .extend(tool_call(&tools, &format!("{}", messages.len())));
            }
            _ => {}
        }
    }
    let logprobs = req.bool_of("logprobs") == Some(true);
    let top = req.int_of("top_logprobs").unwrap_or(0).max(0) as usize;

    let mut final_line = Map::new();
    final_line.insert("model".into(), model.into());
    final_line.insert("created_at".into(), Value::Null);
    final_line.insert("message".into(), assistant(""));
    final_line.insert("done".into(), true.into());
    final_line.insert("done_reason".into(), out.done_reason.into());
    out.metrics(&mut final_line);

    if req.bool_of("stream") == Some(false) {
        let mut message = assistant(&out.content.concat());
        if !out.thinking.is_empty() {
            message["thinking"] = out.thinking.concat().into();
        }
        if !out.tool_calls.is_empty() {
            message["tool_calls"] = Value::Array(out.tool_calls.clone());
        }
        final_line["created_at"] = now().into();
        final_line["message"] = message;
        if logprobs {
            let all: Vec<Value> = (0..out.content.len())
                .map(|i| out.logprob(i, top))
                .collect();
            final_line.insert("logprobs".into(), Value::Array(all));
        }
        return Reply::ok(&Value::Object(final_line));
    }

    let mut lines = Vec::new();
    for piece in &out.thinking {
        let mut message = assistant("");
        message["thinking"] = piece.as_str().into();
        lines.push(json!({"model": model, "created_at": now(), "message": message, "done": false}));
    }
    if !out.tool_calls.is_empty() {
        let mut message = assistant("");
        message["tool_calls"] = Value::Array(out.tool_calls.clone());
        lines.push(json!({"model": model, "created_at": now(), "message": message, "done": false}));
    }
    for (i, piece) in out.content.iter().enumerate() {
        let mut line = json!({"model": model, "created_at": now(), "message": assistant(piece), "done": false});
        if logprobs {
            line["logprobs"] = json!([out.logprob(i, top)]);
        }
        lines.push(line);
    }
    final_line["created_at"] = now().into();
    lines.push(Value::Object(final_line));
    Reply::ndjson(
        lines
            .iter()
            .map(|l| Unit::Line(gojson::to_line(l)))
            .collect(),
    )
}

fn embed_not_found(model: &str) -> Reply {
    Reply::error(
        StatusCode::NOT_FOUND,
        format!("model \"{model}\" not found, try pulling it first"),
    )
}

pub(crate) fn embed(shared: &Arc<Shared>, body: &[u8]) -> Reply {
    let req = match decode_request(body, "EmbedRequest", EMBED_SPEC) {
        Ok(req) => req,
        Err(message) => return Reply::bad_request(message),
    };
    let inputs: Vec<String> = match req.get("input") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if s.is_empty() => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => {
            let strings: Option<Vec<String>> =
                items.iter().map(|i| i.as_str().map(String::from)).collect();
            match strings {
                Some(strings) => strings,
                None => return Reply::bad_request("invalid input type"),
            }
        }
        Some(_) => return Reply::bad_request("invalid input type"),
    };
    let model = req.str_of("model");
    if model.is_empty() {
        return not_found(model);
    }
    let Some(spec) = Name::parse(model).and_then(|name| lookup(shared, &name)) else {
        return embed_not_found(model);
    };
    if let Err(message) = state::check_options(req.get("options")) {
        return Reply::error(StatusCode::INTERNAL_SERVER_ERROR, message);
    }
    let options = effective_options(&spec, req.get("options"));
    shared
        .state()
        .touch(&spec, keep_alive(&req), num_ctx(&options));
    if inputs.is_empty() {
        return Reply::ok(&json!({"model": model, "embeddings": []}));
    }
    if !has_capability(&spec, "embedding") {
        return Reply::error(StatusCode::NOT_IMPLEMENTED, NO_EMBEDDINGS);
    }
    let context = num_ctx(&options).map_or(spec.context_length, |n| n.max(0) as u64);
    if req.bool_of("truncate") == Some(false) && inputs.iter().any(|i| words(i) > context) {
        return Reply::bad_request("the input length exceeds the context length");
    }
    let dims = spec.embedding_length.max(1) as usize;
    let cut = req
        .int_of("dimensions")
        .filter(|d| *d > 0 && (*d as usize) < dims);
    let vectors: Vec<Value> = inputs
        .iter()
        .map(|input| {
            let mut v = embedding(input, dims);
            if let Some(n) = cut {
                v.truncate(n as usize);
                normalize(&mut v);
            }
            Value::Array(v.into_iter().map(gojson::f32_number).collect())
        })
        .collect();
    let prompt_eval_count: u64 = inputs.iter().map(|i| words(i) + 2).sum();
    Reply::ok(&json!({
        "model": model,
        "embeddings": vectors,
        "total_duration": 1_500_000 + prompt_eval_count * 100_000,
        "load_duration": 1_000_000,
        "prompt_eval_count": prompt_eval_count,
    }))
}

pub(crate) fn embeddings(shared: &Arc<Shared>, body: &[u8]) -> Reply {
    let req = match decode_request(body, "EmbeddingRequest", EMBEDDINGS_SPEC) {
        Ok(req) => req,
        Err(message) => return Reply::bad_request(message),
    };
    let model = req.str_of("model");
    if model.is_empty() {
        return Reply::bad_request("model is required");
    }
    let Some(spec) = Name::parse(model).and_then(|name| lookup(shared, &name)) else {
        return embed_not_found(model);
    };
    if let Err(message) = state::check_options(req.get("options")) {
        return Reply::error(StatusCode::INTERNAL_SERVER_ERROR, message);
    }
    let options = effective_options(&spec, req.get("options"));
    shared
        .state()
        .touch(&spec, keep_alive(&req), num_ctx(&options));
    let prompt = req.str_of("prompt");
    if prompt.is_empty() {
        return Reply::ok(&json!({"embedding": []}));
    }
    if !has_capability(&spec, "embedding") {
        return Reply::error(StatusCode::INTERNAL_SERVER_ERROR, NO_EMBEDDINGS);
    }
    // The legacy endpoint widens the runner's float32 values to float64 (capture 50).
    let vector: Vec<Value> = embedding(prompt, spec.embedding_length.max(1) as usize)
        .into_iter()
        .map(|v| json!(f64::from(v)))
        .collect();
    Reply::ok(&json!({"embedding": vector}))
}
