//! Max pooling drawn: each window in its colour, its maximum framed, the output beside it.

use ndarray::{Array2, Array4};

use super::super::palette::{fill, stroke};
use super::super::svg::{short, Cells, Diagram, Outline};
use super::super::Figure;
use super::drawable_geometry;
use crate::conv::max_pool;
use crate::error::Result;

/// Max pooling on sample 0, channel 0: each window coloured (a pixel takes the colour of
/// the first window that reads it), its maximum framed, and the pooled output beside it.
pub fn pooling_diagram(
    x: &Array4<f64>,
    pool_h: usize,
    pool_w: usize,
    stride: usize,
) -> Result<Figure> {
    let g = drawable_geometry(x, (pool_h, pool_w, stride, 0), 2, None)?;
    let first = x.slice(ndarray::s![..1, ..1, .., ..]);
    let (out, arg_max) = max_pool(&first, pool_h, pool_w, stride, 0)?;
    let (_, _, h, w) = first.dim();
    let mut owner = Array2::from_elem((h, w), None::<usize>);
    let mut maxima = Vec::new();
    for (p, (top, left)) in g.window_origins().enumerate() {
        for (_, y, x) in g.window_offsets().filter(|&(c, _, _)| c == 0) {
            owner[[top + y, left + x]].get_or_insert(p);
        }
        let k = arg_max.as_slice().expect("owned")[p] as usize;
        maxima.push((top + k / pool_w, left + k % pool_w));
    }
    let cell = 32.0;
    let mut input = Cells::new("input (sample 0, channel 0)", h, w, cell)
        .fill(|i, j| owner[[i, j]].map_or("white".into(), fill))
        .text(|i, j| short(first[[0, 0, i, j]]));
    for (p, &(top, left)) in maxima.iter().enumerate() {
        input = input.outline(Outline {
            top,
            left,
            rows: 1,
            cols: 1,
            color: stroke(p),
            inset: 2.0,
        });
    }
    let out: Array4<f64> = out;
    let output = Cells::new("output", g.out_h, g.out_w, cell)
        .fill(|i, j| fill(i * g.out_w + j))
        .text(|i, j| short(out[[0, 0, i, j]]));
    let diagram = Diagram::new(format!(
        "max pooling {pool_h}x{pool_w}, stride {stride}: {}",
        g.formula()
    ))
    .row(vec![input, output]);
    Figure::from_svg(
        diagram.render(),
        format!("{}; maxima at {maxima:?}", g.formula()),
    )
}
