"""v3_nn layers, one module per family; each author adds its import line here."""

# ruff: noqa: F401  (this file re-exports the public names)
from .conv import Conv1d, Conv2d
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
