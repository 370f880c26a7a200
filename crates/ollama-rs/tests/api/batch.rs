//! The [`Pool`]: dispatch to the server with the fewest requests in flight,
//! failover of refused, failing and stalled servers, missing models, order
//! and the bounded reorder buffer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{stream, StreamExt};
use ollama_rs::{
    BatchRequest, BatchResponse, ChatRequest, Client, GenerateRequest, Message, Pool, Result,
};
use ollama_test_server::{Fault, TestServer};
use pretty_assertions::assert_eq;

/// A port nothing listens on.
fn closed_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", l.local_addr().unwrap().port());
    drop(l);
    url
}

fn generate(prompt: impl Into<String>) -> BatchRequest {
    GenerateRequest::new("tiny", prompt.into()).into()
}

fn prompts(n: usize) -> Vec<BatchRequest> {
    (0..n).map(|i| generate(format!("p{i}"))).collect()
}

fn text(r: &Result<BatchResponse>) -> String {
    match r {
        Ok(BatchResponse::Generate(g)) => g.response.clone(),
        Ok(BatchResponse::Chat(c)) => c.message.content.clone(),
        other => panic!("not a text answer: {other:?}"),
    }
}

fn pool(servers: &[&TestServer]) -> Pool {
    Pool::from_clients(servers.iter().map(|s| {
        Client::builder()
            .host(s.url())
            .api_key(None)
            .build()
            .unwrap()
    }))
    .unwrap()
    .backoff(Duration::from_millis(50), Duration::from_millis(200))
}

async fn collect(pool: &Pool, requests: Vec<BatchRequest>) -> Vec<(usize, Result<BatchResponse>)> {
    tokio::time::timeout(
        Duration::from_secs(30),
        pool.run(stream::iter(requests)).collect::<Vec<_>>(),
    )
    .await
    .expect("the batch finishes")
}

/// A 503 answer, as from a busy server.
fn busy() -> Fault {
    Fault::Status {
        code: 503,
        content_type: "application/json".into(),
        body: r#"{"error":"busy"}"#.into(),
    }
}

fn generate_count(s: &TestServer) -> usize {
    s.requests_to("/api/generate").len()
}

#[tokio::test]
async fn results_come_in_input_order_and_are_not_streamed() {
    let (a, b) = (TestServer::start(), TestServer::start());
    let out = collect(&pool(&[&a, &b]), prompts(20)).await;
    let indexes: Vec<usize> = out.iter().map(|(i, _)| *i).collect();
    assert_eq!(indexes, (0..20).collect::<Vec<_>>());
    for (i, r) in &out {
        assert_eq!(text(r), format!("echo: p{i}"));
    }
    assert_eq!(generate_count(&a) + generate_count(&b), 20);
    assert_eq!(a.requests_to("/api/generate")[0].json()["stream"], false);
}

#[tokio::test]
async fn unordered_yields_every_index_once() {
    let (a, b) = (TestServer::start(), TestServer::start());
    let out = collect(&pool(&[&a, &b]).ordered(false), prompts(15)).await;
    let mut indexes: Vec<usize> = out.iter().map(|(i, _)| *i).collect();
    indexes.sort();
    assert_eq!(indexes, (0..15).collect::<Vec<_>>());
    assert!(out.iter().all(|(_, r)| r.is_ok()));
}

#[tokio::test]
async fn work_goes_to_the_server_with_the_fewest_in_flight() {
    // Every request is held, so all four are in flight together: a pool
    // filling the first server's slots would send it all four.
    let (a, b) = (TestServer::start(), TestServer::start());
    for s in [&a, &b] {
        s.set_fault_for("/api/generate", Fault::Delay { ms: 300 });
    }
    let out = collect(&pool(&[&a, &b]).concurrency(10), prompts(4)).await;
    assert!(out.iter().all(|(_, r)| r.is_ok()));
    assert_eq!((generate_count(&a), generate_count(&b)), (2, 2));
}

#[tokio::test]
async fn a_full_server_gets_no_more_than_its_concurrency() {
    let (a, b) = (TestServer::start(), TestServer::start());
    a.set_fault_for("/api/generate", Fault::Delay { ms: 2_000 });
    let pool = pool(&[&a, &b]).concurrency(2).ordered(false);
    let out = collect(&pool, prompts(12)).await;
    assert!(out.iter().all(|(_, r)| r.is_ok()));
    // The slow server's two slots stay taken while the other does the rest
    // (unordered: nothing waits for the slow ones to be printed first).
    assert_eq!((generate_count(&a), generate_count(&b)), (2, 10));
}

#[tokio::test]
async fn a_refused_server_is_backed_off_and_its_share_goes_elsewhere() {
    let b = TestServer::start();
    let pool = Pool::new([closed_port(), b.url()])
        .unwrap()
        .backoff(Duration::from_secs(10), Duration::from_secs(10));
    let out = collect(&pool, prompts(10)).await;
    for (i, r) in &out {
        assert_eq!(text(r), format!("echo: p{i}"));
    }
    assert_eq!(generate_count(&b), 10);
}

#[tokio::test]
async fn a_5xx_is_retried_on_the_other_server() {
    let (a, b) = (TestServer::start(), TestServer::start());
    a.set_fault_once("/api/generate", busy());
    let out = collect(&pool(&[&a, &b]).concurrency(1), prompts(1)).await;
    assert_eq!(text(&out[0].1), "echo: p0");
    assert_eq!((generate_count(&a), generate_count(&b)), (1, 1));
}

#[tokio::test]
async fn stats_count_each_servers_attempts() {
    let (a, b) = (TestServer::start(), TestServer::start());
    a.set_fault_once("/api/generate", busy());
    let pool = pool(&[&a, &b]).concurrency(1);
    let mut requests = prompts(3);
    requests.push(GenerateRequest::new("no-such-model", "x").into());
    let out = collect(&pool, requests).await;
    assert_eq!(out.iter().filter(|(_, r)| r.is_ok()).count(), 3);
    let stats = pool.stats();
    assert_eq!(stats.len(), 2);
    assert_eq!(stats[0].host, a.url().trim_end_matches('/'));
    let total = |f: fn(&ollama_rs::ServerStats) -> u64| stats.iter().map(f).sum::<u64>();
    assert_eq!(total(|s| s.succeeded), 3);
    assert_eq!((stats[0].failed, stats[1].failed), (1, 0));
    // The missing model: each server says so once.
    assert_eq!(total(|s| s.refused), 2);
    assert!(stats.iter().all(|s| s.in_flight == 0));
    // Clones share the counters.
    assert_eq!(pool.clone().stats(), stats);
}

#[tokio::test]
async fn a_cancelled_run_leaves_nothing_in_flight() {
    let a = TestServer::start();
    a.set_fault_for("/api/generate", Fault::Delay { ms: 5_000 });
    let pool = pool(&[&a]).concurrency(3);
    let mut results = pool.run(stream::iter(prompts(3)));
    let waited = tokio::time::timeout(Duration::from_millis(300), results.next()).await;
    assert!(waited.is_err(), "nothing is done yet");
    assert_eq!(pool.stats()[0].in_flight, 3);
    drop(results);
    assert_eq!(pool.stats()[0].in_flight, 0);
}

#[tokio::test]
async fn retries_run_out() {
    let a = TestServer::start();
    a.set_fault(Fault::Status {
        code: 500,
        content_type: "application/json".into(),
        body: r#"{"error":"broken"}"#.into(),
    });
    let out = collect(&pool(&[&a]).retries(2), prompts(1)).await;
    let e = out[0].1.as_ref().unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(generate_count(&a), 3);
}

#[tokio::test]
async fn other_4xx_are_final() {
    let (a, b) = (TestServer::start(), TestServer::start());
    for s in [&a, &b] {
        s.set_fault(Fault::Status {
            code: 400,
            content_type: "application/json".into(),
            body: r#"{"error":"bad"}"#.into(),
        });
    }
    let out = collect(&pool(&[&a, &b]), prompts(1)).await;
    assert_eq!(out[0].1.as_ref().unwrap_err().status(), Some(400));
    assert_eq!(generate_count(&a) + generate_count(&b), 1);
}

#[tokio::test]
async fn a_stalled_server_times_out_and_the_request_goes_elsewhere() {
    let (a, b) = (TestServer::start(), TestServer::start());
    a.set_fault_for("/api/generate", Fault::NeverAnswer);
    let clients = [&a, &b].map(|s| {
        Client::builder()
            .host(s.url())
            .api_key(None)
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap()
    });
    let pool = Pool::from_clients(clients)
        .unwrap()
        .backoff(Duration::from_secs(10), Duration::from_secs(10));
    let out = collect(&pool, prompts(6)).await;
    for (i, r) in &out {
        assert_eq!(text(r), format!("echo: p{i}"));
    }
    assert_eq!(generate_count(&b), 6);
}

#[tokio::test]
async fn a_missing_model_is_asked_of_the_other_servers() {
    let (empty, full) = (TestServer::start_empty(), TestServer::start());
    let out = collect(&pool(&[&empty, &full]).concurrency(1), prompts(4)).await;
    for (i, r) in &out {
        assert_eq!(text(r), format!("echo: p{i}"));
    }
    assert_eq!(generate_count(&full), 4);
    // Once told, the run does not ask the empty server again.
    assert_eq!(generate_count(&empty), 1);
    // Missing on every server: that answer is the result.
    let out = collect(&pool(&[&empty, &full]), vec![generate("x")]).await;
    assert!(out[0].1.is_ok());
    let nowhere: BatchRequest = GenerateRequest::new("nope", "x").into();
    let out = collect(&pool(&[&empty, &full]), vec![nowhere]).await;
    assert!(out[0].1.as_ref().unwrap_err().is_model_not_found());
}

#[tokio::test]
async fn the_reorder_buffer_is_bounded() {
    // The first request (the only chat) is slow; the generates behind it
    // finish, wait in the buffer, and no more input is read once it holds
    // in-flight + window requests.
    let a = TestServer::start();
    a.set_fault_once("/api/chat", Fault::Delay { ms: 1_000 });
    let mut requests = vec![BatchRequest::from(ChatRequest::new(
        "tiny",
        vec![Message::user("slow")],
    ))];
    requests.extend(prompts(19));
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let input = stream::iter(requests).inspect(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let pool = pool(&[&a]).concurrency(4).reorder_window(2);
    let mut out = pool.run(input);
    let (first, r) = tokio::time::timeout(Duration::from_secs(30), out.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first, text(&r)), (0, "echo: slow".to_string()));
    assert_eq!(pulled.load(Ordering::SeqCst), 4 + 2);
    assert_eq!(generate_count(&a), 5);
    let rest: Vec<usize> = out.map(|(i, _)| i).collect().await;
    assert_eq!(rest, (1..20).collect::<Vec<_>>());
}

#[test]
fn a_pool_needs_a_server() {
    let none: [&str; 0] = [];
    assert!(Pool::new(none).is_err());
    assert_eq!(Pool::new(["a:1", "b:2"]).unwrap().max_in_flight(), 8);
}
