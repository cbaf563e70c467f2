//! ReLU layer: out = max(0, x), element-wise, any shape.
//!
//! Backward: dx = dout where x > 0, else 0. Course: `common/layers.py` `Relu` (which
//! zeroes `dout` in place); PyTorch: `nn.ReLU`.

use ndarray::ArrayD;

use super::{before_forward, expect_shape, Layer, Mode};
use crate::error::Result;
use crate::kernels::{map_unzip, zip_map};

/// max(0, x), remembering where x ≤ 0 for the backward pass.
#[derive(Default)]
pub struct Relu {
    mask: Option<ArrayD<bool>>,
}

impl Relu {
    /// A ReLU layer (no parameters).
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let mut relu = Relu::new();
    /// let out = relu.forward(&array![-1.0, 2.0].into_dyn(), Mode::Train)?;
    /// assert_eq!(out, array![0.0, 2.0].into_dyn());
    /// assert_eq!(relu.backward(&array![5.0, 5.0].into_dyn())?, array![0.0, 5.0].into_dyn());
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new() -> Relu {
        Relu::default()
    }
}

impl Layer for Relu {
    fn forward(&mut self, x: &ArrayD<f64>, _mode: Mode) -> Result<ArrayD<f64>> {
        // self.mask = (x <= 0); out = x.copy(); out[self.mask] = 0, in one pass over x
        let (out, mask) = map_unzip(
            &x.view(),
            |v| if v <= 0.0 { (0.0, true) } else { (v, false) },
        );
        self.mask = Some(mask);
        Ok(out)
    }

    fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let mask = self.mask.as_ref().ok_or_else(|| before_forward("Relu"))?;
        expect_shape("Relu", "dout", mask.shape(), dout.shape())?;
        Ok(zip_map(&dout.view(), &mask.view(), |d, off| {
            if off {
                0.0
            } else {
                d
            }
        })) // dout[mask] = 0
    }

    fn name(&self) -> &str {
        "Relu"
    }
}
