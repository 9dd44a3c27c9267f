//! Whether a listing's price counts in the value totals: converted at the
//! rate of its date from the run's rate sources ([`crate::fx`]), and neither
//! a placeholder nor an outlier of its taxon group × product type; and, when
//! it was not converted, why ([`Unconverted`]).
//!
//! It owns the price flags. It must not hold rates or the outlier rule
//! itself (both are in `fx`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::fx::{self, Converted, RateBook, Unconverted};

/// Why a listing's price is or is not in the value totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PriceFlag {
    Ok,
    NoPrice,
    NoRate,
    Placeholder,
    Outlier,
}

impl PriceFlag {
    /// The value of `price_flag`.
    pub fn as_str(self) -> &'static str {
        match self {
            PriceFlag::Ok => "ok",
            PriceFlag::NoPrice => "no_price",
            PriceFlag::NoRate => "no_rate",
            PriceFlag::Placeholder => "placeholder",
            PriceFlag::Outlier => "outlier",
        }
    }

    /// Placeholders and outliers: counted, but left out of value totals.
    pub fn implausible(self) -> bool {
        matches!(self, PriceFlag::Placeholder | PriceFlag::Outlier)
    }
}

/// Converts a stated price at the rates of `date`; a placeholder is
/// converted too (its USD value is published) but flagged. The third value
/// says why the price was not converted, when it was not.
pub(super) fn convert(
    rates: &RateBook,
    amount: Option<Decimal>,
    currency: Option<&str>,
    date: NaiveDate,
) -> (Option<Converted>, PriceFlag, Option<Unconverted>) {
    match (amount, currency) {
        (Some(a), Some(c)) => {
            let (conv, why) = match rates.convert(a, c, date) {
                Ok(conv) => (Some(conv), None),
                Err(why) => (None, Some(why)),
            };
            let flag = if fx::is_placeholder(a) {
                PriceFlag::Placeholder
            } else if conv.is_some() {
                PriceFlag::Ok
            } else {
                PriceFlag::NoRate
            };
            (conv, flag, why)
        }
        // An amount without a currency cannot be converted (still `no_price`).
        (Some(_), None) => (None, PriceFlag::NoPrice, Some(Unconverted::UnknownCurrency)),
        (None, _) => (None, PriceFlag::NoPrice, Some(Unconverted::NoPrice)),
    }
}

/// Flags as outliers the `Ok` prices far from the others of their taxon
/// group × product type, on the log scale (listings without a group are
/// never compared).
pub(super) fn flag_outliers(
    flags: &mut [PriceFlag],
    usd_cents: &[Option<i64>],
    taxon_group: &[Option<String>],
    product_type: &[Option<String>],
) {
    let mut cells: BTreeMap<(Option<&String>, Option<&String>), Vec<usize>> = BTreeMap::new();
    for i in 0..flags.len() {
        if flags[i] == PriceFlag::Ok && taxon_group[i].is_some() {
            cells
                .entry((taxon_group[i].as_ref(), product_type[i].as_ref()))
                .or_default()
                .push(i);
        }
    }
    for members in cells.values() {
        let values: Vec<f64> = members
            .iter()
            .map(|&i| usd_cents[i].unwrap_or(0) as f64 / 100.0)
            .collect();
        for j in fx::mad_outliers(&values) {
            flags[members[j]] = PriceFlag::Outlier;
        }
    }
}
