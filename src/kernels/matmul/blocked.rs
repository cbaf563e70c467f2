//! The blocked product that both SIMD kernels run under (the layout of BLIS and
//! OpenBLAS, kept small): the inner dimension is cut into blocks of KC, the columns of b
//! into blocks of NC that stay in the second-level cache, and a kernel computes one
//! MR × NR tile of c at a time from MR rows of a and a panel of b.

use super::{Product, Tile};

/// Depth of one block of the inner dimension: a panel of b (KC × NR values) takes at
/// most 24 kB, half the first-level cache, and a row block of a as much.
pub(super) const KC: usize = 128;

/// One instruction set's tile kernel.
pub(super) trait Kernel {
    /// Rows of c per tile.
    const MR: usize;
    /// Columns of c per tile (whole vectors).
    const NR: usize;
    /// Values per vector register; packed panels are this many columns wide, rounded up.
    const LANES: usize;

    /// One tile of c (`t.mr` ≤ MR rows, `t.nr` ≤ NR columns).
    ///
    /// # Safety
    /// The CPU has the kernel's instruction set; the pointers cover what `t` describes.
    unsafe fn tile(t: Tile);
}

/// The product `p` with K's tile kernel.
///
/// # Safety
/// The CPU has K's instruction set; m, n, k ≥ 1; every a[i·rsa + p·csa], b[p·rsb + j·csb],
/// bias[j] (unless null) and c[i·rsc + j] for i < m, p < k, j < n lies in a live
/// allocation; c overlaps neither a, b nor bias.
pub(super) unsafe fn gemm<K: Kernel>(p: Product) {
    let Product {
        m,
        k,
        n,
        alpha,
        a,
        rsa,
        csa,
        b,
        rsb,
        csb,
        bias,
        beta,
        c,
        rsc,
    } = p;
    // Columns of b packed at a time: KC × NC values (about 0.5–1 MB) stay in the
    // second-level cache while every row block of a passes by.
    let nc_max = 20 * K::NR;
    // b is read where it lies when its rows are contiguous, alpha is 1 and a block of KC
    // rows spans little memory (the lessons' products); otherwise alpha·b is copied into
    // panels, which keeps long rows from evicting each other in cache.
    let in_place =
        csb == 1 && alpha == 1.0 && (rsb.unsigned_abs() * KC * 8 <= 256 << 10 || m <= 32);
    let mut b_pack = if in_place {
        Vec::new()
    } else {
        vec![0.0; KC * nc_max.min(n.div_ceil(K::LANES) * K::LANES)]
    };
    let mut a_pack = vec![0.0; K::MR * KC];
    for jc in (0..n).step_by(nc_max) {
        let nc = nc_max.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            // SAFETY (all offsets below): inside a, b and c as the caller guarantees.
            let b_block = unsafe { b.offset(pc as isize * rsb + jc as isize * csb) };
            if !in_place {
                unsafe { pack_b::<K>(kc, nc, b_block, rsb, csb, alpha, &mut b_pack) };
            }
            for ic in (0..m).step_by(K::MR) {
                let mr = K::MR.min(m - ic);
                let a_block = unsafe { a.offset(ic as isize * rsa + pc as isize * csa) };
                let (ap, ar, ac) = if mr == K::MR {
                    (a_block, rsa, csa)
                } else {
                    unsafe { pack_a(K::MR, mr, kc, a_block, rsa, csa, &mut a_pack) };
                    (a_pack.as_ptr(), kc as isize, 1)
                };
                for jr in (0..nc).step_by(K::NR) {
                    let nr = K::NR.min(nc - jr);
                    let (bp, bs) = if in_place {
                        (unsafe { b_block.add(jr) }, rsb)
                    } else {
                        let width = nr.div_ceil(K::LANES) * K::LANES;
                        (unsafe { b_pack.as_ptr().add(jr * kc) }, width as isize)
                    };
                    let tile = Tile {
                        kc,
                        a: ap,
                        rsa: ar,
                        csa: ac,
                        b: bp,
                        bs,
                        c: unsafe { c.offset(ic as isize * rsc + (jc + jr) as isize) },
                        rsc,
                        mr,
                        nr,
                        first: pc == 0,
                        beta,
                        bias: if bias.is_null() {
                            bias
                        } else {
                            unsafe { bias.add(jc + jr) }
                        },
                    };
                    // SAFETY: the tile lies inside a, the panel and c.
                    unsafe { K::tile(tile) };
                }
            }
        }
    }
}

/// Copies alpha·b (kc × nc) into panels of NR columns, each kc rows of NR values (the
/// last panel: of its width rounded up to whole vectors, zero beyond nc); the panel of
/// column j0 starts at j0·kc.
///
/// # Safety
/// b[p·rsb + j·csb] lies in a live allocation for p < kc, j < nc.
unsafe fn pack_b<K: Kernel>(
    kc: usize,
    nc: usize,
    b: *const f64,
    rsb: isize,
    csb: isize,
    alpha: f64,
    out: &mut [f64],
) {
    for j0 in (0..nc).step_by(K::NR) {
        let width = K::NR.min(nc - j0);
        let stride = width.div_ceil(K::LANES) * K::LANES;
        let dst = &mut out[j0 * kc..][..kc * stride];
        for (p, row) in dst.chunks_exact_mut(stride).enumerate() {
            let (values, zeros) = row.split_at_mut(width);
            for (j, v) in values.iter_mut().enumerate() {
                // SAFETY: p < kc, j0 + j < nc.
                *v = alpha * unsafe { *b.offset(p as isize * rsb + (j0 + j) as isize * csb) };
            }
            zeros.fill(0.0);
        }
    }
}

/// Copies the last, partial row block of a (mr < MR rows × kc) row-major into `out`,
/// with zero rows below it.
///
/// # Safety
/// a[r·rsa + p·csa] lies in a live allocation for r < mr, p < kc.
unsafe fn pack_a(
    rows: usize,
    mr: usize,
    kc: usize,
    a: *const f64,
    rsa: isize,
    csa: isize,
    out: &mut [f64],
) {
    for (r, row) in out.chunks_exact_mut(kc).take(rows).enumerate() {
        for (p, v) in row.iter_mut().enumerate() {
            *v = if r < mr {
                // SAFETY: r < mr, p < kc.
                unsafe { *a.offset(r as isize * rsa + p as isize * csa) }
            } else {
                0.0
            };
        }
    }
}
