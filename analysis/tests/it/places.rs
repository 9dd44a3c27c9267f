//! Places: seller countries from location text in every supported language,
//! codes, cities, the site default, and destinations from ships-to text
//! (regions, "worldwide", exclusions, local pickup).

use std::path::Path;

use wildtrace_analysis::places::{Gazetteer, PlaceConfidence};

use crate::support;

fn gazetteer() -> Gazetteer {
    Gazetteer::load(&support::repo().join(wildtrace_analysis::DEFAULT_PLACES)).unwrap()
}

#[test]
fn seller_countries_in_every_supported_language() {
    let g = gazetteer();
    for (text, want) in [
        // English names (from the ISO crate and the gazetteer), cities, codes.
        ("Lagos, Nigeria", "NG"),
        ("Port Harcourt, Nigeria", "NG"),
        ("Nairobi", "KE"),
        ("Cape Town, South Africa", "ZA"),
        ("Ho Chi Minh City, Vietnam", "VN"),
        ("New York, USA", "US"),
        ("Miami", "US"),
        ("London, United Kingdom", "GB"),
        ("Manchester, UK", "GB"),
        ("Kuala Lumpur, Malaysia", "MY"),
        ("Tokyo", "JP"),
        ("Zurich, Switzerland", "CH"),
        ("Vladivostok, Russia", "RU"),
        ("Mumbai, India", "IN"),
        ("Jakarta, Indonesia", "ID"),
        ("Kunming, China", "CN"),
        ("Hong Kong", "HK"),
        ("Guyana", "GY"),
        ("GBR", "GB"),
        ("shipping from DE", "DE"),
        // French, German, Spanish, Portuguese (diacritics optional).
        ("Paris, France", "FR"),
        ("Genève, Suisse", "CH"),
        ("Afrique du Sud", "ZA"),
        ("München, Deutschland", "DE"),
        ("Südafrika", "ZA"),
        ("Sudafrika", "ZA"),
        ("Madrid, España", "ES"),
        ("Ciudad de México", "MX"),
        ("São Paulo, Brasil", "BR"),
        ("Sao Paulo, Brazil", "BR"),
        ("Belém, Brazil", "BR"),
        ("Moçambique", "MZ"),
        // Russian, Chinese, Vietnamese, Thai.
        ("Москва, Россия", "RU"),
        ("Владивосток", "RU"),
        ("广州, 中国", "CN"),
        ("上海市", "CN"),
        ("越南河内", "VN"),
        ("Hà Nội, Việt Nam", "VN"),
        ("Hải Phòng", "VN"),
        ("กรุงเทพฯ ประเทศไทย", "TH"),
        ("เวียดนาม", "VN"),
    ] {
        assert_eq!(g.location_country(text).as_deref(), Some(want), "{text:?}");
    }
}

#[test]
fn ordinary_words_are_not_countries() {
    let g = gazetteer();
    for text in [
        "Somewhere",
        "in stock, ships to you",
        "Nigerian style",
        "Parisian",
        "",
    ] {
        assert_eq!(g.location_country(text), None, "{text:?}");
    }
    // A country name outranks a city; the last country named wins.
    assert_eq!(
        g.location_country("Paris, Texas, USA").as_deref(),
        Some("US")
    );
}

#[test]
fn every_demo_seller_location_is_read() {
    // Each "City, Country" the demo marketplace generates
    // (crawler/src/demo/generate.rs), with the country it means.
    let demo: &[(&str, &[&str], &str)] = &[
        (
            "Nigeria",
            &["Lagos", "Abuja", "Kano", "Port Harcourt"],
            "NG",
        ),
        ("Kenya", &["Nairobi", "Mombasa"], "KE"),
        (
            "South Africa",
            &["Johannesburg", "Cape Town", "Durban"],
            "ZA",
        ),
        (
            "China",
            &["Guangzhou", "Shanghai", "Beijing", "Kunming", "Fuzhou"],
            "CN",
        ),
        ("Vietnam", &["Hanoi", "Ho Chi Minh City", "Hai Phong"], "VN"),
        ("Thailand", &["Bangkok", "Chiang Mai"], "TH"),
        ("France", &["Paris", "Lyon", "Marseille"], "FR"),
        ("Germany", &["Berlin", "Hamburg", "Munich"], "DE"),
        (
            "United Kingdom",
            &["London", "Manchester", "Birmingham"],
            "GB",
        ),
        (
            "USA",
            &["New York", "Miami", "Los Angeles", "Houston"],
            "US",
        ),
        ("Brazil", &["São Paulo", "Rio de Janeiro", "Belém"], "BR"),
        ("India", &["Mumbai", "Delhi", "Kolkata"], "IN"),
        ("Indonesia", &["Jakarta", "Surabaya", "Medan"], "ID"),
        ("Malaysia", &["Kuala Lumpur", "Penang", "Johor Bahru"], "MY"),
        ("Japan", &["Tokyo", "Osaka"], "JP"),
        ("Switzerland", &["Zurich", "Geneva"], "CH"),
        ("Russia", &["Moscow", "Vladivostok"], "RU"),
    ];
    let g = gazetteer();
    for (country, cities, code) in demo {
        for city in *cities {
            let text = format!("{city}, {country}");
            assert_eq!(g.location_country(&text).as_deref(), Some(*code), "{text}");
            // The city alone says it too.
            assert_eq!(g.location_country(city).as_deref(), Some(*code), "{city}");
        }
    }
}

#[test]
fn destinations_regions_worldwide_exclusions_and_local_pickup() {
    let g = gazetteer();
    let dest = |t: &str, seller: Option<&str>| g.destinations(t, seller);
    let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(dest("Worldwide", None), v(&["WORLD"]));
    assert_eq!(dest("Worldwide except USA", None), v(&["WORLD"]));
    assert_eq!(dest("Ships to USA and Canada", None), v(&["CA", "US"]));
    assert_eq!(dest("USA only", None), v(&["US"]));
    assert_eq!(
        dest("China, Hong Kong, Macau", None),
        v(&["CN", "HK", "MO"])
    );
    assert_eq!(
        dest("Thailand, Laos, Vietnam", None),
        v(&["LA", "TH", "VN"])
    );
    assert_eq!(dest("UK and EU", None), v(&["EU", "GB"]));
    assert_eq!(dest("EU only", None), v(&["EU"]));
    assert_eq!(dest("Europe only", None), v(&["EUROPE"]));
    assert_eq!(dest("Asia only", None), v(&["ASIA"]));
    assert_eq!(dest("East Africa only", None), v(&["EAST_AFRICA"]));
    assert_eq!(
        dest("Africa and Middle East", None),
        v(&["AFRICA", "MIDDLE_EAST"])
    );
    assert_eq!(
        dest("Ships to Europe and Asia", None),
        v(&["ASIA", "EUROPE"])
    );
    assert_eq!(dest("South America", None), v(&["SOUTH_AMERICA"]));
    assert_eq!(dest("Russia and CIS", None), v(&["CIS", "RU"]));
    assert_eq!(dest("Local pickup only", Some("NG")), v(&["NG"]));
    assert_eq!(dest("Local pickup only", None), v(&[]));
    assert_eq!(dest("Envoi monde entier", None), v(&["WORLD"]));
    assert_eq!(dest("Versand weltweit außer USA", None), v(&["WORLD"]));
    assert_eq!(dest("Envío a España y Portugal", None), v(&["ES", "PT"]));
    assert_eq!(dest("Доставка по всему миру", None), v(&["WORLD"]));
    assert_eq!(dest("全球包邮", None), v(&["WORLD"]));
    assert_eq!(dest("Giao hàng toàn thế giới", None), v(&["WORLD"]));
    assert_eq!(dest("ส่งทั่วโลก", None), v(&["WORLD"]));
    assert_eq!(dest("no idea", None), v(&[]));
}

#[test]
fn the_site_default_is_used_only_when_the_listing_states_nothing() {
    let src = r#"
version = "test"
[site_country]
kaidee = "TH"
[countries.TH]
names = ["ไทย"]
"#;
    let g = Gazetteer::from_toml(src, Path::new("places.toml")).unwrap();
    let stated = g.seller_country(Some("Lagos, Nigeria"), "kaidee").unwrap();
    assert_eq!(
        (stated.country.as_str(), stated.confidence),
        ("NG", PlaceConfidence::Stated)
    );
    let inferred = g.seller_country(Some("ask me"), "kaidee").unwrap();
    assert_eq!(
        (inferred.country.as_str(), inferred.confidence),
        ("TH", PlaceConfidence::InferredFromSite)
    );
    assert_eq!(inferred.confidence.as_str(), "inferred_from_site");
    assert!(g.seller_country(None, "elsewhere").is_none());

    // Bad codes are refused with the file and the key.
    let err = Gazetteer::from_toml(
        "version = \"x\"\n[countries.XX]\nnames = [\"X\"]\n",
        Path::new("p.toml"),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("p.toml") && err.to_string().contains("countries.XX"),
        "{err}"
    );
    assert!(err.is_config());
    let err = Gazetteer::from_toml(
        "version = \"x\"\n[site_country]\nbazaar = \"Nigeria\"\n",
        Path::new("p.toml"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("site_country.bazaar"), "{err}");
    let err =
        Gazetteer::from_toml("version = \"x\"\nbogus = 1\n", Path::new("p.toml")).unwrap_err();
    assert!(err.to_string().contains("bogus"), "{err}");
    // A top-level key written after [regions] becomes a region: refused.
    let err = Gazetteer::from_toml(
        "version = \"x\"\n[regions]\nWORLD = [\"worldwide\"]\nexcept = [\"except\"]\n",
        Path::new("p.toml"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("regions.except"), "{err}");
}
