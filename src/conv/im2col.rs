//! im2col and col2im exactly as the course lays them out.
//!
//! im2col turns every window position into one row: rows are ordered (n, oh, ow), columns
//! (c, filter row, filter column), the order of `W.reshape(FN, -1)`, so that
//! `im2col(x) · W.reshape(FN, -1)ᵀ` is the convolution. col2im is its adjoint: it adds
//! every row back at its window, so overlapping windows add up.

use ndarray::{Array2, Array4, ArrayView2, ArrayView4};

use super::geometry::ConvGeometry;
use super::image::zero_pad;
use crate::error::{Error, Result};

/// The rows of windows: (N, C, H, W) → (N·OH·OW, C·FH·FW).
///
/// ```
/// use dl_lessons::{conv::im2col, ndarray::Array4};
/// let x = Array4::from_shape_fn((1, 1, 3, 3), |(_, _, y, x)| (3 * y + x) as f64);
/// let col = im2col(&x, 2, 2, 1, 0).unwrap();
/// assert_eq!(col.dim(), (4, 4));
/// assert_eq!(col.row(0).to_vec(), vec![0.0, 1.0, 3.0, 4.0]); // the top-left 2x2 window
/// ```
pub fn im2col(
    x: &Array4<f64>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array2<f64>> {
    let mut col = Vec::new();
    let g = im2col_into(x.view(), filter_h, filter_w, stride, pad, &mut col)?;
    Ok(Array2::from_shape_vec(g.col_shape(), col).expect("sizes match"))
}

/// [`im2col`] written into `col` (cleared first, its allocation reused), for layers that
/// run it at every step.
pub(crate) fn im2col_into(
    x: ArrayView4<'_, f64>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
    col: &mut Vec<f64>,
) -> Result<ConvGeometry> {
    let g = ConvGeometry::new(x.dim(), filter_h, filter_w, stride, pad)?;
    let c = x.dim().1;
    // Without padding the input is read in place; otherwise from a zero-padded copy.
    let padded;
    let img = if pad == 0 {
        x.as_standard_layout()
    } else {
        padded = zero_pad(&x.to_owned(), pad);
        padded.view().into()
    };
    let img = img.as_slice().expect("standard layout");
    let (hp, wp) = (g.input_shape.2 + 2 * pad, g.input_shape.3 + 2 * pad);
    let (rows, cols) = g.col_shape();
    col.clear();
    col.reserve(rows * cols);
    // Where each value of a row comes from, relative to its window's top-left pixel:
    // (c, filter row, filter column) → c·Hp·Wp + y·Wp + x. A gather through this table
    // writes every row in one sequential pass (a memcpy call per 3-pixel run is slower).
    let offsets: Vec<usize> = (0..c)
        .flat_map(|ch| {
            (0..filter_h).flat_map(move |y| (0..filter_w).map(move |x| (ch * hp + y) * wp + x))
        })
        .collect();
    for sample in 0..g.input_shape.0 {
        let img = &img[sample * c * hp * wp..][..c * hp * wp];
        for i in 0..g.out_h {
            for j in 0..g.out_w {
                let window = &img[i * stride * wp + j * stride..];
                col.extend(offsets.iter().map(|&o| window[o]));
            }
        }
    }
    Ok(g)
}

/// What the course's im2col returns when its transpose line is commented out: the same
/// shape, but the 6-D buffer (N, C, FH, FW, OH, OW) is cut into rows in that order, so a row
/// is no longer a window (the values are the same, their places are scrambled).
///
/// ```
/// use dl_lessons::{conv::{im2col, im2col_without_transpose}, ndarray::Array4};
/// let x = Array4::from_shape_fn((1, 1, 3, 4), |(_, _, y, x)| (4 * y + x) as f64);
/// let scrambled = im2col_without_transpose(&x, 2, 2, 1, 0).unwrap();
/// assert_eq!(scrambled.dim(), (6, 4));
/// // filter offset (0, 0) seen at the 6 window positions, cut into rows of 4
/// assert_eq!(scrambled.row(0).to_vec(), vec![0.0, 1.0, 2.0, 4.0]);
/// assert_eq!(im2col(&x, 2, 2, 1, 0).unwrap().row(0).to_vec(), vec![0.0, 1.0, 4.0, 5.0]);
/// ```
pub fn im2col_without_transpose(
    x: &Array4<f64>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array2<f64>> {
    let g = ConvGeometry::new(x.dim(), filter_h, filter_w, stride, pad)?;
    let (n, c, _, _) = x.dim();
    let img = zero_pad(x, pad);
    let mut buffer = Vec::with_capacity(n * c * filter_h * filter_w * g.out_h * g.out_w);
    for sample in 0..n {
        for ch in 0..c {
            for y in 0..filter_h {
                for xx in 0..filter_w {
                    for i in 0..g.out_h {
                        for j in 0..g.out_w {
                            buffer.push(img[[sample, ch, y + stride * i, xx + stride * j]]);
                        }
                    }
                }
            }
        }
    }
    Ok(Array2::from_shape_vec(g.col_shape(), buffer).expect("sizes match"))
}

/// Adds every row of `col` back at its window: (N·OH·OW, C·FH·FW) → (N, C, H, W).
/// Pixels covered by several windows receive the sum, so `col2im(im2col(x))` is x times
/// each pixel's window count; it is the adjoint of im2col, not its inverse.
///
/// ```
/// use dl_lessons::{conv::{col2im, im2col}, ndarray::Array4};
/// let x = Array4::ones((1, 1, 3, 3));
/// let counts = col2im(&im2col(&x, 2, 2, 1, 0).unwrap(), (1, 1, 3, 3), 2, 2, 1, 0).unwrap();
/// assert_eq!(counts.into_raw_vec_and_offset().0, vec![1.0, 2.0, 1.0, 2.0, 4.0, 2.0, 1.0, 2.0, 1.0]);
/// ```
pub fn col2im(
    col: &Array2<f64>,
    input_shape: (usize, usize, usize, usize),
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array4<f64>> {
    col2im_view(col.view(), input_shape, filter_h, filter_w, stride, pad)
}

/// [`col2im`] of a view (a layer's reused buffer).
pub(crate) fn col2im_view(
    col: ArrayView2<'_, f64>,
    input_shape: (usize, usize, usize, usize),
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array4<f64>> {
    let g = ConvGeometry::new(input_shape, filter_h, filter_w, stride, pad)?;
    if col.dim() != g.col_shape() {
        return Err(Error::Geometry(format!(
            "col has shape {:?} but input {input_shape:?} with filter {filter_h}x{filter_w}, stride {stride}, pad {pad} gives {:?}",
            col.dim(),
            g.col_shape()
        )));
    }
    let (n, c, h, w) = input_shape;
    let (hp, wp) = (h + 2 * pad, w + 2 * pad);
    let mut img = vec![0.0; n * c * hp * wp];
    let col = col.as_standard_layout();
    let col = col.as_slice().expect("standard layout");
    let cols = g.patch_len();
    for (r, row) in col.chunks_exact(cols).enumerate() {
        let (sample, i, j) = (
            r / (g.out_h * g.out_w),
            (r / g.out_w) % g.out_h,
            r % g.out_w,
        );
        let mut k = 0;
        for ch in 0..c {
            let base = (sample * c + ch) * hp * wp;
            for y in 0..filter_h {
                let start = base + (i * stride + y) * wp + j * stride;
                for (dst, src) in img[start..start + filter_w]
                    .iter_mut()
                    .zip(&row[k..k + filter_w])
                {
                    *dst += src;
                }
                k += filter_w;
            }
        }
    }
    let padded = Array4::from_shape_vec((n, c, hp, wp), img).expect("sizes match");
    Ok(padded
        .slice(ndarray::s![.., .., pad..pad + h, pad..pad + w])
        .to_owned())
}
