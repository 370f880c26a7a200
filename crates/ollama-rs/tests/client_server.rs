//! The library client against the Ollama test server: every method, async
//! and blocking, the headers and bodies it sends, authentication, redirects,
//! timeouts and every fault the server can play.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ollama_rs::{
    ChatRequest, Client, CreateRequest, EmbedRequest, Error, GenerateRequest, KeepAlive, Message,
    PullRequest, PushRequest, ShowRequest, Think, Tool,
};
use pretty_assertions::assert_eq;
use serde_json::json;

use ollama_test_server::{Fault, TestServer};

fn client(server: &TestServer) -> Client {
    Client::builder()
        .host(server.url())
        .api_key(None)
        .build()
        .unwrap()
}

async fn collect_generate(c: &Client, req: GenerateRequest) -> ollama_rs::Result<String> {
    let mut s = c.generate_stream(req).await?;
    let mut text = String::new();
    while let Some(part) = s.next().await {
        text.push_str(&part?.response);
    }
    Ok(text)
}

#[tokio::test]
async fn generate_stream_and_whole_agree() {
    let server = TestServer::start();
    let c = client(&server);
    let streamed = collect_generate(&c, GenerateRequest::new("tiny", "hello there"))
        .await
        .unwrap();
    let whole = c
        .generate(GenerateRequest::new("tiny", "hello there"))
        .await
        .unwrap();
    assert!(!streamed.is_empty());
    assert_eq!(streamed, whole.response);
    assert!(whole.done);
    let m = whole.metrics();
    assert!(m.eval_count.unwrap() > 0 && m.eval_duration.unwrap() > 0);
    assert!(whole.context.is_some());
    let sent: Vec<_> = server
        .requests_to("/api/generate")
        .iter()
        .map(|r| r.json())
        .collect();
    assert_eq!(
        sent,
        vec![
            json!({"model":"tiny","prompt":"hello there","stream":true}),
            json!({"model":"tiny","prompt":"hello there","stream":false}),
        ]
    );
}

/// Every item of a generate stream for "hi".
async fn generate_items(c: &Client) -> Vec<ollama_rs::Result<ollama_rs::GenerateResponse>> {
    c.generate_stream(GenerateRequest::new("tiny", "hi"))
        .await
        .unwrap()
        .collect()
        .await
}

/// A stream that ends cleanly before `done: true` ends with
/// [`Error::Incomplete`], through the async and the blocking client; one
/// that has its last object ends quietly.
#[tokio::test]
async fn a_stream_cut_short_ends_with_incomplete() {
    let server = TestServer::start();
    let c = client(&server);
    let cut = |body: &str| Fault::RawBody {
        content_type: "application/x-ndjson".into(),
        body: body.as_bytes().to_vec(),
    };
    server.set_fault(cut(
        "{\"model\":\"tiny\",\"response\":\"Hel\",\"done\":false}\n\
         {\"model\":\"tiny\",\"response\":\"lo\",\"done\":false}",
    ));
    let items = generate_items(&c).await;
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(items[..2].iter().all(Result::is_ok), "{items:?}");
    assert!(matches!(items[2], Err(Error::Incomplete)), "{items:?}");

    server.set_fault(cut(
        "{\"model\":\"tiny\",\"message\":{\"role\":\"assistant\",\"content\":\"a\"},\"done\":false}\n",
    ));
    let items: Vec<_> = c
        .chat_stream(ChatRequest::new("tiny", [Message::user("hi")]))
        .await
        .unwrap()
        .collect()
        .await;
    assert!(
        matches!(&items[..], [Ok(_), Err(Error::Incomplete)]),
        "{items:?}"
    );

    // An empty body is cut short too.
    server.set_fault(cut(""));
    let err = collect_generate(&c, GenerateRequest::new("tiny", "hi"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the server ended the stream before the answer was complete"
    );

    // Through the blocking client.
    server.set_fault(cut(
        "{\"model\":\"tiny\",\"response\":\"a\",\"done\":false}\n",
    ));
    let url = server.url();
    let last = tokio::task::spawn_blocking(move || {
        let c = ollama_rs::blocking::Client::with_host(url).unwrap();
        c.generate_stream(GenerateRequest::new("tiny", "hi"))
            .unwrap()
            .last()
    })
    .await
    .unwrap();
    assert!(matches!(last, Some(Err(Error::Incomplete))), "{last:?}");

    // A whole stream ends without an error.
    server.clear_faults();
    let items = generate_items(&c).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert!(items.last().unwrap().as_ref().unwrap().done);
}

#[tokio::test]
async fn num_predict_limits_tokens() {
    let server = TestServer::start();
    let c = client(&server);
    let o = ollama_rs::Options {
        num_predict: Some(2),
        ..Default::default()
    };
    let r = c
        .generate(GenerateRequest::new("tiny", "one two three four five six").options(o))
        .await
        .unwrap();
    assert_eq!(r.done_reason.as_deref(), Some("length"));
    assert_eq!(r.eval_count, Some(2));
}

#[tokio::test]
async fn default_headers_are_sent() {
    let server = TestServer::start();
    let c = Client::builder()
        .host(server.url())
        .api_key(None)
        .header("X-Trace", "42")
        .build()
        .unwrap();
    c.list().await.unwrap();
    let r = &server.requests_to("/api/tags")[0];
    let ua = r.header("user-agent").unwrap();
    assert!(
        ua.starts_with(&format!("ollama-rs/{} (", env!("CARGO_PKG_VERSION"))),
        "{ua}"
    );
    assert!(ua.contains(std::env::consts::OS), "{ua}");
    assert_eq!(r.header("accept"), Some("application/json"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("x-trace"), Some("42"));
    assert_eq!(r.header("authorization"), None);
}

#[tokio::test]
async fn api_key_becomes_bearer_unless_authorization_given() {
    let server = TestServer::start();
    let c = Client::builder()
        .host(server.url())
        .api_key(Some("k123".into()))
        .build()
        .unwrap();
    c.version().await.unwrap();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer k123")
    );
    let c = Client::builder()
        .host(server.url())
        .api_key(Some("k123".into()))
        .header("Authorization", "Custom x")
        .build()
        .unwrap();
    c.version().await.unwrap();
    assert_eq!(
        server.requests()[1].header("authorization"),
        Some("Custom x")
    );
}

#[tokio::test]
async fn credentials_in_the_host_become_basic_auth() {
    let server = TestServer::start();
    let url = server.url().replace("http://", "http://me:s%40cret@");
    let c = Client::builder().host(url).api_key(None).build().unwrap();
    c.version().await.unwrap();
    // base64("me:s@cret")
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Basic bWU6c0BjcmV0")
    );
    assert!(!format!("{c:?}").contains("cret"));
}

#[tokio::test]
async fn redirect_within_the_origin_keeps_authorization() {
    let server = TestServer::start();
    server.set_fault_for(
        "/api/version",
        Fault::Redirect {
            location: format!("{}/api/tags", server.url()),
            status: 307,
        },
    );
    let c = Client::builder()
        .host(server.url())
        .api_key(Some("k".into()))
        .build()
        .unwrap();
    let _ = c.version().await;
    let tags = server.requests_to("/api/tags");
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].header("authorization"), Some("Bearer k"));
}

#[tokio::test]
async fn redirect_to_another_origin_drops_authorization() {
    let server = TestServer::start();
    let other = TestServer::start();
    server.set_fault(Fault::Redirect {
        location: format!("{}/api/version", other.url()),
        status: 307,
    });
    let c = Client::builder()
        .host(server.url())
        .api_key(Some("secret-key".into()))
        .header("X-Keep", "1")
        .build()
        .unwrap();
    let v = c.version().await.unwrap();
    assert_eq!(v.version, "0.32.15");
    let got = &other.requests()[0];
    assert_eq!(got.header("authorization"), None);
    assert_eq!(got.header("x-keep"), Some("1"));
}

#[tokio::test]
async fn redirects_can_be_refused_and_loops_end() {
    let server = TestServer::start();
    server.set_fault(Fault::Redirect {
        location: format!("{}/api/version", server.url()),
        status: 307,
    });
    let c = Client::builder()
        .host(server.url())
        .follow_redirects(false)
        .build()
        .unwrap();
    match c.version().await {
        Err(Error::Api { status: 307, .. }) => {}
        other => panic!("{other:?}"),
    }
    let c = client(&server);
    match c.version().await {
        Err(Error::Http { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(server.requests().len() <= 12);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = TestServer::start();
    server.set_fault(Fault::NeverAnswer);
    let c = Client::builder()
        .host(server.url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let t = Instant::now();
    match c.list().await {
        Err(Error::Timeout { .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_stalled_stream_times_out_but_a_slow_one_does_not() {
    let server = TestServer::start();
    server.set_fault(Fault::Stall {
        after_lines: 2,
        for_ms: 3_000,
    });
    let c = Client::builder()
        .host(server.url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut s = c
        .generate_stream(GenerateRequest::new("tiny", "a b c d e f"))
        .await
        .unwrap();
    let mut items = 0;
    let err = loop {
        match s.next().await {
            Some(Ok(_)) => items += 1,
            Some(Err(e)) => break e,
            None => panic!("the stream ended without the timeout"),
        }
    };
    assert_eq!(items, 2);
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");

    // Without a timeout the same stall is waited out.
    server.set_fault(Fault::Stall {
        after_lines: 1,
        for_ms: 300,
    });
    let c = client(&server);
    let text = collect_generate(&c, GenerateRequest::new("tiny", "a b c"))
        .await
        .unwrap();
    assert!(!text.is_empty());
}

#[tokio::test]
async fn one_byte_chunks_and_split_utf8_decode_the_same() {
    let server = TestServer::start();
    let c = client(&server);
    let plain = collect_generate(&c, GenerateRequest::new("tiny", "héllo wörld ✓"))
        .await
        .unwrap();
    assert_eq!(plain, ollama_test_server::reply_text("héllo wörld ✓"));
    // With split UTF-8 the server puts multi-byte characters first, so that
    // chunk boundaries fall inside them.
    let split = format!("{}{plain}", ollama_test_server::UTF8_PREFIX);
    for (fault, want) in [(Fault::OneByteChunks, &plain), (Fault::SplitUtf8, &split)] {
        server.set_fault(fault);
        let got = collect_generate(&c, GenerateRequest::new("tiny", "héllo wörld ✓"))
            .await
            .unwrap();
        assert_eq!(&got, want);
        // Single documents too.
        assert_eq!(c.list().await.unwrap().models.len(), 6);
    }
}

#[tokio::test]
async fn a_connection_closed_mid_stream_is_an_error_after_the_items() {
    let server = TestServer::start();
    server.set_fault(Fault::CloseMidStream { after_lines: 2 });
    let c = client(&server);
    let mut s = c
        .generate_stream(GenerateRequest::new("tiny", "a b c d e f"))
        .await
        .unwrap();
    assert!(s.next().await.unwrap().is_ok());
    assert!(s.next().await.unwrap().is_ok());
    match s.next().await {
        Some(Err(Error::Http { .. })) => {}
        other => panic!("{other:?}"),
    }
    assert!(s.next().await.is_none());
}

#[tokio::test]
async fn an_error_line_mid_stream_ends_it() {
    let server = TestServer::start();
    server.set_fault(Fault::ErrorMidStream {
        after_lines: 1,
        message: "an error was encountered while running the model".into(),
    });
    let c = client(&server);
    let mut s = c
        .chat_stream(ChatRequest::new("tiny", [Message::user("hi there you")]))
        .await
        .unwrap();
    assert!(s.next().await.unwrap().is_ok());
    match s.next().await {
        Some(Err(Error::Stream { message })) => {
            assert_eq!(message, "an error was encountered while running the model")
        }
        other => panic!("{other:?}"),
    }
    assert!(s.next().await.is_none());
}

#[tokio::test]
async fn error_statuses_keep_the_body() {
    let server = TestServer::start();
    let c = client(&server);
    server.set_fault(Fault::Status {
        code: 500,
        content_type: "text/html".into(),
        body: "<html><body>Bad gateway</body></html>".into(),
    });
    match c.list().await {
        Err(Error::Api { status, message }) => {
            assert_eq!(status, 500);
            assert_eq!(message, "<html><body>Bad gateway</body></html>");
        }
        other => panic!("{other:?}"),
    }
    server.set_fault(Fault::Status {
        code: 401,
        content_type: "application/json".into(),
        body: r#"{"error":"unauthorized"}"#.into(),
    });
    let e = c.list().await.unwrap_err();
    assert_eq!(e.to_string(), "unauthorized (status code: 401)");
    server.set_fault(Fault::Status {
        code: 403,
        content_type: "text/plain".into(),
        body: String::new(),
    });
    let e = c.list().await.unwrap_err();
    assert_eq!(e.status(), Some(403));
}

#[tokio::test]
async fn bodies_that_are_not_json_are_decode_errors() {
    let server = TestServer::start();
    let c = client(&server);
    server.set_fault(Fault::RawBody {
        content_type: "application/json".into(),
        body: b"this is not json".to_vec(),
    });
    match c.list().await {
        Err(Error::Decode { line, .. }) => assert_eq!(line, "this is not json"),
        other => panic!("{other:?}"),
    }
    server.set_fault(Fault::RawBody {
        content_type: "application/x-ndjson".into(),
        body: b"{\"response\":\"ok\",\"done\":false}\n{\"response\":\"\xff\",\"done\":false}\n"
            .to_vec(),
    });
    let mut s = c
        .generate_stream(GenerateRequest::new("tiny", "x"))
        .await
        .unwrap();
    assert_eq!(s.next().await.unwrap().unwrap().response, "ok");
    assert!(matches!(s.next().await, Some(Err(Error::Decode { .. }))));
}

#[tokio::test]
async fn a_line_over_the_cap_is_an_error() {
    let server = TestServer::start();
    server.set_fault(Fault::RawBody {
        content_type: "application/x-ndjson".into(),
        body: format!("{{\"response\":\"{}\"}}\n", "x".repeat(10_000)).into_bytes(),
    });
    let c = Client::builder()
        .host(server.url())
        .max_line_bytes(1_000)
        .build()
        .unwrap();
    let mut s = c
        .generate_stream(GenerateRequest::new("tiny", "x"))
        .await
        .unwrap();
    assert!(matches!(
        s.next().await,
        Some(Err(Error::LineTooLong { limit: 1_000 }))
    ));
}

#[tokio::test]
async fn one_json_object_answering_a_stream_is_fine() {
    let server = TestServer::start();
    let c = client(&server);
    // Load and unload answers are one object even when streaming.
    let mut s = c
        .generate_stream(GenerateRequest::load("tiny"))
        .await
        .unwrap();
    let r = s.next().await.unwrap().unwrap();
    assert_eq!(r.done_reason.as_deref(), Some("load"));
    assert!(s.next().await.is_none());
    assert_eq!(server.loaded_names(), vec!["tiny:latest".to_string()]);
    let r = c
        .chat(ChatRequest::new("tiny", Vec::<Message>::new()).keep_alive(KeepAlive::unload()))
        .await
        .unwrap();
    assert_eq!(r.done_reason.as_deref(), Some("unload"));
    assert!(server.loaded_names().is_empty());
}

#[tokio::test]
async fn server_errors_map_to_api_errors() {
    let server = TestServer::start();
    let c = client(&server);
    let e = c
        .generate(GenerateRequest::new("nope", "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), "model 'nope' not found (status code: 404)");
    assert!(e.is_model_not_found());
    let e = c
        .generate(GenerateRequest::new("tiny", "hi").think(Think::from(true)))
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert!(!e.is_model_not_found());
    let e = c.show("nope").await.unwrap_err();
    assert_eq!(e.server_message(), Some("model 'nope:latest' not found"));
    let e = c
        .generate(GenerateRequest::new("", "hi"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest(_)));
    assert!(
        server.requests().len() == 3,
        "nothing sent for an empty model"
    );
}

#[tokio::test]
async fn chat_with_thinking_and_tools() {
    let server = TestServer::start();
    let c = client(&server);
    let r = c
        .chat(ChatRequest::new("tiny-think", [Message::user("why?")]).think(Think::from(true)))
        .await
        .unwrap();
    assert!(!r.message.thinking.unwrap_or_default().is_empty());
    assert!(!r.message.content.is_empty());
    let tool = Tool::function(
        "get_weather",
        "Weather in a city",
        json!({"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}),
    );
    let r = c
        .chat(ChatRequest::new("tiny-tools", [Message::user("weather?")]).tools(vec![tool]))
        .await
        .unwrap();
    let calls = r.message.tool_calls.unwrap();
    assert_eq!(calls[0].function.name, "get_weather");
    assert!(calls[0].function.arguments.contains_key("city"));
}

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

#[tokio::test]
async fn create_blob_uploads_once_and_streams_the_file() {
    let server = TestServer::start();
    let c = client(&server);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.gguf");
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &data).unwrap();
    let digest = c.create_blob(&path).await.unwrap();
    let want = ollama_rs::__internals::sha256_file(&path, |_| {}).unwrap();
    assert_eq!(digest, want);
    assert!(server.has_blob(&digest));
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
    // Again: the server has it, so only a HEAD goes out.
    c.create_blob(&path).await.unwrap();
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
    let e = c.create_blob(dir.path().join("missing")).await.unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
}

#[tokio::test]
async fn create_pull_and_push_stream_progress() {
    let server = TestServer::start();
    let c = client(&server);
    let mut s = c
        .create_stream(
            CreateRequest::new("mine")
                .from_model("tiny")
                .system("be brief"),
        )
        .await
        .unwrap();
    let mut statuses = Vec::new();
    while let Some(p) = s.next().await {
        statuses.push(p.unwrap().status);
    }
    assert_eq!(statuses.last().map(String::as_str), Some("success"));
    assert_eq!(
        c.show("mine").await.unwrap().system.as_deref(),
        Some("be brief")
    );
    let done = c
        .push(PushRequest::new("mine").insecure(true))
        .await
        .unwrap();
    assert_eq!(done.status, "success");
    let mut s = c
        .pull_stream(PullRequest::new("tiny").insecure(true))
        .await
        .unwrap();
    let mut last = None;
    while let Some(p) = s.next().await {
        last = Some(p.unwrap());
    }
    assert_eq!(last.unwrap().status, "success");
    let mut s = c
        .pull_stream(PullRequest::new("no-such-model"))
        .await
        .unwrap();
    let mut err = None;
    while let Some(p) = s.next().await {
        if let Err(e) = p {
            err = Some(e);
        }
    }
    let err = err.unwrap();
    assert!(err.is_model_not_found(), "{err:?}");
}

#[test]
fn blocking_client_has_the_same_methods() {
    let server = TestServer::start();
    let c = ollama_rs::blocking::Client::from_builder(
        Client::builder().host(server.url()).api_key(None),
    )
    .unwrap();
    assert_eq!(c.version().unwrap().version, "0.32.15");
    assert_eq!(c.list().unwrap().models.len(), 6);
    let text: String = c
        .generate_stream(GenerateRequest::new("tiny", "hello there"))
        .unwrap()
        .map(|p| p.unwrap().response)
        .collect();
    let whole = c
        .generate(GenerateRequest::new("tiny", "hello there"))
        .unwrap();
    assert_eq!(text, whole.response);
    let reply = c
        .chat(ChatRequest::new("tiny", [Message::user("hi")]))
        .unwrap();
    assert_eq!(reply.message.role, ollama_rs::Role::Assistant);
    assert!(c.show("nope").unwrap_err().is_model_not_found());
    server.set_fault(Fault::ErrorMidStream {
        after_lines: 1,
        message: "boom".into(),
    });
    let items: Vec<_> = c
        .generate_stream(GenerateRequest::new("tiny", "a b c"))
        .unwrap()
        .collect();
    assert!(items[0].is_ok());
    assert!(matches!(&items[1], Err(Error::Stream { message }) if message == "boom"));
    assert_eq!(items.len(), 2);
}
