//! The course's `common/functions.py`: activations, their derivatives, softmax,
//! cross-entropy and the numerical gradient.
//!
//! Derivatives take the pre-activation `u` as in the course (`d_sigmoid(u) = σ(u)(1 − σ(u))`).
//! Array functions work on any dimension; [`Activation`] gives the same formulas on one
//! number, for charts and for building layers.

use ndarray::{Array, Array1, Array2, ArrayBase, Axis, Data, Dimension};

use crate::error::{Error, Result};

#[inline]
fn sigmoid_scalar(u: f64) -> f64 {
    1.0 / (1.0 + (-u).exp())
}

/// The hidden-layer activations the course compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation {
    /// σ(u) = 1 / (1 + e^−u); σ′(u) = σ(u)(1 − σ(u)), at most 0.25.
    Sigmoid,
    /// max(0, u); derivative 1 for u > 0, else 0.
    Relu,
    /// tanh(u); derivative 1 − tanh²(u), at most 1.
    Tanh,
}

impl Activation {
    /// The activation of one number.
    ///
    /// ```
    /// use dl_lessons::functions::Activation;
    /// assert_eq!(Activation::Sigmoid.apply(0.0), 0.5);
    /// assert_eq!(Activation::Relu.apply(-2.0), 0.0);
    /// ```
    #[inline] // called per element from the student's own code in the lessons
    pub fn apply(self, u: f64) -> f64 {
        match self {
            Activation::Sigmoid => sigmoid_scalar(u),
            Activation::Relu => u.max(0.0),
            Activation::Tanh => u.tanh(),
        }
    }

    /// Its derivative at the pre-activation `u`.
    ///
    /// ```
    /// use dl_lessons::functions::Activation;
    /// assert_eq!(Activation::Sigmoid.derivative(0.0), 0.25); // P20: the maximum
    /// assert_eq!(Activation::Relu.derivative(3.0), 1.0);
    /// ```
    #[inline]
    pub fn derivative(self, u: f64) -> f64 {
        match self {
            Activation::Sigmoid => {
                let s = sigmoid_scalar(u);
                s * (1.0 - s)
            }
            Activation::Relu => {
                if u > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Activation::Tanh => 1.0 - u.tanh().powi(2),
        }
    }

    /// The course's name: `sigmoid`, `ReLU`, `tanh`.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "ReLU",
            Activation::Tanh => "tanh",
        }
    }
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// σ(x) = 1 / (1 + e^−x), element-wise.
///
/// ```
/// use dl_lessons::{functions::sigmoid, ndarray::array};
/// assert_eq!(sigmoid(&array![0.0]), array![0.5]);
/// ```
pub fn sigmoid<S: Data<Elem = f64>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<f64, D> {
    x.mapv(sigmoid_scalar)
}

/// max(0, x), element-wise.
///
/// ```
/// use dl_lessons::{functions::relu, ndarray::array};
/// assert_eq!(relu(&array![-1.0, 2.0]), array![0.0, 2.0]);
/// ```
pub fn relu<S: Data<Elem = f64>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<f64, D> {
    x.mapv(|v| Activation::Relu.apply(v))
}

/// tanh(x), element-wise.
///
/// ```
/// use dl_lessons::{functions::tanh, ndarray::array};
/// assert_eq!(tanh(&array![0.0]), array![0.0]);
/// ```
pub fn tanh<S: Data<Elem = f64>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<f64, D> {
    x.mapv(f64::tanh)
}

/// The step function: 1 where x > 0, else 0 (course `step_function`).
///
/// ```
/// use dl_lessons::{functions::step_function, ndarray::array};
/// assert_eq!(step_function(&array![-1.0, 0.0, 0.5]), array![0.0, 0.0, 1.0]);
/// ```
pub fn step_function<S: Data<Elem = f64>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<f64, D> {
    x.mapv(|v| if v > 0.0 { 1.0 } else { 0.0 })
}

/// σ′(x) = σ(x)(1 − σ(x)) at the pre-activation x (course `d_sigmoid`).
///
/// ```
/// use dl_lessons::{functions::d_sigmoid, ndarray::array};
/// assert_eq!(d_sigmoid(&array![0.0]), array![0.25]);
/// ```
pub fn d_sigmoid<S: Data<Elem = f64>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<f64, D> {
    x.mapv(|v| Activation::Sigmoid.derivative(v))
}

/// ReLU′(x): 1 where x > 0, else 0 (course `d_relu`).
///
/// ```
/// use dl_lessons::{functions::d_relu, ndarray::array};
/// assert_eq!(d_relu(&array![-1.0, 0.0, 2.0]), array![0.0, 0.0, 1.0]);
/// ```
pub fn d_relu<S: Data<Elem = f64>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<f64, D> {
    x.mapv(|v| Activation::Relu.derivative(v))
}

/// tanh′(x) = 1 − tanh²(x).
///
/// ```
/// use dl_lessons::{functions::d_tanh, ndarray::array};
/// assert_eq!(d_tanh(&array![0.0]), array![1.0]);
/// ```
pub fn d_tanh<S: Data<Elem = f64>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<f64, D> {
    x.mapv(|v| Activation::Tanh.derivative(v))
}

/// The step function's derivative: 0 wherever it exists, which is why the step function
/// cannot be trained by gradient descent.
///
/// ```
/// use dl_lessons::{functions::d_step_function, ndarray::array};
/// assert_eq!(d_step_function(&array![-1.0, 2.0]), array![0.0, 0.0]);
/// ```
pub fn d_step_function<S: Data<Elem = f64>, D: Dimension>(x: &ArrayBase<S, D>) -> Array<f64, D> {
    x.mapv(|_| 0.0)
}

/// Row-wise softmax with the row maximum subtracted first (so large inputs do not overflow).
///
/// `x`: (N, classes) → (N, classes), each row sums to 1. A row with +∞ entries puts all
/// its probability on them.
///
/// ```
/// use dl_lessons::{functions::softmax, ndarray::array};
/// assert_eq!(softmax(&array![[1000.0, 1000.0]]), array![[0.5, 0.5]]);
/// assert_eq!(softmax(&array![[f64::INFINITY, 0.0]]), array![[1.0, 0.0]]);
/// ```
pub fn softmax<S: Data<Elem = f64>>(x: &ArrayBase<S, ndarray::Ix2>) -> Array2<f64> {
    let mut y = x.to_owned();
    for mut row in y.rows_mut() {
        let max = row.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        if max == f64::INFINITY {
            row.mapv_inplace(|v| if v == f64::INFINITY { 1.0 } else { 0.0 });
        } else {
            row.mapv_inplace(|v| (v - max).exp());
        }
        let sum = row.sum();
        row /= sum;
    }
    y
}

/// Cross-entropy of predictions `y` (N, classes) against class indices `t` (N,):
/// −Σ log(y[i, t_i] + 1e-7) / N, the course's form with 1e-7 inside the log.
///
/// The course writes `cross_entropy_error(d, y)` (target first); the book writes
/// `(y, t)`, as here. A label that is not a class of `y`, or a count that differs, is an
/// error.
///
/// ```
/// use dl_lessons::{functions::cross_entropy_error, ndarray::array};
/// let y = array![[0.1, 0.9], [0.8, 0.2]];
/// let loss = cross_entropy_error(&y, &array![1, 0]).unwrap();
/// assert!((loss - (-(0.9f64 + 1e-7).ln() - (0.8f64 + 1e-7).ln()) / 2.0).abs() < 1e-15);
/// assert!(cross_entropy_error(&y, &array![2, 0]).is_err());
/// ```
pub fn cross_entropy_error<S: Data<Elem = f64>>(
    y: &ArrayBase<S, ndarray::Ix2>,
    t: &Array1<usize>,
) -> Result<f64> {
    let (n, classes) = y.dim();
    if n != t.len() || n == 0 {
        return Err(Error::Geometry(format!(
            "cross_entropy_error: y has {n} rows but t has {} labels (need one label per row, at least one)",
            t.len()
        )));
    }
    if let Some(&bad) = t.iter().find(|&&ti| ti >= classes) {
        return Err(Error::param(
            "label",
            bad,
            format!("must be a class index below y's {classes} columns"),
        ));
    }
    let sum: f64 = t
        .iter()
        .enumerate()
        .map(|(i, &ti)| (y[[i, ti]] + 1e-7).ln())
        .sum();
    Ok(-sum / n as f64)
}

/// Labels as one-hot rows (the course's `one_hot_label=True`): row i is 1 at column t_i.
/// A label that is not below `classes` is an error.
///
/// ```
/// use dl_lessons::{functions::one_hot, ndarray::array};
/// assert_eq!(one_hot(&array![2, 0], 3).unwrap(), array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
/// ```
pub fn one_hot(t: &Array1<usize>, classes: usize) -> Result<Array2<f64>> {
    if let Some(&bad) = t.iter().find(|&&ti| ti >= classes) {
        return Err(Error::param(
            "label",
            bad,
            format!("must be below classes = {classes}"),
        ));
    }
    let mut d = Array2::zeros((t.len(), classes));
    for (i, &ti) in t.iter().enumerate() {
        d[[i, ti]] = 1.0;
    }
    Ok(d)
}

/// The index of the largest value of each row (first one on ties, like numpy's argmax).
pub fn argmax_rows<S: Data<Elem = f64>>(y: &ArrayBase<S, ndarray::Ix2>) -> Array1<usize> {
    y.map_axis(Axis(1), |row| {
        let mut best = 0;
        for (i, &v) in row.iter().enumerate() {
            if v > row[best] {
                best = i;
            }
        }
        best
    })
}

/// The step h of every numerical derivative in the crate: the course's 1e-4.
pub const NUMERICAL_GRADIENT_H: f64 = 1e-4;

/// The central difference (f(+h) − f(−h)) / 2h, with `f_at(delta)` evaluating the function
/// with one variable moved by `delta` (and putting it back): the one place the formula
/// lives, used by [`numerical_gradient`] and by the layer and network gradient checks.
pub fn central_difference<E>(
    mut f_at: impl FnMut(f64) -> std::result::Result<f64, E>,
) -> std::result::Result<f64, E> {
    let h = NUMERICAL_GRADIENT_H;
    let plus = f_at(h)?;
    let minus = f_at(-h)?;
    Ok((plus - minus) / (2.0 * h))
}

/// Central-difference gradient of `f` at `x`: (f(x + h) − f(x − h)) / 2h per element,
/// h = 1e-4 (course `numerical_gradient`). `f` sees `x` with one element moved at a time.
///
/// ```
/// use dl_lessons::{functions::numerical_gradient, ndarray::array};
/// let g = numerical_gradient(|x| x[0] * x[0] + 3.0 * x[1], &array![2.0, 5.0]);
/// assert!((g[0] - 4.0).abs() < 1e-6 && (g[1] - 3.0).abs() < 1e-6);
/// ```
pub fn numerical_gradient<D: Dimension>(
    mut f: impl FnMut(&Array<f64, D>) -> f64,
    x: &Array<f64, D>,
) -> Array<f64, D> {
    let mut x = x.as_standard_layout().into_owned();
    let mut grad = Array::zeros(x.raw_dim());
    for i in 0..x.len() {
        let original = x.as_slice().expect("standard layout")[i];
        let g: std::result::Result<f64, std::convert::Infallible> = central_difference(|delta| {
            x.as_slice_mut().expect("standard layout")[i] = original + delta;
            Ok(f(&x))
        });
        x.as_slice_mut().expect("standard layout")[i] = original;
        grad.as_slice_mut().expect("zeros are contiguous")[i] =
            g.unwrap_or_else(|never| match never {});
    }
    grad
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn derivatives_match_numerical_gradients() {
        for act in [Activation::Sigmoid, Activation::Relu, Activation::Tanh] {
            for &u in &[-2.3, -0.4, 0.7, 1.9] {
                let numeric = (act.apply(u + 1e-5) - act.apply(u - 1e-5)) / 2e-5;
                assert!(
                    (numeric - act.derivative(u)).abs() < 1e-8,
                    "{act} at {u}: {numeric} vs {}",
                    act.derivative(u)
                );
            }
        }
    }

    #[test]
    fn softmax_rows_sum_to_one_and_keep_order() {
        let y = softmax(&array![[1.0, 2.0, 3.0], [-5.0, 0.0, 5.0]]);
        for row in y.rows() {
            assert!((row.sum() - 1.0).abs() < 1e-12);
            assert!(row[0] < row[1] && row[1] < row[2]);
        }
        // e^1 / (e^1 + e^2 + e^3)
        let e = std::f64::consts::E;
        assert!((y[[0, 0]] - e / (e + e * e + e * e * e)).abs() < 1e-12);
    }

    #[test]
    fn argmax_takes_first_maximum() {
        assert_eq!(
            argmax_rows(&array![[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]),
            array![1, 0]
        );
    }

    #[test]
    fn numerical_gradient_of_a_matrix_function() {
        let x = array![[1.0, -2.0], [0.5, 3.0]];
        let g = numerical_gradient(|x| x.mapv(|v| v * v * v).sum(), &x);
        let expected = x.mapv(|v| 3.0 * v * v);
        for (a, b) in g.iter().zip(expected.iter()) {
            assert!((a - b).abs() < 1e-6);
        }
    }
}
