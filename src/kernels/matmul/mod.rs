//! The matrix product under every layer: c = alpha·a·b + beta·c.
//!
//! On x86-64 processors with AVX-512 or AVX2 + FMA the product runs the crate's own
//! blocked product (`blocked.rs`) with a tile kernel for that instruction set
//! (`avx512.rs`: 8 × 24 tiles, `avx2.rs`: 6 × 8): a is read where it lies (any strides),
//! b where it lies or copied into panels that stay in cache, and each kernel call keeps
//! a tile of c in registers. The lessons' products are skinny (an inner size of 25 or 30
//! in a convolution), where this is about twice ndarray's own product, which packs both
//! factors every time. Elsewhere it is ndarray's (`general_mat_mul`, the matrixmultiply
//! crate). Either way, large products are split across the cores along their rows or
//! columns, and a deep one into a fixed number of chunks of its inner dimension; the
//! results equal the definition up to rounding (tested against a triple loop).
//!
//! **The same numbers on every machine.** Both SIMD kernels sum every value of c in one
//! order: the inner dimension in blocks of 128, each by fused multiply-adds in the order of
//! k; how a product is cut into tiles, and onto how many cores, does not change it. So a
//! lesson gives the same bits on an AVX2 or an AVX-512 processor with any number of cores
//! (tested bit for bit); only ndarray's product, on other processors, rounds differently.

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ArrayBase, ArrayView1, ArrayView2, ArrayViewMut2, Axis, Data, Ix1, Ix2};

use std::sync::OnceLock;

use super::parallel::{parts_for, ranges, run_all, run_on, Task};
use crate::error::{Error, Result};
use crate::limits::{check_memory, f64_bytes};
#[cfg(target_arch = "x86_64")]
use blocked::Kernel as _;

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod blocked;

/// Which kernel multiplies on this machine: `"avx512"` or `"avx2"` (the crate's) or
/// `"ndarray"`.
pub fn backend() -> &'static str {
    match Backend::get() {
        Backend::Avx512 => "avx512",
        Backend::Avx2 => "avx2",
        Backend::Ndarray => "ndarray",
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
/// (Affine's forward pass), with b added as the product is stored rather than in a
/// second pass.
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
pub(crate) fn gemm_bias(
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
    // A deep product (conv's dW = colᵀ·dout: 30 x 57600 x 25) is cut along the inner
    // dimension into chunks that share nothing, where splitting rows would pack all of b
    // twice. The cut depends on the shapes alone, so the sums, and a lesson's numbers, are
    // the same on any number of cores.
    if k >= 4 * (m + n) && m * n <= 1 << 16 && flops >= DEEP_MIN_FLOPS {
        return gemm_deep(alpha, a, b, bias, beta, c, parts);
    }
    if parts == 1 {
        return gemm_serial(alpha, a, b, bias, beta, c);
    }
    let mut tasks: Vec<Task<'_, ()>> = Vec::new();
    let mut rest = c;
    let (row_step, col_step) = Backend::get().tile();
    if m >= n && m >= 2 * row_step {
        // rows of a and c
        for rows in ranges(m, parts, row_step) {
            let (part, tail) = rest.split_at(Axis(0), rows.len());
            rest = tail;
            let a = a.slice_move(s![rows, ..]);
            tasks.push(Box::new(move || gemm_serial(alpha, a, b, bias, beta, part)));
        }
        run_all(tasks);
    } else if n >= 2 * col_step {
        // columns of b and c
        for cols in ranges(n, parts, col_step) {
            let (part, tail) = rest.split_at(Axis(1), cols.len());
            rest = tail;
            let bias = bias.map(|bias| bias.slice_move(s![cols.clone()]));
            let b = b.slice_move(s![.., cols]);
            tasks.push(Box::new(move || gemm_serial(alpha, a, b, bias, beta, part)));
        }
        run_all(tasks);
    } else {
        gemm_serial(alpha, a, b, bias, beta, rest);
    }
}

/// Products at least this large (2·m·n·k) and deep are cut into [`DEEP_CHUNKS`].
const DEEP_MIN_FLOPS: usize = 8 << 20;
/// Chunks of the inner dimension of a deep product, whatever the number of cores.
const DEEP_CHUNKS: usize = 8;

/// A deep product in DEEP_CHUNKS chunks of the inner dimension: the first into c (with
/// bias and beta), the others into sums added to c after, in order. The chunks run on
/// `parts` cores (1: one after the other).
fn gemm_deep(
    alpha: f64,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    bias: Option<ArrayView1<'_, f64>>,
    beta: f64,
    mut c: ArrayViewMut2<'_, f64>,
    parts: usize,
) {
    let (m, n) = c.dim();
    let mut first = Some(c.view_mut());
    let mut tasks: Vec<Task<'_, Option<Array2<f64>>>> = Vec::new();
    for range in ranges(a.ncols(), DEEP_CHUNKS, blocked::KC) {
        let (a, b) = (
            a.slice_move(s![.., range.clone()]),
            b.slice_move(s![range, ..]),
        );
        tasks.push(match first.take() {
            Some(c) => Box::new(move || {
                gemm_serial(alpha, a, b, bias, beta, c);
                None
            }),
            None => Box::new(move || {
                let mut partial = Array2::zeros((m, n));
                gemm_serial(alpha, a, b, None, 0.0, partial.view_mut());
                Some(partial)
            }),
        });
    }
    for partial in run_on(parts, tasks).into_iter().flatten() {
        c += &partial;
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
    let backend = Backend::get();
    if backend != Backend::Ndarray && k > 0 && contiguous_bias.is_none_or(|ptr| ptr.is_some()) {
        let bias_ptr = contiguous_bias.flatten().unwrap_or(std::ptr::null());
        let (rsc, csc) = (c.strides()[0], c.strides()[1]);
        let product = Product::of_views(alpha, a, b, bias_ptr, beta, &mut c);
        if csc == 1 || (n == 1 && bias.is_none()) {
            // SAFETY: the backend's instructions are available (detected); the pointers and
            // strides describe the three views exactly, so every element read or written
            // lies inside them; c is borrowed mutably, so it overlaps neither a nor b.
            unsafe { simd_gemm(backend, product) };
            return;
        }
        if rsc == 1 {
            // SAFETY: as above.
            unsafe { column_major_gemm(backend, product, csc) };
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

/// One product for [`blocked::gemm`]: c (m × n, row stride rsc, column stride 1) =
/// alpha·a·b + bias + beta·c, with a (m × k) and b (k × n) at any strides and bias (n
/// values, or null for none) added to every row; c is not read when beta is 0.
#[derive(Clone, Copy)]
struct Product {
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
}

impl Product {
    /// The product of the views' shapes, pointers and strides (c's column stride is the
    /// caller's to check).
    fn of_views(
        alpha: f64,
        a: ArrayView2<'_, f64>,
        b: ArrayView2<'_, f64>,
        bias: *const f64,
        beta: f64,
        c: &mut ArrayViewMut2<'_, f64>,
    ) -> Product {
        Product {
            m: a.nrows(),
            k: a.ncols(),
            n: b.ncols(),
            alpha,
            a: a.as_ptr(),
            rsa: a.strides()[0],
            csa: a.strides()[1],
            b: b.as_ptr(),
            rsb: b.strides()[0],
            csb: b.strides()[1],
            bias,
            beta,
            c: c.as_mut_ptr(),
            rsc: c.strides()[0],
        }
    }
}

/// Values of c computed at a time for a column-major c (256 kB: they stay in the
/// second-level cache until they are copied out).
const COLUMN_MAJOR_BLOCK: usize = 1 << 15;

/// `product` for a column-major c (rows contiguous, column stride `csc`): blocks of rows
/// are computed row-major into a buffer that stays in cache, then copied into c's columns
/// (+ beta·c, fused as in the kernels). The convolution's forward product is one: a
/// sample's (positions, FN) block of the course's matrix lands in out[n] (FN, positions).
/// Computing cᵀ = bᵀ·aᵀ instead makes the kernel read b across its long rows or pack it
/// value by value: the forward product took 4.6–5.0 ms that way, 3.4–3.6 ms this way
/// (batch 100 of 28×28).
///
/// # Safety
/// As [`blocked::gemm`] for `product`, whose `rsc` is 1 and whose c column j starts at
/// c + j·csc; `backend` is not `Ndarray`.
unsafe fn column_major_gemm(backend: Backend, product: Product, csc: isize) {
    let (m, n, beta) = (product.m, product.n, product.beta);
    let rows = (COLUMN_MAJOR_BLOCK / n).clamp(1, m);
    // written by each block's product before it is read (beta 0), so never initialised
    let mut block: Vec<f64> = Vec::with_capacity(rows * n);
    for i0 in (0..m).step_by(rows) {
        let r = rows.min(m - i0);
        let part = Product {
            m: r,
            // SAFETY: row i0 < m of a.
            a: unsafe { product.a.offset(i0 as isize * product.rsa) },
            beta: 0.0,
            c: block.as_mut_ptr(),
            rsc: n as isize,
            ..product
        };
        // SAFETY: rows i0..i0 + r of a, all of b and bias, into the buffer's r × n values,
        // every one written (beta 0).
        let block = unsafe {
            simd_gemm(backend, part);
            std::slice::from_raw_parts(block.as_ptr(), r * n)
        };
        // eight columns of c at a time: each row of the block is read once, in order
        for j0 in (0..n).step_by(8) {
            let columns = j0..(j0 + 8).min(n);
            for (i, row) in block.chunks_exact(n).enumerate() {
                for (j, &value) in columns.clone().zip(&row[columns.clone()]) {
                    // SAFETY: c[i0 + i, j] lies in c as the caller guarantees; c is not
                    // read when beta is 0 (it may be uninitialised).
                    unsafe {
                        let at = product.c.offset(j as isize * csc).add(i0 + i);
                        // beta·c + value in one rounding, as the tile kernels do
                        *at = if beta == 0.0 {
                            value
                        } else {
                            beta.mul_add(*at, value)
                        };
                    }
                }
            }
        }
    }
}

/// [`blocked::gemm`] with the backend's kernel.
///
/// # Safety
/// As [`blocked::gemm`]; `backend` is not `Ndarray`.
unsafe fn simd_gemm(backend: Backend, product: Product) {
    // SAFETY: as the caller guarantees.
    unsafe {
        match backend {
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => blocked::gemm::<avx512::Avx512>(product),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => blocked::gemm::<avx2::Avx2>(product),
            _ => unreachable!("the ndarray backend has no SIMD kernel"),
        }
    }
}

/// One call of a tile kernel: kc columns of a (MR rows from `a`, row stride rsa, column
/// stride csa; rows beyond mr readable), kc rows of b (from `b`, row stride bs, columns
/// contiguous; columns beyond nr not read) and the tile of c (from `c`, row stride rsc;
/// only mr × nr written).
#[derive(Clone, Copy)]
struct Tile {
    kc: usize,
    a: *const f64,
    rsa: isize,
    csa: isize,
    b: *const f64,
    bs: isize,
    c: *mut f64,
    rsc: isize,
    mr: usize,
    nr: usize,
    /// The first block of the inner dimension: c = beta·c + bias + ab; later ones add.
    first: bool,
    beta: f64,
    /// The tile's first bias value, or null.
    bias: *const f64,
}

/// The kernels this processor runs, detected once (`DL_LESSONS_KERNEL=ndarray` or `avx2`
/// chooses a slower one, for tests and comparisons).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Backend {
    Avx512,
    Avx2,
    Ndarray,
}

impl Backend {
    /// The (rows, columns) of c the kernel computes at a time: large products are split
    /// across the cores in whole tiles.
    fn tile(self) -> (usize, usize) {
        match self {
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512 => (avx512::Avx512::MR, avx512::Avx512::NR),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => (avx2::Avx2::MR, avx2::Avx2::NR),
            _ => (8, 8),
        }
    }

    fn get() -> Backend {
        static BACKEND: OnceLock<Backend> = OnceLock::new();
        *BACKEND.get_or_init(|| {
            let choice = std::env::var("DL_LESSONS_KERNEL").unwrap_or_default();
            #[cfg(target_arch = "x86_64")]
            {
                let avx512 = std::arch::is_x86_feature_detected!("avx512f");
                let avx2 = std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma");
                match choice.as_str() {
                    "ndarray" => Backend::Ndarray,
                    "avx2" if avx2 => Backend::Avx2,
                    _ if avx512 => Backend::Avx512,
                    _ if avx2 => Backend::Avx2,
                    _ => Backend::Ndarray,
                }
            }
            #[cfg(not(target_arch = "x86_64"))]
            {
                let _ = choice;
                Backend::Ndarray
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::same_bits;

    fn reference(a: &ArrayView2<'_, f64>, b: &ArrayView2<'_, f64>) -> Array2<f64> {
        Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
            (0..a.ncols()).map(|p| a[[i, p]] * b[[p, j]]).sum()
        })
    }

    /// A copy of `x` stored column by column (`x.t().to_owned()` would keep x's memory order).
    fn stored_by_columns(x: &Array2<f64>) -> Array2<f64> {
        let c = x.t().as_standard_layout().into_owned().reversed_axes();
        assert_eq!(c.strides()[0], 1);
        c
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
            let (a_by_columns, b_by_columns) = (stored_by_columns(&a), stored_by_columns(&b));
            for (a, b) in [
                (a.view(), b.view()),
                (a_by_columns.view(), b.view()),
                (a.view(), b_by_columns.view()),
                (a_by_columns.view(), b_by_columns.view()),
            ] {
                let expected = reference(&a, &b);
                let start = Array2::from_shape_fn(expected.dim(), |(i, j)| (i + 2 * j) as f64);
                for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (-2.0, 3.0)] {
                    for column_major in [false, true] {
                        let mut c = if column_major {
                            stored_by_columns(&start)
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

    /// a (m, k) and b (k, n) whose products round differently when summed in another order.
    fn rounding_sensitive(m: usize, k: usize, n: usize) -> (Array2<f64>, Array2<f64>) {
        (
            Array2::from_shape_fn((m, k), |(i, j)| ((i * 31 + j * 17) as f64 * 0.37).sin()),
            Array2::from_shape_fn((k, n), |(i, j)| ((i * 7 + j * 13) as f64 * 0.91).cos()),
        )
    }

    /// The SIMD kernels this processor has (none but on x86-64).
    fn present_kernels() -> Vec<Backend> {
        #[cfg(target_arch = "x86_64")]
        let kernels = [
            (
                Backend::Avx512,
                std::arch::is_x86_feature_detected!("avx512f"),
            ),
            (
                Backend::Avx2,
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma"),
            ),
        ];
        #[cfg(not(target_arch = "x86_64"))]
        let kernels: [(Backend, bool); 0] = [];
        kernels
            .into_iter()
            .filter(|(_, present)| *present)
            .map(|(backend, _)| backend)
            .collect()
    }

    /// c = alpha·a·b + bias + beta·c with `backend`'s kernel, through the column-major
    /// path when `column_major` (c stored by columns).
    fn run_kernel(
        backend: Backend,
        alpha: f64,
        (a, b): (ArrayView2<'_, f64>, ArrayView2<'_, f64>),
        bias: &ndarray::Array1<f64>,
        beta: f64,
        (c, column_major): (&mut Array2<f64>, bool),
    ) {
        let csc = c.strides()[1];
        // SAFETY: the kernel's instructions are present (present_kernels); the pointers and
        // strides describe the three arrays.
        unsafe {
            let product = Product::of_views(alpha, a, b, bias.as_ptr(), beta, &mut c.view_mut());
            if column_major {
                column_major_gemm(backend, product, csc);
            } else {
                simd_gemm(backend, product);
            }
        }
    }

    /// Each SIMD kernel this processor has, whichever the process chose, on every tile
    /// edge (rows and columns that are not whole tiles), both ways of reading b and both
    /// layouts of c.
    #[test]
    fn every_kernel_this_processor_runs_matches_the_definition() {
        for backend in present_kernels() {
            for (m, k, n) in [
                (1, 1, 1),
                (5, 3, 7),
                (7, 130, 9),
                (13, 25, 30),
                (30, 576, 25), // a last tile of 1 column (conv's dW)
                (576, 30, 25), // and conv's dx, whose a is read across (below)
                (17, 200, 26), // of 2 columns
                (49, 2, 500),
                (1500, 3, 40), // a column-major c in two blocks of rows
            ] {
                let a = Array2::from_shape_fn((m, k), |(i, j)| {
                    ((i * 13 + j * 7) % 17) as f64 * 0.25 - 2.0
                });
                let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j * 3) % 11) as f64 - 4.5);
                let bias = ndarray::Array1::from_shape_fn(n, |j| j as f64);
                let (a_by_columns, b_by_columns) = (stored_by_columns(&a), stored_by_columns(&b));
                // a read along its rows or (stored transposed) down its columns; b as is,
                // transposed, or scaled by alpha (packed); c row- or column-major
                let ways = [
                    (a.view(), b.view(), 1.0),
                    (a_by_columns.view(), b.view(), 1.0),
                    (a.view(), b_by_columns.view(), 1.0),
                    (a.view(), b.view(), 0.5),
                ];
                let layouts = ways.into_iter().flat_map(|way| [(way, false), (way, true)]);
                for ((a, b, alpha), column_major) in layouts {
                    let start = Array2::from_shape_fn((m, n), |(i, j)| (i + 2 * j) as f64);
                    let mut c = if column_major {
                        stored_by_columns(&start)
                    } else {
                        start.clone()
                    };
                    run_kernel(backend, alpha, (a, b), &bias, 2.0, (&mut c, column_major));
                    let want = reference(&a, &b) * alpha + &bias + &start * 2.0;
                    let err = max_error(&c, &want);
                    assert!(
                        err < 1e-9,
                        "{backend:?} {m}x{k}x{n} a strides {:?} alpha {alpha} column-major c {column_major}: error {err}",
                        a.strides()
                    );
                }
            }
        }
    }

    /// c = alpha·a·b + bias + beta·c summed as every tile kernel sums it, one value at a
    /// time: the inner dimension in blocks of KC, each block's sum from zero by fused
    /// multiply-adds in the order of k; the first block's sum plus the bias, plus beta·c in
    /// one fused multiply-add (c not read when beta is 0); each later block's sum added.
    /// A column-major c gets beta·c last (`column_major_gemm` computes the rest first).
    fn in_kernel_order(
        alpha: f64,
        (a, b): (&ArrayView2<'_, f64>, &ArrayView2<'_, f64>),
        bias: &ndarray::Array1<f64>,
        beta: f64,
        c: &mut Array2<f64>,
        column_major: bool,
    ) {
        let k = a.ncols();
        for ((i, j), value) in c.indexed_iter_mut() {
            let mut total = 0.0;
            for p0 in (0..k).step_by(blocked::KC) {
                let mut sum = 0.0;
                for p in p0..(p0 + blocked::KC).min(k) {
                    sum = a[[i, p]].mul_add(alpha * b[[p, j]], sum);
                }
                total = if p0 > 0 {
                    total + sum
                } else if beta == 0.0 || column_major {
                    sum + bias[j]
                } else {
                    beta.mul_add(*value, sum + bias[j])
                };
            }
            *value = if beta != 0.0 && column_major {
                beta.mul_add(*value, total)
            } else {
                total
            };
        }
    }

    /// The SIMD kernels give the same bits, whatever their tile: a lesson's numbers do not
    /// depend on the processor it runs on (AVX2 or AVX-512), nor on how a product is cut
    /// into tiles and blocks. Values that round differently in another order.
    #[test]
    fn every_kernel_sums_in_one_order() {
        let mut checked = 0;
        for backend in present_kernels() {
            for (m, k, n) in [
                (7, 130, 9),
                (30, 576, 25),
                (576, 30, 25),
                (17, 300, 26),
                (9, 40, 10),
            ] {
                let (a, b) = rounding_sensitive(m, k, n);
                let bias = ndarray::Array1::from_shape_fn(n, |j| (j as f64 * 1.3).sin());
                let (a_by_columns, b_by_columns) = (stored_by_columns(&a), stored_by_columns(&b));
                let ways = [
                    (a.view(), b.view(), 1.0, 0.0),
                    (a_by_columns.view(), b.view(), 1.0, 0.3),
                    (a.view(), b_by_columns.view(), 1.0, 0.0),
                    (a.view(), b.view(), 0.7, 1.1),
                ];
                for ((a, b, alpha, beta), column_major) in
                    ways.into_iter().flat_map(|way| [(way, false), (way, true)])
                {
                    let start = Array2::from_shape_fn((m, n), |(i, j)| ((i + 2 * j) as f64).sqrt());
                    let mut want = start.clone();
                    in_kernel_order(alpha, (&a, &b), &bias, beta, &mut want, column_major);
                    let mut c = if column_major {
                        stored_by_columns(&start)
                    } else {
                        start
                    };
                    run_kernel(backend, alpha, (a, b), &bias, beta, (&mut c, column_major));
                    assert!(
                        same_bits(&c, &want),
                        "{backend:?} {m}x{k}x{n} a strides {:?} alpha {alpha} beta {beta} column-major c {column_major}: values that differ from the kernels' order",
                        a.strides()
                    );
                    checked += 1;
                }
            }
        }
        // at least one kernel ran on x86-64, where every processor since 2013 has AVX2
        assert!(checked > 0 || cfg!(not(target_arch = "x86_64")) || backend() == "ndarray");
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
            (25, 6000, 30),
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

    /// A deep product's chunks are cut by its shapes, not by the cores: one core or many,
    /// the same bits (values that round differently in another order).
    #[test]
    fn a_deep_product_sums_the_same_on_any_number_of_cores() {
        let (m, k, n) = (30, 9000, 25);
        let (a, b) = rounding_sensitive(m, k, n);
        let bias = ndarray::Array1::from_shape_fn(n, |j| j as f64 * 0.1);
        let on = |parts| {
            let mut c = Array2::from_elem((m, n), 0.5);
            gemm_deep(
                1.0,
                a.view(),
                b.view(),
                Some(bias.view()),
                2.0,
                c.view_mut(),
                parts,
            );
            c
        };
        let one_core = on(1);
        for parts in [2, 3, 8] {
            assert!(
                same_bits(&one_core, &on(parts)),
                "{parts} cores sum differently from one"
            );
        }
        let want = reference(&a.view(), &b.view()) + &bias + 1.0;
        assert!(max_error(&one_core, &want) < 1e-9);
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
            assert_eq!(affine(&stored_by_columns(&x), &w, &b.view()).unwrap(), want);
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
