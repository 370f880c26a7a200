//! The `list`, `show`, `ps`, `cp`, `rm`, `stop` and `version` commands and
//! the global options, run as a subprocess against the test server: exact
//! human output, `--json` documents and lines, the requests sent, errors
//! with their hints, every exit status, colour and a closed pipe.

use std::io::{BufRead, BufReader};
use std::process::{Output, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assert_cmd::Command;
use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use super::cli::{bare, ollama, stderr_of, stdout_of};
use ollama_test_server::{Fault, ModelSpec, TestServer};

/// Long enough for a loaded machine; a hang fails the test instead of
/// blocking the suite.
const HANG_GUARD: Duration = Duration::from_secs(120);

const CLIENT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs `ollama-rs ARGS` against `server`.
fn run(server: &TestServer, args: &[&str]) -> Output {
    let mut cmd = ollama(server);
    cmd.args(args).timeout(HANG_GUARD);
    cmd.output().expect("the binary runs")
}

fn status(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

/// Asserts status 0 and an empty stderr, and returns stdout.
fn ok(out: Output) -> String {
    assert_eq!(stderr_of(&out), "", "stderr");
    assert_eq!(status(&out), 0, "status; stdout: {}", stdout_of(&out));
    stdout_of(&out)
}

/// A request straight to the server, for the raw documents the command
/// must reproduce and for setting up state (loading models).
fn raw(server: &TestServer, method: &str, path: &str, body: Option<Value>) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let url = format!("{}{path}", server.url());
        let mut rb = client.request(method.parse().unwrap(), url);
        if let Some(b) = body {
            rb = rb.body(b.to_string());
        }
        let bytes = rb.send().await.unwrap().bytes().await.unwrap();
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    })
}

fn load(server: &TestServer, model: &str) {
    raw(
        server,
        "POST",
        "/api/generate",
        Some(json!({"model": model})),
    );
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// RFC 3339 with a `-07:00` offset, as a server in that zone writes
/// `modified_at` and `expires_at`.
fn rfc3339(unix: i64) -> String {
    let local = unix - 7 * 3600;
    let (days, secs) = (local.div_euclid(86_400), local.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.123456789-07:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The first STDOUT block of a CLI capture, without the official CLI's
/// trailing spaces (we write none).
fn capture_stdout(file: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/captures/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let start = text.find("=== STDOUT\n").unwrap() + "=== STDOUT\n".len();
    let end = start + text[start..].find("=== STDERR").unwrap();
    text[start..end]
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}

/// A server serving exactly this `/api/tags` or `/api/ps` document.
fn serving(path: &str, doc: &Value) -> TestServer {
    let server = TestServer::start_empty();
    server.set_fault_for(
        path,
        Fault::RawBody {
            content_type: "application/json; charset=utf-8".into(),
            body: doc.to_string().into_bytes(),
        },
    );
    server
}

fn spec(name: &str, size: u64, modified: i64) -> ModelSpec {
    let mut m = ModelSpec::new(name, &["completion"]);
    m.size = size;
    m.modified_at = rfc3339(modified);
    m
}

/// The 12-digit IDs of the server's models, by name.
fn ids(server: &TestServer) -> std::collections::HashMap<String, String> {
    raw(server, "GET", "/api/tags", None)["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["digest"].as_str().unwrap()[..12].to_string(),
            )
        })
        .collect()
}

fn no_escapes(s: &str, what: &str) {
    assert!(!s.contains('\x1b'), "escape code in {what}: {s:?}");
}

/// A port with nothing listening on it.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

// ---------------------------------------------------------------- list

#[test]
fn list_table_like_ollama_list() {
    let now = unix_now();
    let doc = json!({"models": [
        {"name": "llama3.2:latest", "model": "llama3.2:latest",
         "modified_at": rfc3339(now - 5 * 3600 - 1800), "size": 4_661_211_424u64,
         "digest": "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
         "details": {"parent_model": "", "format": "gguf", "family": "llama",
                     "families": ["llama"], "parameter_size": "3.2B", "quantization_level": "Q4_K_M"}},
        {"name": "all-minilm:latest", "model": "all-minilm:latest",
         "modified_at": rfc3339(now - 3 * 86400 - 43200), "size": 12_345_678,
         "digest": "1b226e2802dbb772b5fc32a58f103ca1804ef7501331012de126ab22f67475ef",
         "details": {"parent_model": "", "format": "gguf", "family": "bert",
                     "families": ["bert"], "parameter_size": "23M", "quantization_level": "F16"}},
        {"name": "gpt-oss:120b-cloud", "model": "gpt-oss:120b-cloud",
         "remote_model": "gpt-oss:120b", "remote_host": "https://ollama.com:443",
         "modified_at": rfc3339(now - 24 * 86400), "size": 384,
         "digest": "569662207105ad5da5fdb8a4fb5a8e5e6fb6fc49d6ebd66bfa4b7b9e7df0e5f1",
         "details": {"parent_model": "", "format": "", "family": "gptoss",
                     "families": ["gptoss"], "parameter_size": "116.8B", "quantization_level": "MXFP4"}},
        {"name": "qwen3:8b", "model": "qwen3:8b",
         "modified_at": rfc3339(now - 90 * 60), "size": 6_000_000_000u64,
         "digest": "500a1f067a9f782620b40bee6f7b0c89e17ae61f686b92c24933e4ca4b2b8b41",
         "details": {"parent_model": "", "format": "gguf", "family": "qwen3",
                     "families": ["qwen3"], "parameter_size": "8.2B", "quantization_level": "Q4_K_M"}}
    ]});
    let server = serving("/api/tags", &doc);
    let want = "\
NAME                  ID              SIZE      MODIFIED
llama3.2:latest       a80c4f17acd5    4.6 GB    5 hours ago
all-minilm:latest     1b226e2802db    12 MB     3 days ago
gpt-oss:120b-cloud    569662207105    -         3 weeks ago
qwen3:8b              500a1f067a9f    6 GB      About an hour ago
";
    assert_eq!(ok(run(&server, &["list"])), want);
    assert_eq!(ok(run(&server, &["ls"])), want, "the alias");

    let sorted = |key: &str| ok(run(&server, &["list", "--sort", key]));
    let names = |table: String| -> Vec<String> {
        table
            .lines()
            .skip(1)
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(sorted("name")),
        [
            "all-minilm:latest",
            "gpt-oss:120b-cloud",
            "llama3.2:latest",
            "qwen3:8b"
        ]
    );
    assert_eq!(
        names(sorted("size")),
        [
            "qwen3:8b",
            "llama3.2:latest",
            "all-minilm:latest",
            "gpt-oss:120b-cloud"
        ]
    );
    assert_eq!(
        names(sorted("modified")),
        [
            "qwen3:8b",
            "llama3.2:latest",
            "all-minilm:latest",
            "gpt-oss:120b-cloud"
        ]
    );
    assert_eq!(
        ok(run(&server, &["list", "LLAMA"])),
        "NAME               ID              SIZE      MODIFIED\n\
         llama3.2:latest    a80c4f17acd5    4.6 GB    5 hours ago\n"
    );
}

#[test]
fn list_against_the_server_filters_and_sorts() {
    let server = TestServer::start_empty();
    let now = unix_now();
    server.add_model(spec("beta", 2_500_000, now - 2 * 86400 - 3600));
    server.add_model(spec("Alpha-b", 999, now - 15 * 86400));
    server.add_model(spec("alpha-a", 7_822_376, now - 3 * 3600 - 1800));
    let id = ids(&server);
    // Columns: the widest cell plus four spaces.
    let row = |name: &str, size: &str, when: &str| {
        format!("{name:<18}{:<16}{size:<10}{when}\n", id[name])
    };
    let header = format!("{:<18}{:<16}{:<10}MODIFIED\n", "NAME", "ID", "SIZE");
    // Newest first, as the server sends them.
    assert_eq!(
        ok(run(&server, &["list"])),
        [
            header.clone(),
            row("alpha-a:latest", "7.8 MB", "3 hours ago"),
            row("beta:latest", "2.5 MB", "2 days ago"),
            row("Alpha-b:latest", "999 B", "2 weeks ago"),
        ]
        .concat()
    );
    assert_eq!(
        ok(run(&server, &["list", "--sort", "name"])),
        [
            header.clone(),
            row("alpha-a:latest", "7.8 MB", "3 hours ago"),
            row("Alpha-b:latest", "999 B", "2 weeks ago"),
            row("beta:latest", "2.5 MB", "2 days ago"),
        ]
        .concat()
    );
    // The prefix ignores case.
    let alpha = ok(run(&server, &["list", "ALPHA", "--sort", "size"]));
    assert_eq!(
        alpha,
        [
            header.clone(),
            row("alpha-a:latest", "7.8 MB", "3 hours ago"),
            row("Alpha-b:latest", "999 B", "2 weeks ago"),
        ]
        .concat()
    );
    assert_eq!(
        ok(run(&server, &["list", "zzz"])),
        "NAME    ID    SIZE    MODIFIED\n"
    );
    // --json: the server's document, filtered the same way.
    let doc: Value = serde_json::from_str(&ok(run(&server, &["list", "beta", "--json"]))).unwrap();
    let all = raw(&server, "GET", "/api/tags", None);
    let beta: Vec<Value> = all["models"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["name"] == "beta:latest")
        .cloned()
        .collect();
    assert_eq!(doc, json!({"models": beta}));
}

#[test]
fn list_empty() {
    let server = TestServer::start_empty();
    assert_eq!(
        ok(run(&server, &["list"])),
        "NAME    ID    SIZE    MODIFIED\n"
    );
    assert_eq!(
        ok(run(&server, &["list", "--json"])),
        "{\n  \"models\": []\n}\n"
    );
}

// ---------------------------------------------------------------- --json round trips

/// list, ps and show print the server's document: nothing the server sent
/// is lost or changed on the way through the typed client.
#[test]
fn json_documents_are_the_servers() {
    let server = TestServer::start();
    load(&server, "tiny");
    load(&server, "tiny-embed");
    let parse = |out: Output| -> Value { serde_json::from_str(&ok(out)).unwrap() };
    assert_eq!(
        parse(run(&server, &["list", "--json"])),
        raw(&server, "GET", "/api/tags", None)
    );
    assert_eq!(
        parse(run(&server, &["ps", "--json"])),
        raw(&server, "GET", "/api/ps", None)
    );
    for model in ["tiny", "tiny-vision", "tiny-embed"] {
        assert_eq!(
            parse(run(&server, &["show", model, "--json"])),
            raw(&server, "POST", "/api/show", Some(json!({"model": model}))),
            "{model}"
        );
        assert_eq!(
            parse(run(&server, &["show", "--json", model, "-v"])),
            raw(
                &server,
                "POST",
                "/api/show",
                Some(json!({"model": model, "verbose": true}))
            ),
            "{model} -v"
        );
    }
}

// ---------------------------------------------------------------- show

#[test]
fn json_documents_keep_fields_this_version_does_not_know() {
    let server = TestServer::start();
    let parse = |out: Output| -> Value { serde_json::from_str(&ok(out)).unwrap() };
    let details = json!({"parent_model": "", "format": "gguf", "family": "llama", "families": null,
                         "parameter_size": "1B", "quantization_level": "Q4_0",
                         "new_detail": [1, 2]});
    let cases = [
        (
            "/api/tags",
            vec!["list", "--json"],
            json!({"models": [{"name": "a:latest", "model": "a:latest", "size": 1,
                   "digest": "ab", "details": details, "new_field": {"x": true}}]}),
        ),
        (
            "/api/ps",
            vec!["ps", "--json"],
            json!({"models": [{"name": "a:latest", "model": "a:latest", "size": 1,
                   "size_vram": 0, "digest": "ab", "details": details,
                   "new_field": "kept"}]}),
        ),
        (
            "/api/show",
            vec!["show", "a", "--json"],
            json!({"details": details, "capabilities": ["completion"],
                   "new_field": 7}),
        ),
    ];
    for (path, args, doc) in cases {
        server.set_fault_for(
            path,
            Fault::RawBody {
                content_type: "application/json; charset=utf-8".into(),
                body: doc.to_string().into_bytes(),
            },
        );
        assert_eq!(parse(run(&server, &args)), doc, "{args:?}");
    }
}

#[test]
fn show_prints_the_sections_of_ollama_show() {
    let server = TestServer::start();
    assert_eq!(
        ok(run(&server, &["show", "tiny"])),
        capture_stdout("84-cli-show.txt")
    );
    assert_eq!(
        server.requests_to("/api/show")[0].json(),
        json!({"model": "tiny"})
    );
}

#[test]
fn show_verbose_adds_metadata_and_tensors() {
    let server = TestServer::start();
    let want = r#"  Model
    architecture        llama
    parameters          119K
    context length      4096
    embedding length    64
    quantization        unknown

  Capabilities
    completion
    tools

  Parameters
    stop    "<|im_start|>"
    stop    "<|im_end|>"

  Metadata
    general.architecture                      llama
    general.description                       random-weight test model (not a real LLM)
    general.file_type                         0
    general.parameter_count                   119000
    general.quantization_version              2
    llama.attention.head_count                4
    llama.attention.head_count_kv             4
    llama.attention.layer_norm_rms_epsilon    1e-05
    llama.block_count                         2
    llama.context_length                      4096
    llama.embedding_length                    64
    llama.feed_forward_length                 128
    llama.rope.dimension_count                16
    llama.rope.freq_base                      10000
    llama.vocab_size                          13
    tokenizer.ggml.add_bos_token              false
    tokenizer.ggml.add_eos_token              false
    tokenizer.ggml.bos_token_id               0
    tokenizer.ggml.eos_token_id               2
    tokenizer.ggml.eot_token_id               2
    tokenizer.ggml.merges                     [Ġ t Ġ h ...+5 more]
    tokenizer.ggml.model                      gpt2
    tokenizer.ggml.padding_token_id           0
    tokenizer.ggml.pre                        gpt-2
    tokenizer.ggml.token_type                 [3 3 3 ...+10 more]
    tokenizer.ggml.tokens                     [<|endoftext|> ...+12 more]

  Tensors
    output.weight               F32    [64 13]
    output_norm.weight          F32    [64]
    token_embd.weight           F32    [64 13]
    blk.0.attn_k.weight         F32    [64 64]
    blk.0.attn_q.weight         F32    [64 64]
    blk.0.attn_v.weight         F32    [64 64]
    blk.0.attn_output.weight    F32    [64 64]
    blk.0.attn_norm.weight      F32    [64]
    blk.1.attn_k.weight         F32    [64 64]
    blk.1.attn_q.weight         F32    [64 64]
    blk.1.attn_v.weight         F32    [64 64]
    blk.1.attn_output.weight    F32    [64 64]
    blk.1.attn_norm.weight      F32    [64]

"#;
    assert_eq!(ok(run(&server, &["show", "-v", "tiny-tools"])), want);
    assert_eq!(
        server.requests_to("/api/show")[0].json(),
        json!({"model": "tiny-tools", "verbose": true})
    );
}

#[test]
fn show_system_and_license_sections_and_single_fields() {
    let server = TestServer::start();
    let mut m = ModelSpec::new("terse", &["completion"]);
    m.system = "You are terse.\n\nAnswer in one line.\nNever apologise.".into();
    m.license = "MIT License\nCopyright (c) 2026".into();
    server.add_model(m);
    let out = ok(run(&server, &["show", "terse"]));
    let tail = "\
  Parameters
    stop    \"<|im_start|>\"
    stop    \"<|im_end|>\"

  System
    You are terse.
    Answer in one line.
    ...

  License
    MIT License
    Copyright (c) 2026

";
    assert!(out.ends_with(tail), "{out}");

    let doc = raw(
        &server,
        "POST",
        "/api/show",
        Some(json!({"model": "terse"})),
    );
    let field = |flag: &str, key: &str| {
        let text = doc[key].as_str().unwrap().to_string();
        let nl = if text.ends_with('\n') { "" } else { "\n" };
        assert_eq!(
            ok(run(&server, &["show", "terse", flag])),
            format!("{text}{nl}"),
            "{flag}"
        );
    };
    field("--modelfile", "modelfile");
    field("--parameters", "parameters");
    field("--template", "template");
    field("--system", "system");
    field("--license", "license");
    assert!(doc["modelfile"]
        .as_str()
        .unwrap()
        .starts_with("# Modelfile generated by \"ollama show\"\n"));
    // A field the model does not have prints nothing.
    assert_eq!(ok(run(&server, &["show", "tiny", "--system"])), "");
    // Two fields at once is a usage error.
    let out = run(&server, &["show", "tiny", "--system", "--license"]);
    assert_eq!(status(&out), 2);
}

#[test]
fn show_missing_model_is_status_4_with_a_pull_hint() {
    let server = TestServer::start();
    for json_flag in [false, true] {
        let mut args = vec!["show", "nope"];
        if json_flag {
            args.push("--json");
        }
        let out = run(&server, &args);
        assert_eq!(status(&out), 4);
        assert_eq!(stdout_of(&out), "", "no hints or errors on stdout");
        assert_eq!(
            stderr_of(&out),
            "ollama-rs: error: could not show `nope`: model 'nope:latest' not found (status code: 404)\n\
             ollama-rs: hint: try `ollama-rs pull nope`\n"
        );
    }
}

// ---------------------------------------------------------------- ps

#[test]
fn ps_table_processor_and_until() {
    let now = unix_now();
    let model = |name: &str, size: u64, vram: u64, expires: String, ctx: u64| {
        json!({"name": name, "model": name, "size": size, "size_vram": vram,
               "digest": "6c6fb155ec0c68b62ecd35160f6720e7b64dab9d00aa32da53ab189c56388f7b",
               "details": {"parent_model": "", "format": "gguf", "family": "llama",
                           "families": ["llama"], "parameter_size": "8B", "quantization_level": "Q4_K_M"},
               "expires_at": expires, "context_length": ctx})
    };
    let doc = json!({"models": [
        model("forever:latest", 6_000_000_000, 6_000_000_000,
              "2318-04-11T16:47:16.854775807-07:00".into(), 8192),
        model("split:latest", 10_000_000_000, 5_200_000_000, rfc3339(now + 4 * 60 + 30), 32768),
        model("cpu:latest", 7_822_376, 0, rfc3339(now + 3 * 3600 + 1800), 4096),
        model("going:latest", 1_000_000_000, 1_000_000_000, rfc3339(now - 2), 2048),
    ]});
    let server = serving("/api/ps", &doc);
    assert_eq!(
        ok(run(&server, &["ps"])),
        "\
NAME              ID              SIZE      PROCESSOR          CONTEXT    UNTIL
forever:latest    6c6fb155ec0c    6 GB      100% GPU           8192       Forever
split:latest      6c6fb155ec0c    10 GB     48%/52% CPU/GPU    32768      4 minutes from now
cpu:latest        6c6fb155ec0c    7.8 MB    100% CPU           4096       3 hours from now
going:latest      6c6fb155ec0c    1 GB      100% GPU           2048       Stopping...
"
    );
}

#[test]
fn ps_against_the_server() {
    let server = TestServer::start();
    assert_eq!(
        ok(run(&server, &["ps"])),
        "NAME    ID    SIZE    PROCESSOR    CONTEXT    UNTIL\n"
    );
    load(&server, "tiny");
    let id = &ids(&server)["tiny:latest"];
    // Loaded for the default 5 minutes; "4 minutes" as soon as a moment passed.
    assert_eq!(
        ok(run(&server, &["ps"])),
        format!(
            "NAME           ID              SIZE      PROCESSOR    CONTEXT    UNTIL\n\
             tiny:latest    {id}    7.8 MB    100% CPU     4096       4 minutes from now\n"
        )
    );
}

// ---------------------------------------------------------------- cp

#[test]
fn cp_copies_and_reports() {
    let server = TestServer::start();
    assert_eq!(
        ok(run(&server, &["cp", "tiny", "my-tiny"])),
        "copied 'tiny' to 'my-tiny'\n"
    );
    assert!(server.model_names().contains(&"my-tiny:latest".to_string()));
    assert_eq!(
        server.requests_to("/api/copy")[0].json(),
        json!({"source": "tiny", "destination": "my-tiny"})
    );
    assert_eq!(
        ok(run(&server, &["cp", "tiny", "tiny2", "--json"])),
        "{\"model\":\"tiny\",\"destination\":\"tiny2\",\"status\":\"copied\"}\n"
    );

    let out = run(&server, &["cp", "nope", "nope2"]);
    assert_eq!(status(&out), 4);
    assert_eq!(stdout_of(&out), "");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not copy `nope`: model \"nope\" not found (status code: 404)\n\
         ollama-rs: hint: try `ollama-rs pull nope`\n"
    );
    let out = run(&server, &["--json", "cp", "nope", "nope2"]);
    assert_eq!(status(&out), 4);
    assert_eq!(
        stdout_of(&out),
        "{\"model\":\"nope\",\"destination\":\"nope2\",\"error\":\"model \\\"nope\\\" not found\"}\n"
    );

    // A name the server would reject is refused before anything is sent.
    let before = server.requests().len();
    let out = run(&server, &["cp", "tiny", "bad name!"]);
    assert_eq!(status(&out), 2);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: invalid model name `bad name!`: a space is not allowed in the model \
         `bad name!` (names look like `llama3.2`, `llama3.2:1b` or `namespace/model:tag`, \
         made of letters, digits, `_`, `-` and `.`)\n"
    );
    assert_eq!(server.requests().len(), before);
}

// ---------------------------------------------------------------- rm

#[test]
fn rm_unloads_then_deletes_each_and_goes_on_after_a_failure() {
    let server = TestServer::start();
    load(&server, "tiny");
    assert_eq!(server.loaded_names(), ["tiny:latest"]);
    server.clear_requests();

    let out = run(&server, &["rm", "tiny", "nope", "tiny-embed"]);
    assert_eq!(status(&out), 4, "the status of the first failure");
    assert_eq!(stdout_of(&out), "deleted 'tiny'\ndeleted 'tiny-embed'\n");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not remove `nope`: model 'nope' not found (status code: 404)\n\
         ollama-rs: hint: `ollama-rs list` shows the installed models\n"
    );
    let names = server.model_names();
    assert!(!names.contains(&"tiny:latest".to_string()), "{names:?}");
    assert!(
        !names.contains(&"tiny-embed:latest".to_string()),
        "{names:?}"
    );
    assert!(server.loaded_names().is_empty());

    // For each model, in order: an unload (generate, no prompt, keep_alive
    // 0), then the delete.
    let sent: Vec<(String, String, Value)> = server
        .requests()
        .into_iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.json()))
        .collect();
    let unload = |m: &str| {
        (
            "POST".to_string(),
            "/api/generate".to_string(),
            json!({"model": m, "keep_alive": 0, "stream": false}),
        )
    };
    let delete = |m: &str| {
        (
            "DELETE".to_string(),
            "/api/delete".to_string(),
            json!({"model": m}),
        )
    };
    assert_eq!(
        sent,
        vec![
            unload("tiny"),
            delete("tiny"),
            unload("nope"),
            delete("nope"),
            unload("tiny-embed"),
            delete("tiny-embed"),
        ]
    );
}

#[test]
fn rm_json_lines_and_server_errors() {
    let server = TestServer::start();
    let out = run(&server, &["rm", "--json", "nope", "tiny-tools"]);
    assert_eq!(status(&out), 4);
    assert_eq!(
        stdout_of(&out),
        "{\"model\":\"nope\",\"error\":\"model 'nope' not found\"}\n\
         {\"model\":\"tiny-tools\",\"status\":\"deleted\"}\n"
    );

    // A failing delete (500) is status 1; the next model is still removed.
    server.set_fault_once(
        "/api/delete",
        Fault::Status {
            code: 500,
            content_type: "application/json; charset=utf-8".into(),
            body: r#"{"error":"disk on fire"}"#.into(),
        },
    );
    let out = run(&server, &["rm", "tiny", "tiny-think"]);
    assert_eq!(status(&out), 1);
    assert_eq!(stdout_of(&out), "deleted 'tiny-think'\n");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not remove `tiny`: disk on fire (status code: 500)\n"
    );
}

// ---------------------------------------------------------------- stop

#[test]
fn stop_unloads_quietly() {
    let server = TestServer::start();
    load(&server, "tiny");
    load(&server, "tiny-think");
    // An embedding model cannot generate, but it can be stopped.
    raw(
        &server,
        "POST",
        "/api/embed",
        Some(json!({"model": "tiny-embed", "input": "x"})),
    );
    assert!(server
        .loaded_names()
        .contains(&"tiny-embed:latest".to_string()));
    assert_eq!(ok(run(&server, &["stop", "tiny-embed"])), "");
    assert!(!server
        .loaded_names()
        .contains(&"tiny-embed:latest".to_string()));
    server.clear_requests();
    assert_eq!(ok(run(&server, &["stop", "tiny"])), "");
    assert_eq!(server.loaded_names(), ["tiny-think:latest"]);
    assert_eq!(
        server.requests_to("/api/generate")[0].json(),
        json!({"model": "tiny", "keep_alive": 0, "stream": false})
    );
    // A model that is installed but not loaded: nothing to do, success.
    assert_eq!(ok(run(&server, &["stop", "tiny"])), "");

    let out = run(&server, &["stop", "--json", "nope", "tiny-think"]);
    assert_eq!(status(&out), 4);
    assert_eq!(
        stdout_of(&out),
        "{\"model\":\"nope\",\"error\":\"model 'nope' not found\"}\n\
         {\"model\":\"tiny-think\",\"status\":\"stopped\"}\n"
    );
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not stop `nope`: model 'nope' not found (status code: 404)\n\
         ollama-rs: hint: `ollama-rs list` shows the installed models\n"
    );
    assert!(server.loaded_names().is_empty());

    let out = run(&server, &["stop"]);
    assert_eq!(status(&out), 2, "a model or --all is required");
    let out = run(&server, &["stop", "--all", "tiny"]);
    assert_eq!(status(&out), 2, "not both");
}

#[test]
fn stop_all_stops_every_running_model() {
    let server = TestServer::start();
    for m in ["tiny", "tiny-think", "tiny-tools"] {
        load(&server, m);
    }
    server.clear_requests();
    assert_eq!(ok(run(&server, &["stop", "--all"])), "");
    assert!(server.loaded_names().is_empty());
    assert_eq!(server.requests_to("/api/ps").len(), 1);
    let mut stopped: Vec<String> = server
        .requests_to("/api/generate")
        .iter()
        .map(|r| {
            let body = r.json();
            assert_eq!(body["keep_alive"], 0);
            body["model"].as_str().unwrap().to_string()
        })
        .collect();
    stopped.sort();
    assert_eq!(
        stopped,
        ["tiny-think:latest", "tiny-tools:latest", "tiny:latest"]
    );
    // Nothing running: nothing to do.
    assert_eq!(ok(run(&server, &["stop", "--all", "--json"])), "");
}

// ---------------------------------------------------------------- version

#[test]
fn version_of_client_and_server() {
    let server = TestServer::start();
    assert_eq!(
        ok(run(&server, &["version"])),
        format!("client version: {CLIENT_VERSION}\nserver version: 0.32.15\n")
    );
    assert_eq!(
        ok(run(&server, &["version", "--json"])),
        format!("{{\"client\":\"{CLIENT_VERSION}\",\"server\":\"0.32.15\"}}\n")
    );
    // An answer without a version says so.
    server.set_fault_for(
        "/api/version",
        Fault::RawBody {
            content_type: "application/json; charset=utf-8".into(),
            body: b"{}".to_vec(),
        },
    );
    assert_eq!(
        ok(run(&server, &["version"])),
        format!(
            "client version: {CLIENT_VERSION}\nserver version: unknown (the server did not say)\n"
        )
    );
    assert_eq!(
        ok(run(&server, &["version", "--json"])),
        format!("{{\"client\":\"{CLIENT_VERSION}\",\"server\":null}}\n")
    );
}

#[test]
fn version_when_the_server_is_unreachable() {
    let port = closed_port();
    let host = format!("http://127.0.0.1:{port}");
    for json_flag in [false, true] {
        let mut cmd = bare();
        cmd.env("OLLAMA_HOST", &host)
            .arg("version")
            .timeout(HANG_GUARD);
        if json_flag {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert_eq!(status(&out), 3);
        let want = if json_flag {
            format!("{{\"client\":\"{CLIENT_VERSION}\",\"server\":null}}\n")
        } else {
            format!("client version: {CLIENT_VERSION}\n")
        };
        assert_eq!(stdout_of(&out), want);
        let err = stderr_of(&out);
        let mut lines = err.lines();
        let first = lines.next().unwrap();
        assert!(
            first.starts_with(&format!(
                "ollama-rs: warning: could not get the server's version: could not connect to Ollama at {host}: "
            )),
            "{err}"
        );
        assert_eq!(
            lines.collect::<Vec<_>>(),
            [format!(
                "ollama-rs: hint: is `ollama serve` running at {host}? Set OLLAMA_HOST or --host to use another server"
            )]
        );
    }
}

#[test]
fn dash_dash_version_never_touches_the_network() {
    let server = TestServer::start();
    assert_eq!(
        ok(run(&server, &["--version"])),
        format!("ollama-rs {CLIENT_VERSION}\n")
    );
    assert_eq!(
        ok(run(&server, &["list", "--version"])),
        format!("ollama-rs-list {CLIENT_VERSION}\n")
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

// ---------------------------------------------------------------- global options

#[test]
fn host_from_flag_or_environment_before_or_after_the_subcommand() {
    let server = TestServer::start();
    let port = server.port().to_string();
    let forms = [
        server.url(),
        format!("127.0.0.1:{port}"),
        format!(":{port}"),
        format!("http://localhost:{port}/"),
    ];
    for host in &forms {
        let out = bare()
            .args(["--host", host, "version", "--json"])
            .timeout(HANG_GUARD)
            .output()
            .unwrap();
        assert_eq!(status(&out), 0, "--host {host}: {}", stderr_of(&out));
        let out = bare()
            .args(["version", "--host", host])
            .timeout(HANG_GUARD)
            .output()
            .unwrap();
        assert_eq!(status(&out), 0, "after: --host {host}: {}", stderr_of(&out));
        let out = bare()
            .env("OLLAMA_HOST", host)
            .args(["version"])
            .timeout(HANG_GUARD)
            .output()
            .unwrap();
        assert_eq!(status(&out), 0, "OLLAMA_HOST={host}: {}", stderr_of(&out));
    }
    assert_eq!(server.requests_to("/api/version").len(), 3 * forms.len());
    // The flag wins over the environment.
    let out = bare()
        .env("OLLAMA_HOST", format!("127.0.0.1:{}", closed_port()))
        .args(["list", "--host", &server.url(), "--json"])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert_eq!(status(&out), 0, "{}", stderr_of(&out));
}

#[test]
fn invalid_host_is_a_usage_error_and_sends_nothing() {
    let server = TestServer::start();
    let out = run(&server, &["list", "--host", "127.0.0.1:notaport"]);
    assert_eq!(status(&out), 2);
    assert_eq!(stdout_of(&out), "");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: invalid Ollama host `127.0.0.1:notaport`: the port must be a number from 0 to 65535\n"
    );
    let out = bare()
        .env("OLLAMA_HOST", "exa mple.com")
        .arg("list")
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert_eq!(status(&out), 2);
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: invalid Ollama host `exa mple.com`: the host name has characters a host cannot have\n"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn headers_are_sent_and_malformed_ones_refused() {
    let server = TestServer::start();
    ok(run(
        &server,
        &["-H", "X-Trace: 1", "list", "--header", "X-Team:blue: green"],
    ));
    let sent = &server.requests_to("/api/tags")[0];
    assert_eq!(sent.header("x-trace"), Some("1"));
    assert_eq!(sent.header("x-team"), Some("blue: green"));

    for (bad, message) in [
        ("no-colon", "header `no-colon` must look like 'Name: value'"),
        (
            ": value",
            "a -H header has no name before `:`; it must look like 'Name: value'",
        ),
        ("Bad Name: v", "invalid header name `Bad Name`"),
    ] {
        let out = run(&server, &["list", "-H", bad]);
        assert_eq!(status(&out), 2, "{bad}");
        assert_eq!(
            stderr_of(&out),
            format!("ollama-rs: error: {message}\n"),
            "{bad}"
        );
    }
    assert_eq!(
        server.requests_to("/api/tags").len(),
        1,
        "nothing more sent"
    );
}

#[test]
fn timeout_ends_a_silent_server_with_status_3() {
    let server = TestServer::start();
    server.set_fault(Fault::NeverAnswer);
    let out = run(&server, &["list", "--timeout", "1"]);
    assert_eq!(status(&out), 3);
    assert_eq!(stdout_of(&out), "");
    let err = stderr_of(&out);
    assert!(
        err.starts_with(&format!(
            "ollama-rs: error: timed out waiting for Ollama at {}",
            server.url()
        )),
        "{err}"
    );
    assert!(
        err.ends_with(
            "ollama-rs: hint: the server did not answer in time; raise --timeout (or --connect-timeout) to wait longer\n"
        ),
        "{err}"
    );
}

#[test]
fn timeouts_must_be_positive_numbers() {
    let server = TestServer::start();
    for args in [
        ["list", "--timeout", "0"],
        ["list", "--timeout", "soon"],
        ["list", "--connect-timeout=-1", "--json"],
        ["list", "--connect-timeout", "0"],
    ] {
        let out = run(&server, &args);
        assert_eq!(status(&out), 2, "{args:?}");
        assert!(stderr_of(&out).contains("is not a positive number of seconds"));
    }
    ok(run(
        &server,
        &["list", "--connect-timeout", "2.5", "--timeout", "30"],
    ));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn unreachable_server_is_status_3_with_a_hint() {
    let host = format!("http://127.0.0.1:{}", closed_port());
    let out = bare()
        .args(["list", "--host", &host])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert_eq!(status(&out), 3);
    assert_eq!(stdout_of(&out), "");
    let err = stderr_of(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with(&format!(
            "ollama-rs: error: could not connect to Ollama at {host}: "
        )),
        "{err}"
    );
    assert_eq!(
        lines[1],
        format!(
            "ollama-rs: hint: is `ollama serve` running at {host}? Set OLLAMA_HOST or --host to use another server"
        )
    );
}

#[test]
fn every_exit_status() {
    let server = TestServer::start();
    let fault = |code: u16, msg: &str| Fault::Status {
        code,
        content_type: "application/json; charset=utf-8".into(),
        body: json!({"error": msg}).to_string(),
    };
    // 0
    ok(run(&server, &["list"]));
    // 2: a bad flag value, nothing sent
    let before = server.requests().len();
    assert_eq!(status(&run(&server, &["list", "--sort", "colour"])), 2);
    assert_eq!(status(&run(&server, &["list", "--bogus"])), 2);
    assert_eq!(server.requests().len(), before);
    // 4
    assert_eq!(status(&run(&server, &["show", "nope"])), 4);
    // 1, 5, 5
    for (code, want, message) in [
        (500, 1, "something broke"),
        (401, 5, "unauthorized"),
        (403, 5, "forbidden"),
    ] {
        server.set_fault_for("/api/tags", fault(code, message));
        let out = run(&server, &["list"]);
        assert_eq!(status(&out), want, "HTTP {code}");
        assert_eq!(stdout_of(&out), "");
        let err = stderr_of(&out);
        assert!(
            err.starts_with(&format!(
                "ollama-rs: error: {message} (status code: {code})\n"
            )),
            "{err}"
        );
        if want == 5 {
            assert!(err.contains("ollama-rs: hint: the server refused the credentials"));
        }
        server.clear_faults();
    }
    // A 403 with an empty body (a server refusing a non-local Host).
    server.set_fault_for(
        "/api/ps",
        Fault::Status {
            code: 403,
            content_type: String::new(),
            body: String::new(),
        },
    );
    assert_eq!(status(&run(&server, &["ps"])), 5);
    server.clear_faults();
    // 3
    let out = bare()
        .args(["ps", "--host", &format!("127.0.0.1:{}", closed_port())])
        .timeout(HANG_GUARD)
        .output()
        .unwrap();
    assert_eq!(status(&out), 3);
}

#[test]
fn colour_only_when_asked_for_off_a_terminal() {
    let server = TestServer::start();
    // An error, so that stderr has something to colour.
    let with = |args: &[&str], no_color: Option<&str>| {
        let mut cmd: Command = ollama(&server);
        match no_color {
            Some(v) => cmd.env("NO_COLOR", v),
            None => cmd.env_remove("NO_COLOR"),
        };
        cmd.args(args).timeout(HANG_GUARD).output().unwrap()
    };
    for (args, no_color) in [
        (&["show", "nope"][..], Some("1")),
        (&["show", "nope"][..], None),
        (&["show", "nope", "--color", "auto"][..], None),
        (&["show", "nope", "--color", "never"][..], None),
        (&["--color=never", "show", "nope"][..], Some("")),
    ] {
        let out = with(args, no_color);
        assert_eq!(status(&out), 4);
        no_escapes(&stderr_of(&out), &format!("stderr of {args:?}"));
    }
    // --color always wins over NO_COLOR, before or after the subcommand.
    for args in [
        &["show", "nope", "--color", "always"][..],
        &["--color", "always", "show", "nope"][..],
    ] {
        let out = with(args, Some("1"));
        assert!(
            stderr_of(&out).contains("\x1b["),
            "{args:?}: {:?}",
            stderr_of(&out)
        );
    }
    // Data on stdout stays plain, and --json is never coloured.
    for args in [
        &["list", "--color", "always"][..],
        &["show", "tiny", "--color", "always"][..],
        &["ps", "--color", "always"][..],
        &["version", "--json", "--color", "always"][..],
    ] {
        let out = with(args, None);
        assert_eq!(status(&out), 0);
        no_escapes(&stdout_of(&out), &format!("stdout of {args:?}"));
    }
    for args in [
        &["list"][..],
        &["show", "tiny", "-v"][..],
        &["version"][..],
        &["cp", "tiny", "t2"][..],
        &["rm", "t2"][..],
    ] {
        let out = with(args, None);
        assert_eq!(status(&out), 0);
        no_escapes(&stdout_of(&out), &format!("stdout of {args:?}"));
        no_escapes(&stderr_of(&out), &format!("stderr of {args:?}"));
    }
}

#[test]
fn closed_pipe_ends_quietly() {
    let server = TestServer::start_empty();
    // Enough rows to overflow the pipe, so the command is still writing
    // when the reader goes away.
    let now = unix_now();
    for i in 0..4000 {
        server.add_model(spec(&format!("model-{i:04}"), 1_000_000 + i, now - 60));
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ollama-rs"))
        .args(["list", "--host", &server.url()])
        .env("NO_COLOR", "1")
        .env_remove("OLLAMA_HOST")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("NAME "), "{first:?}");
    // The reader is dropped: the pipe is closed.
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn help_of_each_command_has_an_example() {
    for cmd in ["list", "show", "ps", "cp", "rm", "stop", "version"] {
        let out = bare()
            .args([cmd, "--help"])
            .timeout(HANG_GUARD)
            .output()
            .unwrap();
        assert_eq!(status(&out), 0, "{cmd}");
        let help = stdout_of(&out);
        assert!(
            help.contains("Example:\n  ollama-rs ") || help.contains("Examples:\n  ollama-rs "),
            "{cmd} --help:\n{help}"
        );
    }
    // The exit statuses are documented in --help.
    let out = bare().arg("--help").timeout(HANG_GUARD).output().unwrap();
    let help = stdout_of(&out);
    for line in [
        "  0    success",
        "  2    invalid command line",
        "  3    the server could not be reached",
        "  4    the model does not exist",
        "  5    authentication or permission refused",
    ] {
        assert!(help.contains(line), "{line}");
    }
}

#[test]
fn the_cli_sees_the_test_server() {
    let server = TestServer::start();
    let out = crate::cases::cli::ollama(&server)
        .arg("version")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(crate::cases::cli::stderr_of(&out), "");
    assert_eq!(
        crate::cases::cli::stdout_of(&out),
        format!(
            "client version: {}\nserver version: 0.32.15\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}
