//! Charts of Lesson 1: activation functions, their derivatives, activation histograms
//! and the gradient that vanishes through the layers.

use super::figure::Figure;
use super::palette::color;
use super::panel::{histogram, BarChart, Legend, LineChart, Note, Panel, Series};
use crate::error::{Error, Result};
use crate::experiments::{GradientFlow, LayerActivations};
use crate::functions::Activation;

const SAMPLES: usize = 241;

fn curve(x_min: f64, x_max: f64, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    (0..SAMPLES)
        .map(|i| x_min + (x_max - x_min) * i as f64 / (SAMPLES - 1) as f64)
        .map(|x| (x, f(x)))
        .collect()
}

/// The sampled point where `points` is largest (the first one on ties).
fn maximum(points: &[(f64, f64)]) -> (f64, f64) {
    points
        .iter()
        .copied()
        .fold((f64::NAN, f64::NEG_INFINITY), |best, p| {
            if p.1 > best.1 {
                p
            } else {
                best
            }
        })
}

/// One panel: an activation and its derivative, with the derivative's maximum marked.
fn activation_panel(activation: Activation, x_min: f64, x_max: f64) -> (Panel, (f64, f64)) {
    let f = curve(x_min, x_max, |u| activation.apply(u));
    let df = curve(x_min, x_max, |u| activation.derivative(u));
    let top = maximum(&df);
    let mut chart = LineChart::new(format!("{activation} and its derivative"), "u", "");
    chart
        .series
        .push(Series::new(format!("{activation}(u)"), f, color(0)));
    chart
        .series
        .push(Series::new(format!("{activation}′(u)"), df, color(1)));
    chart.notes.push(Note {
        at: top,
        text: format!("max {:.4} at u = {:.2}", top.1, top.0),
        color: color(3),
    });
    chart.legend = Legend::LowerRight;
    (Panel::Line(chart), top)
}

/// P20: the sigmoid and its derivative σ′(u) = σ(u)(1 − σ(u)) on [−6, 6], with the
/// derivative's maximum, 0.25 at u = 0, marked.
///
/// ```
/// let figure = dl_lessons::plot::sigmoid_curve()?;
/// assert!(figure.text().contains("0.2500 at u = 0.00"));
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn sigmoid_curve() -> Result<Figure> {
    let (panel, top) = activation_panel(Activation::Sigmoid, -6.0, 6.0);
    let text = format!(
        "sigmoid σ(u) and σ′(u) on [-6, 6]; σ′ is largest at u = {:.2}: {:.4} at u = {:.2}",
        top.0, top.1, top.0
    );
    Figure::from_panels(vec![panel], 1, (640, 400), text)
}

/// Sigmoid, tanh and ReLU with their derivatives on [x_min, x_max], one panel each.
pub fn activation_curves(x_min: f64, x_max: f64) -> Result<Figure> {
    if !(x_min.is_finite() && x_max.is_finite() && x_min < x_max) {
        return Err(Error::param(
            "x range",
            format!("[{x_min}, {x_max}]"),
            "needs finite x_min < x_max",
        ));
    }
    let mut panels = Vec::new();
    let mut text = String::from("largest derivative on the range:");
    for activation in [Activation::Sigmoid, Activation::Tanh, Activation::Relu] {
        let (panel, top) = activation_panel(activation, x_min, x_max);
        panels.push(panel);
        text.push_str(&format!(" {activation} {:.4};", top.1));
    }
    Figure::from_panels(panels, 3, (400, 320), text)
}

/// Histograms of each layer's activations (1 × 5 panels, 30 bins, as the book draws
/// them: range (0, 1), or (−1, 1) for tanh), with each layer's standard deviation.
pub fn activation_histograms(activations: &LayerActivations) -> Result<Figure> {
    let range = match activations.activation {
        Activation::Tanh => (-1.0, 1.0),
        _ => (0.0, 1.0),
    };
    let bars: Vec<Vec<(f64, f64, f64)>> = activations
        .layers
        .iter()
        .map(|a| histogram(a.iter().copied(), range, 30).0)
        .collect();
    let y_max = bars.iter().flatten().map(|b| b.2).fold(0.0, f64::max);
    let stds = activations.stds();
    let setup = format!("{}-{}", activations.activation, activations.init.label());
    let panels: Vec<Panel> = bars
        .into_iter()
        .zip(&stds)
        .enumerate()
        .map(|(k, (bars, std))| {
            Panel::Bars(BarChart {
                title: format!("{}-layer (std {std:.3})", k + 1),
                x_label: if k == 2 {
                    format!("activation ({setup})")
                } else {
                    String::new()
                },
                bars,
                x_range: range,
                y_max,
                show_y_labels: k == 0,
                color: color(0),
            })
        })
        .collect();
    let stds_text: Vec<String> = stds.iter().map(|s| format!("{s:.3}")).collect();
    let text = format!(
        "{setup}: activation std per layer: {}",
        stds_text.join(", ")
    );
    Figure::from_panels(panels, 5, (230, 250), text)
}

/// The mean gradient magnitude k layers below the output (log scale), for each set-up
/// of [`gradient_flow`](crate::experiments::gradient_flow), with the sigmoid bound 0.25^k.
pub fn vanishing_gradient_chart(flow: &GradientFlow) -> Result<Figure> {
    let log = |values: &[f64]| -> Vec<(f64, f64)> {
        values
            .iter()
            .enumerate()
            .map(|(k, v)| (k as f64, v.max(1e-300).log10()))
            .collect()
    };
    let mut chart = LineChart::new(
        "gradient reaching each layer (relative to the output)",
        "layers below the output",
        "mean |∂L/∂a| (log scale)",
    );
    chart.log10_y = true;
    for (i, (label, values)) in flow.curves.iter().enumerate() {
        chart
            .series
            .push(Series::new(label.clone(), log(values), color(i)));
    }
    chart.series.push(
        Series::new(
            "0.25^k (sigmoid's bound)",
            log(&flow.sigmoid_bound),
            color(7),
        )
        .dashed(),
    );
    chart.legend = Legend::UpperRight;
    let text = flow
        .curves
        .iter()
        .map(|(label, v)| {
            format!(
                "{label}: {:.2e} after {} layers",
                v.last().copied().unwrap_or(0.0),
                v.len() - 1
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Figure::from_panels(vec![Panel::Line(chart)], 1, (720, 420), text)
}
