"""Whole-sequence recurrences in NumPy with a hand-written backward through time.

Each kernel runs one layer in one direction over a (T, B, I) sequence. The input
projection x W_ih^T of every time step is one matmul before the loop, so the loop
only multiplies the (B, H) state by W_hh^T; backward walks the steps in reverse,
collects the pre-activation gradients of every step in one (T, B, G) array and
turns them into dx, dW_ih and dW_hh with three matmuls after the loop.

`*_forward` returns the outputs and a cache; `*_backward` takes the cache and the
gradients of the outputs and returns the gradients of the forward's array
arguments, in order (None for an absent bias).
"""

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * x) + 0.5  # σ(x) = (1 + tanh(x/2)) / 2, never overflows


def _previous(first: np.ndarray, states: np.ndarray) -> np.ndarray:
    """[s_0, ..., s_{T-1}] from the initial state s_0 and the stacked states s_1..s_T."""
    return np.concatenate([first[None], states[:-1]])


def _second(db):
    """b_hh's gradient equals b_ih's; it is returned as its own array, because two leaves
    handed one array would both adopt it as .grad (and a later accumulation into one would
    change the other)."""
    return None if db is None else db.copy()


def _weight_gradients(dpre_x, x, dpre_h, h_prev):
    """dW_ih and dW_hh of pre = x_t W_ih^T + h_{t-1} W_hh^T, summed over all steps."""
    dw_ih = dpre_x.reshape(-1, dpre_x.shape[-1]).T @ x.reshape(-1, x.shape[-1])
    dw_hh = dpre_h.reshape(-1, dpre_h.shape[-1]).T @ h_prev.reshape(-1, h_prev.shape[-1])
    return dw_ih, dw_hh


def _input_projection(x, w_ih, bias):
    # np.dot on 2-D keeps BLAS even when the input size is 1 (matmul then takes a slow loop)
    pre_x = np.dot(x.reshape(-1, x.shape[-1]), w_ih.T).reshape(x.shape[:-1] + w_ih.shape[:1])
    if bias is not None:
        pre_x += bias
    return pre_x


# ------------------------------------------------------------------ Elman RNN
# h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh),  act = tanh or relu


def rnn_forward(x, h0, w_ih, w_hh, b_ih, b_hh, nonlinearity):
    pre_x = _input_projection(x, w_ih, None if b_ih is None else b_ih + b_hh)
    hs = np.empty(x.shape[:2] + h0.shape[-1:], dtype=x.dtype)
    h = h0
    for t in range(len(x)):
        pre = pre_x[t] + h @ w_hh.T
        h = np.tanh(pre, out=hs[t]) if nonlinearity == "tanh" else np.maximum(pre, 0, out=hs[t])
    return (hs, h), (x, h0, w_ih, w_hh, b_ih is not None, nonlinearity, hs)


def rnn_backward(cache, dhs, dh_n):
    x, h0, w_ih, w_hh, has_bias, nonlinearity, hs = cache
    # tanh' = 1 - h_t², relu' = [h_t > 0]: both read off the output
    act_grad = 1 - hs * hs if nonlinearity == "tanh" else (hs > 0).astype(hs.dtype)
    dpre = np.empty_like(hs)
    dh = dh_n
    for t in reversed(range(len(x))):
        np.multiply(dh + dhs[t], act_grad[t], out=dpre[t])
        dh = dpre[t] @ w_hh
    dw_ih, dw_hh = _weight_gradients(dpre, x, dpre, _previous(h0, hs))
    db = dpre.sum((0, 1)) if has_bias else None
    return dpre @ w_ih, dh, dw_ih, dw_hh, db, _second(db)


# ------------------------------------------------------------------ LSTM
# [i, f, g, o] = [σ, σ, tanh, σ](x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
# c_t = f c_{t-1} + i g,   h_t = o tanh(c_t)
#
# σ(a) = ½ tanh(½ a) + ½ and tanh(a) = 1 tanh(1 a) + 0, so all four gates are one
# call: gate = m tanh(m a) + s with m = ½ (i, f, o) or 1 (g), s = ½ or 0, and the
# local derivative is read off the gate: d gate / d a = m² - (gate - s)².


def _gate_constants(hidden: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    scale = np.repeat(np.array([0.5, 0.5, 1.0, 0.5], dtype=dtype), hidden)
    shift = np.repeat(np.array([0.5, 0.5, 0.0, 0.5], dtype=dtype), hidden)
    return scale, shift


def lstm_forward(x, h0, c0, w_ih, w_hh, b_ih, b_hh):
    steps, batch = x.shape[:2]
    hidden = h0.shape[-1]
    scale, shift = _gate_constants(hidden, x.dtype)
    pre_x = _input_projection(x, w_ih, None if b_ih is None else b_ih + b_hh)
    pre_x *= scale
    w_hh_t = (w_hh * scale[:, None]).T
    gates = np.empty((steps, batch, 4 * hidden), dtype=x.dtype)
    cs = np.empty((steps, batch, hidden), dtype=x.dtype)
    tanh_cs = np.empty_like(cs)
    hs = np.empty_like(cs)
    h, c = h0, c0
    for t in range(steps):
        gate = np.matmul(h, w_hh_t, out=gates[t])
        gate += pre_x[t]
        np.tanh(gate, out=gate)
        gate *= scale
        gate += shift
        i, f, g, o = (gate[:, k * hidden : (k + 1) * hidden] for k in range(4))
        c = np.add(f * c, i * g, out=cs[t])
        h = np.multiply(o, np.tanh(c, out=tanh_cs[t]), out=hs[t])
    cache = (x, h0, c0, w_ih, w_hh, b_ih is not None, gates, cs, tanh_cs, hs)
    return (hs, h, c), cache


def lstm_backward(cache, dhs, dh_n, dc_n):
    x, h0, c0, w_ih, w_hh, has_bias, gates, cs, tanh_cs, hs = cache
    scale, shift = _gate_constants(h0.shape[-1], x.dtype)
    act_grad = scale * scale - (gates - shift) ** 2
    i, f, g, o = np.split(gates, 4, axis=2)
    c_prev = _previous(c0, cs)
    dpre = np.empty_like(gates)
    di, df, dg, do = np.split(dpre, 4, axis=2)
    dh, dc = dh_n, dc_n
    for t in reversed(range(len(x))):
        dh = dh + dhs[t]
        np.multiply(dh, tanh_cs[t], out=do[t])
        dc = dc + dh * o[t] * (1 - tanh_cs[t] * tanh_cs[t])  # h = o tanh(c)
        np.multiply(dc, g[t], out=di[t])  # c = f c_prev + i g
        np.multiply(dc, c_prev[t], out=df[t])
        np.multiply(dc, i[t], out=dg[t])
        dc = dc * f[t]
        dpre[t] *= act_grad[t]
        dh = dpre[t] @ w_hh
    dw_ih, dw_hh = _weight_gradients(dpre, x, dpre, _previous(h0, hs))
    db = dpre.sum((0, 1)) if has_bias else None
    return dpre @ w_ih, dh, dc, dw_ih, dw_hh, db, _second(db)


# ------------------------------------------------------------------ GRU
# r, z = σ(x_t W_i{r,z}^T + b_i{r,z} + h_{t-1} W_h{r,z}^T + b_h{r,z})
# n = tanh(x_t W_in^T + b_in + r (h_{t-1} W_hn^T + b_hn)),   h_t = (1 - z) n + z h_{t-1}


def gru_forward(x, h0, w_ih, w_hh, b_ih, b_hh):
    steps, batch = x.shape[:2]
    hidden = h0.shape[-1]
    pre_x = _input_projection(x, w_ih, b_ih)
    gates = np.empty((steps, batch, 3 * hidden), dtype=x.dtype)
    hn = np.empty((steps, batch, hidden), dtype=x.dtype)  # h_{t-1} W_hn^T + b_hn
    hs = np.empty_like(hn)
    h = h0
    for t in range(steps):
        pre_h = _input_projection(h, w_hh, b_hh)
        rz = sigmoid(pre_x[t, :, : 2 * hidden] + pre_h[:, : 2 * hidden])
        gates[t, :, : 2 * hidden] = rz
        r, z = rz[:, :hidden], rz[:, hidden:]
        hn[t] = pre_h[:, 2 * hidden :]
        n = np.tanh(pre_x[t, :, 2 * hidden :] + r * hn[t], out=gates[t, :, 2 * hidden :])
        h = np.add(n, z * (h - n), out=hs[t])
    return (hs, h), (x, h0, w_ih, w_hh, b_ih is not None, gates, hn, hs)


def gru_backward(cache, dhs, dh_n):
    x, h0, w_ih, w_hh, has_bias, gates, hn, hs = cache
    r, z, n = np.split(gates, 3, axis=2)
    h_prev = _previous(h0, hs)
    dpre_x = np.empty_like(gates)
    dpre_h = np.empty_like(gates)
    dr, dz, dn = np.split(dpre_x, 3, axis=2)
    dh = dh_n
    for t in reversed(range(len(x))):
        dh = dh + dhs[t]
        np.multiply(dh * (1 - z[t]), 1 - n[t] * n[t], out=dn[t])  # through n
        np.multiply(dn[t] * hn[t], r[t] * (1 - r[t]), out=dr[t])
        np.multiply(dh * (h_prev[t] - n[t]), z[t] * (1 - z[t]), out=dz[t])
        dpre_h[t] = dpre_x[t]
        dpre_h[t, :, 2 * hn.shape[-1] :] *= r[t]  # r scales the whole (h W_hn^T + b_hn)
        dh = dh * z[t] + dpre_h[t] @ w_hh
    dw_ih, dw_hh = _weight_gradients(dpre_x, x, dpre_h, h_prev)
    db_ih = dpre_x.sum((0, 1)) if has_bias else None
    db_hh = dpre_h.sum((0, 1)) if has_bias else None
    return dpre_x @ w_ih, dh, dw_ih, dw_hh, db_ih, db_hh
