//! Tanh layer: out = tanh(x), element-wise, any shape.
//!
//! Backward: dx = dout · (1 − out²). Not a class of the course's `layers.py`; the book's
//! activation-histogram experiment uses tanh. PyTorch: `nn.Tanh`.

use ndarray::ArrayD;

use super::{before_forward, expect_shape, Layer, Mode};
use crate::error::Result;
use crate::functions::tanh;

/// tanh(x), remembering its output for the backward pass.
#[derive(Default)]
pub struct Tanh {
    out: Option<ArrayD<f64>>,
}

impl Tanh {
    /// A tanh layer (no parameters).
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let mut layer = Tanh::new();
    /// assert_eq!(layer.forward(&array![0.0].into_dyn(), Mode::Train)?, array![0.0].into_dyn());
    /// assert_eq!(layer.backward(&array![2.0].into_dyn())?, array![2.0].into_dyn());
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new() -> Tanh {
        Tanh::default()
    }
}

impl Layer for Tanh {
    fn forward(&mut self, x: &ArrayD<f64>, _mode: Mode) -> Result<ArrayD<f64>> {
        let out = tanh(x);
        self.out = Some(out.clone());
        Ok(out)
    }

    fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let out = self.out.as_ref().ok_or_else(|| before_forward("Tanh"))?;
        expect_shape("Tanh", "dout", out.shape(), dout.shape())?;
        Ok(dout * &(1.0 - out * out))
    }

    fn name(&self) -> &str {
        "Tanh"
    }
}
