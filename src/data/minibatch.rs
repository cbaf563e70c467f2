//! P36: mini-batches as consecutive slices `data_x[i:i_end]`, `data_t[i:i_end]`.

use ndarray::{s, Array1, Array2, Axis};
use rand::seq::SliceRandom;

use crate::error::{at_least_one, Error, Result};
use crate::init::rng;
use crate::table::Table;

/// The `(i, i_end)` ranges that cut `len` samples into batches of `batch_size` (the last
/// one may be shorter), as the course's loop `for i in range(0, len, batch_size)` does.
///
/// ```
/// use dl_lessons::data::batch_ranges;
/// assert_eq!(batch_ranges(10, 4).unwrap(), vec![(0, 4), (4, 8), (8, 10)]);
/// ```
pub fn batch_ranges(len: usize, batch_size: usize) -> Result<Vec<(usize, usize)>> {
    at_least_one("batch_size", batch_size)?;
    Ok((0..len)
        .step_by(batch_size)
        .map(|i| (i, (i + batch_size).min(len)))
        .collect())
}

/// The mini-batches of `(data_x, data_t)`: slices `data_x[i..i_end]`, `data_t[i..i_end]`,
/// after shuffling the samples with `shuffle_seed` when one is given.
///
/// ```
/// use dl_lessons::{data::minibatches, ndarray::{array, Array2}};
/// let x = Array2::from_shape_fn((5, 2), |(i, j)| (10 * i + j) as f64);
/// let t = array![0, 1, 2, 3, 4];
/// let batches = minibatches(&x, &t, 2, None).unwrap();
/// assert_eq!(batches.len(), 3);
/// assert_eq!(batches[1].1, array![2, 3]);
/// assert_eq!(batches[2].0, array![[40.0, 41.0]]);
/// ```
#[allow(clippy::type_complexity)]
pub fn minibatches(
    data_x: &Array2<f64>,
    data_t: &Array1<usize>,
    batch_size: usize,
    shuffle_seed: Option<u64>,
) -> Result<Vec<(Array2<f64>, Array1<usize>)>> {
    if data_x.nrows() != data_t.len() {
        return Err(Error::Geometry(format!(
            "data_x has {} rows but data_t has {} labels",
            data_x.nrows(),
            data_t.len()
        )));
    }
    let (x, t) = match shuffle_seed {
        None => (data_x.clone(), data_t.clone()),
        Some(seed) => {
            let mut order: Vec<usize> = (0..data_t.len()).collect();
            order.shuffle(&mut rng(seed));
            (
                data_x.select(Axis(0), &order),
                data_t.select(Axis(0), &order),
            )
        }
    };
    Ok(batch_ranges(t.len(), batch_size)?
        .into_iter()
        .map(|(i, i_end)| {
            (
                x.slice(s![i..i_end, ..]).to_owned(),
                t.slice(s![i..i_end]).to_owned(),
            )
        })
        .collect())
}

/// The mini-batches as a table: batch number, `i..i_end`, the labels and the rows.
pub fn minibatch_table(
    data_x: &Array2<f64>,
    data_t: &Array1<usize>,
    batch_size: usize,
    shuffle_seed: Option<u64>,
) -> Result<Table> {
    let batches = minibatches(data_x, data_t, batch_size, shuffle_seed)?;
    let ranges = batch_ranges(data_t.len(), batch_size)?;
    let title = match shuffle_seed {
        None => format!("data_x[i:i_end], data_t[i:i_end] with batch_size = {batch_size}"),
        Some(seed) => format!("batch_size = {batch_size}, samples shuffled first (seed {seed})"),
    };
    let mut table = Table::new(
        title,
        &["batch", "i..i_end", "data_t[i:i_end]", "data_x[i:i_end]"],
    );
    for (k, ((x, t), (i, i_end))) in batches.iter().zip(ranges).enumerate() {
        let rows: Vec<String> = x.rows().into_iter().map(|r| format!("{r}")).collect();
        table.push(vec![
            format!("{}", k + 1),
            format!("{i}..{i_end}"),
            format!("{t}"),
            rows.join(" "),
        ]);
    }
    Ok(table)
}
