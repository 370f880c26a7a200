//! The `list`, `show`, `ps`, `cp`, `rm`, `stop` and `version` commands,
//! run as a subprocess against the test server: exact human output,
//! `--json` documents and lines, the requests sent, errors with their
//! hints.

use std::process::Output;

use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use crate::harness::models::*;
use crate::harness::{closed_port, ok, status_of, stderr_of, stdout_of, Test};
use ollama_test_server::{Fault, ModelSpec, TestServer};

const CLIENT_VERSION: &str = env!("CARGO_PKG_VERSION");

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
llama3.2:latest       a80c4f17acd5    4.7 GB    5 hours ago
all-minilm:latest     1b226e2802db    12 MB     3 days ago
gpt-oss:120b-cloud    569662207105    -         3 weeks ago
qwen3:8b              500a1f067a9f    6 GB      About an hour ago
";
    assert_eq!(
        ok(&Test::new().server(&server).args(&["list"]).output()),
        want
    );
    assert_eq!(
        ok(&Test::new().server(&server).args(&["ls"]).output()),
        want,
        "the alias"
    );

    let sorted = |key: &str| {
        ok(&Test::new()
            .server(&server)
            .args(&["list", "--sort", key])
            .output())
    };
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
        ok(&Test::new()
            .server(&server)
            .args(&["list", "LLAMA"])
            .output()),
        "NAME               ID              SIZE      MODIFIED\n\
         llama3.2:latest    a80c4f17acd5    4.7 GB    5 hours ago\n"
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
        ok(&Test::new().server(&server).args(&["list"]).output()),
        [
            header.clone(),
            row("alpha-a:latest", "7.8 MB", "3 hours ago"),
            row("beta:latest", "2.5 MB", "2 days ago"),
            row("Alpha-b:latest", "999 B", "2 weeks ago"),
        ]
        .concat()
    );
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["list", "--sort", "name"])
            .output()),
        [
            header.clone(),
            row("alpha-a:latest", "7.8 MB", "3 hours ago"),
            row("Alpha-b:latest", "999 B", "2 weeks ago"),
            row("beta:latest", "2.5 MB", "2 days ago"),
        ]
        .concat()
    );
    // The prefix ignores case.
    let alpha = ok(&Test::new()
        .server(&server)
        .args(&["list", "ALPHA", "--sort", "size"])
        .output());
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
        ok(&Test::new().server(&server).args(&["list", "zzz"]).output()),
        "NAME    ID    SIZE    MODIFIED\n"
    );
    // --json: the server's document, filtered the same way.
    let doc: Value = serde_json::from_str(&ok(&Test::new()
        .server(&server)
        .args(&["list", "beta", "--json"])
        .output()))
    .unwrap();
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
        ok(&Test::new().server(&server).args(&["list"]).output()),
        "NAME    ID    SIZE    MODIFIED\n"
    );
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["list", "--json"])
            .output()),
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
    let parse = |out: Output| -> Value { serde_json::from_str(&ok(&out)).unwrap() };
    assert_eq!(
        parse(
            Test::new()
                .server(&server)
                .args(&["list", "--json"])
                .output()
        ),
        raw(&server, "GET", "/api/tags", None)
    );
    assert_eq!(
        parse(Test::new().server(&server).args(&["ps", "--json"]).output()),
        raw(&server, "GET", "/api/ps", None)
    );
    for model in ["tiny", "tiny-vision", "tiny-embed"] {
        assert_eq!(
            parse(
                Test::new()
                    .server(&server)
                    .args(&["show", model, "--json"])
                    .output()
            ),
            raw(&server, "POST", "/api/show", Some(json!({"model": model}))),
            "{model}"
        );
        assert_eq!(
            parse(
                Test::new()
                    .server(&server)
                    .args(&["show", "--json", model, "-v"])
                    .output()
            ),
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
    let parse = |out: Output| -> Value { serde_json::from_str(&ok(&out)).unwrap() };
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
        assert_eq!(
            parse(Test::new().server(&server).args(&args).output()),
            doc,
            "{args:?}"
        );
    }
}

#[test]
fn show_prints_the_sections_of_ollama_show() {
    let server = TestServer::start();
    assert_eq!(
        ok(&Test::new().server(&server).args(&["show", "tiny"]).output()),
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
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["show", "-v", "tiny-tools"])
            .output()),
        want
    );
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
    let out = ok(&Test::new()
        .server(&server)
        .args(&["show", "terse"])
        .output());
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
            ok(&Test::new()
                .server(&server)
                .args(&["show", "terse", flag])
                .output()),
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
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["show", "tiny", "--system"])
            .output()),
        ""
    );
    // Two fields at once is a usage error.
    Test::new()
        .server(&server)
        .args(&["show", "tiny", "--system", "--license"])
        .status(2)
        .run();
}

#[test]
fn show_missing_model_is_status_4_with_a_pull_hint() {
    let server = TestServer::start();
    for json_flag in [false, true] {
        let mut args = vec!["show", "nope"];
        if json_flag {
            args.push("--json");
        }
        Test::new().server(&server).args(&args).status(4).stdout("").stderr("ollama-rs: error: could not show `nope`: model 'nope:latest' not found (status code: 404)\n\
             ollama-rs: hint: try `ollama-rs pull nope`\n")
        .run();
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
        ok(&Test::new().server(&server).args(&["ps"]).output()),
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
        ok(&Test::new().server(&server).args(&["ps"]).output()),
        "NAME    ID    SIZE    PROCESSOR    CONTEXT    UNTIL\n"
    );
    load(&server, "tiny");
    let id = &ids(&server)["tiny:latest"];
    // Loaded for the default 5 minutes; "4 minutes" as soon as a moment passed.
    assert_eq!(
        ok(&Test::new().server(&server).args(&["ps"]).output()),
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
        ok(&Test::new()
            .server(&server)
            .args(&["cp", "tiny", "my-tiny"])
            .output()),
        "copied 'tiny' to 'my-tiny'\n"
    );
    assert!(server.model_names().contains(&"my-tiny:latest".to_string()));
    assert_eq!(
        server.requests_to("/api/copy")[0].json(),
        json!({"source": "tiny", "destination": "my-tiny"})
    );
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["cp", "tiny", "tiny2", "--json"])
            .output()),
        "{\"model\":\"tiny\",\"destination\":\"tiny2\",\"status\":\"copied\"}\n"
    );

    Test::new()
        .server(&server)
        .args(&["cp", "nope", "nope2"])
        .status(4).stdout("").stderr("ollama-rs: error: could not copy `nope`: model \"nope\" not found (status code: 404)\n\
         ollama-rs: hint: try `ollama-rs pull nope`\n")
        .run();
    Test::new()
        .server(&server)
        .args(&["--json", "cp", "nope", "nope2"])
        .status(4).stdout("{\"model\":\"nope\",\"destination\":\"nope2\",\"error\":\"model \\\"nope\\\" not found\"}\n")
        .run();

    // A name the server would reject is refused before anything is sent.
    let before = server.requests().len();
    Test::new()
        .server(&server)
        .args(&["cp", "tiny", "bad name!"])
        .status(2).stderr("ollama-rs: error: invalid model name `bad name!`: a space is not allowed in the model \
         `bad name!` (names look like `llama3.2`, `llama3.2:1b` or `namespace/model:tag`, \
         made of letters, digits, `_`, `-` and `.`)\n")
        .run();
    assert_eq!(server.requests().len(), before);
}

// ---------------------------------------------------------------- rm

#[test]
fn rm_unloads_then_deletes_each_and_goes_on_after_a_failure() {
    let server = TestServer::start();
    load(&server, "tiny");
    assert_eq!(server.loaded_names(), ["tiny:latest"]);
    server.clear_requests();

    Test::new()
        .server(&server)
        .args(&["rm", "tiny", "nope", "tiny-embed"])
        .status(4).stdout("deleted 'tiny'\ndeleted 'tiny-embed'\n").stderr("ollama-rs: error: could not remove `nope`: model 'nope' not found (status code: 404)\n\
         ollama-rs: hint: `ollama-rs list` shows the installed models\n")
        .run();
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
    Test::new()
        .server(&server)
        .args(&["rm", "--json", "nope", "tiny-tools"])
        .status(4)
        .stdout(
            "{\"model\":\"nope\",\"error\":\"model 'nope' not found\"}\n\
         {\"model\":\"tiny-tools\",\"status\":\"deleted\"}\n",
        )
        .run();

    // A failing delete (500) is status 1; the next model is still removed.
    server.set_fault_once(
        "/api/delete",
        Fault::Status {
            code: 500,
            content_type: "application/json; charset=utf-8".into(),
            body: r#"{"error":"disk on fire"}"#.into(),
        },
    );
    Test::new()
        .server(&server)
        .args(&["rm", "tiny", "tiny-think"])
        .status(1)
        .stdout("deleted 'tiny-think'\n")
        .stderr("ollama-rs: error: could not remove `tiny`: disk on fire (status code: 500)\n")
        .run();
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
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["stop", "tiny-embed"])
            .output()),
        ""
    );
    assert!(!server
        .loaded_names()
        .contains(&"tiny-embed:latest".to_string()));
    server.clear_requests();
    assert_eq!(
        ok(&Test::new().server(&server).args(&["stop", "tiny"]).output()),
        ""
    );
    assert_eq!(server.loaded_names(), ["tiny-think:latest"]);
    assert_eq!(
        server.requests_to("/api/generate")[0].json(),
        json!({"model": "tiny", "keep_alive": 0, "stream": false})
    );
    // A model that is installed but not loaded: nothing to do, success.
    assert_eq!(
        ok(&Test::new().server(&server).args(&["stop", "tiny"]).output()),
        ""
    );

    Test::new()
        .server(&server)
        .args(&["stop", "--json", "nope", "tiny-think"])
        .status(4)
        .stdout(
            "{\"model\":\"nope\",\"error\":\"model 'nope' not found\"}\n\
         {\"model\":\"tiny-think\",\"status\":\"stopped\"}\n",
        )
        .stderr(
            "ollama-rs: error: could not stop `nope`: model 'nope' not found (status code: 404)\n\
         ollama-rs: hint: `ollama-rs list` shows the installed models\n",
        )
        .run();
    assert!(server.loaded_names().is_empty());

    Test::new().server(&server).args(&["stop"]).status(2).run();
    Test::new()
        .server(&server)
        .args(&["stop", "--all", "tiny"])
        .status(2)
        .run();
}

#[test]
fn stop_all_stops_every_running_model() {
    let server = TestServer::start();
    for m in ["tiny", "tiny-think", "tiny-tools"] {
        load(&server, m);
    }
    server.clear_requests();
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["stop", "--all"])
            .output()),
        ""
    );
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
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["stop", "--all", "--json"])
            .output()),
        ""
    );
}

// ---------------------------------------------------------------- version

#[test]
fn version_of_client_and_server() {
    let server = TestServer::start();
    assert_eq!(
        ok(&Test::new().server(&server).args(&["version"]).output()),
        format!("client version: {CLIENT_VERSION}\nserver version: 0.32.15\n")
    );
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["version", "--json"])
            .output()),
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
        ok(&Test::new().server(&server).args(&["version"]).output()),
        format!(
            "client version: {CLIENT_VERSION}\nserver version: unknown (the server did not say)\n"
        )
    );
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["version", "--json"])
            .output()),
        format!("{{\"client\":\"{CLIENT_VERSION}\",\"server\":null}}\n")
    );
}

#[test]
fn version_when_the_server_is_unreachable() {
    let port = closed_port();
    let host = format!("http://127.0.0.1:{port}");
    for json_flag in [false, true] {
        let mut cmd = Test::new().env("OLLAMA_HOST", &host).arg("version");
        if json_flag {
            cmd = cmd.arg("--json");
        }
        let out = cmd.output();
        assert_eq!(status_of(&out), 3);
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
        ok(&Test::new().server(&server).args(&["--version"]).output()),
        format!("ollama-rs {CLIENT_VERSION}\n")
    );
    assert_eq!(
        ok(&Test::new()
            .server(&server)
            .args(&["list", "--version"])
            .output()),
        format!("ollama-rs-list {CLIENT_VERSION}\n")
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}
