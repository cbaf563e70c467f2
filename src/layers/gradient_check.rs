//! Numerical gradient check of one layer: backprop against central differences.
//!
//! The layer's output is reduced to a scalar L = Σ out ⊙ r with a fixed random r, so
//! ∂L/∂out = r is what `backward` receives; every input element and every parameter
//! element is then moved by ±h and the change of L compared with the analytic gradient.

use ndarray::ArrayD;

use super::{Layer, Mode};
use crate::init::{randn, rng};

const H: f64 = 1e-5;

/// The worst disagreement between backprop and the numerical gradient, per array.
#[derive(Clone, Debug)]
pub struct GradientCheck {
    /// `(name, max |analytic − numerical|, relative error)` for `x` and each parameter,
    /// the relative error being ‖analytic − numerical‖ / (‖analytic‖ + ‖numerical‖).
    pub rows: Vec<(String, f64, f64)>,
}

impl GradientCheck {
    /// The largest relative error of all rows.
    pub fn max_relative_error(&self) -> f64 {
        self.rows.iter().map(|r| r.2).fold(0.0, f64::max)
    }

    /// The largest absolute difference of all rows.
    pub fn max_abs_error(&self) -> f64 {
        self.rows.iter().map(|r| r.1).fold(0.0, f64::max)
    }
}

pub(crate) fn compare(
    name: String,
    analytic: &ArrayD<f64>,
    numeric: &ArrayD<f64>,
) -> (String, f64, f64) {
    let mut abs = 0.0f64;
    let (mut diff2, mut a2, mut n2) = (0.0, 0.0, 0.0);
    for (a, n) in analytic.iter().zip(numeric.iter()) {
        abs = abs.max((a - n).abs());
        diff2 += (a - n) * (a - n);
        a2 += a * a;
        n2 += n * n;
    }
    let rel = diff2.sqrt() / (a2.sqrt() + n2.sqrt()).max(1e-12);
    (name, abs, rel)
}

/// Checks `layer`'s `backward` (for `x` and every parameter) at the input `x`.
///
/// Forward passes run in [`Mode::Train`]; the layer must be deterministic there (a
/// dropout layer is checked with its mask held fixed).
///
/// ```
/// use dl_lessons::layers::{check_layer_gradients, Affine};
/// use dl_lessons::ndarray::array;
/// let mut affine = Affine::new(array![[0.1, 0.2], [0.3, -0.4]], array![0.0, 0.1]);
/// let check = check_layer_gradients(&mut affine, &array![[1.0, 2.0]].into_dyn(), 0);
/// assert!(check.max_relative_error() < 1e-6);
/// ```
pub fn check_layer_gradients(layer: &mut dyn Layer, x: &ArrayD<f64>, seed: u64) -> GradientCheck {
    let out = layer.forward(x, Mode::Train);
    let r: ArrayD<f64> = randn(out.raw_dim(), 1.0, &mut rng(seed));
    let dx = layer.backward(&r);
    let analytic_params: Vec<(String, ArrayD<f64>)> = layer
        .params()
        .into_iter()
        .map(|p| (p.name.to_string(), p.grad.clone()))
        .collect();

    let loss = |layer: &mut dyn Layer, x: &ArrayD<f64>| -> f64 {
        (&layer.forward(x, Mode::Train) * &r).sum()
    };

    let mut rows = Vec::new();
    let mut xm = x.as_standard_layout().into_owned();
    let mut dx_num = ArrayD::zeros(x.raw_dim());
    for (i, g) in dx_num.iter_mut().enumerate() {
        let orig = xm.as_slice_memory_order().expect("contiguous")[i];
        xm.as_slice_memory_order_mut().expect("contiguous")[i] = orig + H;
        let plus = loss(layer, &xm);
        xm.as_slice_memory_order_mut().expect("contiguous")[i] = orig - H;
        let minus = loss(layer, &xm);
        xm.as_slice_memory_order_mut().expect("contiguous")[i] = orig;
        *g = (plus - minus) / (2.0 * H);
    }
    rows.push(compare("x".to_string(), &dx, &dx_num));

    for (p, (name, analytic)) in analytic_params.iter().enumerate() {
        let mut numeric = ArrayD::zeros(analytic.raw_dim());
        for (i, g) in numeric.iter_mut().enumerate() {
            let nudge = |layer: &mut dyn Layer, delta: f64| {
                let mut params = layer.params();
                params[p]
                    .value
                    .as_slice_memory_order_mut()
                    .expect("contiguous")[i] += delta;
            };
            nudge(layer, H);
            let plus = loss(layer, x);
            nudge(layer, -2.0 * H);
            let minus = loss(layer, x);
            nudge(layer, H);
            *g = (plus - minus) / (2.0 * H);
        }
        rows.push(compare(name.clone(), analytic, &numeric));
    }
    GradientCheck { rows }
}
