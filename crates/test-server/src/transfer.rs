//! `/api/blobs/:digest`, `/api/create`, `/api/pull` and `/api/push`.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt as _;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use super::body::{Reply, Step};
use super::clock;
use super::json::{decode_request, Fields, Kind};
use super::models::requested_name;
use super::state::{self, Name, State, CHATML_TEMPLATE};
use super::{ModelSpec, Shared};

/// Go's server drains at most this much of an unread request body before it closes the connection.
const DRAIN_LIMIT: usize = 256 * 1024;

/// `sha256:<hex>` (or `sha256-`), any case, as the route accepts; returns the canonical form.
pub(crate) fn canonical_digest(s: &str) -> Option<String> {
    let hex = s
        .strip_prefix("sha256:")
        .or_else(|| s.strip_prefix("sha256-"))?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("sha256:{}", hex.to_ascii_lowercase()))
}

pub(crate) fn blob_head(shared: &Arc<Shared>, digest: &str) -> Reply {
    let Some(canonical) = canonical_digest(digest) else {
        return Reply::bad_request("invalid digest format");
    };
    if shared.state().has_blob(&canonical) {
        Reply::empty(StatusCode::OK)
    } else {
        Reply::error(
            StatusCode::NOT_FOUND,
            format!("blob \"{digest}\" not found"),
        )
    }
}

/// Reads what Go would drain of a body nobody wants; `false` when too much is left.
async fn drain(body: Body, headers: &HeaderMap) -> (Vec<u8>, bool) {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT) {
        return (Vec::new(), false);
    }
    let mut stream = body.into_data_stream();
    let mut read = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return (read, false);
        };
        read.extend_from_slice(&chunk);
        if read.len() > DRAIN_LIMIT {
            return (read, false);
        }
    }
    (read, true)
}

/// POST /api/blobs/:digest, hashing the body as it arrives. The bytes are kept once, as the blob,
/// and not copied into the request record (benchmarks upload large files).
pub(crate) async fn blob_post(
    shared: &Arc<Shared>,
    record: usize,
    digest: &str,
    headers: &HeaderMap,
    body: Body,
) -> Reply {
    let finish = |reply: Reply, drained: (Vec<u8>, bool)| {
        shared.set_recorded_body(record, drained.0);
        if drained.1 {
            reply
        } else {
            reply.with_header(header::CONNECTION, "close")
        }
    };
    let Some(canonical) = canonical_digest(digest) else {
        let drained = drain(body, headers).await;
        return finish(Reply::bad_request("invalid digest format"), drained);
    };
    if shared.state().has_blob(&canonical) {
        // Like Ollama: answer without reading the upload (capture 54, 59).
        let drained = drain(body, headers).await;
        return finish(Reply::empty(StatusCode::OK), drained);
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut hasher = Sha256::new();
    let mut data = BytesMut::with_capacity(declared.min(64 << 20));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => {
                hasher.update(&chunk);
                data.extend_from_slice(&chunk);
            }
            Err(e) => return Reply::bad_request(e.to_string()),
        }
    }
    let got = format!(
        "sha256:{}",
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let data: Bytes = data.freeze();
    // The bytes are kept under their real digest even when the upload is rejected (capture 57).
    shared.state().blobs.insert(got.clone(), data);
    if got != digest {
        return Reply::bad_request(format!(
            "digest mismatch, expected \"{digest}\", got \"{got}\""
        ));
    }
    Reply::empty(StatusCode::CREATED)
}

/// What this server reads from a GGUF header.
#[derive(Default)]
struct GgufInfo {
    architecture: Option<String>,
    file_type: Option<u64>,
    parameter_count: Option<u64>,
    context_length: Option<u64>,
    embedding_length: Option<u64>,
    pooling: bool,
}

fn read_gguf(data: &[u8]) -> Option<GgufInfo> {
    struct Reader<'a>(&'a [u8], usize);
    impl Reader<'_> {
        fn take(&mut self, n: usize) -> Option<&[u8]> {
            let out = self.0.get(self.1..self.1.checked_add(n)?)?;
            self.1 += n;
            Some(out)
        }
        fn u32(&mut self) -> Option<u32> {
            Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
        }
        fn u64(&mut self) -> Option<u64> {
            Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
        }
        fn string(&mut self) -> Option<String> {
            let len = usize::try_from(self.u64()?).ok()?;
            Some(String::from_utf8_lossy(self.take(len)?).into_owned())
        }
        /// Reads one value; integers come back as numbers, strings as text, the rest is skipped.
        fn value(&mut self, kind: u32) -> Option<Value> {
            Some(match kind {
                0 | 1 | 7 => u64::from(self.take(1)?[0]).into(),
                2 | 3 => u64::from(u16::from_le_bytes(self.take(2)?.try_into().ok()?)).into(),
                4 | 5 => u64::from(self.u32()?).into(),
                6 => {
                    self.take(4)?;
                    Value::Null
                }
                8 => self.string()?.into(),
                9 => {
                    let item = self.u32()?;
                    let count = self.u64()?;
                    for _ in 0..count {
                        self.value(item)?;
                    }
                    Value::Null
                }
                10 | 11 => self.u64()?.into(),
                12 => {
                    self.take(8)?;
                    Value::Null
                }
                _ => return None,
            })
        }
    }
    let mut r = Reader(data, 0);
    if r.take(4)? != b"GGUF" {
        return None;
    }
    let mut info = GgufInfo::default();
    let _version = r.u32()?;
    let _tensors = r.u64()?;
    let count = r.u64()?;
    for _ in 0..count {
        let key = r.string()?;
        let kind = r.u32()?;
        let value = r.value(kind)?;
        match key.as_str() {
            "general.architecture" => info.architecture = value.as_str().map(String::from),
            "general.file_type" => info.file_type = value.as_u64(),
            "general.parameter_count" => info.parameter_count = value.as_u64(),
            k if k.ends_with(".context_length") => info.context_length = value.as_u64(),
            k if k.ends_with(".embedding_length") => info.embedding_length = value.as_u64(),
            k if k.ends_with(".pooling_type") => info.pooling = true,
            _ => {}
        }
    }
    Some(info)
}

/// A minimal valid GGUF file (no tensors) that `/api/create` accepts.
pub(crate) fn gguf(architecture: &str, file_type: u32) -> Vec<u8> {
    fn string(out: &mut Vec<u8>, s: &str) {
        out.extend_from_slice(&(s.len() as u64).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    fn key_u32(out: &mut Vec<u8>, key: &str, v: u32) {
        string(out, key);
        out.extend_from_slice(&4u32.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
    }
    let mut out = b"GGUF".to_vec();
    out.extend_from_slice(&3u32.to_le_bytes());
    out.extend_from_slice(&0u64.to_le_bytes());
    out.extend_from_slice(&5u64.to_le_bytes());
    string(&mut out, "general.architecture");
    out.extend_from_slice(&8u32.to_le_bytes());
    string(&mut out, architecture);
    key_u32(&mut out, "general.file_type", file_type);
    string(&mut out, "general.parameter_count");
    out.extend_from_slice(&10u32.to_le_bytes());
    out.extend_from_slice(&118_976u64.to_le_bytes());
    key_u32(&mut out, &format!("{architecture}.context_length"), 4096);
    key_u32(&mut out, &format!("{architecture}.embedding_length"), 64);
    out
}

fn quantization_level(file_type: u64) -> &'static str {
    match file_type {
        1 => "F16",
        2 => "Q4_0",
        7 => "Q8_0",
        14 => "Q4_K_S",
        15 => "Q4_K_M",
        32 => "BF16",
        // All-F32 files carry file_type 0, which Ollama reports as unknown (fact 16).
        _ => "unknown",
    }
}

fn canonical_quantization(requested: &str) -> Option<&'static str> {
    ["Q4_K_M", "Q4_K_S", "Q8_0", "F16", "BF16", "F32"]
        .into_iter()
        .find(|q| q.eq_ignore_ascii_case(requested))
}

fn status(text: impl Into<String>) -> Step {
    Step::Line(json!({"status": text.into()}))
}

fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    &hex[..hex.len().min(12)]
}

/// Lines and effects of a pull of `spec`, up to and including `writing manifest`.
fn pull_steps(shared: &Arc<Shared>, state: &State, spec: &ModelSpec) -> Vec<Step> {
    let mut steps = Vec::new();
    let config = state::config_blob(spec);
    let mut layers = spec.layers.clone();
    layers.push((state::digest_of(&config), config.len() as u64));
    for (digest, total) in layers {
        let line = |completed: u64| {
            Step::Line(json!({
                "status": format!("pulling {}", short(&digest)),
                "digest": digest,
                "total": total,
                "completed": completed,
            }))
        };
        if state.has_blob(&digest) {
            steps.push(line(total));
            continue;
        }
        for part in 1..=3 {
            steps.push(line(total * part / 3));
        }
        let shared = Arc::clone(shared);
        steps.push(Step::Effect(Box::new(move || {
            shared.state().known_blobs.insert(digest);
        })));
    }
    steps.push(status("verifying sha256 digest"));
    steps.push(status("writing manifest"));
    steps
}

fn install_effect(shared: &Arc<Shared>, mut spec: ModelSpec) -> Step {
    let shared = Arc::clone(shared);
    Step::Effect(Box::new(move || {
        spec.modified_at = clock::rfc3339(clock::now());
        shared.state().install(spec);
    }))
}

const PULL_SPEC: &[(&str, Kind)] = &[
    ("model", Kind::Str),
    ("name", Kind::Str),
    ("insecure", Kind::Bool),
    ("stream", Kind::Bool),
    ("username", Kind::Str),
    ("password", Kind::Str),
];

pub(crate) fn pull(shared: &Arc<Shared>, body: &[u8]) -> Reply {
    let req = match decode_request(body, "PullRequest", PULL_SPEC) {
        Ok(req) => req,
        Err(message) => return Reply::bad_request(message),
    };
    let Some(name) = Name::parse(requested_name(&req)) else {
        return Reply::bad_request("invalid model name");
    };
    let stream = req.bool_of("stream") != Some(false);
    let mut steps = vec![status("pulling manifest")];
    let state = shared.state();
    match state.registry.get(&name.key()).cloned() {
        None => steps.push(Step::Fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "pull model manifest: file does not exist".into(),
        )),
        Some(mut spec) => {
            spec.name = name.display();
            steps.extend(pull_steps(shared, &state, &spec));
            steps.push(install_effect(shared, spec));
            steps.push(status("success"));
        }
    }
    drop(state);
    Reply::progress(steps, stream)
}

pub(crate) fn push(shared: &Arc<Shared>, body: &[u8]) -> Reply {
    let req = match decode_request(body, "PushRequest", PULL_SPEC) {
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
    let stream = req.bool_of("stream") != Some(false);
    let mut steps = vec![status("retrieving manifest")];
    let Some(spec) = shared.state().model(&name).cloned() else {
        steps.push(status("couldn't retrieve manifest"));
        steps.push(Step::Fail(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("open {}: no such file or directory", name.manifest_path()),
        ));
        return Reply::progress(steps, stream);
    };
    let config = state::config_blob(&spec);
    let mut layers = spec.layers.clone();
    layers.push((state::digest_of(&config), config.len() as u64));
    for (digest, total) in layers {
        steps.push(Step::Line(json!({
            "status": format!("pushing {}", short(&digest)),
            "digest": digest,
            "total": total,
            "completed": total,
        })));
    }
    steps.push(status("pushing manifest"));
    let shared2 = Arc::clone(shared);
    steps.push(Step::Effect(Box::new(move || {
        shared2.state().registry.insert(name.key(), spec);
    })));
    steps.push(status("success"));
    Reply::progress(steps, stream)
}

const CREATE_SPEC: &[(&str, Kind)] = &[
    ("model", Kind::Str),
    ("name", Kind::Str),
    ("from", Kind::Str),
    ("files", Kind::StrMap),
    ("adapters", Kind::StrMap),
    ("draft_files", Kind::StrMap),
    ("draft_quantize", Kind::Str),
    ("template", Kind::Str),
    ("system", Kind::Str),
    ("license", Kind::Any),
    ("parameters", Kind::Object),
    (
        "messages",
        Kind::Objects("Message", &[("role", Kind::Str), ("content", Kind::Str)]),
    ),
    ("quantize", Kind::Str),
    ("stream", Kind::Bool),
];

/// `fs.ValidPath`: relative, `/`-separated, no empty, `.` or `..` elements.
fn valid_file_path(path: &str) -> bool {
    path == "."
        || (!path.is_empty()
            && path
                .split('/')
                .all(|e| !e.is_empty() && e != "." && e != ".."))
}

fn string_map(req: &Map<String, Value>, key: &str) -> Vec<(String, String)> {
    req.get(key)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Adds the capabilities a template advertises, as Ollama derives them.
fn template_capabilities(spec: &mut ModelSpec) {
    for (marker, capability) in [
        (".Tools", "tools"),
        (".Suffix", "insert"),
        (".Think", "thinking"),
    ] {
        if spec.template.contains(marker) && !state::has_capability(spec, capability) {
            spec.capabilities.push(capability.into());
        }
    }
}

pub(crate) fn create(shared: &Arc<Shared>, body: &[u8]) -> Reply {
    let req = match decode_request(body, "CreateRequest", CREATE_SPEC) {
        Ok(req) => req,
        Err(message) => return Reply::bad_request(message),
    };
    let Some(name) = Name::parse(requested_name(&req)) else {
        return Reply::bad_request("invalid model name");
    };
    let files = string_map(&req, "files");
    let adapters = string_map(&req, "adapters");
    let drafts = string_map(&req, "draft_files");
    for (path, digest) in files.iter().chain(&adapters).chain(&drafts) {
        if !valid_file_path(path) {
            return Reply::bad_request("file path must be relative");
        }
        if canonical_digest(digest).is_none() {
            return Reply::bad_request("invalid digest format");
        }
    }
    if !req.str_of("draft_quantize").is_empty() && drafts.is_empty() {
        return Reply::bad_request("--draft-quantize requires a DRAFT model");
    }
    let stream = req.bool_of("stream") != Some(false);
    let mut state = shared.state();
    let steps = create_steps(shared, &mut state, &req, &name, &files, &adapters, &drafts);
    drop(state);
    Reply::progress(steps, stream)
}

fn create_steps(
    shared: &Arc<Shared>,
    state: &mut State,
    req: &Map<String, Value>,
    name: &Name,
    files: &[(String, String)],
    adapters: &[(String, String)],
    drafts: &[(String, String)],
) -> Vec<Step> {
    let fail = |status: StatusCode, message: String| vec![Step::Fail(status, message)];
    let from = req.str_of("from");
    if from.is_empty() && files.is_empty() {
        return fail(
            StatusCode::BAD_REQUEST,
            "neither 'from' or 'files' was specified".into(),
        );
    }
    let quantize = match req.str_of("quantize") {
        "" => None,
        q => match canonical_quantization(q) {
            Some(q) => Some(q),
            None => {
                return fail(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("unsupported quantization type {q} - supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0"),
                )
            }
        },
    };
    let mut steps = Vec::new();
    let mut spec;
    let weights: Vec<(String, u64)>;

    if !files.is_empty() {
        let (file, digest) = &files[0];
        let digest = canonical_digest(digest).expect("checked");
        if !state.has_blob(&digest) {
            return fail(
                StatusCode::BAD_REQUEST,
                format!("blob \"{digest}\" not found"),
            );
        }
        let data = state.blobs.get(&digest).cloned();
        let is_gguf = data.as_ref().is_none_or(|d| d.starts_with(b"GGUF"));
        let size = data.as_ref().map_or(482_944, |d| d.len() as u64);
        spec = ModelSpec::new(&name.display(), &["completion"]);
        spec.template.clear();
        spec.parameters.clear();
        if is_gguf || file.ends_with(".gguf") {
            steps.push(status("parsing GGUF"));
            let info = match &data {
                None => Some(GgufInfo::default()),
                Some(d) => read_gguf(d),
            };
            let Some(info) = info else {
                steps.push(Step::Fail(
                    StatusCode::BAD_REQUEST,
                    "supplied file was not in GGUF format".into(),
                ));
                return steps;
            };
            let arch = info.architecture.unwrap_or_else(|| "llama".into());
            if arch == "bert" || info.pooling {
                spec.capabilities = vec!["embedding".into()];
            }
            spec.family = arch;
            if let Some(n) = info.parameter_count {
                spec.parameter_size = state::human_count(n);
            }
            if let Some(n) = info.context_length {
                spec.context_length = n;
            }
            if let Some(n) = info.embedding_length {
                spec.embedding_length = n;
            }
            spec.quantization_level = quantization_level(info.file_type.unwrap_or(0)).into();
        } else if [".safetensors", ".json", ".bin", ".model"]
            .iter()
            .any(|s| file.ends_with(s))
        {
            steps.push(status("converting model"));
            spec.quantization_level = "F16".into();
        } else {
            return fail(StatusCode::BAD_REQUEST, "unknown type".into());
        }
        match quantize {
            Some(q) => match quantize_steps(state, &mut spec, &digest, size, q) {
                Ok((mut lines, layer)) => {
                    steps.append(&mut lines);
                    steps.push(status("verifying conversion"));
                    steps.push(status(format!("creating new layer {}", layer.0)));
                    weights = vec![layer];
                }
                Err(message) => {
                    steps.push(Step::Fail(StatusCode::INTERNAL_SERVER_ERROR, message));
                    return steps;
                }
            },
            None => {
                steps.push(status("verifying conversion"));
                steps.push(status(format!("using existing layer {digest}")));
                weights = vec![(digest, size)];
            }
        }
        if req.str_of("template").is_empty() && state::has_capability(&spec, "completion") {
            steps.push(status("using autodetected template chatml"));
            spec.template = CHATML_TEMPLATE.into();
            spec.parameters
                .insert("stop".into(), json!(["<|im_start|>", "<|im_end|>"]));
        }
    } else {
        let Some(base_name) = Name::parse(from) else {
            return fail(StatusCode::BAD_REQUEST, "invalid model name".into());
        };
        spec = match state.model(&base_name).cloned() {
            Some(base) => base,
            None => {
                steps.push(status("pulling manifest"));
                let Some(mut base) = state.registry.get(&base_name.key()).cloned() else {
                    steps.push(Step::Fail(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "pull model manifest: file does not exist".into(),
                    ));
                    return steps;
                };
                base.name = base_name.display();
                let mut pulled = pull_steps(shared, state, &base);
                pulled.remove(0);
                steps.append(&mut pulled);
                steps.push(install_effect(shared, base.clone()));
                base
            }
        };
        let text: Vec<String> = state::text_layers(&spec)
            .iter()
            .map(|d| state::digest_of(d))
            .collect();
        let base_weights: Vec<(String, u64)> = spec
            .layers
            .iter()
            .filter(|(d, _)| !text.contains(d))
            .cloned()
            .collect();
        match quantize {
            Some(q) => {
                if !["F16", "BF16", "F32"].contains(&spec.quantization_level.as_str()) {
                    if steps.is_empty() {
                        return fail(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "quantization is only supported for F16, BF16 and F32 models".into(),
                        );
                    }
                    steps.push(Step::Fail(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "quantization is only supported for F16, BF16 and F32 models".into(),
                    ));
                    return steps;
                }
                let (digest, size) = base_weights.first().cloned().unwrap_or_default();
                let (mut lines, layer) =
                    quantize_steps(state, &mut spec, &digest, size, q).expect("checked");
                steps.append(&mut lines);
                steps.push(status(format!("creating new layer {}", layer.0)));
                weights = vec![layer];
            }
            None => {
                for (digest, _) in &base_weights {
                    steps.push(status(format!("using existing layer {digest}")));
                }
                weights = base_weights;
            }
        }
    }

    spec.name = name.display();
    if !req.str_of("template").is_empty() {
        spec.template = req.str_of("template").into();
    }
    if !req.str_of("system").is_empty() {
        spec.system = req.str_of("system").into();
    }
    match req.get("license") {
        Some(Value::String(s)) => spec.license = s.clone(),
        Some(Value::Array(items)) => {
            spec.license = items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n");
        }
        _ => {}
    }
    if let Some(Value::Object(parameters)) = req.get("parameters") {
        for (k, v) in parameters {
            spec.parameters.insert(k.clone(), v.clone());
        }
    }
    if let Some(Value::Array(messages)) = req.get("messages") {
        spec.messages = messages.clone();
    }
    template_capabilities(&mut spec);

    let mut layers = weights;
    for (_, digest) in adapters {
        let digest = canonical_digest(digest).expect("checked");
        let size = state.blobs.get(&digest).map_or(0, |d| d.len() as u64);
        steps.push(status(format!("using existing layer {digest}")));
        layers.push((digest, size));
    }
    // A draft model's files become layers of their own; they must have
    // been uploaded.
    for (_, digest) in drafts {
        let digest = canonical_digest(digest).expect("checked");
        let Some(size) = state.blobs.get(&digest).map(|d| d.len() as u64) else {
            steps.push(Step::Fail(
                StatusCode::BAD_REQUEST,
                format!("blob \"{digest}\" not found"),
            ));
            return steps;
        };
        steps.push(status(format!("using existing layer {digest}")));
        layers.push((digest, size));
    }
    for data in state::text_layers(&spec) {
        let (digest, size, new) = state.add_blob(data);
        let verb = if new {
            "creating new"
        } else {
            "using existing"
        };
        steps.push(status(format!("{verb} layer {digest}")));
        layers.push((digest, size));
    }
    spec.layers = layers;
    spec.size = state::total_size(&spec);
    steps.push(status("writing manifest"));
    steps.push(install_effect(shared, spec));
    steps.push(status("success"));
    steps
}

/// Progress lines of a quantization and the new weights layer.
fn quantize_steps(
    state: &mut State,
    spec: &mut ModelSpec,
    digest: &str,
    size: u64,
    target: &str,
) -> Result<(Vec<Step>, (String, u64)), String> {
    let source = match spec.quantization_level.as_str() {
        "F16" | "BF16" | "F32" => spec.quantization_level.clone(),
        _ => return Err("quantization is only supported for F16, BF16 and F32 models".into()),
    };
    let status = format!("quantizing {source} model to {target}");
    let lines = (1..=3)
        .map(|part| {
            Step::Line(json!({
                "status": status,
                "digest": "0000000000000000000",
                "total": size,
                "completed": size * part / 3,
            }))
        })
        .collect();
    let (new_digest, _, _) = state.add_blob(format!("{target} weights from {digest}").into_bytes());
    spec.quantization_level = target.into();
    Ok((lines, (new_digest, (size / 2).max(1))))
}
