//! `wildtrace analyse`: tables, figures, warehouse and manifest from a lake.

use wildtrace_analysis::AnalysisOptions;

use super::require;
use crate::cli::AnalyseArgs;

pub fn run(args: AnalyseArgs) -> anyhow::Result<()> {
    let r = args.reference;
    require(&args.lake, "lake folder")?;
    require(&r.lexicon, "lexicon file")?;
    for rates in &r.rates {
        require(rates, "rates file")?;
    }
    require(&r.places, "places gazetteer")?;
    let outputs = wildtrace_analysis::run(&AnalysisOptions {
        source_line: format!("wildtrace lake {}", args.lake.display()),
        lake_dir: args.lake,
        out_dir: args.out,
        lexicon_path: r.lexicon,
        rates_paths: r.rates,
        rate_window_days: r.rate_window_days,
        places_path: r.places,
        extra_inputs: Vec::new(),
    })?;
    print!("{outputs}");
    Ok(())
}
