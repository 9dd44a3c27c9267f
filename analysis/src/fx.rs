//! Currency conversion with ECB euro foreign exchange reference rates: reads
//! the standard `eurofxref-hist.csv` format (from the `.csv` or the ECB's
//! `.zip`), and converts an exact decimal amount at a date to EUR and USD.
//! Also owns the implausible-price rules (placeholders, log-scale MAD fence).
//!
//! It must not read the lake, round anywhere but where documented, or hold
//! rates in code: rates come from the configured file only.
//!
//! Rules (documented in the README "Analysis methods"):
//! - The file lists, per ECB business day, units of each currency per 1 EUR
//!   (`Date,USD,JPY,...,` with a trailing comma; `N/A` where the ECB published
//!   no rate). EUR itself is 1.
//! - A listing converts at the latest date on or before its posted date on
//!   which the file has both its currency and USD (weekends and TARGET
//!   holidays fall back to the previous business day), at most
//!   [`MAX_STALENESS_DAYS`] earlier; otherwise it has no rate (counted, never
//!   guessed: the ECB stopped publishing RUB in March 2022, for example).
//! - EUR = amount / rate(currency); USD = amount × rate(USD) / rate(currency),
//!   computed in exact decimals (28 significant digits), rounded half-to-even
//!   to 4 decimal places; value totals use the USD amount rounded
//!   half-to-even to whole cents.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::error::AnalysisError;

/// How many days before the posted date the rate may be (covers weekends and
/// the longest TARGET closure, 24 Dec–1 Jan).
pub const MAX_STALENESS_DAYS: i64 = 10;

/// Amounts (in the listing's own currency) that sellers use as placeholders
/// rather than prices.
pub const PLACEHOLDER_AMOUNTS: &[i64] = &[0, 1, 999_999, 9_999_999, 99_999_999];

/// Outlier fence: |log10(price) − median| > this × 1.4826 × MAD is an outlier.
pub const MAD_FENCE: f64 = 3.5;
/// Fewer priced listings than this in a (taxon group, product type) cell: no
/// outlier test there (a MAD of a handful of prices means nothing).
pub const MAD_MIN_N: usize = 8;

/// ECB reference rates: per currency, date → units per EUR.
#[derive(Debug, Clone)]
pub struct Rates {
    by_currency: HashMap<String, BTreeMap<NaiveDate, Decimal>>,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
}

/// One conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// The ECB business day whose rates were used.
    pub rate_date: NaiveDate,
    /// Units of the listing's currency per EUR on that day.
    pub rate: Decimal,
    /// USD per EUR on that day.
    pub usd_rate: Decimal,
    /// The amount in EUR, 4 decimal places.
    pub eur: Decimal,
    /// The amount in USD, 4 decimal places.
    pub usd: Decimal,
    /// The exact USD amount rounded half-to-even to whole cents (not via the
    /// 4-place value, so there is no double rounding), for value totals.
    pub usd_cents: i64,
}

fn bad(path: &Path, line: usize, message: impl Into<String>) -> AnalysisError {
    AnalysisError::Rates {
        path: path.to_path_buf(),
        line,
        message: message.into(),
    }
}

impl Rates {
    /// Loads a rates file: `eurofxref-hist.csv` or a `.zip` holding one `.csv`.
    pub fn load(path: &Path) -> Result<Rates, AnalysisError> {
        let bytes = crate::reference::read(path)?.into_owned();
        let text = if bytes.starts_with(b"PK\x03\x04") {
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes))
                .map_err(|e| bad(path, 0, format!("not a readable zip: {e}")))?;
            let name = archive
                .file_names()
                .filter_map(|n| n.ok().map(|n| n.to_string()))
                .find(|n| n.to_ascii_lowercase().ends_with(".csv"))
                .ok_or_else(|| bad(path, 0, "the zip holds no .csv file"))?;
            let mut entry = archive
                .by_name(&name)
                .map_err(|e| bad(path, 0, format!("{name}: {e}")))?;
            let mut s = String::new();
            entry
                .read_to_string(&mut s)
                .map_err(|e| bad(path, 0, format!("{name}: {e}")))?;
            s
        } else {
            String::from_utf8(bytes).map_err(|_| bad(path, 0, "not UTF-8 text"))?
        };
        Rates::parse(&text, path)
    }

    /// Parses the text of an `eurofxref-hist.csv`.
    pub fn parse(text: &str, path: &Path) -> Result<Rates, AnalysisError> {
        let mut lines = text.lines().enumerate();
        let (_, header) = lines
            .next()
            .ok_or_else(|| bad(path, 1, "empty file; expected the header `Date,USD,...`"))?;
        let header: Vec<&str> = header
            .trim_start_matches('\u{feff}')
            .split(',')
            .map(str::trim)
            .collect();
        if header.first().copied() != Some("Date") {
            return Err(bad(
                path,
                1,
                "the first column must be `Date` (ECB eurofxref-hist.csv format)",
            ));
        }
        let currencies: Vec<&str> = header[1..].to_vec();
        for c in &currencies {
            let iso4217 = c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase());
            if !c.is_empty() && !iso4217 {
                return Err(bad(path, 1, format!("`{c}` is not an ISO 4217 code")));
            }
        }
        let mut by_currency: HashMap<String, BTreeMap<NaiveDate, Decimal>> = HashMap::new();
        let (mut first, mut last) = (None::<NaiveDate>, None::<NaiveDate>);
        for (i, line) in lines {
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let date = NaiveDate::parse_from_str(cells[0], "%Y-%m-%d").map_err(|_| {
                bad(
                    path,
                    line_no,
                    format!("`{}` is not a YYYY-MM-DD date", cells[0]),
                )
            })?;
            first = Some(first.map_or(date, |f| f.min(date)));
            last = Some(last.map_or(date, |l| l.max(date)));
            for (j, cur) in currencies.iter().enumerate() {
                if cur.is_empty() {
                    continue;
                }
                let cell = cells.get(j + 1).copied().unwrap_or("");
                if cell.is_empty() || cell.eq_ignore_ascii_case("N/A") {
                    continue;
                }
                let rate: Decimal = cell.parse().map_err(|_| {
                    bad(
                        path,
                        line_no,
                        format!("{cur}: `{cell}` is not a decimal rate"),
                    )
                })?;
                if rate <= Decimal::ZERO {
                    return Err(bad(
                        path,
                        line_no,
                        format!("{cur}: rate {rate} is not positive"),
                    ));
                }
                by_currency
                    .entry((*cur).to_string())
                    .or_default()
                    .insert(date, rate);
            }
        }
        if first.is_none() {
            return Err(bad(path, 2, "no rate rows"));
        }
        Ok(Rates {
            by_currency,
            first,
            last,
        })
    }

    /// The first and last date in the file.
    pub fn span(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (self.first, self.last)
    }

    /// Currencies the file has any rate for (plus EUR), sorted.
    pub fn currencies(&self) -> Vec<String> {
        let mut c: Vec<String> = self.by_currency.keys().cloned().collect();
        c.push("EUR".into());
        c.sort();
        c.dedup();
        c
    }

    /// Units of `currency` per EUR on `date` exactly (no fallback).
    pub fn rate_on(&self, currency: &str, date: NaiveDate) -> Option<Decimal> {
        if currency == "EUR" {
            return Some(Decimal::ONE);
        }
        self.by_currency.get(currency)?.get(&date).copied()
    }

    /// The rate date used for `currency` at `date` (see the module rules).
    pub fn rate_date(&self, currency: &str, date: NaiveDate) -> Option<NaiveDate> {
        let usd = self.by_currency.get("USD")?;
        let cur = if currency == "EUR" {
            None
        } else {
            Some(self.by_currency.get(currency)?)
        };
        let oldest = date - chrono::Duration::days(MAX_STALENESS_DAYS);
        // Walk back over USD's business days; the first one the currency also has wins.
        for (d, _) in usd.range(oldest..=date).rev() {
            if cur.is_none_or(|c| c.contains_key(d)) {
                return Some(*d);
            }
        }
        None
    }

    /// Converts `amount` of `currency` posted on `date` to EUR and USD.
    pub fn convert(&self, amount: Decimal, currency: &str, date: NaiveDate) -> Option<Converted> {
        let currency = currency.trim().to_ascii_uppercase();
        let rate_date = self.rate_date(&currency, date)?;
        let rate = self.rate_on(&currency, rate_date)?;
        let usd_rate = self.rate_on("USD", rate_date)?;
        let eur = amount.checked_div(rate)?;
        let usd = amount.checked_mul(usd_rate)?.checked_div(rate)?;
        let usd_cents = (usd.round_dp(2) * Decimal::ONE_HUNDRED).to_i64()?;
        Some(Converted {
            rate_date,
            rate,
            usd_rate,
            eur: eur.round_dp(4),
            usd: usd.round_dp(4),
            usd_cents,
        })
    }
}

/// Whether `amount` is a placeholder (0, 1, 999999, ... in its own currency).
pub fn is_placeholder(amount: Decimal) -> bool {
    amount.fract().is_zero()
        && amount
            .to_i64()
            .is_some_and(|a| PLACEHOLDER_AMOUNTS.contains(&a))
}

/// Indices of outliers among `values` (positive USD amounts of one
/// taxon group × product type cell): beyond the log-scale MAD fence. Empty
/// when the cell has fewer than [`MAD_MIN_N`] values or a MAD of zero.
pub fn mad_outliers(values: &[f64]) -> Vec<usize> {
    let logs: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| **v > 0.0)
        .map(|(i, v)| (i, v.log10()))
        .collect();
    if logs.len() < MAD_MIN_N {
        return Vec::new();
    }
    let med = median(logs.iter().map(|(_, l)| *l).collect());
    let mad = median(logs.iter().map(|(_, l)| (l - med).abs()).collect());
    if mad <= 0.0 {
        return Vec::new();
    }
    let fence = MAD_FENCE * 1.4826 * mad;
    logs.into_iter()
        .filter(|(_, l)| (l - med).abs() > fence)
        .map(|(i, _)| i)
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The demo's illustrative rate table (`data/reference/eurofxref-demo-illustrative.csv`),
/// generated by a documented rule, NOT real ECB data: every weekday from
/// 2018-12-03 to 2026-12-31 except 1 January and 25/26 December, USD per EUR
/// = 1.10 + 0.05 × sin(2π · day / 730) (day = days since 2019-01-01), and
/// each other currency per EUR = USD per EUR × its fixed illustrative units
/// per USD below, both rounded to 4 decimal places. The demo marketplace's
/// own currencies include three the ECB does not publish (KES, NGN, VND).
pub fn illustrative_table() -> String {
    const UNITS_PER_USD: &[(&str, &str)] = &[
        ("JPY", "150"),
        ("GBP", "0.79"),
        ("CHF", "0.88"),
        ("RUB", "90"),
        ("BRL", "5.5"),
        ("CNY", "7.2"),
        ("IDR", "16000"),
        ("INR", "83"),
        ("MYR", "4.6"),
        ("THB", "35"),
        ("ZAR", "18"),
        ("KES", "130"),
        ("NGN", "1500"),
        ("VND", "25000"),
    ];
    let mut out = String::from("Date,USD");
    for (c, _) in UNITS_PER_USD {
        out.push(',');
        out.push_str(c);
    }
    out.push_str(",\n");
    let origin = NaiveDate::from_ymd_opt(2019, 1, 1).expect("date");
    let start = NaiveDate::from_ymd_opt(2018, 12, 3).expect("date");
    let end = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
    let mut rows = Vec::new();
    let mut d = start;
    while d <= end {
        use chrono::Datelike;
        let weekend = d.weekday().number_from_monday() >= 6;
        let holiday = (d.month() == 1 && d.day() == 1)
            || (d.month() == 12 && (d.day() == 25 || d.day() == 26));
        if !weekend && !holiday {
            let day = (d - origin).num_days() as f64;
            let usd = 1.10 + 0.05 * (2.0 * std::f64::consts::PI * day / 730.0).sin();
            let usd = Decimal::from_f64_retain(usd)
                .unwrap_or(Decimal::ONE)
                .round_dp(4);
            let mut line = format!("{d},{}", usd.normalize());
            for (_, units) in UNITS_PER_USD {
                let u: Decimal = units.parse().expect("constant");
                line.push(',');
                line.push_str(&(usd * u).round_dp(4).normalize().to_string());
            }
            line.push_str(",\n");
            rows.push(line);
        }
        d = d.succ_opt().expect("date");
    }
    // Newest first, as the ECB publishes it.
    for r in rows.iter().rev() {
        out.push_str(r);
    }
    out
}
