//! P63 (the ridge-regression test, answer (a)): with a large λ every weight is pushed toward 0.

use crate::data::Dataset;
use crate::error::{count_in, non_negative, positive, Result};
use crate::kernels::parallel::map_jobs;
use crate::net::{MultiLayerNet, MultiLayerNetConfig};
use crate::optim::Sgd;
use crate::regularization::WeightDecay;
use crate::train::{train, History, TrainConfig};

/// One training run with L2 weight decay λ.
#[derive(Clone, Debug)]
pub struct WeightDecayRun {
    /// λ (`weight_decay_lambda`).
    pub lambda: f64,
    /// ‖W‖ = √(ΣW²) over every weight matrix of the trained network.
    pub weight_norm: f64,
    /// The training run.
    pub history: History,
}

/// Trains the network of `config` once per λ in `lambdas` (L2, with SGD at `lr`), all
/// from the same initial weights and mini-batches, on all cores.
pub fn weight_decay_sweep(
    data: &Dataset,
    config: &MultiLayerNetConfig,
    lambdas: &[f64],
    lr: f64,
    train_config: &TrainConfig,
) -> Result<Vec<WeightDecayRun>> {
    count_in("number of lambdas", lambdas.len(), 16, "one training each")?;
    for &lambda in lambdas {
        non_negative("weight_decay_lambda", lambda)?;
    }
    positive("lr", lr)?;
    train_config.validate(data)?;
    MultiLayerNet::new(data, config.clone())?;
    let run = |lambda: f64| -> Result<WeightDecayRun> {
        let config = MultiLayerNetConfig {
            weight_decay: WeightDecay::L2(lambda),
            ..config.clone()
        };
        let mut net = MultiLayerNet::new(data, config)?;
        let history = train(&mut net, data, &mut Sgd::new(lr), train_config)?
            .labelled(format!("λ = {lambda}"));
        let weight_norm = net.weights().iter().map(|w| w * w).sum::<f64>().sqrt();
        Ok(WeightDecayRun {
            lambda,
            weight_norm,
            history,
        })
    };
    map_jobs(lambdas.to_vec(), run).into_iter().collect()
}
