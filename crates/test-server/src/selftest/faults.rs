//! Framing and every fault.

use pretty_assertions::assert_eq;

use super::*;

// ---------------------------------------------------------------- framing

#[test]
fn small_documents_have_content_length_large_ones_are_chunked() {
    let server = TestServer::start();
    let small = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "x", "stream": false}),
    );
    assert!(!small.is_chunked());
    assert_eq!(
        small
            .header("content-length")
            .unwrap()
            .parse::<usize>()
            .unwrap(),
        small.body.len()
    );

    let long_prompt = "word ".repeat(400);
    let large = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": long_prompt, "stream": false}),
    );
    assert!(large.body.len() > 2048);
    assert!(large.is_chunked());
    assert!(large.header("content-length").is_none());
    assert!(!large.text().ends_with('\n'));
}

// ---------------------------------------------------------------- faults

#[test]
fn fault_one_byte_chunks() {
    let server = TestServer::start();
    server.set_fault(Fault::OneByteChunks);
    let stream = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "hi"}),
    );
    let chunks = stream.chunks.as_ref().unwrap();
    assert!(chunks.iter().all(|c| c.len() == 1));
    assert_eq!(chunks.len(), stream.body.len());
    assert!(stream.terminated);
    assert_eq!(stream.lines().len(), 3);

    let document = send(&server, "GET", "/api/version", "");
    assert_eq!(document.chunks.as_ref().unwrap().len(), 21);
    assert_eq!(document.text(), r#"{"version":"0.32.15"}"#);
    server.clear_faults();
    assert!(!send(&server, "GET", "/api/version", "").is_chunked());
}

#[test]
fn fault_split_utf8() {
    let server = TestServer::start();
    server.set_fault_for("/api/chat", Fault::SplitUtf8);
    let raw = post(
        &server,
        "/api/chat",
        json!({"model": "tiny", "messages": [{"role": "user", "content": "hi"}]}),
    );
    let chunks = raw.chunks.as_ref().unwrap();
    let broken = chunks
        .iter()
        .filter(|c| std::str::from_utf8(c).is_err())
        .count();
    assert!(broken >= 2, "chunks split inside characters");
    let content: String = raw
        .lines()
        .iter()
        .map(|l| l["message"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(content, format!("{UTF8_PREFIX}{}", reply_text("hi")));
    // Only /api/chat is affected.
    let other = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "hi", "stream": false}),
    )
    .json();
    assert_eq!(other["response"], reply_text("hi"));
}

#[test]
fn fault_close_mid_stream() {
    let server = TestServer::start();
    server.set_fault(Fault::CloseMidStream { after_lines: 2 });
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b c d"}),
    );
    assert_eq!(raw.status, 200);
    assert!(!raw.terminated, "no terminating chunk");
    assert_eq!(raw.chunks.as_ref().unwrap().len(), 2);

    let document = send(&server, "GET", "/api/tags", "");
    assert!(document.is_chunked() && !document.terminated);
}

#[test]
fn fault_error_mid_stream() {
    let server = TestServer::start();
    server.set_fault(Fault::ErrorMidStream {
        after_lines: 1,
        message: "an error was encountered while running the model".into(),
    });
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b c"}),
    );
    assert_eq!(raw.status, 200);
    let lines = raw.lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[1],
        json!({"error": "an error was encountered while running the model"})
    );
    assert!(raw.terminated);
}

#[test]
fn fault_stall_then_continue() {
    let server = TestServer::start();
    server.set_fault(Fault::Stall {
        after_lines: 1,
        for_ms: 300,
    });
    let started = Instant::now();
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b"}),
    );
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(raw.lines().len(), 4);
    assert!(raw.terminated);
}

#[test]
fn fault_slow_lines_pauses_before_every_line() {
    let server = TestServer::start();
    server.set_fault(Fault::SlowLines { every_ms: 100 });
    let started = Instant::now();
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a b"}),
    );
    assert_eq!(raw.lines().len(), 4);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(raw.terminated);
}

#[test]
fn fault_cut_pull_installs_nothing_and_can_be_retried() {
    let server = TestServer::start_empty();
    server.set_fault_for("/api/pull", Fault::CloseMidStream { after_lines: 2 });
    let cut = post(&server, "/api/pull", json!({"model": "tiny"}));
    assert!(!cut.terminated);
    assert!(server.model_names().is_empty());
    server.clear_faults();
    let retried = post(&server, "/api/pull", json!({"model": "tiny"})).lines();
    assert_eq!(statuses(&retried).last().unwrap(), "success");
    assert_eq!(server.model_names(), ["tiny:latest"]);
}

/// The first request stalls for far longer than the test waits; once the
/// server has it, a second request is answered. The test waits on what the
/// server received, not on the clock; the one time bound (30 s) only
/// catches a hang.
#[tokio::test]
async fn fault_once_lets_a_retry_through() {
    let server = TestServer::start();
    server.set_fault_once(
        "/api/",
        Fault::Stall {
            after_lines: 0,
            for_ms: 120_000,
        },
    );
    let url = format!("{}/api/version", server.url());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let whole_answer = |client: reqwest::Client, url: String| async move {
        client.get(url).send().await?.text().await
    };
    let first = tokio::spawn(whole_answer(client.clone(), url.clone()));
    while server.requests_to("/api/version").is_empty() {
        assert!(!first.is_finished(), "the first request was answered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = whole_answer(client, url).await.unwrap();
    assert!(second.contains("version"), "{second}");
    assert!(!first.is_finished(), "the first request is still stalled");
    first.abort();
    assert_eq!(server.requests_to("/api/version").len(), 2);
}

#[test]
fn fault_status_raw_body_and_records_first() {
    let server = TestServer::start();
    server.set_fault(Fault::Status {
        code: 503,
        content_type: "application/json; charset=utf-8".into(),
        body: r#"{"error":"server busy, please try again.  maximum pending requests exceeded"}"#
            .into(),
    });
    let busy = post(
        &server,
        "/api/chat",
        json!({"model": "tiny", "messages": []}),
    );
    assert_json_error(
        &busy,
        503,
        "server busy, please try again.  maximum pending requests exceeded",
    );
    assert_eq!(server.requests_to("/api/chat")[0].json()["model"], "tiny");

    server.set_fault_for(
        "/api/tags",
        Fault::RawBody {
            content_type: "application/json".into(),
            body: vec![b'{', 0xff, 0xfe],
        },
    );
    let raw = send(&server, "GET", "/api/tags", "");
    assert_eq!(raw.status, 200);
    assert_eq!(raw.body, [b'{', 0xff, 0xfe]);
    assert_eq!(send(&server, "GET", "/api/version", "").status, 503);
}

#[tokio::test]
async fn fault_redirect_and_never_answer() {
    let target = TestServer::start();
    let server = TestServer::start_empty();
    server.set_fault(Fault::redirect_to(&target, "/api/tags", 307));
    let raw = send(&server, "GET", "/api/tags", "");
    assert_eq!(raw.status, 307);
    assert_eq!(
        raw.header("location"),
        Some(format!("{}/api/tags", target.url()).as_str())
    );
    let followed = reqwest::get(format!("{}/api/tags", server.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let followed: Value = serde_json::from_str(&followed).unwrap();
    assert_eq!(followed["models"].as_array().unwrap().len(), 6);

    server.set_fault(Fault::NeverAnswer);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = client
        .get(format!("{}/api/version", server.url()))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    assert_eq!(server.requests_to("/api/version").len(), 1);
    drop(server); // shuts down even with a request pending
}

#[tokio::test]
async fn reqwest_reads_a_split_stream() {
    let server = TestServer::start();
    server.set_fault(Fault::SplitUtf8);
    let response = reqwest::Client::new()
        .post(format!("{}/api/generate", server.url()))
        .body(json!({"model": "tiny", "prompt": "ünï"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    let response: String = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["response"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(response, format!("{UTF8_PREFIX}echo: ünï"));
}

#[test]
fn servers_are_independent() {
    let a = TestServer::start();
    let b = TestServer::start();
    assert_ne!(a.port(), b.port());
    send(&a, "DELETE", "/api/delete", r#"{"model":"tiny"}"#);
    assert_eq!(a.model_names().len(), 5);
    assert_eq!(b.model_names().len(), 6);
    assert_eq!(a.url(), format!("http://127.0.0.1:{}", a.port()));
    let mut spec = ModelSpec::new("extra", &["completion"]);
    spec.modified_at = "2030-01-01T00:00:00Z".into();
    b.add_model(spec);
    assert_eq!(b.model_names()[0], "extra:latest");
}

#[test]
fn web_search_and_fetch_need_the_key() {
    let server = TestServer::start();
    let auth = format!("Bearer {WEB_API_KEY}");
    let body = json!({"query": "rust", "max_results": 2}).to_string();
    let raw = send_with(&server, "POST", "/api/web_search", &[], body.as_bytes());
    assert_json_error(&raw, 401, "unauthorized");
    let raw = send_with(
        &server,
        "POST",
        "/api/web_search",
        &[("Authorization", &auth)],
        body.as_bytes(),
    );
    assert_eq!(raw.status, 200);
    assert_eq!(
        raw.json(),
        json!({"results": [
            {"title": "Result 1 for rust", "url": "https://example.com/1", "content": "About rust, part 1"},
            {"title": "Result 2 for rust", "url": "https://example.com/2", "content": "About rust, part 2"},
        ]})
    );
    let body = json!({"url": "https://example.com"}).to_string();
    let raw = send_with(&server, "POST", "/api/web_fetch", &[], body.as_bytes());
    assert_json_error(&raw, 401, "unauthorized");
    let raw = send_with(
        &server,
        "POST",
        "/api/web_fetch",
        &[("Authorization", &auth)],
        body.as_bytes(),
    );
    assert_eq!(
        raw.json(),
        json!({"title": "Page https://example.com", "content": "Content of https://example.com",
               "links": ["https://example.com/a", "https://example.com/b"]})
    );
}

#[test]
fn image_generation_streams_progress_then_the_image() {
    let server = TestServer::start();
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a cat", "width": 64, "height": 32, "steps": 3}),
    );
    let lines = raw.lines();
    assert_eq!(lines.len(), 4);
    for (i, line) in lines[..3].iter().enumerate() {
        assert_eq!(line["completed"], json!(i + 1));
        assert_eq!(line["total"], json!(3));
        assert_eq!(line["done"], json!(false));
    }
    assert_eq!(lines[3]["image"], json!(image_base64(64, 32, "a cat")));
    assert_eq!(lines[3]["done"], json!(true));
    let raw = post(
        &server,
        "/api/generate",
        json!({"model": "tiny", "prompt": "a cat", "steps": 2, "stream": false}),
    );
    assert_eq!(raw.json()["image"], json!(image_base64(512, 512, "a cat")));
    assert!(raw.json().get("completed").is_none());
}

#[test]
fn retry_after_once_then_recovers() {
    let server = TestServer::start();
    server.set_fault_once(
        "/api/tags",
        Fault::RetryAfter {
            status: 503,
            seconds: 2,
        },
    );
    let raw = send(&server, "GET", "/api/tags", "");
    assert_eq!(raw.status, 503);
    assert_eq!(raw.header("retry-after"), Some("2"));
    assert_eq!(send(&server, "GET", "/api/tags", "").status, 200);
}

#[test]
fn redirects_to_another_server_record_what_each_received() {
    let first = TestServer::start();
    let second = TestServer::start();
    first.set_fault(Fault::redirect_to(&second, "/api/tags", 307));
    let raw = send_with(&first, "GET", "/api/tags", &[("X-Api-Key", "k")], b"");
    assert_eq!(raw.status, 307);
    assert_eq!(
        raw.header("location"),
        Some(format!("{}/api/tags", second.url()).as_str())
    );
    assert_eq!(first.requests()[0].header("x-api-key"), Some("k"));
    assert!(second.requests().is_empty());
}
