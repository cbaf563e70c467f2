//! Why a fully connected layer loses the image's structure.

use ndarray::Array2;

use super::super::palette::fill;
use super::super::svg::{check_cells, Cells, Diagram};
use super::super::Figure;
use crate::error::{Error, Result};

/// The 3x3 neighbourhood of pixel (row, col) is one block in the image but scattered over
/// the flattened vector an Affine layer sees.
pub fn flatten_diagram(image: &Array2<f64>, row: usize, col: usize) -> Result<Figure> {
    let (h, w) = image.dim();
    check_cells(
        h.checked_mul(w).and_then(|n| n.checked_mul(2)),
        "image size",
    )?;
    if row >= h || col >= w {
        return Err(Error::param(
            "pixel",
            format!("({row}, {col})"),
            format!("must lie inside the {h}x{w} image"),
        ));
    }
    let near = |i: usize, j: usize| i.abs_diff(row) <= 1 && j.abs_diff(col) <= 1;
    let shade = |i: usize, j: usize| {
        if near(i, j) {
            fill(3)
        } else {
            let level = (255.0 - 200.0 * image[[i, j]].clamp(0.0, 1.0)) as u8;
            format!("rgb({level},{level},{level})")
        }
    };
    let strip_cell = (900.0 / (h * w) as f64).clamp(8.0, 22.0);
    let diagram = Diagram::new(format!(
        "neighbours of pixel ({row}, {col}) in the image and in the flattened vector of {}",
        h * w
    ))
    .row(vec![
        Cells::new(format!("image {h}x{w}"), h, w, 26.0).fill(shade)
    ])
    .row(vec![Cells::new(
        "flattened (row after row): what an Affine layer sees",
        1,
        h * w,
        strip_cell,
    )
    .fill(move |_, k| shade(k / w, k % w))]);
    let positions: Vec<usize> = (0..h * w).filter(|&k| near(k / w, k % w)).collect();
    let text =
        format!("the 3x3 neighbourhood of ({row}, {col}) sits at flat positions {positions:?}");
    Figure::from_svg(diagram.render(), text)
}
