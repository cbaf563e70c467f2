//! Splitting work across the machine's cores with a small pool of helper threads (no
//! extra dependency). Work started on a worker thread runs serially inside it, so a primitive
//! called from a training that already has its own core never starts more threads than
//! there are cores.

use std::cell::Cell;
use std::collections::VecDeque;
use std::mem::MaybeUninit;
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// The number of worker threads: the machine's cores.
pub(crate) fn workers() -> usize {
    static WORKERS: OnceLock<usize> = OnceLock::new();
    *WORKERS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

thread_local! {
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
}

/// How many parts work worth `cost` (roughly nanoseconds) should be cut into: one inside a
/// worker, otherwise one per core but none worth less than about 15 µs, so nothing below
/// about 30 µs is split. Handing a job to a helper that is still polling (see [`SPIN`])
/// costs about a microsecond, so the products of Lesson 3's network (six 100×100 layers,
/// batch 100: about 60 µs each) are worth splitting when the cores are free: on the 2-core
/// CI machine it trains in 0.8 s instead of 1.15 s in most runs (docs/performance.md).
/// When another program keeps a core busy, a helper can be descheduled in the middle of
/// its part, and the caller waits a whole time slice (milliseconds) for a product of
/// microseconds; so after two such waits close together (see [`run_all`]) work worth
/// less than about 1 ms runs on the caller alone for [`STALL_BACKOFF`].
pub(crate) fn parts_for(cost: usize) -> usize {
    if IN_WORKER.with(Cell::get) {
        1
    } else {
        parts(cost, workers(), stalled_recently)
    }
}

/// [`parts_for`]'s rule, for `workers` cores; `stalled` (whether helpers stalled
/// recently, which reads the clock) is asked only for work that is split and small.
fn parts(cost: usize, workers: usize, stalled: impl FnOnce() -> bool) -> usize {
    const MIN_PART_COST: usize = 15_000;
    const STALL_COST: usize = 1_000_000;
    let parts = (cost / MIN_PART_COST).clamp(1, workers.max(1));
    if parts > 1 && cost < STALL_COST && stalled() {
        1
    } else {
        parts
    }
}

/// How long small work stays on the caller once helpers stall it again and again.
const STALL_BACKOFF: Duration = Duration::from_millis(500);

/// Two stalls this close mean another program is taking turns with the helpers; one
/// alone (a quiet machine has one every second or two, a helper preempted for a moment)
/// is not worth giving up the second core for.
const STALL_WINDOW: Duration = Duration::from_millis(100);

/// When a helper last stalled a caller (see [`clock`]), or 0 for never.
static LAST_STALL: AtomicU64 = AtomicU64::new(0);

/// Until when small work stays on the caller (see [`clock`]), or 0.
static BACKOFF_UNTIL: AtomicU64 = AtomicU64::new(0);

/// Microseconds since the first call, plus one (so that 0 can mean never).
fn clock() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let micros = START.get_or_init(Instant::now).elapsed().as_micros();
    u64::try_from(micros).unwrap_or(u64::MAX / 2) + 1
}

fn stalled_recently() -> bool {
    clock() < BACKOFF_UNTIL.load(Ordering::Relaxed)
}

/// Notes a stall at `now`; a second one within [`STALL_WINDOW`] starts the back-off.
fn note_stall(now: u64) {
    let previous = LAST_STALL.swap(now, Ordering::Relaxed);
    if is_repeated(previous, now) {
        BACKOFF_UNTIL.store(now + STALL_BACKOFF.as_micros() as u64, Ordering::Relaxed);
    }
}

/// Whether a stall at `now` follows the one at `previous` (0: none) within the window.
fn is_repeated(previous: u64, now: u64) -> bool {
    previous != 0 && now.saturating_sub(previous) < STALL_WINDOW.as_micros() as u64
}

/// Whether a caller that ran its own part in `own` and then waited `waited` for the
/// helpers' parts (equal in size) was kept waiting by a helper that did not run: more
/// than twice its own time, and longer than waking a sleeping helper can take.
fn is_stall(own: Duration, waited: Duration) -> bool {
    waited > 2 * own + Duration::from_millis(1)
}

/// Runs `f` with this thread marked as a worker.
fn as_worker<T>(f: impl FnOnce() -> T) -> T {
    let outer = IN_WORKER.with(|w| w.replace(true));
    let result = f();
    IN_WORKER.with(|w| w.set(outer));
    result
}

/// A piece of work for [`run_all`].
pub(crate) type Task<'a, T> = Box<dyn FnOnce() -> T + Send + 'a>;

/// Runs the tasks with [`run_all`] when `parts` (from [`parts_for`]) is more than 1, or
/// one after the other on this thread; their results in order either way. Sums split into
/// a fixed number of tasks and added in order are then the same on any number of cores.
pub(crate) fn run_on<T: Send>(parts: usize, tasks: Vec<Task<'_, T>>) -> Vec<T> {
    if parts <= 1 {
        tasks.into_iter().map(|task| task()).collect()
    } else {
        run_all(tasks)
    }
}

/// Runs every task, one on the calling thread and the others on the pool's helper
/// threads, and returns their results in order; a panic in a task is raised again here,
/// after every task has finished. A caller kept waiting for a helper far longer than its
/// own task took notes a stall (see [`parts_for`]).
pub(crate) fn run_all<T: Send>(tasks: Vec<Task<'_, T>>) -> Vec<T> {
    if tasks.len() <= 1 {
        return tasks.into_iter().map(|task| task()).collect();
    }
    let slots: Vec<Mutex<Option<std::thread::Result<T>>>> =
        tasks.iter().map(|_| Mutex::new(None)).collect();
    let latch = Latch::new(tasks.len() - 1);
    let mut tasks = tasks.into_iter();
    let first = tasks.next().expect("at least two tasks");
    for (task, slot) in tasks.zip(&slots[1..]) {
        let latch = &latch;
        let job: Box<dyn FnOnce() + Send + '_> = Box::new(move || {
            let result = catch_unwind(AssertUnwindSafe(|| as_worker(task)));
            *lock(slot) = Some(result);
            latch.count_down();
        });
        // SAFETY: the job borrows `slots`, `latch` and what the task borrows. This function
        // does not return or unwind before the latch reaches zero, that is before every job
        // has run to its end (panics are caught inside the job), so no borrow outlives
        // the job; only the lifetime changes, not the type's layout.
        let job: Job = unsafe { std::mem::transmute::<Box<dyn FnOnce() + Send + '_>, Job>(job) };
        POOL.submit(job);
    }
    let started = Instant::now();
    *lock(&slots[0]) = Some(catch_unwind(AssertUnwindSafe(|| as_worker(first))));
    let own = started.elapsed();
    // Help with queued jobs (ours, or another caller's) until none is left, then wait.
    let mut waited = Duration::ZERO;
    while !latch.is_done() {
        match POOL.take() {
            Some(job) => job(),
            None => {
                let waiting = Instant::now();
                latch.wait();
                waited += waiting.elapsed();
            }
        }
    }
    if is_stall(own, waited) {
        note_stall(clock());
    }
    slots
        .into_iter()
        .map(
            |slot| match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
                Some(Ok(value)) => value,
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                None => unreachable!("the latch counted every job"),
            },
        )
        .collect()
}

/// A job for the pool, its borrows erased (see [`run_all`]).
type Job = Box<dyn FnOnce() + Send + 'static>;

/// Helper threads that outlive a call: starting and joining a thread costs 60–130 µs on a
/// virtual machine (measured here), waking a sleeping one about 15 µs, and a training step
/// has about twenty parallel passes a few tens of microseconds apart. So a helper polls for
/// the next job for [`SPIN`] before it sleeps, and one that finds no work for `IDLE_EXIT`
/// ends, so a notebook that stopped computing keeps no threads (evcxr loads a copy of the
/// library for every cell, each with its own pool).
struct Pool {
    state: Mutex<PoolState>,
    work: Condvar,
    /// The length of `state.jobs`, readable without the lock by spinning helpers.
    queued: AtomicUsize,
}

struct PoolState {
    jobs: VecDeque<Job>,
    live: usize,
    idle: usize,
}

const IDLE_EXIT: Duration = Duration::from_secs(2);

/// How long a helper or a waiting caller keeps polling before it sleeps: a training step's
/// parallel products come tens of microseconds apart, and waking a sleeping thread costs
/// about 15 µs.
const SPIN: Duration = Duration::from_micros(200);

/// Polls `ready` until it returns true or [`SPIN`] has passed; whether it did.
fn spin_until(ready: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    loop {
        for _ in 0..64 {
            if ready() {
                return true;
            }
            std::hint::spin_loop();
        }
        if start.elapsed() > SPIN {
            return false;
        }
    }
}

static POOL: Pool = Pool {
    state: Mutex::new(PoolState {
        jobs: VecDeque::new(),
        live: 0,
        idle: 0,
    }),
    work: Condvar::new(),
    queued: AtomicUsize::new(0),
};

impl Pool {
    /// Queues a job and wakes an idle helper, or starts one while there are fewer than
    /// cores − 1 (if the system refuses a thread, the caller runs the job as it helps).
    fn submit(&'static self, job: Job) {
        let mut state = lock(&self.state);
        state.jobs.push_back(job);
        self.queued.fetch_add(1, Ordering::Release);
        if state.idle > 0 {
            self.work.notify_one();
        } else if state.live + 1 < workers() {
            let started = std::thread::Builder::new()
                .name("dl_lessons worker".into())
                .spawn(move || self.help());
            if started.is_ok() {
                state.live += 1;
            }
        }
    }

    /// The next queued job, if any.
    fn take(&self) -> Option<Job> {
        Self::pop(&self.queued, &mut lock(&self.state))
    }

    fn pop(queued: &AtomicUsize, state: &mut PoolState) -> Option<Job> {
        let job = state.jobs.pop_front();
        if job.is_some() {
            queued.fetch_sub(1, Ordering::Release);
        }
        job
    }

    /// A helper thread's loop: run jobs as they come; end after IDLE_EXIT without one.
    fn help(&self) {
        let mut state = lock(&self.state);
        loop {
            if let Some(job) = Self::pop(&self.queued, &mut state) {
                drop(state);
                job();
                spin_until(|| self.queued.load(Ordering::Acquire) > 0);
                state = lock(&self.state);
                continue;
            }
            state.idle += 1;
            let (next, wait) = self
                .work
                .wait_timeout(state, IDLE_EXIT)
                .unwrap_or_else(|e| e.into_inner());
            state = next;
            state.idle -= 1;
            if wait.timed_out() && state.jobs.is_empty() {
                state.live -= 1;
                return;
            }
        }
    }
}

/// Counts the jobs of one [`run_all`] down to zero and wakes the thread that waits for it.
struct Latch {
    left: AtomicUsize,
    waiter: Thread,
}

impl Latch {
    fn new(count: usize) -> Latch {
        Latch {
            left: AtomicUsize::new(count),
            waiter: std::thread::current(),
        }
    }

    /// One job done. The latch may be gone as soon as the count reaches zero (the waiter
    /// returns), so the waiter's handle is taken before and the latch not touched after.
    fn count_down(&self) {
        let waiter = self.waiter.clone();
        if self.left.fetch_sub(1, Ordering::AcqRel) == 1 {
            waiter.unpark();
        }
    }

    fn is_done(&self) -> bool {
        self.left.load(Ordering::Acquire) == 0
    }

    /// Blocks until the count is zero: polls for a while, then sleeps.
    fn wait(&self) {
        if spin_until(|| self.is_done()) {
            return;
        }
        while !self.is_done() {
            std::thread::park();
        }
    }
}

/// A mutex's guard, also after a panic elsewhere (the data here stays consistent).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Cuts `0..len` into `parts` ranges of nearly equal length, each a multiple of `step`
/// except the last.
pub(crate) fn ranges(len: usize, parts: usize, step: usize) -> Vec<Range<usize>> {
    let steps = len.div_ceil(step.max(1));
    let parts = parts.clamp(1, steps.max(1));
    let per_part = steps.div_ceil(parts) * step.max(1);
    (0..parts)
        .map(|p| (p * per_part).min(len)..((p + 1) * per_part).min(len))
        .filter(|r| !r.is_empty() || len == 0)
        .take(parts)
        .collect()
}

/// Cuts `out`, which holds items of `item_len` values, into one block of whole items per
/// part and runs `f(items, block)` on each in parallel; returns the results in item order.
/// `cost_per_item` (about nanoseconds) decides how many parts pay for their threads.
pub(crate) fn for_each_block<E: Send, T: Send>(
    out: &mut [E],
    item_len: usize,
    cost_per_item: usize,
    f: impl Fn(Range<usize>, &mut [E]) -> T + Sync,
) -> Vec<T> {
    let items = out.len().checked_div(item_len).unwrap_or(0);
    let parts = parts_for(items.saturating_mul(cost_per_item));
    let f = &f;
    let mut rest = out;
    let tasks: Vec<Task<'_, T>> = ranges(items, parts, 1)
        .into_iter()
        .map(|range| {
            let (block, tail) = std::mem::take(&mut rest).split_at_mut(range.len() * item_len);
            rest = tail;
            Box::new(move || f(range, block)) as Task<'_, T>
        })
        .collect();
    run_all(tasks)
}

/// A vector of `items · item_len` values written by `fill(items, block)` on blocks of
/// whole items, in parallel as [`for_each_block`] splits them, without zeroing it first
/// (a fresh 10 MB array costs half a millisecond to zero); also the blocks' results.
///
/// # Safety
/// `fill` must write every element of every block it is given.
pub(crate) unsafe fn fill_uninit<U: Send, T: Send>(
    items: usize,
    item_len: usize,
    cost_per_item: usize,
    fill: impl Fn(Range<usize>, &mut [MaybeUninit<U>]) -> T + Sync,
) -> (Vec<U>, Vec<T>) {
    super::memory::keep_freed_memory();
    let len = items
        .checked_mul(item_len)
        .expect("sizes were checked against the memory limit");
    let mut out = Vec::with_capacity(len);
    let results = if item_len == 0 {
        vec![fill(0..items, &mut [])]
    } else {
        for_each_block(
            &mut out.spare_capacity_mut()[..len],
            item_len,
            cost_per_item,
            fill,
        )
    };
    // SAFETY: for_each_block handed each of the `len` slots to `fill` exactly once, and the
    // caller guarantees that `fill` wrote every slot it was given.
    unsafe { out.set_len(len) };
    (out, results)
}

/// Writes `value(r)` into every slot of row r (rows of `row_len` slots, the last one
/// possibly shorter) and hands the slice back initialised.
pub(crate) fn filled_by_row(
    slots: &mut [MaybeUninit<f64>],
    row_len: usize,
    value: impl Fn(usize) -> f64,
) -> &mut [f64] {
    for (r, row) in slots.chunks_mut(row_len.max(1)).enumerate() {
        let v = value(r);
        for slot in row {
            slot.write(v);
        }
    }
    // SAFETY: every slot was written just above; MaybeUninit<f64> has f64's layout.
    unsafe { &mut *(slots as *mut [MaybeUninit<f64>] as *mut [f64]) }
}

/// Two vectors of `len` values each, written by `fill(range, first, second)` on matching
/// blocks in parallel, without zeroing them first.
///
/// # Safety
/// `fill` must write every element of both blocks it is given.
pub(crate) unsafe fn fill_uninit_pair<U: Send, V: Send>(
    len: usize,
    cost_per_item: usize,
    fill: impl Fn(Range<usize>, &mut [MaybeUninit<U>], &mut [MaybeUninit<V>]) + Sync,
) -> (Vec<U>, Vec<V>) {
    super::memory::keep_freed_memory();
    let (mut us, mut vs) = (Vec::with_capacity(len), Vec::with_capacity(len));
    {
        let (mut u_rest, mut v_rest) = (
            &mut us.spare_capacity_mut()[..len],
            &mut vs.spare_capacity_mut()[..len],
        );
        let fill = &fill;
        let mut tasks: Vec<Task<'_, ()>> = Vec::new();
        for range in ranges(len, parts_for(len.saturating_mul(cost_per_item)), 1) {
            let (u, u_tail) = std::mem::take(&mut u_rest).split_at_mut(range.len());
            let (v, v_tail) = std::mem::take(&mut v_rest).split_at_mut(range.len());
            (u_rest, v_rest) = (u_tail, v_tail);
            tasks.push(Box::new(move || fill(range, u, v)));
        }
        run_all(tasks);
    }
    // SAFETY: the ranges cover 0..len once, and the caller guarantees that `fill` wrote
    // every element of both blocks.
    unsafe {
        us.set_len(len);
        vs.set_len(len);
    }
    (us, vs)
}

/// Runs `f` on every job, on every core: each worker takes the next job when it finishes
/// one, so long and short jobs even out (put the long ones first). Returns the results in
/// job order; a panic in `f` is raised again on the calling thread.
pub(crate) fn map_jobs<J: Send, T: Send>(jobs: Vec<J>, f: impl Fn(J) -> T + Sync) -> Vec<T> {
    let threads = if IN_WORKER.with(Cell::get) {
        1
    } else {
        workers().min(jobs.len())
    };
    if threads <= 1 {
        return jobs.into_iter().map(f).collect();
    }
    let queue = Mutex::new(jobs.into_iter().enumerate());
    let work = || {
        let mut done = Vec::new();
        loop {
            let next = lock(&queue).next();
            match next {
                Some((i, job)) => done.push((i, f(job))),
                None => return done,
            }
        }
    };
    let tasks: Vec<Task<'_, Vec<(usize, T)>>> =
        (0..threads).map(|_| Box::new(work) as Box<_>).collect();
    let mut results: Vec<(usize, T)> = run_all(tasks).into_iter().flatten().collect();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_everything_once_in_steps() {
        for (len, parts, step) in [
            (0, 2, 1),
            (1, 2, 1),
            (7, 2, 1),
            (100, 3, 8),
            (17, 4, 8),
            (5, 8, 1),
        ] {
            let rs = ranges(len, parts, step);
            assert!(rs.len() <= parts.max(1));
            let all: Vec<usize> = rs.iter().cloned().flatten().collect();
            assert_eq!(all, (0..len).collect::<Vec<_>>(), "{len} {parts} {step}");
            for r in rs.iter().take(rs.len().saturating_sub(1)) {
                assert_eq!(r.len() % step, 0);
            }
        }
    }

    #[test]
    fn every_item_is_visited_once_in_order() {
        for (items, cost) in [
            (0, 1),
            (1, usize::MAX / 8),
            (7, 1),
            (7, 10_000_000),
            (100, 1_000_000),
        ] {
            let mut out = vec![0.0; items * 3];
            let visited = for_each_block(&mut out, 3, cost, |range, block| {
                assert_eq!(block.len(), range.len() * 3);
                for (k, v) in block.iter_mut().enumerate() {
                    *v = (range.start * 3 + k) as f64;
                }
                range
            });
            assert_eq!(out, (0..items * 3).map(|v| v as f64).collect::<Vec<_>>());
            let visited: Vec<usize> = visited.into_iter().flatten().collect();
            assert_eq!(visited, (0..items).collect::<Vec<_>>());
        }
    }

    #[test]
    fn every_job_runs_once_and_results_keep_job_order() {
        for n in [0, 1, 2, 7, 40] {
            let calls = std::sync::atomic::AtomicUsize::new(0);
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

    /// Many short runs in a row, from several threads at once: the caller returns (and its
    /// latch and result slots go) as soon as the last job has counted down, so a job must
    /// not touch them after that; a helper that did would corrupt the caller's stack.
    #[test]
    fn short_runs_in_a_row_return_every_result() {
        std::thread::scope(|scope| {
            for caller in 0..3u64 {
                scope.spawn(move || {
                    for round in 0..20_000u64 {
                        let tasks: Vec<Task<'_, u64>> = (0..3)
                            .map(|t| {
                                Box::new(move || caller * 1_000_000 + round * 10 + t)
                                    as Task<'_, u64>
                            })
                            .collect();
                        let want: Vec<u64> = (0..3)
                            .map(|t| caller * 1_000_000 + round * 10 + t)
                            .collect();
                        assert_eq!(run_all(tasks), want);
                    }
                });
            }
        });
    }

    #[test]
    fn work_inside_a_worker_stays_on_its_thread() {
        let inner_parts = map_jobs(vec![0, 1], |_| parts_for(usize::MAX));
        assert_eq!(inner_parts, vec![1, 1]);
        assert_eq!(parts_for(usize::MAX), workers());
    }

    #[test]
    fn parts_are_worth_15_us_and_small_work_stays_home_after_a_stall() {
        let (no, yes) = (|| false, || true);
        assert_eq!(parts(29_999, 2, no), 1);
        assert_eq!(parts(30_000, 2, no), 2);
        assert_eq!(parts(120_000, 2, no), 2);
        // many cores: a 60 µs product in four parts, not sixteen
        assert_eq!(parts(60_000, 16, no), 4);
        assert_eq!(parts(usize::MAX, 16, no), 16);
        assert_eq!(parts(usize::MAX, 0, no), 1);
        // after a stall, work below about 1 ms runs on the caller
        assert_eq!(parts(120_000, 2, yes), 1);
        assert_eq!(parts(999_999, 16, yes), 1);
        assert_eq!(parts(1_000_000, 2, yes), 2);
        // a stall: waiting more than twice the caller's own time and over a millisecond
        let us = Duration::from_micros;
        assert!(!is_stall(us(30), us(40)));
        assert!(!is_stall(us(30), us(1_000)));
        assert!(is_stall(us(30), us(3_000)));
        assert!(!is_stall(us(20_000), us(30_000)));
        assert!(is_stall(us(20_000), us(45_000)));
        // a stall alone is not enough; two within 100 ms are
        assert!(!is_repeated(0, 5_000));
        assert!(!is_repeated(1_000, 101_000));
        assert!(is_repeated(1_000, 100_999));
    }

    /// Helpers that hold their part for 20 ms, twice in a row, while the caller's took
    /// microseconds (as helpers descheduled by another program would) make small work stay
    /// on the caller.
    #[test]
    fn helpers_that_keep_the_caller_waiting_are_noted() {
        use std::sync::atomic::AtomicBool;
        if workers() < 2 {
            return;
        }
        for _ in 0..2 {
            let on_helper = AtomicBool::new(false);
            let tasks: Vec<Task<'_, bool>> = vec![
                Box::new(|| {
                    let start = Instant::now();
                    while !on_helper.load(Ordering::Acquire) {
                        assert!(start.elapsed() < Duration::from_secs(10), "no helper ran");
                        std::hint::spin_loop();
                    }
                    true
                }),
                Box::new(|| {
                    on_helper.store(true, Ordering::Release);
                    std::thread::sleep(Duration::from_millis(20));
                    true
                }),
            ];
            assert_eq!(run_all(tasks), vec![true, true]);
        }
        assert!(stalled_recently());
    }

    #[test]
    #[should_panic(expected = "job 3 failed")]
    fn a_panicking_job_panics_the_caller() {
        map_jobs((0..6).collect(), |j: i32| {
            assert!(j != 3, "job {j} failed");
            j
        });
    }
}
