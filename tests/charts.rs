//! Every chart renders to an SVG bundle without a kernel.

use dl_lessons::prelude::*;

fn assert_renders(figure: &Figure, expected_text: &[&str]) {
    let bundle = figure.mime_bundle();
    let svg = bundle.get("image/svg+xml").expect("an SVG entry");
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "not an SVG document"
    );
    for text in expected_text {
        assert!(svg.contains(text), "the SVG should show {text:?}");
    }
    assert!(!bundle.get("text/plain").expect("a text entry").is_empty());
    // inline HTML first, so that the front ends shrink a wide figure to the page
    let html = bundle.get("text/html").expect("an HTML entry");
    assert_eq!(
        html.replacen(r#" style="max-width:100%;height:auto""#, "", 1),
        svg,
        "the HTML is the SVG with a style that fits it to the page"
    );
    let protocol = bundle.to_evcxr();
    assert!(protocol.starts_with("EVCXR_BEGIN_CONTENT text/html\n<svg style="));
    assert!(protocol.contains("\nEVCXR_END_CONTENT\nEVCXR_BEGIN_CONTENT image/svg+xml\n<svg"));
    assert!(protocol.contains("\nEVCXR_END_CONTENT\nEVCXR_BEGIN_CONTENT text/plain\n"));
}

fn short_history(activation: Activation) -> History {
    let data = Dataset::digits(0);
    let config = MultiLayerNetConfig {
        activation,
        ..Default::default()
    };
    let mut net = MultiLayerNet::new(&data, config).unwrap();
    train(
        &mut net,
        &data,
        &mut Sgd::new(0.1),
        &TrainConfig {
            iters_num: 30,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn function_charts() {
    assert_renders(
        &sigmoid_curve().unwrap(),
        &["sigmoid and its derivative", "max 0.2500 at u = 0.00"],
    );
    assert_renders(
        &activation_curves(-3.0, 3.0).unwrap(),
        &["tanh and its derivative", "ReLU and its derivative"],
    );
    let e = activation_curves(3.0, -3.0).unwrap_err().to_string();
    assert_eq!(e, "x range = [3, -3]: needs finite x_min < x_max");
    let flow = gradient_flow(6, 0).unwrap();
    assert_renders(
        &vanishing_gradient_chart(&flow).unwrap(),
        &["0.25^k", "sigmoid-Xavier"],
    );
}

#[test]
fn activation_histograms_have_five_panels() {
    let acts = layer_activations(Activation::Relu, Init::He, 0).unwrap();
    let figure = activation_histograms(&acts).unwrap();
    assert_renders(&figure, &["1-layer", "5-layer"]);
    assert!(figure
        .text()
        .starts_with("ReLU-He: activation std per layer"));
}

#[test]
fn training_charts() {
    let a = short_history(Activation::Relu);
    let b = short_history(Activation::Sigmoid);
    assert_renders(&accuracy_curves(&a).unwrap(), &["training set", "test set"]);
    assert_renders(
        &accuracy_comparison(&[&a, &b]).unwrap(),
        &["test accuracy", "training accuracy"],
    );
    assert_renders(
        &loss_curves(&[&a, &b], true).unwrap(),
        &["training loss (smoothed)"],
    );
    assert!(accuracy_comparison::<History>(&[]).is_err());
    // A history without the test set draws its training curve alone.
    let train_only = History {
        test_accuracy: Vec::new(),
        ..a.clone()
    };
    let svg = accuracy_curves(&train_only).unwrap().svg().to_string();
    assert!(svg.contains("training set") && !svg.contains("test set"));
    let svg = overfitting_curves(&train_only).unwrap().svg().to_string();
    assert!(svg.contains("training set") && !svg.contains("final gap"));
    assert!(overfitting_curves(&a).unwrap().svg().contains("final gap"));
}

#[test]
fn batch_norm_grid_has_a_panel_per_scale() {
    let runs = batch_norm_sweep(&Dataset::digits(0), 2, 1).unwrap();
    assert_renders(
        &batch_norm_grid(&runs).unwrap(),
        &["W: 1.000e0", "W: 1.000e-4", "Batch Normalization"],
    );
}

#[test]
fn figures_save_to_files() {
    let path = std::env::temp_dir().join(format!("dl_lessons_chart_{}.svg", std::process::id()));
    sigmoid_curve().unwrap().save_svg(&path).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(written.starts_with("<svg"));
    let e = sigmoid_curve()
        .unwrap()
        .save_svg("/nonexistent-folder/x.svg")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("/nonexistent-folder/x.svg: cannot write"),
        "{e}"
    );
}

#[test]
fn tables_render_as_html_and_text() {
    let table = chain_rule_check(1.0, 2.0).unwrap();
    let bundle = table.mime_bundle();
    assert!(bundle
        .get("text/html")
        .unwrap()
        .contains("dz/dx = 2(x + y)"));
    assert!(bundle
        .get("text/plain")
        .unwrap()
        .contains("dz/dx by central difference"));
}

/// Runs `f` on its own thread and fails if it does not finish within ten seconds (plotters
/// used to spin forever on ranges it could not draw).
fn finishes<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(f());
    });
    receive
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what} did not finish in 10 s"))
}

/// Charts finish on any data: values that are not finite are left out and counted in the
/// title, values near f64::MAX are cut, empty curves draw empty axes.
#[test]
fn charts_finish_on_non_finite_huge_and_empty_data() {
    let weights = Array1::from(vec![0.5, f64::INFINITY, -0.2, f64::NAN, f64::NEG_INFINITY]);
    let figure = finishes("weight_histograms", move || {
        weight_histograms(&[("odd", weights)]).unwrap()
    });
    assert!(
        figure.svg().contains("beyond the axis"),
        "{}",
        figure.text()
    );
    let all_infinite = Array1::from(vec![f64::INFINITY; 10]);
    finishes("weight_histograms of infinities", move || {
        weight_histograms(&[("inf", all_infinite)]).unwrap()
    });
    let figure = finishes("learning_rate_chart", || {
        learning_rate_chart(&[
            (0.3, vec![1.0, f64::MAX, -f64::MAX, f64::NAN]),
            (0.1, vec![]),
        ])
        .unwrap()
    });
    assert!(
        figure.svg().contains("values not drawn: not finite"),
        "{}",
        figure.svg().len()
    );
    finishes("optimizer_paths", || {
        optimizer_paths(&[
            ("huge".into(), vec![(f64::MAX, -f64::MAX), (1e300, 1e-300)]),
            ("empty".into(), vec![]),
        ])
        .unwrap()
    });
    let mut history = short_history(Activation::Relu);
    history.train_loss = vec![f64::NAN, f64::INFINITY, 1e308];
    history
        .train_accuracy
        .iter_mut()
        .for_each(|a| *a = f64::NAN);
    let h = history.clone();
    finishes("accuracy_curves", move || accuracy_curves(&h).unwrap());
    let h = history.clone();
    finishes("loss_curves", move || loss_curves(&[h], true).unwrap());
    let empty = History {
        eval_iterations: vec![],
        train_accuracy: vec![],
        test_accuracy: vec![],
        train_loss: vec![],
        ..history
    };
    finishes("overfitting_curves of an empty run", move || {
        overfitting_curves(&empty).unwrap()
    });
}

#[test]
fn too_many_panels_or_cells_are_refused_with_the_limit() {
    let runs: Vec<(f64, Vec<f64>)> = (1..=100)
        .map(|k| (k as f64 * 0.01, vec![1.0, 0.5]))
        .collect();
    let e = learning_rate_chart(&runs).unwrap_err().to_string();
    assert!(
        e.starts_with("number of panels = 100: a figure draws at most 32"),
        "{e}"
    );
    let e = convolution_windows(1000, 1000, 3, 3, 1, 0, 0)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("diagram size = ") && e.contains("at most 20000 cells"),
        "{e}"
    );
    let x = Array4::zeros((100, 1, 28, 28));
    assert!(im2col_table(&x, 3, 3, 1, 0)
        .unwrap_err()
        .to_string()
        .contains("at most 20000 cells"));
    assert!(pooling_diagram(&Array4::zeros((0, 1, 4, 4)), 2, 2, 2).is_err()); // empty batch
    assert!(im2col_diagram(&Array4::zeros((1, 0, 4, 4)), 2, 2, 1, 0).is_err()); // no channel
}

#[test]
fn chain_rule_check_refuses_inputs_whose_square_overflows() {
    let e = chain_rule_check(1e200, 0.0).unwrap_err().to_string();
    assert!(e.starts_with("x = 1e200: must be a finite number"), "{e}");
    assert!(chain_rule_check(0.0, f64::INFINITY).is_err());
    let table = chain_rule_check(1e150, -1e150).unwrap();
    assert_eq!(table.rows[0][1], "0");
}
