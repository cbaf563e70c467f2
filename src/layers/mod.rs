//! The course's layers (`common/layers.py`), each with its forward and backward pass.
//!
//! Every layer takes and returns `ArrayD<f64>`, so a network can stack them without
//! caring about shapes; each layer reshapes what it needs. After `backward`, `params`
//! hands out each parameter beside its gradient for an optimizer to update.

mod affine;
mod batch_normalization;
mod convolution;
mod dropout;
mod gradient_check;
mod pooling;
mod relu;
mod sigmoid;
mod softmax_with_loss;
mod tanh;

pub use affine::Affine;
pub use batch_normalization::BatchNormalization;
pub use convolution::Convolution;
pub use dropout::Dropout;
pub(crate) use gradient_check::compare;
pub use gradient_check::{check_layer_gradients, GradientCheck};
pub use pooling::{Pooling, PoolingKind};
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use softmax_with_loss::SoftmaxWithLoss;
pub use tanh::Tanh;

use ndarray::ArrayD;

/// Whether a forward pass is for training or for inference (the course's `train_flg`).
///
/// Batch normalisation uses batch statistics in `Train` and running averages in `Eval`;
/// dropout masks in `Train` and scales in `Eval`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Training: `train_flg=True`.
    Train,
    /// Inference: `train_flg=False`.
    Eval,
}

/// One parameter of a layer beside its gradient from the last `backward`.
pub struct Param<'a> {
    /// The course's name within the layer: `"W"`, `"b"`, `"gamma"`, `"beta"`.
    pub name: &'static str,
    /// The parameter, for the optimizer to update in place.
    pub value: &'a mut ArrayD<f64>,
    /// Its gradient ∂L/∂value.
    pub grad: &'a ArrayD<f64>,
}

/// A layer with a forward pass, a backward pass and its parameters.
pub trait Layer {
    /// Computes the output and keeps what `backward` needs.
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> ArrayD<f64>;

    /// Given ∂L/∂out (`dout`), stores the parameter gradients and returns ∂L/∂x (`dx`).
    fn backward(&mut self, dout: &ArrayD<f64>) -> ArrayD<f64>;

    /// Each parameter with its gradient, in the layer's documented order; empty if none.
    fn params(&mut self) -> Vec<Param<'_>>;

    /// The layer's course name (`"Affine"`, `"Relu"`, ...), used in tables and messages.
    fn name(&self) -> &'static str;

    /// The regularisation term this layer adds to the loss (0 unless weight decay is on).
    fn penalty(&self) -> f64 {
        0.0
    }

    /// Tells the layer that nothing uses its `dx` (it is the first layer of a network), so
    /// `backward` may skip computing it and return an empty array. Layers for which `dx`
    /// is cheap ignore this.
    fn skip_input_gradient(&mut self) {}

    /// The shape of one sample's output for one sample of `sample_shape` (without the
    /// batch axis), or why this input does not fit the layer. Element-wise layers keep the
    /// shape; the default says so.
    fn output_shape(&self, sample_shape: &[usize]) -> crate::error::Result<Vec<usize>> {
        Ok(sample_shape.to_vec())
    }

    /// Keeps any random mask the layer draws in training passes (dropout) until released,
    /// so that repeated evaluations compute the same function (gradient checks).
    fn hold_random_masks(&mut self, _hold: bool) {}
}

/// Panics with both shapes when a layer is fed an input it cannot take.
#[track_caller]
pub(crate) fn expect_shape(layer: &str, what: &str, expected: &[usize], actual: &[usize]) {
    assert!(
        expected == actual,
        "{layer}: {what} should have shape {expected:?}, got {actual:?}"
    );
}
