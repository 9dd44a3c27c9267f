//! `wildtrace lexicon import`: adds taxa (with their CITES appendix) from a
//! Species+ CSV export, and names from the GBIF backbone (`Taxon.tsv`
//! synonyms, `VernacularName.tsv` common names in the supported languages),
//! by appending reviewable `[[taxa]]` / `[[terms]]` blocks to a copy of the
//! lexicon and bumping its patch version.
//!
//! It owns the mapping from those file formats to lexicon entries. It must
//! not touch the network, rewrite existing entries (except dropping a
//! language from a taxon's `lacks_names_in` once names in it arrive), or
//! write anything but the output file, atomically and only after the result
//! loads as a valid lexicon. Every imported entry says where it came from.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Boundary, Lexicon, SUPPORTED_LANGUAGES, TermKind, pattern, tokens};
use crate::atomic::write_atomic;
use crate::error::AnalysisError;

/// What to import, into which lexicon, and where to write the result.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The lexicon to extend (left untouched unless `out` is the same path).
    pub lexicon: PathBuf,
    /// A Species+ "CITES listings" CSV export.
    pub species_plus: Option<PathBuf>,
    /// GBIF backbone `Taxon.tsv` (needed for `gbif_vernacular`).
    pub gbif_taxon: Option<PathBuf>,
    /// GBIF backbone `VernacularName.tsv`.
    pub gbif_vernacular: Option<PathBuf>,
    /// Where the extended lexicon goes.
    pub out: PathBuf,
    /// Languages whose vernacular names are imported (default: the supported nine).
    pub languages: Vec<String>,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub version_before: String,
    pub version_after: String,
    pub out: PathBuf,
    pub taxa_added: usize,
    pub names_added: usize,
    pub synonyms_added: usize,
    /// Names and taxa the lexicon already had (same meaning).
    pub already_known: usize,
    /// Rows skipped: not animals, not CITES-listed, unknown rank, empty names,
    /// names too short to match safely.
    pub rows_skipped: usize,
    /// Names the lexicon already uses with another meaning (not imported).
    pub conflicts: Vec<String>,
    /// Taxa whose Species+ listing differs from the lexicon's appendix (for review).
    pub appendix_differs: Vec<String>,
}

/// Runs the import (see the module docs).
pub fn import(opts: &ImportOptions) -> Result<ImportReport, AnalysisError> {
    if opts.species_plus.is_none() && opts.gbif_taxon.is_none() {
        return Err(input_error(
            &opts.lexicon,
            0,
            "import",
            "nothing to import: give a Species+ CSV and/or GBIF Taxon.tsv + VernacularName.tsv",
        ));
    }
    if opts.gbif_vernacular.is_some() && opts.gbif_taxon.is_none() {
        return Err(input_error(
            opts.gbif_vernacular.as_deref().unwrap_or(&opts.lexicon),
            0,
            "import",
            "VernacularName.tsv needs its Taxon.tsv (names refer to taxonID)",
        ));
    }
    let mut text = crate::reference::read_text(&opts.lexicon)?;
    let mut lexicon = Lexicon::from_toml(&text, &opts.lexicon)?;
    let mut report = ImportReport {
        version_before: lexicon.version().to_string(),
        out: opts.out.clone(),
        ..ImportReport::default()
    };

    if let Some(csv) = &opts.species_plus {
        let block = species_plus(&lexicon, csv, &mut report)?;
        if !block.is_empty() {
            text.push_str(&block);
            lexicon = Lexicon::from_toml(&text, &opts.out)?;
        }
    }
    if let Some(taxon_tsv) = &opts.gbif_taxon {
        let languages: BTreeSet<String> = if opts.languages.is_empty() {
            SUPPORTED_LANGUAGES.iter().map(|s| s.to_string()).collect()
        } else {
            opts.languages.iter().cloned().collect()
        };
        let (block, gained) = gbif(
            &lexicon,
            taxon_tsv,
            opts.gbif_vernacular.as_deref(),
            &languages,
            &mut report,
        )?;
        if !block.is_empty() {
            text = drop_declared_gaps(&text, &gained);
            text.push_str(&block);
        }
    }

    let (major, minor, patch) =
        super::parse_version(&report.version_before).expect("validated on load");
    report.version_after = format!("{major}.{minor}.{}", patch + 1);
    text = set_version(&text, &report.version_after);
    // The result must load, or nothing is written.
    Lexicon::from_toml(&text, &opts.out)?;
    write_atomic(&opts.out, text.as_bytes())?;
    Ok(report)
}

fn input_error(path: &Path, line: u64, key: &str, message: &str) -> AnalysisError {
    AnalysisError::Lexicon {
        path: path.to_path_buf(),
        line: line as usize,
        column: 1,
        key: key.to_string(),
        message: message.to_string(),
    }
}

/// Column positions by header name; a missing required column is an error
/// naming the file, line 1 and the column.
fn columns(
    path: &Path,
    headers: &csv::StringRecord,
    required: &[&str],
) -> Result<HashMap<String, usize>, AnalysisError> {
    let map: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.trim().trim_start_matches('\u{feff}').to_string(), i))
        .collect();
    for r in required {
        if !map.contains_key(*r) {
            return Err(input_error(
                path,
                1,
                &format!("column {r}"),
                &format!(
                    "missing column {r:?}; the header has: {}",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    Ok(map)
}

fn csv_error(path: &Path, e: csv::Error) -> AnalysisError {
    let line = e.position().map_or(0, |p| p.line());
    input_error(path, line, "row", &e.to_string())
}

fn get<'r>(rec: &'r csv::StringRecord, cols: &HashMap<String, usize>, name: &str) -> &'r str {
    cols.get(name)
        .and_then(|&i| rec.get(i))
        .map_or("", str::trim)
}

/// A TOML basic string, escaped.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Reporting group for a new taxon whose relatives the lexicon does not know.
fn fallback_group(class: &str, phylum: &str) -> &'static str {
    match class {
        "Mammalia" => "Other mammals",
        "Aves" => "Other birds",
        "Reptilia" => "Other reptiles",
        "Amphibia" => "Amphibians",
        "Elasmobranchii" => "Sharks and rays",
        "Actinopteri" | "Actinopterygii" | "Sarcopterygii" | "Dipneusti" | "Coelacanthi" => {
            "Other fishes"
        }
        "Anthozoa" | "Hydrozoa" => "Corals",
        _ if phylum == "Mollusca" => "Molluscs",
        _ if phylum == "Arthropoda" => "Arthropods",
        _ => "Other animals",
    }
}

fn species_plus(
    lexicon: &Lexicon,
    path: &Path,
    report: &mut ImportReport,
) -> Result<String, AnalysisError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| match e.into_kind() {
            csv::ErrorKind::Io(io) => AnalysisError::io(path, io),
            other => input_error(path, 0, "file", &format!("{other:?}")),
        })?;
    let headers = rdr.headers().map_err(|e| csv_error(path, e))?.clone();
    let cols = columns(
        path,
        &headers,
        &[
            "Kingdom",
            "Phylum",
            "Class",
            "Order",
            "Family",
            "Genus",
            "Scientific Name",
            "Rank",
            "Listing",
        ],
    )?;
    // Known scientific names (lower case) -> (group, default product), the
    // lexicon's taxa plus the ones this import adds.
    let mut relatives: HashMap<String, (String, Option<String>)> = lexicon
        .taxa
        .iter()
        .map(|t| {
            (
                t.scientific_name.to_lowercase(),
                (t.taxon_group.clone(), t.default_product_type.clone()),
            )
        })
        .collect();
    let mut keys: HashSet<String> = lexicon.taxa.iter().map(|t| t.key.clone()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = String::new();
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into(),
    );

    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_error(path, e))?;
        let line = rec.position().map_or(0, |p| p.line());
        if get(&rec, &cols, "Kingdom") != "Animalia" {
            report.rows_skipped += 1; // plants are out of scope for now
            continue;
        }
        let name = get(&rec, &cols, "Scientific Name");
        let appendix: Vec<&str> = get(&rec, &cols, "Listing")
            .split('/')
            .map(str::trim)
            .filter(|p| matches!(*p, "I" | "II" | "III"))
            .collect();
        let rank = match get(&rec, &cols, "Rank").to_ascii_uppercase().as_str() {
            "SUBSPECIES" => "subspecies",
            "SPECIES" => "species",
            "GENUS" => "genus",
            "SUBFAMILY" => "subfamily",
            "FAMILY" => "family",
            "SUPERFAMILY" => "superfamily",
            "ORDER" => "order",
            "CLASS" => "class",
            _ => "",
        };
        if name.is_empty() || appendix.is_empty() || rank.is_empty() {
            report.rows_skipped += 1;
            continue;
        }
        let appendix = appendix.join("/");
        let lower = name.to_lowercase();
        if !seen.insert(lower.clone()) {
            report.already_known += 1;
            continue;
        }
        match lexicon.meaning_of(name, Boundary::Word) {
            Some(term) if term.kind == TermKind::CommonName => {
                report.already_known += 1;
                let known = &lexicon.taxa[term.taxon.expect("names carry a taxon")];
                if known.scientific_name.eq_ignore_ascii_case(name)
                    && known.cites_appendix != appendix
                {
                    report.appendix_differs.push(format!(
                        "{name}: lexicon {}, Species+ {appendix} ({file_name} line {line})",
                        known.cites_appendix
                    ));
                }
                continue;
            }
            Some(term) => {
                report.conflicts.push(format!(
                    "{name} ({file_name} line {line}): the lexicon uses it as a {} term",
                    term.kind.as_str()
                ));
                continue;
            }
            None => {}
        }
        // Nearest known relative: the species of a subspecies, then genus,
        // family, order, class.
        let binomial = format!(
            "{} {}",
            get(&rec, &cols, "Genus"),
            cols.get("Species")
                .and_then(|&i| rec.get(i))
                .map_or("", str::trim)
        )
        .to_lowercase();
        let (group, product) = std::iter::once(binomial)
            .chain(
                ["Genus", "Family", "Order", "Class"]
                    .iter()
                    .map(|c| get(&rec, &cols, c).to_lowercase()),
            )
            .find_map(|name| relatives.get(&name).cloned())
            .unwrap_or_else(|| {
                (
                    fallback_group(get(&rec, &cols, "Class"), get(&rec, &cols, "Phylum"))
                        .to_string(),
                    None,
                )
            });
        let base: String = lower
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect::<String>()
            .split('_')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        let base = if base.starts_with(|c: char| c.is_ascii_lowercase()) {
            base
        } else {
            format!("t_{base}")
        };
        let mut key = base.clone();
        let mut n = 2;
        while keys.contains(&key) {
            key = format!("{base}_{n}");
            n += 1;
        }
        keys.insert(key.clone());
        let id = get(&rec, &cols, "Id");
        out.push_str(&format!(
            "\n[[taxa]]\nkey = {}\nscientific_name = {}\nrank = {}\ntaxon_group = {}\ncites_appendix = {}\n",
            q(&key),
            q(name),
            q(rank),
            q(&group),
            q(&appendix)
        ));
        if let Some(p) = &product {
            out.push_str(&format!("default_product_type = {}\n", q(p)));
        }
        out.push_str(&format!(
            "source = {}\nnote = {}\n",
            q("Species+ CITES listings export (imported)"),
            q(&format!("{file_name} line {line}, Species+ Id {id}"))
        ));
        relatives.insert(lower, (group, product));
        report.taxa_added += 1;
    }
    if out.is_empty() {
        return Ok(out);
    }
    Ok(format!(
        "\n\n# ===================================================================== imported: {file_name}\n# Taxa added by `wildtrace lexicon import --species-plus`; review the taxon_group of each.\n{out}"
    ))
}

/// `eng` → `en` and friends; two-letter codes pass through.
fn iso639_1(code: &str) -> String {
    let c = code.trim().to_ascii_lowercase();
    let mapped = match c.as_str() {
        "eng" => "en",
        "fra" | "fre" => "fr",
        "deu" | "ger" => "de",
        "spa" => "es",
        "por" => "pt",
        "rus" => "ru",
        "zho" | "chi" => "zh",
        "vie" => "vi",
        "tha" => "th",
        other => other,
    };
    mapped.to_string()
}

/// A name is too short to match safely when, in a spaced script, it has
/// fewer than four letters (GBIF lists names such as "Ai" or "Ara").
fn too_short(name: &str) -> bool {
    let toks = tokens(name);
    let unspaced = toks.iter().all(|t| t.chars().count() == 1);
    let letters: usize = toks.iter().map(|t| t.chars().count()).sum();
    toks.is_empty() || (!unspaced && letters < 4)
}

fn tsv(path: &Path) -> Result<csv::Reader<std::fs::File>, AnalysisError> {
    // GBIF backbone files are tab-separated without quoting (names contain quotes).
    csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .quoting(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| match e.into_kind() {
            csv::ErrorKind::Io(io) => AnalysisError::io(path, io),
            other => input_error(path, 0, "file", &format!("{other:?}")),
        })
}

/// Returns the TOML block and, per taxon key, the languages it gained names in.
fn gbif(
    lexicon: &Lexicon,
    taxon_tsv: &Path,
    vernacular_tsv: Option<&Path>,
    languages: &BTreeSet<String>,
    report: &mut ImportReport,
) -> Result<(String, HashMap<String, BTreeSet<String>>), AnalysisError> {
    let by_name: HashMap<String, usize> = lexicon
        .taxa
        .iter()
        .enumerate()
        .map(|(i, t)| (t.scientific_name.to_lowercase(), i))
        .collect();
    let name_of = |rec: &csv::StringRecord, cols: &HashMap<String, usize>| -> String {
        let canonical = get(rec, cols, "canonicalName");
        if canonical.is_empty() {
            get(rec, cols, "scientificName").to_string()
        } else {
            canonical.to_string()
        }
    };

    // Pass 1: GBIF ids of the lexicon's taxa (accepted or doubtful usages).
    let mut ids: HashMap<String, usize> = HashMap::new();
    {
        let mut rdr = tsv(taxon_tsv)?;
        let headers = rdr.headers().map_err(|e| csv_error(taxon_tsv, e))?.clone();
        let cols = columns(
            taxon_tsv,
            &headers,
            &[
                "taxonID",
                "acceptedNameUsageID",
                "scientificName",
                "canonicalName",
                "taxonomicStatus",
            ],
        )?;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(taxon_tsv, e))?;
            let status = get(&rec, &cols, "taxonomicStatus");
            if !matches!(status, "accepted" | "doubtful") {
                continue;
            }
            if let Some(&t) = by_name.get(&name_of(&rec, &cols).to_lowercase()) {
                ids.insert(get(&rec, &cols, "taxonID").to_string(), t);
            }
        }
    }

    let mut out = String::new();
    let mut added: HashSet<String> = HashSet::new();
    let mut gained: HashMap<String, BTreeSet<String>> = HashMap::new();
    let taxon_file = taxon_tsv
        .file_name()
        .map_or_else(|| "Taxon.tsv".into(), |f| f.to_string_lossy().to_string());

    // Pass 2: synonyms pointing at those taxa.
    {
        let mut rdr = tsv(taxon_tsv)?;
        let headers = rdr.headers().map_err(|e| csv_error(taxon_tsv, e))?.clone();
        let cols = columns(taxon_tsv, &headers, &["taxonID", "acceptedNameUsageID"])?;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(taxon_tsv, e))?;
            if !get(&rec, &cols, "taxonomicStatus").contains("synonym") {
                continue;
            }
            let Some(&t) = ids.get(get(&rec, &cols, "acceptedNameUsageID")) else {
                continue;
            };
            let name = name_of(&rec, &cols);
            if let Some(block) = name_block(
                lexicon,
                &name,
                "la",
                t,
                &format!("GBIF Backbone Taxonomy, {taxon_file} synonym (imported)"),
                &mut added,
                report,
            ) {
                out.push_str(&block);
                report.synonyms_added += 1;
            }
        }
    }

    // Vernacular names in the wanted languages.
    if let Some(path) = vernacular_tsv {
        let file = path.file_name().map_or_else(
            || "VernacularName.tsv".into(),
            |f| f.to_string_lossy().to_string(),
        );
        let mut rdr = tsv(path)?;
        let headers = rdr.headers().map_err(|e| csv_error(path, e))?.clone();
        let cols = columns(path, &headers, &["taxonID", "vernacularName", "language"])?;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(path, e))?;
            let Some(&t) = ids.get(get(&rec, &cols, "taxonID")) else {
                continue;
            };
            let lang = iso639_1(get(&rec, &cols, "language"));
            if !languages.contains(&lang) {
                continue;
            }
            let name = get(&rec, &cols, "vernacularName");
            if too_short(name) {
                report.rows_skipped += 1;
                continue;
            }
            let source = match get(&rec, &cols, "source") {
                "" => format!("GBIF Backbone Taxonomy, {file} (imported; needs review)"),
                s => format!("GBIF Backbone Taxonomy, {file}: {s} (imported; needs review)"),
            };
            if let Some(block) = name_block(lexicon, name, &lang, t, &source, &mut added, report) {
                out.push_str(&block);
                report.names_added += 1;
                gained
                    .entry(lexicon.taxa[t].key.clone())
                    .or_default()
                    .insert(lang);
            }
        }
    }
    if out.is_empty() {
        return Ok((out, gained));
    }
    Ok((
        format!(
            "\n\n# ===================================================================== imported: GBIF backbone\n# Names added by `wildtrace lexicon import --gbif-taxon/--gbif-vernacular`; review before publishing.\n{out}"
        ),
        gained,
    ))
}

/// The `[[terms]]` block for one imported name, or `None` when the lexicon
/// (or this import) already has it.
fn name_block(
    lexicon: &Lexicon,
    name: &str,
    lang: &str,
    taxon: usize,
    source: &str,
    added: &mut HashSet<String>,
    report: &mut ImportReport,
) -> Option<String> {
    let toks = tokens(name);
    if toks.is_empty() {
        report.rows_skipped += 1;
        return None;
    }
    let key = pattern(&toks, Boundary::Word);
    let existing = lexicon
        .meaning_of(name, Boundary::Word)
        .or_else(|| lexicon.meaning_of(name, Boundary::Prefix));
    if let Some(term) = existing {
        if term.kind == TermKind::CommonName && term.taxon == Some(taxon) {
            report.already_known += 1;
        } else {
            report.conflicts.push(format!(
                "{name:?} ({lang}, for {}): the lexicon already uses it as a {} term",
                lexicon.taxa[taxon].scientific_name,
                term.kind.as_str()
            ));
        }
        return None;
    }
    if !added.insert(key) {
        report.already_known += 1;
        return None;
    }
    Some(format!(
        "\n[[terms]]\ntext = {}\nlanguage = {}\nkind = \"common_name\"\ntaxon = {}\nsource = {}\n",
        q(name.trim()),
        q(lang),
        q(&lexicon.taxa[taxon].key),
        q(source)
    ))
}

/// Rewrites the top-level `version = "..."` line.
fn set_version(text: &str, version: &str) -> String {
    let mut done = false;
    text.split_inclusive('\n')
        .map(|line| {
            if !done && line.trim_start().starts_with("version") && line.contains('=') {
                done = true;
                let nl = if line.ends_with('\n') { "\n" } else { "" };
                format!("version = {}{nl}", q(version))
            } else {
                line.to_string()
            }
        })
        .collect()
}

/// Drops languages that now have names from the `lacks_names_in` lines of
/// the taxa that gained them (a declared gap must stay true).
fn drop_declared_gaps(text: &str, gained: &HashMap<String, BTreeSet<String>>) -> String {
    if gained.is_empty() {
        return text.to_string();
    }
    let mut current: Option<&BTreeSet<String>> = None;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with("[[") {
            current = None;
        } else if let Some(rest) = t.strip_prefix("key") {
            let key = rest
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"');
            current = gained.get(key);
        } else if let (Some(langs), Some(list)) = (current, t.strip_prefix("lacks_names_in")) {
            let kept: Vec<String> = list
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|s| s.trim().trim_matches('"').to_string())
                .filter(|s| !s.is_empty() && !langs.contains(s))
                .collect();
            if !kept.is_empty() {
                let list: Vec<String> = kept.iter().map(|l| q(l)).collect();
                out.push_str(&format!("lacks_names_in = [{}]\n", list.join(", ")));
            }
            continue;
        }
        out.push_str(line);
    }
    out
}
