//! The network's backprop against its numerical gradient, and the training loop.

use dl_lessons::init::randn;
use dl_lessons::ndarray::IxDyn;
use dl_lessons::prelude::*;

fn small_batch() -> (ArrayD<f64>, Array1<usize>) {
    let x: ArrayD<f64> = randn(IxDyn(&[6, 8]), 1.0, &mut rng(3)).unwrap();
    (x, array![0, 1, 2, 3, 1, 0])
}

fn assert_backprop_matches(config: MultiLayerNetConfig) {
    let label = config.label();
    let mut net = MultiLayerNet::with_sizes(8, 4, config).unwrap();
    let (x, t) = small_batch();
    let check = net.gradient_check(&x, &t).unwrap();
    assert_eq!(check.rows.len(), net.param_names().len());
    for row in &check.rows {
        assert!(
            row.relative_error < 1e-5 || row.max_abs_error < 1e-9,
            "{label}: {row:?}"
        );
    }
}

#[test]
fn backprop_matches_numerical_gradient_for_each_activation_and_init() {
    for (activation, init) in [
        (Activation::Sigmoid, Init::Std(0.5)),
        (Activation::Relu, Init::He),
        (Activation::Tanh, Init::Xavier),
    ] {
        assert_backprop_matches(MultiLayerNetConfig {
            hidden_sizes: vec![7, 5],
            activation,
            init,
            ..Default::default()
        });
    }
}

#[test]
fn backprop_matches_with_batch_normalization() {
    assert_backprop_matches(MultiLayerNetConfig {
        hidden_sizes: vec![7, 5],
        activation: Activation::Sigmoid,
        init: Init::Xavier,
        use_batchnorm: true,
        ..Default::default()
    });
}

#[test]
fn backprop_matches_with_weight_decay() {
    for weight_decay in [WeightDecay::L2(0.1), WeightDecay::L1(0.05)] {
        assert_backprop_matches(MultiLayerNetConfig {
            hidden_sizes: vec![7, 5],
            activation: Activation::Tanh,
            init: Init::Xavier,
            weight_decay,
            ..Default::default()
        });
    }
}

#[test]
fn parameters_carry_the_course_names() {
    let config = MultiLayerNetConfig {
        use_batchnorm: true,
        ..Default::default()
    };
    let mut net = MultiLayerNet::with_sizes(8, 4, config).unwrap();
    assert_eq!(
        net.param_names(),
        ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    );
}

#[test]
fn initial_weights_follow_the_init_rule() {
    let config = MultiLayerNetConfig {
        hidden_sizes: vec![300],
        init: Init::He,
        ..Default::default()
    };
    let mut net = MultiLayerNet::with_sizes(200, 10, config).unwrap();
    let params = net.params();
    let w1 = &params[0].value;
    let std = w1.std(0.0);
    assert!(
        (std - (2.0f64 / 200.0).sqrt()).abs() < 0.005,
        "He std {std}"
    );
    assert!(params[1].value.iter().all(|&b| b == 0.0));
}

#[test]
fn training_is_reproducible_with_the_same_seeds() {
    let data = Dataset::digits(0);
    let run = || {
        let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
        train(
            &mut net,
            &data,
            &mut Sgd::new(0.1),
            &TrainConfig {
                iters_num: 100,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.train_loss, b.train_loss);
    assert_eq!(a.test_accuracy, b.test_accuracy);
    let other_seed = {
        let mut net = MultiLayerNet::new(
            &data,
            MultiLayerNetConfig {
                seed: 1,
                ..Default::default()
            },
        )
        .unwrap();
        train(
            &mut net,
            &data,
            &mut Sgd::new(0.1),
            &TrainConfig {
                iters_num: 100,
                ..Default::default()
            },
        )
        .unwrap()
    };
    assert_ne!(a.train_loss, other_seed.train_loss);
}

/// Without the test set (`measure_test: false`) training takes the same steps and measures
/// the same training accuracy; the history and its summary leave the test accuracy out.
#[test]
fn training_without_measuring_the_test_set() {
    let data = Dataset::digits(0);
    let run = |measure_test| {
        let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
        let config = TrainConfig {
            iters_num: 50,
            measure_test,
            ..Default::default()
        };
        train(&mut net, &data, &mut Sgd::new(0.1), &config).unwrap()
    };
    let (both, train_only) = (run(true), run(false));
    assert_eq!(both.train_loss, train_only.train_loss);
    assert_eq!(both.train_accuracy, train_only.train_accuracy);
    assert_eq!(both.test_accuracy.len(), 5);
    assert!(train_only.test_accuracy.is_empty());
    assert!(both.summary().contains("test acc"));
    assert!(
        !train_only.summary().contains("test acc"),
        "{}",
        train_only.summary()
    );
}

/// The lesson's phenomena on the shipped digits (course 2_2_2 set-up, 2,000 iterations).
#[test]
fn vanishing_gradient_shows_on_the_digits() {
    let data = Dataset::digits(0);
    let config = TrainConfig {
        iters_num: 2000,
        ..Default::default()
    };
    let final_acc = |activation, init| {
        let net_config = MultiLayerNetConfig {
            activation,
            init,
            ..Default::default()
        };
        let mut net = MultiLayerNet::new(&data, net_config).unwrap();
        train(&mut net, &data, &mut Sgd::new(0.1), &config)
            .unwrap()
            .final_test_accuracy()
            .unwrap()
    };
    let sigmoid_gauss = final_acc(Activation::Sigmoid, Init::Std(0.01));
    let sigmoid_xavier = final_acc(Activation::Sigmoid, Init::Xavier);
    let relu_he = final_acc(Activation::Relu, Init::He);
    assert!(
        sigmoid_gauss < 0.2,
        "sigmoid-gauss should not learn: {sigmoid_gauss}"
    );
    assert!(
        sigmoid_xavier > 0.8,
        "sigmoid-Xavier should learn: {sigmoid_xavier}"
    );
    assert!(
        relu_he > 0.95 && relu_he > sigmoid_xavier,
        "ReLU-He should learn best: {relu_he}"
    );
}

#[test]
fn batch_normalization_rescues_a_bad_scale() {
    let data = Dataset::digits(0);
    let runs = batch_norm_sweep(&data, 2, 20).unwrap(); // scales 1 and 1e-4
    let tiny = &runs[1];
    assert!(tiny.without.final_train_accuracy().unwrap() < 0.2);
    let with = tiny.with.final_train_accuracy().unwrap();
    assert!(with > 0.4, "{with}");
}

#[test]
fn a_diverging_run_stops_and_says_where() {
    let data = Dataset::digits(0);
    // Five ReLU layers with std-1 weights: activations and gradients grow until they overflow.
    let config = MultiLayerNetConfig {
        hidden_sizes: vec![100; 5],
        init: Init::Std(1.0),
        ..Default::default()
    };
    let mut net = MultiLayerNet::new(&data, config).unwrap();
    let history = train(
        &mut net,
        &data,
        &mut Sgd::new(0.01),
        &TrainConfig::default(),
    )
    .unwrap();
    let d = history.diverged.clone().expect("this set-up diverges");
    // the weights blow up: seen at an evaluation, or when the loss overflows, whichever is first
    assert!(
        d.reason.starts_with("the loss became") || d.reason.starts_with("a weight grew to"),
        "{}",
        d.reason
    );
    assert_eq!(history.train_loss.len(), d.iteration);
    assert!(d.iteration < 1000);
    assert!(history
        .summary()
        .contains(&format!("stopped at iteration {}", d.iteration)));
}

#[test]
fn bad_training_settings_are_reported_before_training() {
    let data = Dataset::digits(0);
    let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
    let cases: Vec<(TrainConfig, &str)> = vec![
        (
            TrainConfig {
                iters_num: 0,
                ..Default::default()
            },
            "iters_num = 0: must be at least 1",
        ),
        (
            TrainConfig {
                batch_size: 0,
                ..Default::default()
            },
            "batch_size = 0: must be at least 1",
        ),
        (
            TrainConfig {
                batch_size: 5000,
                ..Default::default()
            },
            "batch_size = 5000: must be at most 1500 (the training set has 1500 samples)",
        ),
        (
            TrainConfig {
                eval_interval: 0,
                ..Default::default()
            },
            "eval_interval = 0: must be at least 1",
        ),
    ];
    for (config, message) in cases {
        let e = train(&mut net, &data, &mut Sgd::new(0.1), &config).unwrap_err();
        assert_eq!(e.to_string(), message);
    }
    for lr in [-0.1, 0.0, f64::NAN, f64::INFINITY] {
        let e = train(&mut net, &data, &mut Sgd::new(lr), &TrainConfig::default()).unwrap_err();
        assert!(
            e.to_string()
                .starts_with(&format!("lr = {lr}: must be a finite number > 0")),
            "{e}"
        );
    }
    // The network is untouched and the next call works.
    let history = train(
        &mut net,
        &data,
        &mut Sgd::new(0.1),
        &TrainConfig {
            iters_num: 10,
            ..Default::default()
        },
    );
    assert!(history.is_ok());
}

#[test]
fn bad_network_settings_are_reported() {
    let data = Dataset::digits(0);
    let bad = |config: MultiLayerNetConfig| {
        MultiLayerNet::new(&data, config)
            .err()
            .expect("rejected")
            .to_string()
    };
    assert_eq!(
        bad(MultiLayerNetConfig {
            hidden_sizes: vec![40, 0],
            ..Default::default()
        }),
        "hidden_sizes = [40, 0]: every hidden layer needs at least 1 unit"
    );
    assert!(bad(MultiLayerNetConfig {
        init: Init::Std(-0.01),
        ..Default::default()
    })
    .starts_with("weight_init_std = -0.01"));
    assert!(bad(MultiLayerNetConfig {
        weight_decay: WeightDecay::L2(-1.0),
        ..Default::default()
    })
    .starts_with("weight_decay_lambda = -1"));
    assert!(bad(MultiLayerNetConfig {
        dropout_ratio: Some(1.5),
        ..Default::default()
    })
    .starts_with("dropout_ratio = 1.5"));
}

#[test]
fn a_network_built_for_other_data_is_rejected() {
    let data = Dataset::digits(0);
    let mut net = MultiLayerNet::with_sizes(784, 10, MultiLayerNetConfig::default()).unwrap();
    let e = train(&mut net, &data, &mut Sgd::new(0.1), &TrainConfig::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("takes samples of shape [784] but the data (digits 8x8) has [64]"),
        "{e}"
    );
}

#[test]
fn all_zero_weights_keep_hidden_units_identical() {
    let data = Dataset::digits(0);
    let table = zero_init_experiment(&data, 6, 50).unwrap();
    assert_eq!(table.rows.len(), 6);
    for row in &table.rows {
        assert_eq!(row.last().unwrap(), "0");
        assert_eq!(row[1], table.rows[0][1]);
    }
    // and the weights did move: this is not the trivial all-zero state
    assert_ne!(table.rows[0][3], "0.000000");
}

/// A huge learning rate that blows the weights up without ever making the loss infinite
/// (softmax with the course's 1e-7 keeps it below 16.2) is stopped with a message, and the
/// history up to there is kept for its chart.
#[test]
fn exploding_weights_stop_training_with_a_message() {
    let data = Dataset::digits(0);
    let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
    let history = train(&mut net, &data, &mut Sgd::new(1e6), &TrainConfig::default()).unwrap();
    let d = history.diverged.clone().expect("lr 1e6 diverges");
    assert!(
        d.reason.contains("try a smaller learning rate"),
        "{}",
        d.reason
    );
    assert!(d.iteration < 100, "{d:?}");
    assert!(history.summary().contains("stopped at iteration"));
}

#[test]
fn a_network_for_other_classes_or_a_broken_data_set_is_refused() {
    let data = Dataset::digits(0);
    let mut net = MultiLayerNet::with_sizes(64, 3, MultiLayerNetConfig::default()).unwrap();
    let e = train(&mut net, &data, &mut Sgd::new(0.1), &TrainConfig::default()).unwrap_err();
    assert!(
        e.to_string()
            .contains("gives 3 scores per sample but the data (digits 8x8) has 10 classes"),
        "{e}"
    );
    let mut broken = data.clone();
    broken.t_train = broken
        .t_train
        .slice(dl_lessons::ndarray::s![..10])
        .to_owned();
    let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
    let e = train(
        &mut net,
        &broken,
        &mut Sgd::new(0.1),
        &TrainConfig::default(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("t_train 10 labels"), "{e}");
    let (x, t) = small_batch();
    let mut net = MultiLayerNet::with_sizes(8, 4, MultiLayerNetConfig::default()).unwrap();
    assert!(net
        .loss(&x, &array![0, 1, 2, 9, 1, 0], Mode::Train)
        .is_err()); // label 9 of 4 classes
    assert!(net.accuracy(&x, &array![0, 1]).is_err());
    assert!(net
        .predict(&ArrayD::zeros(IxDyn(&[2, 7])), Mode::Eval)
        .is_err());
    assert!(net.gradient(&x, &t).is_ok());
}

#[test]
fn oversized_networks_and_runs_are_refused_before_allocating() {
    let data = Dataset::digits(0);
    let e = MultiLayerNet::new(
        &data,
        MultiLayerNetConfig {
            hidden_sizes: vec![100_000, 100_000],
            ..Default::default()
        },
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        e.contains("hidden_sizes = [100000, 100000]") && e.contains("limit"),
        "{e}"
    );
    let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
    let e = train(
        &mut net,
        &data,
        &mut Sgd::new(0.1),
        &TrainConfig {
            iters_num: 1 << 40,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.starts_with("iters_num = 1099511627776: must be at most 1000000"),
        "{e}"
    );
}
