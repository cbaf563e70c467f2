//! P68: why L1 regularisation gives sparse weights and L2 does not.
//!
//! Minimising E(w) + λ·‖w‖ is the same as minimising E(w) inside a region ‖w‖ ≤ r. For two
//! weights the L2 region is a circle and the L1 region a diamond; the constrained optimum is
//! where the loss's contour first touches the region, which for the diamond is usually a
//! corner, on an axis: one weight exactly 0.

use crate::error::{positive, Error, Result};

/// The quadratic loss E(w) = (w₁ − a)² + 4·(w₂ − b)² around the unregularised optimum (a, b).
pub fn quadratic_loss(w: (f64, f64), optimum: (f64, f64)) -> f64 {
    (w.0 - optimum.0).powi(2) + 4.0 * (w.1 - optimum.1).powi(2)
}

/// The optima of E inside the L1 diamond and the L2 circle of radius `radius`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintGeometry {
    /// The unregularised optimum (a, b).
    pub optimum: (f64, f64),
    /// The radius r of both regions.
    pub radius: f64,
    /// The best point with |w₁| + |w₂| ≤ r.
    pub l1_optimum: (f64, f64),
    /// The best point with w₁² + w₂² ≤ r².
    pub l2_optimum: (f64, f64),
}

/// Points on the boundary |w₁| + |w₂| = r, corners included exactly.
fn diamond(radius: f64, per_side: usize) -> Vec<(f64, f64)> {
    let corners = [
        (radius, 0.0),
        (0.0, radius),
        (-radius, 0.0),
        (0.0, -radius),
        (radius, 0.0),
    ];
    let mut points = Vec::with_capacity(4 * per_side + 1);
    for pair in corners.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        for i in 0..per_side {
            let t = i as f64 / per_side as f64;
            points.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
        }
    }
    points.push(corners[0]);
    points
}

/// Points on the circle of radius r.
fn circle(radius: f64, n: usize) -> Vec<(f64, f64)> {
    (0..=n)
        .map(|i| std::f64::consts::TAU * i as f64 / n as f64)
        .map(|a| (radius * a.cos(), radius * a.sin()))
        .collect()
}

fn best(points: &[(f64, f64)], optimum: (f64, f64)) -> (f64, f64) {
    points
        .iter()
        .copied()
        .min_by(|p, q| quadratic_loss(*p, optimum).total_cmp(&quadratic_loss(*q, optimum)))
        .unwrap_or((0.0, 0.0))
}

/// The constrained optima for the loss centred at `optimum` and regions of `radius`
/// (found on a fine sampling of each boundary; the optimum lies on the boundary whenever
/// `optimum` is outside the region).
///
/// ```
/// use dl_lessons::experiments::constraint_geometry;
/// let g = constraint_geometry((2.5, 0.3), 1.0).unwrap();
/// assert_eq!(g.l1_optimum, (1.0, 0.0)); // a corner of the diamond: w₂ is exactly 0
/// assert!(g.l2_optimum.1 > 0.1);        // the circle keeps both weights
/// ```
pub fn constraint_geometry(optimum: (f64, f64), radius: f64) -> Result<ConstraintGeometry> {
    positive("radius", radius)?;
    if !(optimum.0.is_finite() && optimum.1.is_finite()) {
        return Err(Error::param(
            "optimum",
            format!("{optimum:?}"),
            "needs finite coordinates",
        ));
    }
    if optimum.0.abs() + optimum.1.abs() <= radius {
        return Err(Error::param(
            "optimum",
            format!("{optimum:?}"),
            format!(
                "must lie outside the L1 region of radius {radius}, or the constraint does nothing"
            ),
        ));
    }
    Ok(ConstraintGeometry {
        optimum,
        radius,
        l1_optimum: best(&diamond(radius, 2000), optimum),
        l2_optimum: best(&circle(radius, 8000), optimum),
    })
}

impl ConstraintGeometry {
    /// The diamond's boundary, for drawing.
    pub fn diamond(&self) -> Vec<(f64, f64)> {
        diamond(self.radius, 1)
    }

    /// The circle's boundary, for drawing.
    pub fn circle(&self) -> Vec<(f64, f64)> {
        circle(self.radius, 200)
    }
}
