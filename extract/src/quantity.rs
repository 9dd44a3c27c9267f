//! Specimen counts stated in listing titles and descriptions.
//!
//! This module owns `parse_quantity`: reading how many specimens or items a
//! listing says it offers ("pair of", "x3", "5 pcs", "lot of 12", "qty: 4",
//! "3 birds", "trio", "dozen", "一对", "3只", "3 con", ...), in English and a
//! few other languages.
//!
//! It must not read prices, weights, sizes, ages or years as counts ("€1,200",
//! "10 kg", "10x15 cm", "3 years old", "pre-1947" all give nothing), must not
//! guess a count the text does not state, and does no I/O. It never panics;
//! only the first [`MAX_CHARS`] characters of a text are looked at.

/// Longest input considered, in characters; the rest is ignored.
pub const MAX_CHARS: usize = 8192;
/// Largest count accepted; anything larger is taken as not a count.
pub const MAX_QUANTITY: u32 = 10_000;

/// Words that mean two, or two per unit after a number ("2 pairs" = 4).
const PAIR_WORDS: &[&str] = &[
    "pair", "pairs", "paire", "paires", "paar", "paare", "pares", "pareja", "parejas", "cặp",
    "пара", "пары", "пар", "pasang", "对", "對", "双", "雙",
];

/// Dozen in several languages.
const DOZEN_WORDS: &[&str] = &[
    "dozen",
    "dozens",
    "douzaine",
    "douzaines",
    "dutzend",
    "docena",
    "docenas",
    "dúzia",
    "duzia",
    "dúzias",
];

/// Piece words and classifiers: "5 pcs", "3 Stück", "3 ks", "5件", "3 con".
const PIECE_WORDS: &[&str] = &[
    "pcs",
    "pc",
    "pce",
    "pces",
    "piece",
    "pieces",
    "pz",
    "pzs",
    "pza",
    "pzas",
    "pieza",
    "piezas",
    "peça",
    "peças",
    "pièce",
    "pièces",
    "pieces",
    "stück",
    "stueck",
    "stk",
    "ks",
    "kusů",
    "kusy",
    "szt",
    "sztuk",
    "sztuki",
    "шт",
    "штук",
    "штуки",
    "штука",
    "units",
    "unit",
    "unidad",
    "unidades",
    "unité",
    "unités",
    "cái",
    "chiếc",
    "con",
    "ekor",
    "buah",
    "只",
    "隻",
    "件",
    "个",
    "個",
    "条",
    "條",
    "头",
    "頭",
    "枚",
    "匹",
    "羽",
    "尾",
];

/// Animals, parts and items counted in wildlife listings ("3 birds", "10 scales").
const COUNT_NOUNS: &[&str] = &[
    // English
    "bird",
    "birds",
    "parrot",
    "parrots",
    "macaw",
    "macaws",
    "cockatoo",
    "cockatoos",
    "parakeet",
    "parakeets",
    "lovebird",
    "lovebirds",
    "finch",
    "finches",
    "canary",
    "canaries",
    "owl",
    "owls",
    "eagle",
    "eagles",
    "falcon",
    "falcons",
    "hawk",
    "hawks",
    "tortoise",
    "tortoises",
    "turtle",
    "turtles",
    "terrapin",
    "terrapins",
    "snake",
    "snakes",
    "python",
    "pythons",
    "boa",
    "boas",
    "viper",
    "vipers",
    "lizard",
    "lizards",
    "gecko",
    "geckos",
    "iguana",
    "iguanas",
    "chameleon",
    "chameleons",
    "monitor",
    "monitors",
    "skink",
    "skinks",
    "frog",
    "frogs",
    "toad",
    "toads",
    "salamander",
    "salamanders",
    "axolotl",
    "axolotls",
    "hatchling",
    "hatchlings",
    "juvenile",
    "juveniles",
    "baby",
    "babies",
    "chick",
    "chicks",
    "egg",
    "eggs",
    "animal",
    "animals",
    "specimen",
    "specimens",
    "individual",
    "individuals",
    "monkey",
    "monkeys",
    "primate",
    "primates",
    "lemur",
    "lemurs",
    "loris",
    "lorises",
    "cub",
    "cubs",
    "pangolin",
    "pangolins",
    "scale",
    "scales",
    "tusk",
    "tusks",
    "horn",
    "horns",
    "tooth",
    "teeth",
    "claw",
    "claws",
    "skin",
    "skins",
    "pelt",
    "pelts",
    "hide",
    "hides",
    "skull",
    "skulls",
    "carving",
    "carvings",
    "bangle",
    "bangles",
    "bracelet",
    "bracelets",
    "bead",
    "beads",
    "figurine",
    "figurines",
    "statue",
    "statues",
    "feather",
    "feathers",
    "shell",
    "shells",
    "coral",
    "corals",
    "fish",
    "seahorse",
    "seahorses",
    "spider",
    "spiders",
    "tarantula",
    "tarantulas",
    "scorpion",
    "scorpions",
    "crocodile",
    "crocodiles",
    "caiman",
    "caimans",
    "alligator",
    "alligators",
    // French
    "oiseau",
    "oiseaux",
    "perroquet",
    "perroquets",
    "tortue",
    "tortues",
    "serpent",
    "serpents",
    "animaux",
    "bébé",
    "bébés",
    "oeufs",
    "œufs",
    "écailles",
    "défenses",
    // German
    "vogel",
    "vögel",
    "papagei",
    "papageien",
    "schildkröte",
    "schildkröten",
    "schlange",
    "schlangen",
    "tier",
    "tiere",
    "jungtier",
    "jungtiere",
    "eier",
    "schuppen",
    "zähne",
    // Spanish / Portuguese
    "ave",
    "aves",
    "pájaro",
    "pájaros",
    "pássaro",
    "pássaros",
    "loro",
    "loros",
    "papagaio",
    "papagaios",
    "tortuga",
    "tortugas",
    "tartaruga",
    "tartarugas",
    "serpiente",
    "serpientes",
    "cobra",
    "cobras",
    "animal",
    "animales",
    "crías",
    "filhote",
    "filhotes",
    "huevos",
    "ovos",
    "escamas",
    "colmillos",
    // Russian
    "птиц",
    "птицы",
    "попугая",
    "попугаев",
    "черепахи",
    "черепах",
    "змеи",
    "змей",
];

/// Words that may stand between a number and a counted noun ("3 baby
/// tortoises" yes; "10 kg scales", "3 years old birds" no).
const NOT_FILLER: &[&str] = &[
    "kg", "kgs", "g", "gr", "grs", "gram", "grams", "gramm", "gramos", "gramas", "grammes", "mg",
    "lb", "lbs", "pound", "pounds", "oz", "ounce", "ounces", "t", "ton", "tons", "tonne", "tonnes",
    "kilo", "kilos", "cm", "mm", "m", "km", "in", "inch", "inches", "ft", "feet", "foot", "meter",
    "meters", "metre", "metres", "year", "years", "yr", "yrs", "yo", "month", "months", "mo",
    "week", "weeks", "day", "days", "hours", "años", "anos", "ans", "jahre", "jahr", "mois",
    "monate", "meses", "tuổi", "ml", "l", "x", "of", "for", "per", "and", "or", "with", "each",
    "de", "à", "a", "to", "eur", "euro", "euros", "usd", "dollar", "dollars", "gbp", "rs", "inr",
    "baht", "yuan", "rmb", "k", "percent",
];

/// Nouns that turn a following "of"/"de"/"mit" into a count ("lot of 12").
const GROUP_WORDS: &[&str] = &[
    "lot",
    "lots",
    "set",
    "sets",
    "bundle",
    "bundles",
    "pack",
    "group",
    "batch",
    "box",
    "collection",
    "lote",
    "juego",
    "paquete",
    "conjunto",
    "kit",
    "ensemble",
];

const GROUP_LINKS: &[&str] = &[
    "of", "de", "von", "mit", "aus", "com", "di", "da", "do", "du",
];

/// Quantity labels followed by the count ("qty: 4", "Menge: 3").
const QTY_LABELS: &[&str] = &[
    "qty",
    "quantity",
    "quantité",
    "quantite",
    "cantidad",
    "quantidade",
    "menge",
    "anzahl",
    "stückzahl",
    "количество",
    "кол",
    "jumlah",
];

/// Small English number words.
const NUMBER_WORDS: &[(&str, u64)] = &[
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("fifteen", 15),
    ("twenty", 20),
];

/// Currency signs: a number right after one is a price, not a count.
const CURRENCY_SIGNS: &[char] = &[
    '$', '€', '£', '¥', '￥', '₹', '₽', '₫', '฿', '₦', '₱', '₩', '₺', '₴', '₪', '₨', '＄',
];

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// An integer (`None` when it has decimals or is too long).
    Num(Option<u64>),
    /// A lower-cased word, or a single CJK character.
    Word(String),
    /// Any other single character.
    Sym(char),
}

#[derive(Debug, Clone)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
    /// Digits written, for numbers (to spot four-digit years).
    digits: usize,
}

fn is_cjk(c: char) -> bool {
    matches!(
        c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
    )
}

fn cn_digit(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' | '兩' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn cn_unit(c: char) -> Option<u64> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        _ => return None,
    })
}

/// Value of a run of Chinese numerals ("三" = 3, "十二" = 12, "二十五" = 25).
fn cn_value(run: &[char]) -> u64 {
    let mut total = 0u64;
    let mut digit = 0u64;
    for &c in run {
        if let Some(d) = cn_digit(c) {
            digit = d;
        } else if let Some(u) = cn_unit(c) {
            total += digit.max(1) * u;
            digit = 0;
        }
    }
    total + digit
}

fn normalize_digit(c: char) -> char {
    match c {
        '\u{FF10}'..='\u{FF19}' => char::from_u32('0' as u32 + (c as u32 - 0xFF10)).unwrap_or(c),
        '\u{FF1A}' => ':',
        _ => c,
    }
}

fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().take(MAX_CHARS).map(normalize_digit).collect();
    let n = chars.len();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            while i < n && chars[i].is_ascii_digit() {
                i += 1;
            }
            // Thousands grouping "1,200" / "1.200": exactly three digits per group.
            if i - start <= 3 {
                while matches!(chars.get(i), Some(',' | '.'))
                    && chars
                        .get(i + 1..i + 4)
                        .is_some_and(|g| g.iter().all(char::is_ascii_digit))
                    && !chars.get(i + 4).is_some_and(char::is_ascii_digit)
                {
                    i += 4;
                }
            }
            let mut decimal = false;
            if i + 1 < n && matches!(chars[i], ',' | '.') && chars[i + 1].is_ascii_digit() {
                decimal = true;
                i += 1;
                while i < n && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let digits: String = chars[start..i]
                .iter()
                .filter(|c| c.is_ascii_digit())
                .collect();
            let value = if decimal || digits.len() > 12 {
                None
            } else {
                digits.parse::<u64>().ok()
            };
            toks.push(Tok {
                kind: Kind::Num(value),
                start,
                end: i,
                digits: digits.len(),
            });
            continue;
        }
        if cn_digit(c).is_some() || cn_unit(c).is_some() {
            while i < n && (cn_digit(chars[i]).is_some() || cn_unit(chars[i]).is_some()) {
                i += 1;
            }
            toks.push(Tok {
                kind: Kind::Num(Some(cn_value(&chars[start..i]))),
                start,
                end: i,
                digits: 0,
            });
            continue;
        }
        if is_cjk(c) {
            i += 1;
            toks.push(Tok {
                kind: Kind::Word(c.to_string()),
                start,
                end: i,
                digits: 0,
            });
            continue;
        }
        if c.is_alphabetic() {
            while i < n
                && !is_cjk(chars[i])
                && (chars[i].is_alphabetic() || matches!(chars[i] as u32, 0x0300..=0x036F))
            {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect::<String>().to_lowercase();
            toks.push(Tok {
                kind: Kind::Word(w),
                start,
                end: i,
                digits: 0,
            });
            continue;
        }
        i += 1;
        toks.push(Tok {
            kind: Kind::Sym(c),
            start,
            end: i,
            digits: 0,
        });
    }
    toks
}

fn word(t: Option<&Tok>) -> Option<&str> {
    match t.map(|t| &t.kind) {
        Some(Kind::Word(w)) => Some(w.as_str()),
        _ => None,
    }
}

fn sym(t: Option<&Tok>) -> Option<char> {
    match t.map(|t| &t.kind) {
        Some(Kind::Sym(c)) => Some(*c),
        _ => None,
    }
}

fn is_x(t: Option<&Tok>) -> bool {
    word(t) == Some("x") || sym(t) == Some('×')
}

/// A count at token `i`: a numeral or a small number word, not a price.
fn count_at(toks: &[Tok], i: usize) -> Option<u64> {
    let t = toks.get(i)?;
    match &t.kind {
        Kind::Num(v) => {
            let v = (*v)?;
            let prev = i.checked_sub(1).and_then(|p| toks.get(p));
            if sym(prev).is_some_and(|c| CURRENCY_SIGNS.contains(&c)) {
                return None;
            }
            Some(v)
        }
        Kind::Word(w) => NUMBER_WORDS
            .iter()
            .find(|(name, _)| name == w)
            .map(|&(_, v)| v),
        Kind::Sym(_) => None,
    }
}

fn is_year(t: &Tok, v: u64) -> bool {
    t.digits == 4 && (1800..=2099).contains(&v)
}

/// A plain numeral at `i` that is the first side of a dimension ("10 x 15").
fn is_dimension_side(toks: &[Tok], i: usize) -> bool {
    matches!(toks.get(i).map(|t| &t.kind), Some(Kind::Num(_))) && count_at(toks, i).is_some()
}

/// Rules that start at a count: "2 pairs", "2 dozen", "5 pcs", "3x",
/// "3er Set", "3 baby tortoises".
fn count_led(toks: &[Tok], i: usize) -> Option<u64> {
    let n = count_at(toks, i)?;
    let next = toks.get(i + 1);
    let next_word = word(next);
    if next_word.is_some_and(|w| PAIR_WORDS.contains(&w)) {
        return n.checked_mul(2);
    }
    if next_word.is_some_and(|w| DOZEN_WORDS.contains(&w)) {
        return n.checked_mul(12);
    }
    if next_word.is_some_and(|w| PIECE_WORDS.contains(&w)) {
        return Some(n);
    }
    // German "3 St." (but not "1st").
    if next_word == Some("st")
        && next.is_some_and(|t| t.start > toks[i].end)
        && sym(toks.get(i + 2)) == Some('.')
    {
        return Some(n);
    }
    // "3x" / "3 x" / "3×", unless it is a dimension "10 x 15".
    if is_x(next) && matches!(toks[i].kind, Kind::Num(_)) {
        let dimension = is_dimension_side(toks, i + 2)
            || (i >= 2 && is_x(toks.get(i - 1)) && is_dimension_side(toks, i - 2));
        if !dimension && !is_year(&toks[i], n) {
            return Some(n);
        }
        return None;
    }
    // German "3er Set" / "3er-Pack".
    if next_word == Some("er") && next.is_some_and(|t| t.start == toks[i].end) {
        let mut k = i + 2;
        if sym(toks.get(k)) == Some('-') {
            k += 1;
        }
        if word(toks.get(k)).is_some_and(|w| matches!(w, "set" | "pack" | "satz" | "lot")) {
            return Some(n);
        }
    }
    // "3 birds", "3 baby tortoises", "100 pangolin scales"; not "1947 ivory tusks".
    if is_year(&toks[i], n) {
        return None;
    }
    let mut k = i + 1;
    let mut fillers = 0;
    while let Some(t) = toks.get(k) {
        match &t.kind {
            Kind::Word(w) if COUNT_NOUNS.contains(&w.as_str()) => return Some(n),
            // The "s" of "Hermann's".
            Kind::Word(w) if w == "s" && sym(toks.get(k - 1)).is_some_and(is_apostrophe) => {}
            Kind::Word(w)
                if fillers < 2
                    && w.chars().count() > 1
                    && !NOT_FILLER.contains(&w.as_str())
                    && !PIECE_WORDS.contains(&w.as_str())
                    && !w.chars().any(is_cjk) =>
            {
                fillers += 1;
            }
            Kind::Sym(c) if fillers > 0 && (*c == '-' || is_apostrophe(*c)) => {}
            _ => return None,
        }
        k += 1;
    }
    None
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’')
}

/// Rules that start at a word: "pair of", "trio", "dozen", "x3", "lot of
/// 12", "qty: 4", "par de", "一对" (handled as a count), "số lượng: 4".
fn word_led(toks: &[Tok], i: usize) -> Option<u64> {
    let t = toks.get(i)?;
    let prev_word = i.checked_sub(1).and_then(|p| word(toks.get(p)));
    if is_x(Some(t)) {
        // "x3", "x 3", "× 3", unless "10 x 15" or "x 3 cm" after a size.
        let n = count_at(toks, i + 1)?;
        let num_tok = &toks[i + 1];
        if !matches!(num_tok.kind, Kind::Num(_)) || is_year(num_tok, n) {
            return None;
        }
        let after_dimension = i > 0 && is_dimension_side(toks, i - 1);
        let before_dimension = is_x(toks.get(i + 2)) && is_dimension_side(toks, i + 3);
        return (!after_dimension && !before_dimension).then_some(n);
    }
    let Kind::Word(w) = &t.kind else {
        return None;
    };
    let w = w.as_str();
    match w {
        "trio" | "trío" | "trios" => return Some(3),
        "pair" | "paire" | "paar" | "pareja" | "cặp" | "пара" | "pasang" => return Some(2),
        "par" => {
            let next = word(toks.get(i + 1));
            let before_ok =
                prev_word.is_some_and(|p| matches!(p, "un" | "um" | "uma" | "el" | "o"));
            let after_ok = next.is_some_and(|x| matches!(x, "de" | "do" | "da" | "dos" | "das"));
            return (before_ok || after_ok).then_some(2);
        }
        "成" if word(toks.get(i + 1)).is_some_and(|x| x == "对" || x == "對") => return Some(2),
        _ => {}
    }
    if DOZEN_WORDS.contains(&w) {
        let half = prev_word == Some("half")
            || (prev_word == Some("a") && i >= 2 && word(toks.get(i - 2)) == Some("half"));
        return Some(if half { 6 } else { 12 });
    }
    if GROUP_WORDS.contains(&w) && word(toks.get(i + 1)).is_some_and(|l| GROUP_LINKS.contains(&l)) {
        let n = count_at(toks, i + 2)?;
        return (!is_year(&toks[i + 2], n)).then_some(n);
    }
    let label_end = if QTY_LABELS.contains(&w) {
        Some(i + 1)
    } else if (w == "số" && word(toks.get(i + 1)) == Some("lượng"))
        || (w == "数" && word(toks.get(i + 1)) == Some("量"))
    {
        Some(i + 2)
    } else {
        None
    };
    if let Some(mut k) = label_end {
        while sym(toks.get(k)).is_some_and(|c| matches!(c, ':' | '=' | '.' | '-' | '#')) {
            k += 1;
        }
        return count_at(toks, k);
    }
    None
}

/// The number of specimens a listing title or description states, or `None`
/// when it states none. The first explicit count wins; counts above
/// [`MAX_QUANTITY`] (and zero) are not counts.
pub fn parse_quantity(text: &str) -> Option<u32> {
    let toks = tokenize(text);
    for i in 0..toks.len() {
        let found = count_led(&toks, i).or_else(|| word_led(&toks, i));
        let Some(mut q) = found else {
            continue;
        };
        // "3-4 birds", "3 to 4 birds": the stated minimum.
        if i >= 2
            && (sym(toks.get(i - 1)).is_some_and(|c| matches!(c, '-' | '–'))
                || word(toks.get(i - 1)) == Some("to"))
            && let (Some(lo), Some(hi)) = (count_at(&toks, i - 2), count_at(&toks, i))
            && lo < hi
            && hi > 0
            && q % hi == 0
        {
            q = q / hi * lo;
        }
        match u32::try_from(q) {
            Ok(v) if (1..=MAX_QUANTITY).contains(&v) => return Some(v),
            _ => continue,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cases: &[(&str, Option<u32>)]) {
        let failures: Vec<String> = cases
            .iter()
            .filter_map(|&(text, want)| {
                let got = parse_quantity(text);
                (got != want).then(|| format!("{text:?}: want {want:?}, got {got:?}"))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn pairs() {
        run(&[
            ("Hyacinth macaw pair", Some(2)),
            ("A pair of African grey parrots £1,200", Some(2)),
            ("pair of ivory tusks", Some(2)),
            ("Breeding pair Goffin cockatoos", Some(2)),
            ("2 pairs lovebirds", Some(4)),
            ("1 pair", Some(2)),
            ("two pairs of finches", Some(4)),
            ("repair kit for cages", None),
            ("Paire de perroquets gris", Some(2)),
            ("Ein Paar Graupapageien", Some(2)),
            ("Par de guacamayos azules", Some(2)),
            ("Vendo um par de araras", Some(2)),
            ("Envoi par la poste", None),
            ("一对金刚鹦鹉", Some(2)),
            ("Bán cặp vẹt xám", Some(2)),
            ("пара попугаев", Some(2)),
        ]);
    }

    #[test]
    fn multipliers_and_pieces() {
        run(&[
            ("Ivory bangle x3", Some(3)),
            ("3x Testudo hermanni", Some(3)),
            ("Pangolin scales × 3", Some(3)),
            ("Carved netsuke x 2, €450 each", Some(2)),
            ("€50 x 3", Some(3)),
            ("2 x €50", Some(2)),
            ("5 pcs rhino horn beads", Some(5)),
            ("5pcs", Some(5)),
            ("5 pieces", Some(5)),
            ("5 pc", Some(5)),
            ("1,200 pcs", Some(1200)),
            ("3 Stück", Some(3)),
            ("3 St. Elfenbein", Some(3)),
            ("Elfenbein 1st class", None),
            ("3 ks", Some(3)),
            ("10 szt", Some(10)),
            ("5 шт", Some(5)),
            ("3只", Some(3)),
            ("5件象牙手镯", Some(5)),
            ("3个", Some(3)),
            ("两只鹦鹉", Some(2)),
            ("十二只", Some(12)),
            ("Bán 3 con rùa", Some(3)),
            ("Jual 4 ekor kakatua", Some(4)),
        ]);
    }

    #[test]
    fn groups_and_labels() {
        run(&[
            ("Lot of 12 ivory beads", Some(12)),
            ("Set of 4 bangles", Some(4)),
            ("bundle of 6 quills", Some(6)),
            ("Pack of 3", Some(3)),
            ("set of four", Some(4)),
            ("Lot de 3 tortues", Some(3)),
            ("Lote de 5 escamas", Some(5)),
            ("3er Set Elfenbeinschnitzereien", Some(3)),
            ("Qty: 4", Some(4)),
            ("qty 4", Some(4)),
            ("Quantity 4", Some(4)),
            ("Menge: 3", Some(3)),
            ("Cantidad: 7", Some(7)),
            ("Số lượng: 6", Some(6)),
            ("数量：4", Some(4)),
            ("trio of lovebirds", Some(3)),
            ("Dozen quail eggs", Some(12)),
            ("2 dozen eggs", Some(24)),
            ("half a dozen finches", Some(6)),
        ]);
    }

    #[test]
    fn counted_nouns() {
        run(&[
            ("3 birds", Some(3)),
            ("2 tortoises", Some(2)),
            ("4 hatchlings", Some(4)),
            ("3 baby tortoises for sale", Some(3)),
            ("2 Hermann's tortoises", Some(2)),
            ("3 captive-bred birds", Some(3)),
            ("100 pangolin scales", Some(100)),
            ("10 scales", Some(10)),
            ("two birds", Some(2)),
            ("3 oiseaux", Some(3)),
            ("2 Schildkröten", Some(2)),
            ("4 tortugas", Some(4)),
            ("3-4 birds", Some(3)),
            ("Pair of macaws and 3 chicks", Some(2)),
        ]);
    }

    #[test]
    fn not_counts() {
        run(&[
            ("", None),
            ("Ivory bangle", None),
            ("€1,200", None),
            ("Price 1,200 EUR", None),
            ("£1,200 ono", None),
            ("10 kg", None),
            ("500g", None),
            ("200 grams", None),
            ("10 kg pangolin scales", None),
            ("500g scales", None),
            ("1947", None),
            ("pre-1947 ivory", None),
            ("1947 ivory tusks", None),
            ("Lot of 1947 vintage", None),
            ("3 years old tortoise", None),
            ("10x15 cm carving", None),
            ("10 x 15 cm", None),
            ("Size 12", None),
            ("2.5 kg ivory", None),
            ("lot of 20000", None),
            ("0 pcs", None),
            ("CITES A10 2019", None),
        ]);
    }

    #[test]
    fn first_explicit_count_wins_and_caps() {
        assert_eq!(parse_quantity("x3, lot of 12"), Some(3));
        assert_eq!(parse_quantity("lot of 12, x3"), Some(12));
        assert_eq!(parse_quantity("10000 pcs"), Some(10_000));
        assert_eq!(parse_quantity("10001 pcs"), None);
        assert_eq!(parse_quantity("99999999999999999999 pcs"), None);
    }

    #[test]
    fn listing_titles() {
        run(&[
            ("Sulphur-crested cockatoo pair, $2,500 ONO", Some(2)),
            ("2 x Hermann's tortoise 80€ each", Some(2)),
            ("Macaw chicks x 2 available", Some(2)),
            ("Ivory 1 piece", Some(1)),
            ("1.000 pcs", Some(1000)),
            ("Rhino horn 2kg - 60.000 USD", None),
            ("Lot 12: 300 €", None),
            ("Tokay gecko 15.00 USD/pc", None),
            ("Set of 1920s bangles", None),
            ("African grey parrot 1 year old", None),
            ("Pangolin scales 3 kg", None),
        ]);
    }

    #[test]
    fn fuzz_never_panics() {
        const ALPHABET: &[char] = &[
            '0', '1', '3', '9', '.', ',', ' ', '-', 'x', '×', 'p', 'a', 'i', 'r', 'c', 's', 'o',
            'f', 'l', 't', '一', '对', '只', '十', '两', 'ặ', '\'', ':', '€', '$',
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..4_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = usize::try_from(state % 20).unwrap_or(0);
            let mut s = state;
            let text: String = (0..len)
                .map(|_| {
                    s = s.rotate_left(5) ^ 0x9E37_79B9;
                    ALPHABET[usize::try_from(s).unwrap_or(0) % ALPHABET.len()]
                })
                .collect();
            if let Some(q) = parse_quantity(&text) {
                assert!((1..=MAX_QUANTITY).contains(&q), "{text:?} gave {q}");
            }
        }
    }

    #[test]
    fn never_panics() {
        let long = "x".repeat(20_000);
        let digits = "9".repeat(20_000);
        for t in [
            long.as_str(),
            digits.as_str(),
            "x",
            "×",
            "pair",
            "1,2,3,4",
            "一二三四五六七八九十百千",
            "十百千只",
            "🦜 x 🦜",
            "İ x3",
            "\u{0}3\u{0}pcs",
        ] {
            let _ = parse_quantity(t);
        }
    }
}
