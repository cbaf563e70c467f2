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
    pub use crate::data::{minibatch_table, minibatches, Dataset};
    pub use crate::error::{Error, Result};
    pub use crate::experiments::{
        batch_norm_sweep, chain_rule_check, compare_optimizers, constraint_geometry, descent_1d,
        gradient_flow, layer_activations, learning_rate_sweep, zero_init_experiment,
    };
    pub use crate::functions::{
        cross_entropy_error, d_relu, d_sigmoid, d_tanh, numerical_gradient, relu, sigmoid, softmax,
        step_function, tanh, Activation,
    };
    pub use crate::geometry::{output_size, ConvGeometry};
    pub use crate::init::{rand_integers, rng, Init};
    pub use crate::layers::{
        check_layer_gradients, Affine, BatchNormalization, Convolution, Dropout, Layer, Mode,
        Param, Pooling, PoolingKind, Relu, Sigmoid, SoftmaxWithLoss, Tanh,
    };
    pub use crate::net::{
        alexnet, lenet, Architecture, ConvNet, ConvParam, DeepConvNet, DeepConvNetConfig,
        DoubleConvNet, DoubleConvNetConfig, LayerSpec, MultiLayerNet, MultiLayerNetConfig,
        Sequential, SimpleConvNet, SimpleConvNetConfig, Summary,
    };
    pub use crate::optim::{
        book_optimizers, course_optimizers, trajectories, trajectory, AdaGrad, Adam, Momentum,
        Nesterov, Optimizer, RmsProp, Sgd,
    };
    pub use crate::plot::{
        accuracy_comparison, accuracy_curves, accuracy_grid, activation_curves,
        activation_histograms, batch_norm_grid, col2im_diagram, constraint_chart,
        convolution_diagram, convolution_windows, feature_maps, filter_grid, flatten_diagram,
        im2col_animation, im2col_diagram, im2col_table, learning_rate_chart, loss_curves,
        misclassified, network_diagram, optimizer_paths, overfitting_curves, pooling_diagram,
        sigmoid_curve, vanishing_gradient_chart, weight_histograms, Figure,
    };
    pub use crate::regularization::{penalty_gradients, WeightDecay};
    pub use crate::table::Table;
    pub use crate::train::{train, History, TrainConfig};
    pub use ndarray::{array, s, Array1, Array2, Array3, Array4, ArrayD, Axis, IxDyn, Zip};
}

/// Checks that the kernel compiled this crate with optimisations and without debug
/// assertions (the `:opt 2` and `:build_env` lines of each notebook's first cell);
/// without them training is about thirty times slower. The first cell of every notebook
/// calls it with `?`.
///
/// ```
/// # // Doc tests build in the test profile, where debug assertions may be on.
/// let _ = dl_lessons::check_kernel_setup();
/// ```
pub fn check_kernel_setup() -> Result<()> {
    if cfg!(debug_assertions) {
        Err(Error::Setup(
            "dl_lessons was compiled with debug assertions, so training will be about 30x slower: \
             keep the `:opt 2` and `:build_env CARGO_PROFILE_DEV_...` lines in the notebook's first cell \
             and restart the kernel"
                .into(),
        ))
    } else {
        Ok(())
    }
}
