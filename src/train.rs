//! The course's training loop: random mini-batches, one optimizer step per iteration,
//! accuracy every `eval_interval` iterations, recorded in a [`History`].
//!
//! As in the course, each mini-batch is drawn with replacement
//! (`np.random.choice(train_size, batch_size)`), here from a seeded generator. Unlike the
//! course's 2_1–2_4 cells, which report the accuracy of the current mini-batch, the train
//! accuracy is measured on the whole training set (as 2_5–2_8 do), so the curves are smooth.

use std::time::Instant;

use rand::Rng as _;

use crate::data::Dataset;
use crate::error::{at_least_one, Error, Result};
use crate::init::rng;
use crate::net::Sequential;
use crate::optim::Optimizer;

/// How long and how to train; the defaults are the course's (`iters_num = 1000`,
/// `batch_size = 100`, accuracy every 10 iterations).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Number of mini-batch updates (`iters_num`).
    pub iters_num: usize,
    /// Samples per mini-batch (`batch_size`).
    pub batch_size: usize,
    /// Accuracy is measured every this many iterations (`plot_interval`).
    pub eval_interval: usize,
    /// Seed of the mini-batch draws.
    pub seed: u64,
    /// Print one progress line per evaluation (the kernel shows it while the cell runs).
    pub verbose: bool,
    /// Measure the test accuracy at each evaluation too (default). The book's
    /// `batch_norm_test` measures only the training accuracy, and so does its sweep here.
    pub measure_test: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            iters_num: 1000,
            batch_size: 100,
            eval_interval: 10,
            seed: 0,
            verbose: false,
            measure_test: true,
        }
    }
}

impl TrainConfig {
    fn validate(&self, data: &Dataset) -> Result<()> {
        at_least_one("iters_num", self.iters_num)?;
        at_least_one("batch_size", self.batch_size)?;
        at_least_one("eval_interval", self.eval_interval)?;
        if self.batch_size > data.train_size() {
            return Err(Error::param(
                "batch_size",
                self.batch_size,
                format!("must not exceed the {} training samples", data.train_size()),
            ));
        }
        Ok(())
    }
}

/// Where a run stopped because the loss stopped being a finite number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Divergence {
    /// The iteration (1-based) whose loss was not finite.
    pub iteration: usize,
    /// That loss (NaN or ±inf).
    pub loss: f64,
}

/// What a training run recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct History {
    /// Network and optimizer, e.g. `ReLU-He [40, 20], SGD(lr=0.1)`; used in legends.
    pub label: String,
    /// The loss of every iteration (mini-batch loss before the update).
    pub train_loss: Vec<f64>,
    /// Iterations after which the accuracies were measured: 10, 20, ...
    pub eval_iterations: Vec<usize>,
    /// Accuracy on the whole training set at each evaluation.
    pub train_accuracy: Vec<f64>,
    /// Accuracy on the test set at each evaluation; empty if it was not measured
    /// ([`TrainConfig::measure_test`]).
    pub test_accuracy: Vec<f64>,
    /// Set when the loss stopped being finite; training stopped there.
    pub diverged: Option<Divergence>,
    /// Wall-clock seconds the run took.
    pub seconds: f64,
}

impl History {
    /// The same history under another legend label.
    pub fn labelled(mut self, label: impl Into<String>) -> History {
        self.label = label.into();
        self
    }

    /// The last measured test accuracy (0 if none was measured).
    pub fn final_test_accuracy(&self) -> f64 {
        self.test_accuracy.last().copied().unwrap_or(0.0)
    }

    /// The last measured training accuracy (0 if none was measured).
    pub fn final_train_accuracy(&self) -> f64 {
        self.train_accuracy.last().copied().unwrap_or(0.0)
    }

    /// One line: label, final accuracies, and where it stopped if it diverged.
    pub fn summary(&self) -> String {
        let test = if self.test_accuracy.is_empty() {
            String::new()
        } else {
            format!(", test acc {:.4}", self.final_test_accuracy())
        };
        let mut s = format!(
            "{}: {} iterations, train acc {:.4}{test} ({:.2} s)",
            self.label,
            self.train_loss.len(),
            self.final_train_accuracy(),
            self.seconds
        );
        if let Some(d) = self.diverged {
            s.push_str(&format!(
                "; stopped at iteration {}: the loss became {} (try a smaller learning rate)",
                d.iteration, d.loss
            ));
        }
        s
    }
}

/// Trains `net` on `data` with `optimizer` as the course's training cells do, and returns
/// the recorded [`History`]. Bad settings (including the optimizer's) are reported before
/// the first step; a non-finite loss stops the run and is recorded, never a panic.
///
/// ```
/// use dl_lessons::prelude::*;
/// let data = Dataset::digits(0);
/// let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
/// let config = TrainConfig { iters_num: 50, ..Default::default() };
/// let history = train(&mut net, &data, &mut Sgd::new(0.1), &config).unwrap();
/// assert_eq!(history.eval_iterations, vec![10, 20, 30, 40, 50]);
/// assert!(history.final_test_accuracy() > 0.5);
/// ```
pub fn train(
    net: &mut Sequential,
    data: &Dataset,
    optimizer: &mut dyn Optimizer,
    config: &TrainConfig,
) -> Result<History> {
    config.validate(data)?;
    optimizer.validate()?;
    check_input(net, data)?;
    let started = Instant::now();
    let mut rng = rng(config.seed);
    let mut history = History {
        label: format!("{}, {}", net.description(), optimizer.label()),
        train_loss: Vec::with_capacity(config.iters_num),
        eval_iterations: Vec::new(),
        train_accuracy: Vec::new(),
        test_accuracy: Vec::new(),
        diverged: None,
        seconds: 0.0,
    };
    let train_size = data.train_size();
    for i in 1..=config.iters_num {
        let batch: Vec<usize> = (0..config.batch_size)
            .map(|_| rng.random_range(0..train_size))
            .collect();
        let (x_batch, t_batch) = data.train_batch(&batch);
        let loss = net.gradient(&x_batch, &t_batch);
        history.train_loss.push(loss);
        if !loss.is_finite() {
            history.diverged = Some(Divergence { iteration: i, loss });
            if config.verbose {
                println!("iteration {i}: loss = {loss}, training stopped");
            }
            break;
        }
        optimizer.update(&mut net.params());
        if i % config.eval_interval == 0 {
            let train_acc = net.accuracy(&data.x_train, &data.t_train);
            history.eval_iterations.push(i);
            history.train_accuracy.push(train_acc);
            let test_acc = config
                .measure_test
                .then(|| net.accuracy(&data.x_test, &data.t_test));
            history.test_accuracy.extend(test_acc);
            if config.verbose {
                let test = test_acc.map_or(String::new(), |a| format!(" | test acc {a:.4}"));
                println!(
                    "iteration {i:>5} | loss {loss:.4} | train acc {train_acc:.4}{test} | {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    history.seconds = started.elapsed().as_secs_f64();
    Ok(history)
}

/// The network's first layer must accept the data's samples.
fn check_input(net: &Sequential, data: &Dataset) -> Result<()> {
    if net.accepts(data.sample_shape()) {
        Ok(())
    } else {
        Err(Error::Geometry(format!(
            "the network takes samples of shape {:?} but the data ({}) has {:?}: build the network from this data set",
            net.input_shape(),
            data.name,
            data.sample_shape()
        )))
    }
}
