//! Charts of Lessons 1–3 with sliders: the optimizers' paths on the valley, the activation
//! histograms, and P68's constraint chart.

use super::{slider_values, Explorer, Slider};
use crate::error::Result;
use crate::experiments::{constraint_geometry, layer_activations};
use crate::functions::Activation;
use crate::init::Init;
use crate::optim::{trajectory, AdaGrad, Adam, Momentum, Nesterov, Optimizer, RmsProp, Sgd};
use crate::plot::{activation_histograms, constraint_chart, optimizer_paths};

/// The optimizers the path explorer steps through, by name, each made for a learning rate
/// with Lesson 2's other settings (momentum 0.9, RMSProp's decay 0.99, Adam's β1 0.9 and
/// β2 0.999).
type MakeOptimizer = fn(f64) -> Box<dyn Optimizer>;
const OPTIMIZERS: [(&str, MakeOptimizer); 6] = [
    ("SGD", |lr| Box::new(Sgd::new(lr))),
    ("Momentum", |lr| Box::new(Momentum::new(lr, 0.9))),
    ("Nesterov", |lr| Box::new(Nesterov::new(lr, 0.9))),
    ("AdaGrad", |lr| Box::new(AdaGrad::new(lr))),
    ("RMSProp", |lr| Box::new(RmsProp::new(lr, 0.99))),
    ("Adam", |lr| Box::new(Adam::new(lr, 0.9, 0.999))),
];

/// One optimizer's path on the valley f(x, y) = x²/20 + y² from `start`, `steps` points,
/// with sliders for the optimizer and its learning rate `lr` (the values given). A rate
/// an optimizer refuses shows the error.
///
/// ```
/// use dl_lessons::prelude::*;
/// let explorer = optimizer_paths_explorer([0.1, 0.5, 0.95], (-7.0, 2.0), 30)?;
/// assert_eq!(explorer.frames().len(), 6 * 3);
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn optimizer_paths_explorer(
    lr: impl IntoIterator<Item = f64>,
    start: (f64, f64),
    steps: usize,
) -> Result<Explorer> {
    let rates = slider_values("lr", lr)?;
    trajectory(&mut Sgd::new(0.1), start, steps)?; // refuses a bad start or step count once
    let names = OPTIMIZERS.map(|(name, _)| name);
    Explorer::new(
        "optimizer paths on f(x, y) = x²/20 + y²: move the sliders",
        vec![Slider::new("optimizer", &names), Slider::new("lr", &rates)],
        |i| {
            let mut o = (OPTIMIZERS[i[0]].1)(rates[i[1]]);
            let path = trajectory(o.as_mut(), start, steps)?; // validates the rate first
            optimizer_paths(&[(o.label(), path)])
        },
    )
}

/// The activation histograms of the five-layer experiment for every activation and
/// weight initialisation given (the same `seed` for all).
///
/// ```
/// use dl_lessons::prelude::*;
/// let explorer = activation_histograms_explorer(
///     [Activation::Sigmoid, Activation::Relu],
///     [Init::Std(1.0), Init::Std(0.01), Init::Xavier, Init::He],
///     0,
/// )?;
/// assert_eq!(explorer.frames().len(), 8);
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn activation_histograms_explorer(
    activation: impl IntoIterator<Item = Activation>,
    init: impl IntoIterator<Item = Init>,
    seed: u64,
) -> Result<Explorer> {
    let activations = slider_values("activation", activation)?;
    let inits = slider_values("init", init)?;
    let labels: Vec<String> = inits.iter().map(|i| i.label()).collect();
    Explorer::new(
        "activations of five layers: move the sliders",
        vec![
            Slider::new("activation", &activations),
            Slider::new("init", &labels),
        ],
        |i| activation_histograms(&layer_activations(activations[i[0]], inits[i[1]], seed)?),
    )
}

/// P68's constraint chart (the L1 diamond and the L2 circle of radius `radius` around 0,
/// the loss's contours around its optimum) for every radius and optimum (w1, w2) given.
///
/// ```
/// use dl_lessons::prelude::*;
/// let explorer = constraint_explorer([0.5, 1.0, 2.0], [1.5, 3.0], [1.0, 2.0])?;
/// assert_eq!(explorer.frames().len(), 12);
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn constraint_explorer(
    radius: impl IntoIterator<Item = f64>,
    optimum_w1: impl IntoIterator<Item = f64>,
    optimum_w2: impl IntoIterator<Item = f64>,
) -> Result<Explorer> {
    let radii = slider_values("radius", radius)?;
    let w1 = slider_values("optimum_w1", optimum_w1)?;
    let w2 = slider_values("optimum_w2", optimum_w2)?;
    Explorer::new(
        "L1 and L2 constraints: move the sliders",
        vec![
            Slider::new("radius", &radii),
            Slider::new("optimum_w1", &w1),
            Slider::new("optimum_w2", &w2),
        ],
        |i| constraint_chart(&constraint_geometry((w1[i[1]], w2[i[2]]), radii[i[0]])?),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_frame_is_the_static_chart_for_its_values() {
        let e = optimizer_paths_explorer([0.1, 0.3], (-7.0, 2.0), 20).unwrap();
        let k = e.frame_index(&[3, 1]).unwrap();
        let mut adagrad = AdaGrad::new(0.3);
        let path = trajectory(&mut adagrad, (-7.0, 2.0), 20).unwrap();
        let chart = optimizer_paths(&[(adagrad.label(), path)]).unwrap();
        assert!(e.frames()[k].contains(&chart.html()));
        assert!(e.frames()[k].contains("optimizer=AdaGrad, lr=0.3"));

        let e = activation_histograms_explorer([Activation::Tanh], [Init::Xavier], 3).unwrap();
        let chart =
            activation_histograms(&layer_activations(Activation::Tanh, Init::Xavier, 3).unwrap())
                .unwrap();
        assert!(e.frames()[0].contains(&chart.html()));

        let e = constraint_explorer([1.0, 2.0], [3.0], [1.0]).unwrap();
        let chart = constraint_chart(&constraint_geometry((3.0, 1.0), 2.0).unwrap()).unwrap();
        assert!(e.frames()[1].contains(&chart.html()));
    }

    #[test]
    fn bad_values_are_frames_or_errors_naming_them() {
        let e = optimizer_paths_explorer([-1.0, 0.1], (-7.0, 2.0), 5).unwrap();
        assert!(e.frames()[0].contains("lr = -1"), "{}", e.frames()[0]);
        let err = optimizer_paths_explorer([0.1], (f64::NAN, 2.0), 5).unwrap_err();
        assert!(err.to_string().contains("start.0"));
        let err = activation_histograms_explorer([], [Init::He], 0).unwrap_err();
        assert!(err.to_string().contains("activation = no values"));
    }
}
