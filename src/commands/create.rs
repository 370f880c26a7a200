//! `create`: a Modelfile and flags become a create request; local files are
//! hashed and uploaded first.

use std::process::ExitCode;

use anyhow::Result;
use ollama_rs::Client;

use crate::cli::CreateArgs;
use crate::exit::usage;
use crate::ui::Ui;

/// `create`.
pub async fn create(a: CreateArgs, client: &Client, ui: &Ui) -> Result<ExitCode> {
    let _ = (a, client, ui);
    Err(usage("create is not available yet"))
}
