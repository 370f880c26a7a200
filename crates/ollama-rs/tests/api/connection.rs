//! The connection: host forms, headers and authentication, redirects and timeouts.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ollama_rs::{Client, Error, GenerateRequest};
use pretty_assertions::assert_eq;

use ollama_test_server::{Fault, TestServer};

use crate::support::*;

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

    // A stream that keeps sending is read to its end with the same kind of
    // client, however long it takes as a whole: `timeout` is the longest wait
    // between two reads, not a limit on the request. Gaps of half a second,
    // a timeout of 3 s, and twelve lines (the model echoes the ten words,
    // after `echo:`, then the last line): the stream outlasts the timeout by
    // seconds, and each gap is seconds short of it.
    let prompt = "a b c d e f g h i j";
    let whole = collect_generate(&client(&server), GenerateRequest::new("tiny", prompt))
        .await
        .unwrap();
    server.set_fault(Fault::SlowLines { every_ms: 500 });
    let timeout = Duration::from_secs(3);
    let c = Client::builder()
        .host(server.url())
        .api_key(None)
        .timeout(timeout)
        .build()
        .unwrap();
    let started = Instant::now();
    let mut s = c
        .generate_stream(GenerateRequest::new("tiny", prompt))
        .await
        .unwrap();
    let mut text = String::new();
    let mut last = None;
    while let Some(part) = s.next().await {
        let part = part.unwrap();
        text.push_str(&part.response);
        last = Some(part);
    }
    let last = last.expect("lines");
    assert!(last.done, "{last:?}");
    assert!(!text.is_empty());
    assert_eq!(text, whole);
    assert!(
        started.elapsed() > timeout,
        "the stream took {:?}, not longer than the timeout: it proves nothing",
        started.elapsed()
    );
}

#[tokio::test]
async fn total_timeout_cuts_a_stream_that_keeps_sending() {
    // Lines every half second, thirty words echoed: more than 15 s in all. A
    // total timeout of 3 s ends the stream with a timeout error after the
    // first lines, though it never stalls.
    let server = TestServer::start();
    server.set_fault(Fault::SlowLines { every_ms: 500 });
    let c = Client::builder()
        .host(server.url())
        .api_key(None)
        .total_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let mut s = c
        .generate_stream(GenerateRequest::new(
            "tiny",
            "a b c d e f g h i j k l m n o p q r s t u v w x y z one two three four",
        ))
        .await
        .unwrap();
    let mut items = Vec::new();
    let err = loop {
        match s.next().await {
            Some(Ok(part)) => items.push(part),
            Some(Err(e)) => break e,
            None => panic!("the stream ended within the total timeout: {items:?}"),
        }
    };
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(!items.is_empty(), "no line came before the timeout");
    assert!(items.iter().all(|p| !p.done), "{items:?}");
    assert!(s.next().await.is_none());
}

#[tokio::test]
async fn with_host_reaches_the_replay() {
    // The plain constructor, not only the builder, must accept the replay's URL.
    let (_cap, replay, _) = serve("03");
    let client = Client::with_host(replay.url()).unwrap();
    assert_eq!(client.version().await.unwrap().version, "0.32.15");
}

#[test]
#[cfg(feature = "__tls")]
fn an_https_host_gets_a_client() {
    let c = Client::with_host("https://example.com").unwrap();
    assert_eq!(c.host().base_url(), "https://example.com:443");
}

#[test]
#[cfg(not(feature = "__tls"))]
fn an_https_host_without_a_tls_feature_is_a_clear_error() {
    // Built without TLS: a client for an https server is refused when it is
    // built, with the features to enable, rather than failing on each request.
    let err = Client::with_host("https://example.com").unwrap_err();
    match &err {
        Error::InvalidRequest(m) => {
            assert!(m.contains("https://example.com:443"), "{m}");
            assert!(m.contains("no TLS support"), "{m}");
            assert!(m.contains("`rustls-tls`"), "{m}");
        }
        other => panic!("{other:?}"),
    }
    // Plain http still works.
    Client::with_host("http://example.com").unwrap();
}
