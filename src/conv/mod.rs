//! How a convolution is computed, as the course's `common/functions.py` writes it:
//! im2col (with and without the course's transpose), col2im, pooling's window maximum,
//! zero padding and the P78 crop. The sizes come from [`geometry`](crate::geometry), the
//! one place of the output-size formula.

mod im2col;
mod image;
mod pool;

pub use im2col::{col2im, col2im_of_product, im2col, im2col_without_transpose};
pub use image::{crop, zero_pad};
pub use pool::{average_pool, average_pool_backward, max_pool, max_pool_backward};
