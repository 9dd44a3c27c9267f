//! `wildtrace lexicon import|stats`.

use wildtrace_analysis::Lexicon;
use wildtrace_analysis::lexicon::import::{ImportOptions, import};

use super::{print_table, require, require_reference};
use crate::cli::LexiconCommand;

pub fn run(command: LexiconCommand) -> anyhow::Result<()> {
    match command {
        LexiconCommand::Import {
            species_plus,
            gbif_taxon,
            gbif_vernacular,
            languages,
            lexicon,
            out,
        } => {
            require_reference(&lexicon, "lexicon file")?;
            for p in [&species_plus, &gbif_taxon, &gbif_vernacular]
                .into_iter()
                .flatten()
            {
                require(p, "input file")?;
            }
            let report = import(&ImportOptions {
                lexicon,
                species_plus,
                gbif_taxon,
                gbif_vernacular,
                out,
                languages,
            })?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            Ok(())
        }
        LexiconCommand::Stats { lexicon, json } => {
            require_reference(&lexicon, "lexicon file")?;
            let stats = Lexicon::load(&lexicon)?.stats();
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
                return Ok(());
            }
            println!(
                "lexicon {} ({}): {} taxa, {} terms, {} matchable forms",
                stats.version,
                lexicon.display(),
                stats.taxa,
                stats.terms,
                stats.forms
            );
            for (cols, rows) in [stats.groups_table(), stats.languages_table()] {
                print_table(&cols, &rows);
            }
            Ok(())
        }
    }
}
