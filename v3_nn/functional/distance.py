"""Norms and distances, as torch.nn.functional: normalize, cosine_similarity,
pairwise_distance and pdist, on one vector-norm op with torch's gradient.

    ||x||_p = (sum |x_i|^p)^(1/p),   ||x||_inf = max |x_i|,   ||x||_0 = #{x_i != 0}

The gradient is torch's norm_backward, written with Tensor ops (so it is differentiable
again): p = 2 gives x / ||x||, 0 where the norm is 0 (never the 0/0 of a composed sqrt);
p = 1 gives sign(x); p = inf spreads the gradient evenly over the entries that reach the
maximum; otherwise sign(x) |x|^(p-1) / ||x||^(p-1).
"""

from __future__ import annotations

import math

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function


def _norm_array(x: np.ndarray, p: float, dims: tuple[int, ...], keepdim: bool) -> np.ndarray:
    a = np.abs(x)
    if p == math.inf:
        return a.max(axis=dims, keepdims=keepdim, initial=0.0)
    if p == -math.inf:
        return a.min(axis=dims, keepdims=keepdim)
    if p == 0:
        return (x != 0).sum(axis=dims, keepdims=keepdim).astype(x.dtype)
    if p == 1:
        return a.sum(axis=dims, keepdims=keepdim)
    if p == 2:
        return np.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
    with np.errstate(divide="ignore"):
        return (a**p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)


class VectorNorm(Function):
    """||x||_p over dims; backward: torch's norm_backward in Tensor ops."""

    @staticmethod
    def forward(ctx, x, p: float, dims: tuple[int, ...], keepdim: bool, split_ties: bool):
        norm = _norm_array(x, p, dims, keepdim)
        ctx.save_for_backward(x, norm)
        ctx.p, ctx.dims, ctx.keepdim, ctx.split_ties = p, dims, keepdim, split_ties
        return norm

    @staticmethod
    def backward(ctx, grad):
        x, norm = ctx.saved_tensors
        p, dims = ctx.p, ctx.dims
        if not ctx.keepdim:
            for d in sorted(dims):
                grad, norm = grad.unsqueeze(d), norm.unsqueeze(d)
        if p == 0:
            return vt.zeros_like(x), None, None, None, None
        if p == 1:
            return x.sign() * grad, None, None, None, None
        zero = norm == 0
        if p == 2:
            return grad * (x / norm).masked_fill(zero, 0.0), None, None, None, None
        if math.isinf(p):
            a = x.abs()
            hit = ((a == norm) | (a != a)).to(x.dtype)  # the entries at the max (or NaN)
            share = grad / hit.sum(dim=dims, keepdim=True) if ctx.split_ties else grad
            return x.sign() * (share * hit), None, None, None, None
        if p < 1:
            scaled = x.sign() * x.abs().pow(p - 1).masked_fill(x == 0, 0.0)
            return scaled * grad * norm.pow(1 - p), None, None, None, None
        scaled = x.sign() * x.abs().pow(p - 1)
        scale = (grad / norm.pow(p - 1)).masked_fill(zero, 0.0)
        return scaled * scale, None, None, None, None


def vector_norm(
    x: Tensor, p: float = 2.0, dim=None, keepdim: bool = False, split_ties: bool = True
) -> Tensor:
    """torch.linalg.vector_norm(x, ord=p, dim, keepdim) with torch's gradient."""
    if dim is None or x.ndim == 0:
        dims = tuple(range(x.ndim))
    else:
        dims = tuple(
            d % x.ndim for d in ((dim,) if isinstance(dim, int | np.integer) else tuple(dim))
        )
    if x.dtype.kind != "f":
        raise RuntimeError(f"vector_norm: expected a floating point input, got {x.dtype}")
    return VectorNorm.apply(x, float(p), dims, keepdim, split_ties)


def _check_dim(op: str, dim: int, ndim: int) -> int:
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
            f"{max(ndim, 1) - 1}], but got {dim})"
        )
    return dim % max(ndim, 1)


def normalize(
    input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: None = None
) -> Tensor:
    """x / max(||x||_p, eps) along dim (torch.nn.functional.normalize)."""
    if out is not None:
        raise TypeError("normalize: out= is not supported in v3_nn")
    dim = _check_dim("normalize", dim, input.ndim)
    denominator = vector_norm(input, p, dim, keepdim=True).clamp_min(eps)
    return input / denominator


def _broadcast(op: str, x1: Tensor, x2: Tensor) -> tuple[Tensor, Tensor]:
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise RuntimeError(
            f"{op}: the shapes of x1 {tuple(x1.shape)} and x2 {tuple(x2.shape)} do not broadcast"
        ) from None
    if x1.dtype != x2.dtype:
        raise RuntimeError(f"{op}: x1 and x2 must share a dtype, got {x1.dtype} and {x2.dtype}")
    return x1.expand(shape), x2.expand(shape)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum(x1/||x1|| * x2/||x2||) along dim, each norm clamped below at eps.

    As torch does, each input is divided by its own norm first (the result stays in
    [-1, 1]) and the clamp is applied to the value only: the gradient is that of the norm.
    """
    x1, x2 = _broadcast("cosine_similarity", x1, x2)
    dim = _check_dim("cosine_similarity", dim, x1.ndim)

    def unit(x: Tensor) -> Tensor:
        norm = vector_norm(x, 2.0, dim, keepdim=True)
        clamped = vt.clamp_min(norm.detach(), eps)
        return x / (norm + (clamped - norm.detach()))  # value clamped, gradient the norm's

    return (unit(x1) * unit(x2)).sum(dim=dim)


def pairwise_distance(
    x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim (torch.nn.functional.pairwise_distance)."""
    if x1.dtype != x2.dtype:
        raise RuntimeError(
            f"pairwise_distance: x1 and x2 must share a dtype, got {x1.dtype} and {x2.dtype}"
        )
    difference = x1 - x2
    return vector_norm(difference + eps, p, max(difference.ndim - 1, 0), keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distance of every pair of rows i < j of an (N, M) input, in row order."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {input.dtype}")
    i, j = np.triu_indices(input.shape[0], k=1)
    # torch's pdist gives every entry at the maximum the whole gradient for p = inf
    return vector_norm(input[i] - input[j], p, 1, split_ties=False)
