//! From lake observations to the published tables: reduces observations to
//! one row per listing (latest non-removed observation for the text, price,
//! seller and places; removed if any observation says so; first/last
//! sightings), classifies each listing with the lexicon, converts its price,
//! reads its places, and aggregates the annual statistics, routes, removal
//! rates, Kaplan–Meier curves and monthly trend series.
//!
//! It owns the counting rules (what a listing, a year, a specimen, a seller,
//! a value and a removal are; see the README "Analysis methods"). It must not
//! open the lake itself (it gets a lazy frame from `lake`), draw figures,
//! write spreadsheets or touch DuckDB.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate};
use polars::prelude::*;
use rust_decimal::Decimal;

use crate::atomic::write_atomic;
use crate::error::AnalysisError;
use crate::fx::{self, Rates};
use crate::lexicon::{Confidence, Lexicon};
use crate::places::Gazetteer;
use crate::takedown::{self, Spell};
use crate::trends::{self, MonthIndex};

/// Column names of `annual_by_taxon_group.csv`, in order.
pub const ANNUAL_COLUMNS: &[&str] = &["year", "taxon_group", "confidence", "listings", "specimens"];
/// Column names of `removals_by_source.csv`, in order.
pub const REMOVALS_COLUMNS: &[&str] = &["source", "listings", "removed", "removed_share"];
/// Column names of `listing_classification.csv`, in order.
pub const CLASSIFICATION_COLUMNS: &[&str] = &[
    "listing_id",
    "source",
    "year",
    "taxon_group",
    "taxon",
    "product_type",
    "live",
    "confidence",
    "specimens",
    "removed",
    "matched_terms",
    "lexicon_version",
];
/// Column names of `listing_facts`, in order (one row per listing).
pub const FACTS_COLUMNS: &[&str] = &[
    "listing_id",
    "source",
    "year",
    "month",
    "posted_date",
    "taxon_group",
    "taxon",
    "cites_appendix",
    "product_type",
    "confidence",
    "specimens",
    "seller_pseudonym",
    "seller_country",
    "seller_country_confidence",
    "destinations",
    "price_amount",
    "currency",
    "rate_date",
    "price_eur",
    "price_usd",
    "value_usd_cents",
    "price_flag",
    "first_seen",
    "last_seen_active",
    "removed_at",
    "removed",
    "days_to_removal_or_censoring",
];
/// Column names of `annual_stats`, in order.
pub const ANNUAL_STATS_COLUMNS: &[&str] = &[
    "year",
    "dimension",
    "key",
    "confidence",
    "listings",
    "specimens",
    "sellers",
    "priced_listings",
    "implausible_prices",
    "unpriced_listings",
    "total_value_usd",
    "median_value_usd",
    "removed",
    "removed_share",
    "listings_prev_year",
    "listings_yoy_change",
];
/// The `dimension` values of `annual_stats` and the `listing_facts` column each splits by.
pub const DIMENSIONS: &[(&str, &str)] = &[
    ("all", ""),
    ("taxon", "taxon"),
    ("taxon_group", "taxon_group"),
    ("cites_appendix", "cites_appendix"),
    ("product_type", "product_type"),
    ("platform", "source"),
    ("seller_country", "seller_country"),
];
/// Column names of `routes`, in order.
pub const ROUTES_COLUMNS: &[&str] = &[
    "year",
    "origin",
    "destination",
    "confidence",
    "listings",
    "specimens",
    "rank",
];
/// Column names of `removal_rates`, in order.
pub const REMOVAL_RATES_COLUMNS: &[&str] = &[
    "group_kind",
    "group",
    "listings",
    "removed",
    "removed_within_7d",
    "removed_within_30d",
    "removed_within_90d",
    "km_removed_by_7d",
    "km_removed_by_30d",
    "km_removed_by_90d",
];
/// Column names of `km_curves`, in order.
pub const KM_COLUMNS: &[&str] = &[
    "group_kind",
    "group",
    "time_days",
    "at_risk",
    "events",
    "censored",
    "survival",
];
/// Column names of `monthly_counts`, in order.
pub const MONTHLY_COLUMNS: &[&str] = &["kind", "key", "month", "listings"];
/// Column names of `emerging_trends`, in order.
pub const TRENDS_COLUMNS: &[&str] = &[
    "kind",
    "key",
    "month",
    "listings",
    "baseline_mean",
    "baseline_months",
    "z",
    "p_value",
];

/// Placeholder for a missing split key in `annual_stats`.
pub const UNKNOWN: &str = "unknown";

/// Reference data besides the lexicon.
pub(crate) struct Reference<'a> {
    pub rates: &'a Rates,
    pub places: &'a Gazetteer,
    /// Scientific name → CITES appendix, from the lexicon file.
    pub cites: &'a HashMap<String, String>,
}

/// The analysis tables, in memory.
pub(crate) struct Tables {
    /// One row per listing: its classification and counting facts.
    pub classified: DataFrame,
    /// `year, taxon_group, confidence, listings, specimens`.
    pub annual: DataFrame,
    /// `source, listings, removed, removed_share`.
    pub removals: DataFrame,
    /// One row per listing with every derived fact ([`FACTS_COLUMNS`]).
    pub facts: DataFrame,
    pub annual_stats: DataFrame,
    pub routes: DataFrame,
    pub removal_rates: DataFrame,
    pub km_curves: DataFrame,
    pub monthly: DataFrame,
    pub trends: DataFrame,
    pub observations: u64,
    pub listings: u64,
    pub removed: u64,
    pub decoys: u64,
    pub implausible_prices: u64,
}

/// Reads `scientific_name → cites_appendix` of every taxon in the lexicon
/// file (the lexicon module classifies; this only looks the appendix up).
pub(crate) fn cites_appendices(
    lexicon_path: &Path,
) -> Result<HashMap<String, String>, AnalysisError> {
    let text =
        std::fs::read_to_string(lexicon_path).map_err(|e| AnalysisError::io(lexicon_path, e))?;
    let value: toml::Table = toml::from_str(&text).map_err(|e| AnalysisError::Reference {
        path: lexicon_path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut out = HashMap::new();
    if let Some(taxa) = value.get("taxa").and_then(|t| t.as_array()) {
        for t in taxa {
            if let (Some(n), Some(a)) = (
                t.get("scientific_name").and_then(|v| v.as_str()),
                t.get("cites_appendix").and_then(|v| v.as_str()),
            ) {
                out.insert(n.to_string(), a.to_string());
            }
        }
    }
    Ok(out)
}

fn datetime_col(name: &str, us: Vec<Option<i64>>) -> Result<Column, AnalysisError> {
    Ok(Series::new(name.into(), us)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column())
}

fn date_col(name: &str, days: Vec<Option<i32>>) -> Result<Column, AnalysisError> {
    Ok(Series::new(name.into(), days)
        .cast(&DataType::Date)?
        .into_column())
}

/// Builds every table from the lake's listings observations.
pub(crate) fn build(
    observations: LazyFrame,
    lexicon: &Lexicon,
    reference: &Reference<'_>,
) -> Result<Tables, AnalysisError> {
    let obs = observations.select([
        col("listing_id"),
        col("source"),
        col("run_id"),
        col("status"),
        col("title"),
        col("description"),
        col("quantity"),
        col("price_amount"),
        col("currency"),
        col("seller_pseudonym"),
        col("seller_location"),
        col("ships_to"),
        col("observed_at")
            .cast(DataType::Int64)
            .alias("observed_us"),
        col("posted_date")
            .cast(DataType::Int32)
            .alias("posted_days"),
    ]);

    let n_obs = obs
        .clone()
        .select([len().cast(DataType::Int64).alias("n")])
        .collect()?;
    let n_obs = n_obs.column("n")?.i64()?.get(0).unwrap_or(0);

    // The observation whose facts count: the latest one that is not a
    // removal (a removal page often has no text); if every observation is a
    // removal, the latest one. Ties on time are broken by run id.
    let order = [
        col("status").neq(lit("removed")),
        col("observed_us"),
        col("run_id"),
    ];
    let latest = |name: &str| {
        col(name)
            .sort_by(order.clone(), SortMultipleOptions::default())
            .last()
            .alias(name)
    };
    let is_removed = col("status").eq(lit("removed"));
    let per_listing = obs
        .group_by([col("listing_id")])
        .agg([
            latest("source"),
            is_removed.clone().any(true).alias("removed"),
            col("observed_us").min().alias("first_observed_us"),
            col("observed_us").max().alias("last_observed_us"),
            col("observed_us")
                .filter(is_removed.clone().not())
                .max()
                .alias("last_active_us"),
            col("observed_us")
                .filter(is_removed)
                .min()
                .alias("removed_at_us"),
            latest("title"),
            latest("description"),
            latest("quantity"),
            latest("posted_days"),
            latest("price_amount"),
            latest("currency"),
            latest("seller_pseudonym"),
            latest("seller_location"),
            latest("ships_to"),
        ])
        .sort(["listing_id"], SortMultipleOptions::default())
        .collect()?;

    let ids = per_listing.column("listing_id")?.str()?;
    let sources = per_listing.column("source")?.str()?;
    let removed = per_listing.column("removed")?.bool()?;
    let first_us = per_listing.column("first_observed_us")?.i64()?;
    let last_us = per_listing.column("last_observed_us")?.i64()?;
    let last_active = per_listing.column("last_active_us")?.i64()?;
    let removed_at = per_listing.column("removed_at_us")?.i64()?;
    let titles = per_listing.column("title")?.str()?;
    let descriptions = per_listing.column("description")?.str()?;
    let quantities = per_listing.column("quantity")?.i32()?;
    let posted = per_listing.column("posted_days")?.i32()?;
    let prices = per_listing.column("price_amount")?.decimal()?;
    let price_scale = u32::try_from(prices.scale()).unwrap_or(4);
    let currencies = per_listing.column("currency")?.str()?;
    let sellers = per_listing.column("seller_pseudonym")?.str()?;
    let locations = per_listing.column("seller_location")?.str()?;
    let ships = per_listing.column("ships_to")?.str()?;

    let n = per_listing.height();
    let mut f = Facts::default();
    let (mut n_removed, mut n_decoys) = (0u64, 0u64);
    let mut c_live = Vec::with_capacity(n);
    let mut c_terms = Vec::with_capacity(n);
    let mut terms_per_listing: Vec<Vec<String>> = Vec::with_capacity(n);

    for i in 0..n {
        let id = ids.get(i).unwrap_or("");
        let source = sources.get(i).unwrap_or("");
        let title = titles.get(i).unwrap_or("");
        let description = descriptions.get(i).unwrap_or("");
        let cls = lexicon.classify(&format!("{title}\n{description}"));
        let first = first_us.get(i).unwrap_or(0);
        let date = match posted.get(i) {
            Some(days) => date_of_days(days),
            None => DateTime::from_timestamp_micros(first).map(|t| t.date_naive()),
        }
        .ok_or_else(|| AnalysisError::Lake {
            path: "listings".into(),
            message: format!("listing {id:?}: posted_date/observed_at out of range"),
        })?;
        let is_removed = removed.get(i).unwrap_or(false);
        n_removed += u64::from(is_removed);
        n_decoys += u64::from(cls.confidence == Confidence::Decoy);

        // Price: exact decimal from the lake, converted at the posted date.
        let amount = prices
            .physical()
            .get(i)
            .map(|v| Decimal::from_i128_with_scale(v, price_scale));
        let currency = currencies.get(i).map(str::to_string);
        let (conv, flag) = match (&amount, &currency) {
            (Some(a), Some(c)) if fx::is_placeholder(*a) => {
                (reference.rates.convert(*a, c, date), PriceFlag::Placeholder)
            }
            (Some(a), Some(c)) => match reference.rates.convert(*a, c, date) {
                Some(conv) => (Some(conv), PriceFlag::Ok),
                None => (None, PriceFlag::NoRate),
            },
            _ => (None, PriceFlag::NoPrice),
        };

        // Places.
        let seller_country = reference.places.seller_country(locations.get(i), source);
        let destinations = ships
            .get(i)
            .map(|s| {
                reference
                    .places
                    .destinations(s, seller_country.as_ref().map(|c| c.country.as_str()))
            })
            .unwrap_or_default();

        let end_us = if is_removed {
            removed_at.get(i).unwrap_or(first)
        } else {
            last_us.get(i).unwrap_or(first)
        };

        f.listing_id.push(id.to_string());
        f.source.push(source.to_string());
        f.year.push(date.year());
        f.month.push(date.year() * 12 + date.month0() as i32);
        f.posted_date.push(posted.get(i));
        f.cites.push(
            cls.taxon
                .as_ref()
                .and_then(|t| reference.cites.get(t).cloned()),
        );
        f.taxon_group.push(cls.taxon_group.clone());
        f.taxon.push(cls.taxon.clone());
        f.product_type.push(cls.product_type.clone());
        f.confidence.push(cls.confidence.as_str().to_string());
        f.specimens.push(i64::from(quantities.get(i).unwrap_or(1)));
        f.seller.push(sellers.get(i).map(str::to_string));
        f.seller_country
            .push(seller_country.as_ref().map(|c| c.country.clone()));
        f.seller_country_confidence.push(
            seller_country
                .as_ref()
                .map(|c| c.confidence.as_str().to_string()),
        );
        f.destinations.push(destinations);
        f.price_amount
            .push(amount.map(|a| a.normalize().to_string()));
        f.currency.push(currency);
        f.rate_date.push(conv.as_ref().map(|c| c.rate_date));
        f.price_eur.push(conv.as_ref().map(|c| c.eur));
        f.price_usd.push(conv.as_ref().map(|c| c.usd));
        f.usd_cents.push(conv.as_ref().map(|c| c.usd_cents));
        f.flag.push(flag);
        f.first_seen.push(first);
        f.last_active.push(last_active.get(i));
        f.removed_at.push(removed_at.get(i));
        f.removed.push(is_removed);
        f.days.push(takedown::days_between(first, end_us));

        c_live.push(cls.live);
        c_terms.push(cls.matched_terms.join(" | "));
        terms_per_listing.push(cls.matched_terms);
    }

    // Outliers: per taxon group × product type, on the log scale.
    let mut cells: BTreeMap<(Option<String>, Option<String>), Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        if f.flag[i] == PriceFlag::Ok && f.taxon_group[i].is_some() {
            cells
                .entry((f.taxon_group[i].clone(), f.product_type[i].clone()))
                .or_default()
                .push(i);
        }
    }
    for members in cells.values() {
        let values: Vec<f64> = members
            .iter()
            .map(|&i| f.usd_cents[i].unwrap_or(0) as f64 / 100.0)
            .collect();
        for j in fx::mad_outliers(&values) {
            f.flag[members[j]] = PriceFlag::Outlier;
        }
    }
    let implausible = f.flag.iter().filter(|fl| fl.implausible()).count() as u64;

    let classified = DataFrame::new_infer_height(vec![
        Column::new("listing_id".into(), f.listing_id.clone()),
        Column::new("source".into(), f.source.clone()),
        Column::new("year".into(), f.year.clone()),
        Column::new("taxon_group".into(), f.taxon_group.clone()),
        Column::new("taxon".into(), f.taxon.clone()),
        Column::new("product_type".into(), f.product_type.clone()),
        Column::new("live".into(), c_live),
        Column::new("confidence".into(), f.confidence.clone()),
        Column::new("specimens".into(), f.specimens.clone()),
        Column::new("removed".into(), f.removed.clone()),
        Column::new("matched_terms".into(), c_terms),
        Column::new(
            "lexicon_version".into(),
            vec![lexicon.version().to_string(); n],
        ),
    ])?;

    let wildlife = col("confidence")
        .eq(lit(Confidence::Confirmed.as_str()))
        .or(col("confidence").eq(lit(Confidence::Suspected.as_str())));
    let annual = classified
        .clone()
        .lazy()
        .filter(wildlife.clone())
        .group_by([col("year"), col("taxon_group"), col("confidence")])
        .agg([
            len().cast(DataType::Int64).alias("listings"),
            col("specimens").sum().alias("specimens"),
        ])
        .sort(
            ["year", "taxon_group", "confidence"],
            SortMultipleOptions::default(),
        )
        .collect()?;

    let mut removals = classified
        .clone()
        .lazy()
        .group_by([col("source")])
        .agg([
            len().cast(DataType::Int64).alias("listings"),
            col("removed").cast(DataType::Int64).sum().alias("removed"),
        ])
        .sort(["source"], SortMultipleOptions::default())
        .collect()?;
    let share = shares(&removals, "removed", "listings")?;
    removals.with_column(Column::new("removed_share".into(), share))?;

    let facts = f.frame()?;
    let annual_stats = annual_stats(facts.clone().lazy())?;
    let routes = routes(&f);
    let (removal_rates, km_curves) = takedowns(&f)?;
    let (monthly, trends) = monthly_and_trends(&f, &terms_per_listing)?;

    Ok(Tables {
        classified,
        annual,
        removals,
        facts,
        annual_stats,
        routes: routes?,
        removal_rates,
        km_curves,
        monthly,
        trends,
        listings: u64::try_from(n).unwrap_or(0),
        observations: u64::try_from(n_obs).unwrap_or(0),
        removed: n_removed,
        decoys: n_decoys,
        implausible_prices: implausible,
    })
}

/// Why a listing's price is or is not in the value totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PriceFlag {
    Ok,
    NoPrice,
    NoRate,
    Placeholder,
    Outlier,
}

impl PriceFlag {
    fn as_str(self) -> &'static str {
        match self {
            PriceFlag::Ok => "ok",
            PriceFlag::NoPrice => "no_price",
            PriceFlag::NoRate => "no_rate",
            PriceFlag::Placeholder => "placeholder",
            PriceFlag::Outlier => "outlier",
        }
    }
    fn implausible(self) -> bool {
        matches!(self, PriceFlag::Placeholder | PriceFlag::Outlier)
    }
}

/// Per-listing facts, column-wise.
#[derive(Default)]
struct Facts {
    listing_id: Vec<String>,
    source: Vec<String>,
    year: Vec<i32>,
    month: Vec<MonthIndex>,
    posted_date: Vec<Option<i32>>,
    taxon_group: Vec<Option<String>>,
    taxon: Vec<Option<String>>,
    cites: Vec<Option<String>>,
    product_type: Vec<Option<String>>,
    confidence: Vec<String>,
    specimens: Vec<i64>,
    seller: Vec<Option<String>>,
    seller_country: Vec<Option<String>>,
    seller_country_confidence: Vec<Option<String>>,
    destinations: Vec<Vec<String>>,
    price_amount: Vec<Option<String>>,
    currency: Vec<Option<String>>,
    rate_date: Vec<Option<NaiveDate>>,
    price_eur: Vec<Option<Decimal>>,
    price_usd: Vec<Option<Decimal>>,
    usd_cents: Vec<Option<i64>>,
    flag: Vec<PriceFlag>,
    first_seen: Vec<i64>,
    last_active: Vec<Option<i64>>,
    removed_at: Vec<Option<i64>>,
    removed: Vec<bool>,
    days: Vec<f64>,
}

fn dec_f64(d: &Option<Decimal>) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    d.and_then(|d| d.round_dp(4).to_f64())
}

impl Facts {
    fn wildlife(&self, i: usize) -> bool {
        self.confidence[i] == "confirmed" || self.confidence[i] == "suspected"
    }

    fn frame(&self) -> Result<DataFrame, AnalysisError> {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        let cents: Vec<Option<i64>> = self
            .usd_cents
            .iter()
            .zip(&self.flag)
            .map(|(c, fl)| if *fl == PriceFlag::Ok { *c } else { None })
            .collect();
        Ok(DataFrame::new_infer_height(vec![
            Column::new("listing_id".into(), self.listing_id.clone()),
            Column::new("source".into(), self.source.clone()),
            Column::new("year".into(), self.year.clone()),
            Column::new(
                "month".into(),
                self.month
                    .iter()
                    .map(|m| trends::month_label(*m))
                    .collect::<Vec<_>>(),
            ),
            date_col("posted_date", self.posted_date.clone())?,
            Column::new("taxon_group".into(), self.taxon_group.clone()),
            Column::new("taxon".into(), self.taxon.clone()),
            Column::new("cites_appendix".into(), self.cites.clone()),
            Column::new("product_type".into(), self.product_type.clone()),
            Column::new("confidence".into(), self.confidence.clone()),
            Column::new("specimens".into(), self.specimens.clone()),
            Column::new("seller_pseudonym".into(), self.seller.clone()),
            Column::new("seller_country".into(), self.seller_country.clone()),
            Column::new(
                "seller_country_confidence".into(),
                self.seller_country_confidence.clone(),
            ),
            Column::new(
                "destinations".into(),
                self.destinations
                    .iter()
                    .map(|d| d.join("|"))
                    .collect::<Vec<_>>(),
            ),
            Column::new("price_amount".into(), self.price_amount.clone()),
            Column::new("currency".into(), self.currency.clone()),
            date_col(
                "rate_date",
                self.rate_date
                    .iter()
                    .map(|d| d.map(|d| (d - epoch).num_days() as i32))
                    .collect(),
            )?,
            Column::new(
                "price_eur".into(),
                self.price_eur.iter().map(dec_f64).collect::<Vec<_>>(),
            ),
            Column::new(
                "price_usd".into(),
                self.price_usd.iter().map(dec_f64).collect::<Vec<_>>(),
            ),
            Column::new("value_usd_cents".into(), cents),
            Column::new(
                "price_flag".into(),
                self.flag.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            ),
            datetime_col(
                "first_seen",
                self.first_seen.iter().map(|v| Some(*v)).collect(),
            )?,
            datetime_col("last_seen_active", self.last_active.clone())?,
            datetime_col("removed_at", self.removed_at.clone())?,
            Column::new("removed".into(), self.removed.clone()),
            Column::new("days_to_removal_or_censoring".into(), self.days.clone()),
        ])?)
    }
}

/// `num / den` per row of `df`, rounded to 4 places (0 when den is 0).
fn shares(df: &DataFrame, num: &str, den: &str) -> Result<Vec<f64>, AnalysisError> {
    let l = df.column(den)?.i64()?;
    let r = df.column(num)?.i64()?;
    Ok(l.iter()
        .zip(r.iter())
        .map(|(l, r)| match (l, r) {
            (Some(l), Some(r)) if l > 0 => round4(r as f64 / l as f64),
            _ => 0.0,
        })
        .collect())
}

/// The annual statistics over per-listing facts (needs the columns of
/// [`FACTS_COLUMNS`] used below): confirmed and suspected listings, per
/// year × dimension key × confidence. Public within the crate so the
/// benchmark times exactly this code.
pub(crate) fn annual_stats(facts: LazyFrame) -> Result<DataFrame, AnalysisError> {
    let wildlife = col("confidence")
        .eq(lit(Confidence::Confirmed.as_str()))
        .or(col("confidence").eq(lit(Confidence::Suspected.as_str())));
    let base = facts
        .filter(wildlife)
        .select([
            col("year"),
            col("confidence"),
            col("taxon"),
            col("taxon_group"),
            col("cites_appendix"),
            col("product_type"),
            col("source"),
            col("seller_country"),
            col("specimens"),
            col("seller_pseudonym"),
            col("value_usd_cents"),
            col("price_flag"),
            col("removed"),
        ])
        .collect()?;
    let mut parts = Vec::new();
    for (dim, column) in DIMENSIONS {
        let key = if column.is_empty() {
            lit("all").alias("key")
        } else {
            col(*column).fill_null(lit(UNKNOWN)).alias("key")
        };
        let implausible = col("price_flag")
            .eq(lit("placeholder"))
            .or(col("price_flag").eq(lit("outlier")));
        let unpriced = col("price_flag")
            .eq(lit("no_price"))
            .or(col("price_flag").eq(lit("no_rate")));
        let part = base
            .clone()
            .lazy()
            .with_column(key)
            .group_by([col("year"), col("key"), col("confidence")])
            .agg([
                len().cast(DataType::Int64).alias("listings"),
                col("specimens")
                    .sum()
                    .cast(DataType::Int64)
                    .alias("specimens"),
                col("seller_pseudonym")
                    .drop_nulls()
                    .n_unique()
                    .cast(DataType::Int64)
                    .alias("sellers"),
                col("value_usd_cents")
                    .is_not_null()
                    .cast(DataType::Int64)
                    .sum()
                    .alias("priced_listings"),
                implausible
                    .cast(DataType::Int64)
                    .sum()
                    .alias("implausible_prices"),
                unpriced
                    .cast(DataType::Int64)
                    .sum()
                    .alias("unpriced_listings"),
                col("value_usd_cents")
                    .sum()
                    .cast(DataType::Int64)
                    .alias("total_cents"),
                col("value_usd_cents")
                    .median()
                    .cast(DataType::Float64)
                    .alias("median_cents"),
                col("removed").cast(DataType::Int64).sum().alias("removed"),
            ])
            .with_column(lit(*dim).alias("dimension"));
        parts.push(part);
    }
    let stacked = concat(parts, UnionArgs::default())?
        .sort(
            ["dimension", "key", "confidence", "year"],
            SortMultipleOptions::default(),
        )
        .collect()?;

    // Derived columns, computed in Rust so every rounding rule is explicit.
    let years = stacked.column("year")?.i32()?;
    let dims = stacked.column("dimension")?.str()?;
    let keys = stacked.column("key")?.str()?;
    let confs = stacked.column("confidence")?.str()?;
    let listings = stacked.column("listings")?.i64()?;
    let total = stacked.column("total_cents")?.i64()?;
    let median = stacked.column("median_cents")?.f64()?;
    let mut by_key: HashMap<(&str, &str, &str, i32), i64> = HashMap::new();
    for i in 0..stacked.height() {
        if let (Some(d), Some(k), Some(c), Some(y), Some(l)) = (
            dims.get(i),
            keys.get(i),
            confs.get(i),
            years.get(i),
            listings.get(i),
        ) {
            by_key.insert((d, k, c, y), l);
        }
    }
    let mut prev = Vec::with_capacity(stacked.height());
    let mut change = Vec::with_capacity(stacked.height());
    let mut total_usd = Vec::with_capacity(stacked.height());
    let mut median_usd = Vec::with_capacity(stacked.height());
    for i in 0..stacked.height() {
        let p = match (dims.get(i), keys.get(i), confs.get(i), years.get(i)) {
            (Some(d), Some(k), Some(c), Some(y)) => {
                by_key.get(&(d, k, c, y - 1)).copied().unwrap_or(0)
            }
            _ => 0,
        };
        let l = listings.get(i).unwrap_or(0);
        prev.push(p);
        change.push((p > 0).then(|| round4((l - p) as f64 / p as f64)));
        total_usd.push(total.get(i).unwrap_or(0) as f64 / 100.0);
        median_usd.push(median.get(i).map(|m| round4(m / 100.0)));
    }
    let removed_share = shares(&stacked, "removed", "listings")?;
    let mut out = stacked;
    out.with_column(Column::new("total_value_usd".into(), total_usd))?;
    out.with_column(Column::new("median_value_usd".into(), median_usd))?;
    out.with_column(Column::new("removed_share".into(), removed_share))?;
    out.with_column(Column::new("listings_prev_year".into(), prev))?;
    out.with_column(Column::new("listings_yoy_change".into(), change))?;
    Ok(out.select(ANNUAL_STATS_COLUMNS.iter().copied())?)
}

/// Origin → destination pairs per year (confirmed and suspected listings
/// with a seller country and at least one destination), ranked within the
/// year by listings (ties: origin, destination, confidence).
fn routes(f: &Facts) -> Result<DataFrame, AnalysisError> {
    let mut acc: BTreeMap<(i32, String, String, String), (i64, i64)> = BTreeMap::new();
    for i in 0..f.listing_id.len() {
        let (Some(origin), Some(conf)) = (&f.seller_country[i], &f.seller_country_confidence[i])
        else {
            continue;
        };
        if !f.wildlife(i) {
            continue;
        }
        for d in &f.destinations[i] {
            let e = acc
                .entry((f.year[i], origin.clone(), d.clone(), conf.clone()))
                .or_default();
            e.0 += 1;
            e.1 += f.specimens[i];
        }
    }
    let mut rows: Vec<_> = acc.into_iter().collect();
    rows.sort_by(|a, b| {
        a.0.0
            .cmp(&b.0.0)
            .then(b.1.0.cmp(&a.1.0))
            .then(a.0.cmp(&b.0))
    });
    let mut rank = Vec::with_capacity(rows.len());
    let mut last_year = None;
    let mut r = 0i64;
    for ((y, ..), _) in &rows {
        if last_year != Some(*y) {
            r = 0;
            last_year = Some(*y);
        }
        r += 1;
        rank.push(r);
    }
    Ok(DataFrame::new_infer_height(vec![
        Column::new(
            "year".into(),
            rows.iter().map(|r| r.0.0).collect::<Vec<_>>(),
        ),
        Column::new(
            "origin".into(),
            rows.iter().map(|r| r.0.1.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "destination".into(),
            rows.iter().map(|r| r.0.2.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "confidence".into(),
            rows.iter().map(|r| r.0.3.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "listings".into(),
            rows.iter().map(|r| r.1.0).collect::<Vec<_>>(),
        ),
        Column::new(
            "specimens".into(),
            rows.iter().map(|r| r.1.1).collect::<Vec<_>>(),
        ),
        Column::new("rank".into(), rank),
    ])?)
}

/// Removal rates and Kaplan–Meier curves for all confirmed and suspected
/// listings, per platform and per taxon group.
fn takedowns(f: &Facts) -> Result<(DataFrame, DataFrame), AnalysisError> {
    let mut groups: BTreeMap<(String, String), Vec<Spell>> = BTreeMap::new();
    for i in 0..f.listing_id.len() {
        if !f.wildlife(i) {
            continue;
        }
        let spell = Spell {
            days: f.days[i],
            removed: f.removed[i],
        };
        groups
            .entry(("all".into(), "all".into()))
            .or_default()
            .push(spell);
        groups
            .entry(("platform".into(), f.source[i].clone()))
            .or_default()
            .push(spell);
        groups
            .entry((
                "taxon_group".into(),
                f.taxon_group[i].clone().unwrap_or_else(|| UNKNOWN.into()),
            ))
            .or_default()
            .push(spell);
    }
    let mut r = RatesCols::default();
    let mut k = KmCols::default();
    for ((kind, group), spells) in &groups {
        let curve = takedown::kaplan_meier(spells);
        r.kind.push(kind.clone());
        r.group.push(group.clone());
        r.listings.push(spells.len() as i64);
        r.removed
            .push(spells.iter().filter(|s| s.removed).count() as i64);
        r.w7.push(takedown::removed_within(spells, 7.0) as i64);
        r.w30.push(takedown::removed_within(spells, 30.0) as i64);
        r.w90.push(takedown::removed_within(spells, 90.0) as i64);
        // Beyond the longest follow-up the estimate is undefined: left empty.
        let followed = curve.last().map_or(0.0, |p| p.time_days);
        let by = |t: f64| (followed >= t).then(|| round4(1.0 - takedown::survival_at(&curve, t)));
        r.km7.push(by(7.0));
        r.km30.push(by(30.0));
        r.km90.push(by(90.0));
        for p in curve {
            k.kind.push(kind.clone());
            k.group.push(group.clone());
            k.time.push(p.time_days);
            k.at_risk.push(p.at_risk as i64);
            k.events.push(p.events as i64);
            k.censored.push(p.censored as i64);
            k.survival.push(p.survival);
        }
    }
    let rates = DataFrame::new_infer_height(vec![
        Column::new("group_kind".into(), r.kind),
        Column::new("group".into(), r.group),
        Column::new("listings".into(), r.listings),
        Column::new("removed".into(), r.removed),
        Column::new("removed_within_7d".into(), r.w7),
        Column::new("removed_within_30d".into(), r.w30),
        Column::new("removed_within_90d".into(), r.w90),
        Column::new("km_removed_by_7d".into(), r.km7),
        Column::new("km_removed_by_30d".into(), r.km30),
        Column::new("km_removed_by_90d".into(), r.km90),
    ])?;
    let km = DataFrame::new_infer_height(vec![
        Column::new("group_kind".into(), k.kind),
        Column::new("group".into(), k.group),
        Column::new("time_days".into(), k.time),
        Column::new("at_risk".into(), k.at_risk),
        Column::new("events".into(), k.events),
        Column::new("censored".into(), k.censored),
        Column::new("survival".into(), k.survival),
    ])?;
    Ok((rates, km))
}

#[derive(Default)]
struct RatesCols {
    kind: Vec<String>,
    group: Vec<String>,
    listings: Vec<i64>,
    removed: Vec<i64>,
    w7: Vec<i64>,
    w30: Vec<i64>,
    w90: Vec<i64>,
    km7: Vec<Option<f64>>,
    km30: Vec<Option<f64>>,
    km90: Vec<Option<f64>>,
}

#[derive(Default)]
struct KmCols {
    kind: Vec<String>,
    group: Vec<String>,
    time: Vec<f64>,
    at_risk: Vec<i64>,
    events: Vec<i64>,
    censored: Vec<i64>,
    survival: Vec<f64>,
}

/// Monthly listings per term, taxon (or taxon group when no species is
/// named) and platform, for confirmed and suspected listings by posted
/// month; and the months that rise above their trailing baseline.
fn monthly_and_trends(
    f: &Facts,
    terms: &[Vec<String>],
) -> Result<(DataFrame, DataFrame), AnalysisError> {
    let mut series: BTreeMap<(String, String), BTreeMap<MonthIndex, u64>> = BTreeMap::new();
    let (mut first, mut last) = (None::<MonthIndex>, None::<MonthIndex>);
    for (i, listing_terms) in terms.iter().enumerate() {
        if !f.wildlife(i) {
            continue;
        }
        let m = f.month[i];
        first = Some(first.map_or(m, |x| x.min(m)));
        last = Some(last.map_or(m, |x| x.max(m)));
        let mut bump = |kind: &str, key: &str| {
            *series
                .entry((kind.to_string(), key.to_string()))
                .or_default()
                .entry(m)
                .or_default() += 1;
        };
        for t in listing_terms {
            bump("term", t);
        }
        if let Some(t) = f.taxon[i].as_ref().or(f.taxon_group[i].as_ref()) {
            bump("taxon", t);
        }
        bump("platform", &f.source[i]);
    }
    let mut m_cols: (Vec<String>, Vec<String>, Vec<String>, Vec<i64>) = Default::default();
    for ((kind, key), counts) in &series {
        for (m, c) in counts {
            m_cols.0.push(kind.clone());
            m_cols.1.push(key.clone());
            m_cols.2.push(trends::month_label(*m));
            m_cols.3.push(*c as i64);
        }
    }
    let monthly = DataFrame::new_infer_height(vec![
        Column::new("kind".into(), m_cols.0),
        Column::new("key".into(), m_cols.1),
        Column::new("month".into(), m_cols.2),
        Column::new("listings".into(), m_cols.3),
    ])?;
    let flagged = match (first, last) {
        (Some(a), Some(b)) => trends::detect(&series, a, b),
        _ => Vec::new(),
    };
    let trends_df = DataFrame::new_infer_height(vec![
        Column::new(
            "kind".into(),
            flagged.iter().map(|t| t.kind.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "key".into(),
            flagged.iter().map(|t| t.key.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "month".into(),
            flagged
                .iter()
                .map(|t| trends::month_label(t.month))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "listings".into(),
            flagged.iter().map(|t| t.count as i64).collect::<Vec<_>>(),
        ),
        Column::new(
            "baseline_mean".into(),
            flagged
                .iter()
                .map(|t| round4(t.baseline_mean))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "baseline_months".into(),
            flagged
                .iter()
                .map(|t| t.baseline_months)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "z".into(),
            flagged.iter().map(|t| round4(t.z)).collect::<Vec<_>>(),
        ),
        Column::new(
            "p_value".into(),
            flagged.iter().map(|t| t.p_value).collect::<Vec<_>>(),
        ),
    ])?;
    Ok((monthly, trends_df))
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn date_of_days(days: i32) -> Option<NaiveDate> {
    // 719_163 = days from 0001-01-01 (CE day 1) to 1970-01-01.
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?)
}

/// Writes `df` (columns in the order of `columns`) as CSV with a header,
/// atomically.
pub(crate) fn write_csv(
    df: &DataFrame,
    columns: &[&str],
    path: &Path,
) -> Result<(), AnalysisError> {
    let mut df = df.select(columns.iter().copied())?;
    let mut buf = Vec::new();
    CsvWriter::new(&mut buf)
        .include_header(true)
        .with_float_scientific(Some(false))
        .finish(&mut df)?;
    write_atomic(path, &buf)
}

/// Writes `df` (columns in the order of `columns`) as zstd Parquet, atomically.
pub(crate) fn write_parquet(
    df: &DataFrame,
    columns: &[&str],
    path: &Path,
) -> Result<(), AnalysisError> {
    let mut df = df.select(columns.iter().copied())?;
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)?;
    write_atomic(path, &buf)
}
