//! [`ClientBuilder`]: every setting of a [`Client`], and the client built
//! from them.

use super::*;

/// Builds a [`Client`] with settings other than the defaults.
///
/// ```
/// use std::time::Duration;
/// let client = ollama_rs::Client::builder()
///     .host("http://127.0.0.1:11434")
///     .header("X-Trace", "1")
///     .connect_timeout(Duration::from_secs(5))
///     .build()
///     .unwrap();
/// assert_eq!(client.host().base_url(), "http://127.0.0.1:11434");
/// ```
#[must_use]
pub struct ClientBuilder {
    host: Option<String>,
    headers: Vec<(String, String)>,
    timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    follow_redirects: bool,
    http: Option<reqwest::Client>,
    max_line: usize,
    api_key: Option<String>,
    #[cfg(feature = "__tls")]
    root_certificates: Vec<reqwest::Certificate>,
    reuse_connections: bool,
    retry: RetryPolicy,
    web_base_url: Option<String>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            host: None,
            headers: Vec::new(),
            timeout: None,
            read_timeout: None,
            connect_timeout: None,
            follow_redirects: true,
            http: None,
            max_line: ndjson::DEFAULT_MAX_LINE,
            api_key: std::env::var("OLLAMA_API_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
            #[cfg(feature = "__tls")]
            root_certificates: Vec::new(),
            reuse_connections: true,
            retry: RetryPolicy::none(),
            web_base_url: None,
        }
    }
}

impl std::fmt::Debug for ClientBuilder {
    /// The settings, with the host's password, the API key and every header
    /// value left out: they may be credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = self.host.as_deref().map(crate::host::redact_userinfo);
        let headers: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        let mut d = f.debug_struct("ClientBuilder");
        d.field("host", &host)
            .field("headers", &headers)
            .field("timeout", &self.timeout)
            .field("read_timeout", &self.read_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("follow_redirects", &self.follow_redirects)
            .field("http", &self.http.is_some())
            .field("max_line", &self.max_line)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("retry", &self.retry)
            .field("web_base_url", &self.web_base_url);
        #[cfg(feature = "__tls")]
        d.field("root_certificates", &self.root_certificates.len());
        d.finish()
    }
}

impl ClientBuilder {
    /// The server, in any form `OLLAMA_HOST` accepts (see [`Host`]). Without
    /// it, `OLLAMA_HOST` is read, and without that the local default is used.
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// Adds a header to every request. It is merged with the defaults
    /// (`Content-Type`, `Accept`, `User-Agent`) and wins over them. Its
    /// value is treated as sensitive (it may be a credential): no `Debug`
    /// output shows it.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Longest wait for the server's next bytes: for the answer to start, and
    /// then between two reads of the body. Default: none, like the Python
    /// client. A stream that keeps sending is never cut by it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// A limit on the whole exchange, body included (default: none). Mind
    /// that it cuts long streams too.
    pub fn total_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Longest wait to establish the connection (default: none).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Whether to follow redirects (default true, at most 10). A redirect to
    /// another origin (scheme, host or port) is followed without any
    /// credential: `Authorization`, `Cookie`, `Proxy-Authorization` and
    /// every header [`is_credential_header`](crate::headers::is_credential_header)
    /// matches are dropped for the rest of the chain. A redirect from
    /// `https` to plain `http` is refused, and so is a loop.
    pub fn follow_redirects(mut self, follow: bool) -> Self {
        self.follow_redirects = follow;
        self
    }

    /// Uses this HTTP client (its own timeouts, proxies, TLS settings)
    /// instead of building one; [`timeout`](Self::timeout),
    /// [`connect_timeout`](Self::connect_timeout),
    /// [`follow_redirects`](Self::follow_redirects) and
    /// `add_root_certificate` are then not used.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Whether a connection stays open after an answer, for the next request
    /// (default true).
    ///
    /// Turn it off when the runtime cannot run between requests for a long
    /// while (a program waiting for input on the thread of a current-thread
    /// runtime): a connection the server closed meanwhile is then not
    /// noticed until the next request fails on it. Not used with
    /// [`http_client`](Self::http_client).
    pub fn reuse_connections(mut self, reuse: bool) -> Self {
        self.reuse_connections = reuse;
        self
    }

    /// Trusts this certificate authority for HTTPS, besides the system's
    /// (which `SSL_CERT_FILE` or `SSL_CERT_DIR`, when set, replace). For a
    /// PEM file of several, add each one that
    /// [`reqwest::Certificate::from_pem_bundle`] reads from it. The server's
    /// certificate is always checked; a refusal is an [`Error::Connect`]
    /// whose [`tls_problem`](Error::tls_problem) says why.
    ///
    /// Only with a TLS feature (`rustls-tls*` or `native-tls`).
    #[cfg(feature = "__tls")]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "rustls-tls", feature = "native-tls"))))]
    pub fn add_root_certificate(mut self, cert: reqwest::Certificate) -> Self {
        self.root_certificates.push(cert);
        self
    }

    /// The longest line accepted in a stream (default 8,000,000 bytes).
    pub fn max_line_bytes(mut self, limit: usize) -> Self {
        self.max_line = limit;
        self
    }

    /// Retries of requests that failed before anything happened on the
    /// server (default: none); see [`RetryPolicy`] for which ones.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Up to `max_retries` retries with the default delays:
    /// `retry_policy(RetryPolicy::new(max_retries))`.
    pub fn retries(self, max_retries: u32) -> Self {
        self.retry_policy(RetryPolicy::new(max_retries))
    }

    /// Where [`Client::web_search`] and [`Client::web_fetch`] go (default
    /// [`DEFAULT_WEB_BASE_URL`]); `/api/web_search` and `/api/web_fetch`
    /// are appended.
    pub fn web_base_url(mut self, url: impl Into<String>) -> Self {
        self.web_base_url = Some(url.into());
        self
    }

    /// The API key sent as `Authorization: Bearer <key>` unless an
    /// `Authorization` header is given (or the host has a user name and
    /// password). [`Client::web_search`] and [`Client::web_fetch`] need it
    /// (or an `Authorization: Bearer` header). Default: `OLLAMA_API_KEY`.
    pub fn api_key(mut self, key: Option<String>) -> Self {
        self.api_key = key;
        self
    }

    /// Builds the client. Fails on a host that cannot be resolved, a header
    /// that is not valid HTTP, or an HTTP client that cannot be set up.
    pub fn build(self) -> Result<Client> {
        let host = match &self.host {
            Some(h) => Host::parse(Some(h)),
            None => Host::from_env(),
        }
        .map_err(|e: HostError| Error::InvalidRequest(e.to_string()))?;
        #[cfg(not(feature = "__tls"))]
        if self.http.is_none() && host.base_url().starts_with("https:") {
            return Err(Error::InvalidRequest(format!(
                "cannot connect to {host}: this build of ollama-rs has no TLS support \
                 (enable its feature `rustls-tls` or `native-tls`)"
            )));
        }

        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&user_agent()).expect("ASCII user agent"),
        );
        let caller_bearer = self.headers.iter().rev().find_map(|(name, value)| {
            (name.trim().eq_ignore_ascii_case("authorization")
                && value.trim().starts_with("Bearer "))
            .then(|| value.trim().to_string())
        });
        let web_auth = match (caller_bearer, &self.api_key) {
            (Some(value), _) => Some(sensitive(&value)?),
            (None, Some(key)) => Some(sensitive(&format!("Bearer {key}"))?),
            (None, None) => None,
        };
        let web_base = url::Url::parse(
            self.web_base_url
                .as_deref()
                .unwrap_or(DEFAULT_WEB_BASE_URL)
                .trim_end_matches('/'),
        )
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
        .ok_or_else(|| {
            Error::InvalidRequest("the web API's base URL is not an http(s) URL".into())
        })?;
        let follow_redirects = self.follow_redirects && self.http.is_none();
        if let Some((user, pass)) = host.credentials() {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
            headers.insert(AUTHORIZATION, sensitive(&format!("Basic {token}"))?);
        } else if let Some(key) = &self.api_key {
            headers.insert(AUTHORIZATION, sensitive(&format!("Bearer {key}"))?);
        }
        for (name, value) in &self.headers {
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|_| Error::InvalidRequest(format!("invalid header name `{name}`")))?;
            let mut value = HeaderValue::from_str(value.trim())
                .map_err(|_| Error::InvalidRequest(format!("invalid value for header `{name}`")))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }

        let (http, https) = match self.http {
            Some(c) => (c, None),
            None => {
                let recipe = Recipe {
                    no_proxy: host.is_loopback(),
                    timeout: self.timeout,
                    read_timeout: self.read_timeout,
                    connect_timeout: self.connect_timeout,
                    #[cfg(feature = "__tls")]
                    root_certificates: self.root_certificates,
                    reuse_connections: self.reuse_connections,
                };
                // A plain-HTTP server needs no certificates: the system's
                // are read only when an https:// URL is first used (the
                // web API, a redirect).
                let tls = host.base_url().starts_with("https:");
                let http = recipe.build(tls).map_err(|e| Error::Http {
                    host: host.to_string(),
                    source: e,
                })?;
                let https = (!tls).then(|| LazyHttps {
                    recipe,
                    client: std::sync::OnceLock::new(),
                });
                (http, https)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                https,
                host,
                headers,
                max_line: self.max_line,
                follow_redirects,
                retry: self.retry,
                web_base,
                web_auth,
            }),
        })
    }
}

fn sensitive(v: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(v)
        .map_err(|_| Error::InvalidRequest("credentials are not valid in a header".into()))?;
    v.set_sensitive(true);
    Ok(v)
}

/// The settings of the HTTP clients a [`ClientBuilder`] makes.
pub(super) struct Recipe {
    no_proxy: bool,
    timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    #[cfg(feature = "__tls")]
    root_certificates: Vec<reqwest::Certificate>,
    reuse_connections: bool,
}

impl Recipe {
    /// An HTTP client; with `tls`, one that trusts the system's
    /// certificates (read now) as well as those added.
    pub(super) fn build(&self, tls: bool) -> reqwest::Result<reqwest::Client> {
        // Redirects are followed by the client itself (`redirect`), which
        // can drop credential headers on the way.
        let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        // A proxy setting must never break a local server.
        if self.no_proxy {
            b = b.no_proxy();
        }
        if let Some(t) = self.timeout {
            b = b.timeout(t);
        }
        if let Some(t) = self.read_timeout {
            b = b.read_timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            b = b.connect_timeout(t);
        }
        #[cfg(feature = "__tls")]
        {
            b = b.tls_built_in_root_certs(tls);
            if tls {
                for cert in &self.root_certificates {
                    b = b.add_root_certificate(cert.clone());
                }
            }
        }
        #[cfg(not(feature = "__tls"))]
        let _ = tls;
        if !self.reuse_connections {
            b = b.pool_max_idle_per_host(0);
        }
        b.build()
    }
}

/// For a client of a plain-HTTP server: the client for https:// URLs,
/// made when one is first used.
pub(super) struct LazyHttps {
    recipe: Recipe,
    client: std::sync::OnceLock<reqwest::Client>,
}

impl LazyHttps {
    /// The client, made now if it is not yet.
    pub(super) fn get(&self) -> reqwest::Result<&reqwest::Client> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let made = self.recipe.build(true)?;
        Ok(self.client.get_or_init(|| made))
    }
}
