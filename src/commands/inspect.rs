//! `wildtrace inspect`: what the extraction library (price, extract,
//! robots, sitemap) or the analysis library (species, location) makes of
//! one input. Reference data defaults to the copies compiled in, so every
//! tool works from any working directory.

use std::path::{Path, PathBuf};

use wildtrace_analysis::Lexicon;
use wildtrace_analysis::inspect as analysis_inspect;
use wildtrace_analysis::places::Gazetteer;
use wildtrace_analysis::reference::{EMBEDDED_LEXICON, EMBEDDED_PLACES};
use wildtrace_extract::budget::PageLimits;
use wildtrace_extract::inspect;
use wildtrace_extract::sitemap::SitemapLimits;

use super::{UsageError, require_reference};
use crate::cli::InspectCommand;

/// A batch with bad lines exits 2 after the last line (each bad line
/// already carries its error).
fn batch_result(b: analysis_inspect::Batch) -> anyhow::Result<()> {
    if b.bad == 0 {
        Ok(())
    } else {
        Err(UsageError(format!(
            "{} of {} input lines were not valid requests",
            b.bad, b.lines
        ))
        .into())
    }
}

pub fn run(command: InspectCommand) -> anyhow::Result<()> {
    let read = |path: &Path| -> anyhow::Result<Vec<u8>> {
        std::fs::read(path).map_err(|e| UsageError(format!("{}: {e}", path.display())).into())
    };
    let parse_url = |u: &str| inspect::parse_url(u).map_err(UsageError);
    let value = match command {
        InspectCommand::Price {
            text,
            currency_hint,
            jsonl,
        } => {
            if jsonl {
                inspect::price_jsonl(std::io::stdin().lock(), std::io::stdout().lock())?;
                return Ok(());
            }
            inspect::price_json(&text.unwrap_or_default(), currency_hint.as_deref())
        }
        InspectCommand::Robots {
            robots,
            agent,
            url,
            jsonl,
        } => {
            if jsonl {
                inspect::robots_jsonl(std::io::stdin().lock(), std::io::stdout().lock())?;
                return Ok(());
            }
            let body = read(&robots.unwrap_or_default())?;
            inspect::robots_json(&body, &agent.unwrap_or_default(), &url.unwrap_or_default())
                .map_err(UsageError)?
        }
        InspectCommand::Extract {
            file,
            url,
            profile,
            sites_dir,
        } => {
            let body = read(&file)?;
            let url = parse_url(&url)?;
            let profile = profile
                .map(|p| inspect::resolve_profile(&p, sites_dir.as_deref()))
                .transpose()?;
            let keys = inspect::throwaway_pseudonymiser();
            let limits = PageLimits::default();
            let (records, cut) =
                inspect::extract_page(&body, None, &url, profile.as_ref(), &keys, &limits);
            if let Some(outcome) = cut.outcome() {
                // The crawler would log this page with this outcome.
                tracing::warn!(
                    outcome,
                    dropped_tags = cut.dropped_tags,
                    parsed_bytes = cut.parsed_bytes,
                    stopped = ?cut.stopped,
                    "page cut by its budgets (depth {}, {} elements, {} ms)",
                    limits.max_depth,
                    limits.max_elements,
                    limits.max_time.as_millis()
                );
            }
            serde_json::to_value(records)?
        }
        InspectCommand::Species {
            text,
            jsonl,
            lexicon,
        } => {
            let path = lexicon.unwrap_or_else(|| PathBuf::from(EMBEDDED_LEXICON));
            require_reference(&path, "lexicon file")?;
            let lexicon = Lexicon::load(&path)?;
            if jsonl {
                let b = analysis_inspect::species_jsonl(
                    &lexicon,
                    std::io::stdin().lock(),
                    std::io::stdout().lock(),
                )?;
                return batch_result(b);
            }
            analysis_inspect::species_json(&lexicon, &text.unwrap_or_default())
        }
        InspectCommand::Location {
            text,
            source,
            jsonl,
            places,
        } => {
            let path = places.unwrap_or_else(|| PathBuf::from(EMBEDDED_PLACES));
            require_reference(&path, "places gazetteer")?;
            let places = Gazetteer::load(&path)?;
            if jsonl {
                let b = analysis_inspect::location_jsonl(
                    &places,
                    source.as_deref(),
                    std::io::stdin().lock(),
                    std::io::stdout().lock(),
                )?;
                return batch_result(b);
            }
            analysis_inspect::location_json(&places, &text.unwrap_or_default(), source.as_deref())
        }
        InspectCommand::Sitemap {
            file,
            url,
            max_bytes,
            max_urls,
        } => {
            let body = read(&file)?;
            let url = parse_url(&url)?;
            let limits = SitemapLimits {
                max_bytes,
                max_urls,
                ..Default::default()
            };
            inspect::sitemap_json(&body, &url, &limits).map_err(|e| UsageError(e.to_string()))?
        }
    };
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}
