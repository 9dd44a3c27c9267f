//! The data files the parsers embed (`extract/data/*.toml`) load and pass
//! every check, and the embedded copies are the files in the tree.

use std::path::Path;

use wildtrace_extract::data::check;

#[test]
fn shipped_data_files_load_and_validate() {
    if let Err(e) = check() {
        panic!("{e}");
    }
}

#[test]
fn every_data_file_documents_its_fields() {
    let dir = crate::support::manifest_dir().join("data");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("extract/data")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    assert_eq!(
        names
            .iter()
            .filter_map(|p| p.file_name()?.to_str())
            .collect::<Vec<_>>(),
        [
            "currencies.toml",
            "price_words.toml",
            "quantities.toml",
            "units.toml"
        ]
    );
    for path in &names {
        let text = std::fs::read_to_string(path).expect("data file");
        let table: toml::Table = toml::from_str(&text).expect("TOML");
        let header: String = text
            .lines()
            .take_while(|l| l.starts_with('#') || l.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        for key in table.keys() {
            assert!(
                header.contains(&format!("# {key} ")) || header.contains(&format!("[{key}")),
                "{}: the header comment does not document `{key}`",
                Path::new(path).display()
            );
        }
    }
}
