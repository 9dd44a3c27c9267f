//! Figures: the stacked bar chart of wildlife listings per year by taxon
//! group (confirmed + suspected), as a print-resolution PNG and an SVG, with
//! a colour-blind-safe palette (Okabe–Ito), the embedded DejaVu Sans font (no
//! system fonts needed) and the data's source line at the bottom.
//!
//! It owns layout and styling only. It must not compute statistics (it draws
//! the annual table it is given) or read the lake.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::register_font;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::atomic::{commit, temp_sibling, write_atomic};
use crate::error::AnalysisError;

/// The chart title (also what the tests look for in the SVG).
pub const TITLE: &str = "Online wildlife listings per year, by taxon group";
/// Axis labels, with units.
pub const X_LABEL: &str = "Year of posting";
pub const Y_LABEL: &str = "Listings (count)";
/// Pixel size of the PNG (print resolution: 8 x 5 in at 300 dpi).
pub const PNG_SIZE: (u32, u32) = (2400, 1500);
/// Nominal size of the SVG (vector; scales freely).
pub const SVG_SIZE: (u32, u32) = (1200, 750);

/// Okabe & Ito (2008) colour-blind-safe palette, black last.
const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xF0, 0xE4, 0x42), // yellow
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x00, 0x00, 0x00), // black
];
const OTHER_COLOUR: RGBColor = RGBColor(0x99, 0x99, 0x99);
const OTHER_LABEL: &str = "Other groups";

/// Listings per (year, taxon group), ready to draw.
#[derive(Debug, Clone, Default)]
pub(crate) struct BarData {
    /// year -> group -> listings
    pub counts: BTreeMap<i32, BTreeMap<String, u64>>,
    /// Every year to show on the axis (also years with no bars).
    pub years: BTreeSet<i32>,
}

impl BarData {
    /// Groups in stacking order (largest total at the bottom), at most eight:
    /// beyond that the smallest are merged into "Other groups".
    fn stacked(&self) -> (Vec<String>, BTreeMap<i32, Vec<u64>>) {
        let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
        for groups in self.counts.values() {
            for (g, n) in groups {
                *totals.entry(g).or_default() += n;
            }
        }
        let mut order: Vec<(&str, u64)> = totals.into_iter().collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut names: Vec<String> = order.iter().map(|(g, _)| g.to_string()).collect();
        let merge = names.len() > OKABE_ITO.len();
        if merge {
            names.truncate(OKABE_ITO.len() - 1);
            names.push(OTHER_LABEL.to_string());
        }
        let mut rows = BTreeMap::new();
        for &year in &self.years {
            let mut row = vec![0u64; names.len()];
            if let Some(groups) = self.counts.get(&year) {
                for (g, n) in groups {
                    let idx = names
                        .iter()
                        .position(|name| name == g)
                        .unwrap_or(names.len() - 1);
                    row[idx] += n;
                }
            }
            rows.insert(year, row);
        }
        (names, rows)
    }
}

fn colour(i: usize, name: &str) -> RGBColor {
    if name == OTHER_LABEL {
        OTHER_COLOUR
    } else {
        OKABE_ITO[i % OKABE_ITO.len()]
    }
}

/// Registers the embedded DejaVu Sans as plotters' "sans-serif" (once).
fn register_fonts() -> Result<(), String> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| "embedded DejaVu Sans is not a valid font".to_string())?;
        register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold())
            .map_err(|_| "embedded DejaVu Sans Bold is not a valid font".to_string())?;
        Ok(())
    })
    .clone()
}

/// Draws the chart as PNG and SVG (both atomically).
pub(crate) fn write_annual_figure(
    data: &BarData,
    source_line: &str,
    png: &Path,
    svg: &Path,
) -> Result<(), AnalysisError> {
    let fail = |path: &Path, message: String| AnalysisError::Figure {
        path: path.to_path_buf(),
        message,
    };
    register_fonts().map_err(|m| fail(png, m))?;

    // PNG: the bitmap backend picks the encoder from the extension, so the
    // temporary file keeps `.png`.
    let tmp = temp_sibling(png, ".png");
    let drawn = (|| -> Result<(), Box<dyn Error>> {
        let root = BitMapBackend::new(&tmp, PNG_SIZE).into_drawing_area();
        draw(&root, data, source_line, f64::from(PNG_SIZE.0) / 1200.0)?;
        root.present()?;
        Ok(())
    })();
    if let Err(e) = drawn {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(png, e.to_string()));
    }
    commit(&tmp, png)?;

    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SVG_SIZE).into_drawing_area();
        draw(&root, data, source_line, f64::from(SVG_SIZE.0) / 1200.0)
            .map_err(|e| fail(svg, e.to_string()))?;
        root.present().map_err(|e| fail(svg, e.to_string()))?;
    }
    write_atomic(svg, text.as_bytes())
}

fn draw<DB>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    data: &BarData,
    source_line: &str,
    s: f64,
) -> Result<(), Box<dyn Error>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let px = |v: f64| (v * s).round() as u32;
    let font = |size: f64| ("sans-serif", size * s).into_font();
    let bold = |size: f64| ("sans-serif", size * s, FontStyle::Bold).into_font();
    let ink = RGBColor(0x22, 0x22, 0x22);
    let grey = RGBColor(0x55, 0x55, 0x55);

    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (header, rest) = root.split_vertically(px(92.0));
    let (body, footer) = rest.split_vertically(h - px(92.0) - px(44.0));
    let (plot, legend) = body.split_horizontally(w - px(270.0));

    header.draw(&Text::new(
        TITLE,
        (px(40.0) as i32, px(22.0) as i32),
        bold(30.0).color(&ink),
    ))?;
    header.draw(&Text::new(
        "Listings classified as confirmed or suspected wildlife (decoys and unrecognised listings excluded)",
        (px(40.0) as i32, px(62.0) as i32),
        font(16.0).color(&grey),
    ))?;
    footer.draw(&Text::new(
        format!("Source: {source_line}"),
        (px(40.0) as i32, px(12.0) as i32),
        font(14.0).color(&grey),
    ))?;

    let (groups, rows) = data.stacked();
    let max_total = rows
        .values()
        .map(|r| r.iter().sum::<u64>())
        .max()
        .unwrap_or(0);
    let y_max = ((max_total as f64) * 1.12).ceil() as u64 + 1;
    let (first, last) = match (data.years.first(), data.years.last()) {
        (Some(a), Some(b)) => (*a, *b),
        _ => {
            plot.draw(&Text::new(
                "No wildlife listings in the lake",
                (px(300.0) as i32, px(250.0) as i32),
                font(24.0).color(&grey),
            ))?;
            return Ok(());
        }
    };

    let axis_years = if first == last {
        first - 1..last + 1
    } else {
        first..last
    };
    let n_segments = (axis_years.end - axis_years.start + 1) as usize;
    let mut chart = ChartBuilder::on(&plot)
        .margin_left(px(20.0))
        .margin_right(px(20.0))
        .margin_top(px(10.0))
        .margin_bottom(px(10.0))
        .x_label_area_size(px(70.0))
        .y_label_area_size(px(90.0))
        // Discrete year axis, one segment per year (the range is inclusive);
        // a single year gets an empty neighbour on each side.
        .build_cartesian_2d(axis_years.into_segmented(), 0u64..y_max)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .bold_line_style(ink.mix(0.12))
        .axis_style(ink.stroke_width(px(1.5).max(1)))
        .x_labels(n_segments + 1)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(y) if data.years.contains(y) => y.to_string(),
            _ => String::new(),
        })
        .y_labels(8)
        .y_label_formatter(&|v| format!("{v}"))
        .x_desc(X_LABEL)
        .y_desc(Y_LABEL)
        .label_style(font(16.0).color(&ink))
        .axis_desc_style(font(18.0).color(&ink))
        .draw()?;

    let bar_gap =
        px((plot.dim_in_pixel().0 as f64 / s / n_segments as f64 * 0.18).clamp(4.0, 60.0));
    for (gi, name) in groups.iter().enumerate() {
        let c = colour(gi, name);
        chart.draw_series(rows.iter().filter_map(|(&year, row)| {
            let base: u64 = row[..gi].iter().sum();
            let v = row[gi];
            (v > 0).then(|| {
                let mut r = Rectangle::new(
                    [
                        (SegmentValue::Exact(year), base),
                        (SegmentValue::Exact(year + 1), base + v),
                    ],
                    c.filled(),
                );
                r.set_margin(0, 0, bar_gap, bar_gap);
                r
            })
        }))?;
    }
    // Totals above the bars.
    chart.draw_series(rows.iter().filter_map(|(&year, row)| {
        let total: u64 = row.iter().sum();
        (total > 0).then(|| {
            Text::new(
                total.to_string(),
                (SegmentValue::CenterOf(year), total),
                font(15.0)
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Bottom)),
            )
        })
    }))?;

    // Legend, top of the stack first.
    legend.draw(&Text::new(
        "Taxon group",
        (px(10.0) as i32, px(20.0) as i32),
        bold(17.0).color(&ink),
    ))?;
    for (row, (gi, name)) in groups.iter().enumerate().rev().enumerate() {
        let y = px(56.0 + 32.0 * row as f64) as i32;
        let x = px(10.0) as i32;
        let sw = px(20.0) as i32;
        legend.draw(&Rectangle::new(
            [(x, y), (x + sw, y + sw)],
            colour(gi, name).filled(),
        ))?;
        legend.draw(&Text::new(
            name.as_str(),
            (x + sw + px(10.0) as i32, y + sw / 2),
            font(15.0)
                .color(&ink)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}
