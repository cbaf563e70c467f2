//! The lessons' experiments: each runs one exercise of the course and returns plain data
//! (or a table) for the next call to chart.

mod activations;
mod batch_norm_sweep;
mod chain_rule;
mod constraint_geometry;
mod descent_1d;
mod gradient_flow;
mod layer_timings;
mod local_minimum;
mod optimizer_comparison;
mod path_comparison;
mod relu_sparsity;
mod running_statistics;
mod weight_decay_sweep;
mod zero_init;

pub use activations::{layer_activations, LayerActivations};
pub use batch_norm_sweep::{batch_norm_sweep, BatchNormRun};
pub use chain_rule::chain_rule_check;
pub use constraint_geometry::{constraint_geometry, quadratic_loss, ConstraintGeometry};
pub use descent_1d::{bowl, descent_1d};
pub use gradient_flow::{gradient_flow, GradientFlow};
pub use layer_timings::layer_timings;
pub use local_minimum::{local_minimum_descent, two_minima, Descent};
pub use optimizer_comparison::{compare_optimizers, learning_rate_sweep};
pub use path_comparison::path_comparison;
pub use relu_sparsity::relu_sparsity;
pub use running_statistics::{running_statistics, RunningStatistics};
pub use weight_decay_sweep::{weight_decay_sweep, WeightDecayRun};
pub use zero_init::zero_init_experiment;
