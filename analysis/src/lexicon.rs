//! The species lexicon: loads the reviewer-edited `data/reference/lexicon.toml`
//! (taxa and the terms that name or imply them), validates it (errors name the
//! file, line and key), and classifies one listing text into taxon group,
//! taxon, product type and confidence with an Aho–Corasick automaton.
//!
//! It owns text normalisation and the classification rules. It must not read
//! the lake, know about listings or runs, or hold any vocabulary in code: every
//! word it recognises comes from the TOML file, so reviewers can audit it.
//!
//! Normalisation (applied alike to the lexicon terms and to the text):
//! full-width ASCII to ASCII, lower-casing, Western diacritics stripped from
//! precomposed Latin letters (é → e, ö → o, ç → c; the Vietnamese tone letters
//! of Latin Extended Additional such as ổ, ớ are kept, so "với" ≠ "voi"), then
//! the text is cut into tokens: runs of letters/digits for spaced scripts, one
//! token per character for scripts written without spaces (Han, kana, Thai,
//! Lao, Khmer, Myanmar). A term matches whole tokens (word boundaries) — or,
//! with `boundary = "prefix"`, the start of a token (German compounds:
//! "Elfenbein" in "Elfenbeinschnitzerei"). Because unspaced scripts are one
//! token per character, CJK and Thai terms match anywhere.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::error::AnalysisError;

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
];

/// How sure the lexicon is that a text offers a CITES-listed wildlife product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A species or higher taxon is named (common or scientific name).
    Confirmed,
    /// Only a code word or a bare product word implies a taxon group.
    Suspected,
    /// A decoy cue (faux, resin, replica, tiger balm, ...) says it is not wildlife.
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
    /// `Psittacus erithacus` or `Elephantidae`); only for confirmed listings.
    pub taxon: Option<String>,
    /// Product type (`ivory`, `horn`, `live`, ...): the first product-bearing
    /// term by position, else the named taxon's default; `None` for decoys.
    pub product_type: Option<String>,
    /// Whether the listing offers live animals (`product_type == "live"`).
    pub live: bool,
    pub confidence: Confidence,
    /// The lexicon terms found, spelled as in the lexicon (`text` or the
    /// variant that matched), in order of first appearance, without repeats.
    pub matched_terms: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TermKind {
    CommonName,
    Product,
    CodeWord,
    Decoy,
    Legality,
    Neutral,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Boundary {
    #[default]
    Word,
    Prefix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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
    #[allow(dead_code)]
    rank: Rank,
    taxon_group: Spanned<String>,
    cites_appendix: Spanned<String>,
    default_product_type: Option<Spanned<String>>,
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
    #[serde(default)]
    boundary: Boundary,
    source: Spanned<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

#[derive(Debug, Clone)]
struct Taxon {
    scientific_name: String,
    taxon_group: String,
    default_product_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    text: String,
    kind: TermKind,
    taxon: Option<usize>,
    taxon_group: Option<String>,
    product_type: Option<String>,
}

/// A loaded, validated species lexicon with its compiled matcher.
#[derive(Debug, Clone)]
pub struct Lexicon {
    version: String,
    sha256: String,
    taxa: Vec<Taxon>,
    terms: Vec<Term>,
    /// Automaton pattern index -> term index.
    pattern_terms: Vec<usize>,
    /// Automaton pattern index -> the form as the lexicon spells it.
    pattern_forms: Vec<String>,
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
        let src = std::fs::read_to_string(path).map_err(|e| AnalysisError::io(path, e))?;
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
            patterns: Vec::new(),
            pattern_terms: Vec::new(),
            pattern_forms: Vec::new(),
            pattern_index: HashMap::new(),
        };

        let version = raw.version.get_ref().trim().to_string();
        let version_ok = {
            let parts: Vec<&str> = version.split('.').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        };
        if !version_ok {
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
        }
        for (i, t) in raw.terms.iter().enumerate() {
            b.add_term(i, t)?;
        }

        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&b.patterns)
            .map_err(|e| b.err(0, "terms", format!("cannot build the matcher: {e}")))?;

        Ok(Lexicon {
            version,
            sha256: hex::encode(Sha256::digest(src.as_bytes())),
            taxa: b.taxa,
            terms: b.terms,
            pattern_terms: b.pattern_terms,
            pattern_forms: b.pattern_forms,
            matcher,
        })
    }

    /// The lexicon's `version` (for example `0.1.0`).
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

    /// Classifies one text (usually `title + "\n" + description`).
    ///
    /// Rules, in order: any decoy cue → `Decoy` (no group); else the first
    /// common or scientific name by position → `Confirmed` with its taxon and
    /// group; else the first code word or product word that implies a group
    /// → `Suspected` (group only); else `None`.
    pub fn classify(&self, text: &str) -> Classification {
        let hay = haystack(&tokens(text));
        let mut matched: Vec<String> = Vec::new();
        let mut decoy = false;
        let mut named: Option<usize> = None;
        let mut implied: Option<&str> = None;
        let mut product: Option<&str> = None;
        for m in self.matcher.find_iter(&hay) {
            let term = &self.terms[self.pattern_terms[m.pattern().as_usize()]];
            let form = &self.pattern_forms[m.pattern().as_usize()];
            if !matched.iter().any(|t| t == form) {
                matched.push(form.clone());
            }
            match term.kind {
                TermKind::Decoy => decoy = true,
                TermKind::CommonName => {
                    if named.is_none() {
                        named = term.taxon;
                    }
                }
                TermKind::CodeWord | TermKind::Product => {
                    if implied.is_none() {
                        implied = term.taxon_group.as_deref();
                    }
                }
                TermKind::Legality | TermKind::Neutral => {}
            }
            if product.is_none()
                && matches!(
                    term.kind,
                    TermKind::CommonName | TermKind::CodeWord | TermKind::Product
                )
            {
                product = term.product_type.as_deref();
            }
        }

        if decoy {
            return Classification {
                taxon_group: None,
                taxon: None,
                product_type: None,
                live: false,
                confidence: Confidence::Decoy,
                matched_terms: matched,
            };
        }
        let (confidence, taxon_group, taxon, product_type) = if let Some(t) = named {
            let taxon = &self.taxa[t];
            let product = product.or(taxon.default_product_type.as_deref());
            (
                Confidence::Confirmed,
                Some(taxon.taxon_group.clone()),
                Some(taxon.scientific_name.clone()),
                product,
            )
        } else if let Some(group) = implied {
            (
                Confidence::Suspected,
                Some(group.to_string()),
                None,
                product,
            )
        } else {
            (Confidence::None, None, None, product)
        };
        Classification {
            taxon_group,
            taxon,
            live: product_type == Some("live"),
            product_type: product_type.map(str::to_string),
            confidence,
            matched_terms: matched,
        }
    }
}

struct Builder<'a> {
    path: &'a Path,
    src: &'a str,
    taxa: Vec<Taxon>,
    taxon_keys: HashMap<String, usize>,
    groups: BTreeSet<String>,
    terms: Vec<Term>,
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
        self.taxon_keys.insert(key.clone(), self.taxa.len());
        self.groups.insert(group.to_string());
        self.taxa.push(Taxon {
            scientific_name: t.scientific_name.get_ref().trim().to_string(),
            taxon_group: group.to_string(),
            default_product_type,
        });
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
        let lang = t.language.get_ref();
        let lang_ok = {
            let mut parts = lang.splitn(2, '-');
            let primary = parts.next().unwrap_or("");
            (2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_lowercase())
        };
        if !lang_ok {
            return Err(self.err(
                t.language.span().start,
                &k("language"),
                format!("language must be a BCP 47 code such as en, fr, zh, got {lang:?}"),
            ));
        }
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
                }
            }
            TermKind::Decoy | TermKind::Legality | TermKind::Neutral => {
                if taxon.is_some() || group.is_some() || product_type.is_some() {
                    return Err(self.err(
                        at,
                        &k("kind"),
                        "decoy, legality and neutral terms imply nothing: drop taxon, taxon_group and product_type"
                            .into(),
                    ));
                }
                Term {
                    text: t.text.get_ref().trim().to_string(),
                    kind: t.kind,
                    taxon: None,
                    taxon_group: None,
                    product_type: None,
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

/// The text the automaton runs over: tokens separated by two spaces and
/// framed by single spaces, so that consecutive whole-word matches never
/// compete for the same separator.
fn haystack(tokens: &[String]) -> String {
    let mut h = String::with_capacity(tokens.iter().map(|t| t.len() + 2).sum::<usize>() + 2);
    h.push(' ');
    h.push_str(&tokens.join("  "));
    h.push(' ');
    h
}

/// Normalises `text` and cuts it into tokens (see the module docs).
pub fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for ch in text.chars() {
        let ch = fullwidth_to_ascii(ch);
        for lc in ch.to_lowercase() {
            if let Some(base) = strip_diacritic(lc) {
                cur.push_str(base);
            } else if is_western_combining(lc) {
                // dropped (decomposed é = e + U+0301)
            } else if is_unspaced_script(lc) {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(lc.to_string());
            } else if lc.is_alphanumeric() || is_combining(lc) {
                cur.push(lc);
            } else if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The normalised form of a text: its tokens joined by single spaces.
pub fn normalise(text: &str) -> String {
    tokens(text).join(" ")
}

fn fullwidth_to_ascii(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Base letters of precomposed lower-case Latin-1 / Latin Extended-A letters
/// with Western diacritics, plus a few letters without a decomposition.
fn strip_diacritic(c: char) -> Option<&'static str> {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => Some("a"),
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => Some("c"),
        'ď' => Some("d"),
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => Some("e"),
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => Some("g"),
        'ĥ' => Some("h"),
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => Some("i"),
        'ĵ' => Some("j"),
        'ķ' => Some("k"),
        'ĺ' | 'ļ' | 'ľ' | 'ł' => Some("l"),
        'ñ' | 'ń' | 'ņ' | 'ň' => Some("n"),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' | 'ŏ' | 'ő' | 'ø' => Some("o"),
        'ŕ' | 'ŗ' | 'ř' => Some("r"),
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => Some("s"),
        'ţ' | 'ť' | 'ț' => Some("t"),
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => Some("u"),
        'ŵ' => Some("w"),
        'ý' | 'ÿ' | 'ŷ' => Some("y"),
        'ź' | 'ż' | 'ž' => Some("z"),
        'ß' => Some("ss"),
        'æ' => Some("ae"),
        'œ' => Some("oe"),
        'þ' => Some("th"),
        'ð' => Some("d"),
        _ => None,
    }
}

/// Combining marks that Western languages use (acute, grave, circumflex,
/// tilde, macron, breve, dot above, diaeresis, ring, double acute, caron,
/// cedilla, ogonek). Vietnamese hook above, horn and dot below are kept.
fn is_western_combining(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{0304}' | '\u{0306}'..='\u{0308}' | '\u{030A}'..='\u{030C}' | '\u{0327}' | '\u{0328}'
    )
}

fn is_combining(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}

/// Scripts written without spaces between words: each character is a token.
fn is_unspaced_script(c: char) -> bool {
    match c {
        // Thai, Lao, Myanmar, Khmer: letters, vowel signs and tone marks alike
        // (currency signs and sentence punctuation excepted).
        '\u{0E00}'..='\u{0EFF}' | '\u{1000}'..='\u{109F}' | '\u{1780}'..='\u{17FF}' => !matches!(
            c,
            '\u{0E3F}' | '\u{0E4F}' | '\u{0E5A}' | '\u{0E5B}' | '\u{104A}' | '\u{104B}' | '\u{17D4}'..='\u{17DB}'
        ),
        '\u{2E80}'..='\u{2FDF}'     // CJK radicals
        | '\u{3005}'..='\u{3007}'   // 々 〆 〇
        | '\u{3040}'..='\u{30FF}'   // Hiragana, Katakana
        | '\u{3100}'..='\u{312F}'   // Bopomofo
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'   // CJK Ext A
        | '\u{4E00}'..='\u{9FFF}'   // CJK Unified
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FA1F}' => c.is_alphanumeric(),
        _ => false,
    }
}
