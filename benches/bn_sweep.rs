//! Lesson 1's batch-norm sweep outside the kernel: the cell's computation, whose goal in the
//! notebook is 5 s for the whole cell (the kernel adds about half a second).
//!
//! `cargo bench --no-default-features --bench bn_sweep` (Lesson 1's build: ndarray's matrix
//! product) prints the median and fastest of five sweeps of 8 scales × 2 runs × 200
//! iterations, and the seconds of training they hold, summed over the runs: with both cores
//! busy all along, the sweep takes half of that. The machine's speed varies by up to 2× from
//! hour to hour here; compare builds back to back.

use std::time::Instant;

use dl_lessons::data::Dataset;
use dl_lessons::experiments::batch_norm_sweep;
use dl_lessons::kernels::backend;

fn main() {
    let data = Dataset::digits(0);
    let (mut walls, mut work) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let started = Instant::now();
        let runs = batch_norm_sweep(&data, 8, 20).expect("valid settings");
        walls.push(started.elapsed().as_secs_f64());
        work.push(
            runs.iter()
                .map(|r| r.with.seconds + r.without.seconds)
                .sum::<f64>(),
        );
    }
    walls.sort_by(f64::total_cmp);
    work.sort_by(f64::total_cmp);
    println!(
        "batch-norm sweep (products: {}): median {:.2} s, fastest {:.2} s; \
         training summed over the runs {:.2} s (median), {} cores",
        backend(),
        walls[2],
        walls[0],
        work[2],
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
}
