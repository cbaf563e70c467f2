//! Weight initialisation and the seeded random numbers every lesson uses.
//!
//! For a layer with fan-in n (inputs per unit) the course draws W = std · randn and sets
//! b = 0, with std = a given number ("gauss"), √(1/n) (Xavier), √(2/n) (He), or W = 0.
//! There is no global random generator: every function takes a seed or a [`Rng`], so a
//! notebook gives the same numbers on every run.

use ndarray::{Array, Dimension, ShapeBuilder};
use rand::{Rng as _, SeedableRng};

use crate::error::{number, Error, Result};
use crate::limits::{check_memory, f64_bytes};

/// The random generator of the crate (PCG 64/128 MCG: the same stream on every platform
/// and every version of `rand_pcg`).
pub type Rng = rand_pcg::Pcg64Mcg;

/// A generator started from `seed`.
pub fn rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// How the weights of a layer are drawn (course `weight_init_std`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// "gauss": W = std · randn, e.g. `Init::Std(0.01)`.
    Std(f64),
    /// Xavier: std = √(1/n), made for sigmoid and tanh (course `'sigmoid'`/`'xavier'`).
    Xavier,
    /// He: std = √(2/n), made for ReLU (course `'relu'`/`'he'`).
    He,
    /// All weights 0 (the P28 exercise: why this cannot learn).
    Zeros,
}

impl Init {
    /// The standard deviation for a layer with fan-in `n`.
    ///
    /// ```
    /// use dl_lessons::init::Init;
    /// assert_eq!(Init::Xavier.std(100), 0.1);
    /// assert_eq!(Init::He.std(50), 0.2);
    /// assert_eq!(Init::Std(0.01).std(784), 0.01);
    /// ```
    pub fn std(self, n: usize) -> f64 {
        match self {
            Init::Std(std) => std,
            Init::Xavier => (1.0 / n as f64).sqrt(),
            Init::He => (2.0 / n as f64).sqrt(),
            Init::Zeros => 0.0,
        }
    }

    /// Rejects a negative or non-finite `Init::Std`.
    pub fn validate(self) -> Result<Self> {
        match self {
            Init::Std(std) => {
                check_std("weight_init_std", std, " (or use Init::Xavier / Init::He)")?;
                Ok(self)
            }
            _ => Ok(self),
        }
    }

    /// Weights of the given shape for fan-in `n`, drawn from `rng`.
    ///
    /// ```
    /// use dl_lessons::init::{rng, Init};
    /// let w = Init::He.weights((3, 2), 3, &mut rng(0))?;
    /// assert_eq!(w.dim(), (3, 2));
    /// assert_eq!(w, Init::He.weights((3, 2), 3, &mut rng(0))?); // same seed, same weights
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn weights<Sh, D>(self, shape: Sh, n: usize, rng: &mut Rng) -> Result<Array<f64, D>>
    where
        Sh: ShapeBuilder<Dim = D>,
        D: Dimension,
    {
        randn(shape, self.validate()?.std(n), rng)
    }

    /// The course's label: `gauss(0.01)`, `Xavier`, `He`, `zeros`.
    pub fn label(self) -> String {
        match self {
            Init::Std(std) => format!("gauss({std})"),
            Init::Xavier => "Xavier".into(),
            Init::He => "He".into(),
            Init::Zeros => "zeros".into(),
        }
    }
}

/// One sample of the standard normal distribution, by the Box–Muller transform:
/// z = √(−2 ln u₁) · cos(2π u₂) for independent uniform u₁ ∈ (0, 1], u₂ ∈ [0, 1).
pub fn standard_normal(rng: &mut Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // (0, 1]: ln stays finite
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The largest standard deviation taken: a normal sample is below 9 in size, so
/// `std · sample` stays a finite number.
pub const MAX_STD: f64 = 1e300;

/// An error unless `std` lies in [0, MAX_STD]; `hint` is added to the rule.
fn check_std(name: &str, std: f64, hint: &str) -> Result<()> {
    if (0.0..=MAX_STD).contains(&std) {
        Ok(())
    } else {
        Err(Error::param(
            name,
            number(std),
            format!("must be a finite number >= 0 and at most 1e300{hint}"),
        ))
    }
}

/// Normal samples with mean 0 and the given standard deviation (numpy's `std * randn`);
/// a bad `std` or a shape beyond the memory limit is an error.
///
/// ```
/// use dl_lessons::init::{randn, rng};
/// let x: dl_lessons::ndarray::Array2<f64> = randn((2, 3), 0.5, &mut rng(0))?;
/// assert_eq!(x.dim(), (2, 3));
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn randn<Sh, D>(shape: Sh, std: f64, rng: &mut Rng) -> Result<Array<f64, D>>
where
    Sh: ShapeBuilder<Dim = D>,
    D: Dimension,
{
    check_std("std", std, "")?;
    let shape = shape.into_shape_with_order();
    let dims = shape.raw_dim().slice().to_vec();
    check_memory(
        || format!("randn of shape {dims:?}"),
        crate::limits::product(&dims).and_then(|n| f64_bytes(&[n])),
        "choose a smaller shape",
    )?;
    Ok(Array::from_shape_simple_fn(shape, || {
        std * standard_normal(rng)
    }))
}

/// Whole numbers 0..`high` stored as floats, like the course's `np.random.rand(...) * 100 // 1`.
///
/// ```
/// use dl_lessons::{init::rand_integers, ndarray::Array4};
/// let x: Array4<f64> = rand_integers((2, 1, 4, 4), 100, 0)?;
/// assert!(x.iter().all(|&v| v.fract() == 0.0 && (0.0..100.0).contains(&v)));
/// assert!(rand_integers::<_, dl_lessons::ndarray::Ix2>((1 << 20, 1 << 20), 100, 0).is_err());
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn rand_integers<Sh, D>(shape: Sh, high: u32, seed: u64) -> Result<Array<f64, D>>
where
    Sh: ShapeBuilder<Dim = D>,
    D: Dimension,
{
    let shape = shape.into_shape_with_order();
    let dims = shape.raw_dim().slice().to_vec();
    check_memory(
        || format!("rand_integers of shape {dims:?}"),
        crate::limits::product(&dims).and_then(|n| f64_bytes(&[n])),
        "choose a smaller shape",
    )?;
    let mut rng = rng(seed);
    Ok(Array::from_shape_simple_fn(shape, || {
        f64::from(rng.random_range(0..high.max(1)))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn sample_std_matches_the_rule() {
        for (init, n) in [(Init::Xavier, 100), (Init::He, 100), (Init::Std(0.01), 100)] {
            let w: Array2<f64> = init.weights((n, 400), n, &mut rng(7)).unwrap();
            let mean = w.mean().unwrap();
            let std = w.mapv(|v| (v - mean).powi(2)).mean().unwrap().sqrt();
            assert!((std / init.std(n) - 1.0).abs() < 0.03, "{init:?}: {std}");
            assert!(mean.abs() < 0.03 * init.std(n));
        }
        let zeros: Array2<f64> = Init::Zeros.weights((4, 4), 4, &mut rng(0)).unwrap();
        assert!(zeros.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn bad_std_is_rejected_with_its_value() {
        let e = Init::Std(-1.0).validate().unwrap_err().to_string();
        assert!(e.starts_with("weight_init_std = -1"), "{e}");
        assert!(Init::Std(f64::INFINITY).validate().is_err());
        assert!(Init::Std(0.01).validate().is_ok());
    }

    #[test]
    fn different_seeds_give_different_weights() {
        let a: Array2<f64> = randn((5, 5), 1.0, &mut rng(1)).unwrap();
        let b: Array2<f64> = randn((5, 5), 1.0, &mut rng(2)).unwrap();
        assert_ne!(a, b);
    }
}
