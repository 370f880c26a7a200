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
    #[error("could not decode the server's response: {message} in `{line}`")]
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

    /// Builds an [`Error::Decode`], keeping only the start of the text.
    pub(crate) fn decode(message: impl std::fmt::Display, text: &[u8]) -> Error {
        const KEEP: usize = 200;
        let text = String::from_utf8_lossy(text);
        let line = match text.char_indices().nth(KEEP) {
            Some((cut, _)) => format!("{}...", &text[..cut]),
            None => text.into_owned(),
        };
        Error::Decode {
            message: message.to_string(),
            line,
        }
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
