//! Element-wise passes over large arrays, on every core: a convolution network's
//! activations are about 10 MB each, so one pass costs about a millisecond on one core.
//! Small arrays, and arrays that are not laid out row-major, take ndarray's own serial
//! methods, which these equal exactly.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Zip};

use super::parallel::{fill_uninit, fill_uninit_pair, parts_for, ranges, run_all, Task};

/// About the nanoseconds one element of a pass costs (the thresholds' unit).
const COST_PER_ELEMENT: usize = 1;

/// `f` applied to every element, as ndarray's `map`.
///
/// ```
/// use dl_lessons::kernels::map;
/// use dl_lessons::ndarray::array;
/// let x = array![[-1.0, 2.0]].into_dyn();
/// assert_eq!(map(&x.view(), |v| v <= 0.0), array![[true, false]].into_dyn());
/// ```
pub fn map<T: Copy + Sync, U: Send>(x: &ArrayViewD<'_, T>, f: impl Fn(T) -> U + Sync) -> ArrayD<U> {
    let Some(xs) = x.as_slice() else {
        return x.map(|&v| f(v));
    };
    // SAFETY: the closure writes every element of its block.
    let (out, _) = unsafe {
        fill_uninit(xs.len(), 1, COST_PER_ELEMENT, |range, block| {
            for (o, &v) in block.iter_mut().zip(&xs[range]) {
                o.write(f(v));
            }
        })
    };
    ArrayD::from_shape_vec(x.raw_dim(), out).expect("one value per element")
}

/// `f` applied to matching elements of two arrays of one shape, as ndarray's
/// `Zip::map_collect`.
///
/// # Panics
/// If the shapes differ (callers check them first).
pub fn zip_map<T: Copy + Sync, U: Copy + Sync, V: Send>(
    x: &ArrayViewD<'_, T>,
    y: &ArrayViewD<'_, U>,
    f: impl Fn(T, U) -> V + Sync,
) -> ArrayD<V> {
    assert_eq!(x.shape(), y.shape(), "zip_map: shapes differ");
    let (Some(xs), Some(ys)) = (x.as_slice(), y.as_slice()) else {
        return Zip::from(x).and(y).map_collect(|&a, &b| f(a, b));
    };
    // SAFETY: the closure writes every element of its block.
    let (out, _) = unsafe {
        fill_uninit(xs.len(), 1, COST_PER_ELEMENT, |range, block| {
            for ((o, &a), &b) in block.iter_mut().zip(&xs[range.clone()]).zip(&ys[range]) {
                o.write(f(a, b));
            }
        })
    };
    ArrayD::from_shape_vec(x.raw_dim(), out).expect("one value per element")
}

/// Two arrays from one pass over `x`: `f` gives both values of each element (ReLU's
/// output and mask).
///
/// ```
/// use dl_lessons::kernels::map_unzip;
/// use dl_lessons::ndarray::array;
/// let x = array![-1.0, 2.0].into_dyn();
/// let (out, off) = map_unzip(&x.view(), |v| if v <= 0.0 { (0.0, true) } else { (v, false) });
/// assert_eq!((out, off), (array![0.0, 2.0].into_dyn(), array![true, false].into_dyn()));
/// ```
pub fn map_unzip<T: Copy + Sync, U: Send, V: Send>(
    x: &ArrayViewD<'_, T>,
    f: impl Fn(T) -> (U, V) + Sync,
) -> (ArrayD<U>, ArrayD<V>) {
    let Some(xs) = x.as_slice() else {
        let pairs = x.map(|&v| f(v));
        let (us, vs): (Vec<U>, Vec<V>) = pairs.into_iter().unzip();
        return (
            ArrayD::from_shape_vec(x.raw_dim(), us).expect("one value per element"),
            ArrayD::from_shape_vec(x.raw_dim(), vs).expect("one value per element"),
        );
    };
    // SAFETY: the closure writes every element of both blocks.
    let (us, vs) = unsafe {
        fill_uninit_pair(xs.len(), COST_PER_ELEMENT, |range, us, vs| {
            for ((u, v), &x) in us.iter_mut().zip(vs).zip(&xs[range]) {
                let (a, b) = f(x);
                u.write(a);
                v.write(b);
            }
        })
    };
    (
        ArrayD::from_shape_vec(x.raw_dim(), us).expect("one value per element"),
        ArrayD::from_shape_vec(x.raw_dim(), vs).expect("one value per element"),
    )
}

/// Updates `a`, `b` and `c` in place from `d`, element by element (an optimizer's step:
/// parameter, two state arrays, gradient).
///
/// # Panics
/// If the shapes differ.
pub fn update3(
    a: &mut ArrayViewMutD<'_, f64>,
    b: &mut ArrayViewMutD<'_, f64>,
    c: &mut ArrayViewMutD<'_, f64>,
    d: &ArrayViewD<'_, f64>,
    f: impl Fn(&mut f64, &mut f64, &mut f64, f64) + Sync,
) {
    assert!(
        a.shape() == b.shape() && b.shape() == c.shape() && c.shape() == d.shape(),
        "update3: shapes differ"
    );
    let contiguous = (
        a.as_slice_mut().is_some(),
        b.as_slice_mut().is_some(),
        c.as_slice_mut().is_some(),
        d.as_slice(),
    );
    let (true, true, true, Some(ds)) = contiguous else {
        return Zip::from(a)
            .and(b)
            .and(c)
            .and(d)
            .for_each(|a, b, c, &d| f(a, b, c, d));
    };
    let (mut a, mut b, mut c, mut d) = (
        a.as_slice_mut().expect("checked"),
        b.as_slice_mut().expect("checked"),
        c.as_slice_mut().expect("checked"),
        ds,
    );
    let f = &f;
    let parts = parts_for(a.len().saturating_mul(COST_PER_ELEMENT * 3));
    let mut tasks: Vec<Task<'_, ()>> = Vec::new();
    for range in ranges(a.len(), parts, 1) {
        let n = range.len();
        let (a0, a1) = std::mem::take(&mut a).split_at_mut(n);
        let (b0, b1) = std::mem::take(&mut b).split_at_mut(n);
        let (c0, c1) = std::mem::take(&mut c).split_at_mut(n);
        let (d0, d1) = d.split_at(n);
        (a, b, c, d) = (a1, b1, c1, d1);
        tasks.push(Box::new(move || {
            for (((a, b), c), &d) in a0.iter_mut().zip(b0).zip(c0).zip(d0) {
                f(a, b, c, d);
            }
        }));
    }
    run_all(tasks);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Dimension, IxDyn};

    #[test]
    fn parallel_passes_equal_ndarrays_serial_methods() {
        for shape in [vec![0], vec![3, 5], vec![100, 30, 24, 24]] {
            let x = ArrayD::from_shape_fn(IxDyn(&shape), |i| {
                (i.as_array_view().sum() % 7) as f64 - 3.0
            });
            let y = x.mapv(|v| v * 0.5 + 1.0);
            assert_eq!(map(&x.view(), |v| v.max(0.0)), x.mapv(|v| v.max(0.0)));
            assert_eq!(zip_map(&x.view(), &y.view(), |a, b| a * b), &x * &y);
            let (mut a, mut b, mut c) = (x.clone(), y.clone(), x.clone());
            update3(
                &mut a.view_mut(),
                &mut b.view_mut(),
                &mut c.view_mut(),
                &y.view(),
                |a, b, c, d| {
                    *a += d;
                    *b *= 2.0;
                    *c -= *a;
                },
            );
            assert_eq!(a, &x + &y);
            assert_eq!(b, &y * 2.0);
            assert_eq!(c, &x - &(&x + &y));
        }
        // a transposed view takes the serial path and gives the same values
        let m = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64).into_dyn();
        let t = m.t();
        assert_eq!(map(&t, |v| v + 1.0), t.mapv(|v| v + 1.0));
    }
}
