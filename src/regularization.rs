//! Weight decay: the L2 and L1 penalties of the overfitting lesson (P69, P71).
//!
//! L2 adds ½·λ·ΣW² to the loss and λ·W to ∂L/∂W; L1 adds λ·Σ|W| and λ·sign(W).
//! Applied to every weight matrix (not to biases), output layer included.

use ndarray::{ArrayBase, ArrayViewMut, Data, Dimension, Zip};

use crate::error::{non_negative, Result};
use crate::table::decimal;

/// Which penalty a weight carries, with its strength λ (`weight_decay_lambda`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum WeightDecay {
    /// No penalty.
    #[default]
    None,
    /// ½·λ·ΣW², gradient λ·W (Ridge, "weight decay").
    L2(f64),
    /// λ·Σ|W|, gradient λ·sign(W) (Lasso: drives weights to exactly 0).
    L1(f64),
}

impl WeightDecay {
    /// Rejects a negative or non-finite λ.
    pub fn validate(self) -> Result<Self> {
        match self {
            WeightDecay::None => Ok(self),
            WeightDecay::L2(lambda) | WeightDecay::L1(lambda) => {
                non_negative("weight_decay_lambda", lambda).map(|_| self)
            }
        }
    }

    /// The term added to the loss for the weights `w`.
    ///
    /// ```
    /// use dl_lessons::{regularization::WeightDecay, ndarray::array};
    /// let w = array![[1.0, -2.0]];
    /// assert_eq!(WeightDecay::L2(0.1).penalty(&w), 0.5 * 0.1 * 5.0);
    /// assert_eq!(WeightDecay::L1(0.1).penalty(&w), 0.1 * 3.0);
    /// ```
    pub fn penalty<S: Data<Elem = f64>, D: Dimension>(self, w: &ArrayBase<S, D>) -> f64 {
        match self {
            WeightDecay::None => 0.0,
            WeightDecay::L2(lambda) => 0.5 * lambda * w.iter().map(|v| v * v).sum::<f64>(),
            WeightDecay::L1(lambda) => lambda * w.iter().map(|v| v.abs()).sum::<f64>(),
        }
    }

    /// Adds the penalty's gradient to `dw`: λ·W (L2) or λ·sign(W) (L1, with sign(0) = 0).
    pub fn add_gradient<'a, S, D>(
        self,
        dw: impl Into<ArrayViewMut<'a, f64, D>>,
        w: &ArrayBase<S, D>,
    ) where
        S: Data<Elem = f64>,
        D: Dimension,
    {
        let dw = dw.into();
        match self {
            WeightDecay::None => {}
            WeightDecay::L2(lambda) => Zip::from(dw).and(w).for_each(|d, &v| *d += lambda * v),
            WeightDecay::L1(lambda) => Zip::from(dw)
                .and(w)
                .for_each(|d, &v| *d += lambda * sign(v)),
        }
    }
}

/// numpy's `sign`: −1, 0 or 1.
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The P69/P71 example challenge on a small array: each weight beside the gradient term
/// L2 adds (`grad += lambda * param`) and the one L1 adds (`lambda * np.sign(param)`).
///
/// ```
/// use dl_lessons::{ndarray::array, regularization::penalty_gradients};
/// let table = penalty_gradients(&array![[0.5, -2.0, 1.5]], 0.1).unwrap();
/// assert_eq!(table.rows[1], vec!["[0, 1]", "-2", "-0.2", "-0.1"]);
/// assert_eq!(table.rows[2], vec!["[0, 2]", "1.5", "0.15", "0.1"]); // not 0.15000000000000002
/// ```
pub fn penalty_gradients(
    param: &ndarray::Array2<f64>,
    weight_decay_lambda: f64,
) -> Result<crate::table::Table> {
    non_negative("weight_decay_lambda", weight_decay_lambda)?;
    let mut table = crate::table::Table::new(
        format!("gradient terms added to each weight, weight_decay_lambda = {weight_decay_lambda}"),
        &[
            "index",
            "param",
            "L2: lambda * param",
            "L1: lambda * sign(param)",
        ],
    );
    for ((i, j), &w) in param.indexed_iter() {
        table.push(vec![
            format!("[{i}, {j}]"),
            decimal(w),
            decimal(weight_decay_lambda * w),
            decimal(weight_decay_lambda * sign(w)),
        ]);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn gradient_terms_follow_the_formulas() {
        let w = array![[0.5, -2.0, 0.0]];
        let mut dw = array![[1.0, 1.0, 1.0]];
        WeightDecay::L2(0.1).add_gradient(&mut dw, &w);
        assert_eq!(dw, array![[1.05, 0.8, 1.0]]);
        let mut dw = array![[1.0, 1.0, 1.0]];
        WeightDecay::L1(0.1).add_gradient(&mut dw, &w);
        assert_eq!(dw, array![[1.1, 0.9, 1.0]]);
    }

    #[test]
    fn negative_lambda_is_rejected() {
        let e = WeightDecay::L2(-0.1).validate().unwrap_err().to_string();
        assert_eq!(
            e,
            "weight_decay_lambda = -0.1: must be a finite number >= 0"
        );
    }
}
