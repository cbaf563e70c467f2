//! Dropout: drop each unit with probability `dropout_ratio` while training.
//!
//! Train: mask = (uniform(0, 1) > ratio), out = x · mask, with **no** rescaling;
//! Eval: out = x · (1 − ratio). Backward: dx = dout · mask. Any shape.
//! Course: `common/layers.py` `Dropout` (2_5). PyTorch's `nn.Dropout` is "inverted": it
//! divides by (1 − ratio) while training and leaves inference untouched, so its training
//! outputs are larger by that factor and its inference outputs are x itself.

use ndarray::ArrayD;
use rand::Rng as _;

use super::{before_forward, expect_shape, Layer, Mode};
use crate::error::{unit_interval, Result};
use crate::init::{rng, Rng};

/// Randomly zeroes units in training, scales them by (1 − ratio) in inference.
pub struct Dropout {
    dropout_ratio: f64,
    rng: Rng,
    mask: Option<ArrayD<f64>>,
    hold_mask: bool,
}

impl Dropout {
    /// A dropout layer; `dropout_ratio` must lie in [0, 1). The masks are drawn from `seed`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let mut dropout = Dropout::new(0.25, 0)?;
    /// let eval = dropout.forward(&array![4.0, 8.0].into_dyn(), Mode::Eval)?;
    /// assert_eq!(eval, array![3.0, 6.0].into_dyn());
    /// assert!(Dropout::new(1.0, 0).is_err());
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(dropout_ratio: f64, seed: u64) -> Result<Dropout> {
        unit_interval("dropout_ratio", dropout_ratio)?;
        Ok(Dropout {
            dropout_ratio,
            rng: rng(seed),
            mask: None,
            hold_mask: false,
        })
    }

    /// The mask of the last training pass: 1 where a unit was kept, 0 where dropped.
    pub fn mask(&self) -> Option<&ArrayD<f64>> {
        self.mask.as_ref()
    }
}

impl Layer for Dropout {
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> Result<ArrayD<f64>> {
        match mode {
            Mode::Train => {
                let held =
                    self.hold_mask && self.mask.as_ref().is_some_and(|m| m.shape() == x.shape());
                if !held {
                    let (ratio, rng) = (self.dropout_ratio, &mut self.rng);
                    // mask = np.random.rand(*x.shape) > self.dropout_ratio
                    self.mask = Some(x.mapv(|_| {
                        if rng.random::<f64>() > ratio {
                            1.0
                        } else {
                            0.0
                        }
                    }));
                }
                Ok(x * self.mask.as_ref().expect("drawn above"))
            }
            Mode::Eval => Ok(x * (1.0 - self.dropout_ratio)),
        }
    }

    fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let mask = self
            .mask
            .as_ref()
            .ok_or_else(|| before_forward("Dropout"))?;
        expect_shape("Dropout", "dout", mask.shape(), dout.shape())?;
        Ok(dout * mask)
    }

    fn hold_random_masks(&mut self, hold: bool) {
        self.hold_mask = hold;
    }

    fn name(&self) -> &str {
        "Dropout"
    }
}
