//! The captures of the official `ollama` CLI (82–95) and of the requests it sends (97).

use super::{find_capture_file, read_text, MASKED_MODELS_DIR};

/// One command run from a CLI capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliRun {
    /// The command line without the `$ ` prompt, e.g. `ollama list`.
    pub command: String,
    /// Run on a terminal (output in `terminal_output`) rather than through pipes.
    pub terminal: bool,
    /// The `#` lines that belong to this run, verbatim.
    pub notes: Vec<String>,
    /// Exact stdout bytes (pipe runs).
    pub stdout: Vec<u8>,
    /// Exact stderr bytes (pipe runs).
    pub stderr: Vec<u8>,
    /// Exact bytes the terminal received, stdout and stderr interleaved, with the tty's CR-LF.
    pub terminal_output: Vec<u8>,
    /// Exit status of the command.
    pub exit_status: i32,
    /// An output holds the rewritten models directory (`/home/user/.ollama/models`, as in 85), so
    /// its length differs from the one the trailer gives.
    pub altered: bool,
}

/// The raw text of any capture file, e.g. `cli_capture("97")`.
pub fn cli_capture(name_prefix: &str) -> String {
    read_text(&find_capture_file(name_prefix).1)
}

/// The runs in a CLI output capture (82–95), with escapes decoded and the exact bytes restored.
/// Panics if the file does not have that layout or a length disagrees with its trailer line.
pub fn cli_runs(name_prefix: &str) -> Vec<CliRun> {
    let (stem, path) = find_capture_file(name_prefix);
    parse_cli(&stem, &read_text(&path))
}

/// A run as read from the file, output sections still escaped.
#[derive(Default)]
struct RawRun {
    command: String,
    terminal: bool,
    notes: Vec<String>,
    exit_status: Option<i32>,
    /// (section name as used by the trailer lines, raw text of its lines)
    sections: Vec<(&'static str, String)>,
    /// (section name, what its trailer line says)
    trailers: Vec<(String, String)>,
}

fn parse_cli(name: &str, text: &str) -> Vec<CliRun> {
    let mut runs: Vec<RawRun> = Vec::new();
    // Index into the current run's `sections` while inside an output section.
    let mut in_output: Option<usize> = None;
    let mut in_command_header = false;

    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if let Some(marker) = bare.strip_prefix("=== ") {
            in_output = None;
            if marker.starts_with("COMMAND") {
                runs.push(RawRun {
                    terminal: marker.contains("terminal"),
                    ..RawRun::default()
                });
                in_command_header = true;
                continue;
            }
            let run = runs
                .last_mut()
                .unwrap_or_else(|| panic!("{name}: {bare:?} before any === COMMAND"));
            let section = match marker {
                "STDOUT" => "stdout",
                "STDERR" => "stderr",
                "TERMINAL OUTPUT" => "terminal output",
                _ => {
                    if let Some(code) = marker.strip_prefix("EXIT STATUS ") {
                        run.exit_status = Some(
                            code.trim()
                                .parse()
                                .unwrap_or_else(|_| panic!("{name}: bad exit status {code:?}")),
                        );
                    } else if !in_command_header {
                        panic!("{name}: unexpected marker {bare:?}");
                    }
                    // Otherwise a continuation line of the COMMAND description.
                    continue;
                }
            };
            in_command_header = false;
            run.sections.push((section, String::new()));
            in_output = Some(run.sections.len() - 1);
            continue;
        }
        let Some(run) = runs.last_mut() else {
            continue; // the file's own header lines
        };
        if let Some(i) = in_output {
            run.sections[i].1.push_str(line);
        } else if let Some(cmd) = bare.strip_prefix("$ ") {
            run.command = cmd.to_owned();
        } else if bare.starts_with('#') {
            let trailer = bare
                .strip_prefix("# ")
                .and_then(|rest| rest.split_once(": "))
                .filter(|(which, _)| ["stdout", "stderr", "terminal output"].contains(which));
            match trailer {
                Some((which, what)) if run.exit_status.is_some() => {
                    run.trailers.push((which.to_owned(), what.to_owned()));
                }
                _ => run.notes.push(bare.to_owned()),
            }
        }
    }
    assert!(
        !runs.is_empty(),
        "{name}: no === COMMAND section (not a CLI output capture?)"
    );
    runs.into_iter().map(|r| finish_run(name, r)).collect()
}

/// Decodes each output section, using its trailer line to tell whether the last newline is real
/// (the file adds one before the next marker) and to check the decoded length.
fn finish_run(name: &str, raw: RawRun) -> CliRun {
    let cmd = &raw.command;
    let mut run = CliRun {
        command: raw.command.clone(),
        terminal: raw.terminal,
        notes: raw.notes,
        stdout: Vec::new(),
        stderr: Vec::new(),
        terminal_output: Vec::new(),
        exit_status: raw
            .exit_status
            .unwrap_or_else(|| panic!("{name}: `{cmd}` has no exit status")),
        altered: false,
    };
    for (section, text) in raw.sections {
        let what = raw
            .trailers
            .iter()
            .find(|(w, _)| w == section)
            .map(|(_, what)| what.as_str())
            .unwrap_or_else(|| panic!("{name}: `{cmd}` has no trailer line for its {section}"));
        let bytes = if what == "empty" {
            assert!(text.is_empty(), "{name}: `{cmd}` {section} should be empty");
            Vec::new()
        } else {
            let len: usize = what
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{name}: bad trailer {section}: {what}"));
            let text = text
                .strip_suffix('\n')
                .unwrap_or_else(|| panic!("{name}: `{cmd}` {section} not followed by a newline"));
            let mut bytes = unescape(name, text);
            if !what.contains("does NOT end with") {
                bytes.push(b'\n');
            }
            if String::from_utf8_lossy(&bytes).contains(MASKED_MODELS_DIR) {
                run.altered = true;
            } else {
                assert_eq!(
                    bytes.len(),
                    len,
                    "{name}: `{cmd}` {section} decodes to a different length than its trailer says"
                );
            }
            bytes
        };
        match section {
            "stdout" => run.stdout = bytes,
            "stderr" => run.stderr = bytes,
            _ => run.terminal_output = bytes,
        }
    }
    run
}

/// Decodes the file's escapes: `\x1b`/`\xNN`, `\r`, `\t`, `\\`. Other bytes are as they were.
fn unescape(name: &str, s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        match b.get(i + 1) {
            Some(b'r') => out.push(b'\r'),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex = s
                    .get(i + 2..i + 4)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .unwrap_or_else(|| panic!("{name}: bad \\x escape at byte {i}"));
                out.push(hex);
                i += 4;
                continue;
            }
            other => panic!(
                "{name}: unknown escape \\{:?} at byte {i}",
                other.map(|&c| c as char)
            ),
        }
        i += 2;
    }
    out
}
