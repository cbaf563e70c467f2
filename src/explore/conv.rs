//! Lesson 4's diagrams with sliders: the windows and the output-size formula, im2col with
//! and without the transpose, col2im's window counts, pooling. Filters and pooling windows
//! are square here (`filter_h = filter_w = filter_size`).

use ndarray::Array4;

use super::{slider_values, Explorer, Slider};
use crate::error::Result;
use crate::geometry::output_size;
use crate::plot::{col2im_diagram, convolution_windows, im2col_diagram, pooling_diagram, Figure};
use crate::table::Table;

/// The sliders `filter_size`, `stride`, `pad` over the values given.
fn filter_sliders(
    filter_size: impl IntoIterator<Item = usize>,
    stride: impl IntoIterator<Item = usize>,
    pad: impl IntoIterator<Item = usize>,
) -> Result<[Vec<usize>; 3]> {
    Ok([
        slider_values("filter_size", filter_size)?,
        slider_values("stride", stride)?,
        slider_values("pad", pad)?,
    ])
}

/// The window in the middle of im2col's row order (0 when the filter does not fit).
fn middle_window(input_size: usize, filter_size: usize, stride: usize, pad: usize) -> usize {
    output_size(input_size, filter_size, stride, pad).map_or(0, |o| o * o / 2)
}

/// [`convolution_windows`] on a `input_size` × `input_size` input with a square filter,
/// for every combination of the values given; the chosen window is the middle one.
///
/// ```
/// use dl_lessons::prelude::*;
/// let explorer = convolution_windows_explorer(4..=7, [2, 3], 1..=2, 0..=1)?;
/// assert_eq!(explorer.frames().len(), 4 * 2 * 2 * 2);
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn convolution_windows_explorer(
    input_size: impl IntoIterator<Item = usize>,
    filter_size: impl IntoIterator<Item = usize>,
    stride: impl IntoIterator<Item = usize>,
    pad: impl IntoIterator<Item = usize>,
) -> Result<Explorer> {
    let title = "the windows of a convolution: move the sliders";
    let input = slider_values("input_size", input_size)?;
    let filters = filter_sliders(filter_size, stride, pad)?;
    sizes_explorer(title, input, filters, |n, f, s, p| {
        convolution_windows(n, n, f, f, s, p, middle_window(n, f, s, p))
    })
}

/// `frame(input_size, filter_size, stride, pad)` for every combination of the values.
fn sizes_explorer<F: super::Frame>(
    title: &str,
    input: Vec<usize>,
    [filter, stride, pad]: [Vec<usize>; 3],
    frame: impl Fn(usize, usize, usize, usize) -> Result<F>,
) -> Result<Explorer> {
    Explorer::new(
        title,
        vec![
            Slider::new("input_size", &input),
            Slider::new("filter_size", &filter),
            Slider::new("stride", &stride),
            Slider::new("pad", &pad),
        ],
        |i| frame(input[i[0]], filter[i[1]], stride[i[2]], pad[i[3]]),
    )
}

/// The output-size formula OH = (H + 2P − FH) / S + 1 with its numbers, as a table row,
/// for every combination of the values given (the value from [`output_size`]; a filter
/// that does not fit shows `output_size`'s error).
///
/// ```
/// use dl_lessons::prelude::*;
/// let explorer = output_size_explorer([28], [5], [1], 0..=3)?;
/// assert!(explorer.frames()[2].contains("(28 + 2·2 − 5) / 1 + 1"));
/// assert!(explorer.frames()[2].contains(">28</td>"));
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn output_size_explorer(
    input_size: impl IntoIterator<Item = usize>,
    filter_size: impl IntoIterator<Item = usize>,
    stride: impl IntoIterator<Item = usize>,
    pad: impl IntoIterator<Item = usize>,
) -> Result<Explorer> {
    let title = "the output-size formula: move the sliders";
    let input = slider_values("input_size", input_size)?;
    let filters = filter_sliders(filter_size, stride, pad)?;
    sizes_explorer(title, input, filters, |h, f, s, p| {
        let out = output_size(h, f, s, p)?;
        // output_size succeeded, so h + 2p ≥ f and nothing below overflows
        let left_out = (h + 2 * p - f) % s;
        let mut table = Table::new(
            "OH = (H + 2P − FH) / S + 1",
            &["(H + 2P − FH) / S + 1", "OH", "rows no window reaches"],
        );
        table.push(vec![
            format!("({h} + 2·{p} − {f}) / {s} + 1"),
            out.to_string(),
            left_out.to_string(),
        ]);
        Ok(table)
    })
}

/// [`im2col_diagram`] of `x` (its rows with and without the transpose) for every
/// combination of the values given.
pub fn im2col_explorer(
    x: &Array4<f64>,
    filter_size: impl IntoIterator<Item = usize>,
    stride: impl IntoIterator<Item = usize>,
    pad: impl IntoIterator<Item = usize>,
) -> Result<Explorer> {
    let title = "im2col with and without the transpose: move the sliders";
    square_filter_explorer(
        title,
        x,
        filter_sliders(filter_size, stride, pad)?,
        im2col_diagram,
    )
}

/// [`col2im_diagram`] of `x` (each pixel's window count) for every combination of the
/// values given.
pub fn col2im_explorer(
    x: &Array4<f64>,
    filter_size: impl IntoIterator<Item = usize>,
    stride: impl IntoIterator<Item = usize>,
    pad: impl IntoIterator<Item = usize>,
) -> Result<Explorer> {
    let title = "col2im's window counts: move the sliders";
    square_filter_explorer(
        title,
        x,
        filter_sliders(filter_size, stride, pad)?,
        col2im_diagram,
    )
}

/// `diagram(x, filter_h, filter_w, stride, pad)` with `filter_h = filter_w` for every
/// combination of `[filter_size, stride, pad]`'s values.
fn square_filter_explorer(
    title: &str,
    x: &Array4<f64>,
    [filter, stride, pad]: [Vec<usize>; 3],
    diagram: fn(&Array4<f64>, usize, usize, usize, usize) -> Result<Figure>,
) -> Result<Explorer> {
    Explorer::new(
        title,
        vec![
            Slider::new("filter_size", &filter),
            Slider::new("stride", &stride),
            Slider::new("pad", &pad),
        ],
        |i| diagram(x, filter[i[0]], filter[i[0]], stride[i[1]], pad[i[2]]),
    )
}

/// [`pooling_diagram`] of `x` with a square `pool_size` window for every combination of
/// the values given.
pub fn pooling_explorer(
    x: &Array4<f64>,
    pool_size: impl IntoIterator<Item = usize>,
    stride: impl IntoIterator<Item = usize>,
) -> Result<Explorer> {
    let pool = slider_values("pool_size", pool_size)?;
    let stride = slider_values("stride", stride)?;
    Explorer::new(
        "max pooling: move the sliders",
        vec![
            Slider::new("pool_size", &pool),
            Slider::new("stride", &stride),
        ],
        |i| pooling_diagram(x, pool[i[0]], pool[i[0]], stride[i[1]]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(figure: Result<Figure>) -> String {
        figure.unwrap().html()
    }

    fn x() -> Array4<f64> {
        Array4::from_shape_fn((1, 1, 5, 5), |(_, _, i, j)| (5 * i + j) as f64)
    }

    #[test]
    fn each_frame_is_the_static_diagram_for_its_values() {
        let e = convolution_windows_explorer([5, 6], [2, 3], [1, 2], [0, 1]).unwrap();
        let k = e.frame_index(&[1, 1, 1, 0]).unwrap();
        assert!(e.frames()[k].contains(&framed(convolution_windows(6, 6, 3, 3, 2, 0, 2))));
        let e = im2col_explorer(&x(), [2, 3], [1, 2], [0, 1]).unwrap();
        let k = e.frame_index(&[1, 0, 1]).unwrap();
        assert!(e.frames()[k].contains(&framed(im2col_diagram(&x(), 3, 3, 1, 1))));
        let e = col2im_explorer(&x(), [3], [1, 2], [0]).unwrap();
        assert!(e.frames()[1].contains(&framed(col2im_diagram(&x(), 3, 3, 2, 0))));
        let e = pooling_explorer(&x(), [2, 3], [1, 2]).unwrap();
        assert!(e.frames()[3].contains(&framed(pooling_diagram(&x(), 3, 3, 2))));
        let e = output_size_explorer([7], [3], [2], [0]).unwrap();
        let cell = |(v, a): (&str, &str)| {
            format!(r#"<td style="padding:2px 8px;text-align:{a}">{v}</td>"#)
        };
        let row = [
            ("(7 + 2·0 − 3) / 2 + 1", "left"),
            ("3", "right"),
            ("0", "right"),
        ]
        .map(cell)
        .concat();
        assert!(e.frames()[0].contains(&row), "{}", e.frames()[0]);
    }

    #[test]
    fn a_filter_that_does_not_fit_shows_the_error_as_its_frame() {
        let e = im2col_explorer(&x(), [3, 8], [1], [0, 1]).unwrap();
        let error = im2col_diagram(&x(), 8, 8, 1, 1).unwrap_err().to_string();
        assert!(
            e.frames()[3].contains(&crate::table::escape(&error)),
            "{}",
            e.frames()[3]
        );
        let e = output_size_explorer([4], [6], [1], [0]).unwrap();
        assert!(e.frames()[0].contains("does not fit the padded input 4"));
    }
}
