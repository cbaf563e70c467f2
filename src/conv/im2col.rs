//! im2col and col2im exactly as the course lays them out (`common/functions.py`).
//!
//! im2col turns every window position into one row: rows are ordered (n, oh, ow), columns
//! (c, filter row, filter column), the order of `W.reshape(FN, -1)`, so that
//! `im2col(x) · W.reshape(FN, -1)ᵀ` is the convolution. col2im is its adjoint: it adds
//! every row back at its window, so overlapping windows add up. The gather and the
//! scatter are the crate's shared window primitive (`kernels::windows`).

use std::borrow::Cow;

use ndarray::{s, Array2, Array4, ArrayBase, Data, Ix2, Ix3, Ix4};

use super::image::padded_copy;
use crate::error::{Error, Result};
use crate::geometry::ConvGeometry;
use crate::kernels::col2im_of_col_gradient;
use crate::kernels::windows::Windows;
use crate::limits::{check_memory, f64_bytes};

/// The rows of windows: (N, C, H, W) → (N·OH·OW, C·FH·FW).
///
/// ```
/// use dl_lessons::{conv::im2col, ndarray::Array4};
/// // numpy: x = np.arange(9.0).reshape(1, 1, 3, 3); col = im2col(x, 2, 2, 1, 0)
/// let x = Array4::from_shape_fn((1, 1, 3, 3), |(_, _, y, x)| (3 * y + x) as f64);
/// let col = im2col(&x, 2, 2, 1, 0).unwrap();
/// assert_eq!(col.dim(), (4, 4));
/// assert_eq!(col.row(0).to_vec(), vec![0.0, 1.0, 3.0, 4.0]); // the top-left 2x2 window
/// ```
pub fn im2col<S: Data<Elem = f64>>(
    x: &ArrayBase<S, Ix4>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array2<f64>> {
    let g = ConvGeometry::new(x.dim(), filter_h, filter_w, stride, pad)?;
    check_sizes("im2col", &g)?;
    let col = windows(&g).gather(&padded(x, pad));
    Ok(Array2::from_shape_vec(g.col_shape(), col)
        .expect("one value per window and filter position"))
}

/// Refuses a geometry whose im2col and padded copy would exceed the memory limit.
fn check_sizes(what: &str, g: &ConvGeometry) -> Result<()> {
    let counts = g.element_counts(0);
    check_memory(
        || {
            let (n, c, h, w) = g.input_shape;
            format!(
                "{what} of x ({n}, {c}, {h}, {w}) with filter {}x{}, stride {}, pad {}",
                g.filter_h, g.filter_w, g.stride, g.pad
            )
        },
        counts.and_then(|[col, padded, _]| f64_bytes(&[col, padded, g.table_len()])),
        "choose a smaller pad, filter or input",
    )
}

/// The windows of `g` on one padded image, as tables of positions in its values.
pub(crate) fn windows(g: &ConvGeometry) -> Windows {
    let (hp, wp) = g.padded_size();
    let starts = g.window_origins().map(|(y, x)| y * wp + x).collect();
    let offsets = g
        .window_offsets()
        .map(|(c, y, x)| (c * hp + y) * wp + x)
        .collect();
    Windows::new(starts, offsets, g.input_shape.1 * hp * wp)
}

/// x zero-padded, row-major, as one slice (x itself when it needs neither).
pub(crate) fn padded<S: Data<Elem = f64>>(x: &ArrayBase<S, Ix4>, pad: usize) -> Cow<'_, [f64]> {
    match (pad, x.as_slice()) {
        (0, Some(values)) => Cow::Borrowed(values),
        _ => Cow::Owned(padded_copy(x, pad).into_raw_vec_and_offset().0),
    }
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
pub fn im2col_without_transpose<S: Data<Elem = f64>>(
    x: &ArrayBase<S, Ix4>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array2<f64>> {
    let g = ConvGeometry::new(x.dim(), filter_h, filter_w, stride, pad)?;
    check_sizes("im2col_without_transpose", &g)?;
    let (n, c, _, _) = x.dim();
    let img = padded_copy(x, pad);
    // the course's col6[n, c, y, x, i, j] = img[n, c, y + S·i, x + S·j], read in that order
    let buffer = ndarray::Array6::from_shape_fn(
        (n, c, filter_h, filter_w, g.out_h, g.out_w),
        |(n, c, y, x, i, j)| img[[n, c, y + stride * i, x + stride * j]],
    );
    Ok(
        Array2::from_shape_vec(g.col_shape(), buffer.into_raw_vec_and_offset().0)
            .expect("same number of values"),
    )
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
pub fn col2im<S: Data<Elem = f64>>(
    col: &ArrayBase<S, Ix2>,
    input_shape: (usize, usize, usize, usize),
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array4<f64>> {
    let g = ConvGeometry::new(input_shape, filter_h, filter_w, stride, pad)?;
    if col.dim() != g.col_shape() {
        return Err(Error::Geometry(format!(
            "col2im: col has shape {:?} but input_shape {input_shape:?} with filter {filter_h}x{filter_w}, \
             stride {stride}, pad {pad} gives im2col shape {:?}",
            col.dim(),
            g.col_shape()
        )));
    }
    check_sizes("col2im", &g)?;
    let col = col.as_standard_layout();
    let img = windows(&g).scatter_add(col.as_slice().expect("standard layout"), input_shape.0);
    Ok(unpadded(img, &g))
}

/// The convolution's dx, `col2im(np.dot(dout, col_W.T), input_shape, filter_h, filter_w,
/// stride, pad)`, from dout in the layer's channels-first order (N, FN, OH·OW) and col_W
/// (C·FH·FW, FN), without storing the product: each sample's rows of it are added back at
/// their windows while they are in cache (the course's two steps, fused for speed).
///
/// ```
/// use dl_lessons::{conv::{col2im, col2im_of_product}, kernels::conv_col_gradient, ndarray::{Array2, Array3}};
/// let dout = Array3::from_shape_fn((2, 3, 4), |(n, f, p)| (n + f * p) as f64); // 2x2 outputs
/// let col_w = Array2::from_shape_fn((4, 3), |(k, f)| (k as f64) - (f as f64));   // 2x2 filters
/// let two_steps = col2im(&conv_col_gradient(&dout, &col_w)?, (2, 1, 3, 3), 2, 2, 1, 0)?;
/// assert_eq!(col2im_of_product(&dout, &col_w, (2, 1, 3, 3), 2, 2, 1, 0)?, two_steps);
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn col2im_of_product<D: Data<Elem = f64>, W: Data<Elem = f64>>(
    dout: &ArrayBase<D, Ix3>,
    col_w: &ArrayBase<W, Ix2>,
    input_shape: (usize, usize, usize, usize),
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array4<f64>> {
    let g = ConvGeometry::new(input_shape, filter_h, filter_w, stride, pad)?;
    let filters = col_w.ncols();
    let want = (input_shape.0, filters, g.out_h * g.out_w);
    if dout.dim() != want || col_w.nrows() != g.patch_len() {
        return Err(Error::Geometry(format!(
            "col2im_of_product: dout has shape {:?} and col_W {:?}, but input_shape {input_shape:?} with filter \
             {filter_h}x{filter_w}, stride {stride}, pad {pad} needs dout {want:?} and col_W ({}, FN)",
            dout.dim(),
            col_w.dim(),
            g.patch_len()
        )));
    }
    check_sizes("col2im_of_product", &g)?;
    let img = col2im_of_col_gradient(dout.view(), col_w.view(), &windows(&g));
    Ok(unpadded(img, &g))
}

/// Padded images (one after another, row-major) without their padding, (N, C, H, W).
fn unpadded(img: Vec<f64>, g: &ConvGeometry) -> Array4<f64> {
    let (n, c, h, w) = g.input_shape;
    let (hp, wp) = g.padded_size();
    let img = Array4::from_shape_vec((n, c, hp, wp), img).expect("one value per padded pixel");
    if g.pad == 0 {
        img
    } else {
        img.slice(s![.., .., g.pad..g.pad + h, g.pad..g.pad + w])
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_col_shape_names_both_shapes() {
        let e = col2im(&Array2::<f64>::zeros((3, 4)), (1, 1, 3, 3), 2, 2, 1, 0).unwrap_err();
        assert!(
            e.to_string().contains("col has shape (3, 4)") && e.to_string().contains("(4, 4)"),
            "{e}"
        );
    }

    #[test]
    fn the_fused_col2im_of_product_equals_the_two_steps() {
        use crate::kernels::conv_col_gradient;
        use ndarray::Array3;
        for (shape, f, stride, pad, filters) in [
            ((1, 1, 3, 3), 2, 1, 0, 1),
            ((2, 3, 7, 6), 3, 2, 1, 4),
            ((3, 2, 12, 12), 5, 1, 2, 30),
        ] {
            let g = ConvGeometry::new(shape, f, f, stride, pad).unwrap();
            let dout = Array3::from_shape_fn((shape.0, filters, g.out_h * g.out_w), |(n, c, p)| {
                ((3 * n + 5 * c + p) % 7) as f64 - 3.0
            });
            let col_w = Array2::from_shape_fn((g.patch_len(), filters), |(k, c)| {
                ((k + 2 * c) % 5) as f64 * 0.5
            });
            let two_steps = col2im(
                &conv_col_gradient(&dout, &col_w).unwrap(),
                shape,
                f,
                f,
                stride,
                pad,
            )
            .unwrap();
            let fused = col2im_of_product(&dout, &col_w, shape, f, f, stride, pad).unwrap();
            assert_eq!(
                fused, two_steps,
                "{shape:?} filter {f} stride {stride} pad {pad}"
            );
        }
        let e = col2im_of_product(
            &Array3::<f64>::zeros((1, 2, 5)),
            &Array2::zeros((4, 2)),
            (1, 1, 3, 3),
            2,
            2,
            1,
            0,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("(1, 2, 5)") && e.contains("(1, 2, 4)"), "{e}");
    }

    #[test]
    fn a_huge_pad_is_refused_before_allocating() {
        let x = Array4::<f64>::zeros((2, 1, 4, 4));
        let e = im2col(&x, 3, 3, 1, 1_000_000).unwrap_err().to_string();
        assert!(
            e.contains("pad 1000000") && e.contains("needs about"),
            "{e}"
        );
    }
}
