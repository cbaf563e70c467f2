//! The AVX-512 tile: 8 rows × 24 columns of c (three vectors of 8) in 24 of the 32
//! registers, masked loads and stores for a partial tile; a last tile of 1 or 2 columns
//! with the vectors along a (`narrow`).

use std::arch::x86_64::*;

use super::blocked::{copy_column, store_columns, Kernel, KC};
use super::Tile;

/// AVX-512F (`avx512f`).
pub(super) struct Avx512;

impl Kernel for Avx512 {
    const MR: usize = 8;
    const NR: usize = 24;
    const LANES: usize = 8;

    unsafe fn tile(t: Tile) {
        // SAFETY: the caller's contract is the kernel's.
        unsafe {
            match t.nr.div_ceil(8) {
                1 => kernel::<1>(t),
                2 => kernel::<2>(t),
                _ => kernel::<3>(t),
            }
        }
    }

    const NARROW: usize = 2;

    unsafe fn narrow(t: Tile) {
        // SAFETY: the caller's contract is narrow's.
        unsafe { narrow(t) }
    }
}

/// A tile of at most 2 columns (see [`Kernel::narrow`]): with a's rows contiguous, each
/// value of c is a dot product of a row of a with a column of b (copied contiguous),
/// eight lanes at a time; with a's columns contiguous, each column of c is a sum of
/// columns of a (eight rows each) times one value of b.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn narrow(t: Tile) {
    const MR: usize = 8;
    let mut sums = [[0.0f64; MR]; 2];
    // SAFETY: a[r·rsa + p·csa] for r < 8, p < kc and b[p·bs + j] for p < kc, j < nr lie in
    // the tile's rows of a and panel of b, as the caller guarantees; the masked lanes of
    // the last step of k are not read.
    unsafe {
        if t.csa == 1 {
            let mut column = [0.0f64; KC];
            let rows: [*const f64; MR] = std::array::from_fn(|r| t.a.offset(r as isize * t.rsa));
            for (j, sums) in sums.iter_mut().enumerate().take(t.nr) {
                copy_column(&t, j, &mut column);
                let mut acc = [_mm512_setzero_pd(); MR];
                for p in (0..t.kc).step_by(8) {
                    let mask: __mmask8 = if t.kc - p >= 8 {
                        0xff
                    } else {
                        (1u8 << (t.kc - p)) - 1
                    };
                    let b = _mm512_maskz_loadu_pd(mask, column.as_ptr().add(p));
                    for r in 0..MR {
                        let a = _mm512_maskz_loadu_pd(mask, rows[r].add(p));
                        acc[r] = _mm512_fmadd_pd(a, b, acc[r]);
                    }
                }
                for (sum, acc) in sums.iter_mut().zip(acc) {
                    *sum = _mm512_reduce_add_pd(acc);
                }
            }
        } else if t.nr == 1 {
            sums_of_columns::<1>(&t, &mut sums);
        } else {
            sums_of_columns::<2>(&t, &mut sums);
        }
        store_columns(&t, &sums);
    }
}

/// The narrow tile's N columns of sums when a's columns are contiguous: four chains of
/// multiply-adds per column (steps of k taken in turn), so that they do not wait on each
/// other.
///
/// # Safety
/// As [`narrow`], with `t.rsa` 1 and `t.nr` = N.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn sums_of_columns<const N: usize>(t: &Tile, sums: &mut [[f64; 8]; 2]) {
    const CHAINS: usize = 4;
    let mut acc = [[_mm512_setzero_pd(); CHAINS]; N];
    // SAFETY: as the caller guarantees (8 rows of a from a + p·csa, N values of b's row p).
    unsafe {
        let step = |p: usize, chain: usize, acc: &mut [[__m512d; CHAINS]; N]| {
            let a = _mm512_loadu_pd(t.a.offset(p as isize * t.csa));
            let b = t.b.offset(p as isize * t.bs);
            for (j, acc) in acc.iter_mut().enumerate() {
                acc[chain] = _mm512_fmadd_pd(a, _mm512_set1_pd(*b.add(j)), acc[chain]);
            }
        };
        let whole = t.kc / CHAINS * CHAINS;
        for p in (0..whole).step_by(CHAINS) {
            for chain in 0..CHAINS {
                step(p + chain, chain, &mut acc);
            }
        }
        for p in whole..t.kc {
            step(p, 0, &mut acc);
        }
        for (sums, acc) in sums.iter_mut().zip(acc) {
            let total = _mm512_add_pd(_mm512_add_pd(acc[0], acc[1]), _mm512_add_pd(acc[2], acc[3]));
            _mm512_storeu_pd(sums.as_mut_ptr(), total);
        }
    }
}

/// One 8 × (8·NV) tile (lanes past the tile's width are neither read nor written).
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn kernel<const NV: usize>(t: Tile) {
    const MR: usize = 8;
    let last_lanes = t.nr - 8 * (NV - 1);
    let last_mask: __mmask8 = if last_lanes >= 8 {
        0xff
    } else {
        (1u8 << last_lanes) - 1
    };
    let masks: [__mmask8; NV] = std::array::from_fn(|v| if v == NV - 1 { last_mask } else { 0xff });
    let mut acc = [[_mm512_setzero_pd(); NV]; MR];
    // SAFETY: every pointer below stays inside the tile's rows of a, panel of b and tile of
    // c, as the caller guarantees; masked lanes are not accessed.
    unsafe {
        let rows: [*const f64; MR] = std::array::from_fn(|r| t.a.offset(r as isize * t.rsa));
        for p in 0..t.kc {
            let bp = t.b.offset(p as isize * t.bs);
            let bv: [__m512d; NV] =
                std::array::from_fn(|v| _mm512_maskz_loadu_pd(masks[v], bp.add(8 * v)));
            let offset = p as isize * t.csa;
            for r in 0..MR {
                let av = _mm512_set1_pd(*rows[r].offset(offset));
                for v in 0..NV {
                    acc[r][v] = _mm512_fmadd_pd(av, bv[v], acc[r][v]);
                }
            }
        }
        // A copy for what follows, which indexes the rows up to t.mr: with that on `acc`
        // itself, opt-level 2 (evcxr's) kept its 24 vectors in memory and stored them all
        // at every step of the loop above (half the speed; opt-level 3 did not).
        let mut acc = acc;
        if t.first && !t.bias.is_null() {
            for v in 0..NV {
                let bias = _mm512_maskz_loadu_pd(masks[v], t.bias.add(8 * v));
                for acc_row in acc.iter_mut() {
                    acc_row[v] = _mm512_add_pd(acc_row[v], bias);
                }
            }
        }
        for (r, acc_row) in acc.iter().enumerate().take(t.mr) {
            let row = t.c.offset(r as isize * t.rsc);
            for (v, &sum) in acc_row.iter().enumerate() {
                let (mask, at) = (masks[v], row.add(8 * v));
                let value = if t.first && t.beta == 0.0 {
                    sum
                } else if t.first {
                    _mm512_fmadd_pd(_mm512_set1_pd(t.beta), _mm512_maskz_loadu_pd(mask, at), sum)
                } else {
                    _mm512_add_pd(_mm512_maskz_loadu_pd(mask, at), sum)
                };
                _mm512_mask_storeu_pd(at, mask, value);
            }
        }
    }
}
