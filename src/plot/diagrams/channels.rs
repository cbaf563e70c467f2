//! A whole convolution drawn: input channels, filters with their biases, output channels.

use ndarray::{Array1, Array4};

use super::super::palette::fill;
use super::super::svg::{check_cells, short, Cells, Diagram};
use super::super::Figure;
use super::check_sample;
use crate::error::Result;
use crate::layers::{Convolution, Layer, Mode};

/// A whole convolution on sample 0: each input channel, each filter (one row per filter:
/// its channels, its bias, its output channel = the window sums over all channels plus
/// the bias).
pub fn convolution_diagram(
    x: &Array4<f64>,
    w: &Array4<f64>,
    b: &Array1<f64>,
    stride: usize,
    pad: usize,
) -> Result<Figure> {
    check_sample(x)?;
    let mut conv = Convolution::new(w.clone(), b.clone(), stride, pad)?;
    let g = conv.geometry(x.dim())?;
    let (_, c, h, wd) = x.dim();
    let (filter_num, _, fh, fw) = w.dim();
    let cells = c * h * wd + filter_num * (c * fh * fw + g.out_h * g.out_w);
    check_cells(Some(cells), "diagram size")?;
    let first = x.slice(ndarray::s![..1, .., .., ..]).to_owned();
    let out = conv.forward(&first.into_dyn(), Mode::Eval)?;
    let cell = 24.0;
    let inputs: Vec<Cells> = (0..c)
        .map(|ch| {
            Cells::new(format!("input channel {ch}"), h, wd, cell)
                .fill(move |_, _| fill(7 + ch))
                .text(move |i, j| short(x[[0, ch, i, j]]))
        })
        .collect();
    let mut diagram = Diagram::new(format!(
        "{c} input channels * {filter_num} filters + bias → {filter_num} output channels; {}",
        g.formula()
    ))
    .row(inputs);
    for f in 0..filter_num {
        let mut row: Vec<Cells> = (0..c)
            .map(|ch| {
                Cells::new(format!("W[{f}, {ch}]"), fh, fw, cell)
                    .fill(move |_, _| fill(f))
                    .text(move |i, j| short(w[[f, ch, i, j]]))
            })
            .collect();
        row.push(Cells::new(
            format!("+ b[{f}] = {}", short(b[f])),
            0,
            0,
            cell,
        ));
        let out = &out;
        row.push(
            Cells::new(format!("output channel {f}"), g.out_h, g.out_w, cell)
                .fill(move |_, _| fill(f))
                .text(move |i, j| short(out[[0, f, i, j]])),
        );
        diagram = diagram.row(row);
    }
    let (n, f, oh, ow) = g.output_shape(filter_num);
    let text = format!(
        "output shape {:?} (sample 0 drawn); {}",
        [n, f, oh, ow],
        g.formula()
    );
    Figure::from_svg(diagram.render(), text)
}
