//! `wildtrace bench annual`: the annual statistics over a large synthetic
//! per-listing table, computed by this crate's polars code
//! (`tables::annual_stats`) and by the same aggregates in DuckDB
//! SQL ([`ANNUAL_STATS_SQL`]), each in its own child process so wall time
//! and peak memory are measured apart.
//!
//! It owns the synthetic data generator (deterministic: a SplitMix64 stream
//! per row) and the timing of one engine. It must not be used by the
//! analysis itself, and spawns no process (the binary does).

use std::path::{Path, PathBuf};
use std::time::Instant;

use polars::prelude::*;
use serde::Serialize;

use crate::atomic::ensure_dir;
use crate::error::AnalysisError;
use crate::outputs::{annual_stats as stats, listing_facts as facts};

/// Rows per generated Parquet file.
const CHUNK: usize = 1_000_000;

/// The DuckDB SQL computing the same rows as the polars `annual_stats`
/// (before the year-on-year columns, which both add by the same join);
/// `{glob}` is replaced by the Parquet glob.
pub const ANNUAL_STATS_SQL: &str = "
WITH base AS (
  SELECT * FROM read_parquet('{glob}') WHERE confidence IN ('confirmed', 'suspected')
), dims AS (
  SELECT 'all' AS dimension, 'all' AS key, * FROM base
  UNION ALL SELECT 'taxon', coalesce(species, 'unknown'), * FROM base
  UNION ALL SELECT 'taxon_group', coalesce(taxon_group, 'unknown'), * FROM base
  UNION ALL SELECT 'cites_appendix', coalesce(cites_appendix, 'unknown'), * FROM base
  UNION ALL SELECT 'product_type', coalesce(product_type, 'unknown'), * FROM base
  UNION ALL SELECT 'platform', coalesce(source, 'unknown'), * FROM base
  UNION ALL SELECT 'seller_country', coalesce(seller_country, 'unknown'), * FROM base
), agg AS (
  SELECT year, dimension, key, confidence,
         count(*) AS listings,
         sum(specimens) AS specimens,
         count(DISTINCT seller_pseudonym) AS sellers,
         count(value_usd_cents) AS priced_listings,
         count(*) FILTER (WHERE price_flag IN ('placeholder', 'outlier')) AS implausible_prices,
         count(*) FILTER (WHERE price_flag IN ('no_price', 'no_rate')) AS unpriced_listings,
         coalesce(sum(value_usd_cents), 0) / 100.0 AS total_value_usd,
         round(quantile_cont(value_usd_cents, 0.5) / 100.0, 4) AS median_value_usd,
         count(*) FILTER (WHERE removed) AS removed
  FROM dims GROUP BY ALL
)
SELECT a.*, coalesce(p.listings, 0) AS listings_prev_year
FROM agg a LEFT JOIN agg p
  ON p.dimension = a.dimension AND p.key = a.key AND p.confidence = a.confidence AND p.year = a.year - 1
ORDER BY a.dimension, a.key, a.confidence, a.year";

/// What one engine did.
#[derive(Debug, Clone, Serialize)]
pub struct EngineRun {
    pub engine: String,
    /// Result rows.
    pub rows: u64,
    /// Sum of `listings` over the result rows (a cross-check between engines).
    pub listings_sum: i64,
    /// Sum of `total_value_usd` over the result rows, in cents.
    pub value_cents_sum: i64,
    /// Seconds spent computing (inside the process, input read included).
    pub compute_s: f64,
    /// Peak resident set size of the process (VmHWM), in MiB.
    pub peak_rss_mib: f64,
}

struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const GROUPS: &[&str] = &[
    "Elephants",
    "Rhinoceroses",
    "Pangolins",
    "Big cats",
    "Bears",
    "Primates",
    "Parrots",
    "Raptors",
    "Hornbills",
    "Songbirds",
    "Tortoises and freshwater turtles",
    "Sea turtles",
    "Crocodilians",
    "Snakes",
    "Lizards",
    "Sharks and rays",
];
const PRODUCTS: &[&str] = &[
    "ivory", "horn", "scales", "skin", "tooth", "claw", "bone", "bile", "casque", "shell", "live",
];
const COUNTRIES: &[&str] = &[
    "NG", "KE", "ZA", "CN", "VN", "TH", "FR", "DE", "GB", "US", "BR", "IN", "ID", "MY", "JP", "CH",
    "RU", "HK", "LA", "KH", "MM", "PH", "AE", "CA", "MX", "AU", "CM", "CD", "TZ", "UG",
];
const APPENDICES: &[&str] = &["I", "II", "III", "I/II"];

/// The layout of the synthetic table; part of its folder name, so a table
/// written with older columns (v1 had `taxon`, v2 has `species`) is never
/// reused.
const SYNTHETIC_LAYOUT: u32 = 2;

/// The directory the synthetic table for `listings` rows goes to.
pub fn synthetic_dir(base: &Path, listings: u64) -> PathBuf {
    base.join(format!("annual-v{SYNTHETIC_LAYOUT}-{listings}"))
}

/// Writes `listings` synthetic per-listing rows (the columns
/// `annual_stats` reads) as Parquet files of [`CHUNK`] rows under `dir`,
/// unless a complete set is already there (a `.complete` marker). Same
/// `listings` and `seed`, same bytes.
pub fn generate(dir: &Path, listings: u64, seed: u64) -> Result<Vec<PathBuf>, AnalysisError> {
    // v2: the rows carry date_basis (older sets lack it and are rewritten).
    let marker = dir.join(".complete-v2");
    let files: Vec<PathBuf> = (0..listings.div_ceil(CHUNK as u64))
        .map(|i| dir.join(format!("part-{i:04}.parquet")))
        .collect();
    if marker.exists() && files.iter().all(|f| f.exists()) {
        return Ok(files);
    }
    ensure_dir(dir)?;
    let sellers = (listings / 50).max(10);
    for (c, file) in files.iter().enumerate() {
        let start = c as u64 * CHUNK as u64;
        let n = (listings - start).min(CHUNK as u64) as usize;
        let mut year = Vec::with_capacity(n);
        let mut confidence = Vec::with_capacity(n);
        let mut taxon: Vec<Option<String>> = Vec::with_capacity(n);
        let mut group = Vec::with_capacity(n);
        let mut cites: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut product = Vec::with_capacity(n);
        let mut source = Vec::with_capacity(n);
        let mut country: Vec<Option<&str>> = Vec::with_capacity(n);
        let mut specimens = Vec::with_capacity(n);
        let mut seller: Vec<Option<String>> = Vec::with_capacity(n);
        let mut date_basis: Vec<&str> = Vec::with_capacity(n);
        let mut cents: Vec<Option<i64>> = Vec::with_capacity(n);
        let mut flag = Vec::with_capacity(n);
        let mut removed = Vec::with_capacity(n);
        for i in 0..n as u64 {
            let mut r = SplitMix(seed ^ (start + i).wrapping_mul(0xA24B_AED4_963E_E407));
            year.push(2015 + r.below(12) as i32);
            let conf = match r.below(10) {
                0..=5 => "confirmed",
                6..=8 => "suspected",
                _ => "decoy",
            };
            confidence.push(conf);
            let g = r.below(GROUPS.len() as u64) as usize;
            group.push(GROUPS[g]);
            let sp = r.below(8);
            if conf == "confirmed" {
                taxon.push(Some(format!("{} species {sp}", GROUPS[g])));
                cites.push(Some(APPENDICES[(g + sp as usize) % APPENDICES.len()]));
            } else {
                taxon.push(None);
                cites.push(None);
            }
            product.push(PRODUCTS[r.below(PRODUCTS.len() as u64) as usize]);
            source.push(format!("site{:02}", r.below(20)));
            country.push(
                (r.below(20) != 0).then(|| COUNTRIES[r.below(COUNTRIES.len() as u64) as usize]),
            );
            specimens.push(1 + r.below(5) as i64);
            seller.push((r.below(25) != 0).then(|| format!("s_{:016x}", r.below(sellers))));
            let (c, f) = match r.below(100) {
                0..=79 => (Some(100 + r.below(5_000_000) as i64), "ok"),
                80..=89 => (None, "no_price"),
                90..=93 => (None, "no_rate"),
                94..=97 => (None, "placeholder"),
                _ => (None, "outlier"),
            };
            cents.push(c);
            flag.push(f);
            removed.push(r.below(4) == 0);
            date_basis.push(if r.below(20) == 0 {
                "first_seen"
            } else {
                "posted"
            });
        }
        let mut df = DataFrame::new_infer_height(vec![
            facts::YEAR.values(year),
            facts::CONFIDENCE.values(confidence),
            facts::SPECIES.values(taxon),
            facts::TAXON_GROUP.values(group),
            facts::CITES_APPENDIX.values(cites),
            facts::PRODUCT_TYPE.values(product),
            facts::SOURCE.values(source),
            facts::SELLER_COUNTRY.values(country),
            facts::SPECIMENS.values(specimens),
            facts::SELLER_PSEUDONYM.values(seller),
            facts::VALUE_USD_CENTS.values(cents),
            facts::PRICE_FLAG.values(flag),
            facts::REMOVED.values(removed),
            facts::DATE_BASIS.values(date_basis),
        ])?;
        let f = std::fs::File::create(file).map_err(|e| AnalysisError::io(file, e))?;
        ParquetWriter::new(f)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(&mut df)?;
    }
    std::fs::write(&marker, b"").map_err(|e| AnalysisError::io(&marker, e))?;
    Ok(files)
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`; 0 elsewhere).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn glob(dir: &Path) -> String {
    format!("{}/*.parquet", dir.display())
}

/// Runs one engine over the synthetic table in `dir` (call in a fresh process).
pub fn run_engine(engine: &str, dir: &Path) -> Result<EngineRun, AnalysisError> {
    let started = Instant::now();
    let (rows, listings_sum, value_cents_sum) = match engine {
        "polars" => {
            let lf = LazyFrame::scan_parquet(
                PlRefPath::new(glob(dir).as_str()),
                ScanArgsParquet::default(),
            )?;
            let df = crate::tables::annual_stats(lf)?;
            let listings: i64 = df.column(stats::LISTINGS.name)?.i64()?.sum().unwrap_or(0);
            let value: f64 = df
                .column(stats::TOTAL_VALUE_USD.name)?
                .f64()?
                .sum()
                .unwrap_or(0.0);
            (df.height() as u64, listings, (value * 100.0).round() as i64)
        }
        "duckdb" => {
            let conn =
                duckdb::Connection::open_in_memory().map_err(|e| AnalysisError::duckdb(dir, e))?;
            let sql = format!(
                "SELECT count(*), sum(listings)::BIGINT, round(sum(total_value_usd) * 100)::BIGINT FROM ({})",
                ANNUAL_STATS_SQL.replace("{glob}", &glob(dir))
            );
            conn.query_row(&sql, [], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?))
            })
            .map_err(|e| AnalysisError::duckdb(dir, e))?
        }
        other => {
            return Err(AnalysisError::Lake {
                path: dir.to_path_buf(),
                message: format!("unknown engine {other:?} (polars or duckdb)"),
            });
        }
    };
    Ok(EngineRun {
        engine: engine.to_string(),
        rows,
        listings_sum,
        value_cents_sum,
        compute_s: started.elapsed().as_secs_f64(),
        peak_rss_mib: peak_rss_mib(),
    })
}
