//! A stack of layers followed by `SoftmaxWithLoss`: predict, loss, accuracy, gradient.
//!
//! Every network of the course is such a stack (the book's `OrderedDict` of layers plus
//! `lastLayer`); the named networks build one from their config and deref to it, so the
//! training loop, the optimizers and the gradient check work on all of them alike.

use ndarray::{Array1, Array2, Array4, ArrayD, Axis, Ix2};

use crate::error::{Error, Result};
use crate::functions::{argmax_rows, central_difference};
use crate::layers::{
    compare, nudge_element, sample_indices, GradientCheck, Layer, Mode, Param, SoftmaxWithLoss,
};

/// Layers applied in order, then softmax and cross-entropy.
pub struct Sequential {
    input_shape: Vec<usize>,
    output_shape: Vec<usize>,
    layers: Vec<Box<dyn Layer>>,
    last_layer: SoftmaxWithLoss,
    description: String,
}

/// Samples per forward pass when computing accuracy (the course's `batch_size=100`).
const ACCURACY_CHUNK: usize = 100;

impl Sequential {
    /// A network taking samples of `input_shape` (`[D]` for vectors, `[C, H, W]` for
    /// images) through `layers`; `description` labels its training histories. Every
    /// layer must take what the one before gives (a filter's channels against its input,
    /// a window against the feature map, an affine layer's rows against the flattened
    /// size): an error names the layer and both shapes.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let conv = Convolution::new(Array4::zeros((4, 3, 3, 3)), Array1::zeros(4), 1, 0)?;
    /// let error = Sequential::new(vec![1, 8, 8], vec![Box::new(conv)], "bad").err().unwrap();
    /// assert!(error.to_string().contains("the filters have 3 channels but x"));
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    pub fn new(
        input_shape: Vec<usize>,
        layers: Vec<Box<dyn Layer>>,
        description: impl Into<String>,
    ) -> Result<Sequential> {
        if input_shape.is_empty() || input_shape.contains(&0) {
            return Err(Error::param(
                "input_shape",
                format!("{input_shape:?}"),
                "must be [D] or [C, H, W] with every size >= 1",
            ));
        }
        let mut shape = input_shape.clone();
        for (k, layer) in layers.iter().enumerate() {
            shape = layer.output_shape(&shape).map_err(|e| {
                Error::Geometry(format!(
                    "layer {} ({}) on a sample of shape {shape:?}: {e}",
                    k + 1,
                    layer.name()
                ))
            })?;
        }
        let mut layers = layers;
        if let Some(first) = layers.first_mut() {
            // nothing uses ∂L/∂x of the data: the first layer may skip it
            first.skip_input_gradient();
        }
        Ok(Sequential {
            input_shape,
            output_shape: shape,
            layers,
            last_layer: SoftmaxWithLoss::new(),
            description: description.into(),
        })
    }

    /// A short label such as `ReLU-He [40, 20]`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The shape of one input sample.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// The number of scores per sample (the classes the network tells apart), if its
    /// last layer gives a vector.
    pub fn classes(&self) -> Option<usize> {
        match self.output_shape[..] {
            [classes] => Some(classes),
            _ => None,
        }
    }

    /// Whether samples of `sample_shape` fit: a vector network takes any sample with the
    /// right number of values (it flattens), an image network needs the exact shape.
    pub fn accepts(&self, sample_shape: &[usize]) -> bool {
        if self.input_shape.len() == 1 {
            sample_shape.iter().product::<usize>() == self.input_shape[0]
        } else {
            sample_shape == self.input_shape.as_slice()
        }
    }

    /// The layers, in order.
    pub fn layers(&self) -> &[Box<dyn Layer>] {
        &self.layers
    }

    /// The layers, in order, to call one at a time (as `layer_timings` does).
    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer>] {
        &mut self.layers
    }

    /// An error unless `x` is a batch of samples this network takes.
    fn check_input(&self, x: &ArrayD<f64>) -> Result<()> {
        match x.shape().split_first() {
            Some((&n, sample)) if n >= 1 && self.accepts(sample) => Ok(()),
            _ => Err(Error::Geometry(format!(
                "{}: x should be a batch (N, {}) with N >= 1, got {:?}",
                self.description,
                self.input_shape
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                x.shape()
            ))),
        }
    }

    /// An error unless `t` has one label per sample of `x`, each a class of the network.
    fn check_labels(&self, x: &ArrayD<f64>, t: &Array1<usize>) -> Result<()> {
        let n = x.shape().first().copied().unwrap_or(0);
        if t.len() != n {
            return Err(Error::Geometry(format!(
                "x has {n} samples but t has {} labels",
                t.len()
            )));
        }
        if let (Some(classes), Some(&bad)) = (self.classes(), t.iter().max()) {
            if bad >= classes {
                return Err(Error::param(
                    "label",
                    bad,
                    format!("must be below the network's {classes} classes"),
                ));
            }
        }
        Ok(())
    }

    /// The scores before softmax, (N, classes).
    pub fn predict(&mut self, x: &ArrayD<f64>, mode: Mode) -> Result<Array2<f64>> {
        self.check_input(x)?;
        let mut layers = self.layers.iter_mut();
        let mut out = match layers.next() {
            Some(first) => first.forward(x, mode)?,
            None => x.clone(),
        };
        for layer in layers {
            out = layer.forward(&out, mode)?;
        }
        let shape = out.shape().to_vec();
        out.into_dimensionality::<Ix2>().map_err(|_| {
            Error::Geometry(format!(
                "the last layer should give scores (N, classes), got {shape:?}"
            ))
        })
    }

    /// Cross-entropy of the predictions plus every layer's weight-decay penalty.
    pub fn loss(&mut self, x: &ArrayD<f64>, t: &Array1<usize>, mode: Mode) -> Result<f64> {
        self.check_labels(x, t)?;
        let y = self.predict(x, mode)?;
        Ok(self.last_layer.forward(&y, t)? + self.penalty())
    }

    /// The sum of the layers' regularisation terms.
    pub fn penalty(&self) -> f64 {
        self.layers.iter().map(|l| l.penalty()).sum()
    }

    /// The fraction of samples whose largest score is the label, in inference mode,
    /// evaluated in chunks of 100 samples.
    pub fn accuracy(&mut self, x: &ArrayD<f64>, t: &Array1<usize>) -> Result<f64> {
        self.check_labels(x, t)?;
        let predicted = self.predictions(x)?;
        let correct = predicted.iter().zip(t).filter(|(p, t)| p == t).count();
        Ok(correct as f64 / t.len() as f64)
    }

    /// The predicted class of every sample (the largest score), in inference mode, in
    /// chunks of 100 samples.
    pub fn predictions(&mut self, x: &ArrayD<f64>) -> Result<Vec<usize>> {
        self.check_input(x)?;
        let n = x.shape()[0];
        let mut predicted = Vec::new();
        for start in (0..n).step_by(ACCURACY_CHUNK) {
            let end = (start + ACCURACY_CHUNK).min(n);
            let chunk = x.slice_axis(Axis(0), (start..end).into()).to_owned();
            predicted.extend(argmax_rows(&self.predict(&chunk, Mode::Eval)?));
        }
        Ok(predicted)
    }

    /// Forward in training mode, then backward: leaves every parameter's gradient in its
    /// layer (see [`params`](Self::params)) and returns the loss.
    pub fn gradient(&mut self, x: &ArrayD<f64>, t: &Array1<usize>) -> Result<f64> {
        let loss = self.loss(x, t, Mode::Train)?;
        let mut dout = self.last_layer.backward()?.into_dyn();
        for layer in self.layers.iter_mut().rev() {
            dout = layer.backward(&dout)?;
        }
        for (k, layer) in self.layers.iter_mut().enumerate() {
            let name = layer.name().to_string();
            if let Some(p) = layer
                .params()
                .iter()
                .find(|p| p.grad.shape() != p.value.shape())
            {
                return Err(Error::Geometry(format!(
                    "layer {} ({name}): the gradient of {} has shape {:?} but the parameter {:?}",
                    k + 1,
                    p.name,
                    p.grad.shape(),
                    p.value.shape()
                )));
            }
        }
        Ok(loss)
    }

    /// The filters of the first layer, (FN, C, FH, FW); `None` if the first layer is not a
    /// convolution.
    pub fn first_filters(&mut self) -> Option<Array4<f64>> {
        let first = self.layers.first_mut()?;
        let params = first.params();
        let w = params.iter().find(|p| p.name == "W")?;
        w.value.to_owned().into_dimensionality().ok()
    }

    /// The output of every layer for `x` (inference mode), in order: what each layer makes
    /// of the input, for feature-map charts and for checking a summary's shapes.
    pub fn layer_outputs(&mut self, x: &ArrayD<f64>) -> Result<Vec<ArrayD<f64>>> {
        self.check_input(x)?;
        let mut outputs: Vec<ArrayD<f64>> = Vec::with_capacity(self.layers.len());
        for layer in &mut self.layers {
            let input = outputs.last().unwrap_or(x);
            let out = layer.forward(input, Mode::Eval)?;
            outputs.push(out);
        }
        Ok(outputs)
    }

    /// Every parameter with its gradient, layer by layer, for an optimizer.
    pub fn params(&mut self) -> Vec<Param<'_>> {
        self.layers.iter_mut().flat_map(|l| l.params()).collect()
    }

    /// Every weight (each parameter named `W`, biases and batch-norm parameters left out),
    /// for histograms of what regularisation does to them.
    pub fn weights(&mut self) -> Array1<f64> {
        self.params()
            .iter()
            .filter(|p| p.name == "W")
            .flat_map(|p| p.value.iter().copied().collect::<Vec<_>>())
            .collect()
    }

    /// The course's names of the parameters, in the order of [`params`](Self::params):
    /// `W1, b1, gamma1, beta1, W2, ...` (weights numbered by weighted layer, batch-norm
    /// parameters by batch-norm layer).
    pub fn param_names(&mut self) -> Vec<String> {
        let (mut weighted, mut normalised) = (0, 0);
        let mut names = Vec::new();
        for layer in &mut self.layers {
            let params = layer.params();
            if params.iter().any(|p| p.name == "W") {
                weighted += 1;
            }
            if params.iter().any(|p| p.name == "gamma") {
                normalised += 1;
            }
            for p in params {
                let k = if p.name == "gamma" || p.name == "beta" {
                    normalised
                } else {
                    weighted
                };
                names.push(format!("{}{k}", p.name));
            }
        }
        names
    }

    /// Backprop against central differences of the training-mode loss, per parameter
    /// (at a seeded sample of at most 64 elements of each): the book's `gradient_check`.
    /// Dropout masks are drawn once and held for the whole check.
    pub fn gradient_check(&mut self, x: &ArrayD<f64>, t: &Array1<usize>) -> Result<GradientCheck> {
        self.loss(x, t, Mode::Train)?; // draws the dropout masks, then holds them
        self.layers
            .iter_mut()
            .for_each(|l| l.hold_random_masks(true));
        let result = self.check_held(x, t);
        self.layers
            .iter_mut()
            .for_each(|l| l.hold_random_masks(false));
        result
    }

    fn check_held(&mut self, x: &ArrayD<f64>, t: &Array1<usize>) -> Result<GradientCheck> {
        self.gradient(x, t)?;
        let analytic: Vec<ArrayD<f64>> = self.params().iter().map(|p| p.grad.to_owned()).collect();
        let names = self.param_names();
        let mut rows = Vec::new();
        for (p, (grad, name)) in analytic.iter().zip(names).enumerate() {
            let indices = sample_indices(grad.len(), p as u64);
            let mut numeric = Vec::with_capacity(indices.len());
            for &i in &indices {
                numeric.push(central_difference(|delta| {
                    self.nudge(p, i, delta);
                    let loss = self.loss(x, t, Mode::Train);
                    self.nudge(p, i, -delta);
                    loss
                })?);
            }
            rows.push(compare(name, &grad.view(), &indices, &numeric));
        }
        Ok(GradientCheck { rows })
    }

    /// Moves element `index` (row-major) of parameter `param` by `delta`.
    fn nudge(&mut self, param: usize, index: usize, delta: f64) {
        nudge_element(&mut self.params()[param].value, index, delta);
    }
}
