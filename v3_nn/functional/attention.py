"""Scaled dot-product attention, as torch.nn.functional.scaled_dot_product_attention.

    Attention(Q, K, V) = softmax(Q Kᵀ · scale + B) V,    scale = 1/√d by default

B is the additive bias built from the masks: 0 where a query may look at a key, -inf where
it may not (a boolean mask, a causal mask or a padding mask), or any float values the caller
adds. The whole of it is one fused op with a hand-written backward (M is the dropout
multiplier, 0 or 1/(1-p); dW the gradient arriving at the returned weights W = P ⊙ M):

    S = Q Kᵀ · scale + B      P = softmax(S)      W = P ⊙ M      O = W V
    dV = Wᵀ dO    dP = (dO Vᵀ + dW) ⊙ M    dS = P ⊙ (dP - rowsum(dP ⊙ P))
    dQ = dS K · scale    dK = dSᵀ Q · scale    dB = dS

A row whose keys are all masked gets zero weights, zero output and zero gradient, as torch's
CPU kernel does, never NaN.

The backward above is NumPy, the fast first-order path. When the backward itself is
recorded (`autograd.grad(..., create_graph=True)`, grad mode on inside the backward), the
same formulas run in Tensor ops instead, with P the output of `_AttentionWeights` (the
softmax of the scores as a function of Q, K and B, whose own backward is the last three
formulas in Tensor ops again), so attention has second and higher derivatives.
"""

from __future__ import annotations

import math

import numpy as np

import v2_tensor as vt
from v2_tensor.autograd import Function

# ---------------------------------------------------------------- NumPy kernels


def _softmax_rows(scores: np.ndarray) -> np.ndarray:
    """softmax over the last axis; rows that are all -inf give zeros instead of NaN."""
    row_max = scores.max(axis=-1, keepdims=True)
    row_max[~np.isfinite(row_max)] = 0.0
    e = np.exp(scores - row_max)
    total = e.sum(axis=-1, keepdims=True)
    total[total == 0] = 1.0
    return e / total


def _sum_to(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient back down to `shape`."""
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead))) if lead else grad
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True) if axes else grad


class _Attention(Function):
    """(q, k, v, bias) -> (output, weights); `keep` is the dropout multiplier (0 or 1/(1-p))."""

    @staticmethod
    def forward(ctx, q, k, v, bias, scale, keep):
        scores = (q @ np.swapaxes(k, -1, -2)) * scale
        if bias is not None:
            scores = scores + bias  # bias may broadcast to more batch dims
        p = _softmax_rows(scores)
        dropped = p if keep is None else p * keep
        ctx.save_for_backward(q, k, v, bias, p, dropped)
        ctx.scale, ctx.keep = scale, keep
        ctx.bias_shape = None if bias is None else (bias.shape, bias.dtype)
        return dropped @ v, dropped

    @staticmethod
    def backward(ctx, grad_out, grad_weights):
        if vt.is_grad_enabled():  # create_graph: the backward in Tensor ops, to differentiate
            return _backward_in_tensor_ops(ctx, grad_out, grad_weights)
        q, k, v, _, p, dropped = (None if t is None else t.array for t in ctx.saved_tensors)
        need_q, need_k, need_v, need_bias = ctx.needs_input_grad[:4]
        grad_out, grad_weights = grad_out.array, grad_weights.array
        dv = _sum_to(np.swapaxes(dropped, -1, -2) @ grad_out, v.shape) if need_v else None
        dp = grad_out @ np.swapaxes(v, -1, -2) + grad_weights
        if ctx.keep is not None:
            dp *= ctx.keep
        ds = p * (dp - (dp * p).sum(axis=-1, keepdims=True))  # softmax' = diag(p) - p pᵀ
        dq = _sum_to((ds @ k) * ctx.scale, q.shape) if need_q else None
        dk = _sum_to((np.swapaxes(ds, -1, -2) @ q) * ctx.scale, k.shape) if need_k else None
        dbias = None
        if need_bias:
            shape, dtype = ctx.bias_shape
            dbias = _sum_to(ds, shape).astype(dtype, copy=False)
        return dq, dk, dv, dbias, None, None


def _backward_in_tensor_ops(ctx, grad_out: vt.Tensor, grad_weights: vt.Tensor) -> tuple:
    """dV = Wᵀ dO, dP = (dO Vᵀ + dW) ⊙ M, then dQ, dK, dB through P (the engine sums each
    back over the batch dims its input was broadcast along)."""
    q, k, v, bias, p, _ = ctx.saved_tensors
    need_q, need_k, need_v, need_bias = ctx.needs_input_grad[:4]
    p = _AttentionWeights.apply(q, k, bias, p.array, ctx.scale)  # P(Q, K, B), differentiable
    keep = None if ctx.keep is None else vt.Tensor(ctx.keep)
    weights = p if keep is None else p * keep
    dv = weights.mT @ grad_out if need_v else None
    dp = grad_out @ v.mT + grad_weights
    if keep is not None:
        dp = dp * keep
    dq, dk, dbias = _AttentionWeights.gradients(q, k, p, dp, ctx.scale, (need_q, need_k, need_bias))
    return dq, dk, dv, dbias, None, None


class _AttentionWeights(Function):
    """(q, k, bias) -> P = softmax(Q Kᵀ · scale + B), its value `p` handed in (the attention
    forward computed it); the backward, dS = P ⊙ (dP - rowsum(dP ⊙ P)), dQ = dS K · scale,
    dK = dSᵀ Q · scale, dB = dS, is Tensor ops on P, its own output."""

    @staticmethod
    def forward(ctx, q, k, bias, p, scale):
        ctx.save_for_backward(q, k, p)
        ctx.scale = scale
        return p

    @staticmethod
    def backward(ctx, grad_p):
        q, k, p = ctx.saved_tensors
        dq, dk, dbias = _AttentionWeights.gradients(
            q, k, p, grad_p, ctx.scale, ctx.needs_input_grad[:3]
        )
        return dq, dk, dbias, None, None

    @staticmethod
    def gradients(q, k, p, dp, scale, needed) -> tuple:
        ds = p * (dp - (dp * p).sum(-1, keepdim=True))  # softmax' = diag(p) - p pᵀ
        need_q, need_k, need_bias = needed
        dq = (ds @ k) * scale if need_q else None
        dk = (ds.mT @ q) * scale if need_k else None
        return dq, dk, ds if need_bias else None


# ---------------------------------------------------------------- public functions


def _as_tensor(x: vt.Tensor | np.ndarray) -> vt.Tensor:
    return x if isinstance(x, vt.Tensor) else vt.Tensor(np.asarray(x))


def attention(
    query: vt.Tensor,
    key: vt.Tensor,
    value: vt.Tensor,
    bias: vt.Tensor | None = None,
    dropout_p: float = 0.0,
    scale: float | None = None,
) -> tuple[vt.Tensor, vt.Tensor]:
    """softmax(Q Kᵀ · scale + bias) V and the (dropped-out) weights, both differentiable.

    The core that scaled_dot_product_attention and MultiheadAttention share. Batch dims of
    query, key, value and bias broadcast; bias is additive (-inf to mask a key).
    """
    _check_qkv(query, key, value)
    L, S = query.shape[-2], key.shape[-2]
    batch = _broadcast_batch(query, key, value)
    if bias is not None:
        if bias.ndim < 2 or _broadcasts(bias.shape[-2:], (L, S)) is None:
            raise RuntimeError(
                f"scaled_dot_product_attention: attn_mask of shape {tuple(bias.shape)} does not "
                f"broadcast to the attention weights' ({L}, {S})"
            )
        batch = _broadcasts(batch, bias.shape[:-2])
        if batch is None:
            raise RuntimeError(
                f"scaled_dot_product_attention: attn_mask of shape {tuple(bias.shape)} does not "
                f"broadcast over the batch dims of query {tuple(query.shape)}"
            )
        if bias.dtype != query.dtype:  # torch takes a float32 mask for any query dtype
            if bias.dtype != np.float32:
                raise RuntimeError(
                    "scaled_dot_product_attention: a float attn_mask must be float32 or match "
                    f"the query dtype, got attn_mask {bias.dtype} and query {query.dtype}"
                )
            bias = bias.to(query.dtype)
    if not 0.0 <= dropout_p <= 1.0:
        raise RuntimeError(
            f"scaled_dot_product_attention: dropout probability has to be between 0 and 1, "
            f"but got {dropout_p}"
        )
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    keep = None
    if dropout_p > 0.0:
        kept = vt.random.generator().random((*batch, L, S)) >= dropout_p
        keep = kept / (1.0 - dropout_p) if dropout_p < 1.0 else np.zeros_like(kept, float)
        keep = keep.astype(query.dtype)
    return _Attention.apply(query, key, value, bias, scale, keep)


def scaled_dot_product_attention(
    query: vt.Tensor,
    key: vt.Tensor,
    value: vt.Tensor,
    attn_mask: vt.Tensor | np.ndarray | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> vt.Tensor:
    """torch.nn.functional.scaled_dot_product_attention: (..., L, E) x (..., S, E) x (..., S, Ev).

    attn_mask: bool (True = may attend) or float (added to the scores), broadcastable to
    (..., L, S). is_causal: query i sees keys j <= i (top-left aligned, as torch).
    enable_gqa: grouped-query attention, the heads (dim -3) of key and value each repeated
    to the query's number of heads (every key head serves Hq / Hk consecutive query heads).
    """
    _check_qkv(query, key, value)
    if attn_mask is not None and is_causal:
        raise RuntimeError(
            "scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=True"
        )
    if enable_gqa:
        key, value = _repeat_heads(query, key), _repeat_heads(query, value)
    L, S = query.shape[-2], key.shape[-2]
    if is_causal:
        bias = _bias_where(~np.tri(L, S, dtype=bool), query.dtype)
    elif attn_mask is None:
        bias = None
    else:
        attn_mask = _as_tensor(attn_mask)
        if attn_mask.dtype == np.bool_:
            bias = _bias_where(~attn_mask.array, query.dtype)
        elif np.issubdtype(attn_mask.dtype, np.floating):
            bias = attn_mask
        else:
            raise RuntimeError(
                "scaled_dot_product_attention: attn_mask must be bool or floating point, "
                f"got {attn_mask.dtype}"
            )
    output, _ = attention(query, key, value, bias, dropout_p, scale)
    return output


def _repeat_heads(query: vt.Tensor, x: vt.Tensor) -> vt.Tensor:
    """x's heads (dim -3) repeated in place to the query's count (torch's repeat_interleave)."""
    if query.ndim < 3 or x.ndim < 3:
        raise IndexError(
            "scaled_dot_product_attention: enable_gqa needs a heads dim -3 in query, key and "
            f"value, got query {tuple(query.shape)} and {tuple(x.shape)}"
        )
    heads, kv_heads = query.shape[-3], x.shape[-3]
    if heads % kv_heads:
        raise RuntimeError(
            "scaled_dot_product_attention: number of heads in key and value must divide the "
            f"number of heads in query, got {kv_heads} and {heads}"
        )
    repeats = heads // kv_heads
    if repeats == 1:
        return x
    *lead, s, e = x.shape
    expanded = x.unsqueeze(-3).expand(*lead, repeats, s, e)
    return expanded.reshape(*lead[:-1], heads, s, e)


def _bias_where(masked_out: np.ndarray, dtype: np.dtype) -> vt.Tensor:
    """The additive bias of a boolean mask: -inf where masked out, 0 elsewhere."""
    return vt.Tensor(np.where(masked_out, -np.inf, 0.0).astype(dtype))


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...] | None:
    try:
        return np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        return None


def _broadcast_batch(query: vt.Tensor, key: vt.Tensor, value: vt.Tensor) -> tuple[int, ...]:
    batch = _broadcasts(query.shape[:-2], key.shape[:-2])
    batch = None if batch is None else _broadcasts(batch, value.shape[:-2])
    if batch is None:
        raise RuntimeError(
            "scaled_dot_product_attention: batch dims of query "
            f"{tuple(query.shape)}, key {tuple(key.shape)} and value {tuple(value.shape)} "
            "do not broadcast"
        )
    return batch


def _check_qkv(query: vt.Tensor, key: vt.Tensor, value: vt.Tensor) -> None:
    shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
    if min(query.ndim, key.ndim, value.ndim) < 2:
        raise RuntimeError(
            f"scaled_dot_product_attention: expected query, key and value to be at least 2-D, "
            f"got {shapes}"
        )
    if not query.dtype == key.dtype == value.dtype:
        raise RuntimeError(
            "scaled_dot_product_attention: expected query, key and value to have the same dtype, "
            f"got {query.dtype}, {key.dtype} and {value.dtype}"
        )
    if not np.issubdtype(query.dtype, np.floating):
        raise RuntimeError(
            f"scaled_dot_product_attention: expected floating point inputs, got {query.dtype}"
        )
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention: query and key must share their last dim, got {shapes}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            "scaled_dot_product_attention: key and value must have the same sequence length, "
            f"got {shapes}"
        )
