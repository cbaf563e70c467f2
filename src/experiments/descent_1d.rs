//! Gradient descent on f(x) = x² with several learning rates: too small crawls, too large
//! oscillates or diverges.

use crate::error::{count_in, positive, Result};

/// The most learning rates compared at once (one chart panel each).
const MAX_PANELS: usize = 32;

/// f(x) = x², the one-dimensional bowl.
pub fn bowl(x: f64) -> f64 {
    x * x
}

/// For each learning rate, the positions x₀ = `start`, x_{k+1} = x_k − lr·2x_k, for `steps`
/// updates (stopping early if x overflows). Each step multiplies x by (1 − 2·lr): for
/// lr < 0.5 it slides down, between 0.5 and 1 it jumps across and back, above 1 it diverges.
///
/// ```
/// use dl_lessons::experiments::descent_1d;
/// let runs = descent_1d(&[0.1], 1.0, 2).unwrap();
/// assert_eq!(runs[0].1, vec![1.0, 0.8, 0.64000000000000001]);
/// ```
pub fn descent_1d(lrs: &[f64], start: f64, steps: usize) -> Result<Vec<(f64, Vec<f64>)>> {
    count_in(
        "number of learning rates",
        lrs.len(),
        MAX_PANELS,
        "one panel each",
    )?;
    count_in("steps", steps, 10_000, "each step is a point of the chart")?;
    for &lr in lrs {
        positive("lr", lr)?;
    }
    if !start.is_finite() {
        return Err(crate::Error::param(
            "start",
            start,
            "must be a finite number",
        ));
    }
    Ok(lrs
        .iter()
        .map(|&lr| {
            let mut xs = vec![start];
            for _ in 0..steps {
                let x = xs[xs.len() - 1];
                let next = x - lr * 2.0 * x;
                if !next.is_finite() {
                    break;
                }
                xs.push(next);
            }
            (lr, xs)
        })
        .collect())
}
