//! The matrix product alone, against numpy's (its BLAS, both cores) in the same run.
//!
//! `cargo bench --bench matmul` times `dl_lessons::kernels::matmul` on the products that
//! dominate the lessons' MLP training (6 layers of 100 units, batches of 100, evaluation
//! of 1500 samples at a time) and a square one, and prints GFLOP/s and the ratio to numpy's
//! `a @ b` (`benches/matmul_numpy.py`, with `$PYTHON` or `.venv/bin/python`), each numpy
//! measurement taken right after the crate's.
//!
//! The kernels compile the library at opt-level 2 (evcxr's profile; the project's launcher
//! raises it to 3), where a tile kernel can lose what the bench profile's opt-level 3
//! gives it. To see the product as a plain kernel builds it:
//! `CARGO_PROFILE_BENCH_OPT_LEVEL=2 cargo bench --bench matmul`.

mod common;

use std::hint::black_box;

use common::{median_seconds, Reference};

use dl_lessons::init::{randn, rng};
use dl_lessons::kernels::{backend, matmul};
use dl_lessons::ndarray::Array2;

/// The cases of `matmul_numpy.py`: name, (m, k, n).
const CASES: [(&str, (usize, usize, usize)); 3] = [
    ("batch", (100, 100, 100)),
    ("evaluation", (1500, 100, 100)),
    ("square", (500, 500, 500)),
];

fn main() {
    let mut numpy = Reference::numpy("matmul_numpy.py");
    for (name, (m, k, n)) in CASES {
        let a: Array2<f64> = randn((m, k), 1.0, &mut rng(0)).unwrap();
        let b: Array2<f64> = randn((k, n), 1.0, &mut rng(1)).unwrap();
        let flop = 2.0 * (m * k * n) as f64;
        // about 0.2 s of work per measurement
        let repeats = ((2e8 / flop) as usize).clamp(5, 101);
        for _ in 0..3 {
            black_box(matmul(&a, &b).unwrap());
        }
        let ours = median_seconds(repeats, || {
            black_box(matmul(black_box(&a), black_box(&b)).unwrap());
        });
        let gflops = |seconds: f64| flop / seconds / 1e9;
        match numpy
            .as_mut()
            .and_then(|numpy| numpy.seconds(name, repeats))
        {
            Some(theirs) => println!(
                "{name} ({m}x{k} . {k}x{n}): {} {:.1} GFLOP/s, numpy {:.1} GFLOP/s: {:.2}x numpy",
                backend(),
                gflops(ours),
                gflops(theirs),
                theirs / ours
            ),
            None => println!(
                "{name} ({m}x{k} . {k}x{n}): {} {:.1} GFLOP/s (numpy reference not run)",
                backend(),
                gflops(ours)
            ),
        }
    }
    if let Some(numpy) = &numpy {
        print!("{}", numpy.info);
    }
}
