//! The research notebooks: stored without outputs, executed with nbclient
//! against the demo lake, and failing when a published number is wrong.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{demo, repo};

/// The notebooks' Python (`./wt setup` creates it from notebooks/requirements.txt).
fn venv_python() -> PathBuf {
    let py = repo().join(".deps/venv/bin/python");
    assert!(
        py.exists(),
        "{} missing: run `./wt setup` (it installs notebooks/requirements.txt)",
        py.display()
    );
    py
}

fn notebooks() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("notebooks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ipynb"))
        .collect();
    v.sort();
    v
}

/// Executes one notebook with nbclient (a real Jupyter kernel) against a
/// lake and an output folder; returns whether every cell ran, and stderr.
fn execute_notebook(nb: &Path, lake: &Path, out: &Path) -> (bool, String) {
    const RUNNER: &str = "import sys, nbformat, nbclient\n\
        nb = nbformat.read(sys.argv[1], as_version=4)\n\
        nbclient.NotebookClient(nb, timeout=300, kernel_name='python3').execute()\n";
    let o = Command::new(venv_python())
        .current_dir(repo().join("notebooks"))
        .env("WILDTRACE_LAKE", lake)
        .env("WILDTRACE_OUT", out)
        .args(["-c", RUNNER])
        .arg(nb)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every notebook executes against the demo lake and outputs, and the
/// table-reproducing one fails when a published number is wrong.
#[test]
fn demo_notebooks_run_and_reproduce_the_tables() {
    let demo = demo();
    // 3. Notebooks, against the demo lake and outputs.
    let lake = demo.data.join("lake");
    let nbs = notebooks();
    assert!(nbs.len() >= 2, "{nbs:?}");
    for nb in &nbs {
        let (ok, stderr) = execute_notebook(nb, &lake, &demo.out);
        assert!(ok, "{} failed:\n{stderr}", nb.display());
    }
    assert!(
        demo.out
            .join("figures/notebook_listings_by_platform.png")
            .is_file()
    );
    // A wrong published number makes the reproduction notebook fail.
    let tampered = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tampered.path().join("tables")).unwrap();
    for t in [
        "removals_by_source.csv",
        "listing_classification.csv",
        "annual_by_taxon_group.csv",
    ] {
        let mut text = std::fs::read_to_string(demo.out.join("tables").join(t)).unwrap();
        if t == "annual_by_taxon_group.csv" {
            let last = text.trim_end().rsplit_once(',').unwrap();
            let n: u64 = last.1.parse().unwrap();
            text = format!("{},{}\n", last.0, n + 1);
        }
        std::fs::write(tampered.path().join("tables").join(t), text).unwrap();
    }
    let polars_nb = nbs
        .iter()
        .find(|p| p.to_string_lossy().contains("polars"))
        .unwrap();
    let (ok, stderr) = execute_notebook(polars_nb, &lake, tampered.path());
    assert!(
        !ok && stderr.contains("AssertionError"),
        "tampered table passed:\n{stderr}"
    );
}

/// Notebooks are stored without outputs (they are rebuilt from the lake).
#[test]
fn notebooks_are_stored_without_outputs() {
    let nbs = notebooks();
    assert!(nbs.len() >= 2, "{nbs:?}");
    for nb in nbs {
        let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&nb).unwrap()).unwrap();
        for cell in v["cells"].as_array().unwrap() {
            if cell["cell_type"] == "code" {
                assert_eq!(cell["outputs"], serde_json::json!([]), "{}", nb.display());
                assert!(cell["execution_count"].is_null(), "{}", nb.display());
            }
        }
    }
}
