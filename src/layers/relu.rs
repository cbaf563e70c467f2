//! ReLU layer: out = max(0, x), element-wise, any shape.
//!
//! Backward: dx = dout where x > 0, else 0. Course: `common/layers.py` `Relu`
//! (which zeroes `dout` in place); PyTorch: `nn.ReLU`.

use ndarray::ArrayD;

use super::{expect_shape, Layer, Mode, Param};
use crate::parallel::zip_chunks;

/// max(0, x), remembering where x ≤ 0 for the backward pass.
#[derive(Default)]
pub struct Relu {
    mask: ArrayD<bool>,
}

impl Relu {
    /// A ReLU layer (no parameters).
    ///
    /// ```
    /// use dl_lessons::layers::{Layer, Mode, Relu};
    /// use dl_lessons::ndarray::array;
    /// let mut relu = Relu::new();
    /// let out = relu.forward(&array![-1.0, 2.0].into_dyn(), Mode::Train);
    /// assert_eq!(out, array![0.0, 2.0].into_dyn());
    /// assert_eq!(relu.backward(&array![5.0, 5.0].into_dyn()), array![0.0, 5.0].into_dyn());
    /// ```
    pub fn new() -> Relu {
        Relu::default()
    }
}

impl Layer for Relu {
    fn forward(&mut self, x: &ArrayD<f64>, _mode: Mode) -> ArrayD<f64> {
        // One pass over x writes both the output and the mask, on every core: a conv net's
        // arrays are ~10 MB, so each pass costs milliseconds. The mask's allocation is reused.
        let x = x.as_standard_layout();
        if self.mask.shape() != x.shape() {
            self.mask = ArrayD::from_elem(x.raw_dim(), false);
        }
        let len = x.len();
        let mut out = Vec::with_capacity(len);
        zip_chunks(
            x.as_slice().expect("standard layout"),
            &mut out.spare_capacity_mut()[..len],
            self.mask.as_slice_mut().expect("standard layout"),
            |x, out, mask| {
                for ((&v, o), m) in x.iter().zip(out).zip(mask) {
                    *m = v <= 0.0;
                    o.write(if *m { 0.0 } else { v });
                }
            },
        );
        // SAFETY: zip_chunks ran the closure over all `len` elements, writing each.
        unsafe { out.set_len(len) };
        ArrayD::from_shape_vec(x.raw_dim(), out).expect("sizes match")
    }

    #[track_caller]
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        expect_shape("Relu", "dout", self.mask.shape(), dout.shape());
        let dout = dout.as_standard_layout();
        let len = dout.len();
        let mut dx = Vec::with_capacity(len);
        zip_chunks(
            dout.as_slice().expect("standard layout"),
            &mut dx.spare_capacity_mut()[..len],
            self.mask.as_slice_mut().expect("standard layout"),
            |dout, dx, mask| {
                for ((&d, o), &m) in dout.iter().zip(dx).zip(mask.iter()) {
                    o.write(if m { 0.0 } else { d });
                }
            },
        );
        // SAFETY: as in forward, every element was written.
        unsafe { dx.set_len(len) };
        ArrayD::from_shape_vec(dout.raw_dim(), dx).expect("sizes match")
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        Vec::new()
    }

    fn name(&self) -> &'static str {
        "Relu"
    }
}
