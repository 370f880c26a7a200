//! The client's rules about request headers, for programs that handle the
//! same headers (to scrub them from logs, say) and want the same answer.
//!
//! A header whose name looks like a credential ([`is_credential_header`]) is
//! marked sensitive (left out of `Debug` output), and while one is set the
//! client refuses a redirect to another server, which would carry it along.

/// Whether a header's name suggests that its value is a credential
/// (`X-Api-Key`, `X-Auth-Token`, `Cookie`, ...): its name holds `auth`,
/// `key`, `token`, `secret`, `cookie`, `pass` or `session`, in any case.
///
/// ```
/// use ollama_rs::headers::is_credential_header;
/// assert!(is_credential_header("X-Api-Key"));
/// assert!(is_credential_header("authorization"));
/// assert!(!is_credential_header("X-Trace"));
/// ```
pub fn is_credential_header(name: &str) -> bool {
    const PARTS: [&str; 7] = [
        "auth", "key", "token", "secret", "cookie", "pass", "session",
    ];
    let name = name.trim().to_ascii_lowercase();
    PARTS.iter().any(|p| name.contains(p))
}

/// The `User-Agent` the client sends: `ollama-rs/<version> (<arch> <os>)`.
pub(crate) fn user_agent() -> String {
    format!(
        "ollama-rs/{} ({} {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}
