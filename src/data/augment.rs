//! P78's random crop, used as data augmentation: more training images made by shifting
//! each one a few pixels.

use ndarray::{s, Array2, Array3, Array4, Axis, Ix2, IxDyn};
use rand::Rng as _;

use super::Dataset;
use crate::conv::{crop, zero_pad};
use crate::error::{count_in, Error, Result};
use crate::init::{rng, Rng};
use crate::limits::{check_memory, f64_bytes, product};

/// A random `height` × `width` crop of an (H, W, C) image: the course's answer
/// `image[top:bottom, left:right, :]` at a random `top` and `left`.
///
/// ```
/// use dl_lessons::prelude::*;
/// let image = Array3::from_shape_fn((4, 4, 1), |(y, x, _)| (4 * y + x) as f64);
/// let part = random_crop(&image, 2, 3, &mut rng(0))?;
/// assert_eq!(part.dim(), (2, 3, 1));
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn random_crop(
    image: &Array3<f64>,
    height: usize,
    width: usize,
    rng: &mut Rng,
) -> Result<Array3<f64>> {
    let (h, w, _) = image.dim();
    if height == 0 || width == 0 || height > h || width > w {
        return Err(Error::param(
            "crop size",
            format!("{height}x{width}"),
            format!("must be at least 1x1 and fit the {h}x{w} image"),
        ));
    }
    let top = rng.random_range(0..=h - height);
    let left = rng.random_range(0..=w - width);
    crop(image, top, top + height, left, left + width)
}

impl Dataset {
    /// The training set with `copies` shifted copies of every image added: each copy is the
    /// image padded with `max_shift` zeros all round, then randomly cropped back to its own
    /// size ([`random_crop`]), so its content moves by up to `max_shift` pixels each way.
    /// The test set is unchanged; images only ((N, C, H, W), see [`Dataset::images`]).
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let data = Dataset::digits(0).images(1, 8, 8)?.with_train_size(300)?;
    /// let more = data.with_random_crops(2, 1, 0)?;
    /// assert_eq!(more.train_size(), 900);
    /// assert_eq!(more.x_train.index_axis(Axis(0), 0), data.x_train.index_axis(Axis(0), 0));
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn with_random_crops(&self, copies: usize, max_shift: usize, seed: u64) -> Result<Dataset> {
        count_in(
            "copies",
            copies,
            20,
            "each copy adds a training set's worth of images",
        )?;
        let &[c, h, w] = self.sample_shape() else {
            return Err(Error::param(
                "sample shape",
                format!("{:?}", self.sample_shape()),
                "must be (C, H, W): call .images(1, 8, 8) first",
            ));
        };
        count_in(
            "max_shift",
            max_shift.max(1),
            h.min(w),
            "a shift must leave part of the image",
        )?;
        let n = self.train_size();
        let total = n.checked_mul(copies + 1);
        check_memory(
            || format!("with_random_crops({copies}, ..) of {n} images"),
            total
                .and_then(|t| product(&[t, c, h, w]))
                .and_then(|v| f64_bytes(&[v])),
            "make fewer copies",
        )?;
        let images = self.x_train.view().into_shape_with_order((n, c, h, w))?;
        let padded = zero_pad(&images, max_shift)?;
        let mut rng = rng(seed);
        let mut x = Array4::zeros((n * (copies + 1), c, h, w));
        x.slice_mut(s![..n, .., .., ..]).assign(&images);
        for copy in 1..=copies {
            for i in 0..n {
                // (C, Hp, Wp) as the course's (H, W, C), cropped, and back
                let image = padded
                    .index_axis(Axis(0), i)
                    .permuted_axes([1, 2, 0])
                    .to_owned();
                let cropped = random_crop(&image, h, w, &mut rng)?;
                x.index_axis_mut(Axis(0), copy * n + i)
                    .assign(&cropped.permuted_axes([2, 0, 1]));
            }
        }
        let t = ndarray::Array1::from_iter((0..=copies).flat_map(|_| self.t_train.iter().copied()));
        let mut data = self.clone();
        data.x_train = x.into_shape_with_order(IxDyn(&[n * (copies + 1), c, h, w]))?;
        data.t_train = t;
        data.name = format!("{} with {copies} random crops each", self.name);
        Ok(data)
    }

    /// Training image `sample` of a set made by [`Dataset::with_random_crops`] with
    /// `copies`, and its `copies` crops, labelled for [`crate::plot::image_grid`] (first
    /// channel).
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let data = Dataset::digits(0).images(1, 8, 8)?.with_train_size(300)?;
    /// let crops = data.with_random_crops(3, 1, 0)?.crops_of(5, 3)?;
    /// assert_eq!(crops.len(), 4);
    /// assert_eq!(crops[0].0, "original");
    /// assert_eq!(crops[0].1, data.x_train.slice(s![5, 0, .., ..]));
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn crops_of(&self, sample: usize, copies: usize) -> Result<Vec<(String, Array2<f64>)>> {
        let total = self.train_size();
        let n = total / copies.saturating_add(1);
        if self.sample_shape().len() != 3 || n * (copies + 1) != total {
            return Err(Error::param(
                "copies",
                copies,
                format!("must be the number of copies this set was made with ({total} images of shape {:?})", self.sample_shape()),
            ));
        }
        if sample >= n {
            return Err(Error::param(
                "sample",
                sample,
                format!("must be below {n}, the number of original images"),
            ));
        }
        (0..=copies)
            .map(|k| {
                let label = if k == 0 {
                    "original".to_string()
                } else {
                    format!("crop {k}")
                };
                let image = self.x_train.slice(s![k * n + sample, 0, .., ..]);
                Ok((label, image.into_dimensionality::<Ix2>()?.to_owned()))
            })
            .collect()
    }
}
