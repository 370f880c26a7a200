//! The options of `list`, `show`, `cp`, `rm` and `stop`.

use clap::{Args, ValueEnum};
use clap_complete::engine::ArgValueCompleter;

use super::complete::complete_model;

/// `list` sort orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    /// By name, A to Z.
    Name,
    /// Largest first.
    Size,
    /// Newest first.
    Modified,
}

/// `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Show only models whose name starts with this (case-insensitive)
    pub prefix: Option<String>,

    /// Sort order (default: as the server sends, newest first)
    #[arg(long, value_name = "KEY")]
    pub sort: Option<SortKey>,
}

/// `show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The model
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// Print the Modelfile
    #[arg(long, group = "field")]
    pub modelfile: bool,

    /// Print the parameters
    #[arg(long, group = "field")]
    pub parameters: bool,

    /// Print the template
    #[arg(long, group = "field")]
    pub template: bool,

    /// Print the system prompt
    #[arg(long, group = "field")]
    pub system: bool,

    /// Print the license
    #[arg(long, group = "field")]
    pub license: bool,

    /// Add the model's metadata
    #[arg(short, long)]
    pub verbose: bool,
}

/// `cp`.
#[derive(Debug, Args)]
pub struct CopyArgs {
    /// The model to copy
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub source: String,
    /// The new name
    pub destination: String,
}

/// `rm`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The models to remove
    #[arg(required = true, add = ArgValueCompleter::new(complete_model))]
    pub models: Vec<String>,
}

/// `stop`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// The models to unload
    #[arg(
        required_unless_present = "all",
        conflicts_with = "all",
        add = ArgValueCompleter::new(complete_model)
    )]
    pub models: Vec<String>,

    /// Unload every running model
    #[arg(long)]
    pub all: bool,
}
