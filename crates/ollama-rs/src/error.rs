//! The one error type of the library.
//!
//! Every failure a caller may want to tell apart has its own variant, so that
//! code can `match` on it (and the command line maps each to an exit status).
//! Display texts are one lowercase line that says what failed; the underlying
//! cause, when there is one, is kept as the [`std::error::Error::source`] and is
//! not repeated in the text.

use std::path::PathBuf;

/// A `Result` whose error is [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to an Ollama server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a non-success HTTP status.
    ///
    /// `message` is the `error` field of the JSON body, or the raw body text
    /// when it is not JSON (404 and 405 pages are plain text), or the reason
    /// phrase when the body is empty.
    #[error("{message} (status code: {status})")]
    Api {
        /// The HTTP status code.
        status: u16,
        /// The server's message.
        message: String,
    },

    /// A stream (generate, chat, pull, push, create) had started and then
    /// the server sent an `{"error": ...}` line. The stream ends there.
    #[error("{message}")]
    Stream {
        /// The `error` text of the line.
        message: String,
    },

    /// The request is invalid and was not sent (for example an empty model
    /// name, or an image that is neither a file nor base64).
    #[error("invalid request: {0}")]
    InvalidRequest(String),

    /// The server could not be reached: connection refused, host name not
    /// resolved, TLS handshake failed.
    #[error("could not connect to Ollama at {host}")]
    Connect {
        /// The base URL that was tried.
        host: String,
        /// What the HTTP layer reported.
        #[source]
        source: reqwest::Error,
    },

    /// The server did not answer, or stopped sending, within the configured
    /// timeout.
    #[error("timed out waiting for Ollama at {host}")]
    Timeout {
        /// The base URL that was asked.
        host: String,
        /// What the HTTP layer reported, if the timeout came from it.
        #[source]
        source: Option<reqwest::Error>,
    },

    /// Any other failure of the HTTP exchange: the connection broke while the
    /// body was read, too many redirects, a malformed response.
    #[error("request to {host} failed")]
    Http {
        /// The base URL that was asked.
        host: String,
        /// What the HTTP layer reported.
        #[source]
        source: reqwest::Error,
    },

    /// A redirect was not followed: a loop, too many, from `https` to plain
    /// `http`, or a 307/308 that would have to send a streamed body again.
    /// `message` says which (and where to, without user name or password).
    #[error("request to {host} failed: {message}")]
    Redirect {
        /// The base URL that was asked.
        host: String,
        /// Why the redirect was refused.
        message: String,
    },

    /// A response (or one line of a stream) could not be decoded.
    #[error("could not decode the server's response: {message}{}", quoted(line))]
    Decode {
        /// What the decoder said.
        message: String,
        /// The start of the offending text (at most 200 characters).
        line: String,
    },

    /// One line of a stream was longer than the decoder accepts.
    #[error("a response line exceeds the limit of {limit} bytes")]
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },

    /// A stream ended cleanly, but before its last object (the one with
    /// `done: true`): a server or proxy cut the answer short. What came
    /// before was whole, but the answer is not.
    #[error("the server ended the stream before the answer was complete")]
    Incomplete,

    /// A local file could not be read.
    #[error("could not read `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// The model's answer is not the JSON of the type it was read as (by
    /// [`ChatResponse::parse`](crate::ChatResponse::parse) and the like): a
    /// model that ignored the format, an answer cut short by `num_predict`.
    /// The answer is kept whole in `content`.
    #[error("the model's answer is not the JSON the type expects")]
    Structured {
        /// The text that did not parse.
        content: String,
        /// What the JSON decoder said.
        #[source]
        source: serde_json::Error,
    },
}

/// ` in `<line>`` for a decode error's text; nothing for an empty body.
fn quoted(line: &str) -> String {
    if line.is_empty() {
        String::new()
    } else {
        format!(" in `{line}`")
    }
}

impl Error {
    /// The HTTP status code of an [`Error::Api`], if this is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The message the server sent, for [`Error::Api`] and [`Error::Stream`].
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Error::Api { message, .. } | Error::Stream { message } => Some(message),
            _ => None,
        }
    }

    /// Whether the server said that the model does not exist: a 404 answer,
    /// or a pull whose manifest does not exist (which the server reports
    /// with status 500 or as an error line).
    pub fn is_model_not_found(&self) -> bool {
        match self {
            // A plain-text 404 is an unknown path (an older server, or a
            // proxy in the way), not a missing model.
            Error::Api {
                status: 404,
                message,
            } => !message.starts_with("404 page not found"),
            Error::Api { message, .. } | Error::Stream { message } => {
                // Pull: `pull model manifest: file does not exist`. Push of a
                // model that is not installed: `open .../manifests/...: no
                // such file or directory`.
                message.contains("manifest")
                    && (message.contains("file does not exist")
                        || message.contains("no such file or directory"))
            }
            _ => false,
        }
    }

    /// Why the TLS handshake with the server failed, when that is why an
    /// [`Error::Connect`] could not connect: most often a certificate this
    /// client does not trust. `None` for any other error, and always `None`
    /// without the rustls backend (features `rustls-tls*`), which is the one
    /// whose errors this reads.
    ///
    /// ```no_run
    /// # async fn demo(client: ollama_rs::Client) {
    /// if let Err(e) = client.list().await {
    ///     if let Some(problem) = e.tls_problem() {
    ///         eprintln!("{problem}"); // the server's certificate is not trusted (unknown issuer)
    ///     }
    /// }
    /// # }
    /// ```
    pub fn tls_problem(&self) -> Option<TlsProblem> {
        if !matches!(self, Error::Connect { .. }) {
            return None;
        }
        #[cfg(feature = "__rustls")]
        return self
            .http_causes()
            .find_map(rustls_error_in)
            .map(TlsProblem::from_rustls);
        #[cfg(not(feature = "__rustls"))]
        None
    }

    /// Whether this is an [`Error::Connect`] because the server's host name
    /// could not be resolved to an address (no such name, or no DNS server
    /// reachable).
    pub fn is_unresolved_host(&self) -> bool {
        // The HTTP layer's connector names a failed lookup "dns error",
        // whether the system's resolver or a custom one failed.
        matches!(self, Error::Connect { .. })
            && self.http_causes().any(|c| {
                let text = c.to_string();
                text == "dns error" || text.starts_with("failed to lookup address information")
            })
    }

    /// The HTTP layer's error of an [`Error::Connect`] or [`Error::Http`]
    /// and the errors under it, outermost first; nothing for other errors.
    /// For telling apart failures that have no type of their own.
    pub fn http_causes(&self) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
        let first: Option<&(dyn std::error::Error + 'static)> = match self {
            Error::Connect { source, .. } | Error::Http { source, .. } => Some(source),
            _ => None,
        };
        std::iter::successors(first, |e| e.source())
    }

    /// Builds an [`Error::Decode`], keeping only the start of the text: its
    /// first line, at most 200 characters, so that the error stays one line.
    pub(crate) fn decode(message: impl std::fmt::Display, text: &[u8]) -> Error {
        const KEEP: usize = 200;
        let mut message = message.to_string();
        // serde_json says "invalid unicode code point" both for a bad `\u`
        // escape and for bytes that are not UTF-8; say which.
        if message.starts_with("invalid unicode code point") {
            if let Err(e) = std::str::from_utf8(text) {
                let at = e.valid_up_to();
                message = format!("invalid UTF-8: byte 0x{:02x} at offset {at}", text[at]);
            }
        }
        let text = String::from_utf8_lossy(text);
        let trimmed = text.trim();
        let first = trimmed.lines().next().unwrap_or("").trim_end();
        let line = match first.char_indices().nth(KEEP) {
            Some((cut, _)) => format!("{}...", &first[..cut]),
            None if first.len() < trimmed.len() => format!("{first}..."),
            None => first.to_string(),
        };
        Error::Decode { message, line }
    }
}

#[cfg(feature = "__rustls")]
/// The TLS layer's error in `e`: either `e` itself or, as the handshake
/// reports it, the error inside an `io::Error`, maybe inside another one
/// (an `io::Error`'s own `source` skips what it wraps).
fn rustls_error_in<'a>(mut e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(found) = e.downcast_ref::<rustls::Error>() {
            return Some(found);
        }
        e = e.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
}

/// Why a TLS connection to the server failed (see [`Error::tls_problem`]).
///
/// Its display is one lowercase phrase about the server's certificate, e.g.
/// `the server's certificate is not trusted (unknown issuer)`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsProblem {
    /// The certificate was signed by an authority this client does not
    /// trust: a self-signed certificate, or one from a private CA.
    UnknownIssuer,
    /// The certificate is not for the host name (or address) connected to.
    WrongName {
        /// The names the certificate is for.
        presented: Vec<String>,
    },
    /// The certificate has expired.
    Expired,
    /// The certificate is not valid yet.
    NotValidYet,
    /// The certificate was revoked.
    Revoked,
    /// The certificate was refused for another reason, as the TLS layer
    /// words it.
    BadCertificate(String),
    /// The server did not answer in TLS: most likely it speaks plain HTTP.
    NotTls,
    /// The handshake failed for another reason, as the TLS layer words it.
    Handshake(String),
}

#[cfg(feature = "__rustls")]
impl TlsProblem {
    fn from_rustls(e: &rustls::Error) -> TlsProblem {
        use rustls::{CertificateError as C, Error as E, InvalidMessage as M};
        match e {
            E::InvalidCertificate(c) => match c {
                C::UnknownIssuer => TlsProblem::UnknownIssuer,
                C::NotValidForName => TlsProblem::WrongName {
                    presented: Vec::new(),
                },
                C::NotValidForNameContext { presented, .. } => TlsProblem::WrongName {
                    presented: presented.iter().map(|n| plain_name(n)).collect(),
                },
                C::Expired | C::ExpiredContext { .. } => TlsProblem::Expired,
                C::NotValidYet | C::NotValidYetContext { .. } => TlsProblem::NotValidYet,
                C::Revoked => TlsProblem::Revoked,
                // A CA of the right name signed with another key, for one.
                C::BadSignature => TlsProblem::BadCertificate("its signature is not valid".into()),
                C::BadEncoding => TlsProblem::BadCertificate("it is not well formed".into()),
                C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
                    TlsProblem::BadCertificate("it is not for a server".into())
                }
                other => TlsProblem::BadCertificate(other.to_string()),
            },
            // A plain HTTP answer read as a TLS record: `HTTP/1.1 400 ...`
            // starts with a byte that is no TLS content type.
            E::InvalidMessage(M::InvalidContentType) => TlsProblem::NotTls,
            other => TlsProblem::Handshake(other.to_string()),
        }
    }
}

/// A name as the TLS layer lists a certificate's names (`DnsName("a.b")`,
/// `IpAddress(1.2.3.4)`), without the wrapping.
#[cfg(feature = "__rustls")]
fn plain_name(listed: &str) -> String {
    let name = listed
        .strip_prefix("DnsName(\"")
        .and_then(|n| n.strip_suffix("\")"))
        .or_else(|| {
            listed
                .strip_prefix("IpAddress(")
                .and_then(|n| n.strip_suffix(')'))
        });
    name.unwrap_or(listed).to_string()
}

impl std::fmt::Display for TlsProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TlsProblem::UnknownIssuer => {
                f.write_str("the server's certificate is not trusted (unknown issuer)")
            }
            TlsProblem::WrongName { presented } if presented.is_empty() => {
                f.write_str("the server's certificate is not valid for this host name")
            }
            TlsProblem::WrongName { presented } => write!(
                f,
                "the server's certificate is not valid for this host name (it is for {})",
                presented.join(", ")
            ),
            TlsProblem::Expired => f.write_str("the server's certificate has expired"),
            TlsProblem::NotValidYet => f.write_str("the server's certificate is not valid yet"),
            TlsProblem::Revoked => f.write_str("the server's certificate was revoked"),
            TlsProblem::BadCertificate(why) => {
                write!(f, "the server's certificate was refused: {why}")
            }
            TlsProblem::NotTls => f.write_str("the server does not speak TLS"),
            TlsProblem::Handshake(why) => write!(f, "the TLS handshake failed: {why}"),
        }
    }
}

/// The text of a server's `error` value: a string as it is; an object's
/// `message` string (`{"error": {"message": "..."}}`, as proxies and
/// OpenAI-style servers send); `null` as nothing; anything else as its JSON.
pub(crate) fn server_error_text(error: serde_json::Value) -> String {
    match error {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => match other.get("message").and_then(serde_json::Value::as_str) {
            Some(message) => message.to_string(),
            None => other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<Error>();
    }

    #[test]
    fn api_display_matches_python_client() {
        let e = Error::Api {
            status: 404,
            message: "model 'nope' not found".into(),
        };
        assert_eq!(e.to_string(), "model 'nope' not found (status code: 404)");
        assert!(e.is_model_not_found());
    }

    #[test]
    fn decode_keeps_only_the_start() {
        let long = "x".repeat(1000);
        let Error::Decode { line, .. } = Error::decode("bad", long.as_bytes()) else {
            panic!()
        };
        assert_eq!(line.len(), 203);
    }

    #[test]
    fn decode_keeps_only_the_first_line() {
        let Error::Decode { line, .. } = Error::decode("bad", b"this is not json\n") else {
            panic!()
        };
        assert_eq!(line, "this is not json");
        let page = b"<!DOCTYPE html>\n<html><body>Bad gateway</body></html>\n";
        let e = Error::decode("expected value at line 1 column 1", page);
        assert_eq!(
            e.to_string(),
            "could not decode the server's response: expected value at line 1 column 1 \
             in `<!DOCTYPE html>...`"
        );
    }

    #[test]
    fn decode_names_invalid_utf8() {
        let text = b"{\"response\":\"a\xffb\"}";
        let e = serde_json::from_slice::<serde_json::Value>(text).unwrap_err();
        let Error::Decode { message, line } = Error::decode(e, text) else {
            panic!()
        };
        assert_eq!(message, "invalid UTF-8: byte 0xff at offset 14");
        assert_eq!(line, "{\"response\":\"a\u{fffd}b\"}");
        // A bad escape in valid UTF-8 keeps serde_json's words.
        let text = br#"{"response":"\udc00"}"#;
        let e = serde_json::from_slice::<serde_json::Value>(text).unwrap_err();
        let Error::Decode { message, .. } = Error::decode(e, text) else {
            panic!()
        };
        assert!(
            message.starts_with("lone leading surrogate") || message.starts_with("invalid unicode"),
            "{message}"
        );
    }

    #[test]
    fn unknown_path_is_not_a_missing_model() {
        let e = Error::Api {
            status: 404,
            message: "404 page not found".into(),
        };
        assert!(!e.is_model_not_found());
        let e = Error::Stream {
            message: "open /m/manifests/h/library/nope/latest: no such file or directory".into(),
        };
        assert!(e.is_model_not_found());
    }

    #[test]
    #[cfg(feature = "__rustls")]
    fn certificate_names_lose_their_wrapping() {
        assert_eq!(plain_name("DnsName(\"other.internal\")"), "other.internal");
        assert_eq!(plain_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(plain_name("DirectoryName"), "DirectoryName");
    }

    #[test]
    #[cfg(feature = "__rustls")]
    fn tls_problems_are_found_inside_nested_io_errors() {
        use std::io;
        let rustls_error =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let inner = io::Error::new(io::ErrorKind::InvalidData, rustls_error);
        let outer = io::Error::other(inner);
        let found = rustls_error_in(&outer).map(TlsProblem::from_rustls);
        assert_eq!(found, Some(TlsProblem::UnknownIssuer));
        assert_eq!(
            TlsProblem::UnknownIssuer.to_string(),
            "the server's certificate is not trusted (unknown issuer)"
        );
        assert_eq!(rustls_error_in(&io::Error::other("plain")), None);
    }

    #[test]
    fn pull_manifest_missing_is_not_found() {
        let e = Error::Stream {
            message: "pull model manifest: file does not exist".into(),
        };
        assert!(e.is_model_not_found());
    }

    #[test]
    fn server_error_text_takes_an_objects_message() {
        use serde_json::json;
        assert_eq!(server_error_text(json!("boom")), "boom");
        assert_eq!(server_error_text(json!(null)), "");
        assert_eq!(
            server_error_text(json!({"message": "quota exceeded", "type": "x"})),
            "quota exceeded"
        );
        assert_eq!(server_error_text(json!({"code": 7})), r#"{"code":7}"#);
        assert_eq!(server_error_text(json!(42)), "42");
    }
}
