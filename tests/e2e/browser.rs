//! The demo's figures and policymaker report, opened in Debian's headless
//! Chromium over the DevTools protocol.

use std::path::{Path, PathBuf};

use crate::support::{demo, repo};

/// What the report page shows in Chromium, plus what its console said.
#[derive(Debug, serde::Deserialize)]
struct PageCheck {
    images: Vec<(String, f64, f64)>,
    svgs: Vec<(f64, f64)>,
    sections: Vec<String>,
    title: String,
}

/// Opens `html` in Debian's headless Chromium through the DevTools protocol;
/// returns what the page rendered, the console errors, and a full-page
/// screenshot (PNG).
fn render_in_chromium(html: &Path) -> (PageCheck, Vec<String>, Vec<u8>) {
    use headless_chrome::protocol::cdp::Page;
    use headless_chrome::protocol::cdp::types::Event;
    use headless_chrome::{Browser, LaunchOptions};
    use std::ffi::OsStr;
    use std::sync::{Arc, Mutex};

    let chromium = PathBuf::from("/usr/bin/chromium");
    assert!(
        chromium.exists(),
        "Debian chromium missing: apt-get install -y chromium (.ci/run does)"
    );
    // A new empty profile, and no background traffic: the closed network
    // refuses it, and the report must not need any.
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::new(LaunchOptions {
        path: Some(chromium),
        headless: true,
        sandbox: false,
        user_data_dir: Some(profile.path().to_path_buf()),
        window_size: Some((1280, 1000)),
        idle_browser_timeout: std::time::Duration::from_secs(120),
        args: [
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        .iter()
        .map(OsStr::new)
        .collect(),
        ..LaunchOptions::default()
    })
    .expect("launch chromium");
    let tab = browser.new_tab().unwrap();
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = errors.clone();
    tab.add_event_listener(Arc::new(move |e: &Event| {
        let msg = match e {
            Event::LogEntryAdded(l) => {
                let level = format!("{:?}", l.params.entry.level);
                (level == "Error").then(|| format!("log: {}", l.params.entry.text))
            }
            Event::RuntimeConsoleAPICalled(c) => {
                let kind = format!("{:?}", c.params.Type);
                matches!(kind.as_str(), "Error" | "Assert")
                    .then(|| format!("console.{kind}: {:?}", c.params.args))
            }
            Event::RuntimeExceptionThrown(x) => {
                Some(format!("exception: {}", x.params.exception_details.text))
            }
            _ => None,
        };
        if let Some(m) = msg {
            sink.lock().unwrap().push(m);
        }
    }))
    .unwrap();
    tab.enable_log().unwrap();
    tab.enable_runtime().unwrap();
    tab.navigate_to(&format!("file://{}", html.display()))
        .unwrap()
        .wait_until_navigated()
        .unwrap();
    // Wait until every image has decoded (or failed), then measure.
    let js = "(async () => {
        await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
        return JSON.stringify({
          images: [...document.images].map(i => [i.alt, i.naturalWidth, i.naturalHeight]),
          svgs: [...document.querySelectorAll('svg')].map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }),
          sections: [...document.querySelectorAll('section')].map(s => s.id),
          title: document.title,
        });
    })()";
    let value = tab.evaluate(js, true).unwrap().value.expect("a result");
    let check: PageCheck = serde_json::from_str(value.as_str().unwrap()).unwrap();
    let height = tab
        .evaluate("document.documentElement.scrollHeight", false)
        .unwrap()
        .value
        .and_then(|v| v.as_f64())
        .unwrap();
    let shot = tab
        .call_method(Page::CaptureScreenshot {
            format: Some(Page::CaptureScreenshotFormatOption::Png),
            quality: None,
            clip: Some(Page::Viewport {
                x: 0.0,
                y: 0.0,
                width: 1280.0,
                height,
                scale: 1.0,
            }),
            from_surface: Some(true),
            capture_beyond_viewport: Some(true),
            optimize_for_speed: None,
        })
        .unwrap();
    use data_encoding::BASE64;
    let png = BASE64.decode(shot.data.as_bytes()).unwrap();
    let errors = errors.lock().unwrap().clone();
    (check, errors, png)
}

/// The main job's figures and report: every figure a decodable PNG and a
/// parseable SVG with its title and axis labels; the report renders in
/// headless Chromium with no console errors and every image drawn
/// (screenshot kept under data/out/test-artefacts/).

#[test]
fn demo_figures_and_report_in_chromium() {
    let demo = demo();

    // 1. Figures: each one in the index is a valid PNG and SVG.
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo.out.join("figures/index.json")).unwrap())
            .unwrap();
    let mut drawn = Vec::new();
    for f in index["figures"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        let Some(png) = f["png"].as_str() else {
            println!("figure {id} skipped: {}", f["skipped"]);
            continue;
        };
        let decoder = png::Decoder::new(std::io::BufReader::new(
            std::fs::File::open(demo.out.join(png)).unwrap(),
        ));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (2400, 1500), "{id}");
        let svg = std::fs::read_to_string(demo.out.join(f["svg"].as_str().unwrap())).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{id}"
        );
        for key in ["title", "x_label", "y_label"] {
            let want = f[key].as_str().unwrap();
            let escaped = want.replace('&', "&amp;").replace('<', "&lt;");
            assert!(
                want.is_empty() || svg.contains(&format!(">\n{escaped}\n<")),
                "{id}: SVG lacks {key} {want:?}"
            );
        }
        drawn.push(id.to_string());
    }
    // The figures show the public (disclosure-controlled) view: an annual
    // chart of this small demo may be withheld, and then says why.
    for id in [
        "annual_listings_by_taxon_group",
        "annual_specimens_by_taxon_group",
    ] {
        let f = index["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap();
        assert!(
            drawn.contains(&id.to_string())
                || f["skipped"]
                    .as_str()
                    .is_some_and(|s| s.contains("disclosure control")),
            "{id} drawn or withheld: {drawn:?}"
        );
    }
    assert!(!drawn.is_empty(), "some figure is drawn");
    assert!(demo.stdout.contains("figures/index.json") || demo.stdout.contains("figure:"));

    // 2. The report of the latest year, named in the summary, in Chromium.
    let report = std::fs::read_dir(&demo.out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("report-")
        })
        .expect("the demo writes a report");
    assert!(
        demo.stdout.contains(&report.display().to_string()),
        "{}",
        demo.stdout
    );
    let (page, errors, shot) = render_in_chromium(&report);
    let artefacts = repo().join("data/out/test-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let kept = artefacts.join("report-screenshot.png");
    std::fs::write(&kept, &shot).unwrap();
    println!("report screenshot: {}", kept.display());
    assert!(errors.is_empty(), "console errors: {errors:?}");
    assert!(
        page.title.contains("wildtrace annual report"),
        "{}",
        page.title
    );
    assert_eq!(page.images.len(), drawn.len(), "one image per drawn figure");
    for (alt, w, h) in &page.images {
        assert!(*w > 0.0 && *h > 0.0, "image {alt:?} did not render");
    }
    for (w, h) in &page.svgs {
        assert!(*w > 0.0 && *h > 0.0, "inline SVG with no size");
    }
    for s in [
        "headlines",
        "tables",
        "figures",
        "method",
        "limitations",
        "data-protection",
    ] {
        assert!(
            page.sections.contains(&s.to_string()),
            "section {s}: {:?}",
            page.sections
        );
    }
    let decoded = png::Decoder::new(std::io::Cursor::new(&shot))
        .read_info()
        .unwrap();
    assert!(
        decoded.info().height > 3000,
        "full page: {}",
        decoded.info().height
    );
}
