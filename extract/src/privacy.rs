//! Seller pseudonymisation and masking of contact details, applied at
//! ingest so that no raw handle, e-mail address or phone number reaches the
//! lake (data-protection actions 6.b, 7.a, 8.a).
//!
//! It owns the HMAC key file (created once, owner-only) and the masking
//! patterns. It must not log or return a raw identity anywhere.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use rand::RngCore;
use regex::Regex;
use sha2::Sha256;

/// Key file problems.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// The key file could not be created or read.
    #[error("pseudonym key {}: {source}", path.display())]
    Io {
        /// Key path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The key file exists but is not 32 bytes.
    #[error("pseudonym key {}: expected 32 bytes, found {len}", path.display())]
    BadKey {
        /// Key path.
        path: PathBuf,
        /// Length found.
        len: usize,
    },
}

/// Keyed pseudonyms for seller identities.
#[derive(Clone)]
pub struct Pseudonymiser {
    key: [u8; 32],
}

impl std::fmt::Debug for Pseudonymiser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pseudonymiser(<key hidden>)")
    }
}

impl Pseudonymiser {
    /// Loads the key, creating a random one (mode 0600) on first use.
    /// why: a keyed hash, unlike a plain hash, cannot be reversed by hashing
    /// a list of known handles; keeping the key outside the lake means the
    /// lake alone never re-identifies anyone.
    pub fn load_or_create(path: &Path) -> Result<Pseudonymiser, PrivacyError> {
        let io = |source| PrivacyError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let key: [u8; 32] =
                    bytes
                        .as_slice()
                        .try_into()
                        .map_err(|_| PrivacyError::BadKey {
                            path: path.to_path_buf(),
                            len: bytes.len(),
                        })?;
                Ok(Pseudonymiser { key })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                match opts.open(path) {
                    Ok(mut f) => {
                        f.write_all(&key).map_err(io)?;
                        f.sync_all().map_err(io)?;
                        Ok(Pseudonymiser { key })
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::load_or_create(path)
                    }
                    Err(e) => Err(io(e)),
                }
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A key given directly (tests, benchmarks).
    pub fn from_key(key: [u8; 32]) -> Pseudonymiser {
        Pseudonymiser { key }
    }

    /// `s_` + 32 hex digits of HMAC-SHA-256(key, source ‖ 0x00 ‖ handle).
    /// The handle is trimmed and lower-cased first. why: sites treat handles
    /// case-insensitively; the source is mixed in because one handle on two
    /// platforms is not evidence of one person.
    pub fn seller(&self, source: &str, handle: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(source.as_bytes());
        mac.update(&[0]);
        mac.update(handle.trim().to_lowercase().as_bytes());
        let digest = mac.finalize().into_bytes();
        format!("s_{}", hex::encode(&digest[..16]))
    }
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+-]+\s*(?:@|\[at\]|\(at\))\s*[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
        .expect("static regex")
});
static PHONE_INTL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+\s?\d[\d\s().-]{6,}\d").expect("static regex"));
static PHONE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(tel|phone|mobile|cell|call|sms|whats\s?app|wa|viber|zalo|line|wechat|signal|telegram)\b[\s:.#-]*\d[\d\s().-]{5,}\d")
        .expect("static regex")
});
static AT_HANDLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(^|[^\w.])@[A-Za-z0-9_.]{2,}").expect("static regex"));

/// Masks e-mail addresses, phone numbers, @handles and the seller's own
/// handle in free text. why: contact details are personal data and of no
/// use to trend analysis; investigators who need them hold the WARC
/// evidence, not the research lake.
pub fn mask_contacts(text: &str, seller_handle: Option<&str>) -> String {
    let mut out = EMAIL.replace_all(text, "[email]").into_owned();
    out = PHONE_CUE
        .replace_all(&out, |c: &regex::Captures| format!("{} [phone]", &c[1]))
        .into_owned();
    out = PHONE_INTL.replace_all(&out, "[phone]").into_owned();
    out = AT_HANDLE.replace_all(&out, "${1}[handle]").into_owned();
    if let Some(h) = seller_handle
        .map(str::trim)
        .filter(|h| h.chars().count() >= 3)
    {
        out = mask_literal(&out, h, "[seller]");
    }
    out
}

/// Handles longer than this are masked without a regex.
const MAX_REGEX_HANDLE: usize = 256;

/// Replaces every case-insensitive occurrence of `needle` in `text`.
/// why: a hostile page can make a seller "handle" of any size; its mask
/// must hold without a regex that is too big to compile (found by
/// fuzzing): a long one matches ASCII case only, in linear time.
fn mask_literal(text: &str, needle: &str, with: &str) -> String {
    if needle.len() <= MAX_REGEX_HANDLE
        && let Ok(re) = regex::RegexBuilder::new(&regex::escape(needle))
            .case_insensitive(true)
            .build()
    {
        return re.replace_all(text, with).into_owned();
    }
    // ASCII lower-casing keeps every byte offset, so a match in the
    // lower-cased text is the same span of the original.
    let (hay, pat) = (text.to_ascii_lowercase(), needle.to_ascii_lowercase());
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, m) in hay.match_indices(pat.as_str()) {
        out.push_str(&text[last..i]);
        out.push_str(with);
        last = i + m.len();
    }
    out.push_str(&text[last..]);
    out
}
