//! `wildtrace schedule` on the demo marketplace: runs on a short cron
//! interval, revisits that record removals, persisted next-run times, no
//! overlapping runs of one job, and a clean stop on SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wildtrace_crawler::state::Store;

use crate::support::repo;

/// A config folder holding the demo job with `cron` and its own data folder.
fn config_dir(root: &Path, cron: &str) -> (PathBuf, PathBuf) {
    let cfg = root.join("config");
    std::fs::create_dir_all(cfg.join("sites")).unwrap();
    for e in std::fs::read_dir(repo().join("config/sites")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), cfg.join("sites").join(e.file_name())).unwrap();
    }
    let data = root.join("demo-data");
    let text = std::fs::read_to_string(repo().join("config/demo.toml"))
        .unwrap()
        .replace(
            "data_dir = \"data/demo\"",
            &format!("data_dir = {:?}", data.display().to_string()),
        )
        .replace("cron = \"*/20 * * * * *\"", &format!("cron = {cron:?}"));
    assert!(text.contains(cron), "the demo config's cron line moved");
    std::fs::write(cfg.join("demo.toml"), text).unwrap();
    (cfg, data)
}

fn schedule(cfg: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wildtrace"));
    c.args([
        "schedule",
        "--demo",
        "--seed",
        "7",
        "--listings-per-site",
        "30",
    ])
    .arg("--config-dir")
    .arg(cfg);
    c
}

#[test]
fn schedule_runs_the_demo_job_on_cron_and_revisits_record_removals() {
    let tmp = tempfile::tempdir().unwrap();
    let (cfg, data) = config_dir(tmp.path(), "*/2 * * * * *");
    let started = chrono::Utc::now();
    let out = schedule(&cfg)
        .args(["--runs", "2"])
        .env("WILDTRACE_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("demo run "))
        .collect();
    assert_eq!(runs.len(), 2, "{stdout}");
    let removed = |line: &str| -> usize {
        let part = line.split(", ").find(|p| p.ends_with(" removed")).unwrap();
        part.trim_end_matches(" removed").trim().parse().unwrap()
    };
    assert_eq!(
        removed(runs[0]),
        0,
        "nothing is removed before the first run"
    );
    assert!(
        removed(runs[1]) > 0,
        "the market removed listings between runs: {stdout}"
    );

    // Both runs are in the lake, and the removals were observed by revisits.
    let db = duckdb::Connection::open_in_memory().unwrap();
    let glob = data.join("lake/listings/**/*.parquet");
    let (run_count, removed_rows): (i64, i64) = db
        .query_row(
            &format!(
                "SELECT count(DISTINCT run_id), count(*) FILTER (WHERE status = 'removed')
                 FROM read_parquet('{}')",
                glob.display()
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(run_count, 2);
    assert!(removed_rows > 0);

    // The next run time is persisted in the job's store, after the start.
    let store = Store::open(&data.join("state/demo")).unwrap();
    let next = store.meta("schedule.next_run_at").unwrap().unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(&next).unwrap();
    assert!(next > started);
    assert_eq!(
        store.finished_runs("demo").unwrap().len(),
        2,
        "both runs finished"
    );
}

#[test]
#[cfg(unix)]
fn schedule_never_overlaps_a_job_and_stops_cleanly_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    // Every second: a demo run takes longer, so fire times meet a running job.
    let (cfg, data) = config_dir(tmp.path(), "* * * * * *");
    let log = tmp.path().join("schedule.log");
    let mut child = schedule(&cfg)
        .env("WILDTRACE_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("previous run still going") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no skipped fire time seen:\n{text}"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "scheduler exited:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let stop_deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < stop_deadline,
            "no clean stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(exit.success(), "exit {exit}:\n{text}");
    assert!(text.contains("stop requested"), "{text}");
    // Never two runs of the job at once: every start follows the previous end.
    let starts = text.matches("scheduled run starting").count();
    let ends = text.matches("scheduled run finished").count()
        + text.matches("scheduled run did not finish").count();
    assert!(
        starts >= 1 && starts <= ends + 1,
        "{starts} starts, {ends} ends"
    );
    // The interrupted run (if the stop came mid-run) is resumable.
    let store = Store::open(&data.join("state/demo")).unwrap();
    let unfinished = store.unfinished_run("demo").unwrap();
    let finished = store.finished_runs("demo").unwrap();
    assert!(unfinished.is_some() || !finished.is_empty());
}
