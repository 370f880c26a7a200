//! The progress display drawn to buffers and virtual terminals: plain
//! lines, JSON, bars, and what each leaves behind.

use super::*;
use indicatif::InMemoryTerm;

fn line(status: &str) -> ProgressResponse {
    let mut r = ProgressResponse::default();
    r.status = status.into();
    r
}

fn layer(status: &str, digest: &str, total: u64, completed: u64) -> ProgressResponse {
    let mut r = line(status);
    r.digest = Some(digest.into());
    r.total = Some(total);
    r.completed = Some(completed);
    r
}

const D1: &str = "sha256:8eeb52dfb3bb9aefdf9d1ef24b3bdbcfbe82238798c4b918278320b6fcef18fe";
const D2: &str = "sha256:e3b2721cec511e3a627ae0993753abbf5c72cdf4cfcdbc8f5c33ce15c4c4e04b";

fn plain(label_by_digest: bool) -> (Progress, Arc<Mutex<Vec<u8>>>) {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let p = Progress::build(
        Style::Plain,
        label_by_digest,
        (ProgressDrawTarget::hidden(), 80),
        None,
        Sink::Buffer(buf.clone()),
        Sink::Buffer(Arc::new(Mutex::new(Vec::new()))),
    );
    (p, buf)
}

fn text(buf: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8(lock(buf).clone()).unwrap()
}

#[test]
fn resolve_follows_the_terminal() {
    use ProgressMode as M;
    // On a terminal that can draw.
    assert_eq!(Style::decide(M::Auto, false, true, true), Style::Bars);
    assert_eq!(Style::decide(M::Bars, false, true, true), Style::Bars);
    assert_eq!(Style::decide(M::Plain, false, true, true), Style::Plain);
    assert_eq!(Style::decide(M::None, false, true, true), Style::Quiet);
    // A dumb terminal: lines, since it cannot redraw.
    assert_eq!(Style::decide(M::Auto, false, true, false), Style::Plain);
    assert_eq!(Style::decide(M::Bars, false, true, false), Style::Plain);
    assert_eq!(Style::decide(M::None, false, true, false), Style::Quiet);
    // Off a terminal: only the outcome by default; bars fall back to
    // plain lines, never escapes.
    assert_eq!(Style::decide(M::Auto, false, false, false), Style::Quiet);
    assert_eq!(Style::decide(M::Bars, false, false, false), Style::Plain);
    assert_eq!(Style::decide(M::Plain, false, false, false), Style::Plain);
    assert_eq!(Style::decide(M::None, false, false, false), Style::Quiet);
    // --json wins over everything.
    for m in [M::Auto, M::Bars, M::Plain, M::None] {
        assert_eq!(Style::decide(m, true, true, true), Style::Json);
        assert_eq!(Style::decide(m, true, false, false), Style::Json);
    }
}

#[test]
fn plain_lines_are_throttled_per_layer() {
    let (mut p, buf) = plain(true);
    let t0 = Instant::now();
    let at = |ms: u64| t0 + Duration::from_millis(ms);
    let gb = 1_000_000_000;
    p.update_at(&line("pulling manifest"), at(0)).unwrap();
    // Early line without a size: nothing yet.
    p.update_at(
        &{
            let mut r = line("pulling 8eeb52dfb3bb");
            r.digest = Some(D1.into());
            r
        },
        at(0),
    )
    .unwrap();
    // Pull shows a layer once bytes move.
    p.update_at(&layer("pulling 8eeb52dfb3bb", D1, 2_700_000_000, 0), at(0))
        .unwrap();
    p.update_at(
        &layer("pulling 8eeb52dfb3bb", D1, 2_700_000_000, gb / 2),
        at(500),
    )
    .unwrap();
    // Another layer has its own clock.
    p.update_at(&layer("pulling e3b2721cec51", D2, 102, 102), at(600))
        .unwrap();
    // Within a second of the last line: not printed.
    p.update_at(
        &layer("pulling 8eeb52dfb3bb", D1, 2_700_000_000, 1_000_000_000),
        at(1_000),
    )
    .unwrap();
    p.update_at(
        &layer("pulling 8eeb52dfb3bb", D1, 2_700_000_000, 1_215_000_000),
        at(1_500),
    )
    .unwrap();
    p.update_at(
        &layer("pulling 8eeb52dfb3bb", D1, 2_700_000_000, 2_000_000_000),
        at(1_600),
    )
    .unwrap();
    // Completion is always printed, once.
    p.update_at(
        &layer("pulling 8eeb52dfb3bb", D1, 2_700_000_000, 2_700_000_000),
        at(1_700),
    )
    .unwrap();
    p.update_at(
        &layer("pulling 8eeb52dfb3bb", D1, 2_700_000_000, 2_700_000_000),
        at(3_000),
    )
    .unwrap();
    p.update_at(&line("verifying sha256 digest"), at(3_000))
        .unwrap();
    p.update_at(&line("verifying sha256 digest"), at(3_100))
        .unwrap();
    p.update_at(&line("writing manifest"), at(3_200)).unwrap();
    p.update_at(&line("success"), at(3_300)).unwrap();
    assert_eq!(
        text(&buf),
        "pulling manifest\n\
         pulling 8eeb52dfb3bb: 18% (500 MB/2.7 GB)\n\
         pulling e3b2721cec51: 100% (102 B/102 B)\n\
         pulling 8eeb52dfb3bb: 45% (1.2 GB/2.7 GB, 715 MB/s)\n\
         pulling 8eeb52dfb3bb: 100% (2.7 GB/2.7 GB, 1.8 GB/s)\n\
         verifying sha256 digest\n\
         writing manifest\n\
         success\n"
    );
}

#[test]
fn plain_push_and_create_label_with_the_status() {
    let (mut p, buf) = plain(false);
    let t0 = Instant::now();
    p.update_at(&line("retrieving manifest"), t0).unwrap();
    p.update_at(&layer("pushing 8eeb52dfb3bb", D1, 482_944, 482_944), t0)
        .unwrap();
    p.update_at(
        &layer(
            "quantizing F16 model to Q4_K_M",
            "0000000000000000000",
            3000,
            1000,
        ),
        t0,
    )
    .unwrap();
    p.update_at(&line("pushing manifest"), t0).unwrap();
    assert_eq!(
        text(&buf),
        "retrieving manifest\n\
         pushing 8eeb52dfb3bb: 100% (482 KB/482 KB)\n\
         quantizing F16 model to Q4_K_M: 33% (1 KB/3 KB)\n\
         pushing manifest\n"
    );
}

#[test]
fn plain_file_tasks() {
    let (p, buf) = plain(false);
    let f = p.file_task("model.gguf");
    f.hashing(0, 2_000);
    f.hashing(1_000, 2_000);
    f.hashing(2_000, 2_000);
    f.uploading(2_000, 2_000);
    let g = p.file_task("config.json");
    g.hashing(10, 10);
    g.exists();
    let out = text(&buf);
    assert!(
        out.starts_with("hashing model.gguf: 0% (0 B/2 KB)\n"),
        "{out}"
    );
    assert!(out.contains("hashing model.gguf: 100% (2 KB/2 KB"), "{out}");
    assert!(
        out.contains("uploading model.gguf: 100% (2 KB/2 KB"),
        "{out}"
    );
    assert!(!out.contains("50%"), "throttled: {out}");
    assert!(
        out.ends_with("using existing blob for config.json\n"),
        "{out}"
    );
}

#[test]
fn json_echoes_each_object() {
    let out = Arc::new(Mutex::new(Vec::new()));
    let mut p = Progress::build(
        Style::Json,
        true,
        (ProgressDrawTarget::hidden(), 80),
        None,
        Sink::Buffer(Arc::new(Mutex::new(Vec::new()))),
        Sink::Buffer(out.clone()),
    );
    p.update(&line("pulling manifest")).unwrap();
    p.update(&layer("pulling 8eeb52dfb3bb", D1, 10, 5)).unwrap();
    p.error_line("boom").unwrap();
    assert_eq!(
        text(&out),
        format!(
            "{{\"status\":\"pulling manifest\"}}\n\
             {{\"status\":\"pulling 8eeb52dfb3bb\",\"digest\":\"{D1}\",\"total\":10,\"completed\":5}}\n\
             {{\"error\":\"boom\"}}\n"
        )
    );
}

fn bars(label_by_digest: bool) -> (Progress, InMemoryTerm) {
    bars_on(label_by_digest, 100)
}

fn bars_on(label_by_digest: bool, cols: u16) -> (Progress, InMemoryTerm) {
    let term = InMemoryTerm::new(12, cols);
    let p = Progress::build(
        Style::Bars,
        label_by_digest,
        (
            ProgressDrawTarget::term_like(Box::new(term.clone())),
            cols.into(),
        ),
        None,
        Sink::Buffer(Arc::new(Mutex::new(Vec::new()))),
        Sink::Buffer(Arc::new(Mutex::new(Vec::new()))),
    );
    (p, term)
}

/// The screen, without the spinner glyph that a background tick may
/// have changed.
fn screen(term: &InMemoryTerm) -> Vec<String> {
    term.contents()
        .lines()
        .map(|l| {
            let l = l.trim_end();
            match l.strip_suffix(|c: char| !c.is_ascii() && !"▏█".contains(c)) {
                Some(rest) if !l.contains('▕') => rest.trim_end().to_string(),
                _ => l.to_string(),
            }
        })
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bars_hear_of_bytes_at_most_every_50ms_and_always_of_the_end() {
    let (mut p, _term) = bars(true);
    let d = "sha256:8de0a46aec066cc648cf6c4bc0fdf6bc71b618feb0d30689d0d323fe49f61998";
    let t0 = Instant::now();
    let pos = |p: &Progress| p.inner.lock().unwrap().bars.get(d).map(|b| b.position());
    p.update_at(&layer("pulling 8de0a46aec06", d, 100, 10), t0)
        .unwrap();
    assert_eq!(pos(&p), Some(10));
    p.update_at(
        &layer("pulling 8de0a46aec06", d, 100, 20),
        t0 + Duration::from_millis(10),
    )
    .unwrap();
    assert_eq!(pos(&p), Some(10));
    p.update_at(
        &layer("pulling 8de0a46aec06", d, 100, 30),
        t0 + Duration::from_millis(60),
    )
    .unwrap();
    assert_eq!(pos(&p), Some(30));
    p.update_at(
        &layer("pulling 8de0a46aec06", d, 100, 100),
        t0 + Duration::from_millis(61),
    )
    .unwrap();
    assert_eq!(pos(&p), Some(100));
    p.clear();
}

#[test]
fn bars_draw_layers_and_statuses_then_clear() {
    let (mut p, term) = bars(true);
    p.update(&line("pulling manifest")).unwrap();
    // Not shown until bytes move.
    p.update(&layer("pulling 8eeb52dfb3bb", D1, 2_700_000_000, 0))
        .unwrap();
    assert_eq!(screen(&term), ["pulling manifest"]);
    p.update(&layer(
        "pulling 8eeb52dfb3bb",
        D1,
        2_700_000_000,
        1_215_000_000,
    ))
    .unwrap();
    p.update(&layer("pulling e3b2721cec51", D2, 102, 102))
        .unwrap();
    let s = screen(&term);
    assert_eq!(s.len(), 3, "{s:?}");
    assert_eq!(s[0], "pulling manifest");
    assert!(s[1].starts_with("pulling 8eeb52dfb3bb:  45% ▕"), "{s:?}");
    assert!(s[1].contains("▏     1.2 GB/2.7 GB"), "{s:?}");
    assert!(s[1].contains('█'), "{s:?}");
    // A complete layer is finished: full bar, its size, no speed.
    assert!(s[2].starts_with("pulling e3b2721cec51: 100% ▕█"), "{s:?}");
    assert!(s[2].ends_with("█▏             102 B"), "{s:?}");
    p.update(&line("verifying sha256 digest")).unwrap();
    p.update(&line("writing manifest")).unwrap();
    let s = screen(&term);
    assert_eq!(&s[3..], ["verifying sha256 digest", "writing manifest"]);
    p.update(&line("success")).unwrap();
    p.clear();
    assert_eq!(screen(&term), Vec::<String>::new(), "cleared");
    // Nothing draws after clearing.
    p.update(&line("late")).unwrap();
    p.file_task("x").hashing(1, 2);
    assert_eq!(term.contents().trim(), "");
}

#[test]
fn after_success_the_bars_statuses_and_success_stay() {
    let (mut p, term) = bars(true);
    p.update(&line("pulling manifest")).unwrap();
    p.update(&layer(
        "pulling 8eeb52dfb3bb",
        D1,
        2_700_000_000,
        2_700_000_000,
    ))
    .unwrap();
    p.update(&layer("pulling e3b2721cec51", D2, 102, 102))
        .unwrap();
    p.update(&line("verifying sha256 digest")).unwrap();
    p.update(&line("writing manifest")).unwrap();
    p.update(&line("success")).unwrap();
    p.end(true);
    let s = screen(&term);
    assert_eq!(s.len(), 6, "{s:?}");
    assert_eq!(s[0], "pulling manifest");
    assert!(s[1].starts_with("pulling 8eeb52dfb3bb: 100% ▕█"), "{s:?}");
    assert!(s[1].ends_with("█▏            2.7 GB"), "{s:?}");
    assert!(s[2].ends_with("█▏             102 B"), "{s:?}");
    assert_eq!(
        &s[3..],
        ["verifying sha256 digest", "writing manifest", "success"]
    );
    // Dropping it clears nothing.
    drop(p);
    assert_eq!(screen(&term).len(), 6);
}

#[test]
fn a_failure_clears_what_was_drawn() {
    let (mut p, term) = bars(true);
    p.update(&line("pulling manifest")).unwrap();
    p.update(&layer("pulling 8eeb52dfb3bb", D1, 100, 50))
        .unwrap();
    p.end(false);
    assert_eq!(screen(&term), Vec::<String>::new());
}

#[test]
fn bars_fit_the_width_down_to_40_columns() {
    for cols in [40u16, 50, 60, 72, 80, 120] {
        let (mut p, term) = bars_on(true, cols);
        p.update(&line("pulling manifest")).unwrap();
        p.update(&layer(
            "pulling 8eeb52dfb3bb",
            D1,
            2_700_000_000,
            1_000_000_000,
        ))
        .unwrap();
        p.update(&layer("pulling e3b2721cec51", D2, 102, 102))
            .unwrap();
        let s = screen(&term);
        // One row each: nothing wrapped.
        assert_eq!(s.len(), 3, "{cols} columns: {s:?}");
        for row in &s[1..] {
            assert!(row.chars().count() <= cols as usize, "{cols}: {row:?}");
            assert!(row.contains("▕█"), "{cols}: a bar is drawn: {row:?}");
        }
        // The sizes go when there is no room for them, never the bar.
        assert_eq!(s[1].contains("GB"), cols >= 57, "{cols}: {:?}", s[1]);
        p.end(false);
    }
    // A label too long for the narrowest form is cut.
    let (mut p, term) = bars_on(false, 40);
    let f = p.file_task("a-very-long-model-file-name-indeed.gguf");
    f.hashing(5, 10);
    let s = screen(&term);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].starts_with("hashing a-very-long-…:  50% ▕"), "{s:?}");
    assert!(s[0].chars().count() <= 40, "{s:?}");
    p.end(false);
}

#[test]
fn bars_label_push_and_create_with_the_status_and_files_by_name() {
    let (mut p, term) = bars(false);
    let f = p.file_task("model.gguf");
    f.hashing(500_000, 1_000_000);
    f.hashing(1_000_000, 1_000_000);
    f.uploading(250_000, 1_000_000);
    p.update(&layer(
        "quantizing F16 model to Q4_K_M",
        "0000000000000000000",
        3000,
        1000,
    ))
    .unwrap();
    let s = screen(&term);
    assert!(s[0].starts_with("hashing model.gguf: 100% ▕"), "{s:?}");
    assert!(s[0].ends_with("1 MB"), "{s:?}");
    assert!(s[1].starts_with("uploading model.gguf:  25% ▕"), "{s:?}");
    assert!(s[1].contains("250 KB/1 MB"), "{s:?}");
    assert!(
        s[2].starts_with("quantizing F16 model to Q4_K_M:  33% ▕"),
        "{s:?}"
    );
    drop(p);
    assert_eq!(term.contents().trim(), "", "dropping clears");
}

#[test]
fn activity_stacks() {
    assert_eq!(Activity::current(), None);
    {
        let _a = Activity::begin("creating `x`");
        {
            let _b = Activity::begin("uploading `model.gguf`");
            assert_eq!(
                Activity::current().as_deref(),
                Some("uploading `model.gguf`")
            );
        }
        assert_eq!(Activity::current().as_deref(), Some("creating `x`"));
    }
    assert_eq!(Activity::current(), None);
}

#[test]
fn short_forms() {
    assert_eq!(short_digest(D1), "8eeb52dfb3bb");
    assert_eq!(short_digest("sha256:model"), "model");
    assert_eq!(short_duration(Duration::from_secs(42)), "42s");
    assert_eq!(short_duration(Duration::from_secs(192)), "3m12s");
    assert_eq!(short_duration(Duration::from_secs(3900)), "1h05m");
    assert_eq!(percent(1_215_000_000, 2_700_000_000), 45);
    assert_eq!(percent(5, 0), 100);
}
