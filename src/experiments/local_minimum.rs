//! Section 2 of the course: a learning rate that is too small can leave gradient descent
//! stuck in a local minimum; a larger one (or momentum) can carry it out.

use crate::error::{count_in, finite, non_negative, positive, unit_interval, Result};

/// f(x) = x⁴ − 3x² + x: a local minimum near x = 1.13 (f ≈ −1.07) and the global one near
/// x = −1.30 (f ≈ −3.51), with a hump between them near x = 0.17.
pub fn two_minima(x: f64) -> f64 {
    x.powi(4) - 3.0 * x * x + x
}

/// f′(x) = 4x³ − 6x + 1.
fn two_minima_slope(x: f64) -> f64 {
    4.0 * x.powi(3) - 6.0 * x + 1.0
}

/// One descent on [`two_minima`]: its settings and the positions it went through.
#[derive(Clone, Debug, PartialEq)]
pub struct Descent {
    /// The learning rate.
    pub lr: f64,
    /// The momentum (0 for plain gradient descent).
    pub momentum: f64,
    /// x₀, x₁, ... (stopping early if x leaves the finite numbers).
    pub xs: Vec<f64>,
}

impl Descent {
    /// Where the descent ended: `"global minimum"`, `"local minimum"`, or `"elsewhere"`.
    pub fn verdict(&self) -> &'static str {
        match self.xs.last() {
            Some(&x) if (x + 1.30).abs() < 0.05 => "global minimum",
            Some(&x) if (x - 1.13).abs() < 0.05 => "local minimum",
            _ => "elsewhere",
        }
    }
}

/// For each `(lr, momentum)`, `steps` updates of v ← momentum·v − lr·f′(x), x ← x + v from
/// `start` (momentum 0 is plain gradient descent: x ← x − lr·f′(x)).
///
/// ```
/// use dl_lessons::experiments::local_minimum_descent;
/// let runs = local_minimum_descent(&[(0.01, 0.0), (0.1, 0.0)], 2.0, 200)?;
/// assert_eq!(runs[0].verdict(), "local minimum"); // small steps stop in the nearest valley
/// assert_eq!(runs[1].verdict(), "global minimum"); // the first big step jumps over the hump
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn local_minimum_descent(
    runs: &[(f64, f64)],
    start: f64,
    steps: usize,
) -> Result<Vec<Descent>> {
    count_in("number of runs", runs.len(), 16, "one panel each")?;
    count_in("steps", steps, 10_000, "each step is a point of the chart")?;
    finite("start", start)?;
    runs.iter()
        .map(|&(lr, momentum)| {
            positive("lr", lr)?;
            non_negative("momentum", momentum).and_then(|m| unit_interval("momentum", m))?;
            let (mut x, mut v) = (start, 0.0);
            let mut xs = vec![x];
            for _ in 0..steps {
                v = momentum * v - lr * two_minima_slope(x);
                x += v;
                if !x.is_finite() {
                    break;
                }
                xs.push(x);
            }
            Ok(Descent { lr, momentum, xs })
        })
        .collect()
}
