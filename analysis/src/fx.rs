//! Currency conversion with euro reference rates: reads rate tables in the
//! ECB's `eurofxref-hist.csv` layout (from the `.csv` or the ECB's `.zip`) —
//! the ECB's own file and any number of user-supplied tables for currencies
//! the ECB does not publish — and converts an exact decimal amount at a date
//! to EUR and USD ([`RateBook`], the sources in order of precedence).
//! Also owns the implausible-price rules (placeholders, log-scale MAD fence).
//!
//! It must not read the lake, round anywhere but where documented, or hold
//! rates in code: rates come from the configured files only.
//!
//! Rules (documented in the README "Analysis methods"):
//! - A table lists, per business day, units of each currency per 1 EUR
//!   (`Date,USD,JPY,...,` with a trailing comma; `N/A` or empty where no
//!   rate was published). EUR itself is 1. Lines starting with `#` are
//!   comments; `# status: illustrative` marks a table of invented rates (the
//!   demo's), which the summary and the report then call illustrative.
//! - Sources are tried in order; the first that has the currency at the
//!   needed date wins. Within a source's span (on or before its last day) a
//!   listing converts at the latest date on or before its date on which the
//!   source has the currency, at most [`MAX_STALENESS_DAYS`] earlier
//!   (weekends and TARGET holidays: `exact` or `previous_business_day`).
//!   After a source's last day, it converts at the source's last rate only
//!   if the date is at most the rate window ([`DEFAULT_RATE_WINDOW_DAYS`],
//!   `--rate-window-days`) after that day (`after_table_end`). Otherwise it
//!   is not converted, by reason ([`Unconverted`]): counted, never guessed
//!   (the ECB stopped publishing RUB in March 2022, for example).
//! - USD per EUR is looked up by the same rule on the currency's rate date.
//!   EUR = amount / rate(currency); USD = amount × rate(USD) / rate(currency),
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

/// How many days before the posted date the rate may be, within a table's
/// span (covers weekends and the longest TARGET closure, 24 Dec–1 Jan).
pub const MAX_STALENESS_DAYS: i64 = 10;

/// How many days after a table's last day its last rate still converts,
/// by default (`--rate-window-days`): the same ten days as the weekend and
/// holiday fallback, so a fresh download covers the days since it was made.
pub const DEFAULT_RATE_WINDOW_DAYS: u32 = 10;

/// How a converted listing's rate relates to its date (`listing_facts.rate_basis`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RateBasis {
    /// The source has a rate on the listing's date.
    Exact,
    /// A weekend or holiday: the latest earlier rate within the source's span,
    /// at most [`MAX_STALENESS_DAYS`] before.
    PreviousBusinessDay,
    /// The date is after the source's last day, within the rate window.
    AfterTableEnd,
}

impl RateBasis {
    /// The published value.
    pub fn as_str(self) -> &'static str {
        match self {
            RateBasis::Exact => "exact",
            RateBasis::PreviousBusinessDay => "previous_business_day",
            RateBasis::AfterTableEnd => "after_table_end",
        }
    }
}

/// Why a listing's price was not converted (`listing_facts.unconverted_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unconverted {
    /// No amount stated.
    NoPrice,
    /// An amount without a currency, or a currency that is not an ISO 4217 code.
    UnknownCurrency,
    /// The currency is in no rate source.
    NoRateCurrency,
    /// Some source has the currency (and USD), but none at the listing's
    /// date: before a table starts, a gap longer than the weekend fallback (a
    /// currency the source stopped publishing), or after a table's last day
    /// beyond the rate window.
    NoRateDate,
}

impl Unconverted {
    /// Every reason, in the order tables and summaries list them.
    pub const ALL: [Unconverted; 4] = [
        Unconverted::NoPrice,
        Unconverted::UnknownCurrency,
        Unconverted::NoRateCurrency,
        Unconverted::NoRateDate,
    ];

    /// The published value.
    pub fn as_str(self) -> &'static str {
        match self {
            Unconverted::NoPrice => "no_price",
            Unconverted::UnknownCurrency => "unknown_currency",
            Unconverted::NoRateCurrency => "no_rate_currency",
            Unconverted::NoRateDate => "no_rate_date",
        }
    }

    /// The reason named by `s` (a published value).
    pub fn parse(s: &str) -> Option<Unconverted> {
        Unconverted::ALL.into_iter().find(|u| u.as_str() == s)
    }

    /// In plain words, for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Unconverted::NoPrice => "no price stated",
            Unconverted::UnknownCurrency => "price without a recognisable currency",
            Unconverted::NoRateCurrency => "currency in none of the rate sources",
            Unconverted::NoRateDate => "no rate for the listing's date in any rate source",
        }
    }
}

/// Amounts (in the listing's own currency) that sellers use as placeholders
/// rather than prices.
pub const PLACEHOLDER_AMOUNTS: &[i64] = &[0, 1, 999_999, 9_999_999, 99_999_999];

/// Outlier fence: |log10(price) − median| > this × 1.4826 × MAD is an outlier.
pub const MAD_FENCE: f64 = 3.5;
/// Fewer priced listings than this in a (taxon group, product type) cell: no
/// outlier test there (a MAD of a handful of prices means nothing).
pub const MAD_MIN_N: usize = 8;

/// One rate table (ECB layout): per currency, date → units per EUR.
#[derive(Debug, Clone)]
pub struct Rates {
    by_currency: HashMap<String, BTreeMap<NaiveDate, Decimal>>,
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    illustrative: bool,
}

/// One conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    /// The business day whose rate of the listing's currency was used.
    pub rate_date: NaiveDate,
    /// How that day relates to the listing's date (the later of the
    /// currency's and USD's, when they differ).
    pub basis: RateBasis,
    /// Index (0-based, in precedence order) of the source of the currency's
    /// rate (of USD's for EUR).
    pub source: usize,
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
        Rates::from_bytes(&crate::reference::read(path)?, path)
    }

    /// Parses the bytes of a rates file (`.csv`, or a `.zip` holding one)
    /// read from `path` (named in errors).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Rates, AnalysisError> {
        let text = if bytes.starts_with(b"PK\x03\x04") {
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
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
            String::from_utf8(bytes.to_vec()).map_err(|_| bad(path, 0, "not UTF-8 text"))?
        };
        Rates::parse(&text, path)
    }

    /// Parses the text of an `eurofxref-hist.csv` (lines starting with `#`
    /// are comments; `# status: illustrative` marks invented rates).
    pub fn parse(text: &str, path: &Path) -> Result<Rates, AnalysisError> {
        let mut illustrative = false;
        let mut lines = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = if i == 0 {
                line.trim_start_matches('\u{feff}')
            } else {
                line
            };
            let Some(comment) = line.trim_start().strip_prefix('#') else {
                lines.push((i, line));
                continue;
            };
            if let Some((key, value)) = comment.split_once(':')
                && key.trim().eq_ignore_ascii_case("status")
            {
                // A misspelt status must be loud: calling invented rates real would mislead.
                match value.trim().to_ascii_lowercase().as_str() {
                    "illustrative" => illustrative = true,
                    "reference" => {}
                    other => {
                        return Err(bad(
                            path,
                            i + 1,
                            format!("`# status: {other}`: expected `illustrative` or `reference`"),
                        ));
                    }
                }
            }
        }
        let mut lines = lines.into_iter();
        let (header_i, header) = lines
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
                header_i + 1,
                "the first column must be `Date` (ECB eurofxref-hist.csv format)",
            ));
        }
        let currencies: Vec<&str> = header[1..].to_vec();
        for c in &currencies {
            let iso4217 = c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase());
            if !c.is_empty() && !iso4217 {
                return Err(bad(
                    path,
                    header_i + 1,
                    format!("`{c}` is not an ISO 4217 code"),
                ));
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
            return Err(bad(path, header_i + 2, "no rate rows"));
        }
        Ok(Rates {
            by_currency,
            first,
            last,
            illustrative,
        })
    }

    /// The first and last date in the file.
    pub fn span(&self) -> (Option<NaiveDate>, Option<NaiveDate>) {
        (self.first, self.last)
    }

    /// Whether the file is marked `# status: illustrative` (invented rates).
    pub fn is_illustrative(&self) -> bool {
        self.illustrative
    }

    /// Currencies the file has any rate for (plus EUR), sorted.
    pub fn currencies(&self) -> Vec<String> {
        let mut c: Vec<String> = self.by_currency.keys().cloned().collect();
        c.push("EUR".into());
        c.sort();
        c.dedup();
        c
    }

    /// Whether the file has any rate for `currency` (EUR: always).
    pub fn has_currency(&self, currency: &str) -> bool {
        currency == "EUR" || self.by_currency.contains_key(currency)
    }

    /// Units of `currency` per EUR on `date` exactly (no fallback).
    pub fn rate_on(&self, currency: &str, date: NaiveDate) -> Option<Decimal> {
        if currency == "EUR" {
            return Some(Decimal::ONE);
        }
        self.by_currency.get(currency)?.get(&date).copied()
    }

    /// The rate date used for `currency` at `date` by this file alone, with
    /// the default rate window (see the module rules).
    pub fn rate_date(&self, currency: &str, date: NaiveDate) -> Option<NaiveDate> {
        let window = i64::from(DEFAULT_RATE_WINDOW_DAYS);
        let (d, _, _) = self.find(&currency.trim().to_ascii_uppercase(), date, window)?;
        let (u, _, _) = self.find("USD", d, window)?;
        Some(if currency.eq_ignore_ascii_case("EUR") {
            u
        } else {
            d
        })
    }

    /// The rate of `currency` for `date` by the module rules: (rate date,
    /// units per EUR, basis); `None` when this file has none.
    pub fn find(
        &self,
        currency: &str,
        date: NaiveDate,
        window_days: i64,
    ) -> Option<(NaiveDate, Decimal, RateBasis)> {
        let last = self.last?;
        if currency == "EUR" {
            // EUR is 1 on every day the table covers (and within the window after).
            let basis = if date > last {
                RateBasis::AfterTableEnd
            } else {
                RateBasis::Exact
            };
            return ((date - last).num_days() <= window_days).then_some((
                date,
                Decimal::ONE,
                basis,
            ));
        }
        let series = self.by_currency.get(currency)?;
        let (lookup, basis_after) = if date > last {
            if (date - last).num_days() > window_days {
                return None;
            }
            (last, Some(RateBasis::AfterTableEnd))
        } else {
            (date, None)
        };
        let oldest = lookup - chrono::Duration::days(MAX_STALENESS_DAYS);
        let (d, rate) = series.range(oldest..=lookup).next_back()?;
        let basis = basis_after.unwrap_or(if *d == date {
            RateBasis::Exact
        } else {
            RateBasis::PreviousBusinessDay
        });
        Some((*d, *rate, basis))
    }

    /// Converts `amount` of `currency` posted on `date` to EUR and USD with
    /// this file alone and the default rate window.
    pub fn convert(&self, amount: Decimal, currency: &str, date: NaiveDate) -> Option<Converted> {
        convert_with(
            &[self],
            i64::from(DEFAULT_RATE_WINDOW_DAYS),
            amount,
            currency,
            date,
        )
        .ok()
    }
}

/// One loaded rate source: the file as given, its rates and its hash.
#[derive(Debug, Clone)]
pub struct RateSource {
    /// The path as given.
    pub path: std::path::PathBuf,
    /// Hex SHA-256 of the file's bytes.
    pub sha256: String,
    /// The file's size in bytes.
    pub bytes: u64,
    pub rates: Rates,
}

impl RateSource {
    /// The file name (what summaries and the report show).
    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

/// The rate sources of a run, in order of precedence, and the rate window.
#[derive(Debug, Clone)]
pub struct RateBook {
    sources: Vec<RateSource>,
    window_days: i64,
}

impl RateBook {
    /// Loads every file of `paths` (at least one), in order of precedence.
    pub fn load(paths: &[std::path::PathBuf], window_days: u32) -> Result<RateBook, AnalysisError> {
        if paths.is_empty() {
            return Err(AnalysisError::MissingInput {
                path: "--rates".into(),
                what: "rate source (give at least one rates file)".into(),
            });
        }
        let mut sources = Vec::with_capacity(paths.len());
        for p in paths {
            let bytes = crate::reference::read(p)?;
            sources.push(RateSource {
                path: p.clone(),
                sha256: crate::manifest::sha256_hex(&bytes),
                bytes: bytes.len() as u64,
                rates: Rates::from_bytes(&bytes, p)?,
            });
        }
        Ok(RateBook {
            sources,
            window_days: i64::from(window_days),
        })
    }

    /// A book of already-parsed tables (tests, benchmarks).
    pub fn from_sources(sources: Vec<RateSource>, window_days: u32) -> RateBook {
        RateBook {
            sources,
            window_days: i64::from(window_days),
        }
    }

    /// The sources, in order of precedence.
    pub fn sources(&self) -> &[RateSource] {
        &self.sources
    }

    /// The rate window in days.
    pub fn window_days(&self) -> i64 {
        self.window_days
    }

    /// Whether any source is marked illustrative.
    pub fn any_illustrative(&self) -> bool {
        self.sources.iter().any(|s| s.rates.is_illustrative())
    }

    /// Converts `amount` of `currency` dated `date` (see the module rules),
    /// or says why not.
    pub fn convert(
        &self,
        amount: Decimal,
        currency: &str,
        date: NaiveDate,
    ) -> Result<Converted, Unconverted> {
        let tables: Vec<&Rates> = self.sources.iter().map(|s| &s.rates).collect();
        convert_with(&tables, self.window_days, amount, currency, date)
    }
}

/// The first source (in order) with a rate for `currency` at `date`.
fn lookup(
    tables: &[&Rates],
    window_days: i64,
    currency: &str,
    date: NaiveDate,
) -> Result<(usize, NaiveDate, Decimal, RateBasis), Unconverted> {
    let mut known = false;
    for (i, t) in tables.iter().enumerate() {
        if !t.has_currency(currency) {
            continue;
        }
        known = true;
        if let Some((d, r, b)) = t.find(currency, date, window_days) {
            return Ok((i, d, r, b));
        }
    }
    Err(if known {
        Unconverted::NoRateDate
    } else {
        Unconverted::NoRateCurrency
    })
}

fn convert_with(
    tables: &[&Rates],
    window_days: i64,
    amount: Decimal,
    currency: &str,
    date: NaiveDate,
) -> Result<Converted, Unconverted> {
    let currency = currency.trim().to_ascii_uppercase();
    let iso4217 = currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase());
    if !iso4217 {
        return Err(Unconverted::UnknownCurrency);
    }
    // EUR needs only USD; any other currency first, then USD on its rate date.
    let (source, rate_date, rate, basis) = if currency == "EUR" {
        let (i, d, _, b) = lookup(tables, window_days, "USD", date)?;
        (i, d, Decimal::ONE, b)
    } else {
        lookup(tables, window_days, &currency, date)?
    };
    let (_, _, usd_rate, usd_basis) = match lookup(tables, window_days, "USD", rate_date) {
        Ok(u) => u,
        // USD missing on the currency's day is a date problem, not the currency's.
        Err(_) => return Err(Unconverted::NoRateDate),
    };
    let basis = basis.max(usd_basis);
    let fail = Unconverted::NoRateDate;
    let eur = amount.checked_div(rate).ok_or(fail)?;
    let usd = amount
        .checked_mul(usd_rate)
        .and_then(|x| x.checked_div(rate))
        .ok_or(fail)?;
    let usd_cents = (usd.round_dp(2) * Decimal::ONE_HUNDRED)
        .to_i64()
        .ok_or(fail)?;
    Ok(Converted {
        rate_date,
        basis,
        source,
        rate,
        usd_rate,
        eur: eur.round_dp(4),
        usd: usd.round_dp(4),
        usd_cents,
    })
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
/// Its first line, `# status: illustrative`, marks it as invented rates.
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
    // The status line makes every reader (summary, manifest, report) call it illustrative.
    let mut out = String::from(
        "# status: illustrative\n\
         # wildtrace demo rates, generated by fx::illustrative_table(): NOT real exchange rates.\n\
         Date,USD",
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn source(name: &str, text: &str) -> RateSource {
        RateSource {
            path: name.into(),
            sha256: String::new(),
            bytes: text.len() as u64,
            rates: Rates::parse(text, Path::new(name)).unwrap(),
        }
    }

    /// An "ECB" table: Thu 2024-01-04 … Mon 2024-01-08 (no weekend rows), USD
    /// and JPY, RUB only on the first day.
    const ECB: &str = "Date,USD,JPY,RUB,\n2024-01-08,1.1,160,N/A,\n2024-01-05,1.2,161,N/A,\n2024-01-04,1.25,162,100,\n";
    /// A user table for NGN (no USD column), ending later than the ECB one.
    const USER: &str =
        "# status: illustrative\nDate,NGN,\n2024-01-20,1600,\n2024-01-08,1500,\n2024-01-04,1400,\n";

    fn book(window: u32) -> RateBook {
        RateBook::from_sources(
            vec![source("ecb.csv", ECB), source("ngn.csv", USER)],
            window,
        )
    }

    #[test]
    fn exact_weekend_and_after_the_table_end_are_told_apart() {
        let b = book(DEFAULT_RATE_WINDOW_DAYS);
        let c = b.convert(dec("160"), "JPY", d("2024-01-08")).unwrap();
        assert_eq!(
            (c.rate_date, c.basis, c.source),
            (d("2024-01-08"), RateBasis::Exact, 0)
        );
        assert_eq!(c.usd, dec("1.1"));
        // Saturday: Friday's rate, within the table.
        let c = b.convert(dec("161"), "JPY", d("2024-01-06")).unwrap();
        assert_eq!(
            (c.rate_date, c.basis),
            (d("2024-01-05"), RateBasis::PreviousBusinessDay)
        );
        // Ten days after the last day: the last rate, flagged.
        let c = b.convert(dec("160"), "JPY", d("2024-01-18")).unwrap();
        assert_eq!(
            (c.rate_date, c.basis),
            (d("2024-01-08"), RateBasis::AfterTableEnd)
        );
        // Eleven days after: outside the window.
        assert_eq!(
            b.convert(dec("160"), "JPY", d("2024-01-19")),
            Err(Unconverted::NoRateDate)
        );
        // A wider window converts it, still flagged.
        let c = book(30)
            .convert(dec("160"), "JPY", d("2024-02-05"))
            .unwrap();
        assert_eq!(
            (c.rate_date, c.basis),
            (d("2024-01-08"), RateBasis::AfterTableEnd)
        );
        // The window never applies inside the table: a currency the source
        // stopped publishing stays unconverted however wide the window.
        assert_eq!(
            book(365)
                .convert(dec("1"), "RUB", d("2024-01-05"))
                .map(|c| c.basis),
            Ok(RateBasis::PreviousBusinessDay)
        );
        let stopped = RateBook::from_sources(
            vec![source(
                "ecb.csv",
                "Date,USD,RUB,\n2024-02-01,1.1,N/A,\n2024-01-04,1.25,100,\n",
            )],
            365,
        );
        assert_eq!(
            stopped.convert(dec("1"), "RUB", d("2024-01-20")),
            Err(Unconverted::NoRateDate)
        );
    }

    #[test]
    fn later_sources_fill_currencies_and_usd_comes_from_wherever_it_is() {
        let b = book(DEFAULT_RATE_WINDOW_DAYS);
        // NGN from the second source, USD from the first, on the same day.
        let c = b.convert(dec("1500"), "NGN", d("2024-01-08")).unwrap();
        assert_eq!((c.source, c.rate, c.usd_rate), (1, dec("1500"), dec("1.1")));
        assert_eq!((c.eur, c.usd, c.usd_cents), (dec("1"), dec("1.1"), 110));
        // NGN exact on the 20th, but USD only within the window after the ECB table's end.
        let c = b.convert(dec("1600"), "NGN", d("2024-01-20"));
        assert_eq!(c, Err(Unconverted::NoRateDate), "USD is 12 days stale");
        let c = book(20)
            .convert(dec("1600"), "NGN", d("2024-01-20"))
            .unwrap();
        assert_eq!(
            (c.rate_date, c.basis),
            (d("2024-01-20"), RateBasis::AfterTableEnd)
        );
        // In no source at all / not a currency code / before every table.
        assert_eq!(
            b.convert(dec("1"), "VND", d("2024-01-08")),
            Err(Unconverted::NoRateCurrency)
        );
        assert_eq!(
            b.convert(dec("1"), "€", d("2024-01-08")),
            Err(Unconverted::UnknownCurrency)
        );
        assert_eq!(
            b.convert(dec("1"), "USD", d("2023-06-01")),
            Err(Unconverted::NoRateDate)
        );
        // The first source wins when both have the currency.
        let both = RateBook::from_sources(
            vec![
                source("a.csv", "Date,USD,NGN,\n2024-01-08,1.1,1000,\n"),
                source("b.csv", USER),
            ],
            10,
        );
        let c = both.convert(dec("1000"), "NGN", d("2024-01-08")).unwrap();
        assert_eq!((c.source, c.rate), (0, dec("1000")));
    }

    #[test]
    fn the_status_comment_marks_illustrative_tables_and_typos_are_loud() {
        assert!(!source("ecb.csv", ECB).rates.is_illustrative());
        assert!(source("ngn.csv", USER).rates.is_illustrative());
        assert!(book(10).any_illustrative());
        let r = Rates::parse(
            "# a comment\n#Status: Reference\nDate,USD,\n2024-01-02,1.1,\n",
            Path::new("r.csv"),
        )
        .unwrap();
        assert!(!r.is_illustrative());
        let err = Rates::parse(
            "# status: ilustrative\nDate,USD,\n2024-01-02,1.1,\n",
            Path::new("r.csv"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("r.csv:1"), "{err}");
        // Line numbers count the comments.
        let err = Rates::parse("# x\nDate,USD,\n2024-01-02,x,\n", Path::new("r.csv")).unwrap_err();
        assert!(err.to_string().contains("r.csv:3"), "{err}");
    }

    #[test]
    fn reasons_round_trip() {
        for u in Unconverted::ALL {
            assert_eq!(Unconverted::parse(u.as_str()), Some(u));
        }
    }
}
