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
    let protocol = bundle.to_evcxr();
    assert!(protocol.starts_with("EVCXR_BEGIN_CONTENT image/svg+xml\n"));
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
        &sigmoid_curve(),
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
    assert_renders(&accuracy_curves(&a), &["training set", "test set"]);
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
    let svg = accuracy_curves(&train_only).svg().to_string();
    assert!(svg.contains("training set") && !svg.contains("test set"));
    let svg = overfitting_curves(&train_only).svg().to_string();
    assert!(svg.contains("training set") && !svg.contains("final gap"));
    assert!(overfitting_curves(&a).svg().contains("final gap"));
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
    sigmoid_curve().save_svg(&path).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(written.starts_with("<svg"));
    let e = sigmoid_curve()
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
    let table = chain_rule_check(1.0, 2.0);
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
