//! Canonical URLs for exact deduplication, and scope checks on targets.
//!
//! It owns the canonical form (lower-case scheme and host, default port
//! dropped, dot segments resolved — all by the `url` crate's WHATWG parser —
//! plus fragment dropped, tracking parameters removed and the query sorted)
//! and the refusal of private, loopback and link-local targets. It must not
//! change the URL that is actually requested: that stays as found.

use std::net::IpAddr;

use url::{Host, Url};

/// Query parameters that only track clicks; dropping them merges duplicates.
pub const TRACKING_PARAMS: &[&str] = &[
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "fbclid",
    "gclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "ref",
    "ref_src",
];

/// The canonical form of `url`.
pub fn canonical(url: &Url) -> Url {
    canonical_with(url, &[])
}

/// The canonical form of `url`, also dropping the job's own tracking parameters.
pub fn canonical_with(url: &Url, extra_tracking: &[String]) -> Url {
    let mut u = url.clone();
    u.set_fragment(None);
    if u.query().is_some() {
        let mut pairs: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| {
                !TRACKING_PARAMS.contains(&k.as_ref()) && !extra_tracking.iter().any(|t| t == k)
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.sort();
        if pairs.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    u
}

/// Whether a literal IP target is loopback, private, link-local or
/// otherwise not a public address.
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64 // CGNAT 100.64/10
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00 // unique local
                || (v6.segments()[0] & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_private_ip(IpAddr::V4(v4)))
        }
    }
}

/// Whether a literal IP is a loopback address (127.0.0.0/8, `::1`, or an
/// IPv4-mapped loopback).
pub fn is_loopback_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Which non-public targets a job may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrivateTargets {
    /// Public addresses only (every real job).
    #[default]
    None,
    /// Public addresses and this machine (`scope.allow_loopback`): a site
    /// served on 127.0.0.1, without opening the private ranges.
    Loopback,
    /// Every address (`scope.allow_private_addresses`).
    All,
}

impl PrivateTargets {
    /// Whether an address (literal, or resolved from a name) may be reached.
    pub fn allows_ip(self, ip: IpAddr) -> bool {
        match self {
            PrivateTargets::All => true,
            PrivateTargets::Loopback => !is_private_ip(ip) || is_loopback_ip(ip),
            PrivateTargets::None => !is_private_ip(ip),
        }
    }

    /// Why `url` may not be requested by its literal host, naming the
    /// config key that would allow it; `None` when it may.
    pub fn refusal(self, url: &Url) -> Option<&'static str> {
        if self == PrivateTargets::All || !targets_private(url) {
            return None;
        }
        let loopback = match url.host() {
            Some(Host::Ipv4(ip)) => is_loopback_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => is_loopback_ip(IpAddr::V6(ip)),
            Some(Host::Domain(_)) => true, // `localhost` and `*.localhost`
            None => false,
        };
        match (loopback, self) {
            (true, PrivateTargets::Loopback) => None,
            (true, _) => Some(
                "loopback address (set scope.allow_loopback = true to crawl a site on this machine)",
            ),
            (false, _) => Some(
                "private address (set scope.allow_private_addresses = true to reach private ranges)",
            ),
        }
    }
}

/// Whether a URL targets a private address by its literal host.
pub fn targets_private(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => is_private_ip(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_private_ip(IpAddr::V6(ip)),
        Some(Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d == "localhost" || d.ends_with(".localhost")
        }
        None => true,
    }
}
