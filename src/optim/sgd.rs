//! Stochastic gradient descent: W ← W − lr·∂L/∂W.
//! Course: `optimizer.SGD(learning_rate=0.01)`; PyTorch: `optim.SGD(lr)`.

use super::{expect_grad, Optimizer};
use crate::error::{positive, Result};
use crate::layers::Param;

/// Plain gradient descent with learning rate `lr`.
#[derive(Clone, Debug)]
pub struct Sgd {
    /// Learning rate (course default 0.01).
    pub lr: f64,
}

impl Sgd {
    /// SGD with learning rate `lr`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// use dl_lessons::ndarray::array;
    /// let (mut w, g) = (array![1.0, 2.0].into_dyn(), array![0.5, -1.0].into_dyn());
    /// Sgd::new(0.1).update(&mut [Param::new("W", &mut w, &g)])?;
    /// assert_eq!(w, array![0.95, 2.1].into_dyn());
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(lr: f64) -> Sgd {
        Sgd { lr }
    }
}

impl Default for Sgd {
    fn default() -> Self {
        Sgd::new(0.01)
    }
}

impl Optimizer for Sgd {
    fn update(&mut self, params: &mut [Param<'_>]) -> Result<()> {
        for p in params {
            expect_grad(p)?;
            p.value.scaled_add(-self.lr, &p.grad); // params[key] -= lr * grads[key]
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        positive("lr", self.lr).map(drop)
    }

    fn label(&self) -> String {
        format!("SGD(lr={})", self.lr)
    }
}
