//! The `ollama-rs` command: parse, resolve, act; then map the outcome to one
//! error line and an exit status.

mod cli;
mod commands;
mod exit;
mod render;
mod repl;
mod settings;
mod tools;
mod ui;

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;
use crate::settings::Settings;
use crate::ui::progress::Activity;

fn main() -> ExitCode {
    set_panic_hook();
    // A shell asking for completions (`COMPLETE=<shell> ollama-rs ...`) is
    // answered here, and the process exits, before anything else runs.
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .shells(cli::complete::SHELLS)
        .complete();
    let cli = match cli::parse_from(std::env::args_os()) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version go to stdout with status 0; usage errors to
            // stderr with status 2, as `ollama-rs: error: ...` like every
            // other error, clap's usage and tip lines kept.
            if !e.use_stderr() {
                let _ = e.print();
                return ExitCode::from(exit::OK);
            }
            let _ = write!(std::io::stderr(), "{}", exit::clap_error(&e));
            return ExitCode::from(exit::USAGE);
        }
    };
    let settings = Settings::resolve(&cli);
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
    let outcome = rt.block_on(async {
        // The interactive session stops a reply on Ctrl-C and goes on; a
        // batch job stops sending and writes what it has.
        if settings.handles_interrupt {
            return Outcome::Done(commands::run(cli, &settings).await);
        }
        let run = commands::run(cli, &settings);
        tokio::pin!(run);
        tokio::select! {
            r = &mut run => Outcome::Done(r),
            // Read what was going on before the command is dropped: its
            // progress display clears itself (bars, cursor) as it drops, at
            // the end of this block, before the line below is printed.
            _ = tokio::signal::ctrl_c() => Outcome::Interrupted(Activity::current()),
        }
    });
    // Dropping the runtime must not wait for a stalled read or a file
    // still being hashed.
    rt.shutdown_background();
    match outcome {
        Outcome::Done(Ok(code)) => code,
        Outcome::Done(Err(err)) => exit::report(&err, &settings),
        Outcome::Interrupted(what) => {
            // An answer cut off mid-line is ended first, so that the
            // message starts a line of its own.
            render::cursor::end_open_lines();
            let line = match what {
                Some(what) => format!("ollama-rs: interrupted while {what}"),
                None => "ollama-rs: interrupted".to_string(),
            };
            let _ = writeln!(std::io::stderr(), "{line}");
            ExitCode::from(exit::INTERRUPTED)
        }
    }
}

/// Reports a panic as the default hook does (thread, place, message, and a
/// backtrace when `RUST_BACKTRACE` asks for one), but with the run's
/// credentials removed from the message: a panic's text can quote the data
/// it was working on.
fn set_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "Box<dyn Any>".to_string());
        let thread = std::thread::current();
        let name = thread.name().unwrap_or("<unnamed>");
        let place = info
            .location()
            .map(|l| format!(" at {}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_default();
        let backtrace = std::backtrace::Backtrace::capture();
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "thread '{name}' panicked{place}:\n{}",
            exit::scrub(&message)
        );
        match backtrace.status() {
            std::backtrace::BacktraceStatus::Captured => {
                let _ = writeln!(err, "stack backtrace:\n{backtrace}");
            }
            _ => {
                let _ = writeln!(
                    err,
                    "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace"
                );
            }
        }
    }));
}

/// How the command ended.
enum Outcome {
    Done(anyhow::Result<ExitCode>),
    /// Ctrl-C, while doing this (`pulling `tiny``).
    Interrupted(Option<String>),
}
