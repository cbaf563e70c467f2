//! im2col drawn: sample 0 beside its im2col rows and the rows the course's im2col gives
//! without its transpose, each value coloured by the window it belongs to.

use ndarray::{Array2, Array4};

use super::super::palette::{fill, stroke};
use super::super::svg::{short, Cells, Diagram};
use super::super::Figure;
use super::{drawable_geometry, padded_cells, window_outline};
use crate::conv::{im2col, im2col_without_transpose, zero_pad};
use crate::error::Result;
use crate::geometry::ConvGeometry;
use crate::table::Table;

/// The window (output position) each value of a sample's im2col rows comes from, for im2col
/// and for the version without the transpose.
fn window_of_entries(g: &ConvGeometry, transposed: bool) -> Array2<usize> {
    let (rows, cols) = (g.out_h * g.out_w, g.patch_len());
    Array2::from_shape_fn((rows, cols), |(r, k)| {
        if transposed {
            r
        } else {
            // flat index in (C, FH, FW, OH, OW) order; its last two coordinates are the window
            (r * cols + k) % rows
        }
    })
}

/// Sample 0 of `x` beside its im2col rows and the rows without the transpose: each matrix
/// entry is coloured by the window it belongs to, so a proper row is one colour and a
/// scrambled row is many.
pub fn im2col_diagram(
    x: &Array4<f64>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Figure> {
    let g = ConvGeometry::new(x.dim(), filter_h, filter_w, stride, pad)?;
    let per_sample = g.out_h * g.out_w;
    let g = drawable_geometry(
        x,
        (filter_h, filter_w, stride, pad),
        1,
        Some((2 * per_sample, g.patch_len())),
    )?;
    let first = x.slice(ndarray::s![..1, .., .., ..]);
    let col = im2col(&first, filter_h, filter_w, stride, pad)?;
    let scrambled = im2col_without_transpose(&first, filter_h, filter_w, stride, pad)?;
    let padded = zero_pad(&first, pad)?;
    let (owners, scrambled_owners) = (window_of_entries(&g, true), window_of_entries(&g, false));
    let cell = 24.0;
    let inputs: Vec<Cells> = (0..g.input_shape.1)
        .map(|c| {
            padded_cells(
                format!("input, sample 0, channel {c}"),
                &padded,
                c,
                pad,
                cell,
            )
            .outline(window_outline(&g, 0, stroke(0), 1.5))
        })
        .collect();
    let matrix = |label: &str, values: &Array2<f64>, owners: &Array2<usize>| {
        let (values, owners) = (values.clone(), owners.clone());
        Cells::new(label, per_sample, g.patch_len(), cell)
            .fill(move |i, j| fill(owners[[i, j]]))
            .text(move |i, j| short(values[[i, j]]))
    };
    let diagram = Diagram::new(format!("im2col: {}; col {:?}", g.formula(), g.col_shape()))
        .row(inputs)
        .row(vec![
            matrix("im2col: one row per window", &col, &owners),
            matrix(
                "without the transpose: rows mix windows",
                &scrambled,
                &scrambled_owners,
            ),
        ]);
    let mixed = (0..per_sample)
        .filter(|&r| {
            (0..g.patch_len()).any(|k| scrambled_owners[[r, k]] != scrambled_owners[[r, 0]])
        })
        .count();
    let text = format!(
        "col shape {:?}; without the transpose {mixed} of the {per_sample} rows of sample 0 mix values of several windows",
        g.col_shape()
    );
    Figure::from_svg(diagram.render(), text)
}

/// The same im2col rows as an HTML table, each row in its window's colour.
pub fn im2col_table(
    x: &Array4<f64>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Table> {
    let g = ConvGeometry::new(x.dim(), filter_h, filter_w, stride, pad)?;
    let (rows, cols) = g.col_shape();
    drawable_geometry(
        x,
        (filter_h, filter_w, stride, pad),
        0,
        Some((rows, cols + 1)),
    )?;
    let col = im2col(x, filter_h, filter_w, stride, pad)?;
    let header: Vec<String> = std::iter::once("row (n, oh, ow)".to_string())
        .chain(
            g.window_offsets()
                .map(|(c, y, x)| format!("c{c} y{y} x{x}")),
        )
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new(format!("im2col {:?}", g.col_shape()), &header_refs);
    let per_sample = g.out_h * g.out_w;
    for (r, row) in col.rows().into_iter().enumerate() {
        let (n, i, j) = (r / per_sample, (r / g.out_w) % g.out_h, r % g.out_w);
        let mut cells = vec![format!("{r} ({n}, {i}, {j})")];
        cells.extend(row.iter().map(|&v| short(v)));
        table.push_colored(cells, &fill(r % per_sample));
    }
    Ok(table)
}
