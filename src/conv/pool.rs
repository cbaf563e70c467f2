//! Pooling the course's way, in one pass per direction.
//!
//! The course's `Pooling.forward` takes `col = im2col(x, pool_h, pool_w, stride, pad)`,
//! reshapes it to one window of one channel per row, and keeps each row's maximum and its
//! argmax, reshaped back to (N, C, OH, OW); backward puts each `dout` at its row's argmax
//! (`dmax`) and adds the rows back with col2im. The functions here compute exactly that
//! through the shared window primitive without materialising `col` (four times the
//! input's size): the tests compare them with the course's steps written out.

use ndarray::{Array4, ArrayBase, Data, Ix4};

use super::im2col::{padded, windows};
use crate::error::{Error, Result};
use crate::geometry::ConvGeometry;
use crate::kernels::windows::Windows;
use crate::limits::{check_memory, f64_bytes};

/// Max pooling of (N, C, H, W) input over `pool_h` × `pool_w` windows: the maximum of each
/// window, channel by channel, (N, C, OH, OW), and where it was within its window
/// (row-major, the first one on ties as numpy's argmax).
///
/// ```
/// use dl_lessons::{conv::max_pool, ndarray::Array4};
/// let x = Array4::from_shape_fn((1, 1, 2, 4), |(_, _, y, x)| (4 * y + x) as f64);
/// let (out, arg_max) = max_pool(&x, 2, 2, 2, 0).unwrap();
/// assert_eq!(out.into_raw_vec_and_offset().0, vec![5.0, 7.0]);
/// assert_eq!(arg_max.into_raw_vec_and_offset().0, vec![3, 3]); // bottom right of each window
/// ```
pub fn max_pool<S: Data<Elem = f64>>(
    x: &ArrayBase<S, Ix4>,
    pool_h: usize,
    pool_w: usize,
    stride: usize,
    pad: usize,
) -> Result<(Array4<f64>, Array4<u32>)> {
    let g = geometry(x.dim(), pool_h, pool_w, stride, pad)?;
    let (out, arg_max) = plane_windows(&g).max(&padded(x, pad));
    let shape = (g.input_shape.0, g.input_shape.1, g.out_h, g.out_w);
    Ok((
        Array4::from_shape_vec(shape, out).expect("one value per window"),
        Array4::from_shape_vec(shape, arg_max).expect("one index per window"),
    ))
}

/// The backward pass of [`max_pool`]: each `dout` value sent to its window's maximum
/// (windows that overlap add up), (N, C, H, W) for `input_shape`.
pub fn max_pool_backward<S: Data<Elem = f64>>(
    dout: &ArrayBase<S, Ix4>,
    arg_max: &Array4<u32>,
    input_shape: (usize, usize, usize, usize),
    pool_h: usize,
    pool_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array4<f64>> {
    let g = geometry(input_shape, pool_h, pool_w, stride, pad)?;
    let expected = (input_shape.0, input_shape.1, g.out_h, g.out_w);
    let window_len = u32::try_from(pool_h * pool_w).unwrap_or(u32::MAX);
    if dout.dim() != expected
        || arg_max.dim() != expected
        || arg_max.iter().any(|&a| a >= window_len)
    {
        return Err(Error::Geometry(format!(
            "max_pool_backward: dout {:?} and arg_max {:?} must both have the pooled shape {expected:?}, \
             with arg_max below {window_len}",
            dout.dim(),
            arg_max.dim()
        )));
    }
    let dout = dout.as_standard_layout();
    let planes = input_shape.0 * input_shape.1;
    let dx = plane_windows(&g).scatter_to_max(
        dout.as_slice().expect("standard layout"),
        arg_max.as_slice().expect("owned arrays are standard"),
        planes,
    );
    Ok(cropped(dx, &g))
}

/// Average pooling: the mean of each window, channel by channel, (N, C, OH, OW).
pub fn average_pool<S: Data<Elem = f64>>(
    x: &ArrayBase<S, Ix4>,
    pool_h: usize,
    pool_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array4<f64>> {
    let g = geometry(x.dim(), pool_h, pool_w, stride, pad)?;
    let out = plane_windows(&g).mean(&padded(x, pad));
    Ok(
        Array4::from_shape_vec((g.input_shape.0, g.input_shape.1, g.out_h, g.out_w), out)
            .expect("one value per window"),
    )
}

/// The backward pass of [`average_pool`]: each `dout` value spread evenly over its window.
pub fn average_pool_backward<S: Data<Elem = f64>>(
    dout: &ArrayBase<S, Ix4>,
    input_shape: (usize, usize, usize, usize),
    pool_h: usize,
    pool_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Array4<f64>> {
    let g = geometry(input_shape, pool_h, pool_w, stride, pad)?;
    let expected = (input_shape.0, input_shape.1, g.out_h, g.out_w);
    if dout.dim() != expected {
        return Err(Error::Geometry(format!(
            "average_pool_backward: dout has shape {:?}, the pooled shape is {expected:?}",
            dout.dim()
        )));
    }
    let dout = dout.as_standard_layout();
    let dx = plane_windows(&g).scatter_mean(
        dout.as_slice().expect("standard layout"),
        input_shape.0 * input_shape.1,
    );
    Ok(cropped(dx, &g))
}

/// The geometry of pooling windows, checked against the memory limit.
fn geometry(
    input_shape: (usize, usize, usize, usize),
    pool_h: usize,
    pool_w: usize,
    stride: usize,
    pad: usize,
) -> Result<ConvGeometry> {
    let g = ConvGeometry::new(input_shape, pool_h, pool_w, stride, pad).map_err(|e| match e {
        Error::InvalidParameter { name, value, rule } => Error::InvalidParameter {
            name: name.replace("filter", "pool"),
            value,
            rule,
        },
        Error::Geometry(message) => Error::Geometry(message.replace("filter", "pool")),
        other => other,
    })?;
    check_memory(
        || {
            format!("pooling of x {input_shape:?} with pool {pool_h}x{pool_w}, stride {stride}, pad {pad}")
        },
        // the windows' values count as the course's im2col would hold them: their number is
        // also the work, which a huge window over a small output would otherwise hide
        g.element_counts(input_shape.1)
            .and_then(|[col, padded, out]| {
                f64_bytes(&[col, padded, padded, out, out, g.table_len()])
            }),
        "choose a smaller pad or input",
    )?;
    Ok(g)
}

/// The windows of one channel plane of the padded input.
fn plane_windows(g: &ConvGeometry) -> Windows {
    let (n, c, h, w) = g.input_shape;
    windows(&ConvGeometry {
        input_shape: (n * c, 1, h, w),
        ..*g
    })
}

/// Padded planes (N·C of Hp × Wp) cut back to (N, C, H, W).
fn cropped(padded: Vec<f64>, g: &ConvGeometry) -> Array4<f64> {
    let (n, c, h, w) = g.input_shape;
    let (hp, wp) = g.padded_size();
    let padded =
        Array4::from_shape_vec((n, c, hp, wp), padded).expect("one value per padded pixel");
    if g.pad == 0 {
        padded
    } else {
        padded
            .slice(ndarray::s![.., .., g.pad..g.pad + h, g.pad..g.pad + w])
            .to_owned()
    }
}
