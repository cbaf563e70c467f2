//! The course's `MultiLayerNet`: fully connected layers with a chosen activation,
//! initialisation, optional batch normalisation, weight decay and dropout.
//!
//! Per hidden layer: Affine → [BatchNormalization] → activation → [Dropout]; then the
//! output Affine and SoftmaxWithLoss. Course: `multi_layer_net.py` (2_3–2_5) and the
//! inline class of 2_2_2; book: `common/multi_layer_net_extend.py`.

use std::ops::{Deref, DerefMut};

use ndarray::{Array1, Array2};

use super::Sequential;
use crate::data::Dataset;
use crate::error::{at_least_one, unit_interval, Error, Result};
use crate::functions::Activation;
use crate::init::{rng, Init};
use crate::layers::{activation_layer, Affine, BatchNormalization, Dropout, Layer};
use crate::limits::{check_memory, f64_bytes};
use crate::regularization::WeightDecay;

/// How to build a [`MultiLayerNet`]; the defaults are the course's
/// (`activation='relu'`, `weight_init_std='relu'`, no batch norm, no weight decay,
/// no dropout) with the hidden sizes `[40, 20]` of the Day 2 notebooks.
///
/// ```
/// use dl_lessons::prelude::*;
/// let config = MultiLayerNetConfig {
///     activation: Activation::Sigmoid,
///     init: Init::Std(0.01),
///     ..Default::default()
/// };
/// assert_eq!(config.hidden_sizes, vec![40, 20]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MultiLayerNetConfig {
    /// Units of each hidden layer (`hidden_size_list`).
    pub hidden_sizes: Vec<usize>,
    /// Hidden activation (`activation`).
    pub activation: Activation,
    /// Weight initialisation (`weight_init_std`).
    pub init: Init,
    /// Batch normalisation after each hidden Affine (`use_batchnorm`).
    pub use_batchnorm: bool,
    /// L2 or L1 penalty on every weight matrix (`weight_decay_lambda`).
    pub weight_decay: WeightDecay,
    /// Dropout after each hidden activation with this ratio (`use_dropout`, `dropout_ratio`).
    pub dropout_ratio: Option<f64>,
    /// Seed of the initial weights (and of the dropout masks).
    pub seed: u64,
}

impl Default for MultiLayerNetConfig {
    fn default() -> Self {
        MultiLayerNetConfig {
            hidden_sizes: vec![40, 20],
            activation: Activation::Relu,
            init: Init::He,
            use_batchnorm: false,
            weight_decay: WeightDecay::None,
            dropout_ratio: None,
            seed: 0,
        }
    }
}

impl MultiLayerNetConfig {
    /// The course's label for the set-up, e.g. `ReLU-He [40, 20] +BN`; equal hidden
    /// sizes, three or more, as `vec!` repeats them: `ReLU-He [100; 6]`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let six = MultiLayerNetConfig { hidden_sizes: vec![100; 6], ..Default::default() };
    /// assert_eq!(six.label(), "ReLU-He [100; 6]");
    /// let two = MultiLayerNetConfig { hidden_sizes: vec![100, 100], ..Default::default() };
    /// assert_eq!(two.label(), "ReLU-He [100, 100]");
    /// ```
    pub fn label(&self) -> String {
        let sizes = match self.hidden_sizes.as_slice() {
            [first, rest @ ..] if rest.len() >= 2 && rest.iter().all(|s| s == first) => {
                format!("[{first}; {}]", rest.len() + 1)
            }
            sizes => format!("{sizes:?}"),
        };
        let mut label = format!("{}-{} {sizes}", self.activation, self.init.label());
        if self.use_batchnorm {
            label.push_str(" +BN");
        }
        match self.weight_decay {
            WeightDecay::None => {}
            WeightDecay::L2(l) => label.push_str(&format!(" +L2({l})")),
            WeightDecay::L1(l) => label.push_str(&format!(" +L1({l})")),
        }
        if let Some(r) = self.dropout_ratio {
            label.push_str(&format!(" +dropout({r})"));
        }
        label
    }

    fn validate(&self, input_size: usize, output_size: usize) -> Result<()> {
        if self.hidden_sizes.contains(&0) {
            return Err(Error::param(
                "hidden_sizes",
                format!("{:?}", self.hidden_sizes),
                "every hidden layer needs at least 1 unit",
            ));
        }
        // weights, their gradients and an optimizer's two state arrays
        let sizes: Vec<usize> = std::iter::once(input_size)
            .chain(self.hidden_sizes.iter().copied())
            .chain(std::iter::once(output_size))
            .collect();
        let weights = sizes.windows(2).try_fold(0usize, |total, pair| {
            pair[0].checked_mul(pair[1])?.checked_add(total)
        });
        check_memory(
            || format!("MultiLayerNet with hidden_sizes = {:?}", self.hidden_sizes),
            weights.and_then(|w| f64_bytes(&[w, w, w, w])),
            "use fewer or smaller hidden layers",
        )?;
        self.init.validate()?;
        self.weight_decay.validate()?;
        if let Some(ratio) = self.dropout_ratio {
            unit_interval("dropout_ratio", ratio)?;
        }
        Ok(())
    }
}

/// A fully connected network built from a [`MultiLayerNetConfig`]; derefs to its
/// [`Sequential`] stack for `predict`, `loss`, `accuracy`, `gradient` and `params`.
pub struct MultiLayerNet {
    net: Sequential,
    config: MultiLayerNetConfig,
}

impl MultiLayerNet {
    /// A network whose input and output sizes come from `data`.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let data = Dataset::digits(0);
    /// let net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
    /// assert_eq!(net.description(), "ReLU-He [40, 20]");
    /// ```
    pub fn new(data: &Dataset, config: MultiLayerNetConfig) -> Result<MultiLayerNet> {
        MultiLayerNet::with_sizes(data.input_size(), data.classes(), config)
    }

    /// A network with explicit input and output sizes.
    pub fn with_sizes(
        input_size: usize,
        output_size: usize,
        config: MultiLayerNetConfig,
    ) -> Result<MultiLayerNet> {
        at_least_one("input_size", input_size)?;
        at_least_one("output_size (classes)", output_size)?;
        config.validate(input_size, output_size)?;
        let mut rng = rng(config.seed);
        let mut layers: Vec<Box<dyn Layer>> = Vec::new();
        let mut fan_in = input_size;
        for (i, &size) in config.hidden_sizes.iter().enumerate() {
            let w: Array2<f64> = config.init.weights((fan_in, size), fan_in, &mut rng)?;
            layers.push(Box::new(
                Affine::new(w, Array1::zeros(size))?.with_weight_decay(config.weight_decay)?,
            ));
            if config.use_batchnorm {
                layers.push(Box::new(BatchNormalization::new(
                    Array1::ones(size),
                    Array1::zeros(size),
                    0.9,
                )?));
            }
            layers.push(activation_layer(config.activation));
            if let Some(ratio) = config.dropout_ratio {
                let seed = config.seed.wrapping_add(1 + i as u64);
                layers.push(Box::new(Dropout::new(ratio, seed)?));
            }
            fan_in = size;
        }
        let w: Array2<f64> = config
            .init
            .weights((fan_in, output_size), fan_in, &mut rng)?;
        layers.push(Box::new(
            Affine::new(w, Array1::zeros(output_size))?.with_weight_decay(config.weight_decay)?,
        ));
        Ok(MultiLayerNet {
            net: Sequential::new(vec![input_size], layers, config.label())?,
            config,
        })
    }

    /// The configuration the network was built from.
    pub fn config(&self) -> &MultiLayerNetConfig {
        &self.config
    }
}

impl Deref for MultiLayerNet {
    type Target = Sequential;
    fn deref(&self) -> &Sequential {
        &self.net
    }
}

impl DerefMut for MultiLayerNet {
    fn deref_mut(&mut self) -> &mut Sequential {
        &mut self.net
    }
}
