//! The main job, `wildtrace demo`: crawl the embedded marketplace round
//! after round ([`crate::run::crawl_demo`]), analyse the lake with
//! `wildtrace-analysis`, write the policymaker report for the latest year,
//! and optionally export the market's ground truth and request log.
//!
//! It owns the order of those steps and the summary the binary prints. It
//! must not crawl or analyse by itself: both go through their libraries.

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use wildtrace_analysis::{AnalysisError, AnalysisOptions, AnalysisOutputs};
use wildtrace_crawler::config::CrawlConfig;
use wildtrace_crawler::crawl::{CrawlOutcome, ProgressSink};

use crate::market::DemoOptions;
use crate::run::{DemoError, ReportHook, crawl_demo_with};

/// What the main job is asked to do.
#[derive(Debug, Clone)]
pub struct DemoJob {
    /// The crawl job (its sites use `demo:<site>` base URLs).
    pub config: CrawlConfig,
    /// The market's seed and size.
    pub market: DemoOptions,
    /// Crawl rounds (the market removes listings between rounds).
    pub rounds: u32,
    /// Output folder for tables, figures, warehouse and report.
    pub out_dir: PathBuf,
    /// Species lexicon.
    pub lexicon: PathBuf,
    /// Exchange-rate tables, in order of precedence.
    pub rates: Vec<PathBuf>,
    /// Days after a rate table's last day its last rate still converts.
    pub rate_window_days: u32,
    /// Places gazetteer.
    pub places: PathBuf,
    /// Where to write the ground truth and the request log (JSON), if anywhere.
    pub ground_truth: Option<PathBuf>,
    /// Where the crawl rounds report their progress (the binary's bars).
    pub progress: Option<ProgressSink>,
    /// Reports listings to the sites' intakes between rounds
    /// ([`crate::run::REPORT_AFTER_ROUND`]); `None` reports nothing.
    pub report: Option<ReportHook>,
}

/// Failures of the main job.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The demo crawl failed.
    #[error(transparent)]
    Crawl(#[from] DemoError),
    /// The analysis or the report failed.
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    /// The ground-truth file could not be written.
    #[error("writing {}: {source}", path.display())]
    GroundTruth {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// What the main job did, printed by the binary (`Display`).
#[derive(Debug)]
pub struct DemoSummary {
    /// Wall time of the whole job.
    pub elapsed: Duration,
    /// One outcome per crawl round.
    pub rounds: Vec<CrawlOutcome>,
    /// What was reported to the platforms between rounds.
    pub reports: Vec<String>,
    /// The lake folder.
    pub lake_dir: PathBuf,
    /// What the analysis wrote.
    pub outputs: AnalysisOutputs,
    /// The report for the latest year with listings.
    pub report: PathBuf,
}

/// Runs the main job.
pub async fn run(job: &DemoJob) -> Result<DemoSummary, PipelineError> {
    let started = Instant::now();
    let demo = crawl_demo_with(
        &job.config,
        job.market.clone(),
        job.rounds,
        job.progress.clone(),
        job.report.clone(),
    )
    .await?;
    if let Some(path) = &job.ground_truth {
        let json = serde_json::json!({
            "ground_truth": demo.ground_truth,
            "requests": demo.requests,
            "rounds": demo.rounds,
        });
        let bytes = serde_json::to_vec_pretty(&json).expect("JSON values serialise");
        std::fs::write(path, bytes).map_err(|source| PipelineError::GroundTruth {
            path: path.clone(),
            source,
        })?;
    }
    let run_ids: Vec<&str> = demo.rounds.iter().map(|r| r.run_id.as_str()).collect();
    // One line under every figure: the last run id is enough to find the
    // rest (run ids are numbered), and it stays within the figure's width.
    let runs = match run_ids.as_slice() {
        [] => String::new(),
        [one] => format!("run {one}"),
        [a, b] => format!("runs {a}, {b}"),
        [.., z] => format!("{} runs to {z}", run_ids.len()),
    };
    let dates = match (demo.rounds.first(), demo.rounds.last()) {
        (Some(a), Some(z)) if a.crawl_date != z.crawl_date => {
            format!("{} to {}", a.crawl_date, z.crawl_date)
        }
        (Some(a), _) => a.crawl_date.to_string(),
        _ => String::new(),
    };
    let source_line = format!(
        "wildtrace demo marketplace (simulated, seed {}) · {runs} · {dates}",
        job.market.seed,
    );
    let lake_dir = job.config.lake_dir();
    let opts = AnalysisOptions {
        lake_dir: lake_dir.clone(),
        out_dir: job.out_dir.clone(),
        lexicon_path: job.lexicon.clone(),
        rates_paths: job.rates.clone(),
        rate_window_days: job.rate_window_days,
        places_path: job.places.clone(),
        extra_inputs: vec![job.config.path.clone()],
        source_line,
    };
    // The analysis is CPU-bound and synchronous: off the async workers.
    let (outputs, report) = tokio::task::spawn_blocking(move || {
        let analysis = wildtrace_analysis::analyse(&opts)?;
        // The policymaker report for the latest year with listings, from
        // the run's tables in memory.
        let report = analysis.write_report(None)?;
        Ok::<_, AnalysisError>((analysis.outputs, report))
    })
    .await
    .expect("analysis task panicked")?;
    Ok(DemoSummary {
        elapsed: started.elapsed(),
        rounds: demo.rounds,
        reports: demo.reports,
        lake_dir,
        outputs,
        report,
    })
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "wildtrace demo: done in {:.1} s",
            self.elapsed.as_secs_f64()
        )?;
        for r in &self.rounds {
            writeln!(f, "  crawl run {}:", r.run_id)?;
            for s in &r.sites {
                writeln!(
                    f,
                    "    {:<13} {:>4} requests, {:>3} active, {:>3} changed, {:>3} removed, {:>3} refused by robots.txt, delay {:.2}s ({})",
                    s.source,
                    s.requests,
                    s.active,
                    s.changed,
                    s.removed,
                    s.robots_disallowed,
                    s.delay_s,
                    s.robots
                )?;
                for w in &s.warnings {
                    writeln!(f, "      warning: {w}")?;
                }
            }
        }
        for r in &self.reports {
            writeln!(f, "  reported:  {r}")?;
        }
        writeln!(f, "  lake:      {}", self.lake_dir.display())?;
        write!(f, "{}", self.outputs)?;
        write!(f, "  report:    {}", self.report.display())
    }
}
