//! P12: the chain rule on z = t², t = x + y.

use ndarray::array;

use crate::functions::numerical_gradient;
use crate::table::Table;

/// dz/dx for z = t², t = x + y: the chain rule gives dz/dt · dt/dx = 2t · 1 = 2(x + y);
/// the table sets it beside the central-difference value at (x, y).
///
/// ```
/// use dl_lessons::experiments::chain_rule_check;
/// let table = chain_rule_check(1.0, 2.0);
/// assert_eq!(table.rows[1][1], "6");
/// ```
pub fn chain_rule_check(x: f64, y: f64) -> Table {
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
    table
}
