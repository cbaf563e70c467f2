//! The lessons' experiments: each runs one exercise of the course and returns plain data
//! (or a table) for the next call to chart.

mod activations;
mod batch_norm_sweep;
mod chain_rule;
mod constraint_geometry;
mod descent_1d;
mod gradient_flow;
mod layer_timings;
mod optimizer_comparison;
mod zero_init;

pub use activations::{layer_activations, LayerActivations};
pub use batch_norm_sweep::{batch_norm_sweep, BatchNormRun};
pub use chain_rule::chain_rule_check;
pub use constraint_geometry::{constraint_geometry, quadratic_loss, ConstraintGeometry};
pub use descent_1d::{bowl, descent_1d};
pub use gradient_flow::{gradient_flow, GradientFlow};
pub use layer_timings::layer_timings;
pub use optimizer_comparison::{compare_optimizers, learning_rate_sweep};
pub use zero_init::zero_init_experiment;
