//! The server's models, blobs, registry and loaded runners.

use std::collections::{BTreeMap, HashMap, HashSet};

use bytes::Bytes;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};

use super::clock::{self, Nanos};
use super::{json as gojson, ModelSpec};

pub(crate) const DEFAULT_HOST: &str = "registry.ollama.ai";
pub(crate) const DEFAULT_NAMESPACE: &str = "library";
/// Where a real server keeps its models; it appears in `FROM` lines and some error texts.
pub(crate) const MODELS_DIR: &str = "/home/user/.ollama/models";

pub(crate) const CHATML_TEMPLATE: &str = "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";

/// A parsed model name `[host/][namespace/]model[:tag]`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Name {
    pub host: String,
    pub namespace: String,
    pub model: String,
    pub tag: String,
}

fn valid_part(s: &str, extra: &[char], max: usize) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphanumeric() || first == '_')
        && s.len() <= max
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || extra.contains(&c))
}

impl Name {
    pub fn parse(s: &str) -> Option<Name> {
        let (path, tag) = match s.rfind(':') {
            Some(i) if !s[i..].contains('/') => (&s[..i], &s[i + 1..]),
            _ => (s, "latest"),
        };
        let parts: Vec<&str> = path.split('/').collect();
        let (host, namespace, model) = match parts.as_slice() {
            [m] => (DEFAULT_HOST, DEFAULT_NAMESPACE, *m),
            [ns, m] => (DEFAULT_HOST, *ns, *m),
            [h, ns, m] => (*h, *ns, *m),
            _ => return None,
        };
        let ok = valid_part(model, &['.', '-'], 80)
            && valid_part(tag, &['.', '-'], 80)
            && valid_part(namespace, &['-'], 80)
            && valid_part(host, &['.', '-', ':'], 350);
        ok.then(|| Name {
            host: host.into(),
            namespace: namespace.into(),
            model: model.into(),
            tag: tag.into(),
        })
    }

    /// The fully qualified name, used in capability errors (`registry.ollama.ai/library/tiny:latest`).
    pub fn full(&self) -> String {
        format!(
            "{}/{}/{}:{}",
            self.host, self.namespace, self.model, self.tag
        )
    }

    /// Lookups are case-insensitive.
    pub fn key(&self) -> String {
        self.full().to_lowercase()
    }

    /// The short form Ollama echoes: `tiny:latest`, `user/m:tag`, `host/ns/m:tag`.
    pub fn display(&self) -> String {
        if self.host != DEFAULT_HOST {
            self.full()
        } else if self.namespace != DEFAULT_NAMESPACE {
            format!("{}/{}:{}", self.namespace, self.model, self.tag)
        } else {
            format!("{}:{}", self.model, self.tag)
        }
    }

    pub fn manifest_path(&self) -> String {
        format!(
            "{MODELS_DIR}/manifests/{}/{}/{}/{}",
            self.host, self.namespace, self.model, self.tag
        )
    }
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let digest = Sha256::digest(data);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn digest_of(data: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(data))
}

/// The text layers a model carries besides its weights, in Ollama's order and encoding (Go's
/// `json.Encoder`: map keys sorted, trailing newline), so their digests match a real server's.
pub(crate) fn text_layers(spec: &ModelSpec) -> Vec<Vec<u8>> {
    let mut layers = Vec::new();
    if !spec.template.is_empty() {
        layers.push(spec.template.as_bytes().to_vec());
    }
    if !spec.system.is_empty() {
        layers.push(spec.system.as_bytes().to_vec());
    }
    if !spec.license.is_empty() {
        layers.push(spec.license.as_bytes().to_vec());
    }
    if !spec.parameters.is_empty() {
        let sorted: BTreeMap<&String, &Value> = spec.parameters.iter().collect();
        let sorted: Map<String, Value> = sorted
            .into_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        layers.push(gojson::to_line(&Value::Object(sorted)));
    }
    if !spec.messages.is_empty() {
        layers.push(gojson::to_line(&Value::Array(spec.messages.clone())));
    }
    layers
}

/// What `/api/tags` reports as a model's size: its layers plus the config blob.
pub(crate) fn total_size(spec: &ModelSpec) -> u64 {
    spec.layers.iter().map(|(_, s)| s).sum::<u64>() + config_blob(spec).len() as u64
}

/// The config blob a registry would hold for this model.
pub(crate) fn config_blob(spec: &ModelSpec) -> Vec<u8> {
    gojson::to_vec(&json!({
        "model_format": "gguf",
        "model_family": spec.family,
        "model_families": [spec.family],
        "model_type": spec.parameter_size,
        "file_type": spec.quantization_level,
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": []},
    }))
}

/// The manifest digest shown by `/api/tags` and `/api/ps` (64 hex, no prefix).
pub(crate) fn manifest_digest(spec: &ModelSpec) -> String {
    let layers: Vec<Value> = spec
        .layers
        .iter()
        .map(|(digest, size)| json!({"digest": digest, "size": size}))
        .collect();
    let config = config_blob(spec);
    sha256_hex(&gojson::to_vec(&json!({
        "schemaVersion": 2,
        "config": {"digest": digest_of(&config), "size": config.len()},
        "layers": layers,
    })))
}

/// The digest of the weights, which decides whether two models share a runner (fact 14).
pub(crate) fn weights_digest(spec: &ModelSpec) -> String {
    spec.layers
        .first()
        .map(|(d, _)| d.clone())
        .unwrap_or_else(|| digest_of(spec.name.as_bytes()))
}

pub(crate) fn details(spec: &ModelSpec, with_lengths: bool) -> Value {
    let mut details = json!({
        "parent_model": "",
        "format": "gguf",
        "family": spec.family,
        "families": [spec.family],
        "parameter_size": spec.parameter_size,
        "quantization_level": spec.quantization_level,
    });
    if with_lengths {
        let map = details.as_object_mut().expect("object");
        if spec.context_length > 0 {
            map.insert("context_length".into(), spec.context_length.into());
        }
        if spec.embedding_length > 0 {
            map.insert("embedding_length".into(), spec.embedding_length.into());
        }
    }
    details
}

pub(crate) fn has_capability(spec: &ModelSpec, capability: &str) -> bool {
    spec.capabilities.iter().any(|c| c == capability)
}

pub(crate) struct Loaded {
    /// The model that started the runner; ps shows its name even when another one shares it.
    pub spec: ModelSpec,
    pub weights: String,
    pub expires_at: Nanos,
    pub context_length: u64,
}

#[derive(Default)]
pub(crate) struct State {
    pub models: BTreeMap<String, ModelSpec>,
    pub registry: BTreeMap<String, ModelSpec>,
    /// Uploaded or created blobs with their bytes.
    pub blobs: HashMap<String, Bytes>,
    /// Blobs known to be present without their bytes (layers of seeded or pulled models).
    pub known_blobs: HashSet<String>,
    pub loaded: Vec<Loaded>,
}

impl State {
    pub fn new(seeded: bool) -> State {
        let mut state = State::default();
        for spec in seeded_models() {
            let key = Name::parse(&spec.name).expect("seeded name").key();
            state.registry.insert(key, spec.clone());
            if seeded {
                state.install(spec);
            }
        }
        state
    }

    pub fn install(&mut self, mut spec: ModelSpec) {
        let name =
            Name::parse(&spec.name).unwrap_or_else(|| panic!("invalid model name {:?}", spec.name));
        spec.name = name.display();
        for (digest, _) in &spec.layers {
            self.known_blobs.insert(digest.clone());
        }
        self.models.insert(name.key(), spec);
    }

    pub fn model(&self, name: &Name) -> Option<&ModelSpec> {
        self.models.get(&name.key())
    }

    pub fn has_blob(&self, digest: &str) -> bool {
        let digest = digest.replacen("sha256-", "sha256:", 1);
        self.blobs.contains_key(&digest) || self.known_blobs.contains(&digest)
    }

    /// Stores a text layer unless present; says whether it was new.
    pub fn add_blob(&mut self, data: Vec<u8>) -> (String, u64, bool) {
        let digest = digest_of(&data);
        let size = data.len() as u64;
        let new = !self.has_blob(&digest);
        if new {
            self.blobs.insert(digest.clone(), Bytes::from(data));
        }
        (digest, size, new)
    }

    /// Models newest first, as `/api/tags` lists them.
    pub fn models_newest_first(&self) -> Vec<&ModelSpec> {
        let mut models: Vec<&ModelSpec> = self.models.values().collect();
        models
            .sort_by_key(|m| std::cmp::Reverse(clock::parse_rfc3339(&m.modified_at).unwrap_or(0)));
        models
    }

    pub fn drop_expired(&mut self) {
        let now = clock::now();
        self.loaded.retain(|l| l.expires_at > now);
    }

    /// Loads (or refreshes) the runner for `spec`; `keep_alive` of 0 unloads it instead.
    pub fn touch(&mut self, spec: &ModelSpec, keep_alive: Option<Nanos>, num_ctx: Option<i64>) {
        let weights = weights_digest(spec);
        let keep_alive = keep_alive.unwrap_or(5 * 60 * clock::SECOND);
        if keep_alive == 0 {
            self.loaded.retain(|l| l.weights != weights);
            return;
        }
        let expires_at = clock::now()
            + if keep_alive < 0 {
                clock::FOREVER
            } else {
                keep_alive
            };
        let context_length = match num_ctx {
            Some(n) if n > 0 => n as u64,
            _ => spec.context_length.clamp(1, 4096),
        };
        self.drop_expired();
        if let Some(loaded) = self.loaded.iter_mut().find(|l| l.weights == weights) {
            loaded.expires_at = expires_at;
            return;
        }
        self.loaded.push(Loaded {
            spec: spec.clone(),
            weights,
            expires_at,
            context_length,
        });
    }

    /// Runners by remaining lifetime, longest first, as `/api/ps` lists them.
    pub fn loaded_sorted(&mut self) -> Vec<&Loaded> {
        self.drop_expired();
        let mut loaded: Vec<&Loaded> = self.loaded.iter().collect();
        loaded.sort_by_key(|l| std::cmp::Reverse(l.expires_at));
        loaded
    }
}

/// Options with their Go types, for the type check that answers 500 (capture 32).
pub(crate) fn option_type(key: &str) -> Option<&'static str> {
    Some(match key {
        "num_ctx" | "num_batch" | "num_gpu" | "main_gpu" | "num_thread" | "num_keep" | "seed"
        | "num_predict" | "top_k" | "repeat_last_n" | "draft_num_predict" => "integer",
        "temperature" | "top_p" | "min_p" | "typical_p" | "repeat_penalty" | "presence_penalty"
        | "frequency_penalty" => "float32",
        "use_mmap" => "boolean",
        "stop" => "array",
        _ => return None,
    })
}

/// Checks request options like Ollama's `Options.FromMap`; unknown keys are ignored.
pub(crate) fn check_options(options: Option<&Value>) -> Result<(), String> {
    let Some(Value::Object(options)) = options else {
        return Ok(());
    };
    for (key, value) in options {
        let Some(kind) = option_type(key) else {
            continue;
        };
        let ok = match (kind, value) {
            (_, Value::Null) => true,
            ("integer" | "float32", Value::Number(_)) => true,
            ("boolean", Value::Bool(_)) => true,
            ("array", Value::Array(items)) => {
                if items.iter().all(Value::is_string) {
                    true
                } else {
                    return Err(format!("option \"{key}\" must be of an array of strings"));
                }
            }
            _ => false,
        };
        if !ok {
            return Err(format!("option \"{key}\" must be of type {kind}"));
        }
    }
    Ok(())
}

/// Parameters as Go prints them in `/api/show` `parameters`: key padded to 30 columns, Go syntax value.
pub(crate) fn parameters_text(parameters: &Map<String, Value>) -> String {
    let mut lines = Vec::new();
    for (key, value) in parameters {
        let values = match value {
            Value::Array(items) => items.clone(),
            other => vec![other.clone()],
        };
        for v in values {
            lines.push(format!("{key:<30} {}", go_syntax(&v)));
        }
    }
    lines.join("\n")
}

fn go_syntax(value: &Value) -> String {
    match value {
        Value::String(s) => go_quote(s),
        Value::Number(n) if n.is_f64() => gojson::go_float(n.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// Go's `strconv.Quote` for the characters that occur in practice.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Parameter values as a Modelfile line shows them: bare strings, Go-formatted numbers.
pub(crate) fn modelfile_value(value: &Value) -> String {
    match value {
        Value::String(s) => modelfile_quote(s),
        Value::Number(n) if n.is_f64() => gojson::go_float(n.as_f64().unwrap_or(0.0)),
        other => other.to_string(),
    }
}

/// Quotes a Modelfile value that holds a newline or outer blanks, with `"""` if it holds `"`.
pub(crate) fn modelfile_quote(s: &str) -> String {
    let needs =
        s.contains('\n') || s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace);
    if !needs {
        s.to_string()
    } else if s.contains('"') {
        format!("\"\"\"{s}\"\"\"")
    } else {
        format!("\"{s}\"")
    }
}

/// "119K", "8.0B": Ollama's human-readable parameter counts.
pub(crate) fn human_count(n: u64) -> String {
    let scaled = |div: f64, unit: &str| {
        let v = n as f64 / div;
        if v < 10.0 && v.fract() != 0.0 {
            format!("{v:.1}{unit}")
        } else {
            format!("{}{unit}", v.round() as u64)
        }
    };
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => scaled(1e3, "K"),
        1_000_000..=999_999_999 => scaled(1e6, "M"),
        _ => scaled(1e9, "B"),
    }
}

/// The inverse of [`human_count`], for `general.parameter_count`.
pub(crate) fn parse_count(s: &str) -> u64 {
    let (number, scale) = match s.chars().last() {
        Some('K') => (&s[..s.len() - 1], 1e3),
        Some('M') => (&s[..s.len() - 1], 1e6),
        Some('B') => (&s[..s.len() - 1], 1e9),
        _ => (s, 1.0),
    };
    (number.parse::<f64>().unwrap_or(0.0) * scale) as u64
}

/// The models `TestServer::start` installs; all of them can also be pulled.
pub(crate) fn seeded_models() -> Vec<ModelSpec> {
    let stamp = |s: &str| format!("2026-11-25T03:{s}Z");
    let mut tiny = ModelSpec::new("tiny:latest", &["completion"]);
    tiny.layers = vec![(
        "sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998".into(),
        482_944,
    )];
    for layer in text_layers(&tiny) {
        tiny.layers.push((digest_of(&layer), layer.len() as u64));
    }
    // The size the captures' /api/tags reports (its layers differ slightly from these).
    tiny.size = 483_257;
    tiny.modified_at = stamp("01:17.493105798");

    let mut embed = ModelSpec::new("tiny-embed:latest", &["embedding"]);
    embed.modified_at = stamp("02:54.015962513");

    let mut think = ModelSpec::new("tiny-think:latest", &["completion", "thinking"]);
    think.modified_at = stamp("03:10.5");
    let mut tools = ModelSpec::new("tiny-tools:latest", &["completion", "tools"]);
    tools.modified_at = stamp("03:20.25");
    let mut vision = ModelSpec::new("tiny-vision:latest", &["completion", "vision"]);
    vision.modified_at = stamp("03:30.125");
    let mut coder = ModelSpec::new("tiny-coder:latest", &["completion", "insert"]);
    coder.modified_at = stamp("03:40.0625");
    vec![tiny, embed, think, tools, vision, coder]
}
