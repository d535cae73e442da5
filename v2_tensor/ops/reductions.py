"""Reductions over dims (sum, mean, max, var, logsumexp) and the softmax family."""

from __future__ import annotations

import builtins
import math
from collections import namedtuple
from collections.abc import Callable
from typing import Any

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor
from .arithmetic import maximum, minimum
from .conventions import read_dims, with_dtype
from .dims import kept_shape, normalize_dim, normalize_dims
from .indexing import scatter_into_zeros

values_indices = namedtuple("values_indices", ["values", "indices"])


def _spread(grad: Tensor, ctx: Context) -> Tensor:
    """A reduction's output gradient, reshaped to keepdim form so it broadcasts over the input."""
    return grad if ctx.keepdim else grad.reshape(kept_shape(ctx.shape, ctx.dims))


def _remember(ctx: Context, x: np.ndarray, dims: tuple[int, ...], keepdim: bool) -> None:
    ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim


class Sum(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple, keepdim: bool) -> np.ndarray:
        _remember(ctx, x, dims, keepdim)
        return x.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return _spread(grad, ctx).expand(ctx.shape), None, None  # each input counted once


class Mean(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple, keepdim: bool) -> np.ndarray:
        _remember(ctx, x, dims, keepdim)
        ctx.count = math.prod(x.shape[d] for d in dims)
        return x.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return (_spread(grad, ctx) / ctx.count).expand(ctx.shape), None, None


class Extreme(Function):
    """The max (Amax) or min (Amin) over dims, also max()/min() of the whole tensor: the
    gradient is shared evenly among the elements that tie for the extreme, as in torch."""

    reduce: Callable[..., np.ndarray]  # np.amax or np.amin

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple, keepdim: bool) -> np.ndarray:
        _remember(ctx, x, dims, keepdim)
        if x.size == 0:
            raise RuntimeError(f"{ctx.name.lower()}: the tensor has no elements")
        out = ctx.function.reduce(x, axis=dims, keepdims=True)
        ctx.save_for_backward(x == out)
        return out if keepdim else out.reshape([n for i, n in enumerate(x.shape) if i not in dims])

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (selected,) = ctx.saved_tensors
        share = selected.array / selected.array.sum(axis=ctx.dims, keepdims=True)
        return _spread(grad, ctx) * Tensor(share.astype(grad.dtype)), None, None


class Amax(Extreme):
    reduce = staticmethod(np.amax)


class Amin(Extreme):
    reduce = staticmethod(np.amin)


class ExtremeAlongDim(Function):
    """max(dim) (MaxAlongDim) or min(dim) (MinAlongDim): the values and the index of the first
    extreme; the gradient goes to that index only, as in torch."""

    pick: Callable[..., np.ndarray]  # np.argmax or np.argmin

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int, keepdim: bool) -> tuple:
        _remember(ctx, x, (dim,), keepdim)
        if x.shape[dim] == 0:
            raise IndexError(f"{ctx.name}: dim {dim} of shape {x.shape} has no elements")
        indices = ctx.function.pick(x, axis=dim, keepdims=True)
        values = np.take_along_axis(x, indices, axis=dim)
        ctx.dim, ctx.indices = dim, indices
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return values, indices.astype(np.int64)

    @staticmethod
    def backward(ctx: Context, grad: Tensor, _: Tensor) -> tuple:
        grad_x = scatter_into_zeros(_spread(grad, ctx), ctx.dim, ctx.indices, ctx.shape)
        return grad_x, None, None


class MaxAlongDim(ExtremeAlongDim):
    pick = staticmethod(np.argmax)


class MinAlongDim(ExtremeAlongDim):
    pick = staticmethod(np.argmin)


class Var(Function):
    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, dims: tuple, correction: int, keepdim: bool
    ) -> np.ndarray:
        _remember(ctx, x, dims, keepdim)
        ctx.save_for_backward(x)
        ctx.denominator = _degrees_of_freedom(x, dims, correction)
        return np.var(x, axis=dims, ddof=correction, keepdims=keepdim)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        centered = x - x.mean(ctx.dims, keepdim=True)
        # d/dx_i of Σ(x_j - mean)² / (N - c) = 2 (x_i - mean) / (N - c); nan for N <= c, as torch
        scale = 2.0 / ctx.denominator if ctx.denominator else np.nan
        return _spread(grad, ctx) * centered * scale, None, None, None


class Std(Function):
    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, dims: tuple, correction: int, keepdim: bool
    ) -> np.ndarray:
        _remember(ctx, x, dims, keepdim)
        ctx.denominator = _degrees_of_freedom(x, dims, correction)
        out = np.std(x, axis=dims, ddof=correction, keepdims=keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        s = _spread(out, ctx)
        spread = s != 0
        # ds/dx_i = (x_i - mean) / ((N - c) s); no gradient where s = 0 (as torch), not 0/0
        per_std = (_spread(grad, ctx) / s.where(spread, 1.0)).where(spread, 0.0)
        centered = x - x.mean(ctx.dims, keepdim=True)
        return per_std * centered / ctx.denominator, None, None, None


def _degrees_of_freedom(x: np.ndarray, dims: tuple, correction: int) -> int:
    """N - correction, the divisor of var and std (N elements per reduced slice)."""
    return builtins.max(math.prod(x.shape[d] for d in dims) - correction, 0)


class LogSumExp(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple, keepdim: bool) -> np.ndarray:
        _remember(ctx, x, dims, keepdim)
        shift = _finite_max(x, dims)
        with np.errstate(divide="ignore"):  # a row of -inf has logsumexp -inf
            out = np.log(np.exp(x - shift).sum(axis=dims, keepdims=True)) + shift
        out = out if keepdim else out.reshape([n for i, n in enumerate(x.shape) if i not in dims])
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        return _spread(grad, ctx) * (x - _spread(out, ctx)).exp(), None, None  # softmax


class Softmax(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple) -> np.ndarray:
        e = np.exp(x - _finite_max(x, dims))
        out = e / e.sum(axis=dims, keepdims=True)
        ctx.save_for_backward(out)
        ctx.dims = dims
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (out,) = ctx.saved_tensors
        # ds_i/dx_j = s_i (δ_ij - s_j), so the vector-Jacobian product is s * (g - Σ g s)
        return out * (grad - (grad * out).sum(ctx.dims, keepdim=True)), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple) -> np.ndarray:
        shifted = x - _finite_max(x, dims)
        out = shifted - np.log(np.exp(shifted).sum(axis=dims, keepdims=True))
        ctx.save_for_backward(out)
        ctx.dims = dims
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (out,) = ctx.saved_tensors
        # d(x_i - lse)/dx_j = δ_ij - softmax_j
        return grad - out.exp() * grad.sum(ctx.dims, keepdim=True), None


def _finite_max(x: np.ndarray, dims: tuple) -> np.ndarray:
    """The max over dims (keepdim), with infinities replaced by 0 so x - max is never nan."""
    shift = x.max(axis=dims, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    return np.where(np.isfinite(shift), shift, 0).astype(x.dtype)


def _require_float(op: str, x: Tensor) -> None:
    if x.array.dtype.kind != "f":
        raise RuntimeError(f"{op}: needs a floating point tensor, got {x.dtype}")


def max(  # noqa: A001
    input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False, *, axis: Any = None
) -> Any:
    """max() of all elements, (values, indices) along `dim`, or with a tensor in place of
    `dim` the elementwise maximum, as torch.max."""
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    dim = dim if axis is None else axis
    if dim is None:
        return Amax.apply(input, tuple(range(input.ndim)), False)
    return _extreme_along_dim("max", MaxAlongDim, input, dim, keepdim)


def min(  # noqa: A001
    input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False, *, axis: Any = None
) -> Any:
    """min() of all elements, (values, indices) along `dim`, or with a tensor in place of
    `dim` the elementwise minimum, as torch.min."""
    if isinstance(dim, Tensor):
        return minimum(input, dim)
    dim = dim if axis is None else axis
    if dim is None:
        return Amin.apply(input, tuple(range(input.ndim)), False)
    return _extreme_along_dim("min", MinAlongDim, input, dim, keepdim)


def _extreme_along_dim(
    op: str, function: type[ExtremeAlongDim], x: Tensor, dim: int, keepdim: bool
) -> values_indices:
    d = normalize_dim(op, dim, x.ndim)
    if x.ndim == 0:  # torch: a 0-d tensor is its own max along dim 0, at index 0
        x, keepdim = x.reshape(1), False
    return values_indices(*function.apply(x, d, keepdim))


def argmax(
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: Any = None
) -> Tensor:
    return _arg_extreme("argmax", np.argmax, input, dim if axis is None else axis, keepdim)


def argmin(
    input: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: Any = None
) -> Tensor:
    return _arg_extreme("argmin", np.argmin, input, dim if axis is None else axis, keepdim)


def _arg_extreme(op: str, pick: Callable, x: Tensor, dim: int | None, keepdim: bool) -> Tensor:
    if x.array.size == 0:
        raise RuntimeError(f"{op}: expected a non-empty tensor (shape {x.shape})")
    if dim is None:
        return Tensor(np.asarray(pick(x.array), dtype=np.int64))
    d = normalize_dim(op, dim, x.ndim)
    return Tensor(np.asarray(pick(x.array, axis=d, keepdims=keepdim)).astype(np.int64))


def var(
    input: Tensor,
    dim: Any = None,
    unbiased: bool = True,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    axis: Any = None,
) -> Tensor:
    """Variance with Bessel's correction by default (correction=1, i.e. unbiased=True)."""
    return _spread_of("var", Var, input, dim, unbiased, keepdim, correction, axis)


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: bool = True,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    axis: Any = None,
) -> Tensor:
    """The square root of var, with torch's gradient: 0 where all elements are equal."""
    return _spread_of("std", Std, input, dim, unbiased, keepdim, correction, axis)


def _spread_of(
    op: str,
    function: type[Function],
    x: Tensor,
    dim: Any,
    unbiased: Any,
    keepdim: bool,
    correction: int | None,
    axis: Any,
) -> Tensor:
    """var or std: torch's `unbiased` flag read as correction 1 or 0 unless one is given."""
    _require_float(op, x)
    if not isinstance(unbiased, bool):  # var(x, (0, 1)) style: the second positional is dim
        dim, unbiased = unbiased, True
    if correction is None:
        correction = 1 if unbiased else 0
    return function.apply(x, read_dims(op, x, dim, axis), correction, keepdim)


def logsumexp(input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Tensor:
    """log Σ exp(x) over dim, computed as max + log Σ exp(x - max): no overflow."""
    _require_float("logsumexp", input)
    return LogSumExp.apply(input, read_dims("logsumexp", input, dim, axis), keepdim)


def softmax(input: Tensor, dim: Any, dtype: Any = None) -> Tensor:
    x = with_dtype("softmax", input, dtype)
    _require_float("softmax", x)
    return Softmax.apply(x, normalize_dims("softmax", dim, x.ndim))


def log_softmax(input: Tensor, dim: Any, dtype: Any = None) -> Tensor:
    x = with_dtype("log_softmax", input, dtype)
    _require_float("log_softmax", x)
    return LogSoftmax.apply(x, normalize_dims("log_softmax", dim, x.ndim))
