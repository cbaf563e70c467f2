//! The matrix products under every layer. With the `gemm` feature (on by default) they run
//! the gemm crate's kernels (AVX-512 or FMA, chosen at run time), about twice as fast on
//! this course's shapes as ndarray's own `dot`, which they equal up to rounding; without it,
//! ndarray's.
//!
//! ```
//! use dl_lessons::matmul::mat_mul;
//! use dl_lessons::ndarray::array;
//!
//! let a = array![[1.0, 2.0], [3.0, 4.0]];
//! let b = array![[5.0], [6.0]];
//! assert_eq!(mat_mul(a.view(), b.view()), a.dot(&b)); // [[17], [39]]
//! ```

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ArrayBase, ArrayView2, ArrayViewMut2, Data, DataMut, Ix2};

use crate::parallel::for_each_block;

/// Which kernels compute the products in this build: `"gemm"` with the `gemm` feature,
/// `"ndarray"` without it.
pub const BACKEND: &str = if cfg!(feature = "gemm") {
    "gemm"
} else {
    "ndarray"
};

/// The product `a · b` of `a` (m, k) and `b` (k, n), its rows split across the cores when
/// it is large (the kernels themselves run single-threaded).
///
/// # Panics
/// If `a` has not as many columns as `b` has rows.
pub fn mat_mul(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Array2<f64> {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let mut out = Array2::<f64>::zeros((m, n));
    let slice = out.as_slice_mut().expect("fresh array");
    for_each_block(slice, n.max(1), 2 * k * n, |rows, block| {
        let mut block = ArrayViewMut2::from_shape((rows.len(), n), block).expect("sizes match");
        mat_mul_into(1.0, &a.slice(s![rows, ..]), &b, 0.0, &mut block);
    });
    out
}

/// `c = alpha · a · b + beta · c` for `a` (m, k), `b` (k, n), `c` (m, n), on the calling
/// thread, with any strides.
///
/// # Panics
/// If the shapes do not chain; the message names all three.
pub(crate) fn mat_mul_into<A, B, C>(
    alpha: f64,
    a: &ArrayBase<A, Ix2>,
    b: &ArrayBase<B, Ix2>,
    beta: f64,
    c: &mut ArrayBase<C, Ix2>,
) where
    A: Data<Elem = f64>,
    B: Data<Elem = f64>,
    C: DataMut<Elem = f64>,
{
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    assert!(
        k == k2 && c.dim() == (m, n),
        "matrix product: a is {:?}, b is {:?}, c is {:?}",
        a.dim(),
        b.dim(),
        c.dim()
    );
    #[cfg(feature = "gemm")]
    {
        let strides = [a.strides(), b.strides(), c.strides()];
        if m > 0 && n > 0 && k > 0 && strides.into_iter().flatten().all(|&s| s >= 0) {
            gemm_kernel(alpha, a.view(), b.view(), beta, c.view_mut());
            return;
        }
    }
    general_mat_mul(alpha, a, b, beta, c);
}

/// [`mat_mul_into`] by the gemm crate, for non-empty shapes and non-negative strides.
#[cfg(feature = "gemm")]
fn gemm_kernel(
    alpha: f64,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    beta: f64,
    mut c: ArrayViewMut2<'_, f64>,
) {
    let ((m, k), n) = (a.dim(), b.ncols());
    let (a_rs, a_cs) = (a.strides()[0], a.strides()[1]);
    let (b_rs, b_cs) = (b.strides()[0], b.strides()[1]);
    let (c_rs, c_cs) = (c.strides()[0], c.strides()[1]);
    let gemm = gemm_f64::gemm::f64::get_gemm_fn();
    let (serial, read_c) = (gemm_common::Parallelism::None, beta != 0.0);
    // gemm computes dst = alpha · dst + beta · lhs · rhs: our beta is its alpha and our alpha
    // its beta. Its kernels prefer a column-major destination, so a row-major c is computed
    // as cᵀ = bᵀ · aᵀ, which is the same memory.
    // SAFETY: the pointers and strides describe the three views exactly (shapes checked by
    // the caller, strides non-negative); c is borrowed mutably, so it overlaps neither a nor b.
    unsafe {
        if c_cs < c_rs {
            let (dst, lhs, rhs) = (c.as_mut_ptr(), b.as_ptr(), a.as_ptr());
            #[rustfmt::skip]
            gemm(n, m, k, dst, c_rs, c_cs, read_c, lhs, b_rs, b_cs, rhs, a_rs, a_cs,
                 beta, alpha, false, false, false, serial);
        } else {
            let (dst, lhs, rhs) = (c.as_mut_ptr(), a.as_ptr(), b.as_ptr());
            #[rustfmt::skip]
            gemm(m, n, k, dst, c_cs, c_rs, read_c, lhs, a_cs, a_rs, rhs, b_cs, b_rs,
                 beta, alpha, false, false, false, serial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(a: &ArrayView2<'_, f64>, b: &ArrayView2<'_, f64>) -> Array2<f64> {
        Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
            (0..a.ncols()).map(|p| a[[i, p]] * b[[p, j]]).sum()
        })
    }

    #[test]
    fn matches_the_definition_for_every_layout_and_scale() {
        let a = Array2::from_shape_fn((7, 13), |(i, j)| (i * 13 + j) as f64 * 0.37 - 9.0);
        let b = Array2::from_shape_fn((13, 5), |(i, j)| ((i * 5 + j) % 11) as f64 - 4.5);
        let bt = b.t().to_owned();
        let at = a.t().to_owned();
        for (a, b) in [
            (a.view(), b.view()),
            (at.t(), b.view()),
            (a.view(), bt.t()),
            (at.t(), bt.t()),
            (a.slice(s![..;2, 1..]), b.slice(s![1.., ..;2])),
        ] {
            let expected = reference(&a, &b);
            let start = Array2::from_shape_fn(expected.dim(), |(i, j)| (i + 2 * j) as f64);
            for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (-2.0, 3.0)] {
                for column_major in [false, true] {
                    let mut c = if column_major {
                        start.t().to_owned().reversed_axes()
                    } else {
                        start.clone()
                    };
                    mat_mul_into(alpha, &a, &b, beta, &mut c);
                    let want = &expected * alpha + &start * beta;
                    let err = (&c - &want).iter().fold(0.0f64, |m, d| m.max(d.abs()));
                    assert!(
                        err < 1e-9,
                        "{:?}x{:?} alpha {alpha} beta {beta}: error {err}",
                        a.dim(),
                        b.dim()
                    );
                }
            }
        }
    }

    #[test]
    fn split_product_equals_dot() {
        for (m, k, n) in [(0, 3, 2), (3, 0, 2), (7, 5, 3), (400, 300, 100)] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((3 * i + 7 * j) % 11) as f64 - 5.0);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((5 * i + j) % 7) as f64 - 3.0);
            assert_eq!(mat_mul(a.view(), b.view()), a.dot(&b));
            assert_eq!(mat_mul(b.t(), a.t()), b.t().dot(&a.t()));
        }
    }

    #[test]
    fn empty_inner_dimension_scales_c() {
        let a = Array2::<f64>::zeros((3, 0));
        let b = Array2::<f64>::zeros((0, 2));
        let mut c = Array2::<f64>::ones((3, 2));
        mat_mul_into(1.0, &a, &b, 2.0, &mut c);
        assert_eq!(c, Array2::from_elem((3, 2), 2.0));
    }

    #[test]
    #[should_panic(expected = "a is (2, 3), b is (4, 2)")]
    fn shapes_that_do_not_chain_panic_with_all_three() {
        let mut c = Array2::<f64>::zeros((2, 2));
        mat_mul_into(
            1.0,
            &Array2::zeros((2, 3)),
            &Array2::zeros((4, 2)),
            0.0,
            &mut c,
        );
    }
}
