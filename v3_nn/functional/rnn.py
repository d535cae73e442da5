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

The one-step cells come in the same two kinds: the reference cells (`lstm_cell`, ...,
compositions of Tensor ops, ~15 nodes a step) and the fused cells (`fused_lstm_cell`, ...,
one node a step, NumPy forward and backward) that RNNCell, LSTMCell and GRUCell run, so a
loop stepped by hand over 1,000 steps is not bound by per-op overhead.

The fused op's NumPy backward is the first-order path. When the backward is itself
recorded (`autograd.grad(..., create_graph=True)`: grad mode is on inside it), the same
backward through time runs in Tensor ops instead (`*_backward_in_tensor_ops` below, on
the states recomputed from the saved inputs), so the engine differentiates it again: the
fused layers (and the fused cells, the same way) have torch's second derivatives.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function

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
        ctx.save_for_backward(x, h0, w_ih, w_hh, b_ih, b_hh)
        x = _in_time_order(x, reverse)
        if mode == "GRU":
            (hs, h_n), ctx.cache = kernels.gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh)
        else:
            nonlinearity = "tanh" if mode == "RNN_TANH" else "relu"
            (hs, h_n), ctx.cache = kernels.rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity)
        ctx.mode, ctx.reverse = mode, reverse
        return np.ascontiguousarray(_in_time_order(hs, reverse)), h_n.copy()

    @staticmethod
    def backward(ctx, d_output, d_h_n):
        if vt.is_grad_enabled():  # create_graph: the backward through time in Tensor ops
            inputs = ctx.saved_tensors
            if ctx.mode == "GRU":
                return gru_backward_in_tensor_ops(*inputs, d_output, d_h_n, ctx.reverse)
            relu = ctx.mode == "RNN_RELU"
            return rnn_backward_in_tensor_ops(*inputs, d_output, d_h_n, ctx.reverse, relu)
        backward = kernels.gru_backward if ctx.mode == "GRU" else kernels.rnn_backward
        d_output = _in_time_order(d_output.array, ctx.reverse)
        dx, *grads = backward(ctx.cache, d_output, d_h_n.array)
        return (np.ascontiguousarray(_in_time_order(dx, ctx.reverse)), *grads)


class _LSTMRecurrence(Function):
    """(x, h0, c0, w_ih, w_hh, b_ih, b_hh) -> (output, h_n, c_n) of an LSTM."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, *, reverse):
        ctx.save_for_backward(x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        x = _in_time_order(x, reverse)
        (hs, h_n, c_n), ctx.cache = kernels.lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh)
        ctx.reverse = reverse
        return np.ascontiguousarray(_in_time_order(hs, reverse)), h_n.copy(), c_n.copy()

    @staticmethod
    def backward(ctx, d_output, d_h_n, d_c_n):
        if vt.is_grad_enabled():  # create_graph: the backward through time in Tensor ops
            inputs = ctx.saved_tensors
            return lstm_backward_in_tensor_ops(*inputs, d_output, d_h_n, d_c_n, ctx.reverse)
        d_output = _in_time_order(d_output.array, ctx.reverse)
        dx, *grads = kernels.lstm_backward(ctx.cache, d_output, d_h_n.array, d_c_n.array)
        return (np.ascontiguousarray(_in_time_order(dx, ctx.reverse)), *grads)


# ------------------------------------------------------------------ backward in Tensor ops
# The kernels' backward through time (rnn_fused.py), line for line, on Tensors: the states
# are recomputed from the inputs with Tensor ops, so every gradient is a recorded function
# of the inputs and of the incoming gradients, and differentiating it gives the second
# derivatives. Steps are visited in the recurrence's order (T-1 down to 0 when reversed).


def _visit_order(steps: int, reverse: bool) -> list[int]:
    return list(range(steps))[::-1] if reverse else list(range(steps))


def _parameter_gradients(x, h_prev, dpre_x, dpre_h, bias: bool) -> tuple:
    """dx = Σ_g dpre_x W_ih, dW_ih = Σ_t dpre_xᵀ x_t, dW_hh = Σ_t dpre_hᵀ h_{t-1}, db = Σ dpre."""
    rows_x = dpre_x.reshape(-1, dpre_x.shape[-1]).T
    dw_ih = rows_x @ x.reshape(-1, x.shape[-1])
    dw_hh = dpre_h.reshape(-1, dpre_h.shape[-1]).T @ h_prev.reshape(-1, h_prev.shape[-1])
    if not bias:
        return dw_ih, dw_hh, None, None
    return dw_ih, dw_hh, dpre_x.sum((0, 1)), dpre_h.sum((0, 1))


def rnn_backward_in_tensor_ops(x, h0, w_ih, w_hh, b_ih, b_hh, d_output, d_h_n, reverse, relu):
    """h_t = act(a_t), a_t = x_t W_ihᵀ + b + h_{t-1} W_hhᵀ: δa_t = (δh_t + δy_t) act'(a_t),
    δh_{t-1} = δa_t W_hh, with act' = 1 - h_t² (tanh) or [h_t > 0] (relu, a selection)."""
    order = _visit_order(x.shape[0], reverse)
    pre_x = _affine(x, w_ih, None if b_ih is None else b_ih + b_hh)
    h, hs, h_prev = h0, {}, {}
    for t in order:
        h_prev[t] = h
        pre = pre_x[t] + h @ w_hh.T
        h = hs[t] = vt.relu(pre) if relu else vt.tanh(pre)
    dh, dpre = d_h_n, {}
    for t in reversed(order):
        dh = dh + d_output[t]
        if relu:
            dpre[t] = vt.where(hs[t] > 0, dh, 0.0)
        else:
            dpre[t] = dh * (1 - hs[t] * hs[t])
        dh = dpre[t] @ w_hh
    dpre = vt.stack([dpre[t] for t in range(x.shape[0])])
    previous = vt.stack([h_prev[t] for t in range(x.shape[0])])
    dw_ih, dw_hh, db, _ = _parameter_gradients(x, previous, dpre, dpre, b_ih is not None)
    return dpre @ w_ih, dh, dw_ih, dw_hh, db, None if db is None else db.clone()


def lstm_backward_in_tensor_ops(x, h0, c0, w_ih, w_hh, b_ih, b_hh, d_output, d_h_n, d_c_n, reverse):
    """δo = δh tanh c, δc += δh o (1 - tanh² c), δi = δc g, δf = δc c_{t-1}, δg = δc i,
    δc_{t-1} = δc f, δa = [δi, δf, δg, δo] ⊙ gate', δh_{t-1} = δa W_hh."""
    order = _visit_order(x.shape[0], reverse)
    pre_x = _affine(x, w_ih, None if b_ih is None else b_ih + b_hh)
    h, c, steps = h0, c0, {}
    for t in order:
        i, f, g, o = vt.chunk(pre_x[t] + h @ w_hh.T, 4, dim=-1)
        i, f, g, o = vt.sigmoid(i), vt.sigmoid(f), vt.tanh(g), vt.sigmoid(o)
        steps[t] = (h, c, i, f, g, o)
        c = f * c + i * g
        tanh_c = vt.tanh(c)
        h = o * tanh_c
        steps[t] += (tanh_c,)
    dh, dc, dpre = d_h_n, d_c_n, {}
    for t in reversed(order):
        _, c_prev, i, f, g, o, tanh_c = steps[t]
        dh = dh + d_output[t]
        do = dh * tanh_c
        dc = dc + dh * o * (1 - tanh_c * tanh_c)  # h = o tanh(c)
        di, df, dg = dc * g, dc * c_prev, dc * i  # c = f c_prev + i g
        dc = dc * f
        dpre[t] = vt.cat(
            [di * i * (1 - i), df * f * (1 - f), dg * (1 - g * g), do * o * (1 - o)], dim=-1
        )
        dh = dpre[t] @ w_hh
    dpre = vt.stack([dpre[t] for t in range(x.shape[0])])
    previous = vt.stack([steps[t][0] for t in range(x.shape[0])])
    dw_ih, dw_hh, db, _ = _parameter_gradients(x, previous, dpre, dpre, b_ih is not None)
    return dpre @ w_ih, dh, dc, dw_ih, dw_hh, db, None if db is None else db.clone()


def gru_backward_in_tensor_ops(x, h0, w_ih, w_hh, b_ih, b_hh, d_output, d_h_n, reverse):
    """h_t = (1 - z) n + z h_{t-1}, n = tanh(a_n + r (h_{t-1} W_hnᵀ + b_hn)): δn = δh (1-z)(1-n²),
    δr = δn hn r(1-r), δz = δh (h_{t-1} - n) z(1-z); r scales the recurrent part of δa_n."""
    order = _visit_order(x.shape[0], reverse)
    pre_x = _affine(x, w_ih, b_ih)
    h, steps = h0, {}
    for t in order:
        r_x, z_x, n_x = vt.chunk(pre_x[t], 3, dim=-1)
        r_h, z_h, n_h = vt.chunk(_affine(h, w_hh, b_hh), 3, dim=-1)
        r, z = vt.sigmoid(r_x + r_h), vt.sigmoid(z_x + z_h)
        n = vt.tanh(n_x + r * n_h)
        steps[t] = (h, r, z, n, n_h)
        h = (1 - z) * n + z * h
    dh, dpre_x, dpre_h = d_h_n, {}, {}
    for t in reversed(order):
        h_prev, r, z, n, n_h = steps[t]
        dh = dh + d_output[t]
        dn = dh * (1 - z) * (1 - n * n)
        dr = dn * n_h * r * (1 - r)
        dz = dh * (h_prev - n) * z * (1 - z)
        dpre_x[t] = vt.cat([dr, dz, dn], dim=-1)
        dpre_h[t] = vt.cat([dr, dz, dn * r], dim=-1)
        dh = dh * z + dpre_h[t] @ w_hh
    dpre_x = vt.stack([dpre_x[t] for t in range(x.shape[0])])
    dpre_h = vt.stack([dpre_h[t] for t in range(x.shape[0])])
    previous = vt.stack([steps[t][0] for t in range(x.shape[0])])
    dw_ih, dw_hh, db_ih, db_hh = _parameter_gradients(x, previous, dpre_x, dpre_h, b_ih is not None)
    return dpre_x @ w_ih, dh, dw_ih, dw_hh, db_ih, db_hh


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


# ------------------------------------------------------------------ fused cells
# One time step as one op: the modules RNNCell, LSTMCell and GRUCell call these, a hand-made
# loop over 1,000 steps then records 1,000 nodes per cell instead of ~15,000. Each forward
# runs the cell in NumPy on one gates buffer (two matmuls, the nonlinearities in place) and
# keeps the activated gates; each backward is NumPy for a first-order pass, and the same
# formulas in Tensor ops (on the gates recomputed from the saved inputs) when the backward is
# itself recorded (create_graph=True), so the fused cells have torch's second derivatives.
# The reference cells above are what they are tested against. x is (B, I), the states (B, H).


@functools.cache
def _lstm_gate_constants(hidden: int, dtype: np.dtype) -> tuple[np.ndarray, ...]:
    """σ(a) = ½ tanh(½ a) + ½ and tanh(a) = 1 tanh(1 a) + 0: gate = m tanh(m a) + s with
    m = ½ (i, f, o) or 1 (g), s = ½ or 0; the local derivative is m² - (gate - s)²."""
    constants = (*kernels._gate_constants(hidden, dtype),)
    constants += (constants[0] * constants[0],)
    for array in constants:
        array.flags.writeable = False  # cached and shared by every call
    return constants


def _affine_np(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    # np.dot keeps BLAS when the input size is 1 (np.matmul then takes a slow loop)
    out = np.dot(x, weight.T)
    if bias is not None:
        out += bias
    return out


def _input_gradients(ctx, dpre_x, dpre_h, x, h, w_ih, w_hh, dh_prev) -> tuple:
    """pre_x = x W_ihᵀ + b_ih, pre_h = h W_hhᵀ + b_hh: dx = δpre_x W_ih, δh += δpre_h W_hh,
    dW_ih = δpre_xᵀ x, dW_hh = δpre_hᵀ h, db_ih = Σ_batch δpre_x, db_hh = Σ_batch δpre_h
    (NumPy; only the gradients ctx.needs_input_grad asks for)."""
    need = ctx.needs_input_grad
    n = len(need) - 4  # x, h[, c] come first
    dx = np.dot(dpre_x, w_ih) if need[0] else None
    if need[1]:
        dh = np.dot(dpre_h, w_hh)
        dh_prev = dh if dh_prev is None else np.add(dh, dh_prev, out=dh)
    else:
        dh_prev = None
    dw_ih = np.dot(dpre_x.T, x) if need[n] else None
    dw_hh = np.dot(dpre_h.T, h) if need[n + 1] else None
    db_ih = dpre_x.sum(0) if need[n + 2] else None
    db_hh = dpre_h.sum(0) if need[n + 3] else None
    return dx, dh_prev, dw_ih, dw_hh, db_ih, db_hh


class _LSTMCell(Function):
    """(x, h, c, w_ih, w_hh, b_ih, b_hh) -> (h', c'), lstm_cell as one op.

    [i, f, g, o] = [σ, σ, tanh, σ](x W_ihᵀ + b_ih + h W_hhᵀ + b_hh),
    c' = f c + i g,   h' = o tanh(c').
    """

    @staticmethod
    def forward(ctx, x, h, c, w_ih, w_hh, b_ih, b_hh):
        ctx.save_for_backward(x, h, c, w_ih, w_hh, b_ih, b_hh)
        hidden = h.shape[-1]
        scale, shift, _ = _lstm_gate_constants(hidden, x.dtype)
        gates = _affine_np(x, w_ih, b_ih)
        gates += _affine_np(h, w_hh, b_hh)
        gates *= scale  # all four gates in one tanh: gate = m tanh(m a) + s
        np.tanh(gates, out=gates)
        gates *= scale
        gates += shift
        i, f, g, o = (gates[:, k * hidden : (k + 1) * hidden] for k in range(4))
        c_next = f * c
        c_next += i * g
        tanh_c = np.tanh(c_next)
        ctx.gates, ctx.tanh_c = gates, tanh_c
        return o * tanh_c, c_next

    @staticmethod
    def backward(ctx, d_h, d_c):
        saved = ctx.saved_tensors
        if vt.is_grad_enabled():  # create_graph: the same formulas in Tensor ops
            return lstm_cell_backward_in_tensor_ops(*saved, d_h, d_c)
        x, h, c, w_ih, w_hh = (t.array for t in saved[:5])
        gates, tanh_c = ctx.gates, ctx.tanh_c
        hidden = tanh_c.shape[-1]
        i, f, g, o = (gates[:, k * hidden : (k + 1) * hidden] for k in range(4))
        d_h, d_c = d_h.array, d_c.array
        dpre = np.empty_like(gates)
        di, df, dg, do = (dpre[:, k * hidden : (k + 1) * hidden] for k in range(4))
        np.multiply(d_h, tanh_c, out=do)  # δo = δh' tanh c'
        dc = np.multiply(tanh_c, tanh_c)  # δc' += δh' o (1 - tanh² c')
        np.subtract(1, dc, out=dc)
        dc *= o
        dc *= d_h
        dc += d_c
        np.multiply(dc, g, out=di)  # c' = f c + i g: δi = δc' g, δf = δc' c, δg = δc' i
        np.multiply(dc, c, out=df)
        np.multiply(dc, i, out=dg)
        _, shift, scale2 = _lstm_gate_constants(hidden, gates.dtype)
        local = gates - shift  # d gate / d a = m² - (gate - s)²
        local *= local
        np.subtract(scale2, local, out=local)
        dpre *= local
        dc_prev = np.multiply(dc, f) if ctx.needs_input_grad[2] else None  # δc = δc' f
        dx, dh, *weights = _input_gradients(ctx, dpre, dpre, x, h, w_ih, w_hh, None)
        return dx, dh, dc_prev, *weights


def lstm_cell_backward_in_tensor_ops(x, h, c, w_ih, w_hh, b_ih, b_hh, d_h, d_c) -> tuple:
    """_LSTMCell's backward, recorded: the gates again from the inputs, then
    δo = δh' tanh c', δc' += δh' o (1 - tanh² c'), δi = δc' g, δf = δc' c, δg = δc' i,
    δa = [δi, δf, δg, δo] ⊙ gate', δc = δc' f, δx = δa W_ih, δh = δa W_hh."""
    i, f, g, o = vt.chunk(_affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh), 4, dim=-1)
    i, f, g, o = vt.sigmoid(i), vt.sigmoid(f), vt.tanh(g), vt.sigmoid(o)
    tanh_c = vt.tanh(f * c + i * g)
    do = d_h * tanh_c
    dc = d_c + d_h * o * (1 - tanh_c * tanh_c)
    dpre = vt.cat(
        [dc * g * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - g * g), do * o * (1 - o)],
        dim=-1,
    )
    db = None if b_ih is None else dpre.sum(0)
    return (
        dpre @ w_ih,
        dpre @ w_hh,
        dc * f,
        dpre.T @ x,
        dpre.T @ h,
        db,
        None if db is None else db.clone(),
    )


def _batched(cell_apply, x: Tensor, states: tuple[Tensor, ...], weights: tuple) -> tuple:
    """Run a fused cell on (B, I) input; 1-D input (one sample) gets its batch axis added."""
    if x.ndim == 2:
        return cell_apply(x, *states, *weights)
    out = cell_apply(x.unsqueeze(0), *(s.unsqueeze(0) for s in states), *weights)
    return tuple(o.squeeze(0) for o in out) if type(out) is tuple else out.squeeze(0)


def fused_lstm_cell(
    x: Tensor,
    state: tuple[Tensor, Tensor],
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Bias = None,
    b_hh: Bias = None,
) -> tuple[Tensor, Tensor]:
    """lstm_cell as one op with a hand-written backward: returns (h', c')."""
    return _batched(_LSTMCell.apply, x, tuple(state), (w_ih, w_hh, b_ih, b_hh))


class _GRUCell(Function):
    """(x, h, w_ih, w_hh, b_ih, b_hh) -> h', gru_cell as one op.

    [r_x, z_x, n_x] = x W_ihᵀ + b_ih,   [r_h, z_h, n_h] = h W_hhᵀ + b_hh,
    r = σ(r_x + r_h),  z = σ(z_x + z_h),  n = tanh(n_x + r n_h),  h' = (1 - z) n + z h.
    """

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih, b_hh):
        ctx.save_for_backward(x, h, w_ih, w_hh, b_ih, b_hh)
        hidden = h.shape[-1]
        pre_x = _affine_np(x, w_ih, b_ih)
        pre_h = _affine_np(h, w_hh, b_hh)
        rz = pre_x[:, : 2 * hidden]  # r and z, side by side: σ(a) = ½ tanh(½ a) + ½
        rz += pre_h[:, : 2 * hidden]
        rz *= 0.5
        np.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z = rz[:, :hidden], rz[:, hidden:]
        n_h = pre_h[:, 2 * hidden :]
        n = pre_x[:, 2 * hidden :]
        n += r * n_h
        np.tanh(n, out=n)
        out = h - n  # h' = n + z (h - n)
        out *= z
        out += n
        ctx.gates, ctx.n_h = pre_x, n_h  # [r, z, n] activated, and h W_hnᵀ + b_hn
        return out

    @staticmethod
    def backward(ctx, d_out):
        saved = ctx.saved_tensors
        if vt.is_grad_enabled():  # create_graph: the same formulas in Tensor ops
            return gru_cell_backward_in_tensor_ops(*saved, d_out)
        x, h, w_ih, w_hh = (t.array for t in saved[:4])
        gates, n_h = ctx.gates, ctx.n_h
        hidden = n_h.shape[-1]
        r, z, n = (gates[:, k * hidden : (k + 1) * hidden] for k in range(3))
        d_out = d_out.array
        dpre_x = np.empty_like(gates)
        dr, dz, dn = (dpre_x[:, k * hidden : (k + 1) * hidden] for k in range(3))
        np.multiply(n, n, out=dn)  # δn = δh' (1 - z) (1 - n²)
        np.subtract(1, dn, out=dn)
        dn *= d_out
        dn -= dn * z
        np.subtract(h, n, out=dz)  # δz = δh' (h - n) z (1 - z)
        dz *= d_out
        dz *= z - z * z
        np.multiply(dn, n_h, out=dr)  # δr = δn n_h r (1 - r)
        dr *= r - r * r
        dpre_h = dpre_x.copy()  # r scales the recurrent part of δa_n
        dpre_h[:, 2 * hidden :] *= r
        dh_direct = d_out * z if ctx.needs_input_grad[1] else None  # δh = δh' z + δpre_h W_hh
        return _input_gradients(ctx, dpre_x, dpre_h, x, h, w_ih, w_hh, dh_direct)


def gru_cell_backward_in_tensor_ops(x, h, w_ih, w_hh, b_ih, b_hh, d_out) -> tuple:
    """_GRUCell's backward, recorded: the gates again from the inputs, then
    δn = δh' (1 - z)(1 - n²), δz = δh' (h - n) z (1 - z), δr = δn n_h r (1 - r),
    δpre_x = [δr, δz, δn], δpre_h = [δr, δz, δn r], δh = δh' z + δpre_h W_hh."""
    r_x, z_x, n_x = vt.chunk(_affine(x, w_ih, b_ih), 3, dim=-1)
    r_h, z_h, n_h = vt.chunk(_affine(h, w_hh, b_hh), 3, dim=-1)
    r, z = vt.sigmoid(r_x + r_h), vt.sigmoid(z_x + z_h)
    n = vt.tanh(n_x + r * n_h)
    dn = d_out * (1 - z) * (1 - n * n)
    dr = dn * n_h * r * (1 - r)
    dz = d_out * (h - n) * z * (1 - z)
    dpre_x = vt.cat([dr, dz, dn], dim=-1)
    dpre_h = vt.cat([dr, dz, dn * r], dim=-1)
    bias = b_ih is not None
    return (
        dpre_x @ w_ih,
        d_out * z + dpre_h @ w_hh,
        dpre_x.T @ x,
        dpre_h.T @ h,
        dpre_x.sum(0) if bias else None,
        dpre_h.sum(0) if bias else None,
    )


def fused_gru_cell(
    x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None
) -> Tensor:
    """gru_cell as one op with a hand-written backward: returns h'."""
    return _batched(_GRUCell.apply, x, (h,), (w_ih, w_hh, b_ih, b_hh))


class _ElmanCell(Function):
    """(x, h, w_ih, w_hh, b_ih, b_hh) -> h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), act tanh
    or relu; act' is read off h': 1 - h'² (tanh) or [h' > 0] (relu, a selection)."""

    @staticmethod
    def forward(ctx, x, h, w_ih, w_hh, b_ih, b_hh, *, relu):
        pre = _affine_np(x, w_ih, b_ih)
        pre += _affine_np(h, w_hh, b_hh)
        out = np.maximum(pre, 0, out=pre) if relu else np.tanh(pre, out=pre)
        ctx.save_for_backward(x, h, w_ih, w_hh, b_ih, b_hh, out)
        ctx.relu = relu
        return out

    @staticmethod
    def backward(ctx, d_out):
        saved = ctx.saved_tensors
        if vt.is_grad_enabled():  # create_graph: the same formulas in Tensor ops
            return rnn_cell_backward_in_tensor_ops(*saved[:6], d_out, ctx.relu)
        x, h, w_ih, w_hh = (t.array for t in saved[:4])
        out, d_out = saved[6].array, d_out.array
        if ctx.relu:
            dpre = np.where(out > 0, d_out, np.zeros((), d_out.dtype))
        else:
            dpre = np.multiply(out, out)
            np.subtract(1, dpre, out=dpre)
            dpre *= d_out
        return _input_gradients(ctx, dpre, dpre, x, h, w_ih, w_hh, None)


def rnn_cell_backward_in_tensor_ops(x, h, w_ih, w_hh, b_ih, b_hh, d_out, relu) -> tuple:
    """_ElmanCell's backward, recorded: δa = δh' act'(a) (a recomputed from the inputs),
    δx = δa W_ih, δh = δa W_hh, δW_ih = δaᵀ x, δW_hh = δaᵀ h, δb = Σ_batch δa."""
    pre = _affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh)
    if relu:
        dpre = vt.where(pre > 0, d_out, 0.0)
    else:
        out = vt.tanh(pre)
        dpre = d_out * (1 - out * out)
    db = None if b_ih is None else dpre.sum(0)
    return (
        dpre @ w_ih,
        dpre @ w_hh,
        dpre.T @ x,
        dpre.T @ h,
        db,
        None if db is None else db.clone(),
    )


_tanh_cell_apply = functools.partial(_ElmanCell.apply, relu=False)
_relu_cell_apply = functools.partial(_ElmanCell.apply, relu=True)


def fused_rnn_tanh_cell(
    x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None
) -> Tensor:
    """rnn_tanh_cell as one op with a hand-written backward: returns h'."""
    return _batched(_tanh_cell_apply, x, (h,), (w_ih, w_hh, b_ih, b_hh))


def fused_rnn_relu_cell(
    x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Bias = None, b_hh: Bias = None
) -> Tensor:
    """rnn_relu_cell as one op with a hand-written backward: returns h'."""
    return _batched(_relu_cell_apply, x, (h,), (w_ih, w_hh, b_ih, b_hh))


FUSED_CELLS = {
    "RNN_TANH": fused_rnn_tanh_cell,
    "RNN_RELU": fused_rnn_relu_cell,
    "LSTM": fused_lstm_cell,
    "GRU": fused_gru_cell,
}
