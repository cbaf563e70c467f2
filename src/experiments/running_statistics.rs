//! P31, the part the course's lesson skips: the running mean and variance a batch
//! normalisation layer keeps while training, which `Mode::Eval` uses instead of the
//! batch's own statistics.

use ndarray::{s, Array1, Array2, Axis, Ix2};

use crate::data::Dataset;
use crate::error::{count_in, unit_interval, Result};
use crate::init::rng;
use crate::layers::{BatchNormalization, Layer, Mode};
use crate::table::Table;

/// What a batch-normalisation layer over the digits' pixels kept while it saw mini-batches.
#[derive(Clone, Debug)]
pub struct RunningStatistics {
    /// The pixels (features) followed.
    pub features: Vec<usize>,
    /// The running-average momentum (the course's 0.9).
    pub momentum: f64,
    /// Per followed feature, its running mean after each mini-batch.
    pub running_mean: Vec<Vec<f64>>,
    /// Per followed feature, its running variance after each mini-batch.
    pub running_var: Vec<Vec<f64>>,
    /// Per followed feature, its mean and variance over the whole training set.
    pub data_mean: Vec<f64>,
    /// See `data_mean`.
    pub data_var: Vec<f64>,
    /// The first five samples of one more mini-batch normalised in `Mode::Train` (with the
    /// batch's own mean and variance), the followed features only.
    pub train_output: Array2<f64>,
    /// The same samples normalised in `Mode::Eval` (with the running statistics).
    pub eval_output: Array2<f64>,
}

impl RunningStatistics {
    /// The same samples normalised both ways, side by side: in training the batch's own
    /// statistics, in inference the running ones.
    pub fn output_table(&self) -> Table {
        let mut header = vec!["sample".to_string()];
        for f in &self.features {
            header.push(format!("pixel {f}, Mode::Train"));
            header.push(format!("pixel {f}, Mode::Eval"));
        }
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut table = Table::new(
            "one mini-batch normalised with its own statistics and with the running ones",
            &header,
        );
        for (i, (train, eval)) in self
            .train_output
            .rows()
            .into_iter()
            .zip(self.eval_output.rows())
            .enumerate()
        {
            let mut row = vec![i.to_string()];
            for (t, e) in train.iter().zip(eval.iter()) {
                row.push(format!("{t:.4}"));
                row.push(format!("{e:.4}"));
            }
            table.push(row);
        }
        table
    }
}

/// Feeds `batches` random mini-batches of 100 training digits (64 pixels) through a
/// `BatchNormalization` layer (γ = 1, β = 0) in `Mode::Train`, recording the running mean and
/// variance of three pixels, then normalises one more batch in both modes.
///
/// ```
/// use dl_lessons::prelude::*;
/// let stats = running_statistics(&Dataset::digits(0), 0.9, 60, 0)?;
/// let (trace, target) = (&stats.running_mean[0], stats.data_mean[0]);
/// assert!((trace[0] - 0.1 * target).abs() < 0.1 * target); // starts from 0: 0.9·0 + 0.1·μ
/// assert!((trace[59] - target).abs() < 0.1 * target); // close after 60 batches
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn running_statistics(
    data: &Dataset,
    momentum: f64,
    batches: usize,
    seed: u64,
) -> Result<RunningStatistics> {
    unit_interval("momentum", momentum)?;
    count_in("batches", batches, 10_000, "each is a point of the chart")?;
    let x = data
        .x_train
        .view()
        .into_shape_with_order((data.train_size(), data.input_size()))?;
    let features = vec![20, 36, 44]
        .into_iter()
        .filter(|&f| f < x.ncols())
        .collect::<Vec<_>>();
    let d = x.ncols();
    let mut bn = BatchNormalization::new(Array1::ones(d), Array1::zeros(d), momentum)?;
    let mut rng = rng(seed);
    let (mut running_mean, mut running_var) = (
        vec![Vec::new(); features.len()],
        vec![Vec::new(); features.len()],
    );
    let flat = data.clone().flattened();
    for _ in 0..batches {
        let (batch, _) = flat.random_batch(100.min(flat.train_size()), &mut rng)?;
        bn.forward(&batch, Mode::Train)?;
        let (mean, var) = (
            bn.running_mean().expect("trained"),
            bn.running_var().expect("trained"),
        );
        for (k, &f) in features.iter().enumerate() {
            running_mean[k].push(mean[f]);
            running_var[k].push(var[f]);
        }
    }
    let data_mean: Vec<f64> = features
        .iter()
        .map(|&f| x.column(f).mean().unwrap_or(0.0))
        .collect();
    let data_var: Vec<f64> = features.iter().map(|&f| x.column(f).var(0.0)).collect();
    let (batch, _) = flat.random_batch(100.min(flat.train_size()), &mut rng)?;
    let pick = |out: ndarray::ArrayD<f64>| -> Result<Array2<f64>> {
        let out = out.into_dimensionality::<Ix2>()?;
        Ok(out
            .slice(s![..5.min(out.nrows()), ..])
            .select(Axis(1), &features))
    };
    let eval_output = pick(bn.forward(&batch, Mode::Eval)?)?; // before the training pass moves the averages
    let train_output = pick(bn.forward(&batch, Mode::Train)?)?;
    Ok(RunningStatistics {
        features,
        momentum,
        running_mean,
        running_var,
        data_mean,
        data_var,
        train_output,
        eval_output,
    })
}
