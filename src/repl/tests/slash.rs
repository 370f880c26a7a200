//! The slash commands: help, /set, /show, /load, /save, /export and
//! /import, /retry, /clear, history.

use super::*;

#[tokio::test]
async fn help_comes_from_the_table_and_unknown_commands_say_so() {
    let (url, _stub) = start_stub().await;
    let r = run(
        &url,
        &[
            "/?",
            "/help set",
            "/? show",
            "/help shortcuts",
            "/x",
            "/set nope",
            "/show nope",
        ],
    )
    .await;
    r.result.unwrap();
    let out = r.out.text();
    assert!(out.starts_with("Available Commands:\n"));
    for c in commands::COMMANDS {
        assert!(out.contains(c.name), "{}", c.name);
    }
    assert!(out.contains("/set parameter KEY VALUE..."));
    assert!(out.contains("/show modelfile"));
    assert!(out.contains("Ctrl + r"));
    assert_eq!(
        r.err.text(),
        "Unknown command '/x'. Type /? for help\n\
         Unknown command '/set nope'. Type /? for help\n\
         Unknown command '/show nope'. Type /? for help\n"
    );
}

#[tokio::test]
async fn set_commands_change_the_next_request() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        session("thinker"),
        &[
            "/set parameter temperature 0.25",
            "/set parameter stop a b",
            "/set parameter nope 1",
            "/set parameter seed x",
            "/set system Be brief.",
            "/set format json",
            "/set think high",
            "one",
            "/set noformat",
            "/set nothink",
            "/set format yaml",
            "two",
        ],
        Setup::default(),
    )
    .await;
    r.result.unwrap();
    let chats = stub.bodies("/api/chat");
    assert_eq!(
        chats[0]["options"],
        json!({"temperature": 0.25, "stop": ["a", "b"]})
    );
    assert_eq!(chats[0]["format"], "json");
    assert_eq!(chats[0]["think"], "high");
    assert_eq!(
        contents(&chats[0])[0],
        ("system".into(), "Be brief.".into())
    );
    assert_eq!(chats[1].get("format"), None);
    assert_eq!(chats[1]["think"], false);
    let out = r.out.text();
    for line in [
        "Set parameter 'temperature' to '0.25'",
        "Set parameter 'stop' to 'a, b'",
        "Set system message.",
        "Set format to 'json' mode.",
        "Set 'think' mode to 'high'.",
        "Disabled format.",
        "Set 'nothink' mode.",
        "Invalid or missing format. For 'json' mode use '/set format json'",
    ] {
        assert!(out.contains(line), "{line}");
    }
    let err = r.err.text();
    assert!(
        err.contains("Couldn't set parameter: unknown parameter 'nope'"),
        "{err}"
    );
    assert!(
        err.contains("Couldn't set parameter: option 'seed'"),
        "{err}"
    );
}

#[tokio::test]
async fn multi_line_system_message() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["/set system \"\"\"You are", "terse.\"\"\"", "hi"]).await;
    r.result.unwrap();
    assert_eq!(r.session.system.as_deref(), Some("You are\nterse."));
    assert_eq!(
        contents(&stub.last("/api/chat"))[0],
        ("system".into(), "You are\nterse.".into())
    );
}

#[tokio::test]
async fn history_can_be_turned_off() {
    let (url, _stub) = start_stub().await;
    let r = run(
        &url,
        &["/set nohistory", "secret", "/set history", "public"],
    )
    .await;
    assert!(r.history_on);
    // Lines typed while history is off are not kept, `/set history` included.
    assert_eq!(r.history, vec!["/set nohistory", "public"]);
    assert!(r.out.text().contains("Set 'nohistory' mode.\n"));
}

#[tokio::test]
async fn show_prints_the_servers_fields() {
    let (url, stub) = start_stub().await;
    let r = run(
        &url,
        &[
            "/show",
            "/show modelfile",
            "/show parameters",
            "/show template",
            "/show license",
            "/show system",
            "/set system Be kind.",
            "/set parameter temperature 0.5",
            "/show system",
            "/show parameters",
            "/show info",
        ],
    )
    .await;
    r.result.unwrap();
    let out = r.out.text();
    assert!(out.starts_with("Available Commands:\n  /show info"));
    assert!(out.contains("# Modelfile for tiny\nFROM tiny\n"));
    assert!(out
        .contains("Model defined parameters:\n  stop                           \"<|im_end|>\"\n"));
    assert!(out.contains("{{ .Prompt }}\n"));
    assert!(out.contains("No license was specified for this model.\n"));
    assert!(out.contains("No system message was specified for this model.\n"));
    assert!(out.contains("Be kind.\n"));
    assert!(out.contains("User defined parameters:\n  temperature                    0.5\n"));
    assert!(out.contains("architecture"), "{out}");
    let last = stub.last("/api/show");
    assert_eq!(last["system"], "Be kind.");
    assert_eq!(last["options"], json!({"temperature": 0.5}));
}

#[tokio::test]
async fn load_switches_models_and_clears_the_conversation() {
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        Session {
            no_pull: true,
            ..session("tiny")
        },
        &["hi", "/load", "/load missing-model", "/load other", "again"],
        Setup::default(),
    )
    .await;
    r.result.unwrap();
    let out = r.out.text();
    assert!(out.contains("Usage:\n  /load <model>\n"));
    assert!(out.contains("Loading model 'missing-model'\nCouldn't find model 'missing-model'\n"));
    assert!(out.contains("Loading model 'other'\n"));
    let last = stub.last("/api/chat");
    assert_eq!(last["model"], "other");
    assert_eq!(contents(&last), pairs(&[("user", "again")]));
    assert!(stub.bodies("/api/pull").is_empty(), "--no-pull");
}

#[tokio::test]
async fn save_sends_a_create_request() {
    let (url, stub) = start_stub().await;
    let r = run(
        &url,
        &[
            "/set system Be brief.",
            "/set parameter temperature 0.5",
            "hi",
            "/save",
            "/save my-model",
        ],
    )
    .await;
    r.result.unwrap();
    assert!(r.out.text().contains("Usage:\n  /save <model>\n"));
    assert!(r.out.text().contains("Created new model 'my-model'\n"));
    assert_eq!(
        stub.last("/api/create"),
        json!({
            "model": "my-model",
            "from": "tiny",
            "system": "Be brief.",
            "parameters": {"temperature": 0.5},
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "echo: hi"}
            ],
            "stream": true
        })
    );
}

#[tokio::test]
async fn export_and_import_round_trip() {
    let (url, stub) = start_stub().await;
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("chat.json");
    let md_path = dir.path().join("chat.md");
    let export_json = format!("/export {}", json_path.display());
    let export_md = format!("/export '{}'", md_path.display());
    let r = run(
        &url,
        &[
            "/set system Be brief.",
            "hi",
            &export_json,
            &export_md,
            "/export",
        ],
    )
    .await;
    r.result.unwrap();
    assert!(r
        .out
        .text()
        .contains(&format!("Exported 3 messages to '{}'", json_path.display())));
    assert!(r.out.text().contains("Usage:\n  /export <file>\n"));
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(
        saved,
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "echo: hi"}
        ])
    );
    let md = std::fs::read_to_string(&md_path).unwrap();
    assert_eq!(
        md,
        "# Conversation with tiny\n\n## System\n\nBe brief.\n\n## User\n\nhi\n\n## Assistant\n\necho: hi\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&json_path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let import = format!("/import {}", json_path.display());
    let r = run(&url, &[&import, "more", "/import /nonexistent/file.json"]).await;
    r.result.unwrap();
    assert!(r.out.text().contains(&format!(
        "Imported 3 messages from '{}'",
        json_path.display()
    )));
    assert!(
        r.err.text().contains("could not read messages file"),
        "{}",
        r.err.text()
    );
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[
            ("system", "Be brief."),
            ("user", "hi"),
            ("assistant", "echo: hi"),
            ("user", "more")
        ])
    );
}

#[tokio::test]
async fn retry_regenerates_the_last_reply() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["/retry", "one", "two", "/retry"]).await;
    r.result.unwrap();
    assert!(r.out.text().starts_with("Nothing to retry yet.\n"));
    let chats = stub.bodies("/api/chat");
    assert_eq!(chats.len(), 3);
    assert_eq!(chats[2], chats[1], "the same conversation is sent again");
    assert_eq!(r.session.messages.len(), 4);
}

#[tokio::test]
async fn clear_starts_over_but_keeps_the_system_message() {
    let (url, stub) = start_stub().await;
    let r = run(&url, &["/set system S", "one", "/clear", "two"]).await;
    r.result.unwrap();
    assert!(r.out.text().contains("Cleared session context\n"));
    assert_eq!(
        contents(&stub.last("/api/chat")),
        pairs(&[("system", "S"), ("user", "two")])
    );
}

#[tokio::test]
async fn parameters_are_shown_as_set() {
    let (url, _stub) = start_stub().await;
    let r = run(
        &url,
        &[
            "/set parameter temperature 0.1",
            "/set parameter top_p 0.9",
            "/show parameters",
        ],
    )
    .await;
    r.result.unwrap();
    let out = r.out.text();
    assert!(
        out.contains("  temperature                    0.1\n"),
        "{out}"
    );
    assert!(
        out.contains("  top_p                          0.9\n"),
        "{out}"
    );
    assert!(!out.contains("0.1000"), "{out}");
}

#[tokio::test]
async fn think_is_refused_for_a_model_that_cannot_think() {
    let (url, stub) = start_stub().await;
    let r = run(
        &url,
        &["/set think", "/set think high", "hi", "/set nothink"],
    )
    .await;
    r.result.unwrap();
    let err = r.err.text();
    assert_eq!(
        err.matches("error: model 'tiny' does not support thinking; 'think' mode not set")
            .count(),
        2,
        "{err}"
    );
    assert!(!r.out.text().contains("Set 'think' mode"));
    assert!(r.out.text().contains("Set 'nothink' mode."));
    assert_eq!(stub.last("/api/chat").get("think"), None);

    // Switching to a model that cannot think turns the mode off.
    let (url, stub) = start_stub().await;
    let r = run_with(
        &url,
        session("thinker"),
        &["/set think", "/load tiny", "hi"],
        Setup::default(),
    )
    .await;
    r.result.unwrap();
    assert!(r
        .err
        .text()
        .contains("warning: model 'tiny' does not support thinking; 'think' mode is off"));
    assert_eq!(stub.last("/api/chat").get("think"), None);
}

#[tokio::test]
async fn import_reads_the_markdown_export_too() {
    let (url, stub) = start_stub().await;
    let dir = tempfile::tempdir().unwrap();
    let md_path = dir.path().join("chat.md");
    let export_md = format!("/export {}", md_path.display());
    let r = run_with(
        &url,
        session("thinker"),
        &[
            "/set system Be brief.",
            "first line\n\nsecond",
            "hi",
            &export_md,
        ],
        Setup::default(),
    )
    .await;
    r.result.unwrap();
    let before = contents(&stub.last("/api/chat"));

    let (url, stub) = start_stub().await;
    let import = format!("/import {}", md_path.display());
    let r = run(&url, &[&import, "more"]).await;
    r.result.unwrap();
    assert!(
        r.out
            .text()
            .contains(&format!("Imported 5 messages from '{}'", md_path.display())),
        "{}{}",
        r.out.text(),
        r.err.text()
    );
    let sent = stub.last("/api/chat");
    let after = contents(&sent);
    // What was sent before, with the reply to it and the new question.
    assert_eq!(&after[..before.len()], &before[..]);
    assert_eq!(
        after.last().unwrap(),
        &("user".to_string(), "more".to_string())
    );
    assert_eq!(sent["messages"][2]["thinking"], "hmm");

    // A file in neither format says what it expects.
    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "just some notes\n").unwrap();
    let r = run(&url, &[&format!("/import {}", other.display())]).await;
    r.result.unwrap();
    assert!(
        r.err
            .text()
            .contains("neither a JSON array of messages nor a Markdown conversation"),
        "{}",
        r.err.text()
    );
}
