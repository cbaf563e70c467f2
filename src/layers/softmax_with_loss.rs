//! Softmax followed by the cross-entropy loss, the last layer of every network.
//!
//! y = softmax(x), loss = −Σ log(y[i, t_i] + 1e-7) / N; backward: dx = (y − onehot(t)) / N.
//! Shapes: x (N, classes), t (N,) class indices. Course: `common/layers.py`
//! `SoftmaxWithLoss` (target `d`); PyTorch: `nn.CrossEntropyLoss` (mean reduction).

use ndarray::{Array1, Array2};

use crate::error::{Error, Result};
use crate::functions::{cross_entropy_error, softmax};

/// Softmax and cross-entropy in one layer, so the backward pass is the simple y − t.
#[derive(Default)]
pub struct SoftmaxWithLoss {
    y: Array2<f64>,
    t: Array1<usize>,
}

impl SoftmaxWithLoss {
    /// A new loss layer.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let mut last = SoftmaxWithLoss::new();
    /// let loss = last.forward(&array![[0.0, 0.0]], &array![1])?;
    /// assert!((loss - (0.5f64 + 1e-7).ln().abs()).abs() < 1e-12);
    /// assert_eq!(last.backward()?, array![[0.5, -0.5]]);
    /// assert!(last.forward(&array![[0.0, 0.0]], &array![2]).is_err()); // no class 2
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new() -> SoftmaxWithLoss {
        SoftmaxWithLoss::default()
    }

    /// The mean cross-entropy loss of the scores `x` against the labels `t`.
    pub fn forward(&mut self, x: &Array2<f64>, t: &Array1<usize>) -> Result<f64> {
        let y = softmax(x);
        let loss = cross_entropy_error(&y, t)?; // checks t against x's rows and classes
        self.y = y;
        self.t = t.clone();
        Ok(loss)
    }

    /// dx = (y − onehot(t)) / N for the last forward pass.
    pub fn backward(&mut self) -> Result<Array2<f64>> {
        if self.t.is_empty() {
            return Err(Error::Geometry(
                "SoftmaxWithLoss: backward was called before forward".into(),
            ));
        }
        let batch_size = self.t.len() as f64;
        let mut dx = self.y.clone();
        for (i, &ti) in self.t.iter().enumerate() {
            dx[[i, ti]] -= 1.0;
        }
        Ok(dx / batch_size)
    }

    /// The softmax probabilities of the last forward pass.
    pub fn y(&self) -> &Array2<f64> {
        &self.y
    }
}
