//! The convolutional networks: gradients, summaries against the layers, the lecture's
//! LeNet and AlexNet numbers, shape errors before training, and accuracy on the digits.

use dl_lessons::ndarray::{self, s, Array1, ArrayD, Axis};
use dl_lessons::prelude::*;

/// A few images of `shape` and labels. Small values (0.1·randn): the course's loss has
/// 1e-7 inside its log while backprop's (y − t)/N leaves it out, which is exact only when
/// no label's probability is tiny, as it would be for a He-initialised net on large inputs.
fn images(shape: &[usize], n: usize, seed: u64) -> (ArrayD<f64>, Array1<usize>) {
    let mut full = vec![n];
    full.extend_from_slice(shape);
    let x = dl_lessons::init::randn(full, 0.1, &mut rng(seed)).unwrap();
    let t = Array1::from_iter((0..n).map(|i| (3 * i + 1) % 10));
    (x, t)
}

/// Elements of each parameter's gradient where backprop and the central difference agree
/// (to 1e-6 + 1e-5·|backprop|), and how many there are.
fn agreement(
    net: &mut Sequential,
    x: &ArrayD<f64>,
    t: &Array1<usize>,
) -> Vec<(String, usize, usize)> {
    net.loss(x, t, Mode::Train).unwrap(); // draws the dropout masks, then holds them
    net.layers_mut()
        .iter_mut()
        .for_each(|l| l.hold_random_masks(true));
    net.gradient(x, t).unwrap();
    let analytic: Vec<Vec<f64>> = net
        .params()
        .iter()
        .map(|p| p.grad.iter().copied().collect())
        .collect();
    let names = net.param_names();
    let mut rows = Vec::new();
    for (p, (grad, name)) in analytic.iter().zip(names).enumerate() {
        let mut agreeing = 0;
        for (i, &a) in grad.iter().enumerate() {
            let numeric = dl_lessons::functions::central_difference(|delta| {
                net.params()[p].value.as_slice_memory_order_mut().unwrap()[i] += delta;
                let loss = net.loss(x, t, Mode::Train);
                net.params()[p].value.as_slice_memory_order_mut().unwrap()[i] -= delta;
                loss
            })
            .unwrap();
            if (a - numeric).abs() <= 1e-6 + 1e-5 * a.abs() {
                agreeing += 1;
            }
        }
        rows.push((name, agreeing, grad.len()));
    }
    rows
}

/// ReLU and max pooling have kinks: where a nudge of h = 1e-4 crosses one (a unit within
/// h of 0, two pooled values within h of each other) that element's central difference
/// is off, by up to 1e-1, while elsewhere backprop and the numerical gradient agree to
/// about 1e-7. So every element is compared and nearly all must agree: a wrong backward
/// pass gets most of an array wrong, a kink a few elements.
fn assert_gradients_match(arch: Architecture) {
    let mut net = arch.build(1).unwrap();
    // Biases start at exactly 0, so a unit whose inputs are all 0 (ReLU's zeros reach the
    // next convolution) sits exactly on ReLU's kink: small random biases move it off.
    for (k, p) in net
        .params()
        .iter_mut()
        .filter(|p| p.name == "b")
        .enumerate()
    {
        let len = p.value.len();
        p.value.assign(
            &dl_lessons::init::randn(len, 0.1, &mut rng(40 + k as u64))
                .unwrap()
                .into_dyn(),
        );
    }
    let (x, t) = images(&arch.input_shape, 2, 7);
    for (name, agreeing, total) in agreement(&mut net, &x, &t) {
        assert!(
            agreeing * 10 >= total * 9,
            "{}: {name}: only {agreeing} of {total} elements agree",
            arch.name
        );
    }
}

#[test]
fn every_net_matches_its_numerical_gradient() {
    // small versions (the book's gradient_check.py: 1x10x10, 10 filters 3x3, hidden 10)
    let simple = SimpleConvNetConfig {
        conv_param: ConvParam::new(10, 3, 0),
        hidden_size: 10,
        init: Init::He,
        ..Default::default()
    };
    assert_gradients_match(simple.architecture(&[1, 10, 10], 10));
    let double = DoubleConvNetConfig {
        conv_param_1: ConvParam::new(3, 3, 1),
        conv_param_2: ConvParam::new(4, 3, 1),
        hidden_size: 10,
        init: Init::He,
        ..Default::default()
    };
    assert_gradients_match(double.architecture(&[1, 8, 8], 10));
    assert_gradients_match(
        DoubleConvNetConfig {
            first_pooling: false,
            ..double
        }
        .architecture(&[2, 8, 8], 10),
    );
    let deep = DeepConvNetConfig {
        conv_params: [
            ConvParam::new(2, 3, 1),
            ConvParam::new(2, 3, 1),
            ConvParam::new(3, 3, 1),
            ConvParam::new(3, 3, 2),
            ConvParam::new(4, 3, 1),
            ConvParam::new(4, 3, 1),
        ],
        hidden_size: 10,
        ..Default::default()
    };
    assert_gradients_match(deep.architecture(&[1, 8, 8], 10)); // dropout masks held
}

/// Every row of the summary has the shape the built layer produces and the number of
/// values its parameters hold.
fn assert_summary_matches_layers(arch: &Architecture) {
    let summary = arch.summary().unwrap();
    let mut net = arch.build(0).unwrap();
    let (x, _) = images(&arch.input_shape, 2, 3);
    let outputs = net.layer_outputs(&x).unwrap();
    assert_eq!(outputs.len(), summary.rows.len());
    for (row, out) in summary.rows.iter().zip(&outputs) {
        assert_eq!(
            out.shape()[1..],
            row.output_shape[..],
            "{}: {}",
            arch.name,
            row.name
        );
    }
    let params: usize = net.params().iter().map(|p| p.value.len()).sum();
    assert_eq!(params, summary.total_params(), "{}", arch.name);
}

#[test]
fn summaries_equal_what_the_layers_produce() {
    assert_summary_matches_layers(&SimpleConvNetConfig::default().architecture(&[1, 28, 28], 10));
    assert_summary_matches_layers(&DoubleConvNetConfig::default().architecture(&[1, 28, 28], 10));
    assert_summary_matches_layers(
        &DoubleConvNetConfig {
            first_pooling: false,
            ..Default::default()
        }
        .architecture(&[1, 28, 28], 10),
    );
    assert_summary_matches_layers(&DeepConvNetConfig::default().architecture(&[1, 28, 28], 10));
    assert_summary_matches_layers(&DeepConvNetConfig::default().architecture(&[1, 8, 8], 10));
    assert_summary_matches_layers(&lenet());
}

fn values_before_the_first_affine(summary: &Summary) -> usize {
    let k = summary
        .rows
        .iter()
        .position(|r| r.name == "Affine1")
        .unwrap();
    summary.rows[k - 1].output_shape.iter().product()
}

#[test]
fn course_sizes_4320_720_2880_1024() {
    let summary = |arch: Architecture| arch.summary().unwrap();
    let simple = summary(SimpleConvNetConfig::default().architecture(&[1, 28, 28], 10));
    assert_eq!(simple.rows[0].output_shape, vec![30, 24, 24]);
    assert_eq!(values_before_the_first_affine(&simple), 4320);
    assert_eq!(simple.rows[3].params, 4320 * 100 + 100);
    let double = summary(DoubleConvNetConfig::default().architecture(&[1, 28, 28], 10));
    assert_eq!(values_before_the_first_affine(&double), 720);
    let no_pool = DoubleConvNetConfig {
        first_pooling: false,
        ..Default::default()
    };
    assert_eq!(
        values_before_the_first_affine(&summary(no_pool.architecture(&[1, 28, 28], 10))),
        2880
    );
    let deep = summary(DeepConvNetConfig::default().architecture(&[1, 28, 28], 10));
    assert_eq!(values_before_the_first_affine(&deep), 1024);
    let conv4 = deep.rows.iter().find(|r| r.name == "Conv4").unwrap();
    assert_eq!(conv4.output_shape, vec![32, 16, 16]); // pad 2: 14 + 4 - 3 + 1
}

#[test]
fn lenet_and_alexnet_have_the_lecture_numbers() {
    let lenet = lenet().summary().unwrap();
    let shapes: Vec<Vec<usize>> = lenet
        .rows
        .iter()
        .filter(|r| !r.name.starts_with("Relu"))
        .map(|r| r.output_shape.clone())
        .collect();
    assert_eq!(
        shapes,
        vec![
            vec![6, 28, 28],
            vec![6, 14, 14],
            vec![16, 10, 10],
            vec![16, 5, 5],
            vec![120],
            vec![84],
            vec![10]
        ]
    );
    let params: Vec<usize> = lenet
        .rows
        .iter()
        .map(|r| r.params)
        .filter(|&p| p > 0)
        .collect();
    assert_eq!(params, vec![156, 2_416, 48_120, 10_164, 850]);

    let alex = alexnet(AlexNetHead::Flatten).summary().unwrap();
    let convs: Vec<Vec<usize>> = alex
        .rows
        .iter()
        .filter(|r| r.name.starts_with("Conv"))
        .map(|r| r.output_shape.clone())
        .collect();
    assert_eq!(
        convs,
        vec![
            vec![96, 55, 55],
            vec![256, 27, 27],
            vec![384, 13, 13],
            vec![384, 13, 13],
            vec![256, 13, 13]
        ]
    );
    assert_eq!(values_before_the_first_affine(&alex), 43_264);
    let units: Vec<usize> = alex
        .rows
        .iter()
        .filter(|r| r.name.starts_with("Affine"))
        .map(|r| r.output_shape[0])
        .collect();
    assert_eq!(units, vec![4096, 4096, 1000]);
    // dropout right after the ReLU of each 4096-unit layer
    let names: Vec<&str> = alex.rows.iter().map(|r| r.name.as_str()).collect();
    for affine in ["Affine1", "Affine2"] {
        let k = names.iter().position(|n| *n == affine).unwrap();
        assert!(names[k + 2].starts_with("Dropout"), "{names:?}");
    }
    for head in [
        AlexNetHead::GlobalMaxPooling,
        AlexNetHead::GlobalAveragePooling,
    ] {
        let global = alexnet(head).summary().unwrap();
        assert_eq!(values_before_the_first_affine(&global), 256, "{head:?}");
    }
    assert!(alexnet(AlexNetHead::GlobalMaxPooling)
        .summary()
        .unwrap()
        .rows
        .iter()
        .any(|r| r.name == "GlobalMaxPool1"));
}

#[test]
fn shapes_that_do_not_fit_are_rejected_before_training_with_the_layer_and_sizes() {
    let digits = Dataset::digits(0).images(1, 8, 8).unwrap();
    // 8 -> conv 7x7 pad 1: 4 -> pool: 2 -> a 3x3 filter does not fit
    let config = DoubleConvNetConfig {
        conv_param_2: ConvParam::new(20, 3, 0),
        ..Default::default()
    };
    let message = DoubleConvNet::new(&digits, config)
        .err()
        .unwrap()
        .to_string();
    assert!(message.starts_with("Conv2 (layer 4"), "{message}");
    assert!(
        message.contains("input 10x2x2") && message.contains("filter 3"),
        "{message}"
    );
    // a convolution after a flat layer
    let arch = Architecture {
        name: "bad".into(),
        input_shape: vec![1, 8, 8],
        layers: vec![LayerSpec::affine(10), LayerSpec::conv(3, 3, 0)],
        init: Init::He,
    };
    assert!(arch
        .build(0)
        .err()
        .unwrap()
        .to_string()
        .contains("Conv1 (layer 2"));
    // flat data: say how to get images
    let flat = SimpleConvNet::new(&Dataset::digits(0), SimpleConvNetConfig::default());
    assert!(flat.err().unwrap().to_string().contains(".images(1, 8, 8)"));
    // bad numbers name the parameter
    let zero = SimpleConvNetConfig {
        conv_param: ConvParam::new(0, 5, 0),
        ..Default::default()
    };
    assert!(
        SimpleConvNet::new(&digits.clone().upsampled(28).unwrap(), zero)
            .err()
            .unwrap()
            .to_string()
            .contains("filter_num = 0")
    );
    let dropout = DeepConvNetConfig {
        dropout_ratio: 1.5,
        ..Default::default()
    };
    assert!(DeepConvNet::new(&digits, dropout)
        .err()
        .unwrap()
        .to_string()
        .contains("dropout_ratio = 1.5"));
}

#[test]
fn upsampling_keeps_the_picture() {
    let digits = Dataset::digits(0).images(1, 8, 8).unwrap();
    let big = digits.clone().upsampled(28).unwrap();
    assert_eq!(big.x_train.shape(), &[1500, 1, 28, 28]);
    // the mean brightness of each image barely changes and the labels stay
    for i in 0..20 {
        let small = digits.x_train.index_axis(Axis(0), i).mean().unwrap();
        let large = big.x_train.index_axis(Axis(0), i).mean().unwrap();
        assert!(
            (small - large).abs() < 0.05,
            "image {i}: {small} vs {large}"
        );
    }
    assert_eq!(big.t_train, digits.t_train);
    assert!(Dataset::digits(0).upsampled(28).is_err()); // flat samples
}

/// The test accuracy after the notebook's 300 Adam iterations (seeds fixed).
fn accuracy_after_300_iterations(net: &mut Sequential, data: &Dataset) -> f64 {
    let config = TrainConfig {
        iters_num: 300,
        eval_interval: 300,
        ..Default::default()
    };
    let history = train(net, data, &mut Adam::default(), &config).unwrap();
    println!("{}", history.summary());
    history.final_test_accuracy().unwrap()
}

#[test]
fn simple_conv_net_learns_the_upsampled_digits() {
    let data = Dataset::digits(0)
        .images(1, 8, 8)
        .unwrap()
        .upsampled(28)
        .unwrap();
    let mut net = SimpleConvNet::new(&data, SimpleConvNetConfig::default()).unwrap();
    let accuracy = accuracy_after_300_iterations(&mut net, &data);
    assert!(accuracy >= 0.93, "{accuracy}");
}

#[test]
fn deep_conv_net_learns_the_digits() {
    let data = Dataset::digits(0).images(1, 8, 8).unwrap();
    let mut net = DeepConvNet::new(&data, DeepConvNetConfig::default()).unwrap();
    let accuracy = accuracy_after_300_iterations(&mut net, &data);
    assert!(accuracy >= 0.97, "{accuracy}");
}

#[test]
fn charts_of_a_trained_net_render() {
    let data = Dataset::digits(0).images(1, 8, 8).unwrap();
    let mut net = SimpleConvNet::new(
        &data,
        SimpleConvNetConfig {
            conv_param: ConvParam::new(8, 3, 1),
            ..Default::default()
        },
    )
    .unwrap();
    let filters = net.first_filters().unwrap();
    assert_eq!(filters.dim(), (8, 1, 3, 3));
    assert!(filter_grid(&mut net, "before training")
        .unwrap()
        .svg()
        .contains("8 filters 3x3"));
    let image = data.test_sample(0).unwrap();
    assert!(data.test_sample(297).is_err());
    let maps = feature_maps(&mut net, &image, 4).unwrap();
    assert!(maps.text().contains("Conv1 [8, 8, 8]"), "{}", maps.text());
    let wrong = misclassified(&mut net, &data, 5).unwrap(); // untrained: most are wrong
    assert!(wrong.svg().matches("→").count() >= 5);
    assert!(feature_maps(
        &mut net,
        &data.x_test.slice(s![0, 0, .., ..]).to_owned().into_dyn(),
        4
    )
    .is_err());
    let diagram = network_diagram(&net.summary()).unwrap();
    assert!(
        diagram.text().contains("Conv1 8x8x8 -> Pool1 8x4x4"),
        "{}",
        diagram.text()
    );
    let table = net.summary().to_table();
    assert!(
        table.to_html().contains(">Conv1</td>"),
        "{}",
        table.to_html()
    );
    // (8·9 + 8) + (8·4·4·100 + 100) + (100·10 + 10)
    assert_eq!(table.rows.last().unwrap()[4], "13,990");
}

#[test]
fn a_hand_built_stack_is_checked_layer_by_layer() {
    let conv = |c: usize| -> Box<dyn Layer> {
        Box::new(
            Convolution::new(ndarray::Array4::zeros((4, c, 3, 3)), Array1::zeros(4), 1, 0).unwrap(),
        )
    };
    // channels: the filters have 3, the input 1
    let error = Sequential::new(vec![1, 8, 8], vec![conv(3)], "bad")
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("layer 1 (Convolution)") && error.contains("[1, 8, 8]"),
        "{error}"
    );
    assert!(
        error.contains("the filters have 3 channels but x"),
        "{error}"
    );
    // a pooling window larger than what is left
    let layers: Vec<Box<dyn Layer>> = vec![conv(1), Box::new(Pooling::new(7, 7, 1, 0).unwrap())];
    let error = Sequential::new(vec![1, 8, 8], layers, "bad")
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("layer 2 (Pooling) on a sample of shape [4, 6, 6]"),
        "{error}"
    );
    // an affine layer whose rows do not match the flattened maps
    let layers: Vec<Box<dyn Layer>> = vec![
        conv(1),
        Box::new(Affine::new(ndarray::Array2::zeros((100, 10)), Array1::zeros(10)).unwrap()),
    ];
    let error = Sequential::new(vec![1, 8, 8], layers, "bad")
        .err()
        .unwrap()
        .to_string();
    assert!(error.contains("flattens to 144 values"), "{error}");
    // and a good stack passes
    let layers: Vec<Box<dyn Layer>> = vec![
        conv(1),
        Box::new(Affine::new(ndarray::Array2::zeros((144, 10)), Array1::zeros(10)).unwrap()),
    ];
    assert!(Sequential::new(vec![1, 8, 8], layers, "good").is_ok());
}
