//! Section 1-1: ReLU outputs exact zeros, so only part of a layer is active for a sample.

use ndarray::ArrayD;

use crate::error::Result;
use crate::net::Sequential;
use crate::table::Table;

/// For each ReLU layer of `net`, the fraction of its outputs for `x` (inference mode) that
/// are exactly 0, and the fraction of units that are 0 for every sample (dead).
///
/// ```
/// use dl_lessons::prelude::*;
/// let data = Dataset::digits(0);
/// let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default())?;
/// let table = relu_sparsity(&mut net, &data.x_test)?;
/// assert_eq!(table.rows.len(), 2); // the two hidden layers
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn relu_sparsity(net: &mut Sequential, x: &ArrayD<f64>) -> Result<Table> {
    let outputs = net.layer_outputs(x)?;
    let mut table = Table::new(
        format!(
            "{}: ReLU outputs that are exactly 0, over {} samples",
            net.description(),
            x.shape()[0]
        ),
        &[
            "layer",
            "units",
            "outputs exactly 0",
            "units 0 for every sample",
        ],
    );
    for (k, (layer, out)) in net.layers().iter().zip(&outputs).enumerate() {
        if layer.name() != "Relu" {
            continue;
        }
        let samples = out.shape()[0].max(1);
        let units = out.len() / samples;
        let zeros = out.iter().filter(|&&v| v == 0.0).count();
        let flat = out.to_shape((samples, units))?;
        let dead = flat
            .columns()
            .into_iter()
            .filter(|c| c.iter().all(|&v| v == 0.0))
            .count();
        table.push(vec![
            format!("{} Relu", k + 1),
            units.to_string(),
            format!("{:.1}%", 100.0 * zeros as f64 / out.len().max(1) as f64),
            format!("{:.1}%", 100.0 * dead as f64 / units.max(1) as f64),
        ]);
    }
    Ok(table)
}
