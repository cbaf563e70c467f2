//! Charts and diagrams: the only module that draws (and the only one that imports
//! plotters).
//!
//! Every chart function takes plain data (a [`History`](crate::train::History), arrays,
//! paths) and returns a [`Figure`]: an SVG, drawn by plotters with its SVG backend only
//! (the browser renders the text, so no font library is needed), shown inline by the
//! Rust kernel. A comparison is one figure with several panels, because a cell shows
//! one rich output. Every chart finishes on any data: values that are not finite are
//! left out and counted in the title, and diagrams refuse sizes they cannot draw.

mod activations;
mod diagrams;
mod figure;
mod networks;
mod optimizers;
mod palette;
mod panel;
mod regularization;
mod svg;
mod training;

pub use activations::{
    activation_curves, activation_histograms, sigmoid_curve, vanishing_gradient_chart,
};
pub use diagrams::{
    col2im_diagram, convolution_diagram, convolution_windows, flatten_diagram, im2col_animation,
    im2col_diagram, im2col_table, pooling_diagram,
};
pub use figure::{Figure, MAX_PANELS};
pub use networks::{feature_maps, filter_grid, image_grid, misclassified, network_diagram};
pub use optimizers::{learning_rate_chart, local_minimum_chart, optimizer_paths};
pub use regularization::{
    constraint_chart, overfitting_curves, weight_decay_chart, weight_histograms,
};
pub use training::{
    accuracy_comparison, accuracy_curves, accuracy_grid, batch_norm_grid, loss_curves,
    running_statistics_chart, smooth_curve,
};

/// Converts a plotters error into the crate's.
pub(crate) fn plot_error(e: impl std::fmt::Display) -> crate::error::Error {
    crate::error::Error::Plot(e.to_string())
}
