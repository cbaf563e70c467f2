//! Several optimizers side by side: on the book's valley, and training the same network.

use super::{trajectory, AdaGrad, Adam, Momentum, Optimizer, RmsProp, Sgd, Trajectory};
use crate::data::Dataset;
use crate::error::{at_least_one, Result};
use crate::net::{MultiLayerNet, MultiLayerNetConfig};
use crate::parallel::map_jobs;
use crate::train::{train, History, TrainConfig};

/// Each optimizer's path on f(x, y) = x²/20 + y² from `start`, labelled with its
/// hyperparameters; bad hyperparameters are reported before any path is drawn.
pub fn trajectories(
    optimizers: &mut [Box<dyn Optimizer>],
    start: (f64, f64),
    steps: usize,
) -> Result<Vec<(String, Trajectory)>> {
    at_least_one("steps", steps)?;
    for o in optimizers.iter() {
        o.validate()?;
    }
    Ok(optimizers
        .iter_mut()
        .map(|o| (o.label(), trajectory(o.as_mut(), start, steps)))
        .collect())
}

/// Trains one network per optimizer, all built from `net_config` (same initial weights)
/// and drawing the same mini-batches, on both cores; one [`History`] per optimizer.
pub fn compare_optimizers(
    data: &Dataset,
    net_config: &MultiLayerNetConfig,
    optimizers: Vec<Box<dyn Optimizer>>,
    train_config: &TrainConfig,
) -> Result<Vec<History>> {
    for o in &optimizers {
        o.validate()?;
    }
    MultiLayerNet::new(data, net_config.clone())?; // report a bad config before spawning
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
    let optimizers: Vec<Box<dyn Optimizer>> = lrs
        .iter()
        .map(|&lr| Box::new(make(lr)) as Box<dyn Optimizer>)
        .collect();
    compare_optimizers(data, net_config, optimizers, train_config)
}

/// The optimizers of the course's 2_4 solution notebook, with its learning rates:
/// SGD 0.01, Momentum 0.3, AdaGrad 0.1, RMSProp 0.01, Adam 0.01.
pub fn course_optimizers() -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(Sgd::new(0.01)),
        Box::new(Momentum::new(0.3, 0.9)),
        Box::new(AdaGrad::new(0.1)),
        Box::new(RmsProp::new(0.01, 0.99)),
        Box::new(Adam::new(0.01, 0.9, 0.999)),
    ]
}

/// The optimizers of the book's `optimizer_compare_mnist` with their default settings
/// (SGD, Momentum, AdaGrad, Adam), plus RMSProp, which the book leaves commented out.
pub fn book_optimizers() -> Vec<Box<dyn Optimizer>> {
    vec![
        Box::new(Sgd::default()),
        Box::new(Momentum::default()),
        Box::new(AdaGrad::default()),
        Box::new(Adam::default()),
        Box::new(RmsProp::default()),
    ]
}
