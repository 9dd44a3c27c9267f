//! Character decoding of fetched pages, as browsers do it: byte-order mark,
//! then the HTTP `charset`, then a `<meta>` prescan, then statistical
//! detection.
//!
//! It owns bytes-to-text for HTML. It must not fetch, parse markup or guess
//! anything beyond the encoding.

use encoding_rs::Encoding;

/// Decodes HTML as browsers do: BOM, then the HTTP charset, then a `<meta>`
/// prescan of the first 1024 bytes, then statistical detection (chardetng),
/// falling back to windows-1252.
pub fn decode_html(body: &[u8], content_type: Option<&str>) -> String {
    if let Some((enc, bom_len)) = Encoding::for_bom(body) {
        return enc
            .decode_without_bom_handling(&body[bom_len..])
            .0
            .into_owned();
    }
    let from_header = content_type
        .and_then(charset_param)
        .and_then(|c| Encoding::for_label(c.as_bytes()));
    let enc = from_header
        .or_else(|| meta_charset(&body[..body.len().min(1024)]))
        .unwrap_or_else(|| {
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(body, true);
            det.guess(None, chardetng::Utf8Detection::Allow)
        });
    // HTML never means UTF-16 from a label without a BOM (WHATWG).
    let enc = if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        encoding_rs::UTF_8
    } else {
        enc
    };
    enc.decode_without_bom_handling(body).0.into_owned()
}

fn charset_param(ct: &str) -> Option<String> {
    ct.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(|c| c == '"' || c == '\'').to_string())
    })
}

fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let re = regex::Regex::new(r#"<meta[^>]*charset\s*=\s*["']?\s*([a-z0-9_:.-]+)"#)
        .expect("static regex");
    let label = re.captures(&text)?.get(1)?.as_str().to_string();
    Encoding::for_label(label.as_bytes())
}
