//! Optimizers: the course's update rules (`common/optimizer.py`), each in its own file.
//!
//! An optimizer receives every parameter beside its gradient ([`Param`]) and updates the
//! parameters in place. Its state (velocities, squared-gradient sums) is one array per
//! parameter, created at zero on the first update, keyed by the parameter's position.
//! Hyperparameters are checked by [`Optimizer::validate`] when training starts.

mod adagrad;
mod adam;
mod compare;
mod momentum;
mod nesterov;
mod rmsprop;
mod sgd;
mod trajectory;

pub use adagrad::AdaGrad;
pub use adam::Adam;
pub use compare::{
    book_optimizers, compare_optimizers, course_optimizers, learning_rate_sweep, trajectories,
};
pub use momentum::Momentum;
pub use nesterov::Nesterov;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;
pub use trajectory::{trajectory, valley, Trajectory};

use ndarray::ArrayD;

use crate::error::Result;
use crate::layers::Param;

/// One update rule. `Send`, so runs can be compared on both cores.
pub trait Optimizer: Send {
    /// Updates every parameter from its gradient.
    fn update(&mut self, params: &mut [Param<'_>]);

    /// Checks the hyperparameters: an `Err` names the bad one, its value and the rule.
    fn validate(&self) -> Result<()>;

    /// The name with its hyperparameters, e.g. `Momentum(lr=0.01, momentum=0.9)`.
    fn label(&self) -> String;
}

/// Per-parameter state arrays, created at zero the first time (or when the parameters
/// change), as the course's `if self.v is None` does.
pub(crate) fn state_for(state: &mut Vec<ArrayD<f64>>, params: &[Param<'_>]) {
    let matches = state.len() == params.len()
        && state
            .iter()
            .zip(params)
            .all(|(s, p)| s.shape() == p.value.shape());
    if !matches {
        *state = params
            .iter()
            .map(|p| ArrayD::zeros(p.value.raw_dim()))
            .collect();
    }
}
