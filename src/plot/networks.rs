//! Pictures of convolutional networks: their feature-map sizes, their filters, what the
//! filters make of an image, and the digits they get wrong.

use ndarray::{ArrayD, ArrayView2, ArrayView4, Axis};

use super::svg::{text_width, Svg};
use super::Figure;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::net::{shape_text, Sequential, Summary};

/// The feature maps through the network: each convolution or pooling output as a stack of
/// squares (side ∝ height, `C@HxW` below), each affine output as a bar (height ∝ log of
/// its units). Activations and dropout keep the shape and are left out.
///
/// ```
/// let figure = dl_lessons::plot::network_diagram(&dl_lessons::net::lenet().summary().unwrap());
/// assert!(figure.svg().contains("6@28x28") && figure.svg().contains("120"));
/// ```
pub fn network_diagram(summary: &Summary) -> Figure {
    let mut stages: Vec<(String, Vec<usize>)> = vec![("input".into(), summary.input_shape.clone())];
    for row in &summary.rows {
        let keeps_shape = ["Relu", "Sigmoid", "Tanh", "Dropout"]
            .iter()
            .any(|kind| row.name.starts_with(kind));
        if !keeps_shape {
            stages.push((row.name.clone(), row.output_shape.clone()));
        }
    }
    let largest = stages
        .iter()
        .filter(|(_, s)| s.len() == 3)
        .map(|(_, s)| s[1].max(s[2]))
        .max()
        .unwrap_or(1) as f64;
    let largest_units = stages
        .iter()
        .filter(|(_, s)| s.len() == 1)
        .map(|(_, s)| s[0])
        .max()
        .unwrap_or(1) as f64;
    let (top, box_area, column) = (40.0, 130.0, 96.0);
    let mut svg = Svg::new(20.0 + column * stages.len() as f64, top + box_area + 60.0);
    svg.text(
        10.0,
        16.0,
        &format!("{}: feature maps, layer by layer", summary.name),
        14.0,
        "start",
    );
    let base = top + box_area; // squares and bars stand on this line
    for (k, (name, shape)) in stages.iter().enumerate() {
        let cx = 10.0 + column * (k as f64 + 0.5);
        let label = match shape.as_slice() {
            [c, h, w] => {
                // side ∝ size, at least 6 px; up to three offset copies suggest the depth
                let side_h = (*h as f64 / largest * 100.0).max(6.0);
                let side_w = (*w as f64 / largest * 100.0).max(6.0);
                let copies = (*c).min(3);
                for copy in (0..copies).rev() {
                    let shift = copy as f64 * 5.0;
                    svg.rect(
                        cx - side_w / 2.0 + shift,
                        base - side_h - shift,
                        side_w,
                        side_h,
                        if name.starts_with("Pool") || name.starts_with("Global") {
                            "#fde3c8"
                        } else {
                            "#cfe2f3"
                        },
                        "#445",
                        0.8,
                    );
                }
                format!("{c}@{h}x{w}")
            }
            other => {
                let units: usize = other.iter().product();
                let height = ((units as f64).ln_1p() / largest_units.ln_1p() * 100.0).max(6.0);
                svg.rect(
                    cx - 7.0,
                    base - height,
                    14.0,
                    height,
                    "#d9ead3",
                    "#445",
                    0.8,
                );
                units.to_string()
            }
        };
        let size = if text_width(&label, 11.0) > column - 6.0 {
            9.0
        } else {
            11.0
        };
        svg.text(cx, base + 16.0, &label, size, "middle");
        svg.text(cx, base + 32.0, name, 10.0, "middle");
    }
    let text = stages
        .iter()
        .map(|(name, shape)| format!("{name} {}", shape_text(shape)))
        .collect::<Vec<_>>()
        .join(" -> ");
    Figure::from_svg(svg.finish(), text)
}

/// Draws `image` (H, W) with `pixel`-sized squares at (x, y), white for its smallest value
/// and black for its largest (matplotlib's `gray_r`).
fn draw_image(svg: &mut Svg, image: ArrayView2<'_, f64>, x: f64, y: f64, pixel: f64) {
    let (low, high) = image
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let span = if high > low { high - low } else { 1.0 };
    svg.rect(
        x,
        y,
        pixel * image.ncols() as f64,
        pixel * image.nrows() as f64,
        "white",
        "#999",
        0.6,
    );
    // crisp edges: no anti-aliased seams between neighbouring pixels
    let mut body = String::from(r#"<g shape-rendering="crispEdges">"#);
    for ((i, j), &v) in image.indexed_iter() {
        let level = (255.0 * (1.0 - (v - low) / span)).round() as u8;
        if level == 255 {
            continue; // white on white
        }
        body.push_str(&format!(
            r##"<rect x="{:.1}" y="{:.1}" width="{p:.2}" height="{p:.2}" fill="#{level:02x}{level:02x}{level:02x}"/>"##,
            x + j as f64 * pixel,
            y + i as f64 * pixel,
            p = pixel
        ));
    }
    body.push_str("</g>");
    svg.raw(&body);
}

/// Pixel size for an image of `size` pixels drawn about `target` wide.
fn pixel_for(size: usize, target: f64) -> f64 {
    (target / size.max(1) as f64).clamp(1.0, 14.0)
}

/// The first-layer filters of `net` as images, 8 per row (the book's
/// `visualize_filter.py`): channel 0 of each filter (FN, C, FH, FW), white for its smallest
/// weight and black for its largest. An error if the first layer is not a convolution.
///
/// ```
/// use dl_lessons::prelude::*;
/// let data = Dataset::digits(0).images(1, 8, 8).unwrap();
/// let mut net = SimpleConvNet::new(&data, SimpleConvNetConfig::default()).unwrap();
/// assert!(filter_grid(&mut net, "before training").unwrap().svg().contains("30 filters 5x5"));
/// ```
pub fn filter_grid(net: &mut Sequential, title: &str) -> Result<Figure> {
    let w = net.first_filters().ok_or_else(|| {
        Error::Geometry(format!(
            "filter_grid: the first layer of {} is not a convolution",
            net.description()
        ))
    })?;
    Ok(filter_images(w.view(), title))
}

fn filter_images(w: ArrayView4<'_, f64>, title: &str) -> Figure {
    let (filters, channels, fh, fw) = w.dim();
    let per_row = 8;
    let pixel = pixel_for(fh.max(fw), 48.0);
    let cell = pixel * fw.max(fh) as f64 + 10.0;
    let rows = filters.div_ceil(per_row);
    let mut svg = Svg::new(20.0 + cell * per_row as f64, 40.0 + cell * rows as f64);
    let channel_note = if channels > 1 { " (channel 0)" } else { "" };
    let heading = format!("{title}: {filters} filters {fh}x{fw}{channel_note}");
    svg.text(10.0, 16.0, &heading, 14.0, "start");
    for f in 0..filters {
        let (i, j) = (f / per_row, f % per_row);
        let image = w.index_axis(Axis(0), f);
        let (x, y) = (10.0 + j as f64 * cell, 32.0 + i as f64 * cell);
        draw_image(&mut svg, image.index_axis(Axis(0), 0), x, y, pixel);
    }
    Figure::from_svg(svg.finish(), heading)
}

/// What each convolution layer makes of one image: the image, then one row per convolution
/// with its first `maps` output channels (raw responses, before ReLU), as the book's
/// `apply_filter.py` shows them.
///
/// `image` is one sample (C, H, W) in the network's input shape.
pub fn feature_maps(net: &mut Sequential, image: &ArrayD<f64>, maps: usize) -> Result<Figure> {
    if !net.accepts(image.shape()) || image.ndim() != 3 {
        return Err(Error::Geometry(format!(
            "feature_maps: the network takes samples of shape {:?}, the image has shape {:?}",
            net.input_shape(),
            image.shape()
        )));
    }
    let batch = image.clone().insert_axis(Axis(0));
    let outputs = net.layer_outputs(&batch)?;
    let names: Vec<&str> = net.layers().iter().map(|l| l.name()).collect();
    let rows: Vec<(String, ArrayD<f64>)> = names
        .iter()
        .zip(outputs)
        .enumerate()
        .filter(|(_, (name, _))| **name == "Convolution")
        .enumerate()
        .map(|(conv, (_, (_, out)))| (format!("Conv{}", conv + 1), out))
        .collect();
    let maps = maps.max(1);
    let (cell, label_width) = (70.0, 150.0);
    let mut svg = Svg::new(
        160.0 + cell * (maps as f64 + 1.0),
        50.0 + cell * (rows.len() + 1) as f64,
    );
    svg.text(
        10.0,
        16.0,
        "feature maps of one image (first maps of each convolution)",
        14.0,
        "start",
    );
    let input = image.index_axis(Axis(0), 0);
    let (h, w) = (input.shape()[0], input.shape()[1]);
    let input2 = input.into_dimensionality::<ndarray::Ix2>().expect("(H, W)");
    svg.text(
        10.0,
        36.0 + cell / 2.0,
        &format!("input {h}x{w}"),
        12.0,
        "start",
    );
    draw_image(
        &mut svg,
        input2,
        label_width,
        36.0,
        pixel_for(h.max(w), cell - 12.0),
    );
    for (r, (name, out)) in rows.iter().enumerate() {
        let (c, oh, ow) = (out.shape()[1], out.shape()[2], out.shape()[3]);
        let y = 36.0 + cell * (r + 1) as f64;
        svg.text(
            10.0,
            y + cell / 2.0,
            &format!("{name}: {c}@{oh}x{ow}"),
            12.0,
            "start",
        );
        for m in 0..maps.min(c) {
            let map = out.slice(ndarray::s![0, m, .., ..]);
            draw_image(
                &mut svg,
                map,
                label_width + m as f64 * cell,
                y,
                pixel_for(oh.max(ow), cell - 12.0),
            );
        }
    }
    let text = rows
        .iter()
        .map(|(name, out)| format!("{name} {:?}", &out.shape()[1..]))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Figure::from_svg(svg.finish(), text))
}

/// Up to `count` test digits the network gets wrong, each with its label and the
/// network's answer (the book's `misclassified_mnist.py`), and how many there are in all.
pub fn misclassified(net: &mut Sequential, data: &Dataset, count: usize) -> Result<Figure> {
    if !net.accepts(data.sample_shape()) || data.sample_shape().len() != 3 {
        return Err(Error::Geometry(format!(
            "misclassified: the network takes samples of shape {:?}, the data ({}) has {:?}",
            net.input_shape(),
            data.name,
            data.sample_shape()
        )));
    }
    let wrong: Vec<(usize, usize, usize)> = net
        .predictions(&data.x_test)?
        .into_iter()
        .zip(&data.t_test)
        .enumerate()
        .filter(|(_, (p, t))| p != *t)
        .map(|(index, (p, &t))| (index, t, p))
        .collect();
    let shown = wrong.len().min(count);
    let (per_row, cell) = (8, 84.0);
    let rows = shown.div_ceil(per_row).max(1);
    let mut svg = Svg::new(
        20.0 + cell * per_row as f64,
        44.0 + (cell + 18.0) * rows as f64,
    );
    svg.text(
        10.0,
        16.0,
        &format!(
            "{} of {} test images misclassified; label → prediction",
            wrong.len(),
            data.test_size()
        ),
        14.0,
        "start",
    );
    for (k, &(index, label, predicted)) in wrong.iter().take(shown).enumerate() {
        let (i, j) = (k / per_row, k % per_row);
        let (x, y) = (10.0 + j as f64 * cell, 30.0 + i as f64 * (cell + 18.0));
        let image = data.x_test.slice(ndarray::s![index, 0, .., ..]);
        draw_image(
            &mut svg,
            image,
            x,
            y,
            pixel_for(image.nrows().max(image.ncols()), cell - 14.0),
        );
        svg.text(
            x + (cell - 14.0) / 2.0,
            y + cell + 2.0,
            &format!("{label} → {predicted}"),
            12.0,
            "middle",
        );
    }
    let text = wrong
        .iter()
        .take(shown)
        .map(|(i, l, p)| format!("#{i}: {l} -> {p}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Figure::from_svg(
        svg.finish(),
        format!("{} misclassified: {text}", wrong.len()),
    ))
}
