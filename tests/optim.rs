//! Each optimizer's first three updates, computed by hand from the course's rules, and the
//! book's optimizer paths on f(x, y) = x²/20 + y².

use approx::assert_abs_diff_eq;
use dl_lessons::prelude::*;

/// Applies `optimizer` to one weight w0 = 1 with the gradients 0.5, −1.0, 2.0 in turn and
/// returns w after each update.
fn three_steps(optimizer: &mut dyn Optimizer) -> [f64; 3] {
    let mut w = array![1.0].into_dyn();
    let mut out = [0.0; 3];
    for (k, g) in [0.5, -1.0, 2.0].into_iter().enumerate() {
        let grad = array![g].into_dyn();
        optimizer
            .update(&mut [Param {
                name: "W",
                value: w.view_mut(),
                grad: grad.view(),
            }])
            .unwrap();
        out[k] = w[0];
    }
    out
}

fn assert_steps(actual: [f64; 3], expected: [f64; 3]) {
    for (a, e) in actual.iter().zip(expected) {
        assert_abs_diff_eq!(*a, e, epsilon = 1e-12);
    }
}

#[test]
fn sgd_three_steps() {
    // w ← w − 0.1·g: 1 − 0.05 = 0.95; 0.95 + 0.1 = 1.05; 1.05 − 0.2 = 0.85
    assert_steps(three_steps(&mut Sgd::new(0.1)), [0.95, 1.05, 0.85]);
}

#[test]
fn momentum_three_steps() {
    // v ← 0.9v − 0.1g; w ← w + v
    // v1 = −0.05            w1 = 0.95
    // v2 = −0.045 + 0.1     = 0.055,   w2 = 1.005
    // v3 = 0.0495 − 0.2     = −0.1505, w3 = 0.8545
    assert_steps(
        three_steps(&mut Momentum::new(0.1, 0.9)),
        [0.95, 1.005, 0.8545],
    );
}

#[test]
fn nesterov_three_steps_in_the_course_order() {
    // v ← 0.9v − 0.1g; w ← w + 0.81v; w ← w − 1.9·0.1·g
    // v1 = −0.05:    w1 = 1 − 0.0405 − 0.095      = 0.8645
    // v2 = 0.055:    w2 = 0.8645 + 0.04455 + 0.19 = 1.09905
    // v3 = −0.1505:  w3 = 1.09905 − 0.121905 − 0.38 = 0.597145
    assert_steps(
        three_steps(&mut Nesterov::new(0.1, 0.9)),
        [0.8645, 1.09905, 0.597145],
    );
}

#[test]
fn adagrad_three_steps() {
    // h ← h + g²; w ← w − 0.1·g/(√h + 1e-7)
    // h1 = 0.25: w1 = 1 − 0.05/(0.5 + 1e-7)
    // h2 = 1.25: w2 = w1 + 0.1/(√1.25 + 1e-7)
    // h3 = 5.25: w3 = w2 − 0.2/(√5.25 + 1e-7)
    let w1 = 1.0 - 0.05 / (0.5 + 1e-7);
    let w2 = w1 + 0.1 / (1.25f64.sqrt() + 1e-7);
    let w3 = w2 - 0.2 / (5.25f64.sqrt() + 1e-7);
    assert_steps(three_steps(&mut AdaGrad::new(0.1)), [w1, w2, w3]);
}

#[test]
fn rmsprop_three_steps() {
    // h ← 0.99h + 0.01g²; w ← w − 0.1·g/(√h + 1e-7)
    let h1: f64 = 0.01 * 0.25;
    let h2: f64 = 0.99 * h1 + 0.01 * 1.0;
    let h3: f64 = 0.99 * h2 + 0.01 * 4.0;
    let w1 = 1.0 - 0.1 * 0.5 / (h1.sqrt() + 1e-7);
    let w2 = w1 + 0.1 / (h2.sqrt() + 1e-7);
    let w3 = w2 - 0.2 / (h3.sqrt() + 1e-7);
    assert_steps(three_steps(&mut RmsProp::new(0.1, 0.99)), [w1, w2, w3]);
}

#[test]
fn adam_three_steps_with_bias_correction_in_lr_t() {
    // t-th update: lr_t = lr·√(1 − β2^t)/(1 − β1^t); m += (1−β1)(g − m); v += (1−β2)(g² − v);
    // w −= lr_t·m/(√v + 1e-7)
    let (lr, b1, b2) = (0.1f64, 0.9f64, 0.999f64);
    let (mut m, mut v, mut w) = (0.0f64, 0.0f64, 1.0f64);
    let mut expected = [0.0; 3];
    for (k, g) in [0.5f64, -1.0, 2.0].into_iter().enumerate() {
        let t = (k + 1) as i32;
        let lr_t = lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
        m += (1.0 - b1) * (g - m);
        v += (1.0 - b2) * (g * g - v);
        w -= lr_t * m / (v.sqrt() + 1e-7);
        expected[k] = w;
    }
    // the first step is lr·g/|g| up to ε: 1 − 0.1
    assert_abs_diff_eq!(expected[0], 0.9, epsilon = 1e-5);
    assert_steps(three_steps(&mut Adam::new(lr, b1, b2)), expected);
}

#[test]
fn state_is_per_parameter() {
    // Two parameters with different gradients keep separate velocities.
    let mut opt = Momentum::new(0.1, 0.9);
    let (mut a, mut b) = (array![0.0].into_dyn(), array![0.0].into_dyn());
    let (ga, gb) = (array![1.0].into_dyn(), array![-2.0].into_dyn());
    for _ in 0..2 {
        opt.update(&mut [
            Param {
                name: "a",
                value: a.view_mut(),
                grad: ga.view(),
            },
            Param {
                name: "b",
                value: b.view_mut(),
                grad: gb.view(),
            },
        ])
        .unwrap();
    }
    assert_abs_diff_eq!(a[0], -0.29, epsilon = 1e-12); // −0.1, then −0.19
    assert_abs_diff_eq!(b[0], 0.58, epsilon = 1e-12);
}

fn close(p: (f64, f64), x: f64, y: f64) -> bool {
    (p.0 - x).abs() < 1e-3 && (p.1 - y).abs() < 1e-3
}

/// Points of the book's optimizer_compare_naive (start (−7, 2), 30 steps).
#[test]
fn book_paths_on_the_valley() {
    let start = (-7.0, 2.0);
    let sgd = trajectory(&mut Sgd::new(0.95), start, 30).unwrap();
    assert_eq!(sgd.len(), 30);
    assert!(
        close(sgd[1], -6.335, -1.8) && close(sgd[2], -5.733, 1.62),
        "{:?}",
        &sgd[..3]
    );
    assert!(close(sgd[29], -0.387, -0.094), "{:?}", sgd[29]);
    // zig-zag: y changes sign at every step
    assert!(sgd.windows(2).all(|w| w[0].1 * w[1].1 < 0.0));

    let momentum = trajectory(&mut Momentum::new(0.1, 0.9), start, 30).unwrap();
    assert!(close(momentum[1], -6.93, 1.6) && close(momentum[2], -6.798, 0.92));
    assert!(close(momentum[29], 0.814, 0.273), "{:?}", momentum[29]);
    // it overshoots the minimum in x, rolling past 0 like a ball
    assert!(momentum.iter().any(|p| p.0 > 0.0));

    let adagrad = trajectory(&mut AdaGrad::new(1.5), start, 30).unwrap();
    assert!(close(adagrad[1], -5.5, 0.5) && close(adagrad[2], -4.573, 0.136));
    assert!(close(adagrad[29], -0.136, 0.0), "{:?}", adagrad[29]);
    // y is damped at once and never comes back
    assert!(adagrad[3..].iter().all(|p| p.1.abs() < 0.05));

    let adam = trajectory(&mut Adam::new(0.3, 0.9, 0.999), start, 30).unwrap();
    assert!(close(adam[1], -6.7, 1.7) && close(adam[2], -6.4, 1.402));
    assert!(close(adam[29], 0.020, 0.322), "{:?}", adam[29]);
}

#[test]
fn a_diverging_path_stops_at_the_last_finite_point() {
    let path = trajectory(&mut Sgd::new(1e200), (-7.0, 2.0), 30).unwrap();
    assert!(path.len() < 30);
    assert!(path.iter().all(|p| p.0.is_finite() && p.1.is_finite()));
}

#[test]
fn bad_hyperparameters_are_named() {
    let check = |o: &dyn Optimizer| o.validate().unwrap_err().to_string();
    assert_eq!(
        check(&Sgd::new(-1.0)),
        "lr = -1: must be a finite number > 0"
    );
    assert_eq!(
        check(&Momentum::new(0.1, 1.0)),
        "momentum = 1: must lie in [0, 1)"
    );
    assert_eq!(
        check(&Nesterov::new(0.1, -0.5)),
        "momentum = -0.5: must lie in [0, 1)"
    );
    assert_eq!(
        check(&AdaGrad::new(f64::NAN)),
        "lr = NaN: must be a finite number > 0"
    );
    assert_eq!(
        check(&RmsProp::new(0.1, 1.5)),
        "decay_rate = 1.5: must lie in [0, 1)"
    );
    assert_eq!(
        check(&Adam::new(0.1, 1.0, 0.999)),
        "beta1 = 1: must lie in [0, 1)"
    );
    assert_eq!(
        check(&Adam::new(0.1, 0.9, f64::INFINITY)),
        "beta2 = inf: must lie in [0, 1)"
    );
    assert!(Adam::default().validate().is_ok());
}

#[test]
fn minibatches_are_consecutive_slices_or_a_seeded_shuffle() {
    use dl_lessons::data::{batch_ranges, minibatches};
    let data_x = Array2::from_shape_fn((10, 2), |(i, j)| (10 * i + j) as f64);
    let data_t = Array1::from_iter(0..10usize);
    let batches = minibatches(&data_x, &data_t, 4, None).unwrap();
    assert_eq!(batch_ranges(10, 4).unwrap(), vec![(0, 4), (4, 8), (8, 10)]);
    assert_eq!(batches[1].0, data_x.slice(s![4..8, ..])); // data_x[i:i_end]
    assert_eq!(batches[2].1, array![8, 9]); // data_t[i:i_end], the last batch shorter
    let shuffled = minibatches(&data_x, &data_t, 4, Some(3)).unwrap();
    assert_eq!(shuffled, minibatches(&data_x, &data_t, 4, Some(3)).unwrap());
    let mut labels: Vec<usize> = shuffled.iter().flat_map(|(_, t)| t.to_vec()).collect();
    assert_ne!(labels, (0..10).collect::<Vec<_>>());
    labels.sort();
    assert_eq!(labels, (0..10).collect::<Vec<_>>());
    // rows stay with their labels
    for (x, t) in &shuffled {
        for (row, &label) in x.rows().into_iter().zip(t) {
            assert_eq!(row[0], 10.0 * label as f64);
        }
    }
    assert_eq!(
        minibatches(&data_x, &data_t, 0, None)
            .unwrap_err()
            .to_string(),
        "batch_size = 0: must be at least 1"
    );
}

#[test]
fn optimizers_compared_on_the_same_network_and_batches() {
    let data = Dataset::digits(0);
    let config = MultiLayerNetConfig::default();
    let train_config = TrainConfig {
        iters_num: 30,
        ..Default::default()
    };
    let runs = compare_optimizers(
        &data,
        &config,
        vec![
            Box::new(Sgd::new(0.1)),
            Box::new(Adam::default()),
            Box::new(Sgd::new(0.1)),
        ],
        &train_config,
    )
    .unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[1].label, "Adam(lr=0.001, beta1=0.9, beta2=0.999)");
    // the same optimizer on the same net and batches gives the same run, whichever thread
    assert_eq!(runs[0].train_loss, runs[2].train_loss);
    let e = compare_optimizers(
        &data,
        &config,
        vec![Box::new(Adam::new(0.1, 1.2, 0.999))],
        &train_config,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "beta1 = 1.2: must lie in [0, 1)");
    let sweep = learning_rate_sweep(&data, &config, &[0.01, 0.1], Sgd::new, &train_config).unwrap();
    assert_eq!(sweep[1].label, "SGD(lr=0.1)");
}

#[test]
fn a_bad_start_or_count_is_an_error_not_a_short_path() {
    for start in [(f64::NAN, 2.0), (-7.0, f64::INFINITY)] {
        let e = trajectory(&mut Sgd::new(0.1), start, 30)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("start."), "{e}");
    }
    assert!(trajectory(&mut Sgd::new(f64::NAN), (-7.0, 2.0), 30).is_err());
    assert!(trajectory(&mut Sgd::new(0.1), (-7.0, 2.0), 0).is_err());
    assert!(trajectory(&mut Sgd::new(0.1), (-7.0, 2.0), usize::MAX).is_err());
}

/// An optimizer written by hand implements only `update` and trains like the library's.
#[test]
fn a_hand_written_optimizer_trains_a_network() {
    struct MyMomentum {
        lr: f64,
        momentum: f64,
        v: Vec<ArrayD<f64>>,
    }
    impl Optimizer for MyMomentum {
        fn update(&mut self, params: &mut [Param]) -> Result<()> {
            if self.v.is_empty() {
                self.v = params
                    .iter()
                    .map(|p| ArrayD::zeros(p.value.raw_dim()))
                    .collect();
            }
            for (p, v) in params.iter_mut().zip(&mut self.v) {
                *v = self.momentum * &*v - self.lr * &p.grad;
                p.value += &*v;
            }
            Ok(())
        }
    }
    let data = Dataset::digits(0);
    let run = |optimizer: &mut dyn Optimizer| {
        let mut net = MultiLayerNet::new(&data, MultiLayerNetConfig::default()).unwrap();
        train(
            &mut net,
            &data,
            optimizer,
            &TrainConfig {
                iters_num: 50,
                ..Default::default()
            },
        )
        .unwrap()
    };
    let mine = run(&mut MyMomentum {
        lr: 0.1,
        momentum: 0.9,
        v: Vec::new(),
    });
    let library = run(&mut Momentum::new(0.1, 0.9));
    assert_eq!(mine.train_loss, library.train_loss);
    assert!(mine.label.ends_with("MyMomentum"), "{}", mine.label);
}

#[test]
fn trajectories_validate_before_drawing() {
    let mut optimizers: Vec<Box<dyn Optimizer>> =
        vec![Box::new(Sgd::new(0.95)), Box::new(AdaGrad::new(-1.0))];
    let e = trajectories(&mut optimizers, (-7.0, 2.0), 30).unwrap_err();
    assert_eq!(e.to_string(), "lr = -1: must be a finite number > 0");
}

#[test]
fn adam_updates_a_large_array_on_both_cores_exactly_as_the_formula() {
    // above the size where the update is split across threads
    let n = 300_001;
    let grad =
        dl_lessons::ndarray::ArrayD::from_shape_fn(vec![n], |i| ((i[0] % 17) as f64 - 8.0) * 0.1);
    let mut w = dl_lessons::ndarray::ArrayD::from_shape_fn(vec![n], |i| (i[0] % 5) as f64);
    let mut expected = w.clone();
    let (mut m, mut v) = (vec![0.0; n], vec![0.0; n]);
    let mut adam = Adam::new(0.01, 0.9, 0.999);
    for step in 1..=2 {
        adam.update(&mut [Param {
            name: "W",
            value: w.view_mut(),
            grad: grad.view(),
        }])
        .unwrap();
        let lr_t = 0.01 * (1.0f64 - 0.999f64.powi(step)).sqrt() / (1.0 - 0.9f64.powi(step));
        for i in 0..n {
            let g = grad[[i]];
            m[i] += (1.0 - 0.9) * (g - m[i]);
            v[i] += (1.0 - 0.999) * (g * g - v[i]);
            expected[[i]] -= lr_t * m[i] / (v[i].sqrt() + 1e-7);
        }
    }
    assert_eq!(w, expected);
}
