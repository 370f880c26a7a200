//! The `ollama-rs` command: parse, resolve, act; then map the outcome to one
//! error line and an exit status.

mod cli;
mod commands;
mod exit;
mod repl;
mod ui;

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::ui::Ui;

fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=<shell> ollama-rs ...`) is
    // answered here, and the process exits, before anything else runs.
    clap_complete::CompleteEnv::with_factory(Cli::command).complete();
    let cli = match cli::parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version go to stdout with status 0; usage errors to
            // stderr with status 2.
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let ui = Ui::new(&cli.global);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ollama-rs: error: could not start: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(async {
        // The interactive session stops a reply on Ctrl-C and goes on.
        if repl::owns_ctrl_c(&cli, &ui) {
            return commands::run(cli, &ui).await;
        }
        tokio::select! {
            r = commands::run(cli, &ui) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::Error::new(exit::Interrupted)),
        }
    });
    // Dropping the runtime must not wait for a stalled read.
    rt.shutdown_background();
    match result {
        Ok(code) => code,
        Err(err) => exit::report(&err, &ui),
    }
}
