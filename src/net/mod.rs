//! Networks: a stack of layers ending in softmax-with-loss, and the course's networks
//! built from config structs whose defaults are the course's.

mod multi_layer_net;
mod sequential;

pub use multi_layer_net::{MultiLayerNet, MultiLayerNetConfig};
pub use sequential::Sequential;
