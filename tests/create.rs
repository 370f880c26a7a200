//! `create` against the test server: from a model, a GGUF file, a
//! safetensors folder or flags alone; what is uploaded (once), adapters and
//! draft models, every path checked before anything is sent, and Modelfile
//! errors that name the file, line and column.

use pretty_assertions::assert_eq;

use crate::harness::transfer::*;
use crate::harness::{assert_usage, status_of, stderr_of, Test};
use ollama_test_server::{gguf, TestServer};

#[test]
fn create_from_a_model_in_every_mode() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM tiny\nPARAMETER num_predict 8\n");

    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "tiny8"])
        .stderr("created 'tiny8'\n")
        .stdout("")
        .run();
    assert_eq!(
        create_bodies(&server)[0],
        serde_json::json!({"model": "tiny8", "from": "tiny", "parameters": {"num_predict": 8}})
    );
    assert!(server.model_names().contains(&"tiny8:latest".to_string()));

    let out = Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["--json", "create", "tiny8"])
        .run();
    let json = objects(&out);
    assert!(json[0]["status"]
        .as_str()
        .unwrap()
        .starts_with("using existing layer sha256:"));
    assert_eq!(
        json.last().unwrap(),
        &serde_json::json!({"status": "success"})
    );
    assert_eq!(stderr_of(&out), "");

    let out = Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "--progress=plain", "tiny8"])
        .run();
    assert_no_escapes(&out);
    let mut want: Vec<String> = json
        .iter()
        .map(|o| o["status"].as_str().unwrap().to_string())
        .collect();
    want.push("created 'tiny8'".into());
    assert_eq!(lines(&stderr_of(&out)), want);
}

#[test]
fn create_uploads_a_gguf_relative_to_the_modelfile_once() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    let weights = gguf("llama", 1);
    let digest = sha256(&weights);
    dir.write("sub/model.gguf", &weights);
    dir.write(
        "sub/Modelfile",
        "FROM ./model.gguf\nSYSTEM \"\"\"Be brief.\"\"\"\nPARAMETER stop <a>\nPARAMETER stop <b>\n",
    );

    let out = Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "mine", "-f", "sub/Modelfile", "--progress=plain"])
        .run();
    assert_no_escapes(&out);
    let n = size(weights.len() as u64);
    let err = lines(&stderr_of(&out));
    assert_eq!(err[0], format!("hashing model.gguf: 100% ({n}/{n})"));
    assert_eq!(
        without_rate(&err[1]),
        format!("uploading model.gguf: 100% ({n}/{n})")
    );
    assert_eq!(err[2], "parsing GGUF");
    assert_eq!(err.last().unwrap(), "created 'mine'");
    assert_eq!(err[err.len() - 2], "success");
    assert_eq!(err[err.len() - 3], "writing manifest");
    assert_eq!(server.blob(&digest).as_deref(), Some(&weights[..]));
    assert_eq!(
        create_bodies(&server)[0],
        serde_json::json!({
            "model": "mine",
            "files": {"model.gguf": digest},
            "system": "Be brief.",
            "parameters": {"stop": ["<a>", "<b>"]},
        })
    );
    let blob_path = format!("/api/blobs/{digest}");
    assert_eq!(
        blob_requests(&server),
        [
            ("HEAD".to_string(), blob_path.clone()),
            ("POST".to_string(), blob_path.clone())
        ]
    );

    // The server has the blob now: asked, not sent again.
    server.clear_requests();
    let out = Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "mine2", "-f", "sub/Modelfile", "--progress=plain"])
        .run();
    let err = lines(&stderr_of(&out));
    assert_eq!(err[1], "using existing blob for model.gguf");
    assert_eq!(blob_requests(&server), [("HEAD".to_string(), blob_path)]);
    assert_eq!(
        create_bodies(&server)[0]["files"]["model.gguf"],
        digest.as_str()
    );
}

#[test]
fn create_from_a_home_relative_gguf_with_quantize() {
    let server = TestServer::start_empty();
    let home = Dir::new();
    let weights = gguf("llama", 1);
    home.write("models/f16.gguf", &weights);
    let work = Dir::new();
    work.write("Modelfile", "FROM ~/models/f16.gguf\n");
    let out = Test::new()
        .server(&server)
        .current_dir(work.path())
        .env("HOME", home.path())
        .args(&["create", "small", "-q", "q4_K_M", "--progress=plain"])
        .run();
    let body = &create_bodies(&server)[0];
    assert_eq!(body["quantize"], "q4_K_M");
    assert_eq!(body["files"]["f16.gguf"], sha256(&weights).as_str());
    // The server's byte progress for the quantization, labelled by status.
    let err = stderr_of(&out);
    let n = size(weights.len() as u64);
    assert!(
        err.lines()
            .map(without_rate)
            .any(|l| l == format!("quantizing F16 model to Q4_K_M: 100% ({n}/{n})")),
        "{err}"
    );
}

#[test]
fn create_from_a_safetensors_folder_uploads_the_selected_files() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    dir.write("hf/model-00001-of-00002.safetensors", b"first half");
    dir.write("hf/model-00002-of-00002.safetensors", b"second half");
    dir.write(
        "hf/config.json",
        b"{\"architectures\":[\"LlamaForCausalLM\"]}",
    );
    dir.write("hf/tokenizer.json", b"{}");
    dir.write("hf/README.md", b"not a model file");
    dir.write("hf/Modelfile", "FROM .\n");
    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "st", "-f", "hf/Modelfile"])
        .run();
    let files = create_bodies(&server)[0]["files"].clone();
    let keys: Vec<&String> = files.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "config.json",
            "model-00001-of-00002.safetensors",
            "model-00002-of-00002.safetensors",
            "tokenizer.json"
        ]
    );
    assert_eq!(
        files["model-00002-of-00002.safetensors"],
        sha256(b"second half").as_str()
    );
    assert!(server.has_blob(&sha256(b"first half")));
    assert!(!server.has_blob(&sha256(b"not a model file")));
}

#[test]
fn create_without_a_modelfile_takes_the_current_folder() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    let weights = gguf("llama", 0);
    dir.write("only.gguf", &weights);
    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "here"])
        .run();
    assert_eq!(
        create_bodies(&server)[0]["files"],
        serde_json::json!({"only.gguf": sha256(&weights)})
    );

    // An empty folder: nothing to create from, nothing sent.
    let server = TestServer::start_empty();
    let empty = Dir::new();
    Test::new()
        .server(&server)
        .current_dir(empty.path())
        .args(&["create", "here"])
        .status(2)
        .stderr(
            "ollama-rs: error: no Modelfile and no model files in this folder: \
         give one with -f FILE, or use --from MODEL\n",
        )
        .run();
    assert!(server.requests().is_empty());
}

#[test]
fn create_flags_add_to_and_override_the_modelfile() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write(
        "Modelfile",
        "FROM tiny\nSYSTEM old\nPARAMETER temperature 0.9\nPARAMETER stop x\nLICENSE MIT\n\
         MESSAGE user hi\nMESSAGE assistant hello\n",
    );
    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&[
            "create",
            "custom",
            "--from",
            "tiny-coder",
            "--system",
            "new",
            "--template",
            "{{ .Prompt }}",
            "-p",
            "num_ctx=2048",
            "-p",
            "stop=<a>",
            "-p",
            "stop=<b>",
        ])
        .run();
    assert_eq!(
        create_bodies(&server)[0],
        serde_json::json!({
            "model": "custom",
            "from": "tiny-coder",
            "template": "{{ .Prompt }}",
            "license": ["MIT"],
            "system": "new",
            "parameters": {"num_ctx": 2048, "stop": ["<a>", "<b>"], "temperature": 0.9},
            "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
        })
    );
}

#[test]
fn create_with_only_flags_needs_no_modelfile() {
    let server = TestServer::start();
    let dir = Dir::new();
    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "bare", "--from", "tiny", "-p", "num_predict=3"])
        .run();
    assert_eq!(
        create_bodies(&server)[0],
        serde_json::json!({"model": "bare", "from": "tiny", "parameters": {"num_predict": 3}})
    );
}

#[test]
fn create_from_a_missing_name_sends_it_as_a_model() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM no-such-model\n");
    let out = Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "x"])
        .output();
    // Not a path: the server is asked, and says it has no such model.
    assert_eq!(status_of(&out), 4);
    assert_eq!(create_bodies(&server)[0]["from"], "no-such-model");
    assert_eq!(
        stderr_of(&out),
        "ollama-rs: error: could not create `x`: pull model manifest: file does not exist\n"
    );
}

#[test]
fn create_from_a_missing_path_is_status_2_with_nothing_sent() {
    for from in [
        "./missing.gguf",
        "../up/x",
        "/no/such/dir",
        "~/gone",
        "weights.gguf",
        "w.safetensors",
    ] {
        let server = TestServer::start();
        let dir = Dir::new();
        let home = Dir::new();
        dir.write("Modelfile", format!("FROM {from}\n"));
        let message = match from.strip_prefix("~/") {
            Some(rest) => format!(
                "FROM `{from}`: no such file or directory (looked for `{}`)",
                home.path().join(rest).display()
            ),
            None => format!("FROM `{from}`: no such file or directory"),
        };
        let test = Test::new()
            .current_dir(dir.path())
            .env("HOME", home.path())
            .args(&["create", "x"]);
        assert_usage(&server, test, &message);
    }

    // A path given with --from is the command line's.
    let server = TestServer::start();
    let dir = Dir::new();
    assert_usage(
        &server,
        Test::new()
            .current_dir(dir.path())
            .args(&["create", "x", "--from", "./weights.gguf"]),
        "--from `./weights.gguf`: no such file or directory",
    );

    // Relative to the Modelfile's folder, not to where the command runs.
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("sub/Modelfile", "FROM ./missing.gguf\n");
    dir.write("missing.gguf", "a decoy where the command runs");
    assert_usage(
        &server,
        Test::new()
            .current_dir(dir.path())
            .args(&["create", "x", "-f", "sub/Modelfile"]),
        "FROM `./missing.gguf`: no such file or directory (looked for `sub/missing.gguf`)",
    );
}

#[test]
fn create_checks_every_path_before_uploading_anything() {
    let server = TestServer::start_empty();
    let dir = Dir::new();
    dir.write("model.gguf", gguf("llama", 1));
    dir.write(
        "Modelfile",
        "FROM ./model.gguf\nADAPTER ./lora.safetensors\n",
    );
    assert_usage(
        &server,
        Test::new().current_dir(dir.path()).args(&["create", "x"]),
        "ADAPTER `./lora.safetensors`: no such file or directory",
    );

    // A folder with nothing to upload in it.
    let server = TestServer::start_empty();
    let dir = Dir::new();
    dir.write("empty/notes.txt", "x");
    dir.write("Modelfile", "FROM ./empty\n");
    assert_usage(
        &server,
        Test::new().current_dir(dir.path()).args(&["create", "x"]),
        "FROM `./empty`: no Modelfile or safetensors files found",
    );
}

#[test]
fn create_uploads_an_adapter() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("lora/adapter_model.safetensors", b"lora weights");
    dir.write("lora/adapter_config.json", b"{}");
    dir.write(
        "Modelfile",
        "FROM tiny\nADAPTER ./lora/adapter_model.safetensors\n",
    );
    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "tuned"])
        .run();
    let body = &create_bodies(&server)[0];
    assert_eq!(body["from"], "tiny");
    assert_eq!(
        body["adapters"],
        serde_json::json!({"adapter_model.safetensors": sha256(b"lora weights")})
    );
}

#[test]
fn create_uploads_a_draft_model() {
    let server = TestServer::start();
    let dir = Dir::new();
    let weights = gguf("llama", 1);
    let draft = gguf("llama", 1)
        .into_iter()
        .chain(*b"draft")
        .collect::<Vec<u8>>();
    dir.write("model.gguf", &weights);
    dir.write("small/draft.gguf", &draft);
    dir.write("Modelfile", "FROM ./model.gguf\nDRAFT ./small/draft.gguf\n");
    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "fast", "--draft-quantize", "q8_0"])
        .run();
    assert!(server.has_blob(&sha256(&draft)));
    let body = &create_bodies(&server)[0];
    assert_eq!(
        body["files"],
        serde_json::json!({"model.gguf": sha256(&weights)})
    );
    assert_eq!(
        body["draft_files"],
        serde_json::json!({"draft.gguf": sha256(&draft)})
    );
    assert_eq!(body["draft_quantize"], "q8_0");
    // The draft is a layer of the new model.
    let show = server.model_names().into_iter().any(|n| n == "fast:latest");
    assert!(show, "{:?}", server.model_names());

    // Without DRAFT, nothing is sent.
    let server = TestServer::start();
    assert_usage(
        &server,
        Test::new().current_dir(dir.path()).args(&[
            "create",
            "x",
            "--from",
            "tiny",
            "-f",
            "/dev/null",
            "--draft-quantize",
            "q8_0",
        ]),
        "--draft-quantize needs a DRAFT model: add `DRAFT <path>` to the Modelfile",
    );
}

#[test]
fn create_draft_must_be_a_local_model_of_its_own() {
    let dir = Dir::new();
    dir.write("model.gguf", gguf("llama", 1));
    // DRAFT is never a model name.
    let server = TestServer::start();
    dir.write("Modelfile", "FROM ./model.gguf\nDRAFT tiny\n");
    assert_usage(
        &server,
        Test::new().current_dir(dir.path()).args(&["create", "x"]),
        "DRAFT `tiny`: no such file or directory",
    );
    // Nor the FROM file itself, however it is spelled.
    for draft in ["./model.gguf", ".", "../{}/model.gguf"] {
        let name = dir.path().file_name().unwrap().to_string_lossy();
        let draft = draft.replace("{}", &name);
        let server = TestServer::start();
        dir.write("Modelfile", format!("FROM ./model.gguf\nDRAFT {draft}\n"));
        let out = Test::new()
            .server(&server)
            .current_dir(dir.path())
            .args(&["create", "x"])
            .status(2)
            .run();
        assert!(
            stderr_of(&out).starts_with(&format!(
                "ollama-rs: error: DRAFT `{draft}` must not be the same file as FROM"
            )),
            "{}",
            stderr_of(&out)
        );
        assert!(server.requests().is_empty());
    }
    // A user that does not exist is named.
    let server = TestServer::start();
    dir.write(
        "Modelfile",
        "FROM ./model.gguf\nDRAFT ~no-such-user-here/d.gguf\n",
    );
    assert_usage(
        &server,
        Test::new().current_dir(dir.path()).args(&["create", "x"]),
        "DRAFT `~no-such-user-here/d.gguf`: there is no user `no-such-user-here`",
    );
}

#[test]
fn create_modelfile_errors_name_file_line_and_column() {
    let cases: &[(&str, &str)] = &[
        (
            "FROM tiny\n  FORM tiny\n",
            "Modelfile:2:3: command must be one of \"from\", \"license\", \"template\", \"system\", \
             \"adapter\", \"draft\", \"renderer\", \"parser\", \"parameter\", \"message\", or \
             \"requires\": `  FORM tiny`",
        ),
        (
            "FROM tiny\r\nSYSTEM \"\"\"never closed\r\n",
            "Modelfile:2:8: unexpected EOF: the quoted value is never closed: `SYSTEM \"\"\"never closed`",
        ),
        (
            "FROM tiny\nMESSAGE robot hi\n",
            "Modelfile:2:9: message role must be one of \"system\", \"user\", or \"assistant\": \
             `MESSAGE robot hi`",
        ),
        (
            "FROM tiny\nPARAMETER top_k lots\n",
            "Modelfile:2:17: option 'top_k' must be of type integer, not `lots`: `PARAMETER top_k lots`",
        ),
        (
            "FROM tiny\nPARAMETER bad-name 1\n",
            "Modelfile:2:11: invalid parameter name 'bad-name': only letters, digits and '_' are \
             allowed: `PARAMETER bad-name 1`",
        ),
        ("FROM\n", "Modelfile:1:5: missing value for \"from\": `FROM`"),
        ("# only a comment\nPARAMETER temperature 1\n", "Modelfile: no FROM line"),
        ("", "Modelfile: no FROM line"),
    ];
    for (text, message) in cases {
        let server = TestServer::start();
        let dir = Dir::new();
        dir.write("Modelfile", text);
        assert_usage(
            &server,
            Test::new().current_dir(dir.path()).args(&["create", "x"]),
            message,
        );
    }
    // The path is the one given.
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write(
        "conf/My.modelfile",
        "FROM tiny\nPARAMETER temperature hot\n",
    );
    assert_usage(
        &server,
        Test::new()
            .current_dir(dir.path())
            .args(&["create", "x", "-f", "conf/My.modelfile"]),
        "conf/My.modelfile:2:23: option 'temperature' must be of type float, not `hot`: \
         `PARAMETER temperature hot`",
    );
}

#[test]
fn create_unknown_parameter_names_the_key_and_the_valid_ones() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM tiny\nPARAMETER temprature 0.5\n");
    let out = Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "x"])
        .status(2)
        .run();
    let err = stderr_of(&out);
    assert!(
        err.starts_with(
            "ollama-rs: error: Modelfile:2:11: unknown parameter 'temprature' (valid parameters: "
        ),
        "{err}"
    );
    assert!(err.contains("temperature, "), "{err}");
    assert!(
        err.trim_end().ends_with("`PARAMETER temprature 0.5`"),
        "{err}"
    );
    assert!(server.requests().is_empty());

    // The same from -p.
    let out = Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "x", "--from", "tiny", "-p", "topk=3"])
        .status(2)
        .run();
    let err = stderr_of(&out);
    assert!(
        err.starts_with("ollama-rs: error: Modelfile:2:11: unknown parameter 'temprature'"),
        "{err}"
    );
    let empty = Dir::new();
    let out = Test::new()
        .server(&server)
        .current_dir(empty.path())
        .args(&["create", "x", "--from", "tiny", "-p", "topk=3"])
        .status(2)
        .run();
    let err = stderr_of(&out);
    assert!(
        err.starts_with("ollama-rs: error: unknown parameter 'topk' (valid parameters: "),
        "{err}"
    );
    assert!(err.contains("top_k"), "{err}");
    Test::new()
        .server(&server)
        .current_dir(empty.path())
        .args(&["create", "x", "--from", "tiny", "-p", "top_k=many"])
        .status(2)
        .stderr_contains("top_k")
        .run();
    assert!(server.requests().is_empty());
}

#[test]
fn create_skips_deprecated_parameters_with_a_warning() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write(
        "Modelfile",
        "FROM tiny\nPARAMETER mirostat 1\nPARAMETER top_k 3\n",
    );
    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "x", "-p", "use_mlock=true"])
        .stderr("ollama-rs: warning: line 2: parameter 'mirostat' is deprecated and ignored by current servers; skipped\n\
         ollama-rs: warning: parameter 'use_mlock' is deprecated and ignored by current servers; skipped\n\
         created 'x'\n")
        .run();
    assert_eq!(
        create_bodies(&server)[0]["parameters"],
        serde_json::json!({"top_k": 3})
    );
}

#[test]
fn create_unreadable_modelfile_is_status_2() {
    let server = TestServer::start();
    let dir = Dir::new();
    let out = Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "x", "-f", "nope/Modelfile"])
        .status(2)
        .run();
    assert!(
        stderr_of(&out).starts_with("ollama-rs: error: could not read `nope/Modelfile`: "),
        "{}",
        stderr_of(&out)
    );
    assert!(server.requests().is_empty());
}

#[test]
fn create_server_error_is_status_1() {
    let server = TestServer::start();
    let dir = Dir::new();
    dir.write("Modelfile", "FROM tiny\n");
    Test::new()
        .server(&server)
        .current_dir(dir.path())
        .args(&["create", "x", "-q", "q9_X"])
        .status(1)
        .stderr(
            "ollama-rs: error: could not create `x`: unsupported quantization type q9_X - \
         supported types are F32, F16, Q4_K_S, Q4_K_M, Q8_0 (status code: 500)\n",
        )
        .run();
}
