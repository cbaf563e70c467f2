//! Dropout: drop each unit with probability `dropout_ratio` while training.
//!
//! Train: mask = (uniform(0, 1) > ratio), out = x · mask, with **no** rescaling;
//! Eval: out = x · (1 − ratio), so the expected activation matches training.
//! Backward: dx = dout · mask. Any shape.
//! Course: `common/layers.py` `Dropout` (2_5). PyTorch's `nn.Dropout` is "inverted":
//! it divides by (1 − ratio) while training and leaves inference untouched; the two give
//! the same expected outputs, but the raw numbers differ by that factor.

use ndarray::{ArrayD, Zip};
use rand::Rng as _;

use super::{expect_shape, Layer, Mode, Param};
use crate::error::{unit_interval, Result};
use crate::init::{rng, Rng};

/// Randomly zeroes units in training, scales them by (1 − ratio) in inference.
pub struct Dropout {
    dropout_ratio: f64,
    rng: Rng,
    mask: ArrayD<f64>,
    hold_mask: bool,
}

impl Dropout {
    /// A dropout layer; `dropout_ratio` must lie in [0, 1). The masks are drawn from `seed`.
    ///
    /// ```
    /// use dl_lessons::layers::{Dropout, Layer, Mode};
    /// use dl_lessons::ndarray::array;
    /// let mut dropout = Dropout::new(0.25, 0).unwrap();
    /// let eval = dropout.forward(&array![4.0, 8.0].into_dyn(), Mode::Eval);
    /// assert_eq!(eval, array![3.0, 6.0].into_dyn());
    /// assert!(Dropout::new(1.0, 0).is_err());
    /// ```
    pub fn new(dropout_ratio: f64, seed: u64) -> Result<Dropout> {
        unit_interval("dropout_ratio", dropout_ratio)?;
        Ok(Dropout {
            dropout_ratio,
            rng: rng(seed),
            mask: ArrayD::zeros(vec![0]),
            hold_mask: false,
        })
    }

    /// Keeps the current mask for later training passes instead of drawing a new one
    /// (for gradient checks, which need the same function at every evaluation).
    pub fn hold_mask(&mut self, hold: bool) {
        self.hold_mask = hold;
    }

    /// The mask of the last training pass: 1 where a unit was kept, 0 where dropped.
    pub fn mask(&self) -> &ArrayD<f64> {
        &self.mask
    }
}

impl Layer for Dropout {
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> ArrayD<f64> {
        match mode {
            Mode::Train => {
                if !(self.hold_mask && self.mask.shape() == x.shape()) {
                    let ratio = self.dropout_ratio;
                    let rng = &mut self.rng;
                    self.mask = x.mapv(|_| {
                        if rng.random::<f64>() > ratio {
                            1.0
                        } else {
                            0.0
                        }
                    });
                }
                x * &self.mask
            }
            Mode::Eval => x * (1.0 - self.dropout_ratio),
        }
    }

    #[track_caller]
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        expect_shape("Dropout", "dout", self.mask.shape(), dout.shape());
        let mut dx = dout.clone();
        Zip::from(&mut dx).and(&self.mask).for_each(|d, &m| *d *= m);
        dx
    }

    fn hold_random_masks(&mut self, hold: bool) {
        self.hold_mask(hold);
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        Vec::new()
    }

    fn name(&self) -> &'static str {
        "Dropout"
    }
}
