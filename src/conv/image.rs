//! Image helpers of the lesson: zero padding, the P78 crop and one channel of an image.

use ndarray::{s, Array2, Array3, Array4, ArrayView2, Axis};

use crate::error::{Error, Result};

/// Adds `pad` zeros around the height and width of (N, C, H, W) input.
///
/// ```
/// use dl_lessons::{conv::zero_pad, ndarray::Array4};
/// let padded = zero_pad(&Array4::ones((1, 1, 2, 2)), 1);
/// assert_eq!(padded.dim(), (1, 1, 4, 4));
/// assert_eq!(padded.sum(), 4.0);
/// ```
pub fn zero_pad(x: &Array4<f64>, pad: usize) -> Array4<f64> {
    let (n, c, h, w) = x.dim();
    let mut padded = Array4::zeros((n, c, h + 2 * pad, w + 2 * pad));
    padded
        .slice_mut(s![.., .., pad..pad + h, pad..pad + w])
        .assign(x);
    padded
}

/// P78's random-crop answer `image[top:bottom, left:right, :]` on an (H, W, C) image.
///
/// ```
/// use dl_lessons::{conv::crop, ndarray::Array3};
/// let image = Array3::from_shape_fn((4, 5, 3), |(y, x, c)| (100 * y + 10 * x + c) as f64);
/// let part = crop(&image, 1, 3, 2, 5).unwrap();
/// assert_eq!(part.dim(), (2, 3, 3));
/// assert_eq!(part[[0, 0, 1]], 121.0);
/// ```
pub fn crop(
    image: &Array3<f64>,
    top: usize,
    bottom: usize,
    left: usize,
    right: usize,
) -> Result<Array3<f64>> {
    let (h, w, _) = image.dim();
    if !(top < bottom && bottom <= h) {
        return Err(Error::param(
            "top..bottom",
            format!("{top}..{bottom}"),
            format!("needs top < bottom <= height {h}"),
        ));
    }
    if !(left < right && right <= w) {
        return Err(Error::param(
            "left..right",
            format!("{left}..{right}"),
            format!("needs left < right <= width {w}"),
        ));
    }
    Ok(image.slice(s![top..bottom, left..right, ..]).to_owned())
}

/// Channel `c` of sample `n` of (N, C, H, W) input, as an (H, W) view.
#[track_caller]
pub fn channel(x: &Array4<f64>, n: usize, c: usize) -> ArrayView2<'_, f64> {
    let (samples, channels, _, _) = x.dim();
    assert!(
        n < samples && c < channels,
        "channel({n}, {c}) of input with shape {:?}",
        x.dim()
    );
    x.index_axis(Axis(0), n).index_axis_move(Axis(0), c)
}

/// An (H, W) image as (1, 1, H, W) input.
pub fn as_input(image: &Array2<f64>) -> Array4<f64> {
    let (h, w) = image.dim();
    image
        .clone()
        .into_shape_with_order((1, 1, h, w))
        .expect("same size")
}
