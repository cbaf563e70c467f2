//! The fast primitives everything else is built on, and the only code with threads or
//! `unsafe`: the matrix product (with SIMD kernels for AVX-512 and AVX2), the
//! convolution's products fused with the course's transposes, the window gather and
//! scatter of im2col, col2im and pooling, element-wise passes, and how work is split
//! across the cores.
//!
//! Each is a plain function with the semantics of its slow, obvious definition (ndarray's
//! methods, a triple loop, a loop over windows), which the tests compare it with.

mod conv_products;
mod elementwise;
mod matmul;
pub(crate) mod memory;
pub(crate) mod parallel;
pub(crate) mod windows;

pub(crate) use conv_products::col2im_of_col_gradient;
pub use conv_products::{conv_col_gradient, conv_forward_product, conv_weight_gradient};
pub use elementwise::{map, map_unzip, update3, zip_map};
pub use matmul::{affine, backend, matmul};

/// Whether x and y hold the same bits, value for value (the tests that a sum's order does
/// not depend on the processor or the cores).
#[cfg(test)]
pub(crate) fn same_bits<D: ndarray::Dimension>(
    x: &ndarray::Array<f64, D>,
    y: &ndarray::Array<f64, D>,
) -> bool {
    x.shape() == y.shape() && x.iter().zip(y).all(|(x, y)| x.to_bits() == y.to_bits())
}
