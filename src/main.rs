//! `wildtrace`: the command line. It parses arguments ([`cli`]), sets up
//! logging (and, on a terminal, progress bars: [`progress`]), runs one command ([`commands`], each a call into the
//! `wildtrace-crawler`, `-extract`, `-analysis` or `-demo` libraries) and
//! maps the outcome to an exit code: 0 success, 1 the run failed, 2 bad
//! usage, a bad config or a missing input.

mod cli;
mod commands;
mod exit_code;
mod progress;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn main() -> ExitCode {
    // Like other command-line tools, end quietly when the reader of our
    // output goes away (`wildtrace verify | head`) instead of panicking.
    #[cfg(unix)]
    // SAFETY: restoring the default SIGPIPE action before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = cli::Cli::parse();
    let filter = EnvFilter::try_new(&cli.log).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(progress::LogWriter)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .with_target(false),
        )
        .with(progress::StageLayer::new())
        .init();
    match commands::run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if exit_code::is_usage(&e) => {
            eprintln!("wildtrace: {e:#}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("wildtrace: error: {e:#}");
            ExitCode::from(1)
        }
    }
}
