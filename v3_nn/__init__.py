"""v3_nn: a torch.nn and torch.optim look-alike built on the v2_tensor engine.

Port a PyTorch model by changing imports; weights move both ways through state_dict().
"""

# ruff: noqa: F401, I001  (re-exports; each author appends a line, so no sorting)

from . import data, functional, init, layers, optim
from .checkpoint import load, save
from .module import Module, Parameter

# Layers: each `from .layers.<file> import ...` line below is added by the layer's author.
from .layers.activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .layers.containers import ModuleList, Sequential
from .layers.dropout import Dropout
from .layers.embedding import Embedding
from .layers.flatten import Flatten
from .layers.linear import Identity, Linear
from .layers.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .layers.conv import Conv1d, Conv2d
from .layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d
from .layers.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .layers.attention import MultiheadAttention
from .layers.transformer import PositionalEncoding, TransformerEncoder, TransformerEncoderLayer
from .layers.conv import Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .layers.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AvgPool1d,
    AvgPool3d,
    LPPool1d,
    LPPool2d,
    LPPool3d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
)
from .layers.distance import CosineSimilarity, PairwiseDistance
from .layers.dropout import AlphaDropout, Dropout1d, Dropout2d, Dropout3d, FeatureAlphaDropout
from .layers.normalization import (
    BatchNorm3d,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    LocalResponseNorm,
    RMSNorm,
)
from .layers.padding import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from .layers.upsampling import (
    ChannelShuffle,
    Fold,
    PixelShuffle,
    PixelUnshuffle,
    Unfold,
    Upsample,
    UpsamplingBilinear2d,
    UpsamplingNearest2d,
)
