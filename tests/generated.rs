//! The committed shell completions (`completions/`) and man pages (`man/`)
//! are rendered here from the clap definition, and must match it byte for
//! byte. `OLLAMA_RS_REGENERATE=1 cargo test generated` rewrites them.
//!
//! The completion scripts are the registration scripts of clap_complete's
//! dynamic completion: they call `COMPLETE=<shell> ollama-rs -- <words>`,
//! which answers from the binary's own `Cli`, so model names come from the
//! server. The tests below also run those requests against the built binary.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use clap::CommandFactory;
use clap_complete::env::EnvCompleter;
use clap_mangen::roff::{bold, roman, Roff};
use clap_mangen::Man;

#[path = "../src/cli/mod.rs"]
// What only the program uses of it is unused here.
#[allow(dead_code, unused_imports)]
mod cli;

/// The list of environment variables, where `cli.rs` finds it
/// (`super::settings::environment`).
mod settings {
    pub(super) use super::environment;
}

#[path = "../src/settings/environment.rs"]
#[allow(dead_code)]
mod environment;

use environment::ENVIRONMENT;

/// The variable that turns the binary into a completion engine
/// (clap_complete's default, as used by `CompleteEnv` in `main`).
const COMPLETE_VAR: &str = "COMPLETE";

/// The directories holding generated files, relative to the crate root.
const GENERATED_DIRS: [&str; 2] = ["completions", "man"];

/// Where each of clap_complete's shells has its script, named as
/// `clap_complete::Shell::file_name` names them.
fn completion_file(shell: &str, bin: &str) -> String {
    match shell {
        "bash" => format!("{bin}.bash"),
        "elvish" => format!("{bin}.elv"),
        "fish" => format!("{bin}.fish"),
        "powershell" => format!("_{bin}.ps1"),
        "zsh" => format!("_{bin}"),
        other => panic!("no file name for the completions of `{other}`: add one here"),
    }
}

/// Every generated file, by path relative to the crate root.
fn render_all() -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut cmd = cli::Cli::command().disable_help_subcommand(true);
    cmd.build();

    let name = cmd.get_name().to_owned();
    let bin = cmd.get_bin_name().unwrap_or(&name).to_owned();
    for shell in cli::complete::SHELLS.iter() {
        files.insert(
            Path::new("completions").join(completion_file(shell.name(), &bin)),
            registration(shell, &name, &bin),
        );
    }

    // Every page names the program and its version in the footer.
    let source = format!("{name} {}", cmd.get_version().unwrap_or_default());
    render_man_pages(&cmd, &source, true, &mut files);
    files
}

/// What `COMPLETE=<shell> ollama-rs` prints when `ollama-rs` is run from
/// `PATH` (an absolute path would make the scripts depend on the machine).
fn registration(shell: &dyn EnvCompleter, name: &str, bin: &str) -> Vec<u8> {
    let mut buf = Vec::new();
    shell
        .write_registration(COMPLETE_VAR, name, bin, bin, &mut buf)
        .expect("writing to a Vec");
    buf
}

/// The man pages of `cmd` and of its visible subcommands.
fn render_man_pages(
    cmd: &clap::Command,
    source: &str,
    root: bool,
    files: &mut BTreeMap<PathBuf, Vec<u8>>,
) {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render_man_pages(sub, source, false, files);
    }
    let man = Man::new(cmd.clone()).source(source);
    let mut page = Vec::new();
    page.extend(section(|w| man.render_title(w)));
    page.extend(section(|w| man.render_name_section(w)));
    page.extend(section(|w| man.render_synopsis_section(w)));
    page.extend(section(|w| man.render_description_section(w)));
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        page.extend(section(|w| man.render_options_section(w)));
    }
    if cmd.get_subcommands().any(|s| !s.is_hide_set()) {
        page.extend(section(|w| man.render_subcommands_section(w)));
    }
    let mut roff = Roff::new();
    if root {
        // `after_long_help` is the exit-status table; `after_help` only
        // points to `--help`, which the SUBCOMMANDS section replaces.
        exit_status_section(&mut roff);
        environment_section(&mut roff);
    } else if let Some(text) = cmd.get_after_help() {
        examples_section(&mut roff, &text.to_string());
    }
    page.extend(section(|w| roff.to_writer(w)));
    page.extend(section(|w| man.render_version_section(w)));
    if !root {
        let mut roff = Roff::new();
        roff.control("SH", ["SEE ALSO"]);
        roff.text([bold("ollama-rs"), roman("(1)")]);
        page.extend(section(|w| roff.to_writer(w)));
    }
    files.insert(Path::new("man").join(man.get_filename()), page);
}

/// One rendered part of a page. Each part starts with roff's two-line
/// apostrophe preamble; only the title keeps it.
fn section(render: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> Vec<u8> {
    let mut buf = Vec::new();
    render(&mut buf).expect("writing to a Vec");
    let preamble = Roff::new().render();
    let is_title = buf[preamble.len()..].starts_with(b".TH ");
    if is_title {
        buf
    } else {
        buf.split_off(preamble.len())
    }
}

/// `EXIT STATUS`, from [`cli::EXIT_STATUS_HELP`]: a heading line, then a
/// status and its meaning per entry, meanings continued on indented lines.
fn exit_status_section(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in cli::EXIT_STATUS_HELP.lines().skip(1) {
        let line = line.trim();
        match line.split_once(char::is_whitespace) {
            Some((code, text)) if code.bytes().all(|b| b.is_ascii_digit()) => {
                entries.push((code.to_owned(), text.trim().to_owned()));
            }
            _ => {
                let (_, text) = entries
                    .last_mut()
                    .expect("EXIT_STATUS_HELP starts with a status after its heading");
                text.push(' ');
                text.push_str(line);
            }
        }
    }
    for (code, text) in entries {
        roff.control("TP", []);
        roff.text([bold(code)]);
        roff.text([roman(text)]);
    }
}

/// `ENVIRONMENT`, from the command line's own list, [`ENVIRONMENT`].
fn environment_section(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    for v in ENVIRONMENT {
        roff.control("TP", []);
        roff.text([bold(v.name)]);
        roff.text([roman(v.about)]);
    }
}

/// `EXAMPLES`, from a subcommand's `after_help` ("Examples:" and indented
/// command lines), kept as typed.
fn examples_section(roff: &mut Roff, text: &str) {
    let mut lines = text.lines();
    let heading = lines.next().unwrap_or_default();
    assert!(
        heading.starts_with("Example"),
        "after_help of a subcommand should start with `Examples:`, found `{heading}`"
    );
    roff.control("SH", ["EXAMPLES"]);
    roff.control("RS", ["4"]);
    roff.control("nf", []);
    for line in lines {
        roff.text([roman(line.strip_prefix("  ").unwrap_or(line))]);
    }
    roff.control("fi", []);
    roff.control("RE", []);
}

/// The files now in the generated directories (relative paths), with
/// subdirectories listed as entries of their own.
fn committed_files(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut found = BTreeMap::new();
    for dir in GENERATED_DIRS {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.expect("listing a generated directory");
            let rel = Path::new(dir).join(entry.file_name());
            let content = if entry.file_type().expect("file type").is_dir() {
                None
            } else {
                Some(std::fs::read(entry.path()).expect("reading a generated file"))
            };
            found.insert(rel, content);
        }
    }
    found
}

/// Where two versions of a file first differ, for the failure message.
fn first_difference(expected: &[u8], found: &[u8]) -> String {
    let expected = String::from_utf8_lossy(expected);
    let found = String::from_utf8_lossy(found);
    let (mut e, mut f) = (expected.split('\n'), found.split('\n'));
    for n in 1.. {
        match (e.next(), f.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (a, b) => {
                return format!(
                    "line {n}: expected {:?}, found {:?}",
                    a.unwrap_or("<end of file>"),
                    b.unwrap_or("<end of file>")
                )
            }
        }
    }
    unreachable!()
}

#[test]
fn generated_files_are_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let expected = render_all();
    let committed = committed_files(root);
    let regenerate =
        std::env::var_os("OLLAMA_RS_REGENERATE").is_some_and(|v| !v.is_empty() && v != "0");

    let mut problems = Vec::new();
    for (path, content) in &expected {
        match committed.get(path) {
            Some(Some(found)) if found == content => {}
            found => {
                if regenerate {
                    std::fs::create_dir_all(root.join(path.parent().unwrap())).unwrap();
                    std::fs::write(root.join(path), content).unwrap();
                } else if let Some(Some(found)) = found {
                    let diff = first_difference(content, found);
                    problems.push(format!("{} is stale ({diff})", path.display()));
                } else {
                    problems.push(format!("{} is missing", path.display()));
                }
            }
        }
    }
    for (path, content) in &committed {
        if expected.contains_key(path) {
            continue;
        }
        if regenerate {
            match content {
                Some(_) => std::fs::remove_file(root.join(path)).unwrap(),
                None => std::fs::remove_dir_all(root.join(path)).unwrap(),
            }
        } else {
            problems.push(format!(
                "{} is not generated any more; delete it",
                path.display()
            ));
        }
    }

    assert!(
        problems.is_empty(),
        "the completions and man pages do not match the command line:\n  {}\n\
         Run `OLLAMA_RS_REGENERATE=1 cargo test generated` to regenerate them.",
        problems.join("\n  ")
    );
}

#[test]
fn the_root_man_page_has_exit_statuses_and_environment() {
    let files = render_all();
    let page = String::from_utf8(files[Path::new("man/ollama-rs.1")].clone()).unwrap();
    assert!(page.contains("\n.SH \"EXIT STATUS\"\n"), "{page}");
    for code in ["0", "1", "2", "3", "4", "5", "130"] {
        assert!(page.contains(&format!("\n.TP\n\\fB{code}\\fR\n")), "{code}");
    }
    assert!(page.contains("\n.SH ENVIRONMENT\n"));
    for v in ENVIRONMENT {
        assert!(page.contains(&format!("\\fB{}\\fR", v.name)), "{}", v.name);
    }
    for sub in ["pull", "chat", "version"] {
        let name = format!("man/ollama-rs-{sub}.1");
        assert!(files.contains_key(Path::new(&name)), "{name}");
    }
}

/// Every `.rs` file under `dir`, with its path.
fn rust_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("listing src") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("reading a source file");
                out.push((path, text));
            }
        }
    }
    out.sort();
    out
}

/// The names in `var("NAME")` and `var_os("NAME")` calls of a source text.
fn variables_read(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for call in ["var(\"", "var_os(\""] {
        for (at, _) in text.match_indices(call) {
            let rest = &text[at + call.len()..];
            if let Some(end) = rest.find('"') {
                names.push(rest[..end].to_owned());
            }
        }
    }
    names
}

#[test]
fn every_environment_variable_of_the_cli_is_documented() {
    let documented = |name: &OsStr| {
        ENVIRONMENT
            .iter()
            .any(|v| v.reads.iter().any(|r| OsStr::new(r) == name))
    };
    // Those clap reads for options.
    let mut cmd = cli::Cli::command();
    cmd.build();
    let mut stack = vec![&cmd];
    while let Some(c) = stack.pop() {
        for arg in c.get_arguments() {
            if let Some(env) = arg.get_env() {
                assert!(
                    documented(env),
                    "{env:?} (of --{}) is missing from ENVIRONMENT",
                    arg.get_id()
                );
            }
        }
        stack.extend(c.get_subcommands());
    }
    // Those the settings read themselves.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (path, text) in rust_files(&src.join("settings")) {
        for name in variables_read(&text) {
            assert!(
                documented(OsStr::new(&name)),
                "{name} (read in {}) is missing from ENVIRONMENT",
                path.display()
            );
        }
    }
    // The completion engine's.
    assert!(documented(OsStr::new(COMPLETE_VAR)));
}

#[test]
fn only_the_settings_read_the_environment_and_the_terminal() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let settings = src.join("settings");
    let reads = [
        "env::var",
        "var_os(",
        "dirs::",
        "is_terminal()",
        "Term::stdout()",
    ];
    for (path, text) in rust_files(&src) {
        if path.starts_with(&settings) {
            continue;
        }
        // Unit tests may look at the real environment.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for read in reads {
            assert!(
                !code.contains(read),
                "{} uses `{read}`: the environment and the terminal are read in src/settings/ only",
                path.display()
            );
        }
    }
}

/// The binary prints the committed registration scripts when run as
/// `COMPLETE=<shell> ollama-rs` from `PATH`.
#[cfg(unix)]
#[test]
fn the_binary_prints_the_rendered_scripts() {
    use std::os::unix::process::CommandExt;

    let files = render_all();
    for shell in cli::complete::SHELLS.iter() {
        let out = Command::new(env!("CARGO_BIN_EXE_ollama-rs"))
            .arg0("ollama-rs")
            .env(COMPLETE_VAR, shell.name())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", shell.name());
        let path = Path::new("completions").join(completion_file(shell.name(), "ollama-rs"));
        assert!(
            out.stdout == files[&path],
            "`COMPLETE={} ollama-rs` differs from {}",
            shell.name(),
            path.display()
        );
    }
}

/// Asks the binary, as bash would, for the completions of the last word of
/// `line` (`ollama-rs` first), with the server at `host`.
fn complete_bash(line: &[&str], host: &str) -> (Output, Duration) {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_ollama-rs"))
        .env(COMPLETE_VAR, "bash")
        .env("_CLAP_COMPLETE_INDEX", (line.len() - 1).to_string())
        .env("_CLAP_IFS", "\n")
        .env("OLLAMA_HOST", host)
        .env_remove("OLLAMA_API_KEY")
        .arg("--")
        .args(line)
        .output()
        .unwrap();
    (out, start.elapsed())
}

/// The candidates that are not options.
fn values(out: &Output) -> Vec<String> {
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .split('\n')
        .filter(|c| !c.is_empty() && !c.starts_with('-'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn model_completion_offers_nothing_when_the_server_is_down() {
    let host = format!("127.0.0.1:{}", crate::harness::closed_port());
    let (out, took) = complete_bash(&["ollama-rs", "show", ""], &host);
    assert_eq!(values(&out), Vec::<String>::new());
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn model_completion_gives_up_on_a_silent_server() {
    // Connections are queued by the kernel but never answered.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let host = listener.local_addr().unwrap().to_string();
    let (out, took) = complete_bash(&["ollama-rs", "show", "ll"], &host);
    assert_eq!(values(&out), Vec::<String>::new());
    assert!(
        cli::complete::MODEL_COMPLETION_TIMEOUT <= took && took < Duration::from_secs(5),
        "took {took:?}"
    );
}

const TAGS: &str = r#"{"models":[
{"name":"llama3.2:latest","model":"llama3.2:latest","size":2019393189,"digest":"a80c4f17acd5"},
{"name":"all-minilm:latest","model":"all-minilm:latest","size":45960996,"digest":"1b226e2802db"},
{"name":"llava:7b","model":"llava:7b","size":4733363377,"digest":"8dd30f6b0cb1"}]}"#;

/// A server on 127.0.0.1 answering every request with [`TAGS`] until
/// stopped; it records each request line.
struct TagsServer {
    addr: String,
    stop: Arc<AtomicBool>,
    thread: Option<thread::JoinHandle<Vec<String>>>,
}

impl TagsServer {
    fn start() -> TagsServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = thread::spawn({
            let stop = stop.clone();
            move || {
                let mut requests = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => requests.extend(answer(stream).ok()),
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
                requests
            }
        });
        TagsServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the server and returns the request lines it answered.
    fn finish(mut self) -> Vec<String> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for TagsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request's head and answers with [`TAGS`]; returns the request line.
fn answer(stream: TcpStream) -> io::Result<String> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" {
            break;
        }
    }
    write!(
        &stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{TAGS}",
        TAGS.len()
    )?;
    Ok(request_line.trim_end().to_owned())
}

#[test]
fn model_completion_asks_the_host_given_on_the_line() {
    let server = TagsServer::start();
    let down = format!("127.0.0.1:{}", crate::harness::closed_port());
    for line in [
        vec!["ollama-rs", "--host", &server.addr, "show", "ll"],
        vec!["ollama-rs", "show", "--host", &server.addr, "ll"],
    ] {
        let (out, _) = complete_bash(&line, &down);
        assert_eq!(values(&out), ["llama3.2:latest", "llava:7b"], "{line:?}");
    }
    assert_eq!(server.finish().len(), 2);
}

#[test]
fn model_arguments_complete_with_the_local_models() {
    let server = TagsServer::start();
    let lines: [&[&str]; 12] = [
        &["generate", "ll"],
        &["chat", "ll"],
        &["run", "ll"],
        &["embed", "ll"],
        &["show", "--verbose", "ll"],
        &["push", "ll"],
        &["create", "ll"],
        &["create", "new", "--from", "ll"],
        &["cp", "ll"],
        &["rm", "old", "ll"],
        &["stop", "ll"],
        &["pull", "ll"],
    ];
    for line in lines {
        let line = [&["ollama-rs"], line].concat();
        let (out, _) = complete_bash(&line, &server.addr);
        assert_eq!(values(&out), ["llama3.2:latest", "llava:7b"], "{line:?}");
    }
    // Other arguments do not ask the server.
    let (out, _) = complete_bash(&["ollama-rs", "cp", "llama3.2", "ll"], &server.addr);
    assert_eq!(values(&out), Vec::<String>::new());

    let requests = server.finish();
    assert_eq!(requests.len(), lines.len());
    assert!(
        requests.iter().all(|r| r == "GET /api/tags HTTP/1.1"),
        "{requests:?}"
    );
}
