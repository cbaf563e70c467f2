//! Making an array row-major again after `permuted_axes`, as numpy does when it copies a
//! transposed array.
//!
//! The layers move the channel axis after a matrix product (Convolution's
//! `out.reshape(N, OH, OW, FN).transpose(0, 3, 1, 2)` and the reverse in backward). Such a
//! view is a batch of transposed matrices; it is copied tile by tile (a tile of both
//! source and destination stays in cache), one sample per core at a time. Any other
//! layout is copied by ndarray.

use ndarray::{ArrayD, ArrayViewD, IxDyn};

use super::parallel::fill_uninit;

/// A row-major copy of `x`, equal to ndarray's `as_standard_layout().into_owned()`.
///
/// ```
/// use dl_lessons::kernels::standard_layout;
/// use dl_lessons::ndarray::Array4;
/// let nhwc = Array4::from_shape_fn((2, 3, 3, 4), |(n, i, j, c)| (1000 * n + 100 * c + 10 * i + j) as f64);
/// let nchw = standard_layout(nhwc.view().permuted_axes([0, 3, 1, 2]).into_dyn());
/// assert!(nchw.is_standard_layout());
/// assert_eq!(nchw[[1, 2, 0, 1]], 1201.0);
/// ```
pub fn standard_layout(x: ArrayViewD<'_, f64>) -> ArrayD<f64> {
    let layout = batched_transpose(x.shape(), x.strides());
    let (Some((batches, rows, cols)), Some(source)) = (layout, x.as_slice_memory_order()) else {
        return x.as_standard_layout().into_owned();
    };
    // The memory is `batches` row-major (cols × rows) matrices; the result, (rows × cols).
    let shape = IxDyn(x.shape());
    let block = rows * cols;
    const TILE: usize = 16;
    // SAFETY: the tiles cover every (r, c) of every batch once, and each writes its value.
    let (out, _) = unsafe {
        fill_uninit(batches, block, block, |range, out| {
            for (b, out) in range.zip(out.chunks_exact_mut(block.max(1))) {
                let src = &source[b * block..][..block];
                for r0 in (0..rows).step_by(TILE) {
                    for c0 in (0..cols).step_by(TILE) {
                        for r in r0..(r0 + TILE).min(rows) {
                            for c in c0..(c0 + TILE).min(cols) {
                                out[r * cols + c].write(src[c * rows + r]);
                            }
                        }
                    }
                }
            }
        })
    };
    ArrayD::from_shape_vec(shape, out).expect("one value per element")
}

/// If an array of `shape` and `strides` is a batch of transposed row-major matrices held
/// one after another (after merging axes that are contiguous with each other), its
/// (batches, rows, cols) as seen through the array.
fn batched_transpose(shape: &[usize], strides: &[isize]) -> Option<(usize, usize, usize)> {
    if shape.contains(&0) || strides.iter().any(|&s| s < 0) {
        return None;
    }
    // merge neighbouring axes that step through memory as one
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (&len, &stride) in shape.iter().zip(strides).filter(|(&len, _)| len > 1) {
        let stride = stride as usize;
        match merged.last_mut() {
            Some((last_len, last_stride)) if *last_stride == stride * len => {
                *last_len *= len;
                *last_stride = stride;
            }
            _ => merged.push((len, stride)),
        }
    }
    match merged[..] {
        [(rows, 1), (cols, c_stride)] if c_stride == rows => Some((1, rows, cols)),
        [(batches, b_stride), (rows, 1), (cols, c_stride)]
            if c_stride == rows && b_stride == rows * cols =>
        {
            Some((batches, rows, cols))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, Array4};

    #[test]
    fn permuted_arrays_become_their_standard_copy() {
        let nhwc = Array4::from_shape_fn((3, 5, 7, 30), |(n, i, j, c)| {
            (n * 10_000 + c * 100 + i * 10 + j) as f64
        });
        let nchw = nhwc.view().permuted_axes([0, 3, 1, 2]).into_dyn();
        assert_eq!(
            batched_transpose(nchw.shape(), nchw.strides()),
            Some((3, 30, 35))
        );
        assert_eq!(
            standard_layout(nchw.view()),
            nchw.as_standard_layout().into_owned()
        );
        let back = standard_layout(nchw)
            .into_dimensionality::<ndarray::Ix4>()
            .unwrap();
        let again = standard_layout(back.view().permuted_axes([0, 2, 3, 1]).into_dyn());
        assert_eq!(again, nhwc.into_dyn());
        // a plain transpose, and a layout that is not a batch of transposes
        let m = Array3::from_shape_fn((1, 4, 6), |(_, i, j)| (i * 6 + j) as f64);
        let t = m.view().permuted_axes([0, 2, 1]).into_dyn();
        assert_eq!(
            standard_layout(t.view()),
            t.as_standard_layout().into_owned()
        );
        let odd = Array3::from_shape_fn((2, 3, 4), |(a, b, c)| (a * 12 + b * 4 + c) as f64)
            .permuted_axes([1, 0, 2])
            .into_dyn();
        assert_eq!(batched_transpose(odd.shape(), odd.strides()), None);
        assert_eq!(
            standard_layout(odd.view()),
            odd.as_standard_layout().into_owned()
        );
    }
}
