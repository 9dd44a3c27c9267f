//! The species lexicon: the shipped `data/reference/lexicon.toml` against the
//! demo vocabulary (every title phrase), decoys, multilingual names, code
//! words, the classification rules, and errors for malformed lexicon files.

use std::path::Path;
use std::sync::OnceLock;

use wildtrace_analysis::{AnalysisError, Classification, Confidence, Lexicon};

use crate::support;

fn lexicon() -> &'static Lexicon {
    static LEX: OnceLock<Lexicon> = OnceLock::new();
    LEX.get_or_init(|| Lexicon::load(&support::lexicon_path()).expect("shipped lexicon loads"))
}

fn classify(text: &str) -> Classification {
    lexicon().classify(text)
}

/// One row of the table in `data/reference/demo-vocabulary.md`.
#[derive(Debug)]
struct DemoKind {
    kind: String,
    group: Option<String>,
    confidence: Confidence,
    products: Vec<String>,
    phrases: Vec<String>,
}

fn demo_kinds() -> Vec<DemoKind> {
    let text =
        std::fs::read_to_string(support::repo().join("data/reference/demo-vocabulary.md")).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if !line.starts_with('|') || line.starts_with("| kind") || line.starts_with("|---") {
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 7, "unexpected vocabulary row: {line}");
        let dash = |s: &str| (s != "-").then(|| s.to_string());
        let confidence = match cells[3] {
            "confirmed" => Confidence::Confirmed,
            "suspected" => Confidence::Suspected,
            "decoy" => Confidence::Decoy,
            other => panic!("unknown confidence {other}"),
        };
        let products = if cells[4] == "-" {
            vec![]
        } else {
            cells[4].split('/').map(|p| p.trim().to_string()).collect()
        };
        let phrases: Vec<String> = cells[5]
            .split('"')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, p)| p.to_string())
            .collect();
        out.push(DemoKind {
            kind: cells[0].to_string(),
            group: dash(cells[1]),
            confidence,
            products,
            phrases,
        });
    }
    out
}

#[test]
fn the_shipped_lexicon_loads_and_covers_the_demo_groups() {
    let lex = lexicon();
    assert_eq!(lex.version(), "0.1.0");
    let (taxa, terms, forms) = lex.counts();
    assert!(taxa >= 30, "only {taxa} taxa");
    assert!(terms >= 300, "only {terms} terms");
    assert!(forms >= terms, "{forms} forms < {terms} terms");
    assert_eq!(lex.sha256().len(), 64);
    let groups = lex.taxon_groups();
    for g in [
        "Elephants",
        "Rhinoceroses",
        "Pangolins",
        "Big cats",
        "Parrots",
        "Tortoises and freshwater turtles",
        "Snakes",
        "Hornbills",
        "Sea turtles",
    ] {
        assert!(groups.iter().any(|x| x == g), "missing group {g}");
    }
}

#[test]
fn every_demo_vocabulary_phrase_gets_its_group_confidence_and_product() {
    let kinds = demo_kinds();
    assert_eq!(kinds.len(), 20, "demo vocabulary kinds");
    assert_eq!(
        kinds.iter().map(|k| k.phrases.len()).sum::<usize>(),
        42,
        "demo title phrases"
    );
    let descriptions = [
        "",
        "Genuine, old stock. Pair.",
        "Antique, pre-1947, with certificate. x3",
        "5 pcs, lot of 12. Contact [email masked] / [phone masked] / @[handle masked]",
    ];
    let mut failures = Vec::new();
    for k in &kinds {
        for phrase in &k.phrases {
            for d in descriptions {
                let c = classify(&format!("{phrase}\n{d}"));
                let product_ok = if k.products.is_empty() {
                    c.product_type.is_none()
                } else {
                    c.product_type
                        .as_ref()
                        .is_some_and(|p| k.products.contains(p))
                };
                let taxon_ok = (c.confidence == Confidence::Confirmed) == c.taxon.is_some();
                if c.confidence != k.confidence
                    || c.taxon_group != k.group
                    || !product_ok
                    || !taxon_ok
                {
                    failures.push(format!(
                        "{} {phrase:?} + {d:?}: got {:?}/{:?}/{:?}/{:?} want {:?}/{:?}/{:?} (matched {:?})",
                        k.kind,
                        c.confidence,
                        c.taxon_group,
                        c.product_type,
                        c.taxon,
                        k.confidence,
                        k.group,
                        k.products,
                        c.matched_terms
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn demo_phrases_name_the_expected_taxa() {
    let cases = [
        (
            "Elephant ivory bangle",
            "Elephantidae",
            Some("ivory"),
            false,
        ),
        (
            "African elephant tusk",
            "Loxodonta africana",
            Some("ivory"),
            false,
        ),
        ("象牙手镯", "Elephantidae", Some("ivory"), false),
        ("Rhino horn cup", "Rhinocerotidae", Some("horn"), false),
        ("犀牛角", "Rhinocerotidae", Some("horn"), false),
        ("Pangolin scales", "Manidae", Some("scales"), false),
        ("Tiger skin rug", "Panthera tigris", Some("skin"), false),
        (
            "Tiger tooth pendant",
            "Panthera tigris",
            Some("tooth"),
            false,
        ),
        ("Peau de léopard", "Panthera pardus", Some("skin"), false),
        (
            "African grey parrot",
            "Psittacus erithacus",
            Some("live"),
            true,
        ),
        (
            "Papagaio-cinzento",
            "Psittacus erithacus",
            Some("live"),
            true,
        ),
        ("Graupapagei", "Psittacus erithacus", Some("live"), true),
        (
            "Yellow-crested cockatoo chicks",
            "Cacatua sulphurea",
            Some("live"),
            true,
        ),
        (
            "Indian star tortoise",
            "Geochelone elegans",
            Some("live"),
            true,
        ),
        (
            "Tortuga estrellada de la India",
            "Geochelone elegans",
            Some("live"),
            true,
        ),
        (
            "Radiated tortoise hatchlings",
            "Astrochelys radiata",
            Some("live"),
            true,
        ),
        ("Ball python", "Python regius", Some("live"), true),
        ("Königspython", "Python regius", Some("live"), true),
        (
            "Helmeted hornbill casque",
            "Rhinoplax vigil",
            Some("casque"),
            false,
        ),
        (
            "Hawksbill shell bracelet",
            "Eretmochelys imbricata",
            Some("shell"),
            false,
        ),
    ];
    for (text, taxon, product, live) in cases {
        let c = classify(text);
        assert_eq!(c.confidence, Confidence::Confirmed, "{text}: {c:?}");
        assert_eq!(c.taxon.as_deref(), Some(taxon), "{text}: {c:?}");
        assert_eq!(c.product_type.as_deref(), product, "{text}: {c:?}");
        assert_eq!(c.live, live, "{text}: {c:?}");
    }
}

#[test]
fn decoys_never_match_a_taxon() {
    let decoys = [
        "Faux ivory bangle",
        "Ivory colour silk scarf",
        "French ivory comb",
        "Resin elephant figurine",
        "Replica rhino horn, resin",
        "Tiger balm ointment 30g",
        "Plastic python toy",
        "Elephant ivory bangle, resin",
        "Tiger's eye bracelet",
        "Leopard print scarf",
        "Ivory white wedding dress",
        "Vegetable ivory (tagua) buttons",
        "Mock croc handbag, crocodile embossed",
        "象牙白 手机壳",
        "仿象牙 手镯",
        "Tigerbalsam 30 g",
        "Baume du tigre",
        "Pulsera de resina, marfil",
    ];
    for text in decoys {
        let c = classify(text);
        assert_eq!(c.confidence, Confidence::Decoy, "{text}: {c:?}");
        assert_eq!(c.taxon_group, None, "{text}");
        assert_eq!(c.taxon, None, "{text}");
        assert_eq!(c.product_type, None, "{text}");
        assert!(!c.live);
    }
    // The names are still reported (for audit), the decoy cue among them.
    let c = classify("Elephant ivory bangle, resin");
    assert_eq!(c.matched_terms, vec!["elephant", "ivory", "resin"]);
}

#[test]
fn names_in_several_languages_and_scripts() {
    let cases: &[(&str, Option<&str>, Confidence, Option<&str>)] = &[
        (
            "Bracelet en IVOIRE d'ÉLÉPHANT",
            Some("Elephants"),
            Confidence::Confirmed,
            Some("Elephantidae"),
        ),
        // decomposed accents (NFD) normalise like precomposed ones
        (
            "bracelet en ivoire d'e\u{301}le\u{301}phant",
            Some("Elephants"),
            Confidence::Confirmed,
            Some("Elephantidae"),
        ),
        (
            "ＩＶＯＲＹ bangle",
            Some("Elephants"),
            Confidence::Suspected,
            None,
        ),
        (
            "Elfenbeinschnitzerei, antik",
            Some("Elephants"),
            Confidence::Suspected,
            None,
        ),
        (
            "Verkaufe Nashornpulver",
            Some("Rhinoceroses"),
            Confidence::Confirmed,
            Some("Rhinocerotidae"),
        ),
        (
            "Nashornvogel Schnitzerei",
            Some("Hornbills"),
            Confidence::Confirmed,
            Some("Bucerotidae"),
        ),
        (
            "Cuerno de rinoceronte blanco",
            Some("Rhinoceroses"),
            Confidence::Confirmed,
            Some("Ceratotherium simum"),
        ),
        (
            "Escamas de pangolín",
            Some("Pangolins"),
            Confidence::Confirmed,
            Some("Manidae"),
        ),
        (
            "Marfim antigo",
            Some("Elephants"),
            Confidence::Suspected,
            None,
        ),
        (
            "犀角杯 清代",
            Some("Rhinoceroses"),
            Confidence::Confirmed,
            Some("Rhinocerotidae"),
        ),
        (
            "出售穿山甲鳞片，量大从优",
            Some("Pangolins"),
            Confidence::Confirmed,
            Some("Manidae"),
        ),
        (
            "非洲灰鹦鹉 幼鸟",
            Some("Parrots"),
            Confidence::Confirmed,
            Some("Psittacus erithacus"),
        ),
        (
            "Bán sừng tê giác",
            Some("Rhinoceroses"),
            Confidence::Confirmed,
            Some("Rhinocerotidae"),
        ),
        (
            "Vòng tay ngà voi",
            Some("Elephants"),
            Confidence::Confirmed,
            Some("Elephantidae"),
        ),
        // Vietnamese tone letters are kept: "với" (with) is not "voi" (elephant)
        ("Bán với giá tốt", None, Confidence::None, None),
        (
            "Leopard tortoise hatchlings",
            Some("Tortoises and freshwater turtles"),
            Confidence::Confirmed,
            Some("Stigmochelys pardalis"),
        ),
        (
            "Rhinoceros hornbill casque",
            Some("Hornbills"),
            Confidence::Confirmed,
            Some("Buceros rhinoceros"),
        ),
        (
            "Snow leopard pelt",
            Some("Big cats"),
            Confidence::Confirmed,
            Some("Panthera uncia"),
        ),
        (
            "Dried seahorses 500g",
            Some("Seahorses"),
            Confidence::Confirmed,
            Some("Hippocampus"),
        ),
        (
            "Python regius, captive bred",
            Some("Snakes"),
            Confidence::Confirmed,
            Some("Python regius"),
        ),
    ];
    for (text, group, conf, taxon) in cases {
        let c = classify(text);
        assert_eq!(
            (c.taxon_group.as_deref(), c.confidence, c.taxon.as_deref()),
            (*group, *conf, *taxon),
            "{text}: {c:?}"
        );
    }
}

#[test]
fn neutral_phrases_mask_the_terms_inside_them() {
    for text in [
        "Côte d'Ivoire, sculpture en bois",
        "Shipping from Ivory Coast",
        "Mammoth ivory pendant",
        "Leopard gecko, captive bred",
        "Rhino beetle specimen",
        "Buffalo horn comb",
        "牦牛角梳子",
    ] {
        let c = classify(text);
        assert_eq!(c.confidence, Confidence::None, "{text}: {c:?}");
        assert_eq!(c.taxon_group, None, "{text}");
    }
}

#[test]
fn code_words_and_bare_products() {
    let cases: &[(&str, Option<&str>, Confidence, Option<&str>)] = &[
        (
            "White material bangle, genuine",
            Some("Elephants"),
            Confidence::Suspected,
            Some("ivory"),
        ),
        (
            "Yellow materials carving, old stock",
            Some("Elephants"),
            Confidence::Suspected,
            Some("ivory"),
        ),
        (
            "Black material, genuine, 200g",
            Some("Rhinoceroses"),
            Confidence::Suspected,
            Some("horn"),
        ),
        (
            "鹤顶红 挂件",
            Some("Hornbills"),
            Confidence::Suspected,
            Some("casque"),
        ),
        (
            "Antique tortoiseshell comb",
            Some("Sea turtles"),
            Confidence::Suspected,
            Some("shell"),
        ),
        (
            "Bear bile capsules",
            Some("Bears"),
            Confidence::Suspected,
            Some("bile"),
        ),
        (
            "Old ivory chopsticks",
            Some("Elephants"),
            Confidence::Suspected,
            Some("ivory"),
        ),
        // "horn" alone implies no group
        ("Carved horn cup", None, Confidence::None, Some("horn")),
        ("Tusk pendant", None, Confidence::None, Some("ivory")),
        ("Vintage wooden bowl", None, Confidence::None, None),
        ("", None, Confidence::None, None),
    ];
    for (text, group, conf, product) in cases {
        let c = classify(text);
        assert_eq!(
            (
                c.taxon_group.as_deref(),
                c.confidence,
                c.product_type.as_deref()
            ),
            (*group, *conf, *product),
            "{text}: {c:?}"
        );
        assert_eq!(c.taxon, None, "{text}");
    }
}

#[test]
fn the_first_name_by_position_wins_and_terms_are_reported_once() {
    let c = classify("Tiger claw and leopard skin");
    assert_eq!(c.taxon.as_deref(), Some("Panthera tigris"));
    assert_eq!(c.product_type.as_deref(), Some("claw"));
    let c = classify("Pangolin scales\nalso rhino horn");
    assert_eq!(c.taxon_group.as_deref(), Some("Pangolins"));
    assert_eq!(c.matched_terms, vec!["pangolin", "scales", "rhino", "horn"]);
    let c = classify("Ivory, ivory, IVORY!");
    assert_eq!(c.matched_terms, vec!["ivory"]);
    // a name beats a code word that comes earlier
    let c = classify("White material carving of an elephant");
    assert_eq!(c.confidence, Confidence::Confirmed);
    assert_eq!(c.taxon.as_deref(), Some("Elephantidae"));
    // the longest term wins at one position
    let c = classify("Tiger balm");
    assert_eq!(c.matched_terms, vec!["tiger balm"]);
    // word boundaries: no "horn" inside "hornbill", no "lion" inside "dandelion"
    assert_eq!(classify("Hornbill").taxon.as_deref(), Some("Bucerotidae"));
    assert_eq!(classify("dandelion tea").confidence, Confidence::None);
}

#[test]
fn confidence_serialises_lower_case() {
    let c = classify("Rhino horn cup");
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["confidence"], "confirmed");
    assert_eq!(json["taxon_group"], "Rhinoceroses");
    assert_eq!(serde_json::to_value(Confidence::None).unwrap(), "none");
    assert_eq!(serde_json::to_value(Confidence::Decoy).unwrap(), "decoy");
    assert_eq!(Confidence::Suspected.to_string(), "suspected");
}

const GOOD_HEAD: &str = r#"version = "1.2.3"

[[taxa]]
key = "elephantidae"
scientific_name = "Elephantidae"
rank = "family"
taxon_group = "Elephants"
cites_appendix = "I/II"
"#;

fn load_str(
    body: &str,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Result<Lexicon, AnalysisError>,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lexicon.toml");
    std::fs::write(&path, format!("{GOOD_HEAD}{body}")).unwrap();
    let r = Lexicon::load(&path);
    (dir, path, r)
}

fn expect_error(body: &str, want_line: usize, want_key: &str, want_msg: &str) {
    let (_dir, path, r) = load_str(body);
    let err = r.expect_err("malformed lexicon must not load");
    let text = err.to_string();
    match &err {
        AnalysisError::Lexicon {
            path: p,
            line,
            key,
            message,
            ..
        } => {
            assert_eq!(p, &path);
            assert_eq!((*line, key.as_str()), (want_line, want_key), "{text}");
            assert!(message.contains(want_msg), "{text}");
        }
        other => panic!("expected a lexicon error, got {other}"),
    }
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains(&format!(":{want_line}:")), "{text}");
    assert!(text.contains(want_key), "{text}");
}

// GOOD_HEAD is 8 lines; the body starts on line 9.
#[test]
fn a_bad_value_names_file_line_and_key() {
    expect_error(
        "\n[[terms]]\ntext = \"elephant\"\nlanguage = \"en\"\nkind = \"bogus\"\ntaxon = \"elephantidae\"\nsource = \"x\"\n",
        13,
        "terms[0].kind",
        "bogus",
    );
}

#[test]
fn an_unknown_taxon_names_file_line_and_key() {
    expect_error(
        "\n[[terms]]\ntext = \"elephant\"\nlanguage = \"en\"\nkind = \"common_name\"\nsource = \"x\"\n\n[[terms]]\ntext = \"dodo\"\nlanguage = \"en\"\nkind = \"common_name\"\ntaxon = \"raphus\"\nsource = \"x\"\n",
        11,
        "terms[0].taxon",
        "needs `taxon`",
    );
    expect_error(
        "\n[[terms]]\ntext = \"dodo\"\nlanguage = \"en\"\nkind = \"common_name\"\ntaxon = \"raphus\"\nsource = \"x\"\n",
        14,
        "terms[0].taxon",
        "no taxon with key \"raphus\"",
    );
}

#[test]
fn an_unknown_group_names_file_line_and_key() {
    expect_error(
        "\n[[terms]]\ntext = \"ivory\"\nlanguage = \"en\"\nkind = \"product\"\nproduct_type = \"ivory\"\ntaxon_group = \"Elephant\"\nsource = \"x\"\n",
        15,
        "terms[0].taxon_group",
        "no taxon has taxon_group \"Elephant\"",
    );
}

#[test]
fn missing_and_unknown_fields_name_the_key() {
    expect_error(
        "\n[[terms]]\ntext = \"elephant\"\nlanguage = \"en\"\nkind = \"common_name\"\ntaxon = \"elephantidae\"\n",
        10,
        "terms[0].source",
        "missing field `source`",
    );
    expect_error(
        "\n[[terms]]\ntext = \"elephant\"\nlanguage = \"en\"\nkind = \"common_name\"\ntaxon = \"elephantidae\"\nsource = \"x\"\ncolour = \"grey\"\n",
        16,
        "terms[0].colour",
        "unknown field `colour`",
    );
}

#[test]
fn a_syntax_error_names_the_line() {
    expect_error(
        "\n[[terms]]\ntext = \"elephant\nlanguage = \"en\"\n",
        11,
        "terms[0].text",
        "",
    );
}

#[test]
fn conflicting_duplicates_and_bad_versions_are_refused() {
    expect_error(
        "\n[[terms]]\ntext = \"elephant\"\nlanguage = \"en\"\nkind = \"common_name\"\ntaxon = \"elephantidae\"\nsource = \"x\"\n\n[[terms]]\ntext = \"ÉLÉPHANT\"\nlanguage = \"fr\"\nkind = \"decoy\"\nsource = \"x\"\n",
        18,
        "terms[1].text",
        "different meaning",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lexicon.toml");
    std::fs::write(&path, GOOD_HEAD.replace("1.2.3", "one")).unwrap();
    let err = Lexicon::load(&path).unwrap_err();
    assert!(
        matches!(&err, AnalysisError::Lexicon { line: 1, key, .. } if key == "version"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = Lexicon::load(Path::new("/nonexistent/lexicon.toml")).unwrap_err();
    assert!(matches!(err, AnalysisError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/lexicon.toml"));
}
