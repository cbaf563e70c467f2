//! Sigmoid layer: out = 1 / (1 + e^−x), element-wise, any shape.
//!
//! Backward: dx = dout · (1 − out) · out, at most dout / 4: the factor behind the
//! vanishing gradient. Course: `common/layers.py` `Sigmoid`; PyTorch: `nn.Sigmoid`.

use ndarray::ArrayD;

use super::{before_forward, expect_shape, Layer, Mode};
use crate::error::Result;
use crate::functions::sigmoid;

/// σ(x), remembering its output for the backward pass.
#[derive(Default)]
pub struct Sigmoid {
    out: Option<ArrayD<f64>>,
}

impl Sigmoid {
    /// A sigmoid layer (no parameters).
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let mut layer = Sigmoid::new();
    /// assert_eq!(layer.forward(&array![0.0].into_dyn(), Mode::Train)?, array![0.5].into_dyn());
    /// assert_eq!(layer.backward(&array![1.0].into_dyn())?, array![0.25].into_dyn());
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new() -> Sigmoid {
        Sigmoid::default()
    }
}

impl Layer for Sigmoid {
    fn forward(&mut self, x: &ArrayD<f64>, _mode: Mode) -> Result<ArrayD<f64>> {
        let out = sigmoid(x);
        self.out = Some(out.clone());
        Ok(out)
    }

    fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let out = self.out.as_ref().ok_or_else(|| before_forward("Sigmoid"))?;
        expect_shape("Sigmoid", "dout", out.shape(), dout.shape())?;
        Ok(dout * &((1.0 - out) * out))
    }

    fn name(&self) -> &str {
        "Sigmoid"
    }
}
