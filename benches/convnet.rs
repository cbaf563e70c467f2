//! One training step of the course's SimpleConvNet against the course's algorithm in numpy.
//!
//! `cargo bench --bench convnet` times forward + backward + one Adam update of
//! SimpleConvNet (30 filters 5x5, pool 2x2, hidden 100) on a batch of 100 images of
//! 1x28x28 in this crate, runs `benches/convnet_numpy.py` (the same step written in numpy
//! the way the course does it) in the same invocation, and prints the ratio (target: at
//! least 5x) and the achieved GFLOP/s against the machine's dgemm peak measured in the
//! same run (numpy's OpenBLAS and this crate's matrix product, 2000x2000).
//! The numpy side runs with `$PYTHON` or `.venv/bin/python` (needs numpy).
//! It also times forward and backward with the first layer's input gradient (the layers
//! built by hand), alone and with an Adam update, since numpy's step computes that
//! gradient. Then PyTorch on the CPU (`benches/convnet_torch.py`, with `$TORCH_PYTHON` or
//! `.venv-bench/bin/python`; skipped, and said, without torch), in float64 like this crate
//! and float32 for reference: forward and backward with the input gradient against the
//! crate's, and the training step (no input gradient on either side) against the crate's.
//! Both references run as servers (`--serve`, `benches/reference.py`), so each reference
//! measurement is taken right after the crate's it is compared with; all of it runs in
//! `BENCH_ROUNDS` rounds (default 7), and each ratio is the median of the rounds' ratios,
//! printed with their range.

mod common;

use std::hint::black_box;

use common::{median_seconds, value_of, Reference};

use dl_lessons::data::Dataset;
use dl_lessons::init::{randn, rng};
use dl_lessons::kernels::{backend, matmul};
use dl_lessons::layers::{Affine, Convolution, Layer, Mode, Pooling, Relu, SoftmaxWithLoss};
use dl_lessons::ndarray::{s, Array1, Array2, Array4, ArrayD, Axis, Ix2};
use dl_lessons::net::{SimpleConvNet, SimpleConvNetConfig};
use dl_lessons::optim::{Adam, Optimizer};

/// Floating-point operations of one step: every matrix product, forward and backward.
/// `with_input_dx` counts the first convolution's dx, which the course computes and
/// this crate skips (nothing uses the gradient of the data).
fn step_flops(with_input_dx: bool) -> f64 {
    let (n, filters, patch, positions) = (100.0, 30.0, 25.0, 576.0);
    let conv = 2.0 * n * filters * patch * positions;
    let affine = |inputs: f64, outputs: f64| 2.0 * n * inputs * outputs;
    let products = conv + affine(4320.0, 100.0) + affine(100.0, 10.0);
    let conv_backward = conv * if with_input_dx { 2.0 } else { 1.0 };
    products + conv_backward + 2.0 * (affine(4320.0, 100.0) + affine(100.0, 10.0))
}

/// Forward and backward of the same network built from the layers by hand, the first
/// convolution's input gradient computed (the work of every convolution that is not the
/// first layer): what PyTorch's `fwd_bwd_dx` computes, and with `update`, one Adam update
/// as well: what the course's numpy step computes.
fn forward_backward_with_dx<'a>(
    x: &'a ArrayD<f64>,
    t: &'a Array1<usize>,
    update: bool,
) -> impl FnMut() + 'a {
    let mut r = rng(0);
    let mut layers: Vec<Box<dyn Layer>> = vec![
        Box::new(
            Convolution::new(
                randn((30, 1, 5, 5), 0.01, &mut r).unwrap(),
                Array1::zeros(30),
                1,
                0,
            )
            .unwrap(),
        ),
        Box::new(Relu::new()),
        Box::new(Pooling::new(2, 2, 2, 0).unwrap()),
        Box::new(
            Affine::new(
                randn((4320, 100), 0.01, &mut r).unwrap(),
                Array1::zeros(100),
            )
            .unwrap(),
        ),
        Box::new(Relu::new()),
        Box::new(Affine::new(randn((100, 10), 0.01, &mut r).unwrap(), Array1::zeros(10)).unwrap()),
    ];
    let mut last = SoftmaxWithLoss::new();
    let mut adam = Adam::default();
    move || {
        let mut out = x.clone();
        for layer in layers.iter_mut() {
            out = layer.forward(&out, Mode::Train).unwrap();
        }
        let scores: Array2<f64> = out.into_dimensionality::<Ix2>().unwrap();
        black_box(last.forward(&scores, t).unwrap());
        let mut dout = last.backward().unwrap().into_dyn();
        for layer in layers.iter_mut().rev() {
            dout = layer.backward(&dout).unwrap();
        }
        let dx: Array4<f64> = dout.into_dimensionality().unwrap();
        black_box(dx);
        if update {
            let mut params: Vec<_> = layers.iter_mut().flat_map(|l| l.params()).collect();
            adam.update(&mut params).unwrap();
        }
    }
}

/// One round's measurements, in seconds: this crate's three, and the references' (by
/// their scripts' names: `step` of numpy, `fwd_bwd_dx_f64` ... of PyTorch).
struct Round {
    step: f64,
    dx: f64,
    dx_step: f64,
    numpy: Option<f64>,
    torch: Vec<(String, f64)>,
}

impl Round {
    fn torch(&self, name: &str) -> Option<f64> {
        self.torch.iter().find(|(n, _)| n == name).map(|&(_, s)| s)
    }
}

/// The median of `values` (at least one).
fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut sorted: Vec<f64> = values.into_iter().collect();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

/// The median of `values` and their range, as "4.2x (3.9-4.6)".
fn summary(values: &[f64]) -> String {
    let low = values.iter().copied().fold(f64::INFINITY, f64::min);
    let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!(
        "{:.2}x ({low:.2}-{high:.2})",
        median(values.iter().copied())
    )
}

fn main() {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let data = Dataset::digits(0)
        .images(1, 8, 8)
        .and_then(|d| d.upsampled(28))
        .expect("digits as 1x28x28 images");
    let mut net =
        SimpleConvNet::new(&data, SimpleConvNetConfig::default()).expect("the course's net");
    let x: ArrayD<f64> = data.x_train.slice_axis(Axis(0), (0..100).into()).to_owned();
    let t: Array1<usize> = data.t_train.slice(s![..100]).to_owned();
    let mut adam = Adam::default(); // lr 0.001, the course's default
    let mut step = || {
        black_box(net.gradient(&x, &t).unwrap());
        adam.update(&mut net.params()).unwrap();
    };
    for _ in 0..5 {
        step(); // warm up: first steps allocate the optimizer state and the buffers
    }
    let mut with_dx = forward_backward_with_dx(&x, &t, false);
    let mut with_dx_step = forward_backward_with_dx(&x, &t, true);
    for _ in 0..5 {
        with_dx();
        with_dx_step();
    }
    let mut numpy = Reference::numpy("convnet_numpy.py");
    let mut torch = Reference::torch("convnet_torch.py");
    let mut torch_times = |names: [&str; 2]| -> Vec<(String, f64)> {
        let Some(torch) = torch.as_mut() else {
            return Vec::new();
        };
        names
            .iter()
            .filter_map(|&name| Some((name.to_string(), torch.seconds(name, 21)?)))
            .collect()
    };
    // Each reference is timed right after the crate's side it is compared with, so that a
    // machine whose speed drifts (a shared host) moves both sides of each ratio alike.
    let results: Vec<Round> = (0..rounds.max(1))
        .map(|_| {
            let dx = median_seconds(21, &mut with_dx);
            let mut torch = torch_times(["fwd_bwd_dx_f64", "fwd_bwd_dx_f32"]);
            let step = median_seconds(21, &mut step);
            torch.extend(torch_times(["step_f64", "step_f32"]));
            let dx_step = median_seconds(21, &mut with_dx_step);
            let numpy = numpy.as_mut().and_then(|numpy| numpy.seconds("step", 7));
            Round {
                step,
                dx,
                dx_step,
                numpy,
                torch,
            }
        })
        .collect();
    let crate_ms = |f: fn(&Round) -> f64| median(results.iter().map(f)) * 1e3;

    let size = 2000;
    let a: Array2<f64> = randn((size, size), 1.0, &mut rng(1)).unwrap();
    black_box(matmul(&a, &a).unwrap());
    let dgemm = 2.0 * (size as f64).powi(3)
        / median_seconds(3, || {
            black_box(matmul(&a, &a).unwrap());
        })
        / 1e9;

    let flops = step_flops(false);
    let step_ms = crate_ms(|r| r.step);
    let gflops = flops / step_ms / 1e6;
    println!("{} rounds; each side's time is the median of its rounds, each ratio the median of the rounds' ratios (and their range)", results.len());
    println!(
        "SimpleConvNet step (batch 100, 1x28x28, Adam): {step_ms:.2} ms, {:.2} GFLOP of matrix products = {gflops:.1} GFLOP/s",
        flops / 1e9
    );
    println!("this crate's dgemm (dl_lessons::matmul with {} kernels, both cores, {size}x{size}): {dgemm:.1} GFLOP/s, so the step runs at {:.0}% of it", backend(), 100.0 * gflops / dgemm);
    println!(
        "SimpleConvNet forward and backward with the first layer's dx (the layers by hand): {:.2} ms; with an Adam update as well: {:.2} ms",
        crate_ms(|r| r.dx),
        crate_ms(|r| r.dx_step)
    );
    let numpy_rounds: Vec<(&Round, f64)> =
        results.iter().filter_map(|r| Some((r, r.numpy?))).collect();
    match numpy.as_ref() {
        Some(numpy) if !numpy_rounds.is_empty() => {
            let numpy_ms = median(numpy_rounds.iter().map(|&(_, n)| n * 1e3));
            println!(
                "numpy (the course's algorithm, {:.2} GFLOP): {numpy_ms:.2} ms = {:.1} GFLOP/s; its dgemm ({}): {:.1} GFLOP/s",
                step_flops(true) / 1e9,
                step_flops(true) / numpy_ms / 1e6,
                numpy.info.lines().find_map(|l| l.strip_prefix("blas ")).unwrap_or("unknown"),
                value_of(&numpy.info, "dgemm").unwrap_or(f64::NAN),
            );
            let ratios = |f: fn(&Round) -> f64| -> Vec<f64> {
                numpy_rounds.iter().map(|&(r, n)| n / f(r)).collect()
            };
            println!(
                "ratio, both with the first layer's dx and an Adam update: {} faster than numpy (target >= 5); this crate's training step (no dx) {}",
                summary(&ratios(|r| r.dx_step)),
                summary(&ratios(|r| r.step)),
            );
        }
        _ => println!("numpy reference not run"),
    }
    let Some(torch) = torch
        .as_ref()
        .filter(|_| results.iter().any(|r| !r.torch.is_empty()))
    else {
        println!("PyTorch reference not run (install torch in .venv-bench, or set TORCH_PYTHON)");
        return;
    };
    let threads = value_of(&torch.info, "threads").unwrap_or(f64::NAN);
    for (dtype, short) in [("float64", "f64"), ("float32", "f32")] {
        for (what, key, ours, target) in [
            (
                "forward and backward with dx",
                "fwd_bwd_dx",
                (|r: &Round| r.dx) as fn(&Round) -> f64,
                " (target >= 1.2 against float64)",
            ),
            (
                "training step (no input gradient, Adam)",
                "step",
                |r: &Round| r.step,
                " (target: faster than float64)",
            ),
        ] {
            let pairs: Vec<(f64, f64)> = results
                .iter()
                .filter_map(|r| Some((r.torch(&format!("{key}_{short}"))?, ours(r))))
                .collect();
            if pairs.is_empty() {
                continue;
            }
            let torch_ms = median(pairs.iter().map(|p| p.0 * 1e3));
            let ratios: Vec<f64> = pairs.iter().map(|(theirs, ours)| theirs / ours).collect();
            println!(
                "PyTorch {dtype} {what} ({threads} threads): {:.2} ms; this crate (float64) is {} its speed{target}",
                torch_ms,
                summary(&ratios)
            );
        }
    }
}
