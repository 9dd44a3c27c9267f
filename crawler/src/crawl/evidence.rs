//! Evidence mode for one host: every exchange of the run kept as WARC 1.1
//! request/response/metadata records in one file per run and host, and the
//! recovery of files a crashed process left open.
//!
//! It owns the host's WARC file and its failure. It must not decide what to
//! fetch, and a write failure is never swallowed: the worker stops
//! committing (nothing reaches the lake without its evidence) and the run
//! ends with the error.

use std::path::Path;

use tracing::warn;
use url::Url;

use super::CrawlError;
use crate::config::Identity;
use crate::fetch::Fetched;
use crate::warc::{Exchange, OPEN_SUFFIX, WarcError, WarcInfo, WarcPointer, WarcWriter};

/// A host's evidence: off, or its WARC file and the first write failure.
#[derive(Default)]
pub(super) struct Evidence {
    writer: Option<WarcWriter>,
    error: Option<WarcError>,
}

impl Evidence {
    /// Finishes the WARC files a crashed process left open for this run and
    /// host, then starts this process's file in `dir`.
    pub fn open(
        dir: &Path,
        run_id: &str,
        job: &str,
        source: &str,
        identity: &Identity,
    ) -> Result<Evidence, CrawlError> {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.ends_with(OPEN_SUFFIX) && name.contains(run_id) && name.contains(source) {
                    let (path, cut) = crate::warc::recover_open(&e.path())?;
                    warn!(file = %path.display(), cut_bytes = cut, "recovered an interrupted WARC file");
                }
            }
        }
        let info = WarcInfo {
            software: format!("wildtrace/{}", env!("CARGO_PKG_VERSION")),
            operator: Some(identity.contact.clone()),
            user_agent: Some(identity.user_agent()),
            extra: vec![
                ("job".into(), job.to_string()),
                ("source".into(), source.to_string()),
            ],
        };
        Ok(Evidence {
            writer: Some(WarcWriter::create(dir, run_id, source, &info)?),
            error: None,
        })
    }

    /// Records one exchange (the request as we sent it, the response, and
    /// `metadata`); returns where its response record is. Off, or after a
    /// failure, it records nothing.
    pub fn record(
        &mut self,
        url: &Url,
        fetched: &Fetched,
        identity: &Identity,
        metadata: Vec<(String, String)>,
    ) -> Option<WarcPointer> {
        let w = self.writer.as_mut()?;
        if self.error.is_some() {
            return None;
        }
        let mut request_headers = vec![("User-Agent".to_string(), identity.user_agent())];
        if let Some(from) = identity.from_header() {
            request_headers.push(("From".into(), from));
        }
        // The body is stored decoded; the WARC writer renames the headers
        // that described the transfer (Content-Encoding, ...) to match.
        let response_headers = fetched
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
            .collect();
        let exchange = Exchange {
            url,
            method: "GET",
            request_headers,
            response_status: fetched.status,
            response_headers,
            body: &fetched.body,
            remote_ip: fetched.remote_addr.map(|a| a.ip()),
            metadata,
        };
        match w.write_exchange(&exchange) {
            Ok(p) => Some(p),
            Err(e) => {
                self.error = Some(e);
                None
            }
        }
    }

    /// Whether a write has failed (the worker must stop committing).
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }

    /// Closes the host's file, then reports the first write failure if any.
    pub fn finish(self) -> Result<(), CrawlError> {
        if let Some(w) = self.writer {
            w.finish()?;
        }
        match self.error {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}
