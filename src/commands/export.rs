//! `wildtrace export`: one data-sharing folder for one audience and
//! recipient. The lake and the key file come from the flags, else the job
//! config (`<data_dir>/lake`, `<data_dir>/keys/export.key`), else beside
//! the lake.

use wildtrace_analysis::export::{self, Audience, Disclosure, ExportOptions, research};
use wildtrace_crawler::config::CrawlConfig;

use super::UsageError;
use crate::cli::{AudienceArg, ExportArgs};

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let job = args.config.as_deref().map(CrawlConfig::load).transpose()?;
    let audience = match args.audience {
        AudienceArg::Public => Audience::Public,
        AudienceArg::Research => Audience::Research,
        AudienceArg::Enforcement => Audience::Enforcement,
    };
    let recipient = match (audience, args.recipient) {
        (_, Some(r)) => r,
        (Audience::Public, None) => "public".into(),
        (a, None) => {
            return Err(UsageError(format!(
                "--audience {}: name the recipient with --recipient NAME",
                a.as_str()
            ))
            .into());
        }
    };
    let lake = args
        .lake
        .or_else(|| job.as_ref().map(CrawlConfig::lake_dir));
    let data_dir = job.as_ref().map(|j| j.data_dir.clone()).or_else(|| {
        lake.as_ref()
            .and_then(|l| l.parent().map(|p| p.to_path_buf()))
    });
    let key_path = args
        .key
        .or_else(|| data_dir.as_deref().map(research::default_key_path));
    if audience == Audience::Research && key_path.is_none() {
        return Err(UsageError(
            "--audience research: the export key's place is unknown; pass --key FILE, --lake DIR or --config JOB.toml".into(),
        )
        .into());
    }
    let summary = export::export(&ExportOptions {
        audience,
        recipient,
        out_dir: args.out,
        lake_dir: lake,
        to: args.to,
        force: args.force,
        key_path,
        include_urls: args.include_urls,
        disclosure: Disclosure {
            min_listings: args.min_listings,
            min_sellers: args.min_sellers,
        },
    })?;
    print!("{summary}");
    Ok(())
}
