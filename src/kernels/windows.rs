//! The window gather and scatter under im2col, col2im and pooling, written once.
//!
//! A window of a (C, Hp, Wp) zero-padded image is read through two tables: `starts[p]`,
//! the top-left pixel of window p = (i, j) (i·S·Wp + j·S), and `offsets[k]`, where value
//! k = (c, y, x) of a window lies from there (c·Hp·Wp + y·Wp + x). Row p of a sample's
//! im2col block is then `image[starts[p] + offsets[k]]` for every k, written in one
//! sequential pass; col2im adds the rows back through the same tables; pooling takes the
//! maximum (or mean) of each window of one channel. Samples (or channel planes) are
//! independent, so they are split across the cores.

use std::mem::MaybeUninit;

use super::parallel::{fill_uninit, filled_by_row};

/// The two tables of one window geometry.
#[derive(Clone, Debug)]
pub(crate) struct Windows {
    starts: Vec<usize>,
    offsets: Vec<usize>,
    image_len: usize,
}

impl Windows {
    /// The tables for images of `image_len` values: `starts[p]` is window p's first
    /// value, `offsets[k]` where its value k lies from there (every `starts[p] +
    /// offsets[k]` below `image_len`, which the caller's geometry guarantees).
    pub(crate) fn new(starts: Vec<usize>, offsets: Vec<usize>, image_len: usize) -> Windows {
        assert!(
            offsets
                .iter()
                .max()
                .is_none_or(|&o| starts.iter().all(|&s| s + o < image_len)),
            "windows inside the image"
        );
        Windows {
            starts,
            offsets,
            image_len,
        }
    }

    /// Windows per image (OH·OW): the rows of one sample's im2col block.
    pub(crate) fn positions(&self) -> usize {
        self.starts.len()
    }

    /// Values per window (C·FH·FW): the columns of im2col.
    pub(crate) fn window_len(&self) -> usize {
        self.offsets.len()
    }

    /// im2col of every image: `images` holds whole padded images one after another; the
    /// result holds positions() rows of window_len() values per image.
    pub(crate) fn gather(&self, images: &[f64]) -> Vec<f64> {
        let count = images.len() / self.image_len.max(1);
        let block = self.positions() * self.window_len();
        // SAFETY: every row of every sample's block is written, value by value.
        let (col, _) = unsafe {
            fill_uninit(count, block, block / 2, |samples, out| {
                for (n, out) in samples.zip(out.chunks_exact_mut(block.max(1))) {
                    let image = &images[n * self.image_len..][..self.image_len];
                    for (&start, row) in self
                        .starts
                        .iter()
                        .zip(out.chunks_exact_mut(self.window_len().max(1)))
                    {
                        let window = &image[start..];
                        for (o, &offset) in row.iter_mut().zip(&self.offsets) {
                            o.write(window[offset]);
                        }
                    }
                }
            })
        };
        col
    }

    /// The adjoint of [`gather`](Self::gather), col2im: `count` zero images with every row
    /// of `col` added back at its window, so overlapping windows add up.
    pub(crate) fn scatter_add(&self, col: &[f64], count: usize) -> Vec<f64> {
        let block = self.positions() * self.window_len();
        self.scatter_add_with(count, |n, rows| {
            rows.copy_from_slice(&col[n * block..][..block])
        })
    }

    /// [`scatter_add`](Self::scatter_add) of rows that `rows_of(n, rows)` writes for image
    /// n into a block that stays in cache (positions() rows of window_len() values), so
    /// rows computed on the fly, such as a product's, are never stored whole.
    pub(crate) fn scatter_add_with(
        &self,
        count: usize,
        rows_of: impl Fn(usize, &mut [f64]) + Sync,
    ) -> Vec<f64> {
        let block = self.positions() * self.window_len();
        // SAFETY: each image is first filled with zeros, every slot.
        let (images, _) = unsafe {
            fill_uninit(count, self.image_len, block, |samples, out| {
                let mut rows = vec![0.0; block];
                for (n, image) in samples.zip(out.chunks_exact_mut(self.image_len.max(1))) {
                    let image = zeroed(image);
                    rows_of(n, &mut rows);
                    for (&start, row) in self
                        .starts
                        .iter()
                        .zip(rows.chunks_exact(self.window_len().max(1)))
                    {
                        let window = &mut image[start..];
                        for (&v, &offset) in row.iter().zip(&self.offsets) {
                            window[offset] += v;
                        }
                    }
                }
            })
        };
        images
    }

    /// Max pooling of one-channel images (planes one after another): the largest value of
    /// every window, and its index within the window (the first on ties, as numpy's
    /// argmax), positions() of each per plane.
    pub(crate) fn max(&self, images: &[f64]) -> (Vec<f64>, Vec<u32>) {
        let planes = images.len() / self.image_len.max(1);
        let positions = self.positions();
        // SAFETY: every window of every plane writes its maximum.
        let (out, args) = unsafe {
            fill_uninit(
                planes,
                positions,
                positions * self.window_len(),
                |range, out| {
                    let mut args = Vec::with_capacity(out.len());
                    for (plane, out) in range.zip(out.chunks_exact_mut(positions.max(1))) {
                        let image = &images[plane * self.image_len..][..self.image_len];
                        for (&start, o) in self.starts.iter().zip(out) {
                            let window = &image[start..];
                            let (mut best, mut arg) = (window[self.offsets[0]], 0);
                            for (k, &offset) in self.offsets.iter().enumerate().skip(1) {
                                if window[offset] > best {
                                    (best, arg) = (window[offset], k);
                                }
                            }
                            o.write(best);
                            args.push(arg as u32);
                        }
                    }
                    args
                },
            )
        };
        (out, args.concat())
    }

    /// Average pooling of one-channel images: the mean of every window, positions() per plane.
    pub(crate) fn mean(&self, images: &[f64]) -> Vec<f64> {
        let planes = images.len() / self.image_len.max(1);
        let positions = self.positions();
        let scale = 1.0 / self.window_len() as f64;
        // SAFETY: every window of every plane writes its mean.
        let (out, _) = unsafe {
            fill_uninit(
                planes,
                positions,
                positions * self.window_len(),
                |range, out| {
                    for (plane, out) in range.zip(out.chunks_exact_mut(positions.max(1))) {
                        let image = &images[plane * self.image_len..][..self.image_len];
                        for (&start, o) in self.starts.iter().zip(out) {
                            let window = &image[start..];
                            o.write(
                                self.offsets
                                    .iter()
                                    .map(|&offset| window[offset])
                                    .sum::<f64>()
                                    * scale,
                            );
                        }
                    }
                },
            )
        };
        out
    }

    /// The backward pass of max pooling: `planes` zero images with each `dout` value added
    /// at its window's maximum.
    pub(crate) fn scatter_to_max(&self, dout: &[f64], arg_max: &[u32], planes: usize) -> Vec<f64> {
        let positions = self.positions();
        // SAFETY: each plane is first filled with zeros, every slot.
        let (images, _) = unsafe {
            fill_uninit(planes, self.image_len, positions * 2, |range, out| {
                for (plane, image) in range.zip(out.chunks_exact_mut(self.image_len.max(1))) {
                    let image = zeroed(image);
                    let at = plane * positions..(plane + 1) * positions;
                    for ((&start, &d), &arg) in
                        self.starts.iter().zip(&dout[at.clone()]).zip(&arg_max[at])
                    {
                        image[start + self.offsets[arg as usize]] += d;
                    }
                }
            })
        };
        images
    }

    /// The backward pass of average pooling: `planes` zero images with each `dout` value
    /// spread evenly over its window.
    pub(crate) fn scatter_mean(&self, dout: &[f64], planes: usize) -> Vec<f64> {
        let positions = self.positions();
        let scale = 1.0 / self.window_len() as f64;
        // SAFETY: each plane is first filled with zeros, every slot.
        let (images, _) = unsafe {
            fill_uninit(
                planes,
                self.image_len,
                positions * self.window_len(),
                |range, out| {
                    for (plane, image) in range.zip(out.chunks_exact_mut(self.image_len.max(1))) {
                        let image = zeroed(image);
                        for (&start, &d) in self
                            .starts
                            .iter()
                            .zip(&dout[plane * positions..][..positions])
                        {
                            for &offset in &self.offsets {
                                image[start + offset] += d * scale;
                            }
                        }
                    }
                },
            )
        };
        images
    }
}

/// Writes zeros into every slot and hands the slice back initialised.
fn zeroed(slots: &mut [MaybeUninit<f64>]) -> &mut [f64] {
    filled_by_row(slots, slots.len(), |_| 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2-channel 5x6 image with every value distinct.
    fn image() -> Vec<f64> {
        (0..2 * 5 * 6).map(|v| v as f64).collect()
    }

    /// Windows of 2x3 with stride 2 on a C-channel 5x6 image: 2x2 positions.
    fn windows(channels: usize) -> Windows {
        let starts = vec![0, 2, 12, 14];
        let offsets = (0..channels)
            .flat_map(|c| (0..2).flat_map(move |y| (0..3).map(move |x| c * 30 + y * 6 + x)))
            .collect();
        Windows::new(starts, offsets, channels * 30)
    }

    #[test]
    fn gather_reads_each_window_in_channel_row_column_order() {
        let windows = windows(2);
        let images: Vec<f64> = image()
            .into_iter()
            .chain(image().into_iter().map(|v| v + 100.0))
            .collect();
        let col = windows.gather(&images);
        assert_eq!(col.len(), 2 * 4 * 12);
        // sample 0, window (0, 1): rows 0..2, columns 2..5 of each channel
        assert_eq!(
            col[12..24],
            [2.0, 3.0, 4.0, 8.0, 9.0, 10.0, 32.0, 33.0, 34.0, 38.0, 39.0, 40.0]
        );
        // sample 1 is sample 0 plus 100
        assert_eq!(col[48 + 12], 102.0);
    }

    #[test]
    fn scatter_add_is_the_adjoint_of_gather() {
        let windows = windows(2);
        let x = image();
        let col = windows.gather(&x);
        let c: Vec<f64> = (0..col.len())
            .map(|i| ((7 * i) % 11) as f64 - 5.0)
            .collect();
        let back = windows.scatter_add(&c, 1);
        let lhs: f64 = col.iter().zip(&c).map(|(a, b)| a * b).sum();
        let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
        assert_eq!(lhs, rhs);
    }

    #[test]
    fn max_and_mean_pool_each_window_and_send_gradients_back() {
        let windows = windows(1);
        let plane: Vec<f64> = [1.0, 5.0, 5.0, 0.0, 2.0, 2.0, 3.0, 4.0, 1.0, 9.0, 2.0, 2.0]
            .into_iter()
            .chain(std::iter::repeat_n(0.0, 18))
            .collect();
        let (out, args) = windows.max(&plane);
        assert_eq!((out[0], args[0]), (5.0, 1)); // [1, 5, 5 / 3, 4, 1]: the first 5
        assert_eq!((out[1], args[1]), (9.0, 4)); // [5, 0, 2 / 1, 9, 2]
        let dx = windows.scatter_to_max(&[1.0, 2.0, 3.0, 4.0], &args, 1);
        assert_eq!((dx[1], dx[9], dx.iter().sum::<f64>()), (1.0, 2.0, 10.0));
        let mean = windows.mean(&plane);
        assert_eq!(mean[0], (1.0 + 5.0 + 5.0 + 3.0 + 4.0 + 1.0) / 6.0);
        let dmean = windows.scatter_mean(&[6.0, 0.0, 0.0, 0.0], 1);
        assert_eq!(dmean[..3], [1.0, 1.0, 1.0]);
        assert_eq!(dmean.iter().sum::<f64>(), 6.0);
    }
}
