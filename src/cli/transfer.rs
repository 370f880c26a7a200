//! The options of `pull`, `push` and `create`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use clap_complete::engine::ArgValueCompleter;

use super::complete::complete_model;
use super::values::parse_secs;

/// How pull, push and create report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// Bars on a terminal; off a terminal, only the outcome.
    Auto,
    /// Bars on a terminal, plain lines otherwise.
    Bars,
    /// Log-friendly lines, about once a second per layer.
    Plain,
    /// Only the outcome.
    None,
}

/// Progress options shared by pull, push and create.
#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// How to report progress: auto, bars, plain, none (bare --progress: always report)
    #[arg(long, value_name = "MODE", num_args = 0..=1, default_missing_value = "bars",
          require_equals = true, default_value = "auto")]
    pub progress: ProgressMode,
}

/// The long help of `--insecure` (pull and push).
const INSECURE_HELP: &str = "\
Allow an insecure registry: the server may pull from or push to it over plain HTTP or \
without checking its certificate. It is about the registry the server talks to: the \
certificate of the Ollama server itself is always checked (see --cacert).";

/// `pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// The models to pull, one after another
    #[arg(
        required_unless_present = "all",
        conflicts_with = "all",
        add = ArgValueCompleter::new(complete_model)
    )]
    pub models: Vec<String>,

    /// Pull every local model again, to update it
    #[arg(long)]
    pub all: bool,

    /// Allow an insecure registry (plain HTTP, unchecked certificate)
    #[arg(long, long_help = INSECURE_HELP)]
    pub insecure: bool,

    /// Re-issue the pull when no progress arrives for this many seconds
    #[arg(long, value_name = "SECS", default_value = "60", value_parser = parse_secs,
          allow_negative_numbers = true)]
    pub stall_timeout: f64,

    /// How many times to re-issue a stalled pull
    #[arg(
        long,
        value_name = "N",
        default_value = "3",
        allow_negative_numbers = true
    )]
    pub retries: u32,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub progress: ProgressArgs,
}

/// `push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The model to push, e.g. myname/my-model
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// Allow an insecure registry (plain HTTP, unchecked certificate)
    #[arg(long, long_help = INSECURE_HELP)]
    pub insecure: bool,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub progress: ProgressArgs,
}

/// `create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The name of the new model
    #[arg(add = ArgValueCompleter::new(complete_model))]
    pub model: String,

    /// The Modelfile (default: ./Modelfile, when it exists)
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Quantize the model, e.g. q4_K_M or q8_0
    #[arg(short, long, value_name = "TYPE")]
    pub quantize: Option<String>,

    /// Quantize the draft model named by DRAFT, e.g. q8_0
    #[arg(long, value_name = "TYPE")]
    pub draft_quantize: Option<String>,

    /// The base model (overrides FROM)
    #[arg(long, value_name = "MODEL", add = ArgValueCompleter::new(complete_model))]
    pub from: Option<String>,

    /// System prompt (overrides SYSTEM)
    #[arg(long)]
    pub system: Option<String>,

    /// Template (overrides TEMPLATE)
    #[arg(long)]
    pub template: Option<String>,

    /// A parameter as KEY=VALUE (repeatable; overrides PARAMETER)
    #[arg(short, long = "parameter", value_name = "KEY=VALUE")]
    pub parameters: Vec<String>,

    #[command(flatten)]
    #[allow(missing_docs)]
    pub progress: ProgressArgs,
}
