//! P12: the chain rule on z = t², t = x + y.

use ndarray::array;

use crate::error::{Error, Result};
use crate::functions::numerical_gradient;
use crate::table::Table;

/// The largest |x| and |y| the check takes: (x + y)² must stay a finite f64.
const MAX_INPUT: f64 = 1e150;

/// dz/dx for z = t², t = x + y: the chain rule gives dz/dt · dt/dx = 2t · 1 = 2(x + y);
/// the table sets it beside the central-difference value at (x, y). `x` and `y` must be
/// finite with |x|, |y| ≤ 1e150, so that z stays a finite number.
///
/// ```
/// use dl_lessons::experiments::chain_rule_check;
/// let table = chain_rule_check(1.0, 2.0)?;
/// assert_eq!(table.rows[1][1], "6");
/// assert!(chain_rule_check(f64::NAN, 2.0).is_err());
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn chain_rule_check(x: f64, y: f64) -> Result<Table> {
    for (name, value) in [("x", x), ("y", y)] {
        if !value.is_finite() || value.abs() > MAX_INPUT {
            return Err(Error::param(
                name,
                crate::error::number(value),
                "must be a finite number with |value| <= 1e150 (so (x + y)² stays finite)",
            ));
        }
    }
    let z = |x: f64, y: f64| (x + y).powi(2);
    let analytic = 2.0 * (x + y);
    let numeric = numerical_gradient(|v| z(v[0], y), &array![x])[0];
    let mut table = Table::new(
        format!("P12: z = t², t = x + y at x = {x}, y = {y}"),
        &["quantity", "value"],
    );
    table.push(vec!["z = (x + y)²".into(), format!("{}", z(x, y))]);
    table.push(vec![
        "dz/dx = 2(x + y) (chain rule)".into(),
        format!("{analytic}"),
    ]);
    table.push(vec![
        "dz/dx by central difference".into(),
        format!("{numeric:.10}"),
    ]);
    table.push(vec![
        "difference".into(),
        format!("{:.1e}", (analytic - numeric).abs()),
    ]);
    Ok(table)
}
