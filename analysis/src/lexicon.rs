//! The species lexicon: loads the reviewer-edited `data/reference/lexicon.toml`
//! (taxa and the terms that name or imply them), validates it (errors name the
//! file, line and key), and classifies one listing text into its taxa, taxon
//! group, CITES appendix, product type, live or part, and confidence with an
//! Aho–Corasick automaton, keeping the terms that matched.
//!
//! It owns text normalisation and the classification rules. It must not read
//! the lake, know about listings or runs, or hold any vocabulary in code: every
//! word it recognises comes from the TOML file, so reviewers can audit it.
//! Submodules: [`import`] (adds taxa and names from Species+ and GBIF files)
//! and [`bench`] (the matching-throughput benchmark).
//!
//! Normalisation (applied alike to the lexicon terms and to the text):
//! Unicode NFKC (full-width letters, ligatures, compatibility forms), lower
//! case (with ß → ss, æ → ae, œ → oe, ø → o, ł → l), then canonical
//! decomposition with the *Western* combining marks dropped (acute, grave,
//! circumflex, tilde, macron, breve, dot above, diaeresis, ring, double acute,
//! caron, cedilla, ogonek: é → e, ö → o, ç → c, ё → е). Kept on purpose: the
//! Vietnamese dot below, hook above and horn (so "với" (with) ≠ "voi"
//! (elephant) and "vẹt" (parrot) ≠ "vet"), and Cyrillic й. The text is then cut
//! into tokens: runs of letters/digits for spaced scripts, one token per
//! character for scripts written without spaces (Han, kana, Thai, Lao, Khmer,
//! Myanmar). A term matches whole tokens (word boundaries) — or, with
//! `boundary = "prefix"`, the start of a token (German compounds: "Elfenbein"
//! in "Elfenbeinschnitzerei"; Russian endings). Because unspaced scripts are
//! one token per character, CJK and Thai terms match anywhere.
//!
//! The confidence rule, the same in every language: only a name of the
//! animal (a `common_name` term or a scientific name, alone or with its
//! part: "elephant", "大象", "con voi", "ช้าง", "elephant tusk", "犀牛角")
//! makes a listing *confirmed*. A `product` term — the word a language uses
//! for a product: "ivory", "marfil", "ivoire", "Elfenbein", "слоновая кость",
//! "象牙", "ngà voi", "งาช้าง" — implies its group and makes it *suspected*,
//! even where the word is built from the animal's name. Which kind a term
//! is, is lexicon data; this module applies the kinds alike. An
//! `artwork_material` ("wooden", "ceramic", "bronze") names what a piece is
//! made of: with a taxon or group but no product named, the animal is the
//! piece's subject and the listing is a *decoy*.

pub mod bench;
pub mod import;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

use crate::error::AnalysisError;
use wildtrace_text::is_unspaced_script;

/// The languages every key taxon is named in (BCP 47 primary tags). A taxon
/// lacking names in some of them lists those in `lacks_names_in`.
pub const SUPPORTED_LANGUAGES: &[&str] = &["en", "fr", "de", "es", "pt", "ru", "zh", "vi", "th"];

/// Product types a term may name (closed list so typos are caught on load).
pub const PRODUCT_TYPES: &[&str] = &[
    "ivory",
    "horn",
    "scales",
    "skin",
    "tooth",
    "claw",
    "bone",
    "bile",
    "casque",
    "shell",
    "live",
    "musk",
    "swim_bladder",
    "meat",
    "egg",
    "feather",
    "trophy",
    "fin",
    "gill_plate",
    "caviar",
    "wool",
    "coral",
];

/// How sure the lexicon is that a text offers a CITES-listed wildlife product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A species or higher taxon is named (common or scientific name).
    Confirmed,
    /// Only a code word or a bare product word implies a taxon group.
    Suspected,
    /// A decoy cue (faux, resin, replica, tiger balm, ...) says it is not
    /// wildlife, or an artwork material (wooden, ceramic) says the animal is
    /// only the subject of the piece.
    Decoy,
    /// Nothing in the lexicon was recognised.
    None,
}

impl Confidence {
    /// The lower-case name used in tables (`confirmed`, `suspected`, `decoy`, `none`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Confidence::Confirmed => "confirmed",
            Confidence::Suspected => "suspected",
            Confidence::Decoy => "decoy",
            Confidence::None => "none",
        }
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of classifying one listing text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// Taxon group (for example `Elephants`); `None` for decoys and unrecognised text.
    pub taxon_group: Option<String>,
    /// Scientific name of the named taxon (species or higher rank, for example
    /// `Psittacus erithacus` or `Elephantidae`): the first named, or a later
    /// more specific one of the same group; only for confirmed listings.
    pub taxon: Option<String>,
    /// CITES appendix of that taxon (`I`, `II`, `III` or a split such as `I/II`);
    /// only for confirmed listings.
    pub cites_appendix: Option<String>,
    /// Product type (`ivory`, `horn`, `live`, ...): the first product-bearing
    /// term by position, else the named taxon's default; `None` for decoys.
    pub product_type: Option<String>,
    /// Whether the listing offers live animals (`product_type == "live"`);
    /// otherwise it offers parts or products.
    pub live: bool,
    pub confidence: Confidence,
    /// The lexicon terms found, spelled as in the lexicon (`text` or the
    /// variant that matched), in order of first appearance, without repeats.
    pub matched_terms: Vec<String>,
    /// Every taxon the text names, in order of first mention; empty unless
    /// confirmed.
    pub taxa: Vec<TaxonMatch>,
    /// Legality claims found ("antique", "pre-1947", "certificate"...): recorded, never trusted.
    pub legality_claims: Vec<String>,
    /// The code or product words that implied `taxon_group` (suspected
    /// listings only), in order of appearance.
    pub group_terms: Vec<String>,
}

/// The rank tables report named taxa at ([`Classification::species`]).
pub const SPECIES_RANK: &str = "species";

impl Classification {
    /// The named taxon at species rank: the taxon itself when it is a
    /// species, its species (the first two words of the trinomial) when it
    /// is a subspecies, `None` when the text names only a higher taxon
    /// (Elephantidae, Manis) or none. Tables by taxon count by this, so a
    /// family and its species never appear side by side as peers.
    pub fn species(&self) -> Option<String> {
        let name = self.taxon.as_deref()?;
        let t = self.taxa.iter().find(|t| t.scientific_name == name)?;
        match t.rank {
            "species" => Some(name.to_string()),
            "subspecies" => {
                let words: Vec<&str> = name.split_whitespace().take(2).collect();
                (words.len() == 2).then(|| words.join(" "))
            }
            _ => None,
        }
    }
}

/// One taxon named in a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxonMatch {
    pub scientific_name: String,
    /// `species`, `genus`, `family`, ...
    pub rank: &'static str,
    pub taxon_group: String,
    pub cites_appendix: String,
    /// The listing's product word if any, else this taxon's default product.
    pub product_type: Option<String>,
    /// The lexicon forms that named this taxon.
    pub terms: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TermKind {
    CommonName,
    Product,
    CodeWord,
    Context,
    Decoy,
    ArtworkMaterial,
    Legality,
    Neutral,
}

impl TermKind {
    /// Every kind, in the order tables list them.
    const ALL: [TermKind; 8] = [
        TermKind::CommonName,
        TermKind::Product,
        TermKind::CodeWord,
        TermKind::Context,
        TermKind::Decoy,
        TermKind::ArtworkMaterial,
        TermKind::Legality,
        TermKind::Neutral,
    ];

    fn as_str(self) -> &'static str {
        match self {
            TermKind::CommonName => "common_name",
            TermKind::Product => "product",
            TermKind::CodeWord => "code_word",
            TermKind::Context => "context",
            TermKind::Decoy => "decoy",
            TermKind::ArtworkMaterial => "artwork_material",
            TermKind::Legality => "legality",
            TermKind::Neutral => "neutral",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Boundary {
    #[default]
    Word,
    Prefix,
}

/// Ranks from the most to the least specific (the order is used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Rank {
    Subspecies,
    Species,
    Genus,
    Subfamily,
    Family,
    Superfamily,
    Order,
    Class,
}

impl Rank {
    fn as_str(self) -> &'static str {
        match self {
            Rank::Subspecies => "subspecies",
            Rank::Species => "species",
            Rank::Genus => "genus",
            Rank::Subfamily => "subfamily",
            Rank::Family => "family",
            Rank::Superfamily => "superfamily",
            Rank::Order => "order",
            Rank::Class => "class",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Spanned<String>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    taxa: Vec<RawTaxon>,
    #[serde(default)]
    terms: Vec<RawTerm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTaxon {
    key: Spanned<String>,
    scientific_name: Spanned<String>,
    #[serde(default)]
    synonyms: Vec<Spanned<String>>,
    rank: Rank,
    taxon_group: Spanned<String>,
    cites_appendix: Spanned<String>,
    default_product_type: Option<Spanned<String>>,
    /// Supported languages with no known common name (documented gaps).
    #[serde(default)]
    lacks_names_in: Vec<Spanned<String>>,
    source: Option<Spanned<String>>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTerm {
    text: Spanned<String>,
    #[serde(default)]
    variants: Vec<Spanned<String>>,
    language: Spanned<String>,
    kind: TermKind,
    taxon: Option<Spanned<String>>,
    taxon_group: Option<Spanned<String>>,
    product_type: Option<Spanned<String>>,
    /// Code words only: count only when the listing also has a context term
    /// or a product word of the same product ("white" alone is a colour;
    /// "white" + "carving" is jargon).
    #[serde(default)]
    needs_context: bool,
    #[serde(default)]
    boundary: Boundary,
    source: Spanned<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Debug, Clone)]
struct Taxon {
    key: String,
    scientific_name: String,
    rank: Rank,
    taxon_group: String,
    cites_appendix: String,
    default_product_type: Option<String>,
    lacks_names_in: Vec<String>,
    source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    text: String,
    kind: TermKind,
    taxon: Option<usize>,
    taxon_group: Option<String>,
    product_type: Option<String>,
    needs_context: bool,
}

/// One `[[terms]]` entry (or a taxon's scientific name), for statistics,
/// coverage checks and the importer.
#[derive(Debug, Clone)]
struct Entry {
    language: String,
    kind: TermKind,
    taxon: Option<usize>,
    taxon_group: Option<String>,
    source: String,
    /// Number of matchable forms (text plus variants).
    forms: usize,
}

/// A taxon of the lexicon, as reviewers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxonInfo {
    pub key: String,
    pub scientific_name: String,
    pub rank: &'static str,
    pub taxon_group: String,
    pub cites_appendix: String,
    pub source: Option<String>,
    /// Languages with at least one common name for this taxon (scientific
    /// names not counted).
    pub name_languages: BTreeSet<String>,
    /// Supported languages the lexicon declares it has no name in.
    pub lacks_names_in: Vec<String>,
}

/// Counts per taxon group and per language (`wildtrace lexicon stats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LexiconStats {
    pub version: String,
    pub sha256: String,
    pub taxa: usize,
    pub terms: usize,
    pub forms: usize,
    /// Group → taxa and common-name forms per language.
    pub groups: BTreeMap<String, GroupStats>,
    /// Language → forms per term kind.
    pub languages: BTreeMap<String, BTreeMap<String, usize>>,
    /// Source → forms (how much rests on each source, e.g. awaiting review).
    pub sources: BTreeMap<String, usize>,
}

/// One taxon group's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct GroupStats {
    pub taxa: usize,
    /// Language → common-name forms (scientific names under `la`).
    pub names: BTreeMap<String, usize>,
}

/// A printable table: column names and rows of cells.
pub type TextTable = (Vec<String>, Vec<Vec<String>>);

impl LexiconStats {
    /// Taxa and common-name forms per language, one row per taxon group
    /// (scientific names under `la`).
    pub fn groups_table(&self) -> TextTable {
        let langs = || SUPPORTED_LANGUAGES.iter().copied().chain(["la"]);
        let mut cols = vec!["taxon_group".to_string(), "taxa".to_string()];
        cols.extend(langs().map(String::from));
        let rows = self
            .groups
            .iter()
            .map(|(g, s)| {
                let mut r = vec![g.clone(), s.taxa.to_string()];
                r.extend(langs().map(|l| s.names.get(l).copied().unwrap_or(0).to_string()));
                r
            })
            .collect();
        (cols, rows)
    }

    /// Forms per term kind, one row per language.
    pub fn languages_table(&self) -> TextTable {
        let mut cols = vec!["language".to_string()];
        cols.extend(TermKind::ALL.iter().map(|k| k.as_str().to_string()));
        let rows = self
            .languages
            .iter()
            .map(|(l, kinds)| {
                let mut r = vec![l.clone()];
                r.extend(
                    TermKind::ALL
                        .iter()
                        .map(|k| kinds.get(k.as_str()).copied().unwrap_or(0).to_string()),
                );
                r
            })
            .collect();
        (cols, rows)
    }
}

/// A loaded, validated species lexicon with its compiled matcher.
#[derive(Debug, Clone)]
pub struct Lexicon {
    version: String,
    sha256: String,
    taxa: Vec<Taxon>,
    terms: Vec<Term>,
    entries: Vec<Entry>,
    /// Automaton pattern index -> term index.
    pattern_terms: Vec<usize>,
    /// Automaton pattern index -> the form as the lexicon spells it.
    pattern_forms: Vec<String>,
    /// Pattern text -> term index (what each normalised form means).
    pattern_index: HashMap<String, usize>,
    matcher: AhoCorasick,
}

impl Lexicon {
    /// Loads and validates a lexicon TOML file.
    ///
    /// Every problem (syntax, unknown or missing field, bad value, a taxon or
    /// group that does not exist, two terms that normalise alike but mean
    /// different things) is an [`AnalysisError::Lexicon`] naming the file, the
    /// line and the key.
    pub fn load(path: &Path) -> Result<Lexicon, AnalysisError> {
        let src = crate::reference::read_text(path)?;
        Lexicon::from_toml(&src, path)
    }

    /// Parses a lexicon from TOML text; `path` is only used in error messages.
    pub fn from_toml(src: &str, path: &Path) -> Result<Lexicon, AnalysisError> {
        let raw: RawFile = toml::from_str(src).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            located(path, src, offset, e.message().trim().to_string())
        })?;
        let mut b = Builder {
            path,
            src,
            taxa: Vec::new(),
            taxon_keys: HashMap::new(),
            groups: BTreeSet::new(),
            terms: Vec::new(),
            entries: Vec::new(),
            patterns: Vec::new(),
            pattern_terms: Vec::new(),
            pattern_forms: Vec::new(),
            pattern_index: HashMap::new(),
        };

        let version = raw.version.get_ref().trim().to_string();
        if parse_version(&version).is_none() {
            return Err(b.err(
                raw.version.span().start,
                "version",
                format!("version must look like MAJOR.MINOR.PATCH, got {version:?}"),
            ));
        }

        for (i, t) in raw.taxa.iter().enumerate() {
            b.add_taxon(i, t)?;
        }
        for (i, t) in raw.taxa.iter().enumerate() {
            let idx = b.taxon_keys[t.key.get_ref().as_str()];
            let term = Term {
                text: t.scientific_name.get_ref().trim().to_string(),
                kind: TermKind::CommonName,
                taxon: Some(idx),
                taxon_group: None,
                product_type: None,
                needs_context: false,
            };
            b.add_pattern(
                &t.scientific_name,
                Boundary::Word,
                &term,
                &format!("taxa[{i}].scientific_name"),
            )?;
            for (j, name) in t.synonyms.iter().enumerate() {
                b.add_pattern(
                    name,
                    Boundary::Word,
                    &term,
                    &format!("taxa[{i}].synonyms[{j}]"),
                )?;
            }
            b.entries.push(Entry {
                language: "la".into(),
                kind: TermKind::CommonName,
                taxon: Some(idx),
                taxon_group: None,
                source: b.taxa[idx]
                    .source
                    .clone()
                    .unwrap_or_else(|| "scientific name".into()),
                forms: 1 + t.synonyms.len(),
            });
        }
        for (i, t) in raw.terms.iter().enumerate() {
            b.add_term(i, t)?;
        }
        b.check_declared_gaps(&raw.taxa)?;

        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&b.patterns)
            .map_err(|e| b.err(0, "terms", format!("cannot build the matcher: {e}")))?;

        Ok(Lexicon {
            version,
            sha256: hex::encode(Sha256::digest(src.as_bytes())),
            taxa: b.taxa,
            terms: b.terms,
            entries: b.entries,
            pattern_terms: b.pattern_terms,
            pattern_forms: b.pattern_forms,
            pattern_index: b
                .pattern_index
                .into_iter()
                .map(|(p, (idx, _))| (p, idx))
                .collect(),
            matcher,
        })
    }

    /// The lexicon's `version` (for example `0.2.0`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Hex SHA-256 of the lexicon file as loaded (for provenance records).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Number of taxa, of distinct terms (scientific names included) and of
    /// matchable forms (terms with their variants).
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.taxa.len(), self.terms.len(), self.pattern_forms.len())
    }

    /// The distinct taxon groups, sorted.
    pub fn taxon_groups(&self) -> Vec<String> {
        let set: BTreeSet<&str> = self.taxa.iter().map(|t| t.taxon_group.as_str()).collect();
        set.into_iter().map(str::to_string).collect()
    }

    /// The CITES appendix (`I`, `II`, `III` or a split such as `I/II`) of
    /// the taxon with this scientific name (the last one of that name in
    /// the file, should two share it); `None` for a name not in the lexicon.
    pub fn cites_appendix(&self, scientific_name: &str) -> Option<&str> {
        self.taxa
            .iter()
            .rev()
            .find(|t| t.scientific_name == scientific_name)
            .map(|t| t.cites_appendix.as_str())
    }

    /// Every taxon with its name coverage, in file order.
    pub fn taxa(&self) -> Vec<TaxonInfo> {
        let mut langs: Vec<BTreeSet<String>> = vec![BTreeSet::new(); self.taxa.len()];
        for e in &self.entries {
            if let (TermKind::CommonName, Some(t)) = (e.kind, e.taxon)
                && e.language != "la"
            {
                langs[t].insert(primary_language(&e.language).to_string());
            }
        }
        self.taxa
            .iter()
            .zip(langs)
            .map(|(t, name_languages)| TaxonInfo {
                key: t.key.clone(),
                scientific_name: t.scientific_name.clone(),
                rank: t.rank.as_str(),
                taxon_group: t.taxon_group.clone(),
                cites_appendix: t.cites_appendix.clone(),
                source: t.source.clone(),
                name_languages,
                lacks_names_in: t.lacks_names_in.clone(),
            })
            .collect()
    }

    /// Counts per taxon group and per language.
    pub fn stats(&self) -> LexiconStats {
        let mut groups: BTreeMap<String, GroupStats> = BTreeMap::new();
        for t in &self.taxa {
            groups.entry(t.taxon_group.clone()).or_default().taxa += 1;
        }
        let mut languages: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        let mut sources: BTreeMap<String, usize> = BTreeMap::new();
        for e in &self.entries {
            *sources.entry(e.source.clone()).or_default() += e.forms;
            *languages
                .entry(e.language.clone())
                .or_default()
                .entry(e.kind.as_str().to_string())
                .or_default() += e.forms;
            let group = match (e.taxon, &e.taxon_group) {
                (Some(t), _) => Some(&self.taxa[t].taxon_group),
                (None, Some(g)) => Some(g),
                _ => None,
            };
            if let (TermKind::CommonName, Some(g)) = (e.kind, group) {
                *groups
                    .entry(g.clone())
                    .or_default()
                    .names
                    .entry(e.language.clone())
                    .or_default() += e.forms;
            }
        }
        let (taxa, terms, forms) = self.counts();
        LexiconStats {
            version: self.version.clone(),
            sha256: self.sha256.clone(),
            taxa,
            terms,
            forms,
            groups,
            languages,
            sources,
        }
    }

    /// Classifies one text (usually `title + "\n" + description`).
    ///
    /// Rules, in order: any decoy cue → `Decoy` (no group); an artwork
    /// material ("wooden", "ceramic") with a taxon named or a group implied
    /// but no product named → `Decoy`; else the first
    /// common or scientific name by position → `Confirmed` with its taxon and
    /// group, unless a later name of the same group is more specific (lower
    /// rank), which then wins; every named taxon is listed in `taxa` in order
    /// of mention; else the first code word or product word that implies a
    /// group → `Suspected` (group only); else `None`. A code word marked `needs_context` counts only when the text
    /// also has a context term (carving, netsuke, ...) or a product word of
    /// the same product type ("black" + "horn").
    pub fn classify(&self, text: &str) -> Classification {
        let hay = haystack(text);
        let mut matched: Vec<String> = Vec::new();
        let mut legality: Vec<String> = Vec::new();
        let mut decoy = false;
        let mut artwork = false;
        let mut context = false;
        let mut products_seen: Vec<&str> = Vec::new();
        let mut named: Vec<(usize, Vec<String>)> = Vec::new();
        // (implied group, product, needs context, form) in text order
        let mut implied: Vec<(Option<&str>, Option<&str>, bool, &str)> = Vec::new();
        for m in self.matcher.find_iter(hay.as_slice()) {
            let term = &self.terms[self.pattern_terms[m.pattern().as_usize()]];
            let form = &self.pattern_forms[m.pattern().as_usize()];
            if !matched.iter().any(|t| t == form) {
                matched.push(form.clone());
            }
            match term.kind {
                TermKind::Decoy => decoy = true,
                TermKind::ArtworkMaterial => artwork = true,
                TermKind::Context => context = true,
                TermKind::CommonName => {
                    let t = term.taxon.expect("common names carry a taxon");
                    match named.iter_mut().find(|(n, _)| *n == t) {
                        Some((_, forms)) => {
                            if !forms.iter().any(|f| f == form) {
                                forms.push(form.clone());
                            }
                        }
                        None => named.push((t, vec![form.clone()])),
                    }
                    implied.push((None, term.product_type.as_deref(), false, form.as_str()));
                }
                TermKind::CodeWord | TermKind::Product => {
                    if let (TermKind::Product, Some(p)) = (term.kind, term.product_type.as_deref())
                        && !products_seen.contains(&p)
                    {
                        products_seen.push(p);
                    }
                    implied.push((
                        term.taxon_group.as_deref(),
                        term.product_type.as_deref(),
                        term.needs_context,
                        form.as_str(),
                    ));
                }
                TermKind::Legality => {
                    if !legality.iter().any(|t| t == form) {
                        legality.push(form.clone());
                    }
                }
                TermKind::Neutral => {}
            }
        }

        // A needs_context code word counts with a context term, or with a
        // product word of its own product ("black" + "horn").
        let active = implied.iter().filter(|(_, p, weak, _)| {
            !weak || context || p.is_some_and(|p| products_seen.contains(&p))
        });
        let product = active.clone().find_map(|(_, p, _, _)| *p);
        let group = active.clone().find_map(|(g, _, _, _)| *g);
        // An artwork material ("wooden", "ceramic") next to a taxon or
        // group, with no wildlife product named, makes the animal the
        // subject of the piece, not its source.
        let subject_only = artwork && product.is_none() && (!named.is_empty() || group.is_some());
        if decoy || subject_only {
            return Classification {
                taxon_group: None,
                taxon: None,
                cites_appendix: None,
                product_type: None,
                live: false,
                confidence: Confidence::Decoy,
                matched_terms: matched,
                taxa: Vec::new(),
                legality_claims: legality,
                group_terms: Vec::new(),
            };
        }
        let mut out = Classification {
            taxon_group: None,
            taxon: None,
            cites_appendix: None,
            product_type: None,
            live: false,
            confidence: Confidence::None,
            matched_terms: matched,
            taxa: Vec::new(),
            legality_claims: legality,
            group_terms: Vec::new(),
        };
        // The first name by position, refined by a later, more specific name
        // of the same group ("parrot ... African grey" -> Psittacus erithacus).
        let primary = named.iter().map(|(t, _)| *t).reduce(|best, t| {
            let (b, c) = (&self.taxa[best], &self.taxa[t]);
            if c.taxon_group == b.taxon_group && c.rank < b.rank {
                t
            } else {
                best
            }
        });
        if let Some(primary) = primary {
            let taxon = &self.taxa[primary];
            out.confidence = Confidence::Confirmed;
            out.taxon_group = Some(taxon.taxon_group.clone());
            out.taxon = Some(taxon.scientific_name.clone());
            out.cites_appendix = Some(taxon.cites_appendix.clone());
            out.product_type = product
                .or(taxon.default_product_type.as_deref())
                .map(str::to_string);
            out.taxa = named
                .into_iter()
                .map(|(t, terms)| {
                    let taxon = &self.taxa[t];
                    TaxonMatch {
                        scientific_name: taxon.scientific_name.clone(),
                        rank: taxon.rank.as_str(),
                        taxon_group: taxon.taxon_group.clone(),
                        cites_appendix: taxon.cites_appendix.clone(),
                        product_type: product
                            .or(taxon.default_product_type.as_deref())
                            .map(str::to_string),
                        terms,
                    }
                })
                .collect();
        } else if let Some(g) = group {
            out.confidence = Confidence::Suspected;
            out.taxon_group = Some(g.to_string());
            out.product_type = product.map(str::to_string);
            for (_, _, _, form) in active.filter(|(ig, _, _, _)| *ig == Some(g)) {
                if !out.group_terms.iter().any(|t| t == *form) {
                    out.group_terms.push(form.to_string());
                }
            }
        } else {
            out.product_type = product.map(str::to_string);
        }
        out.live = out.product_type.as_deref() == Some("live");
        out
    }

    /// What a normalised form means, if the lexicon has it: its kind and
    /// taxon key or group. Used by the importer to skip names it already has.
    fn meaning_of(&self, form: &str, boundary: Boundary) -> Option<&Term> {
        let toks = tokens(form);
        if toks.is_empty() {
            return None;
        }
        let idx = *self.pattern_index.get(&pattern(&toks, boundary))?;
        Some(&self.terms[idx])
    }
}

/// `MAJOR.MINOR.PATCH` as numbers.
fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split('.');
    let mut next = || -> Option<u64> {
        let p = parts.next()?;
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let version = (next()?, next()?, next()?);
    parts.next().is_none().then_some(version)
}

/// `zh-Hant` → `zh`.
fn primary_language(tag: &str) -> &str {
    tag.split('-').next().unwrap_or(tag)
}

struct Builder<'a> {
    path: &'a Path,
    src: &'a str,
    taxa: Vec<Taxon>,
    taxon_keys: HashMap<String, usize>,
    groups: BTreeSet<String>,
    terms: Vec<Term>,
    entries: Vec<Entry>,
    patterns: Vec<String>,
    pattern_terms: Vec<usize>,
    pattern_forms: Vec<String>,
    /// Pattern -> (term index, key path of the entry that introduced it).
    pattern_index: HashMap<String, (usize, String)>,
}

impl Builder<'_> {
    fn err(&self, offset: usize, key: &str, message: String) -> AnalysisError {
        let (line, column) = line_col(self.src, offset);
        AnalysisError::Lexicon {
            path: self.path.to_path_buf(),
            line,
            column,
            key: key.to_string(),
            message,
        }
    }

    fn language(&self, lang: &Spanned<String>, key: &str) -> Result<String, AnalysisError> {
        let l = lang.get_ref();
        let primary = primary_language(l);
        if (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_lowercase()) {
            Ok(l.clone())
        } else {
            Err(self.err(
                lang.span().start,
                key,
                format!("language must be a BCP 47 code such as en, fr, zh, got {l:?}"),
            ))
        }
    }

    fn add_taxon(&mut self, i: usize, t: &RawTaxon) -> Result<(), AnalysisError> {
        let key = t.key.get_ref();
        let valid_key = key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid_key {
            return Err(self.err(
                t.key.span().start,
                &format!("taxa[{i}].key"),
                format!("taxon key must be lower_snake_case ascii, got {key:?}"),
            ));
        }
        if self.taxon_keys.contains_key(key) {
            return Err(self.err(
                t.key.span().start,
                &format!("taxa[{i}].key"),
                format!("duplicate taxon key {key:?}"),
            ));
        }
        if t.scientific_name.get_ref().trim().is_empty() {
            return Err(self.err(
                t.scientific_name.span().start,
                &format!("taxa[{i}].scientific_name"),
                "scientific_name is empty".into(),
            ));
        }
        let group = t.taxon_group.get_ref().trim();
        if group.is_empty() {
            return Err(self.err(
                t.taxon_group.span().start,
                &format!("taxa[{i}].taxon_group"),
                "taxon_group is empty".into(),
            ));
        }
        let appendix_ok = t
            .cites_appendix
            .get_ref()
            .split('/')
            .all(|p| matches!(p, "I" | "II" | "III"));
        if !appendix_ok {
            return Err(self.err(
                t.cites_appendix.span().start,
                &format!("taxa[{i}].cites_appendix"),
                format!(
                    "cites_appendix must be I, II, III or a /-separated mix (I/II), got {:?}",
                    t.cites_appendix.get_ref()
                ),
            ));
        }
        let default_product_type = match &t.default_product_type {
            Some(p) => Some(self.product(p, &format!("taxa[{i}].default_product_type"))?),
            None => None,
        };
        let mut lacks = Vec::new();
        for (j, l) in t.lacks_names_in.iter().enumerate() {
            let key = format!("taxa[{i}].lacks_names_in[{j}]");
            let l = self.language(l, &key)?;
            if !SUPPORTED_LANGUAGES.contains(&l.as_str()) {
                return Err(self.err(
                    t.lacks_names_in[j].span().start,
                    &key,
                    format!(
                        "{l:?} is not a supported language ({})",
                        SUPPORTED_LANGUAGES.join(", ")
                    ),
                ));
            }
            lacks.push(l);
        }
        if let Some(s) = &t.source
            && s.get_ref().trim().is_empty()
        {
            return Err(self.err(
                s.span().start,
                &format!("taxa[{i}].source"),
                "source, when given, must say where the listing is documented".into(),
            ));
        }
        self.taxon_keys.insert(key.clone(), self.taxa.len());
        self.groups.insert(group.to_string());
        self.taxa.push(Taxon {
            key: key.clone(),
            scientific_name: t.scientific_name.get_ref().trim().to_string(),
            rank: t.rank,
            taxon_group: group.to_string(),
            cites_appendix: t.cites_appendix.get_ref().clone(),
            default_product_type,
            lacks_names_in: lacks,
            source: t.source.as_ref().map(|s| s.get_ref().trim().to_string()),
        });
        Ok(())
    }

    /// A taxon may not declare a language gap it does not have.
    fn check_declared_gaps(&self, raw: &[RawTaxon]) -> Result<(), AnalysisError> {
        for (i, t) in raw.iter().enumerate() {
            let idx = self.taxon_keys[t.key.get_ref().as_str()];
            for (j, l) in t.lacks_names_in.iter().enumerate() {
                let has = self.entries.iter().any(|e| {
                    e.kind == TermKind::CommonName
                        && e.taxon == Some(idx)
                        && primary_language(&e.language) == l.get_ref()
                });
                if has {
                    return Err(self.err(
                        l.span().start,
                        &format!("taxa[{i}].lacks_names_in[{j}]"),
                        format!(
                            "taxon {:?} has names in {:?}; remove it from lacks_names_in",
                            t.key.get_ref(),
                            l.get_ref()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn product(&self, p: &Spanned<String>, key: &str) -> Result<String, AnalysisError> {
        if PRODUCT_TYPES.contains(&p.get_ref().as_str()) {
            Ok(p.get_ref().clone())
        } else {
            Err(self.err(
                p.span().start,
                key,
                format!(
                    "unknown product_type {:?}; expected one of {}",
                    p.get_ref(),
                    PRODUCT_TYPES.join(", ")
                ),
            ))
        }
    }

    fn add_term(&mut self, i: usize, t: &RawTerm) -> Result<(), AnalysisError> {
        let k = |field: &str| format!("terms[{i}].{field}");
        let language = self.language(&t.language, &k("language"))?;
        if t.source.get_ref().trim().is_empty() {
            return Err(self.err(
                t.source.span().start,
                &k("source"),
                "source must say where the term is documented".into(),
            ));
        }

        let taxon = match &t.taxon {
            Some(key) => match self.taxon_keys.get(key.get_ref().as_str()) {
                Some(&idx) => Some(idx),
                None => {
                    return Err(self.err(
                        key.span().start,
                        &k("taxon"),
                        format!("no taxon with key {:?} in [[taxa]]", key.get_ref()),
                    ));
                }
            },
            None => None,
        };
        let group = match &t.taxon_group {
            Some(g) => {
                if !self.groups.contains(g.get_ref().as_str()) {
                    return Err(self.err(
                        g.span().start,
                        &k("taxon_group"),
                        format!(
                            "no taxon has taxon_group {:?}; known groups: {}",
                            g.get_ref(),
                            self.groups.iter().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
                Some(g.get_ref().clone())
            }
            None => None,
        };
        let product_type = match &t.product_type {
            Some(p) => Some(self.product(p, &k("product_type"))?),
            None => None,
        };

        let at = t.text.span().start;
        if t.needs_context && t.kind != TermKind::CodeWord {
            return Err(self.err(
                at,
                &k("needs_context"),
                "only code_word terms take needs_context".into(),
            ));
        }
        let term = match t.kind {
            TermKind::CommonName => {
                let Some(idx) = taxon else {
                    return Err(self.err(
                        at,
                        &k("taxon"),
                        "a common_name term needs `taxon` (a key from [[taxa]])".into(),
                    ));
                };
                if group.is_some() {
                    return Err(self.err(
                        t.taxon_group.as_ref().map_or(at, |g| g.span().start),
                        &k("taxon_group"),
                        "a common_name term takes its group from its taxon; drop taxon_group"
                            .into(),
                    ));
                }
                Term {
                    text: t.text.get_ref().trim().to_string(),
                    kind: t.kind,
                    taxon: Some(idx),
                    taxon_group: None,
                    product_type,
                    needs_context: false,
                }
            }
            TermKind::CodeWord | TermKind::Product => {
                if taxon.is_some() && group.is_some() {
                    return Err(self.err(
                        at,
                        &k("taxon"),
                        "give either taxon or taxon_group, not both".into(),
                    ));
                }
                let implied = group.or_else(|| taxon.map(|idx| self.taxa[idx].taxon_group.clone()));
                if t.kind == TermKind::CodeWord && implied.is_none() {
                    return Err(self.err(
                        at,
                        &k("taxon_group"),
                        "a code_word term must imply a taxon_group (or a taxon)".into(),
                    ));
                }
                if t.kind == TermKind::Product && product_type.is_none() {
                    return Err(self.err(
                        at,
                        &k("product_type"),
                        "a product term needs product_type".into(),
                    ));
                }
                Term {
                    text: t.text.get_ref().trim().to_string(),
                    kind: t.kind,
                    taxon: None,
                    taxon_group: implied,
                    product_type,
                    needs_context: t.needs_context,
                }
            }
            TermKind::Decoy
            | TermKind::ArtworkMaterial
            | TermKind::Legality
            | TermKind::Neutral
            | TermKind::Context => {
                if taxon.is_some() || group.is_some() || product_type.is_some() {
                    return Err(self.err(
                        at,
                        &k("kind"),
                        "decoy, artwork_material, legality, context and neutral terms imply nothing: drop taxon, taxon_group and product_type"
                            .into(),
                    ));
                }
                Term {
                    text: t.text.get_ref().trim().to_string(),
                    kind: t.kind,
                    taxon: None,
                    taxon_group: None,
                    product_type: None,
                    needs_context: false,
                }
            }
        };
        for (j, form) in std::iter::once(&t.text)
            .chain(t.variants.iter())
            .enumerate()
        {
            let key = if j == 0 {
                k("text")
            } else {
                format!("terms[{i}].variants[{}]", j - 1)
            };
            self.add_pattern(form, t.boundary, &term, &key)?;
        }
        self.entries.push(Entry {
            language,
            kind: term.kind,
            taxon: term.taxon,
            taxon_group: term.taxon_group.clone(),
            source: t.source.get_ref().trim().to_string(),
            forms: 1 + t.variants.len(),
        });
        Ok(())
    }

    fn add_pattern(
        &mut self,
        form: &Spanned<String>,
        boundary: Boundary,
        term: &Term,
        key: &str,
    ) -> Result<(), AnalysisError> {
        let toks = tokens(form.get_ref());
        if toks.is_empty() {
            return Err(self.err(
                form.span().start,
                key,
                format!("{:?} has no letters or digits to match", form.get_ref()),
            ));
        }
        let pattern = pattern(&toks, boundary);
        if let Some((other, other_key)) = self.pattern_index.get(&pattern) {
            let existing = &self.terms[*other];
            if existing.kind == term.kind
                && existing.taxon == term.taxon
                && existing.taxon_group == term.taxon_group
                && existing.product_type == term.product_type
                && existing.needs_context == term.needs_context
            {
                return Ok(()); // same meaning (e.g. en "elephant" and fr "éléphant")
            }
            return Err(self.err(
                form.span().start,
                key,
                format!(
                    "{:?} normalises to {:?}, which `{other_key}` ({:?}) already defines with a different meaning",
                    form.get_ref(),
                    toks.join(" "),
                    existing.text
                ),
            ));
        }
        let idx = match self.terms.iter().position(|t| t == term) {
            Some(idx) => idx,
            None => {
                self.terms.push(term.clone());
                self.terms.len() - 1
            }
        };
        self.pattern_index
            .insert(pattern.clone(), (idx, key.to_string()));
        self.patterns.push(pattern);
        self.pattern_terms.push(idx);
        self.pattern_forms.push(form.get_ref().trim().to_string());
        Ok(())
    }
}

/// Builds an error located at byte `offset` of `src`, naming the TOML key
/// there; for "missing field `x`" errors the key is `<table>.x`.
fn located(path: &Path, src: &str, offset: usize, message: String) -> AnalysisError {
    let (line, column) = line_col(src, offset);
    let (table, key) = key_at(src, offset);
    let key = match backticked_after(&message, "missing field ") {
        Some(field) => join_key(&table, &field),
        None => join_key(&table, &key),
    };
    AnalysisError::Lexicon {
        path: PathBuf::from(path),
        line,
        column,
        key,
        message,
    }
}

fn join_key(table: &str, key: &str) -> String {
    match (table.is_empty(), key.is_empty()) {
        (true, _) => key.to_string(),
        (false, true) => table.to_string(),
        (false, false) => format!("{table}.{key}"),
    }
}

/// 1-based line and column (in characters) of byte `offset`.
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let before = &src[..floor_char_boundary(src, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The table (`terms[3]`) and key (`kind`) of the value at byte `offset`,
/// from the table headers above it and the `key =` on its line (or the
/// nearest one above, for multi-line arrays).
fn key_at(src: &str, offset: usize) -> (String, String) {
    let offset = floor_char_boundary(src, offset.min(src.len()));
    let line_start = src[..offset].rfind('\n').map_or(0, |p| p + 1);
    let mut table = String::new();
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut key = String::new();
    for line in src[..line_start].lines() {
        let l = line.trim();
        if let Some(name) = l.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_string();
            let n = counts.entry(name.clone()).or_insert(0);
            table = format!("{name}[{n}]");
            *n += 1;
            key.clear();
        } else if let Some(name) = l.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = name.trim().to_string();
            key.clear();
        } else if let Some(k) = assigned_key(l) {
            key = k;
        }
    }
    let line_end = src[offset..].find('\n').map_or(src.len(), |p| offset + p);
    let current = src[line_start..line_end].trim();
    if current.starts_with('[') {
        // The error is on a table header: name the table itself.
        if let Some(name) = current
            .strip_prefix("[[")
            .and_then(|r| r.split("]]").next())
        {
            let name = name.trim().to_string();
            let n = counts.get(&name).copied().unwrap_or(0);
            return (format!("{name}[{n}]"), String::new());
        }
        let name = current.trim_start_matches('[').split(']').next();
        return (name.unwrap_or("").trim().to_string(), String::new());
    }
    if let Some(k) = assigned_key(current) {
        key = k;
    }
    (table, key)
}

/// The key of a `key = value` line, if the line is one.
fn assigned_key(line: &str) -> Option<String> {
    let (k, _) = line.split_once('=')?;
    let k = k.trim().trim_matches('"');
    let ok = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    ok.then(|| k.to_string())
}

fn backticked_after(message: &str, prefix: &str) -> Option<String> {
    let rest = &message[message.find(prefix)? + prefix.len()..];
    let rest = rest.strip_prefix('`')?;
    Some(rest[..rest.find('`')?].to_string())
}

/// The automaton pattern of a term: tokens separated by two spaces, with a
/// leading space (token start) and — for whole-word terms — a trailing one.
fn pattern(tokens: &[String], boundary: Boundary) -> String {
    let mut p = String::from(" ");
    p.push_str(&tokens.join("  "));
    if boundary == Boundary::Word {
        p.push(' ');
    }
    p
}

/// Builds the text the automaton runs over: normalised tokens separated by
/// two spaces and framed by single spaces, so that consecutive whole-word
/// matches never compete for the same separator. Kept as UTF-8 bytes (the
/// automaton searches bytes; only valid UTF-8 is ever pushed).
struct Hay {
    out: Vec<u8>,
    first: bool,
    in_word: bool,
}

impl Hay {
    fn new(capacity: usize) -> Hay {
        let mut out = Vec::with_capacity(capacity * 2 + 4);
        out.push(b' ');
        Hay {
            out,
            first: true,
            in_word: false,
        }
    }

    #[inline(always)]
    fn separate(&mut self) {
        if !self.first {
            self.out.extend_from_slice(b"  ");
        }
        self.first = false;
    }

    #[inline(always)]
    fn push(&mut self, c: char) {
        if c.is_ascii() {
            self.out.push(c as u8);
        } else {
            let mut buf = [0u8; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }

    #[inline(always)]
    fn word_char(&mut self, c: char) {
        if !self.in_word {
            self.separate();
            self.in_word = true;
        }
        self.push(c);
    }

    /// A character of an unspaced script: a token of its own.
    #[inline(always)]
    fn single(&mut self, c: char) {
        self.separate();
        self.push(c);
        self.in_word = false;
    }

    /// One ASCII byte, any case.
    #[inline(always)]
    fn ascii(&mut self, b: u8) {
        if b.is_ascii_alphanumeric() {
            if !self.in_word {
                self.separate();
                self.in_word = true;
            }
            self.out.push(b.to_ascii_lowercase());
        } else {
            self.in_word = false;
        }
    }

    /// One normalised character (lower case, Western marks already dropped).
    #[inline(always)]
    fn feed(&mut self, c: char) {
        if c.is_ascii() {
            self.ascii(c as u8);
        } else if is_unspaced_script(c) {
            self.single(c);
        } else if c.is_alphanumeric() || is_combining_mark(c) {
            self.word_char(c);
        } else {
            self.in_word = false;
        }
    }

    fn finish(mut self) -> Vec<u8> {
        self.out.push(b' ');
        self.out
    }
}

/// The normalised, tokenised form of `text` the automaton searches.
fn haystack(text: &str) -> Vec<u8> {
    let mut h = Hay::new(text.len());
    if text.is_ascii() {
        // Fast path: ASCII is NFKC-stable and has no marks.
        for &b in text.as_bytes() {
            h.ascii(b);
        }
    } else if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        // Most text is already NFKC: skip the (slow) recomposition.
        feed_chars(&mut h, text.chars());
    } else {
        feed_chars(&mut h, text.nfkc());
    }
    h.finish()
}

/// Lower-cases, folds and strips Western marks from NFKC characters.
fn feed_chars(h: &mut Hay, chars: impl Iterator<Item = char>) {
    for c in chars {
        if c.is_ascii() {
            h.ascii(c as u8);
            continue;
        }
        if is_unspaced_script(c) {
            // Han, kana, Thai...: no case, no Western marks.
            h.single(c);
            continue;
        }
        for lc in c.to_lowercase() {
            match lc {
                'ß' => {
                    h.feed('s');
                    h.feed('s');
                }
                'æ' => {
                    h.feed('a');
                    h.feed('e');
                }
                'œ' => {
                    h.feed('o');
                    h.feed('e');
                }
                'ø' => h.feed('o'),
                'ł' => h.feed('l'),
                'ı' => h.feed('i'),
                'þ' => {
                    h.feed('t');
                    h.feed('h');
                }
                'ð' => h.feed('d'),
                // Cyrillic short i is a letter of its own, not и + breve.
                'й' => h.feed('й'),
                _ if has_western_decomposition(lc) => decompose_canonical(lc, |d| {
                    if !is_western_combining(d) {
                        h.feed(d);
                    }
                }),
                _ if is_western_combining(lc) => {}
                _ => h.feed(lc),
            }
        }
    }
}

/// Blocks whose precomposed letters can carry Western marks (Latin, Greek,
/// Cyrillic); other scripts are fed unchanged, which is faster and, being
/// applied alike to terms and text, consistent.
fn has_western_decomposition(c: char) -> bool {
    matches!(
        c,
        '\u{00C0}'..='\u{024F}' | '\u{0370}'..='\u{04FF}' | '\u{1E00}'..='\u{1FFF}'
    )
}

/// Normalises `text` and cuts it into tokens (see the module docs).
pub fn tokens(text: &str) -> Vec<String> {
    String::from_utf8(haystack(text))
        .expect("the haystack holds only whole UTF-8 characters")
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// The normalised form of a text: its tokens joined by single spaces.
pub fn normalise(text: &str) -> String {
    tokens(text).join(" ")
}

/// Combining marks that Western languages use (grave, acute, circumflex,
/// tilde, macron, breve, dot above, diaeresis, ring, double acute, caron,
/// cedilla, ogonek). Vietnamese hook above (U+0309), horn (U+031B) and dot
/// below (U+0323) are kept.
fn is_western_combining(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{0304}' | '\u{0306}'..='\u{0308}' | '\u{030A}'..='\u{030C}' | '\u{0327}' | '\u{0328}'
    )
}
