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

    /// A local file could not be read.
    #[error("could not read `{}`", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
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

    /// Whether this is an [`Error::Connect`] because the server's host name
    /// could not be resolved to an address (no such name, or no DNS server
    /// reachable).
    pub fn is_unresolved_host(&self) -> bool {
        let Error::Connect { source, .. } = self else {
            return false;
        };
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source);
        while let Some(c) = cause {
            // The HTTP layer's connector names a failed lookup "dns error",
            // whether the system's resolver or a custom one failed.
            let text = c.to_string();
            if text == "dns error" || text.starts_with("failed to lookup address information") {
                return true;
            }
            cause = c.source();
        }
        false
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
    fn pull_manifest_missing_is_not_found() {
        let e = Error::Stream {
            message: "pull model manifest: file does not exist".into(),
        };
        assert!(e.is_model_not_found());
    }
}
