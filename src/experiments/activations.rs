//! The book's `weight_init_activation_histogram.py`: 1,000 random samples through five
//! layers of 100 units, to see how the initial weight scale shapes each layer's activations.

use ndarray::{Array1, Array2};

use crate::error::{number, Error, Result};
use crate::functions::Activation;
use crate::init::{randn, rng, Init};

/// Units per layer and number of layers in the book's experiment.
const NODE_NUM: usize = 100;
const HIDDEN_LAYER_SIZE: usize = 5;
const SAMPLES: usize = 1000;

/// The activations of each layer, flattened, with the set-up that produced them.
#[derive(Clone, Debug)]
pub struct LayerActivations {
    /// The hidden activation.
    pub activation: Activation,
    /// The weight initialisation.
    pub init: Init,
    /// Layer k's activations (1,000 samples × 100 units), k = 1..5.
    pub layers: Vec<Array1<f64>>,
}

impl LayerActivations {
    /// The standard deviation of each layer's activations.
    pub fn stds(&self) -> Vec<f64> {
        self.layers.iter().map(|a| a.std(0.0)).collect()
    }
}

/// Sends x = randn(1000, 100)? through 5 layers a = f(a·W) (no bias) with W drawn by `init`
/// (fan-in 100, so Xavier gives std 0.1 and He 0.141).
///
/// ```
/// use dl_lessons::prelude::*;
/// let acts = layer_activations(Activation::Sigmoid, Init::Std(0.01), 0).unwrap();
/// assert_eq!(acts.layers.len(), 5);
/// assert!(acts.stds()[4] < 0.05); // std 0.01: everything sits near 0.5
/// ```
pub fn layer_activations(
    activation: Activation,
    init: Init,
    seed: u64,
) -> Result<LayerActivations> {
    init.validate()?;
    let mut rng = rng(seed);
    let mut x: Array2<f64> = randn((SAMPLES, NODE_NUM), 1.0, &mut rng)?;
    let mut layers = Vec::with_capacity(HIDDEN_LAYER_SIZE);
    for layer in 1..=HIDDEN_LAYER_SIZE {
        let w: Array2<f64> = init.weights((NODE_NUM, NODE_NUM), NODE_NUM, &mut rng)?;
        x = x.dot(&w).mapv(|u| activation.apply(u));
        if x.iter().any(|v| !v.is_finite()) {
            return Err(Error::param(
                "weight_init_std",
                match init {
                    Init::Std(std) => number(std),
                    other => other.label(),
                },
                format!("layer {layer}'s activations overflow (they are not finite numbers): choose a smaller std"),
            ));
        }
        layers.push(x.iter().copied().collect());
    }
    Ok(LayerActivations {
        activation,
        init,
        layers,
    })
}
