//! AdaGrad: h ← h + g²; W ← W − lr·g / (√h + 1e-7).
//! Each weight's step shrinks with the squares of all its past gradients.
//! Course: `optimizer.AdaGrad(learning_rate=0.01)` (1e-7 outside the square root; the
//! 2_4 solution notebook instead starts h at 1e-4 and adds no ε); PyTorch: `optim.Adagrad`.

use ndarray::{ArrayD, Zip};

use super::{state_for, Optimizer};
use crate::error::{positive, Result};
use crate::layers::Param;

/// Per-weight learning rates from the sum of squared gradients.
#[derive(Clone, Debug)]
pub struct AdaGrad {
    /// Learning rate (course default 0.01).
    pub lr: f64,
    h: Vec<ArrayD<f64>>,
}

impl AdaGrad {
    /// AdaGrad with learning rate `lr`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// use dl_lessons::ndarray::array;
    /// let (mut w, g) = (array![1.0].into_dyn(), array![2.0].into_dyn());
    /// AdaGrad::new(0.5).update(&mut [Param::new("W", &mut w, &g)])?;
    /// // h = 4, step = 0.5·2 / (2 + 1e-7)
    /// assert!((w[0] - (1.0 - 1.0 / (2.0 + 1e-7))).abs() < 1e-15);
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(lr: f64) -> AdaGrad {
        AdaGrad { lr, h: Vec::new() }
    }
}

impl Default for AdaGrad {
    fn default() -> Self {
        AdaGrad::new(0.01)
    }
}

impl Optimizer for AdaGrad {
    fn update(&mut self, params: &mut [Param<'_>]) -> Result<()> {
        state_for(&mut self.h, params)?;
        let lr = self.lr;
        for (p, h) in params.iter_mut().zip(&mut self.h) {
            Zip::from(&mut p.value)
                .and(h)
                .and(&p.grad)
                .for_each(|w, h, &g| {
                    *h += g * g;
                    *w -= lr * g / (h.sqrt() + 1e-7);
                });
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        positive("lr", self.lr).map(drop)
    }

    fn label(&self) -> String {
        format!("AdaGrad(lr={})", self.lr)
    }
}
