//! The sliding window animated (SMIL in the SVG itself, no JavaScript).

use std::fmt::Write as _;

use ndarray::Array4;

use super::super::palette::{fill, stroke};
use super::super::svg::{short, Cells, Diagram};
use super::super::Figure;
use super::{drawable_geometry, padded_cells};
use crate::conv::{im2col, zero_pad};
use crate::error::Result;

/// Seconds each window position is shown.
const STEP: f64 = 0.8;

/// An animated SVG: the window slides over sample 0's padded input and, in step, its values
/// fill the matching im2col row.
pub fn im2col_animation(
    x: &Array4<f64>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Figure> {
    let g = drawable_geometry(x, (filter_h, filter_w, stride, pad), 1, None)?;
    let positions = g.out_h * g.out_w;
    let g = drawable_geometry(
        x,
        (filter_h, filter_w, stride, pad),
        1,
        Some((positions, g.patch_len())),
    )?;
    let first = x.slice(ndarray::s![..1, .., .., ..]);
    let col = im2col(&first, filter_h, filter_w, stride, pad)?;
    let padded = zero_pad(&first, pad)?;
    let cell = 26.0;
    let total = STEP * positions as f64;
    let key_times: Vec<String> = (0..positions)
        .map(|k| format!("{:.4}", k as f64 / positions as f64))
        .collect();
    // the window: a rectangle whose x and y jump from position to position
    let mut input = padded_cells("padded input, sample 0, channel 0", &padded, 0, pad, cell);
    input.overlay = Some(format!(
        r##"<rect x="{{x}}" y="{{y}}" width="{w}" height="{h}" fill="{f}" fill-opacity="0.35" stroke="{s}" stroke-width="3"><animateTransform attributeName="transform" type="translate" values="{v}" keyTimes="{t}" calcMode="discrete" dur="{total}s" repeatCount="indefinite"/></rect>"##,
        w = g.filter_w as f64 * cell,
        h = g.filter_h as f64 * cell,
        f = fill(0),
        s = stroke(0),
        v = g
            .window_origins()
            .map(|(i, j)| format!("{} {}", j as f64 * cell, i as f64 * cell))
            .collect::<Vec<_>>()
            .join(";"),
        t = key_times.join(";"),
    ));
    let mut rows = Cells::new(
        "im2col rows, filled as the window reaches them",
        positions,
        g.patch_len(),
        cell,
    )
    .fill(|i, _| fill(i))
    .text(|i, j| short(col[[i, j]]));
    // row r appears at its window's turn: a white cover over it vanishes then
    let mut covers = String::new();
    for r in 1..positions {
        let appear = r as f64 / positions as f64;
        let _ = write!(
            covers,
            r#"<rect x="{{x}}" y="{{y}}" transform="translate(0 {dy})" width="{w}" height="{c}" fill="white"><animate attributeName="opacity" values="1;0" keyTimes="0;{appear:.4}" calcMode="discrete" dur="{total}s" repeatCount="indefinite"/></rect>"#,
            dy = r as f64 * cell,
            w = g.patch_len() as f64 * cell,
            c = cell
        );
    }
    rows.overlay = Some(covers);
    let diagram = Diagram::new(format!(
        "the window slides, its values become row k of im2col ({})",
        g.formula()
    ))
    .row(vec![input, rows]);
    let text = format!("animation: {positions} window positions, {STEP} s each; im2col rows of sample 0 fill in order");
    Figure::from_svg(diagram.render(), text)
}
