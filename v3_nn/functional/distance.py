"""Distances between vectors, as torch.nn.functional: pairwise_distance and cosine_similarity.

Both reduce over one dim with a vector norm. The norm is one Function whose backward is
torch's `norm_backward` written with Tensor ops, so it is differentiable again (triplet
losses take second derivatives through it) and it has torch's values at the corners:
no gradient where the norm is 0, an equal share for ties of the infinity norm.
"""

from __future__ import annotations

import math

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function


class _VectorNorm(Function):
    """||x||_p over one dim: (sum |x|^p)^(1/p); p = inf: max |x|; -inf: min |x|; 0: count."""

    @staticmethod
    def forward(ctx, x: np.ndarray, p: float, dim: int, keepdim: bool) -> np.ndarray:
        a = np.abs(x)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if p == 2:
                out = np.sqrt((x * x).sum(axis=dim, keepdims=keepdim))
            elif p == 1:
                out = a.sum(axis=dim, keepdims=keepdim)
            elif p == math.inf:
                out = a.max(axis=dim, keepdims=keepdim)
            elif p == -math.inf:
                out = a.min(axis=dim, keepdims=keepdim)
            elif p == 0:
                out = (x != 0).sum(axis=dim, keepdims=keepdim).astype(x.dtype)
            else:
                out = (a**p).sum(axis=dim, keepdims=keepdim) ** (1.0 / p)
        ctx.p, ctx.dim, ctx.keepdim = p, dim, keepdim
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        # torch's norm_backward, term for term (masks select with where, never multiply)
        x, norm = ctx.saved_tensors
        p, dim = ctx.p, ctx.dim
        if not ctx.keepdim:
            grad, norm = grad.unsqueeze(dim), norm.unsqueeze(dim)
        if p == 0:
            return x * 0.0, None, None, None
        if p == 1:
            return x.sign() * grad, None, None, None
        zero = norm == 0
        if p == 2:
            return grad * vt.where(zero, 0.0, x / norm), None, None, None  # x / ||x||
        if math.isinf(p):
            magnitude = x.abs()
            mask = ((magnitude == norm).array | np.isnan(magnitude.array)).astype(x.dtype)
            mask = Tensor(mask)  # the arg-extremes share the gradient equally
            return x.sign() * ((grad / mask.sum(dim=dim, keepdim=True)) * mask), None, None, None
        if p < 1:
            scaled = x.sign() * vt.where(x == 0, 0.0, x.abs() ** (p - 1))
            return scaled * grad * norm ** (1 - p), None, None, None
        scaled = x.sign() * x.abs() ** (p - 1) if p < 2 else x * x.abs() ** (p - 2)
        return scaled * vt.where(zero, 0.0, grad / norm ** (p - 1)), None, None, None


def _vector_norm(x: Tensor, p: float, dim: int, keepdim: bool = False) -> Tensor:
    if x.dtype.kind != "f":
        x = x.to(vt.get_default_dtype())
    if x.ndim == 0:  # a 0-d tensor is one vector of one element, as in torch
        return _VectorNorm.apply(x.reshape(1), float(p), 0, False)
    return _VectorNorm.apply(x, float(p), dim % x.ndim, keepdim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim of the broadcast inputs (torch's formula)."""
    difference = x1 - x2 + eps
    return _vector_norm(difference, p, max(x1.ndim, x2.ndim) - 1, keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """<x1, x2> / (max(||x1||, eps) max(||x2||, eps)) over dim, each vector normalised first
    (torch's formula: the clamp is taken without a gradient, so it passes through)."""
    dtype = vt.dtypes.result_dtype(x1, x2)
    if dtype.kind != "f":
        raise RuntimeError(
            f"cosine_similarity: expected a floating point common dtype, got {dtype} "
            f"(inputs {x1.dtype} and {x2.dtype})"
        )
    x1, x2 = x1.to(dtype), x2.to(dtype)
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(
            f"cosine_similarity: shapes {tuple(x1.shape)} and {tuple(x2.shape)} do not broadcast"
        ) from None
    x1, x2 = x1.expand(shape), x2.expand(shape)
    norms = []
    for x in (x1, x2):
        norm = _vector_norm(x, 2.0, dim, keepdim=True).clone()
        with vt.no_grad():
            norm.clamp_(min=eps)
        norms.append(norm)
    return ((x1 / norms[0]) * (x2 / norms[1])).sum(dim=dim)
