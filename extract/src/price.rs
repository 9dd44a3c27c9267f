//! Multi-locale price parsing for marketplace listing text.
//!
//! This module owns one job: turning the free text a listing shows as its
//! price ("1.299,00 €", "US$ 950", "₹1,25,000", "100-150 €", "POA") into an
//! exact [`ParsedPrice`]: the amount as a [`Decimal`], the ISO 4217 currency,
//! the currency marker exactly as written, and the upper bound of a range.
//! It knows locale number formats (thousands and decimal separators, Indian
//! grouping, `k`/`m`/`lakh`/`万` multipliers), currency symbols, codes and
//! local names, and how a page-level hint ("AUD", "Norway") settles an
//! ambiguous sign such as `$`, `¥` or `kr`.
//!
//! It must not guess or apply exchange rates, convert between currencies,
//! round amounts, or do any I/O (no network, files, clock, environment or
//! logging). It never panics: any input yields a `ParsedPrice`, with
//! `amount: None` when no plausible price is found. Only the first
//! [`MAX_CHARS`] characters of a text are looked at.

use rust_decimal::Decimal;
use serde::Serialize;

/// Longest input considered, in characters; the rest is ignored.
pub const MAX_CHARS: usize = 4096;
/// Most digits (integer plus fraction) accepted in one amount.
const MAX_DIGITS: usize = 24;

/// A price read from listing text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedPrice {
    /// The amount, exact; `None` for POA / make an offer / free / unparseable.
    pub amount: Option<Decimal>,
    /// ISO 4217 code, e.g. `"EUR"`.
    pub currency: Option<String>,
    /// The symbol, code or word as written in the text, e.g. `"€"`, `"руб."`, `"US$"`.
    pub currency_raw: Option<String>,
    /// Upper bound when the text is a range ("100-150 €"); `amount` is then the lower bound.
    pub amount_max: Option<Decimal>,
}

// ---------------------------------------------------------------------------
// Currency tables
// ---------------------------------------------------------------------------

/// ISO 4217 codes recognised when written next to a number (or, in capitals,
/// anywhere in the text).
const ISO_CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF",
    "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP",
    "ETB", "EUR", "FJD", "GBP", "GEL", "GHS", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK",
    "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS",
    "KHR", "KMF", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD",
    "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
    "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SLE", "SOS",
    "SRD", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH",
    "UGX", "USD", "UYU", "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER",
    "ZAR", "ZMW", "ZWL",
];

/// Codes that are also everyday words ("all", "try", "top"...): never taken
/// in lower case, and in capitals only right next to a number.
const WORDLIKE_CODES: &[&str] = &[
    "ALL", "AMD", "ARS", "BAM", "BOB", "CAD", "CUP", "DOP", "GEL", "JOD", "LAK", "MAD", "MOP",
    "MUR", "PEN", "RON", "SOS", "TOP", "TRY",
];

/// Currencies conventionally written with three decimals.
const THREE_DECIMALS: &[&str] = &["KWD", "BHD", "OMR", "JOD", "TND", "LYD"];

/// A sign shared by several currencies; resolved by the text or the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Dollar,
    Yen,
    Krona,
    Rupee,
    Peso,
    Dirham,
    Cfa,
}

impl Family {
    /// The currencies this sign can stand for; the first is the default.
    fn members(self) -> &'static [&'static str] {
        match self {
            Family::Dollar => &[
                "USD", "AUD", "CAD", "NZD", "SGD", "HKD", "TWD", "MXN", "ARS", "CLP", "COP", "UYU",
                "JMD", "TTD", "BSD", "BBD", "BZD", "FJD", "NAD", "LRD", "GYD", "SBD", "XCD", "KYD",
                "BMD", "BND", "SRD", "DOP", "CUP", "ZWL",
            ],
            Family::Yen => &["JPY", "CNY"],
            Family::Krona => &["SEK", "NOK", "DKK", "ISK"],
            Family::Rupee => &["INR", "PKR", "LKR", "NPR", "MUR", "SCR"],
            Family::Peso => &["MXN", "ARS", "CLP", "COP", "PHP", "UYU", "CUP", "DOP"],
            Family::Dirham => &["AED", "MAD"],
            Family::Cfa => &["XOF", "XAF"],
        }
    }

    fn default_iso(self) -> &'static str {
        self.members()[0]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cur {
    Iso(&'static str),
    Amb(Family),
}

/// One way of writing a currency.
#[derive(Debug, Clone, Copy)]
struct MarkerDef {
    pat: &'static str,
    cur: Cur,
    /// Compare case-insensitively.
    ci: bool,
    /// Alphabetic ends must not touch other letters.
    bounded: bool,
    /// Counts even when not next to a number (otherwise only next to one).
    anywhere: bool,
}

/// A symbol that means its currency wherever it appears.
const fn sym(pat: &'static str, cur: Cur) -> MarkerDef {
    MarkerDef {
        pat,
        cur,
        ci: false,
        bounded: false,
        anywhere: true,
    }
}

/// A symbol or CJK/Thai word that only counts right next to a number.
const fn sym_adj(pat: &'static str, cur: Cur) -> MarkerDef {
    MarkerDef {
        pat,
        cur,
        ci: false,
        bounded: false,
        anywhere: false,
    }
}

/// A distinctive letter-based marker ("US$", "RMB") valid anywhere.
const fn word_any(pat: &'static str, cur: Cur) -> MarkerDef {
    MarkerDef {
        pat,
        cur,
        ci: true,
        bounded: true,
        anywhere: true,
    }
}

/// A currency word or abbreviation ("euros", "руб.", "kr") that only counts
/// next to a number.
const fn word(pat: &'static str, cur: Cur) -> MarkerDef {
    MarkerDef {
        pat,
        cur,
        ci: true,
        bounded: true,
        anywhere: false,
    }
}

/// Like [`word`] but case-sensitive ("TL", "Ft").
const fn cased(pat: &'static str, cur: Cur) -> MarkerDef {
    MarkerDef {
        pat,
        cur,
        ci: false,
        bounded: true,
        anywhere: false,
    }
}

use Cur::{Amb, Iso};

const MARKERS: &[MarkerDef] = &[
    // Currency signs.
    sym("€", Iso("EUR")),
    sym("£", Iso("GBP")),
    sym("￡", Iso("GBP")),
    sym("₹", Iso("INR")),
    sym("₽", Iso("RUB")),
    sym("₫", Iso("VND")),
    sym("฿", Iso("THB")),
    sym("₦", Iso("NGN")),
    sym("₱", Iso("PHP")),
    sym("₩", Iso("KRW")),
    sym("₺", Iso("TRY")),
    sym("₴", Iso("UAH")),
    sym("₪", Iso("ILS")),
    sym("₸", Iso("KZT")),
    sym("₮", Iso("MNT")),
    sym("₭", Iso("LAK")),
    sym("៛", Iso("KHR")),
    sym("₲", Iso("PYG")),
    sym("₵", Iso("GHS")),
    sym("₡", Iso("CRC")),
    sym("₼", Iso("AZN")),
    sym("₾", Iso("GEL")),
    sym("₨", Amb(Family::Rupee)),
    sym("¥", Amb(Family::Yen)),
    sym("￥", Amb(Family::Yen)),
    sym("$", Amb(Family::Dollar)),
    sym("＄", Amb(Family::Dollar)),
    // Arabic abbreviations.
    sym("د.إ", Iso("AED")),
    sym("ر.س", Iso("SAR")),
    sym("ر.ق", Iso("QAR")),
    sym("د.ك", Iso("KWD")),
    sym("د.ب", Iso("BHD")),
    sym("ر.ع.", Iso("OMR")),
    sym("ر.ع", Iso("OMR")),
    sym("د.ا", Iso("JOD")),
    sym("د.أ", Iso("JOD")),
    sym("د.ت", Iso("TND")),
    sym("د.م.", Iso("MAD")),
    sym("ج.م", Iso("EGP")),
    sym("ل.ل", Iso("LBP")),
    // Chinese, Japanese, Korean, Thai names.
    sym("人民币", Iso("CNY")),
    sym("人民幣", Iso("CNY")),
    sym("美元", Iso("USD")),
    sym("美金", Iso("USD")),
    sym("港元", Iso("HKD")),
    sym("港币", Iso("HKD")),
    sym("港幣", Iso("HKD")),
    sym("日元", Iso("JPY")),
    sym("日圓", Iso("JPY")),
    sym("欧元", Iso("EUR")),
    sym("歐元", Iso("EUR")),
    sym("英镑", Iso("GBP")),
    sym("英鎊", Iso("GBP")),
    sym("新台币", Iso("TWD")),
    sym("新台幣", Iso("TWD")),
    sym("台币", Iso("TWD")),
    sym("台幣", Iso("TWD")),
    sym("韩元", Iso("KRW")),
    sym("泰铢", Iso("THB")),
    sym("越南盾", Iso("VND")),
    sym("卢布", Iso("RUB")),
    sym_adj("元", Iso("CNY")),
    sym_adj("圆", Iso("CNY")),
    sym_adj("块", Iso("CNY")),
    sym_adj("塊", Iso("CNY")),
    sym_adj("円", Iso("JPY")),
    sym_adj("원", Iso("KRW")),
    sym_adj("บาท", Iso("THB")),
    // Swedish "1 200:-".
    sym_adj(":-", Amb(Family::Krona)),
    // Prefixed dollars and other compound signs.
    word_any("us$", Iso("USD")),
    word_any("us $", Iso("USD")),
    word_any("u$s", Iso("USD")),
    word_any("$us", Iso("USD")),
    word_any("a$", Iso("AUD")),
    word_any("au$", Iso("AUD")),
    word_any("c$", Iso("CAD")),
    word_any("ca$", Iso("CAD")),
    word_any("can$", Iso("CAD")),
    word_any("nz$", Iso("NZD")),
    word_any("s$", Iso("SGD")),
    word_any("sg$", Iso("SGD")),
    word_any("hk$", Iso("HKD")),
    word_any("nt$", Iso("TWD")),
    word_any("mx$", Iso("MXN")),
    word_any("mex$", Iso("MXN")),
    word_any("r$", Iso("BRL")),
    word_any("rd$", Iso("DOP")),
    word_any("j$", Iso("JMD")),
    word_any("tt$", Iso("TTD")),
    word_any("n$", Iso("NAD")),
    word_any("bz$", Iso("BZD")),
    word_any("fj$", Iso("FJD")),
    word_any("ec$", Iso("XCD")),
    word_any("col$", Iso("COP")),
    word_any("ar$", Iso("ARS")),
    word_any("cn¥", Iso("CNY")),
    word_any("jp¥", Iso("JPY")),
    word_any("rmb", Iso("CNY")),
    word_any("e£", Iso("EGP")),
    word_any("£e", Iso("EGP")),
    word_any("fcfa", Amb(Family::Cfa)),
    word_any("sterling", Iso("GBP")),
    // Words and abbreviations, only next to a number.
    word("euro", Iso("EUR")),
    word("euros", Iso("EUR")),
    word("евро", Iso("EUR")),
    word("dollar", Amb(Family::Dollar)),
    word("dollars", Amb(Family::Dollar)),
    word("dólares", Amb(Family::Dollar)),
    word("dolares", Amb(Family::Dollar)),
    word("bucks", Amb(Family::Dollar)),
    word("yen", Iso("JPY")),
    word("yuan", Iso("CNY")),
    word("rs", Amb(Family::Rupee)),
    word("rs.", Amb(Family::Rupee)),
    word("rupee", Amb(Family::Rupee)),
    word("rupees", Amb(Family::Rupee)),
    word("руб", Iso("RUB")),
    word("руб.", Iso("RUB")),
    word("рублей", Iso("RUB")),
    word("рубля", Iso("RUB")),
    word("рубль", Iso("RUB")),
    word("р.", Iso("RUB")),
    word("грн", Iso("UAH")),
    word("грн.", Iso("UAH")),
    word("гривен", Iso("UAH")),
    word("гривень", Iso("UAH")),
    word("reais", Iso("BRL")),
    word("fr", Iso("CHF")),
    word("fr.", Iso("CHF")),
    word("sfr", Iso("CHF")),
    word("sfr.", Iso("CHF")),
    word("franken", Iso("CHF")),
    word("zł", Iso("PLN")),
    word("zł.", Iso("PLN")),
    word("zl", Iso("PLN")),
    word("złotych", Iso("PLN")),
    word("zlotych", Iso("PLN")),
    word("kr", Amb(Family::Krona)),
    word("kr.", Amb(Family::Krona)),
    word("kroner", Amb(Family::Krona)),
    word("kronor", Iso("SEK")),
    word("krónur", Iso("ISK")),
    word("kč", Iso("CZK")),
    word("kc", Iso("CZK")),
    word("korun", Iso("CZK")),
    cased("Ft", Iso("HUF")),
    word("forint", Iso("HUF")),
    word("đ", Iso("VND")),
    word("vnđ", Iso("VND")),
    word("đồng", Iso("VND")),
    word("baht", Iso("THB")),
    word("naira", Iso("NGN")),
    word("rand", Iso("ZAR")),
    word("ksh", Iso("KES")),
    word("ksh.", Iso("KES")),
    word("kshs", Iso("KES")),
    word("kshs.", Iso("KES")),
    word("tsh", Iso("TZS")),
    word("tshs", Iso("TZS")),
    word("ush", Iso("UGX")),
    word("ushs", Iso("UGX")),
    word("peso", Amb(Family::Peso)),
    word("pesos", Amb(Family::Peso)),
    word("won", Iso("KRW")),
    cased("TL", Iso("TRY")),
    word("lira", Iso("TRY")),
    word("liras", Iso("TRY")),
    word("lei", Iso("RON")),
    word("leu", Iso("RON")),
    word("dh", Amb(Family::Dirham)),
    word("dhs", Amb(Family::Dirham)),
    word("dirham", Amb(Family::Dirham)),
    word("dirhams", Amb(Family::Dirham)),
    word("riyal", Iso("SAR")),
    word("riyals", Iso("SAR")),
    word("rp", Iso("IDR")),
    word("rp.", Iso("IDR")),
    word("rupiah", Iso("IDR")),
    word("rm", Iso("MYR")),
    word("ringgit", Iso("MYR")),
    word("cfa", Amb(Family::Cfa)),
    word("f cfa", Amb(Family::Cfa)),
    word("nis", Iso("ILS")),
    word("shekel", Iso("ILS")),
    word("shekels", Iso("ILS")),
    word("лв", Iso("BGN")),
    word("лв.", Iso("BGN")),
    word("тг", Iso("KZT")),
    word("soles", Iso("PEN")),
    word("s/", Iso("PEN")),
    word("s/.", Iso("PEN")),
];

/// Multipliers written after a number, possibly after a space ("2 lakh",
/// "12 тыс.", "1,5 jt", "1.5万"). The single letters `k` and `m` are handled
/// separately: they must touch the number.
const WORD_MULTIPLIERS: &[(&str, u64)] = &[
    ("mio.", 1_000_000),
    ("mio", 1_000_000),
    ("mln.", 1_000_000),
    ("mln", 1_000_000),
    ("million", 1_000_000),
    ("millions", 1_000_000),
    ("millionen", 1_000_000),
    ("млн.", 1_000_000),
    ("млн", 1_000_000),
    ("тыс.", 1_000),
    ("тыс", 1_000),
    ("тысяч", 1_000),
    ("rb", 1_000),
    ("ribu", 1_000),
    ("jt", 1_000_000),
    ("juta", 1_000_000),
    ("lakh", 100_000),
    ("lakhs", 100_000),
    ("lac", 100_000),
    ("lacs", 100_000),
    ("crore", 10_000_000),
    ("crores", 10_000_000),
    ("万", 10_000),
    ("萬", 10_000),
    ("千", 1_000),
    ("triệu", 1_000_000),
    ("tr", 1_000_000),
    ("nghìn", 1_000),
    ("ngàn", 1_000),
    ("thousand", 1_000),
    ("tausend", 1_000),
    ("tsd.", 1_000),
    ("tsd", 1_000),
];

/// Words after a number that make it a count, size, weight or age rather
/// than a price.
const UNITS_AFTER: &[&str] = &[
    "pcs",
    "pc",
    "pce",
    "pces",
    "piece",
    "pieces",
    "pz",
    "stück",
    "stk",
    "st",
    "ks",
    "szt",
    "шт",
    "x",
    "kg",
    "kgs",
    "g",
    "gr",
    "grs",
    "gram",
    "grams",
    "gramm",
    "gramos",
    "gramas",
    "grammes",
    "mg",
    "lb",
    "lbs",
    "pound",
    "pounds",
    "oz",
    "ounce",
    "ounces",
    "t",
    "ton",
    "tons",
    "tonnes",
    "cm",
    "mm",
    "m",
    "km",
    "inch",
    "inches",
    "ft",
    "feet",
    "foot",
    "meter",
    "meters",
    "metre",
    "metres",
    "year",
    "years",
    "yr",
    "yrs",
    "yo",
    "month",
    "months",
    "mo",
    "mos",
    "week",
    "weeks",
    "wks",
    "day",
    "days",
    "hours",
    "años",
    "anos",
    "ans",
    "jahre",
    "jahr",
    "mois",
    "monate",
    "meses",
    "tuổi",
    "ml",
    "l",
    "cc",
    "bird",
    "birds",
    "egg",
    "eggs",
    "pair",
    "pairs",
    "specimens",
    "animals",
    "hatchlings",
    "tortoises",
    "turtles",
    "snakes",
    "scales",
    "head",
    "heads",
    "unit",
    "units",
];

/// Words before a number that make it a count, an identifier or a year.
const QTY_BEFORE: &[&str] = &[
    "x", "qty", "quantity", "menge", "anzahl", "lot", "no", "nr", "size", "age", "aged", "model",
    "ref", "item", "cites", "id", "pre", "circa", "ca", "c", "year", "since", "in", "gen",
];

/// Group nouns that turn a following "of"/"de" into a count ("lot of 12").
const GROUP_NOUNS: &[&str] = &[
    "lot",
    "lots",
    "set",
    "sets",
    "bundle",
    "pack",
    "box",
    "group",
    "batch",
    "kit",
    "collection",
    "lote",
    "juego",
    "paquete",
    "conjunto",
];

/// Words that join the two ends of a range ("100 to 150").
const RANGE_WORDS: &[&str] = &[
    "to", "bis", "à", "a", "au", "até", "ate", "hasta", "tot", "til", "till", "до", "đến",
];

/// Phrases saying there is no price. They win over numbers that no currency
/// marks ("Make an offer, 3 birds"), not over a currency-marked amount.
const HARD_NO_PRICE: &[&str] = &[
    "poa",
    "p.o.a",
    "price on application",
    "price on request",
    "price upon request",
    "on request",
    "upon request",
    "prix sur demande",
    "sur demande",
    "preis auf anfrage",
    "auf anfrage",
    "a consultar",
    "consultar precio",
    "sob consulta",
    "a convenir",
    "make an offer",
    "make me an offer",
    "make offer",
    "best offer",
    "offers",
    "open to offers",
    "free",
    "gratis",
    "gratuit",
    "kostenlos",
    "umsonst",
    "zu verschenken",
    "contact for price",
    "contact",
    "ask",
    "ask for price",
    "dm for price",
    "dm for",
    "dm me",
    "pm for price",
    "pm me",
    "inbox",
    "message for price",
    "call for price",
    "whatsapp",
    "price tbd",
    "tbd",
    "tba",
    "n/a",
    "liên hệ",
    "thỏa thuận",
    "面议",
    "面議",
    "私聊",
    "电议",
    "договорная",
    "по запросу",
];

/// Phrases that look like a no-price phrase but are not one ("or best
/// offer" follows a price; "free shipping" is about shipping).
const SOFT_NO_PRICE: &[&str] = &[
    "or best offer",
    "or nearest offer",
    "or near offer",
    "or make an offer",
    "or make offer",
    "or offers",
    "or offer",
    "free shipping",
    "free delivery",
    "free postage",
    "free p&p",
    "free uk delivery",
    "free local delivery",
    "free gift",
    "free returns",
    "postage free",
    "shipping free",
    "versandkostenfrei",
    "kostenloser versand",
    "gratis versand",
    "livraison gratuite",
    "envío gratis",
    "envio gratis",
    "frete grátis",
    "frete gratis",
];

/// Free-text names of countries and currencies, for the hint.
const HINT_NAMES: &[(&str, &str)] = &[
    ("united states", "USD"),
    ("usa", "USD"),
    ("u.s.", "USD"),
    ("us dollar", "USD"),
    ("us dollars", "USD"),
    ("america", "USD"),
    ("american", "USD"),
    ("australia", "AUD"),
    ("australian", "AUD"),
    ("canada", "CAD"),
    ("canadian", "CAD"),
    ("new zealand", "NZD"),
    ("singapore", "SGD"),
    ("singaporean", "SGD"),
    ("hong kong", "HKD"),
    ("taiwan", "TWD"),
    ("taiwanese", "TWD"),
    ("mexico", "MXN"),
    ("méxico", "MXN"),
    ("mexican", "MXN"),
    ("argentina", "ARS"),
    ("chile", "CLP"),
    ("colombia", "COP"),
    ("uruguay", "UYU"),
    ("jamaica", "JMD"),
    ("namibia", "NAD"),
    ("fiji", "FJD"),
    ("brunei", "BND"),
    ("liberia", "LRD"),
    ("zimbabwe", "USD"),
    ("norway", "NOK"),
    ("norwegian", "NOK"),
    ("norge", "NOK"),
    ("norsk", "NOK"),
    ("denmark", "DKK"),
    ("danish", "DKK"),
    ("danmark", "DKK"),
    ("dansk", "DKK"),
    ("faroe", "DKK"),
    ("greenland", "DKK"),
    ("iceland", "ISK"),
    ("icelandic", "ISK"),
    ("ísland", "ISK"),
    ("sweden", "SEK"),
    ("swedish", "SEK"),
    ("sverige", "SEK"),
    ("svensk", "SEK"),
    ("china", "CNY"),
    ("chinese", "CNY"),
    ("中国", "CNY"),
    ("中國", "CNY"),
    ("prc", "CNY"),
    ("renminbi", "CNY"),
    ("yuan", "CNY"),
    ("japan", "JPY"),
    ("japanese", "JPY"),
    ("日本", "JPY"),
    ("yen", "JPY"),
    ("india", "INR"),
    ("indian", "INR"),
    ("pakistan", "PKR"),
    ("pakistani", "PKR"),
    ("sri lanka", "LKR"),
    ("nepal", "NPR"),
    ("mauritius", "MUR"),
    ("seychelles", "SCR"),
    ("philippines", "PHP"),
    ("philippine", "PHP"),
    ("filipino", "PHP"),
    ("morocco", "MAD"),
    ("moroccan", "MAD"),
    ("maroc", "MAD"),
    ("uae", "AED"),
    ("emirates", "AED"),
    ("dubai", "AED"),
    ("abu dhabi", "AED"),
    ("cameroon", "XAF"),
    ("cameroun", "XAF"),
    ("gabon", "XAF"),
    ("chad", "XAF"),
    ("tchad", "XAF"),
    ("central african", "XAF"),
    ("equatorial guinea", "XAF"),
    ("republic of the congo", "XAF"),
    ("senegal", "XOF"),
    ("sénégal", "XOF"),
    ("ivory coast", "XOF"),
    ("côte d'ivoire", "XOF"),
    ("cote d'ivoire", "XOF"),
    ("mali", "XOF"),
    ("burkina faso", "XOF"),
    ("niger", "XOF"),
    ("togo", "XOF"),
    ("benin", "XOF"),
    ("bénin", "XOF"),
    ("united kingdom", "GBP"),
    ("uk", "GBP"),
    ("britain", "GBP"),
    ("british", "GBP"),
    ("england", "GBP"),
    ("scotland", "GBP"),
    ("wales", "GBP"),
    ("sterling", "GBP"),
    ("germany", "EUR"),
    ("deutschland", "EUR"),
    ("france", "EUR"),
    ("spain", "EUR"),
    ("españa", "EUR"),
    ("italy", "EUR"),
    ("italia", "EUR"),
    ("netherlands", "EUR"),
    ("nederland", "EUR"),
    ("holland", "EUR"),
    ("austria", "EUR"),
    ("österreich", "EUR"),
    ("belgium", "EUR"),
    ("belgique", "EUR"),
    ("portugal", "EUR"),
    ("ireland", "EUR"),
    ("greece", "EUR"),
    ("finland", "EUR"),
    ("suomi", "EUR"),
    ("slovakia", "EUR"),
    ("slovenia", "EUR"),
    ("estonia", "EUR"),
    ("latvia", "EUR"),
    ("lithuania", "EUR"),
    ("luxembourg", "EUR"),
    ("malta", "EUR"),
    ("cyprus", "EUR"),
    ("croatia", "EUR"),
    ("hrvatska", "EUR"),
    ("euro", "EUR"),
    ("euros", "EUR"),
    ("eurozone", "EUR"),
    ("switzerland", "CHF"),
    ("schweiz", "CHF"),
    ("suisse", "CHF"),
    ("svizzera", "CHF"),
    ("swiss", "CHF"),
    ("brazil", "BRL"),
    ("brasil", "BRL"),
    ("brazilian", "BRL"),
    ("russia", "RUB"),
    ("russian", "RUB"),
    ("россия", "RUB"),
    ("vietnam", "VND"),
    ("viet nam", "VND"),
    ("việt nam", "VND"),
    ("vietnamese", "VND"),
    ("thailand", "THB"),
    ("thai", "THB"),
    ("ไทย", "THB"),
    ("nigeria", "NGN"),
    ("nigerian", "NGN"),
    ("kenya", "KES"),
    ("kenyan", "KES"),
    ("tanzania", "TZS"),
    ("uganda", "UGX"),
    ("south africa", "ZAR"),
    ("south african", "ZAR"),
    ("korea", "KRW"),
    ("korean", "KRW"),
    ("한국", "KRW"),
    ("turkey", "TRY"),
    ("türkiye", "TRY"),
    ("turkish", "TRY"),
    ("romania", "RON"),
    ("românia", "RON"),
    ("romanian", "RON"),
    ("poland", "PLN"),
    ("polska", "PLN"),
    ("polish", "PLN"),
    ("czech", "CZK"),
    ("czechia", "CZK"),
    ("česko", "CZK"),
    ("hungary", "HUF"),
    ("hungarian", "HUF"),
    ("magyarország", "HUF"),
    ("indonesia", "IDR"),
    ("indonesian", "IDR"),
    ("malaysia", "MYR"),
    ("malaysian", "MYR"),
    ("egypt", "EGP"),
    ("israel", "ILS"),
    ("ukraine", "UAH"),
    ("україна", "UAH"),
    ("kazakhstan", "KZT"),
    ("saudi", "SAR"),
    ("qatar", "QAR"),
    ("kuwait", "KWD"),
    ("bahrain", "BHD"),
    ("oman", "OMR"),
    ("jordan", "JOD"),
    ("tunisia", "TND"),
    ("bangladesh", "BDT"),
    ("myanmar", "MMK"),
    ("cambodia", "KHR"),
    ("laos", "LAK"),
    ("ghana", "GHS"),
    ("ethiopia", "ETB"),
    ("mozambique", "MZN"),
    ("angola", "AOA"),
    ("zambia", "ZMW"),
    ("botswana", "BWP"),
    ("madagascar", "MGA"),
    ("peru", "PEN"),
];

// ---------------------------------------------------------------------------
// Character helpers
// ---------------------------------------------------------------------------

/// Maps other digit systems and full-width punctuation to ASCII, one char for
/// one char, so positions in the normalised text match the original.
fn normalize_char(c: char) -> char {
    let shift = |base: u32| char::from_u32('0' as u32 + (c as u32 - base)).unwrap_or(c);
    match c {
        '\u{FF10}'..='\u{FF19}' => shift(0xFF10),
        '\u{0660}'..='\u{0669}' => shift(0x0660),
        '\u{06F0}'..='\u{06F9}' => shift(0x06F0),
        '\u{0966}'..='\u{096F}' => shift(0x0966),
        '\u{09E6}'..='\u{09EF}' => shift(0x09E6),
        '\u{0E50}'..='\u{0E59}' => shift(0x0E50),
        '\u{066B}' | '\u{FF0E}' => '.',
        '\u{066C}' | '\u{FF0C}' => ',',
        '\u{FF1A}' => ':',
        '\u{FF0D}' | '\u{2212}' => '-',
        _ => c,
    }
}

fn is_space_sep(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\u{2009}' | '\u{2007}')
}

fn is_group_sep(c: char) -> bool {
    matches!(c, '.' | ',' | '\'' | '’') || is_space_sep(c)
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '–' | '—' | '‒' | '―' | '~' | '～' | '〜')
}

/// Scripts written without spaces between words, where word boundaries mean
/// nothing (CJK, kana, Hangul, Thai).
fn is_unspaced_script(c: char) -> bool {
    matches!(
        c as u32,
        0x0E00..=0x0E7F
            | 0x3040..=0x30FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xAC00..=0xD7AF
            | 0xF900..=0xFAFF
    )
}

fn needs_boundary(c: char) -> bool {
    c.is_alphabetic() && !is_unspaced_script(c)
}

fn eq_ci(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Length (in chars) of `pat` matched at `chars[i..]`, or `None`. With
/// `bounded`, an alphabetic end of the pattern must not touch another letter.
fn match_pat(chars: &[char], i: usize, pat: &str, ci: bool, bounded: bool) -> Option<usize> {
    let mut k = i;
    for pc in pat.chars() {
        let tc = *chars.get(k)?;
        if !(tc == pc || (ci && eq_ci(tc, pc))) {
            return None;
        }
        k += 1;
    }
    if k == i {
        return None;
    }
    if bounded {
        if needs_boundary(chars[i]) && i > 0 && chars[i - 1].is_alphabetic() {
            return None;
        }
        if needs_boundary(chars[k - 1]) && chars.get(k).is_some_and(|c| c.is_alphabetic()) {
            return None;
        }
    }
    Some(k - i)
}

fn contains_phrase(chars: &[char], pat: &str) -> bool {
    (0..chars.len()).any(|i| match_pat(chars, i, pat, false, true).is_some())
}

// ---------------------------------------------------------------------------
// Currency markers
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Mark {
    start: usize,
    end: usize,
    cur: Cur,
    anywhere: bool,
    active: bool,
}

/// A three-letter ISO code at `i`: `(code, anywhere)`.
fn iso_at(chars: &[char], i: usize) -> Option<(&'static str, bool)> {
    if i > 0 && chars[i - 1].is_alphabetic() {
        return None;
    }
    let w = chars.get(i..i + 3)?;
    if !w.iter().all(char::is_ascii_alphabetic) {
        return None;
    }
    if chars.get(i + 3).is_some_and(|c| c.is_alphabetic()) {
        return None;
    }
    let code: String = w.iter().map(char::to_ascii_uppercase).collect();
    let iso = *ISO_CODES.iter().find(|&&k| k == code)?;
    let upper = w.iter().all(char::is_ascii_uppercase);
    let wordlike = WORDLIKE_CODES.contains(&iso);
    match (upper, wordlike) {
        (true, false) => Some((iso, true)),
        (false, true) => None,
        _ => Some((iso, false)),
    }
}

/// South African "R 12 500" / "R350": a capital R right before a number.
fn rand_at(chars: &[char], i: usize) -> bool {
    if chars[i] != 'R' || (i > 0 && chars[i - 1].is_alphanumeric()) {
        return false;
    }
    match chars.get(i + 1) {
        Some(c) if c.is_ascii_digit() => true,
        Some(&c) if is_space_sep(c) => chars.get(i + 2).is_some_and(char::is_ascii_digit),
        _ => false,
    }
}

fn marker_at(chars: &[char], i: usize) -> Option<Mark> {
    let c = chars[i];
    if c.is_ascii_digit() || c.is_whitespace() {
        return None;
    }
    let mut best: Option<(usize, Cur, bool)> = None;
    for def in MARKERS {
        if let Some(len) = match_pat(chars, i, def.pat, def.ci, def.bounded)
            && best.is_none_or(|(l, _, _)| len > l)
        {
            best = Some((len, def.cur, def.anywhere));
        }
    }
    if let Some((iso, anywhere)) = iso_at(chars, i)
        && best.is_none_or(|(l, _, _)| 3 > l)
    {
        best = Some((3, Iso(iso), anywhere));
    }
    if best.is_none() && rand_at(chars, i) {
        best = Some((1, Iso("ZAR"), false));
    }
    best.map(|(len, cur, anywhere)| Mark {
        start: i,
        end: i + len,
        cur,
        anywhere,
        active: true,
    })
}

fn scan_markers(chars: &[char]) -> Vec<Mark> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match marker_at(chars, i) {
            Some(m) => {
                i = m.end;
                out.push(m);
            }
            None => i += 1,
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MultKind {
    /// `k` / `K` touching the number.
    K,
    /// `m` / `M` touching the number: only a multiplier next to a currency.
    M,
    /// A word multiplier ("lakh", "万", "Mio.").
    Word,
}

#[derive(Debug, Clone)]
struct Num {
    start: usize,
    digits_end: usize,
    /// End including any multiplier or ",-" suffix.
    end: usize,
    mult: Option<(u64, MultKind)>,
    /// Digits written after a multiplier, as a fraction of it: the "5" of
    /// "1tr5" (1.5 million đồng) or "1k5" (1500).
    tail: Option<Decimal>,
    glued_before: bool,
    glued_after: bool,
    qty_before: bool,
    unit_after: bool,
    leading_zero: bool,
    year_like: bool,
    left: Option<usize>,
    right: Option<usize>,
    negative: bool,
    /// Value without multiplier, read with two-decimal rules; `None` when the
    /// digits are no valid number in any locale (dates, phone numbers...).
    probe: Option<Decimal>,
}

impl Num {
    fn adjacent(&self) -> bool {
        self.left.is_some() || self.right.is_some()
    }

    /// Looks like a price on its own, without a currency next to it.
    fn plausible_bare(&self) -> bool {
        self.probe.is_some()
            && !self.negative
            && !self.glued_before
            && !self.glued_after
            && !self.qty_before
            && !self.unit_after
            && !self.leading_zero
            && !matches!(self.mult, Some((_, MultKind::M)))
    }
}

/// The word just before `start` (skipping spaces, ':' and '#') says the
/// number is a count, an identifier or a year.
fn qty_word_before(chars: &[char], start: usize) -> bool {
    let mut p = start;
    while p > 0 && (chars[p - 1].is_whitespace() || matches!(chars[p - 1], ':' | '#')) {
        p -= 1;
    }
    if p > 0 && matches!(chars[p - 1], '×' | '*') {
        return true;
    }
    let (word, before) = word_ending_at(chars, p);
    if word.is_empty() {
        return false;
    }
    if QTY_BEFORE.contains(&word.as_str()) {
        return true;
    }
    if matches!(word.as_str(), "of" | "de" | "von") {
        let mut q = before;
        while q > 0 && chars[q - 1].is_whitespace() {
            q -= 1;
        }
        let (prev, _) = word_ending_at(chars, q);
        return GROUP_NOUNS.contains(&prev.as_str());
    }
    false
}

/// The lower-cased word (letters and dots) ending at `end`, without trailing
/// dots, and where it starts.
fn word_ending_at(chars: &[char], end: usize) -> (String, usize) {
    let mut p = end;
    while p > 0 && (chars[p - 1].is_alphabetic() || chars[p - 1] == '.') {
        p -= 1;
    }
    let w: String = chars[p..end].iter().collect::<String>().to_lowercase();
    (w.trim_matches('.').to_string(), p)
}

/// The word after `end` (after spaces) names a unit, or a unit sign follows.
fn unit_word_after(chars: &[char], end: usize, marks_owner: &[Option<usize>]) -> bool {
    let mut p = end;
    while p < chars.len() && chars[p].is_whitespace() && p - end < 3 {
        p += 1;
    }
    let Some(&c) = chars.get(p) else {
        return false;
    };
    if matches!(c, '%' | '"' | '″' | '′' | '°' | '²' | '³' | '×' | '\'') {
        return true;
    }
    if marks_owner[p].is_some() || !c.is_alphabetic() {
        return false;
    }
    let mut q = p;
    while q < chars.len() && chars[q].is_alphabetic() && !is_unspaced_script(chars[q]) {
        q += 1;
    }
    let w: String = chars[p..q].iter().collect::<String>().to_lowercase();
    UNITS_AFTER.contains(&w.as_str())
}

fn read_multiplier(chars: &[char], j: usize) -> Option<(u64, MultKind, usize)> {
    let c = *chars.get(j)?;
    let next_alpha = chars.get(j + 1).is_some_and(|c| c.is_alphabetic());
    if matches!(c, 'k' | 'K') && !next_alpha {
        return Some((1_000, MultKind::K, j + 1));
    }
    if matches!(c, 'm' | 'M') && !next_alpha {
        return Some((1_000_000, MultKind::M, j + 1));
    }
    let mut p = j;
    while p < chars.len() && is_space_sep(chars[p]) && p - j < 2 {
        p += 1;
    }
    let mut best: Option<(usize, u64)> = None;
    for &(pat, factor) in WORD_MULTIPLIERS {
        if let Some(len) = match_pat(chars, p, pat, true, true)
            && best.is_none_or(|(l, _)| len > l)
        {
            best = Some((len, factor));
        }
    }
    best.map(|(len, factor)| (factor, MultKind::Word, p + len))
}

/// Consumes "no cents" suffixes: "1.299,-", "15.–", "5000/-", "1,500/=".
fn read_dash_cents(chars: &[char], j: usize) -> usize {
    let (Some(&a), Some(&b)) = (chars.get(j), chars.get(j + 1)) else {
        return j;
    };
    if matches!(a, '.' | ',') && matches!(b, '-' | '–' | '—') {
        if chars.get(j + 2).is_some_and(char::is_ascii_digit) {
            return j;
        }
        let mut e = j + 2;
        while chars.get(e).is_some_and(|&c| matches!(c, '-' | '–' | '—')) {
            e += 1;
        }
        return e;
    }
    if a == '/' && matches!(b, '-' | '=') {
        return j + 2;
    }
    j
}

fn scan_numbers(chars: &[char], owner: &[Option<usize>]) -> Vec<Num> {
    let n = chars.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        let glued_before = i > 0 && chars[i - 1].is_alphabetic() && owner[i - 1].is_none();
        let qty_before = qty_word_before(chars, start);
        let allow_space = !glued_before && !qty_before;
        let mut j = i;
        while j < n && chars[j].is_ascii_digit() {
            j += 1;
        }
        let mut group = j - start;
        let mut seen_point = false;
        while j + 1 < n && is_group_sep(chars[j]) && chars[j + 1].is_ascii_digit() {
            let s = chars[j];
            let mut k = j + 1;
            while k < n && chars[k].is_ascii_digit() {
                k += 1;
            }
            if is_space_sep(s) {
                if !allow_space || seen_point || group > 3 || k - (j + 1) != 3 {
                    break;
                }
            } else if matches!(s, '.' | ',') {
                seen_point = true;
            }
            group = k - (j + 1);
            j = k;
        }
        let digits_end = j;
        let (mult, mut end) = match read_multiplier(chars, digits_end) {
            Some((factor, kind, e)) => (Some((factor, kind)), e),
            None => (None, read_dash_cents(chars, digits_end)),
        };
        let mut tail = None;
        if let Some((factor, kind)) = mult
            && kind != MultKind::M
        {
            let mut k = end;
            while k < n && chars[k].is_ascii_digit() {
                k += 1;
            }
            let len = k - end;
            if (1..=3).contains(&len) && raw_is_integer(&chars[start..digits_end]) {
                let digits: String = chars[end..k].iter().collect();
                tail = digits.parse::<i64>().ok().and_then(|t| {
                    let frac = Decimal::new(t, u32::try_from(len).ok()?);
                    frac.checked_mul(Decimal::from(factor))
                });
                if tail.is_some() {
                    end = k;
                }
            }
        }
        let glued_after = chars.get(end).is_some_and(|c| c.is_alphabetic()) && owner[end].is_none();
        let raw = &chars[start..digits_end];
        let leading_zero = raw.len() > 1 && raw[0] == '0' && raw[1].is_ascii_digit();
        let probe = parse_amount(raw, false);
        let year_like = mult.is_none()
            && raw.len() == 4
            && raw.iter().all(char::is_ascii_digit)
            && probe.is_some_and(|v| v >= Decimal::from(1800) && v <= Decimal::from(2099));
        out.push(Num {
            start,
            digits_end,
            end,
            mult,
            tail,
            glued_before,
            glued_after,
            qty_before,
            unit_after: !glued_after && unit_word_after(chars, end, owner),
            leading_zero,
            year_like,
            left: None,
            right: None,
            negative: false,
            probe,
        });
        i = end.max(i + 1);
    }
    out
}

fn raw_is_integer(raw: &[char]) -> bool {
    raw.iter().all(char::is_ascii_digit)
}

/// Reads the digits and separators of one number. `three_decimals` makes a
/// lone separator before exactly three digits a decimal point.
fn parse_amount(raw: &[char], three_decimals: bool) -> Option<Decimal> {
    let dots = raw.iter().filter(|&&c| c == '.').count();
    let commas = raw.iter().filter(|&&c| c == ',').count();
    let last_dot = raw.iter().rposition(|&c| c == '.');
    let last_comma = raw.iter().rposition(|&c| c == ',');
    let dec_pos = match (last_dot, last_comma) {
        (Some(d), Some(c)) => {
            let (pos, count) = if d > c { (d, dots) } else { (c, commas) };
            if count != 1 {
                return None;
            }
            Some(pos)
        }
        (Some(pos), None) | (None, Some(pos)) if dots + commas == 1 => {
            let after = raw.len() - pos - 1;
            let int_digits = raw[..pos].iter().filter(|c| c.is_ascii_digit()).count();
            let other_grouping = raw[..pos].iter().any(|c| !c.is_ascii_digit());
            let is_decimal = after != 3
                || three_decimals
                || other_grouping
                || raw.first() == Some(&'0')
                || int_digits > 3;
            is_decimal.then_some(pos)
        }
        _ => None,
    };
    let (int_part, frac_part) = match dec_pos {
        Some(p) => (&raw[..p], &raw[p + 1..]),
        None => (raw, &raw[raw.len()..]),
    };
    if !frac_part.iter().all(char::is_ascii_digit) {
        return None;
    }
    let mut groups = Vec::new();
    let mut current = 0usize;
    let mut class: Option<u8> = None;
    for &c in int_part {
        if c.is_ascii_digit() {
            current += 1;
            continue;
        }
        let this = match c {
            '.' => 0,
            ',' => 1,
            '\'' | '’' => 2,
            _ => 3,
        };
        if class.is_some_and(|k| k != this) || current == 0 {
            return None;
        }
        class = Some(this);
        groups.push(current);
        current = 0;
    }
    if current == 0 {
        return None;
    }
    groups.push(current);
    if !valid_groups(&groups) {
        return None;
    }
    let digits: String = int_part
        .iter()
        .chain(frac_part)
        .filter(|c| c.is_ascii_digit())
        .collect();
    if digits.len() > MAX_DIGITS {
        return None;
    }
    let mantissa: i128 = digits.parse().ok()?;
    let scale = u32::try_from(frac_part.len()).ok()?;
    Decimal::try_from_i128_with_scale(mantissa, scale).ok()
}

/// Western grouping (1–3 digits, then threes) or Indian grouping (1–2
/// digits, then twos, then a final three).
fn valid_groups(groups: &[usize]) -> bool {
    let [first, rest @ ..] = groups else {
        return false;
    };
    let Some((&last, middle)) = rest.split_last() else {
        return true;
    };
    let western = (1..=3).contains(first) && rest.iter().all(|&g| g == 3);
    let indian = (1..=2).contains(first) && last == 3 && middle.iter().all(|&g| g == 2);
    western || indian
}

/// The full value of a number: digits times multiplier plus any tail.
fn full_value(value: Decimal, num: &Num) -> Option<Decimal> {
    let v = apply_mult(value, num.mult)?;
    match num.tail {
        Some(t) => v.checked_add(t).map(|x| x.normalize()),
        None => Some(v),
    }
}

fn apply_mult(value: Decimal, mult: Option<(u64, MultKind)>) -> Option<Decimal> {
    match mult {
        None => Some(value),
        Some((factor, _)) => value
            .checked_mul(Decimal::from(factor))
            .map(|v| v.normalize()),
    }
}

// ---------------------------------------------------------------------------
// Putting numbers and markers together
// ---------------------------------------------------------------------------

fn attach_markers(chars: &[char], owner: &[Option<usize>], marks: &[Mark], nums: &mut [Num]) {
    for num in nums.iter_mut() {
        let mut p = num.start;
        while p > 0 && (chars[p - 1].is_whitespace() || chars[p - 1] == ':') {
            p -= 1;
        }
        if p > 0
            && let Some(m) = owner[p - 1]
            && marks[m].end == p
        {
            num.left = Some(m);
        }
        let mut q = num.end;
        while q < chars.len() && chars[q].is_whitespace() {
            q += 1;
        }
        let m_needs_touch = matches!(num.mult, Some((_, MultKind::M))) && q != num.end;
        if let Some(Some(m)) = owner.get(q)
            && marks[*m].start == q
            && !m_needs_touch
        {
            num.right = Some(*m);
        }
    }
    // A marker between two numbers ("07700 900123 £250", "10 € 20") belongs
    // to one of them: the one it touches without a space, else the side the
    // sign is usually written on.
    for i in 1..nums.len() {
        let (before, after) = nums.split_at_mut(i);
        let x = &mut before[i - 1];
        let y = &mut after[0];
        let (Some(mx), Some(my)) = (x.right, y.left) else {
            continue;
        };
        if mx != my {
            continue;
        }
        let m = &marks[mx];
        let gap_x = m.start - x.end;
        let gap_y = y.start - m.end;
        let keep_after = match (gap_x == 0, gap_y == 0) {
            (false, true) => true,
            (true, false) => false,
            _ => m.end > m.start && is_prefix_sign(chars[m.end - 1]),
        };
        if keep_after {
            x.right = None;
        } else {
            y.left = None;
        }
    }
}

/// Signs written before the amount in most places that use them.
fn is_prefix_sign(last: char) -> bool {
    matches!(last, '$' | '£' | '¥' | '￥' | '₹' | '₱' | '₦' | '＄' | '₩')
}

fn skip_ws(chars: &[char], mut p: usize, limit: usize) -> usize {
    while p < limit && chars[p].is_whitespace() {
        p += 1;
    }
    p
}

fn skip_mark(owner: &[Option<usize>], marks: &[Mark], p: usize, limit: usize) -> usize {
    match owner.get(p) {
        Some(Some(m)) if marks[*m].start == p && marks[*m].active && marks[*m].end <= limit => {
            marks[*m].end
        }
        _ => p,
    }
}

/// `a` and `b` are the two ends of a range ("100-150", "€100 – €150",
/// "100 to 150 EUR").
fn is_range(chars: &[char], owner: &[Option<usize>], marks: &[Mark], a: &Num, b: &Num) -> bool {
    let limit = b.start;
    let clean = |x: &Num| !x.glued_before && !x.glued_after && !x.qty_before;
    if a.end > limit || !clean(a) || !clean(b) {
        return false;
    }
    let mut p = skip_ws(chars, a.end, limit);
    p = skip_mark(owner, marks, p, limit);
    p = skip_ws(chars, p, limit);
    if p >= limit {
        return false;
    }
    if is_dash(chars[p]) {
        p += 1;
    } else {
        let mut q = p;
        while q < limit && chars[q].is_alphabetic() {
            q += 1;
        }
        let w: String = chars[p..q].iter().collect::<String>().to_lowercase();
        let spaced =
            p > a.end && chars[p - 1].is_whitespace() && q < limit && chars[q].is_whitespace();
        if q == p || !spaced || !RANGE_WORDS.contains(&w.as_str()) {
            return false;
        }
        p = q;
    }
    p = skip_ws(chars, p, limit);
    p = skip_mark(owner, marks, p, limit);
    p = skip_ws(chars, p, limit);
    if p != limit {
        return false;
    }
    match (a.probe, b.probe) {
        (Some(x), Some(y)) => range_values(x, a.mult, y, b.mult).is_some(),
        _ => false,
    }
}

/// Both ends of a range with multipliers applied; a bare lower end borrows
/// the upper end's multiplier ("1.5-2k"). `None` unless low < high.
fn range_values(
    low: Decimal,
    low_mult: Option<(u64, MultKind)>,
    high: Decimal,
    high_mult: Option<(u64, MultKind)>,
) -> Option<(Decimal, Decimal)> {
    let low_mult = if low_mult.is_none() && high_mult.is_some() && low < high {
        high_mult
    } else {
        low_mult
    };
    let lo = apply_mult(low, low_mult)?;
    let hi = apply_mult(high, high_mult)?;
    (lo < hi).then_some((lo, hi))
}

/// A minus sign right before the number (or before its currency sign) that
/// is not the dash of a range: negative amounts are not prices.
fn is_negative(chars: &[char], marks: &[Mark], num: &Num) -> bool {
    let dash_at = if num.start > 0 && chars[num.start - 1] == '-' {
        Some(num.start - 1)
    } else if let Some(m) = num.left {
        let s = marks[m].start;
        (s > 0 && chars[s - 1] == '-').then(|| s - 1)
    } else {
        None
    };
    let Some(d) = dash_at else {
        return false;
    };
    let mut p = d;
    while p > 0 && chars[p - 1].is_whitespace() {
        p -= 1;
    }
    !(p > 0 && chars[p - 1].is_ascii_digit())
}

/// Characters common in Chinese listings that Japanese does not use
/// (Japanese writes 価, 売, 個...).
const CHINESE_ONLY: &[char] = &[
    '价', '價', '卖', '賣', '这', '這', '们', '們', '个', '让', '讓', '邮', '买', '钱', '錢',
];

/// Chinese rather than Japanese text (a Chinese-only character and no kana),
/// so a bare `¥` means CNY.
fn is_chinese_text(chars: &[char]) -> bool {
    let kana = chars.iter().any(|&c| matches!(c as u32, 0x3040..=0x30FF));
    !kana && chars.iter().any(|c| CHINESE_ONLY.contains(c))
}

fn says_no_price(chars: &[char]) -> bool {
    let mut lower: String = chars.iter().collect::<String>().to_lowercase();
    for soft in SOFT_NO_PRICE {
        if lower.contains(soft) {
            lower = lower.replace(soft, " ");
        }
    }
    let lower: Vec<char> = lower.chars().collect();
    HARD_NO_PRICE.iter().any(|p| contains_phrase(&lower, p))
}

/// Reads a page-level currency hint: an ISO code, a code inside free text
/// ("prices in NZD"), a country or currency name ("Australian dollars",
/// "Norway"), or a currency sign.
fn resolve_hint(hint: &str) -> Option<&'static str> {
    let trimmed = hint.trim();
    if trimmed.chars().count() == 3 {
        let up = trimmed.to_ascii_uppercase();
        if let Some(iso) = ISO_CODES.iter().find(|&&k| k == up) {
            return Some(iso);
        }
    }
    let chars: Vec<char> = trimmed.chars().take(512).map(normalize_char).collect();
    for i in 0..chars.len() {
        if let Some((iso, _)) = iso_at(&chars, i) {
            return Some(iso);
        }
    }
    let lower: Vec<char> = chars
        .iter()
        .collect::<String>()
        .to_lowercase()
        .chars()
        .collect();
    let mut best: Option<(usize, &'static str)> = None;
    for &(name, iso) in HINT_NAMES {
        if let Some(pos) =
            (0..lower.len()).find(|&i| match_pat(&lower, i, name, false, true).is_some())
            && best.is_none_or(|(p, _)| pos < p)
        {
            best = Some((pos, iso));
        }
    }
    if let Some((_, iso)) = best {
        return Some(iso);
    }
    scan_markers(&chars).first().map(|m| match m.cur {
        Iso(iso) => iso,
        Amb(f) => f.default_iso(),
    })
}

/// Parses a price from listing text. `currency_hint` (an ISO code, or page
/// text naming the currency or country) only settles an ambiguous sign (`$`,
/// `¥`, `kr`, `Rs`...) or supplies the currency when the text has none.
pub fn parse_price(text: &str, currency_hint: Option<&str>) -> ParsedPrice {
    let orig: Vec<char> = text.chars().take(MAX_CHARS).collect();
    let chars: Vec<char> = orig.iter().copied().map(normalize_char).collect();
    let n = chars.len();

    let mut marks = scan_markers(&chars);
    let mut owner: Vec<Option<usize>> = vec![None; n];
    for (idx, m) in marks.iter().enumerate() {
        for slot in &mut owner[m.start..m.end] {
            *slot = Some(idx);
        }
    }
    let mut nums = scan_numbers(&chars, &owner);
    attach_markers(&chars, &owner, &marks, &mut nums);
    for (idx, m) in marks.iter_mut().enumerate() {
        if !m.anywhere {
            m.active = nums
                .iter()
                .any(|x| x.left == Some(idx) || x.right == Some(idx));
        }
    }

    let links: Vec<bool> = nums
        .windows(2)
        .map(|w| is_range(&chars, &owner, &marks, &w[0], &w[1]))
        .collect();
    let is_b = |i: usize| i > 0 && links[i - 1];
    let is_a = |i: usize| links.get(i).copied().unwrap_or(false);
    let negatives: Vec<bool> = nums
        .iter()
        .enumerate()
        .map(|(i, x)| !is_b(i) && is_negative(&chars, &marks, x))
        .collect();
    for (x, neg) in nums.iter_mut().zip(negatives) {
        x.negative = neg;
    }

    // Tier 1: next to a currency and clean; 2: next to a currency; 3: a bare
    // plausible number; 4: a bare number that looks like a year.
    let partner_ok = |i: usize| {
        (!is_a(i) || nums[i + 1].plausible_bare()) && (!is_b(i) || nums[i - 1].plausible_bare())
    };
    let tier = |i: usize, x: &Num| -> Option<u8> {
        if x.probe.is_none() || x.negative {
            return None;
        }
        if x.adjacent() {
            let clean = !x.glued_before && !x.glued_after && !x.qty_before;
            return Some(if clean { 1 } else { 2 });
        }
        if x.plausible_bare() && partner_ok(i) {
            return Some(if x.year_like { 4 } else { 3 });
        }
        None
    };
    let mut chosen: Option<(u8, usize)> = None;
    for (i, x) in nums.iter().enumerate() {
        if let Some(t) = tier(i, x)
            && chosen.is_none_or(|(bt, _)| t < bt)
        {
            chosen = Some((t, i));
        }
    }
    if chosen.is_some_and(|(t, _)| t >= 3) && says_no_price(&chars) {
        chosen = None;
    }
    let pair: Option<(usize, Option<usize>)> = chosen.map(|(_, i)| {
        if is_b(i) {
            (i - 1, Some(i))
        } else if is_a(i) {
            (i, Some(i + 1))
        } else {
            (i, None)
        }
    });

    // Currency: a marker next to the chosen number, else the first marker in
    // the text, else the hint.
    let members: Vec<usize> = match pair {
        Some((a, Some(b))) => vec![a, b],
        Some((a, None)) => vec![a],
        None => Vec::new(),
    };
    let adjacent_marks: Vec<usize> = members
        .iter()
        .flat_map(|&i| [nums[i].left, nums[i].right])
        .flatten()
        .collect();
    let picked = adjacent_marks
        .iter()
        .copied()
        .find(|&m| matches!(marks[m].cur, Iso(_)))
        .or_else(|| adjacent_marks.first().copied())
        .or_else(|| marks.iter().position(|m| m.active));
    let hint_iso = currency_hint.and_then(resolve_hint);
    let (currency, currency_raw) = match picked {
        Some(m) => {
            let iso = match marks[m].cur {
                Iso(iso) => iso,
                Amb(family) => {
                    let adjacent_elsewhere = |k: usize| {
                        nums.iter().enumerate().any(|(i, x)| {
                            !members.contains(&i) && (x.left == Some(k) || x.right == Some(k))
                        })
                    };
                    let in_text = marks.iter().enumerate().find_map(|(k, mk)| match mk.cur {
                        Iso(iso)
                            if mk.active
                                && family.members().contains(&iso)
                                && !adjacent_elsewhere(k) =>
                        {
                            Some(iso)
                        }
                        _ => None,
                    });
                    let chinese_text = family == Family::Yen && is_chinese_text(&chars);
                    in_text
                        .or(hint_iso.filter(|h| family.members().contains(h)))
                        .or(chinese_text.then_some("CNY"))
                        .unwrap_or_else(|| family.default_iso())
                }
            };
            let raw: String = orig[marks[m].start..marks[m].end].iter().collect();
            (Some(iso), Some(raw.trim().to_string()))
        }
        None if pair.is_some() => (hint_iso, None),
        None => (None, None),
    };

    let three = currency.is_some_and(|c| THREE_DECIMALS.contains(&c));
    let value_of = |i: usize| parse_amount(&chars[nums[i].start..nums[i].digits_end], three);
    let (amount, amount_max) = match pair {
        None => (None, None),
        Some((a, None)) => (value_of(a).and_then(|v| full_value(v, &nums[a])), None),
        Some((a, Some(b))) => {
            match (value_of(a), value_of(b)) {
                (Some(x), Some(y)) => match range_values(x, nums[a].mult, y, nums[b].mult) {
                    Some((lo, hi)) => (Some(lo), Some(hi)),
                    // Not ordered after all: keep the number that was chosen.
                    None => {
                        let i = chosen.map_or(a, |(_, i)| i);
                        (value_of(i).and_then(|v| full_value(v, &nums[i])), None)
                    }
                },
                _ => (None, None),
            }
        }
    };

    ParsedPrice {
        amount,
        currency: currency.map(str::to_string),
        currency_raw,
        amount_max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
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
            '=', ':', '$', '€', '£', '¥', '₹', '₽', '₫', 'R', 's', 'k', 'm', 'M', 'K', 'r', 'p',
            'x', 'E', 'U', 'D', 'S', 'C', 'H', 'F', '元', '万', 'đ', 'د', '.', 'إ', 'ر', 'б', 'у',
            'р', 'ł', 'z', 'č', 't', 'o', 'a', '٫', '٣', '１',
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
}
