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
        Err(Error::Redirect { message, .. }) => assert_eq!(
            message,
            format!(
                "redirect loop: the server redirects back to {}/api/version",
                server.url()
            )
        ),
        other => panic!("{other:?}"),
    }
    assert!(server.requests().len() <= 12);
}

/// A client with every kind of credential: an API key (Authorization), a
/// cookie and a header that looks like a key.
fn credentialed(server: &TestServer) -> Client {
    Client::builder()
        .host(server.url())
        .api_key(Some("secret-key".into()))
        .header("Cookie", "session=secret-cookie")
        .header("X-Api-Key", "secret-header")
        .header("X-Trace", "7")
        .build()
        .unwrap()
}

const CREDENTIALS: [&str; 3] = ["authorization", "cookie", "x-api-key"];

#[tokio::test]
async fn a_cross_origin_redirect_is_followed_without_credentials() {
    let first = TestServer::start();
    let second = TestServer::start();
    first.set_fault(Fault::redirect_to(&second, "/api/tags", 307));
    let c = credentialed(&first);
    assert!(!c.list().await.unwrap().models.is_empty());
    let got = &first.requests()[0];
    assert_eq!(got.header("authorization"), Some("Bearer secret-key"));
    assert_eq!(got.header("cookie"), Some("session=secret-cookie"));
    assert_eq!(got.header("x-api-key"), Some("secret-header"));
    let got = &second.requests_to("/api/tags")[0];
    for name in CREDENTIALS {
        assert_eq!(got.header(name), None, "{name} reached the second server");
    }
    assert_eq!(got.header("x-trace"), Some("7"));
    assert_eq!(got.header("accept"), Some("application/json"));
}

#[tokio::test]
async fn credentials_stay_dropped_for_the_rest_of_the_chain() {
    // first -> second -> back to first (another path): the second hop
    // returns to the first origin, but the credentials are gone for good.
    let first = TestServer::start();
    let second = TestServer::start();
    first.set_fault_for("/api/version", Fault::redirect_to(&second, "/api/ps", 302));
    second.set_fault_for("/api/ps", Fault::redirect_to(&first, "/api/tags", 302));
    let c = credentialed(&first);
    let _ = c.version().await;
    let back = &first.requests_to("/api/tags")[0];
    for name in CREDENTIALS {
        assert_eq!(back.header(name), None, "{name} came back");
    }
}

#[tokio::test]
async fn a_same_origin_redirect_keeps_every_header() {
    let server = TestServer::start();
    server.set_fault_for(
        "/api/version",
        Fault::Redirect {
            location: "/api/tags".into(),
            status: 308,
        },
    );
    let c = credentialed(&server);
    let _ = c.version().await;
    let got = &server.requests_to("/api/tags")[0];
    assert_eq!(got.header("authorization"), Some("Bearer secret-key"));
    assert_eq!(got.header("cookie"), Some("session=secret-cookie"));
    assert_eq!(got.header("x-api-key"), Some("secret-header"));
}

#[tokio::test]
async fn method_and_body_follow_the_status() {
    let first = TestServer::start();
    let second = TestServer::start();
    // 307/308 repeat the POST and its body, at another origin too.
    for code in [307, 308] {
        first.set_fault_once("/api/show", Fault::redirect_to(&second, "/api/show", code));
        let show = first_client(&first).show("tiny").await.unwrap();
        assert!(show.capabilities.contains(&"completion".to_string()));
    }
    let posts = second.requests_to("/api/show");
    assert_eq!(posts.len(), 2);
    for post in &posts {
        assert_eq!(post.method, "POST");
        assert_eq!(post.json()["model"], "tiny");
    }
    // 303 (and 301/302 for a POST) turn it into a GET without a body.
    for code in [301, 302, 303] {
        first.set_fault_once(
            "/api/show",
            Fault::redirect_to(&second, "/api/version", code),
        );
        let _ = first_client(&first).show("tiny").await;
    }
    let gets = second.requests_to("/api/version");
    assert_eq!(gets.len(), 3);
    for get in &gets {
        assert_eq!(get.method, "GET");
        assert!(get.body.is_empty());
        assert_eq!(get.header("content-type"), None);
    }
}

fn first_client(server: &TestServer) -> Client {
    client(server)
}

#[tokio::test]
async fn too_many_redirects_end() {
    let server = TestServer::start();
    // /r/0 -> /r/1 -> ... : never the same URL twice.
    for i in 0..20 {
        server.set_fault_for(
            &format!("/r/{i}"),
            Fault::Redirect {
                location: format!("/r/{}", i + 1),
                status: 302,
            },
        );
    }
    let c = client(&server);
    let err = c
        .post_as::<_, serde_json::Value>("/r/0", &serde_json::json!({}))
        .await
        .unwrap_err();
    match &err {
        Error::Redirect { message, .. } => assert_eq!(
            message,
            &format!("too many redirects (10), the last to {}/r/10", server.url())
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 10);
}

#[tokio::test]
async fn a_streamed_upload_is_not_sent_twice() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blob.bin");
    std::fs::write(&path, b"some bytes").unwrap();
    let first = TestServer::start();
    let second = TestServer::start();
    let digest = ollama_rs::__internals::sha256_file(&path, |_| {}).unwrap();
    first.set_fault_for(
        "/api/blobs/",
        Fault::redirect_to(&second, &format!("/api/blobs/{digest}"), 307),
    );
    // The HEAD is redirected too (to the second server, which lacks the
    // blob), then the POST cannot be repeated.
    let err = client(&first).create_blob(&path).await.unwrap_err();
    match &err {
        Error::Redirect { message, .. } => {
            assert!(message.contains("cannot be sent again"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(second.requests().iter().all(|r| r.method != "POST"));
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

#[cfg(feature = "__rustls")]
#[tokio::test]
async fn a_redirect_from_https_to_plain_http_is_refused() {
    use ollama_test_server::TlsServer;
    let tls = TlsServer::start();
    let plain = TestServer::start();
    tls.backend()
        .set_fault(Fault::redirect_to(&plain, "/api/tags", 307));
    let c = Client::builder()
        .host(tls.url())
        .api_key(Some("secret-key".into()))
        .add_root_certificate(reqwest_cert(tls.ca_pem()))
        .build()
        .unwrap();
    match c.list().await {
        Err(Error::Redirect { message, .. }) => assert_eq!(
            message,
            format!(
                "refused a redirect from https to plain http ({}/api/tags)",
                plain.url()
            )
        ),
        other => panic!("{other:?}"),
    }
    assert!(plain.requests().is_empty());
}

#[cfg(feature = "__rustls")]
fn reqwest_cert(pem: &str) -> reqwest::Certificate {
    reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()
}

#[cfg(feature = "__rustls")]
#[tokio::test]
async fn a_plain_http_client_still_reaches_https_urls() {
    // The client of a plain-HTTP server reads no certificates until an
    // https:// URL comes: then it makes a TLS client, with the roots added.
    use ollama_test_server::{TlsServer, WEB_API_KEY};
    let ollama = TestServer::start();
    let web = TlsServer::start();
    let c = Client::builder()
        .host(ollama.url())
        .web_base_url(web.url())
        .api_key(Some(WEB_API_KEY.into()))
        .add_root_certificate(reqwest_cert(web.ca_pem()))
        .build()
        .unwrap();
    c.list().await.unwrap();
    let found = c.web_search("tls").await.unwrap();
    assert!(!found.results.is_empty());
    // Twice: the TLS client is made once and kept.
    c.web_search("again").await.unwrap();
    assert_eq!(web.backend().requests_to("/api/web_search").len(), 2);
    // Without the CA, the same URL's certificate is refused.
    let untrusting = Client::builder()
        .host(ollama.url())
        .web_base_url(web.url())
        .api_key(Some(WEB_API_KEY.into()))
        .build()
        .unwrap();
    assert!(untrusting.web_search("tls").await.is_err());
}
