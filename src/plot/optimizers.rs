//! Charts of Lesson 2: learning rates on a bowl, optimizer paths on the book's valley.

use super::figure::Figure;
use super::palette::{color, BLACK, LIGHT_GRAY};
use super::panel::{Legend, LineChart, Note, Panel, Series};
use crate::error::{Error, Result};
use crate::experiments::{bowl, two_minima, Descent};
use crate::optim::{valley, Trajectory};

/// A panel of a one-dimensional descent: the function `f` and the positions `xs` on it.
fn descent_panel(title: String, f: fn(f64) -> f64, xs: &[f64], range: Option<(f64, f64)>) -> Panel {
    let last = xs.last().copied().unwrap_or(0.0);
    let (lo, hi) = range.unwrap_or_else(|| {
        let reach = xs
            .iter()
            .filter(|x| x.is_finite())
            .fold(1.0f64, |m, x| m.max(x.abs()))
            .min(1e6)
            * 1.1;
        (-reach, reach)
    });
    let curve = (0..=200)
        .map(|i| lo + (hi - lo) * i as f64 / 200.0)
        .map(|x| (x, f(x)))
        .collect();
    let mut chart = LineChart::new(title, "x", "f(x)");
    chart.series.push(Series::background(curve, color(7)));
    chart.series.push(
        Series::new(
            format!("{} steps, x = {last:.3e}", xs.len().saturating_sub(1)),
            xs.iter().map(|&x| (x, f(x))).collect(),
            color(3),
        )
        .with_markers(),
    );
    if let Some(&start) = xs.first() {
        chart.notes.push(Note {
            at: (start, f(start)),
            text: "start".into(),
            color: color(2),
        });
    }
    chart.legend = Legend::UpperRight;
    Panel::Line(chart)
}

/// One panel per learning rate: the bowl f(x) = x² and the descent's positions on it.
pub fn learning_rate_chart(runs: &[(f64, Vec<f64>)]) -> Result<Figure> {
    if runs.is_empty() {
        return Err(Error::param(
            "runs",
            "[]",
            "give at least one learning rate",
        ));
    }
    let panels: Vec<Panel> = runs
        .iter()
        .map(|(lr, xs)| {
            let factor = 1.0 - 2.0 * lr;
            let verdict = match factor.abs() {
                f if f < 1e-12 => "one step to the minimum",
                f if f < 1.0 && factor > 0.0 => "slides down",
                f if f < 1.0 => "jumps across, converges",
                1.0 => "bounces for ever",
                _ => "diverges",
            };
            descent_panel(format!("lr = {lr}: {verdict}"), bowl, xs, None)
        })
        .collect();
    let text = runs
        .iter()
        .map(|(lr, xs)| {
            format!(
                "lr {lr}: x after {} steps = {:.4e}",
                xs.len().saturating_sub(1),
                xs.last().copied().unwrap_or(0.0)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Figure::from_panels(panels, 3, (380, 320), text)
}

/// One panel per descent on f(x) = x⁴ − 3x² + x (a local minimum near 1.13, the global one
/// near −1.30), titled with its settings and where it ended.
pub fn local_minimum_chart(runs: &[Descent]) -> Result<Figure> {
    if runs.is_empty() {
        return Err(Error::param("runs", "[]", "give at least one descent"));
    }
    let panels = runs
        .iter()
        .map(|run| {
            let title = format!(
                "lr {}, momentum {}: {}",
                run.lr,
                run.momentum,
                run.verdict()
            );
            descent_panel(title, two_minima, &run.xs, Some((-2.2, 2.3)))
        })
        .collect();
    let text = runs
        .iter()
        .map(|r| {
            format!(
                "lr {} momentum {}: x = {:.4} ({})",
                r.lr,
                r.momentum,
                r.xs.last().copied().unwrap_or(f64::NAN),
                r.verdict()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Figure::from_panels(panels, 3, (380, 320), text)
}

/// Contour lines x²/20 + y² = c of the valley (ellipses), for the path panels.
fn valley_contours() -> Vec<Series> {
    [0.05, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0]
        .iter()
        .map(|&c: &f64| {
            let points = (0..=120)
                .map(|i| std::f64::consts::TAU * i as f64 / 120.0)
                .map(|a| ((20.0 * c).sqrt() * a.cos(), c.sqrt() * a.sin()))
                .collect();
            Series::background(points, LIGHT_GRAY)
        })
        .collect()
}

/// The book's optimizer_compare_naive figure: one panel per optimizer, its path (red dots)
/// over the contour lines of f(x, y) = x²/20 + y², the start and the minimum (0, 0) marked.
pub fn optimizer_paths(paths: &[(String, Trajectory)]) -> Result<Figure> {
    if paths.is_empty() {
        return Err(Error::param(
            "paths",
            "[]",
            "give at least one optimizer path",
        ));
    }
    let panels: Vec<Panel> = paths
        .iter()
        .map(|(label, path)| {
            let mut chart = LineChart::new(label.clone(), "x", "y");
            chart.x_range = Some((-10.0, 10.0));
            chart.y_range = Some((-5.0, 5.0));
            chart.series = valley_contours();
            chart
                .series
                .push(Series::new("path", path.clone(), color(3)).with_markers());
            if let Some(&start) = path.first() {
                chart.notes.push(Note {
                    at: start,
                    text: "start".into(),
                    color: color(2),
                });
            }
            chart.notes.push(Note {
                at: (0.0, 0.0),
                text: "min".into(),
                color: BLACK,
            });
            chart.legend = Legend::None;
            Panel::Line(chart)
        })
        .collect();
    let text = paths
        .iter()
        .map(|(label, path)| {
            let (x, y) = path.last().copied().unwrap_or((f64::NAN, f64::NAN));
            format!(
                "{label}: {} points, last ({x:.3}, {y:.3}), f = {:.4}",
                path.len(),
                valley(x, y)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Figure::from_panels(panels, 3, (400, 300), text)
}
