//! One row per listing: reduces a listing's observations to the one whose
//! facts count (the latest that is not a removal), then derives every fact
//! of the listing — its classification by the lexicon, CITES appendix, price
//! in EUR and USD ([`super::prices`]), seller country and destinations, and
//! its lifecycle (first sighting, last active sighting, removal) — and lays
//! them out as `listing_classification` and `listing_facts`. A listing's
//! date is its posted date, or its first sighting when it states none
//! (`date_basis`), never silently.
//!
//! It owns the per-listing rules. It must not aggregate across listings (the
//! sibling builders do) or read anything but the lazy frame it is given.

use chrono::{DateTime, Datelike, NaiveDate};
use polars::prelude::*;
use rust_decimal::Decimal;

use super::Reference;
use super::prices::{self, PriceFlag};
use crate::error::AnalysisError;
use crate::fx::{RateBasis, Unconverted};
use crate::lake::listings as lake;
use crate::lexicon::{Confidence, Lexicon};
use crate::outputs::{listing_classification as cls, listing_facts as facts};
use crate::takedown;
use crate::trends::{self, MonthIndex};

/// Working names of the per-listing frame (never published).
const OBSERVED_US: &str = "observed_us";
const POSTED_DAYS: &str = "posted_days";
const FIRST_US: &str = "first_observed_us";
const LAST_US: &str = "last_observed_us";
const LAST_ACTIVE_US: &str = "last_active_us";
const REMOVED_AT_US: &str = "removed_at_us";
/// The start of an observation's crawl run: its run's earliest observation.
const RUN_START_US: &str = "run_start_us";
const FIRST_RUN_US: &str = "first_run_us";
const LAST_RUN_US: &str = "last_run_us";
const REMOVED_RUN_US: &str = "removed_run_us";
const REMOVED: &str = "removed";

/// The latest observation of every listing, and how many observations there were.
pub(crate) struct PerListing {
    pub frame: DataFrame,
    pub observations: u64,
}

/// Reduces the observations to one row per listing, sorted by listing id:
/// the text, price, seller and places of the latest observation that is not
/// a removal (a removal page often has no text) — or of the latest one if
/// every observation is a removal; ties on time are broken by run id. The
/// listing is removed if any observation says so. For the takedown clock,
/// each listing also gets the starts of the runs that first saw it, last saw
/// it and first saw it removed.
pub(crate) fn latest_per_listing(observations: LazyFrame) -> Result<PerListing, AnalysisError> {
    let obs = observations.select([
        col(lake::LISTING_ID.name),
        col(crate::lake::SOURCE),
        col(lake::RUN_ID.name),
        col(lake::STATUS.name),
        col(lake::TITLE.name),
        col(lake::DESCRIPTION.name),
        col(lake::QUANTITY.name),
        col(lake::PRICE_AMOUNT.name),
        col(lake::CURRENCY.name),
        col(lake::SELLER_PSEUDONYM.name),
        col(lake::SELLER_LOCATION.name),
        col(lake::SHIPS_TO.name),
        col(lake::OBSERVED_AT.name)
            .cast(DataType::Int64)
            .alias(OBSERVED_US),
        col(lake::POSTED_DATE.name)
            .cast(DataType::Int32)
            .alias(POSTED_DAYS),
    ]);

    let n_obs = obs
        .clone()
        .select([len().cast(DataType::Int64).alias("n")])
        .collect()?;
    let n_obs = n_obs.column("n")?.i64()?.get(0).unwrap_or(0);

    // why: a run takes minutes to hours; listings seen in one run share its
    // start as their time, so a removal and a censoring seen by the same
    // revisit are a tie, as the estimator expects, not minutes apart by
    // the order the crawler happened to fetch them in.
    let run_starts = obs
        .clone()
        .group_by([col(lake::RUN_ID.name)])
        .agg([col(OBSERVED_US).min().alias(RUN_START_US)]);
    let obs = obs.join(
        run_starts,
        [col(lake::RUN_ID.name)],
        [col(lake::RUN_ID.name)],
        JoinArgs::new(JoinType::Left),
    );

    let status = || col(lake::STATUS.name);
    let order = [
        status().neq(lit("removed")),
        col(OBSERVED_US),
        col(lake::RUN_ID.name),
    ];
    let latest = |name: &str| {
        col(name)
            .sort_by(order.clone(), SortMultipleOptions::default())
            .last()
            .alias(name)
    };
    let is_removed = status().eq(lit("removed"));
    let frame = obs
        .group_by([col(lake::LISTING_ID.name)])
        .agg([
            latest(crate::lake::SOURCE),
            is_removed.clone().any(true).alias(REMOVED),
            col(OBSERVED_US).min().alias(FIRST_US),
            col(OBSERVED_US).max().alias(LAST_US),
            col(OBSERVED_US)
                .filter(is_removed.clone().not())
                .max()
                .alias(LAST_ACTIVE_US),
            col(OBSERVED_US)
                .filter(is_removed.clone())
                .min()
                .alias(REMOVED_AT_US),
            col(RUN_START_US).min().alias(FIRST_RUN_US),
            col(RUN_START_US).max().alias(LAST_RUN_US),
            col(RUN_START_US)
                .filter(is_removed)
                .min()
                .alias(REMOVED_RUN_US),
            latest(lake::TITLE.name),
            latest(lake::DESCRIPTION.name),
            latest(lake::QUANTITY.name),
            latest(POSTED_DAYS),
            latest(lake::PRICE_AMOUNT.name),
            latest(lake::CURRENCY.name),
            latest(lake::SELLER_PSEUDONYM.name),
            latest(lake::SELLER_LOCATION.name),
            latest(lake::SHIPS_TO.name),
        ])
        .sort([lake::LISTING_ID.name], SortMultipleOptions::default())
        .collect()?;
    Ok(PerListing {
        frame,
        observations: u64::try_from(n_obs).unwrap_or(0),
    })
}

/// Every derived fact of every listing, column-wise (row `i` is the `i`-th
/// listing by id).
#[derive(Default)]
pub(crate) struct Listings {
    pub listing_id: Vec<String>,
    pub source: Vec<String>,
    pub year: Vec<i32>,
    pub month: Vec<MonthIndex>,
    pub posted_date: Vec<Option<i32>>,
    /// Whether the date is the posted date (else the first sighting's).
    pub date_basis: Vec<DateBasis>,
    pub taxon_group: Vec<Option<String>>,
    pub taxon: Vec<Option<String>>,
    /// The taxon at species rank (`Classification::species`).
    pub species: Vec<Option<String>>,
    pub cites: Vec<Option<String>>,
    pub product_type: Vec<Option<String>>,
    pub live: Vec<bool>,
    pub confidence: Vec<Confidence>,
    /// The lexicon terms that matched, in order of first appearance.
    pub matched_terms: Vec<Vec<String>>,
    /// The legality claims the text makes (recorded, never trusted).
    pub legality_claims: Vec<Vec<String>>,
    pub specimens: Vec<i64>,
    pub seller: Vec<Option<String>>,
    pub seller_country: Vec<Option<String>>,
    pub seller_country_confidence: Vec<Option<String>>,
    pub destinations: Vec<Vec<String>>,
    pub price_amount: Vec<Option<String>>,
    pub currency: Vec<Option<String>>,
    pub rate_date: Vec<Option<NaiveDate>>,
    pub rate_basis: Vec<Option<RateBasis>>,
    /// 1-based position of the rate source in the run's list.
    pub rate_source: Vec<Option<i32>>,
    pub unconverted: Vec<Option<Unconverted>>,
    pub price_eur: Vec<Option<Decimal>>,
    pub price_usd: Vec<Option<Decimal>>,
    pub usd_cents: Vec<Option<i64>>,
    pub flag: Vec<PriceFlag>,
    pub first_seen: Vec<i64>,
    /// The latest observation, any status.
    pub last_seen: Vec<i64>,
    pub last_active: Vec<Option<i64>>,
    pub removed_at: Vec<Option<i64>>,
    /// The takedown clock (µs): the start of the run that last saw the
    /// listing, and of the run that first saw it removed.
    pub last_run: Vec<i64>,
    pub removed_run: Vec<Option<i64>>,
    pub removed: Vec<bool>,
    pub days: Vec<f64>,
}

/// What a listing's date (its year and month, and the rate date) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateBasis {
    /// The listing's stated posting date.
    Posted,
    /// No posted date: the day wildtrace first saw it.
    FirstSeen,
}

impl DateBasis {
    /// The value of `listing_facts.date_basis`.
    pub fn as_str(self) -> &'static str {
        match self {
            DateBasis::Posted => "posted",
            DateBasis::FirstSeen => "first_seen",
        }
    }
}

fn date_of_days(days: i32) -> Option<NaiveDate> {
    // 719_163 = days from 0001-01-01 (CE day 1) to 1970-01-01.
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(719_163)?)
}

impl Listings {
    /// Classifies, prices, places and dates every listing of the
    /// per-listing frame; then flags the price outliers.
    pub fn derive(
        per_listing: &DataFrame,
        lexicon: &Lexicon,
        reference: &Reference<'_>,
    ) -> Result<Listings, AnalysisError> {
        let column = |name: &str| per_listing.column(name);
        let ids = column(lake::LISTING_ID.name)?.str()?;
        let sources = column(crate::lake::SOURCE)?.str()?;
        let removed = column(REMOVED)?.bool()?;
        let first_us = column(FIRST_US)?.i64()?;
        let last_us = column(LAST_US)?.i64()?;
        let last_active = column(LAST_ACTIVE_US)?.i64()?;
        let removed_at = column(REMOVED_AT_US)?.i64()?;
        let first_run = column(FIRST_RUN_US)?.i64()?;
        let last_run = column(LAST_RUN_US)?.i64()?;
        let removed_run = column(REMOVED_RUN_US)?.i64()?;
        let titles = column(lake::TITLE.name)?.str()?;
        let descriptions = column(lake::DESCRIPTION.name)?.str()?;
        let quantities = column(lake::QUANTITY.name)?.i32()?;
        let posted = column(POSTED_DAYS)?.i32()?;
        let prices = column(lake::PRICE_AMOUNT.name)?.decimal()?;
        let price_scale = u32::try_from(prices.scale()).unwrap_or(4);
        let currencies = column(lake::CURRENCY.name)?.str()?;
        let sellers = column(lake::SELLER_PSEUDONYM.name)?.str()?;
        let locations = column(lake::SELLER_LOCATION.name)?.str()?;
        let ships = column(lake::SHIPS_TO.name)?.str()?;

        let mut f = Listings::default();
        for i in 0..per_listing.height() {
            let id = ids.get(i).unwrap_or("");
            let source = sources.get(i).unwrap_or("");
            let title = titles.get(i).unwrap_or("");
            let description = descriptions.get(i).unwrap_or("");
            let c = lexicon.classify(&format!("{title}\n{description}"));
            let first = first_us.get(i).unwrap_or(0);
            // No posted date: dated by the first sighting, and the row says so (date_basis).
            let (date, basis) = match posted.get(i) {
                Some(days) => (date_of_days(days), DateBasis::Posted),
                None => (
                    DateTime::from_timestamp_micros(first).map(|t| t.date_naive()),
                    DateBasis::FirstSeen,
                ),
            };
            let date = date.ok_or_else(|| AnalysisError::Lake {
                path: crate::lake::LISTINGS.into(),
                message: format!("listing {id:?}: posted_date/observed_at out of range"),
            })?;
            let is_removed = removed.get(i).unwrap_or(false);

            // Price: exact decimal from the lake, converted at the posted date.
            let amount = prices
                .physical()
                .get(i)
                .map(|v| Decimal::from_i128_with_scale(v, price_scale));
            let currency = currencies.get(i).map(str::to_string);
            let (conv, flag, unconverted) =
                prices::convert(reference.rates, amount, currency.as_deref(), date);

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

            // The takedown clock runs between run starts (see latest_per_listing).
            let start_run = first_run.get(i).unwrap_or(first);
            let end_run = if is_removed {
                removed_run.get(i).unwrap_or(start_run)
            } else {
                last_run.get(i).unwrap_or(start_run)
            };

            f.listing_id.push(id.to_string());
            f.source.push(source.to_string());
            f.year.push(date.year());
            f.month.push(date.year() * 12 + date.month0() as i32);
            f.posted_date.push(posted.get(i));
            f.date_basis.push(basis);
            f.cites.push(
                c.taxon
                    .as_deref()
                    .and_then(|t| lexicon.cites_appendix(t))
                    .map(str::to_string),
            );
            f.species.push(c.species());
            f.taxon_group.push(c.taxon_group);
            f.taxon.push(c.taxon);
            f.product_type.push(c.product_type);
            f.live.push(c.live);
            f.confidence.push(c.confidence);
            f.matched_terms.push(c.matched_terms);
            f.legality_claims.push(c.legality_claims);
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
            f.rate_basis.push(conv.as_ref().map(|c| c.basis));
            f.rate_source
                .push(conv.as_ref().and_then(|c| i32::try_from(c.source + 1).ok()));
            f.unconverted.push(unconverted);
            f.price_eur.push(conv.as_ref().map(|c| c.eur));
            f.price_usd.push(conv.as_ref().map(|c| c.usd));
            f.usd_cents.push(conv.as_ref().map(|c| c.usd_cents));
            f.flag.push(flag);
            f.first_seen.push(first);
            f.last_seen.push(last_us.get(i).unwrap_or(first));
            f.last_active.push(last_active.get(i));
            f.removed_at.push(removed_at.get(i));
            f.last_run.push(last_run.get(i).unwrap_or(start_run));
            f.removed_run.push(removed_run.get(i));
            f.removed.push(is_removed);
            f.days.push(takedown::days_between(start_run, end_run));
        }
        prices::flag_outliers(&mut f.flag, &f.usd_cents, &f.taxon_group, &f.product_type);
        Ok(f)
    }

    /// Number of listings.
    pub fn len(&self) -> usize {
        self.listing_id.len()
    }

    /// Whether listing `i` counts as wildlife (confirmed or suspected).
    pub fn wildlife(&self, i: usize) -> bool {
        matches!(
            self.confidence[i],
            Confidence::Confirmed | Confidence::Suspected
        )
    }

    /// Listings classified as decoys.
    pub fn decoys(&self) -> u64 {
        self.confidence
            .iter()
            .filter(|c| **c == Confidence::Decoy)
            .count() as u64
    }

    fn confidence_names(&self) -> Vec<&'static str> {
        self.confidence.iter().map(Confidence::as_str).collect()
    }

    /// `listing_classification`.
    pub fn classification_frame(&self, lexicon_version: &str) -> Result<DataFrame, AnalysisError> {
        let n = self.len();
        Ok(DataFrame::new_infer_height(vec![
            cls::LISTING_ID.values(&self.listing_id),
            cls::SOURCE.values(&self.source),
            cls::YEAR.values(&self.year),
            cls::TAXON_GROUP.values(&self.taxon_group),
            cls::TAXON.values(&self.taxon),
            cls::PRODUCT_TYPE.values(&self.product_type),
            cls::LIVE.values(&self.live),
            cls::CONFIDENCE.values(self.confidence_names()),
            cls::SPECIMENS.values(&self.specimens),
            cls::REMOVED.values(&self.removed),
            cls::MATCHED_TERMS.values(
                self.matched_terms
                    .iter()
                    .map(|t| t.join(" | "))
                    .collect::<Vec<_>>(),
            ),
            cls::LEXICON_VERSION.values(vec![lexicon_version.to_string(); n]),
        ])?)
    }

    /// `listing_facts`.
    pub fn facts_frame(&self) -> Result<DataFrame, AnalysisError> {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
        let cents: Vec<Option<i64>> = self
            .usd_cents
            .iter()
            .zip(&self.flag)
            .map(|(c, fl)| if *fl == PriceFlag::Ok { *c } else { None })
            .collect();
        Ok(DataFrame::new_infer_height(vec![
            facts::LISTING_ID.values(&self.listing_id),
            facts::SOURCE.values(&self.source),
            facts::YEAR.values(&self.year),
            facts::MONTH.values(
                self.month
                    .iter()
                    .map(|m| trends::month_label(*m))
                    .collect::<Vec<_>>(),
            ),
            date_col(facts::POSTED_DATE.name, self.posted_date.clone())?,
            facts::DATE_BASIS.values(
                self.date_basis
                    .iter()
                    .map(|b| b.as_str())
                    .collect::<Vec<_>>(),
            ),
            facts::TAXON_GROUP.values(&self.taxon_group),
            facts::TAXON.values(&self.taxon),
            facts::SPECIES.values(&self.species),
            facts::CITES_APPENDIX.values(&self.cites),
            facts::PRODUCT_TYPE.values(&self.product_type),
            facts::CONFIDENCE.values(self.confidence_names()),
            facts::SPECIMENS.values(&self.specimens),
            facts::SELLER_PSEUDONYM.values(&self.seller),
            facts::SELLER_COUNTRY.values(&self.seller_country),
            facts::SELLER_COUNTRY_CONFIDENCE.values(&self.seller_country_confidence),
            facts::DESTINATIONS.values(
                self.destinations
                    .iter()
                    .map(|d| d.join("|"))
                    .collect::<Vec<_>>(),
            ),
            facts::PRICE_AMOUNT.values(&self.price_amount),
            facts::CURRENCY.values(&self.currency),
            date_col(
                facts::RATE_DATE.name,
                self.rate_date
                    .iter()
                    .map(|d| d.map(|d| (d - epoch).num_days() as i32))
                    .collect(),
            )?,
            facts::RATE_BASIS.values(
                self.rate_basis
                    .iter()
                    .map(|b| b.map(RateBasis::as_str))
                    .collect::<Vec<_>>(),
            ),
            facts::RATE_SOURCE.values(&self.rate_source),
            facts::PRICE_EUR.values(self.price_eur.iter().map(dec_f64).collect::<Vec<_>>()),
            facts::PRICE_USD.values(self.price_usd.iter().map(dec_f64).collect::<Vec<_>>()),
            facts::VALUE_USD_CENTS.values(cents),
            facts::PRICE_FLAG.values(self.flag.iter().map(|f| f.as_str()).collect::<Vec<_>>()),
            facts::UNCONVERTED_REASON.values(
                self.unconverted
                    .iter()
                    .map(|u| u.map(Unconverted::as_str))
                    .collect::<Vec<_>>(),
            ),
            datetime_col(
                facts::FIRST_SEEN.name,
                self.first_seen.iter().map(|v| Some(*v)).collect(),
            ),
            datetime_col(facts::LAST_SEEN_ACTIVE.name, self.last_active.clone()),
            datetime_col(facts::REMOVED_AT.name, self.removed_at.clone()),
            facts::REMOVED.values(&self.removed),
            facts::DAYS_TO_REMOVAL_OR_CENSORING.values(&self.days),
        ])?)
    }
}

fn dec_f64(d: &Option<Decimal>) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    d.and_then(|d| d.round_dp(4).to_f64())
}

fn datetime_col(name: &str, us: Vec<Option<i64>>) -> Column {
    Series::new(name.into(), us)
        .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
        .into_column()
}

fn date_col(name: &str, days: Vec<Option<i32>>) -> Result<Column, AnalysisError> {
    Ok(Series::new(name.into(), days)
        .cast(&DataType::Date)?
        .into_column())
}
