//! Input generators for the fuzz targets: random text over alphabets
//! that stress each parser, grammar-made inputs (prices with a known
//! amount, robots.txt groups, sitemaps with known entries, tag soup with
//! structured data), and mutations of real inputs (the extractor's fixture
//! pages): byte flips, cuts, repeats and splices.
//!
//! An input is bytes. Where a target checks a result against what the
//! generator meant (an oracle), the input says so itself: a first line
//! `=<expected>` then the text, so a kept regression file stays
//! self-describing.

use std::io::Write;
use std::path::PathBuf;
use std::sync::LazyLock;

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

/// Picks one of `items`.
pub fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("non-empty")
}

/// A string of `0..max` characters drawn from `alphabet`.
pub fn text(rng: &mut StdRng, alphabet: &[&str], max: usize) -> String {
    let n = rng.random_range(0..max.max(1));
    (0..n).map(|_| *pick(rng, alphabet)).collect()
}

/// Byte-level mutations: flip, insert, delete, repeat a slice, cut.
pub fn mutate(rng: &mut StdRng, mut b: Vec<u8>, rounds: usize) -> Vec<u8> {
    for _ in 0..rounds {
        if b.is_empty() {
            b.push(rng.random());
            continue;
        }
        let i = rng.random_range(0..b.len());
        match rng.random_range(0..6) {
            0 => b[i] = rng.random(),
            1 => b.insert(i, *pick(rng, b"<>/&;\"'=!-[]{}\\\0\xff\xc3")),
            2 => {
                let j = rng.random_range(i..=b.len().min(i + 64));
                b.drain(i..j);
            }
            3 => {
                // Repeat a short slice many times (deep nesting, long runs).
                let j = rng.random_range(i..=b.len().min(i + 32));
                let piece = b[i..j].to_vec();
                let times = *pick(rng, &[2usize, 10, 100, 1000]);
                let mut rep = Vec::with_capacity(piece.len() * times);
                for _ in 0..times {
                    rep.extend_from_slice(&piece);
                }
                b.splice(i..i, rep);
            }
            4 => b.truncate(i),
            _ => {
                let j = rng.random_range(0..b.len());
                b.swap(i, j);
            }
        }
        if b.len() > 4 << 20 {
            b.truncate(4 << 20);
        }
    }
    b
}

/// `=<expected>\n<text>` (see the module doc).
pub fn with_oracle(expected: &str, text: &str) -> Vec<u8> {
    format!("={expected}\n{text}").into_bytes()
}

/// Splits an input into its oracle line (if any) and its text.
pub fn oracle(input: &[u8]) -> (Option<String>, String) {
    let s = String::from_utf8_lossy(input).into_owned();
    if let Some(rest) = s.strip_prefix('=')
        && let Some((want, text)) = rest.split_once('\n')
    {
        return (Some(want.to_string()), text.to_string());
    }
    (None, s)
}

// ------------------------------------------------------------ prices

const PRICE_CHARS: &[&str] = &[
    "0", "1", "5", "9", ".", ",", "'", "’", " ", "\u{a0}", "\u{202f}", "-", "–", "~", "/", "=",
    ":", "$", "€", "£", "¥", "₹", "₽", "₫", "R", "s", "k", "m", "M", "K", "r", "p", "x", "E", "U",
    "D", "S", "C", "H", "F", "元", "万", "đ", "د", ".", "إ", "ر", "б", "у", "р", "ł", "z", "č",
    "t", "o", "a", "٫", "٣", "１", "EUR", "USD", "GBP", "Rs.", "lakh", "crore", "POA", "each",
    "from", "\u{0}", "\u{feff}", "𝟗", "½", "e9", "1e400",
];

/// A price text: random over the price alphabet, or a formatted amount
/// the parser must read back exactly (with an oracle).
pub fn price(rng: &mut StdRng) -> Vec<u8> {
    if rng.random_bool(0.4) {
        let units: u64 = rng.random_range(0..1_000_000_000);
        let cents: u64 = rng.random_range(0..100);
        let with_cents = rng.random_bool(0.6);
        let amount = if with_cents {
            format!("{units}.{cents:02}")
        } else {
            units.to_string()
        };
        // (group separator, decimal separator)
        let (group, dec) = *pick(
            rng,
            &[
                (",", "."),
                (".", ","),
                ("\u{a0}", ","),
                ("\u{202f}", ","),
                (" ", ","),
                ("'", "."),
                ("", "."),
            ],
        );
        let grouped = {
            let digits = units.to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    out.push_str(group);
                }
                out.push(c);
            }
            out
        };
        // Without cents, a single group separator could be a decimal one
        // ("1.250"): only unambiguous forms are generated.
        let number = if with_cents {
            format!("{grouped}{dec}{cents:02}")
        } else if units < 1000 || group.is_empty() {
            units.to_string()
        } else {
            format!("{grouped}{dec}00")
        };
        let amount = if !with_cents && units >= 1000 && !group.is_empty() {
            format!("{units}.00")
        } else {
            amount
        };
        let (cur, sym, before) = *pick(
            rng,
            &[
                ("EUR", "€", true),
                ("EUR", "€", false),
                ("EUR", "EUR", false),
                ("GBP", "£", true),
                ("USD", "US$", true),
                ("USD", "USD", false),
                ("CHF", "CHF", true),
                ("GBP", "GBP", false),
            ],
        );
        let space = *pick(rng, &["", " ", "\u{a0}"]);
        let text = if before {
            format!("{sym}{space}{number}")
        } else {
            format!("{number}{space}{sym}")
        };
        return with_oracle(&format!("{amount} {cur}"), &text);
    }
    let hint = *pick(rng, &["", "AUD", "Norway", "KWD", "China", "JPY", "xx"]);
    let t = text(rng, PRICE_CHARS, 24);
    let mut out = format!("{hint}\t{t}").into_bytes();
    if rng.random_bool(0.2) {
        out = mutate(rng, out, 3);
    }
    out
}

// ------------------------------------------------------------ quantities

const QTY_CHARS: &[&str] = &[
    "0", "1", "2", "3", "9", " ", "x", "×", "X", "pcs", "pc", "pieces", "pair", "pairs", "lot",
    "of", "set", "Stück", "шт", "只", "个", "件", "十", "百", "千", "两", "二", "ekor", "con", "€",
    "$", "kg", "g", "cm", ",", ".", "-", "/", "(", ")", "dozen", "two", "three", "twelve", "İ",
    "🦜", "\u{0}", "１", "٣",
];

/// A title: random over the quantity alphabet, or a count stated in a
/// way the parser must read back (with an oracle).
pub fn quantity(rng: &mut StdRng) -> Vec<u8> {
    if rng.random_bool(0.4) {
        let n: u32 = rng.random_range(2..1000);
        let thing = *pick(
            rng,
            &[
                "ivory beads",
                "Testudo hermanni",
                "rhino horn beads",
                "bangles",
            ],
        );
        let t = match rng.random_range(0..6) {
            0 => format!("{n} pcs {thing}"),
            1 => format!("{thing} x{n}"),
            2 => format!("Lot of {n} {thing}"),
            3 => format!("Set of {n} {thing}"),
            4 => format!("{n}x {thing}"),
            _ => format!("{thing} {n} pieces"),
        };
        return with_oracle(&n.to_string(), &t);
    }
    let mut out = text(rng, QTY_CHARS, 20).into_bytes();
    if rng.random_bool(0.2) {
        out = mutate(rng, out, 3);
    }
    out
}

// ------------------------------------------------------------ robots.txt

const PATH_CHARS: &[&str] = &[
    "/", "a", "b", "ad", "x", "*", "$", "?", "=", "&", "%", "%2F", "%c3%b1", "%C3%B1", "ñ", ".",
    "-", "_", "#", " ", ";", "~",
];

/// A robots.txt body, `\0`, then a URL path to match (and the agent:
/// `wildtrace` or another token).
pub fn robots(rng: &mut StdRng) -> Vec<u8> {
    let mut body = String::new();
    if rng.random_bool(0.1) {
        body.push('\u{feff}');
    }
    for _ in 0..rng.random_range(0..6) {
        for _ in 0..rng.random_range(1..3) {
            let agent = *pick(rng, &["*", "wildtrace", "WildTrace", "other", "wild", ""]);
            body.push_str(&format!("User-agent: {agent}\n"));
        }
        for _ in 0..rng.random_range(0..6) {
            let key = *pick(
                rng,
                &[
                    "Disallow",
                    "Allow",
                    "disallow",
                    "Crawl-delay",
                    "Sitemap",
                    "Noindex",
                    "Dissalow",
                    "",
                ],
            );
            let value = if key == "Crawl-delay" {
                pick(rng, &["1", "0.5", "-3", "1e9", "abc", ""]).to_string()
            } else {
                text(rng, PATH_CHARS, 12)
            };
            let eol = *pick(rng, &["\n", "\r\n", "\r", " # note\n"]);
            body.push_str(&format!("{key}:{value}{eol}"));
        }
    }
    let mut b = body.into_bytes();
    if rng.random_bool(0.2) {
        b = mutate(rng, b, 4);
    }
    b.retain(|c| *c != 0);
    b.push(0);
    b.extend_from_slice(text(rng, PATH_CHARS, 16).as_bytes());
    b
}

// ------------------------------------------------------------ sitemaps

/// A sitemap: a `<urlset>` or `<sitemapindex>` with known entries (the
/// oracle: how many), a text sitemap, entity and nesting attacks, random
/// bytes; any of them gzipped (whole, cut or corrupted) now and then.
pub fn sitemap(rng: &mut StdRng) -> Vec<u8> {
    let n = rng.random_range(0..40);
    let locs: Vec<String> = (0..n)
        .map(|i| format!("https://example.org/ad/{i}?q={}", rng.random::<u16>()))
        .collect();
    let (mut body, want) = match rng.random_range(0..7) {
        0 | 1 => {
            let entries: String = locs
                .iter()
                .map(|l| {
                    let l = l.replace('&', "&amp;");
                    match rng.random_range(0..3) {
                        0 => format!(
                            "<url><loc>{l}</loc><lastmod>2024-01-0{}</lastmod></url>",
                            1 + rng.random_range(0..9)
                        ),
                        1 => format!("<url>\n  <loc> {l} </loc>\n</url>"),
                        _ => format!("<url><loc><![CDATA[{l}]]></loc></url>"),
                    }
                })
                .collect();
            let ns = *pick(
                rng,
                &[
                    " xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"",
                    "",
                    " xmlns:x=\"urn:x\"",
                ],
            );
            (
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset{ns}>{entries}</urlset>"
                ),
                Some(format!("urls {n}")),
            )
        }
        2 => {
            let entries: String = locs
                .iter()
                .map(|l| format!("<sitemap><loc>{}</loc></sitemap>", l.replace('&', "&amp;")))
                .collect();
            (
                format!("<sitemapindex>{entries}</sitemapindex>"),
                Some(format!("children {n}")),
            )
        }
        3 => (
            locs.join(*pick(rng, &["\n", "\r\n"])),
            Some(format!("urls {n}")),
        ),
        4 => {
            // Billion laughs and friends.
            let lol = "<!DOCTYPE u [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>";
            let depth = *pick(rng, &[10usize, 1000, 100_000]);
            let attack = match rng.random_range(0..3) {
                0 => format!("{lol}<urlset><url><loc>&d;</loc></url></urlset>"),
                1 => format!(
                    "<urlset>{}{}</urlset>",
                    "<url>".repeat(depth),
                    "</url>".repeat(depth)
                ),
                _ => format!(
                    "<urlset><url><loc>https://e.org/{}</loc></url></urlset>",
                    "&amp;".repeat(depth)
                ),
            };
            (attack, None)
        }
        5 => {
            let n = rng.random_range(0..512);
            ((0..n).map(|_| rng.random::<u8>() as char).collect(), None)
        }
        _ => {
            let base = format!(
                "<urlset><url><loc>{}</loc></url></urlset>",
                locs.first().cloned().unwrap_or_default()
            );
            (
                String::from_utf8_lossy(&mutate(rng, base.into_bytes(), 6)).into_owned(),
                None,
            )
        }
    };
    let mut want = want;
    let mut bytes = std::mem::take(&mut body).into_bytes();
    if rng.random_bool(0.25) {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&bytes).unwrap();
        bytes = enc.finish().unwrap();
        match rng.random_range(0..4) {
            0 => {
                bytes.truncate(rng.random_range(0..=bytes.len()));
                want = None;
            }
            1 => {
                bytes = mutate(rng, bytes, 2);
                want = None;
            }
            _ => {}
        }
    }
    match want {
        Some(w) => {
            let mut out = format!("={w}\n").into_bytes();
            out.extend_from_slice(&bytes);
            out
        }
        None => bytes,
    }
}

// ------------------------------------------------------------ HTML

const TAGS: &[&str] = &[
    "div",
    "span",
    "p",
    "a",
    "b",
    "i",
    "font",
    "table",
    "tr",
    "td",
    "th",
    "tbody",
    "ul",
    "ol",
    "li",
    "select",
    "option",
    "form",
    "button",
    "svg",
    "math",
    "path",
    "template",
    "script",
    "style",
    "textarea",
    "title",
    "noscript",
    "iframe",
    "plaintext",
    "xmp",
    "h1",
    "img",
    "br",
    "meta",
    "link",
    "body",
    "html",
    "head",
    "frameset",
    "caption",
    "colgroup",
    "dl",
    "dd",
    "dt",
    "nobr",
    "object",
    "marquee",
    "ruby",
    "rt",
    "annotation-xml",
    "foreignObject",
    "desc",
    "image",
];

const ATTRS: &[&str] = &[
    "class=price",
    "class=seller",
    "itemscope",
    "itemtype=http://schema.org/Product",
    "itemprop=name",
    "itemprop=price",
    "itemprop=offers",
    "content=12.50",
    "property=og:title",
    "property=og:price:amount",
    "href=/ad/1",
    "href='javascript:x'",
    "rel=next",
    "lang=en",
    "type=application/ld+json",
    "a",
    "a=\"&amp;&#x0;&#1114112;&bogus;\"",
    "x=1 x=2",
];

fn jsonld(rng: &mut StdRng) -> String {
    let v = *pick(
        rng,
        &[
            r#"{"@type":"Product","name":"Ivory &amp; bangle","offers":{"price":"12.5","priceCurrency":"EUR"}}"#,
            r#"[{"@graph":[{"@type":"Product","name":"x","offers":[{"price":1},{"lowPrice":"2","highPrice":"3"}]}]}]"#,
            r#"{"@type":["Product","Thing"],"name":{"@value":"y"},"offers":{"@type":"AggregateOffer"}}"#,
            r#"{"@type":"Product","name":"<div><div><div>deep &amp;","offers":"#,
            r#"{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
            "{,,,\"@type\":'Product',}",
        ],
    );
    v.to_string()
}

/// Tag soup: random tags (balanced or not), attributes, text with
/// entities, JSON-LD blocks; sometimes one construct repeated thousands
/// of times.
fn soup(rng: &mut StdRng) -> String {
    let mut s = String::from("<!doctype html>");
    let mut open: Vec<&str> = Vec::new();
    for _ in 0..rng.random_range(1..300) {
        match rng.random_range(0..10) {
            0..=3 => {
                let t = *pick(rng, TAGS);
                let attrs: String = (0..rng.random_range(0..3))
                    .map(|_| format!(" {}", pick(rng, ATTRS)))
                    .collect();
                let close = if rng.random_bool(0.1) { "/" } else { "" };
                s.push_str(&format!("<{t}{attrs}{close}>"));
                open.push(t);
            }
            4 | 5 => {
                let t = if rng.random_bool(0.7) {
                    open.pop().unwrap_or("div")
                } else {
                    pick(rng, TAGS)
                };
                s.push_str(&format!("</{t}>"));
            }
            6 => s.push_str(&format!(
                "<script type=application/ld+json>{}</script>",
                jsonld(rng)
            )),
            7 => s.push_str(pick::<&str>(
                rng,
                &[
                    "&amp;",
                    "&lt;",
                    "&#0;",
                    "&#x110000;",
                    "&nbsp",
                    "<!--",
                    "-->",
                    "<![CDATA[",
                    "]]>",
                    "<?x?>",
                    "\0",
                    "€ 1.250,50",
                ],
            )),
            8 => {
                let piece = *pick(
                    rng,
                    &[
                        "<div>",
                        "<b>",
                        "<table><td>",
                        "<font a=1>",
                        "<p><button>",
                        "<svg><div/>",
                        "<a href=/ad/2>",
                        "<li><span>",
                    ],
                );
                let times = *pick(rng, &[10usize, 600, 5_000]);
                s.push_str(&piece.repeat(times));
            }
            _ => s.push_str(pick::<&str>(
                rng,
                &[
                    "Pangolin scales",
                    " lot of 12 ",
                    "trader7",
                    "🦜",
                    "שלום",
                    "\u{feff}",
                ],
            )),
        }
    }
    s
}

/// The extractor's fixture pages, read once.
static FIXTURES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let dir: PathBuf = crate::support::manifest_dir().join("tests/fixtures/pages");
    let mut out: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    out.sort();
    out
});

/// A page: tag soup, or a fixture page mutated (flips, cuts, repeats,
/// splices of soup).
pub fn html(rng: &mut StdRng) -> Vec<u8> {
    if rng.random_bool(0.5) {
        return soup(rng).into_bytes();
    }
    let mut page = pick(rng, &FIXTURES).clone();
    if rng.random_bool(0.5) {
        let at = rng.random_range(0..=page.len());
        let extra = soup(rng).into_bytes();
        page.splice(at..at, extra);
    }
    let rounds = rng.random_range(1..8);
    mutate(rng, page, rounds)
}
