//! The connection to the server, resolved from the global flags and the
//! environment: host (`--host`, which clap fills from `OLLAMA_HOST`),
//! `-H` headers, `--cacert`, timeouts, `OLLAMA_API_KEY`; the credentials to
//! keep out of messages; and the client built from all of it.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use ollama_rs::Client;

use crate::cli::GlobalArgs;
use crate::exit::usage;
use crate::settings::Settings;

/// What the client is built from. Every part is checked when it is
/// resolved, so that a bad command line is reported before anything is sent.
#[derive(Debug)]
pub struct Connection {
    /// `--host` or `OLLAMA_HOST`, as given (empty: the default).
    pub host: String,
    /// `-H` headers, as (name, value), trimmed.
    pub headers: Vec<(String, String)>,
    /// `--cacert`: the extra trusted CA certificates.
    pub certificates: Vec<reqwest::Certificate>,
    /// `--timeout`.
    pub timeout: Option<Duration>,
    /// `--connect-timeout`.
    pub connect_timeout: Duration,
    /// `OLLAMA_API_KEY`, when set and not empty.
    pub api_key: Option<String>,
    /// `OLLAMA_WEB_BASE_URL`: where web searches go.
    pub web_base_url: Option<String>,
    /// Keep connections open between requests. The interactive chat waits
    /// for lines on the runtime's thread, so a kept connection could not
    /// notice that the server closed it.
    pub reuse_connections: bool,
}

impl Connection {
    /// Resolves the global options. The run's credentials are registered
    /// with [`crate::exit::set_secrets`] first, so that no message can
    /// quote them, even one about a malformed option.
    /// `more_hosts` are further servers of the run (`batch --hosts`): their
    /// `user:password` are secrets too.
    pub fn resolve(
        g: &GlobalArgs,
        settings: &Settings,
        more_hosts: &[String],
    ) -> Result<Connection> {
        crate::exit::set_secrets(secrets(g, settings.env.api_key.as_deref(), more_hosts));
        let certificates = match &g.cacert {
            Some(path) => ca_certificates(path)?,
            None => Vec::new(),
        };
        let mut headers = Vec::new();
        for h in &g.headers {
            // The value may be a credential: messages quote only the start.
            let (name, value) = h.split_once(':').ok_or_else(|| {
                usage(format!(
                    "header `{}` must look like 'Name: value'",
                    header_start(h)
                ))
            })?;
            if name.trim().is_empty() {
                return Err(usage(
                    "a -H header has no name before `:`; it must look like 'Name: value'",
                ));
            }
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
        Ok(Connection {
            host: g.host.clone().unwrap_or_default(),
            headers,
            certificates,
            timeout: g.timeout.map(Duration::from_secs_f64),
            connect_timeout: Duration::from_secs_f64(g.connect_timeout),
            api_key: settings.env.api_key.clone().filter(|k| !k.is_empty()),
            web_base_url: settings.env.web_base_url.clone(),
            reuse_connections: !settings.interactive,
        })
    }

    /// The client. A host or header the library rejects is a bad command
    /// line (status 2), said without the library's prefix: nothing has
    /// been sent yet.
    pub fn client(&self) -> Result<Client> {
        let mut b = Client::builder()
            .reuse_connections(self.reuse_connections)
            .connect_timeout(self.connect_timeout)
            .api_key(self.api_key.clone())
            .host(self.host.clone());
        for cert in &self.certificates {
            b = b.add_root_certificate(cert.clone());
        }
        if let Some(t) = self.timeout {
            b = b.timeout(t);
        }
        if let Some(url) = &self.web_base_url {
            b = b.web_base_url(url.as_str());
        }
        for (name, value) in &self.headers {
            b = b.header(name.as_str(), value.as_str());
        }
        b.build().map_err(|e| match e {
            ollama_rs::Error::InvalidRequest(msg) => usage(msg),
            other => usage(other.to_string()),
        })
    }
}

/// The CA certificates of a `--cacert` file. Each is checked here, so that
/// a file that is missing, not PEM or holds a damaged certificate is a bad
/// command line (status 2) naming the file, before anything is sent.
fn ca_certificates(path: &Path) -> Result<Vec<reqwest::Certificate>> {
    use rustls::pki_types::{pem::PemObject as _, CertificateDer};

    let shown = path.display();
    let pem = std::fs::read(path)
        .map_err(|e| usage(format!("could not read the CA certificates `{shown}`: {e}")))?;
    let mut certs = Vec::new();
    for (n, der) in CertificateDer::pem_slice_iter(&pem).enumerate() {
        let der = der.map_err(|e| {
            usage(format!(
                "`{shown}` is not a valid PEM file of CA certificates: {e}"
            ))
        })?;
        // What the TLS layer will do with it: a certificate it cannot take
        // as a trust anchor is refused now rather than when connecting.
        rustls::RootCertStore::empty()
            .add(der.clone())
            .map_err(|e| {
                usage(format!(
                    "certificate {} in `{shown}` is not valid: {e}",
                    n + 1
                ))
            })?;
        certs.push(
            reqwest::Certificate::from_der(&der)
                .map_err(|e| usage(format!("certificate {} in `{shown}`: {e}", n + 1)))?,
        );
    }
    if certs.is_empty() {
        return Err(usage(format!(
            "`{shown}` holds no PEM certificate (a -----BEGIN CERTIFICATE----- block)"
        )));
    }
    Ok(certs)
}

/// The start of a malformed `-H` value, up to its first space or `=`: enough
/// to tell which one it is, without quoting a credential after the name.
fn header_start(h: &str) -> String {
    let h = h.trim();
    match h.find([' ', '\t', '=']) {
        Some(i) => format!("{}...", &h[..i]),
        None => h.chars().take(40).collect(),
    }
}

/// The credentials the command line and the environment give, to be kept
/// out of every message: values of `-H` headers whose name suggests one
/// (and the token after an auth scheme), `OLLAMA_API_KEY`, and the
/// `user:password` of the host with its Basic form.
fn secrets(g: &GlobalArgs, api_key: Option<&str>, more_hosts: &[String]) -> Vec<String> {
    use base64::Engine as _;
    let mut out = Vec::new();
    for h in &g.headers {
        let Some((name, value)) = h.split_once(':') else {
            continue;
        };
        if ollama_rs::headers::is_credential_header(name) {
            let value = value.trim();
            out.push(value.to_string());
            if let Some((_scheme, token)) = value.split_once(' ') {
                out.push(token.to_string());
            }
        }
    }
    if let Some(key) = api_key {
        out.push(key.to_string());
    }
    for host in g.host.iter().chain(more_hosts) {
        if let Ok(h) = ollama_rs::Host::parse(Some(host)) {
            if let Some((user, pass)) = h.credentials() {
                let pair = format!("{user}:{pass}");
                out.push(base64::engine::general_purpose::STANDARD.encode(&pair));
                out.push(pair);
                out.push(if pass.is_empty() { user } else { pass }.to_string());
            }
        }
    }
    out
}
