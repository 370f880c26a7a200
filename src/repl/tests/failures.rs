//! Failed requests: the conversation left as it was, the message kept
//! for /retry, the session going on.

use super::*;

#[tokio::test]
async fn server_errors_leave_the_session_running() {
    let (url, stub) = start_stub().await;
    stub.installed.lock().unwrap().insert("gone".into());
    let s = session("gone");
    let client_url = url.clone();
    let stub2 = Arc::clone(&stub);
    // The model disappears after the start-up check.
    let r = {
        let client = Client::with_host(client_url.as_str()).unwrap();
        let out = Shared::default();
        let err = Shared::default();
        let env = Env {
            width: Box::new(|| None),
            interrupt: Box::new(|| Box::pin(std::future::pending())),
            progress: Style::Quiet,
            color: false,
            home: None,
        };
        let source = Script {
            inputs: lines(&["hi", "/retry"]).into(),
            history_on: Rc::new(RefCell::new(true)),
            ..Script::default()
        };
        let mut repl = Repl::new(s, &client, source, out.clone(), err.clone(), env);
        repl.start().await.unwrap();
        stub2.installed.lock().unwrap().remove("gone");
        repl.run().await.unwrap();
        (err.text(), repl.session.messages.len())
    };
    assert!(
        r.0.contains("error: could not chat with `gone`: model 'gone' not found"),
        "{}",
        r.0
    );
    assert_eq!(r.1, 0, "the failed question is not kept");
}

/// Every way a chat request can fail. Each time: one error line, the
/// prompt back, the failed message left out of the conversation (earlier
/// turns intact), `/export` still working, and the next message sent with
/// the earlier turns.
#[tokio::test]
async fn a_failed_request_leaves_the_earlier_turns_in_place() {
    use ChatFault as F;
    let html = "<!DOCTYPE html>\n<html>\n<head><title>500 Internal Server Error</title></head>\n\
                <body>\n<h1>Internal Server Error</h1>\n</body>\n</html>\n";
    let one_second = Some(std::time::Duration::from_secs(1));
    let cases: Vec<(F, Option<std::time::Duration>, &str)> = vec![
        (
            F::Status(500, "text/html", html),
            None,
            "error: could not chat with `tiny`: the server answered with an HTML page: 500 Internal Server Error (status code: 500)",
        ),
        (
            F::Status(404, "application/json", r#"{"error":"model 'tiny' not found"}"#),
            None,
            "error: could not chat with `tiny`: model 'tiny' not found (status code: 404)",
        ),
        (
            F::Status(401, "application/json", r#"{"error":"unauthorized"}"#),
            None,
            "error: could not chat with `tiny`: unauthorized (status code: 401)",
        ),
        (
            F::NeverAnswer,
            one_second,
            "error: could not chat with `tiny`: timed out waiting for Ollama at",
        ),
        (
            F::CloseAfter(2),
            None,
            "error: chat with `tiny` failed: request to",
        ),
        (
            F::ErrorAfter(2, "an error was encountered while running the model"),
            None,
            "error: chat with `tiny` failed: an error was encountered while running the model",
        ),
        (
            F::StallAfter(2),
            one_second,
            "error: chat with `tiny` failed: timed out waiting for Ollama at",
        ),
        (
            F::Raw(b"not json\n"),
            None,
            "error: chat with `tiny` failed: could not decode the server's response",
        ),
        (
            F::Raw(b"{\"model\":\"tiny\",\"message\":{\"role\":\"assistant\",\"content\":\"\xff\"},\"done\":false}\n"),
            None,
            "error: chat with `tiny` failed: could not decode the server's response",
        ),
        (
            F::Raw(b""),
            None,
            "error: chat with `tiny` failed: the server ended the stream before the answer was complete",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (fault, timeout, want)) in cases.into_iter().enumerate() {
        let (url, stub) = start_stub().await;
        let what = format!("{fault:?}");
        stub.fail("second question", fault);
        let file = dir.path().join(format!("after-{i}.json"));
        let export = format!("/export {}", file.display());
        let script = ["first", "second question", &export, "third"];
        let r = run_with(
            &url,
            session("tiny"),
            &script,
            Setup {
                timeout,
                ..Setup::default()
            },
        )
        .await;
        r.result.unwrap();
        let err = r.err.text();
        assert_eq!(err.lines().count(), 1, "{what}: one line: {err:?}");
        assert!(err.starts_with(want), "{what}: {err:?}");
        assert_eq!(r.prompts, vec![">>> "; script.len() + 1], "{what}");

        let chats = stub.bodies("/api/chat");
        assert_eq!(chats.len(), 3, "{what}");
        let earlier = [("user", "first"), ("assistant", "echo: first")];
        assert_eq!(
            contents(&chats[1]),
            pairs(&[earlier[0], earlier[1], ("user", "second question")]),
            "{what}"
        );
        assert_eq!(exported(&file), pairs(&earlier), "{what}");
        #[cfg(unix)]
        assert_eq!(mode(&file), 0o600, "{what}");
        assert_eq!(
            contents(&chats[2]),
            pairs(&[earlier[0], earlier[1], ("user", "third")]),
            "{what}: the failed turn is not sent again"
        );
        assert_eq!(r.session.messages.len(), 4, "{what}");
    }
}

#[tokio::test]
async fn a_reply_cut_short_stays_on_screen_but_not_in_the_conversation() {
    let (url, stub) = start_stub().await;
    stub.fail("one two three", ChatFault::CloseAfter(2));
    let r = run(&url, &["one two three", "next"]).await;
    r.result.unwrap();
    assert_eq!(r.out.text(), "echo: one\n\necho: next\n\n");
    assert!(r.err.text().starts_with("error: chat with `tiny` failed"));
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[("user", "next")])
    );
}

#[tokio::test]
async fn retry_after_a_failure_sends_the_failed_message() {
    let (url, stub) = start_stub().await;
    stub.fail("second", ChatFault::ErrorAfter(1, "model crashed"));
    let r = run(&url, &["first", "second", "/retry", "third"]).await;
    r.result.unwrap();
    let chats = stub.bodies("/api/chat");
    assert_eq!(chats.len(), 4);
    assert_eq!(chats[2], chats[1], "the failed request is sent again");
    assert_eq!(
        contents(&chats[3]),
        pairs(&[
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", "second"),
            ("assistant", "echo: second"),
            ("user", "third"),
        ])
    );

    // Typing the message again (or anything else) instead: it is sent
    // once, and /retry then regenerates the reply to it.
    let (url, stub) = start_stub().await;
    stub.fail("second", ChatFault::Status(500, "text/plain", "busy"));
    let r = run(&url, &["first", "second", "second", "/retry"]).await;
    r.result.unwrap();
    let chats = stub.bodies("/api/chat");
    assert_eq!(chats.len(), 4);
    assert_eq!(chats[2], chats[1]);
    assert_eq!(chats[3], chats[2]);
    assert_eq!(r.session.messages.len(), 4);
}

#[tokio::test]
async fn a_failed_retry_keeps_the_old_reply() {
    let (url, stub) = start_stub().await;
    stub.fail("first", ChatFault::Pass);
    stub.fail("first", ChatFault::CloseAfter(1));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chat.json");
    let export = format!("/export {}", file.display());
    let r = run(&url, &["first", "/retry", &export, "second"]).await;
    r.result.unwrap();
    assert_eq!(r.err.text().lines().count(), 1, "{}", r.err.text());
    let earlier = [("user", "first"), ("assistant", "echo: first")];
    assert_eq!(exported(&file), pairs(&earlier));
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[earlier[0], earlier[1], ("user", "second")])
    );
}

#[tokio::test]
async fn clear_load_and_import_forget_a_failed_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("chat.json");
    std::fs::write(&file, r#"[{"role":"user","content":"old"}]"#).unwrap();
    let import = format!("/import {}", file.display());
    for command in ["/clear", "/load other", import.as_str()] {
        let (url, stub) = start_stub().await;
        stub.fail("lost", ChatFault::Status(500, "text/plain", "busy"));
        let r = run(&url, &["lost", command, "/retry"]).await;
        r.result.unwrap();
        let chats = stub.bodies("/api/chat");
        assert_eq!(
            chats
                .iter()
                .filter(|c| c.to_string().contains("lost"))
                .count(),
            1,
            "{command}: the failed message is not sent again"
        );
    }
}

#[tokio::test]
async fn ctrl_c_before_the_reply_leaves_the_message_for_retry() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        session("tiny"),
        // Ctrl-C is pressed as soon as "Set 'quiet' mode." is shown: at
        // once when "second" is sent.
        &["first", "/set quiet", "second", "/retry"],
        Setup {
            interrupt_at: Some("Set 'quiet' mode."),
            ..Setup::default()
        },
    )
    .await;
    r.result.unwrap();
    assert_eq!(r.err.text(), "", "Ctrl-C is no error");
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", "second")
        ])
    );
    assert_eq!(r.session.messages.len(), 4);
}

#[tokio::test]
async fn a_server_that_went_away_and_came_back() {
    let stub = new_stub();
    let (served, port) = serve_on(&stub, 0);
    let server = Rc::new(RefCell::new(Some(served)));
    let control = Rc::clone(&server);
    let again = Arc::clone(&stub);
    let hook: Hook = Box::new(move |line| match line {
        "!stop" => drop(control.borrow_mut().take()),
        "!start" => *control.borrow_mut() = Some(serve_on(&again, port).0),
        other => panic!("unknown hook {other}"),
    });
    let url = format!("http://127.0.0.1:{port}");
    let r = run_with(
        &url,
        session("tiny"),
        &["first", "!stop", "second", "!start", "third"],
        Setup {
            hook: Some(hook),
            ..Setup::default()
        },
    )
    .await;
    drop(server.borrow_mut().take());
    r.result.unwrap();
    let err = r.err.text();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "error: could not chat with `tiny`: could not connect to Ollama at {url}"
        )),
        "{err}"
    );
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[
            ("user", "first"),
            ("assistant", "echo: first"),
            ("user", "third")
        ])
    );
}
