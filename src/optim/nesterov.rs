//! Nesterov's accelerated gradient in the course's order:
//! v ← m·v − lr·g; W ← W + m²·v; W ← W − (1 + m)·lr·g.
//!
//! The book (`deep-learning-from-scratch/common/optimizer.py`) applies the two weight
//! steps with the **old** v and updates v afterwards:
//! W ← W + m²·v − (1 + m)·lr·g; v ← m·v − lr·g. Both are rearrangements of
//! "look ahead by m·v, then step", but they give different numbers from the first step
//! on. PyTorch: `optim.SGD(lr, momentum, nesterov=True)`.

use ndarray::{ArrayD, Zip};

use super::{state_for, Optimizer};
use crate::error::{positive, unit_interval, Result};
use crate::layers::Param;

/// Momentum that looks ahead before it steps.
#[derive(Clone, Debug)]
pub struct Nesterov {
    /// Learning rate (course default 0.01).
    pub lr: f64,
    /// Momentum coefficient in [0, 1) (course default 0.9).
    pub momentum: f64,
    v: Vec<ArrayD<f64>>,
}

impl Nesterov {
    /// Nesterov with learning rate `lr` and coefficient `momentum`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// use dl_lessons::ndarray::array;
    /// let (mut w, g) = (array![1.0].into_dyn(), array![1.0].into_dyn());
    /// Nesterov::new(0.1, 0.9).update(&mut [Param::new("W", &mut w, &g)])?;
    /// // v = -0.1; W = 1 + 0.81·(-0.1) - 1.9·0.1 = 0.729
    /// assert!((w[0] - 0.729).abs() < 1e-12);
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(lr: f64, momentum: f64) -> Nesterov {
        Nesterov {
            lr,
            momentum,
            v: Vec::new(),
        }
    }
}

impl Default for Nesterov {
    fn default() -> Self {
        Nesterov::new(0.01, 0.9)
    }
}

impl Optimizer for Nesterov {
    fn update(&mut self, params: &mut [Param<'_>]) -> Result<()> {
        state_for(&mut self.v, params)?;
        let (lr, m) = (self.lr, self.momentum);
        for (p, v) in params.iter_mut().zip(&mut self.v) {
            Zip::from(&mut p.value)
                .and(v)
                .and(&p.grad)
                .for_each(|w, v, &g| {
                    *v = m * *v - lr * g;
                    *w += m * m * *v;
                    *w -= (1.0 + m) * lr * g;
                });
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        positive("lr", self.lr)?;
        unit_interval("momentum", self.momentum).map(drop)
    }

    fn label(&self) -> String {
        format!("Nesterov(lr={}, momentum={})", self.lr, self.momentum)
    }
}
