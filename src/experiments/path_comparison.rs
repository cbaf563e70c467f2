//! Two optimizers' paths side by side, step by step: the check of an optimizer written by
//! hand against the library's.

use crate::error::Result;
use crate::optim::Trajectory;
use crate::table::Table;

/// The two paths step by step (at most the first 12 steps shown), titled "same path" when
/// every point agrees to 1e-12, otherwise with the first step where they part.
///
/// ```
/// use dl_lessons::prelude::*;
/// let a = trajectory(&mut Sgd::new(0.1), (-7.0, 2.0), 5)?;
/// let b = trajectory(&mut Sgd::new(0.2), (-7.0, 2.0), 5)?;
/// assert!(path_comparison("mine", &a, "library", &a)?.title.starts_with("same path"));
/// assert!(path_comparison("0.1", &a, "0.2", &b)?.title.starts_with("the paths part at step 1"));
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn path_comparison(
    label_a: &str,
    a: &Trajectory,
    label_b: &str,
    b: &Trajectory,
) -> Result<Table> {
    let distance = |p: (f64, f64), q: (f64, f64)| (p.0 - q.0).hypot(p.1 - q.1);
    let steps = a.len().max(b.len());
    let parted = (0..steps).find(|&k| match (a.get(k), b.get(k)) {
        (Some(&p), Some(&q)) => distance(p, q).is_nan() || distance(p, q) > 1e-12,
        _ => true,
    });
    let title = match parted {
        None => format!("same path: {label_a} and {label_b} agree at all {steps} points"),
        Some(k) => {
            format!("the paths part at step {k}: {label_a} and {label_b} differ from there on")
        }
    };
    let mut table = Table::new(title, &["step", label_a, label_b, "distance"]);
    let point = |p: Option<&(f64, f64)>| {
        p.map_or("(stopped)".into(), |p| format!("({:.6}, {:.6})", p.0, p.1))
    };
    for k in 0..steps.min(12) {
        let d = match (a.get(k), b.get(k)) {
            (Some(&p), Some(&q)) => format!("{:.2e}", distance(p, q)),
            _ => String::new(),
        };
        let row = vec![k.to_string(), point(a.get(k)), point(b.get(k)), d];
        if Some(k) == parted {
            table.push_colored(row, "#f4cccc");
        } else {
            table.push(row);
        }
    }
    Ok(table)
}
