//! Upper bounds on what a call may ask for, checked before anything is allocated.
//!
//! In the Rust kernel an allocation that fails aborts the whole session, so every size a
//! caller chooses (hidden sizes, padding, batch counts, image sizes) is turned into an
//! estimate of the bytes it needs, with checked arithmetic, and compared with a
//! library-wide memory limit. A call over the limit returns [`Error::TooLarge`] naming
//! what asked, the estimate and the limit; [`set_memory_limit`] raises it.
//!
//! ```
//! use dl_lessons::limits::{memory_limit, set_memory_limit};
//! let before = memory_limit();
//! set_memory_limit(8_000_000_000); // 8 GB, on a machine that has it
//! assert_eq!(memory_limit(), 8_000_000_000);
//! set_memory_limit(before);
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Error, Result};

/// The memory limit a session starts with: 2 GB, far above any lesson's needs and below
/// what a laptop can give.
pub const DEFAULT_MEMORY_LIMIT: u64 = 2_000_000_000;

/// The largest chart, diagram, table or explorer a cell may output: browsers slow down
/// on larger documents.
pub const MAX_OUTPUT_BYTES: usize = 4_000_000;

static MEMORY_LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_MEMORY_LIMIT);

/// The current memory limit in bytes.
pub fn memory_limit() -> u64 {
    MEMORY_LIMIT.load(Ordering::Relaxed)
}

/// Sets the memory limit in bytes for every later call (for all threads).
pub fn set_memory_limit(bytes: u64) {
    MEMORY_LIMIT.store(bytes, Ordering::Relaxed);
}

/// Bytes taken by arrays of f64 with the given numbers of elements; `None` on overflow.
pub(crate) fn f64_bytes(counts: &[usize]) -> Option<u128> {
    counts.iter().try_fold(0u128, |total, &count| {
        total.checked_add((count as u128).checked_mul(8)?)
    })
}

/// The product of `sizes`, or `None` if ndarray could not make an array of that shape:
/// the product of the non-zero sizes must fit an `isize`, even when another size is 0 and
/// the array would be empty.
pub(crate) fn product(sizes: &[usize]) -> Option<usize> {
    let nonzero = sizes
        .iter()
        .filter(|&&s| s != 0)
        .try_fold(1usize, |p, &s| p.checked_mul(s))
        .filter(|&p| p <= isize::MAX as usize)?;
    Some(if sizes.contains(&0) { 0 } else { nonzero })
}

/// Refuses a call whose estimate (`None`: too large to even compute) exceeds the memory
/// limit. `what` names the call and the parameters that decide the size, `hint` how to
/// shrink it.
pub(crate) fn check_memory(
    what: impl FnOnce() -> String,
    bytes: Option<u128>,
    hint: &str,
) -> Result<()> {
    check_size(what, bytes, u128::from(memory_limit()), || {
        format!("{hint} (or raise dl_lessons::limits::set_memory_limit)")
    })
}

/// Refuses an output (SVG, HTML) whose estimated size exceeds [`MAX_OUTPUT_BYTES`].
pub(crate) fn check_output(
    what: impl FnOnce() -> String,
    bytes: Option<u128>,
    hint: &str,
) -> Result<()> {
    check_size(what, bytes, MAX_OUTPUT_BYTES as u128, || hint.to_string())
}

/// `Err(TooLarge)` unless the estimate is known and within `limit`.
fn check_size(
    what: impl FnOnce() -> String,
    bytes: Option<u128>,
    limit: u128,
    hint: impl FnOnce() -> String,
) -> Result<()> {
    match bytes {
        Some(bytes) if bytes <= limit => Ok(()),
        _ => Err(Error::TooLarge {
            what: what(),
            bytes: bytes.unwrap_or(u128::MAX),
            limit,
            hint: hint(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_overflow_to_none_and_are_refused() {
        assert_eq!(f64_bytes(&[10, 5]), Some(120));
        assert_eq!(product(&[usize::MAX, 2]), None);
        assert_eq!(product(&[]), Some(1));
        assert_eq!(product(&[0, 3]), Some(0));
        assert_eq!(product(&[0, 1 << 41, 1 << 41]), None); // ndarray refuses such a shape
        let e = check_memory(|| "x".into(), None, "smaller").unwrap_err();
        assert!(e.to_string().starts_with("x needs about"), "{e}");
        assert!(check_memory(|| "x".into(), Some(1000), "smaller").is_ok());
        let e = check_memory(
            || "hidden_sizes = [100000, 100000]".into(),
            Some(80_000_000_000),
            "use fewer units",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("80.0 GB") && e.contains("2.0 GB") && e.contains("use fewer units"),
            "{e}"
        );
        assert!(check_output(|| "diagram".into(), Some(5_000_000), "smaller").is_err());
    }
}
