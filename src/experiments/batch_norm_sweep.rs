//! The book's `batch_norm_test.py`: train with and without batch normalisation for a
//! range of initial weight scales, to see BN rescue the scales where plain training stalls.

use crate::data::Dataset;
use crate::error::{count_in, Result};
use crate::functions::Activation;
use crate::init::Init;
use crate::kernels::parallel::map_jobs;
use crate::net::{MultiLayerNet, MultiLayerNetConfig};
use crate::optim::Sgd;
use crate::train::{train, History, TrainConfig};

/// One weight scale trained twice.
#[derive(Clone, Debug)]
pub struct BatchNormRun {
    /// The weight-init standard deviation.
    pub scale: f64,
    /// Training without batch normalisation.
    pub without: History,
    /// The same with batch normalisation after every hidden Affine.
    pub with: History,
}

/// `count` scales spaced evenly in log from 1 down to 1e-4 (numpy `logspace(0, -4, count)`).
pub fn log_scales(count: usize) -> Vec<f64> {
    match count {
        0 => Vec::new(),
        1 => vec![1.0],
        _ => (0..count)
            .map(|i| 10f64.powf(-4.0 * i as f64 / (count - 1) as f64))
            .collect(),
    }
}

/// For each of `count` weight scales (1 … 1e-4, log-spaced; the book uses 16), trains the
/// book's 5×100 ReLU network on the first 1,000 training samples with SGD (lr 0.01), batch
/// 100, for `epochs` epochs of 10 iterations (the book: 20), with and without batch
/// normalisation. The trainings share the cores.
pub fn batch_norm_sweep(data: &Dataset, count: usize, epochs: usize) -> Result<Vec<BatchNormRun>> {
    count_in("count", count, 32, "two trainings and a panel per scale")?;
    count_in(
        "epochs",
        epochs,
        1000,
        "each epoch is 10 iterations of 16 networks",
    )?;
    let data = data.clone().with_train_size(data.train_size().min(1000))?;
    let train_config = TrainConfig {
        iters_num: epochs * 10,
        batch_size: 100,
        measure_test: false, // the book plots the training accuracy only
        ..Default::default()
    };
    let run = |scale: f64, use_batchnorm: bool| -> Result<History> {
        let config = MultiLayerNetConfig {
            hidden_sizes: vec![100; 5],
            activation: Activation::Relu,
            init: Init::Std(scale),
            use_batchnorm,
            ..Default::default()
        };
        let mut net = MultiLayerNet::new(&data, config)?;
        let label = if use_batchnorm {
            "Batch Normalization"
        } else {
            "Normal (without BatchNorm)"
        };
        Ok(train(&mut net, &data, &mut Sgd::new(0.01), &train_config)?.labelled(label))
    };
    let scales = log_scales(count);
    // One job per training, those with BN first: they take longest, and runs without BN
    // at large scales diverge and stop within a few iterations.
    let jobs: Vec<(f64, bool)> = [true, false]
        .into_iter()
        .flat_map(|bn| scales.iter().map(move |&scale| (scale, bn)))
        .collect();
    let mut histories = map_jobs(jobs, |(scale, bn)| run(scale, bn)).into_iter();
    let with: Vec<History> = histories.by_ref().take(count).collect::<Result<_>>()?;
    let without: Vec<History> = histories.collect::<Result<_>>()?;
    Ok(scales
        .into_iter()
        .zip(with.into_iter().zip(without))
        .map(|(scale, (with, without))| BatchNormRun {
            scale,
            without,
            with,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_match_numpy_logspace() {
        let s = log_scales(16);
        assert_eq!(s.len(), 16);
        assert_eq!(s[0], 1.0);
        assert!((s[1] - 0.541).abs() < 1e-3 && (s[15] - 1e-4).abs() < 1e-12);
    }
}
