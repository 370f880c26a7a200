//! Tests of the reply renderer.

use super::*;

fn style(layout: Layout, thinking_on_stdout: bool) -> ReplyStyle {
    ReplyStyle {
        layout,
        wrap: None,
        hide_thinking: false,
        thinking_on_stdout,
        dim_stdout: false,
        dim_stderr: false,
        markdown: None,
        record_cursor: [false; 2],
    }
}

/// What a renderer writes to stdout and stderr for these steps.
fn draw(style: ReplyStyle, steps: &[(&str, &str)]) -> (String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut r = Renderer::new(style, &mut out, &mut err);
    for (kind, text) in steps {
        match *kind {
            "think" => r.thinking(text).unwrap(),
            "text" => r.content(text).unwrap(),
            _ => unreachable!(),
        }
    }
    r.finish().unwrap();
    drop(r);
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn thinking_between_markers_on_stdout() {
    let steps = [("think", "hmm"), ("think", " so"), ("text", "Yes")];
    let want = "Thinking...\nhmm so\n...done thinking.\n\nYes\n";
    for layout in [Layout::Stream, Layout::Session] {
        assert_eq!(draw(style(layout, true), &steps), (want.into(), "".into()));
    }
}

#[test]
fn thinking_on_stderr_leaves_stdout_the_answer() {
    let steps = [("think", "hmm"), ("text", "Yes")];
    assert_eq!(
        draw(style(Layout::Stream, false), &steps),
        ("Yes\n".into(), "hmm\n".into())
    );
}

#[test]
fn a_stream_ending_in_dimmed_thinking_gets_one_more_newline() {
    let mut s = style(Layout::Stream, true);
    s.dim_stdout = true;
    let (out, _) = draw(s, &[("think", "t\n")]);
    assert_eq!(
        out,
        "\u{1b}[2mThinking...\n\u{1b}[0m\u{1b}[2mt\n\u{1b}[0m\
         \u{1b}[2m...done thinking.\n\n\u{1b}[0m\n"
    );
    let mut s = style(Layout::Session, true);
    s.dim_stdout = true;
    let (out, _) = draw(s, &[("think", "t\n")]);
    assert!(out.ends_with("...done thinking.\n\n\u{1b}[0m"), "{out:?}");
}

#[test]
fn thinking_after_text_starts_a_line_in_a_session_only() {
    let steps = [("text", "A"), ("think", "t"), ("text", "B")];
    assert_eq!(
        draw(style(Layout::Session, true), &steps).0,
        "A\nThinking...\nt\n...done thinking.\n\nB\n"
    );
    assert_eq!(
        draw(style(Layout::Stream, true), &steps).0,
        "AThinking...\nt\n...done thinking.\n\nB\n"
    );
}

#[test]
fn markdown_goes_through_the_markdown_renderer_and_ends_its_line() {
    for layout in [Layout::Stream, Layout::Session] {
        let mut s = style(layout, true);
        s.markdown = Some(MarkdownStyle {
            color: false,
            wrap: None,
            columns: 80,
            rows: 24,
        });
        let (out, _) = draw(s, &[("think", "t\n"), ("text", "- a\n- b")]);
        assert!(
            out.starts_with("Thinking...\nt\n...done thinking.\n\n• a\n"),
            "{out:?}"
        );
        // The last line came raw, then was drawn when the reply ended.
        assert!(out.ends_with("- b\r\u{1b}[J• b\n"), "{out:?}");
    }
}

#[test]
fn an_open_line_is_recorded_for_the_interrupt_message() {
    let mut s = style(Layout::Stream, false);
    s.record_cursor = [true, true];
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut r = Renderer::new(s, &mut out, &mut err);
    r.thinking("hmm").unwrap();
    assert!(cursor::is_mid_line(Stream::Stderr));
    r.content("The sky is").unwrap();
    assert!(!cursor::is_mid_line(Stream::Stderr), "thinking ended");
    assert!(cursor::is_mid_line(Stream::Stdout));
    r.content(" blue.\n").unwrap();
    assert!(!cursor::is_mid_line(Stream::Stdout));
    r.content("More").unwrap();
    r.finish().unwrap();
    assert!(!cursor::is_mid_line(Stream::Stdout));
}
