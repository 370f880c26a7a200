//! Embeddings: `embed` and the deprecated `embeddings`, against the test server and the captures.

use ollama_rs::{EmbedRequest, EmbeddingsRequest};
use pretty_assertions::assert_eq;

use ollama_test_server::TestServer;

use crate::support::*;

#[tokio::test]
async fn embed_and_deprecated_embeddings() {
    let server = TestServer::start();
    let c = client(&server);
    let r = c
        .embed(EmbedRequest::new("tiny-embed", vec!["a", "b"]).dimensions(8))
        .await
        .unwrap();
    assert_eq!(r.embeddings.len(), 2);
    assert_eq!(r.embeddings[0].len(), 8);
    let norm: f32 = r.embeddings[0].iter().map(|v| v * v).sum();
    assert!((norm - 1.0).abs() < 1e-3);
    #[allow(deprecated)]
    let r = c
        .embeddings(ollama_rs::EmbeddingsRequest::new("tiny-embed", "a"))
        .await
        .unwrap();
    assert_eq!(r.embedding.len(), 64);
    let e = c.embed(EmbedRequest::new("tiny", "a")).await.unwrap_err();
    assert_eq!(e.status(), Some(501));
}

#[tokio::test]
async fn embed_43_single() {
    let (cap, replay, client) = serve("43");
    let r = client
        .embed(EmbedRequest::new("tiny-embed", "hello world"))
        .await
        .unwrap();
    assert_eq!(r.model, "tiny-embed");
    // The capture keeps only the first 8 of the 64 values.
    assert_eq!(
        r.embeddings,
        [vec![
            0.7318014f32,
            0.026626382,
            -0.026379481,
            -0.018870149,
            0.058635384,
            0.026277494,
            -0.008489895,
            0.110198416
        ]]
    );
    assert_eq!(
        (r.total_duration, r.load_duration, r.prompt_eval_count),
        (Some(4188624), Some(1300669), Some(6))
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/embed",
        "application/json",
        r#"{"model":"tiny-embed","input":"hello world"}"#,
    );
    assert_eq!(s.body, cap.request.body);
}

#[tokio::test]
async fn embed_44_list() {
    let (cap, replay, client) = serve("44");
    let r = client
        .embed(EmbedRequest::new("tiny-embed", vec!["hello", "tiny world"]))
        .await
        .unwrap();
    assert_eq!(r.embeddings.len(), 2);
    assert_eq!(r.embeddings[0][0], 0.72719884);
    assert_eq!(r.embeddings[1][7], 0.0993653);
    assert_eq!(r.prompt_eval_count, Some(10));
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn embed_45_dimensions() {
    let (cap, replay, client) = serve("45");
    let r = client
        .embed(EmbedRequest::new("tiny-embed", "hello world").dimensions(8))
        .await
        .unwrap();
    assert_eq!(r.embeddings.len(), 1);
    let v = &r.embeddings[0];
    assert_eq!(v.len(), 8);
    assert_eq!((v[0], v[7]), (0.98351294, 0.14810243));
    let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "{norm}");
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn embed_46_too_long() {
    let (cap, replay, client) = serve("46");
    let input = cap.request.json()["input"].as_str().unwrap().to_owned();
    assert_api(
        client
            .embed(EmbedRequest::new("tiny-bert", input).truncate(false))
            .await,
        &cap,
        400,
        "the input length exceeds the context length",
    );
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn embed_47_empty_input() {
    let (cap, replay, client) = serve("47");
    let r = client
        .embed(EmbedRequest::new("tiny-embed", ""))
        .await
        .unwrap();
    assert_eq!(r.model, "tiny-embed");
    assert!(r.embeddings.is_empty());
    assert_eq!(r.total_duration, None);
    assert_eq!(only_request(&replay).body, cap.request.body);
}

#[tokio::test]
async fn embed_48_completion_model_is_501() {
    let (cap, replay, client) = serve("48");
    assert_api(
        client.embed(EmbedRequest::new("tiny", "hello")).await,
        &cap,
        501,
        "This server does not support embeddings. Start it with `--embeddings`",
    );
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
async fn embed_49_missing_model() {
    let (cap, replay, client) = serve("49");
    let err = assert_api(
        client.embed(EmbedRequest::new("nope", "hello")).await,
        &cap,
        404,
        "model \"nope\" not found, try pulling it first",
    );
    assert!(err.is_model_not_found());
    assert_same_body(&replay, &cap, None);
}

#[tokio::test]
#[allow(deprecated)] // the deprecated endpoint is what is under test
async fn embeddings_50_legacy() {
    let (cap, replay, client) = serve("50");
    let r = client
        .embeddings(EmbeddingsRequest::new("tiny-embed", "hello world"))
        .await
        .unwrap();
    // float64 with all 17 digits, unlike /api/embed.
    assert_eq!(
        r.embedding,
        [
            0.7318013906478882,
            0.026626382023096085,
            -0.026379480957984924,
            -0.018870148807764053,
            0.05863538384437561,
            0.026277493685483932,
            -0.008489894680678844,
            0.11019841581583023
        ]
    );
    let s = only_request(&replay);
    assert_json_request(
        &s,
        "POST",
        "/api/embeddings",
        "application/json",
        r#"{"model":"tiny-embed","prompt":"hello world"}"#,
    );
    assert_eq!(s.body, cap.request.body);
}

#[tokio::test]
#[allow(deprecated)] // the deprecated endpoint is what is under test
async fn embeddings_51_legacy_missing() {
    let (cap, replay, client) = serve("51");
    let err = assert_api(
        client
            .embeddings(EmbeddingsRequest::new("nope", "hello"))
            .await,
        &cap,
        404,
        "model \"nope\" not found, try pulling it first",
    );
    assert!(err.is_model_not_found());
    assert_eq!(only_request(&replay).body, cap.request.body);
}
