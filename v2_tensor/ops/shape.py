"""Ops that rearrange elements without changing them: reshape, permute, expand and friends."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..broadcast import unbroadcast
from ..function import Context, Function
from ..tensor import Tensor
from .dims import normalize_dim, normalize_dims


class Reshape(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad.reshape(ctx.shape), None


class Permute(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad.permute(tuple(np.argsort(ctx.dims).tolist())), None  # the inverse permutation


class Expand(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return unbroadcast(grad, ctx.shape), None


def _sizes(op: str, sizes: tuple) -> tuple[int, ...]:
    """Accept both f(2, 3) and f((2, 3)), as torch does."""
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
        sizes = tuple(sizes[0])
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise TypeError(f"{op}: sizes must be ints, got {sizes}")
    return tuple(int(n) for n in sizes)


def reshape(x: Tensor, *shape: Any) -> Tensor:
    shape = _sizes("reshape", shape)
    known = math.prod(n for n in shape if n != -1)
    free = shape.count(-1)
    if (
        free > 1
        or any(n < -1 for n in shape)
        or (x.data.size != known if free == 0 else known == 0 or x.data.size % known)
    ):
        raise RuntimeError(f"reshape: shape {shape} is invalid for input of shape {x.shape}")
    return Reshape.apply(x, shape)


view = reshape


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if x.ndim == 0:
        return reshape(x, 1)
    start = normalize_dim("flatten", start_dim, x.ndim)
    end = normalize_dim("flatten", end_dim, x.ndim)
    if start > end:
        raise RuntimeError("flatten: start_dim cannot come after end_dim")
    shape = x.shape
    return reshape(x, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


def permute(x: Tensor, *dims: Any) -> Tensor:
    dims = _sizes("permute", dims)
    normalized = tuple(normalize_dim("permute", d, x.ndim) for d in dims)
    if len(dims) != x.ndim or sorted(normalized) != list(range(x.ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the {x.ndim} dims")
    return Permute.apply(x, normalized)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    if x.ndim < 2 and {dim0, dim1} <= {0, -1}:
        return x
    dims = list(range(x.ndim))
    a, b = normalize_dim("transpose", dim0, x.ndim), normalize_dim("transpose", dim1, x.ndim)
    dims[a], dims[b] = dims[b], dims[a]
    return Permute.apply(x, tuple(dims))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    d = normalize_dim("unsqueeze", dim, x.ndim + 1)
    return Reshape.apply(x, (*x.shape[:d], 1, *x.shape[d:]))


def squeeze(x: Tensor, dim: Any = None) -> Tensor:
    """Drop size-1 dims (all of them, or those of `dim` that have size 1, as torch)."""
    dims = normalize_dims("squeeze", dim, x.ndim)
    shape = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return Reshape.apply(x, shape) if shape != x.shape else x


def expand(x: Tensor, *sizes: Any) -> Tensor:
    """A broadcast view: -1 keeps a dim, size-1 dims stretch, new dims may lead."""
    sizes = _sizes("expand", sizes)
    extra = len(sizes) - x.ndim
    if extra < 0:
        raise RuntimeError(f"expand: cannot expand shape {x.shape} to fewer dims {sizes}")
    shape = tuple(x.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(sizes))
    for i, n in enumerate(x.shape):
        if n != 1 and n != shape[extra + i]:
            raise RuntimeError(f"expand: cannot expand shape {x.shape} to {sizes}")
    if any(n < 0 for n in shape):
        raise RuntimeError(f"expand: invalid size in {sizes}")
    if shape == x.shape:
        return x
    return Expand.apply(x, shape)
