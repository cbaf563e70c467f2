//! The course's training loop: random mini-batches, one optimizer step per iteration,
//! accuracy every `eval_interval` iterations, recorded in a [`History`].
//!
//! As in the course, each mini-batch is drawn with replacement
//! (`np.random.choice(train_size, batch_size)`), here from a seeded generator. Unlike the
//! course's 2_1–2_4 cells, which report the accuracy of the current mini-batch, the train
//! accuracy is measured on the whole training set (as 2_5–2_8 do), so the curves are smooth.
//!
//! A run that diverges stops with a message in its history (the chart of what it did is
//! still drawn): a loss that is not a finite number, weights that are not finite or have
//! grown past 10⁶, or a loss that stays far above where it started.

use std::time::Instant;

use crate::data::Dataset;
use crate::error::{count_in, Error, Result};
use crate::init::rng;
use crate::net::Sequential;
use crate::optim::Optimizer;

/// The most iterations one call trains (a cell must finish in minutes, not days).
pub const MAX_ITERATIONS: usize = 1_000_000;

/// No weight of a working network of these lessons comes near this size.
const MAX_WEIGHT: f64 = 1e6;

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
    /// Checks the settings against the data they will train on.
    pub fn validate(&self, data: &Dataset) -> Result<()> {
        count_in(
            "iters_num",
            self.iters_num,
            MAX_ITERATIONS,
            "one call trains at most this many iterations",
        )?;
        count_in(
            "batch_size",
            self.batch_size,
            data.train_size(),
            &format!("the training set has {} samples", data.train_size()),
        )?;
        count_in(
            "eval_interval",
            self.eval_interval,
            MAX_ITERATIONS,
            "at most iters_num",
        )?;
        Ok(())
    }
}

/// Where and why a run stopped early.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The iteration (1-based) at which it was detected.
    pub iteration: usize,
    /// What was seen, e.g. `the loss became NaN`.
    pub reason: String,
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
    /// Set when the run diverged; training stopped there.
    pub diverged: Option<Divergence>,
    /// Wall-clock seconds the run took.
    pub seconds: f64,
}

impl History {
    /// A history of accuracies measured by hand (a training loop written in a cell), to
    /// chart with the library's charts: `eval_iterations`, and the training and test
    /// accuracy at each (the test list may be empty).
    pub fn from_accuracies(
        label: impl Into<String>,
        eval_iterations: Vec<usize>,
        train_accuracy: Vec<f64>,
        test_accuracy: Vec<f64>,
    ) -> Result<History> {
        let n = eval_iterations.len();
        if train_accuracy.len() != n || !(test_accuracy.is_empty() || test_accuracy.len() == n) {
            return Err(Error::Geometry(format!(
                "History::from_accuracies: {n} iterations but {} training and {} test accuracies",
                train_accuracy.len(),
                test_accuracy.len()
            )));
        }
        let iterations = eval_iterations.iter().max().copied().unwrap_or(0);
        Ok(History {
            label: label.into(),
            train_loss: vec![f64::NAN; iterations.min(MAX_ITERATIONS)],
            eval_iterations,
            train_accuracy,
            test_accuracy,
            diverged: None,
            seconds: 0.0,
        })
    }

    /// The same history under another legend label.
    pub fn labelled(mut self, label: impl Into<String>) -> History {
        self.label = label.into();
        self
    }

    /// The last measured test accuracy, if any was measured.
    pub fn final_test_accuracy(&self) -> Option<f64> {
        self.test_accuracy.last().copied()
    }

    /// The last measured training accuracy, if any was measured.
    pub fn final_train_accuracy(&self) -> Option<f64> {
        self.train_accuracy.last().copied()
    }

    /// Wall-clock seconds per training iteration (accuracy measurements included).
    pub fn seconds_per_iteration(&self) -> f64 {
        self.seconds / self.train_loss.len().max(1) as f64
    }

    /// One line: label, final accuracies, the time it took (when measured), and where it
    /// stopped if it diverged.
    pub fn summary(&self) -> String {
        let accuracies = match (self.final_train_accuracy(), self.final_test_accuracy()) {
            (Some(train), Some(test)) => format!("train acc {train:.4}, test acc {test:.4}"),
            (Some(train), None) => format!("train acc {train:.4}"),
            _ => "no accuracy measured (iters_num < eval_interval, or it stopped first)".into(),
        };
        let mut s = format!(
            "{}: {} iterations, {accuracies}",
            self.label,
            self.train_loss.len()
        );
        if self.seconds > 0.0 {
            s.push_str(&format!(" ({:.2} s)", self.seconds));
        }
        if let Some(d) = &self.diverged {
            s.push_str(&format!(
                "; stopped at iteration {}: {}",
                d.iteration, d.reason
            ));
        }
        s
    }
}

/// Trains `net` on `data` with `optimizer` as the course's training cells do, and returns
/// the recorded [`History`]. Bad settings (including the optimizer's, and a network that
/// does not fit the data) are reported before the first step; a run that diverges stops
/// and says why in its history.
///
/// ```
/// use dl_lessons::prelude::*;
/// let data = Dataset::digits(0);
/// let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default())?;
/// let config = TrainConfig { iters_num: 50, ..Default::default() };
/// let history = train(&mut net, &data, &mut Sgd::new(0.1), &config)?;
/// assert_eq!(history.eval_iterations, vec![10, 20, 30, 40, 50]);
/// assert!(history.final_test_accuracy().unwrap() > 0.5);
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn train(
    net: &mut Sequential,
    data: &Dataset,
    optimizer: &mut dyn Optimizer,
    config: &TrainConfig,
) -> Result<History> {
    data.validate()?;
    config.validate(data)?;
    optimizer.validate()?;
    check_fit(net, data)?;
    let started = Instant::now();
    let mut rng = rng(config.seed);
    let mut history = History {
        label: format!("{}, {}", net.description(), optimizer.label()),
        train_loss: Vec::new(),
        eval_iterations: Vec::new(),
        train_accuracy: Vec::new(),
        test_accuracy: Vec::new(),
        diverged: None,
        seconds: 0.0,
    };
    let mut watch = DivergenceWatch::default();
    for i in 1..=config.iters_num {
        let (x_batch, t_batch) = data.random_batch(config.batch_size, &mut rng)?;
        let loss = net.gradient(&x_batch, &t_batch)?;
        history.train_loss.push(loss);
        let mut stop = watch.loss(loss);
        if stop.is_none() {
            optimizer.update(&mut net.params())?;
        }
        if stop.is_none() && i % config.eval_interval == 0 {
            stop = watch.weights(net);
            let train_acc = net.accuracy(&data.x_train, &data.t_train)?;
            history.eval_iterations.push(i);
            history.train_accuracy.push(train_acc);
            let test_acc = if config.measure_test {
                Some(net.accuracy(&data.x_test, &data.t_test)?)
            } else {
                None
            };
            history.test_accuracy.extend(test_acc);
            if config.verbose {
                let test = test_acc.map_or(String::new(), |a| format!(" | test acc {a:.4}"));
                println!(
                    "iteration {i:>5} | loss {loss:.4} | train acc {train_acc:.4}{test} | {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
            stop = stop.or_else(|| {
                watch.evaluation(
                    &history.train_loss[history.train_loss.len() - config.eval_interval..],
                )
            });
        }
        if let Some(reason) = stop {
            if config.verbose {
                println!("iteration {i}: {reason}; training stopped");
            }
            history.diverged = Some(Divergence {
                iteration: i,
                reason,
            });
            break;
        }
    }
    history.seconds = started.elapsed().as_secs_f64();
    Ok(history)
}

/// The signs of a run that has diverged.
#[derive(Default)]
struct DivergenceWatch {
    first_loss: Option<f64>,
    evaluations_far_above: usize,
}

impl DivergenceWatch {
    /// A loss that is not a finite number.
    fn loss(&mut self, loss: f64) -> Option<String> {
        self.first_loss.get_or_insert(loss);
        (!loss.is_finite()).then(|| format!("the loss became {loss} (try a smaller learning rate)"))
    }

    /// Weights that are not finite, or that have grown far beyond any working network's.
    fn weights(&self, net: &mut Sequential) -> Option<String> {
        // NaN wins the comparison, so it is seen
        let larger = |m: f64, v: &f64| {
            if m.is_nan() || v.is_nan() {
                f64::NAN
            } else {
                m.max(v.abs())
            }
        };
        let largest = net
            .params()
            .iter()
            .fold(0.0f64, |m, p| p.value.fold(m, larger));
        if !largest.is_finite() {
            Some(format!(
                "a weight became {largest} (try a smaller learning rate)"
            ))
        } else if largest > MAX_WEIGHT {
            Some(format!(
                "a weight grew to {largest:.3e}, past {MAX_WEIGHT:e} (try a smaller learning rate)"
            ))
        } else {
            None
        }
    }

    /// The losses since the last evaluation, three evaluations in a row at more than twice
    /// the first loss.
    fn evaluation(&mut self, recent: &[f64]) -> Option<String> {
        let first = self.first_loss?;
        let mean = recent.iter().sum::<f64>() / recent.len().max(1) as f64;
        if mean > 2.0 * first {
            self.evaluations_far_above += 1;
        } else {
            self.evaluations_far_above = 0;
        }
        (self.evaluations_far_above >= 3).then(|| {
            format!("the loss has stayed far above where it started ({mean:.3} against {first:.3}): try a smaller learning rate")
        })
    }
}

/// The network must take the data's samples and score its classes.
fn check_fit(net: &Sequential, data: &Dataset) -> Result<()> {
    if !net.accepts(data.sample_shape()) {
        return Err(Error::Geometry(format!(
            "the network takes samples of shape {:?} but the data ({}) has {:?}: build the network from this data set",
            net.input_shape(),
            data.name,
            data.sample_shape()
        )));
    }
    match net.classes() {
        Some(classes) if classes == data.classes() => Ok(()),
        other => Err(Error::Geometry(format!(
            "the network gives {} scores per sample but the data ({}) has {} classes: its last Affine layer needs {} outputs",
            other.map_or("no vector of".into(), |c| c.to_string()),
            data.name,
            data.classes(),
            data.classes()
        ))),
    }
}
