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
pub use compare::{book_optimizers, course_optimizers, trajectories};
pub use momentum::Momentum;
pub use nesterov::Nesterov;
pub use rmsprop::RmsProp;
pub use sgd::Sgd;
pub use trajectory::{trajectory, valley, Trajectory};

use ndarray::ArrayD;

use crate::error::{Error, Result};
use crate::layers::Param;

/// One update rule: the course's `update(params, grads)`.
///
/// Writing one takes `update`; `validate` (hyperparameter checks) and `label` (the name in
/// legends) have defaults. The course's SGD, written in a cell:
///
/// ```
/// use dl_lessons::prelude::*;
///
/// struct MySgd {
///     lr: f64,
/// }
///
/// impl Optimizer for MySgd {
///     fn update(&mut self, params: &mut [Param]) -> Result<()> {
///         for p in params.iter_mut() {
///             p.value.scaled_add(-self.lr, &p.grad); // params[key] -= lr * grads[key]
///         }
///         Ok(())
///     }
/// }
///
/// let path = trajectory(&mut MySgd { lr: 0.95 }, (-7.0, 2.0), 3)?;
/// assert_eq!(path, trajectory(&mut Sgd::new(0.95), (-7.0, 2.0), 3)?);
/// assert_eq!(MySgd { lr: 0.1 }.label(), "MySgd");
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub trait Optimizer: Send {
    /// Updates every parameter from its gradient.
    fn update(&mut self, params: &mut [Param<'_>]) -> Result<()>;

    /// Checks the hyperparameters: an `Err` names the bad one, its value and the rule.
    fn validate(&self) -> Result<()> {
        Ok(())
    }

    /// The name with its hyperparameters, e.g. `Momentum(lr=0.01, momentum=0.9)`; by
    /// default the name of the struct.
    fn label(&self) -> String {
        let full = std::any::type_name::<Self>();
        let base = full.split('<').next().unwrap_or(full);
        base.rsplit("::").next().unwrap_or(base).to_string()
    }
}

/// An error unless the gradient has its parameter's shape.
pub(crate) fn expect_grad(p: &Param<'_>) -> Result<()> {
    if p.grad.shape() == p.value.shape() {
        Ok(())
    } else {
        Err(Error::Geometry(format!(
            "the gradient of {} has shape {:?} but the parameter {:?}",
            p.name,
            p.grad.shape(),
            p.value.shape()
        )))
    }
}

/// Per-parameter state arrays, created at zero the first time (or when the parameters
/// change), as the course's `if self.v is None` does; whether they were just created. An
/// error if a gradient's shape is not its parameter's.
pub(crate) fn state_for(state: &mut Vec<ArrayD<f64>>, params: &[Param<'_>]) -> Result<bool> {
    params.iter().try_for_each(expect_grad)?;
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
    Ok(!matches)
}
