//! Pooling layer: the maximum (or the mean) of each window, channel by channel.
//!
//! Shapes: x (N, C, H, W) → out (N, C, OH, OW), OH = (H + 2P − PH) / S + 1. Max pooling
//! keeps the position of each window's maximum (the first one on ties, as numpy's argmax)
//! and sends the gradient there; average pooling spreads it evenly. No parameters.
//! Course: `common/layers.py` `Pooling` (max; its size formula ignores `pad`, which every
//! Day 2 use leaves at 0; here the one formula of `conv::output_size` is used, with pad).
//! PyTorch: `nn.MaxPool2d`, `nn.AvgPool2d`.

use std::mem::MaybeUninit;

use ndarray::{Array1, ArrayD, Ix4};

use super::{Layer, Mode, Param};
use crate::conv::ConvGeometry;
use crate::error::{at_least_one, Result};
use crate::parallel::for_each_block;

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
    /// Index of each window's maximum within the window, in the output's order.
    arg_max: Vec<u32>,
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
            arg_max: Vec::new(),
        })
    }

    /// The geometry for input of `input_shape`, or why the window does not fit.
    pub fn geometry(&self, input_shape: (usize, usize, usize, usize)) -> Result<ConvGeometry> {
        ConvGeometry::new(input_shape, self.pool_h, self.pool_w, self.stride, self.pad)
    }

    /// Where each window's maximum was in the last training pass: its index within the
    /// window (row-major), one per output value in the output's (N, C, OH, OW) order.
    pub fn arg_max(&self) -> Array1<usize> {
        self.arg_max.iter().map(|&k| k as usize).collect()
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
        let (n, c, h, w) = x.dim();
        let x = x.as_standard_layout();
        let x = x.as_slice().expect("standard layout");
        let windows = Windows::new(&g);
        let (plane_in, plane_out) = (h * w, g.out_h * g.out_w);
        let len = n * c * plane_out;
        let mut out = Vec::with_capacity(len);
        let kind = self.kind;
        // planes are independent: split them across the cores (memory-bound work)
        let uninit = &mut out.spare_capacity_mut()[..len];
        let arg_blocks = for_each_block(uninit, plane_out, 4 * plane_in, |planes, block| {
            let mut args = Vec::with_capacity(block.len());
            for (p, out_plane) in planes.zip(block.chunks_exact_mut(plane_out)) {
                let plane = &x[p * plane_in..][..plane_in];
                windows.pool(plane, kind, out_plane, &mut args);
            }
            args
        });
        // SAFETY: Windows::pool writes every value of every output plane.
        unsafe { out.set_len(len) };
        let arg_max: Vec<u32> = arg_blocks.concat();
        if mode == Mode::Train {
            self.x_shape = g.input_shape;
            self.arg_max = arg_max;
        }
        ndarray::Array4::from_shape_vec((n, c, g.out_h, g.out_w), out)
            .expect("sizes match")
            .into_dyn()
    }

    #[track_caller]
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64> {
        let g = self
            .geometry(self.x_shape)
            .expect("Pooling: backward called before a training forward");
        let (n, c, h, w) = self.x_shape;
        let expected = [n, c, g.out_h, g.out_w];
        assert_eq!(
            dout.shape(),
            expected,
            "Pooling: dout should have shape {expected:?} (the forward output's), got {:?}",
            dout.shape()
        );
        let dout = dout.as_standard_layout();
        let dout = dout.as_slice().expect("standard layout");
        let windows = Windows::new(&g);
        let positions = g.out_h * g.out_w;
        let (kind, arg_max) = (self.kind, &self.arg_max);
        if kind == PoolingKind::Max && windows.is_2x2_tiling(h, w) {
            // The course's 2x2 windows with stride 2 cover every pixel once: write each
            // pixel once (the maximum's d, else 0) instead of zeroing, then adding.
            let args = &arg_max[..];
            let len = n * c * h * w;
            let mut dx = Vec::with_capacity(len);
            let uninit = &mut dx.spare_capacity_mut()[..len];
            for_each_block(uninit, h * w, 4 * h * w, |planes, block| {
                let (dout, args) = (
                    &dout[planes.start * positions..],
                    &args[planes.start * positions..],
                );
                for ((rows, d_row), a_row) in block
                    .chunks_exact_mut(2 * w)
                    .zip(dout.chunks_exact(g.out_w))
                    .zip(args.chunks_exact(g.out_w))
                {
                    let (top, bottom) = rows.split_at_mut(w);
                    for (((t, b), &d), &arg) in top
                        .chunks_exact_mut(2)
                        .zip(bottom.chunks_exact_mut(2))
                        .zip(d_row)
                        .zip(a_row)
                    {
                        let at = |k: u32| MaybeUninit::new(if arg == k { d } else { 0.0 });
                        (t[0], t[1], b[0], b[1]) = (at(0), at(1), at(2), at(3));
                    }
                }
            });
            // SAFETY: the blocks cover all N·C·H·W pixels in pairs of rows (H and W are
            // even) and each pixel was written above.
            unsafe { dx.set_len(len) };
            return ndarray::Array4::from_shape_vec(self.x_shape, dx)
                .expect("sizes match")
                .into_dyn();
        }
        let mut dx = vec![0.0; n * c * h * w];
        for_each_block(&mut dx, h * w, 4 * h * w, |planes, block| {
            for (p, plane) in planes.zip(block.chunks_exact_mut(h * w)) {
                let dout = &dout[p * positions..][..positions];
                for (r, &d) in dout.iter().enumerate() {
                    let (i, j) = (r / g.out_w, r % g.out_w);
                    match kind {
                        PoolingKind::Max => {
                            if let Some(pixel) =
                                windows.pixel(i, j, arg_max[p * positions + r] as usize)
                            {
                                plane[pixel] += d;
                            }
                        }
                        PoolingKind::Average => {
                            let share = d / windows.len() as f64;
                            for pixel in windows.pixels(i, j).filter_map(|(_, p)| p) {
                                plane[pixel] += share;
                            }
                        }
                    }
                }
            }
        });
        ndarray::Array4::from_shape_vec(self.x_shape, dx)
            .expect("sizes match")
            .into_dyn()
    }

    fn params(&mut self) -> Vec<Param<'_>> {
        Vec::new()
    }

    fn output_shape(&self, sample_shape: &[usize]) -> Result<Vec<usize>> {
        let &[c, h, w] = sample_shape else {
            return Err(crate::error::Error::Geometry(format!(
                "pooling takes (C, H, W) samples, got {sample_shape:?}"
            )));
        };
        let g = self.geometry((1, c, h, w))?;
        Ok(vec![c, g.out_h, g.out_w])
    }

    fn name(&self) -> &'static str {
        match self.kind {
            PoolingKind::Max => "Pooling",
            PoolingKind::Average => "AveragePooling",
        }
    }
}

/// The pixels of each pooling window in one (H, W) plane: window (i, j), position k
/// (row-major within the window) is pixel `Some(y·W + x)`, or `None` in the zero padding.
struct Windows {
    pool_h: usize,
    pool_w: usize,
    stride: usize,
    pad: usize,
    h: usize,
    w: usize,
    out_w: usize,
}

impl Windows {
    fn new(g: &ConvGeometry) -> Windows {
        Windows {
            pool_h: g.filter_h,
            pool_w: g.filter_w,
            stride: g.stride,
            pad: g.pad,
            h: g.input_shape.2,
            w: g.input_shape.3,
            out_w: g.out_w,
        }
    }

    /// Whether these are 2x2 windows with stride 2 covering an h × w plane exactly once.
    fn is_2x2_tiling(&self, h: usize, w: usize) -> bool {
        (self.pool_h, self.pool_w, self.stride, self.pad) == (2, 2, 2, 0)
            && h % 2 == 0
            && w % 2 == 0
    }

    fn len(&self) -> usize {
        self.pool_h * self.pool_w
    }

    fn pixel(&self, i: usize, j: usize, k: usize) -> Option<usize> {
        let y = (i * self.stride + k / self.pool_w).checked_sub(self.pad)?;
        let x = (j * self.stride + k % self.pool_w).checked_sub(self.pad)?;
        (y < self.h && x < self.w).then_some(y * self.w + x)
    }

    /// Pools one (H, W) plane into `out` (OH·OW values, each written), pushing each window's arg max
    /// onto `args` for max pooling.
    fn pool(
        &self,
        plane: &[f64],
        kind: PoolingKind,
        out: &mut [MaybeUninit<f64>],
        args: &mut Vec<u32>,
    ) {
        let out_w = self.out_w;
        if kind == PoolingKind::Max && self.is_2x2_tiling(self.h, self.w) {
            // the course's 2x2 windows, stride 2: two input rows give one output row
            for (rows, out_row) in plane
                .chunks_exact(2 * self.w)
                .zip(out.chunks_exact_mut(out_w))
            {
                let (top, bottom) = rows.split_at(self.w);
                for ((t, b), o) in top.chunks_exact(2).zip(bottom.chunks_exact(2)).zip(out_row) {
                    // the first maximum wins ties, as numpy's argmax
                    let (mut best, mut arg) = (t[0], 0);
                    for (k, v) in [(1, t[1]), (2, b[0]), (3, b[1])] {
                        if v > best {
                            (best, arg) = (v, k);
                        }
                    }
                    o.write(best);
                    args.push(arg as u32);
                }
            }
            return;
        }
        for (i, out_row) in out.chunks_exact_mut(out_w).enumerate() {
            for (j, o) in out_row.iter_mut().enumerate() {
                match kind {
                    PoolingKind::Max if self.pad == 0 => {
                        // every window is inside the image: read its rows directly
                        let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
                        for wy in 0..self.pool_h {
                            let start = (i * self.stride + wy) * self.w + j * self.stride;
                            for (wx, &v) in plane[start..start + self.pool_w].iter().enumerate() {
                                if v > best {
                                    (best, arg) = (v, wy * self.pool_w + wx);
                                }
                            }
                        }
                        o.write(best);
                        args.push(arg as u32);
                    }
                    PoolingKind::Max => {
                        // padded positions count as 0, as in the course's padded im2col
                        let (mut best, mut arg) = (f64::NEG_INFINITY, 0);
                        for (k, pixel) in self.pixels(i, j) {
                            let v = pixel.map_or(0.0, |p| plane[p]);
                            if v > best {
                                (best, arg) = (v, k);
                            }
                        }
                        o.write(best);
                        args.push(arg as u32);
                    }
                    PoolingKind::Average => {
                        let sum: f64 = self
                            .pixels(i, j)
                            .filter_map(|(_, p)| p)
                            .map(|p| plane[p])
                            .sum();
                        o.write(sum / self.len() as f64);
                    }
                }
            }
        }
    }

    fn pixels(&self, i: usize, j: usize) -> impl Iterator<Item = (usize, Option<usize>)> + '_ {
        (0..self.len()).map(move |k| (k, self.pixel(i, j, k)))
    }
}
