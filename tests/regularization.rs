//! Weight decay, dropout and the overfitting lesson's claims on the shipped digits.

use approx::assert_abs_diff_eq;
use dl_lessons::init::randn;
use dl_lessons::ndarray::IxDyn;
use dl_lessons::prelude::*;

fn batch() -> (ArrayD<f64>, Array1<usize>) {
    (
        randn(IxDyn(&[5, 8]), 1.0, &mut rng(1)).unwrap(),
        array![0, 1, 2, 3, 0],
    )
}

/// The same network with and without a penalty: the losses differ by exactly the penalty
/// and the weight gradients by exactly its gradient, output layer included.
#[test]
fn penalties_change_loss_and_gradients_as_the_formulas_say() {
    let (x, t) = batch();
    for (decay, lambda) in [(WeightDecay::L2(0.1), 0.1), (WeightDecay::L1(0.05), 0.05)] {
        let config = MultiLayerNetConfig {
            hidden_sizes: vec![6, 4],
            ..Default::default()
        };
        let mut plain = MultiLayerNet::with_sizes(8, 4, config.clone()).unwrap();
        let mut decayed = MultiLayerNet::with_sizes(
            8,
            4,
            MultiLayerNetConfig {
                weight_decay: decay,
                ..config
            },
        )
        .unwrap();
        let loss_plain = plain.gradient(&x, &t).unwrap();
        let loss_decayed = decayed.gradient(&x, &t).unwrap();
        let weights = plain.weights();
        let penalty = match decay {
            WeightDecay::L2(_) => 0.5 * lambda * weights.iter().map(|w| w * w).sum::<f64>(),
            _ => lambda * weights.iter().map(|w| w.abs()).sum::<f64>(),
        };
        assert_abs_diff_eq!(loss_decayed - loss_plain, penalty, epsilon = 1e-12);
        let names = plain.param_names();
        let (p, d) = (plain.params(), decayed.params());
        for ((a, b), name) in p.iter().zip(&d).zip(&names) {
            let expected_extra = if a.name == "W" {
                match decay {
                    WeightDecay::L2(_) => a.value.mapv(|w| lambda * w),
                    _ => a.value.mapv(|w| lambda * w.signum()),
                }
            } else {
                a.value.mapv(|_| 0.0) // biases carry no penalty
            };
            for ((ga, gb), extra) in a.grad.iter().zip(b.grad.iter()).zip(expected_extra.iter()) {
                assert_abs_diff_eq!(gb - ga, extra, epsilon = 1e-12);
            }
            assert!(!name.is_empty());
        }
        assert_eq!(names.last().unwrap(), "b3"); // the output layer is part of it
    }
}

#[test]
fn dropout_masks_in_training_and_scales_in_inference() {
    let mut dropout = Dropout::new(0.25, 7).unwrap();
    let x = ArrayD::from_elem(IxDyn(&[100, 100]), 2.0);
    let out = dropout.forward(&x, Mode::Train).unwrap();
    let mask = dropout.mask().unwrap().clone();
    assert!(mask.iter().all(|&m| m == 0.0 || m == 1.0));
    let kept = mask.sum() / mask.len() as f64;
    assert!((kept - 0.75).abs() < 0.02, "kept {kept}");
    assert_eq!(out, &x * &mask); // no rescaling while training
    let dx = dropout
        .backward(&ArrayD::from_elem(IxDyn(&[100, 100]), 3.0))
        .unwrap();
    assert_eq!(dx, mask.mapv(|m| 3.0 * m)); // dout · mask
    let eval = dropout.forward(&x, Mode::Eval).unwrap();
    assert!(eval.iter().all(|&v| v == 1.5)); // x · (1 − ratio)
                                             // a new training pass draws a new mask
    dropout.forward(&x, Mode::Train).unwrap();
    assert_ne!(dropout.mask().unwrap(), &mask);
}

#[test]
fn dropout_ratio_and_lambda_are_checked() {
    for ratio in [-0.1, 1.0, f64::NAN] {
        let e = Dropout::new(ratio, 0).err().unwrap().to_string();
        assert!(
            e.starts_with(&format!("dropout_ratio = {ratio}: must lie in [0, 1)")),
            "{e}"
        );
    }
    let data = Dataset::digits(0);
    for decay in [WeightDecay::L1(-0.1), WeightDecay::L2(f64::INFINITY)] {
        let e = MultiLayerNet::new(
            &data,
            MultiLayerNetConfig {
                weight_decay: decay,
                ..Default::default()
            },
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.starts_with("weight_decay_lambda = "), "{e}");
    }
    let small = Dataset::digits(0).with_train_size(50).unwrap();
    let mut net = MultiLayerNet::new(&small, MultiLayerNetConfig::default()).unwrap();
    let e = train(
        &mut net,
        &small,
        &mut Sgd::new(0.01),
        &TrainConfig::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "batch_size = 100: must be at most 50 (the training set has 50 samples)"
    );
}

#[test]
fn a_seeded_run_with_dropout_is_identical_twice() {
    let data = Dataset::digits(0).with_train_size(300).unwrap();
    let run = || {
        let config = MultiLayerNetConfig {
            dropout_ratio: Some(0.15),
            ..Default::default()
        };
        let mut net = MultiLayerNet::new(&data, config).unwrap();
        train(
            &mut net,
            &data,
            &mut Sgd::new(0.01),
            &TrainConfig {
                iters_num: 50,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.train_loss, b.train_loss);
    assert_eq!(a.test_accuracy, b.test_accuracy);
}

/// The course's 2_5 set-up on 300 digits: without regularisation the training accuracy
/// reaches 1.0 above the test accuracy; each regulariser narrows the gap (fixed seeds).
#[test]
fn each_regulariser_narrows_the_train_test_gap() {
    let data = Dataset::digits(0).with_train_size(300).unwrap();
    let base = MultiLayerNetConfig {
        hidden_sizes: vec![100; 6],
        ..Default::default()
    };
    let train_config = TrainConfig {
        iters_num: 1000,
        eval_interval: 100,
        ..Default::default()
    };
    let setups = [
        ("none", base.clone(), 0.01),
        (
            "L2 0.1",
            MultiLayerNetConfig {
                weight_decay: WeightDecay::L2(0.1),
                ..base.clone()
            },
            0.01,
        ),
        (
            "L1 0.005",
            MultiLayerNetConfig {
                weight_decay: WeightDecay::L1(0.005),
                ..base.clone()
            },
            0.1,
        ),
        (
            "dropout 0.15",
            MultiLayerNetConfig {
                dropout_ratio: Some(0.15),
                ..base.clone()
            },
            0.01,
        ),
    ];
    let gaps: Vec<(&str, f64, f64)> = std::thread::scope(|s| {
        let handles: Vec<_> = setups
            .iter()
            .map(|(name, config, lr)| {
                let data = &data;
                let train_config = &train_config;
                s.spawn(move || {
                    let mut net = MultiLayerNet::new(data, config.clone()).unwrap();
                    let h = train(&mut net, data, &mut Sgd::new(*lr), train_config).unwrap();
                    let (train, test) = (
                        h.final_train_accuracy().unwrap(),
                        h.final_test_accuracy().unwrap(),
                    );
                    (*name, train, train - test)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let (_, train_none, gap_none) = gaps[0];
    assert_eq!(
        train_none, 1.0,
        "without regularisation the 300 samples are learnt by heart"
    );
    assert!(gap_none > 0.03, "{gaps:?}");
    for &(name, _, gap) in &gaps[1..] {
        assert!(gap < gap_none, "{name}: gap {gap} not below {gap_none}");
    }
}

#[test]
fn the_l1_optimum_sits_on_an_axis_and_the_l2_one_does_not() {
    let g = constraint_geometry((2.5, 0.3), 1.0).unwrap();
    assert_eq!(g.l1_optimum, (1.0, 0.0));
    assert!(g.l2_optimum.0 > 0.9 && g.l2_optimum.1 > 0.1);
    assert_abs_diff_eq!(g.l2_optimum.0.hypot(g.l2_optimum.1), 1.0, epsilon = 1e-9);
    let e = constraint_geometry((0.2, 0.1), 1.0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("must lie outside the L1 region"), "{e}");
}

#[test]
fn regularisation_charts_render() {
    let data = Dataset::digits(0).with_train_size(300).unwrap();
    let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
    let h = train(
        &mut net,
        &data,
        &mut Sgd::new(0.1),
        &TrainConfig {
            iters_num: 30,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(overfitting_curves(&h)
        .unwrap()
        .svg()
        .contains("final gap train − test"));
    let figure = weight_histograms(&[("plain", net.weights())]).unwrap();
    assert!(
        figure.svg().contains("with |w| &lt; 0.001") || figure.svg().contains("with |w| < 0.001")
    );
    let g = constraint_geometry((2.5, 0.3), 1.0).unwrap();
    assert!(constraint_chart(&g).unwrap().svg().contains("L1 (Lasso)"));
}

/// The titles give the share of near-zero weights to the tenth of a percent, as the
/// lesson's text does, and the counts on the y axis are whole numbers.
#[test]
fn weight_histograms_title_the_share_near_zero_and_count_in_whole_numbers() {
    // 5 of 1,000 weights near 0: 0.5%; the tallest bar holds about 50,000 weights
    let few_zeros = Array1::from_shape_fn(1000, |i| if i < 5 { 0.0 } else { 0.5 });
    let many = Array1::from_shape_fn(50_000, |i| if i % 4 == 0 { 1e-4 } else { 0.2 });
    let figure = weight_histograms(&[("few", few_zeros), ("many", many)]).unwrap();
    let svg = figure.svg();
    assert!(svg.contains("few: 0.5% with |w|"), "{}", figure.text());
    assert!(svg.contains("many: 25.0% with |w|"));
    assert!(svg.contains("\n30000\n"), "whole counts on the axis");
    assert!(!svg.contains("0000.0"), "no decimals on counts");
}
