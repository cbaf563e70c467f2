//! The per-sample, cache-sized lowering the `Convolution` layer runs on.
//!
//! For one padded sample (C, Hp, Wp) the patches are laid out as (C·FH·FW, OH·OW): row
//! k = (c, y, x) holds what filter position k sees at every output position. That is the
//! transpose of one sample's block of [`im2col`](super::im2col), so W (FN, C·FH·FW) times it
//! is the sample's output (FN, OH·OW) in the output's own layout, and it is small enough
//! (one sample) to stay in cache between being written and being multiplied.

use super::ConvGeometry;

/// Where each patch value comes from, computed once per geometry: row k = (c, y, x) starts
/// at pixel `bases[k]` of the padded sample, position p = (i, j) adds `offsets[p]`.
pub(crate) struct PatchIndex {
    bases: Vec<usize>,
    offsets: Vec<usize>,
    /// Stride 1 and rows of at least 16 outputs: copy whole runs (memcpy) instead of
    /// gathering value by value.
    runs: Option<(usize, usize)>,
}

impl PatchIndex {
    pub(crate) fn new(g: &ConvGeometry) -> PatchIndex {
        let (hp, wp) = g.padded_size();
        let mut bases = Vec::with_capacity(g.patch_len());
        for ch in 0..g.input_shape.1 {
            for y in 0..g.filter_h {
                for x in 0..g.filter_w {
                    bases.push(ch * hp * wp + y * wp + x);
                }
            }
        }
        let offsets = (0..g.out_h)
            .flat_map(|i| (0..g.out_w).map(move |j| i * g.stride * wp + j * g.stride))
            .collect();
        let runs = (g.stride == 1 && g.out_w >= 16).then_some((g.out_w, wp));
        PatchIndex {
            bases,
            offsets,
            runs,
        }
    }

    /// Writes the patches of one padded sample `img` (C·Hp·Wp values) into `patches`:
    /// row k (OH·OW values) starts at `k · row_stride`, so several samples can sit side
    /// by side in one (C·FH·FW, G·OH·OW) matrix.
    pub(crate) fn write(&self, img: &[f64], patches: &mut [f64], row_stride: usize) {
        let positions = self.offsets.len();
        for (k, &base) in self.bases.iter().enumerate() {
            let row = &mut patches[k * row_stride..][..positions];
            let src = &img[base..];
            match self.runs {
                Some((out_w, wp)) => {
                    for (i, run) in row.chunks_exact_mut(out_w).enumerate() {
                        run.copy_from_slice(&src[i * wp..][..out_w]);
                    }
                }
                None => {
                    for (o, &offset) in row.iter_mut().zip(&self.offsets) {
                        *o = src[offset];
                    }
                }
            }
        }
    }

    /// The adjoint of [`write`](Self::write) (same row layout): adds every patch value back
    /// at its pixel of the padded sample `img` (which the caller zeroes first).
    pub(crate) fn add_back(&self, patches: &[f64], img: &mut [f64], row_stride: usize) {
        let positions = self.offsets.len();
        for (k, &base) in self.bases.iter().enumerate() {
            let row = &patches[k * row_stride..][..positions];
            let dst = &mut img[base..];
            for (&v, &offset) in row.iter().zip(&self.offsets) {
                dst[offset] += v;
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
                let index = PatchIndex::new(&g);
                index.write(img.as_slice().unwrap(), &mut patches, positions);
                let patches = Array2::from_shape_vec((g.patch_len(), positions), patches).unwrap();
                let block = col.slice(ndarray::s![n * positions..(n + 1) * positions, ..]);
                assert_eq!(patches, block.t());
                // adjoint: <patches(img), p> = <img, add_patches(p)>
                let p =
                    Array2::from_shape_fn(patches.dim(), |(k, q)| ((7 * k + 3 * q) % 11) as f64);
                let mut back = vec![0.0; img.len()];
                index.add_back(p.as_slice().unwrap(), &mut back, positions);
                let lhs: f64 = (&patches * &p).sum();
                let rhs: f64 = img.iter().zip(&back).map(|(a, b)| a * b).sum();
                assert_eq!(lhs, rhs);
            }
        }
    }
}
