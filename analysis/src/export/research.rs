//! The research audience: one row per confirmed or suspected listing with
//! the columns a study needs and nothing else (data minimisation), seller
//! pseudonyms and listing ids re-keyed per recipient, and the secret export
//! key they are derived from.
//!
//! It owns the key file (created once, owner-only, outside every export),
//! the per-recipient key derivation and the research columns. It must not
//! write the key, or anything it could be recovered from, into an export,
//! and must not add a column without a research use.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use polars::prelude::{DataFrame, DataType, IntoColumn, NamedFrom, Series};
use rand::RngCore;
use sha2::Sha256;

use crate::error::AnalysisError;
use crate::outputs::{self, Column, ColumnType, Published, listing_facts as lf};

/// The research table's file stem (`listings.csv`, `listings.parquet`).
pub const FILE: &str = "listings";

/// The exporter's secret key: 32 random bytes in a file of its own.
pub struct ExportKey {
    key: [u8; 32],
}

impl std::fmt::Debug for ExportKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExportKey(<key hidden>)")
    }
}

impl ExportKey {
    /// Loads the key, creating a random one (mode 0600) on first use, as the
    /// crawler does for its pseudonym key.
    /// why: a recipient's pseudonyms must be stable across exports (the same
    /// key every time) and unlinkable without the key (kept outside the
    /// lake and every export, readable by its owner only).
    pub fn load_or_create(path: &Path) -> Result<ExportKey, AnalysisError> {
        let io = |e| AnalysisError::io(path, e);
        match std::fs::read(path) {
            Ok(bytes) => {
                let key: [u8; 32] =
                    bytes
                        .as_slice()
                        .try_into()
                        .map_err(|_| AnalysisError::ExportUsage {
                            message: format!(
                                "{}: an export key is 32 bytes, this file has {}",
                                path.display(),
                                bytes.len()
                            ),
                        })?;
                Ok(ExportKey { key })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| AnalysisError::io(dir, e))?;
                }
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                match opts.open(path) {
                    Ok(mut f) => {
                        f.write_all(&key).map_err(io)?;
                        f.sync_all().map_err(io)?;
                        Ok(ExportKey { key })
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load_or_create(path)
                    }
                    Err(e) => Err(io(e)),
                }
            }
            Err(e) => Err(io(e)),
        }
    }

    /// The recipient's key: HMAC-SHA-256(export key, "research:" + name),
    /// the name trimmed, lower-cased and its inner spaces collapsed.
    pub fn recipient(&self, name: &str) -> RecipientKey {
        let norm = name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(b"research:");
        mac.update(norm.as_bytes());
        RecipientKey {
            key: mac.finalize().into_bytes().into(),
        }
    }
}

/// A recipient's pseudonym key.
pub struct RecipientKey {
    key: [u8; 32],
}

impl RecipientKey {
    fn mac(&self, kind: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(kind.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// `r_` + 32 hex digits: the seller, for this recipient.
    pub fn seller(&self, lake_pseudonym: &str) -> String {
        format!("r_{}", self.mac("seller", lake_pseudonym))
    }

    /// `rl_` + 32 hex digits: the listing, for this recipient.
    pub fn listing(&self, listing_id: &str) -> String {
        format!("rl_{}", self.mac("listing", listing_id))
    }

    /// A public fingerprint of the key (in the manifest, so a recipient can
    /// see two exports used the same key); one-way, reveals nothing of it.
    pub fn id(&self) -> String {
        self.mac("key-id", "")[..16].to_string()
    }
}

const fn col(name: &'static str, ty: ColumnType) -> Column {
    Column::new(name, ty)
}

pub const LISTING: Column = col("listing", ColumnType::Utf8).defined(
    "The listing, pseudonymised for this recipient: rl_ + HMAC-SHA-256 of the lake's listing id under the recipient's key (stable across this recipient's exports).",
);
pub const PLATFORM: Column =
    col("platform", ColumnType::Utf8).defined("The site (the lake's source).");
pub const SELLER: Column = col("seller", ColumnType::Utf8).defined(
    "The seller, pseudonymised for this recipient: r_ + HMAC-SHA-256 of the lake's seller pseudonym under the recipient's key; empty when the listing names none.",
);
pub const FIRST_SEEN_DATE: Column =
    col("first_seen_date", ColumnType::Date).defined("Day wildtrace first saw the listing (UTC).");
pub const LAST_SEEN_ACTIVE_DATE: Column =
    col("last_seen_active_date", ColumnType::Date).defined("Last day it was seen online (UTC).");
pub const REMOVED_DATE: Column =
    col("removed_date", ColumnType::Date).defined("Day a revisit first found it removed (UTC).");
pub const URL: Column = col("url", ColumnType::Utf8)
    .defined("The listing's URL at its latest observation (only with --include-urls).");

/// The research columns, in order (with `url` last when asked for).
/// why: data minimisation — the facts a study of scale, species, prices,
/// places and removals needs; no free text, no stated amounts in their own
/// currency, no times of day; a URL identifies a listing (and often its
/// seller), so it is added only on request.
pub fn columns(include_urls: bool) -> Vec<Column> {
    let mut c = vec![
        LISTING,
        PLATFORM,
        lf::YEAR,
        lf::MONTH,
        lf::DATE_BASIS,
        lf::TAXON_GROUP,
        lf::TAXON,
        lf::SPECIES,
        lf::CITES_APPENDIX,
        lf::PRODUCT_TYPE,
        lf::CONFIDENCE,
        lf::SPECIMENS,
        SELLER,
        lf::SELLER_COUNTRY,
        lf::SELLER_COUNTRY_CONFIDENCE,
        lf::DESTINATIONS,
        lf::PRICE_USD,
        lf::PRICE_FLAG,
        FIRST_SEEN_DATE,
        LAST_SEEN_ACTIVE_DATE,
        REMOVED_DATE,
        lf::REMOVED,
        lf::DAYS_TO_REMOVAL_OR_CENSORING,
    ];
    if include_urls {
        c.push(URL);
    }
    c
}

/// The confirmed and suspected rows of `listing_facts`.
pub(crate) fn wildlife_facts(tables: &Published) -> Result<DataFrame, AnalysisError> {
    let df = super::frame(tables, &outputs::LISTING_FACTS)?;
    let conf = super::text_col(df, lf::CONFIDENCE.name)?;
    let mask: Vec<bool> = conf
        .iter()
        .map(|c| matches!(c.as_deref(), Some("confirmed" | "suspected")))
        .collect();
    Ok(df.filter(&super::mask_of(&mask))?)
}

/// The research table for one recipient; with `urls`, each listing's URL.
pub fn listings(
    tables: &Published,
    key: &RecipientKey,
    urls: Option<&HashMap<String, String>>,
) -> Result<DataFrame, AnalysisError> {
    let mut df = wildlife_facts(tables)?;
    let ids = super::text_col(&df, lf::LISTING_ID.name)?;
    let sellers = super::text_col(&df, lf::SELLER_PSEUDONYM.name)?;
    df.with_column(
        Series::new(
            LISTING.name.into(),
            ids.iter()
                .map(|i| i.as_deref().map(|i| key.listing(i)))
                .collect::<Vec<_>>(),
        )
        .into_column(),
    )?;
    df.with_column(
        Series::new(
            SELLER.name.into(),
            sellers
                .iter()
                .map(|s| {
                    s.as_deref()
                        .filter(|s| !s.is_empty())
                        .map(|s| key.seller(s))
                })
                .collect::<Vec<_>>(),
        )
        .into_column(),
    )?;
    df.with_column(
        df.column(lf::SOURCE.name)?
            .clone()
            .with_name(PLATFORM.name.into()),
    )?;
    for (from, to) in [
        (lf::FIRST_SEEN, FIRST_SEEN_DATE),
        (lf::LAST_SEEN_ACTIVE, LAST_SEEN_ACTIVE_DATE),
        (lf::REMOVED_AT, REMOVED_DATE),
    ] {
        let d = df
            .column(from.name)?
            .cast(&DataType::Date)?
            .with_name(to.name.into());
        df.with_column(d)?;
    }
    if let Some(urls) = urls {
        df.with_column(
            Series::new(
                URL.name.into(),
                ids.iter()
                    .map(|i| i.as_ref().and_then(|i| urls.get(i).cloned()))
                    .collect::<Vec<_>>(),
            )
            .into_column(),
        )?;
    }
    let names: Vec<&str> = columns(urls.is_some()).iter().map(|c| c.name).collect();
    let mut out = df.select(names)?;
    // A stable order that does not follow the lake's ids.
    out = out.sort([LISTING.name], Default::default())?;
    Ok(out)
}

/// Where the key lives by default: `<data_dir>/keys/export.key`.
pub fn default_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("export.key")
}
