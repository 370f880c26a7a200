//! One module per subcommand; each gets the resolved [`Ui`] and a client.

mod create;
mod embed;
pub(crate) mod generate;
pub(crate) mod manage;
pub(crate) mod transfer;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use ollama_rs::Client;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::exit::usage;
use crate::ui::Ui;

mod names;
pub use names::{check_model, check_models};

/// Runs the parsed command line.
pub async fn run(cli: Cli, ui: &Ui) -> Result<ExitCode> {
    // The interactive chat waits for lines on the runtime's thread, so a
    // kept connection could not notice that the server closed it.
    let reuse = !crate::repl::owns_ctrl_c(&cli, ui);
    let client = client(&cli.global, reuse)?;
    match cli.command {
        Command::Generate(a) => generate::generate(a, &client, ui).await,
        Command::Chat(a) => generate::chat(a, &client, ui).await,
        Command::Embed(a) => embed::run(a, &client, ui).await,
        Command::List(a) => manage::list(a, &client, ui).await,
        Command::Show(a) => manage::show(a, &client, ui).await,
        Command::Ps => manage::ps(&client, ui).await,
        Command::Cp(a) => manage::copy(a, &client, ui).await,
        Command::Rm(a) => manage::remove(a, &client, ui).await,
        Command::Stop(a) => manage::stop(a, &client, ui).await,
        Command::Version => manage::version(&client, ui).await,
        Command::Pull(a) => transfer::pull(a, &client, ui).await,
        Command::Push(a) => transfer::push(a, &client, ui).await,
        Command::Create(a) => transfer::create(a, &client, ui).await,
    }
}

/// Builds the client from the global options: `--host` (clap has already
/// put `OLLAMA_HOST` there), `-H`, `--timeout`, `--connect-timeout`,
/// `--cacert`; and whether to keep connections open between requests.
fn client(g: &GlobalArgs, reuse_connections: bool) -> Result<Client> {
    crate::exit::set_secrets(secrets(g));
    let mut b = Client::builder()
        .reuse_connections(reuse_connections)
        .connect_timeout(Duration::from_secs_f64(g.connect_timeout))
        .host(g.host.clone().unwrap_or_default());
    if let Some(path) = &g.cacert {
        for cert in ca_certificates(path)? {
            b = b.add_root_certificate(cert);
        }
    }
    if let Some(t) = g.timeout {
        b = b.timeout(Duration::from_secs_f64(t));
    }
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
        b = b.header(name.trim(), value.trim());
    }
    // Nothing has been sent yet: a host or header the library rejects is a
    // bad command line (status 2), said without the library's prefix.
    b.build().map_err(|e| match e {
        ollama_rs::Error::InvalidRequest(msg) => usage(msg),
        other => usage(other.to_string()),
    })
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
fn secrets(g: &GlobalArgs) -> Vec<String> {
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
    if let Ok(key) = std::env::var("OLLAMA_API_KEY") {
        out.push(key);
    }
    if let Some(host) = g.host.as_deref() {
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
