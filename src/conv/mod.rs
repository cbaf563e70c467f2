//! How a convolution is computed: the output-size formula, im2col (with and without the
//! course's transpose), col2im, and image helpers.
//!
//! Every size in the crate that depends on a filter, a stride or padding comes from
//! [`output_size`], so im2col, col2im, the layers, the networks and the charts agree.

mod geometry;
mod im2col;
mod image;
mod patches;

pub use geometry::{output_size, ConvGeometry};
pub use im2col::{col2im, im2col, im2col_without_transpose};
pub use image::{as_input, channel, crop, zero_pad};
pub(crate) use patches::PatchIndex;
