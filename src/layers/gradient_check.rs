//! Numerical gradient check of one layer: backprop against central differences.
//!
//! The layer's output is reduced to a scalar L = Σ out ⊙ r with a fixed random r, so
//! ∂L/∂out = r is what `backward` receives; input and parameter elements are then moved
//! by ±h ([`central_difference`], the course's h = 1e-4) and the change of L compared with
//! the analytic gradient. Large arrays are checked at a sample of their elements, so a
//! check always finishes in seconds.

use ndarray::{ArrayD, ArrayViewD};
use rand::seq::index;

use super::{Layer, Mode};
use crate::error::{Error, Result};
use crate::functions::central_difference;
use crate::init::{randn, rng};

/// Elements checked per array at most; larger arrays are checked at a seeded sample.
pub const MAX_CHECKED: usize = 64;

/// How backprop and the numerical gradient agree on one array.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientRow {
    /// `x`, or the parameter's course name (`W1`, `gamma2`, ...).
    pub name: String,
    /// Elements compared (a sample of at most 64, `MAX_CHECKED`, for larger arrays).
    pub checked: usize,
    /// Elements in the array.
    pub total: usize,
    /// The largest |analytic − numerical| over the checked elements.
    pub max_abs_error: f64,
    /// ‖analytic − numerical‖ / (‖analytic‖ + ‖numerical‖) over the checked elements.
    pub relative_error: f64,
}

/// The worst disagreement between backprop and the numerical gradient, per array.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientCheck {
    /// One row for `x` (layer checks) and one per parameter.
    pub rows: Vec<GradientRow>,
}

impl GradientCheck {
    /// The largest relative error of all rows.
    pub fn max_relative_error(&self) -> f64 {
        self.rows
            .iter()
            .map(|r| r.relative_error)
            .fold(0.0, f64::max)
    }

    /// The largest absolute difference of all rows.
    pub fn max_abs_error(&self) -> f64 {
        self.rows
            .iter()
            .map(|r| r.max_abs_error)
            .fold(0.0, f64::max)
    }
}

/// The indices of an array of `len` elements to check: all of them, or a seeded sample of
/// [`MAX_CHECKED`] in increasing order.
pub(crate) fn sample_indices(len: usize, seed: u64) -> Vec<usize> {
    if len <= MAX_CHECKED {
        return (0..len).collect();
    }
    let mut sample = index::sample(&mut rng(seed), len, MAX_CHECKED).into_vec();
    sample.sort_unstable();
    sample
}

/// Compares the analytic gradient with numerical values at `indices` (row-major order).
pub(crate) fn compare(
    name: String,
    analytic: &ArrayViewD<'_, f64>,
    indices: &[usize],
    numeric: &[f64],
) -> GradientRow {
    let analytic = analytic.as_standard_layout();
    let values = analytic.as_slice().expect("standard layout");
    let (mut abs, mut diff2, mut a2, mut n2) = (0.0f64, 0.0, 0.0, 0.0);
    for (&i, &n) in indices.iter().zip(numeric) {
        let a = values[i];
        abs = abs.max((a - n).abs());
        diff2 += (a - n) * (a - n);
        a2 += a * a;
        n2 += n * n;
    }
    let relative_error = diff2.sqrt() / (a2.sqrt() + n2.sqrt()).max(1e-12);
    GradientRow {
        name,
        checked: indices.len(),
        total: values.len(),
        max_abs_error: if abs.is_nan() { f64::INFINITY } else { abs },
        relative_error: if relative_error.is_nan() {
            f64::INFINITY
        } else {
            relative_error
        },
    }
}

/// Checks `layer`'s `backward` (for `x` and every parameter) at the input `x`; random
/// masks (dropout) are drawn once and held for the whole check.
///
/// ```
/// use dl_lessons::prelude::*;
/// let mut affine = Affine::new(array![[0.1, 0.2], [0.3, -0.4]], array![0.0, 0.1])?;
/// let check = check_layer_gradients(&mut affine, &array![[1.0, 2.0]].into_dyn(), 0)?;
/// assert!(check.max_relative_error() < 1e-7);
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn check_layer_gradients(
    layer: &mut dyn Layer,
    x: &ArrayD<f64>,
    seed: u64,
) -> Result<GradientCheck> {
    let out = layer.forward(x, Mode::Train)?; // draws any mask, then holds it
    layer.hold_random_masks(true);
    let result = check_held(layer, x, &out, seed);
    layer.hold_random_masks(false);
    result
}

fn check_held(
    layer: &mut dyn Layer,
    x: &ArrayD<f64>,
    out: &ArrayD<f64>,
    seed: u64,
) -> Result<GradientCheck> {
    let r: ArrayD<f64> = randn(out.raw_dim(), 1.0, &mut rng(seed))?;
    let dx = layer.backward(&r)?;
    if dx.shape() != x.shape() {
        return Err(Error::Geometry(format!(
            "{}: backward returned dx of shape {:?} for x of shape {:?}",
            layer.name(),
            dx.shape(),
            x.shape()
        )));
    }
    let analytic: Vec<(String, ArrayD<f64>)> = layer
        .params()
        .into_iter()
        .map(|p| (p.name.to_string(), p.grad.to_owned()))
        .collect();
    let loss = |layer: &mut dyn Layer, x: &ArrayD<f64>| -> Result<f64> {
        Ok((&layer.forward(x, Mode::Train)? * &r).sum())
    };

    let mut rows = Vec::new();
    let mut xm = x.as_standard_layout().into_owned();
    let indices = sample_indices(xm.len(), seed);
    let mut numeric = Vec::with_capacity(indices.len());
    for &i in &indices {
        let original = xm.as_slice().expect("standard")[i];
        numeric.push(central_difference(|delta| {
            xm.as_slice_mut().expect("standard")[i] = original + delta;
            loss(layer, &xm)
        })?);
        xm.as_slice_mut().expect("standard")[i] = original;
    }
    rows.push(compare("x".into(), &dx.view(), &indices, &numeric));

    for (p, (name, grad)) in analytic.iter().enumerate() {
        let indices = sample_indices(grad.len(), seed.wrapping_add(1 + p as u64));
        let mut numeric = Vec::with_capacity(indices.len());
        for &i in &indices {
            numeric.push(central_difference(|delta| {
                nudge(layer, p, i, delta);
                let value = loss(layer, x);
                nudge(layer, p, i, -delta);
                value
            })?);
        }
        rows.push(compare(name.clone(), &grad.view(), &indices, &numeric));
    }
    Ok(GradientCheck { rows })
}

/// Moves element `index` (row-major order) of parameter `param` by `delta`.
fn nudge(layer: &mut dyn Layer, param: usize, index: usize, delta: f64) {
    nudge_element(&mut layer.params()[param].value, index, delta);
}

/// Moves element `index` (row-major order) of `value` by `delta`.
pub(crate) fn nudge_element(value: &mut ndarray::ArrayViewMutD<'_, f64>, index: usize, delta: f64) {
    let mut position = vec![0; value.ndim()];
    let mut rest = index;
    for (axis, &len) in value.shape().iter().enumerate().rev() {
        position[axis] = rest % len;
        rest /= len;
    }
    value[ndarray::IxDyn(&position)] += delta;
}
