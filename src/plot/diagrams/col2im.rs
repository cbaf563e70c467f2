//! col2im drawn: what adding every im2col row back at its window gives.

use ndarray::{Array4, Axis};

use super::super::svg::{short, Cells, Diagram};
use super::super::Figure;
use super::drawable_geometry;
use crate::conv::{col2im, im2col};
use crate::error::Result;

/// `x`, each pixel's window count, and col2im(im2col(x)) = x · count, for sample 0 channel 0.
pub fn col2im_diagram(
    x: &Array4<f64>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Figure> {
    let g = drawable_geometry(x, (filter_h, filter_w, stride, pad), 3, None)?;
    let first = x.slice(ndarray::s![..1, ..1, .., ..]).to_owned();
    let shape = first.dim();
    let round_trip = |x: &Array4<f64>| -> Result<Array4<f64>> {
        col2im(
            &im2col(x, filter_h, filter_w, stride, pad)?,
            shape,
            filter_h,
            filter_w,
            stride,
            pad,
        )
    };
    let back = round_trip(&first)?;
    let counts = round_trip(&Array4::ones(shape))?;
    let (_, _, h, w) = shape;
    let cell = 30.0;
    let max_count = counts.iter().copied().fold(1.0, f64::max);
    let shade = |v: f64| format!("rgb({0},{0},255)", (255.0 - 150.0 * v / max_count) as u8);
    let values = |label: &str, values: &Array4<f64>| {
        let values = values.clone();
        Cells::new(label, h, w, cell).text(move |i, j| short(values[[0, 0, i, j]]))
    };
    let diagram = Diagram::new(g.formula()).row(vec![
        values("x (sample 0, channel 0)", &first),
        values("windows covering each pixel", &counts).fill(|i, j| shade(counts[[0, 0, i, j]])),
        values("col2im(im2col(x))", &back),
    ]);
    let rows: Vec<Vec<f64>> = counts
        .index_axis(Axis(0), 0)
        .index_axis(Axis(0), 0)
        .rows()
        .into_iter()
        .map(|r| r.to_vec())
        .collect();
    let text = format!(
        "window counts of sample 0: {rows:?}; col2im(im2col(x)) {} x",
        if back == first { "equals" } else { "is not" }
    );
    Figure::from_svg(diagram.render(), text)
}
