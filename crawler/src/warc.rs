//! Evidence mode: WARC 1.1 files of every HTTP exchange, and their
//! verification.
//!
//! It owns the WARC format: a `warcinfo` record first in each file, then per
//! exchange a `response`, a `request` (`WARC-Concurrent-To` the response) and
//! a `metadata` record (crawler version, run id, robots decision, search
//! term), each its own gzip member, with `WARC-Block-Digest` and
//! `WARC-Payload-Digest` as `sha256:` + base32 (the convention warcio and
//! jwarc write). Files are written as `<name>.warc.gz.open` and renamed to
//! `<name>.warc.gz` when finished. It also owns [`verify`], which recomputes
//! every digest. It must not fetch, decide what to store, or touch the lake
//! (the crawler stores the [`WarcPointer`] it gets back in the listing row).
//!
//! Crash safety: each record is compressed in memory and written with one
//! `write_all`, then flushed, so a crashed run leaves complete members plus
//! at most one torn member at the end of a `.open` file. [`recover_open`]
//! (meant for the start of the next run) keeps every complete member,
//! truncates the torn tail and renames the file to `.warc.gz`; the records it
//! keeps are valid evidence even though the crashed run wrote no lake rows
//! pointing at them.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use data_encoding::BASE32;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;
use sha2::{Digest, Sha256};
use url::Url;

/// Suffix of a finished WARC file.
pub const WARC_SUFFIX: &str = ".warc.gz";
/// Suffix of a WARC file still being written.
pub const OPEN_SUFFIX: &str = ".warc.gz.open";

/// WARC writing or reading problems.
#[derive(Debug, thiserror::Error)]
pub enum WarcError {
    /// A file could not be created, written, read or renamed.
    #[error("WARC file {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// What the `warcinfo` record at the head of each file says.
#[derive(Debug, Clone, Default)]
pub struct WarcInfo {
    /// `software` field, e.g. `wildtrace/0.1.0`.
    pub software: String,
    /// `operator` field: who runs the crawl (the identity contact).
    pub operator: Option<String>,
    /// `http-header-user-agent` field.
    pub user_agent: Option<String>,
    /// Further `key: value` fields (job name, config hash...).
    pub extra: Vec<(String, String)>,
}

/// One HTTP request and its response, as the crawler saw them.
#[derive(Debug, Clone)]
pub struct Exchange<'a> {
    /// The URL requested.
    pub url: &'a Url,
    /// Request method (usually `GET`).
    pub method: &'a str,
    /// Request headers sent (`Host` is added when missing).
    pub request_headers: Vec<(String, String)>,
    /// HTTP status of the response.
    pub response_status: u16,
    /// Response headers received.
    pub response_headers: Vec<(String, String)>,
    /// Response body after content decoding (what the crawler extracted from).
    pub body: &'a [u8],
    /// Address of the server, when known.
    pub remote_ip: Option<IpAddr>,
    /// Fields of the metadata record, e.g. `("robots", "allowed")`,
    /// `("search-term", "ivory")`; crawler version and run id are added.
    pub metadata: Vec<(String, String)>,
}

/// Where a response record lives: what a listing row stores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct WarcPointer {
    /// File name (no folder), e.g. `wildtrace-r7-curioshop.warc.gz`.
    pub file: String,
    /// Offset of the record's gzip member in the file.
    pub offset: u64,
    /// Length of the gzip member in bytes.
    pub length: u64,
    /// The record's `WARC-Block-Digest` (`sha256:` + base32).
    pub block_digest: String,
}

/// Writes one WARC file.
#[derive(Debug)]
pub struct WarcWriter {
    file: File,
    open_path: PathBuf,
    final_path: PathBuf,
    name: String,
    offset: u64,
    warcinfo_id: String,
    run_id: String,
    software: String,
}

/// `sha256:` + base32 of the SHA-256 of `data`, as warcio writes it.
pub fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{}", BASE32.encode(&Sha256::digest(data)))
}

fn record_id() -> String {
    format!("<urn:uuid:{}>", uuid::Uuid::new_v4())
}

fn warc_date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Keeps header values on one line (a header value with CR/LF would forge
/// new WARC or HTTP header lines).
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect()
}

fn fields_block(fields: &[(String, String)]) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(format!("{}: {}\r\n", one_line(k), one_line(v)).as_bytes());
    }
    b
}

/// One serialized record (uncompressed).
fn record(headers: &[(&str, String)], content_type: &str, block: &[u8]) -> Vec<u8> {
    let mut r = b"WARC/1.1\r\n".to_vec();
    for (k, v) in headers {
        r.extend_from_slice(format!("{k}: {}\r\n", one_line(v)).as_bytes());
    }
    r.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
    r.extend_from_slice(format!("Content-Length: {}\r\n\r\n", block.len()).as_bytes());
    r.extend_from_slice(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

fn gzip_member(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::with_capacity(data.len() / 3 + 64), Compression::new(6));
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}

impl WarcWriter {
    /// Creates `<dir>/wildtrace-<run_id>-<source>.warc.gz.open` (a numeric
    /// suffix is added if that name is taken) and writes its `warcinfo`.
    pub fn create(
        dir: &Path,
        run_id: &str,
        source: &str,
        info: &WarcInfo,
    ) -> Result<WarcWriter, WarcError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WarcError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let safe = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        let stem = format!("wildtrace-{}-{}", safe(run_id), safe(source));
        let mut n = 0u32;
        let (name, open_path, final_path, file) = loop {
            let name = if n == 0 {
                format!("{stem}{WARC_SUFFIX}")
            } else {
                format!("{stem}-{n}{WARC_SUFFIX}")
            };
            let final_path = dir.join(&name);
            let open_path = dir.join(format!("{name}.open"));
            if !final_path.exists() {
                match std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&open_path)
                {
                    Ok(f) => break (name, open_path, final_path, f),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(io(&open_path)(e)),
                }
            }
            n += 1;
        };
        let mut w = WarcWriter {
            file,
            open_path,
            final_path,
            name: name.clone(),
            offset: 0,
            warcinfo_id: record_id(),
            run_id: run_id.to_string(),
            software: info.software.clone(),
        };
        let mut fields = vec![
            ("software".to_string(), info.software.clone()),
            ("format".to_string(), "WARC File Format 1.1".to_string()),
            (
                "conformsTo".to_string(),
                "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
                    .to_string(),
            ),
            ("isPartOf".to_string(), run_id.to_string()),
            ("robots".to_string(), "obey".to_string()),
        ];
        if let Some(o) = &info.operator {
            fields.push(("operator".to_string(), o.clone()));
        }
        if let Some(ua) = &info.user_agent {
            fields.push(("http-header-user-agent".to_string(), ua.clone()));
        }
        fields.extend(info.extra.iter().cloned());
        let block = fields_block(&fields);
        let rec = record(
            &[
                ("WARC-Type", "warcinfo".to_string()),
                ("WARC-Record-ID", w.warcinfo_id.clone()),
                ("WARC-Date", warc_date(Utc::now())),
                ("WARC-Filename", name),
                ("WARC-Block-Digest", sha256_digest(&block)),
            ],
            "application/warc-fields",
            &block,
        );
        w.append(&rec)?;
        Ok(w)
    }

    /// The file name this writer produces (without `.open`).
    pub fn file_name(&self) -> &str {
        &self.name
    }

    /// Appends one gzip member; returns its offset and length.
    fn append(&mut self, rec: &[u8]) -> Result<(u64, u64), WarcError> {
        let member = gzip_member(rec);
        // why: one write_all per member, then a flush, so a crash can tear at
        // most the last member, which recover_open cuts off.
        self.file
            .write_all(&member)
            .and_then(|()| self.file.flush())
            .map_err(|source| WarcError::Io {
                path: self.open_path.clone(),
                source,
            })?;
        let at = self.offset;
        self.offset += member.len() as u64;
        Ok((at, member.len() as u64))
    }

    /// Writes the response, request and metadata records of one exchange and
    /// returns where the response record is.
    pub fn write_exchange(&mut self, ex: &Exchange<'_>) -> Result<WarcPointer, WarcError> {
        let now = warc_date(Utc::now());
        let uri = ex.url.to_string();

        // Response: the decoded body, so headers that described the wire
        // form are renamed and Content-Length is restated (why: readers must
        // not try to gunzip or de-chunk an already decoded payload).
        let mut block = format!(
            "HTTP/1.1 {} {}\r\n",
            ex.response_status,
            reason(ex.response_status)
        )
        .into_bytes();
        for (k, v) in &ex.response_headers {
            let lk = k.to_ascii_lowercase();
            let name = if matches!(
                lk.as_str(),
                "content-encoding" | "transfer-encoding" | "content-length"
            ) {
                format!("X-Wildtrace-Original-{k}")
            } else {
                k.clone()
            };
            block.extend_from_slice(format!("{}: {}\r\n", one_line(&name), one_line(v)).as_bytes());
        }
        block.extend_from_slice(format!("Content-Length: {}\r\n\r\n", ex.body.len()).as_bytes());
        block.extend_from_slice(ex.body);
        let response_id = record_id();
        let block_digest = sha256_digest(&block);
        let mut headers = vec![
            ("WARC-Type", "response".to_string()),
            ("WARC-Record-ID", response_id.clone()),
            ("WARC-Warcinfo-ID", self.warcinfo_id.clone()),
            ("WARC-Date", now.clone()),
            ("WARC-Target-URI", uri.clone()),
        ];
        if let Some(ip) = ex.remote_ip {
            headers.push(("WARC-IP-Address", ip.to_string()));
        }
        headers.push(("WARC-Block-Digest", block_digest.clone()));
        headers.push(("WARC-Payload-Digest", sha256_digest(ex.body)));
        let (offset, length) = self.append(&record(
            &headers,
            "application/http; msgtype=response",
            &block,
        ))?;

        // Request.
        let target = match ex.url.query() {
            Some(q) => format!("{}?{q}", ex.url.path()),
            None => ex.url.path().to_string(),
        };
        let mut req = format!("{} {target} HTTP/1.1\r\n", one_line(ex.method)).into_bytes();
        if !ex
            .request_headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("host"))
        {
            let host = match ex.url.port() {
                Some(p) => format!("{}:{p}", ex.url.host_str().unwrap_or_default()),
                None => ex.url.host_str().unwrap_or_default().to_string(),
            };
            req.extend_from_slice(format!("Host: {host}\r\n").as_bytes());
        }
        req.extend_from_slice(&fields_block(&ex.request_headers));
        req.extend_from_slice(b"\r\n");
        let mut headers = vec![
            ("WARC-Type", "request".to_string()),
            ("WARC-Record-ID", record_id()),
            ("WARC-Warcinfo-ID", self.warcinfo_id.clone()),
            ("WARC-Date", now.clone()),
            ("WARC-Target-URI", uri.clone()),
            ("WARC-Concurrent-To", response_id.clone()),
        ];
        if let Some(ip) = ex.remote_ip {
            headers.push(("WARC-IP-Address", ip.to_string()));
        }
        headers.push(("WARC-Block-Digest", sha256_digest(&req)));
        self.append(&record(&headers, "application/http; msgtype=request", &req))?;

        // Metadata.
        let mut fields = vec![
            ("crawler-version".to_string(), self.software.clone()),
            ("run-id".to_string(), self.run_id.clone()),
        ];
        fields.extend(ex.metadata.iter().cloned());
        let meta = fields_block(&fields);
        self.append(&record(
            &[
                ("WARC-Type", "metadata".to_string()),
                ("WARC-Record-ID", record_id()),
                ("WARC-Warcinfo-ID", self.warcinfo_id.clone()),
                ("WARC-Date", now),
                ("WARC-Target-URI", uri),
                ("WARC-Concurrent-To", response_id),
                ("WARC-Block-Digest", sha256_digest(&meta)),
            ],
            "application/warc-fields",
            &meta,
        ))?;
        Ok(WarcPointer {
            file: self.name.clone(),
            offset,
            length,
            block_digest,
        })
    }

    /// Fsyncs, renames `.open` to `.warc.gz` and returns the final path.
    pub fn finish(self) -> Result<PathBuf, WarcError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WarcError::Io { path, source }
        };
        self.file.sync_all().map_err(io(&self.open_path))?;
        drop(self.file);
        std::fs::rename(&self.open_path, &self.final_path).map_err(io(&self.final_path))?;
        if let Some(dir) = self.final_path.parent()
            && let Ok(d) = File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(self.final_path)
    }
}

// ------------------------------------------------------------------ reading

/// A `BufRead` that counts the bytes consumed, to find member boundaries.
struct Counting<R> {
    inner: R,
    pos: u64,
}

impl<R: BufRead> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.pos += amt as u64;
        self.inner.consume(amt);
    }
}

/// One record read back from a file.
#[derive(Debug, Clone)]
pub struct ReadRecord {
    /// Offset of its gzip member.
    pub offset: u64,
    /// Length of its gzip member.
    pub length: u64,
    /// WARC header fields, in order.
    pub headers: Vec<(String, String)>,
    /// The record block.
    pub block: Vec<u8>,
}

impl ReadRecord {
    /// First value of a WARC header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What reading a file member by member found.
#[derive(Debug, Default)]
struct Scan {
    records: Vec<ReadRecord>,
    /// Offset where the first unreadable member starts, and why.
    broken: Option<(u64, String)>,
    /// Offset just past the last complete member.
    good_end: u64,
}

/// Upper bound for one decompressed record: a record is one page plus
/// headers, and pages are capped far below this by the fetcher.
const MAX_RECORD_BYTES: u64 = 256 * 1024 * 1024;

/// WARC header fields, in order.
type Fields = Vec<(String, String)>;

fn parse_record(data: &[u8]) -> Result<(Fields, Vec<u8>), String> {
    let head_end = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of WARC header")?;
    let head = std::str::from_utf8(&data[..head_end]).map_err(|_| "WARC header is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let version = lines.next().unwrap_or_default();
    if !version.starts_with("WARC/") {
        return Err(format!("not a WARC record (starts {version:?})"));
    }
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Content-Length"))
        .and_then(|(_, v)| v.parse().ok())
        .ok_or("missing or bad Content-Length")?;
    let start = head_end + 4;
    let block = data
        .get(start..start + len)
        .ok_or("record shorter than its Content-Length")?;
    if data.get(start + len..) != Some(b"\r\n\r\n".as_slice()) {
        return Err("record does not end with CRLF CRLF after its block".into());
    }
    Ok((headers, block.to_vec()))
}

fn scan_file(path: &Path) -> Result<Scan, WarcError> {
    let f = File::open(path).map_err(|source| WarcError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut r = Counting {
        inner: BufReader::new(f),
        pos: 0,
    };
    let mut scan = Scan::default();
    loop {
        let start = r.pos;
        match r.fill_buf() {
            Ok([]) => break,
            Ok(_) => {}
            Err(e) => {
                scan.broken = Some((start, e.to_string()));
                break;
            }
        }
        let mut data = Vec::new();
        let res = flate2::bufread::GzDecoder::new(&mut r)
            .take(MAX_RECORD_BYTES)
            .read_to_end(&mut data);
        if let Err(e) = res {
            scan.broken = Some((start, format!("corrupt or truncated gzip member: {e}")));
            break;
        }
        let end = r.pos;
        match parse_record(&data) {
            Ok((headers, block)) => {
                scan.records.push(ReadRecord {
                    offset: start,
                    length: end - start,
                    headers,
                    block,
                });
                scan.good_end = end;
            }
            Err(e) => {
                scan.broken = Some((start, e));
                break;
            }
        }
    }
    Ok(scan)
}

/// Reads every record of a finished (or `.open`) WARC file.
pub fn read_records(path: &Path) -> Result<Vec<ReadRecord>, WarcError> {
    Ok(scan_file(path)?.records)
}

/// Finishes a `.warc.gz.open` file left by a crashed run: keeps its complete
/// members, cuts a torn last member, renames it to `.warc.gz`. Returns the
/// new path and how many bytes were cut.
pub fn recover_open(path: &Path) -> Result<(PathBuf, u64), WarcError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| WarcError::Io { path: p, source }
    };
    let scan = scan_file(path)?;
    let len = std::fs::metadata(path).map_err(io(path))?.len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(io(path))?;
    f.set_len(scan.good_end).map_err(io(path))?;
    f.sync_all().map_err(io(path))?;
    let name = path.to_string_lossy();
    let target = PathBuf::from(name.strip_suffix(".open").unwrap_or(&name).to_string());
    std::fs::rename(path, &target).map_err(io(&target))?;
    Ok((target, len - scan.good_end))
}

// ------------------------------------------------------------------ verify

/// Problems found in one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// Path of the file.
    pub file: String,
    /// Records read.
    pub records: usize,
    /// Listing pointers into this file that were checked.
    pub pointers: usize,
    /// What is wrong (empty when clean).
    pub problems: Vec<String>,
}

/// The outcome of [`verify`].
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Whether every file, record and pointer checked out.
    pub ok: bool,
    /// One entry per WARC file found.
    pub files: Vec<FileReport>,
    /// Pointers naming a file that does not exist.
    pub missing_files: Vec<String>,
    /// Leftover `.open` files (a crashed run; see `recover_open`).
    pub open_files: Vec<String>,
}

impl VerifyReport {
    /// Files with a problem: bad records, missing or left open.
    pub fn problem_files(&self) -> usize {
        self.files.iter().filter(|f| !f.problems.is_empty()).count()
            + self.missing_files.len()
            + self.open_files.len()
    }
}

/// Where `verify` looks for WARC files by default: `warc/` next to the lake
/// (evidence mode writes `<data_dir>/warc/<job>/` beside `<data_dir>/lake/`).
pub fn default_dir(lake_dir: &Path) -> PathBuf {
    lake_dir
        .parent()
        .map(|p| p.join("warc"))
        .unwrap_or_else(|| PathBuf::from("warc"))
}

fn find_warcs(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            find_warcs(&p, out);
        } else {
            let n = p.to_string_lossy();
            if n.ends_with(WARC_SUFFIX) || n.ends_with(OPEN_SUFFIX) {
                out.push(p);
            }
        }
    }
}

/// Recomputes every record's block and payload digest in every WARC file
/// under `paths` (files or folders, searched recursively), and checks each
/// pointer: its file exists, a record starts at its offset with its length,
/// and that record's digest is the one the pointer recorded.
pub fn verify(paths: &[PathBuf], pointers: &[WarcPointer]) -> VerifyReport {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            find_warcs(p, &mut files);
        } else {
            files.push(p.clone());
        }
    }
    let mut by_name: HashMap<String, Vec<&WarcPointer>> = HashMap::new();
    for ptr in pointers {
        by_name.entry(ptr.file.clone()).or_default().push(ptr);
    }
    let mut report = VerifyReport {
        ok: true,
        files: Vec::new(),
        missing_files: Vec::new(),
        open_files: Vec::new(),
    };
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.ends_with(OPEN_SUFFIX) {
            report.open_files.push(path.display().to_string());
            continue;
        }
        let ptrs = by_name.remove(&name).unwrap_or_default();
        report.files.push(verify_file(path, &ptrs));
    }
    let mut missing: Vec<String> = by_name.into_keys().collect();
    missing.sort();
    report.missing_files = missing;
    report.ok = report.missing_files.is_empty()
        && report.open_files.is_empty()
        && report.files.iter().all(|f| f.problems.is_empty());
    report
}

fn verify_file(path: &Path, pointers: &[&WarcPointer]) -> FileReport {
    let mut rep = FileReport {
        file: path.display().to_string(),
        records: 0,
        pointers: pointers.len(),
        problems: Vec::new(),
    };
    let scan = match scan_file(path) {
        Ok(s) => s,
        Err(e) => {
            rep.problems.push(e.to_string());
            return rep;
        }
    };
    rep.records = scan.records.len();
    if let Some((at, why)) = &scan.broken {
        rep.problems.push(format!("offset {at}: {why}"));
    }
    if scan.records.first().and_then(|r| r.header("WARC-Type")) != Some("warcinfo") {
        rep.problems
            .push("first record is not warcinfo (file truncated at the head?)".into());
    }
    for r in &scan.records {
        let id = r.header("WARC-Record-ID").unwrap_or("?");
        match r.header("WARC-Block-Digest") {
            Some(want) => {
                let got = sha256_digest(&r.block);
                if !digest_eq(want, &got) {
                    rep.problems.push(format!(
                        "offset {}: record {id}: block digest {got} differs from recorded {want} (tampered)",
                        r.offset
                    ));
                }
            }
            None => rep.problems.push(format!(
                "offset {}: record {id}: no WARC-Block-Digest",
                r.offset
            )),
        }
        if let Some(want) = r.header("WARC-Payload-Digest") {
            let payload = r
                .block
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|i| &r.block[i + 4..])
                .unwrap_or_default();
            let got = sha256_digest(payload);
            if !digest_eq(want, &got) {
                rep.problems.push(format!(
                    "offset {}: record {id}: payload digest {got} differs from recorded {want} (tampered)",
                    r.offset
                ));
            }
        }
    }
    for p in pointers {
        match scan.records.iter().find(|r| r.offset == p.offset) {
            None => rep.problems.push(format!(
                "pointer offset {} (digest {}): no readable record starts there",
                p.offset, p.block_digest
            )),
            Some(r) => {
                if r.length != p.length {
                    rep.problems.push(format!(
                        "pointer offset {}: record is {} bytes, pointer says {}",
                        p.offset, r.length, p.length
                    ));
                }
                let got = sha256_digest(&r.block);
                if !digest_eq(&p.block_digest, &got) {
                    rep.problems.push(format!(
                        "pointer offset {}: record digest {got} differs from the lake's {} (tampered)",
                        p.offset, p.block_digest
                    ));
                }
            }
        }
    }
    rep
}

fn digest_eq(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

// ------------------------------------------------------------ lake pointers

/// Listing columns holding a row's WARC pointer (set by the crawler in
/// evidence mode; absent or null otherwise).
pub const POINTER_COLUMNS: [&str; 4] = [
    "warc_file",
    "warc_offset",
    "warc_length",
    "warc_block_digest",
];

/// Every WARC pointer stored in the `listings` table of a lake. Files
/// without the pointer columns contribute nothing.
pub fn pointers_from_lake(lake_dir: &Path) -> Result<Vec<WarcPointer>, WarcError> {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let mut files = Vec::new();
    collect_parquet(&lake_dir.join("listings"), &mut files);
    let mut out = Vec::new();
    for path in files {
        let bad = |e: String| WarcError::Io {
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        };
        let f = File::open(&path).map_err(|source| WarcError::Io {
            path: path.clone(),
            source,
        })?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(f)
            .and_then(|b| b.build())
            .map_err(|e| bad(e.to_string()))?;
        for batch in reader {
            let batch = batch.map_err(|e| bad(e.to_string()))?;
            let cols: Vec<_> = POINTER_COLUMNS
                .iter()
                .map(|c| batch.column_by_name(c))
                .collect();
            let [Some(file), Some(offset), Some(length), Some(digest)] = cols[..] else {
                break;
            };
            let (Some(file), Some(offset), Some(length), Some(digest)) = (
                file.as_string_opt::<i32>(),
                offset.as_primitive_opt::<Int64Type>(),
                length.as_primitive_opt::<Int64Type>(),
                digest.as_string_opt::<i32>(),
            ) else {
                return Err(bad("WARC pointer columns have unexpected types".into()));
            };
            for i in 0..batch.num_rows() {
                if file.is_null(i) || offset.is_null(i) || length.is_null(i) || digest.is_null(i) {
                    continue;
                }
                out.push(WarcPointer {
                    file: file.value(i).to_string(),
                    offset: u64::try_from(offset.value(i)).unwrap_or(u64::MAX),
                    length: u64::try_from(length.value(i)).unwrap_or(u64::MAX),
                    block_digest: digest.value(i).to_string(),
                });
            }
        }
    }
    Ok(out)
}

fn collect_parquet(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_parquet(&p, out);
        } else if p.extension().is_some_and(|e| e == "parquet") {
            out.push(p);
        }
    }
}
