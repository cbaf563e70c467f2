//! P28: why all weights must not start at 0.

use ndarray::{Array1, Array2, Axis};

use crate::data::Dataset;
use crate::error::{count_in, Result};
use crate::functions::Activation;
use crate::init::Init;
use crate::net::{MultiLayerNet, MultiLayerNetConfig};
use crate::optim::Sgd;
use crate::table::Table;
use crate::train::{train, TrainConfig};

/// Trains a 64-`hidden_size`-10 sigmoid network whose weights all start at 0 for
/// `steps` SGD steps (lr 0.1), then compares the hidden units' incoming weights: every
/// unit receives the same gradient, so all columns of W1 stay identical.
///
/// ```
/// use dl_lessons::prelude::*;
/// let table = zero_init_experiment(&Dataset::digits(0), 5, 100).unwrap();
/// assert_eq!(table.rows.len(), 5);
/// assert_eq!(table.rows[4][4], "0"); // unit 5 equals unit 1 exactly
/// ```
pub fn zero_init_experiment(data: &Dataset, hidden_size: usize, steps: usize) -> Result<Table> {
    count_in(
        "hidden_size",
        hidden_size,
        100,
        "the table has a row per unit",
    )?;
    count_in(
        "steps",
        steps,
        100_000,
        "each step trains the whole network once",
    )?;
    let config = MultiLayerNetConfig {
        hidden_sizes: vec![hidden_size],
        activation: Activation::Sigmoid,
        init: Init::Zeros,
        ..Default::default()
    };
    let mut net = MultiLayerNet::new(data, config)?;
    let train_config = TrainConfig {
        iters_num: steps,
        ..Default::default()
    };
    let history = train(&mut net, data, &mut Sgd::new(0.1), &train_config)?;
    let w1: Array2<f64> = net.params()[0].value.to_owned().into_dimensionality()?;
    let reference: Array1<f64> = w1.column(0).to_owned();
    let mut table = Table::new(
        format!(
            "P28: hidden units after {steps} SGD steps from all-zero weights ({})",
            history
                .final_test_accuracy()
                .map_or("no accuracy measured".into(), |a| format!(
                    "test acc {a:.3}"
                ))
        ),
        &[
            "unit",
            "W1[20, unit]",
            "W1[36, unit]",
            "Σ|W1[:, unit]|",
            "max |W1[:, unit] − W1[:, 1]|",
        ],
    );
    for (j, column) in w1.axis_iter(Axis(1)).enumerate() {
        let diff = (&column - &reference)
            .mapv(f64::abs)
            .fold(0.0f64, |m, &v| m.max(v));
        table.push(vec![
            format!("{}", j + 1),
            format!("{:+.6}", column[20]),
            format!("{:+.6}", column[36]),
            format!("{:.6}", column.mapv(f64::abs).sum()),
            format!("{diff}"),
        ]);
    }
    Ok(table)
}
