//! The course's layers (`common/layers.py`), each with its forward and backward pass.
//!
//! Every layer takes and returns `ArrayD<f64>`, so a network can stack them; each layer
//! checks the shape it is given and returns an error naming the layer and both shapes
//! instead of panicking. After `backward`, `params` hands out each parameter beside its
//! gradient for an optimizer to update.
//!
//! A layer of your own is a struct that implements [`Layer`]: `forward` and `backward`
//! are all it needs (see the trait's example).

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
pub use gradient_check::GradientRow;
pub use gradient_check::{check_layer_gradients, GradientCheck};
pub(crate) use gradient_check::{compare, nudge_element, sample_indices};
pub use pooling::{Pooling, PoolingKind};
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use softmax_with_loss::SoftmaxWithLoss;
pub use tanh::Tanh;

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Ix4};

use crate::error::{Error, Result};
use crate::functions::Activation;

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

/// One parameter of a layer beside its gradient from the last `backward` (the course's
/// `params['W1']` and `grads['W1']`).
pub struct Param<'a> {
    /// The course's name within the layer: `"W"`, `"b"`, `"gamma"`, `"beta"`.
    pub name: &'static str,
    /// The parameter, for the optimizer to update in place.
    pub value: ArrayViewMutD<'a, f64>,
    /// Its gradient ∂L/∂value.
    pub grad: ArrayViewD<'a, f64>,
}

impl<'a> Param<'a> {
    /// A parameter and its gradient from two arrays (for trying an optimizer by hand).
    pub fn new(name: &'static str, value: &'a mut ArrayD<f64>, grad: &'a ArrayD<f64>) -> Param<'a> {
        Param {
            name,
            value: value.view_mut(),
            grad: grad.view(),
        }
    }
}

/// A layer with a forward pass, a backward pass and its parameters.
///
/// Writing one takes `forward` and `backward`; the other methods have defaults (no
/// parameters, the struct's name). The course's ReLU, written in a cell:
///
/// ```
/// use dl_lessons::prelude::*;
///
/// struct MyRelu {
///     mask: ArrayD<bool>, // where x <= 0
/// }
///
/// impl Layer for MyRelu {
///     fn forward(&mut self, x: &ArrayD<f64>, _mode: Mode) -> Result<ArrayD<f64>> {
///         self.mask = x.mapv(|v| v <= 0.0);
///         Ok(x.mapv(|v| if v <= 0.0 { 0.0 } else { v }))
///     }
///
///     fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>> {
///         let mut dx = dout.clone();
///         dx.zip_mut_with(&self.mask, |d, &off| if off { *d = 0.0 });
///         Ok(dx)
///     }
/// }
///
/// let mut relu = MyRelu { mask: ArrayD::default(IxDyn(&[0])) };
/// let check = check_layer_gradients(&mut relu, &array![[-1.0, 2.0], [0.5, -3.0]].into_dyn(), 0)?;
/// assert!(check.max_relative_error() < 1e-6);
/// assert_eq!(relu.name(), "MyRelu");
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub trait Layer {
    /// Computes the output and keeps what `backward` needs.
    fn forward(&mut self, x: &ArrayD<f64>, mode: Mode) -> Result<ArrayD<f64>>;

    /// Given ∂L/∂out (`dout`), stores the parameter gradients and returns ∂L/∂x (`dx`).
    fn backward(&mut self, dout: &ArrayD<f64>) -> Result<ArrayD<f64>>;

    /// Each parameter with its gradient, in the layer's documented order; none by default.
    fn params(&mut self) -> Vec<Param<'_>> {
        Vec::new()
    }

    /// The layer's course name (`"Affine"`, `"Relu"`, ...), used in tables and messages;
    /// by default the name of the struct.
    fn name(&self) -> &str {
        let full = std::any::type_name::<Self>();
        let base = full.split('<').next().unwrap_or(full);
        base.rsplit("::").next().unwrap_or(base)
    }

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
    fn output_shape(&self, sample_shape: &[usize]) -> Result<Vec<usize>> {
        Ok(sample_shape.to_vec())
    }

    /// Keeps any random mask the layer draws in training passes (dropout) until released,
    /// so that repeated evaluations compute the same function (gradient checks).
    fn hold_random_masks(&mut self, _hold: bool) {}
}

/// The layer that applies `activation` in a network.
pub fn activation_layer(activation: Activation) -> Box<dyn Layer> {
    match activation {
        Activation::Sigmoid => Box::new(Sigmoid::new()),
        Activation::Relu => Box::new(Relu::new()),
        Activation::Tanh => Box::new(Tanh::new()),
    }
}

/// `x` as (N, C, H, W), or an error naming the layer and the shape it got.
pub(crate) fn as_4d<'a>(layer: &str, x: &'a ArrayD<f64>) -> Result<ndarray::ArrayView4<'a, f64>> {
    x.view().into_dimensionality::<Ix4>().map_err(|_| {
        Error::Geometry(format!(
            "{layer}: x should have shape (N, C, H, W), got {:?}",
            x.shape()
        ))
    })
}

/// An error unless `actual` is `expected`.
pub(crate) fn expect_shape(
    layer: &str,
    what: &str,
    expected: &[usize],
    actual: &[usize],
) -> Result<()> {
    if expected == actual {
        Ok(())
    } else {
        Err(Error::Geometry(format!(
            "{layer}: {what} should have shape {expected:?}, got {actual:?}"
        )))
    }
}

/// The error for `backward` before a training `forward`.
pub(crate) fn before_forward(layer: &str) -> Error {
    Error::Geometry(format!(
        "{layer}: backward was called before a forward pass in Mode::Train"
    ))
}

/// The array `backward` returns for the first layer of a network, whose dx nothing uses.
pub(crate) fn skipped_dx() -> ArrayD<f64> {
    ArrayD::zeros(ndarray::IxDyn(&[0]))
}

/// An error for `x` with no samples.
pub(crate) fn non_empty(layer: &str, x: &ArrayD<f64>) -> Result<usize> {
    match x.shape().first() {
        Some(&n) if n > 0 && x.ndim() >= 2 => Ok(n),
        _ => Err(Error::Geometry(format!(
            "{layer}: x should have shape (N, ...) with N >= 1 samples, got {:?}",
            x.shape()
        ))),
    }
}
