//! Exit statuses and error reports: one place that looks at an error and
//! decides what the user reads and what the shell gets.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::OnceLock;

use ollama_rs::{Error, TlsProblem};

use crate::render::style;
use crate::settings::{Env, Settings};

/// Success.
pub const OK: u8 = 0;
/// The server reported an error or the operation failed.
pub const FAILED: u8 = 1;
/// Invalid command line or local input; nothing was sent.
pub const USAGE: u8 = 2;
/// The server could not be reached or did not answer in time.
pub const UNREACHABLE: u8 = 3;
/// The model does not exist.
pub const NOT_FOUND: u8 = 4;
/// Authentication or permission refused.
pub const AUTH: u8 = 5;
/// Interrupted by Ctrl-C.
pub const INTERRUPTED: u8 = 130;

/// Bad local input (a flag value, a file): exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Shorthand for a [`UsageError`] wrapped in `anyhow`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

/// The user pressed Ctrl-C.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Names the model an operation was about, for the "pull it" hint.
#[derive(Debug)]
pub struct ModelContext {
    /// What was being done, e.g. "could not show".
    pub action: String,
    /// The model.
    pub model: String,
}

impl std::fmt::Display for ModelContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} `{}`", self.action, self.model)
    }
}

/// What a failed pull of a missing model (the chat's automatic one) says
/// it could not do; the error report never hints to run that pull again.
pub const PULL_ACTION: &str = "could not pull";

/// Attaches "<action> `<model>`" to an error.
pub fn about_model<T>(
    r: Result<T, ollama_rs::Error>,
    action: &str,
    model: &str,
) -> anyhow::Result<T> {
    r.map_err(|e| {
        anyhow::Error::new(e).context(ModelContext {
            action: action.to_string(),
            model: model.to_string(),
        })
    })
}

/// Like [`ModelContext`], for an operation on an installed model (remove,
/// stop): there, pulling the model is no remedy, so no hint suggests it.
#[derive(Debug)]
pub struct LocalModelContext {
    /// What was being done, e.g. "could not remove".
    pub action: String,
    /// The model.
    pub model: String,
}

impl std::fmt::Display for LocalModelContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} `{}`", self.action, self.model)
    }
}

/// Attaches "<action> `<model>`" to an error about an installed model.
pub fn about_local_model<T>(
    r: Result<T, ollama_rs::Error>,
    action: &str,
    model: &str,
) -> anyhow::Result<T> {
    r.map_err(|e| {
        anyhow::Error::new(e).context(LocalModelContext {
            action: action.to_string(),
            model: model.to_string(),
        })
    })
}

/// The exit status for an error.
pub fn code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<Interrupted>().is_some() {
        return INTERRUPTED;
    }
    if is_broken_pipe(err) {
        return OK;
    }
    for cause in err.chain() {
        if cause.downcast_ref::<UsageError>().is_some() {
            return USAGE;
        }
        if let Some(e) = cause.downcast_ref::<Error>() {
            return library_code(e);
        }
        if cause.downcast_ref::<io::Error>().is_some() {
            return FAILED;
        }
    }
    FAILED
}

fn library_code(e: &Error) -> u8 {
    match e {
        _ if e.is_model_not_found() => NOT_FOUND,
        Error::Api {
            status: 401 | 403, ..
        } => AUTH,
        _ if proxy_refused_credentials(e) => AUTH,
        _ if answer_is_not_http(e) => UNREACHABLE,
        Error::Connect { .. } | Error::Timeout { .. } => UNREACHABLE,
        Error::InvalidRequest(_) | Error::Io { .. } => USAGE,
        _ => FAILED,
    }
}

/// Whether the error is a closed stdout (`ollama-rs list | head -1`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            // `serde_json::to_writer` wraps the write error, and its
            // `source()` skips the io::Error itself.
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
    })
}

/// The credentials this run was given (`-H` values that carry one,
/// `OLLAMA_API_KEY`, the host's password), set once the client is built.
static SECRETS: OnceLock<Vec<String>> = OnceLock::new();

/// Secrets shorter than this are not searched for: a one-letter password
/// would blank out every such letter of every message.
const SHORTEST_SECRET: usize = 4;

/// Registers the run's credentials, so that [`scrub`] removes them from
/// every error, warning and panic message, even when a server or a proxy
/// echoes them back. Only the first call counts.
pub fn set_secrets(secrets: Vec<String>) {
    let _ = SECRETS.set(searchable(secrets));
}

/// The secrets worth searching for, longest first (so that a secret that
/// contains another goes whole).
fn searchable(secrets: Vec<String>) -> Vec<String> {
    let mut secrets: Vec<String> = secrets
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| s.len() >= SHORTEST_SECRET)
        .collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    secrets
}

/// `text` with every registered secret replaced by `***`.
pub fn scrub(text: &str) -> String {
    scrub_with(text, SECRETS.get().map_or(&[], Vec::as_slice))
}

fn scrub_with(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
    }
    out
}

/// One line of text that is safe to print on a terminal: line breaks and
/// tabs become spaces, other control characters (a server's escape codes)
/// are shown escaped, and registered secrets are removed.
pub fn one_line(text: &str) -> String {
    scrub(&flatten(text))
}

fn flatten(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        match c {
            '\n' | '\r' | '\t' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Clap's report of a bad command line, as plain text, with the
/// documented `ollama-rs: error:` prefix instead of clap's `error:`; the
/// usage and tip lines after it are kept as clap wrote them.
pub fn clap_error(e: &clap::Error) -> String {
    // `render` gives the text with styles; its `Display` is plain.
    let text = e.render().to_string();
    match text.strip_prefix("error: ") {
        Some(rest) => format!("ollama-rs: error: {rest}"),
        None => format!("ollama-rs: error: {text}"),
    }
}

/// Prints the error line and any hint on stderr, and returns the status.
pub fn report(err: &anyhow::Error, settings: &Settings) -> ExitCode {
    let code = code(err);
    if code == OK {
        return ExitCode::from(OK);
    }
    if code == INTERRUPTED {
        let _ = writeln!(io::stderr().lock(), "ollama-rs: interrupted");
        return ExitCode::from(code);
    }
    let label = style::error_label();
    print_with_hints(&label, err, code, settings);
    ExitCode::from(code)
}

/// Prints a failure that does not end the command (the server's version
/// when only the client's could be given) as a warning, with its hints.
pub fn warn(err: &anyhow::Error, settings: &Settings) {
    let label = style::warning_label();
    print_with_hints(&label, err, code(err), settings);
}

fn print_with_hints(label: &str, err: &anyhow::Error, code: u8, settings: &Settings) {
    // One write per line, and errors writing to stderr are ignored: there is
    // nowhere left to report them.
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "ollama-rs: {label} {}", message(err));
    for hint in hints(err, code, &settings.env) {
        let h = style::hint_label();
        let _ = writeln!(stderr, "ollama-rs: {h} {}", one_line(&hint));
    }
}

/// The text of an error for a `{"model": ..., "error": ...}` line: the
/// server's own message when it sent one, else the whole error line.
pub fn json_error(err: &anyhow::Error) -> String {
    err.chain()
        .find_map(|c| c.downcast_ref::<Error>())
        .and_then(Error::server_message)
        .map_or_else(|| message(err), |m| one_line(&server_text(m)))
}

/// A server's message as the command shows it: an HTML page (a proxy's or
/// a web server's error page) by its title or its first heading, not its
/// markup; any other text by its first line, cut to 200 characters.
fn server_text(message: &str) -> String {
    let text = message.trim();
    let starts = |tag: &str| {
        text.get(..tag.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(tag))
    };
    if starts("<!doctype") || starts("<html") || starts("<head") || starts("<body") {
        return match html_title(text) {
            Some(title) => format!("the server answered with an HTML page: {}", cut(&title)),
            None => "the server answered with an HTML page".to_string(),
        };
    }
    let first = text.lines().next().unwrap_or("").trim_end();
    let short = cut(first);
    if first.len() < text.len() && !short.ends_with("...") {
        format!("{short}...")
    } else {
        short
    }
}

/// At most 200 characters of a line, with `...` when cut.
fn cut(text: &str) -> String {
    const KEEP: usize = 200;
    match text.char_indices().nth(KEEP) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

/// The text of an HTML page's `<title>` (else its first `<h1>`), with its
/// whitespace collapsed, when there is one.
fn html_title(page: &str) -> Option<String> {
    // ASCII lowercasing keeps every byte where it was.
    let lower = page.to_ascii_lowercase();
    let inner = |tag: &str| {
        let open = lower.find(&format!("<{tag}"))?;
        let start = open + lower[open..].find('>')? + 1;
        let end = start + lower[start..].find(&format!("</{tag}"))?;
        let text = page[start..end].split_whitespace().collect::<Vec<_>>();
        (!text.is_empty()).then(|| text.join(" "))
    };
    inner("title").or_else(|| inner("h1"))
}

/// The error's text, on one line: each context, the library error, and then
/// only the deepest cause under it (the HTTP layer's wrappers in between say
/// nothing a user needs). A host name that could not be resolved, and a
/// connection that broke while the answer was read, are said so in words.
pub fn message(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        // A server's own words are shown short; the rest as they are.
        match cause.downcast_ref::<Error>() {
            Some(Error::Api { status, message }) => {
                parts.push(format!("{} (status code: {status})", server_text(message)))
            }
            Some(Error::Stream { message }) => parts.push(server_text(message)),
            _ => parts.push(cause.to_string()),
        }
        if let Some(lib) = cause.downcast_ref::<Error>() {
            // A refused TLS handshake, in words, instead of the TLS layer's.
            if let Some(problem) = lib.tls_problem() {
                parts.push(problem.to_string());
                break;
            }
            if let Some(mut root) = cause.source() {
                while let Some(next) = root.source() {
                    root = next;
                }
                match (unresolved_name(lib), lib) {
                    (Some(name), _) => {
                        parts.push(format!("could not resolve the host name `{name}` ({root})"))
                    }
                    (None, e) if answer_is_not_http(e) => parts.push(format!(
                        "the answer is not HTTP: the server may speak TLS ({root})"
                    )),
                    (None, Error::Http { source, .. })
                        if source.is_body() || source.is_decode() =>
                    {
                        parts.push(format!(
                            "the connection broke while the answer was being read ({root})"
                        ))
                    }
                    _ => parts.push(root.to_string()),
                }
            }
            break;
        }
    }
    parts.dedup();
    one_line(&parts.join(": "))
}

/// The host name of a connection that failed because it did not resolve.
fn unresolved_name(e: &Error) -> Option<String> {
    let Error::Connect { host, .. } = e else {
        return None;
    };
    if !e.is_unresolved_host() {
        return None;
    }
    let url = url::Url::parse(host).ok()?;
    url.host_str().map(str::to_string)
}

fn hints(err: &anyhow::Error, code: u8, env: &Env) -> Vec<String> {
    let mut out = Vec::new();
    let lib = err.chain().find_map(|c| c.downcast_ref::<Error>());
    match (code, lib) {
        (UNREACHABLE, Some(e @ Error::Connect { .. })) if unresolved_name(e).is_some() => {
            out.push(
                "check the host name in --host or OLLAMA_HOST, and this machine's network and DNS"
                    .into(),
            );
        }
        (UNREACHABLE, Some(e @ Error::Connect { host, .. })) => {
            if let Some(problem) = e.tls_problem() {
                out.extend(tls_hints(&problem, env));
            } else if let Some((proxy, variable)) = proxy_of(host, env) {
                out.push(format!(
                    "the connection goes through the proxy {proxy} (from {variable}): is it \
                     running? NO_PROXY={} connects directly",
                    host_name(host)
                ));
            } else {
                out.push(format!(
                    "is `ollama serve` running at {host}? Set OLLAMA_HOST or --host to use another server"
                ));
            }
        }
        (UNREACHABLE, Some(e)) if answer_is_not_http(e) => {
            out.push("for a server with TLS, use an https:// host".into());
        }
        (UNREACHABLE, Some(Error::Timeout { .. })) => {
            out.push("the server did not answer in time; raise --timeout (or --connect-timeout) to wait longer".into());
        }
        (NOT_FOUND, _) => {
            if let Some(ctx) = err.downcast_ref::<ModelContext>() {
                // Never propose the pull that just failed.
                if ctx.action != PULL_ACTION {
                    out.push(format!("try `ollama-rs pull {}`", ctx.model));
                }
            } else if err.downcast_ref::<LocalModelContext>().is_some() {
                out.push("`ollama-rs list` shows the installed models".into());
            }
        }
        (AUTH, Some(e)) if proxy_refused_credentials(e) => {
            // A 407 answer is to a plain http:// request; a refused tunnel
            // is for https://.
            let https = matches!(e, Error::Connect { host, .. } if host.starts_with("https:"));
            let variable = proxy_variable(https, env).unwrap_or("HTTPS_PROXY or HTTP_PROXY");
            out.push(format!(
                "the proxy refused the credentials: give them as \
                 http://user:password@host:port in {variable}"
            ));
        }
        (AUTH, _) => {
            out.push(
                "the server refused the credentials: set OLLAMA_API_KEY, put user:password@ \
                 in the host, or pass -H 'Authorization: ...'"
                    .into(),
            );
        }
        _ => {}
    }
    out
}

/// Whether an http:// server answered with something that is not HTTP at
/// all, most often because it speaks TLS (the HTTP layer's parse error for
/// that is private: only its text tells).
fn answer_is_not_http(e: &Error) -> bool {
    matches!(e, Error::Http { host, .. } if host.starts_with("http:"))
        && e.http_causes()
            .any(|c| c.to_string() == "invalid HTTP version parsed")
}

/// What to do about a refused TLS handshake.
fn tls_hints(problem: &TlsProblem, env: &Env) -> Vec<String> {
    let mut out = Vec::new();
    match problem {
        TlsProblem::UnknownIssuer => {
            out.push(
                "if you trust this server, give its CA certificate with --cacert FILE, \
                 or a file of trusted CA certificates in SSL_CERT_FILE"
                    .into(),
            );
            out.extend(replaced_roots(env));
        }
        TlsProblem::WrongName { .. } => out
            .push("connect with a host name the certificate is for (--host or OLLAMA_HOST)".into()),
        TlsProblem::Expired | TlsProblem::NotValidYet => out.push(
            "certificates are checked against this machine's clock: renew the certificate, \
             or set the clock right"
                .into(),
        ),
        TlsProblem::NotTls => {
            out.push("for a server without TLS, use an http:// host".into());
        }
        _ => {}
    }
    out
}

/// When `SSL_CERT_FILE` or `SSL_CERT_DIR` is set, the system's certificates
/// are not used: says so, and whether the file can be read at all.
fn replaced_roots(env: &Env) -> Option<String> {
    match (&env.ssl_cert_file, &env.ssl_cert_dir) {
        (Some(file), _) => {
            let path = std::path::Path::new(file);
            Some(match std::fs::metadata(path) {
                Ok(_) => format!(
                    "SSL_CERT_FILE is set: only the certificates in `{}` are trusted, \
                     not the system's",
                    path.display()
                ),
                Err(e) => format!(
                    "SSL_CERT_FILE names `{}`, which cannot be read ({e})",
                    path.display()
                ),
            })
        }
        (None, Some(dir)) => Some(format!(
            "SSL_CERT_DIR is set: only the certificates in `{}` are trusted, not the system's",
            std::path::Path::new(dir).display()
        )),
        (None, None) => None,
    }
}

/// Whether a proxy answered 407: to a plain request, or to the `CONNECT`
/// that opens an https:// tunnel (the HTTP layer's error type for that is
/// private: only its text tells).
fn proxy_refused_credentials(e: &Error) -> bool {
    match e {
        Error::Api { status: 407, .. } => true,
        Error::Connect { .. } => e
            .http_causes()
            .any(|c| c.to_string() == "tunnel error: proxy authorization required"),
        _ => false,
    }
}

/// The proxy the connection to `host` (a base URL) goes through, without
/// credentials, and the variable that set it.
fn proxy_of(host: &str, env: &Env) -> Option<(String, &'static str)> {
    let proxy = ollama_rs::Host::parse(Some(host)).ok()?.proxy_from_env()?;
    Some((proxy, proxy_variable(host.starts_with("https:"), env)?))
}

/// The variable that sets the proxy for http:// or https:// URLs, in the
/// order the HTTP layer reads them.
fn proxy_variable(https: bool, env: &Env) -> Option<&'static str> {
    let names = if https {
        ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    names.into_iter().find(|n| env.proxy_variables.contains(n))
}

/// The host name (or address) of a base URL, for a `NO_PROXY` example.
fn host_name(base: &str) -> String {
    url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_errors_get_the_prefix_and_keep_their_tip() {
        let e = crate::cli::parse_from(["ollama-rs", "list", "--no-such-flag"]).unwrap_err();
        let text = clap_error(&e);
        assert!(
            text.starts_with("ollama-rs: error: unexpected argument '--no-such-flag' found\n"),
            "{text}"
        );
        assert!(text.contains("Usage: ollama-rs list"), "{text}");
        assert!(
            text.ends_with("For more information, try '--help'.\n"),
            "{text}"
        );
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn negative_numbers_reach_the_value_parsers() {
        for (args, says) in [
            (&["--timeout", "-5", "list"][..], "invalid value '-5' for '--timeout <SECS>': `-5` is not a positive number of seconds"),
            (&["list", "--connect-timeout", "-1"], "for '--connect-timeout <SECS>'"),
            (&["generate", "m", "--logprobs", "-1", "p"], "invalid value '-1' for '--logprobs <N>'"),
            (&["embed", "m", "--dimensions", "-3", "x"], "invalid value '-3' for '--dimensions <N>'"),
            (&["embed", "m", "--batch-size", "-3", "x"], "invalid value '-3' for '--batch-size <N>'"),
            (&["pull", "m", "--retries", "-2"], "invalid value '-2' for '--retries <N>'"),
            (&["pull", "m", "--stall-timeout", "-2"], "invalid value '-2' for '--stall-timeout <SECS>'"),
        ] {
            let e = crate::cli::parse_from(std::iter::once("ollama-rs").chain(args.iter().copied()))
                .unwrap_err();
            let text = clap_error(&e);
            assert!(text.starts_with("ollama-rs: error: "), "{text}");
            assert!(text.contains(says), "{args:?}: {text}");
        }
        // A negative keep-alive is a value (keep the model loaded).
        assert!(
            crate::cli::parse_from(["ollama-rs", "generate", "m", "--keep-alive", "-1", "p"])
                .is_ok()
        );
        assert!(
            crate::cli::parse_from(["ollama-rs", "embed", "m", "--keep-alive", "-1s", "p"]).is_ok()
        );
    }

    #[test]
    fn messages_become_one_safe_line() {
        assert_eq!(flatten("a\nb\r\n\tc\n"), "a b c");
        assert_eq!(flatten("red \u{1b}[31mX"), "red \\u{1b}[31mX");
        assert_eq!(flatten("  plain  "), "plain");
    }

    #[test]
    fn server_messages_are_short() {
        assert_eq!(server_text("boom"), "boom");
        assert_eq!(server_text("404 page not found"), "404 page not found");
        assert_eq!(server_text("first line\nsecond line\n"), "first line...");
        assert_eq!(server_text(&"x".repeat(500)).len(), 203);
        let page =
            "<html>\n<head><TITLE>502  Bad\n Gateway</TITLE></head>\n<body>...</body></html>";
        assert_eq!(
            server_text(page),
            "the server answered with an HTML page: 502 Bad Gateway"
        );
        let page = "<!DOCTYPE html><html><body><h1>Gone fishing</h1></body></html>";
        assert_eq!(
            server_text(page),
            "the server answered with an HTML page: Gone fishing"
        );
        assert_eq!(
            server_text("<html><body><p>nothing</p></body></html>"),
            "the server answered with an HTML page"
        );
    }

    #[test]
    fn secrets_are_scrubbed_longest_first() {
        let secrets = searchable(vec![
            "abc".into(),
            "tok-123".into(),
            "Bearer tok-123".into(),
            " tok-123 ".into(),
        ]);
        assert_eq!(secrets, ["Bearer tok-123", "tok-123"]);
        assert_eq!(
            scrub_with("sent Bearer tok-123, then tok-123; abc stays", &secrets),
            "sent ***, then ***; abc stays"
        );
    }
}
