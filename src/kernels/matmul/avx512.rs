//! The AVX-512 tile: 8 rows × 24 columns of c (three vectors of 8) in 24 of the 32
//! registers, masked loads and stores for a partial tile.

use std::arch::x86_64::*;

use super::blocked::Kernel;
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
    // The arrays are filled without `std::array::from_fn`, as in the AVX2 kernel.
    let mut masks: [__mmask8; NV] = [0xff; NV];
    masks[NV - 1] = last_mask;
    let mut acc = [[_mm512_setzero_pd(); NV]; MR];
    // SAFETY: every pointer below stays inside the tile's rows of a, panel of b and tile of
    // c, as the caller guarantees; masked lanes are not accessed.
    unsafe {
        let mut rows = [t.a; MR];
        for (r, row) in rows.iter_mut().enumerate() {
            *row = t.a.offset(r as isize * t.rsa);
        }
        for p in 0..t.kc {
            let bp = t.b.offset(p as isize * t.bs);
            let mut bv = [_mm512_setzero_pd(); NV];
            for v in 0..NV {
                bv[v] = _mm512_maskz_loadu_pd(masks[v], bp.add(8 * v));
            }
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
