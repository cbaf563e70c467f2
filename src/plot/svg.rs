//! Diagrams of cells, written as SVG directly: plotters draws charts with axes; a diagram
//! is a few labelled grids of numbers side by side, which is simpler as rectangles and text.
//!
//! A diagram describes what it shows: its grids ([`Cells`]: size, each cell's fill and
//! text, outlined windows) in rows, a legend, a title. [`Diagram::render`] places them and
//! writes the SVG, so no diagram computes a coordinate of its own.

use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::table::escape;

/// The most cells a diagram draws: eight 24×24 feature maps beside their 28×28 input
/// (5,392) or sixteen 28×28 digits (12,544) fit; more would not be readable, and the SVG
/// (about 80 bytes a cell) would grow past what a browser shows quickly.
pub(crate) const MAX_CELLS: usize = 20_000;

/// Refuses a diagram of `cells` cells, naming what decides its size.
pub(crate) fn check_cells(cells: Option<usize>, what: &str) -> Result<()> {
    match cells {
        Some(n) if n <= MAX_CELLS => Ok(()),
        _ => Err(Error::param(
            what,
            cells.map_or("too many to count".into(), |n| format!("{n} cells")),
            format!(
                "a diagram draws at most {MAX_CELLS} cells: choose a smaller input, filter or pad"
            ),
        )),
    }
}

/// A window outlined on a grid: `rows` × `cols` cells from (`top`, `left`).
#[derive(Clone, Debug)]
pub(crate) struct Outline {
    pub top: usize,
    pub left: usize,
    pub rows: usize,
    pub cols: usize,
    pub color: String,
    /// How far inside the cells' edge the outline runs (nested outlines stay visible).
    pub inset: f64,
}

/// A labelled grid of cells.
pub(crate) struct Cells<'a> {
    pub label: String,
    pub rows: usize,
    pub cols: usize,
    pub cell: f64,
    pub fill: Box<dyn Fn(usize, usize) -> String + 'a>,
    pub text: Box<dyn Fn(usize, usize) -> String + 'a>,
    pub outlines: Vec<Outline>,
    /// Raw SVG drawn over the grid, with `{x}` and `{y}` standing for its top-left corner
    /// (the animated window).
    pub overlay: Option<String>,
    /// Thin lines between cells (off for pictures).
    pub borders: bool,
}

impl<'a> Cells<'a> {
    /// A grid whose cells are all white and empty.
    pub fn new(label: impl Into<String>, rows: usize, cols: usize, cell: f64) -> Cells<'a> {
        Cells {
            label: label.into(),
            rows,
            cols,
            cell,
            fill: Box::new(|_, _| "white".into()),
            text: Box::new(|_, _| String::new()),
            outlines: Vec::new(),
            overlay: None,
            borders: true,
        }
    }

    /// An image: `values` (H, W) as grey squares of `pixel` size without borders, white for
    /// the smallest value and black for the largest (matplotlib's `gray_r`).
    pub fn image(
        label: impl Into<String>,
        values: ndarray::ArrayView2<'a, f64>,
        pixel: f64,
    ) -> Cells<'a> {
        let finite = || values.iter().copied().filter(|v| v.is_finite());
        let low = finite().fold(f64::INFINITY, f64::min);
        let high = finite().fold(f64::NEG_INFINITY, f64::max);
        let span = if high > low { high - low } else { 1.0 };
        let (rows, cols) = values.dim();
        let mut cells = Cells::new(label, rows, cols, pixel).fill(move |i, j| {
            let v = values[[i, j]];
            let level = if v.is_finite() {
                (255.0 * (1.0 - (v - low) / span)).round() as u8
            } else {
                255
            };
            format!("#{level:02x}{level:02x}{level:02x}")
        });
        cells.borders = false;
        cells
    }

    pub fn fill(mut self, fill: impl Fn(usize, usize) -> String + 'a) -> Self {
        self.fill = Box::new(fill);
        self
    }

    pub fn text(mut self, text: impl Fn(usize, usize) -> String + 'a) -> Self {
        self.text = Box::new(text);
        self
    }

    pub fn outline(mut self, outline: Outline) -> Self {
        self.outlines.push(outline);
        self
    }

    fn width(&self) -> f64 {
        (self.cols as f64 * self.cell).max(text_width(&self.label, LABEL_SIZE))
    }

    fn height(&self) -> f64 {
        self.rows as f64 * self.cell
    }
}

const TITLE_SIZE: f64 = 14.0;
const LABEL_SIZE: f64 = 12.0;
const MARGIN: f64 = 20.0;
const GAP: f64 = 40.0;

/// A title, rows of grids, and a legend of coloured swatches, laid out top to bottom.
pub(crate) struct Diagram<'a> {
    title: String,
    rows: Vec<Vec<Cells<'a>>>,
    legend: Vec<(String, String, String)>,
}

impl<'a> Diagram<'a> {
    pub fn new(title: impl Into<String>) -> Diagram<'a> {
        Diagram {
            title: title.into(),
            rows: Vec::new(),
            legend: Vec::new(),
        }
    }

    /// A row of grids, left to right.
    pub fn row(mut self, grids: Vec<Cells<'a>>) -> Self {
        self.rows.push(grids);
        self
    }

    /// A legend entry: a swatch of `fill` framed in `stroke`, then `label`.
    pub fn legend(
        mut self,
        label: impl Into<String>,
        fill: impl Into<String>,
        stroke: impl Into<String>,
    ) -> Self {
        self.legend.push((label.into(), fill.into(), stroke.into()));
        self
    }

    /// The SVG document.
    pub fn render(self) -> String {
        let cells: usize = self.rows.iter().flatten().map(|g| g.rows * g.cols).sum();
        let mut body = String::with_capacity(200 * cells + 1000);
        let mut width = MARGIN + text_width(&self.title, TITLE_SIZE) + MARGIN;
        let mut y = MARGIN + TITLE_SIZE;
        text(&mut body, MARGIN, y - 4.0, &self.title, TITLE_SIZE, "start");
        y += 14.0;
        for row in &self.rows {
            let mut x = MARGIN;
            let label_y = y + LABEL_SIZE;
            let top = label_y + 10.0;
            let mut bottom = top;
            for grid in row {
                text(&mut body, x, label_y, &grid.label, LABEL_SIZE, "start");
                draw_grid(&mut body, x, top, grid);
                x += grid.width() + GAP;
                bottom = bottom.max(top + grid.height());
            }
            width = width.max(x - GAP + MARGIN);
            y = bottom + 16.0;
        }
        if !self.legend.is_empty() {
            let mut x = MARGIN;
            y += 6.0;
            for (label, fill, stroke) in &self.legend {
                swatch(&mut body, x, y - 6.0, fill, stroke);
                text(&mut body, x + 18.0, y, label, LABEL_SIZE, "start");
                x += 30.0 + text_width(label, LABEL_SIZE);
            }
            width = width.max(x + MARGIN);
            y += 14.0;
        }
        let height = y + MARGIN / 2.0;
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}"><rect width="100%" height="100%" fill="white"/>{body}</svg>"#
        )
    }
}

fn draw_grid(body: &mut String, x0: f64, y0: f64, grid: &Cells<'_>) {
    let size = (grid.cell * 0.36).clamp(7.0, 13.0);
    let border = if grid.borders {
        r##" stroke="#888" stroke-width="0.5""##
    } else {
        body.push_str(r#"<g shape-rendering="crispEdges">"#); // no seams between pixels
        ""
    };
    for i in 0..grid.rows {
        for j in 0..grid.cols {
            let (x, y) = (x0 + j as f64 * grid.cell, y0 + i as f64 * grid.cell);
            let _ = write!(
                body,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{c:.2}" height="{c:.2}" fill="{}"{border}/>"#,
                (grid.fill)(i, j),
                c = grid.cell
            );
            let t = (grid.text)(i, j);
            if !t.is_empty() {
                text(
                    body,
                    x + grid.cell / 2.0,
                    y + grid.cell / 2.0,
                    &t,
                    size,
                    "middle",
                );
            }
        }
    }
    if !grid.borders {
        body.push_str("</g>");
    }
    for o in &grid.outlines {
        let _ = write!(
            body,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="{}" stroke-width="3"/>"#,
            x0 + o.left as f64 * grid.cell + o.inset,
            y0 + o.top as f64 * grid.cell + o.inset,
            o.cols as f64 * grid.cell - 2.0 * o.inset,
            o.rows as f64 * grid.cell - 2.0 * o.inset,
            o.color
        );
    }
    if let Some(overlay) = &grid.overlay {
        body.push_str(
            &overlay
                .replace("{x}", &format!("{x0:.1}"))
                .replace("{y}", &format!("{y0:.1}")),
        );
    }
}

/// A free drawing of rectangles and text (the network diagram), for pictures that are not
/// grids.
pub(crate) struct Canvas {
    width: f64,
    height: f64,
    body: String,
}

impl Canvas {
    pub fn new(width: f64, height: f64) -> Canvas {
        Canvas {
            width,
            height,
            body: String::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: &str) {
        let _ = write!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}" stroke="{stroke}" stroke-width="0.8"/>"#
        );
    }

    pub fn text(&mut self, x: f64, y: f64, label: &str, size: f64, anchor: &str) {
        text(&mut self.body, x, y, label, size, anchor);
    }

    pub fn finish(self) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}"><rect width="100%" height="100%" fill="white"/>{}</svg>"#,
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

fn text(body: &mut String, x: f64, y: f64, text: &str, size: f64, anchor: &str) {
    let _ = write!(
        body,
        r#"<text x="{x:.1}" y="{y:.1}" font-family="sans-serif" font-size="{size}" text-anchor="{anchor}" dominant-baseline="middle">{}</text>"#,
        escape(text)
    );
}

fn swatch(body: &mut String, x: f64, y: f64, fill: &str, stroke: &str) {
    let _ = write!(
        body,
        r#"<rect x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{fill}" stroke="{stroke}" stroke-width="1"/>"#
    );
}

/// About how wide `text` is drawn in a sans-serif font of `size` pixels.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.58
}

/// A number as short as it can be read: integers without decimals, others with two.
pub(crate) fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.is_finite() && (v.abs() >= 1e4 || (v != 0.0 && v.abs() < 1e-2)) {
        format!("{v:.1e}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagram_places_its_grids_and_escapes_its_text() {
        let svg = Diagram::new("a < b")
            .row(vec![
                Cells::new("left", 2, 3, 20.0).text(|i, j| format!("{i}{j}")),
                Cells::new("right", 1, 1, 20.0).fill(|_, _| "#abcdef".into()),
            ])
            .legend("swatch", "#aec7e8", "#1f77b4")
            .render();
        assert!(svg.contains("a &lt; b"));
        assert_eq!(svg.matches(r##"stroke="#888""##).count(), 7); // 6 + 1 cells
        assert!(
            svg.contains(">12</text>") && svg.contains("#abcdef") && svg.contains(">swatch</text>")
        );
        assert!(check_cells(Some(MAX_CELLS + 1), "input").is_err());
        assert!(check_cells(None, "input")
            .unwrap_err()
            .to_string()
            .starts_with("input = too many"));
    }
}
