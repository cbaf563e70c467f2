//! Convolution layer: slide FN filters over the input.
//!
//! out[n, f, i, j] = Σ_{c, y, x} W[f, c, y, x] · x_pad[n, c, S·i + y, S·j + x] + b[f].
//! Shapes: x (N, C, H, W), W (FN, C, FH, FW), b (FN,), out (N, FN, OH, OW) with
//! OH = (H + 2P − FH) / S + 1. Forward, as the course: col = im2col(x), (N·OH·OW, C·FH·FW);
//! out = col · col_W + b with col_W = W.reshape(FN, −1)ᵀ, reshaped to (N, FN, OH, OW).
//! Backward: db = Σ dout, dW = colᵀ · dout, dx = col2im(dout · col_Wᵀ).
//! The same steps here, with two differences of speed only: the products read and write
//! dout and out where the course's transposes would put them (`kernels::conv_*`), and
//! dx's col2im takes each sample's rows of dout · col_Wᵀ while they are in cache
//! (`conv::col2im_of_product`).
//! Course: `common/layers.py` `Convolution`; PyTorch: `nn.Conv2d(C, FN, FH, stride, pad)`.

use ndarray::{Array1, Array2, Array4, ArrayD, Axis};

use super::{as_4d, before_forward, expect_shape, skipped_dx, Layer, Mode, Param};
use crate::conv::{col2im_of_product, im2col};
use crate::error::{at_least_one, Error, Result};
use crate::geometry::ConvGeometry;
use crate::kernels::{conv_forward_product, conv_weight_gradient};
use crate::regularization::WeightDecay;

/// FN filters of size C × FH × FW applied with a stride and zero padding.
pub struct Convolution {
    w: Array4<f64>,
    b: Array1<f64>,
    stride: usize,
    pad: usize,
    dw: Array4<f64>,
    db: Array1<f64>,
    /// Kept by forward for backward: the input's shape, im2col of the input, and W
    /// reshaped to (C·FH·FW, FN).
    x_shape: Option<(usize, usize, usize, usize)>,
    col: Array2<f64>,
    col_w: Array2<f64>,
    input_gradient: bool,
    weight_decay: WeightDecay,
}

impl Convolution {
    /// A layer with filters `w` (FN, C, FH, FW) and biases `b` (FN,). Parameters `"W"`, `"b"`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let mut conv = Convolution::new(Array4::ones((1, 1, 2, 2)), Array1::zeros(1), 1, 0)?;
    /// let out = conv.forward(&Array4::ones((1, 1, 3, 3)).into_dyn(), Mode::Train)?;
    /// assert_eq!(out.shape(), &[1, 1, 2, 2]);
    /// assert!(out.iter().all(|&v| v == 4.0)); // each output sums a 2x2 window of ones
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(w: Array4<f64>, b: Array1<f64>, stride: usize, pad: usize) -> Result<Convolution> {
        at_least_one("stride", stride)?;
        let (filter_num, channels, filter_h, filter_w) = w.dim();
        at_least_one("filter_num", filter_num)?;
        at_least_one("channels of W", channels)?;
        at_least_one("filter_h", filter_h)?;
        at_least_one("filter_w", filter_w)?;
        if b.len() != filter_num {
            return Err(Error::Geometry(format!(
                "Convolution: W has {filter_num} filters (shape {:?}) but b has {} values",
                w.dim(),
                b.len()
            )));
        }
        Ok(Convolution {
            dw: Array4::zeros(w.dim()),
            db: Array1::zeros(b.len()),
            w,
            b,
            stride,
            pad,
            x_shape: None,
            col: Array2::zeros((0, 0)),
            col_w: Array2::zeros((0, 0)),
            input_gradient: true,
            weight_decay: WeightDecay::None,
        })
    }

    /// The same layer with an L1 or L2 penalty on W; a negative or non-finite λ is an error.
    pub fn with_weight_decay(mut self, weight_decay: WeightDecay) -> Result<Convolution> {
        self.weight_decay = weight_decay.validate()?;
        Ok(self)
    }

    /// The filters (FN, C, FH, FW).
    pub fn w(&self) -> &Array4<f64> {
        &self.w
    }

    /// The geometry for input of `input_shape`, or why it does not fit.
    pub fn geometry(&self, input_shape: (usize, usize, usize, usize)) -> Result<ConvGeometry> {
        let (_, channels, filter_h, filter_w) = self.w.dim();
        if input_shape.1 != channels {
            return Err(Error::Geometry(format!(
                "Convolution: the filters have {channels} channels but x {input_shape:?} has {}",
                input_shape.1
            )));
        }
        ConvGeometry::new(input_shape, filter_h, filter_w, self.stride, self.pad)
    }
}

impl Layer for Convolution {
    fn forward(&mut self, x: &ArrayD<f64>, _mode: Mode) -> Result<ArrayD<f64>> {
        let x = as_4d("Convolution", x)?;
        let (filter_num, _, filter_h, filter_w) = self.w.dim();
        let (n, _, _, _) = x.dim();
        let g = self.geometry(x.dim())?; // out_h, out_w from the one formula
        let col = im2col(&x, filter_h, filter_w, self.stride, self.pad)?; // (N·out_h·out_w, C·FH·FW)
        let col_w = self
            .w
            .to_shape((filter_num, g.patch_len()))?
            .reversed_axes(); // (C·FH·FW, FN)

        // np.dot(col, col_W) + b, reshaped to (N, out_h, out_w, FN) and transposed to
        // (N, FN, out_h, out_w): the product is written in the transposed order directly
        let out = conv_forward_product(&col, &col_w, &self.b, n)?; // (N, FN, out_h·out_w)
        let out = out.into_shape_with_order((n, filter_num, g.out_h, g.out_w))?;
        self.x_shape = Some(x.dim());
        self.col = col;
        self.col_w = col_w.into_owned();
        Ok(out.into_dyn())
    }

    fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let x_shape = self.x_shape.ok_or_else(|| before_forward("Convolution"))?;
        let (filter_num, c, filter_h, filter_w) = self.w.dim();
        let g = self.geometry(x_shape)?;
        let (n, _, out_h, out_w) = g.output_shape(filter_num);
        expect_shape(
            "Convolution",
            "dout",
            &[n, filter_num, out_h, out_w],
            dout.shape(),
        )?;
        // The course reorders dout to (N·out_h·out_w, FN) with transpose(0, 2, 3, 1); the
        // products below read sample n's rows of that matrix where they lie, as dout[n]ᵀ.
        let dout = dout.to_shape((n, filter_num, out_h * out_w))?; // (N, FN, out_h·out_w)
        self.db = dout.sum_axis(Axis(2)).sum_axis(Axis(0)); // np.sum(dout, axis=0)
        let dw = conv_weight_gradient(&self.col, &dout)?; // np.dot(col.T, dout): (C·FH·FW, FN)
        self.dw = dw
            .reversed_axes()
            .as_standard_layout()
            .into_shape_with_order((filter_num, c, filter_h, filter_w))?
            .into_owned();
        self.weight_decay.add_gradient(&mut self.dw, &self.w);
        if !self.input_gradient {
            return Ok(skipped_dx());
        }
        // dcol = np.dot(dout, col_W.T), (N·out_h·out_w, C·FH·FW), then dx = col2im(dcol, ...):
        // one primitive adds each sample's rows of dcol back while they are in cache
        let dx = col2im_of_product(
            &dout,
            &self.col_w,
            x_shape,
            filter_h,
            filter_w,
            self.stride,
            self.pad,
        )?;
        Ok(dx.into_dyn())
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
        "Convolution"
    }

    fn penalty(&self) -> f64 {
        self.weight_decay.penalty(&self.w)
    }

    fn skip_input_gradient(&mut self) {
        self.input_gradient = false;
    }

    fn output_shape(&self, sample_shape: &[usize]) -> Result<Vec<usize>> {
        let &[c, h, w] = sample_shape else {
            return Err(Error::Geometry(format!(
                "a convolution takes (C, H, W) samples, got {sample_shape:?}"
            )));
        };
        let g = self.geometry((1, c, h, w))?;
        Ok(vec![self.w.dim().0, g.out_h, g.out_w])
    }
}
