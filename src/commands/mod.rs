//! One module per subcommand; each gets the resolved [`Ui`] and a client.

mod create;
mod embed;
pub(crate) mod generate;
pub(crate) mod manage;
pub(crate) mod transfer;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use ollama_rs::Client;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::exit::usage;
use crate::ui::Ui;

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
/// put `OLLAMA_HOST` there), `-H`, `--timeout`, `--connect-timeout`; and
/// whether to keep connections open between requests.
fn client(g: &GlobalArgs, reuse_connections: bool) -> Result<Client> {
    let mut b = Client::builder()
        .reuse_connections(reuse_connections)
        .connect_timeout(Duration::from_secs_f64(g.connect_timeout))
        .host(g.host.clone().unwrap_or_default());
    if let Some(t) = g.timeout {
        b = b.timeout(Duration::from_secs_f64(t));
    }
    for h in &g.headers {
        let (name, value) = h
            .split_once(':')
            .ok_or_else(|| usage(format!("header `{h}` must look like 'Name: value'")))?;
        if name.trim().is_empty() {
            return Err(usage(format!("header `{h}` has no name")));
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
