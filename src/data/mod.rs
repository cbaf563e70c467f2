//! Data sets: the shipped handwritten digits (embedded, always available) and real MNIST
//! from IDX files for users who have them.
//!
//! A [`Dataset`] holds `x_train` (N, ...) with pixels in 0..1, integer labels `t_train`
//! (N,), and the same for the test split.

mod augment;
mod digits;
mod minibatch;
mod mnist;

pub use augment::random_crop;
pub use minibatch::{batch_ranges, minibatch_table, minibatches};
pub use mnist::{load_idx_images, load_idx_labels};

use ndarray::{s, Array1, ArrayD, Axis, IxDyn};

use crate::error::{at_least_one, count_in, Error, Result};
use crate::init::Rng;
use crate::limits::{check_memory, f64_bytes, product};
use rand::Rng as _;

/// Training and test samples with class labels.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Training inputs, (N, features) or (N, C, H, W), values in 0..1.
    pub x_train: ArrayD<f64>,
    /// Training labels (N,), class indices.
    pub t_train: Array1<usize>,
    /// Test inputs, same per-sample shape as `x_train`.
    pub x_test: ArrayD<f64>,
    /// Test labels.
    pub t_test: Array1<usize>,
    /// Number of classes (10 for digits).
    pub classes: usize,
    /// Where the data came from, e.g. `digits 8x8`.
    pub name: String,
}

impl Dataset {
    /// The shape of one sample, e.g. `[64]` or `[1, 8, 8]`.
    pub fn sample_shape(&self) -> &[usize] {
        &self.x_train.shape()[1..]
    }

    /// Values per sample (the input size of a fully connected network).
    pub fn input_size(&self) -> usize {
        self.sample_shape().iter().product()
    }

    /// Number of classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Number of training samples.
    pub fn train_size(&self) -> usize {
        self.t_train.len()
    }

    /// Number of test samples.
    pub fn test_size(&self) -> usize {
        self.t_test.len()
    }

    /// Checks that the fields fit together, as a data set built or changed by hand may not:
    /// one label per sample, every label a class, both splits of one sample shape, and
    /// every value a finite number. `train` calls it before the first step.
    ///
    /// ```
    /// use dl_lessons::data::Dataset;
    /// let mut data = Dataset::digits(0);
    /// assert!(data.validate().is_ok());
    /// data.t_train[0] = 10; // digits have classes 0..=9
    /// assert!(data.validate().unwrap_err().to_string().contains("t_train"));
    /// ```
    pub fn validate(&self) -> Result<()> {
        if self.classes == 0 {
            return Err(Error::param("classes", 0, "must be at least 1"));
        }
        for (split, x, t) in [
            ("train", &self.x_train, &self.t_train),
            ("test", &self.x_test, &self.t_test),
        ] {
            let samples = x.shape().first().copied().unwrap_or(0);
            if x.ndim() < 2 || samples == 0 || samples != t.len() {
                return Err(Error::Geometry(format!(
                    "x_{split} has shape {:?} and t_{split} {} labels: both need the same number N >= 1 of samples",
                    x.shape(),
                    t.len()
                )));
            }
            if let Some((i, &label)) = t
                .iter()
                .enumerate()
                .find(|(_, &label)| label >= self.classes)
            {
                return Err(Error::param(
                    format!("t_{split}[{i}]"),
                    label,
                    format!("must be a class below classes = {}", self.classes),
                ));
            }
            if let Some(bad) = x.iter().find(|v| !v.is_finite()) {
                return Err(Error::param(
                    format!("x_{split}"),
                    bad,
                    "every value must be a finite number",
                ));
            }
        }
        if self.x_train.shape()[1..] != self.x_test.shape()[1..] {
            return Err(Error::Geometry(format!(
                "x_train's samples have shape {:?} but x_test's {:?}",
                &self.x_train.shape()[1..],
                &self.x_test.shape()[1..]
            )));
        }
        Ok(())
    }

    /// Keeps only the first `train_size` training samples (the overfitting lesson uses 300).
    ///
    /// ```
    /// use dl_lessons::data::Dataset;
    /// let small = Dataset::digits(0).with_train_size(300).unwrap();
    /// assert_eq!(small.train_size(), 300);
    /// assert!(Dataset::digits(0).with_train_size(0).is_err());
    /// ```
    pub fn with_train_size(mut self, train_size: usize) -> Result<Dataset> {
        at_least_one("train_size", train_size)?;
        if train_size > self.train_size() {
            return Err(Error::param(
                "train_size",
                train_size,
                format!(
                    "the data set has only {} training samples",
                    self.train_size()
                ),
            ));
        }
        self.x_train = self
            .x_train
            .slice_axis(Axis(0), (0..train_size).into())
            .to_owned();
        self.t_train = self.t_train.slice(s![..train_size]).to_owned();
        Ok(self)
    }

    /// Each sample flattened to a vector (N, features), as fully connected networks take it.
    pub fn flattened(mut self) -> Dataset {
        let flat = |x: ArrayD<f64>| {
            let n = x.shape()[0];
            let d = x.len() / n.max(1);
            x.into_shape_with_order(IxDyn(&[n, d])).expect("flatten")
        };
        self.x_train = flat(self.x_train);
        self.x_test = flat(self.x_test);
        self
    }

    /// The training samples at `indices` and their labels: the course's
    /// `x_train[batch_mask]`, `t_train[batch_mask]`. Equal to ndarray's `select` on axis 0,
    /// which is several times slower for a mini-batch (it concatenates one view per sample).
    pub(crate) fn train_batch(&self, indices: &[usize]) -> (ArrayD<f64>, Array1<usize>) {
        let x = self.x_train.as_standard_layout();
        let sample_len: usize = self.sample_shape().iter().product();
        let values = x.as_slice().expect("standard layout");
        let mut batch = Vec::with_capacity(indices.len() * sample_len);
        for &i in indices {
            batch.extend_from_slice(&values[i * sample_len..(i + 1) * sample_len]);
        }
        let mut shape = x.shape().to_vec();
        shape[0] = indices.len();
        let x_batch = ArrayD::from_shape_vec(shape, batch).expect("sizes match");
        (x_batch, indices.iter().map(|&i| self.t_train[i]).collect())
    }

    /// A mini-batch drawn as the course draws it: `batch_size` training samples chosen at
    /// random with replacement (`batch_mask = np.random.choice(train_size, batch_size)`),
    /// then `x_train[batch_mask]`, `t_train[batch_mask]`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let data = Dataset::digits(0);
    /// let (x_batch, t_batch) = data.random_batch(100, &mut rng(0))?;
    /// assert_eq!((x_batch.shape(), t_batch.len()), (&[100, 64][..], 100));
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn random_batch(
        &self,
        batch_size: usize,
        rng: &mut Rng,
    ) -> Result<(ArrayD<f64>, Array1<usize>)> {
        count_in(
            "batch_size",
            batch_size,
            self.train_size(),
            &format!("the training set has {} samples", self.train_size()),
        )?;
        let batch_mask: Vec<usize> = (0..batch_size)
            .map(|_| rng.random_range(0..self.train_size()))
            .collect();
        Ok(self.train_batch(&batch_mask))
    }

    /// Test sample `index` (one image or vector, without the batch axis), e.g. to see what
    /// a network's filters make of it.
    pub fn test_sample(&self, index: usize) -> Result<ArrayD<f64>> {
        if index >= self.test_size() {
            return Err(Error::param(
                "index",
                index,
                format!("must be below the {} test samples", self.test_size()),
            ));
        }
        Ok(self.x_test.index_axis(Axis(0), index).to_owned())
    }

    /// Each (C, H, W) image resized to `size` × `size` by bilinear interpolation (pixel
    /// centres aligned, as image libraries do), e.g. the 8x8 digits to the course's 28x28.
    ///
    /// ```
    /// use dl_lessons::data::Dataset;
    /// let data = Dataset::digits(0).images(1, 8, 8).unwrap().upsampled(28).unwrap();
    /// assert_eq!(data.sample_shape(), &[1, 28, 28]);
    /// assert!(data.x_train.iter().all(|&v| (0.0..=1.0).contains(&v)));
    /// ```
    pub fn upsampled(mut self, size: usize) -> Result<Dataset> {
        at_least_one("size", size)?;
        let &[c, h, w] = self.sample_shape() else {
            return Err(Error::param(
                "sample shape",
                format!("{:?}", self.sample_shape()),
                "must be (C, H, W): call .images(1, 8, 8) first",
            ));
        };
        let samples = self.train_size() + self.test_size();
        check_memory(
            || format!("upsampled({size}) of {samples} images with {c} channels"),
            product(&[samples, c, size, size]).and_then(|values| f64_bytes(&[values])),
            "choose a smaller size (the course's images are 28x28)",
        )?;
        let resize = |x: &ArrayD<f64>| -> ArrayD<f64> {
            let n = x.shape()[0];
            let x = x
                .view()
                .into_shape_with_order((n * c, h, w))
                .expect("(N, C, H, W)");
            let source = |out: usize, len: usize| -> (usize, usize, f64) {
                let pos = ((out as f64 + 0.5) * len as f64 / size as f64 - 0.5)
                    .clamp(0.0, (len - 1) as f64);
                let low = pos.floor() as usize;
                (low, (low + 1).min(len - 1), pos - low as f64)
            };
            let rows: Vec<_> = (0..size).map(|i| source(i, h)).collect();
            let cols: Vec<_> = (0..size).map(|j| source(j, w)).collect();
            let out = ndarray::Array3::from_shape_fn((n * c, size, size), |(p, i, j)| {
                let ((y0, y1, fy), (x0, x1, fx)) = (rows[i], cols[j]);
                let top = x[[p, y0, x0]] * (1.0 - fx) + x[[p, y0, x1]] * fx;
                let bottom = x[[p, y1, x0]] * (1.0 - fx) + x[[p, y1, x1]] * fx;
                top * (1.0 - fy) + bottom * fy
            });
            out.into_shape_with_order(IxDyn(&[n, c, size, size]))
                .expect("sizes match")
        };
        self.x_train = resize(&self.x_train);
        self.x_test = resize(&self.x_test);
        self.name = format!("{} upsampled to {size}x{size}", self.name);
        Ok(self)
    }

    /// Each sample as a (channels, height, width) image, as convolution layers take it.
    pub fn images(mut self, channels: usize, height: usize, width: usize) -> Result<Dataset> {
        if product(&[channels, height, width]) != Some(self.input_size()) {
            return Err(Error::param(
                "image shape",
                format!("({channels}, {height}, {width})"),
                format!("must hold the {} values of a sample", self.input_size()),
            ));
        }
        let shape = |n: usize| IxDyn(&[n, channels, height, width]);
        let (n_train, n_test) = (self.train_size(), self.test_size());
        self.x_train = self
            .x_train
            .into_shape_with_order(shape(n_train))
            .expect("checked size");
        self.x_test = self
            .x_test
            .into_shape_with_order(shape(n_test))
            .expect("checked size");
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn train_batch_equals_select() {
        let vectors = Dataset::digits(0);
        let images = vectors.clone().images(1, 8, 8).unwrap();
        let indices = [7, 0, 1499, 7, 42];
        for data in [vectors, images] {
            let (x, t) = data.train_batch(&indices);
            assert_eq!(x, data.x_train.select(Axis(0), &indices));
            assert_eq!(t, data.t_train.select(Axis(0), &indices));
        }
    }
}
