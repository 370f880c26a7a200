//! Retries (off by default; only where nothing can happen twice) and the
//! tracing span of each request (which never holds a credential or a
//! prompt).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ollama_rs::{Client, Error, GenerateRequest, RetryPolicy};
use pretty_assertions::assert_eq;

use ollama_test_server::{Fault, TestServer, WEB_API_KEY};

use crate::support::*;

fn busy(status: u16, seconds: u64) -> Fault {
    Fault::RetryAfter { status, seconds }
}

fn retrying(server: &TestServer, policy: RetryPolicy) -> Client {
    Client::builder()
        .host(server.url())
        .api_key(None)
        .retry_policy(policy)
        .build()
        .unwrap()
}

#[tokio::test]
async fn retries_are_off_by_default() {
    let server = TestServer::start();
    server.set_fault_once("/api/tags", busy(503, 0));
    match client(&server).list().await {
        Err(Error::Api { status: 503, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests_to("/api/tags").len(), 1);
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried_after_the_wait() {
    let server = TestServer::start();
    server.set_fault_once("/api/generate", busy(503, 1));
    let c = Client::builder()
        .host(server.url())
        .api_key(None)
        .retries(2)
        .build()
        .unwrap();
    let start = Instant::now();
    let reply = c
        .generate(GenerateRequest::new("tiny", "hello"))
        .await
        .unwrap();
    assert!(start.elapsed() >= Duration::from_millis(900));
    assert_eq!(reply.response, ollama_test_server::reply_text("hello"));
    let sent = server.requests_to("/api/generate");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].body, sent[1].body, "the same body both times");
}

#[tokio::test]
async fn a_429_is_retried_and_the_tries_are_counted() {
    let server = TestServer::start();
    for _ in 0..3 {
        server.set_fault_once("/api/tags", busy(429, 0));
    }
    // Two retries: three 429s exhaust them, and the last 429 is the answer.
    let c = retrying(&server, RetryPolicy::new(2));
    match c.list().await {
        Err(Error::Api { status: 429, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests_to("/api/tags").len(), 3);
    // The fourth request gets the list.
    assert!(c.list().await.is_ok());
}

#[tokio::test]
async fn no_retry_without_retry_after_or_beyond_max_delay() {
    let server = TestServer::start();
    let c = retrying(
        &server,
        RetryPolicy::new(3).max_delay(Duration::from_secs(5)),
    );
    server.set_fault_once(
        "/api/tags",
        Fault::Status {
            code: 503,
            content_type: String::new(),
            body: String::new(),
        },
    );
    assert!(matches!(
        c.list().await,
        Err(Error::Api { status: 503, .. })
    ));
    server.set_fault_once("/api/tags", busy(503, 60));
    assert!(matches!(
        c.list().await,
        Err(Error::Api { status: 503, .. })
    ));
    server.set_fault_once("/api/tags", busy(500, 0));
    assert!(matches!(
        c.list().await,
        Err(Error::Api { status: 500, .. })
    ));
    assert_eq!(server.requests_to("/api/tags").len(), 3);
}

#[tokio::test]
async fn a_refused_connection_is_retried_with_backoff() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = Client::builder()
        .host(format!("http://127.0.0.1:{port}"))
        .api_key(None)
        .retry_policy(RetryPolicy::new(8).base_delay(Duration::from_millis(50)))
        .build()
        .unwrap();
    let late = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        TestServer::start_on(port)
    });
    let version = c.version().await.unwrap();
    assert_eq!(version.version, "0.32.15");
    let server = late.join().unwrap();
    assert_eq!(server.requests_to("/api/version").len(), 1);

    // Without retries, the refusal is the answer.
    drop(server);
    let once = Client::builder()
        .host(format!("http://127.0.0.1:{port}"))
        .api_key(None)
        .build()
        .unwrap();
    assert!(matches!(once.version().await, Err(Error::Connect { .. })));
}

#[tokio::test]
async fn a_stream_cut_after_bytes_is_not_retried() {
    let server = TestServer::start();
    server.set_fault_for("/api/generate", Fault::CloseMidStream { after_lines: 1 });
    let c = retrying(
        &server,
        RetryPolicy::new(3).base_delay(Duration::from_millis(1)),
    );
    let mut stream = c
        .generate_stream(GenerateRequest::new("tiny", "one two three"))
        .await
        .unwrap();
    let mut results = Vec::new();
    while let Some(part) = stream.next().await {
        results.push(part.is_ok());
    }
    assert_eq!(results.first(), Some(&true));
    assert_eq!(results.last(), Some(&false));
    // A whole answer cut while its body is read is not retried either.
    assert!(c
        .generate(GenerateRequest::new("tiny", "one two three"))
        .await
        .is_err());
    assert_eq!(server.requests_to("/api/generate").len(), 2);
}

// ---- tracing ----

/// What a span or event recorded: its name and its fields as text.
#[derive(Debug, Clone, Default)]
struct Recorded {
    name: String,
    fields: Vec<(String, String)>,
}

impl Recorded {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0
            .push((field.name().to_string(), format!("{value:?}")));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name().to_string(), value.to_string()));
    }
}

/// A subscriber that keeps every span and event.
#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<Recorded>>>,
    events: Arc<Mutex<Vec<Recorded>>>,
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut recorded = Recorded {
            name: span.metadata().name().to_string(),
            fields: Vec::new(),
        };
        span.record(&mut Fields(&mut recorded.fields));
        let mut spans = self.spans.lock().unwrap();
        spans.push(recorded);
        tracing::span::Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let recorded = &mut spans[span.into_u64() as usize - 1];
        values.record(&mut Fields(&mut recorded.fields));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut recorded = Recorded {
            name: event.metadata().name().to_string(),
            fields: Vec::new(),
        };
        event.record(&mut Fields(&mut recorded.fields));
        self.events.lock().unwrap().push(recorded);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn each_request_has_a_span_without_credentials_or_prompts() {
    // The global subscriber, not a thread's: callsites first reached by
    // other tests (on other threads) would otherwise keep the interest
    // they were given then. Other tests' spans are told apart by server.
    static CAPTURE: std::sync::OnceLock<Capture> = std::sync::OnceLock::new();
    let capture = CAPTURE
        .get_or_init(|| {
            let capture = Capture::default();
            tracing::subscriber::set_global_default(capture.clone())
                .expect("no other global subscriber");
            capture
        })
        .clone();

    let first = TestServer::start();
    let second = TestServer::start();
    first.set_fault_for("/api/tags", Fault::redirect_to(&second, "/api/tags", 307));
    first.set_fault_once("/api/version", busy(503, 0));
    let c = Client::builder()
        .host(format!(
            "http://me:host-password@127.0.0.1:{}",
            first.port()
        ))
        .api_key(Some("key-secret".into()))
        .header("X-Api-Key", "header-secret")
        .header("Cookie", "cookie-secret")
        .web_base_url(second.url())
        .retries(1)
        .build()
        .unwrap();
    let prompt = "my private prompt";
    c.generate(GenerateRequest::new("tiny", prompt))
        .await
        .unwrap();
    c.list().await.unwrap();
    c.version().await.unwrap();
    let _ = c.web_search("private query").await;
    let _ = c.generate(GenerateRequest::new("", prompt)).await;

    let spans = capture.spans.lock().unwrap().clone();
    let events = capture.events.lock().unwrap().clone();
    let requests: Vec<&Recorded> = spans
        .iter()
        .filter(|s| {
            s.name == "ollama.request"
                && [first.url(), second.url()]
                    .iter()
                    .any(|u| s.field("server") == Some(u.as_str()))
        })
        .collect();
    // generate, list (one span over both hops), version, web search; the
    // invalid generate is refused before any request.
    assert_eq!(requests.len(), 4, "{spans:#?}");
    let generate = requests[0];
    assert_eq!(generate.field("method"), Some("POST"));
    assert_eq!(generate.field("path"), Some("/api/generate"));
    assert_eq!(generate.field("server"), Some(first.url().as_str()));
    assert_eq!(generate.field("status"), Some("200"));
    assert!(generate.field("duration_ms").is_some());
    let list = requests[1];
    assert_eq!(list.field("redirects"), Some("1"));
    assert_eq!(list.field("status"), Some("200"));
    let version = requests[2];
    assert_eq!(version.field("retries"), Some("1"));
    assert_eq!(version.field("status"), Some("200"));
    assert_eq!(requests[3].field("path"), Some("/api/web_search"));
    assert_eq!(requests[3].field("status"), Some("401"));
    assert!(events.iter().any(|e| {
        e.field("to_server") == Some(second.url().as_str())
            && e.field("credentials_dropped") == Some("true")
    }));

    let all = format!("{spans:?}{events:?}");
    for secret in [
        "host-password",
        "key-secret",
        "header-secret",
        "cookie-secret",
        "bWU6",
        prompt,
        "private query",
        WEB_API_KEY,
    ] {
        assert!(!all.contains(secret), "{secret} in {all}");
    }
}
