//! Networks: a stack of layers ending in softmax-with-loss, and the course's networks
//! built from config structs whose defaults are the course's.

mod architecture;
mod conv_nets;
mod multi_layer_net;
mod sequential;

pub(crate) use architecture::shape_text;
pub use architecture::{Architecture, LayerSpec, Summary, SummaryRow};
pub use conv_nets::{
    alexnet, lenet, AlexNetHead, ConvNet, ConvParam, DeepConvNet, DeepConvNetConfig, DoubleConvNet,
    DoubleConvNetConfig, SimpleConvNet, SimpleConvNetConfig,
};
pub use multi_layer_net::{MultiLayerNet, MultiLayerNetConfig};
pub use sequential::Sequential;
