//! Convolution layer: slide FN filters over the input, one matrix product per sample.
//!
//! out[n, f, i, j] = Σ_{c, y, x} W[f, c, y, x] · x_pad[n, c, S·i + y, S·j + x] + b[f].
//! Shapes: x (N, C, H, W), W (FN, C, FH, FW), b (FN,), out (N, FN, OH, OW) with
//! OH = (H + 2P − FH) / S + 1. The course computes col = im2col(x) (N·OH·OW, C·FH·FW) once
//! for the batch, out = col · W.reshape(FN, −1)ᵀ + b, and in backward dW = colᵀ · dout,
//! db = Σ dout, dx = col2im(dout · W.reshape(FN, −1)).
//!
//! The same products are taken here one sample at a time, on the sample's block of col
//! transposed (`patches`, (C·FH·FW, OH·OW)): W · patches is the sample's output already in
//! (FN, OH·OW) order (no transposes), the block stays in cache between being written and
//! being used, and backward rebuilds it from the kept input instead of keeping the whole
//! col (for the course's MNIST layer, 11.5 MB). The batch is split across the cores.
//! Course: `common/layers.py` `Convolution`; PyTorch: `nn.Conv2d` (with `padding=pad`,
//! `stride=stride`).

use std::mem::MaybeUninit;

use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2, Array4, ArrayD, ArrayView2, ArrayViewMut2, Ix1, Ix4};

use super::{Layer, Mode, Param};
use crate::conv::{add_patches, patches_into, ConvGeometry};
use crate::error::{at_least_one, Error, Result};
use crate::parallel::for_each_block;
use crate::regularization::WeightDecay;

/// FN filters of size C × FH × FW applied with a stride and zero padding.
pub struct Convolution {
    w: ArrayD<f64>,
    b: ArrayD<f64>,
    dw: ArrayD<f64>,
    db: ArrayD<f64>,
    stride: usize,
    pad: usize,
    /// The geometry of the last input, for backward.
    geometry: Option<ConvGeometry>,
    /// The last input, zero-padded, (N, C, H + 2P, W + 2P) row-major; the allocation is
    /// reused from step to step.
    x_pad: Vec<f64>,
    input_gradient: bool,
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
            geometry: None,
            x_pad: Vec::new(),
            input_gradient: true,
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
        copy_padded(x, self.pad, &mut self.x_pad);
        let (n, filter_num) = (g.input_shape.0, self.w.shape()[0]);
        let (positions, patch_len) = (g.out_h * g.out_w, g.patch_len());
        let (hp, wp) = g.padded_size();
        let sample_len = g.input_shape.1 * hp * wp;
        let w_rows = self.w_rows();
        let b = self
            .b
            .view()
            .into_dimensionality::<Ix1>()
            .expect("b is 1-D");
        let x_pad = &self.x_pad;
        // Every output value is written (bias, then the product added), so the output is
        // not zeroed first: for the course's first layer that saves a pass over 14 MB.
        let mut out = Vec::with_capacity(n * filter_num * positions);
        let flops = 2 * filter_num * patch_len * positions;
        let uninit = &mut out.spare_capacity_mut()[..n * filter_num * positions];
        for_each_block(uninit, filter_num * positions, flops, |samples, block| {
            let mut patches = vec![0.0; patch_len * positions];
            for (sample, out_n) in samples.zip(block.chunks_exact_mut(filter_num * positions)) {
                patches_into(
                    &x_pad[sample * sample_len..][..sample_len],
                    &g,
                    &mut patches,
                );
                let patches = ArrayView2::from_shape((patch_len, positions), &patches[..])
                    .expect("sizes match");
                for (row, &bias) in out_n.chunks_exact_mut(positions).zip(&b) {
                    row.fill(MaybeUninit::new(bias));
                }
                // SAFETY: every element of out_n was just written (one bias per row).
                let out_n: &mut [f64] =
                    unsafe { &mut *(out_n as *mut [MaybeUninit<f64>] as *mut [f64]) };
                let mut out_n =
                    ArrayViewMut2::from_shape((filter_num, positions), out_n).expect("sizes match");
                general_mat_mul(1.0, &w_rows, &patches, 1.0, &mut out_n); // (FN, OH·OW)
            }
        });
        // SAFETY: the blocks above cover all n·FN·OH·OW elements and wrote each of them.
        unsafe { out.set_len(n * filter_num * positions) };
        self.geometry = Some(g);
        Array4::from_shape_vec((n, filter_num, g.out_h, g.out_w), out)
            .expect("sizes match")
            .into_dyn()
    }

    #[track_caller]
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        let g = self
            .geometry
            .expect("Convolution: backward called before forward");
        let filter_num = self.w.shape()[0];
        let (n, positions, patch_len) = (g.input_shape.0, g.out_h * g.out_w, g.patch_len());
        let expected = [n, filter_num, g.out_h, g.out_w];
        assert_eq!(
            dout.shape(),
            expected,
            "Convolution: dout should have shape {expected:?} (the forward output's), got {:?}",
            dout.shape()
        );
        let dout = dout.as_standard_layout();
        let dout = dout.as_slice().expect("standard layout");
        let w_rows = self.w_rows(); // (FN, C·FH·FW)
        let (hp, wp) = g.padded_size();
        let (channels, h, w) = (g.input_shape.1, g.input_shape.2, g.input_shape.3);
        let sample_len = channels * hp * wp;
        let x_pad = &self.x_pad;
        let input_gradient = self.input_gradient;
        let mut dx = if input_gradient {
            vec![0.0; n * channels * h * w]
        } else {
            Vec::new()
        };
        // Each worker sums dW over its samples and writes its samples' dx.
        let flops = 2 * filter_num * patch_len * positions * if input_gradient { 2 } else { 1 };
        let item_len = if input_gradient { channels * h * w } else { 0 };
        let work = |samples: std::ops::Range<usize>, dx_block: &mut [f64]| {
            let mut dw = Array2::<f64>::zeros((filter_num, patch_len));
            let mut patches = vec![0.0; patch_len * positions];
            let mut dpatches = Array2::<f64>::zeros((patch_len, positions));
            let mut dimg = vec![0.0; sample_len];
            for (k, sample) in samples.enumerate() {
                let dout_n = ArrayView2::from_shape(
                    (filter_num, positions),
                    &dout[sample * filter_num * positions..][..filter_num * positions],
                )
                .expect("sizes match");
                patches_into(
                    &x_pad[sample * sample_len..][..sample_len],
                    &g,
                    &mut patches,
                );
                let patches_n = ArrayView2::from_shape((patch_len, positions), &patches[..])
                    .expect("sizes match");
                general_mat_mul(1.0, &dout_n, &patches_n.t(), 1.0, &mut dw); // dW += dout_n · patchesᵀ
                if input_gradient {
                    general_mat_mul(1.0, &w_rows.t(), &dout_n, 0.0, &mut dpatches); // Wᵀ · dout_n
                    dimg.fill(0.0);
                    add_patches(dpatches.as_slice().expect("owned"), &g, &mut dimg);
                    crop_into(&dimg, &g, &mut dx_block[k * item_len..][..item_len]);
                }
            }
            dw
        };
        let partial = if input_gradient {
            for_each_block(&mut dx, item_len, flops, work)
        } else {
            // no dx to split: give each worker an empty slice per sample
            let mut none = vec![0.0; n];
            for_each_block(&mut none, 1, flops, |samples, _| work(samples, &mut []))
        };
        let mut dw = partial
            .into_iter()
            .reduce(|a, b| a + b)
            .expect("at least one block");
        let mut db = Array1::<f64>::zeros(filter_num);
        for (f, plane) in dout.chunks_exact(positions).enumerate() {
            db[f % filter_num] += plane.iter().sum::<f64>();
        }
        self.db = db.into_dyn();
        self.weight_decay.add_gradient(&mut dw, &w_rows);
        self.dw = dw
            .into_shape_with_order(self.w.raw_dim())
            .expect("W's shape");
        if input_gradient {
            Array4::from_shape_vec(g.input_shape, dx)
                .expect("sizes match")
                .into_dyn()
        } else {
            ArrayD::zeros(ndarray::IxDyn(&[0]))
        }
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

    fn skip_input_gradient(&mut self) {
        self.input_gradient = false;
    }
}

/// Copies x (N, C, H, W) into `buffer` as (N, C, H + 2·pad, W + 2·pad) with a zero border.
fn copy_padded(x: ndarray::ArrayView4<'_, f64>, pad: usize, buffer: &mut Vec<f64>) {
    let (n, c, h, w) = x.dim();
    let (hp, wp) = (h + 2 * pad, w + 2 * pad);
    buffer.clear();
    buffer.resize(n * c * hp * wp, 0.0);
    let mut padded =
        ndarray::ArrayViewMut4::from_shape((n, c, hp, wp), &mut buffer[..]).expect("sizes match");
    padded
        .slice_mut(ndarray::s![.., .., pad..pad + h, pad..pad + w])
        .assign(&x);
}

/// Copies the inside of one padded sample gradient (C, Hp, Wp) into dx (C, H, W).
fn crop_into(padded: &[f64], g: &ConvGeometry, dx: &mut [f64]) {
    let (_, wp) = g.padded_size();
    let (h, w, pad) = (g.input_shape.2, g.input_shape.3, g.pad);
    for (row, out) in dx.chunks_exact_mut(w).enumerate() {
        let (ch, y) = (row / h, row % h);
        let start = (ch * g.padded_size().0 + y + pad) * wp + pad;
        out.copy_from_slice(&padded[start..start + w]);
    }
}
