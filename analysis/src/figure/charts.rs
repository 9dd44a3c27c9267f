//! The chart kinds, each a plain struct of numbers that draws itself in the
//! house style: stacked bars per year, lines or step curves, distributions
//! on a log scale, a heat map and horizontal bars.
//!
//! It owns drawing only. It must not read files or compute statistics beyond
//! what drawing needs (stack offsets, quartiles of the values it is given).

use std::collections::BTreeMap;
use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Draw, Frame, GREY, INK, colour};

type Area<DB> = DrawingArea<DB, Shift>;
type Res = Result<(), Box<dyn Error>>;

fn px(s: f64, v: f64) -> u32 {
    (v * s).round() as u32
}

fn font(s: f64, size: f64) -> TextStyle<'static> {
    (super::FAMILY, size * s).into_font().into()
}

fn bold(s: f64, size: f64) -> TextStyle<'static> {
    (super::FAMILY, size * s, FontStyle::Bold)
        .into_font()
        .into()
}

/// Title, subtitle and source line; returns the plot area and the legend
/// column (zero width when the frame has no legend title).
fn frame<DB>(root: &Area<DB>, f: &Frame, s: f64) -> Result<(Area<DB>, Area<DB>), Box<dyn Error>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    let (header, rest) = root.split_vertically(px(s, 92.0));
    let (body, footer) = rest.split_vertically(h - px(s, 92.0) - px(s, 44.0));
    let legend_w = if f.legend_title.is_empty() {
        px(s, 20.0)
    } else {
        px(s, 270.0)
    };
    let (plot, legend) = body.split_horizontally(w - legend_w);
    header.draw(&Text::new(
        f.title.clone(),
        (px(s, 40.0) as i32, px(s, 22.0) as i32),
        bold(s, 30.0).color(&INK),
    ))?;
    header.draw(&Text::new(
        f.subtitle.clone(),
        (px(s, 40.0) as i32, px(s, 62.0) as i32),
        font(s, 16.0).color(&GREY),
    ))?;
    footer.draw(&Text::new(
        format!("Source: {}", f.source),
        (px(s, 40.0) as i32, px(s, 12.0) as i32),
        font(s, 14.0).color(&GREY),
    ))?;
    Ok((plot, legend))
}

/// The legend column: a heading and one swatch per entry, in the order given.
fn legend<DB>(area: &Area<DB>, f: &Frame, entries: &[(String, RGBColor)], s: f64) -> Res
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    if f.legend_title.is_empty() {
        return Ok(());
    }
    area.draw(&Text::new(
        f.legend_title.clone(),
        (px(s, 10.0) as i32, px(s, 20.0) as i32),
        bold(s, 17.0).color(&INK),
    ))?;
    for (row, (name, c)) in entries.iter().enumerate() {
        let y = px(s, 56.0 + 32.0 * row as f64) as i32;
        let x = px(s, 10.0) as i32;
        let sw = px(s, 20.0) as i32;
        area.draw(&Rectangle::new([(x, y), (x + sw, y + sw)], c.filled()))?;
        area.draw(&Text::new(
            name.clone(),
            (x + sw + px(s, 10.0) as i32, y + sw / 2),
            font(s, 15.0)
                .color(&INK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

fn empty<DB>(plot: &Area<DB>, message: &str, s: f64) -> Res
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    plot.draw(&Text::new(
        message.to_string(),
        (px(s, 300.0) as i32, px(s, 250.0) as i32),
        font(s, 24.0).color(&GREY),
    ))?;
    Ok(())
}

/// Axis numbers: integers plainly, others with one decimal; thousands
/// separated by a thin space for readability.
pub(crate) fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        let n = v.round() as i64;
        let digits = n.abs().to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        if n < 0 { format!("-{out}") } else { out }
    } else {
        format!("{v:.1}")
    }
}

/// Count axes: whole numbers only (no "0.5 listings").
fn integer_tick(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        number(v)
    } else {
        String::new()
    }
}

/// Stacked bars per year (counts, or shares when `percent`).
#[derive(Debug, Clone)]
pub(crate) struct Stacked {
    /// Series in stacking order (bottom first).
    pub names: Vec<String>,
    /// year -> one value per series; every year on the axis has a row.
    pub rows: BTreeMap<i32, Vec<f64>>,
    /// Values are shares in percent (axis 0–100, no totals above bars).
    pub percent: bool,
    pub empty_message: String,
}

impl Draw for Stacked {
    fn draw<DB>(&self, root: &Area<DB>, f: &Frame, s: f64) -> Res
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (plot, legend_area) = frame(root, f, s)?;
        let (first, last) = match (self.rows.keys().next(), self.rows.keys().next_back()) {
            (Some(a), Some(b)) => (*a, *b),
            _ => return empty(&plot, &self.empty_message, s),
        };
        let max_total = self
            .rows
            .values()
            .map(|r| r.iter().sum::<f64>())
            .fold(0.0, f64::max);
        let y_max = if self.percent {
            100.0
        } else {
            (max_total * 1.12).ceil() + 1.0
        };
        // A single year gets an empty neighbour on each side.
        let axis_years = if first == last {
            first - 1..last + 1
        } else {
            first..last
        };
        let n_segments = (axis_years.end - axis_years.start + 1) as usize;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(px(s, 20.0))
            .margin_right(px(s, 20.0))
            .margin_top(px(s, 10.0))
            .margin_bottom(px(s, 10.0))
            .x_label_area_size(px(s, 70.0))
            .y_label_area_size(px(s, 90.0))
            // Discrete year axis, one segment per year (the range is inclusive).
            .build_cartesian_2d(axis_years.into_segmented(), 0.0..y_max)?;
        let percent = self.percent;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(INK.mix(0.12))
            .axis_style(INK.stroke_width(px(s, 1.5).max(1)))
            .x_labels(n_segments + 1)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(y) if self.rows.contains_key(y) => y.to_string(),
                _ => String::new(),
            })
            .y_labels(8)
            .y_label_formatter(&|v| {
                if percent {
                    format!("{v:.0}%")
                } else {
                    number(*v)
                }
            })
            .x_desc(f.x_label.clone())
            .y_desc(f.y_label.clone())
            .label_style(font(s, 16.0).color(&INK))
            .axis_desc_style(font(s, 18.0).color(&INK))
            .draw()?;

        let bar_gap = px(
            s,
            (plot.dim_in_pixel().0 as f64 / s / n_segments as f64 * 0.18).clamp(4.0, 60.0),
        );
        for (gi, name) in self.names.iter().enumerate() {
            let c = colour(gi, name);
            chart.draw_series(self.rows.iter().filter_map(|(&year, row)| {
                let base: f64 = row[..gi].iter().sum();
                let v = row[gi];
                (v > 0.0).then(|| {
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
        if !self.percent {
            // Totals above the bars.
            chart.draw_series(self.rows.iter().filter_map(|(&year, row)| {
                let total: f64 = row.iter().sum();
                (total > 0.0).then(|| {
                    Text::new(
                        number(total),
                        (SegmentValue::CenterOf(year), total),
                        font(s, 15.0)
                            .color(&INK)
                            .pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )
                })
            }))?;
        }
        // Legend, top of the stack first.
        let entries: Vec<(String, RGBColor)> = self
            .names
            .iter()
            .enumerate()
            .rev()
            .map(|(i, n)| (n.clone(), colour(i, n)))
            .collect();
        legend(&legend_area, f, &entries, s)
    }
}

/// How a line chart's x values are labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XAxis {
    /// x counts months since January of year 0 (`year * 12 + month - 1`);
    /// labelled `YYYY-MM`.
    Months,
    /// Plain numbers (e.g. days).
    Number,
}

/// Lines (or right-continuous step curves, for survival) of several series.
#[derive(Debug, Clone)]
pub(crate) struct Lines {
    /// (name, points sorted by x).
    pub series: Vec<(String, Vec<(f64, f64)>)>,
    /// Draw as steps (the value holds until the next point).
    pub step: bool,
    pub x_axis: XAxis,
    /// Values are shares in percent (axis 0–100).
    pub percent: bool,
    pub empty_message: String,
}

impl Draw for Lines {
    fn draw<DB>(&self, root: &Area<DB>, f: &Frame, s: f64) -> Res
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (plot, legend_area) = frame(root, f, s)?;
        let xs = self.series.iter().flat_map(|(_, p)| p.iter().map(|p| p.0));
        let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        if !x0.is_finite() {
            return empty(&plot, &self.empty_message, s);
        }
        let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
        let y_max = if self.percent {
            100.0
        } else {
            let m = self
                .series
                .iter()
                .flat_map(|(_, p)| p.iter().map(|p| p.1))
                .fold(0.0, f64::max);
            (m * 1.12).max(1.0)
        };
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(px(s, 20.0))
            .margin_right(px(s, 30.0))
            .margin_top(px(s, 10.0))
            .margin_bottom(px(s, 10.0))
            .x_label_area_size(px(s, 70.0))
            .y_label_area_size(px(s, 90.0))
            .build_cartesian_2d(x0..x1, 0.0..y_max)?;
        let months = self.x_axis == XAxis::Months;
        let percent = self.percent;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(INK.mix(0.12))
            .axis_style(INK.stroke_width(px(s, 1.5).max(1)))
            .x_labels(8)
            .x_label_formatter(&|v| {
                if months {
                    let m = v.round() as i64;
                    format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
                } else {
                    number(*v)
                }
            })
            .y_labels(8)
            .y_label_formatter(&|v| {
                if percent {
                    format!("{v:.0}%")
                } else {
                    integer_tick(*v)
                }
            })
            .x_desc(f.x_label.clone())
            .y_desc(f.y_label.clone())
            .label_style(font(s, 16.0).color(&INK))
            .axis_desc_style(font(s, 18.0).color(&INK))
            .draw()?;
        let width = px(s, if self.step { 3.0 } else { 2.0 }).max(1);
        let mut entries = Vec::new();
        for (i, (name, points)) in self.series.iter().enumerate() {
            let c = colour(i, name);
            let mut path: Vec<(f64, f64)> = Vec::new();
            for &(x, y) in points {
                if self.step
                    && let Some(&(_, prev)) = path.last()
                {
                    path.push((x, prev));
                }
                path.push((x, y));
            }
            chart.draw_series(LineSeries::new(path, c.stroke_width(width)))?;
            if !self.step && points.len() <= 40 {
                chart.draw_series(
                    points
                        .iter()
                        .map(|&p| Circle::new(p, px(s, 3.5), c.filled())),
                )?;
            }
            entries.push((name.clone(), c));
        }
        legend(&legend_area, f, &entries, s)
    }
}

/// One box of a distribution chart: the values of one category.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub name: String,
    pub values: Vec<f64>,
}

/// Distributions per category on a log-10 axis: a box (quartiles, median),
/// whiskers to the extremes, and every value as a dot.
#[derive(Debug, Clone)]
pub(crate) struct Boxes {
    pub groups: Vec<Group>,
    pub empty_message: String,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    // Linear interpolation between order statistics (type 7, as in R/numpy).
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

impl Draw for Boxes {
    fn draw<DB>(&self, root: &Area<DB>, f: &Frame, s: f64) -> Res
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (plot, legend_area) = frame(root, f, s)?;
        let groups: Vec<(String, Vec<f64>)> = self
            .groups
            .iter()
            .map(|g| {
                let mut v: Vec<f64> = g
                    .values
                    .iter()
                    .copied()
                    .filter(|v| v.is_finite() && *v > 0.0)
                    .collect();
                v.sort_by(f64::total_cmp);
                (g.name.clone(), v)
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        if groups.is_empty() {
            return empty(&plot, &self.empty_message, s);
        }
        let lo = groups.iter().map(|g| g.1[0]).fold(f64::INFINITY, f64::min);
        let hi = groups
            .iter()
            .map(|g| g.1[g.1.len() - 1])
            .fold(0.0, f64::max);
        let lo = 10f64.powf(lo.log10().floor());
        let hi = 10f64.powf((hi * 1.01).log10().ceil()).max(lo * 10.0);
        let n = groups.len() as i32;
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(px(s, 20.0))
            .margin_right(px(s, 20.0))
            .margin_top(px(s, 10.0))
            .margin_bottom(px(s, 10.0))
            .x_label_area_size(px(s, 70.0))
            .y_label_area_size(px(s, 100.0))
            .build_cartesian_2d((0..n - 1).into_segmented(), (lo..hi).log_scale())?;
        let names: Vec<String> = groups.iter().map(|g| g.0.clone()).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .bold_line_style(INK.mix(0.12))
            .axis_style(INK.stroke_width(px(s, 1.5).max(1)))
            .x_labels(n as usize + 1)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|v| number(*v))
            .x_desc(f.x_label.clone())
            .y_desc(f.y_label.clone())
            .label_style(font(s, 16.0).color(&INK))
            .axis_desc_style(font(s, 18.0).color(&INK))
            .draw()?;
        let line = INK.stroke_width(px(s, 2.0).max(1));
        let mut entries = Vec::new();
        for (i, (name, v)) in groups.iter().enumerate() {
            let i = i as i32;
            // The box's fill, opaque, so its legend swatch is the colour drawn.
            let c = tint(colour(i as usize, name), 0.55);
            let (q1, med, q3) = (quantile(v, 0.25), quantile(v, 0.5), quantile(v, 0.75));
            let (min, max) = (v[0], v[v.len() - 1]);
            let centre = SegmentValue::CenterOf(i);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(centre.clone(), min), (centre.clone(), max)],
                line,
            )))?;
            let mut b = Rectangle::new(
                [
                    (SegmentValue::Exact(i), q1),
                    (SegmentValue::Exact(i + 1), q3),
                ],
                c.filled(),
            );
            let w = plot.dim_in_pixel().0 / (n as u32 + 1);
            b.set_margin(0, 0, w / 4, w / 4);
            chart.draw_series(std::iter::once(b))?;
            let mut m = Rectangle::new(
                [
                    (SegmentValue::Exact(i), med),
                    (SegmentValue::Exact(i + 1), med),
                ],
                line,
            );
            m.set_margin(0, 0, w / 4, w / 4);
            chart.draw_series(std::iter::once(m))?;
            chart
                .draw_series(v.iter().map(|&y| {
                    Circle::new((centre.clone(), y), px(s, 3.0), INK.mix(0.6).filled())
                }))?;
            entries.push((format!("{name} (n = {})", v.len()), c));
        }
        legend(&legend_area, f, &entries, s)
    }
}

/// A matrix of counts (rows × columns) as coloured cells with the count in
/// each non-empty cell.
#[derive(Debug, Clone)]
pub(crate) struct Heat {
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    /// values[row][col]
    pub values: Vec<Vec<f64>>,
    pub empty_message: String,
}

/// `c` at opacity `a` over white, as one opaque colour.
fn tint(c: RGBColor, a: f64) -> RGBColor {
    let mix = |x: u8| (f64::from(x) * a + 255.0 * (1.0 - a)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// A light-to-dark blue ramp ending in Okabe–Ito blue (readable for every
/// common colour-vision deficiency, since only lightness varies).
fn ramp(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let (a, b) = ((0xEE, 0xF4, 0xFA), (0x00, 0x3F, 0x6B));
    let mix = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The heat map's colour classes: cells are coloured by class, not on a
/// continuous ramp, so the legend names the range of every colour drawn
/// (empty cells included) and no cell has a colour the legend lacks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HeatClasses {
    /// Inclusive (low, high) of each class, lightest first; whole numbers
    /// from 1 to the largest value, at most four classes of equal width.
    pub ranges: Vec<(f64, f64)>,
}

/// The colour of an empty (zero) cell.
const HEAT_EMPTY: RGBColor = RGBColor(0xFA, 0xFA, 0xFA);

impl HeatClasses {
    /// Classes for values up to `max`.
    pub(crate) fn new(max: f64) -> HeatClasses {
        let max = max.ceil().max(1.0);
        let width = (max / 4.0).ceil().max(1.0);
        let mut ranges = Vec::new();
        let mut low = 1.0;
        while low <= max {
            let high = (low + width - 1.0).min(max);
            ranges.push((low, high));
            low = high + 1.0;
        }
        HeatClasses { ranges }
    }

    /// The class of `v`: `None` for an empty cell, else the first class
    /// whose high is at least `v` (a fraction falls in the class above it).
    pub(crate) fn of(&self, v: f64) -> Option<usize> {
        if v <= 0.0 {
            return None;
        }
        Some(
            self.ranges
                .iter()
                .position(|&(_, high)| v <= high)
                .unwrap_or(self.ranges.len() - 1),
        )
    }

    /// The fill of a class (or of an empty cell).
    pub(crate) fn fill(&self, class: Option<usize>) -> RGBColor {
        match class {
            None => HEAT_EMPTY,
            Some(k) => ramp(0.15 + 0.85 * (k + 1) as f64 / self.ranges.len() as f64),
        }
    }

    /// Whether a class is dark enough for white numbers.
    fn dark(&self, class: Option<usize>) -> bool {
        class.is_some_and(|k| (k + 1) as f64 / self.ranges.len() as f64 > 0.55)
    }

    /// One legend entry per class, darkest first, then the empty cells.
    pub(crate) fn legend(&self) -> Vec<(String, RGBColor)> {
        let mut out: Vec<(String, RGBColor)> = self
            .ranges
            .iter()
            .enumerate()
            .rev()
            .map(|(k, &(low, high))| {
                let label = if low == high {
                    number(low)
                } else {
                    format!("{}–{}", number(low), number(high))
                };
                (label, self.fill(Some(k)))
            })
            .collect();
        out.push(("none".into(), HEAT_EMPTY));
        out
    }
}

impl Heat {
    fn classes(&self) -> HeatClasses {
        HeatClasses::new(self.values.iter().flatten().copied().fold(0.0, f64::max))
    }
}

impl Draw for Heat {
    fn draw<DB>(&self, root: &Area<DB>, f: &Frame, s: f64) -> Res
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (plot, legend_area) = frame(root, f, s)?;
        if self.rows.is_empty() || self.cols.is_empty() {
            return empty(&plot, &self.empty_message, s);
        }
        let (nr, nc) = (self.rows.len() as i32, self.cols.len() as i32);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(px(s, 20.0))
            .margin_right(px(s, 20.0))
            .margin_top(px(s, 10.0))
            .margin_bottom(px(s, 10.0))
            .x_label_area_size(px(s, 70.0))
            .y_label_area_size(px(s, 110.0))
            .build_cartesian_2d((0..nc - 1).into_segmented(), (0..nr - 1).into_segmented())?;
        let label = |names: &[String], v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .axis_style(INK.stroke_width(px(s, 1.5).max(1)))
            .x_labels(nc as usize + 1)
            .y_labels(nr as usize + 1)
            .x_label_formatter(&|v| label(&self.cols, v))
            .y_label_formatter(&|v| label(&self.rows, v))
            .x_desc(f.x_label.clone())
            .y_desc(f.y_label.clone())
            .label_style(font(s, 15.0).color(&INK))
            .axis_desc_style(font(s, 18.0).color(&INK))
            .draw()?;
        let classes = self.classes();
        for (r, row) in self.values.iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                let (r, c) = (r as i32, c as i32);
                let class = classes.of(v);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [
                        (SegmentValue::Exact(c), SegmentValue::Exact(r)),
                        (SegmentValue::Exact(c + 1), SegmentValue::Exact(r + 1)),
                    ],
                    classes.fill(class).filled(),
                )))?;
                if v > 0.0 {
                    let text = if classes.dark(class) { WHITE } else { INK };
                    chart.draw_series(std::iter::once(Text::new(
                        number(v),
                        (SegmentValue::CenterOf(c), SegmentValue::CenterOf(r)),
                        font(s, 14.0)
                            .color(&text)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )))?;
                }
            }
        }
        let entries = classes.legend();
        legend(&legend_area, f, &entries, s)
    }
}

/// Horizontal bars, one per label, top to bottom in the order given.
#[derive(Debug, Clone)]
pub(crate) struct HBars {
    pub labels: Vec<String>,
    pub values: Vec<f64>,
    pub empty_message: String,
}

impl Draw for HBars {
    fn draw<DB>(&self, root: &Area<DB>, f: &Frame, s: f64) -> Res
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let (plot, legend_area) = frame(root, f, s)?;
        if self.labels.is_empty() {
            return empty(&plot, &self.empty_message, s);
        }
        let n = self.labels.len() as i32;
        let max = self.values.iter().copied().fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(&plot)
            .margin_left(px(s, 20.0))
            .margin_right(px(s, 40.0))
            .margin_top(px(s, 10.0))
            .margin_bottom(px(s, 10.0))
            .x_label_area_size(px(s, 70.0))
            .y_label_area_size(px(s, 260.0))
            .build_cartesian_2d(0.0..(max * 1.15).max(1.0), (0..n - 1).into_segmented())?;
        // Row 0 at the top.
        let label = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(i) => self
                .labels
                .get((n - 1 - *i) as usize)
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(INK.mix(0.12))
            .axis_style(INK.stroke_width(px(s, 1.5).max(1)))
            .y_labels(n as usize + 1)
            .y_label_formatter(&label)
            .x_label_formatter(&|v| number(*v))
            .x_desc(f.x_label.clone())
            .y_desc(f.y_label.clone())
            .label_style(font(s, 15.0).color(&INK))
            .axis_desc_style(font(s, 18.0).color(&INK))
            .draw()?;
        // Bars at most 60 px thick, at least 6 px apart.
        let row = plot.dim_in_pixel().1 as f64 / s / f64::from(n);
        let gap = px(s, ((row - 60.0) / 2.0).max(6.0));
        for (i, &v) in self.values.iter().enumerate() {
            let row = n - 1 - i as i32;
            let mut r = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row)),
                    (v, SegmentValue::Exact(row + 1)),
                ],
                super::OKABE_ITO[4].filled(),
            );
            r.set_margin(gap, gap, 0, 0);
            chart.draw_series(std::iter::once(r))?;
            chart.draw_series(std::iter::once(Text::new(
                format!(" {}", number((v * 10.0).round() / 10.0)),
                (v, SegmentValue::CenterOf(row)),
                font(s, 14.0)
                    .color(&INK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
        }
        legend(&legend_area, f, &[], s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(1234567.0), "1,234,567");
        assert_eq!(number(-1000.0), "-1,000");
        assert_eq!(number(2.25), "2.2");
    }

    #[test]
    fn every_heat_cell_has_a_legend_entry_that_names_its_value() {
        for max in [1.0, 2.0, 3.0, 5.0, 7.0, 24.0, 25.0, 100.0, 1234.0] {
            let c = HeatClasses::new(max);
            assert!(c.ranges.len() <= 4 && !c.ranges.is_empty(), "{max}");
            let legend = c.legend();
            for v in 0..=(max as u32) {
                let v = f64::from(v);
                let fill = c.fill(c.of(v));
                let entry = legend
                    .iter()
                    .find(|(_, colour)| *colour == fill)
                    .unwrap_or_else(|| panic!("max {max}: {v} has no legend entry"));
                // The entry's label names a range holding v.
                let (low, high) = match entry.0.split_once('–') {
                    _ if entry.0 == "none" => (0.0, 0.0),
                    Some((a, b)) => (
                        a.replace(',', "").parse().unwrap(),
                        b.replace(',', "").parse().unwrap(),
                    ),
                    None => {
                        let x: f64 = entry.0.replace(',', "").parse().unwrap();
                        (x, x)
                    }
                };
                assert!(
                    low <= v && v <= high,
                    "max {max}: {v} drawn as {:?}",
                    entry.0
                );
            }
            // Distinct colours, one per entry.
            let mut colours: Vec<_> = legend.iter().map(|e| (e.1.0, e.1.1, e.1.2)).collect();
            colours.sort();
            colours.dedup();
            assert_eq!(colours.len(), legend.len(), "max {max}");
        }
    }

    #[test]
    fn quartiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert_eq!(quantile(&v, 0.25), 1.75);
        assert_eq!(quantile(&[7.0], 0.75), 7.0);
    }
}
