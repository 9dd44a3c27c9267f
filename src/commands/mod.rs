//! One module per subcommand, each a small function that turns validated
//! arguments into one library call and prints its result; plus what they
//! share: the usage-error type, input checks, the async runtime, the stop
//! signal and the table printer.
//!
//! Nothing here computes, crawls or analyses: that is the libraries' job.

mod analyse;
mod bench;
mod crawl;
mod demo;
mod demo_market;
mod export;
mod flag;
mod inspect;
mod lexicon;
mod report;
mod schedule;
mod sql;
mod verify;

use std::path::{Path, PathBuf};

use anyhow::Context;
use tokio::sync::watch;
use wildtrace_crawler::config::CrawlConfig;

use crate::cli::{Command, ReferenceArgs};

/// Runs one subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Demo(args) => demo::run(args),
        Command::Crawl(args) => crawl::run(args),
        Command::Schedule(args) => schedule::run(args),
        Command::Analyse(args) => analyse::run(args),
        Command::DemoMarket(args) => demo_market::run(args),
        Command::Report(args) => report::run(args),
        Command::Lexicon { command } => lexicon::run(command),
        Command::Bench { bench } => bench::run(bench),
        Command::Inspect { command } => inspect::run(command),
        Command::Export(args) => export::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Sql(args) => sql::run(args),
        Command::Flag(args) => flag::run(args),
    }
}

/// A failure of the user's making (bad arguments, a missing input): exit 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Refuses missing inputs up front, so they are usage errors (exit 2).
pub fn require(path: &Path, what: &str) -> anyhow::Result<()> {
    if path.exists() {
        Ok(())
    } else {
        Err(UsageError(format!("{}: no such {what}", path.display())).into())
    }
}

/// Refuses a missing reference up front (a file, or an `embedded:` name
/// this build holds), so it is a usage error (exit 2).
pub fn require_reference(path: &Path, what: &str) -> anyhow::Result<()> {
    if wildtrace_analysis::reference::exists(path) {
        Ok(())
    } else {
        Err(UsageError(format!("{}: no such {what}", path.display())).into())
    }
}

/// The reference files of one analysis run.
#[derive(Debug, Clone)]
pub struct References {
    pub lexicon: PathBuf,
    /// Rate sources in order of precedence (at least one).
    pub rates: Vec<PathBuf>,
    /// Days after a rate table's last day its last rate still converts.
    pub rate_window_days: u32,
    pub places: PathBuf,
}

/// Picks each reference file: the flag, else the job config's
/// `[reference]` file, else the copy compiled into the binary; then checks
/// that each exists.
pub fn references(flags: &ReferenceArgs, job: Option<&CrawlConfig>) -> anyhow::Result<References> {
    use wildtrace_analysis::reference::{EMBEDDED_LEXICON, EMBEDDED_PLACES, EMBEDDED_RATES};
    let from_job = job.map(|j| &j.reference);
    let rates = if !flags.rates.is_empty() {
        flags.rates.clone()
    } else {
        match from_job.map(|r| r.rates.clone()) {
            Some(list) if !list.is_empty() => list,
            _ => vec![EMBEDDED_RATES.into()],
        }
    };
    let r = References {
        lexicon: flags
            .lexicon
            .clone()
            .or_else(|| from_job.and_then(|r| r.lexicon.clone()))
            .unwrap_or_else(|| EMBEDDED_LEXICON.into()),
        rates,
        rate_window_days: flags.rate_window_days,
        places: flags
            .places
            .clone()
            .or_else(|| from_job.and_then(|r| r.places.clone()))
            .unwrap_or_else(|| EMBEDDED_PLACES.into()),
    };
    require_reference(&r.lexicon, "lexicon file")?;
    for rates in &r.rates {
        require_reference(rates, "rates file")?;
    }
    require_reference(&r.places, "places gazetteer")?;
    Ok(r)
}

/// The multi-threaded runtime the async commands run on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// The stop signal handed to crawls and the scheduler: it turns true on
/// Ctrl-C or SIGTERM, and runs then stop taking URLs and stay resumable.
/// Must be called inside the runtime.
pub fn stop_on_signals() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::warn!("stop requested: finishing the requests in flight; runs stay resumable");
        let _ = tx.send(true);
    });
    rx
}

/// Prints rows as an aligned text table with a row count.
pub fn print_table(cols: &[String], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = cols.iter().map(|c| c.chars().count()).collect();
    for r in rows {
        for (i, v) in r.iter().enumerate() {
            widths[i] = widths[i].max(v.chars().count());
        }
    }
    let line = |vals: &[String]| {
        vals.iter()
            .enumerate()
            .map(|(i, v)| format!("{v:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    println!("{}", line(cols));
    println!(
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-")
    );
    for r in rows {
        println!("{}", line(r));
    }
    println!("({} rows)", rows.len());
}
