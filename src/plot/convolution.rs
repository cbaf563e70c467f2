//! Diagrams of Lesson 4: windows on the padded input, im2col with and without the
//! transpose, col2im's window counts, pooling, and the sliding window animated.

use ndarray::{Array2, Array4};

use super::figure::Figure;
use super::svg::{grid, short, text_width, window_fill, window_stroke, Svg};
use crate::conv::{col2im, im2col, im2col_without_transpose, zero_pad};
use crate::error::{Error, Result};
use crate::geometry::ConvGeometry;
use crate::table::Table;

const PAD_FILL: &str = "#eeeeee";
const UNREACHED_FILL: &str = "#f4cccc";

/// A padded input channel as a grid: pad cells grey, every value written.
#[allow(clippy::too_many_arguments)]
fn padded_grid(
    svg: &mut Svg,
    x0: f64,
    y0: f64,
    cell: f64,
    padded: &Array4<f64>,
    channel: usize,
    pad: usize,
) {
    let (_, _, hp, wp) = padded.dim();
    let inside = |i: usize, j: usize| i >= pad && j >= pad && i < hp - pad && j < wp - pad;
    grid(
        svg,
        x0,
        y0,
        cell,
        hp,
        wp,
        |i, j| {
            if inside(i, j) {
                "white".into()
            } else {
                PAD_FILL.into()
            }
        },
        |i, j| short(padded[[0, channel, i, j]]),
    );
}

/// Outline of the window at output position (i, j) on a grid drawn at (x0, y0).
#[allow(clippy::too_many_arguments)]
fn outline(
    svg: &mut Svg,
    g: &ConvGeometry,
    x0: f64,
    y0: f64,
    cell: f64,
    (i, j): (usize, usize),
    color: &str,
    inset: f64,
) {
    svg.rect(
        x0 + (j * g.stride) as f64 * cell + inset,
        y0 + (i * g.stride) as f64 * cell + inset,
        g.filter_w as f64 * cell - 2.0 * inset,
        g.filter_h as f64 * cell - 2.0 * inset,
        "none",
        color,
        3.0,
    );
}

/// The padded input (pad cells grey, rows and columns no window reaches red) with the first,
/// the last and the `chosen` window outlined, and the output grid beside it, under the
/// formula with the numbers filled in.
///
/// ```
/// let figure = dl_lessons::plot::convolution_windows(6, 6, 2, 2, 1, 1, 10).unwrap();
/// assert!(figure.text().contains("OH = (6 + 2·1 − 2) / 1 + 1 = 7"));
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
    let positions = g.out_h * g.out_w;
    if chosen >= positions {
        return Err(Error::param(
            "chosen",
            chosen,
            format!("must be a window index below OH·OW = {positions}"),
        ));
    }
    let (hp, wp) = (h + 2 * pad, w + 2 * pad);
    let cell = (360.0 / hp.max(wp) as f64).clamp(12.0, 40.0);
    let (x0, y0) = (20.0, 60.0);
    let out_x = x0 + wp as f64 * cell + 60.0;
    let width = out_x + g.out_w as f64 * cell + 30.0;
    let height = y0 + (hp.max(g.out_h) as f64) * cell + 50.0;
    let mut svg = Svg::new(width.max(520.0), height);
    svg.text(width.max(520.0) / 2.0, 18.0, &g.formula(), 15.0, "middle");
    svg.text(
        x0,
        44.0,
        &format!("padded input {hp}x{wp} (pad {pad} in grey)"),
        12.0,
        "start",
    );
    let (unreached_rows, unreached_cols) = g.unreached();
    grid(
        &mut svg,
        x0,
        y0,
        cell,
        hp,
        wp,
        |i, j| {
            if unreached_rows.contains(&i) || unreached_cols.contains(&j) {
                UNREACHED_FILL.into()
            } else if i < pad || j < pad || i >= pad + h || j >= pad + w {
                PAD_FILL.into()
            } else {
                "white".into()
            }
        },
        |i, j| {
            if i < pad || j < pad || i >= pad + h || j >= pad + w {
                "0".into()
            } else {
                String::new()
            }
        },
    );
    let windows = [
        (0, 0usize, 0usize),
        (1, g.out_h - 1, g.out_w - 1),
        (2, chosen / g.out_w, chosen % g.out_w),
    ];
    for (k, i, j) in windows {
        outline(
            &mut svg,
            &g,
            x0,
            y0,
            cell,
            (i, j),
            window_stroke(k),
            1.5 + k as f64 * 2.0,
        );
    }
    svg.text(
        out_x,
        44.0,
        &format!("output {}x{}", g.out_h, g.out_w),
        12.0,
        "start",
    );
    grid(
        &mut svg,
        out_x,
        y0,
        cell,
        g.out_h,
        g.out_w,
        |i, j| {
            windows
                .iter()
                .rev()
                .find(|&&(_, wi, wj)| (wi, wj) == (i, j))
                .map_or("white".into(), |&(k, _, _)| window_fill(k).to_string())
        },
        |_, _| String::new(),
    );
    let legend_y = height - 20.0;
    svg.text(x0, legend_y, "first window", 12.0, "start");
    svg.rect(
        x0 + 80.0,
        legend_y - 6.0,
        12.0,
        12.0,
        window_fill(0),
        window_stroke(0),
        1.0,
    );
    svg.text(x0 + 110.0, legend_y, "last", 12.0, "start");
    svg.rect(
        x0 + 140.0,
        legend_y - 6.0,
        12.0,
        12.0,
        window_fill(1),
        window_stroke(1),
        1.0,
    );
    svg.text(
        x0 + 170.0,
        legend_y,
        &format!("window {chosen}"),
        12.0,
        "start",
    );
    svg.rect(
        x0 + 240.0,
        legend_y - 6.0,
        12.0,
        12.0,
        window_fill(2),
        window_stroke(2),
        1.0,
    );
    if !unreached_rows.is_empty() || !unreached_cols.is_empty() {
        svg.text(x0 + 270.0, legend_y, "red: never read", 12.0, "start");
    }
    let text = format!(
        "{}; padded rows never read {:?}, columns never read {:?}",
        g.formula(),
        unreached_rows,
        unreached_cols
    );
    Ok(Figure::from_svg(svg.finish(), text))
}

/// Refuses im2col matrices too large to read in a diagram: at most 64 windows per sample
/// of at most 64 values each.
fn check_drawable(g: &ConvGeometry) -> Result<()> {
    let (windows, values) = (g.out_h * g.out_w, g.patch_len());
    if windows > 64 || values > 64 {
        return Err(Error::param(
            "sizes",
            format!("{windows} windows of {values} values"),
            "are too many to draw: at most 64 windows of at most 64 values (use a smaller input or filter)",
        ));
    }
    Ok(())
}

/// The window (output position) each entry of a sample's im2col rows comes from, for
/// im2col and for the version without the transpose.
fn window_of_entries(g: &ConvGeometry, transposed: bool) -> Array2<usize> {
    let (rows, cols) = (g.out_h * g.out_w, g.patch_len());
    Array2::from_shape_fn((rows, cols), |(r, k)| {
        if transposed {
            r
        } else {
            // flat index in (C, FH, FW, OH, OW) order; its last two coordinates are the window
            (r * cols + k) % (g.out_h * g.out_w)
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
    let (_, c, h, w) = x.dim();
    check_drawable(&g)?;
    let col = im2col(x, filter_h, filter_w, stride, pad)?;
    let scrambled = im2col_without_transpose(x, filter_h, filter_w, stride, pad)?;
    let padded = zero_pad(x, pad)?;
    let (hp, wp) = (h + 2 * pad, w + 2 * pad);
    let cell = 24.0;
    let (x0, y0) = (20.0, 70.0);
    const INPUT_LABEL: &str = "input, sample 0";
    const COL_LABEL: &str = "im2col: one row per window";
    const SCRAMBLED_LABEL: &str = "without the transpose: rows mix windows";
    let input_width = ((c * (wp + 1)) as f64 * cell).max(text_width(INPUT_LABEL, 12.0));
    let col_x = x0 + input_width + 30.0;
    let scr_x = col_x + (g.patch_len() as f64 * cell).max(text_width(COL_LABEL, 12.0)) + 40.0;
    let width = scr_x + g.patch_len() as f64 * cell + 20.0;
    let height = y0 + (per_sample.max(hp) as f64) * cell + 30.0;
    let mut svg = Svg::new(width, height);
    svg.text(
        width / 2.0,
        18.0,
        &format!("im2col: {}; col {:?}", g.formula(), g.col_shape()),
        14.0,
        "middle",
    );
    svg.text(x0, 50.0, INPUT_LABEL, 12.0, "start");
    for ch in 0..c {
        let cx = x0 + (ch * (wp + 1)) as f64 * cell;
        padded_grid(&mut svg, cx, y0, cell, &padded, ch, pad);
        outline(&mut svg, &g, cx, y0, cell, (0, 0), window_stroke(0), 1.5);
    }
    let owners = window_of_entries(&g, true);
    let scrambled_owners = window_of_entries(&g, false);
    svg.text(col_x, 50.0, COL_LABEL, 12.0, "start");
    grid(
        &mut svg,
        col_x,
        y0,
        cell,
        per_sample,
        g.patch_len(),
        |i, j| window_fill(owners[[i, j]]).into(),
        |i, j| short(col[[i, j]]),
    );
    svg.text(scr_x, 50.0, SCRAMBLED_LABEL, 12.0, "start");
    grid(
        &mut svg,
        scr_x,
        y0,
        cell,
        per_sample,
        g.patch_len(),
        |i, j| window_fill(scrambled_owners[[i, j]]).into(),
        |i, j| short(scrambled[[i, j]]),
    );
    let mixed = (0..per_sample)
        .filter(|&r| {
            (0..g.patch_len()).any(|k| scrambled_owners[[r, k]] != scrambled_owners[[r, 0]])
        })
        .count();
    let text = format!(
        "col shape {:?}; without the transpose {mixed} of the {per_sample} rows of sample 0 mix values of several windows",
        g.col_shape()
    );
    Ok(Figure::from_svg(svg.finish(), text))
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
    let col = im2col(x, filter_h, filter_w, stride, pad)?;
    let header: Vec<String> = std::iter::once("row (n, oh, ow)".to_string())
        .chain((0..g.patch_len()).map(|k| {
            let (c, y, xx) = (
                k / (filter_h * filter_w),
                (k / filter_w) % filter_h,
                k % filter_w,
            );
            format!("c{c} y{y} x{xx}")
        }))
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new(format!("im2col {:?}", g.col_shape()), &header_refs);
    let per_sample = g.out_h * g.out_w;
    for (r, row) in col.rows().into_iter().enumerate() {
        let (n, i, j) = (r / per_sample, (r / g.out_w) % g.out_h, r % g.out_w);
        let mut cells = vec![format!("{r} ({n}, {i}, {j})")];
        cells.extend(row.iter().map(|&v| short(v)));
        table.push_colored(cells, window_fill(r % per_sample));
    }
    Ok(table)
}

/// `x`, each pixel's window count, and col2im(im2col(x)) = x · count, for sample 0 channel 0.
pub fn col2im_diagram(
    x: &Array4<f64>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Figure> {
    let shape = x.dim();
    let g = ConvGeometry::new(shape, filter_h, filter_w, stride, pad)?;
    let round_trip = col2im(
        &im2col(x, filter_h, filter_w, stride, pad)?,
        shape,
        filter_h,
        filter_w,
        stride,
        pad,
    )?;
    let counts = col2im(
        &im2col(&Array4::ones(shape), filter_h, filter_w, stride, pad)?,
        shape,
        filter_h,
        filter_w,
        stride,
        pad,
    )?;
    let (_, _, h, w) = shape;
    let cell = 30.0;
    let (x0, y0) = (20.0, 60.0);
    let gap = (w as f64 * cell).max(text_width("windows covering each pixel", 12.0)) + 40.0;
    let mut svg = Svg::new(x0 + 3.0 * gap + 10.0, y0 + h as f64 * cell + 20.0);
    svg.text((x0 + 3.0 * gap) / 2.0, 18.0, &g.formula(), 14.0, "middle");
    let max_count = counts.iter().copied().fold(1.0, f64::max);
    let shade = |v: f64| format!("rgb({0},{0},255)", (255.0 - 150.0 * v / max_count) as u8);
    let panels: [(&str, &Array4<f64>, bool); 3] = [
        ("x (sample 0)", x, false),
        ("windows covering each pixel", &counts, true),
        ("col2im(im2col(x))", &round_trip, false),
    ];
    for (k, (title, values, shaded)) in panels.iter().enumerate() {
        let px = x0 + k as f64 * gap;
        svg.text(px, 44.0, title, 12.0, "start");
        grid(
            &mut svg,
            px,
            y0,
            cell,
            h,
            w,
            |i, j| {
                if *shaded {
                    shade(counts[[0, 0, i, j]])
                } else {
                    "white".into()
                }
            },
            |i, j| short(values[[0, 0, i, j]]),
        );
    }
    let exact = round_trip == *x;
    let text = format!(
        "window counts of sample 0: {:?}; col2im(im2col(x)) {} x",
        counts
            .index_axis(ndarray::Axis(0), 0)
            .index_axis(ndarray::Axis(0), 0)
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect::<Vec<_>>(),
        if exact { "equals" } else { "is not" }
    );
    Ok(Figure::from_svg(svg.finish(), text))
}

/// Max pooling on sample 0, channel 0: each window outlined in its colour with its maximum
/// in bold, and the pooled output beside it.
pub fn pooling_diagram(
    x: &Array4<f64>,
    pool_h: usize,
    pool_w: usize,
    stride: usize,
) -> Result<Figure> {
    let g = ConvGeometry::new(x.dim(), pool_h, pool_w, stride, 0)?;
    let (_, _, h, w) = x.dim();
    let cell = 32.0;
    let (x0, y0) = (20.0, 60.0);
    let out_x = x0 + w as f64 * cell + 50.0;
    let mut svg = Svg::new(
        out_x + g.out_w as f64 * cell + 40.0,
        y0 + h.max(g.out_h) as f64 * cell + 20.0,
    );
    svg.text(
        20.0,
        18.0,
        &format!(
            "max pooling {pool_h}x{pool_w}, stride {stride}: {}",
            g.formula()
        ),
        14.0,
        "start",
    );
    let mut owner = Array2::from_elem((h, w), None::<usize>);
    let mut argmax = Vec::new();
    let mut out = Array2::zeros((g.out_h, g.out_w));
    for i in 0..g.out_h {
        for j in 0..g.out_w {
            let k = i * g.out_w + j;
            let mut best = (i * stride, j * stride);
            for y in 0..pool_h {
                for xx in 0..pool_w {
                    let p = (i * stride + y, j * stride + xx);
                    owner[[p.0, p.1]].get_or_insert(k);
                    if x[[0, 0, p.0, p.1]] > x[[0, 0, best.0, best.1]] {
                        best = p;
                    }
                }
            }
            out[[i, j]] = x[[0, 0, best.0, best.1]];
            argmax.push(best);
        }
    }
    grid(
        &mut svg,
        x0,
        y0,
        cell,
        h,
        w,
        |i, j| owner[[i, j]].map_or("white".into(), |k| window_fill(k).to_string()),
        |i, j| short(x[[0, 0, i, j]]),
    );
    for (k, &(i, j)) in argmax.iter().enumerate() {
        svg.rect(
            x0 + j as f64 * cell + 2.0,
            y0 + i as f64 * cell + 2.0,
            cell - 4.0,
            cell - 4.0,
            "none",
            window_stroke(k),
            2.5,
        );
    }
    svg.text(out_x, 44.0, "output", 12.0, "start");
    grid(
        &mut svg,
        out_x,
        y0,
        cell,
        g.out_h,
        g.out_w,
        |i, j| window_fill(i * g.out_w + j).into(),
        |i, j| short(out[[i, j]]),
    );
    let text = format!("{}; maxima at {argmax:?}", g.formula());
    Ok(Figure::from_svg(svg.finish(), text))
}

/// An animated SVG (SMIL, no JavaScript): the window slides over sample 0's padded input
/// and, in step, its values fill the matching im2col row.
pub fn im2col_animation(
    x: &Array4<f64>,
    filter_h: usize,
    filter_w: usize,
    stride: usize,
    pad: usize,
) -> Result<Figure> {
    let g = ConvGeometry::new(x.dim(), filter_h, filter_w, stride, pad)?;
    let per_sample = g.out_h * g.out_w;
    check_drawable(&g)?;
    let col = im2col(x, filter_h, filter_w, stride, pad)?;
    let padded = zero_pad(x, pad)?;
    let (_, _, h, w) = x.dim();
    let (hp, wp) = (h + 2 * pad, w + 2 * pad);
    let cell = 26.0;
    let (x0, y0) = (20.0, 50.0);
    let col_x = x0 + wp as f64 * cell + 40.0;
    let mut svg = Svg::new(
        col_x + g.patch_len() as f64 * cell + 20.0,
        y0 + per_sample.max(hp) as f64 * cell + 20.0,
    );
    svg.text(
        20.0,
        18.0,
        &format!(
            "the window slides, its values become row k of im2col ({})",
            g.formula()
        ),
        13.0,
        "start",
    );
    padded_grid(&mut svg, x0, y0, cell, &padded, 0, pad);
    let step = 0.8; // seconds per window position
    let total = step * per_sample as f64;
    let key_times: Vec<String> = (0..per_sample)
        .map(|k| format!("{:.4}", k as f64 / per_sample as f64))
        .collect();
    let xs: Vec<String> = (0..per_sample)
        .map(|k| format!("{:.1}", x0 + ((k % g.out_w) * stride) as f64 * cell))
        .collect();
    let ys: Vec<String> = (0..per_sample)
        .map(|k| format!("{:.1}", y0 + ((k / g.out_w) * stride) as f64 * cell))
        .collect();
    svg.raw(&format!(
        r##"<rect x="{x0}" y="{y0}" width="{}" height="{}" fill="#1f77b4" fill-opacity="0.15" stroke="#1f77b4" stroke-width="3"><animate attributeName="x" values="{}" keyTimes="{}" calcMode="discrete" dur="{total}s" repeatCount="indefinite"/><animate attributeName="y" values="{}" keyTimes="{}" calcMode="discrete" dur="{total}s" repeatCount="indefinite"/></rect>"##,
        filter_w as f64 * cell,
        filter_h as f64 * cell,
        xs.join(";"),
        key_times.join(";"),
        ys.join(";"),
        key_times.join(";"),
    ));
    for r in 0..per_sample {
        if r == 0 {
            svg.raw("<g>"); // the first row is there from the start
        } else {
            let appear = r as f64 / per_sample as f64;
            svg.raw(&format!(
                r#"<g opacity="0"><animate attributeName="opacity" values="0;1" keyTimes="0;{appear:.4}" calcMode="discrete" dur="{total}s" repeatCount="indefinite"/>"#
            ));
        }
        for k in 0..g.patch_len() {
            let (cx, cy) = (col_x + k as f64 * cell, y0 + r as f64 * cell);
            svg.rect(cx, cy, cell, cell, window_fill(r), "#888", 0.5);
            svg.text(
                cx + cell / 2.0,
                cy + cell / 2.0,
                &short(col[[r, k]]),
                9.0,
                "middle",
            );
        }
        svg.raw("</g>");
    }
    let text = format!("animation: {per_sample} window positions, {step} s each; im2col rows of sample 0 fill in order");
    Ok(Figure::from_svg(svg.finish(), text))
}

/// A whole convolution on sample 0: each input channel, each filter (one row of channel
/// grids per filter, with its bias), and each output channel (window sums plus bias).
pub fn convolution_diagram(
    x: &Array4<f64>,
    w: &Array4<f64>,
    b: &ndarray::Array1<f64>,
    stride: usize,
    pad: usize,
) -> Result<Figure> {
    use crate::layers::{Convolution, Layer, Mode};
    let mut conv = Convolution::new(w.clone(), b.clone(), stride, pad)?;
    let g = conv.geometry(x.dim())?;
    let out = conv.forward(&x.clone().into_dyn(), Mode::Eval)?;
    let (_, c, h, wd) = x.dim();
    let (filter_num, _, fh, fw) = w.dim();
    let cell = 24.0;
    let (x0, y0) = (20.0, 60.0);
    let block = |cols: usize| cols as f64 * cell + 20.0;
    let filters_x = x0 + block(wd) + 40.0;
    let out_x = filters_x + c as f64 * block(fw) + 90.0;
    let rows_h = |rows: usize| rows as f64 * cell + 30.0;
    let height =
        y0 + (c as f64 * rows_h(h)).max(filter_num as f64 * rows_h(fh.max(g.out_h))) + 20.0;
    let mut svg = Svg::new(out_x + block(g.out_w) + 20.0, height);
    svg.text(
        20.0,
        18.0,
        &format!(
            "{c} input channels * {filter_num} filters + bias → {filter_num} output channels; {}",
            g.formula()
        ),
        13.0,
        "start",
    );
    svg.text(x0, 44.0, "input (sample 0)", 12.0, "start");
    for ch in 0..c {
        let y = y0 + ch as f64 * rows_h(h);
        grid(
            &mut svg,
            x0,
            y,
            cell,
            h,
            wd,
            |_, _| window_fill(7 + ch).into(),
            |i, j| short(x[[0, ch, i, j]]),
        );
    }
    svg.text(
        filters_x,
        44.0,
        "filters W[f, c] and bias b[f]",
        12.0,
        "start",
    );
    svg.text(out_x, 44.0, "output channels", 12.0, "start");
    for f in 0..filter_num {
        let y = y0 + f as f64 * rows_h(fh.max(g.out_h));
        for ch in 0..c {
            let fx = filters_x + ch as f64 * block(fw);
            grid(
                &mut svg,
                fx,
                y,
                cell,
                fh,
                fw,
                |_, _| window_fill(f).into(),
                |i, j| short(w[[f, ch, i, j]]),
            );
        }
        svg.text(
            filters_x + c as f64 * block(fw) + 5.0,
            y + cell / 2.0,
            &format!("+ {}", short(b[f])),
            12.0,
            "start",
        );
        grid(
            &mut svg,
            out_x,
            y,
            cell,
            g.out_h,
            g.out_w,
            |_, _| window_fill(f).into(),
            |i, j| short(out[[0, f, i, j]]),
        );
    }
    let text = format!("output shape {:?}; {}", out.shape(), g.formula());
    Ok(Figure::from_svg(svg.finish(), text))
}

/// Why a fully connected layer loses the image's structure: the 3x3 neighbourhood of pixel
/// (row, col) is one block in the image but scattered over the flattened vector.
pub fn flatten_diagram(image: &Array2<f64>, row: usize, col: usize) -> Result<Figure> {
    let (h, w) = image.dim();
    if row >= h || col >= w {
        return Err(Error::param(
            "pixel",
            format!("({row}, {col})"),
            format!("must lie inside the {h}x{w} image"),
        ));
    }
    let near = |i: usize, j: usize| i.abs_diff(row) <= 1 && j.abs_diff(col) <= 1;
    let cell = 26.0;
    let (x0, y0) = (20.0, 60.0);
    let strip_y = y0 + h as f64 * cell + 60.0;
    let strip_cell = (900.0 / (h * w) as f64).clamp(8.0, 22.0);
    let mut svg = Svg::new(
        x0 + (h * w) as f64 * strip_cell + 20.0,
        strip_y + strip_cell + 40.0,
    );
    svg.text(
        20.0,
        18.0,
        &format!(
            "neighbours of pixel ({row}, {col}) in the image and in the flattened vector of {}",
            h * w
        ),
        13.0,
        "start",
    );
    let shade = |v: f64| {
        format!(
            "rgb({0},{0},{0})",
            (255.0 - 200.0 * v.clamp(0.0, 1.0)) as u8
        )
    };
    grid(
        &mut svg,
        x0,
        y0,
        cell,
        h,
        w,
        |i, j| {
            if near(i, j) {
                window_fill(3).into()
            } else {
                shade(image[[i, j]])
            }
        },
        |_, _| String::new(),
    );
    svg.text(
        x0,
        strip_y - 12.0,
        "flattened (row after row): what an Affine layer sees",
        12.0,
        "start",
    );
    for k in 0..h * w {
        let (i, j) = (k / w, k % w);
        let fill = if near(i, j) {
            window_fill(3).to_string()
        } else {
            shade(image[[i, j]])
        };
        svg.rect(
            x0 + k as f64 * strip_cell,
            strip_y,
            strip_cell,
            strip_cell,
            &fill,
            "#888",
            0.3,
        );
    }
    let positions: Vec<usize> = (0..h * w).filter(|&k| near(k / w, k % w)).collect();
    let text =
        format!("the 3x3 neighbourhood of ({row}, {col}) sits at flat positions {positions:?}");
    Ok(Figure::from_svg(svg.finish(), text))
}
