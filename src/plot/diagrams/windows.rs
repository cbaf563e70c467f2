//! The windows of a convolution on its padded input, and the output they make.

use super::super::palette::{fill, stroke, PAD_FILL, UNREACHED_FILL};
use super::super::svg::{check_cells, Cells, Diagram};
use super::super::Figure;
use super::window_outline;
use crate::error::{Error, Result};
use crate::geometry::ConvGeometry;

/// The padded input (pad cells grey, rows and columns no window reaches red) with the first,
/// the last and the `chosen` window outlined, and the output grid beside it, under the
/// formula with the numbers filled in.
///
/// ```
/// let figure = dl_lessons::plot::convolution_windows(6, 6, 2, 2, 1, 1, 10)?;
/// assert!(figure.text().contains("OH = (6 + 2·1 − 2) / 1 + 1 = 7"));
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn convolution_windows(
    h: usize,
    w: usize,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
    chosen: usize,
) -> Result<Figure> {
    let g = ConvGeometry::new((1, 1, h, w), filter_h, filter_w, stride, pad)?;
    let (hp, wp) = g.padded_size();
    let positions = g.out_h * g.out_w;
    check_cells(
        hp.checked_mul(wp).and_then(|p| p.checked_add(positions)),
        "diagram size",
    )?;
    if chosen >= positions {
        return Err(Error::param(
            "chosen",
            chosen,
            format!("must be a window index below OH·OW = {positions}"),
        ));
    }
    let (unreached_rows, unreached_cols) = g.unreached();
    let cell = (360.0 / hp.max(wp) as f64).clamp(12.0, 40.0);
    let is_pad = |i: usize, j: usize| i < pad || j < pad || i >= pad + h || j >= pad + w;
    let windows = [(0, 0), (1, positions - 1), (2, chosen)];
    let mut input = Cells::new(
        format!("padded input {hp}x{wp} (pad {pad} in grey)"),
        hp,
        wp,
        cell,
    )
    .fill(|i, j| {
        if unreached_rows.contains(&i) || unreached_cols.contains(&j) {
            UNREACHED_FILL.into()
        } else if is_pad(i, j) {
            PAD_FILL.into()
        } else {
            "white".into()
        }
    })
    .text(|i, j| {
        if is_pad(i, j) {
            "0".into()
        } else {
            String::new()
        }
    });
    for (k, p) in windows {
        input = input.outline(window_outline(&g, p, stroke(k), 1.5 + 2.0 * k as f64));
    }
    let output = Cells::new(
        format!("output {}x{}", g.out_h, g.out_w),
        g.out_h,
        g.out_w,
        cell,
    )
    .fill(|i, j| {
        let p = i * g.out_w + j;
        windows
            .iter()
            .rev()
            .find(|&&(_, q)| q == p)
            .map_or("white".into(), |&(k, _)| fill(k))
    });
    let mut diagram = Diagram::new(g.formula())
        .row(vec![input, output])
        .legend("first window", fill(0), stroke(0))
        .legend("last", fill(1), stroke(1))
        .legend(format!("window {chosen}"), fill(2), stroke(2));
    if !unreached_rows.is_empty() || !unreached_cols.is_empty() {
        diagram = diagram.legend("never read", UNREACHED_FILL, "#888");
    }
    let text = format!(
        "{}; padded rows never read {unreached_rows:?}, columns never read {unreached_cols:?}",
        g.formula()
    );
    Figure::from_svg(diagram.render(), text)
}
