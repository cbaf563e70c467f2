//! Convolution layer: slide FN filters over the input, one matrix product via im2col.
//!
//! out[n, f, i, j] = Σ_{c, y, x} W[f, c, y, x] · x_pad[n, c, S·i + y, S·j + x] + b[f].
//! Shapes: x (N, C, H, W), W (FN, C, FH, FW), b (FN,), out (N, FN, OH, OW) with
//! OH = (H + 2P − FH) / S + 1. Forward: col = im2col(x) (N·OH·OW, C·FH·FW),
//! out = col · W.reshape(FN, −1)ᵀ + b. Backward: dW = colᵀ · dout, db = Σ dout,
//! dx = col2im(dout · W.reshape(FN, −1)). The products are taken per sample as
//! W · col_nᵀ, which comes out in (FN, OH·OW) order and saves the course's transposes. Course: `common/layers.py` `Convolution`;
//! PyTorch: `nn.Conv2d` (with `padding=pad`, `stride=stride`).

use ndarray::linalg::general_mat_mul;
use ndarray::{
    s, Array1, Array2, Array3, Array4, ArrayD, ArrayView2, ArrayViewMut2, Axis, Ix1, Ix4,
};

use super::{Layer, Mode, Param};
use crate::conv::{col2im_view, im2col_into, ConvGeometry};
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
    /// im2col of the last training input, (N·OH·OW, C·FH·FW) row-major; the allocation is
    /// reused from step to step, as is `dcol`'s.
    col: Vec<f64>,
    dcol: Vec<f64>,
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
            col: Vec::new(),
            dcol: Vec::new(),
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
    fn forward(&mut self, x: &ArrayD<f64>, _mode: Mode) -> ArrayD<f64> {
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
        im2col_into(
            x,
            g.filter_h,
            g.filter_w,
            self.stride,
            self.pad,
            &mut self.col,
        )
        .expect("checked geometry");
        let col = ArrayView2::from_shape(g.col_shape(), &self.col[..]).expect("sizes match"); // (N·OH·OW, C·FH·FW)
        let (n, filter_num, positions) = (g.input_shape.0, self.w.shape()[0], g.out_h * g.out_w);
        let w_rows = self.w_rows(); // (FN, C·FH·FW)
        let b = self
            .b
            .view()
            .into_dimensionality::<Ix1>()
            .expect("b is 1-D");
        // Per sample, W · colᵀ is already (FN, OH·OW): the output's layout, no transpose needed.
        let mut out = Array3::<f64>::zeros((n, filter_num, positions));
        for (sample, mut out_n) in out.outer_iter_mut().enumerate() {
            let col_n = col.slice(s![sample * positions..(sample + 1) * positions, ..]);
            out_n.assign(&b.insert_axis(Axis(1)));
            general_mat_mul(1.0, &w_rows, &col_n.t(), 1.0, &mut out_n);
        }
        self.x_shape = g.input_shape;
        out.into_shape_with_order((n, filter_num, g.out_h, g.out_w))
            .expect("contiguous")
            .into_dyn()
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
        let positions = out_h * out_w;
        let dout = dout.as_standard_layout();
        let dout = dout
            .to_shape((n, filter_num, positions))
            .expect("contiguous"); // (N, FN, OH·OW)
        let w_rows = self.w_rows(); // (FN, C·FH·FW)
        let col_shape = (n * positions, w_rows.ncols());
        let col =
            ArrayView2::from_shape(col_shape, &self.col[..]).expect("forward ran on this input");
        self.dcol.resize(col_shape.0 * col_shape.1, 0.0);
        let mut dcol =
            ArrayViewMut2::from_shape(col_shape, &mut self.dcol[..]).expect("sizes match");
        let mut dw = Array2::<f64>::zeros(w_rows.raw_dim());
        for (sample, dout_n) in dout.outer_iter().enumerate() {
            let rows = s![sample * positions..(sample + 1) * positions, ..];
            general_mat_mul(1.0, &dout_n, &col.slice(rows), 1.0, &mut dw); // dW += dout_n · col_n
            general_mat_mul(1.0, &dout_n.t(), &w_rows, 0.0, &mut dcol.slice_mut(rows));
            // dcol_n = dout_nᵀ · W
        }
        self.db = dout.sum_axis(Axis(2)).sum_axis(Axis(0)).into_dyn();
        self.weight_decay.add_gradient(&mut dw, &w_rows);
        self.dw = dw
            .into_shape_with_order(self.w.raw_dim())
            .expect("W's shape");
        let (filter_h, filter_w) = (self.w.shape()[2], self.w.shape()[3]);
        col2im_view(
            dcol.view(),
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
