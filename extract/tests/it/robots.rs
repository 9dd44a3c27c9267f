//! robots.txt matching, case by case against the behaviour Google's
//! published matcher (github.com/google/robotstxt, `robots_test.cc`) and
//! RFC 9309 specify: percent-encoding of paths and patterns (non-ASCII,
//! already encoded, escapes in either case), user-agent runs separated by
//! other records, groups for the same agent merged, user-agent lines with
//! extra words, longest match and allow-on-tie, and the Crawl-delay taken
//! from the same group the rules come from.

use url::Url;
use wildtrace_extract::robots::Robots;

fn allowed(robots: &str, agent: &str, url: &str) -> bool {
    let r = Robots::from_status(200, robots.as_bytes(), agent);
    r.allowed(agent, &Url::parse(url).unwrap())
}

fn delay(robots: &str, agent: &str) -> Option<f64> {
    Robots::from_status(200, robots.as_bytes(), agent).crawl_delay()
}

#[test]
fn non_ascii_patterns_and_paths_compare_percent_encoded() {
    // robots_test.cc ID_Encoding: the pattern's ツ is encoded to %E3%83%84;
    // the url crate encodes a path's ツ the same way before we match.
    let r = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/ツ\n";
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bar/%E3%83%84"));
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bar/ツ"));
    // An already encoded pattern stays as written.
    let r = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%E3%83%84\n";
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bar/%E3%83%84"));
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bar/ツ"));
    // A query that looks like a URL is matched as written.
    let r = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar?qux=taz&baz=http://foo.bar?tar&par\n";
    assert!(allowed(
        r,
        "FooBot",
        "http://foo.bar/foo/bar?qux=taz&baz=http://foo.bar?tar&par"
    ));
    // Encoded unreserved characters are not decoded (RFC 3986 calls them
    // equivalent, Google's matcher compares strings; we follow the matcher).
    let r = "User-agent: FooBot\nDisallow: /\nAllow: /foo/bar/%62%61%7A\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/foo/bar/baz"));
    assert!(allowed(r, "FooBot", "http://foo.bar/foo/bar/%62%61%7A"));
}

#[test]
fn percent_escapes_match_whatever_the_case_of_their_hex_digits() {
    // A link written with lower-case escapes must not slip past a Disallow.
    let r = "User-agent: *\nDisallow: /tienda/%C3%B1u/\n";
    assert!(!allowed(
        r,
        "wildtrace",
        "https://shop.example/tienda/%c3%b1u/1"
    ));
    assert!(!allowed(
        r,
        "wildtrace",
        "https://shop.example/tienda/%C3%B1u/1"
    ));
    assert!(!allowed(r, "wildtrace", "https://shop.example/tienda/ñu/1"));
    let r = "User-agent: *\nDisallow: /tienda/%c3%b1u/\n";
    assert!(!allowed(
        r,
        "wildtrace",
        "https://shop.example/tienda/%c3%b1u/1"
    ));
    assert!(allowed(
        r,
        "wildtrace",
        "https://shop.example/tienda/otro/1"
    ));
}

#[test]
fn other_records_between_user_agent_lines_do_not_split_the_group() {
    // robots_test.cc ID_LineSyntax_Groups_OtherRules.
    let r = "User-agent: BarBot\nSitemap: https://foo.bar/sitemap\nUser-agent: *\nDisallow: /\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/"));
    assert!(!allowed(r, "BarBot", "http://foo.bar/"));
    let r = "User-agent: FooBot\nInvalid-Unknown-Line: unknown\nUser-agent: *\nDisallow: /\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/"));
    assert!(!allowed(r, "BarBot", "http://foo.bar/"));
    // The Crawl-delay comes from that same group, for both agents.
    let r = "User-agent: wildtrace\nCrawl-delay: 7\nUser-agent: *\nDisallow: /private/\n";
    assert!(!allowed(r, "wildtrace", "http://foo.bar/private/1"));
    assert_eq!(delay(r, "wildtrace"), Some(7.0));
    assert_eq!(delay(r, "otherbot"), Some(7.0));
}

#[test]
fn groups_naming_the_same_agent_are_merged_and_star_is_then_ignored() {
    // robots_test.cc ID_LineSyntax_Groups: rules of both FooBot groups apply.
    let r = "allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\ndisallow: /\nallow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\nallow: /z/\ndisallow: /\n";
    assert!(allowed(r, "FooBot", "http://foo.bar/x/b"));
    assert!(allowed(r, "FooBot", "http://foo.bar/z/d"));
    assert!(!allowed(r, "FooBot", "http://foo.bar/y/c"));
    assert!(allowed(r, "BarBot", "http://foo.bar/y/c"));
    assert!(allowed(r, "BarBot", "http://foo.bar/w/a"));
    assert!(allowed(r, "BazBot", "http://foo.bar/z/d"));
    assert!(
        !allowed(r, "FooBot", "http://foo.bar/foo/bar/"),
        "rules before any user-agent line are ignored"
    );
    // The delay of a later group for our token counts; `*`'s never does
    // once a group names us.
    let r = "User-agent: *\nCrawl-delay: 30\nDisallow: /tmp/\n\nUser-agent: wildtrace\nDisallow: /a/\n\nUser-agent: other\nDisallow: /\n\nUser-agent: wildtrace\nCrawl-delay: 3\nDisallow: /b/\n";
    assert_eq!(delay(r, "wildtrace"), Some(3.0));
    assert!(!allowed(r, "wildtrace", "http://foo.bar/a/1"));
    assert!(!allowed(r, "wildtrace", "http://foo.bar/b/1"));
    assert!(allowed(r, "wildtrace", "http://foo.bar/c/1"));
    assert_eq!(delay(r, "someone"), Some(30.0));
}

#[test]
fn a_user_agent_line_is_read_up_to_its_first_word() {
    // robots_test.cc GoogleOnly_AcceptUserAgentUpToFirstSpace, and a
    // version and comment after the token (RFC 9309 §2.2.1).
    let r = "User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n";
    assert!(allowed(r, "Foo", "http://foo.bar/x/y"));
    let r = "User-agent: *\nDisallow: /\n\nUser-agent: WildTrace/2.0 (research crawler) # us\nCrawl-delay: 4\nAllow: /ads/\nDisallow: /\n";
    assert!(allowed(r, "wildtrace", "http://foo.bar/ads/1"));
    assert!(!allowed(r, "wildtrace", "http://foo.bar/other"));
    assert_eq!(delay(r, "wildtrace"), Some(4.0));
}

#[test]
fn the_longest_match_wins_and_allow_wins_a_tie() {
    // robots_test.cc ID_LongestMatch.
    let r = "user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/x/page.html"));
    let r = "user-agent: FooBot\nallow: /page\ndisallow: /*.html\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/page.html"));
    assert!(allowed(r, "FooBot", "http://foo.bar/page"));
    let r = "user-agent: FooBot\nallow: /page\ndisallow: /page\n";
    assert!(
        allowed(r, "FooBot", "http://foo.bar/page"),
        "a tie goes to allow"
    );
    let r = "user-agent: FooBot\ndisallow: /*.php$\n";
    assert!(!allowed(r, "FooBot", "http://foo.bar/index.php"));
    assert!(
        allowed(r, "FooBot", "http://foo.bar/index.php?x=1"),
        "$ anchors the end"
    );
}

#[test]
fn a_line_over_the_parsers_cap_with_multibyte_characters_is_clipped_not_a_panic() {
    // Found by fuzzing: the `robotstxt` crate panicked on such a line.
    let body = format!(
        "User-agent: *\nDisallow: /{}\nDisallow: /private\n",
        "ñ".repeat(20_000)
    );
    let r = Robots::from_status(200, body.as_bytes(), "wildtrace");
    let url = |p: &str| url::Url::parse(&format!("https://example.org{p}")).unwrap();
    assert!(
        !r.allowed("wildtrace", &url("/private/1")),
        "the next line still applies"
    );
    assert!(r.allowed("wildtrace", &url("/public")));
}
