//! Convolution layer: slide FN filters over the input, one matrix product via im2col.
//!
//! out[n, f, i, j] = Σ_{c, y, x} W[f, c, y, x] · x_pad[n, c, S·i + y, S·j + x] + b[f].
//! Shapes: x (N, C, H, W), W (FN, C, FH, FW), b (FN,), out (N, FN, OH, OW) with
//! OH = (H + 2P − FH) / S + 1. Forward: col = im2col(x) (N·OH·OW, C·FH·FW),
//! out = col · W.reshape(FN, −1)ᵀ + b. Backward: dW = colᵀ · dout, db = Σ dout,
//! dx = col2im(dout · W.reshape(FN, −1)). Course: `common/layers.py` `Convolution`;
//! PyTorch: `nn.Conv2d` (with `padding=pad`, `stride=stride`).

use ndarray::{Array1, Array2, Array4, ArrayD, Axis, Ix1, Ix4};

use super::{Layer, Mode, Param};
use crate::conv::{col2im, im2col, ConvGeometry};
use crate::error::{at_least_one, Error, Result};
use crate::regularization::WeightDecay;

/// FN filters of size C × FH × FW applied with a stride and zero padding.
pub struct Convolution {
    w: ArrayD<f64>,
    b: ArrayD<f64>,
    dw: ArrayD<f64>,
    db: ArrayD<f64>,
    stride: usize,
    pad: usize,
    x_shape: (usize, usize, usize, usize),
    col: Array2<f64>,
    weight_decay: WeightDecay,
}

impl Convolution {
    /// A layer with filters `w` (FN, C, FH, FW) and biases `b` (FN,). Parameters `"W"`, `"b"`.
    ///
    /// ```
    /// use dl_lessons::layers::{Convolution, Layer, Mode};
    /// use dl_lessons::ndarray::{Array1, Array4};
    /// let mut conv = Convolution::new(Array4::ones((1, 1, 2, 2)), Array1::zeros(1), 1, 0).unwrap();
    /// let out = conv.forward(&Array4::ones((1, 1, 3, 3)).into_dyn(), Mode::Train);
    /// assert_eq!(out.shape(), &[1, 1, 2, 2]);
    /// assert!(out.iter().all(|&v| v == 4.0)); // each output sums a 2x2 window of ones
    /// ```
    pub fn new(w: Array4<f64>, b: Array1<f64>, stride: usize, pad: usize) -> Result<Convolution> {
        at_least_one("stride", stride)?;
        let (filter_num, _, filter_h, filter_w) = w.dim();
        at_least_one("filter_num", filter_num)?;
        at_least_one("filter_h", filter_h)?;
        at_least_one("filter_w", filter_w)?;
        if b.len() != filter_num {
            return Err(Error::Geometry(format!(
                "W has {filter_num} filters (shape {:?}) but b has {} values",
                w.dim(),
                b.len()
            )));
        }
        Ok(Convolution {
            dw: ArrayD::zeros(w.shape()),
            db: ArrayD::zeros(b.shape()),
            w: w.into_dyn(),
            b: b.into_dyn(),
            stride,
            pad,
            x_shape: (0, 0, 0, 0),
            col: Array2::zeros((0, 0)),
            weight_decay: WeightDecay::None,
        })
    }

    /// The same layer with an L1 or L2 penalty on W.
    pub fn with_weight_decay(mut self, weight_decay: WeightDecay) -> Convolution {
        self.weight_decay = weight_decay;
        self
    }

    /// The filters (FN, C, FH, FW).
    pub fn w(&self) -> ndarray::ArrayView4<'_, f64> {
        self.w
            .view()
            .into_dimensionality::<Ix4>()
            .expect("W is 4-D")
    }

    /// The geometry for input of `input_shape`, or why it does not fit.
    pub fn geometry(&self, input_shape: (usize, usize, usize, usize)) -> Result<ConvGeometry> {
        let (_, channels, filter_h, filter_w) = self.w().dim();
        if input_shape.1 != channels {
            return Err(Error::Geometry(format!(
                "the filters have {channels} channels but the input {input_shape:?} has {}",
                input_shape.1
            )));
        }
        ConvGeometry::new(input_shape, filter_h, filter_w, self.stride, self.pad)
    }

    /// W reshaped to (FN, C·FH·FW).
    fn w_rows(&self) -> Array2<f64> {
        let filter_num = self.w.shape()[0];
        self.w
            .to_shape((filter_num, self.w.len() / filter_num))
            .expect("contiguous W")
            .into_owned()
    }
}

impl Layer for Convolution {
    #[track_caller]
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> ArrayD<f64> {
        let x = x.view().into_dimensionality::<Ix4>().unwrap_or_else(|_| {
            panic!(
                "Convolution: x should have shape (N, C, H, W), got {:?}",
                x.shape()
            )
        });
        let g = self.geometry(x.dim()).unwrap_or_else(|e| {
            panic!(
                "Convolution: W {:?} on x {:?}: {e}",
                self.w.shape(),
                x.shape()
            )
        });
        let col = im2col(&x.to_owned(), g.filter_h, g.filter_w, self.stride, self.pad)
            .expect("checked geometry");
        let b = self
            .b
            .view()
            .into_dimensionality::<Ix1>()
            .expect("b is 1-D");
        let out = col.dot(&self.w_rows().t()) + b; // (N·OH·OW, FN)
        let (n, filter_num) = (g.input_shape.0, self.w.shape()[0]);
        let out = out
            .into_shape_with_order((n, g.out_h, g.out_w, filter_num))
            .expect("rows are (n, oh, ow)")
            .permuted_axes([0, 3, 1, 2]);
        if mode == Mode::Train {
            self.x_shape = g.input_shape;
            self.col = col;
        }
        out.as_standard_layout().into_owned().into_dyn()
    }

    #[track_caller]
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        let filter_num = self.w.shape()[0];
        let dout = dout
            .view()
            .into_dimensionality::<Ix4>()
            .expect("dout is (N, FN, OH, OW)");
        let (n, f, out_h, out_w) = dout.dim();
        assert_eq!(
            f, filter_num,
            "Convolution: dout has {f} channels but there are {filter_num} filters"
        );
        let dout = dout
            .permuted_axes([0, 2, 3, 1])
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order((n * out_h * out_w, filter_num))
            .expect("contiguous"); // (N·OH·OW, FN)
        self.db = dout.sum_axis(Axis(0)).into_dyn();
        let mut dw = self.col.t().dot(&dout).reversed_axes(); // (FN, C·FH·FW)
        let w_rows = self.w_rows();
        self.weight_decay.add_gradient(&mut dw, &w_rows);
        self.dw = dw
            .as_standard_layout()
            .into_owned()
            .into_shape_with_order(self.w.raw_dim())
            .expect("W's shape");
        let dcol = dout.dot(&w_rows); // (N·OH·OW, C·FH·FW)
        let (_, _, filter_h, filter_w) = self.w().dim();
        col2im(
            &dcol,
            self.x_shape,
            filter_h,
            filter_w,
            self.stride,
            self.pad,
        )
        .expect("geometry checked in forward")
        .into_dyn()
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
        "Convolution"
    }

    fn penalty(&self) -> f64 {
        self.weight_decay.penalty(&self.w)
    }
}
