//! The `wildtrace inspect species|location` tools for people reviewing the
//! lexicon and the gazetteer: what the classifier and the place reader make
//! of one text, as JSON, plus the JSON-lines batch modes.
//!
//! It owns the JSON shapes those commands print. It must not hold any
//! vocabulary or rule of its own (the lexicon and the gazetteer decide
//! everything), read files or write anywhere but the given writer. A bad
//! input line in a batch yields `{"error": "line N: ..."}` on its line and
//! the batch goes on; the caller learns how many lines were bad.

use std::io::{BufRead, Write};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::lexicon::{Confidence, Lexicon};
use crate::places::Gazetteer;

/// The rank reported for a group implied only by a product or code word.
pub const GROUP_RANK: &str = "taxon_group";

/// What `inspect species` prints for one text: every taxon named (or, for
/// a suspected text, the group implied), the product type, the confidence
/// and the legality claims.
pub fn species_json(lexicon: &Lexicon, text: &str) -> Value {
    let c = lexicon.classify(text);
    let mut taxa: Vec<Value> = c
        .taxa
        .iter()
        .map(|t| {
            json!({
                "scientific_name": t.scientific_name,
                "rank": t.rank,
                "group": t.taxon_group,
                "appendix": t.cites_appendix,
                "confidence": Confidence::Confirmed.as_str(),
                "terms": t.terms,
            })
        })
        .collect();
    if c.confidence == Confidence::Suspected
        && let Some(group) = &c.taxon_group
    {
        taxa.push(json!({
            "scientific_name": null,
            "rank": GROUP_RANK,
            "group": group,
            "appendix": null,
            "confidence": Confidence::Suspected.as_str(),
            "terms": c.group_terms,
        }));
    }
    json!({
        "taxa": taxa,
        "product_type": c.product_type,
        "confidence": c.confidence.as_str(),
        "legality_claims": c.legality_claims,
    })
}

/// What `inspect location` prints for one text: the country (ISO 3166-1
/// alpha-2 code and English short name) and how it was established
/// (`stated`, or `inferred_from_site` from `source`'s default country);
/// all null when the text names no known place and the site has no default.
pub fn location_json(places: &Gazetteer, text: &str, source: Option<&str>) -> Value {
    match places.seller_country(Some(text), source.unwrap_or("")) {
        Some(sc) => json!({
            "country": sc.country,
            "name": rust_iso3166::from_alpha2(&sc.country).map(|c| c.name),
            "confidence": sc.confidence.as_str(),
        }),
        None => json!({ "country": null, "name": null, "confidence": null }),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeciesLine {
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationLine {
    text: String,
    #[serde(default)]
    source: Option<String>,
}

/// How a batch went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Batch {
    /// Lines read.
    pub lines: usize,
    /// Lines that were not a valid request (an error object was written).
    pub bad: usize,
}

fn jsonl<T: for<'de> Deserialize<'de>>(
    input: impl BufRead,
    mut out: impl Write,
    f: impl Fn(T) -> Value,
) -> std::io::Result<Batch> {
    let mut batch = Batch::default();
    for (n, line) in input.lines().enumerate() {
        let line = line?;
        batch.lines += 1;
        let v = match serde_json::from_str::<T>(&line) {
            Ok(req) => f(req),
            Err(e) => {
                batch.bad += 1;
                json!({ "error": format!("line {}: {e}", n + 1) })
            }
        };
        serde_json::to_writer(&mut out, &v)?;
        out.write_all(b"\n")?;
        // why: a caller piping texts in one by one sees each answer at once.
        out.flush()?;
    }
    Ok(batch)
}

/// `inspect species --jsonl`: lines `{"text": ...}` in, one
/// [`species_json`] (or `{"error": ...}`) line out per line, in order.
pub fn species_jsonl(
    lexicon: &Lexicon,
    input: impl BufRead,
    out: impl Write,
) -> std::io::Result<Batch> {
    jsonl(input, out, |l: SpeciesLine| species_json(lexicon, &l.text))
}

/// `inspect location --jsonl`: lines `{"text": ..., "source": ...}` in, one
/// [`location_json`] (or `{"error": ...}`) line out per line, in order;
/// a line's `source` falls back to `default_source`.
pub fn location_jsonl(
    places: &Gazetteer,
    default_source: Option<&str>,
    input: impl BufRead,
    out: impl Write,
) -> std::io::Result<Batch> {
    jsonl(input, out, |l: LocationLine| {
        location_json(places, &l.text, l.source.as_deref().or(default_source))
    })
}
