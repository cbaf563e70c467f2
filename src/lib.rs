//! # dl_lessons
//!
//! Day 2 of a deep-learning course, in Rust, for Jupyter notebooks with the Rust kernel
//! (evcxr): the vanishing gradient, optimizers, overfitting and convolution, with every
//! layer written out as the course writes it and every result drawable inline.
//!
//! Notebooks start with
//!
//! ```text
//! :dep dl_lessons = { path = ".." }
//! use dl_lessons::prelude::*;
//! ```
//!
//! The crate is laid out like the course's `common/` folder: [`functions`], [`layers`],
//! [`optim`], [`net`], a training loop ([`train()`]), the shipped data ([`data`]), the
//! lessons' [`experiments`], and charts ([`plot`]), the only module that draws.

#![warn(missing_docs)]

pub mod conv;
pub mod data;
pub mod display;
pub mod error;
pub mod experiments;
pub mod explore;
pub mod functions;
pub mod geometry;
pub mod init;
pub mod kernels;
pub mod layers;
pub mod limits;
pub mod net;
pub mod optim;
pub mod plot;
pub mod regularization;
pub mod table;
pub mod train;

pub use ndarray;

pub use error::{Error, Result};
pub use train::train;

/// Everything a notebook uses, in one import: `use dl_lessons::prelude::*;`.
pub mod prelude {
    pub use crate::check_kernel_setup;
    pub use crate::conv::{
        average_pool, col2im, crop, im2col, im2col_without_transpose, max_pool, zero_pad,
    };
    pub use crate::data::{minibatch_table, minibatches, random_crop, Dataset};
    pub use crate::error::{Error, Result};
    pub use crate::experiments::{
        batch_norm_sweep, chain_rule_check, compare_optimizers, constraint_geometry, descent_1d,
        gradient_flow, layer_activations, layer_timings, learning_rate_sweep,
        local_minimum_descent, path_comparison, relu_sparsity, running_statistics,
        weight_decay_sweep, zero_init_experiment,
    };
    pub use crate::explore::{
        activation_histograms_explorer, col2im_explorer, constraint_explorer,
        convolution_windows_explorer, im2col_explorer, optimizer_paths_explorer,
        output_size_explorer, pooling_explorer, Explorer, Slider,
    };
    pub use crate::functions::{
        argmax_rows, cross_entropy_error, d_relu, d_sigmoid, d_tanh, numerical_gradient, one_hot,
        relu, sigmoid, softmax, step_function, tanh, Activation,
    };
    pub use crate::geometry::{output_size, ConvGeometry};
    pub use crate::init::{rand_integers, randn, rng, Init, Rng};
    pub use crate::kernels::matmul;
    pub use crate::layers::{
        check_layer_gradients, Affine, BatchNormalization, Convolution, Dropout, Layer, Mode,
        Param, Pooling, PoolingKind, Relu, Sigmoid, SoftmaxWithLoss, Tanh,
    };
    pub use crate::limits::{memory_limit, set_memory_limit};
    pub use crate::net::{
        alexnet, lenet, AlexNetHead, Architecture, ConvNet, ConvParam, DeepConvNet,
        DeepConvNetConfig, DoubleConvNet, DoubleConvNetConfig, LayerSpec, MultiLayerNet,
        MultiLayerNetConfig, Sequential, SimpleConvNet, SimpleConvNetConfig, Summary,
    };
    pub use crate::optim::{
        book_optimizers, course_optimizers, trajectories, trajectory, AdaGrad, Adam, Momentum,
        Nesterov, Optimizer, RmsProp, Sgd, Trajectory,
    };
    pub use crate::plot::{
        accuracy_comparison, accuracy_curves, accuracy_grid, activation_curves,
        activation_histograms, batch_norm_grid, col2im_diagram, constraint_chart,
        convolution_diagram, convolution_windows, feature_maps, filter_grid, flatten_diagram,
        im2col_animation, im2col_diagram, im2col_table, image_grid, learning_rate_chart,
        local_minimum_chart, loss_curves, misclassified, network_diagram, optimizer_paths,
        overfitting_curves, pooling_diagram, running_statistics_chart, sigmoid_curve,
        vanishing_gradient_chart, weight_decay_chart, weight_histograms, Figure,
    };
    pub use crate::regularization::{penalty_gradients, WeightDecay};
    pub use crate::table::Table;
    pub use crate::train::{train, History, TrainConfig};
    pub use ndarray::{array, s, Array1, Array2, Array3, Array4, ArrayD, Axis, Ix2, IxDyn, Zip};
}

/// Checks that the kernel compiled this crate without debug assertions, as the kernelspecs
/// that `scripts/setup` installs make it do; otherwise prints what to add (training runs
/// about thirty times slower without it, but runs). Returns `Ok` either way: it is the first
/// use of `?` in a lesson, which the Rust kernel needs before a chart cell ends in `?`.
///
/// ```
/// dl_lessons::check_kernel_setup()?;
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn check_kernel_setup() -> Result<()> {
    if cfg!(debug_assertions) {
        println!("{}", SLOW_KERNEL_MESSAGE);
    }
    Ok(())
}

/// What [`check_kernel_setup`] prints in a kernel that builds with debug assertions.
pub const SLOW_KERNEL_MESSAGE: &str = "dl_lessons was compiled with debug checks, so training will be about 30x slower. \
Run scripts/setup (it registers the Rust kernel with the right settings), or add to the \
\"env\" of this kernel's kernel.json: \"CARGO_PROFILE_DEV_DEBUG_ASSERTIONS\": \"false\", \
\"CARGO_PROFILE_DEV_OVERFLOW_CHECKS\": \"false\" (or run, once per kernel, before the :dep line: \
:build_env CARGO_PROFILE_DEV_DEBUG_ASSERTIONS=false and :build_env CARGO_PROFILE_DEV_OVERFLOW_CHECKS=false).";
