//! Figures and the policymaker report on a small synthetic lake: every drawn
//! figure is a decodable print-size PNG and a well-formed SVG carrying its
//! title, axis labels and source line as text; every chart kind draws from
//! its table; the report's numbers, escaping and self-containedness.

use std::path::{Path, PathBuf};

use wildtrace_analysis::export::Disclosure;
use wildtrace_analysis::report::{self, FigureIndex};
use wildtrace_analysis::{AnalysisOptions, AnalysisOutputs};

use crate::support::{self, R1, R2, obs};

const SOURCE_LINE: &str = "wildtrace report test · runs r1,r2 · 2026-11-30";

/// Listings over 2024–2026 (3, 5 and 2 wildlife listings), one decoy, one removal.
fn run(dir: &Path) -> (PathBuf, AnalysisOutputs) {
    let lake = dir.join("lake");
    let rows = vec![
        obs(
            "bazaar",
            R1,
            "2026-11-29T08:00:00Z",
            "1",
            "Elephant ivory bangle",
        )
        .posted("2024-03-01"),
        obs("bazaar", R1, "2026-11-29T08:01:00Z", "2", "Rhino horn cup").posted("2024-05-01"),
        obs(
            "bazaar",
            R1,
            "2026-11-29T08:02:00Z",
            "3",
            "Pangolin scales 1kg",
        )
        .posted("2024-07-01")
        .qty(3),
        obs(
            "bazaar",
            R1,
            "2026-11-29T08:03:00Z",
            "4",
            "Elephant ivory netsuke",
        )
        .posted("2025-01-10"),
        obs("bazaar", R1, "2026-11-29T08:04:00Z", "5", "Tiger skin rug").posted("2025-02-10"),
        obs(
            "bazaar",
            R1,
            "2026-11-29T08:05:00Z",
            "6",
            "African grey parrot",
        )
        .posted("2025-03-10")
        .qty(2),
        obs(
            "curioshop",
            R1,
            "2026-11-29T08:06:00Z",
            "7",
            "Carved ivory figure",
        )
        .posted("2025-04-10"),
        obs("curioshop", R2, "2026-11-30T08:06:00Z", "7", "").removed("http_404", 404, None),
        obs(
            "curioshop",
            R1,
            "2026-11-29T08:07:00Z",
            "8",
            "Rhino horn bowl",
        )
        .posted("2025-05-10"),
        obs("curioshop", R1, "2026-11-29T08:08:00Z", "9", "Ball python").posted("2026-01-10"),
        obs(
            "curioshop",
            R1,
            "2026-11-29T08:09:00Z",
            "10",
            "Elephant ivory bangle",
        )
        .posted("2026-02-10"),
        obs(
            "curioshop",
            R1,
            "2026-11-29T08:10:00Z",
            "11",
            "Faux ivory bangle",
        )
        .posted("2026-02-11"),
    ];
    support::write_listings(&lake, &rows);
    let out = dir.join("out");
    let outputs = wildtrace_analysis::run(&AnalysisOptions::new(
        lake,
        out.clone(),
        &support::repo(),
        SOURCE_LINE.into(),
    ))
    .unwrap();
    (out, outputs)
}

/// Decodes a PNG fully; checks its size and that it is not blank.
pub fn check_png(path: &Path) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap_or_else(|e| panic!("{}: not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        (info.width, info.height),
        (2400, 1500),
        "{}: print size (8 x 5 in at 300 dpi)",
        path.display()
    );
    let px = &buf[..info.buffer_size()];
    let distinct: std::collections::BTreeSet<&[u8]> = px.chunks(3).take(2_000_000).collect();
    assert!(distinct.len() > 8, "{}: looks blank", path.display());
}

/// Parses an SVG with a real XML parser and returns its text nodes.
pub fn svg_texts(path: &Path) -> Vec<String> {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(path).unwrap();
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut texts = Vec::new();
    let mut root = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) if root.is_none() => {
                root = Some(String::from_utf8_lossy(e.name().as_ref()).into_owned())
            }
            Ok(Event::Text(t)) => {
                let s = t.xml_content().unwrap().trim().to_string();
                if !s.is_empty() {
                    texts.push(s);
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => panic!("{}: not well-formed XML: {e}", path.display()),
            _ => {}
        }
    }
    assert_eq!(root.as_deref(), Some("svg"), "{}", path.display());
    texts
}

/// Every drawn figure of an index: valid PNG, SVG with title, labels, source.
pub fn check_figures(out: &Path, index: &FigureIndex) -> usize {
    let mut drawn = 0;
    for f in &index.figures {
        let (Some(png), Some(svg)) = (&f.png, &f.svg) else {
            assert!(f.skipped.is_some(), "{}: neither drawn nor skipped", f.id);
            continue;
        };
        drawn += 1;
        check_png(&out.join(png));
        let texts = svg_texts(&out.join(svg));
        for want in [&f.title, &f.x_label, &f.y_label] {
            if !want.is_empty() {
                assert!(texts.contains(want), "{svg} lacks {want:?}: {texts:?}");
            }
        }
        let source = format!("Source: {}", index.source_line);
        assert!(texts.contains(&source), "{svg} lacks {source:?}");
        assert!(
            index.source_line.starts_with(SOURCE_LINE) || !index.source_line.is_empty(),
            "source line"
        );
    }
    drawn
}

#[test]
fn every_drawn_figure_is_a_print_png_and_a_labelled_svg() {
    let dir = tempfile::tempdir().unwrap();
    let (out, outputs) = run(dir.path());
    let index = FigureIndex::load(&out).unwrap();
    assert_eq!(
        index.source_line,
        format!("{SOURCE_LINE} · listings posted 2024–2026"),
        "run id and date range under every figure"
    );
    check_figures(&out, &index);
    // The run reports exactly the drawn files.
    assert_eq!(outputs.figures, index.files(&out));
    // This small lake's cells are all below the disclosure thresholds, so
    // the run's annual charts are withheld, and say why.
    let annual = &index.figures[0];
    assert!(
        annual.png.is_none()
            && annual
                .skipped
                .as_deref()
                .is_some_and(|s| s.contains("disclosure control")),
        "{annual:?}"
    );
    // The drawing itself, every cell shown.
    let index = report::write_figures_with(&out, SOURCE_LINE, &Disclosure::NONE).unwrap();
    assert!(check_figures(&out, &index) >= 2);
    assert!(index.files(&out)[0].ends_with("figures/annual_listings_by_taxon_group.png"));
    let ids: Vec<&str> = index.figures.iter().map(|f| f.id.as_str()).collect();
    for id in [
        "annual_listings_by_taxon_group",
        "annual_specimens_by_taxon_group",
        "monthly_listings_top_taxa",
        "price_usd_by_product_type",
        "route_matrix",
        "removal_survival_by_platform",
        "cites_appendix_share",
        "emerging_terms",
    ] {
        assert!(ids.contains(&id), "catalogue lists {id}");
    }
    // Specimens: 2024 has 1 + 1 + 3 = 5.
    let texts = svg_texts(&out.join("figures/annual_specimens_by_taxon_group.svg"));
    assert!(
        texts.contains(&"5".to_string()),
        "2024 specimens total: {texts:?}"
    );
    assert!(texts.contains(&"Specimens (count)".to_string()));
}

/// Writes `rel` under `out` with `lines` (header first).
fn write_table(out: &Path, rel: &str, lines: &[&str]) {
    std::fs::write(out.join(rel), lines.join("\n") + "\n").unwrap();
}

#[test]
fn every_chart_kind_draws_from_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(dir.path());
    // Tables in the catalogue's formats, for the figures this lake's run
    // does not produce; then the catalogue is drawn again.
    let mut monthly = vec!["kind,key,month,listings".to_string()];
    for (i, taxon) in ["Loxodonta africana", "Manis spp.", "Panthera tigris"]
        .iter()
        .enumerate()
    {
        for m in 1..=12 {
            monthly.push(format!("taxon,{taxon},2025-{m:02},{}", (m * (i + 1)) % 7));
        }
    }
    // Terms are not taxa: not drawn in the taxon chart.
    monthly.push("term,ivory,2025-03,40".into());
    let monthly: Vec<&str> = monthly.iter().map(String::as_str).collect();
    let tables: &[(&str, &[&str])] = &[
        ("tables/monthly_counts.csv", &monthly),
        (
            "tables/listing_facts.csv",
            &[
                "listing_id,product_type,confidence,price_usd,price_flag",
                "a,carving,confirmed,120.5,ok",
                "b,carving,suspected,5400,ok",
                "c,carving,confirmed,870,ok",
                "d,raw,confirmed,15000,ok",
                "e,raw,confirmed,22000,ok",
                "f,live animal,confirmed,350,ok",
                "g,live animal,confirmed,1,placeholder",
                "h,live animal,decoy,80,ok",
                "i,carving,confirmed,,no_price",
            ],
        ),
        (
            "tables/routes.csv",
            &[
                "year,origin,destination,confidence,listings,specimens,rank",
                "2025,NG,CN,stated,12,12,1",
                "2025,NG,VN,stated,7,7,2",
                "2025,CM,CN,stated,4,4,3",
                "2024,VN,CN,stated,9,9,1",
                "2024,ZA,US,inferred_from_site,2,2,2",
            ],
        ),
        (
            "tables/removal_after_report.csv",
            &[
                "source,taxon_group,arm,listings,removed,removed_share,removed_share_ci_low,removed_share_ci_high,km_removed_by_7d,km_removed_by_30d,km_removed_by_90d",
                "bazaar,Elephants,reported,20,14,0.7,0.481,0.855,,,",
                "bazaar,all,comparable,30,6,0.2,0.0951,0.3731,,,",
                "bazaar,all,reported,20,14,0.7,0.481,0.855,,,",
            ],
        ),
        (
            "tables/km_curves.csv",
            &[
                "group_kind,group,time_days,at_risk,events,censored,survival",
                "platform,bazaar,0,10,0,0,1.0",
                "platform,bazaar,3,10,2,0,0.8",
                "platform,bazaar,10,8,3,0,0.5",
                "platform,curioshop,5,10,1,0,0.9",
                "platform,curioshop,30,9,2,0,0.7",
                "taxon_group,Elephants,5,4,1,0,0.75",
            ],
        ),
        (
            "tables/annual_stats.csv",
            &[
                "year,dimension,key,confidence,listings",
                "2024,cites_appendix,I,confirmed,5",
                "2024,cites_appendix,II,confirmed,3",
                "2025,cites_appendix,I,confirmed,4",
                "2025,cites_appendix,I,suspected,2",
                "2025,cites_appendix,II,confirmed,6",
                "2025,cites_appendix,unknown,suspected,2",
                "2025,taxon,Elephants,confirmed,99",
            ],
        ),
        (
            "tables/emerging_trends.csv",
            &[
                "kind,key,month,listings,baseline_mean,baseline_months,z",
                "term,white material,2025-03,9,1.0,12,4.2",
                "term,white material,2025-04,6,1.5,12,3.1",
                "term,tiger bone wine,2025-05,4,0.5,12,2.5",
                "taxon,Manis spp.,2025-05,4,0.5,12,5.5",
                "term,ivory,2025-06,2,3.0,12,-0.5",
            ],
        ),
    ];
    for (rel, lines) in tables {
        write_table(&out, rel, lines);
    }
    // The drawing is under test here, so every cell is shown (disclosure
    // control has its own tests: the_report_shows_the_marker_not_a_suppressed_count).
    let index = report::write_figures_with(&out, SOURCE_LINE, &Disclosure::NONE).unwrap();
    let skipped: Vec<_> = index
        .figures
        .iter()
        .filter(|f| f.skipped.is_some())
        .collect();
    assert!(skipped.is_empty(), "all drawn: {skipped:?}");
    assert_eq!(check_figures(&out, &index), 9);
    let bars = svg_texts(&out.join("figures/removal_after_report.svg"));
    for t in ["bazaar · reported (20)", "bazaar · comparable (30)"] {
        assert!(bars.contains(&t.to_string()), "{t}: {bars:?}");
    }

    let text = |id: &str| svg_texts(&out.join(format!("figures/{id}.svg")));
    let routes = text("route_matrix");
    for t in ["NG", "CN", "VN", "12", "9"] {
        assert!(
            routes.contains(&t.to_string()),
            "route matrix shows {t}: {routes:?}"
        );
    }
    let prices = text("price_usd_by_product_type");
    assert!(
        prices.contains(&"carving (n = 3)".to_string()),
        "{prices:?}"
    );
    // The implausible placeholder price is left out.
    assert!(
        prices.contains(&"live animal (n = 1)".to_string()),
        "{prices:?}"
    );
    let terms = text("emerging_terms");
    // Each term once, at its highest month.
    assert!(
        terms.contains(&"white material (2025-03)".to_string()),
        "{terms:?}"
    );
    assert!(!terms.contains(&"white material (2025-04)".to_string()));
    assert!(terms.contains(&"tiger bone wine (2025-05)".to_string()));
    assert!(
        !terms.iter().any(|t| t.starts_with("ivory")),
        "falling terms are not emerging"
    );
    assert!(
        !terms.iter().any(|t| t.starts_with("Manis spp.")),
        "taxa are not terms"
    );
    let km = text("removal_survival_by_platform");
    assert!(km.contains(&"bazaar".to_string()) && km.contains(&"curioshop".to_string()));
    assert!(!km.contains(&"Elephants".to_string()), "only platforms");
    let cites = text("cites_appendix_share");
    for t in ["Appendix I", "Appendix II", "Not listed", "2024", "2025"] {
        assert!(
            cites.contains(&t.to_string()),
            "CITES chart shows {t}: {cites:?}"
        );
    }
    let monthly = text("monthly_listings_top_taxa");
    assert!(monthly.contains(&"Manis spp.".to_string()) && !monthly.contains(&"ivory".to_string()));
    assert!(
        monthly.iter().any(|t| t.starts_with("2025-")),
        "month labels: {monthly:?}"
    );
}

#[test]
fn the_report_is_self_contained_with_numbers_from_the_tables() {
    let dir = tempfile::tempdir().unwrap();
    let (out, outputs) = run(dir.path());
    assert_eq!(report::years(&out).unwrap(), vec![2024, 2025, 2026]);
    // The arithmetic is under test: every cell shown (see below for the
    // report as published, under disclosure control).
    let path = report::write_report_with(&out, 2025, &Disclosure::NONE).unwrap();
    assert_eq!(path, out.join("report-2025.html"));
    let html = std::fs::read_to_string(&path).unwrap();

    // Headlines: 5 listings in 2025 against 3 in 2024; 6 specimens (2 parrots) against 5.
    assert!(
        html.contains("<div class=\"value\">5</div>"),
        "listings 2025"
    );
    // 3 listings the year before is below the base a change needs (5).
    assert!(
        html.contains("3 in 2024: too few to compare") && !html.contains("+67% on 2024 (3)"),
        "year-on-year listings withheld on a small base"
    );
    assert!(
        html.contains("<div class=\"value\">6</div>"),
        "specimens 2025"
    );
    assert!(html.contains("+20% on 2024 (5)"), "year-on-year specimens");
    // Removals: 1 of 11 listings followed (decoy included) = 9%.
    assert!(
        html.contains("<div class=\"value\">9%</div>"),
        "removal share"
    );
    for section in [
        "method",
        "limitations",
        "data-protection",
        "figures",
        "tables",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    assert!(html.contains("What “suspected” means"));

    // Every drawn figure inlined as a data URI; nothing fetched from anywhere.
    let drawn = outputs.figures.len() / 2;
    assert_eq!(
        html.matches("src=\"data:image/svg+xml;base64,").count(),
        drawn
    );
    for bad in ["src=\"http", "href=\"http", "url(", "<script", "<link"] {
        assert!(!html.contains(bad), "report must not load anything: {bad}");
    }
    assert!(html.contains("Content-Security-Policy"));
}

/// The rows of the report table titled `title`, cells as the HTML has them.
fn rows(html: &str, title: &str) -> Vec<Vec<String>> {
    let at = html
        .find(&format!("<h3>{title}</h3>"))
        .unwrap_or_else(|| panic!("no table {title}"));
    let rest = &html[at..];
    let end = rest.find("</table>").unwrap();
    rest[..end]
        .split("<tr>")
        .skip(2)
        .map(|r| {
            r.split("<td>")
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn the_report_shows_the_marker_not_a_suppressed_count() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(dir.path());
    let open =
        std::fs::read_to_string(report::write_report_with(&out, 2025, &Disclosure::NONE).unwrap())
            .unwrap();
    let html = std::fs::read_to_string(report::write_report(&out, 2025).unwrap()).unwrap();
    // Uncontrolled, the small lake's counts show; as published, each of its
    // cells (fewer than 5 listings, fewer than 3 sellers) reads "<5".
    let open_rows = rows(&open, "Listings and specimens by taxon group, 2025");
    let shut_rows = rows(&html, "Listings and specimens by taxon group, 2025");
    assert_eq!(open_rows.len(), shut_rows.len());
    let mut markers = 0;
    for o in &open_rows {
        let c = shut_rows
            .iter()
            .find(|c| c[0] == o[0])
            .expect("the same groups");
        for col in [1, 2] {
            if o[col] == "0" {
                assert_eq!(c[col], "0");
            } else {
                assert_eq!(c[col], "&lt;5", "{c:?}: the count {} is withheld", o[col]);
                markers += 1;
            }
        }
        assert!(
            !c[4].chars().any(|ch| ch.is_ascii_digit()),
            "specimens withheld: {c:?}"
        );
    }
    assert!(markers > 0);
    assert!(open.contains("<div class=\"value\">5</div>"));
    assert!(
        !html.contains("<div class=\"value\">5</div>"),
        "the year's 5 listings (below the threshold) are not a headline"
    );
    assert!(html.contains("withheld by disclosure control"));
}

#[test]
fn the_report_escapes_everything_from_data() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _) = run(dir.path());
    // A hostile table (as if a taxon group or platform name were crafted).
    write_table(
        &out,
        "tables/annual_by_taxon_group.csv",
        &[
            "year,taxon_group,confidence,listings,specimens",
            "2025,\"<script>alert(1)</script> & \"\"co\"\"\",confirmed,4,4",
        ],
    );
    write_table(
        &out,
        "tables/removals_by_source.csv",
        &[
            "source,listings,removed,removed_share",
            "<img src=x onerror=alert(2)>,4,1,0.25",
        ],
    );
    let html = std::fs::read_to_string(report::write_report(&out, 2025).unwrap()).unwrap();
    assert!(!html.contains("<script>alert(1)"), "unescaped script");
    assert!(!html.contains("<img src=x"), "unescaped img");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; &quot;co&quot;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
}
