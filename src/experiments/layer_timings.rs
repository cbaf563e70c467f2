//! Where the time of one training step goes, layer by layer.

use std::time::Instant;

use ndarray::{Array1, ArrayD, Ix2};

use crate::error::{count_in, Error, Result};
use crate::layers::{Mode, SoftmaxWithLoss};
use crate::net::Sequential;
use crate::table::Table;

/// Milliseconds each layer of `net` takes, forward and backward, on a training step with
/// `x` and `t` (the median of `repeats` steps, at most 100).
pub fn layer_timings(
    net: &mut Sequential,
    x: &ArrayD<f64>,
    t: &Array1<usize>,
    repeats: usize,
) -> Result<Table> {
    count_in("repeats", repeats, 100, "each repeat is a training step")?;
    net.loss(x, t, Mode::Train)?; // checks x and t before any timing
    let count = net.layers().len();
    let (mut forward, mut backward) = (vec![Vec::new(); count], vec![Vec::new(); count]);
    let mut last_layer = SoftmaxWithLoss::new();
    for _ in 0..repeats {
        let mut out = x.clone();
        for (k, layer) in net.layers_mut().iter_mut().enumerate() {
            let start = Instant::now();
            out = layer.forward(&out, Mode::Train)?;
            forward[k].push(start.elapsed().as_secs_f64() * 1e3);
        }
        let scores = out.into_dimensionality::<Ix2>().map_err(|_| {
            Error::Geometry("the last layer should give scores (N, classes)".into())
        })?;
        last_layer.forward(&scores, t)?;
        let mut dout = last_layer.backward()?.into_dyn();
        for (k, layer) in net.layers_mut().iter_mut().enumerate().rev() {
            let start = Instant::now();
            dout = layer.backward(&dout)?;
            backward[k].push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut table = Table::new(
        format!(
            "{}: milliseconds per layer, batch of {}",
            net.description(),
            x.shape()[0]
        ),
        &["layer", "forward ms", "backward ms"],
    );
    let mut total = 0.0;
    for (k, (f, b)) in forward.into_iter().zip(backward).enumerate() {
        let (f, b) = (median(f), median(b));
        total += f + b;
        table.push(vec![
            format!("{} {}", k + 1, net.layers()[k].name()),
            format!("{f:.2}"),
            format!("{b:.2}"),
        ]);
    }
    table.push(vec![
        "all layers, forward + backward".into(),
        String::new(),
        format!("{total:.2}"),
    ]);
    Ok(table)
}
