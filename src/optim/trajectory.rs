//! The book's `optimizer_compare_naive`: an optimizer's path on f(x, y) = x²/20 + y².
//!
//! ∇f = (x/10, 2y): a valley 20 times flatter in x than in y, where plain SGD zig-zags.

use ndarray::{array, ArrayD};

use super::Optimizer;
use crate::error::{count_in, finite, Result};
use crate::layers::Param;

/// The points of a path, the position before each update.
pub type Trajectory = Vec<(f64, f64)>;

/// The most steps a path takes (its points are drawn one by one).
pub const MAX_STEPS: usize = 10_000;

/// f(x, y) = x²/20 + y², the book's test function.
pub fn valley(x: f64, y: f64) -> f64 {
    x * x / 20.0 + y * y
}

/// Minimises f(x, y) = x²/20 + y² from `start`; returns the position before each update,
/// `steps` points starting with `start` (the book's optimizer_compare_naive). A path that
/// leaves the finite numbers stops there, keeping the points so far; a bad start, count
/// or hyperparameter is an error.
///
/// ```
/// use dl_lessons::prelude::*;
/// let path = trajectory(&mut Sgd::new(0.95), (-7.0, 2.0), 3)?;
/// assert_eq!(path[0], (-7.0, 2.0));
/// assert!((path[1].0 + 6.335).abs() < 1e-12 && (path[1].1 + 1.8).abs() < 1e-12);
/// assert!(trajectory(&mut Sgd::new(f64::NAN), (-7.0, 2.0), 3).is_err());
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn trajectory(
    optimizer: &mut dyn Optimizer,
    start: (f64, f64),
    steps: usize,
) -> Result<Trajectory> {
    optimizer.validate()?;
    finite("start.0", start.0)?;
    finite("start.1", start.1)?;
    count_in(
        "steps",
        steps,
        MAX_STEPS,
        "each step is a point of the path",
    )?;
    let mut x: ArrayD<f64> = array![start.0].into_dyn();
    let mut y: ArrayD<f64> = array![start.1].into_dyn();
    let mut path = Vec::new();
    for _ in 0..steps {
        let (px, py) = (x[0], y[0]);
        if !(px.is_finite() && py.is_finite()) {
            break;
        }
        path.push((px, py));
        let dx = array![px / 10.0].into_dyn();
        let dy = array![2.0 * py].into_dyn();
        optimizer.update(&mut [
            Param {
                name: "x",
                value: x.view_mut(),
                grad: dx.view(),
            },
            Param {
                name: "y",
                value: y.view_mut(),
                grad: dy.view(),
            },
        ])?;
    }
    Ok(path)
}
