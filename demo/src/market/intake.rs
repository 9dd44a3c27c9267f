//! The demo sites' report intake, as rules: which reported listings a site
//! removes (a per-site share, chosen by a seeded hash of the listing so the
//! choice is deterministic and independent of the order reports arrive
//! in), from which round, how the removed page answers, and the receipt id
//! the intake answers with.
//!
//! It owns these pure functions and the shape of an accepted report. It
//! must not hold state, touch sockets or render pages: the server records
//! what arrived, the site view applies it.

use serde::Deserialize;

use super::SiteKind;

/// Rounds between a report and the removal it causes. The delay is defined
/// only here and in [`removal_round`], so it can later be expressed in days.
pub const DELAY_ROUNDS: u32 = 1;

/// First round a listing chosen for removal is gone in, when it was
/// reported while the market was in `report_round`.
pub fn removal_round(report_round: u32) -> u32 {
    report_round + DELAY_ROUNDS
}

/// Per cent of the reported listings a site removes.
pub fn share_percent(kind: SiteKind) -> u64 {
    match kind {
        SiteKind::Classifieds => 70,
        SiteKind::Shop => 50,
        SiteKind::Forum => 30,
        SiteKind::Catalogue => 50,
    }
}

/// How a listing removed because of a report answers (`ended_marker`: a
/// 200 page with the site's ended text; `http_410`).
pub fn removal_style(kind: SiteKind) -> &'static str {
    match kind {
        SiteKind::Shop => "http_410",
        _ => "ended_marker",
    }
}

/// FNV-1a over the parts, each followed by a 0xff separator.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.iter().copied().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Whether site `site` (of `kind`) removes its listing `site_listing_id`
/// when it is reported: a seeded hash of the site and the listing id below
/// the site's share, so it is the same whatever else is reported and in
/// whatever order.
pub fn removes(seed: u64, kind: SiteKind, site: &str, site_listing_id: &str) -> bool {
    let h = fnv(&[
        b"report-intake",
        &seed.to_le_bytes(),
        site.as_bytes(),
        site_listing_id.as_bytes(),
    ]);
    h % 100 < share_percent(kind)
}

/// The receipt for report `report_id` at site `site`: `<site>-<16 hex>`.
pub fn receipt_id(seed: u64, site: &str, report_id: &str) -> String {
    let h = fnv(&[
        b"receipt",
        &seed.to_le_bytes(),
        site.as_bytes(),
        report_id.as_bytes(),
    ]);
    format!("{site}-{h:016x}")
}

/// The part of a report the intake reads: its id and the listings' URLs
/// (everything else in the JSON is accepted and ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct IntakeReport {
    /// The report's id.
    pub report_id: String,
    /// The reported listings.
    pub listings: Vec<IntakeListing>,
}

/// One reported listing as the intake reads it.
#[derive(Debug, Clone, Deserialize)]
pub struct IntakeListing {
    /// The listing page's URL (only its path is matched).
    pub url: String,
}
