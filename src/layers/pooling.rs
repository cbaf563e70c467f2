//! Pooling layer: the maximum (or the mean) of each window, channel by channel.
//!
//! Shapes: x (N, C, H, W) → out (N, C, OH, OW), OH = (H + 2P − PH) / S + 1. Max pooling
//! keeps the position of each window's maximum (the first one on ties, as numpy's argmax)
//! and sends the gradient there; average pooling spreads it evenly. No parameters.
//! Course: `common/layers.py` `Pooling` (max; its default stride is 1 where the book's is
//! 2, and every Day 2 use passes 2; its size formula ignores `pad`, which every Day 2 use
//! leaves at 0: here the one formula, with pad, is used). PyTorch: `nn.MaxPool2d`,
//! `nn.AvgPool2d`.

use ndarray::{Array4, ArrayD};

use super::{as_4d, before_forward, Layer, Mode};
use crate::conv::{average_pool, average_pool_backward, max_pool, max_pool_backward};
use crate::error::{at_least_one, Error, Result};
use crate::geometry::ConvGeometry;

/// Which statistic of each window a [`Pooling`] layer keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolingKind {
    /// The largest value (the course's `Pooling`).
    Max,
    /// The mean.
    Average,
}

/// Max or average pooling over `pool_h` × `pool_w` windows.
pub struct Pooling {
    pool_h: usize,
    pool_w: usize,
    stride: usize,
    pad: usize,
    kind: PoolingKind,
    /// The input shape of the last training pass.
    x_shape: Option<(usize, usize, usize, usize)>,
    /// Where each window's maximum was, (N, C, OH, OW).
    arg_max: Array4<u32>,
}

impl Pooling {
    /// Max pooling, the course's layer (Day 2 always passes `stride = 2` for 2x2 windows).
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let x = Array4::from_shape_fn((1, 1, 2, 4), |(_, _, y, x)| (4 * y + x) as f64);
    /// let out = Pooling::new(2, 2, 2, 0)?.forward(&x.into_dyn(), Mode::Train)?;
    /// assert_eq!(out.into_raw_vec_and_offset().0, vec![5.0, 7.0]);
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(pool_h: usize, pool_w: usize, stride: usize, pad: usize) -> Result<Pooling> {
        Pooling::with_kind(PoolingKind::Max, pool_h, pool_w, stride, pad)
    }

    /// Average pooling with the same geometry rules.
    pub fn average(pool_h: usize, pool_w: usize, stride: usize, pad: usize) -> Result<Pooling> {
        Pooling::with_kind(PoolingKind::Average, pool_h, pool_w, stride, pad)
    }

    fn with_kind(
        kind: PoolingKind,
        pool_h: usize,
        pool_w: usize,
        stride: usize,
        pad: usize,
    ) -> Result<Pooling> {
        at_least_one("pool_h", pool_h)?;
        at_least_one("pool_w", pool_w)?;
        at_least_one("stride", stride)?;
        Ok(Pooling {
            pool_h,
            pool_w,
            stride,
            pad,
            kind,
            x_shape: None,
            arg_max: Array4::zeros((0, 0, 0, 0)),
        })
    }

    /// The geometry for input of `input_shape`, or why the window does not fit.
    pub fn geometry(&self, input_shape: (usize, usize, usize, usize)) -> Result<ConvGeometry> {
        ConvGeometry::new(input_shape, self.pool_h, self.pool_w, self.stride, self.pad)
    }

    /// Where each window's maximum was in the last training pass: its index within the
    /// window (row-major), (N, C, OH, OW).
    pub fn arg_max(&self) -> Array4<usize> {
        self.arg_max.mapv(|k| k as usize)
    }
}

impl Layer for Pooling {
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> Result<ArrayD<f64>> {
        let x = as_4d(self.name(), x)?;
        let (pool_h, pool_w, stride, pad) = (self.pool_h, self.pool_w, self.stride, self.pad);
        let out = match self.kind {
            // the course: col = im2col(x).reshape(-1, pool_h·pool_w); out = max of each row,
            // arg_max = np.argmax of each row; out reshaped to (N, C, out_h, out_w)
            PoolingKind::Max => {
                let (out, arg_max) = max_pool(&x, pool_h, pool_w, stride, pad)?;
                if mode == Mode::Train {
                    self.arg_max = arg_max;
                }
                out
            }
            PoolingKind::Average => average_pool(&x, pool_h, pool_w, stride, pad)?,
        };
        if mode == Mode::Train {
            self.x_shape = Some(x.dim());
        }
        Ok(out.into_dyn())
    }

    fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>> {
        let x_shape = self.x_shape.ok_or_else(|| before_forward(self.name()))?;
        let dout = as_4d(self.name(), dout)?;
        let (pool_h, pool_w, stride, pad) = (self.pool_h, self.pool_w, self.stride, self.pad);
        let dx = match self.kind {
            // the course: dmax[row, arg_max[row]] = dout; dx = col2im(dmax reshaped)
            PoolingKind::Max => {
                max_pool_backward(&dout, &self.arg_max, x_shape, pool_h, pool_w, stride, pad)
            }
            PoolingKind::Average => {
                average_pool_backward(&dout, x_shape, pool_h, pool_w, stride, pad)
            }
        };
        dx.map(|dx| dx.into_dyn())
            .map_err(|e| Error::Geometry(format!("{}: {e}", self.name())))
    }

    fn output_shape(&self, sample_shape: &[usize]) -> Result<Vec<usize>> {
        let &[c, h, w] = sample_shape else {
            return Err(Error::Geometry(format!(
                "pooling takes (C, H, W) samples, got {sample_shape:?}"
            )));
        };
        let g = self.geometry((1, c, h, w))?;
        Ok(vec![c, g.out_h, g.out_w])
    }

    fn name(&self) -> &str {
        match self.kind {
            PoolingKind::Max => "Pooling",
            PoolingKind::Average => "AveragePooling",
        }
    }
}
