//! Helpers of every area: clients for the test server and for replays, what a replay was
//! sent, and the checks of answers and errors.

use std::fmt::Debug;
use std::time::Duration;

use futures_util::StreamExt;
use ollama_rs::{
    Client, Error, GenerateRequest, Message, Options, ProgressResponse, ResponseStream, Result,
};
use pretty_assertions::assert_eq;
use serde::de::DeserializeOwned;
use serde_json::Value;

use ollama_test_server::replay::{capture, Capture, Replay};
use ollama_test_server::TestServer;

pub(crate) fn client(server: &TestServer) -> Client {
    Client::builder()
        .host(server.url())
        .api_key(None)
        .build()
        .unwrap()
}

pub(crate) async fn collect_generate(
    c: &Client,
    req: GenerateRequest,
) -> ollama_rs::Result<String> {
    let mut s = c.generate_stream(req).await?;
    let mut text = String::new();
    while let Some(part) = s.next().await {
        text.push_str(&part?.response);
    }
    Ok(text)
}

/// A blocking client for the test server, without an API key.
#[cfg(feature = "blocking")]
pub(crate) fn blocking_client(server: &TestServer) -> ollama_rs::blocking::Client {
    ollama_rs::blocking::Client::from_builder(Client::builder().host(server.url()).api_key(None))
        .unwrap()
}

/// A broken replay or client must fail the test, not hang the whole binary.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) fn client_for(replay: &Replay) -> Client {
    // No API key: OLLAMA_API_KEY in the environment would add an Authorization header.
    Client::builder()
        .host(replay.url())
        .timeout(TIMEOUT)
        .api_key(None)
        .build()
        .expect("client")
}

/// Serves one capture to every request.
pub(crate) fn serve(name: &str) -> (Capture, Replay, Client) {
    let cap = capture(name);
    let replay = Replay::serve(&cap);
    let client = client_for(&replay);
    (cap, replay, client)
}

/// The options most generate/chat captures sent: a fixed seed and a token limit.
pub(crate) fn opts(num_predict: i64) -> Options {
    Options {
        num_predict: Some(num_predict),
        seed: Some(1),
        ..Options::default()
    }
}

/// One request as the replay server received it.
#[derive(Debug)]
pub(crate) struct Sent {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Sent {
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The one header of that name; a missing or repeated header fails.
    #[track_caller]
    pub(crate) fn header(&self, name: &str) -> &str {
        let values = self.all(name);
        assert_eq!(
            values.len(),
            1,
            "want exactly one {name} header: {values:?}"
        );
        values[0]
    }

    pub(crate) fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 request body")
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON request body")
    }
}

pub(crate) fn sent(replay: &Replay) -> Vec<Sent> {
    replay
        .requests()
        .into_iter()
        .map(|(line, headers, body)| {
            let mut parts = line.split(' ');
            Sent {
                method: parts.next().unwrap_or_default().to_owned(),
                path: parts.next().unwrap_or_default().to_owned(),
                headers,
                body,
            }
        })
        .collect()
}

#[track_caller]
pub(crate) fn only_request(replay: &Replay) -> Sent {
    let mut all = sent(replay);
    assert_eq!(all.len(), 1, "want exactly one request: {all:?}");
    all.pop().unwrap()
}

/// Checks a JSON POST (or DELETE) the client sent: method, path, the default headers, the `Accept`
/// of a stream or a single answer, and the exact body bytes.
#[track_caller]
pub(crate) fn assert_json_request(s: &Sent, method: &str, path: &str, accept: &str, body: &str) {
    assert_eq!((s.method.as_str(), s.path.as_str()), (method, path));
    assert_eq!(s.header("content-type"), "application/json");
    assert_eq!(s.header("accept"), accept);
    let ua = s.header("user-agent");
    assert!(ua.starts_with("ollama-rs/"), "user-agent {ua:?}");
    assert!(s.all("authorization").is_empty());
    assert_eq!(s.text(), body);
}

/// The captured request's JSON with `stream` set as given (or removed with `None`): what this client
/// must send for the same call, since it always states `stream` where the server has a default.
pub(crate) fn captured_body(cap: &Capture, stream: Option<bool>) -> Value {
    let mut v = cap.request.json();
    let obj = v.as_object_mut().expect("object body");
    match stream {
        Some(s) => {
            obj.insert("stream".into(), Value::Bool(s));
        }
        None => {
            obj.remove("stream");
        }
    }
    v
}

/// The one request sent must mean the same JSON as the captured one (key order aside).
#[track_caller]
pub(crate) fn assert_same_body(replay: &Replay, cap: &Capture, stream: Option<bool>) {
    let s = only_request(replay);
    assert_eq!(
        (s.method.as_str(), s.path.as_str()),
        (cap.request.method.as_str(), cap.request.path.as_str())
    );
    assert_eq!(s.json(), captured_body(cap, stream));
}

/// The error must be `Error::Api` with this status and message, and agree with the capture.
#[track_caller]
pub(crate) fn assert_api<T: Debug>(
    result: Result<T>,
    cap: &Capture,
    status: u16,
    message: &str,
) -> Error {
    let err = result.expect_err("want an error");
    match &err {
        Error::Api {
            status: s,
            message: m,
        } => assert_eq!((*s, m.as_str()), (status, message)),
        other => panic!("want Error::Api, got {other:?}"),
    }
    assert_eq!(cap.response.status, status, "literal status vs capture");
    if cap
        .response
        .header("content-type")
        .is_some_and(|t| t.contains("json"))
    {
        assert_eq!(
            cap.response.json()["error"].as_str(),
            Some(message),
            "literal message vs capture"
        );
    }
    assert_eq!(err.status(), Some(status));
    assert_eq!(err.server_message(), Some(message));
    err
}

#[track_caller]
pub(crate) fn assert_stream_error(err: &Error, message: &str) {
    match err {
        Error::Stream { message: m } => assert_eq!(m, message),
        other => panic!("want Error::Stream, got {other:?}"),
    }
    assert_eq!(err.status(), None);
    assert_eq!(err.server_message(), Some(message));
}

/// Every item of a stream up to its end or its first error; after an error it must end.
pub(crate) async fn drain<T: DeserializeOwned>(
    mut stream: ResponseStream<T>,
) -> (Vec<T>, Option<Error>) {
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(v) => items.push(v),
            Err(e) => {
                assert!(
                    stream.next().await.is_none(),
                    "the stream must end after an error"
                );
                return (items, Some(e));
            }
        }
    }
    (items, None)
}

pub(crate) async fn drain_ok<T: DeserializeOwned + Debug>(stream: ResponseStream<T>) -> Vec<T> {
    let (items, err) = drain(stream).await;
    assert!(err.is_none(), "unexpected error {err:?} after {items:?}");
    items
}

pub(crate) fn progress(status: &str) -> ProgressResponse {
    let mut r = ProgressResponse::default();
    r.status = status.into();
    r
}

/// The prompt-token context of captures 15, 16 (same prompt and seed).
pub(crate) const CONTEXT_15: [i64; 32] = [
    1, 120, 118, 104, 117, 13, 107, 104, 111, 111, 114, 2, 13, 1, 100, 118, 118, 108, 118, 119,
    100, 113, 119, 13, 262, 117, 100, 100, 277, 117, 125, 277,
];

pub(crate) const TINY_TEMPLATE: &str = "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";
pub(crate) const TINY_PARAMETERS: &str = "stop                           \"<|im_start|>\"\nstop                           \"<|im_end|>\"";

pub(crate) fn assistant(content: &str) -> Message {
    Message::assistant(content)
}
