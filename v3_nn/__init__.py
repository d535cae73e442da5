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
from .loss import (
    CosineEmbeddingLoss,
    CTCLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    MarginRankingLoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss2d,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from .layers.distance import CosineSimilarity, PairwiseDistance
