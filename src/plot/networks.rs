//! Pictures of convolutional networks: their feature-map sizes, their filters, what the
//! filters make of an image, and the digits they get wrong.

use ndarray::{ArrayD, Axis, Ix2};

use super::svg::{check_cells, text_width, Canvas, Cells, Diagram};
use super::Figure;
use crate::data::Dataset;
use crate::error::{count_in, Error, Result};
use crate::net::{shape_text, Sequential, Summary};

/// The feature maps through the network: each convolution or pooling output as a stack of
/// squares (side ∝ height, `C@HxW` below), each affine output as a bar (height ∝ log of
/// its units). Activations and dropout keep the shape and are left out.
///
/// ```
/// let figure = dl_lessons::plot::network_diagram(&dl_lessons::net::lenet().summary()?)?;
/// assert!(figure.svg().contains("6@28x28") && figure.svg().contains("120"));
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn network_diagram(summary: &Summary) -> Result<Figure> {
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
    if stages.len() > 200 {
        return Err(Error::param(
            "layers",
            stages.len(),
            "a network diagram draws at most 200 stages",
        ));
    }
    let mut svg = Canvas::new(20.0 + column * stages.len() as f64, top + box_area + 60.0);
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
                    );
                }
                format!("{c}@{h}x{w}")
            }
            other => {
                let units: usize = other.iter().product();
                let height = ((units as f64).ln_1p() / largest_units.ln_1p() * 100.0).max(6.0);
                svg.rect(cx - 7.0, base - height, 14.0, height, "#d9ead3", "#445");
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
/// let data = Dataset::digits(0).images(1, 8, 8)?;
/// let mut net = SimpleConvNet::new(&data, SimpleConvNetConfig::default())?;
/// assert!(filter_grid(&mut net, "before training")?.svg().contains("30 filters 5x5"));
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn filter_grid(net: &mut Sequential, title: &str) -> Result<Figure> {
    let w = net.first_filters().ok_or_else(|| {
        Error::Geometry(format!(
            "filter_grid: the first layer of {} is not a convolution",
            net.description()
        ))
    })?;
    let (filters, channels, fh, fw) = w.dim();
    check_cells(filters.checked_mul(fh * fw), "filters")?;
    let pixel = pixel_for(fh.max(fw), 48.0);
    let channel_note = if channels > 1 { " (channel 0)" } else { "" };
    let heading = format!("{title}: {filters} filters {fh}x{fw}{channel_note}");
    let mut diagram = Diagram::new(heading.clone());
    for first in (0..filters).step_by(8) {
        let row = (first..(first + 8).min(filters))
            .map(|f| Cells::image(format!("{f}"), w.slice(ndarray::s![f, 0, .., ..]), pixel))
            .collect();
        diagram = diagram.row(row);
    }
    Figure::from_svg(diagram.render(), heading)
}

/// What each convolution layer makes of one image: the image, then one row per convolution
/// with its first `maps` output channels (raw responses, before ReLU), as the book's
/// `apply_filter.py` shows them. `image` is one sample (C, H, W) in the network's input
/// shape; `maps` is at most 32.
pub fn feature_maps(net: &mut Sequential, image: &ArrayD<f64>, maps: usize) -> Result<Figure> {
    count_in("maps", maps, 32, "one picture per map and layer")?;
    if !net.accepts(image.shape()) || image.ndim() != 3 {
        return Err(Error::Geometry(format!(
            "feature_maps: the network takes samples of shape {:?}, the image has shape {:?}",
            net.input_shape(),
            image.shape()
        )));
    }
    let batch = image.clone().insert_axis(Axis(0));
    let outputs = net.layer_outputs(&batch)?;
    let convolutions: Vec<(String, ArrayD<f64>)> = net
        .layers()
        .iter()
        .zip(outputs)
        .filter(|(layer, _)| layer.name() == "Convolution")
        .enumerate()
        .map(|(k, (_, out))| (format!("Conv{}", k + 1), out))
        .collect();
    let cells: usize = convolutions
        .iter()
        .map(|(_, out)| maps.min(out.shape()[1]) * out.shape()[2] * out.shape()[3])
        .sum();
    check_cells(Some(cells), "maps")?;
    let input = image.index_axis(Axis(0), 0).into_dimensionality::<Ix2>()?;
    let (h, w) = input.dim();
    let mut diagram =
        Diagram::new("feature maps of one image (first maps of each convolution)").row(vec![
            Cells::image(format!("input {h}x{w}"), input, pixel_for(h.max(w), 58.0)),
        ]);
    for (name, out) in &convolutions {
        let (c, oh, ow) = (out.shape()[1], out.shape()[2], out.shape()[3]);
        let row = (0..maps.min(c))
            .map(|m| {
                let label = if m == 0 {
                    format!("{name}: {c}@{oh}x{ow}")
                } else {
                    format!("map {m}")
                };
                Cells::image(
                    label,
                    out.slice(ndarray::s![0, m, .., ..]),
                    pixel_for(oh.max(ow), 58.0),
                )
            })
            .collect();
        diagram = diagram.row(row);
    }
    let text = convolutions
        .iter()
        .map(|(name, out)| format!("{name} {:?}", &out.shape()[1..]))
        .collect::<Vec<_>>()
        .join(", ");
    Figure::from_svg(diagram.render(), text)
}

/// Up to `count` (at most 64) test digits the network gets wrong, each with its label and
/// the network's answer (the book's `misclassified_mnist.py`), and how many there are in all.
pub fn misclassified(net: &mut Sequential, data: &Dataset, count: usize) -> Result<Figure> {
    count_in("count", count, 64, "one picture each")?;
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
    let shown: Vec<_> = wrong.iter().take(count).collect();
    let mut diagram = Diagram::new(format!(
        "{} of {} test images misclassified; label → prediction",
        wrong.len(),
        data.test_size()
    ));
    for row in shown.chunks(8) {
        let images = row
            .iter()
            .map(|&&(index, label, predicted)| {
                let image = data.x_test.slice(ndarray::s![index, 0, .., ..]);
                let pixel = pixel_for(image.nrows().max(image.ncols()), 64.0);
                Cells::image(format!("{label} → {predicted}"), image, pixel)
            })
            .collect();
        diagram = diagram.row(images);
    }
    let text = shown
        .iter()
        .map(|(i, l, p)| format!("#{i}: {l} -> {p}"))
        .collect::<Vec<_>>()
        .join(", ");
    Figure::from_svg(
        diagram.render(),
        format!("{} misclassified: {text}", wrong.len()),
    )
}

/// Images side by side, each with its label (crops of a digit, samples of a data set); 8
/// per row, at most 64.
///
/// ```
/// use dl_lessons::prelude::*;
/// let digit = Array2::from_shape_fn((8, 8), |(y, x)| (y * x) as f64);
/// let figure = image_grid("two digits", &[("a".into(), digit.clone()), ("b".into(), digit)])?;
/// assert!(figure.svg().contains(">b</text>"));
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn image_grid(title: &str, images: &[(String, ndarray::Array2<f64>)]) -> Result<Figure> {
    count_in("number of images", images.len(), 64, "one picture each")?;
    check_cells(
        images
            .iter()
            .try_fold(0usize, |sum, (_, i)| sum.checked_add(i.len())),
        "image sizes",
    )?;
    let mut diagram = Diagram::new(title);
    for row in images.chunks(8) {
        let cells = row
            .iter()
            .map(|(label, image)| {
                Cells::image(
                    label.clone(),
                    image.view(),
                    pixel_for(image.nrows().max(image.ncols()), 64.0),
                )
            })
            .collect();
        diagram = diagram.row(cells);
    }
    let text = format!(
        "{title}: {}",
        images
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Figure::from_svg(diagram.render(), text)
}
