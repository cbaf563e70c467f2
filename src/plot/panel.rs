//! One chart area: line charts (with markers, bands and notes) and bar charts, described
//! as plain data and drawn by plotters.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::figure::plot_error;
use crate::error::Result;

/// The tab10 palette: distinguishable colours for up to ten series.
pub(crate) const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Contour lines and other background lines.
pub(crate) const LIGHT_GRAY: RGBColor = RGBColor(200, 200, 210);
/// Marks such as the minimum of a function.
pub(crate) const BLACK: RGBColor = RGBColor(0, 0, 0);

pub(crate) fn color(i: usize) -> RGBColor {
    COLORS[i % COLORS.len()]
}

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

/// Where the legend goes.
#[derive(Clone, Copy, Debug)]
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

const FONT: &str = "sans-serif";

pub(crate) fn draw_panel(area: &DrawingArea<SVGBackend<'_>, Shift>, panel: &Panel) -> Result<()> {
    match panel {
        Panel::Line(chart) => draw_lines(area, chart),
        Panel::Bars(chart) => draw_bars(area, chart),
    }
}

/// The range covering all points, padded by 5%, or `fixed` when given.
fn extent(fixed: Option<(f64, f64)>, values: impl Iterator<Item = f64>) -> (f64, f64) {
    if let Some(range) = fixed {
        return range;
    }
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.5 };
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
        .y_label_area_size(52)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(plot_error)?;
    let log10 = spec.log10_y;
    // Whole numbers on wide axes (iterations), two decimals on narrow ones.
    let x_format = move |v: &f64| {
        if x1 - x0 >= 20.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    let y_format = move |v: &f64| {
        if log10 {
            format!("1e{v:.0}")
        } else {
            format!("{v:.2}")
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
        let points = series
            .points
            .iter()
            .copied()
            .filter(|p| p.0.is_finite() && p.1.is_finite());
        let drawn = if series.dashed {
            chart
                .draw_series(DashedLineSeries::new(points, 6, 4, style))
                .map_err(plot_error)?
        } else {
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(plot_error)?
        };
        if let Some(label) = &series.label {
            let color = series.color;
            drawn.label(label.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
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
    for note in &spec.notes {
        let style = note.color.filled();
        chart
            .draw_series(std::iter::once(Circle::new(note.at, 4, style)))
            .map_err(plot_error)?;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at(note.at)
                    + Text::new(note.text.clone(), (8, -16), (FONT, 13).into_font()),
            ))
            .map_err(plot_error)?;
    }
    let position = match spec.legend {
        Legend::None => None,
        Legend::UpperRight => Some(SeriesLabelPosition::UpperRight),
        Legend::LowerRight => Some(SeriesLabelPosition::LowerRight),
    };
    if let Some(position) = position {
        if spec.series.iter().any(|s| s.label.is_some()) {
            chart
                .configure_series_labels()
                .position(position)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .label_font((FONT, 12))
                .draw()
                .map_err(plot_error)?;
        }
    }
    Ok(())
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
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(spec.x_label.as_str())
        .label_style((FONT, 11))
        .axis_desc_style((FONT, 12))
        .x_labels(5)
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
                .map(|&(a, b, h)| Rectangle::new([(a, 0.0), (b, h)], fill)),
        )
        .map_err(plot_error)?;
    Ok(())
}
