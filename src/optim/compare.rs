//! The optimizers the lessons compare, with the course's and the book's settings.

use super::{trajectory, AdaGrad, Adam, Momentum, Optimizer, RmsProp, Sgd, Trajectory};
use crate::error::Result;

/// Each optimizer's path on f(x, y) = x²/20 + y² from `start`, labelled with its
/// hyperparameters; bad hyperparameters are reported before any path is drawn.
pub fn trajectories(
    optimizers: &mut [Box<dyn Optimizer>],
    start: (f64, f64),
    steps: usize,
) -> Result<Vec<(String, Trajectory)>> {
    for o in optimizers.iter() {
        o.validate()?;
    }
    optimizers
        .iter_mut()
        .map(|o| Ok((o.label(), trajectory(o.as_mut(), start, steps)?)))
        .collect()
}

/// The optimizers of the course's 2_4 solution notebook, with its learning rates:
/// SGD 0.01, Momentum 0.3, AdaGrad 0.1, RMSProp 0.01, Adam 0.01.
pub fn course_optimizers() -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(Sgd::new(0.01)),
        Box::new(Momentum::new(0.3, 0.9)),
        Box::new(AdaGrad::new(0.1)),
        Box::new(RmsProp::new(0.01, 0.99)),
        Box::new(Adam::new(0.01, 0.9, 0.999)),
    ]
}

/// The optimizers of the book's `optimizer_compare_mnist` with their default settings
/// (SGD, Momentum, AdaGrad, Adam), plus RMSProp, which the book leaves commented out.
pub fn book_optimizers() -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(Sgd::default()),
        Box::new(Momentum::default()),
        Box::new(AdaGrad::default()),
        Box::new(Adam::default()),
        Box::new(RmsProp::default()),
    ]
}
