//! Several optimizers, or several learning rates, training the same network.

use crate::data::Dataset;
use crate::error::{count_in, Result};
use crate::kernels::parallel::map_jobs;
use crate::net::{MultiLayerNet, MultiLayerNetConfig};
use crate::optim::Optimizer;
use crate::train::{train, History, TrainConfig};

/// The most runs one comparison trains (each is a curve or a panel).
pub const MAX_RUNS: usize = 16;

/// Trains one network per optimizer, all built from `net_config` (same initial weights)
/// and drawing the same mini-batches, on all cores; one [`History`] per optimizer, in order.
pub fn compare_optimizers(
    data: &Dataset,
    net_config: &MultiLayerNetConfig,
    optimizers: Vec<Box<dyn Optimizer>>,
    train_config: &TrainConfig,
) -> Result<Vec<History>> {
    count_in(
        "number of optimizers",
        optimizers.len(),
        MAX_RUNS,
        "one curve each",
    )?;
    for o in &optimizers {
        o.validate()?;
    }
    data.validate()?;
    train_config.validate(data)?;
    MultiLayerNet::new(data, net_config.clone())?; // report a bad config before training
    let run = |mut optimizer: Box<dyn Optimizer>| -> Result<History> {
        let mut net = MultiLayerNet::new(data, net_config.clone())?;
        let history = train(&mut net, data, optimizer.as_mut(), train_config)?;
        Ok(history.labelled(optimizer.label()))
    };
    map_jobs(optimizers, run).into_iter().collect()
}

/// Trains the same network once per learning rate, with the optimizer `make(lr)`.
pub fn learning_rate_sweep<O: Optimizer + 'static>(
    data: &Dataset,
    net_config: &MultiLayerNetConfig,
    lrs: &[f64],
    make: impl Fn(f64) -> O,
    train_config: &TrainConfig,
) -> Result<Vec<History>> {
    count_in(
        "number of learning rates",
        lrs.len(),
        MAX_RUNS,
        "one panel each",
    )?;
    let optimizers: Vec<Box<dyn Optimizer>> = lrs
        .iter()
        .map(|&lr| Box::new(make(lr)) as Box<dyn Optimizer>)
        .collect();
    compare_optimizers(data, net_config, optimizers, train_config)
}
