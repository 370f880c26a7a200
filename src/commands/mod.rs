//! One module per subcommand; each gets the resolved [`Settings`] and a client.

mod ahead;
mod batch;
mod create;
mod embed;
mod generate;
mod manage;
mod tool_chat;
mod transfer;

use std::process::ExitCode;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::settings::connection::Connection;
use crate::settings::Settings;

mod names;
mod style;

/// Runs the parsed command line.
pub async fn run(cli: Cli, settings: &Settings) -> Result<ExitCode> {
    // Resolved once: with the servers of a batch job, whose credentials are
    // secrets of the run too.
    let hosts = match &cli.command {
        Command::Batch(a) => batch::hosts(a),
        _ => Vec::new(),
    };
    let connection = Connection::resolve(&cli.global, settings, &hosts)?;
    let client = connection.client()?;
    match cli.command {
        Command::Generate(a) => generate::generate(a, &client, settings).await,
        Command::Chat(a) => generate::chat(a, &client, settings).await,
        Command::Embed(a) => embed::run(a, &client, settings).await,
        Command::List(a) => manage::list(a, &client, settings).await,
        Command::Show(a) => manage::show(a, &client, settings).await,
        Command::Ps => manage::ps(&client, settings).await,
        Command::Cp(a) => manage::copy(a, &client, settings).await,
        Command::Rm(a) => manage::remove(a, &client, settings).await,
        Command::Stop(a) => manage::stop(a, &client, settings).await,
        Command::Version => manage::version(&client, settings).await,
        Command::Pull(a) => transfer::pull(a, &client, settings).await,
        Command::Push(a) => transfer::push(a, &client, settings).await,
        Command::Create(a) => create::create(a, &client, settings).await,
        Command::Batch(a) => batch::run(a, connection, hosts, settings).await,
    }
}
