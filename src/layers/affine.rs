//! Affine (fully connected) layer: out = x·W + b.
//!
//! Shapes: x (N, D) or any (N, ...) flattened to (N, D); W (D, M); b (M,); out (N, M).
//! Backward: dx = dout·Wᵀ (reshaped to x's shape), dW = xᵀ·dout, db = Σ_rows dout.
//! Course: `common/layers.py` `Affine`; PyTorch: `nn.Linear` (which stores Wᵀ).

use ndarray::{Array1, Array2, ArrayD, Axis, Ix2};

use super::{Layer, Mode, Param};
use crate::matmul::mat_mul;
use crate::regularization::WeightDecay;

/// out = x·W + b, with x flattened to (N, D).
pub struct Affine {
    w: ArrayD<f64>,
    b: ArrayD<f64>,
    dw: ArrayD<f64>,
    db: ArrayD<f64>,
    x: Array2<f64>,
    x_shape: Vec<usize>,
    weight_decay: WeightDecay,
    input_gradient: bool,
}

impl Affine {
    /// A layer with weights `w` (D, M) and bias `b` (M,). Parameters: `"W"`, `"b"`.
    ///
    /// ```
    /// use dl_lessons::layers::{Affine, Layer, Mode};
    /// use dl_lessons::ndarray::{array, IxDyn};
    /// let mut affine = Affine::new(array![[1.0, 2.0], [3.0, 4.0]], array![0.5, -0.5]);
    /// let out = affine.forward(&array![[1.0, 1.0]].into_dyn(), Mode::Train);
    /// assert_eq!(out, array![[4.5, 5.5]].into_dyn());
    /// ```
    #[track_caller]
    pub fn new(w: Array2<f64>, b: Array1<f64>) -> Affine {
        assert_eq!(
            w.ncols(),
            b.len(),
            "Affine: W has shape {:?} so b should have {} values, got {}",
            w.dim(),
            w.ncols(),
            b.len()
        );
        Affine {
            dw: ArrayD::zeros(w.shape()),
            db: ArrayD::zeros(b.shape()),
            w: w.into_dyn(),
            b: b.into_dyn(),
            x: Array2::zeros((0, 0)),
            x_shape: Vec::new(),
            weight_decay: WeightDecay::None,
            input_gradient: true,
        }
    }

    /// The same layer with an L1 or L2 penalty on W (added to the loss and to dW).
    pub fn with_weight_decay(mut self, weight_decay: WeightDecay) -> Affine {
        self.weight_decay = weight_decay;
        self
    }

    /// The weights W (D, M).
    pub fn w(&self) -> ndarray::ArrayView2<'_, f64> {
        self.w
            .view()
            .into_dimensionality::<Ix2>()
            .expect("W is 2-D")
    }
}

impl Layer for Affine {
    #[track_caller]
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> ArrayD<f64> {
        let w = self
            .w
            .view()
            .into_dimensionality::<Ix2>()
            .expect("W is 2-D");
        let n = x.shape()[0];
        let d = x.len() / n.max(1);
        assert_eq!(
            d,
            w.nrows(),
            "Affine: input {:?} flattens to (N, {d}) but W has shape {:?}",
            x.shape(),
            w.dim()
        );
        let x2 = x.to_shape((n, d)).expect("flatten to (N, D)"); // (N, D), a view when contiguous
        let b = self
            .b
            .view()
            .into_dimensionality::<ndarray::Ix1>()
            .expect("b is 1-D");
        let out = mat_mul(x2.view(), w) + b;
        if mode == Mode::Train {
            // Only a training pass is followed by backward, which needs x.
            self.x_shape = x.shape().to_vec();
            self.x = x2.into_owned();
        }
        out.into_dyn()
    }

    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        let dout = dout
            .view()
            .into_dimensionality::<Ix2>()
            .expect("dout is (N, M)");
        let w = self
            .w
            .view()
            .into_dimensionality::<Ix2>()
            .expect("W is 2-D");
        let mut dw = mat_mul(self.x.t(), dout); // (D, M)
        self.weight_decay.add_gradient(&mut dw, &w);
        self.dw = dw.into_dyn();
        self.db = dout.sum_axis(Axis(0)).into_dyn();
        if !self.input_gradient {
            return ArrayD::zeros(ndarray::IxDyn(&[0]));
        }
        let dx = mat_mul(dout, w.t()); // (N, D)
        dx.into_shape_with_order(self.x_shape.clone())
            .expect("dx back to x's shape")
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        vec![
            Param {
                name: "W",
                value: &mut self.w,
                grad: &self.dw,
            },
            Param {
                name: "b",
                value: &mut self.b,
                grad: &self.db,
            },
        ]
    }

    fn name(&self) -> &'static str {
        "Affine"
    }

    fn skip_input_gradient(&mut self) {
        self.input_gradient = false;
    }

    fn output_shape(&self, sample_shape: &[usize]) -> crate::error::Result<Vec<usize>> {
        let (inputs, outputs) = (self.w.shape()[0], self.w.shape()[1]);
        let values: usize = sample_shape.iter().product();
        if values == inputs {
            Ok(vec![outputs])
        } else {
            Err(crate::error::Error::Geometry(format!(
                "W has shape ({inputs}, {outputs}) but a sample {sample_shape:?} flattens to {values} values"
            )))
        }
    }

    fn penalty(&self) -> f64 {
        self.weight_decay.penalty(&self.w)
    }
}
