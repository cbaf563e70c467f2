//! Splitting work across the machine's cores, with scoped threads (no pool, no extra
//! dependency): the convolution layer runs each worker on its own block of samples, and the
//! experiments that train several networks hand the trainings out one at a time.

use std::ops::Range;
use std::sync::{Mutex, OnceLock};

/// Below this many floating-point operations a batch runs on the calling thread: starting
/// a thread costs some tens of microseconds.
const MIN_PARALLEL_FLOPS: usize = 4_000_000;

/// The number of worker threads: the machine's cores.
pub(crate) fn workers() -> usize {
    static WORKERS: OnceLock<usize> = OnceLock::new();
    *WORKERS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Cuts `out`, which holds `out.len() / item_len` items of `item_len` values, into one
/// contiguous block of items per worker and runs `f(items, block)` on each in parallel;
/// returns the results in item order. Runs on the calling thread when the work
/// (`flops_per_item` per item) is too small to pay for threads.
pub(crate) fn for_each_block<E: Send, T: Send>(
    out: &mut [E],
    item_len: usize,
    flops_per_item: usize,
    f: impl Fn(Range<usize>, &mut [E]) -> T + Sync,
) -> Vec<T> {
    let items = out.len().checked_div(item_len).unwrap_or(0);
    let wanted = if items * flops_per_item < MIN_PARALLEL_FLOPS {
        1
    } else {
        workers()
    };
    let per_block = items.div_ceil(wanted.clamp(1, items.max(1))).max(1);
    if per_block >= items {
        return vec![f(0..items, out)];
    }
    let f = &f;
    std::thread::scope(|scope| {
        let mut blocks = out.chunks_mut(per_block * item_len).enumerate();
        let (_, first) = blocks.next().expect("at least one block");
        let handles: Vec<_> = blocks
            .map(|(b, block)| {
                let start = b * per_block;
                let end = (start + per_block).min(items);
                scope.spawn(move || f(start..end, block))
            })
            .collect();
        let mut results = vec![f(0..per_block, first)];
        results.extend(
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
        );
        results
    })
}

/// Runs `f` on every job, on every core: each worker takes the next job when it finishes
/// one, so long and short jobs even out (put the long ones first). Returns the results in
/// job order; a panic in `f` is raised again on the calling thread.
pub(crate) fn map_jobs<J: Send, T: Send>(jobs: Vec<J>, f: impl Fn(J) -> T + Sync) -> Vec<T> {
    let threads = workers().min(jobs.len());
    if threads <= 1 {
        return jobs.into_iter().map(f).collect();
    }
    let queue = Mutex::new(jobs.into_iter().enumerate());
    let work = || {
        let mut done = Vec::new();
        loop {
            let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
            match next {
                Some((i, job)) => done.push((i, f(job))),
                None => return done,
            }
        }
    };
    let mut results = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut results = work();
        for other in others {
            results.extend(
                other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
        }
        results
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Below this many elements an element-wise pass runs on the calling thread.
const MIN_PARALLEL_ELEMENTS: usize = 200_000;

/// Element-wise work over long slices on every core: calls `f` on matching chunks of `a`,
/// `b` and `c` (all of one length).
pub(crate) fn zip_chunks<A: Sync, B: Send, C: Send>(
    a: &[A],
    b: &mut [B],
    c: &mut [C],
    f: impl Fn(&[A], &mut [B], &mut [C]) + Sync,
) {
    assert!(
        a.len() == b.len() && b.len() == c.len(),
        "zip_chunks: lengths differ"
    );
    if a.len() < MIN_PARALLEL_ELEMENTS || workers() == 1 {
        return f(a, b, c);
    }
    let chunk = a.len().div_ceil(workers());
    let f = &f;
    std::thread::scope(|scope| {
        let mut parts = a
            .chunks(chunk)
            .zip(b.chunks_mut(chunk))
            .zip(c.chunks_mut(chunk));
        let ((a0, b0), c0) = parts.next().expect("non-empty");
        for ((a, b), c) in parts {
            scope.spawn(move || f(a, b, c));
        }
        f(a0, b0, c0);
    });
}

/// Element-wise updates of long parameter arrays on every core: calls `f` on matching
/// chunks of three written slices and one read slice (all of one length).
pub(crate) fn update_chunks(
    a: &mut [f64],
    b: &mut [f64],
    c: &mut [f64],
    d: &[f64],
    f: impl Fn(&mut [f64], &mut [f64], &mut [f64], &[f64]) + Sync,
) {
    let len = a.len();
    assert!(
        b.len() == len && c.len() == len && d.len() == len,
        "update_chunks: lengths differ"
    );
    if len < MIN_PARALLEL_ELEMENTS || workers() == 1 {
        return f(a, b, c, d);
    }
    let chunk = len.div_ceil(workers());
    let f = &f;
    std::thread::scope(|scope| {
        let mut parts = a
            .chunks_mut(chunk)
            .zip(b.chunks_mut(chunk))
            .zip(c.chunks_mut(chunk))
            .zip(d.chunks(chunk));
        let (((a0, b0), c0), d0) = parts.next().expect("non-empty");
        for (((a, b), c), d) in parts {
            scope.spawn(move || f(a, b, c, d));
        }
        f(a0, b0, c0, d0);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_is_visited_once_in_order() {
        for (items, flops) in [
            (0, 1),
            (1, usize::MAX / 8),
            (7, 1),
            (7, 10_000_000),
            (100, 1_000_000),
        ] {
            let mut out = vec![0.0; items * 3];
            let ranges = for_each_block(&mut out, 3, flops, |range, block| {
                assert_eq!(block.len(), range.len() * 3);
                for (k, v) in block.iter_mut().enumerate() {
                    *v = (range.start * 3 + k) as f64;
                }
                range
            });
            assert_eq!(out, (0..items * 3).map(|v| v as f64).collect::<Vec<_>>());
            let visited: Vec<usize> = ranges.into_iter().flatten().collect();
            assert_eq!(visited, (0..items).collect::<Vec<_>>());
        }
    }

    #[test]
    fn every_job_runs_once_and_results_keep_job_order() {
        for n in [0, 1, 2, 7, 40] {
            let calls = std::sync::atomic::AtomicUsize::new(0);
            // uneven jobs: the long ones first, as the callers order them
            let jobs: Vec<u64> = (0..n).map(|i| (n - i) as u64).collect();
            let results = map_jobs(jobs.clone(), |j| {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_micros(j * 50));
                j * 10
            });
            assert_eq!(results, jobs.iter().map(|j| j * 10).collect::<Vec<_>>());
            assert_eq!(calls.into_inner(), n);
        }
    }

    #[test]
    #[should_panic(expected = "job 3 failed")]
    fn a_panicking_job_panics_the_caller() {
        map_jobs((0..6).collect(), |j: i32| {
            assert!(j != 3, "job {j} failed");
            j
        });
    }

    #[test]
    fn zip_chunks_covers_long_and_short_slices() {
        for len in [0, 5, 1_000_001] {
            let a: Vec<usize> = (0..len).collect();
            let (mut b, mut c) = (vec![0; len], vec![0; len]);
            zip_chunks(&a, &mut b, &mut c, |a, b, c| {
                for ((a, b), c) in a.iter().zip(b).zip(c) {
                    (*b, *c) = (a + 1, a * 2);
                }
            });
            assert!(a.iter().all(|&i| b[i] == i + 1 && c[i] == 2 * i));
        }
    }
}
