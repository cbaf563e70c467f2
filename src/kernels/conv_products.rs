//! The convolution's three matrix products, each fused with the transpose the course
//! writes beside it.
//!
//! The course multiplies im2col's rows, ordered (n, oh, ow), by the filters, so its
//! product comes out channels-last and is transposed to (N, FN, OH, OW) after forward;
//! backward transposes dout back with `dout.transpose(0, 2, 3, 1).reshape(-1, FN)`. Each
//! transpose is a pass over the layer's largest array (10 MB for the course's network).
//! Here each sample's block of the product is computed where the transposed array keeps
//! it: sample n's rows of the course's (N·OH·OW, FN) matrix are `dout[n]ᵀ` for dout in
//! (N, FN, OH·OW) order, and the matrix product reads and writes at any strides. Samples
//! are independent, so they are split across the cores; each sample's product stays in
//! the second-level cache.

use ndarray::{
    s, Array2, Array3, ArrayBase, ArrayView2, ArrayView3, ArrayViewMut2, Data, Ix1, Ix2, Ix3,
};

use super::matmul::{gemm, gemm_bias};
use super::parallel::{fill_uninit, parts_for, ranges, run_on, Task};
use super::windows::Windows;
use crate::error::{Error, Result};
use crate::limits::{check_memory, f64_bytes};

/// The course's forward product, `np.dot(col, col_W) + b`, reshaped to (N, OH, OW, FN)
/// and transposed to channels-first: (N, FN, OH·OW), from `col` (N·OH·OW, C·FH·FW),
/// `col_w` (C·FH·FW, FN) and `b` (FN,).
///
/// ```
/// use dl_lessons::kernels::conv_forward_product;
/// use dl_lessons::ndarray::array;
/// // 2 samples of 2 positions, patches of 1 value, 2 filters
/// let col = array![[1.0], [2.0], [3.0], [4.0]];
/// let out = conv_forward_product(&col, &array![[10.0, 100.0]], &array![0.5, 0.0], 2).unwrap();
/// assert_eq!(out, array![[[10.5, 20.5], [100.0, 200.0]], [[30.5, 40.5], [300.0, 400.0]]]);
/// ```
pub fn conv_forward_product<C, W, B>(
    col: &ArrayBase<C, Ix2>,
    col_w: &ArrayBase<W, Ix2>,
    b: &ArrayBase<B, Ix1>,
    samples: usize,
) -> Result<Array3<f64>>
where
    C: Data<Elem = f64>,
    W: Data<Elem = f64>,
    B: Data<Elem = f64>,
{
    let ((rows, k), (k2, filters)) = (col.dim(), col_w.dim());
    let positions = positions_per_sample("conv_forward_product", rows, samples)?;
    if k != k2 || b.len() != filters {
        return Err(Error::Geometry(format!(
            "conv_forward_product: col is ({rows}, {k}), col_W ({k2}, {filters}) and b ({}): col's columns must equal col_W's rows, b one value per filter",
            b.len()
        )));
    }
    check_memory(
        || {
            format!("the convolution's output of {samples} samples, {filters} filters, {positions} positions")
        },
        f64_bytes(&[rows.saturating_mul(filters)]),
        "use fewer samples, filters or positions",
    )?;
    let (col, col_w, b) = (col.view(), col_w.view(), b.as_standard_layout());
    let block = filters * positions;
    let cost = block.saturating_mul(2 * k.max(1));
    // SAFETY: gemm with beta = 0 writes every value of each sample's block without reading it.
    let (out, _) = unsafe {
        fill_uninit(samples, block, cost / 16, |range, out| {
            for (n, out) in range.zip(out.chunks_exact_mut(block.max(1))) {
                // out[n]ᵀ (positions, FN) = col[n] (positions, K) · col_W (K, FN) + b
                let rows = col.slice(s![n * positions..(n + 1) * positions, ..]);
                let out_t = ArrayViewMut2::from_shape_ptr(
                    (filters, positions),
                    out.as_mut_ptr().cast::<f64>(),
                )
                .reversed_axes();
                gemm_bias(1.0, rows, col_w, Some(b.view()), 0.0, out_t);
            }
        })
    };
    Ok(Array3::from_shape_vec((samples, filters, positions), out).expect("one value per element"))
}

/// The course's `np.dot(col.T, dout)`, (C·FH·FW, FN), with `col` (N·OH·OW, C·FH·FW) and
/// dout given channels-first, (N, FN, OH·OW): the sum over samples of `col[n]ᵀ · dout[n]ᵀ`.
///
/// ```
/// use dl_lessons::kernels::conv_weight_gradient;
/// use dl_lessons::ndarray::array;
/// let col = array![[1.0], [2.0], [3.0], [4.0]]; // 2 samples of 2 positions
/// let dout = array![[[1.0, 1.0]], [[0.0, 2.0]]]; // 1 filter
/// assert_eq!(conv_weight_gradient(&col, &dout).unwrap(), array![[1.0 + 2.0 + 8.0]]);
/// ```
pub fn conv_weight_gradient<C, D>(
    col: &ArrayBase<C, Ix2>,
    dout: &ArrayBase<D, Ix3>,
) -> Result<Array2<f64>>
where
    C: Data<Elem = f64>,
    D: Data<Elem = f64>,
{
    let ((rows, k), (samples, filters, positions)) = (col.dim(), dout.dim());
    if rows != samples * positions {
        return Err(Error::Geometry(format!(
            "conv_weight_gradient: col has {rows} rows but dout {:?} has {} positions in all",
            dout.dim(),
            samples * positions
        )));
    }
    let parts = parts_for(
        2usize
            .saturating_mul(rows)
            .saturating_mul(k)
            .saturating_mul(filters)
            / 16,
    );
    let sum_t = weight_gradient_on(col.view(), dout.view(), parts);
    Ok(sum_t.reversed_axes().as_standard_layout().into_owned())
}

/// Samples whose products are summed apart, then added in order: a number fixed by the
/// batch, not by the cores, so that dW is the same on any machine.
const SAMPLE_CHUNKS: usize = 8;

/// [`conv_weight_gradient`]'s sum, transposed (FN, K), on `parts` cores.
fn weight_gradient_on(
    col: ArrayView2<'_, f64>,
    dout: ArrayView3<'_, f64>,
    parts: usize,
) -> Array2<f64> {
    let ((_, k), (samples, filters, positions)) = (col.dim(), dout.dim());
    let tasks: Vec<Task<'_, Array2<f64>>> = ranges(samples, SAMPLE_CHUNKS, 1)
        .into_iter()
        .map(|range| {
            Box::new(move || {
                // the sum's transpose, (FN, K), so that both factors are read row by row
                let mut sum_t = Array2::zeros((filters, k));
                for n in range {
                    // sumᵀ (FN, K) += dout[n] (FN, positions) · col[n] (positions, K)
                    let rows = col.slice(s![n * positions..(n + 1) * positions, ..]);
                    gemm(1.0, dout.slice(s![n, .., ..]), rows, 1.0, sum_t.view_mut());
                }
                sum_t
            }) as Task<'_, Array2<f64>>
        })
        .collect();
    let mut sums = run_on(parts, tasks).into_iter();
    let mut sum_t = sums.next().unwrap_or_else(|| Array2::zeros((filters, k)));
    for sum in sums {
        sum_t += &sum;
    }
    sum_t
}

/// The course's `np.dot(dout, col_W.T)`, (N·OH·OW, C·FH·FW), with dout given
/// channels-first, (N, FN, OH·OW), and `col_w` (C·FH·FW, FN): sample n's rows are
/// `dout[n]ᵀ · col_Wᵀ`.
///
/// ```
/// use dl_lessons::kernels::conv_col_gradient;
/// use dl_lessons::ndarray::array;
/// let dout = array![[[1.0, 2.0]], [[3.0, 4.0]]]; // 2 samples, 1 filter, 2 positions
/// let dcol = conv_col_gradient(&dout, &array![[10.0], [100.0]]).unwrap();
/// assert_eq!(dcol, array![[10.0, 100.0], [20.0, 200.0], [30.0, 300.0], [40.0, 400.0]]);
/// ```
pub fn conv_col_gradient<D, W>(
    dout: &ArrayBase<D, Ix3>,
    col_w: &ArrayBase<W, Ix2>,
) -> Result<Array2<f64>>
where
    D: Data<Elem = f64>,
    W: Data<Elem = f64>,
{
    let ((samples, filters, positions), (k, filters2)) = (dout.dim(), col_w.dim());
    if filters != filters2 {
        return Err(Error::Geometry(format!(
            "conv_col_gradient: dout {:?} has {filters} filters but col_W ({k}, {filters2}) has {filters2}",
            dout.dim()
        )));
    }
    let rows = samples.saturating_mul(positions);
    check_memory(
        || format!("the convolution's dcol of {rows} rows of {k}"),
        f64_bytes(&[rows.saturating_mul(k)]),
        "use fewer samples or a smaller filter",
    )?;
    let (dout, col_w) = (dout.view(), col_w.view());
    let block = positions * k;
    let cost = block.saturating_mul(2 * filters.max(1));
    // SAFETY: gemm with beta = 0 writes every value of each sample's block without reading it.
    let (dcol, _) = unsafe {
        fill_uninit(samples, block, cost / 16, |range, out| {
            for (n, out) in range.zip(out.chunks_exact_mut(block.max(1))) {
                let out =
                    ArrayViewMut2::from_shape_ptr((positions, k), out.as_mut_ptr().cast::<f64>());
                col_gradient_of_sample(dout, col_w, n, out);
            }
        })
    };
    Ok(Array2::from_shape_vec((rows, k), dcol).expect("one value per element"))
}

/// col2im of the course's `np.dot(dout, col_W.T)` through `windows` (one padded image per
/// sample), with dout channels-first, (N, FN, OH·OW): each sample's rows of the product
/// are computed into a block that stays in cache and added back at their windows at once,
/// so the (N·OH·OW, C·FH·FW) matrix is never stored. The caller checks that dout's
/// positions and col_W's rows match the windows.
pub(crate) fn col2im_of_col_gradient(
    dout: ArrayView3<'_, f64>,
    col_w: ArrayView2<'_, f64>,
    windows: &Windows,
) -> Vec<f64> {
    let (samples, _, positions) = dout.dim();
    let k = col_w.nrows();
    assert!(
        positions == windows.positions() && k == windows.window_len(),
        "dout's positions and col_W's rows match the windows"
    );
    windows.scatter_add_with(samples, |n, rows| {
        let rows = ArrayViewMut2::from_shape((positions, k), rows).expect("one block per sample");
        col_gradient_of_sample(dout, col_w, n, rows);
    })
}

/// How many rows of col one sample has, or why `rows` do not split into `samples`.
fn positions_per_sample(what: &str, rows: usize, samples: usize) -> Result<usize> {
    match rows.checked_div(samples) {
        Some(positions) if positions * samples == rows => Ok(positions),
        None if rows == 0 => Ok(0),
        _ => Err(Error::Geometry(format!(
            "{what}: col's {rows} rows do not split into {samples} samples"
        ))),
    }
}

/// Rows n·positions .. (n + 1)·positions of the course's `np.dot(dout, col_W.T)` into
/// `rows` (positions, K): dout[n]ᵀ (positions, FN) · col_Wᵀ (FN, K).
fn col_gradient_of_sample(
    dout: ArrayView3<'_, f64>,
    col_w: ArrayView2<'_, f64>,
    n: usize,
    rows: ArrayViewMut2<'_, f64>,
) {
    gemm(1.0, dout.slice(s![n, .., ..]).t(), col_w.t(), 0.0, rows);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::same_bits;
    use ndarray::Array1;

    /// The course's steps, literally: the product of the 2-D matrices, then the transposes.
    fn course(
        col: &Array2<f64>,
        col_w: &Array2<f64>,
        b: &Array1<f64>,
        dout: &Array3<f64>,
    ) -> (Array3<f64>, Array2<f64>, Array2<f64>) {
        let (samples, filters, positions) = dout.dim();
        let out = (col.dot(col_w) + b)
            .into_shape_with_order((samples, positions, filters))
            .unwrap()
            .permuted_axes([0, 2, 1])
            .as_standard_layout()
            .into_owned();
        let dout2 = dout
            .view()
            .permuted_axes([0, 2, 1])
            .as_standard_layout()
            .into_shape_with_order((samples * positions, filters))
            .unwrap()
            .into_owned();
        (out, col.t().dot(&dout2), dout2.dot(&col_w.t()))
    }

    /// dW sums its samples in chunks fixed by the batch: one core or many, the same bits
    /// (values that round differently in another order).
    #[test]
    fn the_weight_gradient_is_the_same_on_any_number_of_cores() {
        let (samples, filters, positions, k) = (20, 6, 49, 25);
        let col = Array2::from_shape_fn((samples * positions, k), |(i, j)| {
            ((i * 31 + j * 17) as f64 * 0.37).sin()
        });
        let dout = Array3::from_shape_fn((samples, filters, positions), |(n, f, p)| {
            ((n * 7 + f * 13 + p) as f64 * 0.91).cos()
        });
        let one_core = weight_gradient_on(col.view(), dout.view(), 1);
        for parts in [2, 3, 8] {
            let many = weight_gradient_on(col.view(), dout.view(), parts);
            assert!(
                same_bits(&one_core, &many),
                "{parts} cores sum differently from one"
            );
        }
    }

    #[test]
    fn the_fused_products_equal_the_courses_steps() {
        for (samples, positions, k, filters) in [
            (1, 1, 1, 1),
            (3, 7, 5, 2),
            (2, 576, 25, 30),
            (40, 144, 270, 30),
        ] {
            let col = Array2::from_shape_fn((samples * positions, k), |(i, j)| {
                ((3 * i + 7 * j) % 11) as f64 - 5.0
            });
            let col_w =
                Array2::from_shape_fn((k, filters), |(i, j)| ((5 * i + j) % 7) as f64 * 0.5 - 1.5);
            let b = Array1::from_shape_fn(filters, |f| f as f64 - 0.25);
            let dout = Array3::from_shape_fn((samples, filters, positions), |(n, f, p)| {
                ((n + 2 * f + 3 * p) % 5) as f64 - 2.0
            });
            let (out, dw, dcol) = course(&col, &col_w, &b, &dout);
            let what = format!("{samples} samples, {positions} positions, K {k}, FN {filters}");
            assert_eq!(
                conv_forward_product(&col, &col_w, &b, samples).unwrap(),
                out,
                "{what}"
            );
            assert_eq!(conv_weight_gradient(&col, &dout).unwrap(), dw, "{what}");
            assert_eq!(conv_col_gradient(&dout, &col_w).unwrap(), dcol, "{what}");
            // col_W as the layer passes it: a transposed view of W (FN, K)
            let w = col_w.t().as_standard_layout().into_owned(); // (FN, K) row-major
            assert_eq!(
                conv_forward_product(&col, &w.t(), &b, samples).unwrap(),
                out,
                "{what}, col_W a view"
            );
            assert_eq!(
                conv_col_gradient(&dout, &w.t()).unwrap(),
                dcol,
                "{what}, col_W a view"
            );
        }
    }

    #[test]
    fn shapes_that_do_not_fit_are_errors() {
        let col = Array2::<f64>::zeros((6, 2));
        assert!(conv_forward_product(&col, &Array2::zeros((2, 3)), &Array1::zeros(3), 4).is_err());
        assert!(conv_forward_product(&col, &Array2::zeros((3, 3)), &Array1::zeros(3), 2).is_err());
        assert!(conv_forward_product(&col, &Array2::zeros((2, 3)), &Array1::zeros(3), 0).is_err());
        assert!(conv_weight_gradient(&col, &Array3::zeros((2, 1, 2))).is_err());
        assert!(conv_col_gradient(&Array3::zeros((2, 1, 3)), &Array2::zeros((2, 3))).is_err());
    }
}
