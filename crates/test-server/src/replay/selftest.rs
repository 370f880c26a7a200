//! Checks of the capture parser and the replay server themselves.

use super::*;
use futures_util::StreamExt;
use pretty_assertions::assert_eq;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Every replay test gets an answer quickly or fails, rather than hanging the whole test binary.
const TIMEOUT: Duration = Duration::from_secs(10);

fn client() -> reqwest::Client {
    // A proxy from the environment must not intercept requests to the local replay server.
    reqwest::Client::builder()
        .no_proxy()
        .timeout(TIMEOUT)
        .build()
        .unwrap()
}

/// Sends raw request bytes on a new connection and returns everything until the server closes it.
async fn raw_exchange(replay: &Replay, request: &[u8]) -> Vec<u8> {
    tokio::time::timeout(TIMEOUT, async {
        let mut s = tokio::net::TcpStream::connect(replay.addr()).await.unwrap();
        s.write_all(request).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        out
    })
    .await
    .expect("replay server did not close the connection in time")
}

fn names(captures: &[Capture], pred: impl Fn(&Capture) -> bool) -> Vec<String> {
    captures
        .iter()
        .filter(|c| pred(c))
        .map(|c| c.name[..2].to_owned())
        .collect()
}

#[test]
fn every_http_capture_parses() {
    let all = all_http_captures();
    let numbers: Vec<String> = all.iter().map(|c| c.name[..2].to_owned()).collect();
    let mut expected: Vec<String> = (1..=81).map(|n| format!("{n:02}")).collect();
    expected.extend(["96", "98", "99"].map(String::from));
    assert_eq!(numbers, expected);
    for c in &all {
        assert!((200..600).contains(&c.response.status), "{}", c.name);
        assert!(c.request.path.starts_with('/'), "{}", c.name);
        assert!(c.request.header("host").is_some(), "{}", c.name);
        assert!(
            c.notes[0].starts_with(&format!("# {}:", c.name)),
            "{}",
            c.name
        );
        // Every body that claims to be JSON parses.
        let ct = c.response.header("content-type").unwrap_or("");
        if ct.starts_with("application/x-ndjson") {
            assert!(!c.response.lines().is_empty(), "{}", c.name);
        } else if ct.starts_with("application/json") && !c.response.body.is_empty() {
            c.response.json();
        }
    }
}

#[test]
fn known_captures() {
    let c = capture("15");
    assert_eq!(c.name, "15-generate-stream");
    assert_eq!(
        (c.request.method.as_str(), c.request.path.as_str()),
        ("POST", "/api/generate")
    );
    assert_eq!(c.request.json()["prompt"], "hello");
    assert_eq!((c.response.status, c.response.reason.as_str()), (200, "OK"));
    assert_eq!(
        c.response.header("Content-Type"),
        Some("application/x-ndjson")
    );
    assert!(c.response.is_chunked());
    let lines = c.response.lines();
    assert_eq!(lines.len(), 9);
    assert_eq!(lines[8]["done_reason"], "length");
    assert_eq!(
        c.response.chunk_sizes,
        Some(vec![92, 91, 91, 90, 94, 91, 91, 93, 386])
    );
    assert!(!c.response.closed);
    assert_eq!(capture("15-generate-stream").name, c.name);

    let c = capture("79");
    assert_eq!(c.response.status, 404);
    assert_eq!(c.response.header("content-type"), Some("text/plain"));
    assert_eq!(c.response.body, b"404 page not found");

    let c = capture("07");
    assert!(c.response.is_chunked());
    assert_eq!(c.response.header("content-length"), None);
    assert_eq!(c.response.chunk_sizes, Some(vec![3119]));
    assert!(c.response.json()["modelfile"].is_string());

    let c = capture("80");
    assert_eq!(
        (c.response.status, c.response.reason.as_str()),
        (405, "Method Not Allowed")
    );
    assert_eq!(c.response.header("allow"), Some("POST"));

    // HEAD: headers advertise a body that is not there.
    let c = capture("02");
    assert_eq!(c.response.header("content-length"), Some("17"));
    assert!(c.response.body.is_empty());
    let c = capture("55");
    assert!(c.response.headers.is_empty());

    let c = capture("59");
    assert!(c.response.closed);
    assert_eq!(c.request.placeholder_len, Some(482_912));
    assert!(c.request.body.is_empty());

    // A request body that really ends with a newline keeps it.
    assert_eq!(capture("58").request.body, b"hello\n");
    assert_eq!(capture("28").request.body, b"");
}

#[test]
#[should_panic(expected = "no capture named")]
fn missing_capture_panics() {
    capture("00-nothing");
}

#[test]
#[should_panic(expected = "not an HTTP capture")]
fn cli_file_is_not_an_http_capture() {
    capture("82");
}

#[test]
fn body_lengths_match_the_trailers() {
    let all = all_http_captures();
    for c in &all {
        let (req, resp) = (&c.request, &c.response);
        if req.placeholder_len.is_none() {
            if let Some(n) = req.recorded_len {
                assert_eq!(req.body.len(), n, "{} request", c.name);
            }
            if let Some(cl) = req.header("content-length") {
                assert_eq!(cl.parse::<usize>().unwrap(), req.body.len(), "{}", c.name);
            }
        }
        if resp.altered {
            // The trailer, Content-Length and chunk sizes all describe the body before editing.
            assert_ne!(resp.recorded_len, Some(resp.body.len()), "{}", c.name);
            continue;
        }
        if let Some(n) = resp.recorded_len {
            assert_eq!(resp.body.len(), n, "{} response", c.name);
        }
        if let Some(sizes) = &resp.chunk_sizes {
            assert_eq!(sizes.iter().sum::<usize>(), resp.body.len(), "{}", c.name);
        }
        if c.request.method != "HEAD" {
            if let Some(cl) = resp.header("content-length") {
                assert_eq!(cl.parse::<usize>().unwrap(), resp.body.len(), "{}", c.name);
            }
        }
    }
    // The edits the README lists, detected rather than assumed.
    assert_eq!(
        names(&all, |c| c.response.altered),
        ["07", "08", "43", "44", "50", "72"]
    );
    assert_eq!(
        names(&all, |c| c.request.placeholder_len.is_some()),
        ["53", "54", "59"]
    );
    assert_eq!(names(&all, |c| c.response.closed), ["59"]);
}

#[test]
fn wire_chunks_follow_the_recording_or_the_lines() {
    let c = capture("15");
    let sizes: Vec<usize> = c.response.wire_chunks().iter().map(|p| p.len()).collect();
    assert_eq!(Some(sizes), c.response.chunk_sizes);
    // 72's rewritten path makes the recorded sizes wrong; one chunk per line is what the server does.
    let c = capture("72");
    let pieces = c.response.wire_chunks();
    assert_eq!(pieces.len(), 3);
    assert!(pieces.iter().all(|p| p.ends_with(b"\n")));
    assert_eq!(pieces.concat(), c.response.body);
    let c = capture("07");
    assert_eq!(c.response.wire_chunks(), [&c.response.body[..]]);
    assert!(capture("10").response.wire_chunks().is_empty());
}

#[tokio::test]
async fn replay_streams_15_in_chunks() {
    let c = capture("15");
    let replay = Replay::serve(&c);
    let resp = client()
        .post(format!("{}/api/generate", replay.url()))
        .body(c.request.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/x-ndjson");
    assert_eq!(resp.headers()["transfer-encoding"], "chunked");
    assert_eq!(resp.content_length(), None);
    let mut got = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(piece) = stream.next().await {
        got.extend_from_slice(&piece.unwrap());
    }
    assert_eq!(
        String::from_utf8(got).unwrap(),
        String::from_utf8(c.response.body).unwrap()
    );

    let reqs: Vec<ReceivedRequest> = replay.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].0, "POST /api/generate HTTP/1.1");
    assert_eq!(reqs[0].2, c.request.body);
}

#[tokio::test]
async fn replay_wire_bytes_are_exact() {
    let c = capture("15");
    let replay = Replay::serve(&c);
    let got = raw_exchange(
        &replay,
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    let mut expected =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for line in c.response.body.split_inclusive(|&b| b == b'\n') {
        expected.extend(format!("{:x}\r\n", line.len()).bytes());
        expected.extend(line);
        expected.extend(b"\r\n");
    }
    expected.extend(b"0\r\n\r\n");
    assert_eq!(
        String::from_utf8(got).unwrap(),
        String::from_utf8(expected).unwrap()
    );

    // Content-Length framing, headers in the captured order, no Date.
    let replay = Replay::serve(&capture("80"));
    let got = raw_exchange(
        &replay,
        b"GET /api/generate HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(
        String::from_utf8(got).unwrap(),
        "HTTP/1.1 405 Method Not Allowed\r\nAllow: POST\r\nContent-Type: text/plain\r\n\
         Content-Length: 22\r\n\r\n405 method not allowed"
    );
}

#[tokio::test]
async fn replay_07_sends_the_whole_document() {
    let c = capture("07");
    let replay = Replay::serve(&c);
    let resp = client()
        .post(format!("{}/api/show", replay.url()))
        .body(c.request.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.headers()["transfer-encoding"], "chunked");
    let body = resp.bytes().await.unwrap();
    assert_eq!(&body[..], &c.response.body[..]);
    serde_json::from_slice::<serde_json::Value>(&body).unwrap();
}

#[tokio::test]
async fn replay_fixes_content_length_of_cut_embeddings() {
    let c = capture("43");
    assert_eq!(c.response.header("content-length"), Some("875"));
    let replay = Replay::serve(&c);
    let resp = client()
        .post(format!("{}/api/embed", replay.url()))
        .body(c.request.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.content_length(), Some(c.response.body.len() as u64));
    let v: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(v["embeddings"][0].as_array().unwrap().len(), 8);
}

#[tokio::test]
async fn replay_head_and_empty_bodies() {
    // A HEAD capture keeps its advertised Content-Length and sends no body.
    let replay = Replay::serve(&capture("02"));
    let resp = client().head(replay.url()).send().await.unwrap();
    assert_eq!(resp.headers()["content-length"], "17");
    assert!(resp.bytes().await.unwrap().is_empty());

    // HEAD against a GET capture: the GET's headers, no body.
    let replay = Replay::serve(&capture("01"));
    let got = raw_exchange(
        &replay,
        b"HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(
        String::from_utf8(got).unwrap(),
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 17\r\n\r\n"
    );

    let replay = Replay::serve(&capture("10"));
    let resp = client()
        .post(format!("{}/api/copy", replay.url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers().get("content-type"), None);
    assert!(resp.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn replay_keeps_connections_alive_and_reads_whole_requests() {
    let c = capture("03");
    let replay = Replay::serve(&c);
    let client = client();
    for _ in 0..3 {
        let body = client
            .get(format!("{}/api/version", replay.url()))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&body[..], br#"{"version":"0.32.15"}"#);
    }
    assert_eq!(replay.connections(), 1);

    // A chunked request body is read completely and stored de-chunked.
    let parts: Vec<Result<&'static [u8], std::io::Error>> = vec![Ok(b"abc"), Ok(b"defgh")];
    client
        .post(format!("{}/api/blobs/x", replay.url()))
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            parts,
        )))
        .send()
        .await
        .unwrap();
    let reqs = replay.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[3].0, "POST /api/blobs/x HTTP/1.1");
    assert!(reqs[3]
        .1
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v == "chunked"));
    assert_eq!(reqs[3].2, b"abcdefgh");

    // Two requests pipelined on one connection are answered in turn.
    let got = raw_exchange(
        &replay,
        b"GET /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhiGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(
        String::from_utf8(got).unwrap().matches("0.32.15").count(),
        2
    );
    assert_eq!(replay.requests()[4].2, b"hi");
}

#[tokio::test]
async fn replay_serves_concurrent_connections() {
    let c = capture("35");
    let replay = Replay::serve(&c);
    let url = format!("{}/api/chat", replay.url());
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            // Separate clients so the requests really use separate connections at the same time.
            let (client, url) = (client(), url.clone());
            tokio::spawn(async move {
                client
                    .post(url)
                    .body("{}")
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(&t.await.unwrap()[..], &c.response.body[..]);
    }
    assert_eq!(replay.connections(), 4);
}

#[tokio::test]
async fn replay_closes_when_the_capture_did() {
    let replay = Replay::serve(&capture("59"));
    // No "Connection: close" from the client: the server closes on its own, as in the capture.
    let got = raw_exchange(
        &replay,
        b"POST /api/blobs/sha256:x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
    )
    .await;
    assert_eq!(
        String::from_utf8(got).unwrap(),
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
}

#[tokio::test]
async fn replay_routes_by_method_and_path() {
    let replay = Replay::serve_routes(&[capture("01"), capture("04"), capture("15")]);
    let client = client();
    let tags = client
        .get(format!("{}/api/tags", replay.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        &tags.bytes().await.unwrap()[..],
        &capture("04").response.body[..]
    );
    let head = client.head(replay.url()).send().await.unwrap();
    assert_eq!(head.status(), 200);
    let gen = client
        .post(format!("{}/api/generate", replay.url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(gen.headers()["content-type"], "application/x-ndjson");
    let nope = client
        .get(format!("{}/api/nope", replay.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(nope.status(), 404);
    assert_eq!(nope.text().await.unwrap(), "404 page not found");
    // The wrong method on a known path is not a match either.
    let wrong = client
        .delete(format!("{}/api/tags", replay.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    assert_eq!(replay.requests().len(), 5);
}

#[test]
fn cli_captures_parse() {
    for n in 82..=95 {
        let runs = cli_runs(&n.to_string());
        assert!(!runs.is_empty());
        for r in &runs {
            assert!(r.command.starts_with("ollama "), "{n}: {:?}", r.command);
            if r.terminal {
                assert!(r.stdout.is_empty() && r.stderr.is_empty());
                // The terminal queries come first on a terminal.
                assert!(
                    r.terminal_output.starts_with(b"\x1b]11;?\x1b\\\x1b[6n"),
                    "{n}"
                );
            } else {
                assert!(r.terminal_output.is_empty());
            }
        }
    }
    let altered: Vec<u32> = (82..=95)
        .filter(|n| cli_runs(&n.to_string()).iter().any(|r| r.altered))
        .collect();
    assert_eq!(altered, [85]);

    let runs: Vec<CliRun> = cli_runs("95");
    assert_eq!(runs[0].exit_status, 1);
    assert!(runs[0]
        .stderr
        .ends_with(b"Error: model 'nope:latest' not found\n"));

    let runs = cli_runs("82");
    assert_eq!(runs.len(), 2);
    assert!(!runs[0].terminal && runs[1].terminal);
    assert!(runs[0].stdout.starts_with(b"NAME                 ID"));
    assert_eq!(runs[0].stdout.len(), 367);
    assert!(runs[1].notes[0].contains("terminal queries") || runs[1].notes[0].contains("OSC 11"));

    let runs = cli_runs("92");
    assert_eq!(
        runs[0].stdout,
        b"deleted '127.0.0.1:5000/library/tiny-cli2'\n"
    );
    assert_eq!(runs[0].stderr.len(), 55);
    assert!(!runs[0].stderr.ends_with(b"\n"));

    assert!(cli_capture("97").contains("$ ollama list"));
}
