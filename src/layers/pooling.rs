//! Pooling layer: the maximum (or the mean) of each window, channel by channel.
//!
//! Shapes: x (N, C, H, W) → out (N, C, OH, OW), OH = (H + 2P − PH) / S + 1. Max pooling
//! keeps the position of each window's maximum (the first one on ties, as numpy's argmax)
//! and sends the gradient there; average pooling spreads it evenly. No parameters.
//! Course: `common/layers.py` `Pooling` (max; its size formula ignores `pad`, which every
//! Day 2 use leaves at 0; here the one formula of `conv::output_size` is used, with pad).
//! PyTorch: `nn.MaxPool2d`, `nn.AvgPool2d`.

use ndarray::{Array1, ArrayD, Ix4};

use super::{Layer, Mode, Param};
use crate::conv::{col2im, im2col, ConvGeometry};
use crate::error::{at_least_one, Result};

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
    x_shape: (usize, usize, usize, usize),
    arg_max: Array1<usize>,
}

impl Pooling {
    /// Max pooling, the course's layer (Day 2 always passes `stride = 2` for 2x2 windows).
    ///
    /// ```
    /// use dl_lessons::layers::{Layer, Mode, Pooling};
    /// use dl_lessons::ndarray::Array4;
    /// let x = Array4::from_shape_fn((1, 1, 2, 4), |(_, _, y, x)| (4 * y + x) as f64);
    /// let out = Pooling::new(2, 2, 2, 0).unwrap().forward(&x.into_dyn(), Mode::Train);
    /// assert_eq!(out.into_raw_vec_and_offset().0, vec![5.0, 7.0]);
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
            x_shape: (0, 0, 0, 0),
            arg_max: Array1::zeros(0),
        })
    }

    /// The geometry for input of `input_shape`, or why the window does not fit.
    pub fn geometry(&self, input_shape: (usize, usize, usize, usize)) -> Result<ConvGeometry> {
        ConvGeometry::new(input_shape, self.pool_h, self.pool_w, self.stride, self.pad)
    }

    /// Where each window's maximum was in the last training pass (index within the window).
    pub fn arg_max(&self) -> &Array1<usize> {
        &self.arg_max
    }
}

impl Layer for Pooling {
    #[track_caller]
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> ArrayD<f64> {
        let x = x.view().into_dimensionality::<Ix4>().unwrap_or_else(|_| {
            panic!(
                "Pooling: x should have shape (N, C, H, W), got {:?}",
                x.shape()
            )
        });
        let g = self.geometry(x.dim()).unwrap_or_else(|e| {
            panic!(
                "Pooling {}x{} on x {:?}: {e}",
                self.pool_h,
                self.pool_w,
                x.shape()
            )
        });
        let (n, c, _, _) = x.dim();
        let window = self.pool_h * self.pool_w;
        let col = im2col(
            &x.to_owned(),
            self.pool_h,
            self.pool_w,
            self.stride,
            self.pad,
        )
        .expect("checked geometry");
        // rows (n, oh, ow, c), one window of one channel each
        let col = col
            .into_shape_with_order((n * g.out_h * g.out_w * c, window))
            .expect("contiguous");
        let mut arg_max = Array1::zeros(col.nrows());
        let pooled: Array1<f64> = match self.kind {
            PoolingKind::Max => col
                .rows()
                .into_iter()
                .zip(arg_max.iter_mut())
                .map(|(row, arg)| {
                    let mut best = 0;
                    for (k, &v) in row.iter().enumerate() {
                        if v > row[best] {
                            best = k;
                        }
                    }
                    *arg = best;
                    row[best]
                })
                .collect(),
            PoolingKind::Average => col
                .rows()
                .into_iter()
                .map(|row| row.sum() / window as f64)
                .collect(),
        };
        if mode == Mode::Train {
            self.x_shape = g.input_shape;
            self.arg_max = arg_max;
        }
        pooled
            .into_shape_with_order((n, g.out_h, g.out_w, c))
            .expect("rows are (n, oh, ow, c)")
            .permuted_axes([0, 3, 1, 2])
            .as_standard_layout()
            .into_owned()
            .into_dyn()
    }

    #[track_caller]
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        let dout = dout
            .view()
            .into_dimensionality::<Ix4>()
            .expect("dout is (N, C, OH, OW)");
        let (n, c, out_h, out_w) = dout.dim();
        let window = self.pool_h * self.pool_w;
        let dout = dout.permuted_axes([0, 2, 3, 1]); // (N, OH, OW, C), the order of the rows
        let mut dcol = ndarray::Array2::zeros((n * out_h * out_w * c, window));
        for ((r, &d), mut row) in dout.iter().enumerate().zip(dcol.rows_mut()) {
            match self.kind {
                PoolingKind::Max => row[self.arg_max[r]] = d,
                PoolingKind::Average => row.fill(d / window as f64),
            }
        }
        let dcol = dcol
            .into_shape_with_order((n * out_h * out_w, c * window))
            .expect("contiguous");
        col2im(
            &dcol,
            self.x_shape,
            self.pool_h,
            self.pool_w,
            self.stride,
            self.pad,
        )
        .expect("geometry checked in forward")
        .into_dyn()
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        Vec::new()
    }

    fn name(&self) -> &'static str {
        match self.kind {
            PoolingKind::Max => "Pooling",
            PoolingKind::Average => "AveragePooling",
        }
    }
}
