//! The quantity parser on listing titles: pairs, multipliers and pieces,
//! groups and labels, counted nouns, and what must not be read as a count
//! (prices, weights, sizes, years); plus the cap and never-panics checks.

use wildtrace_extract::quantity::{MAX_QUANTITY, parse_quantity};

use crate::support::assert_no_failures;

fn run(cases: &[(&str, Option<u32>)]) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|&(text, want)| {
            let got = parse_quantity(text);
            (got != want).then(|| format!("{text:?}: want {want:?}, got {got:?}"))
        })
        .collect();
    assert_no_failures(&failures);
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
        '0', '1', '3', '9', '.', ',', ' ', '-', 'x', '×', 'p', 'a', 'i', 'r', 'c', 's', 'o', 'f',
        'l', 't', '一', '对', '只', '十', '两', 'ặ', '\'', ':', '€', '$',
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
