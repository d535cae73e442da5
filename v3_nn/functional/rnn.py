"""Recurrent cells and layers, as torch's rnn_tanh_cell, lstm_cell, gru_cell and nn.LSTM.

Two implementations of one layer run over a (T, B, I) sequence:

- `reference_layer`: the readable one. A Python loop calls a cell, written with
  v2_tensor ops, once per time step; autograd records every step and
  backpropagation through time is just backward through that graph.
- `fused_layer`: the fast one. One autograd Function runs the whole sequence in
  NumPy and has a hand-written backward through time (see rnn_fused.py).

Both take the same arguments and return `(output, final_state)`; the modules in
v3_nn.layers.rnn use the fused one and the tests hold it to the reference and to torch.
A state is a Tensor h of shape (B, H), or a pair (h, c) for an LSTM.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function, once_differentiable

from . import rnn_fused as kernels

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}

State = Tensor | tuple[Tensor, Tensor]  # h, or (h, c) for an LSTM
Weights = Sequence[Tensor]  # (w_ih, w_hh) or (w_ih, w_hh, b_ih, b_hh)
Bias = Tensor | None


def _affine(x: Tensor, weight: Tensor, bias: Bias) -> Tensor:
    return x @ weight.T if bias is None else x @ weight.T + bias


# ------------------------------------------------------------------ reference cells


def rnn_tanh_cell(
    x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None
) -> Tensor:
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)"""
    return vt.tanh(_affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh))


def rnn_relu_cell(
    x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None
) -> Tensor:
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)"""
    return vt.relu(_affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh))


def lstm_cell(
    x: Tensor,
    state: tuple[Tensor, Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Bias = None,
    b_hh: Bias = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step: gates in torch's order i, f, g, o; returns (h', c')."""
    h, c = state
    i, f, g, o = vt.chunk(_affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh), 4, dim=-1)
    c = vt.sigmoid(f) * c + vt.sigmoid(i) * vt.tanh(g)
    return vt.sigmoid(o) * vt.tanh(c), c


def gru_cell(
    x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None
) -> Tensor:
    """One GRU step: gates r, z, n, with r scaling the whole (h W_hn^T + b_hn)."""
    r_x, z_x, n_x = vt.chunk(_affine(x, w_ih, b_ih), 3, dim=-1)
    r_h, z_h, n_h = vt.chunk(_affine(h, w_hh, b_hh), 3, dim=-1)
    r = vt.sigmoid(r_x + r_h)
    z = vt.sigmoid(z_x + z_h)
    n = vt.tanh(n_x + r * n_h)
    return (1 - z) * n + z * h


CELLS = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "LSTM": lstm_cell, "GRU": gru_cell}


def reference_layer(
    mode: str, x: Tensor, state: State, weights: Weights, reverse: bool = False
) -> tuple[Tensor, State]:
    """Run the cell of `mode` over the steps of x (T, B, I), backwards in time if `reverse`."""
    cell = CELLS[mode]
    steps = range(x.shape[0])
    outputs = [None] * len(steps)
    for t in reversed(steps) if reverse else steps:
        state = cell(x[t], state, *weights)
        outputs[t] = state[0] if mode == "LSTM" else state
    return vt.stack(outputs), state


def lstm_projected_layer(
    x: Tensor, state: tuple[Tensor, Tensor], weights: Weights, reverse: bool = False
) -> tuple[Tensor, tuple[Tensor, Tensor]]:
    """An LSTM with projections (torch's proj_size) over x (T, B, I): each step is lstm_cell
    and then h_t = h_t W_hr^T, so h (and the output) has proj_size features, c hidden_size.
    weights: (w_ih, w_hh, [b_ih, b_hh,] w_hr)."""
    *cell_weights, w_hr = weights
    h, c = state
    steps = range(x.shape[0])
    outputs = [None] * len(steps)
    for t in reversed(steps) if reverse else steps:
        h, c = lstm_cell(x[t], (h, c), *cell_weights)
        h = h @ w_hr.T
        outputs[t] = h
    return vt.stack(outputs), (h, c)


# ------------------------------------------------------------------ fused layers


def _in_time_order(array: np.ndarray, reverse: bool) -> np.ndarray:
    """The sequence as the recurrence visits it: a reversed layer runs from T-1 down to 0."""
    return array[::-1] if reverse else array


class _SimpleRecurrence(Function):
    """(x, h0, w_ih, w_hh, b_ih, b_hh) -> (output, h_n) of an Elman RNN or a GRU."""

    @staticmethod
    def forward(ctx, x, h0, w_ih, w_hh, b_ih, b_hh, *, mode, reverse):
        x = _in_time_order(x, reverse)
        if mode == "GRU":
            (hs, h_n), ctx.cache = kernels.gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh)
        else:
            nonlinearity = "tanh" if mode == "RNN_TANH" else "relu"
            (hs, h_n), ctx.cache = kernels.rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity)
        ctx.mode, ctx.reverse = mode, reverse
        return np.ascontiguousarray(_in_time_order(hs, reverse)), h_n.copy()

    @staticmethod
    @once_differentiable
    def backward(ctx, d_output, d_h_n):
        backward = kernels.gru_backward if ctx.mode == "GRU" else kernels.rnn_backward
        d_output = _in_time_order(d_output.array, ctx.reverse)
        dx, *grads = backward(ctx.cache, d_output, d_h_n.array)
        return (np.ascontiguousarray(_in_time_order(dx, ctx.reverse)), *grads)


class _LSTMRecurrence(Function):
    """(x, h0, c0, w_ih, w_hh, b_ih, b_hh) -> (output, h_n, c_n) of an LSTM."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, *, reverse):
        x = _in_time_order(x, reverse)
        (hs, h_n, c_n), ctx.cache = kernels.lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        ctx.reverse = reverse
        return np.ascontiguousarray(_in_time_order(hs, reverse)), h_n.copy(), c_n.copy()

    @staticmethod
    @once_differentiable
    def backward(ctx, d_output, d_h_n, d_c_n):
        d_output = _in_time_order(d_output.array, ctx.reverse)
        dx, *grads = kernels.lstm_backward(ctx.cache, d_output, d_h_n.array, d_c_n.array)
        return (np.ascontiguousarray(_in_time_order(dx, ctx.reverse)), *grads)


def fused_layer(
    mode: str, x: Tensor, state: State, weights: Weights, reverse: bool = False
) -> tuple[Tensor, State]:
    """Same as reference_layer, as one op with a hand-written backward through time."""
    w_ih, w_hh, b_ih, b_hh = weights if len(weights) == 4 else (*weights, None, None)
    if mode == "LSTM":
        h0, c0 = state
        output, h_n, c_n = _LSTMRecurrence.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse=reverse)
        return output, (h_n, c_n)
    return _SimpleRecurrence.apply(x, state, w_ih, w_hh, b_ih, b_hh, mode=mode, reverse=reverse)
