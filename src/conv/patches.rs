//! The per-sample, cache-sized lowering the `Convolution` layer runs on.
//!
//! For one padded sample (C, Hp, Wp) the patches are laid out as (C·FH·FW, OH·OW): row
//! k = (c, y, x) holds what filter position k sees at every output position. That is the
//! transpose of one sample's block of [`im2col`](super::im2col), so W (FN, C·FH·FW) times it
//! is the sample's output (FN, OH·OW) in the output's own layout, and it is small enough
//! (one sample) to stay in cache between being written and being multiplied.

use super::ConvGeometry;

/// Writes the patches of one padded sample `img` (C·Hp·Wp values) into `patches`
/// (C·FH·FW · OH·OW values).
pub(crate) fn patches_into(img: &[f64], g: &ConvGeometry, patches: &mut [f64]) {
    let (hp, wp) = g.padded_size();
    let positions = g.out_h * g.out_w;
    let mut rows = patches.chunks_exact_mut(positions);
    for ch in 0..g.input_shape.1 {
        let plane = &img[ch * hp * wp..(ch + 1) * hp * wp];
        for y in 0..g.filter_h {
            for x in 0..g.filter_w {
                let row = rows.next().expect("patches has C·FH·FW rows");
                for (i, out) in row.chunks_exact_mut(g.out_w).enumerate() {
                    let start = (i * g.stride + y) * wp + x;
                    if g.stride == 1 {
                        out.copy_from_slice(&plane[start..start + g.out_w]);
                    } else {
                        for (j, o) in out.iter_mut().enumerate() {
                            *o = plane[start + j * g.stride];
                        }
                    }
                }
            }
        }
    }
}

/// The adjoint of [`patches_into`]: adds every patch value back at its pixel of the padded
/// sample `img` (which the caller zeroes first).
pub(crate) fn add_patches(patches: &[f64], g: &ConvGeometry, img: &mut [f64]) {
    let (hp, wp) = g.padded_size();
    let positions = g.out_h * g.out_w;
    let mut rows = patches.chunks_exact(positions);
    for ch in 0..g.input_shape.1 {
        let plane = &mut img[ch * hp * wp..(ch + 1) * hp * wp];
        for y in 0..g.filter_h {
            for x in 0..g.filter_w {
                let row = rows.next().expect("patches has C·FH·FW rows");
                for (i, values) in row.chunks_exact(g.out_w).enumerate() {
                    let start = (i * g.stride + y) * wp + x;
                    if g.stride == 1 {
                        for (p, v) in plane[start..start + g.out_w].iter_mut().zip(values) {
                            *p += v;
                        }
                    } else {
                        for (j, v) in values.iter().enumerate() {
                            plane[start + j * g.stride] += v;
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conv::{im2col, zero_pad};
    use ndarray::{Array2, Array4};

    #[test]
    fn patches_are_the_transposed_im2col_block_of_each_sample() {
        for (shape, f, stride, pad) in [((2, 3, 7, 6), 3, 2, 1), ((1, 2, 5, 5), 2, 1, 0)] {
            let x = Array4::from_shape_fn(shape, |(n, c, y, x)| {
                (1000 * n + 100 * c + 10 * y + x) as f64
            });
            let g = ConvGeometry::new(shape, f, f, stride, pad).unwrap();
            let col = im2col(&x, f, f, stride, pad).unwrap();
            let padded = zero_pad(&x, pad);
            let positions = g.out_h * g.out_w;
            for n in 0..shape.0 {
                let mut patches = vec![0.0; g.patch_len() * positions];
                let img = padded.index_axis(ndarray::Axis(0), n).to_owned();
                patches_into(img.as_slice().unwrap(), &g, &mut patches);
                let patches = Array2::from_shape_vec((g.patch_len(), positions), patches).unwrap();
                let block = col.slice(ndarray::s![n * positions..(n + 1) * positions, ..]);
                assert_eq!(patches, block.t());
                // adjoint: <patches(img), p> = <img, add_patches(p)>
                let p =
                    Array2::from_shape_fn(patches.dim(), |(k, q)| ((7 * k + 3 * q) % 11) as f64);
                let mut back = vec![0.0; img.len()];
                add_patches(p.as_slice().unwrap(), &g, &mut back);
                let lhs: f64 = (&patches * &p).sum();
                let rhs: f64 = img.iter().zip(&back).map(|(a, b)| a * b).sum();
                assert_eq!(lhs, rhs);
            }
        }
    }
}
