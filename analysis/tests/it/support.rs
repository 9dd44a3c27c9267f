//! Test support: repository paths, the lake contract as data, and a writer
//! for small synthetic lakes (hive-partitioned, zstd Parquet written with
//! polars, with exactly the contract's columns and types).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use polars::prelude::*;
use serde::Deserialize;
use wildtrace_analysis::lake::ColumnType;

/// The repository, read at run time: a test binary built from another clone
/// sharing the target dir must still use this clone's files.
pub fn repo() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
        .join("..")
}

pub fn lexicon_path() -> PathBuf {
    repo().join("data/reference/lexicon.toml")
}

pub fn contract_path() -> PathBuf {
    repo().join("data/schema/lake.toml")
}

#[derive(Debug, Deserialize)]
pub struct Contract {
    pub schema_version: i32,
    pub partitions: toml::Table,
    pub tables: Vec<ContractTable>,
}

#[derive(Debug, Deserialize)]
pub struct ContractTable {
    pub name: String,
    pub columns: Vec<ContractColumn>,
}

#[derive(Debug, Deserialize)]
pub struct ContractColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: String,
    pub nullable: bool,
}

pub fn contract() -> Contract {
    let text = std::fs::read_to_string(contract_path()).expect("read lake.toml");
    toml::from_str(&text).expect("parse lake.toml")
}

impl Contract {
    pub fn table(&self, name: &str) -> &ContractTable {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("lake.toml has no table {name}"))
    }
}

/// One crawl run: id and crawl date (the partition it writes to).
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub id: &'static str,
    pub crawl_date: &'static str,
}

pub const R1: Run = Run {
    id: "20261129T080000Z-demo-1",
    crawl_date: "2026-11-29",
};
pub const R2: Run = Run {
    id: "20261130T080000Z-demo-2",
    crawl_date: "2026-11-30",
};

/// One observation of a listing (one row of the `listings` table).
#[derive(Debug, Clone)]
pub struct Obs {
    pub source: &'static str,
    pub run: Run,
    pub observed_at: &'static str,
    pub site_id: &'static str,
    pub status: &'static str,
    pub removal_reason: Option<&'static str>,
    pub http_status: i32,
    pub title: Option<&'static str>,
    pub description: Option<&'static str>,
    pub price: Option<i128>,
    pub currency: &'static str,
    pub seller: Option<&'static str>,
    pub location: Option<&'static str>,
    pub ships_to: Option<&'static str>,
    pub quantity: Option<i32>,
    pub posted_date: Option<&'static str>,
    pub schema_version: i32,
}

/// An `active` observation at `observed_at` (RFC 3339) with a title.
pub fn obs(
    source: &'static str,
    run: Run,
    observed_at: &'static str,
    site_id: &'static str,
    title: &'static str,
) -> Obs {
    Obs {
        source,
        run,
        observed_at,
        site_id,
        status: "active",
        removal_reason: None,
        http_status: 200,
        title: Some(title),
        description: Some("Genuine, old stock. Contact: [email masked]"),
        price: Some(1_250_000), // 125.0000
        currency: "USD",
        seller: None,
        location: Some("Somewhere"),
        ships_to: None,
        quantity: None,
        posted_date: None,
        schema_version: wildtrace_analysis::lake::SCHEMA_VERSION,
    }
}

impl Obs {
    pub fn posted(mut self, date: &'static str) -> Self {
        self.posted_date = Some(date);
        self
    }
    pub fn qty(mut self, q: i32) -> Self {
        self.quantity = Some(q);
        self
    }
    pub fn status(mut self, s: &'static str) -> Self {
        self.status = s;
        self
    }
    pub fn describe(mut self, d: &'static str) -> Self {
        self.description = Some(d);
        self
    }
    /// A removal observation: status removed, the given reason and HTTP status.
    pub fn removed(mut self, reason: &'static str, http: i32, title: Option<&'static str>) -> Self {
        self.status = "removed";
        self.removal_reason = Some(reason);
        self.http_status = http;
        self.title = title;
        self.description = None;
        self.price = None;
        self
    }
    /// The price as an exact decimal string ("1299.5") in `currency`, or none.
    pub fn price(mut self, amount: Option<&str>, currency: &'static str) -> Self {
        self.price = amount.map(|a| {
            let (int, frac) = a.split_once('.').unwrap_or((a, ""));
            let frac = format!("{frac:0<4}");
            format!("{int}{frac}").parse::<i128>().expect("decimal")
        });
        self.currency = currency;
        self
    }
    /// The seller's pseudonym (default: derived from the site id).
    pub fn seller(mut self, s: &'static str) -> Self {
        self.seller = Some(s);
        self
    }
    /// Seller location and ships-to texts as stated.
    pub fn places(
        mut self,
        location: Option<&'static str>,
        ships_to: Option<&'static str>,
    ) -> Self {
        self.location = location;
        self.ships_to = ships_to;
        self
    }
    pub fn schema_version(mut self, v: i32) -> Self {
        self.schema_version = v;
        self
    }
    pub fn listing_id(&self) -> String {
        format!("{}:{}", self.source, self.site_id)
    }
}

fn micros(rfc3339: &str) -> i64 {
    DateTime::parse_from_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("bad timestamp {rfc3339}: {e}"))
        .timestamp_micros()
}

fn days(date: &str) -> i32 {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").expect("date");
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
}

/// The listings rows of `rows` as a DataFrame with exactly the contract's
/// columns, in contract order, with the contract's types (checked).
pub fn listings_frame(rows: &[Obs]) -> DataFrame {
    let contract = contract();
    let mut cols = Vec::new();
    for c in &contract.table("listings").columns {
        let name: PlSmallStr = c.name.as_str().into();
        let s: Series = match c.name.as_str() {
            "schema_version" => Series::new(
                name,
                rows.iter().map(|o| o.schema_version).collect::<Vec<_>>(),
            ),
            "run_id" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.run.id.to_string())
                    .collect::<Vec<_>>(),
            ),
            "observed_at" => Series::new(
                name,
                rows.iter()
                    .map(|o| micros(o.observed_at))
                    .collect::<Vec<_>>(),
            )
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
            "listing_id" => Series::new(name, rows.iter().map(Obs::listing_id).collect::<Vec<_>>()),
            "url" | "canonical_url" => Series::new(
                name,
                rows.iter()
                    .map(|o| format!("https://{}.example/item/{}", o.source, o.site_id))
                    .collect::<Vec<_>>(),
            ),
            "status" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.status.to_string())
                    .collect::<Vec<_>>(),
            ),
            "removal_reason" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.removal_reason.map(str::to_string))
                    .collect::<Vec<_>>(),
            ),
            "http_status" => {
                Series::new(name, rows.iter().map(|o| o.http_status).collect::<Vec<_>>())
            }
            "title" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.title.map(str::to_string))
                    .collect::<Vec<_>>(),
            ),
            "description" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.description.map(str::to_string))
                    .collect::<Vec<_>>(),
            ),
            "price_text" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.price.map(|p| format!("US$ {}", p / 10_000)))
                    .collect::<Vec<_>>(),
            ),
            "price_amount" => Series::new(
                name,
                rows.iter().map(|o| o.price).collect::<Vec<Option<i128>>>(),
            )
            .into_decimal(18, 4)
            .unwrap(),
            "currency" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.price.map(|_| o.currency.to_string()))
                    .collect::<Vec<_>>(),
            ),
            "quantity" => Series::new(name, rows.iter().map(|o| o.quantity).collect::<Vec<_>>()),
            "seller_pseudonym" => Series::new(
                name,
                rows.iter()
                    .map(|o| {
                        Some(
                            o.seller
                                .map(str::to_string)
                                .unwrap_or_else(|| format!("s_{:0>64}", o.site_id.len())),
                        )
                    })
                    .collect::<Vec<Option<String>>>(),
            ),
            "seller_location" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.location.map(str::to_string))
                    .collect::<Vec<_>>(),
            ),
            "ships_to" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.ships_to.map(str::to_string))
                    .collect::<Vec<Option<String>>>(),
            ),
            "posted_date" => Series::new(
                name,
                rows.iter()
                    .map(|o| o.posted_date.map(days))
                    .collect::<Vec<_>>(),
            )
            .cast(&DataType::Date)
            .unwrap(),
            "language" => Series::new(
                name,
                rows.iter()
                    .map(|_| Some("en".to_string()))
                    .collect::<Vec<_>>(),
            ),
            "image_urls" => {
                let lists: Vec<Series> = rows
                    .iter()
                    .map(|o| {
                        if o.status == "removed" {
                            Series::new_empty(PlSmallStr::EMPTY, &DataType::String)
                        } else {
                            Series::new(
                                PlSmallStr::EMPTY,
                                vec![format!(
                                    "https://{}.example/img/{}.jpg",
                                    o.source, o.site_id
                                )],
                            )
                        }
                    })
                    .collect();
                Series::new(name, lists)
            }
            "search_term" => Series::new(
                name,
                rows.iter()
                    .map(|_| Some("ivory".to_string()))
                    .collect::<Vec<_>>(),
            ),
            "extractor" => Series::new(
                name,
                rows.iter()
                    .map(|_| "jsonld".to_string())
                    .collect::<Vec<_>>(),
            ),
            "page_sha256" => Series::new(
                name,
                rows.iter().map(|_| "0".repeat(64)).collect::<Vec<_>>(),
            ),
            // Evidence mode is off in these lakes: the WARC pointers are null.
            "warc_file" | "warc_block_digest" => Series::new(
                name,
                rows.iter().map(|_| None::<String>).collect::<Vec<_>>(),
            ),
            "warc_offset" | "warc_length" => {
                Series::new(name, rows.iter().map(|_| None::<i64>).collect::<Vec<_>>())
            }
            other => panic!(
                "lake.toml has a listings column `{other}` the test lake does not know; teach support.rs"
            ),
        };
        let ty = ColumnType::from_contract_name(&c.ty)
            .unwrap_or_else(|| panic!("unknown contract type {}", c.ty));
        assert!(
            ty.matches(s.dtype()),
            "test lake column {} is {:?}, contract says {}",
            c.name,
            s.dtype(),
            c.ty
        );
        if !c.nullable {
            assert_eq!(
                s.null_count(),
                0,
                "test lake column {} must not have nulls",
                c.name
            );
        }
        cols.push(Column::from(s));
    }
    DataFrame::new_infer_height(cols).unwrap()
}

/// A small fetch_log frame for one run, with the contract's columns.
pub fn fetch_log_frame(run: Run, n: usize) -> DataFrame {
    let contract = contract();
    let mut cols = Vec::new();
    for c in &contract.table("fetch_log").columns {
        let name: PlSmallStr = c.name.as_str().into();
        let s: Series = match c.name.as_str() {
            "schema_version" => {
                Series::new(name, vec![wildtrace_analysis::lake::SCHEMA_VERSION; n])
            }
            "run_id" => Series::new(name, vec![run.id.to_string(); n]),
            "requested_at" => Series::new(
                name,
                (0..n)
                    .map(|i| micros(&format!("{}T08:00:0{}Z", run.crawl_date, i % 10)))
                    .collect::<Vec<_>>(),
            )
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
            "url" => Series::new(
                name,
                (0..n)
                    .map(|i| format!("https://bazaar.example/{i}"))
                    .collect::<Vec<_>>(),
            ),
            "kind" => Series::new(name, vec!["listing".to_string(); n]),
            "outcome" => Series::new(name, vec!["fetched".to_string(); n]),
            "http_status" => Series::new(name, vec![Some(200i32); n]),
            "bytes" => Series::new(name, vec![Some(1234i64); n]),
            "elapsed_ms" => Series::new(name, vec![Some(12i64); n]),
            "retry_after_s" => Series::new(name, vec![None::<i64>; n]),
            other => {
                panic!("lake.toml has a fetch_log column `{other}` the test lake does not know")
            }
        };
        let ty = ColumnType::from_contract_name(&c.ty).unwrap();
        assert!(
            ty.matches(s.dtype()),
            "fetch_log column {} is {:?}",
            c.name,
            s.dtype()
        );
        cols.push(Column::from(s));
    }
    DataFrame::new_infer_height(cols).unwrap()
}

/// Writes `df` to `<lake>/<table>/source=<s>/crawl_date=<d>/part-<run>.parquet` (zstd).
pub fn write_part(lake: &Path, table: &str, source: &str, run: Run, df: &mut DataFrame) -> PathBuf {
    let dir = lake
        .join(table)
        .join(format!("source={source}"))
        .join(format!("crawl_date={}", run.crawl_date));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("part-{}.parquet", run.id));
    let file = std::fs::File::create(&path).unwrap();
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)
        .unwrap();
    path
}

/// Writes every observation into its partition file (one file per source,
/// crawl date and run).
pub fn write_listings(lake: &Path, rows: &[Obs]) {
    let mut parts: BTreeMap<(&str, &str, &str), Vec<Obs>> = BTreeMap::new();
    for o in rows {
        parts
            .entry((o.source, o.run.crawl_date, o.run.id))
            .or_default()
            .push(o.clone());
    }
    for (_, group) in parts {
        let (source, run) = (group[0].source, group[0].run);
        write_part(lake, "listings", source, run, &mut listings_frame(&group));
    }
}
