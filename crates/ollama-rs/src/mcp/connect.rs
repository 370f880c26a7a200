//! Starting (or reaching) one MCP server and finishing its handshake.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use rmcp::model::{ClientCapabilities, ClientConfig, Implementation};
use rmcp::service::{Peer, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;

use super::config::{HttpServer, ServerConfig, StdioServer};
use super::McpError;

/// The variables of this process a stdio server gets (when set), besides
/// those its configuration names: what programs need to find their
/// tools, their home, their language and their terminal. Every `LC_*`
/// variable is passed too. Nothing else is: no API key, token or proxy
/// setting of this process reaches a server unless its `env` names it.
pub const PASSED_VARIABLES: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TERM",
    "TMPDIR",
    "TZ",
    // Windows needs these to start most programs.
    "SYSTEMROOT",
    "WINDIR",
    "COMSPEC",
    "PATHEXT",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "TEMP",
    "TMP",
];

/// How servers are started.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// Where the stderr of each stdio server goes: `<log_dir>/<server>.log`,
    /// appended to (the folder is made when missing). `None`: discarded.
    pub log_dir: Option<PathBuf>,
    /// The longest wait for a server to start and answer the handshake
    /// and its list of tools (default 30 s).
    pub start_timeout: Duration,
    /// CA certificates (PEM) trusted for `https://` servers besides the
    /// system's (which `SSL_CERT_FILE` and `SSL_CERT_DIR` replace).
    pub root_certificates: Vec<Vec<u8>>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            log_dir: None,
            start_timeout: Duration::from_secs(30),
            root_certificates: Vec::new(),
        }
    }
}

impl ConnectOptions {
    /// Sets [`log_dir`](Self::log_dir).
    #[must_use]
    pub fn log_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.log_dir = Some(dir.into());
        self
    }

    /// Adds CA certificates (PEM, one or more) to
    /// [`root_certificates`](Self::root_certificates).
    #[must_use]
    pub fn add_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Sets [`start_timeout`](Self::start_timeout).
    #[must_use]
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }
}

/// The log file of server `name` in `dir`: its name with anything but
/// letters, digits, `-`, `_` and `.` replaced by `_`.
pub fn log_file(dir: &Path, name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    dir.join(format!(
        "{}.log",
        if safe.is_empty() { "server" } else { safe }
    ))
}

/// A connected server: its session, its tools, and for a stdio server the
/// child process and log file.
pub(super) struct Connection {
    pub name: String,
    pub config: ServerConfig,
    pub peer: Peer<RoleClient>,
    pub service: tokio::sync::Mutex<Option<RunningService<RoleClient, ClientConfig>>>,
    pub tools: Vec<rmcp::model::Tool>,
    pub log: Option<PathBuf>,
    pub child: Mutex<Option<tokio::process::Child>>,
}

impl Connection {
    /// Whether the session still runs (a stdio server that exited, or a
    /// closed session, does not).
    pub fn running(&self) -> bool {
        if self.peer.is_transport_closed() {
            return false;
        }
        match self.child.lock().ok().as_deref_mut() {
            Some(Some(child)) => matches!(child.try_wait(), Ok(None)),
            _ => true,
        }
    }

    /// How a stdio server ended, when it has: `exited with status 3`.
    pub fn exit(&self) -> Option<String> {
        let mut guard = self.child.lock().ok()?;
        let status = guard.as_mut()?.try_wait().ok()??;
        Some(match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => format!("was ended ({status})"),
        })
    }

    /// ` (its stderr is in FILE)`, for a stdio server with a log.
    pub fn log_note(&self) -> String {
        log_note(self.log.as_deref())
    }
}

fn log_note(log: Option<&Path>) -> String {
    match log {
        Some(path) => format!("; its stderr is in {}", path.display()),
        None => String::new(),
    }
}

/// The MCP handshake over `transport`, then the server's list of tools.
async fn handshake<T, E, A>(
    transport: T,
) -> Result<
    (
        RunningService<RoleClient, ClientConfig>,
        Vec<rmcp::model::Tool>,
    ),
    String,
>
where
    T: rmcp::transport::IntoTransport<RoleClient, E, A>,
    E: std::error::Error + Send + Sync + 'static,
{
    let service = client_config()
        .serve(transport)
        .await
        .map_err(|e| e.to_string())?;
    let tools = service
        .peer()
        .list_all_tools()
        .await
        .map_err(|e| format!("could not list its tools: {e}"))?;
    Ok((service, tools))
}

fn client_config() -> ClientConfig {
    ClientConfig::new(
        ClientCapabilities::default(),
        Implementation::new("ollama-rs", env!("CARGO_PKG_VERSION")),
    )
}

/// Starts or reaches server `name` and finishes the handshake, then lists
/// its tools.
pub(super) async fn connect(
    name: &str,
    config: &ServerConfig,
    options: &ConnectOptions,
) -> Result<Connection, McpError> {
    match config {
        ServerConfig::Stdio(s) => connect_stdio(name, config, s, options).await,
        ServerConfig::Http(h) => connect_http(name, config, h, options).await,
    }
}

/// Opens (appending) the log file of a server, private to the user.
fn open_log(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// The environment of a stdio server: the [`PASSED_VARIABLES`] and `LC_*`
/// of this process that are set, then the configured ones.
fn server_environment(s: &StdioServer) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    let mut env: Vec<_> = std::env::vars_os()
        .filter(|(k, _)| {
            k.to_str()
                .is_some_and(|k| PASSED_VARIABLES.contains(&k) || k.starts_with("LC_"))
        })
        .collect();
    env.extend(s.env.iter().map(|(k, v)| (k.into(), v.into())));
    env
}

async fn connect_stdio(
    name: &str,
    config: &ServerConfig,
    s: &StdioServer,
    options: &ConnectOptions,
) -> Result<Connection, McpError> {
    let start_error = |message: String| McpError::Start {
        server: name.to_string(),
        command: s.command_line(),
        message,
    };
    let log = options.log_dir.as_deref().map(|d| log_file(d, name));
    let stderr = match &log {
        Some(path) => {
            let mut file = open_log(path).map_err(|e| {
                start_error(format!(
                    "could not open its log file {}: {e}",
                    path.display()
                ))
            })?;
            let _ = writeln!(file, "--- ollama-rs: starting `{}`", s.command_line());
            Stdio::from(file)
        }
        None => Stdio::null(),
    };
    let mut command = tokio::process::Command::new(&s.command);
    command
        .args(&s.args)
        .env_clear()
        .envs(server_environment(s))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .kill_on_drop(true);
    if let Some(dir) = &s.cwd {
        command.current_dir(dir);
    }
    // A group of its own: Ctrl-C on the terminal (which signals the whole
    // foreground group) stops a call, not the server.
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command.spawn().map_err(|e| {
        start_error(match e.kind() {
            std::io::ErrorKind::NotFound => format!("command `{}` not found", s.command),
            std::io::ErrorKind::PermissionDenied => {
                format!("`{}` cannot be run (permission denied)", s.command)
            }
            _ => e.to_string(),
        })
    })?;
    let (Some(stdout), Some(stdin)) = (child.stdout.take(), child.stdin.take()) else {
        return Err(start_error(
            "its stdin or stdout could not be opened".into(),
        ));
    };
    let handshake = handshake((stdout, stdin));
    let outcome = tokio::time::timeout(options.start_timeout, handshake).await;
    let failed = |message: String, child: &mut tokio::process::Child| {
        let exited = match child.try_wait() {
            Ok(Some(status)) => match status.code() {
                Some(code) => format!(" (it exited with status {code})"),
                None => format!(" (it was ended: {status})"),
            },
            _ => String::new(),
        };
        McpError::Handshake {
            server: name.to_string(),
            target: s.command_line(),
            message: format!("{message}{exited}{}", log_note(log.as_deref())),
        }
    };
    let (service, tools) = match outcome {
        Ok(Ok(done)) => done,
        Ok(Err(message)) => {
            // Give an exiting server a moment, to report its status.
            let _ = tokio::time::timeout(Duration::from_millis(200), child.wait()).await;
            return Err(failed(message, &mut child));
        }
        Err(_) => {
            let message = format!("no answer within {}s", options.start_timeout.as_secs_f64());
            return Err(failed(message, &mut child));
        }
    };
    Ok(Connection {
        name: name.to_string(),
        config: config.clone(),
        peer: service.peer().clone(),
        service: tokio::sync::Mutex::new(Some(service)),
        tools,
        log,
        child: Mutex::new(Some(child)),
    })
}

async fn connect_http(
    name: &str,
    config: &ServerConfig,
    h: &HttpServer,
    options: &ConnectOptions,
) -> Result<Connection, McpError> {
    let mut headers = HashMap::new();
    for (k, v) in &h.headers {
        let header = http::HeaderName::from_bytes(k.as_bytes())
            .ok()
            .zip(http::HeaderValue::from_str(v).ok());
        let Some((key, value)) = header else {
            return Err(McpError::Start {
                server: name.to_string(),
                command: h.url.clone(),
                message: format!("the header `{k}` is not a valid HTTP header"),
            });
        };
        headers.insert(key, value);
    }
    let https = h
        .url
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("https:");
    let client =
        http_client(https, &options.root_certificates).map_err(|message| McpError::Start {
            server: name.to_string(),
            command: h.url.clone(),
            message,
        })?;
    let transport = StreamableHttpClientTransport::with_client(
        client,
        StreamableHttpClientTransportConfig::with_uri(h.url.as_str()).custom_headers(headers),
    );
    let handshake = handshake(transport);
    let (service, tools) = match tokio::time::timeout(options.start_timeout, handshake).await {
        Ok(Ok(done)) => done,
        Ok(Err(message)) => {
            return Err(McpError::Handshake {
                server: name.to_string(),
                target: h.url.clone(),
                message,
            })
        }
        Err(_) => {
            return Err(McpError::Handshake {
                server: name.to_string(),
                target: h.url.clone(),
                message: format!("no answer within {}s", options.start_timeout.as_secs_f64()),
            })
        }
    };
    Ok(Connection {
        name: name.to_string(),
        config: config.clone(),
        peer: service.peer().clone(),
        service: tokio::sync::Mutex::new(Some(service)),
        tools,
        log: None,
        child: Mutex::new(None),
    })
}

/// The HTTP client of a streamable-HTTP server. Its TLS is rustls with the
/// ring provider (the library's other TLS needs no second crypto library);
/// the trusted roots, read only for an `https://` server, are the system's
/// and `extra`'s.
fn http_client(https: bool, extra: &[Vec<u8>]) -> Result<reqwest_mcp::Client, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let mut roots = rustls::RootCertStore::empty();
    if https {
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        for pem in extra {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert =
                    cert.map_err(|e| format!("an added CA certificate is not valid PEM: {e}"))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("an added CA certificate is not usable: {e}"))?;
            }
        }
        if roots.is_empty() {
            return Err("no trusted CA certificate was found for an https:// server".into());
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS could not be set up: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest_mcp::Client::builder()
        .tls_backend_preconfigured(tls)
        .build()
        .map_err(|e| format!("the HTTP client could not be set up: {e}"))
}
