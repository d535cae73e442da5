"""The CTC forward-backward algorithm in log space (Graves et al. 2006), vectorised over the
batch: one NumPy step per time step on (N, 2S+1) arrays.

A target l of length S is extended with blanks, l' = (b, l_1, b, l_2, ..., l_S, b), and a path
through the T steps may stay on a symbol, move to the next, or skip a blank between two
different labels. With y_t(c) = exp(log_probs[t, c]):

    alpha_t(s) = y_t(l'_s) (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [l'_s != l'_{s-2}] alpha_{t-1}(s-2))
    beta_t(s)  = y_t(l'_s) (beta_{t+1}(s) + beta_{t+1}(s+1) + [l'_s != l'_{s+2}] beta_{t+1}(s+2))
    p(l | x)   = alpha_{T-1}(2S) + alpha_{T-1}(2S-1),    loss = -log p(l | x)

each sum a log-sum-exp. The gradient is torch's: with nll the loss and g its upstream grad,

    d/d log_probs[t, c] = g (y_t(c) - exp(log sum_{s: l'_s = c} alpha_t(s) beta_t(s) + nll - lp))

which is the gradient through a log_softmax that produced log_probs (the y_t(c) term is what
log_softmax's backward would subtract). Steps at or after a sample's input length get 0.
"""

from __future__ import annotations

import numpy as np

NEG_INF = -np.inf


def _log_add(*terms: np.ndarray) -> np.ndarray:
    """log(sum exp(terms)) with torch's kernel's guard: a max of -inf is taken as 0."""
    top = terms[0]
    for term in terms[1:]:
        top = np.maximum(top, term)
    top = np.where(top == NEG_INF, 0.0, top)
    total = np.exp(terms[0] - top)
    for term in terms[1:]:
        total = total + np.exp(term - top)
    return np.log(total) + top


def extend_targets(targets: np.ndarray, target_lengths: np.ndarray, blank: int) -> tuple:
    """l' for every sample (N, 2S+1) with S the longest target, the mask of its valid states
    s <= 2 S_n, and where a skip over a blank is allowed (l'_s != l'_{s-2})."""
    batch = len(target_lengths)
    longest = int(target_lengths.max()) if batch else 0
    ext = np.full((batch, 2 * longest + 1), blank, dtype=np.int64)
    ext[:, 1::2] = targets[:, :longest]
    states = np.arange(2 * longest + 1)
    valid = states[None, :] <= 2 * target_lengths[:, None]
    skip = np.zeros_like(valid)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    return ext, valid, skip


def forward(
    log_probs: np.ndarray,
    ext: np.ndarray,
    valid: np.ndarray,
    skip: np.ndarray,
    input_lengths: np.ndarray,
    target_lengths: np.ndarray,
    blank: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The loss of each sample (N,) and log alpha (T, N, 2S+1)."""
    steps, batch, _ = log_probs.shape
    samples = np.arange(batch)
    lp_ext = np.take_along_axis(log_probs, np.broadcast_to(ext[None], (steps, *ext.shape)), 2)
    alpha = np.full(lp_ext.shape, NEG_INF, dtype=log_probs.dtype)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        alpha[0, :, 0] = log_probs[0, :, blank]
        if ext.shape[1] > 1:
            alpha[0, :, 1] = np.where(target_lengths > 0, lp_ext[0, :, 1], NEG_INF)
        stay = np.empty_like(alpha[0])
        for t in range(1, steps):
            prev = alpha[t - 1]
            step = np.full_like(prev, NEG_INF)
            step[:, 1:] = prev[:, :-1]
            stay[:] = NEG_INF
            stay[:, 2:] = prev[:, :-2]
            jump = np.where(skip, stay, NEG_INF)
            alpha[t] = np.where(valid, _log_add(prev, step, jump) + lp_ext[t], NEG_INF)
        last = alpha[np.maximum(input_lengths - 1, 0), samples]  # (N, 2S+1) at t = T_n - 1
        end_blank = last[samples, 2 * target_lengths]
        end_label = last[samples, np.maximum(2 * target_lengths - 1, 0)]
        log_likelihood = np.where(
            target_lengths == 0, end_blank, _log_add(end_blank, end_label)
        ).astype(log_probs.dtype)
        no_input = input_lengths == 0  # nothing to align: likelihood 1 if the target is empty
        log_likelihood[no_input] = np.where(target_lengths[no_input] == 0, 0.0, NEG_INF)
    return -log_likelihood, alpha


def backward(
    grad_out: np.ndarray,
    log_probs: np.ndarray,
    ext: np.ndarray,
    valid: np.ndarray,
    skip: np.ndarray,
    input_lengths: np.ndarray,
    target_lengths: np.ndarray,
    nll: np.ndarray,
    alpha: np.ndarray,
    blank: int,
    zero_infinity: bool,
) -> np.ndarray:
    """d loss / d log_probs (T, N, C), as torch's CPU kernel computes it."""
    steps, batch, classes = log_probs.shape
    lp_ext = np.take_along_axis(log_probs, np.broadcast_to(ext[None], (steps, *ext.shape)), 2)
    beta = np.full(lp_ext.shape, NEG_INF, dtype=log_probs.dtype)
    skip_ahead = np.zeros_like(skip)  # beta may skip from s + 2 to s when l'_s != l'_{s+2}
    skip_ahead[:, :-2] = skip[:, 2:]
    ends = np.flatnonzero(input_lengths > 0)
    end_states = 2 * target_lengths
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for t in range(steps - 1, -1, -1):
            if t < steps - 1:
                nxt = beta[t + 1]
                step = np.full_like(nxt, NEG_INF)
                step[:, :-1] = nxt[:, 1:]
                jump = np.full_like(nxt, NEG_INF)
                jump[:, :-2] = nxt[:, 2:]
                jump = np.where(skip_ahead, jump, NEG_INF)
                inside = valid & (t < input_lengths - 1)[:, None]
                beta[t] = np.where(inside, _log_add(nxt, step, jump) + lp_ext[t], NEG_INF)
            start = ends[input_lengths[ends] - 1 == t]  # samples whose last step is t
            if start.size:
                beta[t, start, end_states[start]] = log_probs[t, start, blank]
                labelled = start[target_lengths[start] > 0]
                beta[t, labelled, end_states[labelled] - 1] = lp_ext[
                    t, labelled, end_states[labelled] - 1
                ]
        # log sum over the states s with l'_s = c of alpha_t(s) beta_t(s), for every class c
        joint = alpha + beta
        top = joint.max(axis=2, keepdims=True)
        top = np.where(top == NEG_INF, 0.0, top)
        onehot = (ext[:, :, None] == np.arange(classes)) & valid[:, :, None]  # (N, 2S+1, C)
        collected = np.matmul(
            np.exp(joint - top).transpose(1, 0, 2), onehot.astype(log_probs.dtype)
        ).transpose(1, 0, 2)
        log_collected = np.log(collected) + top
        grad = (
            np.exp(log_probs) - np.exp(log_collected + nll[None, :, None] - log_probs)
        ) * grad_out[None, :, None]
    grad[np.arange(steps)[:, None] >= input_lengths[None, :]] = 0.0
    if zero_infinity:
        grad[:, nll == np.inf] = 0.0
    return grad.astype(log_probs.dtype, copy=False)
