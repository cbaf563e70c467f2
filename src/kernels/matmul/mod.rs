//! The matrix product under every layer: c = alpha·a·b + beta·c.
//!
//! On processors with AVX-512 the product runs the crate's own kernel (below): b is
//! copied into panels of 24 columns that stay in cache, a is read where it lies (any
//! strides), and each call of the kernel keeps an 8 × 24 block of c in 24 registers. About
//! twice ndarray's own product here. Elsewhere it is ndarray's (`general_mat_mul`, the
//! matrixmultiply crate). Either way, large products are split across the cores along
//! the longest of rows, columns or the inner dimension, and the results equal the
//! definition up to rounding (tested against a triple loop).

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ArrayBase, ArrayView1, ArrayView2, ArrayViewMut2, Axis, Data, Ix1, Ix2};

use super::parallel::{parts_for, ranges, run_all, Task};
use crate::error::{Error, Result};
use crate::limits::{check_memory, f64_bytes};

/// Which kernel multiplies on this machine: `"avx512"` (the crate's) or `"ndarray"`.
pub fn backend() -> &'static str {
    if avx512::available() {
        "avx512"
    } else {
        "ndarray"
    }
}

/// The product `a · b` of `a` (m, k) and `b` (k, n), as numpy's `np.dot`.
///
/// ```
/// use dl_lessons::kernels::matmul;
/// use dl_lessons::ndarray::array;
/// let a = array![[1.0, 2.0], [3.0, 4.0]];
/// let b = array![[5.0], [6.0]];
/// assert_eq!(matmul(&a, &b).unwrap(), array![[17.0], [39.0]]);
/// assert!(matmul(&a, &a.t().slice(dl_lessons::ndarray::s![..1, ..])).is_err());
/// ```
pub fn matmul<A, B>(a: &ArrayBase<A, Ix2>, b: &ArrayBase<B, Ix2>) -> Result<Array2<f64>>
where
    A: Data<Elem = f64>,
    B: Data<Elem = f64>,
{
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    if k != k2 {
        return Err(Error::Geometry(format!(
            "matmul: a has shape ({m}, {k}) and b ({k2}, {n}): a's columns must equal b's rows"
        )));
    }
    check_memory(
        || format!("matmul of ({m}, {k}) by ({k2}, {n})"),
        f64_bytes(&[m.saturating_mul(n)]),
        "multiply smaller matrices",
    )?;
    // SAFETY: gemm with beta = 0 writes every element of c without reading it.
    Ok(unsafe { written_by((m, n), |c| gemm(1.0, a.view(), b.view(), 0.0, c)) })
}

/// `x · w + b` for `x` (n, d), `w` (d, m) and `b` (m,): the course's `np.dot(x, W) + b`
/// (Affine's forward pass, and Convolution's on im2col's rows), with b added as the
/// product is stored rather than in a second pass.
///
/// ```
/// use dl_lessons::kernels::affine;
/// use dl_lessons::ndarray::array;
/// let out = affine(&array![[1.0, 1.0]], &array![[1.0, 2.0], [3.0, 4.0]], &array![0.5, -0.5]).unwrap();
/// assert_eq!(out, array![[4.5, 5.5]]);
/// ```
pub fn affine<X, W, B>(
    x: &ArrayBase<X, Ix2>,
    w: &ArrayBase<W, Ix2>,
    b: &ArrayBase<B, Ix1>,
) -> Result<Array2<f64>>
where
    X: Data<Elem = f64>,
    W: Data<Elem = f64>,
    B: Data<Elem = f64>,
{
    let ((n, d), (d2, m)) = (x.dim(), w.dim());
    if d != d2 || b.len() != m {
        return Err(Error::Geometry(format!(
            "affine: x has shape ({n}, {d}), W ({d2}, {m}) and b ({}): x's columns must equal W's rows, b one value per column of W",
            b.len()
        )));
    }
    check_memory(
        || format!("x·W + b of ({n}, {d}) by ({d2}, {m})"),
        f64_bytes(&[n.saturating_mul(m)]),
        "multiply smaller matrices",
    )?;
    // SAFETY: gemm with beta = 0 writes every element of c without reading it.
    Ok(unsafe {
        written_by((n, m), |out| {
            gemm_bias(1.0, x.view(), w.view(), Some(b.view()), 0.0, out)
        })
    })
}

/// A fresh (rows, cols) array filled by `write`, without zeroing it first (zeroing a
/// product's 10 MB costs half a millisecond).
///
/// # Safety
/// `write` must write every element of the view it is given before reading any.
unsafe fn written_by(
    shape: (usize, usize),
    write: impl FnOnce(ArrayViewMut2<'_, f64>),
) -> Array2<f64> {
    super::memory::keep_freed_memory();
    let len = shape.0 * shape.1;
    let mut values: Vec<f64> = Vec::with_capacity(len);
    // SAFETY: the view covers exactly the vector's `len` reserved elements, row-major; it
    // holds a raw pointer, so no reference to uninitialised memory is made.
    let view = unsafe { ArrayViewMut2::from_shape_ptr(shape, values.as_mut_ptr()) };
    write(view);
    // SAFETY: the caller guarantees that `write` wrote all `len` elements.
    unsafe { values.set_len(len) };
    Array2::from_shape_vec(shape, values).expect("one value per element")
}

/// `c = alpha · a · b + beta · c` for `a` (m, k), `b` (k, n), `c` (m, n), any strides; c
/// is not read when beta is 0. Split across the cores when large.
///
/// # Panics
/// If the shapes do not chain (the crate's own calls always chain).
pub(crate) fn gemm(
    alpha: f64,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    beta: f64,
    c: ArrayViewMut2<'_, f64>,
) {
    gemm_bias(alpha, a, b, None, beta, c)
}

/// [`gemm`] plus `bias` (n,) added to every row of c.
fn gemm_bias(
    alpha: f64,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    bias: Option<ArrayView1<'_, f64>>,
    beta: f64,
    c: ArrayViewMut2<'_, f64>,
) {
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    assert!(
        k == k2 && c.dim() == (m, n) && bias.is_none_or(|bias| bias.len() == n),
        "matrix product: a is {:?}, b is {:?}, c is {:?}",
        a.dim(),
        b.dim(),
        c.dim()
    );
    let flops = 2usize.saturating_mul(m).saturating_mul(n).saturating_mul(k);
    let parts = parts_for(flops / 16);
    if parts == 1 {
        return gemm_serial(alpha, a, b, bias, beta, c);
    }
    let mut tasks: Vec<Task<'_, Option<Array2<f64>>>> = Vec::new();
    let mut rest = c;
    // Split the inner dimension when it dwarfs the result (conv's dW = colᵀ·dout: 30 x 57600
    // x 25): parts then share nothing, where splitting rows would pack all of b twice.
    let deep = k >= 4 * (m + n) && m * n <= 1 << 16;
    if !deep && m >= n && m >= 2 * avx512::MR {
        // rows of a and c
        for rows in ranges(m, parts, avx512::MR) {
            let (part, tail) = rest.split_at(Axis(0), rows.len());
            rest = tail;
            let a = a.slice_move(s![rows, ..]);
            tasks.push(Box::new(move || {
                gemm_serial(alpha, a, b, bias, beta, part);
                None
            }));
        }
        run_all(tasks);
    } else if !deep && n >= 2 * avx512::NR {
        // columns of b and c
        for cols in ranges(n, parts, avx512::NR) {
            let (part, tail) = rest.split_at(Axis(1), cols.len());
            rest = tail;
            let bias = bias.map(|bias| bias.slice_move(s![cols.clone()]));
            let b = b.slice_move(s![.., cols]);
            tasks.push(Box::new(move || {
                gemm_serial(alpha, a, b, bias, beta, part);
                None
            }));
        }
        run_all(tasks);
    } else {
        // the inner dimension: the first part goes into c, the others into sums added after
        let mut c = rest;
        {
            let mut target = Some(&mut c);
            for (i, range) in ranges(k, parts, 64).into_iter().enumerate() {
                let (a, b) = (
                    a.slice_move(s![.., range.clone()]),
                    b.slice_move(s![range, ..]),
                );
                match target.take().filter(|_| i == 0) {
                    Some(c) => tasks.push(Box::new(move || {
                        gemm_serial(alpha, a, b, bias, beta, c.view_mut());
                        None
                    })),
                    None => tasks.push(Box::new(move || {
                        let mut partial = Array2::zeros((m, n));
                        gemm_serial(alpha, a, b, None, 0.0, partial.view_mut());
                        Some(partial)
                    })),
                }
            }
        }
        for partial in run_all(tasks).into_iter().flatten() {
            c += &partial;
        }
    }
}

/// The product on the calling thread.
fn gemm_serial(
    alpha: f64,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    bias: Option<ArrayView1<'_, f64>>,
    beta: f64,
    mut c: ArrayViewMut2<'_, f64>,
) {
    let ((m, k), n) = (a.dim(), b.ncols());
    if m == 0 || n == 0 {
        return;
    }
    let contiguous_bias = bias.map(|bias| bias.as_slice().map(<[f64]>::as_ptr));
    if avx512::available() && k > 0 && contiguous_bias.is_none_or(|ptr| ptr.is_some()) {
        let bias_ptr = contiguous_bias.flatten().unwrap_or(std::ptr::null());
        let (rsc, csc) = (c.strides()[0], c.strides()[1]);
        if csc == 1 || (n == 1 && m > 0 && bias.is_none()) {
            // SAFETY: avx512f is available (checked above); the pointers and strides describe
            // the three views exactly, so every element read or written lies inside them;
            // c is borrowed mutably, so it overlaps neither a nor b.
            unsafe {
                avx512::gemm(
                    m,
                    k,
                    n,
                    alpha,
                    a.as_ptr(),
                    a.strides()[0],
                    a.strides()[1],
                    b.as_ptr(),
                    b.strides()[0],
                    b.strides()[1],
                    bias_ptr,
                    beta,
                    c.as_mut_ptr(),
                    rsc,
                );
            }
            return;
        }
        if rsc == 1 && bias.is_none() {
            // cᵀ = bᵀ · aᵀ, a row-major product in c's memory
            // SAFETY: as above, with the roles of a and b exchanged and their strides swapped.
            unsafe {
                avx512::gemm(
                    n,
                    k,
                    m,
                    alpha,
                    b.as_ptr(),
                    b.strides()[1],
                    b.strides()[0],
                    a.as_ptr(),
                    a.strides()[1],
                    a.strides()[0],
                    std::ptr::null(),
                    beta,
                    c.as_mut_ptr(),
                    csc,
                );
            }
            return;
        }
    }
    // c may be uninitialised when beta is 0 (see `written_by`): write it before reading
    if beta == 0.0 {
        c.fill(0.0);
    } else {
        c *= beta;
    }
    if let Some(bias) = bias {
        c += &bias;
    }
    general_mat_mul(alpha, &a, &b, 1.0, &mut c);
}

/// The crate's AVX-512 kernel.
mod avx512 {
    /// Rows of c per kernel call.
    pub(super) const MR: usize = 8;
    /// Columns of c per kernel call (three vectors of 8).
    pub(super) const NR: usize = 24;

    #[cfg(target_arch = "x86_64")]
    pub(super) fn available() -> bool {
        use std::sync::OnceLock;
        static AVAILABLE: OnceLock<bool> = OnceLock::new();
        *AVAILABLE.get_or_init(|| {
            std::env::var_os("DL_LESSONS_NO_AVX512").is_none()
                && std::arch::is_x86_feature_detected!("avx512f")
        })
    }

    #[cfg(not(target_arch = "x86_64"))]
    pub(super) fn available() -> bool {
        false
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn gemm(
        _: usize,
        _: usize,
        _: usize,
        _: f64,
        _: *const f64,
        _: isize,
        _: isize,
        _: *const f64,
        _: isize,
        _: isize,
        _: *const f64,
        _: f64,
        _: *mut f64,
        _: isize,
    ) {
        unreachable!("available() is false off x86_64")
    }

    #[cfg(target_arch = "x86_64")]
    pub(super) use x86::gemm;

    #[cfg(target_arch = "x86_64")]
    mod x86 {
        use std::arch::x86_64::*;

        use super::{MR, NR};

        /// Depth of one block of the inner dimension: a panel of b (KC × 24) takes 24 kB,
        /// half the first-level cache, and an 8-row block of a as much.
        const KC: usize = 128;
        /// Columns of b packed at a time: KC × NC values (1 MB) stay in the second-level
        /// cache while every row block of a passes by.
        const NC: usize = 20 * NR;

        /// c (m × n, row stride rsc, column stride 1) = alpha·a·b + bias + beta·c, with a
        /// (m × k) and b (k × n) at any strides and bias (n values, or null for none) added
        /// to every row; c is not read when beta is 0.
        ///
        /// # Safety
        /// The CPU has avx512f; m, n, k ≥ 1; every a[i·rsa + p·csa], b[p·rsb + j·csb],
        /// bias[j] (unless null) and c[i·rsc + j] for i < m, p < k, j < n lies in a live
        /// allocation; c overlaps neither a, b nor bias.
        #[allow(clippy::too_many_arguments)]
        #[target_feature(enable = "avx512f")]
        pub(crate) unsafe fn gemm(
            m: usize,
            k: usize,
            n: usize,
            alpha: f64,
            a: *const f64,
            rsa: isize,
            csa: isize,
            b: *const f64,
            rsb: isize,
            csb: isize,
            bias: *const f64,
            beta: f64,
            c: *mut f64,
            rsc: isize,
        ) {
            // b is read where it lies when its rows are contiguous, alpha is 1 and a block of
            // KC rows spans little memory (the lessons' products); otherwise alpha·b is
            // copied into panels, which keeps long rows from evicting each other in cache.
            let in_place =
                csb == 1 && alpha == 1.0 && (rsb.unsigned_abs() * KC * 8 <= 256 << 10 || m <= 32);
            let mut b_pack = if in_place {
                Vec::new()
            } else {
                vec![0.0; KC * NC.min(n.div_ceil(8) * 8)]
            };
            let mut a_pack = vec![0.0; MR * KC];
            for jc in (0..n).step_by(NC) {
                let nc = NC.min(n - jc);
                for pc in (0..k).step_by(KC) {
                    let kc = KC.min(k - pc);
                    let b_block = b.offset(pc as isize * rsb + jc as isize * csb);
                    if !in_place {
                        pack_b(kc, nc, b_block, rsb, csb, alpha, &mut b_pack);
                    }
                    let first = pc == 0;
                    for ic in (0..m).step_by(MR) {
                        let mr = MR.min(m - ic);
                        let a_block = a.offset(ic as isize * rsa + pc as isize * csa);
                        let (ap, ar, ac) = if mr == MR {
                            (a_block, rsa, csa)
                        } else {
                            pack_a(mr, kc, a_block, rsa, csa, &mut a_pack);
                            (a_pack.as_ptr(), kc as isize, 1)
                        };
                        for jr in (0..nc).step_by(NR) {
                            let nr = NR.min(nc - jr);
                            let nv = nr.div_ceil(8);
                            let (bp, bs) = if in_place {
                                (b_block.add(jr), rsb)
                            } else {
                                (b_pack.as_ptr().add(jr * kc), 8 * nv as isize)
                            };
                            let cp = c.offset(ic as isize * rsc + (jc + jr) as isize);
                            let bias = if bias.is_null() {
                                bias
                            } else {
                                bias.add(jc + jr)
                            };
                            let tile = Tile {
                                mr,
                                nr,
                                first,
                                beta,
                                bias,
                            };
                            match nv {
                                1 => kernel::<1>(kc, ap, ar, ac, bp, bs, cp, rsc, tile),
                                2 => kernel::<2>(kc, ap, ar, ac, bp, bs, cp, rsc, tile),
                                _ => kernel::<3>(kc, ap, ar, ac, bp, bs, cp, rsc, tile),
                            }
                        }
                    }
                }
            }
        }

        /// Copies alpha·b (kc × nc) into panels of NR columns, each kc rows of NR values
        /// (the last panel: of its width rounded up to 8, zero beyond nc); the panel of
        /// column j0 starts at j0·kc.
        #[target_feature(enable = "avx512f")]
        unsafe fn pack_b(
            kc: usize,
            nc: usize,
            b: *const f64,
            rsb: isize,
            csb: isize,
            alpha: f64,
            out: &mut [f64],
        ) {
            for j0 in (0..nc).step_by(NR) {
                let width = NR.min(nc - j0);
                let stride = width.div_ceil(8) * 8;
                let dst = &mut out[j0 * kc..][..kc * stride];
                for (p, row) in dst.chunks_exact_mut(stride).enumerate() {
                    let src = b.offset(p as isize * rsb + j0 as isize * csb);
                    let (values, zeros) = row.split_at_mut(width);
                    if csb == 1 {
                        let src = std::slice::from_raw_parts(src, width);
                        for (v, &s) in values.iter_mut().zip(src) {
                            *v = alpha * s;
                        }
                    } else {
                        for (j, v) in values.iter_mut().enumerate() {
                            *v = alpha * *src.offset(j as isize * csb);
                        }
                    }
                    zeros.fill(0.0);
                }
            }
        }

        /// Copies the last, partial row block of a (mr < MR rows × kc) row-major into
        /// `out`, with zero rows below it.
        #[target_feature(enable = "avx512f")]
        unsafe fn pack_a(
            mr: usize,
            kc: usize,
            a: *const f64,
            rsa: isize,
            csa: isize,
            out: &mut [f64],
        ) {
            for (r, row) in out.chunks_exact_mut(kc).take(MR).enumerate() {
                for (p, v) in row.iter_mut().enumerate() {
                    *v = if r < mr {
                        *a.offset(r as isize * rsa + p as isize * csa)
                    } else {
                        0.0
                    };
                }
            }
        }

        /// Which part of the 8 × 24 block is real, and how c is combined.
        #[derive(Clone, Copy)]
        struct Tile {
            mr: usize,
            nr: usize,
            /// The first block of the inner dimension: c = beta·c + bias + ab; later ones add.
            first: bool,
            beta: f64,
            /// The tile's first bias value, or null.
            bias: *const f64,
        }

        /// One MR × (8·NV) block of c from kc columns of a and kc rows of b's panel (row
        /// stride bs; lanes past the tile's width are not read).
        #[allow(clippy::too_many_arguments)]
        #[inline]
        #[target_feature(enable = "avx512f")]
        unsafe fn kernel<const NV: usize>(
            kc: usize,
            a: *const f64,
            rsa: isize,
            csa: isize,
            b: *const f64,
            bs: isize,
            c: *mut f64,
            rsc: isize,
            tile: Tile,
        ) {
            let last_lanes = tile.nr - 8 * (NV - 1);
            let last_mask: __mmask8 = if last_lanes >= 8 {
                0xff
            } else {
                (1u8 << last_lanes) - 1
            };
            let masks: [__mmask8; NV] =
                std::array::from_fn(|v| if v == NV - 1 { last_mask } else { 0xff });
            let mut acc = [[_mm512_setzero_pd(); NV]; MR];
            let rows: [*const f64; MR] = std::array::from_fn(|r| a.offset(r as isize * rsa));
            for p in 0..kc {
                let bp = b.offset(p as isize * bs);
                let bv: [__m512d; NV] =
                    std::array::from_fn(|v| _mm512_maskz_loadu_pd(masks[v], bp.add(8 * v)));
                let offset = p as isize * csa;
                for r in 0..MR {
                    let av = _mm512_set1_pd(*rows[r].offset(offset));
                    for v in 0..NV {
                        acc[r][v] = _mm512_fmadd_pd(av, bv[v], acc[r][v]);
                    }
                }
            }
            if tile.first && !tile.bias.is_null() {
                for v in 0..NV {
                    let bias = _mm512_maskz_loadu_pd(masks[v], tile.bias.add(8 * v));
                    for acc_row in acc.iter_mut() {
                        acc_row[v] = _mm512_add_pd(acc_row[v], bias);
                    }
                }
            }
            for (r, acc_row) in acc.iter().enumerate().take(tile.mr) {
                let row = c.offset(r as isize * rsc);
                for (v, &sum) in acc_row.iter().enumerate() {
                    let mask = masks[v];
                    let at = row.add(8 * v);
                    let value = if tile.first && tile.beta == 0.0 {
                        sum
                    } else if tile.first {
                        _mm512_fmadd_pd(
                            _mm512_set1_pd(tile.beta),
                            _mm512_maskz_loadu_pd(mask, at),
                            sum,
                        )
                    } else {
                        _mm512_add_pd(_mm512_maskz_loadu_pd(mask, at), sum)
                    };
                    _mm512_mask_storeu_pd(at, mask, value);
                }
            }
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

    fn max_error(x: &Array2<f64>, y: &Array2<f64>) -> f64 {
        (x - y).iter().fold(0.0f64, |m, d| m.max(d.abs()))
    }

    #[test]
    fn matches_the_definition_for_every_layout_size_and_scale() {
        for (m, k, n) in [
            (1, 1, 1),
            (7, 13, 5),
            (8, 3, 24),
            (9, 25, 30),
            (17, 300, 49),
            (33, 2, 70),
        ] {
            let a =
                Array2::from_shape_fn((m, k), |(i, j)| ((i * 13 + j * 7) % 17) as f64 * 0.37 - 3.0);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j * 3) % 11) as f64 - 4.5);
            let (at, bt) = (a.t().to_owned(), b.t().to_owned());
            for (a, b) in [
                (a.view(), b.view()),
                (at.t(), b.view()),
                (a.view(), bt.t()),
                (at.t(), bt.t()),
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
                        gemm(alpha, a, b, beta, c.view_mut());
                        let want = &expected * alpha + &start * beta;
                        let err = max_error(&c, &want);
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
    }

    #[test]
    fn beta_zero_ignores_what_c_held() {
        let a = Array2::from_shape_fn((9, 4), |(i, j)| (i + j) as f64);
        let b = Array2::from_shape_fn((4, 11), |(i, j)| (i * j) as f64);
        let mut c = Array2::from_elem((9, 11), f64::NAN);
        gemm(1.0, a.view(), b.view(), 0.0, c.view_mut());
        assert_eq!(c, reference(&a.view(), &b.view()));
    }

    #[test]
    fn large_products_split_across_cores_equal_the_definition() {
        // tall, wide and deep shapes take each of the three ways of splitting
        for (m, k, n) in [
            (600, 25, 30),
            (100, 100, 700),
            (25, 5000, 30),
            (300, 300, 100),
        ] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((3 * i + 7 * j) % 11) as f64 - 5.0);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((5 * i + j) % 7) as f64 - 3.0);
            let want = reference(&a.view(), &b.view());
            assert_eq!(matmul(&a, &b).unwrap(), want, "{m}x{k}x{n}");
            assert_eq!(
                matmul(&b.t(), &a.t()).unwrap(),
                want.t(),
                "{m}x{k}x{n} transposed"
            );
            let mut c = Array2::ones((m, n));
            gemm(2.0, a.view(), b.view(), -1.0, c.view_mut());
            assert_eq!(c, &want * 2.0 - 1.0);
        }
    }

    #[test]
    fn affine_adds_the_bias_to_every_row() {
        for (n, d, m) in [
            (1, 1, 1),
            (9, 25, 30),
            (600, 25, 30),
            (100, 300, 100),
            (20, 40, 700),
        ] {
            let x = Array2::from_shape_fn((n, d), |(i, j)| ((3 * i + 7 * j) % 11) as f64 - 5.0);
            let w = Array2::from_shape_fn((d, m), |(i, j)| ((5 * i + j) % 7) as f64 - 3.0);
            let b = ndarray::Array1::from_shape_fn(m, |j| j as f64 * 0.5);
            let want = reference(&x.view(), &w.view()) + &b;
            assert_eq!(affine(&x, &w, &b).unwrap(), want, "{n}x{d}x{m}");
            assert_eq!(affine(&x.t().to_owned().t(), &w, &b.view()).unwrap(), want);
        }
        assert!(affine(
            &Array2::zeros((2, 3)),
            &Array2::zeros((3, 4)),
            &ndarray::Array1::zeros(3)
        )
        .is_err());
    }

    #[test]
    fn empty_inner_dimension_scales_c() {
        let a = Array2::<f64>::zeros((3, 0));
        let b = Array2::<f64>::zeros((0, 2));
        let mut c = Array2::<f64>::ones((3, 2));
        gemm(1.0, a.view(), b.view(), 2.0, c.view_mut());
        assert_eq!(c, Array2::from_elem((3, 2), 2.0));
        assert_eq!(matmul(&a, &b).unwrap(), Array2::zeros((3, 2)));
    }

    #[test]
    fn shapes_that_do_not_chain_are_an_error_naming_both() {
        let e = matmul(&Array2::zeros((2, 3)), &Array2::zeros((4, 2))).unwrap_err();
        assert!(e.to_string().contains("(2, 3) and b (4, 2)"), "{e}");
    }
}
