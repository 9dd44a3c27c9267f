//! Currency conversion: the real ECB history (read from the shared
//! reference zip, never copied into the repository), weekend and holiday
//! fallback, currencies the ECB stopped or never published, exact decimals,
//! malformed files, the shipped illustrative demo table, and the
//! implausible-price rules.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use wildtrace_analysis::AnalysisError;
use wildtrace_analysis::fx::{self, Rates};

use crate::support;

/// The real ECB history: `WILDTRACE_ECB_HIST` if set, else
/// `shared/reference/eurofxref-hist.zip` beside the clone or beside any folder
/// above it (CI may clone deeper than the working copy).
fn ecb_zip() -> PathBuf {
    if let Some(p) = std::env::var_os("WILDTRACE_ECB_HIST") {
        return PathBuf::from(p);
    }
    let repo = support::repo().canonicalize().unwrap();
    let found = repo
        .ancestors()
        .map(|a| a.join("shared/reference/eurofxref-hist.zip"))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!(
            "shared/reference/eurofxref-hist.zip not found beside {} or any folder above it \
             (set WILDTRACE_ECB_HIST to its path)",
            repo.display()
        )
    })
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn the_real_ecb_history_has_known_rates() {
    let rates = Rates::load(&ecb_zip()).unwrap();
    let (first, last) = rates.span();
    assert_eq!(first, Some(d("1999-01-04")));
    assert!(last.unwrap() >= d("2026-01-01"), "{last:?}");
    assert_eq!(rates.rate_on("USD", d("1999-01-04")), Some(dec("1.1789")));
    assert_eq!(rates.rate_on("USD", d("2024-12-24")), Some(dec("1.0395")));
    assert_eq!(rates.rate_on("JPY", d("2025-01-02")), Some(dec("162.04")));
    assert_eq!(rates.rate_on("GBP", d("2024-12-24")), Some(dec("0.82805")));
    assert_eq!(rates.rate_on("RUB", d("2022-03-01")), Some(dec("117.201")));
    // N/A cells are absent, not zero.
    assert_eq!(rates.rate_on("RUB", d("2022-03-02")), None);
    assert_eq!(rates.rate_on("EUR", d("2020-01-01")), Some(Decimal::ONE));
    for c in [
        "USD", "JPY", "GBP", "CHF", "CNY", "THB", "BRL", "INR", "ZAR",
    ] {
        assert!(rates.currencies().contains(&c.to_string()), "{c}");
    }
}

#[test]
fn weekends_and_target_holidays_fall_back_to_the_previous_business_day() {
    let rates = Rates::load(&ecb_zip()).unwrap();
    for (date, expected) in [
        ("2024-12-24", "2024-12-24"), // a business day: itself
        ("2024-12-25", "2024-12-24"), // Christmas
        ("2024-12-26", "2024-12-24"), // St Stephen's Day
        ("2024-12-28", "2024-12-27"), // Saturday
        ("2024-12-29", "2024-12-27"), // Sunday
        ("2025-01-01", "2024-12-31"), // New Year
        ("2025-01-04", "2025-01-03"), // Saturday
        ("2020-04-10", "2020-04-09"), // Good Friday
        ("2020-04-13", "2020-04-09"), // Easter Monday
    ] {
        assert_eq!(
            rates.rate_date("USD", d(date)),
            Some(d(expected)),
            "USD on {date}"
        );
    }
    // RUB stopped on 2022-03-01: the next day still converts at that rate,
    // but not beyond the staleness bound, and never years later.
    assert_eq!(
        rates.rate_date("RUB", d("2022-03-02")),
        Some(d("2022-03-01"))
    );
    assert_eq!(rates.rate_date("RUB", d("2022-03-15")), None);
    assert!(
        rates
            .convert(dec("12500"), "RUB", d("2024-06-01"))
            .is_none()
    );
    // Before the euro, and currencies the ECB never published.
    assert!(rates.convert(dec("1"), "USD", d("1998-12-31")).is_none());
    assert!(rates.convert(dec("1000"), "VND", d("2024-06-03")).is_none());
}

#[test]
fn conversion_is_exact_decimal_arithmetic() {
    let rates = Rates::load(&ecb_zip()).unwrap();
    // 100 JPY on 2025-01-02: 100 / 162.04 EUR; × 1.0321 USD.
    let c = rates.convert(dec("100"), "JPY", d("2025-01-02")).unwrap();
    assert_eq!(
        (c.eur, c.usd, c.usd_cents),
        (dec("0.6171"), dec("0.6369"), 64)
    );
    // 1299.00 GBP on Christmas 2024 converts at the 24 December rates.
    let c = rates
        .convert(dec("1299.00"), "gbp", d("2024-12-25"))
        .unwrap();
    assert_eq!(c.rate_date, d("2024-12-24"));
    assert_eq!((c.rate, c.usd_rate), (dec("0.82805"), dec("1.0395")));
    assert_eq!(
        (c.eur, c.usd, c.usd_cents),
        (dec("1568.7458"), dec("1630.7113"), 163_071)
    );
    // EUR converts at 1 and USD back to itself exactly.
    let c = rates.convert(dec("45.5"), "EUR", d("2024-12-24")).unwrap();
    assert_eq!((c.eur, c.usd), (dec("45.5"), dec("47.2972")));
    let c = rates.convert(dec("1250"), "USD", d("2024-12-24")).unwrap();
    assert_eq!(c.usd, dec("1250"));
}

#[test]
fn the_csv_form_parses_na_and_trailing_commas_and_bad_files_name_the_line() {
    let csv = "Date,USD,JPY,XYZ,\n2024-01-03,1.0919,155.01,N/A,\n2024-01-02,1.0956,155.81,2.5,\n";
    let rates = Rates::parse(csv, Path::new("r.csv")).unwrap();
    assert_eq!(rates.rate_on("XYZ", d("2024-01-03")), None);
    assert_eq!(rates.rate_on("XYZ", d("2024-01-02")), Some(dec("2.5")));
    // XYZ on the 3rd falls back to the 2nd, where both it and USD exist.
    let c = rates.convert(dec("10"), "XYZ", d("2024-01-03")).unwrap();
    assert_eq!(c.rate_date, d("2024-01-02"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "Date,USD,\n2024-01-03,1.09,\n2024-13-01,1.1,\n").unwrap();
    let err = Rates::load(&bad).unwrap_err();
    assert!(matches!(err, AnalysisError::Rates { line: 3, .. }), "{err}");
    assert!(err.is_config());
    assert!(err.to_string().contains("bad.csv:3"), "{err}");
    std::fs::write(&bad, "Date,USD,\n2024-01-03,-1,\n").unwrap();
    assert!(
        Rates::load(&bad)
            .unwrap_err()
            .to_string()
            .contains("not positive")
    );
    std::fs::write(&bad, "Datum;USD\n").unwrap();
    assert!(
        Rates::load(&bad)
            .unwrap_err()
            .to_string()
            .contains("`Date`")
    );
}

#[test]
fn the_shipped_demo_table_follows_its_documented_rule() {
    let path = support::repo().join(wildtrace_analysis::DEFAULT_RATES);
    let generated = fx::illustrative_table();
    if std::env::var_os("WILDTRACE_WRITE_DEMO_RATES").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap();
    assert!(
        shipped == generated,
        "{} differs from fx::illustrative_table(); regenerate with WILDTRACE_WRITE_DEMO_RATES=1",
        path.display()
    );
    // It covers every currency the demo marketplace uses, over its years.
    let rates = Rates::load(&path).unwrap();
    for c in [
        "EUR", "USD", "GBP", "THB", "VND", "JPY", "CNY", "ZAR", "INR", "NGN", "KES", "BRL", "IDR",
        "MYR", "CHF", "RUB",
    ] {
        for day in ["2019-01-01", "2022-07-17", "2026-10-31"] {
            assert!(
                rates.convert(dec("100"), c, d(day)).is_some(),
                "{c} on {day}"
            );
        }
    }
    // And it is not the ECB's: 2024-12-24 differs from the real USD rate.
    assert_ne!(rates.rate_on("USD", d("2024-12-24")), Some(dec("1.0395")));
}

#[test]
fn placeholders_and_log_scale_outliers_are_flagged() {
    for a in ["0", "1", "1.00", "999999", "9999999"] {
        assert!(fx::is_placeholder(dec(a)), "{a}");
    }
    for a in ["2", "0.5", "999998", "1.5", "12500"] {
        assert!(!fx::is_placeholder(dec(a)), "{a}");
    }
    // Ten ordinary prices around 1000 and one at 10 million: only it is out.
    let mut v = vec![
        800.0, 900.0, 950.0, 1000.0, 1000.0, 1100.0, 1200.0, 1300.0, 1500.0, 700.0,
    ];
    v.push(10_000_000.0);
    assert_eq!(fx::mad_outliers(&v), vec![10]);
    // A cheap outlier too.
    v.push(0.5);
    assert_eq!(fx::mad_outliers(&v), vec![10, 11]);
    // Too few prices: no test.
    assert!(fx::mad_outliers(&[1.0, 1000.0, 1e7]).is_empty());
    // All equal: MAD 0, nothing flagged.
    assert!(fx::mad_outliers(&[5.0; 20]).is_empty());
}
