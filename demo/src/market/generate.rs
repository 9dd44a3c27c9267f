//! The pure, deterministic generator of the demo marketplace's ground truth.
//!
//! Owns the item vocabulary (mirrors `data/reference/demo-vocabulary.md`
//! verbatim), sellers, price formats, quantities, contact-detail canaries,
//! dates, ids, paths, robots.txt bodies and the round/removal schedule.
//!
//! It must not do I/O, read a clock, or iterate a hash map into its output:
//! the same [`DemoOptions`] always give a byte-identical [`GroundTruth`]. Every
//! site draws from its own ChaCha stream, so changing one site's rules does not
//! reshuffle the others. It renders no HTML (that is `sites`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

use super::{DemoOptions, GroundTruth, SiteKind, SiteTruth, TruthListing};

/// The demo search terms, exactly as the vocabulary (and `config/demo.toml`) lists them.
pub(crate) const SEARCH_TERMS: [&str; 14] = [
    "ivory",
    "horn",
    "rhino",
    "pangolin",
    "tiger",
    "leopard",
    "parrot",
    "cockatoo",
    "tortoise",
    "python",
    "hornbill",
    "hawksbill",
    "turtle",
    "elephant",
];

/// Marker text of an ended ad on `bazaar`.
pub(crate) const BAZAAR_ENDED: &str = "This ad has ended";
/// Marker text of a removed thread on `reptileforum`.
pub(crate) const FORUM_REMOVED: &str = "This thread was removed by a moderator";

/// First and last possible posted date.
const FIRST_DAY: (i32, u32, u32) = (2019, 1, 1);
const LAST_DAY: (i32, u32, u32) = (2026, 10, 31);

// ---------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    /// Wildlife product (ivory, horn, scales, skins...).
    Product,
    /// Live animal.
    Live,
    /// Not wildlife at all.
    Decoy,
}

struct Title {
    text: &'static str,
    lang: &'static str,
    /// Overrides the kind's product type (tiger parts).
    product_type: Option<&'static str>,
    /// The title names only the product word ("象牙", "ngà voi": ivory), not
    /// the animal, so the listing is suspected with no taxon (the lexicon's
    /// confidence rule), whatever the kind's confidence.
    product_word_only: bool,
}

const fn t(text: &'static str, lang: &'static str) -> Title {
    Title {
        text,
        lang,
        product_type: None,
        product_word_only: false,
    }
}

const fn tp(text: &'static str, lang: &'static str, product_type: &'static str) -> Title {
    Title {
        text,
        lang,
        product_type: Some(product_type),
        product_word_only: false,
    }
}

/// A title that names only the product word (see [`Title::product_word_only`]).
const fn tw(text: &'static str, lang: &'static str) -> Title {
    Title {
        text,
        lang,
        product_type: None,
        product_word_only: true,
    }
}

struct KindDef {
    kind: &'static str,
    group: Option<&'static str>,
    taxon: Option<&'static str>,
    confidence: &'static str,
    product_type: Option<&'static str>,
    titles: &'static [Title],
    tags: &'static [&'static str],
    /// Price range in US dollars (converted to the seller's currency).
    usd: (u32, u32),
    class: Class,
}

const ELEPHANTS: Option<&str> = Some("Elephants");
const RHINOS: Option<&str> = Some("Rhinoceroses");
const TORTOISES: Option<&str> = Some("Tortoises and freshwater turtles");

/// The item kinds of `data/reference/demo-vocabulary.md`, titles verbatim.
const KINDS: &[KindDef] = &[
    KindDef {
        kind: "elephant_ivory",
        group: ELEPHANTS,
        taxon: Some("Loxodonta africana"),
        confidence: "confirmed",
        product_type: Some("ivory"),
        titles: &[
            t("Elephant ivory bangle", "en"),
            t("Carved elephant ivory netsuke", "en"),
            t("African elephant tusk", "en"),
            t("Bracelet en ivoire d'éléphant", "fr"),
            t("Elefanten-Elfenbein Schnitzerei", "de"),
            tw("象牙手镯", "zh"),
            tw("Vòng tay ngà voi", "vi"),
        ],
        tags: &["ivory"],
        usd: (150, 4000),
        class: Class::Product,
    },
    KindDef {
        kind: "ivory_unspecified",
        group: ELEPHANTS,
        taxon: None,
        confidence: "suspected",
        product_type: Some("ivory"),
        titles: &[
            t("Antique carved ivory figure", "en"),
            t("Old ivory chopsticks", "en"),
        ],
        tags: &["ivory"],
        usd: (80, 1500),
        class: Class::Product,
    },
    KindDef {
        kind: "ivory_codeword",
        group: ELEPHANTS,
        taxon: None,
        confidence: "suspected",
        product_type: Some("ivory"),
        titles: &[
            t("White material bangle, genuine", "en"),
            t("Yellow materials carving, old stock", "en"),
        ],
        tags: &["ivory"],
        usd: (100, 2000),
        class: Class::Product,
    },
    KindDef {
        kind: "rhino_horn",
        group: RHINOS,
        taxon: Some("Ceratotherium simum"),
        confidence: "confirmed",
        product_type: Some("horn"),
        titles: &[
            t("Rhino horn cup", "en"),
            t("Rhinoceros horn powder", "en"),
            t("Sừng tê giác", "vi"),
            t("犀牛角", "zh"),
        ],
        tags: &["horn", "rhino"],
        usd: (2000, 60000),
        class: Class::Product,
    },
    KindDef {
        kind: "rhino_codeword",
        group: RHINOS,
        taxon: None,
        confidence: "suspected",
        product_type: Some("horn"),
        titles: &[t("Black material, genuine, 200g", "en")],
        tags: &["horn"],
        usd: (1500, 20000),
        class: Class::Product,
    },
    KindDef {
        kind: "pangolin_scales",
        group: Some("Pangolins"),
        taxon: Some("Manis spp."),
        confidence: "confirmed",
        product_type: Some("scales"),
        titles: &[
            t("Pangolin scales", "en"),
            t("Vảy tê tê", "vi"),
            t("穿山甲鳞片", "zh"),
        ],
        tags: &["pangolin"],
        usd: (50, 900),
        class: Class::Product,
    },
    KindDef {
        kind: "tiger_parts",
        group: Some("Big cats"),
        taxon: Some("Panthera tigris"),
        confidence: "confirmed",
        product_type: Some("skin"),
        titles: &[
            tp("Tiger skin rug", "en", "skin"),
            tp("Tiger tooth pendant", "en", "tooth"),
            tp("Tiger claw amulet", "en", "claw"),
        ],
        tags: &["tiger"],
        usd: (150, 12000),
        class: Class::Product,
    },
    KindDef {
        kind: "leopard_skin",
        group: Some("Big cats"),
        taxon: Some("Panthera pardus"),
        confidence: "confirmed",
        product_type: Some("skin"),
        titles: &[t("Leopard skin", "en"), t("Peau de léopard", "fr")],
        tags: &["leopard"],
        usd: (1200, 8000),
        class: Class::Product,
    },
    KindDef {
        kind: "grey_parrot",
        group: Some("Parrots"),
        taxon: Some("Psittacus erithacus"),
        confidence: "confirmed",
        product_type: Some("live"),
        titles: &[
            t("African grey parrot", "en"),
            t("Papagaio-cinzento", "pt"),
            t("Graupapagei", "de"),
        ],
        tags: &["parrot"],
        usd: (400, 2500),
        class: Class::Live,
    },
    KindDef {
        kind: "cockatoo",
        group: Some("Parrots"),
        taxon: Some("Cacatua sulphurea"),
        confidence: "confirmed",
        product_type: Some("live"),
        titles: &[t("Yellow-crested cockatoo chicks", "en")],
        tags: &["cockatoo", "parrot"],
        usd: (800, 4000),
        class: Class::Live,
    },
    KindDef {
        kind: "star_tortoise",
        group: TORTOISES,
        taxon: Some("Geochelone elegans"),
        confidence: "confirmed",
        product_type: Some("live"),
        titles: &[
            t("Indian star tortoise", "en"),
            t("Tortuga estrellada de la India", "es"),
        ],
        tags: &["tortoise"],
        usd: (80, 600),
        class: Class::Live,
    },
    KindDef {
        kind: "radiated_tortoise",
        group: TORTOISES,
        taxon: Some("Astrochelys radiata"),
        confidence: "confirmed",
        product_type: Some("live"),
        titles: &[t("Radiated tortoise hatchlings", "en")],
        tags: &["tortoise"],
        usd: (300, 2000),
        class: Class::Live,
    },
    KindDef {
        kind: "ball_python",
        group: Some("Snakes"),
        taxon: Some("Python regius"),
        confidence: "confirmed",
        product_type: Some("live"),
        titles: &[t("Ball python", "en"), t("Königspython", "de")],
        tags: &["python"],
        usd: (40, 500),
        class: Class::Live,
    },
    KindDef {
        kind: "hornbill_casque",
        group: Some("Hornbills"),
        taxon: Some("Rhinoplax vigil"),
        confidence: "confirmed",
        product_type: Some("casque"),
        titles: &[t("Helmeted hornbill casque", "en")],
        tags: &["hornbill"],
        usd: (500, 5000),
        class: Class::Product,
    },
    KindDef {
        kind: "hawksbill",
        group: Some("Sea turtles"),
        taxon: Some("Eretmochelys imbricata"),
        confidence: "confirmed",
        product_type: Some("shell"),
        titles: &[t("Hawksbill shell bracelet", "en")],
        tags: &["hawksbill", "turtle"],
        usd: (40, 400),
        class: Class::Product,
    },
    KindDef {
        kind: "decoy_faux_ivory",
        group: None,
        taxon: None,
        confidence: "decoy",
        product_type: None,
        titles: &[
            t("Faux ivory bangle", "en"),
            t("Ivory colour silk scarf", "en"),
            t("French ivory comb", "en"),
        ],
        tags: &["ivory"],
        usd: (5, 80),
        class: Class::Decoy,
    },
    KindDef {
        kind: "decoy_resin",
        group: None,
        taxon: None,
        confidence: "decoy",
        product_type: None,
        titles: &[t("Resin elephant figurine", "en")],
        tags: &["ivory", "elephant"],
        usd: (5, 60),
        class: Class::Decoy,
    },
    KindDef {
        kind: "decoy_replica",
        group: None,
        taxon: None,
        confidence: "decoy",
        product_type: None,
        titles: &[t("Replica rhino horn, resin", "en")],
        tags: &["horn", "rhino"],
        usd: (20, 150),
        class: Class::Decoy,
    },
    KindDef {
        kind: "decoy_balm",
        group: None,
        taxon: None,
        confidence: "decoy",
        product_type: None,
        titles: &[t("Tiger balm ointment 30g", "en")],
        tags: &["tiger"],
        usd: (3, 20),
        class: Class::Decoy,
    },
    KindDef {
        kind: "decoy_toy",
        group: None,
        taxon: None,
        confidence: "decoy",
        product_type: None,
        titles: &[t("Plastic python toy", "en")],
        tags: &["python"],
        usd: (3, 25),
        class: Class::Decoy,
    },
];

fn kind_index(name: &str) -> usize {
    KINDS
        .iter()
        .position(|k| k.kind == name)
        .unwrap_or_else(|| panic!("unknown demo kind {name}"))
}

// ---------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------

/// How a seller writes prices: `prefix` + grouped number + `suffix`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PriceFormat {
    pub currency: &'static str,
    prefix: &'static str,
    suffix: &'static str,
    group: &'static str,
    decimal: &'static str,
    /// Always shows two decimals.
    cents: bool,
    /// Indian digit grouping (1,25,000).
    indian: bool,
}

const fn pf(
    currency: &'static str,
    prefix: &'static str,
    suffix: &'static str,
    group: &'static str,
    decimal: &'static str,
    cents: bool,
) -> PriceFormat {
    PriceFormat {
        currency,
        prefix,
        suffix,
        group,
        decimal,
        cents,
        indian: false,
    }
}

const EUR_DE: PriceFormat = pf("EUR", "", " €", ".", ",", true); // 1.299,00 €
const EUR_FR: PriceFormat = pf("EUR", "", " €", " ", ",", true); // 1 299,00 €
const EUR_EN: PriceFormat = pf("EUR", "€", "", ",", ".", false); // €1,250
const EUR_CODE: PriceFormat = pf("EUR", "EUR ", "", ".", ",", true); // EUR 1.299,00
const USD_SYM: PriceFormat = pf("USD", "$", "", ",", ".", true); // $1,250.00
const USD_US: PriceFormat = pf("USD", "US$ ", "", ",", ".", false); // US$ 950
const USD_CODE: PriceFormat = pf("USD", "USD ", "", ",", ".", false); // USD 1,250
const GBP: PriceFormat = pf("GBP", "£", "", ",", ".", false); // £850
const GBP_P: PriceFormat = pf("GBP", "£", "", ",", ".", true); // £1,250.50
const THB_SYM: PriceFormat = pf("THB", "฿", "", ",", ".", false); // ฿45,000
const THB_CODE: PriceFormat = pf("THB", "THB ", "", ",", ".", false); // THB 45,000
const VND_SYM: PriceFormat = pf("VND", "", " ₫", ".", ",", false); // 12.500.000 ₫
const VND_CODE: PriceFormat = pf("VND", "", " VND", ".", ",", false); // 12.500.000 VND
const JPY: PriceFormat = pf("JPY", "¥", "", ",", ".", false); // ¥8,800
const CNY_YUAN: PriceFormat = pf("CNY", "", " 元", " ", ".", false); // 6 800 元
const CNY_CODE: PriceFormat = pf("CNY", "CNY ", "", ",", ".", false); // CNY 6,800
const ZAR_SP: PriceFormat = pf("ZAR", "R ", "", " ", ",", false); // R 12 500
const ZAR_EN: PriceFormat = pf("ZAR", "R", "", ",", ".", true); // R12,500.00
const INR_SYM: PriceFormat = PriceFormat {
    indian: true,
    ..pf("INR", "₹", "", ",", ".", false)
}; // ₹1,25,000
const INR_RS: PriceFormat = PriceFormat {
    indian: true,
    ..pf("INR", "Rs. ", "", ",", ".", false)
}; // Rs. 1,25,000
const NGN_SYM: PriceFormat = pf("NGN", "₦", "", ",", ".", false); // ₦450,000
const NGN_CODE: PriceFormat = pf("NGN", "NGN ", "", ",", ".", false); // NGN 450,000
const KES: PriceFormat = pf("KES", "KSh ", "", ",", ".", false); // KSh 45,000
const BRL: PriceFormat = pf("BRL", "R$ ", "", ".", ",", true); // R$ 1.250,00
const IDR: PriceFormat = pf("IDR", "Rp ", "", ".", ",", false); // Rp 12.500.000
const MYR: PriceFormat = pf("MYR", "RM ", "", ",", ".", true); // RM 1,250.00
const CHF: PriceFormat = pf("CHF", "CHF ", "", "'", ".", true); // CHF 1'250.50
const RUB_SYM: PriceFormat = pf("RUB", "", " руб.", " ", ",", false); // 12 500 руб.
const RUB_CODE: PriceFormat = pf("RUB", "RUB ", "", " ", ",", false); // RUB 12 500

/// Units of a currency per US dollar (rough, only used to pick plausible amounts).
fn usd_rate(currency: &str) -> f64 {
    match currency {
        "EUR" => 0.92,
        "GBP" => 0.79,
        "THB" => 35.0,
        "VND" => 25_000.0,
        "JPY" => 150.0,
        "CNY" => 7.2,
        "ZAR" => 18.0,
        "INR" => 83.0,
        "NGN" => 1500.0,
        "KES" => 130.0,
        "BRL" => 5.5,
        "IDR" => 16_000.0,
        "MYR" => 4.6,
        "CHF" => 0.88,
        "RUB" => 90.0,
        _ => 1.0,
    }
}

/// Groups the digits of `n` with `sep` (Indian 3-2-2 grouping when `indian`).
fn group_digits(n: u64, sep: &str, indian: bool) -> String {
    let digits = n.to_string();
    let bytes = digits.as_bytes();
    let mut groups: Vec<&str> = Vec::new();
    let mut end = bytes.len();
    let mut first = true;
    while end > 0 {
        let size = if first || !indian { 3 } else { 2 };
        first = false;
        let start = end.saturating_sub(size);
        groups.push(&digits[start..end]);
        end = start;
    }
    groups.reverse();
    groups.join(sep)
}

impl PriceFormat {
    /// Renders `units` + `cents`/100 in this format. `cents` must be 0 for
    /// formats without decimals.
    pub(crate) fn render(&self, units: u64, cents: u32) -> String {
        let mut s = String::new();
        s.push_str(self.prefix);
        s.push_str(&group_digits(units, self.group, self.indian));
        if self.cents {
            s.push_str(self.decimal);
            s.push_str(&format!("{cents:02}"));
        }
        s.push_str(self.suffix);
        s
    }

    /// The exact amount `render(units, cents)` means.
    pub(crate) fn amount(&self, units: u64, cents: u32) -> Decimal {
        let d = Decimal::from(units) + Decimal::new(i64::from(cents), 2);
        d.normalize()
    }

    fn cp1252(&self) -> bool {
        encodable_1252(self.prefix) && encodable_1252(self.suffix) && encodable_1252(self.group)
    }
}

/// True when `s` can be encoded in windows-1252 without numeric character references.
pub(crate) fn encodable_1252(s: &str) -> bool {
    !encoding_rs::WINDOWS_1252.encode(s).2
}

/// Picks a plausible amount for a `usd` value in `fmt`: 2–3 significant
/// digits, sometimes "...99", sometimes ".50" when the format shows cents.
fn pick_amount(rng: &mut ChaCha8Rng, usd: u32, fmt: &PriceFormat) -> (u64, u32) {
    let raw = (f64::from(usd) * usd_rate(fmt.currency)).max(1.0) as u64;
    let digits = raw.to_string().len() as u32;
    let keep = if rng.random_bool(0.3) { 3 } else { 2 };
    let step = 10u64.pow(digits.saturating_sub(keep));
    let mut units = raw.div_ceil(step) * step;
    if units >= 100 && step >= 10 && rng.random_bool(0.25) {
        units -= 1; // 1300 -> 1299
    }
    let cents = if fmt.cents && rng.random_bool(0.15) {
        50
    } else {
        0
    };
    (units.max(1), cents)
}

// ---------------------------------------------------------------------------
// Countries and sellers
// ---------------------------------------------------------------------------

struct Country {
    code: &'static str,
    name: &'static str,
    cities: &'static [&'static str],
    /// Languages sellers from here write in, besides English.
    langs: &'static [&'static str],
    formats: &'static [PriceFormat],
    /// Phone pattern, `#` = random digit.
    phone: &'static str,
    ships: &'static [&'static str],
}

const COUNTRIES: &[Country] = &[
    Country {
        code: "NG",
        name: "Nigeria",
        cities: &["Lagos", "Abuja", "Kano", "Port Harcourt"],
        langs: &[],
        formats: &[NGN_SYM, NGN_CODE, USD_US],
        phone: "+234 80# 555 0###",
        ships: &[
            "Worldwide",
            "Africa and Middle East",
            "Ships to Europe and Asia",
        ],
    },
    Country {
        code: "KE",
        name: "Kenya",
        cities: &["Nairobi", "Mombasa"],
        langs: &[],
        formats: &[KES, USD_CODE],
        phone: "+254 7## 555 ###",
        ships: &["Worldwide", "Africa and Middle East", "East Africa only"],
    },
    Country {
        code: "ZA",
        name: "South Africa",
        cities: &["Johannesburg", "Cape Town", "Durban"],
        langs: &[],
        formats: &[ZAR_SP, ZAR_EN],
        phone: "+27 8# 555 ####",
        ships: &["Worldwide", "South Africa only", "Africa and Middle East"],
    },
    Country {
        code: "CN",
        name: "China",
        cities: &["Guangzhou", "Shanghai", "Beijing", "Kunming", "Fuzhou"],
        langs: &["zh"],
        formats: &[CNY_YUAN, CNY_CODE, USD_US],
        phone: "+86 13# #### ####",
        ships: &["China, Vietnam", "China, Hong Kong, Macau", "Worldwide"],
    },
    Country {
        code: "VN",
        name: "Vietnam",
        cities: &["Hanoi", "Ho Chi Minh City", "Hai Phong"],
        langs: &["vi"],
        formats: &[VND_SYM, VND_CODE],
        phone: "+84 9## ### ###",
        ships: &["China, Vietnam", "Vietnam only", "Asia only"],
    },
    Country {
        code: "TH",
        name: "Thailand",
        cities: &["Bangkok", "Chiang Mai"],
        langs: &[],
        formats: &[THB_SYM, THB_CODE],
        phone: "+66 8# 555 ####",
        ships: &["Thailand, Laos, Vietnam", "Asia only", "Worldwide"],
    },
    Country {
        code: "FR",
        name: "France",
        cities: &["Paris", "Lyon", "Marseille"],
        langs: &["fr"],
        formats: &[EUR_FR, EUR_EN],
        phone: "+33 6 ## ## ## ##",
        ships: &["EU only", "Europe only", "Worldwide"],
    },
    Country {
        code: "DE",
        name: "Germany",
        cities: &["Berlin", "Hamburg", "Munich"],
        langs: &["de"],
        formats: &[EUR_DE, EUR_CODE],
        phone: "+49 15# ### ####",
        ships: &["EU only", "Europe only", "Worldwide"],
    },
    Country {
        code: "GB",
        name: "United Kingdom",
        cities: &["London", "Manchester", "Birmingham"],
        langs: &[],
        formats: &[GBP, GBP_P],
        phone: "+44 7700 900###",
        ships: &["UK only", "UK and EU", "Worldwide"],
    },
    Country {
        code: "US",
        name: "USA",
        cities: &["New York", "Miami", "Los Angeles", "Houston"],
        langs: &["es"],
        formats: &[USD_SYM, USD_US],
        phone: "+1 ###-555-01##",
        ships: &["Ships to USA and Canada", "USA only", "Worldwide"],
    },
    Country {
        code: "BR",
        name: "Brazil",
        cities: &["São Paulo", "Rio de Janeiro", "Belém"],
        langs: &["pt"],
        formats: &[BRL],
        phone: "+55 11 9####-####",
        ships: &["Brazil only", "South America", "Worldwide"],
    },
    Country {
        code: "IN",
        name: "India",
        cities: &["Mumbai", "Delhi", "Kolkata"],
        langs: &[],
        formats: &[INR_SYM, INR_RS],
        phone: "+91 9#### #####",
        ships: &["India only", "Worldwide", "Asia only"],
    },
    Country {
        code: "ID",
        name: "Indonesia",
        cities: &["Jakarta", "Surabaya", "Medan"],
        langs: &[],
        formats: &[IDR],
        phone: "+62 81# #### ####",
        ships: &["Indonesia, Malaysia", "Asia only", "Worldwide"],
    },
    Country {
        code: "MY",
        name: "Malaysia",
        cities: &["Kuala Lumpur", "Penang", "Johor Bahru"],
        langs: &["zh"],
        formats: &[MYR],
        phone: "+60 1#-### ####",
        ships: &["Malaysia, Singapore", "Asia only", "Worldwide"],
    },
    Country {
        code: "JP",
        name: "Japan",
        cities: &["Tokyo", "Osaka"],
        langs: &[],
        formats: &[JPY],
        phone: "+81 90 #### ####",
        ships: &["Japan only", "Worldwide"],
    },
    Country {
        code: "CH",
        name: "Switzerland",
        cities: &["Zurich", "Geneva"],
        langs: &["de", "fr"],
        formats: &[CHF],
        phone: "+41 7# ### ## ##",
        ships: &["Europe only", "Worldwide"],
    },
    Country {
        code: "RU",
        name: "Russia",
        cities: &["Moscow", "Vladivostok"],
        langs: &[],
        formats: &[RUB_SYM, RUB_CODE],
        phone: "+7 9## ###-##-##",
        ships: &["Russia and CIS", "Worldwide"],
    },
];

/// Countries every site has at least one seller from (when it has 14 sellers).
const CORE_COUNTRIES: [&str; 14] = [
    "NG", "KE", "ZA", "CN", "VN", "TH", "FR", "DE", "GB", "US", "BR", "IN", "ID", "MY",
];

/// Shipping texts any seller may use.
const SHIPS_ANY: &[&str] = &["Worldwide", "Worldwide except USA", "Local pickup only"];

/// International price formats some sellers use instead of their local one.
const INTERNATIONAL: &[PriceFormat] = &[USD_US, USD_CODE, EUR_EN];

const HANDLE_THEMES: &[&str] = &[
    "ivory", "reptile", "exotic", "wild", "asia", "antique", "golden", "savanna", "tribal",
    "jungle", "lucky", "rare", "royal", "dragon", "lotus", "baobab", "mekong", "sahara", "orient",
    "heritage", "vintage", "silk", "jade", "amber", "ebony", "tropical", "safari", "bird",
    "python", "scaly",
];
const HANDLE_NOUNS: &[&str] = &[
    "king",
    "world",
    "pets",
    "treasures",
    "crafts",
    "art",
    "gems",
    "house",
    "collector",
    "trader",
    "shop",
    "store",
    "market",
    "hub",
    "depot",
    "finds",
    "curios",
    "emporium",
    "garden",
    "zone",
];
const NAMES: &[&str] = &[
    "kofi", "amaka", "chen", "linh", "somchai", "pierre", "jurgen", "olu", "wanjiru", "thabo",
    "minh", "rahul", "budi", "aisyah", "lucas", "emma", "james", "mike", "wei", "hoa", "tuan",
    "ngozi", "sipho", "kamau", "anan", "claire", "klaus", "joao", "priya", "siti", "hiro",
    "dmitri", "marco", "fatima", "juma", "lan", "ravi", "ana", "tom", "nadia",
];
const MAIL_DOMAINS: &[&str] = &[
    "mail.example",
    "inbox.example",
    "post.example.com",
    "example.net",
];

/// Words that must not leak into descriptions through contact details,
/// because the lexicon would read them as a taxon or decoy cue.
const RISKY_WORDS: &[&str] = &[
    "ivory",
    "horn",
    "rhino",
    "tiger",
    "python",
    "parrot",
    "tortoise",
    "turtle",
    "elephant",
    "pangolin",
    "leopard",
    "cockatoo",
    "hawksbill",
    "reptile",
    "snake",
    "tusk",
    "scal",
    "shell",
    "balm",
    "resin",
    "toy",
    "faux",
    "replica",
    "print",
    "plastic",
    "figurine",
    "colo",
    "material",
    "bird",
    "skin",
    "tooth",
    "claw",
    "casque",
    "jade",
    "amber",
    "ebony",
    "silk",
];

fn neutral(s: &str) -> bool {
    let l = s.to_lowercase();
    !RISKY_WORDS.iter().any(|w| l.contains(w))
}

struct Seller {
    handle: String,
    /// Neutral name used in e-mail addresses (and @handles when the handle itself is not neutral).
    alias: String,
    country: &'static Country,
    location: String,
    ships_to: &'static str,
    price: PriceFormat,
    email: String,
    phone: String,
    weight: u32,
}

fn fill_pattern(rng: &mut ChaCha8Rng, pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| {
            if c == '#' {
                char::from(b'0' + rng.random_range(0..10u8))
            } else {
                c
            }
        })
        .collect()
}

fn make_handle(rng: &mut ChaCha8Rng) -> String {
    let theme = *HANDLE_THEMES.choose(rng).expect("non-empty");
    let noun = *HANDLE_NOUNS.choose(rng).expect("non-empty");
    let name = *NAMES.choose(rng).expect("non-empty");
    let nn = rng.random_range(1..100u32);
    match rng.random_range(0..6u32) {
        0 => format!("{theme}_{noun}{nn}"),
        1 => format!("{theme}.{noun}"),
        2 => format!("{name}_{noun}"),
        3 => format!("{name}{nn}"),
        4 => format!("{theme}{noun}_{name}"),
        _ => format!("{name}.{theme}"),
    }
}

fn weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [(T, u32)]) -> &'a T {
    let total: u32 = items.iter().map(|(_, w)| *w).sum();
    let mut x = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}

fn country(code: &str) -> &'static Country {
    COUNTRIES
        .iter()
        .find(|c| c.code == code)
        .unwrap_or_else(|| panic!("unknown country {code}"))
}

fn make_sellers(rng: &mut ChaCha8Rng, spec: &SiteSpec, n_listings: usize) -> Vec<Seller> {
    if n_listings == 0 {
        return Vec::new();
    }
    let count = (n_listings * 4 / 15).clamp(3, 40);
    let country_weights: Vec<(&'static Country, u32)> = spec
        .countries
        .iter()
        .map(|(code, w)| (country(code), *w))
        .collect();
    // The first sellers cover the core countries of the brief (one each, in
    // random order); the rest follow the site's country weights.
    let mut core: Vec<&'static Country> = CORE_COUNTRIES.iter().map(|c| country(c)).collect();
    core.shuffle(rng);
    let mut seen = BTreeSet::new();
    let mut sellers = Vec::with_capacity(count);
    while sellers.len() < count {
        let handle = make_handle(rng);
        if !seen.insert(handle.clone()) {
            continue;
        }
        let c = match core.get(sellers.len()) {
            Some(c) => *c,
            None => *weighted(rng, &country_weights),
        };
        let city = *c.cities.choose(rng).expect("cities");
        let location = format!("{city}, {}", c.name);
        let ships_to = if rng.random_bool(0.2) {
            *SHIPS_ANY.choose(rng).expect("ships")
        } else {
            *c.ships.choose(rng).expect("ships")
        };
        let usable = |f: &&PriceFormat| !spec.cp1252 || f.cp1252();
        let local: Vec<&PriceFormat> = c.formats.iter().filter(usable).collect();
        let intl: Vec<&PriceFormat> = INTERNATIONAL.iter().filter(usable).collect();
        let price = if local.is_empty() || rng.random_bool(0.15) {
            **intl.choose(rng).expect("international formats")
        } else {
            **local.choose(rng).expect("local formats")
        };
        let alias = if neutral(&handle) {
            handle.replace('_', ".")
        } else {
            let a = NAMES.choose(rng).expect("names");
            let b = NAMES.choose(rng).expect("names");
            format!("{a}.{b}{}", rng.random_range(1..100u32))
        };
        let domain = MAIL_DOMAINS.choose(rng).expect("domains");
        let email = format!("{alias}@{domain}");
        let phone = fill_pattern(rng, c.phone);
        let weight = if sellers.len() < 3 {
            8
        } else {
            rng.random_range(1..5u32)
        };
        sellers.push(Seller {
            handle,
            alias,
            country: c,
            location,
            ships_to,
            price,
            email,
            phone,
            weight,
        });
    }
    sellers
}

// ---------------------------------------------------------------------------
// Descriptions
// ---------------------------------------------------------------------------

struct Phrases {
    openers: [&'static [&'static str]; 3],
    fillers: [&'static [&'static str]; 3],
    email: &'static str,
    phone: &'static [&'static str],
    at: &'static str,
}

fn class_slot(class: Class) -> usize {
    match class {
        Class::Product => 0,
        Class::Live => 1,
        Class::Decoy => 2,
    }
}

/// Description phrases per language. None of them names an animal, a
/// product of one, or a decoy cue, so only the title decides the class.
fn phrases(lang: &str) -> Phrases {
    match lang {
        "fr" => Phrases {
            openers: [
                &["À vendre.", "Je vends cette pièce."],
                &["À vendre.", "Cause déménagement."],
                &["À vendre."],
            ],
            fillers: [
                &[
                    "Authentique, ancien stock.",
                    "Collection privée.",
                    "Bon état, voir photos.",
                    "Envoi discret et rapide.",
                    "Paiement par virement.",
                    "Certificat disponible.",
                ],
                &[
                    "En bonne santé.",
                    "Élevé en captivité.",
                    "Envoi possible.",
                    "Paiement par virement.",
                ],
                &["Bon état, voir photos.", "Envoi rapide."],
            ],
            email: "Contact : {}",
            phone: &["Tél : {}", "WhatsApp {}"],
            at: "Telegram : @{}",
        },
        "de" => Phrases {
            openers: [
                &["Zu verkaufen.", "Biete hier an."],
                &["Zu verkaufen.", "Abzugeben."],
                &["Zu verkaufen."],
            ],
            fillers: [
                &[
                    "Echt, alter Bestand.",
                    "Aus Privatsammlung.",
                    "Guter Zustand, siehe Fotos.",
                    "Diskreter Versand.",
                    "Zahlung per Überweisung.",
                    "Zertifikat vorhanden.",
                ],
                &[
                    "Gesund und frisst gut.",
                    "Nachzucht, handzahm.",
                    "Papiere vorhanden.",
                    "Versand möglich.",
                ],
                &["Guter Zustand, siehe Fotos.", "Schneller Versand."],
            ],
            email: "Kontakt: {}",
            phone: &["Tel.: {}", "WhatsApp {}"],
            at: "Telegram: @{}",
        },
        "es" => Phrases {
            openers: [
                &["Se vende."],
                &["Se vende.", "Disponible ya."],
                &["Se vende."],
            ],
            fillers: [
                &[
                    "Buen estado, ver fotos.",
                    "Envío discreto.",
                    "Pago por transferencia.",
                ],
                &[
                    "Buen estado de salud.",
                    "Criado en cautividad.",
                    "Envío rápido.",
                    "Pago por transferencia.",
                ],
                &["Buen estado, ver fotos."],
            ],
            email: "Contacto: {}",
            phone: &["Tel: {}", "WhatsApp {}"],
            at: "Telegram: @{}",
        },
        "pt" => Phrases {
            openers: [&["Vendo."], &["Vendo.", "Disponível."], &["Vendo."]],
            fillers: [
                &[
                    "Bom estado, ver fotos.",
                    "Envio discreto.",
                    "Pagamento por transferência.",
                ],
                &[
                    "Saudável e manso.",
                    "Criado em cativeiro.",
                    "Envio discreto.",
                    "Pagamento por transferência.",
                ],
                &["Bom estado, ver fotos."],
            ],
            email: "Contato: {}",
            phone: &["WhatsApp {}", "Tel: {}"],
            at: "Telegram: @{}",
        },
        "zh" => Phrases {
            openers: [&["出售。", "转让。"], &["出售。"], &["出售。"]],
            fillers: [
                &[
                    "正品，老货。",
                    "私人收藏。",
                    "品相完好，见图。",
                    "低调包装，快速发货。",
                    "支持银行转账。",
                    "有证书。",
                ],
                &["健康。", "快速发货。"],
                &["品相完好，见图。"],
            ],
            email: "联系邮箱：{}",
            phone: &["电话：{}", "微信同号 {}"],
            at: "Telegram：@{}",
        },
        "vi" => Phrases {
            openers: [&["Cần bán.", "Bán gấp."], &["Cần bán."], &["Cần bán."]],
            fillers: [
                &[
                    "Hàng thật, hàng cũ.",
                    "Bộ sưu tập cá nhân.",
                    "Tình trạng tốt, xem ảnh.",
                    "Giao hàng kín đáo, nhanh chóng.",
                    "Thanh toán chuyển khoản.",
                ],
                &["Khỏe mạnh.", "Giao hàng nhanh."],
                &["Tình trạng tốt, xem ảnh."],
            ],
            email: "Liên hệ: {}",
            phone: &["Zalo {}", "ĐT: {}"],
            at: "Telegram: @{}",
        },
        _ => Phrases {
            openers: [
                &[
                    "Up for sale.",
                    "Selling from my collection.",
                    "For sale, as pictured.",
                    "Estate sale item.",
                ],
                &[
                    "Up for sale.",
                    "Rehoming.",
                    "Available now.",
                    "For sale to a good home.",
                ],
                &["For sale, as pictured.", "Brand new.", "Gift idea."],
            ],
            fillers: [
                &[
                    "Genuine, old stock.",
                    "From a private collection.",
                    "Pre-1947, certificate available.",
                    "Good condition, see photos.",
                    "Serious buyers only.",
                    "Discreet packaging, fast shipping.",
                    "Payment by bank transfer or Western Union.",
                    "Certificate & receipt included.",
                    "Price negotiable for serious buyers.",
                ],
                &[
                    "Healthy and eating well.",
                    "Captive bred, hand-raised.",
                    "Papers available.",
                    "Serious buyers only.",
                    "Shipping & handling arranged, door to door.",
                    "Payment by bank transfer.",
                    "Good temperament.",
                    "Ready to go.",
                ],
                &[
                    "Good condition, see photos.",
                    "Great gift.",
                    "Shipping & handling extra.",
                    "Payment by PayPal.",
                    "Ready to ship.",
                ],
            ],
            email: "Contact {} for details.",
            phone: &["WhatsApp {}", "Call or text {}", "Tel: {}"],
            at: "DM @{} on Telegram.",
        },
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Contact {
    Email,
    Phone,
    At,
}

#[derive(Clone, Copy, Debug)]
enum Qty {
    Pair,
    X(u32),
    Pcs(u32),
    Lot(u32),
}

impl Qty {
    fn value(self) -> u32 {
        match self {
            Qty::Pair => 2,
            Qty::X(n) | Qty::Pcs(n) | Qty::Lot(n) => n,
        }
    }

    fn title_suffix(self) -> String {
        match self {
            Qty::Pair => " (pair)".to_string(),
            Qty::X(n) => format!(" x{n}"),
            Qty::Pcs(n) => format!(" - {n} pcs"),
            Qty::Lot(n) => format!(" - lot of {n}"),
        }
    }

    fn sentence(self) -> String {
        match self {
            Qty::Pair => "Sold as a pair.".to_string(),
            Qty::X(n) => format!("Quantity: x{n}."),
            Qty::Pcs(n) => format!("Price for {n} pcs."),
            Qty::Lot(n) => format!("Lot of {n}."),
        }
    }
}

fn pick_qty(rng: &mut ChaCha8Rng, english: bool) -> Qty {
    let roll = rng.random_range(0..100u32);
    if !english {
        // Language-neutral forms only.
        return if roll < 55 {
            Qty::X(rng.random_range(2..7))
        } else {
            Qty::Pcs(rng.random_range(3..21))
        };
    }
    match roll {
        0..25 => Qty::Pair,
        25..55 => Qty::X(rng.random_range(2..7)),
        55..80 => Qty::Pcs(rng.random_range(3..21)),
        _ => Qty::Lot(*[6u32, 10, 12, 20, 25, 50].choose(rng).expect("lots")),
    }
}

// ---------------------------------------------------------------------------
// Sites
// ---------------------------------------------------------------------------

struct SiteSpec {
    name: &'static str,
    kind: SiteKind,
    /// Everything it serves must be windows-1252 representable.
    cp1252: bool,
    languages: &'static [&'static str],
    kinds: &'static [(&'static str, u32)],
    /// Kinds (and a forced title language) placed first so small markets
    /// still cover every search term and both encodings.
    mandatory: &'static [(&'static str, Option<&'static str>)],
    countries: &'static [(&'static str, u32)],
    removal_styles: [&'static str; 2],
    /// (smallest id, largest gap between consecutive ids, id span): ids stay
    /// within `start..start + span` (fixed width) unless there are more
    /// listings than the span holds.
    ids: (u64, u64, u64),
}

const ALL_LANGS: &[&str] = &["en", "fr", "de", "zh", "vi", "es", "pt"];
const LATIN1_LANGS: &[&str] = &["en", "fr", "de", "es", "pt"];

const SITE_SPECS: [SiteSpec; 3] = [
    SiteSpec {
        name: "bazaar",
        kind: SiteKind::Classifieds,
        cp1252: false,
        languages: ALL_LANGS,
        kinds: &[
            ("elephant_ivory", 14),
            ("ivory_unspecified", 6),
            ("ivory_codeword", 5),
            ("rhino_horn", 8),
            ("rhino_codeword", 4),
            ("pangolin_scales", 8),
            ("tiger_parts", 6),
            ("leopard_skin", 4),
            ("grey_parrot", 6),
            ("cockatoo", 3),
            ("star_tortoise", 3),
            ("radiated_tortoise", 2),
            ("ball_python", 3),
            ("hornbill_casque", 3),
            ("hawksbill", 4),
            ("decoy_faux_ivory", 6),
            ("decoy_resin", 4),
            ("decoy_replica", 3),
            ("decoy_balm", 3),
            ("decoy_toy", 1),
        ],
        mandatory: &[
            ("elephant_ivory", Some("zh")),
            ("ivory_unspecified", None),
            ("ivory_codeword", None),
            ("rhino_horn", Some("vi")),
            ("pangolin_scales", None),
            ("tiger_parts", None),
            ("decoy_faux_ivory", None),
            ("decoy_resin", None),
            ("grey_parrot", None),
        ],
        countries: &[
            ("NG", 10),
            ("KE", 6),
            ("ZA", 6),
            ("CN", 8),
            ("VN", 8),
            ("TH", 5),
            ("FR", 3),
            ("DE", 3),
            ("GB", 4),
            ("US", 5),
            ("BR", 3),
            ("IN", 5),
            ("ID", 4),
            ("MY", 4),
            ("JP", 1),
            ("CH", 1),
            ("RU", 2),
        ],
        removal_styles: ["ended_marker", "http_404"],
        ids: (100_000, 997, 800_000),
    },
    SiteSpec {
        name: "curioshop",
        kind: SiteKind::Shop,
        cp1252: false,
        languages: ALL_LANGS,
        kinds: &[
            ("elephant_ivory", 12),
            ("ivory_unspecified", 8),
            ("ivory_codeword", 4),
            ("rhino_horn", 6),
            ("rhino_codeword", 4),
            ("pangolin_scales", 3),
            ("tiger_parts", 6),
            ("leopard_skin", 4),
            ("grey_parrot", 1),
            ("cockatoo", 1),
            ("star_tortoise", 1),
            ("ball_python", 1),
            ("hornbill_casque", 5),
            ("hawksbill", 6),
            ("decoy_faux_ivory", 8),
            ("decoy_resin", 5),
            ("decoy_replica", 4),
            ("decoy_balm", 3),
            ("decoy_toy", 1),
        ],
        mandatory: &[
            ("elephant_ivory", Some("fr")),
            ("rhino_codeword", None),
            ("hornbill_casque", None),
            ("hawksbill", None),
            ("leopard_skin", None),
            ("decoy_replica", None),
            ("decoy_balm", None),
            ("tiger_parts", None),
            ("pangolin_scales", Some("zh")),
        ],
        countries: &[
            ("NG", 3),
            ("KE", 2),
            ("ZA", 3),
            ("CN", 7),
            ("VN", 5),
            ("TH", 4),
            ("FR", 7),
            ("DE", 7),
            ("GB", 7),
            ("US", 8),
            ("BR", 2),
            ("IN", 3),
            ("ID", 2),
            ("MY", 3),
            ("JP", 3),
            ("CH", 3),
            ("RU", 1),
        ],
        removal_styles: ["http_410", "http_404"],
        ids: (10_000, 40, 80_000),
    },
    SiteSpec {
        name: "reptileforum",
        kind: SiteKind::Forum,
        cp1252: true,
        languages: LATIN1_LANGS,
        kinds: &[
            ("ball_python", 14),
            ("star_tortoise", 9),
            ("radiated_tortoise", 7),
            ("grey_parrot", 8),
            ("cockatoo", 6),
            ("hawksbill", 4),
            ("elephant_ivory", 4),
            ("ivory_unspecified", 2),
            ("rhino_horn", 2),
            ("pangolin_scales", 2),
            ("tiger_parts", 2),
            ("leopard_skin", 2),
            ("hornbill_casque", 1),
            ("decoy_toy", 4),
            ("decoy_faux_ivory", 2),
            ("decoy_balm", 1),
        ],
        mandatory: &[
            ("ball_python", Some("de")),
            ("star_tortoise", Some("es")),
            ("leopard_skin", Some("fr")),
            ("radiated_tortoise", None),
            ("cockatoo", None),
            ("grey_parrot", Some("pt")),
            ("decoy_toy", None),
            ("hawksbill", None),
            ("elephant_ivory", Some("fr")),
        ],
        countries: &[
            ("NG", 3),
            ("KE", 2),
            ("ZA", 5),
            ("CN", 2),
            ("VN", 2),
            ("TH", 3),
            ("FR", 5),
            ("DE", 7),
            ("GB", 7),
            ("US", 10),
            ("BR", 5),
            ("IN", 3),
            ("ID", 4),
            ("MY", 3),
            ("JP", 1),
            ("CH", 2),
            ("RU", 1),
        ],
        removal_styles: ["ended_marker", "http_404"],
        ids: (40_000, 300, 50_000),
    },
];

/// The category-browsed site without search, served only when
/// [`DemoOptions::browse_site`] asks for it (after the other three, on its
/// own random stream, so they are generated exactly as without it).
const BROWSE_SPEC: SiteSpec = SiteSpec {
    name: super::BROWSE_SITE,
    kind: SiteKind::Catalogue,
    cp1252: false,
    languages: ALL_LANGS,
    kinds: &[
        ("ball_python", 8),
        ("star_tortoise", 5),
        ("radiated_tortoise", 4),
        ("hawksbill", 3),
        ("grey_parrot", 7),
        ("cockatoo", 5),
        ("elephant_ivory", 6),
        ("ivory_unspecified", 3),
        ("hornbill_casque", 2),
        ("rhino_horn", 4),
        ("pangolin_scales", 4),
        ("tiger_parts", 3),
        ("leopard_skin", 3),
        ("decoy_faux_ivory", 3),
        ("decoy_resin", 2),
        ("decoy_balm", 2),
        ("decoy_toy", 2),
    ],
    mandatory: &[
        ("ball_python", None),
        ("grey_parrot", Some("pt")),
        ("elephant_ivory", Some("zh")),
        ("pangolin_scales", None),
        ("leopard_skin", None),
        ("decoy_resin", None),
    ],
    countries: &[
        ("NG", 4),
        ("KE", 3),
        ("ZA", 4),
        ("CN", 5),
        ("VN", 5),
        ("TH", 5),
        ("FR", 3),
        ("DE", 4),
        ("GB", 4),
        ("US", 6),
        ("BR", 4),
        ("IN", 3),
        ("ID", 5),
        ("MY", 4),
    ],
    removal_styles: ["ended_marker", "http_404"],
    ids: (500_000, 97, 90_000),
};

/// Text of an `exotica` item page whose listing was withdrawn.
pub(crate) const EXOTICA_ENDED: &str = "This item has been sold or withdrawn";

/// The `exotica` category of an item kind: (slug, name), in menu order.
pub(crate) const CATEGORIES: [(&str, &str); 5] = [
    ("reptiles", "Reptiles & turtles"),
    ("birds", "Birds"),
    ("carvings", "Carvings & antiques"),
    ("remedies", "Traditional remedies"),
    ("skins", "Skins & furs"),
];

fn category_of(kind: &str) -> &'static str {
    match kind {
        "ball_python" | "star_tortoise" | "radiated_tortoise" | "hawksbill" => "reptiles",
        "grey_parrot" | "cockatoo" => "birds",
        "rhino_horn" | "rhino_codeword" | "pangolin_scales" | "tiger_parts" | "decoy_balm" => {
            "remedies"
        }
        "leopard_skin" => "skins",
        _ => "carvings",
    }
}

/// Number of listings site `spec` gets: `listings_per_site`, or 2/3 of it on the forum.
fn site_count(spec: &SiteSpec, opts: &DemoOptions) -> usize {
    match spec.kind {
        SiteKind::Forum => opts.listings_per_site * 2 / 3,
        _ => opts.listings_per_site,
    }
}

/// The robots.txt body of a site. `base` is the site's `http://host:port/`
/// (only the shop's `Sitemap:` line uses it); without one the sitemap line is
/// root-relative.
pub(crate) fn robots_txt(kind: SiteKind, crawl_delay: f64, base: Option<&str>) -> String {
    match kind {
        SiteKind::Classifieds => "# robots.txt for Bazaar Classifieds\n\
             # Automated access to premium ads and accounts is not permitted.\n\
             \n\
             User-agent: BadBot\n\
             Disallow: /\n\
             \n\
             User-agent: *\n\
             Disallow: /ad/premium/\n\
             Disallow: /account/\n"
            .to_string(),
        SiteKind::Shop => {
            let sitemap = match base {
                Some(b) => format!("{}sitemap.xml", ensure_slash(b)),
                None => "/sitemap.xml".to_string(),
            };
            format!(
                "User-agent: *\n\
                 Disallow: /members/\n\
                 Disallow: /cart\n\
                 Disallow: /checkout\n\
                 \n\
                 Sitemap: {sitemap}\n"
            )
        }
        SiteKind::Catalogue => "# Exotica - browse by category\n\
             User-agent: *\n\
             Disallow: /members/\n\
             Disallow: /account/\n"
            .to_string(),
        SiteKind::Forum => format!(
            "# ReptileForum - please be gentle with our little server\n\
             User-agent: *\n\
             Crawl-delay: {crawl_delay}\n\
             Disallow: /vip/\n\
             Disallow: /login\n"
        ),
    }
}

fn ensure_slash(b: &str) -> String {
    if b.ends_with('/') {
        b.to_string()
    } else {
        format!("{b}/")
    }
}

fn site_truth(spec: &SiteSpec, opts: &DemoOptions) -> SiteTruth {
    let (prefixes, crawl_delay, marker): (&[&str], Option<f64>, Option<&str>) = match spec.kind {
        SiteKind::Classifieds => (&["/ad/premium/", "/account/"], None, Some(BAZAAR_ENDED)),
        SiteKind::Catalogue => (&["/members/", "/account/"], None, Some(EXOTICA_ENDED)),
        SiteKind::Shop => (&["/members/", "/cart", "/checkout"], None, None),
        SiteKind::Forum => (
            &["/vip/", "/login"],
            Some(opts.crawl_delay),
            Some(FORUM_REMOVED),
        ),
    };
    SiteTruth {
        name: spec.name.to_string(),
        kind: spec.kind,
        robots_txt: robots_txt(spec.kind, opts.crawl_delay, None),
        disallowed_prefixes: prefixes.iter().map(|s| s.to_string()).collect(),
        crawl_delay,
        ended_marker: marker.map(str::to_string),
        base_url: None,
    }
}

/// Lower-case ASCII slug of a title ("Bracelet en ivoire d'éléphant" ->
/// "bracelet-en-ivoire-d-elephant"); "item" when nothing Latin is left.
pub(crate) fn slugify(title: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in title.to_lowercase().chars() {
        let mapped: Option<&str> = if c.is_ascii_alphanumeric() {
            None
        } else {
            Some(match c {
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ả' | 'ạ' | 'ă' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ'
                | 'ặ' | 'ấ' | 'ầ' | 'ẩ' | 'ẫ' | 'ậ' => "a",
                'è' | 'é' | 'ê' | 'ë' | 'ẻ' | 'ẽ' | 'ẹ' | 'ế' | 'ề' | 'ể' | 'ễ' | 'ệ' => {
                    "e"
                }
                'ì' | 'í' | 'î' | 'ï' | 'ỉ' | 'ĩ' | 'ị' => "i",
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ỏ' | 'ọ' | 'ơ' | 'ố' | 'ồ' | 'ổ' | 'ỗ' | 'ộ'
                | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => "o",
                'ù' | 'ú' | 'û' | 'ü' | 'ủ' | 'ũ' | 'ụ' | 'ư' | 'ứ' | 'ừ' | 'ử' | 'ữ' | 'ự' => {
                    "u"
                }
                'ỳ' | 'ý' | 'ỷ' | 'ỹ' | 'ỵ' | 'ÿ' => "y",
                'đ' => "d",
                'ç' => "c",
                'ñ' => "n",
                'ß' => "ss",
                _ => "-",
            })
        };
        match mapped {
            None => {
                out.push(c);
                dash = false;
            }
            Some("-") => {
                if !dash && !out.is_empty() {
                    out.push('-');
                    dash = true;
                }
            }
            Some(s) => {
                out.push_str(s);
                dash = false;
            }
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.len() > 60 {
        let cut = out[..60].rfind('-').unwrap_or(60);
        out.truncate(cut);
    }
    if out.is_empty() {
        "item".to_string()
    } else {
        out
    }
}

/// `k` distinct indices out of `0..n`, in random order.
fn pick_set(rng: &mut ChaCha8Rng, n: usize, k: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(rng);
    idx.truncate(k.min(n));
    idx
}

/// round(n * pct / 100), but at least 1 when n >= min_n.
fn share(n: usize, pct: usize, min_n: usize) -> usize {
    let k = (n * pct + 50) / 100;
    if k == 0 && n >= min_n && n > 0 { 1 } else { k }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn random_date_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days();
    from + chrono::Duration::days(rng.random_range(0..=span))
}

struct Draft {
    kind: usize,
    forced_lang: Option<&'static str>,
}

fn gen_site(spec: &SiteSpec, site_no: u64, opts: &DemoOptions) -> Vec<TruthListing> {
    let n = site_count(spec, opts);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    rng.set_stream(site_no + 1);

    let sellers = make_sellers(&mut rng, spec, n);

    // Ids: strictly increasing with random gaps, fixed width while they fit.
    let (start, max_gap, span) = spec.ids;
    let head = span / 8;
    let gap = ((span - head) / (n.max(1) as u64)).clamp(1, max_gap);
    let mut ids = Vec::with_capacity(n);
    let mut id = start + rng.random_range(0..head);
    for _ in 0..n {
        id += rng.random_range(1..=gap);
        ids.push(id);
    }

    // Kinds: mandatory ones first, then weighted draws, then shuffled over ids.
    let weights: Vec<(usize, u32)> = spec
        .kinds
        .iter()
        .map(|(k, w)| (kind_index(k), *w))
        .collect();
    let mut drafts: Vec<Draft> = spec
        .mandatory
        .iter()
        .take(n)
        .map(|(k, lang)| Draft {
            kind: kind_index(k),
            forced_lang: *lang,
        })
        .collect();
    while drafts.len() < n {
        drafts.push(Draft {
            kind: *weighted(&mut rng, &weights),
            forced_lang: None,
        });
    }
    drafts.shuffle(&mut rng);

    // Exact-count schedules.
    let disallowed: BTreeSet<usize> = pick_set(&mut rng, n, share(n, 10, 5)).into_iter().collect();
    let round2: BTreeSet<usize> = pick_set(&mut rng, n, share(n, 15, 4)).into_iter().collect();
    let round1: Vec<usize> = (0..n).filter(|i| !round2.contains(i)).collect();
    // The new listings appear in turn in round 2 and round 3 (in id order).
    let appears: BTreeMap<usize, u32> = round2
        .iter()
        .enumerate()
        .map(|(j, &i)| (i, 2 + (j % 2) as u32))
        .collect();
    // Removals: half and half between the site's two styles, and in turn
    // from round 2, 3, 4 and 5 on (so every round sees some from 4 on).
    let mut removed: Vec<(usize, &'static str, u32)> = Vec::new();
    for (j, pos) in pick_set(&mut rng, round1.len(), share(round1.len(), 25, 3))
        .into_iter()
        .enumerate()
    {
        let from = 2 + (j % (super::LAST_ROUND as usize - 1)) as u32;
        removed.push((round1[pos], spec.removal_styles[j % 2], from));
    }
    removed.sort();
    let poa: BTreeSet<usize> = pick_set(&mut rng, n, share(n, 5, 10)).into_iter().collect();
    let contact_order = pick_set(&mut rng, n, share(n, 20, 5));
    let contacts: Vec<(usize, Contact)> = contact_order
        .iter()
        .enumerate()
        .map(|(j, &i)| (i, [Contact::Email, Contact::Phone, Contact::At][j % 3]))
        .collect();
    let qty: BTreeSet<usize> = pick_set(&mut rng, n, share(n, 40, 3)).into_iter().collect();

    // Dates: every year 2019..=2026 once (if there is room), the rest uniform.
    let (fy, fm, fd) = FIRST_DAY;
    let (ly, lm, ld) = LAST_DAY;
    let first = day(fy, fm, fd);
    let last = day(ly, lm, ld);
    let year_order = pick_set(&mut rng, n, (ly - fy + 1) as usize);
    let mut dates: Vec<NaiveDate> = (0..n)
        .map(|_| random_date_between(&mut rng, first, last))
        .collect();
    for (j, &i) in year_order.iter().enumerate() {
        let y = fy + j as i32;
        let to = if y == ly { last } else { day(y, 12, 31) };
        dates[i] = random_date_between(&mut rng, day(y, 1, 1), to);
    }
    // A new listing was posted between the round before its first and that
    // round, in the market's calendar (unless it holds one of the years
    // above). Its own stream, so the draws above and below are unchanged.
    let mut posting = ChaCha8Rng::seed_from_u64(opts.seed);
    posting.set_stream(100 + site_no);
    for (&i, &r) in &appears {
        if !year_order.contains(&i) {
            let from = super::round_date(r - 1) + chrono::Days::new(1);
            dates[i] = random_date_between(&mut posting, from, super::round_date(r));
        }
    }

    // Every seller gets at least one listing (at a random position).
    let first_listing_of = pick_set(&mut rng, n, sellers.len());
    let seller_weights: Vec<(usize, u32)> = sellers
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.weight))
        .collect();

    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let draft = &drafts[i];
        let kd = &KINDS[draft.kind];
        // Title language, then a seller who plausibly writes it.
        let candidates: Vec<&Title> = kd
            .titles
            .iter()
            .filter(|t| spec.languages.contains(&t.lang))
            .collect();
        let mut seller_idx = match first_listing_of.iter().position(|&j| j == i) {
            Some(s) => s,
            None => *weighted(&mut rng, &seller_weights),
        };
        let title_def: &Title = match draft.forced_lang {
            Some(lang) => {
                let speakers: Vec<usize> = (0..sellers.len())
                    .filter(|&s| sellers[s].country.langs.contains(&lang))
                    .collect();
                if let Some(&s) = speakers.choose(&mut rng) {
                    seller_idx = s;
                }
                let of_lang: Vec<&&Title> = candidates.iter().filter(|t| t.lang == lang).collect();
                of_lang
                    .choose(&mut rng)
                    .map(|t| **t)
                    .unwrap_or(candidates[0])
            }
            None => {
                let seller = &sellers[seller_idx];
                let local: Vec<&&Title> = candidates
                    .iter()
                    .filter(|t| t.lang != "en" && seller.country.langs.contains(&t.lang))
                    .collect();
                if !local.is_empty() && rng.random_bool(0.7) {
                    local.choose(&mut rng).expect("local titles")
                } else {
                    let en: Vec<&&Title> = candidates.iter().filter(|t| t.lang == "en").collect();
                    en.choose(&mut rng)
                        .expect("every kind has an English title")
                }
            }
        };
        let seller = &sellers[seller_idx];
        let lang = title_def.lang;
        let english = lang == "en";

        // Title decoration.
        let mut title = String::new();
        if english && rng.random_bool(0.15) {
            let prefixes: &[&str] = match kd.class {
                Class::Product => &["Antique", "Old", "RARE"],
                Class::Live => &["Tame", "Healthy"],
                Class::Decoy => &["Vintage", "New"],
            };
            let p = *prefixes.choose(&mut rng).expect("prefixes");
            if !title_def.text.to_lowercase().contains(&p.to_lowercase()) {
                title.push_str(p);
                title.push(' ');
            }
        }
        title.push_str(title_def.text);
        if english && rng.random_bool(0.2) {
            let suffixes: &[&str] = match kd.class {
                Class::Product => &[" - genuine", " - old stock", " - must go"],
                Class::Live => &[" - captive bred", " - must go", " - ready now"],
                Class::Decoy => &[" - free shipping", " - must go"],
            };
            let s = *suffixes.choose(&mut rng).expect("suffixes");
            if !title_def.text.contains(s.trim_start_matches(" - ")) {
                title.push_str(s);
            }
        }

        // Quantity: in the title (any language) or the description (English).
        let quantity = if qty.contains(&i) {
            Some(pick_qty(&mut rng, english))
        } else {
            None
        };
        let qty_in_title = quantity.is_some() && (!english || rng.random_bool(0.5));
        if let (Some(q), true) = (quantity, qty_in_title) {
            title.push_str(&q.title_suffix());
        }

        // Description.
        let ph = phrases(lang);
        let slot = class_slot(kd.class);
        let mut sentences: Vec<String> = Vec::new();
        sentences.push(
            ph.openers[slot]
                .choose(&mut rng)
                .expect("openers")
                .to_string(),
        );
        let mut fillers: Vec<&str> = ph.fillers[slot].to_vec();
        fillers.shuffle(&mut rng);
        let k = rng.random_range(1..=3usize).min(fillers.len());
        sentences.extend(fillers[..k].iter().map(|s| s.to_string()));
        if let (Some(q), false) = (quantity, qty_in_title) {
            sentences.push(q.sentence());
        }
        if let Some((_, c)) = contacts.iter().find(|(j, _)| *j == i) {
            let s = match c {
                Contact::Email => ph.email.replace("{}", &seller.email),
                Contact::Phone => ph
                    .phone
                    .choose(&mut rng)
                    .expect("phone phrases")
                    .replace("{}", &seller.phone),
                Contact::At => {
                    let h = if neutral(&seller.handle) {
                        seller.handle.clone()
                    } else {
                        seller.alias.replace('.', "_")
                    };
                    ph.at.replace("{}", &h)
                }
            };
            sentences.push(s);
        }
        let sep = if lang == "zh" { "" } else { " " };
        let description = sentences.join(sep);

        // Price.
        let (price_text, price_amount, currency) = if poa.contains(&i) {
            let t = *["POA", "Make an offer", "Price on request"]
                .choose(&mut rng)
                .expect("poa");
            (t.to_string(), None, None)
        } else {
            let usd = rng.random_range(kd.usd.0..=kd.usd.1);
            let (units, cents) = pick_amount(&mut rng, usd, &seller.price);
            (
                seller.price.render(units, cents),
                Some(seller.price.amount(units, cents)),
                Some(seller.price.currency.to_string()),
            )
        };

        // Identity and paths.
        let id = ids[i];
        let slug = slugify(&title);
        let is_disallowed = disallowed.contains(&i);
        let (site_listing_id, path) = match spec.kind {
            SiteKind::Classifieds => (
                id.to_string(),
                if is_disallowed {
                    format!("/ad/premium/{id}-{slug}")
                } else {
                    format!("/ad/{id}-{slug}")
                },
            ),
            SiteKind::Shop => (
                format!("CS-{id}"),
                if is_disallowed {
                    format!("/members/products/{slug}-{id}")
                } else {
                    format!("/products/{slug}-{id}")
                },
            ),
            SiteKind::Forum => (
                id.to_string(),
                if is_disallowed {
                    format!("/vip/threads/{id}")
                } else {
                    format!("/threads/{id}")
                },
            ),
            SiteKind::Catalogue => (
                id.to_string(),
                if is_disallowed {
                    format!("/members/item/{id}-{slug}")
                } else {
                    format!("/item/{id}-{slug}")
                },
            ),
        };
        let n_images = if rng.random_bool(0.1) {
            0
        } else {
            rng.random_range(1..=4u32)
        };
        let image_paths: Vec<String> = (1..=n_images)
            .map(|k| match spec.kind {
                SiteKind::Classifieds => format!("/img/ads/{id}/{k}.jpg"),
                SiteKind::Shop => format!("/media/catalog/{id}/{slug}-{k}.jpg"),
                SiteKind::Forum => format!("/attachments/{id}/{k}.jpg"),
                SiteKind::Catalogue => format!("/photos/{id}/{k}.jpg"),
            })
            .collect();

        let (removed_from_round, removal) = match removed.iter().find(|(j, _, _)| *j == i) {
            Some((_, style, from)) => (Some(*from), Some(style.to_string())),
            None => (None, None),
        };
        let q = quantity.map(Qty::value);
        out.push(TruthListing {
            site: spec.name.to_string(),
            site_listing_id,
            path,
            disallowed: is_disallowed,
            kind: kd.kind.to_string(),
            title,
            description,
            language: lang.to_string(),
            price_text,
            price_amount,
            currency,
            quantity: q,
            specimens: q.unwrap_or(1),
            seller_handle: seller.handle.clone(),
            seller_location: seller.location.clone(),
            seller_country: seller.country.code.to_string(),
            ships_to: seller.ships_to.to_string(),
            posted_date: dates[i],
            taxon_group: kd.group.map(str::to_string),
            taxon: if title_def.product_word_only {
                None
            } else {
                kd.taxon.map(str::to_string)
            },
            confidence: if title_def.product_word_only {
                "suspected".to_string()
            } else {
                kd.confidence.to_string()
            },
            product_type: title_def
                .product_type
                .or(kd.product_type)
                .map(str::to_string),
            tags: kd.tags.iter().map(|s| s.to_string()).collect(),
            image_paths,
            appears_round: appears.get(&i).copied().unwrap_or(1),
            removed_from_round,
            removal,
            category: (spec.kind == SiteKind::Catalogue).then(|| category_of(kd.kind).to_string()),
            reported: None,
        });
    }
    out
}

/// Generates the whole demo marketplace from `opts`: pure and deterministic
/// (same options, byte-identical [`GroundTruth::to_json`]).
///
/// Per site (forum: 2/3 of `listings_per_site`): about 10 % of listings live
/// under a robots-disallowed prefix, 15 % are new (posted and first shown in
/// round 2 or 3, in turn; posted between that round's day and the day of the
/// round before, unless one holds a year below), 25 % of the
/// round-1 listings are removed (half and half between the site's two
/// removal styles; in turn from round 2, 3, 4 and 5 on), 5 % have no price, 20 % carry a contact
/// detail in the description (e-mail, phone, @handle in turn), 40 % state a
/// quantity; posted dates cover every year 2019..=2026 whenever the site has
/// at least 8 listings.
pub fn generate(opts: &DemoOptions) -> GroundTruth {
    let mut sites = Vec::new();
    let mut listings = Vec::new();
    for (no, spec) in SITE_SPECS.iter().enumerate() {
        sites.push(site_truth(spec, opts));
        listings.extend(gen_site(spec, no as u64, opts));
    }
    if opts.browse_site {
        sites.push(site_truth(&BROWSE_SPEC, opts));
        listings.extend(gen_site(&BROWSE_SPEC, SITE_SPECS.len() as u64, opts));
    }
    GroundTruth {
        seed: opts.seed,
        search_terms: SEARCH_TERMS.iter().map(|s| s.to_string()).collect(),
        sites,
        listings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn price_formats_render_what_they_mean() {
        let cases: &[(PriceFormat, u64, u32, &str, &str)] = &[
            (EUR_DE, 1299, 0, "1.299,00 €", "1299"),
            (EUR_FR, 1299, 50, "1 299,50 €", "1299.5"),
            (EUR_EN, 1250, 0, "€1,250", "1250"),
            (USD_SYM, 1250, 0, "$1,250.00", "1250"),
            (USD_US, 950, 0, "US$ 950", "950"),
            (GBP, 850, 0, "£850", "850"),
            (THB_SYM, 45000, 0, "฿45,000", "45000"),
            (VND_SYM, 12_500_000, 0, "12.500.000 ₫", "12500000"),
            (JPY, 8800, 0, "¥8,800", "8800"),
            (CNY_YUAN, 6800, 0, "6 800 元", "6800"),
            (CNY_CODE, 6800, 0, "CNY 6,800", "6800"),
            (ZAR_SP, 12500, 0, "R 12 500", "12500"),
            (INR_SYM, 125_000, 0, "₹1,25,000", "125000"),
            (INR_RS, 12_345_678, 0, "Rs. 1,23,45,678", "12345678"),
            (NGN_SYM, 450_000, 0, "₦450,000", "450000"),
            (CHF, 1250, 50, "CHF 1'250.50", "1250.50"),
            (RUB_SYM, 12500, 0, "12 500 руб.", "12500"),
            (BRL, 1250, 0, "R$ 1.250,00", "1250"),
            (IDR, 12_500_000, 0, "Rp 12.500.000", "12500000"),
            (MYR, 999, 0, "RM 999.00", "999"),
        ];
        for (f, units, cents, text, amount) in cases {
            assert_eq!(f.render(*units, *cents), *text);
            assert_eq!(f.amount(*units, *cents), dec(amount), "{text}");
        }
    }

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(
            slugify("Bracelet en ivoire d'éléphant"),
            "bracelet-en-ivoire-d-elephant"
        );
        assert_eq!(slugify("Vòng tay ngà voi x3"), "vong-tay-nga-voi-x3");
        assert_eq!(slugify("Sừng tê giác"), "sung-te-giac");
        assert_eq!(slugify("象牙手镯"), "item");
        assert_eq!(slugify("Königspython (pair)"), "konigspython-pair");
    }

    #[test]
    fn vocabulary_titles_are_neutral_about_each_other() {
        for k in KINDS {
            assert!(
                k.titles.iter().any(|t| t.lang == "en"),
                "{} needs an English title",
                k.kind
            );
            for tag in k.tags {
                assert!(SEARCH_TERMS.contains(tag));
            }
        }
        for lang in ALL_LANGS {
            let ph = phrases(lang);
            for list in ph.openers.iter().chain(ph.fillers.iter()) {
                for s in list.iter() {
                    assert!(neutral(s) || *lang != "en", "{s}");
                }
            }
        }
    }
}
