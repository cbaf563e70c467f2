//! Batch normalisation: normalise each feature over the mini-batch, then scale and shift.
//!
//! Train: μ = mean_batch(x), xc = x − μ, var = mean(xc²), std = √(var + 1e-6),
//! xn = xc / std, out = γ·xn + β; running_mean ← 0.9·running_mean + 0.1·μ (same for var).
//! Eval: xn = (x − running_mean) / √(running_var + 1e-6).
//! Shapes: x (N, D), or (N, C, H, W) normalised per feature over D = C·H·W as the course
//! does; γ, β (D,). Course: `common/layers.py` `BatchNormalization` (P31, with ε written
//! `10e-7`, which is 1e-6); PyTorch: `nn.BatchNorm1d` (for 4-D input PyTorch's
//! `BatchNorm2d` normalises per channel instead).

use ndarray::{Array1, Array2, ArrayD, Axis};

use super::{before_forward, expect_shape, non_empty, Layer, Mode, Param};
use crate::error::{Error, Result};

/// The course's ε, written `10e-7` in `layers.py`.
const EPSILON: f64 = 10e-7;

/// γ·(x − μ)/σ + β per feature, with running statistics for inference.
pub struct BatchNormalization {
    gamma: Array1<f64>,
    beta: Array1<f64>,
    momentum: f64,
    running_mean: Option<Array1<f64>>,
    running_var: Option<Array1<f64>>,
    // kept by a training forward pass for backward
    input_shape: Vec<usize>,
    batch_size: usize,
    xc: Array2<f64>,
    xn: Array2<f64>,
    std: Array1<f64>,
    dgamma: Array1<f64>,
    dbeta: Array1<f64>,
}

impl BatchNormalization {
    /// A layer with scale `gamma` and shift `beta` (D values each) and the running-average
    /// `momentum` (course default 0.9). Parameters: `"gamma"`, `"beta"`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let mut bn = BatchNormalization::new(array![1.0], array![0.0], 0.9)?;
    /// let out = bn.forward(&array![[1.0], [3.0]].into_dyn(), Mode::Train)?;
    /// // mean 2, var 1: xn = ±1 / √(1 + 1e-6)
    /// assert!((out[[0, 0]] + 1.0).abs() < 1e-6 && (out[[1, 0]] - 1.0).abs() < 1e-6);
    /// assert!((bn.running_mean().unwrap()[0] - 0.2).abs() < 1e-15); // 0.9·0 + (1 − 0.9)·2
    /// assert!(BatchNormalization::new(array![1.0], array![0.0], 1.5).is_err());
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(gamma: Array1<f64>, beta: Array1<f64>, momentum: f64) -> Result<BatchNormalization> {
        if gamma.len() != beta.len() || gamma.is_empty() {
            return Err(Error::Geometry(format!(
                "BatchNormalization: gamma has {} values and beta {}: both need one per feature (at least 1)",
                gamma.len(),
                beta.len()
            )));
        }
        if !(0.0..=1.0).contains(&momentum) {
            return Err(Error::param("momentum", momentum, "must lie in [0, 1]"));
        }
        let d = gamma.len();
        Ok(BatchNormalization {
            gamma,
            beta,
            momentum,
            running_mean: None,
            running_var: None,
            input_shape: Vec::new(),
            batch_size: 0,
            xc: Array2::zeros((0, d)),
            xn: Array2::zeros((0, d)),
            std: Array1::zeros(d),
            dgamma: Array1::zeros(d),
            dbeta: Array1::zeros(d),
        })
    }

    /// The running mean, once a training pass has started it (the course starts it at 0).
    pub fn running_mean(&self) -> Option<&Array1<f64>> {
        self.running_mean.as_ref()
    }

    /// The running variance, once a training pass has started it.
    pub fn running_var(&self) -> Option<&Array1<f64>> {
        self.running_var.as_ref()
    }
}

impl Layer for BatchNormalization {
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> Result<ArrayD<f64>> {
        let n = non_empty("BatchNormalization", x)?;
        let d = self.gamma.len();
        let flat = [n, x.len() / n];
        expect_shape(
            "BatchNormalization",
            "x flattened to (N, D)",
            &[n, d],
            &flat,
        )?;
        let input_shape = x.shape().to_vec();
        let x = x.to_shape((n, d))?;
        let running_mean = self.running_mean.get_or_insert_with(|| Array1::zeros(d));
        let running_var = self.running_var.get_or_insert_with(|| Array1::zeros(d));
        let xn = match mode {
            Mode::Train => {
                let mu = x.mean_axis(Axis(0)).expect("N >= 1");
                let xc = &x - &mu;
                let var = (&xc * &xc).mean_axis(Axis(0)).expect("N >= 1");
                let std = (&var + EPSILON).sqrt();
                let xn = &xc / &std;
                let m = self.momentum;
                *running_mean = m * &*running_mean + (1.0 - m) * &mu;
                *running_var = m * &*running_var + (1.0 - m) * &var;
                self.input_shape = input_shape.clone();
                self.batch_size = n;
                self.xc = xc;
                self.std = std;
                self.xn = xn.clone();
                xn
            }
            Mode::Eval => {
                let xc = &x - &*running_mean;
                xc / (&*running_var + EPSILON).sqrt()
            }
        };
        let out = &self.gamma * &xn + &self.beta;
        Ok(out.into_shape_with_order(input_shape)?)
    }

    /// The course's steps, with sums over the batch.
    fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        if self.batch_size == 0 {
            return Err(before_forward("BatchNormalization"));
        }
        expect_shape(
            "BatchNormalization",
            "dout",
            &self.input_shape,
            dout.shape(),
        )?;
        let dout = dout.to_shape(self.xn.dim())?;
        let batch_size = self.batch_size as f64;
        let dbeta = dout.sum_axis(Axis(0));
        let dgamma = (&self.xn * &dout).sum_axis(Axis(0));
        let dxn = &self.gamma * &dout;
        let mut dxc = &dxn / &self.std;
        let dstd = -((&dxn * &self.xc) / (&self.std * &self.std)).sum_axis(Axis(0));
        let dvar = 0.5 * dstd / &self.std;
        dxc = dxc + (2.0 / batch_size) * &self.xc * &dvar;
        let dmu = dxc.sum_axis(Axis(0));
        let dx = dxc - dmu / batch_size;
        self.dgamma = dgamma;
        self.dbeta = dbeta;
        Ok(dx.into_shape_with_order(self.input_shape.clone())?)
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        vec![
            Param {
                name: "gamma",
                value: self.gamma.view_mut().into_dyn(),
                grad: self.dgamma.view().into_dyn(),
            },
            Param {
                name: "beta",
                value: self.beta.view_mut().into_dyn(),
                grad: self.dbeta.view().into_dyn(),
            },
        ]
    }

    fn name(&self) -> &str {
        "BatchNormalization"
    }
}
