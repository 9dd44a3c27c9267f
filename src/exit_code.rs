//! The one rule from errors to exit codes: an error of the user's making
//! (bad arguments, a bad config or profile, a missing input, a report year
//! without data, an interrupted run that must be resumed) exits 2; anything
//! else, a run that failed, exits 1.
//!
//! It owns only that classification; commands never pick exit codes.

use std::error::Error;

use wildtrace_analysis::AnalysisError;
use wildtrace_crawler::crawl::CrawlError;
use wildtrace_crawler::report::ReportError;
use wildtrace_crawler::schedule::ScheduleError;
use wildtrace_demo::pipeline::PipelineError;
use wildtrace_demo::schedule::DemoScheduleError;
use wildtrace_extract::config_error::ConfigError;

use crate::commands::UsageError;

/// Whether any cause of `e` is the user's error (exit code 2).
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(is_usage_cause)
}

fn is_usage_cause(c: &(dyn Error + 'static)) -> bool {
    if c.is::<UsageError>() || c.is::<ConfigError>() {
        return true;
    }
    if let Some(e) = c.downcast_ref::<AnalysisError>() {
        return e.is_config();
    }
    if let Some(e) = c.downcast_ref::<CrawlError>() {
        return matches!(e, CrawlError::Interrupted { .. });
    }
    if let Some(e) = c.downcast_ref::<ReportError>() {
        return matches!(
            e,
            ReportError::UnknownSite(_) | ReportError::NoIntake(_) | ReportError::Refused { .. }
        );
    }
    if let Some(e) = c.downcast_ref::<ScheduleError>() {
        return matches!(e, ScheduleError::Config(_) | ScheduleError::Jobs { .. });
    }
    // Wrappers whose `#[error(transparent)]` variants hide the cause from
    // `chain()`: look inside.
    if let Some(e) = c.downcast_ref::<DemoScheduleError>() {
        return match e {
            DemoScheduleError::Schedule(s) => is_usage_cause(s),
            DemoScheduleError::Demo(_) => false,
        };
    }
    if let Some(PipelineError::Analysis(a)) = c.downcast_ref::<PipelineError>() {
        return a.is_config();
    }
    false
}
