//! Which URLs a host's worker may request at all: the configured host only,
//! http(s), a length limit, no private addresses, no endlessly repeated path
//! segments; then robots.txt's verdict for our product token.
//!
//! It owns these yes/no decisions. It must not fetch or log: the caller logs
//! a refusal in the fetch log.

use std::collections::HashMap;

use url::Url;
use wildtrace_extract::robots::Robots;

use crate::config::Scope;

/// Why a hop was not fetched.
pub(super) enum Refused {
    Robots,
    Scope(&'static str),
}

/// Whether `url` is inside the scope of the site at `base`.
pub(super) fn check_scope(url: &Url, base: &Url, scope: &Scope) -> Result<(), Refused> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::Scope("scheme"));
    }
    if url.host() != base.host() || url.port_or_known_default() != base.port_or_known_default() {
        // why: we crawl only the hosts a researcher configured and an ethics board approved.
        return Err(Refused::Scope("other host"));
    }
    if url.as_str().len() > scope.max_url_len {
        return Err(Refused::Scope("url too long"));
    }
    if let Some(why) = scope.private_targets.refusal(url) {
        // why: a public site must not be able to point us at internal services.
        return Err(Refused::Scope(why));
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for seg in url
        .path_segments()
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
    {
        let n = counts.entry(seg).or_default();
        *n += 1;
        if *n > scope.max_path_repeats {
            // why: `/a/b/a/b/...` grows without end on sites with relative-link bugs.
            return Err(Refused::Scope("repeated path segment"));
        }
    }
    Ok(())
}

/// Scope, then robots.txt for `token`.
pub(super) fn check(
    url: &Url,
    base: &Url,
    scope: &Scope,
    robots: &Robots,
    token: &str,
) -> Result<(), Refused> {
    check_scope(url, base, scope)?;
    if !robots.allowed(token, url) {
        return Err(Refused::Robots);
    }
    Ok(())
}
