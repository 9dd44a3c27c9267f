//! Lake rows and registry entries from a host's final responses: a listing
//! page becomes an `active` or `changed` observation (content hash of
//! title, description and price text), a 404/410, an "ended" marker or a
//! redirect to search becomes `removed`, and a 304 to a conditional revisit
//! observes the last record again.
//!
//! It owns the shape of a row and a listing's id (the site's own id when
//! the page has one, else a hash of the canonical URL). It must not parse
//! fields itself: `wildtrace_extract` turns a page into content, the one
//! ingest path (so `inspect` shows exactly what is stored, pseudonyms and
//! masking included).

use sha2::{Digest, Sha256};
use wildtrace_extract::page::ListingPage;
use wildtrace_extract::record::{Ingested, ingest_fields};

use super::frontier::Task;
use super::host::HostWorker;
use crate::fetch::Fetched;
use crate::lake::ListingRow;
use crate::state::{KnownListing, TaskKind};

/// Copies ingested content into a lake row.
fn fill_row(ing: Ingested, row: &mut ListingRow) {
    row.title = ing.title;
    row.description = ing.description;
    row.price_text = ing.price_text;
    if let Some(p) = ing.price {
        row.price_amount = p.amount;
        row.currency = p.currency;
    }
    row.quantity = ing.quantity.map(|q| q as i32);
    row.seller_pseudonym = ing.seller_pseudonym;
    row.seller_location = ing.seller_location;
    row.ships_to = ing.ships_to;
}

impl HostWorker {
    /// The listing's id: `<source>:<site id>`, else the id it already has,
    /// else `<source>:u<hash of the canonical URL>`.
    fn id_for(&self, canon: &str, site_id: Option<&str>) -> String {
        if let Some(id) = site_id {
            return format!("{}:{}", self.site.name, id);
        }
        if let Some(k) = self.known.get(canon) {
            return k.listing_id.clone();
        }
        let h = Sha256::digest(canon.as_bytes());
        format!("{}:u{}", self.site.name, &hex::encode(h)[..16])
    }

    /// A row with the observation's context and no content.
    fn base_row(&self, task: &Task, f: &Fetched, listing_id: String, status: &str) -> ListingRow {
        let warc = self.lane.last_warc.as_ref();
        ListingRow {
            run_id: self.ctx.run_id.clone(),
            observed_at: self.ctx.clock.now(),
            listing_id,
            url: task.url.to_string(),
            canonical_url: task.canonical.clone(),
            status: status.into(),
            removal_reason: None,
            http_status: f.status as i32,
            title: None,
            description: None,
            price_text: None,
            price_amount: None,
            currency: None,
            quantity: None,
            seller_pseudonym: None,
            seller_location: None,
            ships_to: None,
            posted_date: None,
            language: None,
            image_urls: Vec::new(),
            search_term: match &task.kind {
                TaskKind::Listing { term } => Some(term.clone()),
                _ => None,
            },
            extractor: "none".into(),
            page_sha256: hex::encode(Sha256::digest(&f.body)),
            warc_file: warc.map(|w| w.file.clone()),
            warc_offset: warc.map(|w| w.offset as i64),
            warc_length: warc.map(|w| w.length as i64),
            warc_block_digest: warc.map(|w| w.block_digest.clone()),
        }
    }

    /// The registry entry of the task's listing, or a new one.
    fn known_or_new(&self, task: &Task, id: &str) -> KnownListing {
        self.known
            .get(&task.canonical)
            .cloned()
            .unwrap_or(KnownListing {
                source: self.site.name.clone(),
                listing_id: id.to_string(),
                url: task.url.to_string(),
                content_hash: String::new(),
                first_seen_run: self.ctx.run_id.clone(),
                last_active_run: String::new(),
                removed_run: None,
                last_observed_at: None,
                etag: None,
                last_modified: None,
                last_row: None,
            })
    }

    /// The listing is gone (`reason`: http_404, http_410, ended_marker,
    /// redirect_to_search).
    pub(super) fn removed_row(&mut self, task: &Task, f: &Fetched, reason: &str) {
        let id = self.id_for(&task.canonical, None);
        let mut row = self.base_row(task, f, id.clone(), "removed");
        row.removal_reason = Some(reason.into());
        let known = self.known_or_new(task, &id);
        self.lane.pending.registry.push((
            task.canonical.clone(),
            KnownListing {
                removed_run: Some(self.ctx.run_id.clone()),
                last_observed_at: Some(row.observed_at),
                etag: None,
                last_modified: None,
                ..known
            },
        ));
        self.lane.pending.rows.push(row);
    }

    /// A conditional revisit answered 304: the listing is still up, unchanged,
    /// so its last record (`last`) is observed again.
    pub(super) fn unchanged_row(
        &mut self,
        task: &Task,
        f: &Fetched,
        known: KnownListing,
        last: ListingRow,
    ) {
        let mut row = last;
        row.run_id = self.ctx.run_id.clone();
        row.observed_at = self.ctx.clock.now();
        row.url = task.url.to_string();
        row.status = "active".into();
        row.removal_reason = None;
        row.http_status = f.status as i32;
        // A 304 to a listing found again by search still records the term
        // that found it this time, as a full page would.
        row.search_term = match &task.kind {
            TaskKind::Listing { term } => Some(term.clone()),
            _ => None,
        };
        self.lane.pending.registry.push((
            task.canonical.clone(),
            KnownListing {
                last_active_run: self.ctx.run_id.clone(),
                last_observed_at: Some(row.observed_at),
                ..known
            },
        ));
        self.lane.pending.rows.push(row);
    }

    /// A listing page answered 2xx: its content (`page`, as the parsing
    /// pool extracted it), or `removed` when the page carries the profile's
    /// "ended" marker.
    pub(super) fn listing_row(&mut self, task: &Task, f: &Fetched, page: ListingPage) {
        let ListingPage { raw, ended, .. } = page;
        if ended {
            self.removed_row(task, f, "ended_marker");
            return;
        }
        let id = self.id_for(&task.canonical, raw.site_listing_id.as_deref());
        let hash = {
            let mut h = Sha256::new();
            for part in [&raw.title, &raw.description, &raw.price_text] {
                h.update(part.as_deref().unwrap_or("").as_bytes());
                h.update([0u8]);
            }
            hex::encode(&h.finalize()[..16])
        };
        let previous = self.known.get(&task.canonical);
        let status = match previous {
            Some(k) if !k.content_hash.is_empty() && k.content_hash != hash => "changed",
            _ => "active",
        };
        let mut row = self.base_row(task, f, id.clone(), status);
        // why: the one ingest path pseudonymises the seller and masks contacts
        // before anything is kept, so no raw handle reaches the store or lake.
        fill_row(
            ingest_fields(&raw, &self.site.name, &self.ctx.pseudonyms),
            &mut row,
        );
        row.posted_date = raw.posted_date;
        row.language = raw.language.clone();
        row.image_urls = raw.images.clone();
        row.extractor = raw.extractor.clone();
        let first_seen = previous
            .map(|k| k.first_seen_run.clone())
            .unwrap_or_else(|| self.ctx.run_id.clone());
        let header = |name: reqwest::header::HeaderName| {
            f.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        self.lane.pending.registry.push((
            task.canonical.clone(),
            KnownListing {
                source: self.site.name.clone(),
                listing_id: id,
                url: task.url.to_string(),
                content_hash: hash,
                first_seen_run: first_seen,
                last_active_run: self.ctx.run_id.clone(),
                removed_run: None,
                last_observed_at: Some(row.observed_at),
                etag: header(reqwest::header::ETAG),
                last_modified: header(reqwest::header::LAST_MODIFIED),
                last_row: Some(row.clone()),
            },
        ));
        self.lane.pending.rows.push(row);
    }
}
