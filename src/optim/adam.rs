//! Adam: momentum on g and RMSProp on g², with bias correction folded into the rate.
//!
//! t ← t + 1 (once per update call); lr_t = lr·√(1 − β2^t) / (1 − β1^t);
//! m ← m + (1 − β1)(g − m); v ← v + (1 − β2)(g² − v); W ← W − lr_t·m / (√v + 1e-7).
//! Course: `optimizer.Adam(learning_rate=0.001, beta1=0.9, beta2=0.999)`; PyTorch:
//! `optim.Adam` (which adds ε to the bias-corrected √v̂ instead, a tiny difference).

use ndarray::ArrayD;

use super::{state_for, Optimizer};
use crate::error::{positive, unit_interval, Result};
use crate::kernels::update3;
use crate::layers::Param;

/// Adaptive moment estimation.
#[derive(Clone, Debug)]
pub struct Adam {
    /// Learning rate (course default 0.001; the 2_4 notebook uses 0.01).
    pub lr: f64,
    /// Decay of the gradient average, in [0, 1) (default 0.9).
    pub beta1: f64,
    /// Decay of the squared-gradient average, in [0, 1) (default 0.999).
    pub beta2: f64,
    iter: i32,
    m: Vec<ArrayD<f64>>,
    v: Vec<ArrayD<f64>>,
}

impl Adam {
    /// Adam with learning rate `lr` and decay rates `beta1`, `beta2`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// use dl_lessons::ndarray::array;
    /// let (mut w, g) = (array![1.0].into_dyn(), array![0.5].into_dyn());
    /// Adam::new(0.1, 0.9, 0.999).update(&mut [Param::new("W", &mut w, &g)])?;
    /// // t = 1: lr_t = 0.1·√0.001/0.1, m = 0.05, v = 0.00025: the first step is ≈ lr
    /// assert!((w[0] - 0.9).abs() < 1e-5);
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(lr: f64, beta1: f64, beta2: f64) -> Adam {
        Adam {
            lr,
            beta1,
            beta2,
            iter: 0,
            m: Vec::new(),
            v: Vec::new(),
        }
    }
}

impl Default for Adam {
    fn default() -> Self {
        Adam::new(0.001, 0.9, 0.999)
    }
}

impl Optimizer for Adam {
    fn update(&mut self, params: &mut [Param<'_>]) -> Result<()> {
        state_for(&mut self.m, params)?;
        state_for(&mut self.v, params)?;
        self.iter += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let lr_t = self.lr * (1.0 - b2.powi(self.iter)).sqrt() / (1.0 - b1.powi(self.iter));
        for ((p, m), v) in params.iter_mut().zip(&mut self.m).zip(&mut self.v) {
            update3(
                &mut p.value,
                &mut m.view_mut(),
                &mut v.view_mut(),
                &p.grad,
                |w, m, v, g| {
                    *m += (1.0 - b1) * (g - *m);
                    *v += (1.0 - b2) * (g * g - *v);
                    *w -= lr_t * *m / (v.sqrt() + 1e-7);
                },
            );
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        positive("lr", self.lr)?;
        unit_interval("beta1", self.beta1)?;
        unit_interval("beta2", self.beta2).map(drop)
    }

    fn label(&self) -> String {
        format!(
            "Adam(lr={}, beta1={}, beta2={})",
            self.lr, self.beta1, self.beta2
        )
    }
}
