//! One chart area: line charts (with markers, bands and notes) and bar charts, described
//! as plain data and drawn by plotters. A line chart's legend goes where it hides the
//! fewest drawn pixels, and each axis labels its ticks with the decimals they need.
//!
//! Before drawing, every panel is made drawable whatever its data: points that are not
//! finite numbers are dropped (and the title says how many), values beyond ±10¹² are cut
//! to it, long series are thinned to 2,000 points, and every axis range is finite and not
//! empty. plotters never sees a range it cannot draw (with infinite or enormous ranges its
//! tick search does not end).

use plotters::coord::ranged1d::{BoldPoints, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::MultiLineText;
use plotters::prelude::*;

use super::plot_error;
use crate::error::Result;

/// Values are drawn within ±this; beyond it they are cut to it.
const LIMIT: f64 = 1e12;
/// The most points a series keeps (the SVG stays small).
const MAX_POINTS: usize = 2000;

/// A polyline with an optional legend entry.
#[derive(Clone, Debug)]
pub(crate) struct Series {
    pub label: Option<String>,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub dashed: bool,
    pub markers: bool,
    pub width: u32,
}

impl Series {
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>, color: RGBColor) -> Series {
        Series {
            label: Some(label.into()),
            points,
            color,
            dashed: false,
            markers: false,
            width: 2,
        }
    }

    /// A thin line without a legend entry (contours and other background lines).
    pub fn background(points: Vec<(f64, f64)>, color: RGBColor) -> Series {
        Series {
            label: None,
            points,
            color,
            dashed: false,
            markers: false,
            width: 1,
        }
    }

    /// The same line with a dot at every point.
    pub fn with_markers(mut self) -> Series {
        self.markers = true;
        self
    }

    pub fn dashed(mut self) -> Series {
        self.dashed = true;
        self
    }
}

/// A dot with a note beside it.
#[derive(Clone, Debug)]
pub(crate) struct Note {
    pub at: (f64, f64),
    pub text: String,
    pub color: RGBColor,
}

/// Where the legend goes: the corner tried first. The legend moves to the spot of the
/// plotting area where it hides the fewest drawn pixels (see [`legend_spot`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Legend {
    None,
    UpperRight,
    LowerRight,
}

/// Lines on x/y axes.
#[derive(Clone, Debug)]
pub(crate) struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub x_range: Option<(f64, f64)>,
    pub y_range: Option<(f64, f64)>,
    /// The y values are log10 of the data; tick labels show 10^k.
    pub log10_y: bool,
    pub series: Vec<Series>,
    pub notes: Vec<Note>,
    pub legend: Legend,
    /// Filled polygons drawn under the lines (e.g. the gap between two curves).
    pub bands: Vec<(Vec<(f64, f64)>, RGBColor)>,
}

impl LineChart {
    pub fn new(title: impl Into<String>, x_label: &str, y_label: &str) -> LineChart {
        LineChart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            x_range: None,
            y_range: None,
            log10_y: false,
            series: Vec::new(),
            notes: Vec::new(),
            legend: Legend::UpperRight,
            bands: Vec::new(),
        }
    }
}

/// Bars from `x0` to `x1` of height `h`.
#[derive(Clone, Debug)]
pub(crate) struct BarChart {
    pub title: String,
    pub x_label: String,
    pub bars: Vec<(f64, f64, f64)>,
    pub x_range: (f64, f64),
    pub y_max: f64,
    pub show_y_labels: bool,
    pub color: RGBColor,
}

/// Anything that fills one area of a figure.
#[derive(Clone, Debug)]
pub(crate) enum Panel {
    Line(LineChart),
    Bars(BarChart),
}

/// Bars of a histogram: (from, to, count).
pub(crate) type Bars = Vec<(f64, f64, f64)>;

/// `bins` bars of equal width over `range` counting the `values` inside it (the last bar
/// includes the range's end), and how many values were left out (outside, or not finite).
pub(crate) fn histogram(
    values: impl Iterator<Item = f64>,
    range: (f64, f64),
    bins: usize,
) -> (Bars, usize) {
    let width = (range.1 - range.0) / bins as f64;
    let mut counts = vec![0.0; bins];
    let mut outside = 0;
    for v in values {
        if v.is_finite() && (range.0..=range.1).contains(&v) && width > 0.0 {
            counts[(((v - range.0) / width) as usize).min(bins - 1)] += 1.0;
        } else {
            outside += 1;
        }
    }
    let bars = counts
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            (
                range.0 + i as f64 * width,
                range.0 + (i + 1) as f64 * width,
                c,
            )
        })
        .collect();
    (bars, outside)
}

impl Panel {
    /// The panel made drawable (see the module's docs); the number of values dropped
    /// because they were not finite is added to its title.
    pub(crate) fn drawable(mut self) -> Panel {
        let dropped = match &mut self {
            Panel::Line(chart) => sanitize_lines(chart),
            Panel::Bars(chart) => sanitize_bars(chart),
        };
        if dropped > 0 {
            let title = match &mut self {
                Panel::Line(chart) => &mut chart.title,
                Panel::Bars(chart) => &mut chart.title,
            };
            title.push_str(&format!(" ({dropped} values not drawn: not finite)"));
        }
        self
    }
}

/// Keeps finite points, cut to ±LIMIT; returns how many were dropped.
fn clean(points: &mut Vec<(f64, f64)>) -> usize {
    let before = points.len();
    points.retain(|p| p.0.is_finite() && p.1.is_finite());
    for p in points.iter_mut() {
        *p = (p.0.clamp(-LIMIT, LIMIT), p.1.clamp(-LIMIT, LIMIT));
    }
    before - points.len()
}

/// A finite, non-empty range, or `None`.
fn usable(range: Option<(f64, f64)>) -> Option<(f64, f64)> {
    range
        .filter(|(lo, hi)| lo.is_finite() && hi.is_finite() && lo < hi)
        .map(|(lo, hi)| (lo.max(-LIMIT), hi.min(LIMIT)))
        .filter(|(lo, hi)| lo < hi)
}

fn sanitize_lines(chart: &mut LineChart) -> usize {
    let mut dropped = 0;
    for series in &mut chart.series {
        dropped += clean(&mut series.points);
        let step = series.points.len().div_ceil(MAX_POINTS).max(1);
        if step > 1 {
            let last = series.points.last().copied();
            series.points = series.points.iter().copied().step_by(step).collect();
            series
                .points
                .extend(last.filter(|l| series.points.last() != Some(l)));
        }
    }
    for (band, _) in &mut chart.bands {
        clean(band);
    }
    chart
        .notes
        .retain(|n| n.at.0.is_finite() && n.at.1.is_finite());
    for note in &mut chart.notes {
        note.at = (
            note.at.0.clamp(-LIMIT, LIMIT),
            note.at.1.clamp(-LIMIT, LIMIT),
        );
    }
    chart.x_range = usable(chart.x_range);
    chart.y_range = usable(chart.y_range);
    // With a fixed range, points far outside it are cut to a band around it: plotters
    // maps them to pixel coordinates that would overflow.
    let band = |range: Option<(f64, f64)>| {
        range.map_or((-LIMIT, LIMIT), |(lo, hi)| {
            (lo - 10.0 * (hi - lo), hi + 10.0 * (hi - lo))
        })
    };
    let ((x_lo, x_hi), (y_lo, y_hi)) = (band(chart.x_range), band(chart.y_range));
    let cut = |p: &mut (f64, f64)| *p = (p.0.clamp(x_lo, x_hi), p.1.clamp(y_lo, y_hi));
    chart
        .series
        .iter_mut()
        .flat_map(|s| s.points.iter_mut())
        .for_each(cut);
    chart
        .bands
        .iter_mut()
        .flat_map(|(b, _)| b.iter_mut())
        .for_each(cut);
    chart.notes.iter_mut().for_each(|n| cut(&mut n.at));
    dropped
}

fn sanitize_bars(chart: &mut BarChart) -> usize {
    let before = chart.bars.len();
    chart
        .bars
        .retain(|(a, b, h)| a.is_finite() && b.is_finite() && h.is_finite());
    chart.x_range = usable(Some(chart.x_range)).unwrap_or((0.0, 1.0));
    if !chart.y_max.is_finite() {
        chart.y_max = chart.bars.iter().map(|b| b.2).fold(0.0, f64::max);
    }
    chart.y_max = chart.y_max.min(LIMIT);
    before - chart.bars.len()
}

const FONT: &str = "sans-serif";

/// Draws a panel made drawable by [`Panel::drawable`].
pub(crate) fn draw_panel(area: &DrawingArea<SVGBackend<'_>, Shift>, panel: &Panel) -> Result<()> {
    match panel {
        Panel::Line(chart) => draw_lines(area, chart),
        Panel::Bars(chart) => draw_bars(area, chart),
    }
}

/// The range covering all points, padded by 5%, or `fixed` when given; (0, 1) when there
/// is nothing to cover.
fn extent(fixed: Option<(f64, f64)>, values: impl Iterator<Item = f64>) -> (f64, f64) {
    if let Some(range) = fixed {
        return range;
    }
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        0.5 * lo.abs().max(1.0)
    };
    (lo - pad, hi + pad)
}

fn draw_lines(area: &DrawingArea<SVGBackend<'_>, Shift>, spec: &LineChart) -> Result<()> {
    let all = || {
        spec.series
            .iter()
            .flat_map(|s| s.points.iter())
            .chain(spec.notes.iter().map(|n| &n.at))
    };
    let (x0, x1) = extent(spec.x_range, all().map(|p| p.0));
    let (y0, y1) = extent(spec.y_range, all().map(|p| p.1));
    let mut chart = ChartBuilder::on(area)
        .caption(&spec.title, (FONT, 16))
        .margin(10)
        .x_label_area_size(38)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(plot_error)?;
    let log10 = spec.log10_y;
    let x_format = axis_labels(x0, x1, LINE_TICKS);
    let y_labels = axis_labels(y0, y1, LINE_TICKS);
    let y_format = move |v: &f64| {
        if log10 {
            format!("1e{v:.0}")
        } else {
            y_labels(v)
        }
    };
    chart
        .configure_mesh()
        .x_desc(spec.x_label.as_str())
        .y_desc(spec.y_label.as_str())
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .y_label_formatter(&y_format)
        .x_label_formatter(&x_format)
        .draw()
        .map_err(plot_error)?;
    for (polygon, fill) in &spec.bands {
        chart
            .draw_series(std::iter::once(Polygon::new(
                polygon.clone(),
                fill.mix(0.2).filled(),
            )))
            .map_err(plot_error)?;
    }
    for series in &spec.series {
        let style = series.color.stroke_width(series.width);
        let mut pieces = clip_polyline(&series.points, (x0, x1), (y0, y1));
        if pieces.is_empty() {
            pieces.push(Vec::new()); // the legend still lists the series
        }
        let mut label = series.label.as_deref();
        for piece in pieces {
            let drawn = if series.dashed {
                chart
                    .draw_series(DashedLineSeries::new(piece, 6, 4, style))
                    .map_err(plot_error)?
            } else {
                chart
                    .draw_series(LineSeries::new(piece, style))
                    .map_err(plot_error)?
            };
            if let Some(label) = label.take() {
                let color = series.color;
                drawn.label(label).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
            }
        }
        if series.markers {
            let fill = series.color.filled();
            let inside = |p: &&(f64, f64)| (x0..=x1).contains(&p.0) && (y0..=y1).contains(&p.1);
            chart
                .draw_series(
                    series
                        .points
                        .iter()
                        .filter(inside)
                        .map(|&p| Circle::new(p, 3, fill)),
                )
                .map_err(plot_error)?;
        }
    }
    let (width, height) = chart.plotting_area().dim_in_pixel();
    let area = (width as i32, height as i32);
    let dots: Vec<((i32, i32), &str)> = spec
        .notes
        .iter()
        .map(|n| (plot_pixel(&chart, &n.at), n.text.as_str()))
        .collect();
    let offsets = note_offsets(&dots, area);
    for (note, &offset) in spec.notes.iter().zip(&offsets) {
        let style = note.color.filled();
        chart
            .draw_series(std::iter::once(Circle::new(note.at, 4, style)))
            .map_err(plot_error)?;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at(note.at)
                    + Text::new(note.text.clone(), offset, (FONT, NOTE_FONT).into_font()),
            ))
            .map_err(plot_error)?;
    }
    let labels: Vec<&str> = spec
        .series
        .iter()
        .filter_map(|s| s.label.as_deref())
        .collect();
    if spec.legend != Legend::None && !labels.is_empty() {
        let font: TextStyle = (FONT, 12).into();
        let mut text = MultiLineText::<_, &str>::new((0, 0), &font);
        labels.iter().for_each(|label| text.push_line(*label));
        let (w, h) = text.estimate_dimension().map_err(plot_error)?;
        // plotters' legend box: the text, a 30-pixel swatch and a 10-pixel margin around
        let size = (w + 30 + 2 * 10, h + 2 * 10);
        let spot = legend_spot(
            area,
            size,
            &drawn_pixels(&chart, spec, &dots, &offsets),
            spec.legend,
        );
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::Coordinate(spot.0, spot.1))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FONT, 12))
            .draw()
            .map_err(plot_error)?;
    }
    Ok(())
}

/// The parts of a polyline inside the box `x` × `y`, each a polyline of its own; a
/// segment that crosses the border ends there. (plotters draws a point outside its range
/// on the border: an ellipse running off the chart would end in a line along the edge.)
fn clip_polyline(points: &[(f64, f64)], x: (f64, f64), y: (f64, f64)) -> Vec<Vec<(f64, f64)>> {
    let inside = |p: &(f64, f64)| (x.0..=x.1).contains(&p.0) && (y.0..=y.1).contains(&p.1);
    if points.len() == 1 {
        return points
            .iter()
            .filter(|p| inside(p))
            .map(|&p| vec![p])
            .collect();
    }
    let mut pieces = Vec::new();
    let mut piece: Vec<(f64, f64)> = Vec::new();
    for pair in points.windows(2) {
        match clip_segment(pair[0], pair[1], x, y) {
            Some((a, b)) => {
                if piece.last() != Some(&a) {
                    pieces.extend((!piece.is_empty()).then(|| std::mem::take(&mut piece)));
                    piece.push(a);
                }
                piece.push(b);
            }
            None => pieces.extend((!piece.is_empty()).then(|| std::mem::take(&mut piece))),
        }
    }
    pieces.extend((!piece.is_empty()).then_some(piece));
    pieces
}

/// The part of the segment `a`–`b` inside the box `x` × `y` (Liang–Barsky: the segment
/// is a + t (b − a) for t in [0, 1]; each border bounds t from one side).
fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    x: (f64, f64),
    y: (f64, f64),
) -> Option<((f64, f64), (f64, f64))> {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    // (p, q): the segment is inside this border where t p <= q
    for (p, q) in [
        (-dx, a.0 - x.0),
        (dx, x.1 - a.0),
        (-dy, a.1 - y.0),
        (dy, y.1 - a.1),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None; // parallel to this border, outside it
            }
        } else if p < 0.0 {
            t0 = t0.max(q / p);
        } else {
            t1 = t1.min(q / p);
        }
    }
    let at = |t: f64| {
        if t == 0.0 {
            a
        } else if t == 1.0 {
            b
        } else {
            (a.0 + t * dx, a.1 + t * dy)
        }
    };
    (t0 <= t1).then(|| (at(t0), at(t1)))
}

/// Tick labels on line charts (plotters' default).
const LINE_TICKS: usize = 11;
/// Tick labels on the x axis of bar charts.
const BAR_TICKS: usize = 5;
/// Tick labels on the y axis (the counts) of bar charts.
const BAR_COUNT_TICKS: usize = 6;

/// The tick labels of an axis over `lo..hi` with about `ticks` labels, formatted for the
/// values plotters puts there: one number of decimals for the whole axis, the fewest that
/// show every tick exactly (0, 200, 400; 0.0, 0.2, 0.4; 0.25, 0.50), a tick that float
/// arithmetic left at ±1e-16 shown as 0, and scientific notation when the ticks are
/// huge (≥ 1e5) or tiny (< 1e-3).
fn axis_labels(lo: f64, hi: f64, ticks: usize) -> impl Fn(&f64) -> String {
    let span = hi - lo;
    let values = RangedCoordf64::from(lo..hi).key_points(BoldPoints(ticks));
    let exact = |v: f64, d: i32| {
        let scale = 10f64.powi(d);
        ((v * scale).round() / scale - v).abs() <= 1e-9 * span
    };
    let decimals = (0..=4)
        .find(|&d| values.iter().all(|&v| exact(v, d)))
        .unwrap_or(4) as usize;
    let largest = values.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    let scientific = largest >= 1e5 || (largest > 0.0 && largest < 1e-3);
    move |v: &f64| {
        let v = if v.abs() <= 1e-9 * span { 0.0 } else { *v };
        match (scientific, v == 0.0) {
            (true, true) => "0".into(),
            (true, false) => format!("{v:.1e}"),
            _ => format!("{v:.decimals$}"),
        }
    }
}

/// A point's pixel relative to the plotting area.
fn plot_pixel<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    at: &(f64, f64),
) -> (i32, i32) {
    let (base_x, base_y) = chart.plotting_area().get_base_pixel();
    let (x, y) = chart.backend_coord(at);
    (x - base_x, y - base_y)
}

/// Where each note's text goes from its dot (pixels, in a plotting area of size `area`),
/// as offsets for plotters' `Text`: the first of above right, below right, above left and
/// below left that stays inside the area and clear of the notes placed before it (two
/// notes at one point, as the constraint chart's optimum and touching point can be, would
/// write over each other). When none is, above right moved left to fit (text wider than
/// the area starts at its left edge), below the dot at the top. The text is 16 pixels high
/// ([`NOTE_FONT`] plus its line spacing).
fn note_offsets(notes: &[((i32, i32), &str)], area: (i32, i32)) -> Vec<(i32, i32)> {
    const HEIGHT: i32 = 16;
    let mut placed: Vec<(i32, i32, i32)> = Vec::new(); // left, top, width
    let mut offsets = Vec::new();
    for &(dot, text) in notes {
        let width = note_width(text);
        let fits = |(dx, dy): (i32, i32)| {
            let (left, top) = (dot.0 + dx, dot.1 + dy);
            let inside = left >= 0 && top >= 0 && left + width <= area.0 && top + HEIGHT <= area.1;
            let clear = placed.iter().all(|&(l, t, w)| {
                left + width <= l || l + w <= left || top + HEIGHT <= t || t + HEIGHT <= top
            });
            inside && clear
        };
        let candidates = [(8, -HEIGHT), (8, 6), (-8 - width, -HEIGHT), (-8 - width, 6)];
        let offset = candidates
            .into_iter()
            .find(|&c| fits(c))
            .unwrap_or_else(|| {
                let dx = if dot.0 + 8 + width > area.0 {
                    (area.0 - width - dot.0).max(-dot.0)
                } else {
                    8
                };
                (dx, if dot.1 < HEIGHT { 6 } else { -HEIGHT })
            });
        placed.push((dot.0 + offset.0, dot.1 + offset.1, width));
        offsets.push(offset);
    }
    offsets
}

/// The font size of a note's text, in pixels.
const NOTE_FONT: u32 = 13;

/// A note's width in pixels, as the crate's diagrams estimate text.
fn note_width(text: &str) -> i32 {
    super::svg::text_width(text, NOTE_FONT as f64).ceil() as i32
}

/// The pixels the chart's lines, markers and notes cover, relative to the plotting area:
/// every point, points every 3 pixels along each segment, and a row through each note.
fn drawn_pixels<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    spec: &LineChart,
    notes: &[((i32, i32), &str)],
    offsets: &[(i32, i32)],
) -> Vec<(i32, i32)> {
    let mut drawn = Vec::new();
    for series in &spec.series {
        let points: Vec<(i32, i32)> = series.points.iter().map(|p| plot_pixel(chart, p)).collect();
        drawn.extend(points.first());
        for pair in points.windows(2) {
            let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
            let steps = ((bx - ax).abs().max((by - ay).abs()) / 3).clamp(1, 400);
            drawn.extend(
                (1..=steps).map(|k| (ax + (bx - ax) * k / steps, ay + (by - ay) * k / steps)),
            );
        }
    }
    for (&((x, y), text), &(dx, dy)) in notes.iter().zip(offsets) {
        drawn.push((x, y));
        drawn.extend((0..=note_width(text) / 3).map(|k| (x + dx + 3 * k, y + dy + 8)));
    }
    drawn
}

/// The top-left corner (pixels, in a plotting area of size `area`) for a legend box of
/// `size`: the spot where the box, with 4 pixels around it, covers the fewest `drawn`
/// pixels. Spots are tried in order, the first of equals wins: the corner `prefer` names,
/// the other corners (upper right, lower right, upper left, lower left), then a 9 x 9
/// grid over the area. A box larger than the area goes to the preferred corner.
fn legend_spot(
    area: (i32, i32),
    size: (i32, i32),
    drawn: &[(i32, i32)],
    prefer: Legend,
) -> (i32, i32) {
    const GAP: i32 = 5;
    let (right, bottom) = (area.0 - size.0 - GAP, area.1 - size.1 - GAP);
    let corner = |legend| match legend {
        Legend::LowerRight => (right, bottom),
        _ => (right, GAP),
    };
    if right < GAP || bottom < GAP {
        return corner(prefer);
    }
    let corners = [
        corner(prefer),
        (right, GAP),
        (right, bottom),
        (GAP, GAP),
        (GAP, bottom),
    ];
    let grid = (0..=8).flat_map(|j| {
        (0..=8).map(move |i| (GAP + (right - GAP) * i / 8, GAP + (bottom - GAP) * j / 8))
    });
    let covered = |&(x, y): &(i32, i32)| {
        drawn
            .iter()
            .filter(|&&(px, py)| {
                (x - 4..=x + size.0 + 4).contains(&px) && (y - 4..=y + size.1 + 4).contains(&py)
            })
            .count()
    };
    // min_by_key keeps the first of equals
    corners
        .into_iter()
        .chain(grid)
        .min_by_key(covered)
        .unwrap_or(corner(prefer))
}

fn draw_bars(area: &DrawingArea<SVGBackend<'_>, Shift>, spec: &BarChart) -> Result<()> {
    let y_max = if spec.y_max > 0.0 {
        spec.y_max * 1.05
    } else {
        1.0
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&spec.title, (FONT, 15))
        .margin(8)
        .x_label_area_size(34)
        .y_label_area_size(if spec.show_y_labels { 48 } else { 8 })
        .build_cartesian_2d(spec.x_range.0..spec.x_range.1, 0.0..y_max)
        .map_err(plot_error)?;
    let x_format = axis_labels(spec.x_range.0, spec.x_range.1, BAR_TICKS);
    let y_format = axis_labels(0.0, y_max, BAR_COUNT_TICKS);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(spec.x_label.as_str())
        .label_style((FONT, 11))
        .axis_desc_style((FONT, 12))
        .x_labels(BAR_TICKS)
        .x_label_formatter(&x_format)
        .y_labels(BAR_COUNT_TICKS)
        .y_label_formatter(&y_format)
        .disable_mesh();
    if !spec.show_y_labels {
        mesh.y_labels(0);
    }
    mesh.draw().map_err(plot_error)?;
    let fill = spec.color.filled();
    chart
        .draw_series(
            spec.bars
                .iter()
                .map(|&(a, b, h)| Rectangle::new([(a, 0.0), (b, h.min(y_max))], fill)),
        )
        .map_err(plot_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(lo: f64, hi: f64, values: &[f64]) -> Vec<String> {
        let format = axis_labels(lo, hi, LINE_TICKS);
        values.iter().map(format).collect()
    }

    #[test]
    fn tick_labels_use_the_decimals_their_axis_needs() {
        // accuracy: steps of 0.1, one decimal
        assert_eq!(labels(0.0, 1.0, &[0.0, 0.1, 1.0]), ["0.0", "0.1", "1.0"]);
        // layers and iterations: whole numbers
        assert_eq!(labels(-0.5, 10.5, &[0.0, 1.0, 10.0]), ["0", "1", "10"]);
        assert_eq!(labels(0.0, 2000.0, &[0.0, 200.0]), ["0", "200"]);
        // steps of 0.5 and of 0.05
        assert_eq!(labels(0.0, 2.6, &[0.0, 0.5, 2.5]), ["0.0", "0.5", "2.5"]);
        assert_eq!(
            labels(0.0, 0.3, &[0.0, 0.05, 0.15000000000000002]),
            ["0.00", "0.05", "0.15"]
        );
        // a tick that float arithmetic left next to zero (tanh's axis showed -2.2e-16)
        assert_eq!(labels(-1.1, 1.1, &[-2.2e-16, 0.2]), ["0.0", "0.2"]);
        assert_eq!(labels(0.0, 4e5, &[0.0, 2e5]), ["0", "2.0e5"]);
        assert_eq!(labels(0.0, 4e-4, &[0.0, 2e-4]), ["0", "2.0e-4"]);
    }

    #[test]
    fn lines_are_cut_at_the_border() {
        let (x, y) = ((0.0, 10.0), (0.0, 10.0));
        // inside: unchanged, one piece
        let inside = vec![(1.0, 1.0), (2.0, 5.0), (9.0, 9.0)];
        assert_eq!(clip_polyline(&inside, x, y), vec![inside.clone()]);
        // out through the right border and back: two pieces ending on it
        let out_and_back = [(8.0, 5.0), (12.0, 5.0), (12.0, 7.0), (8.0, 7.0)];
        assert_eq!(
            clip_polyline(&out_and_back, x, y),
            vec![vec![(8.0, 5.0), (10.0, 5.0)], vec![(10.0, 7.0), (8.0, 7.0)]]
        );
        // a diagonal coming in through the left border
        let cut = clip_polyline(&[(-2.0, 8.0), (4.0, 2.0)], x, y);
        assert_eq!(cut.len(), 1);
        let [(ax, ay), (bx, by)] = cut[0][..] else {
            panic!("{cut:?}")
        };
        assert!(ax.abs() < 1e-12 && (ay - 6.0).abs() < 1e-12 && (bx, by) == (4.0, 2.0));
        assert_eq!(
            clip_polyline(&[(-5.0, 5.0), (15.0, 5.0)], x, y),
            vec![vec![(0.0, 5.0), (10.0, 5.0)]]
        );
        // entirely outside, and single points
        assert!(clip_polyline(&[(11.0, 0.0), (20.0, 5.0)], x, y).is_empty());
        assert_eq!(clip_polyline(&[(5.0, 5.0)], x, y), vec![vec![(5.0, 5.0)]]);
        assert!(clip_polyline(&[(50.0, 5.0)], x, y).is_empty());
    }

    #[test]
    fn notes_stay_inside_the_plotting_area_and_apart() {
        let area = (400, 300);
        // "max 1.0000 at u = 0.00": 22 characters, about 166 pixels
        let text = "max 1.0000 at u = 0.00";
        let one = |dot| note_offsets(&[(dot, text)], area)[0];
        assert_eq!(one((100, 150)), (8, -16));
        // at the top (tanh' peaks there): below the dot, not into the title
        assert_eq!(one((100, 4)), (8, 6));
        // at the right edge: to the left of the dot
        assert_eq!(one((380, 150)), (-8 - note_width(text), -16));
        // wider than the area: starts at its left edge
        assert_eq!(
            note_offsets(&[((50, 150), &"x".repeat(100))], area)[0].0,
            -50
        );
        // two notes at one point (an optimum inside the region is its own touching point):
        // the second goes below
        let both = note_offsets(&[((100, 150), "w*"), ((101, 151), "(0.400, 0.300)")], area);
        assert_eq!(both, vec![(8, -16), (8, 6)]);
    }

    #[test]
    fn the_legend_moves_off_the_lines() {
        let (area, size) = ((500, 300), (200, 60));
        let hidden = |spot: (i32, i32), drawn: &[(i32, i32)]| {
            drawn
                .iter()
                .filter(|&&(x, y)| {
                    (spot.0 - 4..=spot.0 + size.0 + 4).contains(&x)
                        && (spot.1 - 4..=spot.1 + size.1 + 4).contains(&y)
                })
                .count()
        };
        // nothing drawn: the preferred corner
        assert_eq!(legend_spot(area, size, &[], Legend::LowerRight), (295, 235));
        assert_eq!(legend_spot(area, size, &[], Legend::UpperRight), (295, 5));
        // a line along the bottom (chance level on an accuracy chart): the other lower
        // corners are covered too, so the upper right
        let bottom: Vec<(i32, i32)> = (0..500).map(|x| (x, 280)).collect();
        assert_eq!(
            legend_spot(area, size, &bottom, Legend::LowerRight),
            (295, 5)
        );
        // lines along the bottom and the top and one rising on the left: a free spot
        // in between, hiding nothing
        let mut busy = bottom.clone();
        busy.extend((0..500).map(|x| (x, 10)));
        busy.extend((0..300).map(|y| (20, y)));
        let spot = legend_spot(area, size, &busy, Legend::LowerRight);
        assert_eq!(hidden(spot, &busy), 0, "{spot:?}");
        // everything covered: the spot that hides the fewest pixels
        let dense: Vec<(i32, i32)> = (0..500)
            .flat_map(|x| (0..300).map(move |y| (x, y)))
            .filter(|&(x, y)| x < 250 || y < 150 || (x + y) % 7 == 0)
            .collect();
        let spot = legend_spot(area, size, &dense, Legend::UpperRight);
        let least = (0..=8)
            .flat_map(|j| (0..=8).map(move |i| (5 + 290 * i / 8, 5 + 230 * j / 8)))
            .map(|s| hidden(s, &dense))
            .min()
            .unwrap();
        assert_eq!(hidden(spot, &dense), least);
        // a legend larger than the area stays in its corner
        assert_eq!(
            legend_spot((100, 50), size, &bottom, Legend::UpperRight),
            (-105, 5)
        );
    }
}
