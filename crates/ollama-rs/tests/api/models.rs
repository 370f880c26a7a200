//! The local models: version, list, ps, show, copy and delete.

use ollama_rs::{GenerateRequest, ModelDetails, ShowRequest, StatusResponse, Tensor};
use pretty_assertions::assert_eq;
use serde_json::{json, Value};

use ollama_test_server::TestServer;

use crate::support::*;

#[tokio::test]
async fn model_management_round_trip() {
    let server = TestServer::start();
    let c = client(&server);
    c.copy("tiny", "tiny-copy").await.unwrap();
    assert!(c
        .list()
        .await
        .unwrap()
        .models
        .iter()
        .any(|m| m.name() == "tiny-copy:latest"));
    let shown = c
        .show(ShowRequest::new("tiny-copy").verbose(true))
        .await
        .unwrap();
    assert!(shown.has_capability("completion"));
    c.delete("tiny-copy").await.unwrap();
    let e = c.delete("tiny-copy").await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    let e = c.copy("nope", "x").await.unwrap_err();
    assert_eq!(e.server_message(), Some("model \"nope\" not found"));
    assert!(c.ps().await.unwrap().models.is_empty());
    c.generate(GenerateRequest::new("tiny", "hi"))
        .await
        .unwrap();
    assert_eq!(c.ps().await.unwrap().models[0].name(), "tiny:latest");
}

const MODEL_DIGEST: &str = "6c6fb155ec0c68b62ecd35160f6720e7b64dab9d00aa32da53ab189c56388f7b";

fn tiny_details() -> ModelDetails {
    let mut r = ModelDetails::default();
    r.parent_model = String::new();
    r.format = "gguf".into();
    r.family = "llama".into();
    r.families = Some(vec!["llama".into()]);
    r.parameter_size = "119K".into();
    r.quantization_level = "unknown".into();
    r.context_length = None;
    r.embedding_length = None;
    r.extra = Default::default();
    r
}

#[tokio::test]
async fn version_03() {
    let (_cap, replay, client) = serve("03");
    let v = client.version().await.unwrap();
    assert_eq!(v.version, "0.32.15");
    let s = only_request(&replay);
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        ("GET", "/api/version")
    );
    assert_eq!(s.header("accept"), "application/json");
    assert!(s.header("user-agent").starts_with("ollama-rs/"));
    assert!(s.body.is_empty());
}

#[tokio::test]
async fn list_04() {
    let (cap, replay, client) = serve("04");
    let list = client.list().await.unwrap();
    let names: Vec<&str> = list.models.iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["tiny-bert:latest", "tiny-embed:latest", "tiny:latest"]
    );
    let sizes: Vec<u64> = list.models.iter().map(|m| m.size).collect();
    assert_eq!(sizes, [454998, 482904, 483257]);
    let caps: Vec<Vec<String>> = list
        .models
        .iter()
        .map(|m| m.capabilities.clone().unwrap())
        .collect();
    assert_eq!(
        caps,
        [vec!["embedding"], vec!["embedding"], vec!["completion"]]
    );

    let bert = &list.models[0];
    assert_eq!(bert.name, "tiny-bert:latest");
    assert_eq!(bert.model, "tiny-bert:latest");
    assert_eq!(
        bert.modified_at.as_deref(),
        Some("2026-11-25T03:04:47.876297371Z")
    );
    assert_eq!(
        bert.digest,
        "ccbd6352ca8e6794ff85381ba05d4217303749c9837b26f7f8ab21a03332ff32"
    );
    assert_eq!(bert.details, {
        let mut r = ModelDetails::default();
        r.parent_model = String::new();
        r.format = "gguf".into();
        r.family = "bert".into();
        r.families = Some(vec!["bert".into()]);
        r.parameter_size = "112K".into();
        r.quantization_level = "unknown".into();
        r.context_length = Some(512);
        r.embedding_length = Some(64);
        r.extra = Default::default();
        r
    });
    let tiny = &list.models[2];
    assert_eq!(tiny.digest, MODEL_DIGEST);
    assert_eq!(tiny.details, {
        let mut r = tiny_details();
        r.context_length = Some(4096);
        r.embedding_length = Some(64);
        r
    });
    assert_eq!(
        (tiny.remote_model.as_deref(), tiny.remote_host.as_deref()),
        (None, None)
    );

    // Nothing was lost on the way: the typed answer serializes back to the captured document.
    assert_eq!(serde_json::to_value(&list).unwrap(), cap.response.json());
    let s = only_request(&replay);
    assert_eq!((s.method.as_str(), s.path.as_str()), ("GET", "/api/tags"));
}

#[tokio::test]
async fn ps_05_none() {
    let (_cap, replay, client) = serve("05");
    assert!(client.ps().await.unwrap().models.is_empty());
    assert_eq!(only_request(&replay).path, "/api/ps");
}

#[tokio::test]
async fn ps_06_loaded() {
    let (_cap, _replay, client) = serve("06");
    let ps = client.ps().await.unwrap();
    assert_eq!(ps.models.len(), 1);
    let m = &ps.models[0];
    assert_eq!(m.name(), "tiny:latest");
    assert_eq!(m.name, "tiny:latest");
    assert_eq!(m.size, 7822376);
    assert_eq!(m.size_vram, 0);
    assert_eq!(m.digest, MODEL_DIGEST);
    assert_eq!(
        m.expires_at.as_deref(),
        Some("2026-11-25T03:14:39.629903622Z")
    );
    assert_eq!(m.context_length, Some(4096));
    // ps details lack context_length; it is the top-level field here.
    assert_eq!(m.details, tiny_details());
}

#[tokio::test]
async fn show_07_plain() {
    let (cap, replay, client) = serve("07");
    assert!(cap.response.is_chunked(), "the answer must arrive chunked");
    let show = client.show("tiny").await.unwrap();

    let modelfile = format!(
        "# Modelfile generated by \"ollama show\"\n\
         # To build a new Modelfile based on this, replace FROM with:\n\
         # FROM tiny:latest\n\n\
         FROM /home/user/.ollama/models/blobs/sha256-8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998\n\
         TEMPLATE \"{TINY_TEMPLATE}\"\n\
         PARAMETER stop <|im_start|>\n\
         PARAMETER stop <|im_end|>\n"
    );
    assert_eq!(show.modelfile.as_deref(), Some(modelfile.as_str()));
    assert_eq!(show.parameters.as_deref(), Some(TINY_PARAMETERS));
    assert_eq!(show.template.as_deref(), Some(TINY_TEMPLATE));
    assert_eq!(
        (show.system.as_deref(), show.license.as_deref()),
        (None, None)
    );
    assert_eq!(show.details, Some(tiny_details()));
    assert_eq!(show.capabilities, ["completion"]);
    assert!(show.has_capability("Completion"));
    assert!(!show.has_capability("embedding"));
    assert_eq!(
        show.modified_at.as_deref(),
        Some("2026-11-25T03:01:17.493105798Z")
    );

    assert_eq!(show.architecture(), Some("llama"));
    assert_eq!(show.context_length(), Some(4096));
    assert_eq!(show.embedding_length(), Some(64));
    assert_eq!(show.parameter_count(), Some(118976));
    let info = show.model_info.as_ref().unwrap();
    assert_eq!(info.len(), 26);
    assert_eq!(
        info["llama.attention.layer_norm_rms_epsilon"],
        json!(0.00001)
    );
    assert_eq!(info["tokenizer.ggml.model"], json!("gpt2"));
    // Without verbose the long tokenizer arrays are null.
    assert_eq!(info["tokenizer.ggml.tokens"], Value::Null);
    // Key order is kept as the server sent it.
    assert_eq!(
        info.keys().next().map(String::as_str),
        Some("general.architecture")
    );

    let tensors = show.tensors.as_ref().unwrap();
    assert_eq!(tensors.len(), 21);
    assert_eq!(tensors[0], {
        let mut r = Tensor::default();
        r.name = "output.weight".into();
        r.r#type = "F32".into();
        r.shape = vec![64, 287];
        r
    });
    assert_eq!(tensors[20], {
        let mut r = Tensor::default();
        r.name = "blk.1.ffn_up.weight".into();
        r.r#type = "F32".into();
        r.shape = vec![64, 128];
        r
    });
    assert_eq!(serde_json::to_value(&show).unwrap(), cap.response.json());

    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/show",
        "application/json",
        r#"{"model":"tiny"}"#,
    );
    assert_eq!(s.json(), cap.request.json());
}

#[tokio::test]
async fn show_08_verbose() {
    let (cap, replay, client) = serve("08");
    let show = client
        .show(ShowRequest::new("tiny").verbose(true))
        .await
        .unwrap();
    let info = show.model_info.as_ref().unwrap();
    let tokens = info["tokenizer.ggml.tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 287);
    assert_eq!(
        tokens[..3],
        [
            json!("<|endoftext|>"),
            json!("<|im_start|>"),
            json!("<|im_end|>")
        ]
    );
    assert_eq!(
        info["tokenizer.ggml.token_type"].as_array().unwrap().len(),
        287
    );
    let merges = info["tokenizer.ggml.merges"].as_array().unwrap();
    assert_eq!(merges.len(), 29);
    assert_eq!(merges[0], json!("\u{120} t"));
    assert_eq!(show.parameters.as_deref(), Some(TINY_PARAMETERS));
    assert_eq!(show.template.as_deref(), Some(TINY_TEMPLATE));
    assert_eq!(show.context_length(), Some(4096));
    assert_eq!(show.tensors.as_ref().unwrap().len(), 21);
    assert_eq!(show.capabilities, ["completion"]);
    assert_eq!(serde_json::to_value(&show).unwrap(), cap.response.json());

    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/show",
        "application/json",
        r#"{"model":"tiny","verbose":true}"#,
    );
}

#[tokio::test]
async fn show_09_missing() {
    let (cap, replay, client) = serve("09");
    let err = assert_api(
        client.show("nope").await,
        &cap,
        404,
        "model 'nope:latest' not found",
    );
    assert!(err.is_model_not_found());
    assert_eq!(
        err.to_string(),
        "model 'nope:latest' not found (status code: 404)"
    );
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn copy_10_ok() {
    let (_cap, replay, client) = serve("10");
    let r = client.copy("tiny", "tiny-copy").await.unwrap();
    assert_eq!(r, {
        let mut expected = StatusResponse::default();
        expected.status = "success".into();
        expected
    });
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/copy",
        "application/json",
        r#"{"source":"tiny","destination":"tiny-copy"}"#,
    );
}

#[tokio::test]
async fn copy_11_missing_source() {
    let (cap, replay, client) = serve("11");
    let err = assert_api(
        client.copy("nope", "tiny-copy2").await,
        &cap,
        404,
        "model \"nope\" not found",
    );
    assert!(err.is_model_not_found());
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn copy_12_invalid_destination() {
    let (cap, replay, client) = serve("12");
    let err = assert_api(
        client.copy("tiny", "bad name!").await,
        &cap,
        400,
        "destination \"bad name!\" is invalid",
    );
    assert!(!err.is_model_not_found());
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn delete_13_ok() {
    let (_cap, replay, client) = serve("13");
    let r = client.delete("tiny-copy").await.unwrap();
    assert_eq!(r.status, "success");
    assert_json_request(
        &only_request(&replay),
        "DELETE",
        "/api/delete",
        "application/json",
        r#"{"model":"tiny-copy"}"#,
    );
}

#[tokio::test]
async fn delete_14_missing() {
    let (cap, replay, client) = serve("14");
    assert_api(
        client.delete("tiny-copy").await,
        &cap,
        404,
        "model 'tiny-copy' not found",
    );
    assert_same_body(&replay, &cap, None);
}
