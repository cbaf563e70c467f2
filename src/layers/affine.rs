//! Affine (fully connected) layer: out = x·W + b.
//!
//! Shapes: x (N, D) or any (N, ...) flattened to (N, D); W (D, M); b (M,); out (N, M).
//! Backward: dx = dout·Wᵀ (reshaped to x's shape), dW = xᵀ·dout, db = Σ_rows dout.
//! Course: `common/layers.py` `Affine`; PyTorch: `nn.Linear` (which stores Wᵀ).

use ndarray::{Array1, Array2, ArrayD, Axis};

use super::{before_forward, expect_shape, non_empty, skipped_dx, Layer, Mode, Param};
use crate::error::{Error, Result};
use crate::kernels::{affine, matmul};
use crate::regularization::WeightDecay;

/// out = x·W + b, with x flattened to (N, D).
pub struct Affine {
    w: Array2<f64>,
    b: Array1<f64>,
    dw: Array2<f64>,
    db: Array1<f64>,
    /// The input of the last training pass, flattened to (N, D).
    x: Option<Array2<f64>>,
    original_x_shape: Vec<usize>,
    weight_decay: WeightDecay,
    input_gradient: bool,
}

impl Affine {
    /// A layer with weights `w` (D, M) and bias `b` (M,). Parameters: `"W"`, `"b"`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let mut affine = Affine::new(array![[1.0, 2.0], [3.0, 4.0]], array![0.5, -0.5])?;
    /// let out = affine.forward(&array![[1.0, 1.0]].into_dyn(), Mode::Train)?;
    /// assert_eq!(out, array![[4.5, 5.5]].into_dyn());
    /// assert!(Affine::new(array![[1.0, 2.0]], array![0.0]).is_err()); // b needs 2 values
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(w: Array2<f64>, b: Array1<f64>) -> Result<Affine> {
        if w.ncols() != b.len() {
            return Err(Error::Geometry(format!(
                "Affine: W has shape {:?} so b should have {} values, got {}",
                w.dim(),
                w.ncols(),
                b.len()
            )));
        }
        Ok(Affine {
            dw: Array2::zeros(w.dim()),
            db: Array1::zeros(b.len()),
            w,
            b,
            x: None,
            original_x_shape: Vec::new(),
            weight_decay: WeightDecay::None,
            input_gradient: true,
        })
    }

    /// The same layer with an L1 or L2 penalty on W (added to the loss and to dW); a
    /// negative or non-finite λ is an error.
    pub fn with_weight_decay(mut self, weight_decay: WeightDecay) -> Result<Affine> {
        self.weight_decay = weight_decay.validate()?;
        Ok(self)
    }

    /// The weights W (D, M).
    pub fn w(&self) -> &Array2<f64> {
        &self.w
    }
}

impl Layer for Affine {
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> Result<ArrayD<f64>> {
        let n = non_empty("Affine", x)?;
        let d = x.len() / n;
        if d != self.w.nrows() {
            return Err(Error::Geometry(format!(
                "Affine: x {:?} flattens to (N, {d}) but W has shape {:?}: it takes {} values per sample",
                x.shape(),
                self.w.dim(),
                self.w.nrows()
            )));
        }
        let original_x_shape = x.shape().to_vec();
        let x = x.to_shape((n, d))?; // (N, D)
        let out = affine(&x, &self.w, &self.b)?; // x·W + b
        if mode == Mode::Train {
            // only a training pass is followed by backward, which needs x
            self.original_x_shape = original_x_shape;
            self.x = Some(x.into_owned());
        }
        Ok(out.into_dyn())
    }

    fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let x = self.x.as_ref().ok_or_else(|| before_forward("Affine"))?;
        expect_shape("Affine", "dout", &[x.nrows(), self.w.ncols()], dout.shape())?;
        let dout = dout.view().into_dimensionality::<ndarray::Ix2>()?;
        self.dw = matmul(&x.t(), &dout)?; // (D, M)
        self.weight_decay.add_gradient(&mut self.dw, &self.w);
        self.db = dout.sum_axis(Axis(0));
        if !self.input_gradient {
            return Ok(skipped_dx());
        }
        let dx = matmul(&dout, &self.w.t())?; // (N, D)
        Ok(dx.into_shape_with_order(self.original_x_shape.clone())?)
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        vec![
            Param {
                name: "W",
                value: self.w.view_mut().into_dyn(),
                grad: self.dw.view().into_dyn(),
            },
            Param {
                name: "b",
                value: self.b.view_mut().into_dyn(),
                grad: self.db.view().into_dyn(),
            },
        ]
    }

    fn name(&self) -> &str {
        "Affine"
    }

    fn skip_input_gradient(&mut self) {
        self.input_gradient = false;
    }

    fn output_shape(&self, sample_shape: &[usize]) -> Result<Vec<usize>> {
        let (inputs, outputs) = self.w.dim();
        let values: usize = sample_shape.iter().product();
        if values == inputs {
            Ok(vec![outputs])
        } else {
            Err(Error::Geometry(format!(
                "W has shape ({inputs}, {outputs}) but a sample {sample_shape:?} flattens to {values} values"
            )))
        }
    }

    fn penalty(&self) -> f64 {
        self.weight_decay.penalty(&self.w)
    }
}
