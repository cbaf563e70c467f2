//! A network described layer by layer, before any weight exists: its shapes are checked and
//! summarised with the same geometry code the layers use, then it is built.
//!
//! Every convolutional network of the lessons (SimpleConvNet, DoubleConvNet, DeepConvNet)
//! is an [`Architecture`] built into a [`Sequential`]; LeNet and AlexNet are architectures
//! that are only summarised. A shape that does not fit (a filter larger than the feature
//! map it meets) is reported with the layer's name and the sizes, before training starts.

use ndarray::{Array1, Array4};

use super::Sequential;
use crate::error::{at_least_one, unit_interval, Error, Result};
use crate::functions::Activation;
use crate::geometry::ConvGeometry;
use crate::init::{rng, Init};
use crate::layers::{activation_layer, Affine, Convolution, Dropout, Layer, Pooling, PoolingKind};
use crate::limits::{check_memory, f64_bytes, product};

/// One layer of an [`Architecture`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LayerSpec {
    /// `filter_num` filters of `filter_size` × `filter_size` over every input channel.
    Convolution {
        /// Number of filters FN (output channels).
        filter_num: usize,
        /// Filter height and width FH = FW.
        filter_size: usize,
        /// Step between windows.
        stride: usize,
        /// Zeros added on each side.
        pad: usize,
    },
    /// Max or average pooling over `size` × `size` windows.
    Pooling {
        /// Max (the course's) or average.
        kind: PoolingKind,
        /// Window height and width.
        size: usize,
        /// Step between windows (the course uses 2 with 2x2 windows).
        stride: usize,
    },
    /// One value per channel: the whole feature map pooled (AlexNet's alternative to
    /// flattening).
    GlobalPooling(PoolingKind),
    /// A fully connected layer to `output_size` units (it flattens its input).
    Affine {
        /// Number of output units.
        output_size: usize,
    },
    /// ReLU, sigmoid or tanh.
    Activation(Activation),
    /// Dropout of the given ratio (the course's non-inverted dropout).
    Dropout {
        /// Fraction of units dropped during training.
        ratio: f64,
    },
}

impl LayerSpec {
    /// A convolution with stride 1 (every convolution of Day 2).
    pub fn conv(filter_num: usize, filter_size: usize, pad: usize) -> LayerSpec {
        LayerSpec::Convolution {
            filter_num,
            filter_size,
            stride: 1,
            pad,
        }
    }

    /// The course's pooling: 2x2 max windows with stride 2.
    pub fn max_pool_2x2() -> LayerSpec {
        LayerSpec::Pooling {
            kind: PoolingKind::Max,
            size: 2,
            stride: 2,
        }
    }

    /// A fully connected layer to `output_size` units.
    pub fn affine(output_size: usize) -> LayerSpec {
        LayerSpec::Affine { output_size }
    }

    /// ReLU.
    pub fn relu() -> LayerSpec {
        LayerSpec::Activation(Activation::Relu)
    }

    /// The course's name for the layer kind (numbered in summaries: Conv1, Relu2, ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            LayerSpec::Convolution { .. } => "Conv",
            LayerSpec::Pooling { .. } => "Pool",
            LayerSpec::GlobalPooling(PoolingKind::Max) => "GlobalMaxPool",
            LayerSpec::GlobalPooling(PoolingKind::Average) => "GlobalAvgPool",
            LayerSpec::Affine { .. } => "Affine",
            LayerSpec::Activation(Activation::Relu) => "Relu",
            LayerSpec::Activation(Activation::Sigmoid) => "Sigmoid",
            LayerSpec::Activation(Activation::Tanh) => "Tanh",
            LayerSpec::Dropout { .. } => "Dropout",
        }
    }

    /// The layer's settings in words, e.g. `30 filters 5x5, stride 1, pad 0`.
    pub fn settings(&self) -> String {
        match *self {
            LayerSpec::Convolution {
                filter_num,
                filter_size: f,
                stride,
                pad,
            } => format!("{filter_num} filters {f}x{f}, stride {stride}, pad {pad}"),
            LayerSpec::Pooling { kind, size, stride } => {
                let kind = if kind == PoolingKind::Max {
                    "max"
                } else {
                    "average"
                };
                format!("{kind} {size}x{size}, stride {stride}")
            }
            LayerSpec::GlobalPooling(_) => "whole feature map".into(),
            LayerSpec::Affine { output_size } => format!("{output_size} units"),
            LayerSpec::Activation(_) => String::new(),
            LayerSpec::Dropout { ratio } => format!("ratio {ratio}"),
        }
    }
}

/// A network's input shape and layers, ending with the scores (softmax-with-loss follows).
#[derive(Clone, Debug, PartialEq)]
pub struct Architecture {
    /// Name shown in summaries and training legends.
    pub name: String,
    /// One sample's shape: `[C, H, W]` for images, `[D]` for vectors.
    pub input_shape: Vec<usize>,
    /// The layers in order.
    pub layers: Vec<LayerSpec>,
    /// How the weights are drawn (fan-in C·FH·FW for a convolution, D for an affine layer).
    pub init: Init,
}

/// One row of a [`Summary`]: a layer, the shape of one sample's output, its parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// Numbered course name: `Conv1`, `Relu1`, `Pool1`, `Affine1`, ...
    pub name: String,
    /// The layer's settings in words.
    pub settings: String,
    /// The output of one sample: `[C, H, W]` or `[D]`.
    pub output_shape: Vec<usize>,
    /// Number of weights and biases.
    pub params: usize,
    /// The size formula with the numbers filled in (convolution and pooling), else empty.
    pub formula: String,
}

/// Layer-by-layer shapes and parameter counts of an [`Architecture`].
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The architecture's name.
    pub name: String,
    /// One sample's input shape.
    pub input_shape: Vec<usize>,
    /// One row per layer.
    pub rows: Vec<SummaryRow>,
}

impl Summary {
    /// The total number of parameters.
    pub fn total_params(&self) -> usize {
        self.rows.iter().map(|r| r.params).sum()
    }
}

impl Architecture {
    /// Shapes and parameter counts, computed with [`ConvGeometry`] (the layers' own code);
    /// an error names the first layer that does not fit and the sizes it met.
    ///
    /// ```
    /// use dl_lessons::net::lenet;
    /// let summary = lenet().summary().unwrap();
    /// assert_eq!(summary.rows[0].output_shape, vec![6, 28, 28]);
    /// assert_eq!(summary.total_params(), 61_706);
    /// ```
    pub fn summary(&self) -> Result<Summary> {
        self.init.validate()?;
        if self.input_shape.is_empty() || self.input_shape.contains(&0) {
            return Err(Error::param(
                "input_shape",
                format!("{:?}", self.input_shape),
                "must be [C, H, W] or [D] with every size >= 1",
            ));
        }
        let mut shape = self.input_shape.clone();
        let mut counts = std::collections::HashMap::new();
        let mut rows = Vec::with_capacity(self.layers.len());
        for (index, spec) in self.layers.iter().enumerate() {
            let count = counts.entry(spec.kind_name()).or_insert(0);
            *count += 1;
            let name = format!("{}{count}", spec.kind_name());
            let (output_shape, params, formula) = propagate(spec, &shape).map_err(|e| {
                Error::Geometry(format!(
                    "{} (layer {}, {}) on input {}: {}",
                    name,
                    index + 1,
                    spec.settings(),
                    shape_text(&shape),
                    e
                ))
            })?;
            rows.push(SummaryRow {
                name,
                settings: spec.settings(),
                output_shape: output_shape.clone(),
                params,
                formula,
            });
            shape = output_shape;
        }
        Ok(Summary {
            name: self.name.clone(),
            input_shape: self.input_shape.clone(),
            rows,
        })
    }

    /// The network with weights drawn from `seed`, after [`summary`](Self::summary) has
    /// checked every shape.
    ///
    /// ```
    /// use dl_lessons::net::{Architecture, LayerSpec};
    /// use dl_lessons::init::Init;
    /// let arch = Architecture {
    ///     name: "tiny".into(),
    ///     input_shape: vec![1, 8, 8],
    ///     layers: vec![LayerSpec::conv(4, 3, 1), LayerSpec::relu(), LayerSpec::max_pool_2x2(), LayerSpec::affine(10)],
    ///     init: Init::He,
    /// };
    /// let net = arch.build(0).unwrap();
    /// assert_eq!(net.layers().len(), 4);
    /// ```
    pub fn build(&self, seed: u64) -> Result<Sequential> {
        let summary = self.summary()?;
        // weights, their gradients and an optimizer's two state arrays
        let total = summary
            .rows
            .iter()
            .try_fold(0usize, |sum, row| sum.checked_add(row.params));
        check_memory(
            || {
                format!(
                    "{} with {} parameters",
                    self.name,
                    total.map_or("too many".into(), |t| t.to_string())
                )
            },
            total.and_then(|t| f64_bytes(&[t, t, t, t])),
            "use fewer filters or units",
        )?;
        let mut rng = rng(seed);
        let mut shape = self.input_shape.clone();
        let mut layers: Vec<Box<dyn Layer>> = Vec::with_capacity(self.layers.len());
        for (index, (spec, row)) in self.layers.iter().zip(&summary.rows).enumerate() {
            let layer: Box<dyn Layer> = match *spec {
                LayerSpec::Convolution {
                    filter_num,
                    filter_size: f,
                    stride,
                    pad,
                } => {
                    let fan_in = shape[0] * f * f;
                    let w: Array4<f64> =
                        self.init
                            .weights((filter_num, shape[0], f, f), fan_in, &mut rng)?;
                    Box::new(Convolution::new(w, Array1::zeros(filter_num), stride, pad)?)
                }
                LayerSpec::Pooling { kind, size, stride } => Box::new(match kind {
                    PoolingKind::Max => Pooling::new(size, size, stride, 0)?,
                    PoolingKind::Average => Pooling::average(size, size, stride, 0)?,
                }),
                LayerSpec::GlobalPooling(kind) => {
                    let (h, w) = (shape[1], shape[2]);
                    Box::new(match kind {
                        PoolingKind::Max => Pooling::new(h, w, 1, 0)?,
                        PoolingKind::Average => Pooling::average(h, w, 1, 0)?,
                    })
                }
                LayerSpec::Affine { output_size } => {
                    let fan_in: usize = shape.iter().product();
                    let w = self.init.weights((fan_in, output_size), fan_in, &mut rng)?;
                    Box::new(Affine::new(w, Array1::zeros(output_size))?)
                }
                LayerSpec::Activation(activation) => activation_layer(activation),
                LayerSpec::Dropout { ratio } => {
                    Box::new(Dropout::new(ratio, seed.wrapping_add(1 + index as u64))?)
                }
            };
            layers.push(layer);
            shape.clone_from(&row.output_shape);
        }
        // the layers check themselves too: the summary and the layers must agree
        Sequential::new(self.input_shape.clone(), layers, self.name.clone())
    }
}

/// One layer's output shape, parameter count and size formula for input `shape`.
fn propagate(spec: &LayerSpec, shape: &[usize]) -> Result<(Vec<usize>, usize, String)> {
    let image = |what: &str| -> Result<(usize, usize, usize)> {
        match *shape {
            [c, h, w] => Ok((c, h, w)),
            _ => Err(Error::Geometry(format!(
                "{what} needs a (C, H, W) feature map, but its input is flat: put it before the first Affine layer"
            ))),
        }
    };
    match *spec {
        LayerSpec::Convolution {
            filter_num,
            filter_size,
            stride,
            pad,
        } => {
            at_least_one("filter_num", filter_num)?;
            let (c, h, w) = image("a convolution")?;
            let g = ConvGeometry::new((1, c, h, w), filter_size, filter_size, stride, pad)?;
            let params = product(&[filter_num, c, filter_size, filter_size])
                .and_then(|p| p.checked_add(filter_num));
            Ok((
                vec![filter_num, g.out_h, g.out_w],
                params.ok_or_else(too_many)?,
                g.formula(),
            ))
        }
        LayerSpec::Pooling { size, stride, .. } => {
            let (c, h, w) = image("pooling")?;
            let g = ConvGeometry::new((1, c, h, w), size, size, stride, 0)?;
            Ok((vec![c, g.out_h, g.out_w], 0, g.formula()))
        }
        LayerSpec::GlobalPooling(_) => {
            let (c, _, _) = image("global pooling")?;
            Ok((vec![c, 1, 1], 0, String::new()))
        }
        LayerSpec::Affine { output_size } => {
            at_least_one("output_size", output_size)?;
            let params = product(shape)
                .and_then(|fan_in| fan_in.checked_mul(output_size))
                .and_then(|p| p.checked_add(output_size));
            Ok((
                vec![output_size],
                params.ok_or_else(too_many)?,
                String::new(),
            ))
        }
        LayerSpec::Activation(_) => Ok((shape.to_vec(), 0, String::new())),
        LayerSpec::Dropout { ratio } => {
            unit_interval("dropout_ratio", ratio)?;
            Ok((shape.to_vec(), 0, String::new()))
        }
    }
}

/// The error for a parameter count that overflows.
fn too_many() -> Error {
    Error::Geometry("the layer's parameter count overflows: use fewer filters or units".into())
}

/// `30x24x24` for a feature map, `100` for a vector.
pub(crate) fn shape_text(shape: &[usize]) -> String {
    shape
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("x")
}
