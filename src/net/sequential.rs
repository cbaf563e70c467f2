//! A stack of layers followed by `SoftmaxWithLoss`: predict, loss, accuracy, gradient.
//!
//! Every network of the course is such a stack (the book's `OrderedDict` of layers plus
//! `lastLayer`); the named networks build one from their config and deref to it, so the
//! training loop, the optimizers and the gradient check work on all of them alike.

use ndarray::{Array1, Array2, ArrayD, Axis, Ix2};

use std::time::Instant;

use crate::display::Table;
use crate::error::{Error, Result};
use crate::functions::argmax_rows;
use crate::layers::{compare, GradientCheck, Layer, Mode, Param, SoftmaxWithLoss};

/// Layers applied in order, then softmax and cross-entropy.
pub struct Sequential {
    input_shape: Vec<usize>,
    layers: Vec<Box<dyn Layer>>,
    last_layer: SoftmaxWithLoss,
    description: String,
}

/// Samples per forward pass when computing accuracy (the course's `batch_size=100`).
const ACCURACY_CHUNK: usize = 100;

impl Sequential {
    /// A network taking samples of `input_shape` (`[D]` for vectors, `[C, H, W]` for
    /// images) through `layers`; `description` labels its training histories.
    pub fn new(
        input_shape: Vec<usize>,
        layers: Vec<Box<dyn Layer>>,
        description: impl Into<String>,
    ) -> Sequential {
        crate::memory::keep_freed_memory();
        let mut layers = layers;
        if let Some(first) = layers.first_mut() {
            // Nothing uses ∂L/∂x of the data: the first layer may skip it.
            first.skip_input_gradient();
        }
        Sequential {
            input_shape,
            layers,
            last_layer: SoftmaxWithLoss::new(),
            description: description.into(),
        }
    }

    /// [`new`](Self::new), after checking that every layer takes what the one before gives
    /// (a filter's channels against its input, a window against the feature map, an affine
    /// layer's rows against the flattened size): an error names the layer and both shapes.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// use dl_lessons::ndarray::{Array1, Array4};
    /// let conv = Convolution::new(Array4::zeros((4, 3, 3, 3)), Array1::zeros(4), 1, 0).unwrap();
    /// let error = Sequential::checked(vec![1, 8, 8], vec![Box::new(conv)], "bad").err().unwrap();
    /// assert!(error.to_string().contains("the filters have 3 channels but the input"));
    /// ```
    pub fn checked(
        input_shape: Vec<usize>,
        layers: Vec<Box<dyn Layer>>,
        description: impl Into<String>,
    ) -> Result<Sequential> {
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
        Ok(Sequential::new(input_shape, layers, description))
    }

    /// A short label such as `ReLU-He [40, 20]`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The shape of one input sample.
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
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

    /// The scores before softmax, (N, classes).
    #[track_caller]
    pub fn predict(&mut self, x: &ArrayD<f64>, mode: Mode) -> Array2<f64> {
        let mut layers = self.layers.iter_mut();
        let mut out = match layers.next() {
            Some(first) => first.forward(x, mode),
            None => x.clone(),
        };
        for layer in layers {
            out = layer.forward(&out, mode);
        }
        out.into_dimensionality::<Ix2>()
            .expect("the last layer of a network gives (N, classes)")
    }

    /// Cross-entropy of the predictions plus every layer's weight-decay penalty.
    #[track_caller]
    pub fn loss(&mut self, x: &ArrayD<f64>, t: &Array1<usize>, mode: Mode) -> f64 {
        let y = self.predict(x, mode);
        self.last_layer.forward(&y, t) + self.penalty()
    }

    /// The sum of the layers' regularisation terms.
    pub fn penalty(&self) -> f64 {
        self.layers.iter().map(|l| l.penalty()).sum()
    }

    /// The fraction of samples whose largest score is the label, in inference mode,
    /// evaluated in chunks of 100 samples.
    #[track_caller]
    pub fn accuracy(&mut self, x: &ArrayD<f64>, t: &Array1<usize>) -> f64 {
        let n = x.shape()[0];
        assert_eq!(
            n,
            t.len(),
            "accuracy: x has {n} samples but t has {} labels",
            t.len()
        );
        if n == 0 {
            return 0.0;
        }
        let correct = self
            .predictions(x)
            .iter()
            .zip(t)
            .filter(|(p, t)| p == t)
            .count();
        correct as f64 / n as f64
    }

    /// The predicted class of every sample (the largest score), in inference mode, in
    /// chunks of 100 samples.
    #[track_caller]
    pub fn predictions(&mut self, x: &ArrayD<f64>) -> Vec<usize> {
        let n = x.shape()[0];
        let mut predicted = Vec::with_capacity(n);
        for start in (0..n).step_by(ACCURACY_CHUNK) {
            let end = (start + ACCURACY_CHUNK).min(n);
            let chunk = x.slice_axis(Axis(0), (start..end).into()).to_owned();
            predicted.extend(argmax_rows(&self.predict(&chunk, Mode::Eval)));
        }
        predicted
    }

    /// Forward in training mode, then backward: leaves every parameter's gradient in its
    /// layer (see [`params`](Self::params)) and returns the loss.
    #[track_caller]
    pub fn gradient(&mut self, x: &ArrayD<f64>, t: &Array1<usize>) -> f64 {
        let loss = self.loss(x, t, Mode::Train);
        let mut dout = self.last_layer.backward().into_dyn();
        for layer in self.layers.iter_mut().rev() {
            dout = layer.backward(&dout);
        }
        loss
    }

    /// The filters of the first layer, (FN, C, FH, FW), for [`filter_grid`](crate::plot::filter_grid);
    /// `None` if the first layer is not a convolution.
    pub fn first_filters(&mut self) -> Option<ndarray::Array4<f64>> {
        let first = self.layers.first_mut()?;
        let params = first.params();
        let w = params.iter().find(|p| p.name == "W")?;
        w.value.clone().into_dimensionality().ok()
    }

    /// The output of every layer for `x` (inference mode), in order: what each layer makes
    /// of the input, for feature-map charts and for checking a summary's shapes.
    pub fn layer_outputs(&mut self, x: &ArrayD<f64>) -> Vec<ArrayD<f64>> {
        let mut outputs: Vec<ArrayD<f64>> = Vec::with_capacity(self.layers.len());
        for layer in &mut self.layers {
            let input = outputs.last().unwrap_or(x);
            let out = layer.forward(input, Mode::Eval);
            outputs.push(out);
        }
        outputs
    }

    /// Milliseconds each layer takes, forward and backward, on one training step with
    /// `x` and `t` (the median of `repeats` steps): where the time of a step goes.
    pub fn layer_timings(&mut self, x: &ArrayD<f64>, t: &Array1<usize>, repeats: usize) -> Table {
        let count = self.layers.len();
        let mut forward = vec![Vec::new(); count];
        let mut backward = vec![Vec::new(); count];
        for _ in 0..repeats.max(1) {
            let mut out = x.clone();
            for (k, layer) in self.layers.iter_mut().enumerate() {
                let start = Instant::now();
                out = layer.forward(&out, Mode::Train);
                forward[k].push(start.elapsed().as_secs_f64() * 1e3);
            }
            let y = out.into_dimensionality::<Ix2>().expect("(N, classes)");
            self.last_layer.forward(&y, t);
            let mut dout = self.last_layer.backward().into_dyn();
            for (k, layer) in self.layers.iter_mut().enumerate().rev() {
                let start = Instant::now();
                dout = layer.backward(&dout);
                backward[k].push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let mut table = Table::new(
            format!(
                "{}: milliseconds per layer, batch of {}",
                self.description,
                x.shape()[0]
            ),
            &["layer", "forward ms", "backward ms"],
        );
        let mut total = 0.0;
        for (k, (f, b)) in forward.into_iter().zip(backward).enumerate() {
            let (f, b) = (median(f), median(b));
            total += f + b;
            table.push(vec![
                format!("{} {}", k + 1, self.layers[k].name()),
                format!("{f:.2}"),
                format!("{b:.2}"),
            ]);
        }
        table.push(vec![
            "all layers".into(),
            String::new(),
            format!("{total:.2}"),
        ]);
        table
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
            .flat_map(|p| p.value.iter().copied())
            .collect()
    }

    /// The course's names of the parameters, in the order of [`params`](Self::params):
    /// `W1, b1, gamma1, beta1, W2, ...` (weights numbered by weighted layer, batch-norm
    /// parameters by batch-norm layer).
    pub fn param_names(&mut self) -> Vec<String> {
        let mut weighted = 0;
        let mut normalised = 0;
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

    /// The gradient of the training-mode loss by central differences (h = 1e-4), one
    /// array per parameter. Slow: for checking backprop on small inputs.
    pub fn numerical_gradient(&mut self, x: &ArrayD<f64>, t: &Array1<usize>) -> Vec<ArrayD<f64>> {
        const H: f64 = 1e-4;
        let sizes: Vec<usize> = self.params().iter().map(|p| p.value.len()).collect();
        let mut grads: Vec<ArrayD<f64>> = self
            .params()
            .iter()
            .map(|p| ArrayD::zeros(p.value.raw_dim()))
            .collect();
        for (p, &size) in sizes.iter().enumerate() {
            for i in 0..size {
                self.nudge(p, i, H);
                let plus = self.loss(x, t, Mode::Train);
                self.nudge(p, i, -2.0 * H);
                let minus = self.loss(x, t, Mode::Train);
                self.nudge(p, i, H);
                grads[p].as_slice_memory_order_mut().expect("contiguous")[i] =
                    (plus - minus) / (2.0 * H);
            }
        }
        grads
    }

    fn nudge(&mut self, param: usize, index: usize, delta: f64) {
        let mut params = self.params();
        params[param]
            .value
            .as_slice_memory_order_mut()
            .expect("parameters are contiguous")[index] += delta;
    }

    /// Backprop against [`numerical_gradient`](Self::numerical_gradient), per parameter.
    /// Dropout masks are drawn once and held for the whole check.
    pub fn gradient_check(&mut self, x: &ArrayD<f64>, t: &Array1<usize>) -> GradientCheck {
        self.loss(x, t, Mode::Train); // draws the dropout masks, then holds them
        self.layers
            .iter_mut()
            .for_each(|l| l.hold_random_masks(true));
        let numeric = self.numerical_gradient(x, t);
        self.gradient(x, t);
        self.layers
            .iter_mut()
            .for_each(|l| l.hold_random_masks(false));
        let names = self.param_names();
        let rows = self
            .params()
            .iter()
            .zip(numeric.iter().zip(names))
            .map(|(p, (n, name))| compare(name, p.grad, n))
            .collect();
        GradientCheck { rows }
    }
}
