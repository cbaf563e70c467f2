//! Keeping freed memory in the process between training steps.
//!
//! A training step allocates and frees several arrays of about 10 MB (a convolution's
//! output, ReLU's, their gradients). glibc's allocator hands such blocks back to the
//! operating system when they are freed, so the next step takes a page fault for every
//! 4 KB it touches again: on this course's SimpleConvNet that was a third of a step. Raising
//! glibc's thresholds keeps the blocks in the heap for reuse. Other allocators (macOS,
//! musl, Windows) are left alone.

use std::sync::Once;

/// Makes glibc keep freed blocks of up to 32 MB in the heap (called once, when a network
/// is built; a no-op elsewhere).
pub(crate) fn keep_freed_memory() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            extern "C" {
                fn mallopt(param: i32, value: i32) -> i32;
            }
            const M_TRIM_THRESHOLD: i32 = -1;
            const M_MMAP_THRESHOLD: i32 = -3;
            // SAFETY: mallopt only changes two tuning values of glibc's allocator; it is
            // called once, before the network's first step.
            unsafe {
                mallopt(M_MMAP_THRESHOLD, 32 << 20); // glibc's largest allowed value
                mallopt(M_TRIM_THRESHOLD, 1 << 30);
            }
        }
    });
}
