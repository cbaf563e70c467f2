//! Charts of Lesson 3: the train/test gap, the L1 and L2 constraint regions (P68), and
//! the learned weights under each regulariser.

use ndarray::Array1;

use super::figure::Figure;
use super::palette::{color, BLACK, LIGHT_GRAY};
use super::panel::{histogram, BarChart, Bars, Legend, LineChart, Note, Panel, Series};
use crate::error::{Error, Result};
use crate::experiments::{ConstraintGeometry, WeightDecayRun};
use crate::train::History;

/// Training and test accuracy with the gap between them shaded and its final size noted.
pub fn overfitting_curves(history: &History) -> Result<Figure> {
    let points = |values: &[f64]| -> Vec<(f64, f64)> {
        history
            .eval_iterations
            .iter()
            .zip(values)
            .map(|(&i, &v)| (i as f64, v))
            .collect()
    };
    let train = points(&history.train_accuracy);
    let test = points(&history.test_accuracy);
    let mut chart = LineChart::new(history.label.clone(), "iterations", "accuracy");
    chart.y_range = Some((0.0, 1.0));
    chart.x_range = Some((0.0, history.train_loss.len().max(1) as f64));
    chart
        .series
        .push(Series::new("training set", train.clone(), color(0)));
    let mut text = history.summary();
    // The gap needs the test accuracy (not measured when `measure_test` was off).
    let finals = (
        history.final_train_accuracy(),
        history.final_test_accuracy(),
    );
    if let (Some(&last), (Some(final_train), Some(final_test))) =
        (history.eval_iterations.last(), finals)
    {
        let mut band = train;
        band.extend(test.iter().rev());
        chart.bands.push((band, color(3)));
        let gap = final_train - final_test;
        chart.notes.push(Note {
            at: (last as f64, final_test),
            text: format!("final gap train − test = {gap:.3}"),
            color: color(3),
        });
        text.push_str(&format!("; train − test = {gap:.4}"));
        chart.series.push(Series::new("test set", test, color(1)));
    }
    chart.legend = Legend::LowerRight;
    Figure::from_panels(vec![Panel::Line(chart)], 1, (680, 400), text)
}

/// Histograms of the learned weights of several networks (shared x range), each titled
/// with the share of weights that are (almost) zero.
pub fn weight_histograms(weights: &[(&str, Array1<f64>)]) -> Result<Figure> {
    if weights.is_empty() {
        return Err(Error::param(
            "weights",
            "[]",
            "give at least one (label, weights) pair",
        ));
    }
    // Shared range: the 99th percentile of the finite |w| over all networks, so outliers do
    // not squash the bars.
    let mut magnitudes: Vec<f64> = weights
        .iter()
        .flat_map(|(_, w)| w.iter().map(|v| v.abs()))
        .filter(|v| v.is_finite())
        .collect();
    magnitudes.sort_by(f64::total_cmp);
    let reach = magnitudes
        .get(magnitudes.len() * 99 / 100)
        .copied()
        .unwrap_or(1.0)
        .clamp(1e-6, 1e12);
    let bars: Vec<(Bars, usize)> = weights
        .iter()
        .map(|(_, w)| histogram(w.iter().copied(), (-reach, reach), 41))
        .collect();
    let y_max = bars
        .iter()
        .flat_map(|(b, _)| b.iter().map(|b| b.2))
        .fold(0.0, f64::max);
    let near_zero = |w: &Array1<f64>| {
        w.iter().filter(|v| v.abs() < 1e-3).count() as f64 / w.len().max(1) as f64
    };
    let panels: Vec<Panel> = weights
        .iter()
        .zip(bars)
        .enumerate()
        .map(|(i, ((label, w), (bars, outside)))| {
            let outside = if outside > 0 {
                format!(", {outside} beyond the axis")
            } else {
                String::new()
            };
            Panel::Bars(BarChart {
                title: format!(
                    "{label}: {:.1}% with |w| < 0.001{outside}",
                    100.0 * near_zero(w)
                ),
                x_label: "weight".into(),
                bars,
                x_range: (-reach, reach),
                y_max,
                show_y_labels: i == 0,
                color: color(i),
            })
        })
        .collect();
    let text = weights
        .iter()
        .map(|(label, w)| {
            format!(
                "{label}: {} weights, {:.1}% with |w| < 0.001, mean |w| {:.4}",
                w.len(),
                100.0 * near_zero(w),
                w.mapv(f64::abs).mean().unwrap_or(0.0)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Figure::from_panels(panels, weights.len().min(3), (360, 280), text)
}

/// P68: the loss's contours around its unregularised optimum w*, the L2 circle (left) and the
/// L1 diamond (right), and where each constrained optimum lies.
pub fn constraint_chart(geometry: &ConstraintGeometry) -> Result<Figure> {
    let (a, b) = geometry.optimum;
    let ellipse = |c: f64| -> Vec<(f64, f64)> {
        (0..=160)
            .map(|i| std::f64::consts::TAU * i as f64 / 160.0)
            .map(|t| (a + c.sqrt() * t.cos(), b + c.sqrt() / 2.0 * t.sin()))
            .collect()
    };
    let loss_at = |w: (f64, f64)| crate::experiments::quadratic_loss(w, geometry.optimum);
    let span = (a.abs().max(b.abs()) + geometry.radius) * 1.15;
    let panel = |title: &str, region: Vec<(f64, f64)>, best: (f64, f64), k: usize| {
        let mut chart = LineChart::new(title, "w₁", "w₂");
        chart.x_range = Some((-span, span));
        chart.y_range = Some((-span, span));
        for c in [0.05, 0.2, 0.5, 1.0, 2.0, 4.0, 8.0] {
            chart
                .series
                .push(Series::background(ellipse(c), LIGHT_GRAY));
        }
        chart
            .series
            .push(Series::background(vec![(-span, 0.0), (span, 0.0)], BLACK));
        chart
            .series
            .push(Series::background(vec![(0.0, -span), (0.0, span)], BLACK));
        chart.series.push(Series::new(
            format!("contour E = {:.3} touching the region", loss_at(best)),
            ellipse(loss_at(best)),
            color(3),
        ));
        chart.bands.push((region.clone(), color(k)));
        chart.series.push(Series::new(
            format!("region, r = {}", geometry.radius),
            region,
            color(k),
        ));
        chart.notes.push(Note {
            at: (a, b),
            text: "w*".into(),
            color: BLACK,
        });
        chart.notes.push(Note {
            at: best,
            text: format!("({:.3}, {:.3})", best.0, best.1),
            color: color(3),
        });
        chart.legend = Legend::LowerRight;
        Panel::Line(chart)
    };
    let panels = [
        panel(
            "L2 (Ridge): circle w₁² + w₂² ≤ r²",
            geometry.circle(),
            geometry.l2_optimum,
            0,
        ),
        panel(
            "L1 (Lasso): diamond |w₁| + |w₂| ≤ r",
            geometry.diamond(),
            geometry.l1_optimum,
            2,
        ),
    ];
    let text = format!(
        "optimum without penalty {:?}; with L2 {:.3?}; with L1 {:.3?} (a weight exactly 0: {})",
        geometry.optimum,
        geometry.l2_optimum,
        geometry.l1_optimum,
        geometry.l1_optimum.0 == 0.0 || geometry.l1_optimum.1 == 0.0
    );
    Figure::from_panels(panels.to_vec(), 2, (480, 480), text)
}

/// P63: the L2 sweep in one figure: the weights' norm ‖W‖ against λ (left) and the final
/// training and test accuracy against λ (right), λ on a log scale; the run with λ = 0, if
/// there is one, is the dashed line.
pub fn weight_decay_chart(runs: &[WeightDecayRun]) -> Result<Figure> {
    if runs.is_empty() {
        return Err(Error::param("runs", "[]", "give at least one run"));
    }
    let (plain, decayed): (Vec<&WeightDecayRun>, Vec<&WeightDecayRun>) =
        runs.iter().partition(|r| r.lambda == 0.0);
    let x = |r: &WeightDecayRun| r.lambda.log10();
    let mut norm = LineChart::new("‖W‖ of the trained network", "log10 λ", "‖W‖");
    norm.series.push(
        Series::new(
            "‖W‖",
            decayed.iter().map(|r| (x(r), r.weight_norm)).collect(),
            color(4),
        )
        .with_markers(),
    );
    let mut accuracy = LineChart::new("final accuracy", "log10 λ", "accuracy");
    accuracy.y_range = Some((0.0, 1.0));
    let finals = |pick: fn(&History) -> Option<f64>| -> Vec<(f64, f64)> {
        decayed
            .iter()
            .filter_map(|r| Some((x(r), pick(&r.history)?)))
            .collect()
    };
    accuracy.series.push(
        Series::new(
            "training set",
            finals(History::final_train_accuracy),
            color(0),
        )
        .with_markers(),
    );
    accuracy.series.push(
        Series::new("test set", finals(History::final_test_accuracy), color(1)).with_markers(),
    );
    let span = decayed
        .iter()
        .map(|r| x(r))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if let Some(p) = plain.first() {
        let flat = |v: f64| vec![(span.0, v), (span.1, v)];
        norm.series
            .push(Series::new("λ = 0", flat(p.weight_norm), color(7)).dashed());
        if let Some(test) = p.history.final_test_accuracy() {
            accuracy
                .series
                .push(Series::new("test set, λ = 0", flat(test), color(7)).dashed());
        }
    }
    accuracy.legend = Legend::LowerRight;
    let text = runs
        .iter()
        .map(|r| {
            format!(
                "λ {}: ‖W‖ {:.3}, train {:.3}, test {:.3}",
                r.lambda,
                r.weight_norm,
                r.history.final_train_accuracy().unwrap_or(f64::NAN),
                r.history.final_test_accuracy().unwrap_or(f64::NAN)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Figure::from_panels(
        vec![Panel::Line(norm), Panel::Line(accuracy)],
        2,
        (480, 380),
        text,
    )
}
