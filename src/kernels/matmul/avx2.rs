//! The AVX2 + FMA tile: 6 rows × 8 columns of c (two vectors of 4) in 12 of the 16
//! registers (the shape of BLIS's Haswell kernel); a partial tile loads and stores
//! through lane masks.

use std::arch::x86_64::*;

use super::blocked::Kernel;
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
    // Plain loops fill the arrays, not `std::array::from_fn`: its closures are only inlined
    // here when the compiler optimises across the crate's code-generation units (a profile
    // with `lto = "off"` then ran the kernel four times slower).
    let mut masks = [_mm256_setzero_si256(); NV];
    for (v, mask) in masks.iter_mut().enumerate() {
        *mask = lane_mask(if v == NV - 1 { t.nr - 4 * v } else { 4 });
    }
    let mut acc = [[_mm256_setzero_pd(); NV]; MR];
    // SAFETY: every pointer below stays inside the tile's rows of a, panel of b and tile of
    // c, as the caller guarantees; masked lanes are not accessed.
    unsafe {
        let mut rows = [t.a; MR];
        for (r, row) in rows.iter_mut().enumerate() {
            *row = t.a.offset(r as isize * t.rsa);
        }
        for p in 0..t.kc {
            let bp = t.b.offset(p as isize * t.bs);
            let mut bv = [_mm256_setzero_pd(); NV];
            for v in 0..NV {
                bv[v] = load::<FULL>(bp.add(4 * v), masks[v]);
            }
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
