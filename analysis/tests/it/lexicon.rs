//! The species lexicon: the shipped `data/reference/lexicon.toml` against the
//! demo vocabulary (every title phrase), decoys, names in the nine supported
//! languages and scripts, code words, normalisation, the classification rules,
//! errors for malformed lexicon files, and `lexicon import` from Species+ and
//! GBIF backbone fixture files (`analysis/tests/fixtures/lexicon/`).

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
    assert_eq!(lex.version(), "0.3.0");
    let (taxa, terms, forms) = lex.counts();
    assert!(taxa >= 150, "only {taxa} taxa");
    assert!(terms >= 1500, "only {terms} terms");
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
    // 20 generator kinds, plus the row of elephant_ivory titles that name
    // only the word for ivory (suspected since lexicon 0.3.0).
    assert_eq!(kinds.len(), 21, "demo vocabulary kinds");
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
        // The word for ivory alone is a product word, as in every language
        // (lexicon 0.3.0): suspected, no taxon.
        (
            "Vòng tay ngà voi",
            Some("Elephants"),
            Confidence::Suspected,
            None,
        ),
        ("象牙手镯", Some("Elephants"), Confidence::Suspected, None),
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

// ---------------------------------------------------------------- 0.2.0

use wildtrace_analysis::lexicon::SUPPORTED_LANGUAGES;
use wildtrace_analysis::lexicon::bench;
use wildtrace_analysis::lexicon::import::{ImportOptions, import};

/// Taxa analysts ask about first: each must have names in all nine languages.
const KEY_TAXA: &[&str] = &[
    "elephantidae",
    "loxodonta_africana",
    "elephas_maximus",
    "rhinocerotidae",
    "ceratotherium_simum",
    "diceros_bicornis",
    "manidae",
    "manis_javanica",
    "panthera_tigris",
    "panthera_pardus",
    "panthera_leo",
    "panthera_uncia",
    "acinonyx_jubatus",
    "ursidae",
    "ursus_thibetanus",
    "saiga",
    "moschus",
    "psittaciformes",
    "psittacus_erithacus",
    "cacatuidae",
    "bucerotidae",
    "rhinoplax_vigil",
    "testudinidae",
    "geochelone_elegans",
    "astrochelys_radiata",
    "pythonidae",
    "python_regius",
    "chelonioidea",
    "eretmochelys_imbricata",
    "crocodylia",
    "hippocampus",
    "pan_troglodytes",
    "pongo",
    "nycticebus",
    "lutrinae",
    "falconiformes",
    "strigiformes",
    "chamaeleonidae",
    "varanus",
    "gekko_gecko",
    "dendrobatidae",
    "ambystoma_mexicanum",
    "andrias_davidianus",
    "carcharhinidae",
    "sphyrnidae",
    "mobulidae",
    "acipenseriformes",
    "scleropages_formosus",
    "anguilla_anguilla",
    "scleractinia",
    "tridacnidae",
];

#[test]
fn every_taxon_has_the_nine_languages_or_declares_the_gap() {
    let taxa = lexicon().taxa();
    assert!(taxa.len() >= 150, "only {} taxa", taxa.len());
    let mut problems = Vec::new();
    for t in &taxa {
        for lang in SUPPORTED_LANGUAGES {
            let named = t.name_languages.contains(*lang);
            let declared = t.lacks_names_in.iter().any(|l| l == lang);
            if named == declared {
                problems.push(format!(
                    "{} ({}): {lang} named={named} declared-lacking={declared}",
                    t.key, t.scientific_name
                ));
            }
        }
        assert!(
            t.source.as_deref().is_some_and(|s| s.contains("CITES")),
            "{} has no CITES source",
            t.key
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for key in KEY_TAXA {
        let t = taxa
            .iter()
            .find(|t| t.key == *key)
            .unwrap_or_else(|| panic!("key taxon {key} missing"));
        assert!(
            t.lacks_names_in.is_empty(),
            "{key} lacks {:?}",
            t.lacks_names_in
        );
    }
    // The groups the issue names are all there.
    let groups = lexicon().taxon_groups();
    for g in [
        "Elephants",
        "Rhinoceroses",
        "Pangolins",
        "Big cats",
        "Bears",
        "Primates",
        "Parrots",
        "Raptors",
        "Hornbills",
        "Songbirds",
        "Tortoises and freshwater turtles",
        "Sea turtles",
        "Crocodilians",
        "Snakes",
        "Lizards",
        "Amphibians",
        "Sharks and rays",
        "Marine fishes",
        "Corals",
        "Seahorses",
    ] {
        assert!(groups.iter().any(|x| x == g), "missing group {g}");
    }
}

#[test]
fn stats_count_names_per_group_and_language() {
    let stats = lexicon().stats();
    assert_eq!(stats.version, "0.3.0");
    assert_eq!(stats.taxa, lexicon().taxa().len());
    let elephants = &stats.groups["Elephants"];
    assert_eq!(elephants.taxa, 3);
    for lang in SUPPORTED_LANGUAGES {
        assert!(
            elephants.names.get(*lang).copied().unwrap_or(0) >= 1,
            "no {lang} elephant names"
        );
        let kinds = &stats.languages[*lang];
        assert!(
            kinds.get("common_name").copied().unwrap_or(0) >= 50,
            "{lang}: {kinds:?}"
        );
    }
    assert!(stats.sources["common usage (needs native-speaker review)"] > 500);
    for kind in [
        "product",
        "code_word",
        "context",
        "decoy",
        "legality",
        "neutral",
    ] {
        assert!(
            stats.languages["en"].get(kind).copied().unwrap_or(0) >= 1,
            "no en {kind}"
        );
    }
}

/// Realistic listing titles in every supported language and script.
#[test]
fn listing_titles_in_every_language_name_the_right_taxa() {
    // (title, scientific name, product type)
    let cases: &[(&str, &str, Option<&str>)] = &[
        // en
        (
            "Genuine African grey parrot, hand reared, DNA sexed",
            "Psittacus erithacus",
            Some("live"),
        ),
        (
            "Shark fin and sea cucumber, great white shark tooth necklace",
            "Carcharodon carcharias",
            Some("fin"),
        ),
        (
            "Komodo dragon skin, real komodo monitor",
            "Varanus komodoensis",
            Some("skin"),
        ),
        (
            "Captive bred axolotl babies, leucistic",
            "Ambystoma mexicanum",
            Some("live"),
        ),
        (
            "Asian small-clawed otter pups for sale",
            "Aonyx cinereus",
            Some("live"),
        ),
        (
            "Narwhal tusk, 180 cm, Inuit carved",
            "Monodon monoceros",
            Some("ivory"),
        ),
        (
            "Beluga caviar 50g tin, Iranian",
            "Huso huso",
            Some("caviar"),
        ),
        (
            "Super red Asian arowana 30cm with chip",
            "Scleropages formosus",
            Some("live"),
        ),
        // fr
        (
            "Vends défense d'éléphant d'Afrique, 12 kg",
            "Loxodonta africana",
            Some("ivory"),
        ),
        (
            "Cacatoès des Moluques, bébé élevé à la main",
            "Cacatua moluccensis",
            Some("live"),
        ),
        (
            "Peau de lion avec tête, trophée",
            "Panthera leo",
            Some("skin"),
        ),
        // de
        (
            "Verkaufe Schneeleopardenfell, sehr alt",
            "Panthera uncia",
            Some("skin"),
        ),
        (
            "Griechische Landschildkröte Nachzucht 2024",
            "Testudo hermanni",
            Some("live"),
        ),
        (
            "Pfeilgiftfrosch Terrarium Gruppe",
            "Dendrobatidae",
            Some("live"),
        ),
        // es
        (
            "Colmillo de jaguar auténtico",
            "Panthera onca",
            Some("tooth"),
        ),
        (
            "Vendo guacamayo azul y amarillo, pichón",
            "Ara ararauna",
            Some("live"),
        ),
        ("Guacamaya roja, pareja", "Ara macao", Some("live")),
        (
            "Aletas secas de tiburón martillo",
            "Sphyrnidae",
            Some("fin"),
        ),
        // pt
        (
            "Vendo filhote de arara-azul-grande",
            "Anodorhynchus hyacinthinus",
            Some("live"),
        ),
        (
            "Carapaça de tartaruga-de-pente antiga",
            "Eretmochelys imbricata",
            Some("shell"),
        ),
        (
            "Jabuti-piranga filhotes legalizados",
            "Chelonoidis carbonarius",
            Some("live"),
        ),
        // ru
        ("Продам рог носорога, 300 г", "Rhinocerotidae", Some("horn")),
        (
            "Бивень мамонта? Нет — бивень слона, старый",
            "Elephantidae",
            Some("ivory"),
        ),
        ("Шкура тигра, ковёр", "Panthera tigris", Some("skin")),
        ("Жако, птенец выкормыш", "Psittacus erithacus", Some("live")),
        ("Чешуя панголина оптом", "Manidae", Some("scales")),
        ("Королевский питон, самка", "Python regius", Some("live")),
        // zh (simplified and traditional)
        ("出售非洲象牙手镯 老料", "Loxodonta africana", Some("ivory")),
        ("大象 象牙印章 清代", "Elephantidae", Some("ivory")),
        ("正宗犀牛角杯 清代", "Rhinocerotidae", Some("horn")),
        ("穿山甲鱗片 中藥", "Manidae", Some("scales")),
        ("盔犀鸟头骨 鹤顶红", "Rhinoplax vigil", Some("casque")),
        ("大鲵 娃娃鱼 活体", "Andrias davidianus", Some("live")),
        ("玳瑁手镯 老货", "Eretmochelys imbricata", Some("shell")),
        // vi
        (
            "Bán sừng tê giác châu Phi thật",
            "Rhinocerotidae",
            Some("horn"),
        ),
        ("Vảy tê tê loại 1", "Manidae", Some("scales")),
        ("Mật gấu ngựa nguyên chất", "Ursus thibetanus", Some("bile")),
        ("Rùa núi vàng con non", "Indotestudo elongata", Some("live")),
        (
            "Vòng tay ngà voi châu Phi xịn",
            "Loxodonta africana",
            Some("ivory"),
        ),
        // th
        ("ขายนอแรดแท้ราคาถูก", "Rhinocerotidae", Some("horn")),
        ("เขี้ยวเสือโคร่งแท้", "Panthera tigris", Some("tooth")),
        ("ลูกนกแก้วแอฟริกันเกรย์", "Psittacus erithacus", Some("live")),
        ("เต่าดาวอินเดียเลี้ยงง่าย", "Geochelone elegans", Some("live")),
        ("หัวนกชนหินแกะสลัก", "Rhinoplax vigil", Some("casque")),
        ("กำไลงาช้างเก่า จากช้างป่า", "Elephantidae", Some("ivory")),
    ];
    let mut failures = Vec::new();
    for (text, taxon, product) in cases {
        let c = classify(text);
        if c.confidence != Confidence::Confirmed
            || c.taxon.as_deref() != Some(*taxon)
            || c.product_type.as_deref() != *product
        {
            failures.push(format!(
                "{text:?}: got {:?} {:?} {:?} (matched {:?}), want {taxon} {product:?}",
                c.confidence, c.taxon, c.product_type, c.matched_terms
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn code_words_are_suspected_and_bare_colours_need_context() {
    let cases: &[(&str, Option<&str>, Confidence, Option<&str>)] = &[
        (
            "White carved bangle, old",
            Some("Elephants"),
            Confidence::Suspected,
            Some("ivory"),
        ),
        (
            "Jelly carving, hand made",
            Some("Elephants"),
            Confidence::Suspected,
            Some("ivory"),
        ),
        (
            "Cow bone netsuke, fine carving",
            Some("Elephants"),
            Confidence::Suspected,
            Some("ivory"),
        ),
        (
            "Black horn, 200 g",
            Some("Rhinoceroses"),
            Confidence::Suspected,
            Some("horn"),
        ),
        (
            "Red carving pendant, dense",
            Some("Hornbills"),
            Confidence::Suspected,
            Some("casque"),
        ),
        (
            "Red ivory pendant",
            Some("Hornbills"),
            Confidence::Suspected,
            Some("casque"),
        ),
        (
            "牛骨雕刻手镯",
            Some("Elephants"),
            Confidence::Suspected,
            Some("ivory"),
        ),
        (
            "鹤顶 挂件",
            Some("Hornbills"),
            Confidence::Suspected,
            Some("casque"),
        ),
        (
            "Shark fin soup, dried shark fin 1 kg",
            Some("Sharks and rays"),
            Confidence::Suspected,
            Some("fin"),
        ),
        (
            "Чёрная икра 100 г",
            Some("Sturgeons"),
            Confidence::Suspected,
            Some("caviar"),
        ),
        (
            "Peineta de carey",
            Some("Sea turtles"),
            Confidence::Suspected,
            Some("shell"),
        ),
        // colours alone are colours
        ("White wedding dress, size 10", None, Confidence::None, None),
        ("Red leather handbag", None, Confidence::None, Some("skin")),
        ("Black coffee cup set", None, Confidence::None, None),
        ("Jelly beans, 1 kg bag", None, Confidence::None, None),
        (
            "White gold ring with black pearl",
            None,
            Confidence::None,
            None,
        ),
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
        assert!(c.taxa.is_empty(), "{text}");
    }
}

#[test]
fn decoys_from_the_issue_never_match_a_taxon() {
    for text in [
        "Rhino 7 software licence, full version",
        "Jaguar XF bonnet, silver",
        "tiger balm",
        "French ivory comb",
        "ivory colour wedding dress",
        "resin replica",
        "Gorilla Glue 250 ml",
        "Puma suede trainers, size 9",
        "OtterBox phone case",
        "Patek Philippe Nautilus 5711",
        "LEGO Millennium Falcon 75192",
        "Крокодил Гена, игрушка",
        "Бальзам тигровый глаз? нет: тигровый бальзам 20 г",
        "ยาหม่องตราเสือ 30 กรัม",
        "Tigerente Holzspielzeug",
        "仿象牙 塑料 手镯",
        "Vòng tay giả ngà voi, nhựa",
        "Bird of paradise plant, 1 m",
        "Onitsuka Tiger Mexico 66",
        "Fossil mammoth tooth",
    ] {
        let c = classify(text);
        assert_eq!(c.confidence, Confidence::Decoy, "{text}: {c:?}");
        assert_eq!((c.taxon_group, c.taxon, c.product_type), (None, None, None));
        assert!(c.taxa.is_empty());
    }
}

#[test]
fn normalisation_folds_width_case_accents_and_keeps_vietnamese_tones() {
    let cases: &[(&str, Option<&str>)] = &[
        ("ＲＨＩＮＯ ＨＯＲＮ", Some("Rhinocerotidae")),
        ("ПАНГОЛИН ЧЕШУЯ", Some("Manidae")),
        ("CHIMPANZÉ BÉBÉ", Some("Pan troglodytes")),
        ("Ле\u{301}опард", Some("Panthera pardus")), // stray combining accent
        ("zwei Ｋönigspython", Some("Python regius")),
        ("Bán sừng te giac", Some("Rhinocerotidae")), // unaccented Vietnamese name
        ("Chim vẹt xám", Some("Psittacus erithacus")),
        ("vet checked puppy", None), // "vet" is not "vẹt"
        (
            "Ca\u{0301}c loại  SALAMANDRE GÉANTE DE CHINE",
            Some("Andrias davidianus"),
        ),
        (
            "ＳＨＡＲＫ\u{00A0}ＦＩＮ  +  ｈａｍｍｅｒｈｅａｄ",
            Some("Sphyrnidae"),
        ),
    ];
    for (text, taxon) in cases {
        let c = classify(text);
        assert_eq!(c.taxon.as_deref(), *taxon, "{text}: {c:?}");
    }
    assert_eq!(
        wildtrace_analysis::lexicon::normalise("Éléphant ＩＶＯＲＹ Straße ﬁne"),
        "elephant ivory strasse fine"
    );
    assert_eq!(wildtrace_analysis::lexicon::normalise("犀牛角"), "犀 牛 角");
}

#[test]
fn every_named_taxon_is_listed_with_its_appendix_and_legality_is_recorded() {
    let c = classify("Tiger claw necklace and leopard skin, antique, pre-1947, with certificate");
    assert_eq!(c.confidence, Confidence::Confirmed);
    assert_eq!(c.cites_appendix.as_deref(), Some("I"));
    let names: Vec<&str> = c.taxa.iter().map(|t| t.scientific_name.as_str()).collect();
    assert_eq!(names, ["Panthera tigris", "Panthera pardus"]);
    assert_eq!(c.taxa[0].terms, ["tiger"]);
    assert_eq!(c.taxa[0].rank, "species");
    assert_eq!(c.taxa[1].cites_appendix, "I");
    assert_eq!(c.legality_claims, ["antique", "pre-1947", "certificate"]);
    assert!(!c.live);
    // A later, more specific name of the same group refines the taxon.
    let c = classify("Parrot for sale: African grey, 2 years");
    assert_eq!(c.taxon.as_deref(), Some("Psittacus erithacus"));
    assert_eq!(c.taxa.len(), 2);
    let c = classify("Blue-and-yellow macaw chicks");
    assert_eq!(c.cites_appendix.as_deref(), Some("II"));
    assert!(c.live);
    let json = serde_json::to_value(classify("Sawfish rostrum")).unwrap();
    assert_eq!(json["taxa"][0]["scientific_name"], "Pristidae");
    assert_eq!(json["taxa"][0]["cites_appendix"], "I");
    assert_eq!(json["product_type"], "trophy");
}

#[test]
fn the_bench_corpus_is_deterministic_and_multilingual() {
    let a = bench::corpus(lexicon(), 7, 200_000);
    let b = bench::corpus(lexicon(), 7, 200_000);
    assert_eq!(a, b);
    let bytes: usize = a.iter().map(String::len).sum();
    assert!((200_000..210_000).contains(&bytes), "{bytes}");
    let text = a.join("\n");
    for probe in ["ขาย", "出售", "продаю", "bán", "Versand"] {
        assert!(text.contains(probe), "no {probe}");
    }
    assert_ne!(a, bench::corpus(lexicon(), 8, 200_000));
    let report = bench::run(
        lexicon(),
        &bench::BenchOptions {
            target_bytes: 100_000,
            seed: 1,
            threads: 2,
        },
    );
    assert_eq!(
        report.confirmed + report.suspected + report.decoy + report.none,
        report.listings
    );
    assert!(report.confirmed > 0 && report.none > 0, "{report:?}");
}

fn fixture(name: &str) -> std::path::PathBuf {
    support::repo()
        .join("analysis/tests/fixtures/lexicon")
        .join(name)
}

#[test]
fn import_adds_species_plus_taxa_and_keeps_the_lexicon_valid() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lexicon.toml");
    let report = import(&ImportOptions {
        lexicon: support::lexicon_path(),
        species_plus: Some(fixture("species_plus_listings.csv")),
        gbif_taxon: None,
        gbif_vernacular: None,
        out: out.clone(),
        languages: vec![],
    })
    .unwrap();
    assert_eq!(report.version_before, "0.3.0");
    assert_eq!(report.version_after, "0.3.1");
    // goffiniana, platynota, salvator, alaotrensis, bakeri, hodgsonii, motoro
    assert_eq!(report.taxa_added, 7, "{report:?}");
    // plant + NC row
    assert_eq!(report.rows_skipped, 2, "{report:?}");
    assert_eq!(report.already_known, 2, "{report:?}");
    assert_eq!(report.appendix_differs.len(), 1, "{report:?}");
    assert!(report.appendix_differs[0].starts_with("Aonyx cinereus: lexicon I, Species+ II"));

    let lex = Lexicon::load(&out).unwrap();
    assert_eq!(lex.version(), "0.3.1");
    assert_eq!(lex.counts().0, lexicon().counts().0 + 7);
    let taxa = lex.taxa();
    let find = |k: &str| taxa.iter().find(|t| t.key == k).unwrap().clone();
    let goffin = find("cacatua_goffiniana");
    assert_eq!(
        (goffin.taxon_group.as_str(), goffin.cites_appendix.as_str()),
        ("Parrots", "I")
    );
    assert_eq!(
        find("geochelone_platynota").taxon_group,
        "Tortoises and freshwater turtles"
    );
    assert_eq!(find("varanus_salvator").taxon_group, "Lizards");
    assert_eq!(find("hapalemur_alaotrensis").taxon_group, "Primates");
    assert_eq!(find("ctenosaura_bakeri").taxon_group, "Other reptiles");
    assert_eq!(find("potamotrygon_motoro").cites_appendix, "III");
    let argali = find("ovis_ammon_hodgsonii");
    assert_eq!(
        (argali.rank, argali.taxon_group.as_str()),
        ("subspecies", "Other mammals")
    );
    // Imported names classify, with the relatives' default product.
    let c = lex.classify("Geochelone platynota hatchlings");
    assert_eq!(c.taxon.as_deref(), Some("Geochelone platynota"));
    assert_eq!(c.product_type.as_deref(), Some("live"));
    // The original file is untouched and the output says where rows came from.
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("species_plus_listings.csv line 4, Species+ Id 7215"),
        "provenance"
    );
    assert_eq!(
        Lexicon::load(&support::lexicon_path()).unwrap().version(),
        "0.3.0"
    );
}

#[test]
fn import_adds_gbif_names_and_synonyms_and_closes_declared_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lexicon.toml");
    let before = lexicon()
        .taxa()
        .into_iter()
        .find(|t| t.key == "phataginus_tricuspis")
        .unwrap();
    assert_eq!(before.lacks_names_in, ["vi"]);
    let report = import(&ImportOptions {
        lexicon: support::lexicon_path(),
        species_plus: None,
        gbif_taxon: Some(fixture("Taxon.tsv")),
        gbif_vernacular: Some(fixture("VernacularName.tsv")),
        out: out.clone(),
        languages: vec![],
    })
    .unwrap();
    // Felis tigris, Paramanis javanica
    assert_eq!(report.synonyms_added, 2, "{report:?}");
    // Königstiger, 孟加拉虎, African Bush Elephant, Savannenelefant,
    // éléphant de savane d'Afrique, Tê tê bụng trắng
    assert_eq!(report.names_added, 6, "{report:?}");
    assert_eq!(report.conflicts.len(), 2, "{report:?}");
    assert!(report.conflicts.iter().any(|c| c.starts_with("\"Python\"")));
    // "Hổ" and "Ara" are too short to match safely
    assert_eq!(report.rows_skipped, 2, "{report:?}");

    let lex = Lexicon::load(&out).unwrap();
    assert_eq!(lex.version(), "0.3.1");
    for (text, taxon) in [
        ("Königstiger Fell", "Panthera tigris"),
        ("Felis tigris skull", "Panthera tigris"),
        ("孟加拉虎皮", "Panthera tigris"),
        ("Savannenelefant Stoßzahn", "Loxodonta africana"),
        ("Paramanis javanica scales", "Manis javanica"),
        ("Tê tê bụng trắng, con non", "Phataginus tricuspis"),
    ] {
        assert_eq!(lex.classify(text).taxon.as_deref(), Some(taxon), "{text}");
    }
    let after = lex
        .taxa()
        .into_iter()
        .find(|t| t.key == "phataginus_tricuspis")
        .unwrap();
    assert!(after.lacks_names_in.is_empty());
    assert!(after.name_languages.contains("vi"));
    // Red Fox (not in the lexicon) and Finnish names are not imported.
    assert_eq!(lex.classify("Red Fox fur").taxon, None);
    assert_eq!(lex.classify("Tiikeri").taxon, None);
}

#[test]
fn import_errors_name_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("export.csv");
    std::fs::write(
        &bad,
        "Id,Kingdom,Phylum,Class,Order,Family,Genus,Scientific Name,Rank\n1,Animalia,Chordata,Aves,Psittaciformes,Psittacidae,Ara,Ara ararauna,SPECIES\n",
    )
    .unwrap();
    let out = dir.path().join("out.toml");
    let err = import(&ImportOptions {
        lexicon: support::lexicon_path(),
        species_plus: Some(bad.clone()),
        gbif_taxon: None,
        gbif_vernacular: None,
        out: out.clone(),
        languages: vec![],
    })
    .unwrap_err();
    let text = err.to_string();
    assert!(err.is_config(), "{text}");
    assert!(text.contains("export.csv:1:"), "{text}");
    assert!(text.contains("column Listing"), "{text}");
    assert!(!out.exists(), "nothing is written on error");

    let err = import(&ImportOptions {
        lexicon: support::lexicon_path(),
        species_plus: Some(dir.path().join("missing.csv")),
        gbif_taxon: None,
        gbif_vernacular: None,
        out: out.clone(),
        languages: vec![],
    })
    .unwrap_err();
    assert!(matches!(err, AnalysisError::Io { .. }), "{err}");
    assert!(err.to_string().contains("missing.csv"));
}

#[test]
fn declared_gaps_and_context_flags_are_checked_on_load() {
    // A taxon may not claim to lack a language it has names in.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lexicon.toml");
    let head = GOOD_HEAD.replace(
        "cites_appendix = \"I/II\"\n",
        "cites_appendix = \"I/II\"\nlacks_names_in = [\"fr\"]\n",
    );
    std::fs::write(
        &path,
        format!(
            "{head}\n[[terms]]\ntext = \"éléphant\"\nlanguage = \"fr\"\nkind = \"common_name\"\ntaxon = \"elephantidae\"\nsource = \"x\"\n"
        ),
    )
    .unwrap();
    let err = Lexicon::load(&path).unwrap_err();
    assert!(
        matches!(&err, AnalysisError::Lexicon { line: 9, key, message, .. }
            if key == "taxa[0].lacks_names_in[0]" && message.contains("has names in")),
        "{err}"
    );
    // needs_context is for code words only.
    expect_error(
        "\n[[terms]]\ntext = \"ivory\"\nlanguage = \"en\"\nkind = \"product\"\nproduct_type = \"ivory\"\nneeds_context = true\nsource = \"x\"\n",
        11,
        "terms[0].needs_context",
        "only code_word",
    );
}

#[test]
fn patterns_and_lookalike_names_are_not_wildlife() {
    // Pattern and material imitations are decoys in every language.
    for text in [
        "Сумка, кожа под крокодила",
        "Kleid mit Leopardenmuster",
        "Robe imprimé léopard",
        "鳄鱼纹皮带",
        "Túi xách vân cá sấu",
        "กระเป๋าลายจระเข้",
        "Python embossed leather wallet",
    ] {
        let c = classify(text);
        assert_eq!(c.confidence, Confidence::Decoy, "{text}: {c:?}");
    }
    // Other animals whose names contain a listed one mean nothing.
    for text in [
        "Морской слон, фото",
        "Éléphant de mer, carte postale",
        "สิงโตทะเล ตุ๊กตา?",
        "Seelöwe Postkarte",
        "Lowe's gift card",
        "Store pickup only",
    ] {
        let c = classify(text);
        assert!(c.taxon.is_none(), "{text}: {c:?}");
    }
}
