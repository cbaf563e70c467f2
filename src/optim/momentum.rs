//! Momentum: v ← momentum·v − lr·∂L/∂W; W ← W + v (a ball rolling downhill).
//! Course: `optimizer.Momentum(learning_rate=0.01, momentum=0.9)`;
//! PyTorch: `optim.SGD(lr, momentum)` (which folds lr differently: v ← m·v + g, W ← W − lr·v).

use ndarray::{ArrayD, Zip};

use super::{state_for, Optimizer};
use crate::error::{positive, unit_interval, Result};
use crate::layers::Param;

/// Gradient descent with a velocity.
#[derive(Clone, Debug)]
pub struct Momentum {
    /// Learning rate (course default 0.01).
    pub lr: f64,
    /// Momentum coefficient in [0, 1) (course default 0.9).
    pub momentum: f64,
    v: Vec<ArrayD<f64>>,
}

impl Momentum {
    /// Momentum with learning rate `lr` and coefficient `momentum`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// use dl_lessons::ndarray::array;
    /// let (mut w, g) = (array![1.0].into_dyn(), array![1.0].into_dyn());
    /// let mut opt = Momentum::new(0.1, 0.9);
    /// opt.update(&mut [Param::new("W", &mut w, &g)])?; // v = -0.1
    /// opt.update(&mut [Param::new("W", &mut w, &g)])?; // v = -0.19
    /// assert!((w[0] - 0.71).abs() < 1e-12);
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(lr: f64, momentum: f64) -> Momentum {
        Momentum {
            lr,
            momentum,
            v: Vec::new(),
        }
    }
}

impl Default for Momentum {
    fn default() -> Self {
        Momentum::new(0.01, 0.9)
    }
}

impl Optimizer for Momentum {
    fn update(&mut self, params: &mut [Param<'_>]) -> Result<()> {
        state_for(&mut self.v, params)?;
        let (lr, m) = (self.lr, self.momentum);
        for (p, v) in params.iter_mut().zip(&mut self.v) {
            Zip::from(&mut p.value)
                .and(v)
                .and(&p.grad)
                .for_each(|w, v, &g| {
                    *v = m * *v - lr * g;
                    *w += *v;
                });
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        positive("lr", self.lr)?;
        unit_interval("momentum", self.momentum).map(drop)
    }

    fn label(&self) -> String {
        format!("Momentum(lr={}, momentum={})", self.lr, self.momentum)
    }
}
