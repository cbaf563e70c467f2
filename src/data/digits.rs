//! The shipped handwritten digits: 1,797 images of 8x8 pixels (UCI "Optical Recognition
//! of Handwritten Digits", CC BY 4.0; see `data/README.md`), embedded in the crate.

use ndarray::{Array1, Array2, Axis};
use rand::seq::SliceRandom;

use super::Dataset;
use crate::init::rng;

const DIGITS_CSV: &str = include_str!("../../data/digits.csv");

/// Samples held out for testing by [`Dataset::digits`]; the other 1,500 train.
pub const DIGITS_TEST_SIZE: usize = 297;

/// All 1,797 digits: pixels (1797, 64) scaled from 0..16 to 0..1, and labels.
fn all_digits() -> (Array2<f64>, Array1<usize>) {
    let rows: Vec<&str> = DIGITS_CSV.lines().filter(|l| !l.is_empty()).collect();
    let mut x = Array2::zeros((rows.len(), 64));
    let mut t = Array1::zeros(rows.len());
    for (i, line) in rows.iter().enumerate() {
        for (j, field) in line.split(',').enumerate() {
            let v: u8 = field
                .trim()
                .parse()
                .expect("the embedded digits are integers");
            if j < 64 {
                x[[i, j]] = f64::from(v) / 16.0;
            } else {
                t[i] = usize::from(v);
            }
        }
    }
    (x, t)
}

impl Dataset {
    /// The shipped digits, shuffled with `seed` and split into 1,500 training and 297 test
    /// samples, each a vector of 64 pixels in 0..1.
    ///
    /// ```
    /// use dl_lessons::data::Dataset;
    /// let data = Dataset::digits(0);
    /// assert_eq!(data.x_train.shape(), &[1500, 64]);
    /// assert_eq!(data.test_size(), 297);
    /// assert!(data.x_train.iter().all(|&v| (0.0..=1.0).contains(&v)));
    /// ```
    pub fn digits(seed: u64) -> Dataset {
        let (x, t) = all_digits();
        let mut order: Vec<usize> = (0..t.len()).collect();
        order.shuffle(&mut rng(seed));
        let (test, train) = order.split_at(DIGITS_TEST_SIZE);
        Dataset {
            x_train: x.select(Axis(0), train).into_dyn(),
            t_train: t.select(Axis(0), train),
            x_test: x.select(Axis(0), test).into_dyn(),
            t_test: t.select(Axis(0), test),
            classes: 10,
            name: "digits 8x8".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_file_has_every_class_and_pixel_range() {
        let (x, t) = all_digits();
        assert_eq!(x.dim(), (1797, 64));
        for class in 0..10 {
            let count = t.iter().filter(|&&c| c == class).count();
            assert!((170..=185).contains(&count), "class {class}: {count}");
        }
        assert_eq!(x.iter().cloned().fold(0.0, f64::max), 1.0);
    }

    #[test]
    fn split_is_seeded_and_disjoint() {
        let a = Dataset::digits(3);
        let b = Dataset::digits(3);
        assert_eq!(a.t_train, b.t_train);
        assert_ne!(a.t_train, Dataset::digits(4).t_train);
        assert_eq!(a.train_size() + a.test_size(), 1797);
    }
}
