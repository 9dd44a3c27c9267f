//! Figures: every chart the analysis publishes, as a print-resolution PNG
//! (8 × 5 in at 300 dpi) and an SVG with real text, in one house style: the
//! colour-blind-safe Okabe–Ito palette, the embedded DejaVu Sans font (no
//! system fonts needed for the PNG), a title, a subtitle, axis labels with
//! units and the data's source line at the bottom.
//!
//! - this file: the style and the PNG/SVG writer;
//! - [`charts`]: the chart kinds (stacked bars, lines/steps, log-scale
//!   distributions, heat map, horizontal bars), each drawing given numbers;
//! - [`catalog`]: which figures exist, each drawn from a published table
//!   (in memory from the run, or read back from an output folder through the
//!   output contract's reader by [`redraw`]); a figure whose table is
//!   missing is listed as skipped.
//!
//! It owns layout and styling only. It must not compute statistics (it draws
//! the published tables it is given), name a table file or column itself
//! (the output contract in `outputs` does) or read the lake.

pub mod catalog;
pub(crate) mod charts;

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::register_font;

use crate::atomic::{commit, temp_sibling, write_atomic};
use crate::error::AnalysisError;

pub use catalog::{FigureIndex, FigureInfo, write_all};

/// Draws every figure again from the published tables of an output folder
/// (those the catalogue draws, read through the output contract) and
/// rewrites `figures/index.json`. Like the run's figures, they are drawn
/// from the public view (disclosure control, `crate::export::disclosure`),
/// which reads every published table.
pub fn redraw(
    out_dir: &Path,
    source_line: &str,
    disclosure: &crate::export::Disclosure,
) -> Result<FigureIndex, AnalysisError> {
    let tables = crate::outputs::Published::load(out_dir, crate::outputs::ALL)?;
    let public = crate::export::public_view(&tables, disclosure)?.tables;
    write_all(&public, out_dir, source_line)
}

/// The annual chart's title (also what the tests look for in the SVG).
pub const TITLE: &str = "Online wildlife listings per year, by taxon group";
/// Axis labels, with units.
pub const X_LABEL: &str = "Year of posting";
pub const Y_LABEL: &str = "Listings (count)";
/// Pixel size of the PNG (print resolution: 8 x 5 in at 300 dpi).
pub const PNG_SIZE: (u32, u32) = (2400, 1500);
/// Nominal size of the SVG (vector; scales freely).
pub const SVG_SIZE: (u32, u32) = (1200, 750);
/// The font family plotters draws with (registered from the embedded DejaVu).
const FAMILY: &str = "sans-serif";
/// What SVG viewers are asked for: DejaVu Sans where installed (the font the
/// PNG uses), any sans-serif otherwise.
const SVG_FAMILY: &str = "DejaVu Sans, Verdana, Arial, sans-serif";

/// Okabe & Ito (2008) colour-blind-safe palette, black last.
pub(crate) const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xF0, 0xE4, 0x42), // yellow
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x00, 0x00, 0x00), // black
];
pub(crate) const OTHER_COLOUR: RGBColor = RGBColor(0x99, 0x99, 0x99);
pub(crate) const OTHER_LABEL: &str = "Other groups";
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
pub(crate) const GREY: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// The texts around a chart.
#[derive(Debug, Clone, Default)]
pub(crate) struct Frame {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    /// The bottom line, without the "Source: " prefix.
    pub source: String,
    /// The legend's heading (empty: no legend column).
    pub legend_title: String,
}

/// Listings per (year, taxon group), ready to draw.
#[derive(Debug, Clone, Default)]
pub(crate) struct BarData {
    /// year -> group -> listings
    pub counts: BTreeMap<i32, BTreeMap<String, u64>>,
    /// Every year to show on the axis (also years with no bars).
    pub years: BTreeSet<i32>,
}

impl BarData {
    /// As stacked bars: groups in stacking order (largest total at the
    /// bottom), at most eight: beyond that the smallest are merged into
    /// "Other groups".
    pub(crate) fn stacked(&self) -> charts::Stacked {
        let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
        for groups in self.counts.values() {
            for (g, n) in groups {
                *totals.entry(g).or_default() += n;
            }
        }
        let mut order: Vec<(&str, u64)> = totals.into_iter().collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let mut names: Vec<String> = order.iter().map(|(g, _)| g.to_string()).collect();
        if names.len() > OKABE_ITO.len() {
            names.truncate(OKABE_ITO.len() - 1);
            names.push(OTHER_LABEL.to_string());
        }
        let mut rows = BTreeMap::new();
        for &year in &self.years {
            let mut row = vec![0.0; names.len()];
            if let Some(groups) = self.counts.get(&year) {
                for (g, n) in groups {
                    let idx = names
                        .iter()
                        .position(|name| name == g)
                        .unwrap_or(names.len() - 1);
                    row[idx] += *n as f64;
                }
            }
            rows.insert(year, row);
        }
        charts::Stacked {
            names,
            rows,
            percent: false,
            empty_message: "No wildlife listings in the lake".into(),
        }
    }
}

/// The colour of the `i`-th series (grey for "Other groups").
pub(crate) fn colour(i: usize, name: &str) -> RGBColor {
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
        register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| "embedded DejaVu Sans is not a valid font".to_string())?;
        register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold())
            .map_err(|_| "embedded DejaVu Sans Bold is not a valid font".to_string())?;
        Ok(())
    })
    .clone()
}

/// A chart kind: draws itself into a drawing area at scale `s` (1.0 = the
/// 1200 px wide SVG).
pub(crate) trait Draw {
    fn draw<DB>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        frame: &Frame,
        s: f64,
    ) -> Result<(), Box<dyn Error>>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static;
}

/// Draws `chart` as PNG and SVG (both atomically).
pub(crate) fn write<C: Draw>(
    chart: &C,
    frame: &Frame,
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
        chart.draw(&root, frame, f64::from(PNG_SIZE.0) / 1200.0)?;
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
        chart
            .draw(&root, frame, f64::from(SVG_SIZE.0) / 1200.0)
            .map_err(|e| fail(svg, e.to_string()))?;
        root.present().map_err(|e| fail(svg, e.to_string()))?;
    }
    let text = text.replace(
        &format!("font-family=\"{FAMILY}\""),
        &format!("font-family=\"{SVG_FAMILY}\""),
    );
    write_atomic(svg, text.as_bytes())
}
