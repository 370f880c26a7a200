//! Redirects, followed by the client itself (reqwest's own policy cannot
//! change headers), hop by hop:
//!
//! - 301, 302, 303, 307 and 308 with a `Location` are followed (resolved
//!   against the current URL); any other answer, or one without a usable
//!   `Location`, is returned as it is.
//! - 301, 302 and 303 turn any method but `GET` and `HEAD` into `GET` and
//!   drop the body and its headers (`Content-Type`, `Content-Length`, ...),
//!   as browsers, reqwest and the Python client do. 307 and 308 keep the
//!   method and send the body again; a body that was streamed (a blob
//!   upload) cannot be sent again, so such a redirect is refused with an
//!   error that says so.
//! - When a hop leaves the origin (scheme, host, port) of the previous one,
//!   every credential is dropped for the rest of the chain: `Authorization`,
//!   `Cookie`, `Proxy-Authorization`, every header
//!   [`is_credential_header`] matches, and any user name and password in the
//!   `Location`. Within one origin they are kept.
//! - Refused: `https` to plain `http`, a URL visited before in the chain (a
//!   loop), the 10th redirect, and any scheme but `http`/`https`.

use reqwest::header::{
    HeaderMap, HeaderName, AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, COOKIE,
    LOCATION, PROXY_AUTHORIZATION, TRANSFER_ENCODING,
};
use reqwest::{Method, Request, Response, StatusCode};
use url::Url;

use crate::headers::is_credential_header;

/// The most redirects followed in one chain, as before (and as reqwest).
pub(crate) const LIMIT: usize = 10;

/// The state of one chain of redirects.
pub(crate) struct Chain {
    /// The original URL and every one followed since.
    visited: Vec<Url>,
    /// Whether credentials were dropped (once the origin changed).
    stripped: bool,
}

/// What to do with an answer.
pub(crate) enum Next {
    /// Return it: not a redirect (or one that cannot be followed).
    Done(Response),
    /// Send this request instead (the answer is dropped).
    Follow(Box<Request>),
    /// Fail with this message.
    Refuse(String),
}

/// What the client needs of the request just sent, kept before sending.
pub(crate) struct Sent {
    pub method: Method,
    pub url: Url,
    pub headers: HeaderMap,
    /// A copy with its body, when the body can be sent again.
    pub copy: Option<Request>,
}

impl Sent {
    /// Keeps what `request` is made of, before it is sent.
    pub fn of(request: &Request) -> Sent {
        Sent {
            method: request.method().clone(),
            url: request.url().clone(),
            headers: request.headers().clone(),
            copy: request.try_clone(),
        }
    }
}

impl Chain {
    /// A chain starting at `url`.
    pub fn new(url: &Url) -> Chain {
        Chain {
            visited: vec![url.clone()],
            stripped: false,
        }
    }

    /// How many redirects were followed.
    pub fn redirects(&self) -> usize {
        self.visited.len() - 1
    }

    /// Whether credentials have been dropped.
    pub fn stripped(&self) -> bool {
        self.stripped
    }

    /// Decides on `resp`, the answer to `sent`.
    pub fn next(&mut self, sent: Sent, resp: Response) -> Next {
        let status = resp.status();
        if !matches!(
            status,
            StatusCode::MOVED_PERMANENTLY
                | StatusCode::FOUND
                | StatusCode::SEE_OTHER
                | StatusCode::TEMPORARY_REDIRECT
                | StatusCode::PERMANENT_REDIRECT
        ) {
            return Next::Done(resp);
        }
        let Some(mut next) = resp
            .headers()
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| sent.url.join(l).ok())
        else {
            return Next::Done(resp);
        };
        let shown = for_messages(&next);
        if next.scheme() != "http" && next.scheme() != "https" {
            return Next::Refuse(format!(
                "refused a redirect to a URL that is not http or https ({shown})"
            ));
        }
        if self.visited.contains(&next) {
            return Next::Refuse(format!(
                "redirect loop: the server redirects back to {shown}"
            ));
        }
        if sent.url.scheme() == "https" && next.scheme() == "http" {
            return Next::Refuse(format!(
                "refused a redirect from https to plain http ({shown})"
            ));
        }
        if self.visited.len() >= LIMIT {
            return Next::Refuse(format!("too many redirects ({LIMIT}), the last to {shown}"));
        }

        let mut headers = sent.headers;
        if self.stripped || next.origin() != sent.url.origin() {
            self.stripped = true;
            strip_credentials(&mut headers);
        }
        if self.stripped && (!next.username().is_empty() || next.password().is_some()) {
            let _ = next.set_username("");
            let _ = next.set_password(None);
        }
        let same_method = matches!(
            status,
            StatusCode::TEMPORARY_REDIRECT | StatusCode::PERMANENT_REDIRECT
        );
        let request = if same_method {
            let Some(mut request) = sent.copy else {
                return Next::Refuse(format!(
                    "cannot follow a redirect ({}) to {shown}: the request's body was \
                     streamed and cannot be sent again",
                    status.as_u16()
                ));
            };
            *request.url_mut() = next.clone();
            *request.headers_mut() = headers;
            request
        } else {
            for name in [
                CONTENT_TYPE,
                CONTENT_LENGTH,
                CONTENT_ENCODING,
                TRANSFER_ENCODING,
            ] {
                headers.remove(name);
            }
            let method = if sent.method == Method::HEAD {
                Method::HEAD
            } else {
                Method::GET
            };
            let mut request = Request::new(method, next.clone());
            *request.headers_mut() = headers;
            request
        };
        self.visited.push(next);
        Next::Follow(Box::new(request))
    }
}

/// Removes every header that carries or may carry a credential.
pub(crate) fn strip_credentials(headers: &mut HeaderMap) {
    for name in [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION] {
        headers.remove(name);
    }
    let named: Vec<HeaderName> = headers
        .keys()
        .filter(|n| is_credential_header(n.as_str()))
        .cloned()
        .collect();
    for name in named {
        headers.remove(name);
    }
}

/// A URL without its user name and password, for messages.
pub(crate) fn for_messages(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn strips_every_credential_header() {
        let mut headers = HeaderMap::new();
        for (n, v) in [
            ("authorization", "Bearer a"),
            ("cookie", "c=1"),
            ("proxy-authorization", "Basic b"),
            ("x-api-key", "k"),
            ("x-session-id", "s"),
            ("x-trace", "1"),
            ("accept", "application/json"),
        ] {
            headers.insert(HeaderName::from_static(n), HeaderValue::from_static(v));
        }
        strip_credentials(&mut headers);
        let mut left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        left.sort();
        assert_eq!(left, ["accept", "x-trace"]);
    }
}
