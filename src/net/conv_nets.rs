//! The course's convolutional networks, each from a config struct whose defaults are the
//! course's, and the two architectures of the lecture (LeNet, AlexNet).
//!
//! All of them are [`Architecture`]s; the trainable ones are built into a [`ConvNet`]
//! (a [`Sequential`] that remembers its architecture), so the same training loop and any
//! optimizer train them. Course: `simple_convnet.py` (2_6, DN37), the `DoubleConvNet` of
//! 2_7 and `deep_convnet.py` (2_8, book ch08).

use std::ops::{Deref, DerefMut};

use super::architecture::{Architecture, LayerSpec, Summary};
use super::Sequential;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::init::Init;
use crate::layers::PoolingKind;

/// One convolution's settings, the course's `conv_param` dict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvParam {
    /// Number of filters (`filter_num`).
    pub filter_num: usize,
    /// Filter height and width (`filter_size`).
    pub filter_size: usize,
    /// Zeros added on each side (`pad`).
    pub pad: usize,
    /// Step between windows (`stride`).
    pub stride: usize,
}

impl ConvParam {
    /// `{'filter_num': filter_num, 'filter_size': filter_size, 'pad': pad, 'stride': 1}`.
    pub const fn new(filter_num: usize, filter_size: usize, pad: usize) -> ConvParam {
        ConvParam {
            filter_num,
            filter_size,
            pad,
            stride: 1,
        }
    }

    fn layer(self) -> LayerSpec {
        LayerSpec::Convolution {
            filter_num: self.filter_num,
            filter_size: self.filter_size,
            stride: self.stride,
            pad: self.pad,
        }
    }
}

/// SimpleConvNet (2_6, DN37): conv - relu - pool - affine - relu - affine - softmax.
/// Defaults: 30 filters 5x5, pad 0, stride 1; 2x2 max pooling, stride 2; hidden 100;
/// weights 0.01·randn.
#[derive(Clone, Debug, PartialEq)]
pub struct SimpleConvNetConfig {
    /// The convolution (`conv_param`).
    pub conv_param: ConvParam,
    /// Units of the hidden affine layer (`hidden_size`).
    pub hidden_size: usize,
    /// Weight initialisation (`weight_init_std=0.01`).
    pub init: Init,
    /// Seed of the weights.
    pub seed: u64,
}

impl Default for SimpleConvNetConfig {
    fn default() -> Self {
        SimpleConvNetConfig {
            conv_param: ConvParam::new(30, 5, 0),
            hidden_size: 100,
            init: Init::Std(0.01),
            seed: 0,
        }
    }
}

/// DoubleConvNet (2_7): conv - relu - pool - conv - relu - pool - affine - relu - affine.
/// Defaults: 10 filters 7x7 pad 1, then 20 filters 3x3 pad 1; hidden 100; 0.01·randn.
/// `first_pooling: false` is the course's try (the first pooling layer removed).
#[derive(Clone, Debug, PartialEq)]
pub struct DoubleConvNetConfig {
    /// The first convolution (`conv_param_1`).
    pub conv_param_1: ConvParam,
    /// The second convolution (`conv_param_2`).
    pub conv_param_2: ConvParam,
    /// Whether the first convolution is followed by pooling (the try removes it).
    pub first_pooling: bool,
    /// Units of the hidden affine layer (`hidden_size`).
    pub hidden_size: usize,
    /// Weight initialisation (`weight_init_std=0.01`).
    pub init: Init,
    /// Seed of the weights.
    pub seed: u64,
}

impl Default for DoubleConvNetConfig {
    fn default() -> Self {
        DoubleConvNetConfig {
            conv_param_1: ConvParam::new(10, 7, 1),
            conv_param_2: ConvParam::new(20, 3, 1),
            first_pooling: true,
            hidden_size: 100,
            init: Init::Std(0.01),
            seed: 0,
        }
    }
}

/// DeepConvNet (2_8, book ch08): (conv - relu - conv - relu - pool) × 3, then
/// affine - relu - dropout - affine - dropout. Defaults: 16, 16, 32, 32, 64, 64 filters of
/// 3x3 with pads 1, 1, 1, 2, 1, 1; hidden 50; dropout 0.5; He initialisation.
/// As in the course, the second dropout acts on the scores (the logits).
#[derive(Clone, Debug, PartialEq)]
pub struct DeepConvNetConfig {
    /// The six convolutions (`conv_param_1` ... `conv_param_6`).
    pub conv_params: [ConvParam; 6],
    /// Units of the hidden affine layer (`hidden_size`).
    pub hidden_size: usize,
    /// Dropout ratio after the hidden layer and after the scores.
    pub dropout_ratio: f64,
    /// Weight initialisation (He, as the course's `sqrt(2 / fan_in)`).
    pub init: Init,
    /// Seed of the weights and of the dropout masks.
    pub seed: u64,
}

impl Default for DeepConvNetConfig {
    fn default() -> Self {
        DeepConvNetConfig {
            conv_params: [
                ConvParam::new(16, 3, 1),
                ConvParam::new(16, 3, 1),
                ConvParam::new(32, 3, 1),
                ConvParam::new(32, 3, 2),
                ConvParam::new(64, 3, 1),
                ConvParam::new(64, 3, 1),
            ],
            hidden_size: 50,
            dropout_ratio: 0.5,
            init: Init::He,
            seed: 0,
        }
    }
}

impl SimpleConvNetConfig {
    /// The layers for samples of `input_shape` (C, H, W) and `classes` outputs.
    pub fn architecture(&self, input_shape: &[usize], classes: usize) -> Architecture {
        Architecture {
            name: "SimpleConvNet".into(),
            input_shape: input_shape.to_vec(),
            layers: vec![
                self.conv_param.layer(),
                LayerSpec::relu(),
                LayerSpec::max_pool_2x2(),
                LayerSpec::affine(self.hidden_size),
                LayerSpec::relu(),
                LayerSpec::affine(classes),
            ],
            init: self.init,
        }
    }
}

impl DoubleConvNetConfig {
    /// The layers for samples of `input_shape` (C, H, W) and `classes` outputs.
    pub fn architecture(&self, input_shape: &[usize], classes: usize) -> Architecture {
        let mut layers = vec![self.conv_param_1.layer(), LayerSpec::relu()];
        if self.first_pooling {
            layers.push(LayerSpec::max_pool_2x2());
        }
        layers.extend([
            self.conv_param_2.layer(),
            LayerSpec::relu(),
            LayerSpec::max_pool_2x2(),
            LayerSpec::affine(self.hidden_size),
            LayerSpec::relu(),
            LayerSpec::affine(classes),
        ]);
        let name = if self.first_pooling {
            "DoubleConvNet"
        } else {
            "DoubleConvNet without Pool1"
        };
        Architecture {
            name: name.into(),
            input_shape: input_shape.to_vec(),
            layers,
            init: self.init,
        }
    }
}

impl DeepConvNetConfig {
    /// The layers for samples of `input_shape` (C, H, W) and `classes` outputs.
    pub fn architecture(&self, input_shape: &[usize], classes: usize) -> Architecture {
        let mut layers = Vec::new();
        for pair in self.conv_params.chunks(2) {
            for conv in pair {
                layers.extend([conv.layer(), LayerSpec::relu()]);
            }
            layers.push(LayerSpec::max_pool_2x2());
        }
        let dropout = LayerSpec::Dropout {
            ratio: self.dropout_ratio,
        };
        layers.extend([
            LayerSpec::affine(self.hidden_size),
            LayerSpec::relu(),
            dropout,
            LayerSpec::affine(classes),
            dropout,
        ]);
        Architecture {
            name: "DeepConvNet".into(),
            input_shape: input_shape.to_vec(),
            layers,
            init: self.init,
        }
    }
}

/// A convolutional network: the [`Sequential`] stack built from an [`Architecture`], which
/// it keeps for its summary. Derefs to the stack (`predict`, `loss`, `accuracy`,
/// `gradient`, `params`), so `train(&mut net, ...)` works as for every network.
pub struct ConvNet {
    net: Sequential,
    architecture: Architecture,
}

impl ConvNet {
    /// Builds `architecture` with weights drawn from `seed`; shapes are checked first.
    pub fn build(architecture: Architecture, seed: u64) -> Result<ConvNet> {
        Ok(ConvNet {
            net: architecture.build(seed)?,
            architecture,
        })
    }

    /// The architecture the network was built from.
    pub fn architecture(&self) -> &Architecture {
        &self.architecture
    }

    /// Layer, output shape and parameter count of every layer.
    pub fn summary(&self) -> Summary {
        self.architecture
            .summary()
            .expect("checked when the network was built")
    }
}

impl Deref for ConvNet {
    type Target = Sequential;
    fn deref(&self) -> &Sequential {
        &self.net
    }
}

impl DerefMut for ConvNet {
    fn deref_mut(&mut self) -> &mut Sequential {
        &mut self.net
    }
}

/// The sample shape (C, H, W) of `data`, or a message saying how to get images.
fn image_shape(data: &Dataset) -> Result<&[usize]> {
    match data.sample_shape() {
        shape @ [_, _, _] => Ok(shape),
        other => Err(Error::Geometry(format!(
            "a convolutional network takes (C, H, W) images, but the samples of {} have shape {other:?}: \
             use data.images(1, 8, 8) (or .upsampled(28) after it for the course's 28x28)",
            data.name
        ))),
    }
}

/// One of the course's convolutional networks: a [`ConvNet`] under the course's name,
/// built by `new(&data, config)` for the data's image shape and classes.
macro_rules! course_conv_net {
    ($(#[$doc:meta])* $name:ident, $config:ty) => {
        $(#[$doc])*
        pub struct $name(ConvNet);

        impl $name {
            /// Builds the network for `data`'s images and classes; a geometry that does not
            /// fit is an error naming the layer and the sizes.
            pub fn new(data: &Dataset, config: $config) -> Result<$name> {
                let architecture = config.architecture(image_shape(data)?, data.classes());
                Ok($name(ConvNet::build(architecture, config.seed)?))
            }
        }

        impl Deref for $name {
            type Target = ConvNet;
            fn deref(&self) -> &ConvNet {
                &self.0
            }
        }

        impl DerefMut for $name {
            fn deref_mut(&mut self) -> &mut ConvNet {
                &mut self.0
            }
        }
    };
}

course_conv_net!(
    /// SimpleConvNet (2_6, DN37), sized for the data's images and classes.
    ///
    /// ```
    /// use dl_lessons::prelude::*;
    /// let data = Dataset::digits(0).images(1, 8, 8)?.upsampled(28)?;
    /// let net = SimpleConvNet::new(&data, SimpleConvNetConfig::default())?;
    /// assert_eq!(net.summary().rows[2].output_shape, vec![30, 12, 12]); // 4320 values
    /// # Ok::<(), dl_lessons::Error>(())
    /// ```
    SimpleConvNet,
    SimpleConvNetConfig
);

course_conv_net!(
    /// DoubleConvNet (2_7), sized for the data's images and classes.
    DoubleConvNet,
    DoubleConvNetConfig
);

course_conv_net!(
    /// DeepConvNet (2_8), sized for the data's images and classes.
    DeepConvNet,
    DeepConvNetConfig
);

/// LeNet as the lecture draws it: 32x32 → 6@28x28 → 6@14x14 → 16@10x10 → 16@5x5 → 120 →
/// 84 → 10 (5x5 filters, 2x2 subsampling; ReLU and max pooling stand in for the
/// original's activations and subsampling, which the lecture does not fix).
///
/// ```
/// let summary = dl_lessons::net::lenet().summary().unwrap();
/// let shapes: Vec<Vec<usize>> = summary.rows.iter().map(|r| r.output_shape.clone()).collect();
/// assert!(shapes.contains(&vec![16, 5, 5]));
/// ```
pub fn lenet() -> Architecture {
    Architecture {
        name: "LeNet".into(),
        input_shape: vec![1, 32, 32],
        layers: vec![
            LayerSpec::conv(6, 5, 0),
            LayerSpec::relu(),
            LayerSpec::max_pool_2x2(),
            LayerSpec::conv(16, 5, 0),
            LayerSpec::relu(),
            LayerSpec::max_pool_2x2(),
            LayerSpec::affine(120),
            LayerSpec::relu(),
            LayerSpec::affine(84),
            LayerSpec::relu(),
            LayerSpec::affine(10),
        ],
        init: Init::He,
    }
}

/// What AlexNet's convolutions hand to its fully connected layers: the lecture compares
/// three ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlexNetHead {
    /// The 256 maps of 13x13 flattened: 43,264 values.
    Flatten,
    /// The largest value of each map: 256 values.
    GlobalMaxPooling,
    /// The mean of each map: 256 values.
    GlobalAveragePooling,
}

/// AlexNet as the lecture sizes it: 224x224x3 → 96@55x55 → 256@27x27 → 384@13x13 →
/// 384@13x13 → 256@13x13 → `head` (flatten 43,264, or global max or average pooling 256)
/// → 4096 → 4096 → 1000, dropout after both 4096-unit layers.
///
/// The lecture's 224 → 55 with 11x11 filters and stride 4 needs pad 2 and rounding down
/// ((224 + 4 − 11) / 4 + 1 = 55); the original paper's 227 with pad 0 gives 55 exactly.
/// 3x3 max pooling with stride 2 takes 55 → 27 and 27 → 13, as in the paper. Built only
/// for its summary: flattening 13x13x256 gives it about 200 million weights (the paper pools
/// once more, to 6x6x256, and has 62 million), not meant for this laptop lesson.
///
/// ```
/// use dl_lessons::net::{alexnet, AlexNetHead};
/// let summary = alexnet(AlexNetHead::Flatten).summary()?;
/// let flat = summary.rows.iter().find(|r| r.name == "Affine1").unwrap();
/// assert_eq!(flat.params, 43_264 * 4096 + 4096);
/// let pooled = alexnet(AlexNetHead::GlobalMaxPooling).summary()?;
/// assert_eq!(pooled.rows.iter().find(|r| r.name == "Affine1").unwrap().params, 256 * 4096 + 4096);
/// # Ok::<(), dl_lessons::Error>(())
/// ```
pub fn alexnet(head: AlexNetHead) -> Architecture {
    let pool = LayerSpec::Pooling {
        kind: PoolingKind::Max,
        size: 3,
        stride: 2,
    };
    let mut layers = vec![
        LayerSpec::Convolution {
            filter_num: 96,
            filter_size: 11,
            stride: 4,
            pad: 2,
        },
        LayerSpec::relu(),
        pool,
        LayerSpec::conv(256, 5, 2),
        LayerSpec::relu(),
        pool,
        LayerSpec::conv(384, 3, 1),
        LayerSpec::relu(),
        LayerSpec::conv(384, 3, 1),
        LayerSpec::relu(),
        LayerSpec::conv(256, 3, 1),
        LayerSpec::relu(),
    ];
    let name = match head {
        AlexNetHead::Flatten => "AlexNet",
        AlexNetHead::GlobalMaxPooling => {
            layers.push(LayerSpec::GlobalPooling(PoolingKind::Max));
            "AlexNet (global max pooling)"
        }
        AlexNetHead::GlobalAveragePooling => {
            layers.push(LayerSpec::GlobalPooling(PoolingKind::Average));
            "AlexNet (global average pooling)"
        }
    };
    let dropout = LayerSpec::Dropout { ratio: 0.5 };
    layers.extend([
        LayerSpec::affine(4096),
        LayerSpec::relu(),
        dropout,
        LayerSpec::affine(4096),
        LayerSpec::relu(),
        dropout,
        LayerSpec::affine(1000),
    ]);
    Architecture {
        name: name.into(),
        input_shape: vec![3, 224, 224],
        layers,
        init: Init::He,
    }
}
