//! How large the gradient still is after flowing back through k layers.

use ndarray::Array2;

use crate::error::{count_in, Result};
use crate::functions::Activation;
use crate::init::{randn, rng, Init};

/// Mean |∂L/∂a| at the input of each layer, counted from the output, per set-up.
#[derive(Clone, Debug)]
pub struct GradientFlow {
    /// `(label, values)`: `values[k]` is the mean gradient magnitude k layers below the
    /// output (`values[0] = 1` at the output).
    pub curves: Vec<(String, Vec<f64>)>,
    /// The sigmoid's bound 0.25^k: its derivative is at most 0.25 in each layer.
    pub sigmoid_bound: Vec<f64>,
}

/// Backpropagates a unit gradient through `depth` layers of 100 units (batch 100) for
/// sigmoid and tanh with Xavier weights and ReLU with He weights, and records how much of
/// it reaches each layer.
///
/// ```
/// use dl_lessons::experiments::gradient_flow;
/// let flow = gradient_flow(10, 0).unwrap();
/// let sigmoid = &flow.curves[0].1;
/// assert!(sigmoid[10] < 1e-3 * sigmoid[0]); // vanished
/// ```
pub fn gradient_flow(depth: usize, seed: u64) -> Result<GradientFlow> {
    count_in(
        "depth",
        depth,
        1000,
        "each layer keeps two 100x100 arrays, and the chart draws one point per layer",
    )?;
    const UNITS: usize = 100;
    let setups = [
        (Activation::Sigmoid, Init::Xavier),
        (Activation::Tanh, Init::Xavier),
        (Activation::Relu, Init::He),
    ];
    let mut curves = Vec::new();
    for (activation, init) in setups {
        let mut rng = rng(seed);
        let mut a: Array2<f64> = randn((UNITS, UNITS), 1.0, &mut rng)?;
        let mut weights = Vec::with_capacity(depth);
        let mut pre_activations = Vec::with_capacity(depth);
        for _ in 0..depth {
            let w: Array2<f64> = init.weights((UNITS, UNITS), UNITS, &mut rng)?;
            let u = a.dot(&w);
            a = u.mapv(|v| activation.apply(v));
            weights.push(w);
            pre_activations.push(u);
        }
        let mut grad = Array2::<f64>::ones((UNITS, UNITS)) / UNITS as f64;
        let mean_abs = |g: &Array2<f64>| g.mapv(f64::abs).mean().unwrap_or(0.0);
        let mut values = vec![mean_abs(&grad)];
        for (w, u) in weights.iter().zip(&pre_activations).rev() {
            let local = u.mapv(|v| activation.derivative(v));
            grad = (&grad * &local).dot(&w.t());
            values.push(mean_abs(&grad));
        }
        let first = values[0];
        curves.push((
            format!("{activation}-{}", init.label()),
            values.iter().map(|v| v / first).collect(),
        ));
    }
    let sigmoid_bound = (0..=depth).map(|k| 0.25f64.powi(k as i32)).collect();
    Ok(GradientFlow {
        curves,
        sigmoid_bound,
    })
}
