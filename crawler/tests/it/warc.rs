//! Evidence mode's WARC files: written by `WarcWriter`, read back by the
//! standard tool (warcio) and by our `verify`, which must catch a flipped
//! byte, a truncated file, a missing file and a pointer that lies.

use std::path::{Path, PathBuf};
use std::process::Command;

use url::Url;
use wildtrace_crawler::warc::{
    Exchange, WarcInfo, WarcPointer, WarcWriter, read_records, recover_open, sha256_digest, verify,
};

fn info() -> WarcInfo {
    WarcInfo {
        software: "wildtrace/0.1.0".into(),
        operator: Some("mailto:research@example.org".into()),
        user_agent: Some("wildtrace/0.1.0 (+mailto:research@example.org)".into()),
        extra: vec![("job".into(), "test".into())],
    }
}

const PAGE: &[u8] =
    "<!doctype html><html lang=\"de\"><h1>Elfenbein Netsuke</h1><p>1.299,00 €</p></html>"
        .as_bytes();

fn write_two(dir: &Path) -> (PathBuf, Vec<WarcPointer>) {
    let mut w = WarcWriter::create(dir, "20261130T1200Z-1", "kleinmarkt", &info()).unwrap();
    let mut ptrs = Vec::new();
    for (i, body) in [PAGE, b"<html>second page</html>".as_slice()]
        .iter()
        .enumerate()
    {
        let url = Url::parse(&format!("https://www.kleinmarkt.example/anzeige/{i}?x=1")).unwrap();
        ptrs.push(
            w.write_exchange(&Exchange {
                url: &url,
                method: "GET",
                request_headers: vec![
                    (
                        "User-Agent".into(),
                        "wildtrace/0.1.0 (+mailto:research@example.org)".into(),
                    ),
                    ("From".into(), "research@example.org".into()),
                ],
                response_status: 200,
                response_headers: vec![
                    ("Content-Type".into(), "text/html; charset=utf-8".into()),
                    ("Content-Encoding".into(), "gzip".into()),
                    ("Content-Length".into(), "12".into()),
                ],
                body,
                remote_ip: Some("127.0.0.1".parse().unwrap()),
                metadata: vec![
                    ("robots".into(), "allowed".into()),
                    ("search-term".into(), "elfenbein".into()),
                ],
            })
            .unwrap(),
        );
    }
    assert!(
        dir.join(format!("{}.open", w.file_name())).exists(),
        "written as .open until finished"
    );
    let path = w.finish().unwrap();
    (path, ptrs)
}

#[test]
fn records_are_well_formed_and_digests_match() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, ptrs) = write_two(tmp.path());
    assert!(path.to_string_lossy().ends_with(".warc.gz"));
    assert!(!tmp.path().join(format!("{}.open", ptrs[0].file)).exists());
    let recs = read_records(&path).unwrap();
    let types: Vec<&str> = recs
        .iter()
        .map(|r| r.header("WARC-Type").unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "warcinfo", "response", "request", "metadata", "response", "request", "metadata"
        ]
    );
    let resp = &recs[1];
    assert_eq!(resp.offset, ptrs[0].offset);
    assert_eq!(resp.length, ptrs[0].length);
    assert_eq!(
        resp.header("WARC-Block-Digest"),
        Some(ptrs[0].block_digest.as_str())
    );
    assert_eq!(
        resp.header("WARC-Payload-Digest"),
        Some(sha256_digest(PAGE).as_str())
    );
    assert_eq!(resp.header("WARC-IP-Address"), Some("127.0.0.1"));
    assert_eq!(
        resp.header("WARC-Target-URI"),
        Some("https://www.kleinmarkt.example/anzeige/0?x=1")
    );
    assert!(ptrs[0].block_digest.starts_with("sha256:"));
    // base32 of 32 bytes: 52 symbols + 4 padding, as warcio writes it.
    assert_eq!(ptrs[0].block_digest.len(), "sha256:".len() + 56);
    let req = &recs[2];
    assert_eq!(
        req.header("WARC-Concurrent-To"),
        resp.header("WARC-Record-ID")
    );
    let req_text = String::from_utf8(req.block.clone()).unwrap();
    assert!(
        req_text.starts_with("GET /anzeige/0?x=1 HTTP/1.1\r\nHost: www.kleinmarkt.example\r\n")
    );
    let meta = String::from_utf8(recs[3].block.clone()).unwrap();
    for want in [
        "crawler-version: wildtrace/0.1.0",
        "run-id: 20261130T1200Z-1",
        "robots: allowed",
        "search-term: elfenbein",
    ] {
        assert!(meta.contains(want), "{want} in {meta}");
    }
    // The decoded body is stored, so wire-only headers are renamed.
    let http = String::from_utf8_lossy(&resp.block);
    assert!(http.contains("X-Wildtrace-Original-Content-Encoding: gzip"));
    assert!(http.contains(&format!("Content-Length: {}\r\n", PAGE.len())));
    let info = String::from_utf8(recs[0].block.clone()).unwrap();
    assert!(
        info.contains("software: wildtrace/0.1.0") && info.contains("format: WARC File Format 1.1")
    );
    let report = verify(&[tmp.path().to_path_buf()], &ptrs);
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.files[0].records, 7);
    assert_eq!(report.files[0].pointers, 2);
}

fn warcio() -> PathBuf {
    let p = crate::manifest_dir().join("../.deps/venv/bin/warcio");
    assert!(
        p.exists(),
        "{} missing: python3 -m venv .deps/venv && .deps/venv/bin/pip install -r notebooks/requirements.txt",
        p.display()
    );
    p
}

/// The standard tool reads our files and agrees with every digest.
#[test]
fn warcio_checks_and_indexes_our_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, ptrs) = write_two(tmp.path());
    let out = Command::new(warcio())
        .arg("check")
        .arg("-v")
        .arg(&path)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "warcio check failed:\n{text}");
    assert!(
        text.contains("digest pass"),
        "warcio checked digests:\n{text}"
    );
    assert!(
        !text.contains("digest fail") && !text.contains("digest present but not checked"),
        "{text}"
    );
    let out = Command::new(warcio())
        .args(["index", "-f", "warc-type,warc-target-uri,offset,length"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 7);
    assert_eq!(lines[1]["warc-type"], "response");
    // warcio's offsets and lengths are ours: the pointer addresses a member.
    assert_eq!(
        lines[1]["offset"].as_str().unwrap().parse::<u64>().unwrap(),
        ptrs[0].offset
    );
    assert_eq!(
        lines[1]["length"].as_str().unwrap().parse::<u64>().unwrap(),
        ptrs[0].length
    );

    // And a flipped byte is what warcio refuses too.
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = usize::try_from(ptrs[0].offset + ptrs[0].length / 2).unwrap();
    bytes[mid] ^= 0x01;
    std::fs::write(&path, &bytes).unwrap();
    let out = Command::new(warcio())
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success(), "warcio check passed a tampered file");
}

#[test]
fn one_flipped_byte_fails_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, ptrs) = write_two(tmp.path());
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = usize::try_from(ptrs[1].offset + ptrs[1].length / 2).unwrap();
    bytes[mid] ^= 0x20;
    std::fs::write(&path, &bytes).unwrap();
    let report = verify(&[tmp.path().to_path_buf()], &ptrs);
    assert!(!report.ok);
    let problems = report.files[0].problems.join("\n");
    assert!(
        problems.contains(&format!("offset {}", ptrs[1].offset)),
        "the tampered record is named: {problems}"
    );
}

/// Tampering that keeps the gzip valid (recompressed with new digests) is
/// still caught by the digest the lake recorded.
#[test]
fn a_rewritten_record_is_caught_by_the_lake_pointer() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, ptrs) = write_two(tmp.path());
    let forged_dir = tempfile::tempdir().unwrap();
    let mut w =
        WarcWriter::create(forged_dir.path(), "20261130T1200Z-1", "kleinmarkt", &info()).unwrap();
    let url = Url::parse("https://www.kleinmarkt.example/anzeige/0?x=1").unwrap();
    let forged = w
        .write_exchange(&Exchange {
            url: &url,
            method: "GET",
            request_headers: vec![],
            response_status: 200,
            response_headers: vec![],
            body: b"<html>a different price</html>",
            remote_ip: None,
            metadata: vec![],
        })
        .unwrap();
    let forged_path = w.finish().unwrap();
    std::fs::copy(&forged_path, &path).unwrap();
    let report = verify(&[tmp.path().to_path_buf()], &ptrs[..1]);
    assert!(!report.ok);
    assert!(
        report.files[0]
            .problems
            .iter()
            .all(|p| !p.contains("block digest")),
        "self-consistent forgery"
    );
    let problems = report.files[0].problems.join("\n");
    assert!(
        problems.contains("differs from the lake's") || problems.contains("pointer offset"),
        "{problems}"
    );
    assert_ne!(forged.block_digest, ptrs[0].block_digest);
}

#[test]
fn truncation_and_missing_files_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, ptrs) = write_two(tmp.path());
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let mut all = ptrs.clone();
    all.push(WarcPointer {
        file: "wildtrace-gone-bazaar.warc.gz".into(),
        offset: 0,
        length: 1,
        block_digest: "sha256:AAAA".into(),
    });
    let report = verify(&[tmp.path().to_path_buf()], &all);
    assert!(!report.ok);
    assert_eq!(report.missing_files, ["wildtrace-gone-bazaar.warc.gz"]);
    assert!(
        report.files[0]
            .problems
            .iter()
            .any(|p| p.contains("truncated") || p.contains("corrupt")),
        "{:?}",
        report.files[0].problems
    );
}

/// A crash leaves a `.open` file whose last member may be torn; recovery
/// keeps every complete record and cuts the rest.
#[test]
fn a_torn_open_file_is_recovered() {
    let tmp = tempfile::tempdir().unwrap();
    let mut w = WarcWriter::create(tmp.path(), "r1", "shop", &info()).unwrap();
    let url = Url::parse("https://shop.example/p/1").unwrap();
    let ptr = w
        .write_exchange(&Exchange {
            url: &url,
            method: "GET",
            request_headers: vec![],
            response_status: 200,
            response_headers: vec![],
            body: PAGE,
            remote_ip: None,
            metadata: vec![],
        })
        .unwrap();
    let open = tmp.path().join(format!("{}.open", w.file_name()));
    drop(w); // the "crash": never finished
    let good = std::fs::read(&open).unwrap();
    // A torn half-member at the end, as a crash mid-write leaves it.
    let mut torn = good.clone();
    torn.extend_from_slice(&good[ptr.offset as usize..(ptr.offset + ptr.length / 2) as usize]);
    std::fs::write(&open, &torn).unwrap();
    let report = verify(&[tmp.path().to_path_buf()], &[]);
    assert!(!report.ok && report.open_files.len() == 1, "{report:?}");
    let (done, cut) = recover_open(&open).unwrap();
    assert_eq!(cut, ptr.length / 2);
    assert!(!open.exists());
    assert_eq!(std::fs::read(&done).unwrap(), good);
    let report = verify(&[tmp.path().to_path_buf()], &[ptr]);
    assert!(report.ok, "{report:?}");
}
