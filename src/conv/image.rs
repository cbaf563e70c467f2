//! Image helpers of the lesson: zero padding and the P78 crop.

use ndarray::{s, Array3, Array4, ArrayBase, Data, Ix3, Ix4};

use crate::error::{Error, Result};
use crate::limits::{check_memory, f64_bytes, product};

/// Adds `pad` zeros around the height and width of (N, C, H, W) input (numpy's
/// `np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])`).
///
/// ```
/// use dl_lessons::{conv::zero_pad, ndarray::Array4};
/// let padded = zero_pad(&Array4::ones((1, 1, 2, 2)), 1).unwrap();
/// assert_eq!(padded.dim(), (1, 1, 4, 4));
/// assert_eq!(padded.sum(), 4.0);
/// ```
pub fn zero_pad<S: Data<Elem = f64>>(x: &ArrayBase<S, Ix4>, pad: usize) -> Result<Array4<f64>> {
    let (n, c, h, w) = x.dim();
    let side = |len: usize| pad.checked_mul(2).and_then(|p| p.checked_add(len));
    let size = side(h)
        .zip(side(w))
        .and_then(|(hp, wp)| product(&[n, c, hp, wp]));
    check_memory(
        || format!("zero_pad of x ({n}, {c}, {h}, {w}) with pad = {pad}"),
        size.and_then(|size| f64_bytes(&[size])),
        "choose a smaller pad",
    )?;
    Ok(padded_copy(x, pad))
}

/// [`zero_pad`] for sizes already checked.
pub(crate) fn padded_copy<S: Data<Elem = f64>>(x: &ArrayBase<S, Ix4>, pad: usize) -> Array4<f64> {
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
pub fn crop<S: Data<Elem = f64>>(
    image: &ArrayBase<S, Ix3>,
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
