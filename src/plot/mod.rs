//! Charts: the only module that draws (and the only one that imports plotters).
//!
//! Every chart function takes plain data (a [`History`](crate::train::History), arrays,
//! paths) and returns a [`Figure`]: an SVG, drawn by plotters with its SVG backend only
//! (the browser renders the text, so no font library is needed), shown inline by the
//! Rust kernel. A comparison is one figure with several panels, because a cell shows
//! one rich output.

mod activations;
mod convolution;
mod figure;
mod networks;
mod optimizers;
mod panel;
mod regularization;
mod svg;
mod training;

pub use activations::{
    activation_curves, activation_histograms, sigmoid_curve, vanishing_gradient_chart,
};
pub use convolution::{
    col2im_diagram, convolution_diagram, convolution_windows, flatten_diagram, im2col_animation,
    im2col_diagram, im2col_table, pooling_diagram,
};
pub use figure::Figure;
pub use networks::{feature_maps, filter_grid, misclassified, network_diagram};
pub use optimizers::{learning_rate_chart, optimizer_paths};
pub use regularization::{constraint_chart, overfitting_curves, weight_histograms};
pub use training::{
    accuracy_comparison, accuracy_curves, accuracy_grid, batch_norm_grid, loss_curves, smooth_curve,
};
