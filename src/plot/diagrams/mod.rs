//! Diagrams of Lesson 4, one file each: the windows on the padded input, im2col with and
//! without the transpose, col2im's window counts, pooling, a whole convolution with its
//! channels, the flattened image, and the sliding window animated.
//!
//! Each describes its grids ([`Cells`]) and leaves the placing to [`Diagram`]; window
//! positions come from [`ConvGeometry`], values from the crate's own im2col, col2im and
//! pooling, so a diagram shows what the layers compute.

mod animation;
mod channels;
mod col2im;
mod flatten;
mod im2col;
mod pooling;
mod windows;

pub use animation::im2col_animation;
pub use channels::convolution_diagram;
pub use col2im::col2im_diagram;
pub use flatten::flatten_diagram;
pub use im2col::{im2col_diagram, im2col_table};
pub use pooling::pooling_diagram;
pub use windows::convolution_windows;

use ndarray::{ArrayBase, Data, Ix4};

use super::palette::PAD_FILL;
use super::svg::{check_cells, short, Cells, Outline};
use crate::error::{Error, Result};
use crate::geometry::ConvGeometry;

/// The diagrams draw sample 0: an error unless `x` has a sample and a channel.
fn check_sample<S: Data<Elem = f64>>(x: &ArrayBase<S, Ix4>) -> Result<()> {
    let (n, c, h, w) = x.dim();
    if n == 0 || c == 0 || h == 0 || w == 0 {
        return Err(Error::Geometry(format!(
            "x has shape ({n}, {c}, {h}, {w}): a diagram needs at least one sample, channel, row and column"
        )));
    }
    Ok(())
}

/// The geometry of `x`'s windows, refused if drawing `copies` padded inputs and `rows` ×
/// `cols` matrix cells besides would be more than a diagram draws.
fn drawable_geometry<S: Data<Elem = f64>>(
    x: &ArrayBase<S, Ix4>,
    (filter_h, filter_w, stride, pad): (usize, usize, usize, usize),
    copies: usize,
    matrix: Option<(usize, usize)>,
) -> Result<ConvGeometry> {
    check_sample(x)?;
    let g = ConvGeometry::new(x.dim(), filter_h, filter_w, stride, pad)?;
    let (hp, wp) = g.padded_size();
    let input = hp
        .checked_mul(wp)
        .and_then(|p| p.checked_mul(copies * g.input_shape.1));
    let matrix = matrix.map_or(Some(0), |(r, c)| r.checked_mul(c));
    check_cells(
        input.zip(matrix).and_then(|(a, b)| a.checked_add(b)),
        "diagram size",
    )?;
    Ok(g)
}

/// Channel `channel` of sample 0 of the padded input `padded` (N, C, Hp, Wp): padding
/// cells grey, every value written.
fn padded_cells<'a, S: Data<Elem = f64>>(
    label: impl Into<String>,
    padded: &'a ArrayBase<S, Ix4>,
    channel: usize,
    pad: usize,
    cell: f64,
) -> Cells<'a> {
    let (_, _, hp, wp) = padded.dim();
    let inside = move |i: usize, j: usize| i >= pad && j >= pad && i < hp - pad && j < wp - pad;
    Cells::new(label, hp, wp, cell)
        .fill(move |i, j| {
            if inside(i, j) {
                "white".into()
            } else {
                PAD_FILL.into()
            }
        })
        .text(move |i, j| short(padded[[0, channel, i, j]]))
}

/// The outline of window `p` (in im2col's row order) of `g`.
fn window_outline(g: &ConvGeometry, p: usize, color: String, inset: f64) -> Outline {
    let (top, left) = g.window_origins().nth(p).unwrap_or((0, 0));
    Outline {
        top,
        left,
        rows: g.filter_h,
        cols: g.filter_w,
        color,
        inset,
    }
}
