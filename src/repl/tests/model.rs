//! The model when the session starts and on `/load`: the load request, the
//! model's own conversation shown (and kept by `/save`, never sent), and a
//! model that cannot be loaded.

use super::*;
use ollama_rs::{KeepAlive, Options, Think};

/// The paths of the requests the stub received, in order.
fn paths(stub: &Stub) -> Vec<String> {
    stub.requests
        .lock()
        .unwrap()
        .iter()
        .map(|(p, _)| p.clone())
        .collect()
}

#[tokio::test]
async fn the_session_loads_the_model_before_the_first_prompt() {
    let (url, stub) = start_stub().await;
    let mut options = Options::default();
    options.set_str("num_ctx", "8192").unwrap();
    let r = run_with(
        &url,
        Session {
            keep_alive: Some(KeepAlive::from("1h")),
            options,
            ..session("tiny")
        },
        &["hi"],
        Setup::default(),
    )
    .await;
    r.result.unwrap();
    assert_eq!(
        stub.bodies("/api/generate"),
        vec![json!({
            "model": "tiny",
            "options": {"num_ctx": 8192},
            "keep_alive": "1h",
            "stream": false
        })],
        "the API's load request, with the session's keep-alive and options"
    );
    assert_eq!(
        paths(&stub),
        ["/api/show", "/api/generate", "/api/tags", "/api/chat"]
    );
    assert_eq!(r.out.text(), "echo: hi\n\n", "a load shows nothing");

    // Without flags, only the model.
    let (url, stub) = start_stub().await;
    run(&url, &[]).await.result.unwrap();
    assert_eq!(
        stub.bodies("/api/generate"),
        vec![json!({"model": "tiny", "stream": false})]
    );
}

#[tokio::test]
async fn a_model_that_cannot_be_loaded_ends_the_session_before_the_prompt() {
    // `--think` on a model that cannot think: the server says so at once,
    // as `ollama run` has it.
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        Session {
            think: Some(Think::Bool(true)),
            ..session("tiny")
        },
        &["never sent"],
        Setup::default(),
    )
    .await;
    let e = r.result.unwrap_err();
    assert!(
        exit::message(&e).contains("\"tiny\" does not support thinking"),
        "{e:#}"
    );
    assert_eq!(stub.bodies("/api/generate")[0]["think"], true);
    assert!(r.prompts.is_empty());
    assert!(stub.bodies("/api/chat").is_empty());

    // An embedding model cannot chat.
    let (url, _stub) = start_stub().await;
    let r = run_with(&url, session("embedder"), &["hi"], Setup::default()).await;
    let e = r.result.unwrap_err();
    assert!(
        exit::message(&e).contains("does not support generate"),
        "{e:#}"
    );
    assert!(r.prompts.is_empty());
}

#[tokio::test]
async fn the_models_own_conversation_is_shown_kept_by_save_and_never_sent() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        session("primed"),
        &["hello", "/save copy", "/load tiny", "/load primed", "/bye"],
        Setup::default(),
    )
    .await;
    r.result.unwrap();
    let history = ">>> Who are you?\nA primed model.\n\n";
    assert_eq!(
        r.out.text(),
        format!(
            "{history}echo: hello\n\nCreated new model 'copy'\n\
             Loading model 'tiny'\nLoading model 'primed'\n{history}"
        ),
        "shown at the start and on /load, system messages left out"
    );
    // The server puts them before the conversation itself.
    assert_eq!(
        contents(&stub.bodies("/api/chat")[0]),
        pairs(&[("user", "hello")])
    );
    assert_eq!(
        stub.last("/api/create")["messages"],
        json!([
            {"role": "system", "content": "Not shown."},
            {"role": "user", "content": "Who are you?"},
            {"role": "assistant", "content": "A primed model."},
            {"role": "user", "content": "hello"},
            {"role": "assistant", "content": "echo: hello"}
        ])
    );
    assert_eq!(
        stub.bodies("/api/generate")
            .iter()
            .map(|b| b["model"].as_str().unwrap().to_string())
            .collect::<Vec<_>>(),
        ["primed", "tiny", "primed"],
        "loaded at the start and on each /load"
    );
}

#[tokio::test]
async fn a_load_that_fails_or_is_stopped_keeps_the_model_and_the_conversation() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        session("tiny"),
        &["first", "/load embedder", "/load slow", "second"],
        Setup {
            // Ctrl-C while `slow` loads.
            interrupt_at: Some("Loading model 'slow'"),
            ..Setup::default()
        },
    )
    .await;
    r.result.unwrap();
    assert!(
        r.err.text().contains("does not support generate"),
        "{}",
        r.err.text()
    );
    assert_eq!(r.session.model, "tiny");
    let last = stub.last("/api/chat");
    assert_eq!(last["model"], "tiny");
    assert_eq!(
        contents(&last),
        pairs(&[
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", "second")
        ])
    );
}

#[tokio::test]
async fn load_sends_think_only_to_a_model_that_can_think() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        Session {
            think: Some(Think::Bool(true)),
            ..session("thinker")
        },
        &["/load tiny"],
        Setup::default(),
    )
    .await;
    r.result.unwrap();
    let loads = stub.bodies("/api/generate");
    assert_eq!(loads[0]["think"], true);
    assert_eq!(loads[1].get("think"), None);
    assert!(r.err.text().contains("'think' mode is off"));
    assert_eq!(r.session.think, None);
}
