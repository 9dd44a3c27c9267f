//! The price parser on the formats real listings write (locales,
//! separators, currency signs, codes and words, hints, multipliers, ranges,
//! no-price phrases, noise numbers), each case with the amount, currency and
//! upper bound it must give; plus exactness and never-panics checks.

use rust_decimal::Decimal;
use wildtrace_extract::price::parse_price;

use crate::support::assert_no_failures;

fn d(s: &str) -> Decimal {
    s.parse().expect("test decimal")
}

/// One expectation: text, hint, amount, currency, amount_max.
type Case = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

fn run(cases: &[Case]) {
    let mut failures = Vec::new();
    for &(text, hint, amount, currency, max) in cases {
        let got = parse_price(text, hint);
        let ok = got.amount == amount.map(d)
            && got.currency.as_deref() == currency
            && got.amount_max == max.map(d);
        if !ok {
            failures.push(format!(
                "{text:?} hint={hint:?}: want amount={amount:?} currency={currency:?} max={max:?}, got {got:?}"
            ));
        }
    }
    assert_no_failures(&failures);
}

#[test]
fn reference_pipeline_regression_decimal_comma_with_thousands_dot() {
    // The public reference pipeline reads this as 1.299.
    let p = parse_price("1.299,00 €", None);
    assert_eq!(p.amount, Some(d("1299.00")));
    assert_ne!(p.amount, Some(d("1.299")));
    assert_eq!(p.currency.as_deref(), Some("EUR"));
    assert_eq!(p.currency_raw.as_deref(), Some("€"));
    assert_eq!(p.amount_max, None);
}

#[test]
fn required_examples() {
    run(&[
        ("1.299,00 €", None, Some("1299.00"), Some("EUR"), None),
        ("1,299.00 USD", None, Some("1299.00"), Some("USD"), None),
        ("CHF 1'250.50", None, Some("1250.50"), Some("CHF"), None),
        ("₹1,25,000", None, Some("125000"), Some("INR"), None),
        ("12 500 руб.", None, Some("12500"), Some("RUB"), None),
        ("R$ 1.234,56", None, Some("1234.56"), Some("BRL"), None),
        ("3 500 Kč", None, Some("3500"), Some("CZK"), None),
        ("¥8,800", None, Some("8800"), Some("JPY"), None),
        ("45,000 บาท", None, Some("45000"), Some("THB"), None),
        ("12.500.000 ₫", None, Some("12500000"), Some("VND"), None),
        ("US$ 950", None, Some("950"), Some("USD"), None),
        ("$950", Some("AUD"), Some("950"), Some("AUD"), None),
        ("1 200 kr", Some("Norway"), Some("1200"), Some("NOK"), None),
        ("2.5k", None, Some("2500"), None, None),
        ("2,5K", None, Some("2500"), None, None),
        ("€1.2m", None, Some("1200000"), Some("EUR"), None),
        ("1.299 €", None, Some("1299"), Some("EUR"), None),
        ("$1,299", None, Some("1299"), Some("USD"), None),
        ("1.250 KWD", None, Some("1.25"), Some("KWD"), None),
        ("12,5", None, Some("12.5"), None, None),
        ("12.50", None, Some("12.5"), None, None),
        ("1,5 €", None, Some("1.5"), Some("EUR"), None),
    ]);
}

#[test]
fn separators_and_locales() {
    run(&[
        (
            "1\u{a0}299,00\u{a0}€",
            None,
            Some("1299"),
            Some("EUR"),
            None,
        ),
        ("1\u{202f}299,00 €", None, Some("1299"), Some("EUR"), None),
        ("1\u{2009}500 €", None, Some("1500"), Some("EUR"), None),
        ("Prix : 1 200 € TTC", None, Some("1200"), Some("EUR"), None),
        ("Precio: 1.200 €", None, Some("1200"), Some("EUR"), None),
        (
            "1.234.567,89 EUR",
            None,
            Some("1234567.89"),
            Some("EUR"),
            None,
        ),
        (
            "1,234,567.89 USD",
            None,
            Some("1234567.89"),
            Some("USD"),
            None,
        ),
        (
            "1 234 567,89 €",
            None,
            Some("1234567.89"),
            Some("EUR"),
            None,
        ),
        ("CHF 1’250.–", None, Some("1250"), Some("CHF"), None),
        ("Fr. 1'250.–", None, Some("1250"), Some("CHF"), None),
        ("SFr. 99.90", None, Some("99.90"), Some("CHF"), None),
        ("1'234'567 CHF", None, Some("1234567"), Some("CHF"), None),
        ("Rs. 10,00,000", None, Some("1000000"), Some("INR"), None),
        ("₹ 1,25,000.50", None, Some("125000.50"), Some("INR"), None),
        ("EUR 12,99", None, Some("12.99"), Some("EUR"), None),
        ("0,50 €", None, Some("0.50"), Some("EUR"), None),
        ("Preis: 1.299,- € VB", None, Some("1299"), Some("EUR"), None),
        ("€ 15.–", None, Some("15"), Some("EUR"), None),
        ("$0.99", None, Some("0.99"), Some("USD"), None),
        ("12.999 €", None, Some("12999"), Some("EUR"), None),
        ("1.2345 €", None, Some("1.2345"), Some("EUR"), None),
        ("KWD 1,250", None, Some("1.25"), Some("KWD"), None),
        ("BHD 12.500", None, Some("12.5"), Some("BHD"), None),
        ("OMR 3.750", None, Some("3.75"), Some("OMR"), None),
        ("1.250 JOD", None, Some("1.25"), Some("JOD"), None),
        ("TND 2,500", None, Some("2.5"), Some("TND"), None),
        ("1,250.500 KWD", None, Some("1250.5"), Some("KWD"), None),
        ("３５００元", None, Some("3500"), Some("CNY"), None),
        ("١٢٠٠ د.إ", None, Some("1200"), Some("AED"), None),
        ("٣٬٥٠٠٫٥٠ د.إ", None, Some("3500.50"), Some("AED"), None),
    ]);
}

#[test]
fn currency_signs_codes_and_words() {
    run(&[
        ("£1,250 ono", None, Some("1250"), Some("GBP"), None),
        ("1500 euros", None, Some("1500"), Some("EUR"), None),
        ("150 EUR", None, Some("150"), Some("EUR"), None),
        ("eur 150", None, Some("150"), Some("EUR"), None),
        ("EUR150", None, Some("150"), Some("EUR"), None),
        ("150€", None, Some("150"), Some("EUR"), None),
        ("EUR: 150", None, Some("150"), Some("EUR"), None),
        ("3500元", None, Some("3500"), Some("CNY"), None),
        ("价格：3500元", None, Some("3500"), Some("CNY"), None),
        ("¥ 3,500 RMB", None, Some("3500"), Some("CNY"), None),
        ("CN¥ 3,500", None, Some("3500"), Some("CNY"), None),
        ("人民币 3500", None, Some("3500"), Some("CNY"), None),
        ("￥3,500", None, Some("3500"), Some("JPY"), None),
        ("3,500円", None, Some("3500"), Some("JPY"), None),
        ("₽ 12 500", None, Some("12500"), Some("RUB"), None),
        (
            "Цена: 12 000 рублей",
            None,
            Some("12000"),
            Some("RUB"),
            None,
        ),
        ("1 500 грн", None, Some("1500"), Some("UAH"), None),
        ("450 reais", None, Some("450"), Some("BRL"), None),
        ("A$ 1,200", None, Some("1200"), Some("AUD"), None),
        ("C$800", None, Some("800"), Some("CAD"), None),
        ("CA$ 800", None, Some("800"), Some("CAD"), None),
        ("NZ$300", None, Some("300"), Some("NZD"), None),
        ("S$ 250", None, Some("250"), Some("SGD"), None),
        ("HK$8,800", None, Some("8800"), Some("HKD"), None),
        ("NT$ 12,000", None, Some("12000"), Some("TWD"), None),
        ("US $950.00", None, Some("950.00"), Some("USD"), None),
        ("1299,99 zł", None, Some("1299.99"), Some("PLN"), None),
        ("1 299 zł", None, Some("1299"), Some("PLN"), None),
        ("1200:-", None, Some("1200"), Some("SEK"), None),
        ("3 500 NOK", None, Some("3500"), Some("NOK"), None),
        ("2500 Ft", None, Some("2500"), Some("HUF"), None),
        ("500.000đ", None, Some("500000"), Some("VND"), None),
        ("1.500.000 VNĐ", None, Some("1500000"), Some("VND"), None),
        ("2 triệu đồng", None, Some("2000000"), Some("VND"), None),
        ("฿1,500", None, Some("1500"), Some("THB"), None),
        ("1,500 baht", None, Some("1500"), Some("THB"), None),
        ("₦250,000", None, Some("250000"), Some("NGN"), None),
        ("250000 naira", None, Some("250000"), Some("NGN"), None),
        ("R 12 500", None, Some("12500"), Some("ZAR"), None),
        ("R350", None, Some("350"), Some("ZAR"), None),
        ("KSh 4,500", None, Some("4500"), Some("KES"), None),
        ("Ksh. 4,500", None, Some("4500"), Some("KES"), None),
        ("₱2,500", None, Some("2500"), Some("PHP"), None),
        ("₩150,000", None, Some("150000"), Some("KRW"), None),
        ("150,000원", None, Some("150000"), Some("KRW"), None),
        ("₺1.500", None, Some("1500"), Some("TRY"), None),
        ("1.500 TL", None, Some("1500"), Some("TRY"), None),
        ("350 lei", None, Some("350"), Some("RON"), None),
        ("RON 350", None, Some("350"), Some("RON"), None),
        ("AED 1,200", None, Some("1200"), Some("AED"), None),
        ("1200 Dhs", None, Some("1200"), Some("AED"), None),
        ("Rp 150.000", None, Some("150000"), Some("IDR"), None),
        ("RM 450", None, Some("450"), Some("MYR"), None),
        ("150 000 FCFA", None, Some("150000"), Some("XOF"), None),
        ("Rs 5000/-", None, Some("5000"), Some("INR"), None),
        ("ZAR 1 500", None, Some("1500"), Some("ZAR"), None),
        ("MXN 2,300", None, Some("2300"), Some("MXN"), None),
        ("2300 pesos", None, Some("2300"), Some("MXN"), None),
    ]);
}

#[test]
fn hints_settle_ambiguity_only() {
    run(&[
        ("$950", None, Some("950"), Some("USD"), None),
        ("$950", Some("Canada"), Some("950"), Some("CAD"), None),
        (
            "$950",
            Some("prices in NZD"),
            Some("950"),
            Some("NZD"),
            None,
        ),
        (
            "$950",
            Some("Australian dollars"),
            Some("950"),
            Some("AUD"),
            None,
        ),
        ("$950", Some("Hong Kong"), Some("950"), Some("HKD"), None),
        ("$950", Some("Mexico"), Some("950"), Some("MXN"), None),
        ("$950", Some("Germany"), Some("950"), Some("USD"), None),
        ("$950", Some("aud"), Some("950"), Some("AUD"), None),
        ("$950 AUD", None, Some("950"), Some("AUD"), None),
        ("USD $950", None, Some("950"), Some("USD"), None),
        ("US$ 950", Some("AUD"), Some("950"), Some("USD"), None),
        ("€950", Some("AUD"), Some("950"), Some("EUR"), None),
        ("950", Some("AUD"), Some("950"), Some("AUD"), None),
        ("950", Some("Norway"), Some("950"), Some("NOK"), None),
        ("1 200 kr", None, Some("1200"), Some("SEK"), None),
        ("1 200 kr", Some("Denmark"), Some("1200"), Some("DKK"), None),
        ("kr 1.200", Some("DKK"), Some("1200"), Some("DKK"), None),
        ("1200 kr", Some("Iceland"), Some("1200"), Some("ISK"), None),
        ("¥3,500", Some("China"), Some("3500"), Some("CNY"), None),
        ("¥3,500", Some("CNY"), Some("3500"), Some("CNY"), None),
        ("¥3,500 (RMB)", None, Some("3500"), Some("CNY"), None),
        ("¥3,500", Some("Japan"), Some("3500"), Some("JPY"), None),
        ("Rs 5000", Some("Pakistan"), Some("5000"), Some("PKR"), None),
        (
            "Rs 5000",
            Some("Sri Lanka"),
            Some("5000"),
            Some("LKR"),
            None,
        ),
        ("1200 dhs", Some("Morocco"), Some("1200"), Some("MAD"), None),
        (
            "150 000 FCFA",
            Some("Cameroon"),
            Some("150000"),
            Some("XAF"),
            None,
        ),
        ("1 299", Some("EUR"), Some("1299"), Some("EUR"), None),
        ("1.250", Some("KWD"), Some("1.25"), Some("KWD"), None),
    ]);
}

#[test]
fn multipliers() {
    run(&[
        ("Rp150rb", None, Some("150000"), Some("IDR"), None),
        ("Rp 1,5 jt", None, Some("1500000"), Some("IDR"), None),
        ("12 тыс. руб.", None, Some("12000"), Some("RUB"), None),
        ("1.5万元", None, Some("15000"), Some("CNY"), None),
        ("2 lakh", None, Some("200000"), None, None),
        ("₹2.5 lakh", None, Some("250000"), Some("INR"), None),
        ("1,2 Mio. €", None, Some("1200000"), Some("EUR"), None),
        ("$2M", None, Some("2000000"), Some("USD"), None),
        ("500k VND", None, Some("500000"), Some("VND"), None),
        ("£1.2k", None, Some("1200"), Some("GBP"), None),
    ]);
}

#[test]
fn ranges() {
    run(&[
        ("100-150 €", None, Some("100"), Some("EUR"), Some("150")),
        ("€100 – €150", None, Some("100"), Some("EUR"), Some("150")),
        (
            "from 100 to 150 EUR",
            None,
            Some("100"),
            Some("EUR"),
            Some("150"),
        ),
        (
            "von 100 bis 150 €",
            None,
            Some("100"),
            Some("EUR"),
            Some("150"),
        ),
        (
            "$1,000 - $1,500",
            None,
            Some("1000"),
            Some("USD"),
            Some("1500"),
        ),
        ("1.5-2k €", None, Some("1500"), Some("EUR"), Some("2000")),
        ("100 € - 150 €", None, Some("100"), Some("EUR"), Some("150")),
        (
            "de 1.200 a 1.500 €",
            None,
            Some("1200"),
            Some("EUR"),
            Some("1500"),
        ),
        (
            "от 10 000 до 15 000 руб.",
            None,
            Some("10000"),
            Some("RUB"),
            Some("15000"),
        ),
        ("3000~5000元", None, Some("3000"), Some("CNY"), Some("5000")),
        (
            "100-150",
            Some("GBP"),
            Some("100"),
            Some("GBP"),
            Some("150"),
        ),
        ("150-100 €", None, Some("100"), Some("EUR"), None),
    ]);
}

#[test]
fn no_price() {
    run(&[
        ("POA", None, None, None, None),
        ("P.O.A.", None, None, None, None),
        ("Price on application", None, None, None, None),
        ("make an offer", None, None, None, None),
        ("Best offer", None, None, None, None),
        ("OBO", None, None, None, None),
        ("free", None, None, None, None),
        ("Gratis", None, None, None, None),
        ("contact for price", None, None, None, None),
        ("ask", None, None, None, None),
        ("DM for price", None, None, None, None),
        ("—", None, None, None, None),
        ("", None, None, None, None),
        ("   ", Some("EUR"), None, None, None),
        ("€ POA", None, None, Some("EUR"), None),
        ("POA", Some("EUR"), None, None, None),
        ("Make an offer, 3 birds", None, None, None, None),
        ("Free to good home, 2 tortoises", None, None, None, None),
        ("Preis auf Anfrage", None, None, None, None),
        ("价格面议", None, None, None, None),
        ("Цена договорная", None, None, None, None),
        ("$ POA", Some("AUD"), None, Some("AUD"), None),
    ]);
}

#[test]
fn offers_and_free_shipping_do_not_hide_a_price() {
    run(&[
        ("£150 ono", None, Some("150"), Some("GBP"), None),
        ("950 or best offer", None, Some("950"), None, None),
        ("$950 OBO", None, Some("950"), Some("USD"), None),
        ("Free shipping! 45 €", None, Some("45"), Some("EUR"), None),
        (
            "free shipping, 45",
            Some("EUR"),
            Some("45"),
            Some("EUR"),
            None,
        ),
        (
            "Make an offer (asking €300)",
            None,
            Some("300"),
            Some("EUR"),
            None,
        ),
    ]);
}

#[test]
fn noise_numbers_are_not_prices() {
    run(&[
        ("-50 €", None, None, Some("EUR"), None),
        ("€-50", None, None, Some("EUR"), None),
        (
            "Lot of 12 ivory beads, 350 USD",
            None,
            Some("350"),
            Some("USD"),
            None,
        ),
        ("x3 €150", None, Some("150"), Some("EUR"), None),
        (
            "Pair of African grey parrots x2 - £1,200 each",
            None,
            Some("1200"),
            Some("GBP"),
            None,
        ),
        ("3 birds for €1,200", None, Some("1200"), Some("EUR"), None),
        ("Python 3m long, €500", None, Some("500"), Some("EUR"), None),
        ("Pre-1947 ivory carving 450", None, Some("450"), None, None),
        (
            "Antique 1920 netsuke 450",
            Some("GBP"),
            Some("450"),
            Some("GBP"),
            None,
        ),
        (
            "Tortoise 12-18 months, 150",
            Some("EUR"),
            Some("150"),
            Some("EUR"),
            None,
        ),
        ("2 x €50", None, Some("50"), Some("EUR"), None),
        ("Lot 12: 300 €", None, Some("300"), Some("EUR"), None),
        (
            "10kg scales 900",
            Some("USD"),
            Some("900"),
            Some("USD"),
            None,
        ),
        ("Tel 0612345678", None, None, None, None),
        ("12.05.2023", None, None, None, None),
        (
            "€ 1.299,00 (was € 1.499,00)",
            None,
            Some("1299.00"),
            Some("EUR"),
            None,
        ),
        ("Set of 4 500 €", None, Some("500"), Some("EUR"), None),
        ("150", None, Some("150"), None, None),
    ]);
}

#[test]
fn currency_raw_is_as_written() {
    let raw = |t: &str| parse_price(t, None).currency_raw;
    assert_eq!(raw("12 500 руб."), Some("руб.".to_string()));
    assert_eq!(raw("US$ 950"), Some("US$".to_string()));
    assert_eq!(raw("US $950"), Some("US $".to_string()));
    assert_eq!(raw("1.299,00 €"), Some("€".to_string()));
    assert_eq!(raw("eur 150"), Some("eur".to_string()));
    assert_eq!(raw("150"), None);
    let hinted = parse_price("$950", Some("AUD"));
    assert_eq!(hinted.currency_raw.as_deref(), Some("$"));
    assert_eq!(hinted.currency.as_deref(), Some("AUD"));
    assert_eq!(parse_price("950", Some("AUD")).currency_raw, None);
}

#[test]
fn amounts_are_exact() {
    let p = parse_price("€0.10", None);
    assert_eq!(p.amount, Some(Decimal::new(10, 2)));
    let p = parse_price("1,25,00,000.75 INR", None);
    assert_eq!(p.amount, Some(Decimal::new(1_250_000_075, 2)));
}

#[test]
fn never_panics() {
    let long_digits = "9".repeat(10_000);
    let long_mixed = "1.2,3 ".repeat(2_000);
    let weird = [
        "9999999999999999999999999999999999 €",
        "99999999999999999999999k €",
        "€€€",
        "$$$ 1",
        "-",
        "--1--",
        ",,,...",
        "1,,2",
        "1..2",
        "'1'",
        "R",
        "R ",
        "₹",
        "k",
        "1k1k1k",
        "\u{0}\u{1}\u{feff}12",
        "İİİ 12 İ",
        "🦜🦜 12 🦏",
        "1\u{a0}",
        "ر.ع.",
        "1.5万萬千",
        long_digits.as_str(),
        long_mixed.as_str(),
    ];
    for w in weird {
        let _ = parse_price(w, None);
        let _ = parse_price(w, Some(w));
    }
    assert_eq!(
        parse_price("9999999999999999999999999999999999 €", None).amount,
        None
    );
    assert_eq!(parse_price(&long_digits, None).amount, None);
}

#[test]
fn real_world_listings() {
    run(&[
        (
            "Sulphur-crested cockatoo, $2,500 ONO",
            None,
            Some("2500"),
            Some("USD"),
            None,
        ),
        (
            "Ivory bangle antique - 350€ negociable",
            None,
            Some("350"),
            Some("EUR"),
            None,
        ),
        (
            "2 x Hermann's tortoise 80€ each",
            None,
            Some("80"),
            Some("EUR"),
            None,
        ),
        (
            "Pangolin scales 1kg $300",
            None,
            Some("300"),
            Some("USD"),
            None,
        ),
        (
            "Rhino horn cup, price 45 000 USD",
            None,
            Some("45000"),
            Some("USD"),
            None,
        ),
        (
            "Rhino horn 2kg - 60.000 USD",
            None,
            Some("60000"),
            Some("USD"),
            None,
        ),
        (
            "Tokay gecko 15.00 USD/pc",
            None,
            Some("15.00"),
            Some("USD"),
            None,
        ),
        (
            "Macaw pair 4.500,00 EUR",
            None,
            Some("4500.00"),
            Some("EUR"),
            None,
        ),
        (
            "Harga Rp 2.500.000",
            None,
            Some("2500000"),
            Some("IDR"),
            None,
        ),
        (
            "Giá: 1.500.000 VNĐ",
            None,
            Some("1500000"),
            Some("VND"),
            None,
        ),
        ("Giá 1tr500", None, Some("1500000"), None, None),
        (
            "Giá 1tr5",
            Some("Vietnam"),
            Some("1500000"),
            Some("VND"),
            None,
        ),
        ("Bán rùa 500k", None, Some("500000"), None, None),
        ("1k5", None, Some("1500"), None, None),
        ("售价 ¥12000", None, Some("12000"), Some("CNY"), None),
        (
            "価格 ¥12,000（税込）",
            None,
            Some("12000"),
            Some("JPY"),
            None,
        ),
        ("3.500 Kč/ks", None, Some("3500"), Some("CZK"), None),
        ("Rs.1,00,000/-", None, Some("100000"), Some("INR"), None),
        (
            "100 EUR (approx. $110)",
            None,
            Some("100"),
            Some("EUR"),
            None,
        ),
        ("Model 2020 £300", None, Some("300"), Some("GBP"), None),
        (
            "CITES 2019/123 - price 1 200 €",
            None,
            Some("1200"),
            Some("EUR"),
            None,
        ),
        ("Age 3 years, 450 EUR", None, Some("450"), Some("EUR"), None),
        (
            "Call 07700 900123 £250",
            None,
            Some("250"),
            Some("GBP"),
            None,
        ),
        ("10 € 20", None, Some("10"), Some("EUR"), None),
        (
            "250 GBP + 15 GBP postage",
            None,
            Some("250"),
            Some("GBP"),
            None,
        ),
        ("£5 each or 3 for £12", None, Some("5"), Some("GBP"), None),
        ("1,500/= KSh", None, Some("1500"), Some("KES"), None),
        ("75 euros chacune", None, Some("75"), Some("EUR"), None),
        ("Nur 99,- €", None, Some("99"), Some("EUR"), None),
        ("¥ 1,500 / pc", None, Some("1500"), Some("JPY"), None),
    ]);
}

/// Every format named in issue #4, as real listings write them
/// (no-break and narrow no-break spaces included).
#[test]
fn issue_4_formats() {
    run(&[
        ("₹1,25,000", None, Some("125000"), Some("INR"), None),
        (
            "Rs. 1,25,000/-",
            Some("India"),
            Some("125000"),
            Some("INR"),
            None,
        ),
        (
            "₹ 12,50,000.00",
            None,
            Some("1250000.00"),
            Some("INR"),
            None,
        ),
        ("1’299.50 CHF", None, Some("1299.50"), Some("CHF"), None),
        ("CHF 1'299.50", None, Some("1299.50"), Some("CHF"), None),
        ("1 299,00 €", None, Some("1299.00"), Some("EUR"), None),
        (
            "1\u{a0}299,00\u{a0}€",
            None,
            Some("1299.00"),
            Some("EUR"),
            None,
        ),
        (
            "1\u{202f}299,00 €",
            None,
            Some("1299.00"),
            Some("EUR"),
            None,
        ),
        ("R$ 1.299,00", None, Some("1299.00"), Some("BRL"), None),
        ("R$1.299", None, Some("1299"), Some("BRL"), None),
        ("2 500 руб.", None, Some("2500"), Some("RUB"), None),
        ("2500 ₽", None, Some("2500"), Some("RUB"), None),
        ("1.200 zł", None, Some("1200"), Some("PLN"), None),
        ("450 Kč", None, Some("450"), Some("CZK"), None),
        ("kr 1.200,-", Some("NOK"), Some("1200"), Some("NOK"), None),
        (
            "kr 1.200,-",
            Some("Norway"),
            Some("1200"),
            Some("NOK"),
            None,
        ),
        (
            "kr 1.200,-",
            Some("Denmark"),
            Some("1200"),
            Some("DKK"),
            None,
        ),
        ("US$ 1,299.99", None, Some("1299.99"), Some("USD"), None),
        ("US$950", None, Some("950"), Some("USD"), None),
        ("$1,299", Some("AUD"), Some("1299"), Some("AUD"), None),
        (
            "$1,299",
            Some("New Zealand"),
            Some("1299"),
            Some("NZD"),
            None,
        ),
        ("£1,250", None, Some("1250"), Some("GBP"), None),
        ("¥150,000", Some("JPY"), Some("150000"), Some("JPY"), None),
        ("€100 - €150", None, Some("100"), Some("EUR"), Some("150")),
        ("100–150 €", None, Some("100"), Some("EUR"), Some("150")),
        ("POA", None, None, None, None),
        ("Price: POA", None, None, None, None),
        ("Make an offer", None, None, None, None),
        ("make an offer!", None, None, None, None),
        ("Free", None, None, None, None),
        ("FREE to a good home", None, None, None, None),
        ("Price on request", None, None, None, None),
        ("Price on Request", Some("EUR"), None, None, None),
    ]);
}

#[test]
fn fuzz_never_panics() {
    // Deterministic pseudo-random strings over characters that stress
    // every branch: digits, separators, signs, letters, CJK, RTL.
    const ALPHABET: &[char] = &[
        '0', '1', '5', '9', '.', ',', '\'', '’', ' ', '\u{a0}', '\u{202f}', '-', '–', '~', '/',
        '=', ':', '$', '€', '£', '¥', '₹', '₽', '₫', 'R', 's', 'k', 'm', 'M', 'K', 'r', 'p', 'x',
        'E', 'U', 'D', 'S', 'C', 'H', 'F', '元', '万', 'đ', 'د', '.', 'إ', 'ر', 'б', 'у', 'р', 'ł',
        'z', 'č', 't', 'o', 'a', '٫', '٣', '１',
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let hints = [
        None,
        Some("AUD"),
        Some("Norway"),
        Some("KWD"),
        Some("China"),
    ];
    for round in 0..4_000 {
        let len = usize::try_from(next() % 24).unwrap_or(0);
        let text: String = (0..len)
            .map(|_| ALPHABET[usize::try_from(next()).unwrap_or(0) % ALPHABET.len()])
            .collect();
        let p = parse_price(&text, hints[round % hints.len()]);
        if let (Some(lo), Some(hi)) = (p.amount, p.amount_max) {
            assert!(lo < hi, "{text:?}: range not ordered");
        }
        if let Some(a) = p.amount {
            assert!(!a.is_sign_negative(), "{text:?}: negative amount");
        }
    }
}
