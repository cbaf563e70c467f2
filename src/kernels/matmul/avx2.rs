//! The AVX2 + FMA tile: 6 rows × 8 columns of c (two vectors of 4) in 12 of the 16
//! registers (the shape of BLIS's Haswell kernel); a partial tile loads and stores
//! through lane masks; a last tile of 1 or 2 columns with the vectors along a (`narrow`).

use std::arch::x86_64::*;

use super::blocked::{copy_column, store_columns, Kernel, KC};
use super::Tile;

/// AVX2 with fused multiply-add (`avx2`, `fma`).
pub(super) struct Avx2;

impl Kernel for Avx2 {
    const MR: usize = 6;
    const NR: usize = 8;
    const LANES: usize = 4;

    unsafe fn tile(t: Tile) {
        // SAFETY: the caller's contract is the kernel's.
        unsafe {
            match t.nr {
                8 => kernel::<2, true>(t),
                5..=7 => kernel::<2, false>(t),
                4 => kernel::<1, true>(t),
                _ => kernel::<1, false>(t),
            }
        }
    }

    const NARROW: usize = 2;

    unsafe fn narrow(t: Tile) {
        // SAFETY: the caller's contract is narrow's.
        unsafe { narrow(t) }
    }
}

/// A tile of at most 2 columns (see [`Kernel::narrow`]), as the AVX-512 one with four
/// lanes: with a's rows contiguous, each value of c is a dot product of a row of a with a
/// column of b (copied contiguous); with a's columns contiguous, each column of c is a sum
/// of columns of a (six rows: a vector of four and one of two) times one value of b.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn narrow(t: Tile) {
    const MR: usize = 6;
    let mut sums = [[0.0f64; MR]; 2];
    // SAFETY: a[r·rsa + p·csa] for r < 6, p < kc and b[p·bs + j] for p < kc, j < nr lie in
    // the tile's rows of a and panel of b, as the caller guarantees; the masked lanes of
    // the last step of k are not read.
    unsafe {
        if t.csa == 1 {
            let mut column = [0.0f64; KC];
            let rows: [*const f64; MR] = std::array::from_fn(|r| t.a.offset(r as isize * t.rsa));
            for (j, sums) in sums.iter_mut().enumerate().take(t.nr) {
                copy_column(&t, j, &mut column);
                let mut acc = [_mm256_setzero_pd(); MR];
                for p in (0..t.kc).step_by(4) {
                    let mask = lane_mask(t.kc - p);
                    let b = _mm256_maskload_pd(column.as_ptr().add(p), mask);
                    for r in 0..MR {
                        let a = _mm256_maskload_pd(rows[r].add(p), mask);
                        acc[r] = _mm256_fmadd_pd(a, b, acc[r]);
                    }
                }
                for (sum, acc) in sums.iter_mut().zip(acc) {
                    let mut lanes = [0.0; 4];
                    _mm256_storeu_pd(lanes.as_mut_ptr(), acc);
                    *sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
                }
            }
        } else if t.nr == 1 {
            sums_of_columns::<1, 4>(&t, &mut sums);
        } else {
            sums_of_columns::<2, 2>(&t, &mut sums);
        }
        store_columns(&t, &sums);
    }
}

/// The narrow tile's N columns of sums when a's columns are contiguous, in CHAINS chains
/// of multiply-adds per column (steps of k taken in turn), so that they do not wait on
/// each other: 2·N·CHAINS accumulators, at most 8 of the 16 registers.
///
/// # Safety
/// As [`narrow`], with `t.rsa` 1 and `t.nr` = N.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn sums_of_columns<const N: usize, const CHAINS: usize>(t: &Tile, sums: &mut [[f64; 6]; 2]) {
    // rows 0–3 and rows 4–5 of each chain of each column
    let mut high = [[_mm256_setzero_pd(); CHAINS]; N];
    let mut low = [[_mm_setzero_pd(); CHAINS]; N];
    // SAFETY: as the caller guarantees (6 rows of a from a + p·csa, N values of b's row p).
    unsafe {
        let mut step = |p: usize, chain: usize| {
            let column = t.a.offset(p as isize * t.csa);
            let (a_high, a_low) = (_mm256_loadu_pd(column), _mm_loadu_pd(column.add(4)));
            let b = t.b.offset(p as isize * t.bs);
            for j in 0..N {
                let value = *b.add(j);
                high[j][chain] = _mm256_fmadd_pd(a_high, _mm256_set1_pd(value), high[j][chain]);
                low[j][chain] = _mm_fmadd_pd(a_low, _mm_set1_pd(value), low[j][chain]);
            }
        };
        let whole = t.kc / CHAINS * CHAINS;
        for p in (0..whole).step_by(CHAINS) {
            for chain in 0..CHAINS {
                step(p + chain, chain);
            }
        }
        for p in whole..t.kc {
            step(p, 0);
        }
        for (j, sums) in sums.iter_mut().enumerate().take(N) {
            let (mut h, mut l) = (high[j][0], low[j][0]);
            for chain in 1..CHAINS {
                h = _mm256_add_pd(h, high[j][chain]);
                l = _mm_add_pd(l, low[j][chain]);
            }
            _mm256_storeu_pd(sums.as_mut_ptr(), h);
            _mm_storeu_pd(sums.as_mut_ptr().add(4), l);
        }
    }
}

/// The mask of the first `lanes` of a vector (all four when `lanes` ≥ 4).
#[inline]
#[target_feature(enable = "avx2")]
fn lane_mask(lanes: usize) -> __m256i {
    let on = |lane: usize| if lane < lanes { -1 } else { 0 };
    _mm256_setr_epi64x(on(0), on(1), on(2), on(3))
}

/// Four values at `at`, or only the lanes of `mask` (the others zero) unless FULL.
///
/// # Safety
/// The lanes read lie in a live allocation.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load<const FULL: bool>(at: *const f64, mask: __m256i) -> __m256d {
    // SAFETY: as the caller guarantees.
    unsafe {
        if FULL {
            _mm256_loadu_pd(at)
        } else {
            _mm256_maskload_pd(at, mask)
        }
    }
}

/// One 6 × (4·NV) tile; with FULL, every lane is in the tile and plain loads are used.
#[inline]
#[target_feature(enable = "avx2,fma")]
unsafe fn kernel<const NV: usize, const FULL: bool>(t: Tile) {
    const MR: usize = 6;
    let masks: [__m256i; NV] =
        std::array::from_fn(|v| lane_mask(if v == NV - 1 { t.nr - 4 * v } else { 4 }));
    let mut acc = [[_mm256_setzero_pd(); NV]; MR];
    // SAFETY: every pointer below stays inside the tile's rows of a, panel of b and tile of
    // c, as the caller guarantees; masked lanes are not accessed.
    unsafe {
        let rows: [*const f64; MR] = std::array::from_fn(|r| t.a.offset(r as isize * t.rsa));
        for p in 0..t.kc {
            let bp = t.b.offset(p as isize * t.bs);
            let bv: [__m256d; NV] = std::array::from_fn(|v| load::<FULL>(bp.add(4 * v), masks[v]));
            let offset = p as isize * t.csa;
            for r in 0..MR {
                let av = _mm256_broadcast_sd(&*rows[r].offset(offset));
                for v in 0..NV {
                    acc[r][v] = _mm256_fmadd_pd(av, bv[v], acc[r][v]);
                }
            }
        }
        // A copy, as in the AVX-512 kernel: `acc` stays in registers at opt-level 2.
        let mut acc = acc;
        if t.first && !t.bias.is_null() {
            for v in 0..NV {
                let bias = load::<FULL>(t.bias.add(4 * v), masks[v]);
                for acc_row in acc.iter_mut() {
                    acc_row[v] = _mm256_add_pd(acc_row[v], bias);
                }
            }
        }
        for (r, acc_row) in acc.iter().enumerate().take(t.mr) {
            let row = t.c.offset(r as isize * t.rsc);
            for (v, &sum) in acc_row.iter().enumerate() {
                let at = row.add(4 * v);
                let value = if t.first && t.beta == 0.0 {
                    sum
                } else if t.first {
                    _mm256_fmadd_pd(_mm256_set1_pd(t.beta), load::<FULL>(at, masks[v]), sum)
                } else {
                    _mm256_add_pd(load::<FULL>(at, masks[v]), sum)
                };
                if FULL {
                    _mm256_storeu_pd(at, value);
                } else {
                    _mm256_maskstore_pd(at, masks[v], value);
                }
            }
        }
    }
}
