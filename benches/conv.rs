//! Convolution speed against memory bandwidth and against numpy, measured in one run.
//!
//! `cargo bench --bench conv` prints, for the course's two convolution shapes,
//! (100, 1, 28, 28) with 5x5 filters and (100, 30, 12, 12) with 3x3 filters and pad 1:
//! im2col's write bandwidth as a fraction of a plain copy of the same number of bytes
//! (target: at least 0.5), and Convolution forward+backward (30 filters) against the
//! course's algorithm in numpy, `benches/conv_numpy.py` (target: at least 3x faster).
//! The numpy side runs with `$PYTHON` or `.venv/bin/python` (needs numpy:
//! `.venv/bin/pip install numpy`), each measurement right after the crate's; without it
//! only the Rust numbers are printed.

mod common;

use std::hint::black_box;

use common::{median_seconds, Reference};

use dl_lessons::conv::im2col;
use dl_lessons::init::{randn, rng};
use dl_lessons::kernels::backend;
use dl_lessons::layers::{Convolution, Layer, Mode};
use dl_lessons::ndarray::{Array1, Array4, ArrayD};

fn main() {
    let cases = [
        ("mnist", (100, 1, 28, 28), 5, 0),
        ("pooled", (100, 30, 12, 12), 3, 1),
    ];
    let mut numpy = Reference::numpy("conv_numpy.py");
    for (name, shape, f, pad) in cases {
        let x: Array4<f64> = randn(shape, 1.0, &mut rng(0)).unwrap();
        let col = im2col(&x, f, f, 1, pad).unwrap();
        let bytes = (col.len() * 8) as f64;
        let t_im2col = median_seconds(15, || {
            black_box(im2col(black_box(&x), f, f, 1, pad).unwrap());
        });
        let source = vec![1.0f64; col.len()];
        let t_copy = median_seconds(15, || {
            black_box(black_box(&source).clone());
        });
        let w: Array4<f64> = randn((30, shape.1, f, f), 0.01, &mut rng(1)).unwrap();
        let mut conv = Convolution::new(w, Array1::zeros(30), 1, pad).unwrap();
        let xd = x.clone().into_dyn();
        let t_conv = median_seconds(15, || {
            let out = conv.forward(&xd, Mode::Train).unwrap();
            black_box(conv.backward(&ArrayD::ones(out.raw_dim())).unwrap());
        });
        println!(
            "{name} {shape:?} {f}x{f} pad {pad}: im2col {:.2} ms = {:.1} GB/s, copy of the same bytes {:.1} GB/s, ratio {:.2} (target >= 0.5)",
            t_im2col * 1e3,
            bytes / t_im2col / 1e9,
            bytes / t_copy / 1e9,
            t_copy / t_im2col
        );
        let mut numpy_seconds = |what: &str| numpy.as_mut()?.seconds(&format!("{what}_{name}"), 7);
        match numpy_seconds("im2col").zip(numpy_seconds("conv")) {
            Some((np_im2col, np_conv)) => println!(
                "{name}: numpy im2col {:.2} ms ({:.2} of copy bandwidth); Convolution forward+backward ({} products) {:.2} ms vs numpy {:.2} ms: {:.1}x faster (target >= 3)",
                np_im2col * 1e3,
                t_copy / np_im2col,
                backend(),
                t_conv * 1e3,
                np_conv * 1e3,
                np_conv / t_conv
            ),
            None => println!("{name}: Convolution forward+backward {:.2} ms (numpy reference not run)", t_conv * 1e3),
        }
    }
}
