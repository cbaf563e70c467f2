//! AdaGrad: h ← h + g²; W ← W − lr·g / (√h + ε).
//! Each weight's step shrinks with the squares of all its past gradients.
//!
//! The course writes it three ways, and they give different numbers:
//! - `common/optimizer.py` (`AdaGrad::new`): h starts at 0, ε = 1e-7 outside the root;
//! - the lecture (`AdaGrad::lecture`): h₀ = θ, W ← W − lr·g / (√h + θ);
//! - the 2_4 solution notebook (`AdaGrad::solution_2_4`): at the first step h = 1e-4 with no
//!   g² added, later h ← h + g², and no ε at all.
//!
//! PyTorch: `optim.Adagrad` (h starts at `initial_accumulator_value`, ε = 1e-10).

use ndarray::{ArrayD, Zip};

use super::{state_for, Optimizer};
use crate::error::{non_negative, positive, Result};
use crate::layers::Param;

/// Which of the course's three AdaGrads.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Form {
    /// `optimizer.py`.
    Course,
    /// The lecture's, with its θ.
    Lecture(f64),
    /// The 2_4 solution notebook's.
    Solution24,
}

/// Per-weight learning rates from the sum of squared gradients.
#[derive(Clone, Debug)]
pub struct AdaGrad {
    /// Learning rate (course default 0.01).
    pub lr: f64,
    form: Form,
    h: Vec<ArrayD<f64>>,
}

impl AdaGrad {
    /// AdaGrad as `common/optimizer.py` writes it, with learning rate `lr`.
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
        AdaGrad {
            lr,
            form: Form::Course,
            h: Vec::new(),
        }
    }

    /// The lecture's AdaGrad: h₀ = θ, h ← h + g², W ← W − lr·g / (√h + θ).
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// use dl_lessons::ndarray::array;
    /// let (mut w, g) = (array![1.0].into_dyn(), array![2.0].into_dyn());
    /// AdaGrad::lecture(0.5, 0.25).update(&mut [Param::new("W", &mut w, &g)])?;
    /// // h = 0.25 + 4, step = 0.5·2 / (√4.25 + 0.25)
    /// assert!((w[0] - (1.0 - 1.0 / (4.25f64.sqrt() + 0.25))).abs() < 1e-15);
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn lecture(lr: f64, theta: f64) -> AdaGrad {
        AdaGrad {
            lr,
            form: Form::Lecture(theta),
            h: Vec::new(),
        }
    }

    /// The 2_4 solution notebook's AdaGrad: h = 1e-4 at the first step (no g² added), then
    /// h ← h + g²; W ← W − lr·g / √h, with no ε.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// use dl_lessons::ndarray::array;
    /// let (mut w, g) = (array![1.0].into_dyn(), array![2.0].into_dyn());
    /// let mut adagrad = AdaGrad::solution_2_4(0.001);
    /// adagrad.update(&mut [Param::new("W", &mut w, &g)])?; // h = 1e-4: a step of 0.001·2/0.01
    /// assert!((w[0] - 0.8).abs() < 1e-12);
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn solution_2_4(lr: f64) -> AdaGrad {
        AdaGrad {
            lr,
            form: Form::Solution24,
            h: Vec::new(),
        }
    }
}

impl Default for AdaGrad {
    fn default() -> Self {
        AdaGrad::new(0.01)
    }
}

impl Optimizer for AdaGrad {
    fn update(&mut self, params: &mut [Param<'_>]) -> Result<()> {
        let first = state_for(&mut self.h, params)?;
        let lr = self.lr;
        for (p, h) in params.iter_mut().zip(&mut self.h) {
            match self.form {
                Form::Course => Zip::from(&mut p.value)
                    .and(h)
                    .and(&p.grad)
                    .for_each(|w, h, &g| {
                        *h += g * g;
                        *w -= lr * g / (h.sqrt() + 1e-7);
                    }),
                Form::Lecture(theta) => {
                    Zip::from(&mut p.value)
                        .and(h)
                        .and(&p.grad)
                        .for_each(|w, h, &g| {
                            if first {
                                *h = theta;
                            }
                            *h += g * g;
                            *w -= lr * g / (h.sqrt() + theta);
                        })
                }
                Form::Solution24 => {
                    Zip::from(&mut p.value)
                        .and(h)
                        .and(&p.grad)
                        .for_each(|w, h, &g| {
                            if first {
                                *h = 1e-4;
                            } else {
                                *h += g * g;
                            }
                            *w -= lr * g / h.sqrt();
                        })
                }
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        positive("lr", self.lr)?;
        if let Form::Lecture(theta) = self.form {
            non_negative("theta", theta)?;
        }
        Ok(())
    }

    fn label(&self) -> String {
        match self.form {
            Form::Course => format!("AdaGrad(lr={})", self.lr),
            Form::Lecture(theta) => format!("AdaGrad lecture(lr={}, θ={theta})", self.lr),
            Form::Solution24 => format!("AdaGrad 2_4 solution(lr={}, h0=1e-4, no ε)", self.lr),
        }
    }
}
