//! RMSProp: h ← ρ·h + (1 − ρ)·g²; W ← W − lr·g / (√h + 1e-7).
//! AdaGrad with a forgetting factor ρ (`decay_rate`), so old gradients fade.
//! Course: `optimizer.RMSprop(learning_rate=0.01, decay_rate=0.99)`; PyTorch:
//! `optim.RMSprop(lr, alpha=ρ, eps)` (ε added the same way).

use ndarray::{ArrayD, Zip};

use super::{state_for, Optimizer};
use crate::error::{positive, unit_interval, Result};
use crate::layers::Param;

/// Per-weight learning rates from a moving average of squared gradients.
#[derive(Clone, Debug)]
pub struct RmsProp {
    /// Learning rate (course default 0.01).
    pub lr: f64,
    /// Decay rate ρ in [0, 1) (course default 0.99).
    pub decay_rate: f64,
    h: Vec<ArrayD<f64>>,
}

impl RmsProp {
    /// RMSProp with learning rate `lr` and decay rate `decay_rate`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// use dl_lessons::ndarray::array;
    /// let (mut w, g) = (array![1.0].into_dyn(), array![1.0].into_dyn());
    /// RmsProp::new(0.01, 0.99).update(&mut [Param::new("W", &mut w, &g)])?;
    /// // h = 0.01, step = 0.01·1 / (0.1 + 1e-7)
    /// assert!((w[0] - (1.0 - 0.01 / (0.1 + 1e-7))).abs() < 1e-15);
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(lr: f64, decay_rate: f64) -> RmsProp {
        RmsProp {
            lr,
            decay_rate,
            h: Vec::new(),
        }
    }
}

impl Default for RmsProp {
    fn default() -> Self {
        RmsProp::new(0.01, 0.99)
    }
}

impl Optimizer for RmsProp {
    fn update(&mut self, params: &mut [Param<'_>]) -> Result<()> {
        state_for(&mut self.h, params)?;
        let (lr, rho) = (self.lr, self.decay_rate);
        for (p, h) in params.iter_mut().zip(&mut self.h) {
            Zip::from(&mut p.value)
                .and(h)
                .and(&p.grad)
                .for_each(|w, h, &g| {
                    *h = rho * *h + (1.0 - rho) * g * g;
                    *w -= lr * g / (h.sqrt() + 1e-7);
                });
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        positive("lr", self.lr)?;
        unit_interval("decay_rate", self.decay_rate).map(drop)
    }

    fn label(&self) -> String {
        format!("RMSProp(lr={}, decay_rate={})", self.lr, self.decay_rate)
    }
}
