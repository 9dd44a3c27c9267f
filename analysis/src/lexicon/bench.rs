//! The lexicon matching benchmark behind `wildtrace bench lexicon`: builds a
//! synthetic multilingual corpus of listing texts deterministically (seeded
//! ChaCha) from filler words in the nine supported languages and the
//! lexicon's own forms, then times [`Lexicon::classify`] over all of it.
//!
//! It owns only the corpus recipe and the timing. It must not read the lake,
//! write files, or feed anything it measures back into the analysis.

use std::time::Instant;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{Confidence, Lexicon};

/// What to generate and how to run it.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Corpus size in bytes of UTF-8 listing text (about; the last listing
    /// may overshoot).
    pub target_bytes: usize,
    /// Same seed, same corpus.
    pub seed: u64,
    /// Worker threads classifying disjoint slices of the corpus.
    pub threads: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        BenchOptions {
            target_bytes: 64_000_000,
            seed: 2026,
            threads: 1,
        }
    }
}

/// One benchmark result (printed as one JSON line).
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub bench: &'static str,
    pub lexicon_version: String,
    pub taxa: usize,
    pub forms: usize,
    pub listings: usize,
    pub bytes: usize,
    pub threads: usize,
    /// Wall time of the classification only (corpus generation excluded).
    pub seconds: f64,
    /// Megabytes (10^6 bytes) of listing text classified per second, all threads.
    pub mb_per_s: f64,
    /// `mb_per_s / threads`.
    pub mb_per_s_per_core: f64,
    pub confirmed: usize,
    pub suspected: usize,
    pub decoy: usize,
    pub none: usize,
}

/// Filler vocabulary per language: ordinary marketplace words that carry no
/// lexicon meaning, so listings look like real mixed-language text.
const FILLER: &[&[&str]] = &[
    &[
        "vintage",
        "carved",
        "handmade",
        "rare",
        "collection",
        "shipping",
        "free",
        "old",
        "beautiful",
        "genuine",
        "bracelet",
        "necklace",
        "gift",
        "price",
        "negotiable",
        "pickup",
        "condition",
        "excellent",
        "estate",
        "sale",
        "item",
        "small",
        "large",
        "decor",
    ],
    &[
        "ancien",
        "sculpté",
        "très",
        "belle",
        "pièce",
        "livraison",
        "gratuite",
        "collection",
        "objet",
        "rare",
        "prix",
        "négociable",
        "état",
        "parfait",
        "cadeau",
        "décoration",
    ],
    &[
        "alte",
        "geschnitzte",
        "Sammlung",
        "Versand",
        "kostenlos",
        "selten",
        "Preis",
        "Verhandlungsbasis",
        "Zustand",
        "sehr",
        "gut",
        "Geschenk",
        "Dekoration",
        "Stück",
    ],
    &[
        "antiguo",
        "tallado",
        "colección",
        "envío",
        "gratis",
        "raro",
        "precio",
        "negociable",
        "estado",
        "perfecto",
        "regalo",
        "decoración",
        "pieza",
        "pulsera",
    ],
    &[
        "antigo",
        "esculpido",
        "coleção",
        "envio",
        "grátis",
        "raro",
        "preço",
        "negociável",
        "estado",
        "perfeito",
        "presente",
        "decoração",
        "peça",
        "pulseira",
    ],
    &[
        "старинный",
        "резной",
        "коллекция",
        "доставка",
        "бесплатно",
        "редкий",
        "цена",
        "торг",
        "состояние",
        "отличное",
        "подарок",
        "декор",
        "браслет",
        "продаю",
    ],
    &[
        "出售",
        "正品",
        "包邮",
        "收藏",
        "老物件",
        "价格",
        "可议",
        "全新",
        "精品",
        "礼物",
        "手工",
        "雕刻",
        "挂件",
        "摆件",
    ],
    &[
        "bán", "hàng", "chính", "hãng", "giao", "miễn", "phí", "sưu", "tầm", "giá", "tốt", "quà",
        "tặng", "đẹp", "cũ", "mới",
    ],
    &[
        "ขาย",
        "ของแท้",
        "ส่งฟรี",
        "สะสม",
        "ราคา",
        "ต่อรองได้",
        "สภาพดี",
        "ของขวัญ",
        "แกะสลัก",
        "โบราณ",
        "หายาก",
        "พระเครื่อง",
    ],
];

/// The synthetic corpus: one listing text (title, newline, description) per
/// entry, about `target_bytes` in total. About half the listings carry one
/// or two lexicon forms (any kind, any language) among the filler.
pub fn corpus(lexicon: &Lexicon, seed: u64, target_bytes: usize) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let forms = &lexicon.pattern_forms;
    let mut out = Vec::new();
    let mut total = 0usize;
    while total < target_bytes {
        let words = FILLER.choose(&mut rng).expect("filler languages");
        let mut text = String::with_capacity(256);
        let title_len = rng.random_range(3..9);
        let term_at = rng.random_range(0..title_len);
        let with_term = rng.random_bool(0.5) && !forms.is_empty();
        for i in 0..title_len {
            if i > 0 {
                text.push(' ');
            }
            if with_term && i == term_at {
                text.push_str(forms.choose(&mut rng).expect("forms"));
            } else {
                text.push_str(words.choose(&mut rng).expect("words"));
            }
        }
        text.push('\n');
        let desc_len = rng.random_range(10..40);
        for i in 0..desc_len {
            if i > 0 {
                text.push(if rng.random_bool(0.1) { ',' } else { ' ' });
                text.push(' ');
            }
            if with_term && rng.random_bool(0.02) {
                text.push_str(forms.choose(&mut rng).expect("forms"));
            } else {
                text.push_str(words.choose(&mut rng).expect("words"));
            }
        }
        text.push_str(&format!(
            ". {} {}, x{}",
            rng.random_range(1..5000),
            ["EUR", "USD", "€", "¥", "₫", "฿", "руб."][rng.random_range(0..7)],
            rng.random_range(1..13)
        ));
        total += text.len();
        out.push(text);
    }
    out
}

/// Generates the corpus and times classifying every listing in it.
pub fn run(lexicon: &Lexicon, opts: &BenchOptions) -> BenchReport {
    let texts = corpus(lexicon, opts.seed, opts.target_bytes);
    let bytes: usize = texts.iter().map(String::len).sum();
    let threads = opts.threads.max(1);
    let chunk = texts.len().div_ceil(threads).max(1);
    let started = Instant::now();
    let counts: Vec<[usize; 4]> = std::thread::scope(|s| {
        let handles: Vec<_> = texts
            .chunks(chunk)
            .map(|slice| {
                s.spawn(move || {
                    let mut c = [0usize; 4];
                    for t in slice {
                        let i = match lexicon.classify(t).confidence {
                            Confidence::Confirmed => 0,
                            Confidence::Suspected => 1,
                            Confidence::Decoy => 2,
                            Confidence::None => 3,
                        };
                        c[i] += 1;
                    }
                    c
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("benchmark worker"))
            .collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let sum = |i: usize| counts.iter().map(|c| c[i]).sum::<usize>();
    let mb_per_s = bytes as f64 / 1e6 / seconds.max(1e-9);
    let (taxa, _, forms) = lexicon.counts();
    BenchReport {
        bench: "lexicon",
        lexicon_version: lexicon.version().to_string(),
        taxa,
        forms,
        listings: texts.len(),
        bytes,
        threads,
        seconds,
        mb_per_s,
        mb_per_s_per_core: mb_per_s / threads as f64,
        confirmed: sum(0),
        suspected: sum(1),
        decoy: sum(2),
        none: sum(3),
    }
}
