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

use ndarray::{Array1, Array2, Array4, ArrayD, ArrayView2, ArrayViewMut2, Ix1, Ix4};

use super::{Layer, Mode, Param};
use crate::conv::{ConvGeometry, PatchIndex};
use crate::error::{at_least_one, Error, Result};
use crate::matmul::mat_mul_into;
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
        let group = group_size(positions);
        let index = PatchIndex::new(&g);
        // Every output value is written (bias, then the product added), so the output is
        // not zeroed first: for the course's first layer that saves a pass over 14 MB.
        let mut out = Vec::with_capacity(n * filter_num * positions);
        let flops = 2 * filter_num * patch_len * positions;
        let uninit = &mut out.spare_capacity_mut()[..n * filter_num * positions];
        for_each_block(uninit, filter_num * positions, flops, |samples, block| {
            let mut patches = vec![0.0; patch_len * group * positions];
            let mut product = Array2::<f64>::zeros((0, 0));
            let out_len = filter_num * positions;
            for (first, out_group) in samples
                .step_by(group)
                .zip(block.chunks_mut(group * out_len))
            {
                let size = out_group.len() / out_len; // samples in this group
                let cols = size * positions;
                for s in 0..size {
                    let img = &x_pad[(first + s) * sample_len..][..sample_len];
                    index.write(img, &mut patches[s * positions..], cols);
                }
                let patches =
                    ArrayView2::from_shape((patch_len, cols), &patches[..patch_len * cols])
                        .expect("sizes match");
                // W · patches is (FN, G·OH·OW): sample s's output is its block of columns
                if product.dim() != (filter_num, cols) {
                    product = Array2::zeros((filter_num, cols));
                }
                mat_mul_into(1.0, &w_rows, &patches, 0.0, &mut product);
                for (s, out_n) in out_group.chunks_exact_mut(out_len).enumerate() {
                    for ((row, values), &bias) in out_n
                        .chunks_exact_mut(positions)
                        .zip(product.rows())
                        .zip(&b)
                    {
                        let values =
                            &values.as_slice().expect("row-major")[s * positions..][..positions];
                        for (o, &v) in row.iter_mut().zip(values) {
                            o.write(v + bias);
                        }
                    }
                }
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
        let group = group_size(positions);
        let index = PatchIndex::new(&g);
        let work = |samples: std::ops::Range<usize>, dx_block: &mut [f64]| {
            let mut dw = Array2::<f64>::zeros((filter_num, patch_len));
            let mut db = Array1::<f64>::zeros(filter_num);
            let mut patches = vec![0.0; patch_len * group * positions];
            let mut dout_group = vec![0.0; filter_num * group * positions];
            let mut dpatches = vec![0.0; patch_len * group * positions];
            let mut dimg = vec![0.0; sample_len];
            let (start, end) = (samples.start, samples.end);
            for first in (start..end).step_by(group) {
                let size = group.min(end - first);
                let cols = size * positions;
                // dout of the group as (FN, G·OH·OW), the layout of the forward product (one
                // sample's dout already is); db sums its rows while they are in cache
                for s in 0..size {
                    let dout_n =
                        &dout[(first + s) * filter_num * positions..][..filter_num * positions];
                    for (f, row) in dout_n.chunks_exact(positions).enumerate() {
                        db[f] += row.iter().sum::<f64>();
                        if size > 1 {
                            dout_group[f * cols + s * positions..][..positions]
                                .copy_from_slice(row);
                        }
                    }
                    let img = &x_pad[(first + s) * sample_len..][..sample_len];
                    index.write(img, &mut patches[s * positions..], cols);
                }
                let dout_g = if size > 1 {
                    &dout_group[..filter_num * cols]
                } else {
                    &dout[first * filter_num * positions..][..filter_num * positions]
                };
                let dout_g =
                    ArrayView2::from_shape((filter_num, cols), dout_g).expect("sizes match");
                let patches_g =
                    ArrayView2::from_shape((patch_len, cols), &patches[..patch_len * cols])
                        .expect("sizes match");
                mat_mul_into(1.0, &dout_g, &patches_g.t(), 1.0, &mut dw); // dW += dout · patchesᵀ
                if input_gradient {
                    let mut dpatches_g = ArrayViewMut2::from_shape(
                        (patch_len, cols),
                        &mut dpatches[..patch_len * cols],
                    )
                    .expect("sizes match");
                    mat_mul_into(1.0, &w_rows.t(), &dout_g, 0.0, &mut dpatches_g); // Wᵀ · dout
                    for s in 0..size {
                        dimg.fill(0.0);
                        index.add_back(&dpatches[s * positions..], &mut dimg, cols);
                        let k = first - start + s;
                        crop_into(&dimg, &g, &mut dx_block[k * item_len..][..item_len]);
                    }
                }
            }
            (dw, db)
        };
        let partial = if input_gradient {
            for_each_block(&mut dx, item_len, flops, work)
        } else {
            // no dx to split: give each worker an empty slice per sample
            let mut none = vec![0.0; n];
            for_each_block(&mut none, 1, flops, |samples, _| work(samples, &mut []))
        };
        let (mut dw, db) = partial
            .into_iter()
            .reduce(|(dw_a, db_a), (dw_b, db_b)| (dw_a + dw_b, db_a + db_b))
            .expect("at least one block");
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

    fn output_shape(&self, sample_shape: &[usize]) -> Result<Vec<usize>> {
        let &[c, h, w] = sample_shape else {
            return Err(Error::Geometry(format!(
                "a convolution takes (C, H, W) samples, got {sample_shape:?}"
            )));
        };
        let g = self.geometry((1, c, h, w))?;
        Ok(vec![self.w.shape()[0], g.out_h, g.out_w])
    }
}

/// How many samples share one matrix product: enough that the product has about 128
/// columns (small feature maps, as in DeepConvNet's last layers, would otherwise make many
/// tiny products), one for the course's 24x24 maps.
fn group_size(positions: usize) -> usize {
    (128 / positions.max(1)).clamp(1, 64)
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
