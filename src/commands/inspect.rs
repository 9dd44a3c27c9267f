//! `wildtrace inspect`: what the extraction library makes of one input.

use std::path::Path;

use wildtrace_extract::inspect;
use wildtrace_extract::sitemap::SitemapLimits;

use super::UsageError;
use crate::cli::InspectCommand;

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
                .map(|p| inspect::resolve_profile(&p, &sites_dir))
                .transpose()?;
            let keys = inspect::throwaway_pseudonymiser();
            serde_json::to_value(inspect::extract_records(
                &body,
                None,
                &url,
                profile.as_ref(),
                &keys,
            ))?
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
