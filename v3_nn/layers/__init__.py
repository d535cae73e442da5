"""v3_nn layers, one module per family; each author adds its import line here."""

# ruff: noqa: F401  (this file re-exports the public names)
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .attention import MultiheadAttention
from .containers import ModuleList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .linear import Identity, Linear
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .transformer import PositionalEncoding, TransformerEncoder, TransformerEncoderLayer

# isort: split
# activations and containers (Module API / activations / utils part)
from .activation import (
    CELU,
    ELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    RReLU,
    SiLU,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanhshrink,
    Threshold,
)
from .containers import ModuleDict, ParameterDict, ParameterList
from .embedding import EmbeddingBag
from .flatten import Unflatten
from .linear import Bilinear
from .transformer import Transformer, TransformerDecoder, TransformerDecoderLayer
