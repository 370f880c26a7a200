//! The blocking client (plain tests: it must not run inside a tokio runtime).

use ollama_rs::{
    ChatRequest, Client, Error, GenerateRequest, GenerateResponse, Message, PullRequest, Result,
};
use pretty_assertions::assert_eq;

use ollama_test_server::replay::{capture, Replay};
use ollama_test_server::{Fault, TestServer};

use crate::support::*;

#[test]
fn blocking_client_has_the_same_methods() {
    let server = TestServer::start();
    let c = crate::support::blocking_client(&server);
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

fn blocking_client(replay: &Replay) -> ollama_rs::blocking::Client {
    ollama_rs::blocking::Client::from_builder(
        Client::builder()
            .host(replay.url())
            .timeout(TIMEOUT)
            .api_key(None),
    )
    .expect("blocking client")
}

#[test]
fn blocking_list_04() {
    let cap = capture("04");
    let replay = Replay::serve(&cap);
    let list = blocking_client(&replay).list().unwrap();
    let names: Vec<&str> = list.models.iter().map(|m| m.name()).collect();
    assert_eq!(
        names,
        ["tiny-bert:latest", "tiny-embed:latest", "tiny:latest"]
    );
    assert_eq!(serde_json::to_value(&list).unwrap(), cap.response.json());
}

#[test]
fn blocking_show_07() {
    let cap = capture("07");
    let replay = Replay::serve(&cap);
    let client = ollama_rs::blocking::Client::with_host(replay.url()).unwrap();
    let show = client.show("tiny").unwrap();
    assert_eq!(show.template.as_deref(), Some(TINY_TEMPLATE));
    assert_eq!(show.context_length(), Some(4096));
    assert_eq!(show.tensors.map(|t| t.len()), Some(21));
    assert_eq!(only_request(&replay).text(), r#"{"model":"tiny"}"#);
}

#[test]
fn blocking_generate_15_stream_as_iterator() {
    let cap = capture("15");
    let replay = Replay::serve(&cap);
    let client = blocking_client(&replay);
    let items: Vec<GenerateResponse> = client
        .generate_stream(GenerateRequest::new("tiny", "hello").options(opts(8)))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert_eq!(items.len(), 9);
    let text: String = items.iter().map(|r| r.response.as_str()).collect();
    assert_eq!(text, " hraa llarz lla");
    assert_eq!(items[8].context.as_deref(), Some(&CONTEXT_15[..]));
    assert_eq!(items[8].done_reason.as_deref(), Some("length"));
    assert_json_request(
        &only_request(&replay),
        "POST",
        "/api/generate",
        "application/x-ndjson",
        r#"{"model":"tiny","prompt":"hello","stream":true,"options":{"seed":1,"num_predict":8}}"#,
    );
}

#[test]
fn blocking_chat_36_nonstream() {
    let cap = capture("36");
    let replay = Replay::serve(&cap);
    let r = blocking_client(&replay)
        .chat(ChatRequest::new("tiny", [Message::user("hello")]).options(opts(6)))
        .unwrap();
    assert_eq!(r.message, assistant(" hraa llar"));
    assert_eq!(r.done_reason.as_deref(), Some("length"));
    assert_eq!(only_request(&replay).json(), cap.request.json());
}

#[test]
fn blocking_api_error_09() {
    let cap = capture("09");
    let replay = Replay::serve(&cap);
    let err = assert_api(
        blocking_client(&replay).show("nope"),
        &cap,
        404,
        "model 'nope:latest' not found",
    );
    assert!(err.is_model_not_found());
}

#[test]
fn blocking_error_line_76_through_the_iterator() {
    let cap = capture("76");
    let replay = Replay::serve(&cap);
    let client = blocking_client(&replay);
    let mut iter = client
        .pull_stream(PullRequest::new("127.0.0.1:5000/library/nope").insecure(true))
        .unwrap();
    assert_eq!(iter.next().unwrap().unwrap(), progress("pulling manifest"));
    let err = iter.next().unwrap().unwrap_err();
    assert_stream_error(&err, "pull model manifest: file does not exist");
    assert!(err.is_model_not_found());
    assert!(iter.next().is_none());
}

#[test]
fn blocking_empty_model_is_refused_before_sending() {
    let cap = capture("30");
    let replay = Replay::serve(&cap);
    let err = blocking_client(&replay)
        .generate(GenerateRequest::new("", "hello"))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    assert_eq!(replay.connections(), 0);
}

#[test]
fn blocking_builder_and_raw_posts() {
    let server = TestServer::start();
    let c = ollama_rs::blocking::Client::builder()
        .host(server.url())
        .api_key(None)
        .timeout(std::time::Duration::from_secs(10))
        .header("X-Test", "1")
        .with_async(|b| b.max_line_bytes(1_000_000))
        .build()
        .unwrap();
    assert_eq!(c.version().unwrap().version, "0.32.15");
    let req = GenerateRequest::new("tiny", "hello").stream(false);
    let whole: GenerateResponse = c.post_as("/api/generate", &req).unwrap();
    assert_eq!(whole.response, "echo: hello");
    let parts: Vec<GenerateResponse> = c
        .post_stream_as("/api/generate", &req.clone().stream(true))
        .unwrap()
        .collect::<Result<_>>()
        .unwrap();
    assert!(parts.len() > 1 && parts.last().unwrap().done);
    let sent = server.requests_to("/api/version");
    assert_eq!(sent[0].header("x-test"), Some("1"));
    let from_async: ollama_rs::blocking::ClientBuilder =
        Client::builder().host(server.url()).api_key(None).into();
    assert!(from_async.build().unwrap().list().is_ok());
}
