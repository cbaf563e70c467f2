//! ReLU layer: out = max(0, x), element-wise, any shape.
//!
//! Backward: dx = dout where x > 0, else 0. Course: `common/layers.py` `Relu`
//! (which zeroes `dout` in place); PyTorch: `nn.ReLU`.

use ndarray::{ArrayD, Zip};

use super::{expect_shape, Layer, Mode, Param};

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
        let mut out = x.clone();
        self.mask = out.mapv(|v| v <= 0.0);
        Zip::from(&mut out).and(&self.mask).for_each(|o, &masked| {
            if masked {
                *o = 0.0
            }
        });
        out
    }

    #[track_caller]
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        expect_shape("Relu", "dout", self.mask.shape(), dout.shape());
        let mut dx = dout.clone();
        Zip::from(&mut dx).and(&self.mask).for_each(|d, &masked| {
            if masked {
                *d = 0.0
            }
        });
        dx
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        Vec::new()
    }

    fn name(&self) -> &'static str {
        "Relu"
    }
}
