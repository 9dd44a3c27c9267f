//! The bad-input matrix (issue #14): malformed job configs, each through
//! the real `wildtrace crawl`, must exit 2 with one message naming the
//! file, the line and the key (where the input has them), and write
//! nothing to the job's data folder.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::repo;

/// A valid job for one real-looking site (never crawled: every case below
/// breaks it). `{data}` is the data folder.
const GOOD: &str = r#"[job]
name = "matrix"

[identity]
product_token = "wildtrace"
contact = "mailto:research@example.org"

[politeness]
min_delay_ms = 1500

[scope]
allow_private_addresses = false

[schedule]
cron = "0 0 3 * * *"

[storage]
data_dir = "{data}"

[[sites]]
name = "shop"
base_url = "https://shop.example/"
profile = "bazaar.toml"
search = "/search?q={term}"
terms = ["ivory"]
"#;

struct Case {
    name: &'static str,
    /// The job text from the good one.
    edit: fn(&str) -> String,
    /// The key the message must name, in backticks.
    key: &'static str,
    /// A text on the line the message must point at (None: the input has
    /// no line for it, e.g. a file that is not UTF-8).
    line_of: Option<&'static str>,
}

fn replace(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the case no longer applies: {from}");
    text.replacen(from, to, 1)
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "unknown key",
            edit: |t| {
                replace(
                    t,
                    "min_delay_ms = 1500",
                    "min_delay_ms = 1500\nspeed = \"fast\"",
                )
            },
            key: "politeness.speed",
            line_of: Some("speed = "),
        },
        Case {
            name: "wrong type",
            edit: |t| replace(t, "min_delay_ms = 1500", "min_delay_ms = \"slow\""),
            key: "politeness.min_delay_ms",
            line_of: Some("min_delay_ms = \"slow\""),
        },
        Case {
            name: "negative delay",
            edit: |t| replace(t, "min_delay_ms = 1500", "min_delay_ms = -5"),
            key: "politeness.min_delay_ms",
            line_of: Some("min_delay_ms = -5"),
        },
        Case {
            name: "zero delay",
            edit: |t| replace(t, "min_delay_ms = 1500", "min_delay_ms = 0"),
            key: "politeness.min_delay_ms",
            line_of: Some("min_delay_ms = 0"),
        },
        Case {
            name: "missing product token",
            edit: |t| replace(t, "product_token = \"wildtrace\"\n", ""),
            key: "identity.product_token",
            line_of: Some("[identity]"),
        },
        Case {
            name: "missing contact",
            edit: |t| replace(t, "contact = \"mailto:research@example.org\"\n", ""),
            key: "identity.contact",
            line_of: Some("[identity]"),
        },
        Case {
            name: "bad contact",
            edit: |t| replace(t, "mailto:research@example.org", "call us"),
            key: "identity.contact",
            line_of: Some("contact = \"call us\""),
        },
        Case {
            name: "empty seeds",
            edit: |t| replace(t, "terms = [\"ivory\"]", "terms = []"),
            key: "sites[0].terms",
            // (pointed at the search template that needs them)
            line_of: Some("search = "),
        },
        Case {
            name: "out-of-scope seed",
            edit: |t| {
                replace(
                    t,
                    "terms = [\"ivory\"]",
                    "terms = [\"ivory\"]\nstart = [\"https://elsewhere.example/c/reptiles\"]",
                )
            },
            key: "sites[0].start[0]",
            line_of: Some("start = "),
        },
        Case {
            name: "private-address seed",
            edit: |t| replace(t, "https://shop.example/", "http://10.0.0.7/"),
            key: "sites[0].base_url",
            line_of: Some("base_url = \"http://10.0.0.7/\""),
        },
        Case {
            name: "loopback seed without the switch",
            edit: |t| replace(t, "https://shop.example/", "http://127.0.0.1:8080/"),
            key: "sites[0].base_url",
            line_of: Some("base_url = \"http://127.0.0.1:8080/\""),
        },
        Case {
            name: "bad base URL",
            edit: |t| replace(t, "https://shop.example/", "ftp://shop.example/"),
            key: "sites[0].base_url",
            line_of: Some("base_url = \"ftp://"),
        },
        Case {
            name: "bad cron",
            edit: |t| replace(t, "0 0 3 * * *", "every night at three"),
            key: "schedule.cron",
            line_of: Some("cron = "),
        },
        Case {
            name: "search without {term}",
            edit: |t| replace(t, "/search?q={term}", "/search?q=ivory"),
            key: "sites[0].search",
            line_of: Some("search = "),
        },
        Case {
            name: "a missing profile file",
            edit: |t| replace(t, "bazaar.toml", "nope.toml"),
            key: "sites[0].profile",
            line_of: Some("profile = \"nope.toml\""),
        },
        Case {
            name: "TOML syntax error",
            edit: |t| replace(t, "[politeness]", "[politeness"),
            key: "",
            line_of: Some("[politeness"),
        },
        Case {
            name: "unknown key in a site",
            edit: |t| {
                replace(
                    t,
                    "terms = [\"ivory\"]",
                    "terms = [\"ivory\"]\nproxy = \"http://evade.example\"",
                )
            },
            key: "sites[0].proxy",
            line_of: Some("proxy = "),
        },
        Case {
            name: "a site listed twice",
            edit: |t| {
                let site = &t[t.find("[[sites]]").unwrap()..];
                format!("{t}\n{site}")
            },
            key: "sites[1].name",
            line_of: None,
        },
        Case {
            name: "per-host concurrency out of range",
            edit: |t| {
                replace(
                    t,
                    "min_delay_ms = 1500",
                    "min_delay_ms = 1500\nper_host_concurrency = 64",
                )
            },
            key: "politeness.per_host_concurrency",
            line_of: Some("per_host_concurrency = 64"),
        },
    ]
}

/// Runs `wildtrace crawl --config FILE`: (exit code, stderr).
fn crawl(cfg: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wildtrace"))
        .args(["--log", "warn", "crawl", "--config"])
        .arg(cfg)
        .current_dir(repo())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn folder(dir: &Path) -> (PathBuf, String) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(
        repo().join("config/sites/bazaar.toml"),
        dir.join("bazaar.toml"),
    )
    .unwrap();
    let data = dir.join("data");
    (
        data.clone(),
        GOOD.replace("{data}", &data.display().to_string()),
    )
}

#[test]
fn every_malformed_job_exits_2_naming_file_line_and_key_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let cases = cases();
    assert!(cases.len() >= 15);
    for (i, c) in cases.iter().enumerate() {
        let dir = root.path().join(format!("case{i}"));
        let (data, good) = folder(&dir);
        let text = (c.edit)(&good);
        let cfg = dir.join("job.toml");
        std::fs::write(&cfg, &text).unwrap();
        let (code, err) = crawl(&cfg);
        let what = format!("{} ({}):\n{err}", c.name, cfg.display());
        assert_eq!(code, Some(2), "{what}");
        assert!(
            err.contains(&cfg.display().to_string()),
            "names the file: {what}"
        );
        if let Some(marker) = c.line_of {
            let line = text.lines().position(|l| l.contains(marker)).unwrap() + 1;
            assert!(
                err.contains(&format!("{}:{line}", cfg.display())),
                "names line {line}: {what}"
            );
        }
        if !c.key.is_empty() {
            assert!(
                err.contains(&format!("`{}`", c.key)),
                "names `{}`: {what}",
                c.key
            );
        }
        assert!(!data.exists(), "nothing written: {what}");
    }

    // Two inputs with no line to point at: a file that is not UTF-8, and
    // a file that does not exist.
    let dir = root.path().join("bytes");
    let (data, good) = folder(&dir);
    let cfg = dir.join("job.toml");
    let mut bytes = good.into_bytes();
    bytes.extend_from_slice(b"\n# caf\xe9 in Latin-1\n");
    std::fs::write(&cfg, bytes).unwrap();
    let (code, err) = crawl(&cfg);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&cfg.display().to_string()) && err.contains("UTF-8"),
        "{err}"
    );
    assert!(!data.exists());

    let missing = root.path().join("nope").join("job.toml");
    let (code, err) = crawl(&missing);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
}

#[test]
fn a_bad_css_selector_in_a_profile_exits_2_naming_the_profile_line_and_key() {
    let root = tempfile::tempdir().unwrap();
    let (data, good) = folder(root.path());
    let profile = root.path().join("bazaar.toml");
    let text = std::fs::read_to_string(&profile).unwrap().replacen(
        "selector = \"h1.ad-title\"",
        "selector = \"h1[[title\"",
        1,
    );
    std::fs::write(&profile, &text).unwrap();
    let cfg = root.path().join("job.toml");
    std::fs::write(&cfg, good).unwrap();
    let (code, err) = crawl(&cfg);
    assert_eq!(code, Some(2), "{err}");
    let line = text.lines().position(|l| l.contains("h1[[title")).unwrap() + 1;
    assert!(
        err.contains(&format!("{}:{line}", profile.display())),
        "names the profile's line {line}: {err}"
    );
    assert!(err.contains("selector"), "{err}");
    assert!(!data.exists());
}
