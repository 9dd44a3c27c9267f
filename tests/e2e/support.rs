//! What the end-to-end tests share: the repository's path, one run of the
//! main job on the demo marketplace (made once per test process and shared
//! by every test that reads it), readers of its lake, and a runner for the
//! real binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use wildtrace_demo::market::{GroundTruth, RequestRecord, SiteKind, TruthListing};

/// The repository, read at run time: a test binary built from another clone
/// sharing the target dir must still use this clone's files.
pub fn repo() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

#[derive(serde::Deserialize)]
pub struct Dump {
    pub ground_truth: GroundTruth,
    pub requests: Vec<RequestRecord>,
    pub rounds: Vec<serde_json::Value>,
}

/// One row of the lake, as DuckDB reads it.
#[derive(Debug, Clone)]
pub struct Obs {
    pub run_id: String,
    pub source: String,
    pub listing_id: String,
    pub status: String,
    pub removal_reason: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub price_amount: Option<String>,
    pub currency: Option<String>,
    pub quantity: Option<i32>,
    pub seller_pseudonym: Option<String>,
    pub seller_location: Option<String>,
    pub ships_to: Option<String>,
    pub posted_date: Option<String>,
}

pub struct Demo {
    pub data: PathBuf,
    pub out: PathBuf,
    pub stdout: String,
    pub dump: Dump,
    pub terms: Vec<String>,
}

/// Runs `wildtrace demo` once (seed 7, 30 listings a site) in a fresh folder.
fn run_demo() -> Demo {
    run_demo_in(&scratch_dir().join("main"), |_| {})
}

/// Runs `wildtrace demo` (seed 7, 30 listings a site) in `dir`, after
/// `edit_sites` has changed the copied site profiles in the folder it is given.
pub fn run_demo_in(dir: &Path, edit_sites: impl Fn(&Path)) -> Demo {
    run_demo_with(dir, edit_sites, |t| t)
}

/// Like [`run_demo_in`], with `edit_config` applied to the job file's text
/// too (e.g. to switch evidence mode on).
pub fn run_demo_with(
    dir: &Path,
    edit_sites: impl Fn(&Path),
    edit_config: impl Fn(String) -> String,
) -> Demo {
    let _ = std::fs::remove_dir_all(dir);
    let cfg_dir = dir.join("config");
    std::fs::create_dir_all(cfg_dir.join("sites")).unwrap();
    for e in std::fs::read_dir(repo().join("config/sites")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), cfg_dir.join("sites").join(e.file_name())).unwrap();
    }
    edit_sites(&cfg_dir.join("sites"));
    let data = dir.join("demo-data");
    let text = std::fs::read_to_string(repo().join("config/demo.toml"))
        .unwrap()
        .replace(
            "data_dir = \"data/demo\"",
            &format!("data_dir = {:?}", data.display().to_string()),
        );
    let text = edit_config(text);
    let cfg = cfg_dir.join("demo.toml");
    std::fs::write(&cfg, &text).unwrap();
    let out = dir.join("out");
    let dump_path = dir.join("truth.json");
    let output = Command::new(env!("CARGO_BIN_EXE_wildtrace"))
        .current_dir(repo())
        .args([
            "demo",
            "--seed",
            "7",
            "--listings-per-site",
            "30",
            "--log",
            "warn",
        ])
        .arg("--config")
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .arg("--ground-truth")
        .arg(&dump_path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "demo failed: {}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let dump: Dump = serde_json::from_slice(&std::fs::read(&dump_path).unwrap()).unwrap();
    let terms = toml::from_str::<toml::Value>(&text).unwrap()["sites"][0]["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    Demo {
        data,
        out,
        stdout,
        dump,
        terms,
    }
}

pub fn lake_rows(data: &Path) -> Vec<Obs> {
    let db = duckdb::Connection::open_in_memory().unwrap();
    let glob = data.join("lake/listings/**/*.parquet");
    let sql = format!(
        "SELECT run_id, source, listing_id, status, removal_reason, title, description,
                CAST(price_amount AS VARCHAR), currency, quantity, seller_pseudonym,
                seller_location, ships_to, CAST(posted_date AS VARCHAR)
         FROM read_parquet('{}', hive_partitioning = true) ORDER BY run_id, listing_id",
        glob.display()
    );
    let mut stmt = db.prepare(&sql).unwrap();
    stmt.query_map([], |r| {
        Ok(Obs {
            run_id: r.get(0)?,
            source: r.get(1)?,
            listing_id: r.get(2)?,
            status: r.get(3)?,
            removal_reason: r.get(4)?,
            title: r.get(5)?,
            description: r.get(6)?,
            price_amount: r.get(7)?,
            currency: r.get(8)?,
            quantity: r.get(9)?,
            seller_pseudonym: r.get(10)?,
            seller_location: r.get(11)?,
            ships_to: r.get(12)?,
            posted_date: r.get(13)?,
        })
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

pub fn lake_id(l: &TruthListing) -> String {
    format!("{}:{}", l.site, l.site_listing_id)
}

/// Listings a crawl with these search terms can reach in a round: found by
/// a search, or (on the shop, whose robots.txt names a sitemap of every
/// visible product) listed in its sitemap, or (on the site without search,
/// every visible item linked from its categories) by following links.
pub fn reachable<'a>(gt: &'a GroundTruth, terms: &[String], round: u32) -> Vec<&'a TruthListing> {
    gt.listings
        .iter()
        .filter(|l| {
            !l.disallowed
                && gt.visible_in_round(l, round)
                && (l.tags.iter().any(|t| terms.contains(t))
                    || gt
                        .site(&l.site)
                        .is_some_and(|s| matches!(s.kind, SiteKind::Shop | SiteKind::Catalogue)))
        })
        .collect()
}

/// The demo run the tests share: made by the first test that asks, in this
/// process's own folder under the target dir's tmp/.
pub fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(run_demo)
}

/// A fresh folder for this test process (made once per process). Statics
/// are never dropped, so the folders of earlier processes that have ended
/// are removed here instead.
pub fn scratch_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(make_scratch_dir).clone()
}

fn make_scratch_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("e2e-demo");
    if let Ok(entries) = std::fs::read_dir(&root) {
        for e in entries.flatten() {
            let alive = e
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
            if !alive {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let dir = root.join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn wildtrace(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    wildtrace_in(&repo(), args, stdin)
}

/// Runs the binary with `dir` as its working directory (a folder outside
/// the repository shows that nothing depends on it).
pub fn wildtrace_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_wildtrace"))
        .args(["--log", "warn"])
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            input.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// `wildtrace export --audience public` of an output folder into `to`.
pub fn public_export(out: &Path, to: &Path) -> PathBuf {
    let (code, stdout, stderr) = wildtrace(
        &[
            "export",
            "--audience",
            "public",
            "--out",
            out.to_str().unwrap(),
            "--to",
            to.to_str().unwrap(),
            "--force",
        ],
        None,
    );
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    to.to_path_buf()
}

/// The public view of `table` (an exported Parquet file): each row's key
/// columns (text), its listings and whether it is suppressed.
pub fn public_cells(
    dir: &Path,
    table: &str,
    keys: &str,
    filter: &str,
) -> Vec<(Vec<String>, Option<i64>, bool)> {
    let db = duckdb::Connection::open_in_memory().unwrap();
    let n = keys.split(',').count();
    let sql = format!(
        "SELECT {keys}, listings, suppressed FROM '{}' WHERE {filter}",
        dir.join(format!("{table}.parquet")).display()
    );
    let mut stmt = db.prepare(&sql).unwrap();
    stmt.query_map([], |r| {
        let k = (0..n)
            .map(|i| Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default()))
            .collect::<Result<Vec<_>, duckdb::Error>>()?;
        Ok((k, r.get(n)?, r.get(n + 1)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}
