//! Charts of training runs: accuracy curves, comparisons, loss curves and the batch-norm
//! sweep grid.

use std::borrow::Borrow;

use super::figure::Figure;
use super::palette::color;
use super::panel::{Legend, LineChart, Note, Panel, Series};
use crate::error::{Error, Result};
use crate::experiments::{BatchNormRun, RunningStatistics};
use crate::train::History;

fn points(iterations: &[usize], values: &[f64]) -> Vec<(f64, f64)> {
    iterations
        .iter()
        .zip(values)
        .map(|(&i, &v)| (i as f64, v))
        .collect()
}

fn divergence_note(history: &History, chart: &mut LineChart) {
    if let Some(d) = &history.diverged {
        chart.notes.push(Note {
            at: (d.iteration as f64, 0.05),
            text: format!("stopped at iteration {}: {}", d.iteration, d.reason),
            color: color(3),
        });
    }
}

fn x_range(histories: &[&History]) -> (f64, f64) {
    let last = histories
        .iter()
        .map(|h| h.train_loss.len())
        .max()
        .unwrap_or(1);
    (0.0, last.max(1) as f64)
}

/// One run's training and test accuracy on a 0..1 axis, with its divergence marked.
fn accuracy_panel(history: &History, x_range: (f64, f64)) -> Panel {
    let mut chart = LineChart::new(history.label.clone(), "iterations", "accuracy");
    chart.y_range = Some((0.0, 1.0));
    chart.x_range = Some(x_range);
    chart.series.push(Series::new(
        "training set",
        points(&history.eval_iterations, &history.train_accuracy),
        color(0),
    ));
    if !history.test_accuracy.is_empty() {
        chart.series.push(Series::new(
            "test set",
            points(&history.eval_iterations, &history.test_accuracy),
            color(1),
        ));
    }
    chart.legend = Legend::LowerRight;
    divergence_note(history, &mut chart);
    Panel::Line(chart)
}

/// Train and test accuracy of one run over the iterations (the course's `accuracy` plot,
/// y from 0 to 1, x at the iterations where they were measured).
pub fn accuracy_curves(history: &History) -> Result<Figure> {
    let panel = accuracy_panel(history, x_range(&[history]));
    Figure::from_panels(vec![panel], 1, (680, 400), history.summary())
}

/// One panel per run with its training and test accuracy (for learning-rate sweeps).
pub fn accuracy_grid<H: Borrow<History>>(histories: &[H]) -> Result<Figure> {
    let histories: Vec<&History> = histories.iter().map(Borrow::borrow).collect();
    if histories.is_empty() {
        return Err(Error::param("histories", "[]", "give at least one History"));
    }
    let x = x_range(&histories);
    let panels: Vec<Panel> = histories.iter().map(|h| accuracy_panel(h, x)).collect();
    let text = histories
        .iter()
        .map(|h| h.summary())
        .collect::<Vec<_>>()
        .join("\n");
    Figure::from_panels(panels, 3, (400, 300), text)
}

/// Several runs side by side: test accuracy (left) and training accuracy (right), one
/// colour per run.
pub fn accuracy_comparison<H: Borrow<History>>(histories: &[H]) -> Result<Figure> {
    let histories: Vec<&History> = histories.iter().map(Borrow::borrow).collect();
    if histories.is_empty() {
        return Err(Error::param(
            "histories",
            "[]",
            "give at least one History to compare",
        ));
    }
    let panel = |title: &str, pick: fn(&History) -> &Vec<f64>| {
        let mut chart = LineChart::new(title, "iterations", "accuracy");
        chart.y_range = Some((0.0, 1.0));
        chart.x_range = Some(x_range(&histories));
        chart.legend = Legend::LowerRight;
        for (i, h) in histories.iter().enumerate() {
            let last = pick(h)
                .last()
                .map_or(String::new(), |a| format!(" ({a:.3})"));
            chart.series.push(Series::new(
                format!("{}{last}", h.label),
                points(&h.eval_iterations, pick(h)),
                color(i),
            ));
        }
        Panel::Line(chart)
    };
    let panels = [
        panel("test accuracy", |h| &h.test_accuracy),
        panel("training accuracy", |h| &h.train_accuracy),
    ];
    let text = histories
        .iter()
        .map(|h| h.summary())
        .collect::<Vec<_>>()
        .join("\n");
    Figure::from_panels(panels.to_vec(), 2, (620, 440), text)
}

/// The last training accuracy, or why there is none (a run that diverged at once).
fn final_accuracy(h: &History) -> String {
    match (h.final_train_accuracy(), &h.diverged) {
        (Some(a), None) => format!("{a:.3}"),
        (Some(a), Some(d)) => format!("{a:.3} (stopped at iteration {})", d.iteration),
        (None, Some(d)) => format!("stopped at iteration {}: {}", d.iteration, d.reason),
        (None, None) => "not measured".into(),
    }
}

/// The book's `smooth_curve`: a Kaiser window (length 11, β = 2) moved over the series,
/// which is mirrored at both ends so the result has the same length.
pub fn smooth_curve(x: &[f64]) -> Vec<f64> {
    const LEN: usize = 11;
    if x.len() < LEN {
        return x.to_vec();
    }
    let bessel_i0 = |v: f64| {
        let mut sum = 1.0;
        let mut term = 1.0;
        for k in 1..50 {
            term *= (v / 2.0) / k as f64;
            sum += term * term;
        }
        sum
    };
    let window: Vec<f64> = (0..LEN)
        .map(|n| {
            let r = 2.0 * n as f64 / (LEN - 1) as f64 - 1.0;
            bessel_i0(2.0 * (1.0 - r * r).sqrt()) / bessel_i0(2.0)
        })
        .collect();
    let total: f64 = window.iter().sum();
    // s = x[LEN-1:0:-1] ++ x ++ x[-1:-LEN:-1]
    let mut s: Vec<f64> = (1..LEN).rev().map(|i| x[i]).collect();
    s.extend_from_slice(x);
    s.extend((1..LEN).map(|i| x[x.len() - i]));
    let valid: Vec<f64> = (0..=s.len() - LEN)
        .map(|i| {
            window
                .iter()
                .zip(&s[i..i + LEN])
                .map(|(w, v)| w * v)
                .sum::<f64>()
                / total
        })
        .collect();
    valid[5..valid.len() - 5].to_vec()
}

/// The training loss of several runs over the iterations, optionally smoothed as the book
/// does (`smooth_curve`), one colour per run.
pub fn loss_curves<H: Borrow<History>>(histories: &[H], smooth: bool) -> Result<Figure> {
    let histories: Vec<&History> = histories.iter().map(Borrow::borrow).collect();
    if histories.is_empty() {
        return Err(Error::param(
            "histories",
            "[]",
            "give at least one History to compare",
        ));
    }
    let mut chart = LineChart::new(
        if smooth {
            "training loss (smoothed)"
        } else {
            "training loss"
        },
        "iterations",
        "loss",
    );
    chart.x_range = Some(x_range(&histories));
    let max_loss = histories
        .iter()
        .flat_map(|h| h.train_loss.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    chart.y_range = Some((0.0, max_loss.clamp(0.1, 3.0)));
    for (i, h) in histories.iter().enumerate() {
        let loss = if smooth {
            smooth_curve(&h.train_loss)
        } else {
            h.train_loss.clone()
        };
        // Keep the SVG small: at most about 500 points per line.
        let step = loss.len().div_ceil(500).max(1);
        let pts = loss
            .iter()
            .enumerate()
            .step_by(step)
            .map(|(k, &v)| ((k + 1) as f64, v))
            .collect();
        chart
            .series
            .push(Series::new(h.label.clone(), pts, color(i)));
    }
    let text = histories
        .iter()
        .map(|h| {
            format!(
                "{}: final loss {:.4}",
                h.label,
                h.train_loss.last().copied().unwrap_or(f64::NAN)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Figure::from_panels(vec![Panel::Line(chart)], 1, (720, 440), text)
}

/// The book's batch-norm figure: one panel per weight scale, training accuracy with batch
/// normalisation (solid) and without (dashed).
pub fn batch_norm_grid(runs: &[BatchNormRun]) -> Result<Figure> {
    if runs.is_empty() {
        return Err(Error::param("runs", "[]", "give at least one BatchNormRun"));
    }
    let panels: Vec<Panel> = runs
        .iter()
        .enumerate()
        .map(|(i, run)| {
            let mut chart =
                LineChart::new(format!("W: {:.3e}", run.scale), "iterations", "train acc");
            chart.y_range = Some((0.0, 1.0));
            chart.x_range = Some(x_range(&[&run.with, &run.without]));
            chart.series.push(Series::new(
                "Batch Normalization",
                points(&run.with.eval_iterations, &run.with.train_accuracy),
                color(0),
            ));
            chart.series.push(
                Series::new(
                    "without BatchNorm",
                    points(&run.without.eval_iterations, &run.without.train_accuracy),
                    color(1),
                )
                .dashed(),
            );
            chart.legend = if i + 1 == runs.len() {
                Legend::LowerRight
            } else {
                Legend::None
            };
            Panel::Line(chart)
        })
        .collect();
    let text = runs
        .iter()
        .map(|r| {
            format!(
                "W {:.3e}: without BN {}, with BN {}",
                r.scale,
                final_accuracy(&r.without),
                final_accuracy(&r.with)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Figure::from_panels(panels, 4, (300, 230), text)
}

/// P31's running statistics: the running mean (left) and variance (right) of a few pixels
/// after each mini-batch, with each pixel's mean and variance over the whole training set
/// dashed; they start at 0 and approach it at the rate the momentum sets.
pub fn running_statistics_chart(stats: &RunningStatistics) -> Result<Figure> {
    let panel = |title: &str, traces: &[Vec<f64>], targets: &[f64]| {
        let mut chart = LineChart::new(title, "mini-batches seen", "");
        for (k, (trace, &target)) in traces.iter().zip(targets).enumerate() {
            let label = format!("pixel {}", stats.features[k]);
            chart.series.push(Series::new(
                label,
                trace
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| ((i + 1) as f64, v))
                    .collect(),
                color(k),
            ));
            chart.series.push(
                Series::background(
                    vec![(1.0, target), (trace.len().max(1) as f64, target)],
                    color(k),
                )
                .dashed(),
            );
        }
        chart.legend = Legend::LowerRight;
        Panel::Line(chart)
    };
    let title = |what: &str| {
        format!(
            "running {what} (momentum {}), dashed: over all training digits",
            stats.momentum
        )
    };
    let panels = vec![
        panel(&title("mean"), &stats.running_mean, &stats.data_mean),
        panel(&title("variance"), &stats.running_var, &stats.data_var),
    ];
    let text = stats
        .features
        .iter()
        .enumerate()
        .map(|(k, f)| {
            format!(
                "pixel {f}: running mean {:.4} (all data {:.4}), running var {:.4} (all data {:.4})",
                stats.running_mean[k].last().copied().unwrap_or(f64::NAN),
                stats.data_mean[k],
                stats.running_var[k].last().copied().unwrap_or(f64::NAN),
                stats.data_var[k]
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Figure::from_panels(panels, 2, (560, 380), text)
}
