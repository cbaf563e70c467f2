//! A few SVG primitives for the diagrams (grids of numbers), written directly: plotters
//! draws charts with axes; a diagram of cells is simpler as rectangles and text.

use std::fmt::Write as _;

use crate::table::escape;

/// Pale fills, one per window (tab10 lightened), cycling after ten.
pub(crate) const WINDOW_FILLS: [&str; 10] = [
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
    "#dbdb8d", "#9edae5",
];
/// Strong strokes matching [`WINDOW_FILLS`].
pub(crate) const WINDOW_STROKES: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf",
];

pub(crate) fn window_fill(k: usize) -> &'static str {
    WINDOW_FILLS[k % WINDOW_FILLS.len()]
}

pub(crate) fn window_stroke(k: usize) -> &'static str {
    WINDOW_STROKES[k % WINDOW_STROKES.len()]
}

/// An SVG document being written.
pub(crate) struct Svg {
    width: f64,
    height: f64,
    body: String,
}

impl Svg {
    pub fn new(width: f64, height: f64) -> Svg {
        Svg {
            width,
            height,
            body: String::new(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn rect(
        &mut self,
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        fill: &str,
        stroke: &str,
        stroke_width: f64,
    ) {
        let _ = write!(
            self.body,
            r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"/>"#
        );
    }

    pub fn text(&mut self, x: f64, y: f64, text: &str, size: f64, anchor: &str) {
        let extent = match anchor {
            "middle" => x + text_width(text, size) / 2.0,
            "end" => x,
            _ => x + text_width(text, size),
        };
        self.width = self.width.max(extent + 10.0);
        let _ = write!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" font-family="sans-serif" font-size="{size}" text-anchor="{anchor}" dominant-baseline="middle">{}</text>"#,
            escape(text)
        );
    }

    /// Raw SVG (for animation elements).
    pub fn raw(&mut self, svg: &str) {
        self.body.push_str(svg);
    }

    /// Finishes the document, widened to hold every label.
    pub fn finish(self) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}"><rect width="100%" height="100%" fill="white"/>{}</svg>"#,
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

/// About how wide `text` is drawn in a sans-serif font of `size` pixels.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.58
}

/// A number as short as it can be read: integers without decimals, others with two.
pub(crate) fn short(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e6 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Draws a grid of `rows` × `cols` cells at (x0, y0), each cell's fill and text given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn grid(
    svg: &mut Svg,
    x0: f64,
    y0: f64,
    cell: f64,
    rows: usize,
    cols: usize,
    fill: impl Fn(usize, usize) -> String,
    text: impl Fn(usize, usize) -> String,
) {
    let size = (cell * 0.36).clamp(7.0, 13.0);
    for i in 0..rows {
        for j in 0..cols {
            let (x, y) = (x0 + j as f64 * cell, y0 + i as f64 * cell);
            svg.rect(x, y, cell, cell, &fill(i, j), "#888", 0.5);
            let t = text(i, j);
            if !t.is_empty() {
                svg.text(x + cell / 2.0, y + cell / 2.0, &t, size, "middle");
            }
        }
    }
}
