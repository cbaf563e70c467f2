//! Sigmoid layer: out = 1 / (1 + e^−x), element-wise, any shape.
//!
//! Backward: dx = dout · (1 − out) · out, at most dout / 4: the factor behind the
//! vanishing gradient. Course: `common/layers.py` `Sigmoid`; PyTorch: `nn.Sigmoid`.

use ndarray::{ArrayD, Zip};

use super::{expect_shape, Layer, Mode, Param};
use crate::functions::sigmoid;

/// σ(x), remembering its output for the backward pass.
#[derive(Default)]
pub struct Sigmoid {
    out: ArrayD<f64>,
}

impl Sigmoid {
    /// A sigmoid layer (no parameters).
    ///
    /// ```
    /// use dl_lessons::layers::{Layer, Mode, Sigmoid};
    /// use dl_lessons::ndarray::array;
    /// let mut layer = Sigmoid::new();
    /// assert_eq!(layer.forward(&array![0.0].into_dyn(), Mode::Train), array![0.5].into_dyn());
    /// assert_eq!(layer.backward(&array![1.0].into_dyn()), array![0.25].into_dyn());
    /// ```
    pub fn new() -> Sigmoid {
        Sigmoid::default()
    }
}

impl Layer for Sigmoid {
    fn forward(&mut self, x: &ArrayD<f64>, _mode: Mode) -> ArrayD<f64> {
        self.out = sigmoid(x);
        self.out.clone()
    }

    #[track_caller]
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        expect_shape("Sigmoid", "dout", self.out.shape(), dout.shape());
        let mut dx = dout.clone();
        Zip::from(&mut dx)
            .and(&self.out)
            .for_each(|d, &y| *d *= (1.0 - y) * y);
        dx
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        Vec::new()
    }

    fn name(&self) -> &'static str {
        "Sigmoid"
    }
}
