//! Tanh layer: out = tanh(x), element-wise, any shape.
//!
//! Backward: dx = dout · (1 − out²). Not a class of the course's `layers.py`; the book's
//! activation-histogram experiment uses tanh. PyTorch: `nn.Tanh`.

use ndarray::{ArrayD, Zip};

use super::{expect_shape, Layer, Mode, Param};
use crate::functions::tanh;

/// tanh(x), remembering its output for the backward pass.
#[derive(Default)]
pub struct Tanh {
    out: ArrayD<f64>,
}

impl Tanh {
    /// A tanh layer (no parameters).
    ///
    /// ```
    /// use dl_lessons::layers::{Layer, Mode, Tanh};
    /// use dl_lessons::ndarray::array;
    /// let mut layer = Tanh::new();
    /// assert_eq!(layer.forward(&array![0.0].into_dyn(), Mode::Train), array![0.0].into_dyn());
    /// assert_eq!(layer.backward(&array![2.0].into_dyn()), array![2.0].into_dyn());
    /// ```
    pub fn new() -> Tanh {
        Tanh::default()
    }
}

impl Layer for Tanh {
    fn forward(&mut self, x: &ArrayD<f64>, _mode: Mode) -> ArrayD<f64> {
        self.out = tanh(x);
        self.out.clone()
    }

    #[track_caller]
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        expect_shape("Tanh", "dout", self.out.shape(), dout.shape());
        let mut dx = dout.clone();
        Zip::from(&mut dx)
            .and(&self.out)
            .for_each(|d, &y| *d *= 1.0 - y * y);
        dx
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        Vec::new()
    }

    fn name(&self) -> &'static str {
        "Tanh"
    }
}
