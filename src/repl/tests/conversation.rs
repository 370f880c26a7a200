//! The conversation: replies streamed and kept, multi-line input, Ctrl-C
//! and Ctrl-D, thinking, statistics, word wrap, images, a missing model.

use super::*;

#[tokio::test]
async fn streams_replies_and_keeps_the_conversation() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["Hello there", "And again"]).await;
    r.result.unwrap();
    assert_eq!(
        r.out.text(),
        "echo: Hello there\n\necho: And again\n\n",
        "replies end with a blank line"
    );
    let chats = stub.bodies("/api/chat");
    assert_eq!(chats.len(), 2);
    assert_eq!(chats[0]["model"], "tiny");
    assert_eq!(
        contents(&chats[1]),
        pairs(&[
            ("user", "Hello there"),
            ("assistant", "echo: Hello there"),
            ("user", "And again")
        ])
    );
    assert_eq!(r.prompts, vec![">>> ", ">>> ", ">>> "]);
    assert_eq!(r.history, vec!["Hello there", "And again"]);
    assert_eq!(r.models.len(), 7, "models fetched for completion");
}

#[tokio::test]
async fn multi_line_input_between_triple_quotes() {
    let (url, stub) = start_stub().await;
    let r = run(
        &url,
        &[
            "\"\"\"",
            "first line",
            "  second line",
            "\"\"\"",
            "\"\"\"one line\"\"\"",
            "\"\"\"start",
            "end\"\"\"",
            "pasted\ntext",
        ],
    )
    .await;
    r.result.unwrap();
    let sent: Vec<String> = stub
        .bodies("/api/chat")
        .iter()
        .map(|b| contents(b).last().unwrap().1.clone())
        .collect();
    assert_eq!(
        sent,
        vec![
            "first line\n  second line",
            "one line",
            "start\nend",
            "pasted\ntext"
        ]
    );
    assert_eq!(
        r.prompts[..6],
        [">>> ", "... ", "... ", "... ", ">>> ", ">>> "]
    );
    assert_eq!(r.history[0], "\"\"\"\nfirst line\n  second line\n\"\"\"");
}

#[tokio::test]
async fn ctrl_c_and_ctrl_d_at_the_prompt() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["^C", "\"\"\"", "dropped", "^C", "^D", "never sent"]).await;
    r.result.unwrap();
    assert_eq!(r.out.text(), "Use Ctrl + d or /bye to exit.\n");
    assert!(stub.bodies("/api/chat").is_empty());
    assert_eq!(r.prompts, vec![">>> ", ">>> ", "... ", "... ", ">>> "]);
}

#[tokio::test]
async fn bye_and_exit_end_the_session() {
    let (url, stub) = start_stub().await;
    for cmd in ["/bye", "/exit"] {
        let r = run(&url, &[cmd, "never sent"]).await;
        r.result.unwrap();
    }
    assert!(stub.bodies("/api/chat").is_empty());
}

#[tokio::test]
async fn ctrl_c_mid_reply_keeps_what_was_shown() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        session("tiny"),
        &["stall", "next"],
        Setup {
            interrupt_at: Some("echo:"),
            ..Setup::default()
        },
    )
    .await;
    r.result.unwrap();
    assert!(
        r.out.text().starts_with("echo:\n\necho: next"),
        "{:?}",
        r.out.text()
    );
    let chats = stub.bodies("/api/chat");
    assert_eq!(
        contents(&chats[1]),
        pairs(&[("user", "stall"), ("assistant", "echo:"), ("user", "next")])
    );
}

#[tokio::test]
async fn thinking_is_shown_between_markers_unless_hidden() {
    let (url, _stub) = start_stub().await;
    let r = run_with(&url, session("thinker"), &["hi"], Setup::default()).await;
    assert_eq!(
        r.out.text(),
        "Thinking...\nhmm\n...done thinking.\n\necho: hi\n\n"
    );
    assert_eq!(r.session.messages[1].thinking.as_deref(), Some("hmm"));
    let hidden = Session {
        hide_thinking: true,
        ..session("thinker")
    };
    let r = run_with(&url, hidden, &["hi"], Setup::default()).await;
    assert_eq!(r.out.text(), "echo: hi\n\n");
    let colored = Setup {
        color: true,
        ..Setup::default()
    };
    let r = run_with(&url, session("thinker"), &["hi"], colored).await;
    assert_eq!(
        r.out.text(),
        "\x1b[2mThinking...\n\x1b[0m\x1b[2mhmm\x1b[0m\x1b[2m\n...done thinking.\n\n\x1b[0mecho: hi\n\n"
    );
}

#[tokio::test]
async fn verbose_prints_statistics() {
    let (url, _stub) = start_stub().await;
    let r = run(&url, &["/set verbose", "hi", "/set quiet", "again"]).await;
    let err = r.err.text();
    assert_eq!(err.matches("eval count:").count(), 2, "{err}");
    assert!(err.contains("total duration:       5ms"), "{err}");
    assert!(r.out.text().contains("Set 'verbose' mode.\n"));
    assert!(r.out.text().contains("Set 'quiet' mode.\n"));
}

#[tokio::test]
async fn word_wrap_follows_the_setting() {
    let (url, _stub) = start_stub().await;
    let msg = "aaaa bbbb cccc dddd eeee";
    let r = run_with(
        &url,
        session("tiny"),
        &[msg, "/set nowordwrap", msg, "/set wordwrap"],
        Setup {
            width: Some(16),
            ..Setup::default()
        },
    )
    .await;
    let out = r.out.text();
    assert!(
        out.starts_with("echo: aaaa bbbb\ncccc dddd eeee\n\n"),
        "{out:?}"
    );
    assert!(out.contains("Set 'nowordwrap' mode.\necho: aaaa bbbb cccc dddd eeee\n\n"));
    assert!(out.ends_with("Set 'wordwrap' mode.\n"));
}

#[tokio::test]
async fn markdown_follows_the_setting() {
    let (url, _stub) = start_stub().await;
    let block = ["\"\"\"", "list:", "- **one**", "\"\"\""];
    let mut script = vec!["/set markdown"];
    script.extend(block);
    script.push("/set nomarkdown");
    script.extend(block);
    let r = run_with(
        &url,
        session("tiny"),
        &script,
        Setup {
            width: Some(40),
            ..Setup::default()
        },
    )
    .await;
    let out = r.out.text();
    let (drawn, raw) = out
        .split_once("Set 'nomarkdown' mode.\n")
        .unwrap_or_else(|| panic!("{out:?}"));
    assert!(drawn.starts_with("Set 'markdown' mode.\n"), "{out:?}");
    // Without colour the layout is drawn, the inline marks stay.
    assert!(drawn.ends_with("• **one**\n\n"), "{drawn:?}");
    assert_eq!(raw, "echo: list:\n- **one**\n\n");
}

#[tokio::test]
async fn a_missing_model_is_pulled_or_refused() {
    let (url, stub) = start_stub().await;
    let refused = run_with(
        &url,
        Session {
            no_pull: true,
            ..session("new-model")
        },
        &["hi"],
        Setup::default(),
    )
    .await;
    let e = refused.result.unwrap_err();
    assert_eq!(exit::code(&e), exit::NOT_FOUND);
    assert!(stub.bodies("/api/pull").is_empty());

    let r = run(&url, &[]).await;
    r.result.unwrap();
    let pulled = run_with(&url, session("new-model"), &["hi"], Setup::default()).await;
    pulled.result.unwrap();
    assert_eq!(stub.last("/api/pull")["model"], "new-model");
    assert!(pulled.err.text().contains("pulled 'new-model'"));
    assert_eq!(stub.last("/api/chat")["model"], "new-model");

    let missing = run_with(&url, session("missing-too"), &["hi"], Setup::default()).await;
    let e = missing.result.unwrap_err();
    assert_eq!(exit::code(&e), exit::NOT_FOUND);
}

#[tokio::test]
async fn images_are_attached_for_vision_models() {
    let (url, stub) = start_stub().await;
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("cat picture.PNG");
    std::fs::write(&img, b"\x89PNG fake").unwrap();
    let escaped = img.display().to_string().replace(' ', "\\ ");
    let line = format!("{escaped} what is this?");
    let r = run_with(&url, session("vis"), &[&line], Setup::default()).await;
    r.result.unwrap();
    assert_eq!(r.err.text(), format!("Added image '{}'\n", img.display()));
    let last = stub.last("/api/chat");
    assert_eq!(last["messages"][0]["content"], "what is this?");
    assert_eq!(last["messages"][0]["images"].as_array().unwrap().len(), 1);

    // Other models get the text as typed.
    let r = run(&url, &[&line]).await;
    assert!(r.err.text().contains("Unknown command"), "{}", r.err.text());
    let quoted = format!("look at '{}'", img.display());
    let r = run(&url, &[&quoted]).await;
    r.result.unwrap();
    assert_eq!(
        stub.last("/api/chat")["messages"][0]["content"],
        quoted.as_str()
    );
}
