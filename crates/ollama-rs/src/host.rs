//! Resolving `OLLAMA_HOST` (or a host given in code) to a base URL, with the
//! official Python client's rules.
//!
//! | Input | Base URL |
//! |---|---|
//! | unset, `""` | `http://127.0.0.1:11434` |
//! | `example.com` | `http://example.com:11434` |
//! | `:56789` | `http://127.0.0.1:56789` |
//! | `http://example.com` | `http://example.com:80` |
//! | `https://example.com` | `https://example.com:443` |
//! | `example.com:56789/path/` | `http://example.com:56789/path` |
//! | `[::1]:56789` | `http://[::1]:56789` |
//!
//! Unlike the Python client, `user:password@` in the host is kept, to be
//! sent as HTTP Basic authentication.

use std::fmt;

use percent_encoding::percent_decode_str;

/// The default port of an Ollama server.
const DEFAULT_PORT: u16 = 11434;

/// A resolved Ollama host.
#[derive(Clone, PartialEq, Eq)]
pub struct Host {
    base: String,
    credentials: Option<(String, String)>,
}

impl fmt::Debug for Host {
    // Never print the password, nor a user name without one (it may be a
    // token).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = self.credentials.as_ref().map(|(u, p)| {
            if p.is_empty() {
                "***".to_string()
            } else {
                format!("{u}:***")
            }
        });
        f.debug_struct("Host")
            .field("base", &self.base)
            .field("credentials", &credentials)
            .finish()
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

/// Why a host could not be resolved. Its text quotes the input with the
/// password of a `user:password@` replaced by `***`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Ollama host `{input}`: {reason}")]
pub struct HostError {
    input: String,
    reason: &'static str,
}

impl Host {
    /// Resolves a host string; `None` and `""` mean the default local server.
    pub fn parse(input: Option<&str>) -> Result<Host, HostError> {
        let raw = input.unwrap_or("").trim();
        let err = |reason| HostError {
            input: redact_userinfo(raw),
            reason,
        };
        let (scheme, rest, mut port) = match raw.split_once("://") {
            Some((scheme, rest)) if !rest.is_empty() => {
                let port = match scheme {
                    "http" => 80,
                    "https" => 443,
                    _ => DEFAULT_PORT,
                };
                (scheme, rest, port)
            }
            _ => ("http", raw, DEFAULT_PORT),
        };
        if scheme.is_empty()
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Err(err("the scheme is not valid"));
        }
        let (authority, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        // Only the path is kept: a query or fragment has no meaning here.
        let path = path.split(['?', '#']).next().unwrap_or("");
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        let (host, port_text) = if let Some(v6) = hostport.strip_prefix('[') {
            let (addr, after) = v6.split_once(']').ok_or_else(|| err("`[` without `]`"))?;
            if addr.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(err("not an IPv6 address between `[` and `]`"));
            }
            let port = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(|| err("junk after `]`"))?),
            };
            (format!("[{}]", addr.to_ascii_lowercase()), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
                None => (hostport.to_ascii_lowercase(), None),
            }
        };
        if let Some(p) = port_text.filter(|p| !p.is_empty()) {
            let n: u16 = p
                .parse()
                .map_err(|_| err("the port must be a number from 0 to 65535"))?;
            // As in the Python client, port 0 means "the default".
            if n != 0 {
                port = n;
            }
        }
        let host = if host.is_empty() {
            "127.0.0.1".to_string()
        } else {
            host
        };
        if !host.starts_with('[')
            && !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~%!$&'()*+,;=".contains(c))
        {
            return Err(err("the host name has characters a host cannot have"));
        }
        // Blanks at either end of the path go with its slashes: a URL parser
        // drops them from the end of a URL, so the base URL would not be the
        // one requests use (and would not resolve to itself).
        let path = path.trim_matches(|c: char| c == '/' || c.is_whitespace());
        // A URL parser drops tabs and line breaks and escapes other control
        // characters: a path with any of them is a mistake, not a path.
        if path.chars().any(|c| c.is_ascii_control()) {
            return Err(err("the path has a control character"));
        }
        let mut base = format!("{scheme}://{host}:{port}");
        if !path.is_empty() {
            base.push('/');
            base.push_str(path);
        }
        if url::Url::parse(&base).is_err() {
            return Err(err("it does not make a valid URL"));
        }
        let credentials = userinfo.map(|u| {
            let (user, pass) = u.split_once(':').unwrap_or((u, ""));
            let dec = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
            (dec(user), dec(pass))
        });
        Ok(Host { base, credentials })
    }

    /// Resolves the `OLLAMA_HOST` environment variable.
    pub fn from_env() -> Result<Host, HostError> {
        Host::parse(std::env::var("OLLAMA_HOST").ok().as_deref())
    }

    /// The base URL, without a trailing slash, e.g. `http://127.0.0.1:11434`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The URL of an API path such as `/api/tags`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Whether the host is this machine: `localhost`, 127.0.0.0/8, `::1`
    /// (also written `::ffff:127.x.x.x`), or the unspecified addresses
    /// `0.0.0.0` and `::`, which reach this machine too (`OLLAMA_HOST=0.0.0.0`
    /// is a common server setting that clients then read).
    pub fn is_loopback(&self) -> bool {
        match url::Url::parse(&self.base)
            .ok()
            .and_then(|u| u.host().map(|h| h.to_owned()))
        {
            Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
            Some(url::Host::Ipv4(ip)) => ip.is_loopback() || ip.is_unspecified(),
            Some(url::Host::Ipv6(ip)) => {
                ip.is_loopback()
                    || ip.is_unspecified()
                    || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
            }
            None => false,
        }
    }

    /// The proxy through which a [`Client`](crate::Client) reaches this
    /// host, as the environment sets it (`HTTPS_PROXY`, `HTTP_PROXY`,
    /// `ALL_PROXY` and `NO_PROXY`, or their lowercase forms), without any
    /// credentials it holds, e.g. `http://proxy.lan:3128`. `None` when the
    /// connection is direct, which it always is for a loopback host.
    ///
    /// This is what the client's own HTTP client does; one given with
    /// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client)
    /// follows its own settings.
    pub fn proxy_from_env(&self) -> Option<String> {
        if self.is_loopback() {
            return None;
        }
        let uri: http::Uri = self.base.parse().ok()?;
        let intercept =
            hyper_util::client::proxy::matcher::Matcher::from_system().intercept(&uri)?;
        let proxy = intercept.uri().to_string();
        Some(proxy.trim_end_matches('/').to_string())
    }

    /// User name and password from `user:password@` in the host, if given.
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(u, p)| (u.as_str(), p.as_str()))
    }
}

/// A host string with the password of its `user:password@` (if any)
/// replaced by `***` (or the whole `user@` when there is no password), for
/// messages and `Debug` output.
pub(crate) fn redact_userinfo(raw: &str) -> String {
    let start = raw.find("://").map_or(0, |i| i + 3);
    let rest = &raw[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return raw.to_string();
    };
    // A user name alone may be a token (`https://TOKEN@host`): hidden too.
    let shown = match rest[..at].split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None => "***".to_string(),
    };
    format!("{}{shown}{}", &raw[..start], &rest[at..])
}

impl std::str::FromStr for Host {
    type Err = HostError;
    fn from_str(s: &str) -> Result<Host, HostError> {
        Host::parse(Some(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(input: Option<&str>) -> String {
        Host::parse(input).unwrap().base_url().to_string()
    }

    /// Every row of the host table in the reference.
    #[test]
    fn python_client_host_table() {
        let rows: &[(Option<&str>, &str)] = &[
            (None, "http://127.0.0.1:11434"),
            (Some(""), "http://127.0.0.1:11434"),
            (Some("1.2.3.4"), "http://1.2.3.4:11434"),
            (Some("example.com"), "http://example.com:11434"),
            (Some(":56789"), "http://127.0.0.1:56789"),
            (Some("example.com:56789"), "http://example.com:56789"),
            (Some("http://example.com"), "http://example.com:80"),
            (Some("https://example.com"), "https://example.com:443"),
            (
                Some("https://example.com:56789"),
                "https://example.com:56789",
            ),
            (Some("example.com/"), "http://example.com:11434"),
            (Some("example.com/path"), "http://example.com:11434/path"),
            (
                Some("example.com:56789/path/"),
                "http://example.com:56789/path",
            ),
            (Some("0.0.0.0"), "http://0.0.0.0:11434"),
            (Some("[::1]"), "http://[::1]:11434"),
            (Some("[::1]:56789"), "http://[::1]:56789"),
            (Some("http://[::1]"), "http://[::1]:80"),
            (Some("https://[::1]"), "https://[::1]:443"),
            (Some("[::1]:56789/path/"), "http://[::1]:56789/path"),
            (Some("ollama.com"), "http://ollama.com:11434"),
        ];
        for (input, want) in rows {
            assert_eq!(base(*input), *want, "input {input:?}");
        }
    }

    #[test]
    fn other_schemes_keep_the_default_port() {
        assert_eq!(base(Some("HTTP://Example.COM")), "HTTP://example.com:11434");
    }

    #[test]
    fn credentials_become_basic_auth_and_leave_the_url() {
        let h = Host::parse(Some("https://me:s%40cret@example.com")).unwrap();
        assert_eq!(h.base_url(), "https://example.com:443");
        assert_eq!(h.credentials(), Some(("me", "s@cret")));
        assert!(!format!("{h:?}").contains("cret"));
    }

    #[test]
    fn errors_never_quote_the_password() {
        let e = Host::parse(Some("http://me:s3cret@example.com:port")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid Ollama host `http://me:***@example.com:port`: \
             the port must be a number from 0 to 65535"
        );
        let e = Host::parse(Some("me:pa:ss@exa mple.com/x@y")).unwrap_err();
        assert!(!e.to_string().contains("pa:ss"), "{e}");
        assert!(e.to_string().contains("me:***@exa mple.com/x@y"), "{e}");
        assert_eq!(redact_userinfo("example.com/a@b"), "example.com/a@b");
        assert_eq!(redact_userinfo("https://tok@h"), "https://***@h");
    }

    #[test]
    fn bad_hosts_are_errors() {
        for bad in [
            "example.com:99999",
            "example.com:port",
            "[::1",
            "[nope]:1",
            "exa mple.com",
            "://x",
            "example.com/a\tb",
            "example.com/a\u{7f}",
            "xn--:1",
        ] {
            assert!(Host::parse(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn blanks_at_the_ends_of_the_path_go_with_its_slashes() {
        assert_eq!(base(Some("example.com/a /")), "http://example.com:11434/a");
        assert_eq!(
            base(Some("example.com/ a b\u{a0}//")),
            "http://example.com:11434/a b"
        );
        assert_eq!(base(Some("example.com/ / ")), "http://example.com:11434");
        // Found by the `host` fuzz target: the CR stayed at the end of the
        // base URL, which a URL parser drops.
        assert_eq!(base(Some("p/h/a b\r?0.\0")), "http://p:11434/h/a b");
        assert_eq!(base(Some("/\r?")), "http://127.0.0.1:11434");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any text resolves to a valid URL or an error, never a panic.
            #[test]
            fn never_panics_and_yields_valid_urls(input in "\\PC{0,40}") {
                if let Ok(h) = Host::parse(Some(&input)) {
                    let url = url::Url::parse(h.base_url());
                    prop_assert!(url.is_ok(), "{} -> {}", input, h.base_url());
                    prop_assert!(!h.base_url().ends_with('/'));
                    // The base URL, given as a host, resolves to itself.
                    let again = Host::parse(Some(h.base_url()));
                    prop_assert_eq!(again.as_ref().map(Host::base_url), Ok(h.base_url()));
                }
            }

            /// Host-like inputs always resolve, with the port they name.
            #[test]
            fn host_and_port_resolve(
                host in "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){0,2}",
                port in 1u16..,
                https in any::<bool>(),
            ) {
                // `xn--` starts an IDNA label, which must be valid punycode.
                prop_assume!(!host.starts_with("xn--"));
                let scheme = if https { "https" } else { "http" };
                let h = Host::parse(Some(&format!("{scheme}://{host}:{port}"))).unwrap();
                prop_assert_eq!(h.base_url(), format!("{scheme}://{host}:{port}"));
            }
        }
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "",
            "localhost:1",
            "127.0.0.1",
            "127.1.2.3:5",
            "[::1]",
            "http://LOCALHOST",
            "0.0.0.0",
            "[::]:11434",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(Host::parse(Some(h)).unwrap().is_loopback(), "{h}");
        }
        for h in [
            "example.com",
            "10.0.0.1",
            "[::2]",
            "[::ffff:10.0.0.1]",
            "0.0.0.1",
        ] {
            assert!(!Host::parse(Some(h)).unwrap().is_loopback(), "{h}");
        }
    }

    #[test]
    fn url_joins_paths() {
        let h = Host::parse(Some("example.com/proxy/")).unwrap();
        assert_eq!(
            h.url("/api/tags"),
            "http://example.com:11434/proxy/api/tags"
        );
    }
}
