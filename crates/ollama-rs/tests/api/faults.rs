//! What the client makes of broken or unusual answers: chunking, streams cut short, error lines, error statuses, bodies that are not JSON, over-long lines.

use futures_util::StreamExt;
use ollama_rs::{
    ChatRequest, Client, Error, GenerateRequest, KeepAlive, Message, PullRequest, Result, Think,
};
use pretty_assertions::assert_eq;

use ollama_test_server::replay::Replay;
use ollama_test_server::{Fault, TestServer};

use crate::support::*;

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

    // Through the blocking client (feature `blocking`).
    #[cfg(feature = "blocking")]
    {
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
    }

    // A whole stream ends without an error.
    server.clear_faults();
    let items = generate_items(&c).await;
    assert!(items.iter().all(Result::is_ok), "{items:?}");
    assert!(items.last().unwrap().as_ref().unwrap().done);
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
async fn unknown_path_79_plain_text_404() {
    let (cap, _replay, client) = serve("79");
    assert_api(client.list().await, &cap, 404, "404 page not found");
}

#[tokio::test]
async fn wrong_method_80_plain_text_405() {
    let (cap, _replay, client) = serve("80");
    let err = assert_api(
        client.generate(GenerateRequest::new("tiny", "hello")).await,
        &cap,
        405,
        "405 method not allowed",
    );
    assert!(!err.is_model_not_found());
}

#[tokio::test]
async fn host_forbidden_81_empty_403() {
    let (cap, _replay, client) = serve("81");
    let err = assert_api(client.version().await, &cap, 403, "forbidden");
    assert_eq!(err.to_string(), "forbidden (status code: 403)");
    // The same empty answer to a stream call fails before any item.
    let replay = Replay::serve(&cap);
    assert_api(
        client_for(&replay)
            .pull_stream(PullRequest::new("tiny"))
            .await,
        &cap,
        403,
        "forbidden",
    );
}
