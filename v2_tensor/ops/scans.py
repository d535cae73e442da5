"""Scans along one dim: cumsum, cumprod, cummax, cummin, logcumsumexp.

Each output element k reduces the elements 0..k of its slice. The backward of a scan is a
scan the other way: the gradient of x_i gathers every output at or after i, so it is a
cumulative sum taken from the end (`reverse_cumsum`), itself differentiable.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor
from .arithmetic import where
from .conventions import as_tensor_arg, one_dim, refuse_kinds, refuse_out, with_dtype
from .indexing import scatter_into_zeros
from .joins import cat

values_indices = namedtuple("values_indices", ["values", "indices"])


class Reverse(Function):
    """x with one dim in reverse order (a copy); its own backward."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int) -> np.ndarray:
        ctx.dim = dim
        return np.flip(x, dim).copy()

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return Reverse.apply(grad, ctx.dim), None


def reverse_cumsum(x: Tensor, dim: int) -> Tensor:
    """y_i = Σ_{k >= i} x_k: the cumulative sum from the end."""
    return Reverse.apply(Cumsum.apply(Reverse.apply(x, dim), dim), dim)


class Cumsum(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int, keep_dtype: bool = False) -> np.ndarray:
        ctx.dim = dim
        accumulate = x.dtype if keep_dtype or x.dtype.kind == "f" else np.int64
        return np.cumsum(x, axis=dim, dtype=accumulate)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return reverse_cumsum(grad, ctx.dim), None  # x_i is in every output k >= i


class Cumprod(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int, keep_dtype: bool = False) -> np.ndarray:
        ctx.dim = dim
        accumulate = x.dtype if keep_dtype or x.dtype.kind == "f" else np.int64
        out = np.cumprod(x, axis=dim, dtype=accumulate)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        d = ctx.dim
        if not (x.array == 0).any():  # ∂y_k/∂x_i = y_k / x_i for k >= i
            return reverse_cumsum(grad * out, d) / x, None
        # With zeros, no division: row i of a square holds x with x_i replaced by 1, and its
        # cumprod at k (k >= i) is ∂y_k/∂x_i. O(n²) per slice, as torch's zero case.
        xt, gt = x.transpose(d, -1), grad.transpose(d, -1)
        n = xt.shape[-1]
        rows = where(Tensor(np.eye(n, dtype=bool)), 1.0, xt.unsqueeze(-2))
        partial = Cumprod.apply(rows, rows.ndim - 1)
        later = Tensor(np.triu(np.ones((n, n), dtype=bool)))  # k >= i
        grad_x = where(later, partial * gt.unsqueeze(-2), 0.0).sum(-1)
        return grad_x.transpose(d, -1), None


def product_of_others(x: Tensor, dim: int) -> Tensor:
    """Π_{j != i} x_j along dim, without division (so right with zeros): the exclusive
    products from the start times those from the end."""
    xt = x.transpose(dim, -1)
    last = xt.ndim - 1
    ones = Tensor(np.ones((*xt.shape[:-1], 1), dtype=xt.dtype))
    before = Cumprod.apply(cat([ones, xt[..., :-1]], -1), last)
    after = Reverse.apply(
        Cumprod.apply(cat([ones, Reverse.apply(xt, last)[..., :-1]], -1), last), last
    )
    return (before * after).transpose(dim, -1)


class CumExtreme(Function):
    """cummax (CumMax) or cummin (CumMin): the running extreme and the index where it was
    reached (the latest of equal values, and a nan once seen, as torch); the gradient goes to
    that index."""

    accumulate: Any  # np.maximum or np.minimum

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int) -> tuple:
        values = ctx.function.accumulate.accumulate(x, axis=dim)
        reached = x == values
        if x.dtype.kind == "f":
            reached |= np.isnan(x)
        shape = [1] * x.ndim
        shape[dim] = x.shape[dim]
        positions = np.arange(x.shape[dim]).reshape(shape)
        indices = np.maximum.accumulate(np.where(reached, positions, 0), axis=dim)
        ctx.dim, ctx.indices, ctx.shape = dim, indices, x.shape
        return values, indices.astype(np.int64)

    @staticmethod
    def backward(ctx: Context, grad: Tensor, _: Tensor) -> tuple:
        return scatter_into_zeros(grad, ctx.dim, ctx.indices, ctx.shape), None


class CumMax(CumExtreme):
    accumulate = np.maximum


class CumMin(CumExtreme):
    accumulate = np.minimum


class LogCumSumExp(Function):
    """y_k = log Σ_{j <= k} e^(x_j), accumulated pairwise by logaddexp: no overflow."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int) -> np.ndarray:
        ctx.dim = dim
        with np.errstate(invalid="ignore"):
            out = np.logaddexp.accumulate(x, axis=dim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        d = ctx.dim
        # ∂L/∂x_i = Σ_{k >= i} g_k e^(x_i - y_k), summed in log space from the end; the
        # positive and negative parts of g apart, as torch does, so nothing overflows
        lowest = float(np.finfo(grad.dtype).min) / 4  # log 0, finite; /4: x + it can't overflow
        log_abs = grad.abs().log()
        positive = where(grad > 0, log_abs, lowest)
        negative = where(grad < 0, log_abs, lowest)

        def from_end(v: Tensor) -> Tensor:
            return Reverse.apply(LogCumSumExp.apply(Reverse.apply(v, d), d), d)

        return (from_end(positive - out) + x).exp() - (from_end(negative - out) + x).exp(), None


def _scan(op: str, function: type[Function], x: Tensor, dim: int, **kwargs: Any) -> Any:
    """A scan along dim; a 0-d tensor is scanned as one element, as in torch."""
    if x.ndim == 0:
        result = function.apply(x.reshape(1), 0, **kwargs)
        if isinstance(result, tuple):
            return tuple(r.reshape(()) for r in result)
        return result.reshape(())
    return function.apply(x, dim, **kwargs)


def cumsum(
    input: Tensor, dim: Any = None, *, dtype: Any = None, axis: Any = None, out: Any = None
) -> Tensor:
    """y_k = Σ_{j <= k} x_j along dim; integers and bools give int64, as torch."""
    refuse_out("cumsum", out)
    x = with_dtype("cumsum", as_tensor_arg("cumsum", input), dtype)
    dim = one_dim("cumsum", dim, axis, x.ndim)
    return _scan("cumsum", Cumsum, x, dim, keep_dtype=dtype is not None)


def cumprod(
    input: Tensor, dim: Any = None, *, dtype: Any = None, axis: Any = None, out: Any = None
) -> Tensor:
    """y_k = Π_{j <= k} x_j along dim; integers and bools give int64, as torch."""
    refuse_out("cumprod", out)
    x = with_dtype("cumprod", as_tensor_arg("cumprod", input), dtype)
    dim = one_dim("cumprod", dim, axis, x.ndim)
    return _scan("cumprod", Cumprod, x, dim, keep_dtype=dtype is not None)


def cummax(input: Tensor, dim: Any = None, *, axis: Any = None, out: Any = None) -> values_indices:
    """The running maximum along dim and the index where it was reached."""
    refuse_out("cummax", out)
    x = as_tensor_arg("cummax", input)
    return values_indices(*_scan("cummax", CumMax, x, one_dim("cummax", dim, axis, x.ndim)))


def cummin(input: Tensor, dim: Any = None, *, axis: Any = None, out: Any = None) -> values_indices:
    """The running minimum along dim and the index where it was reached."""
    refuse_out("cummin", out)
    x = as_tensor_arg("cummin", input)
    return values_indices(*_scan("cummin", CumMin, x, one_dim("cummin", dim, axis, x.ndim)))


def logcumsumexp(input: Tensor, dim: Any = None, *, axis: Any = None, out: Any = None) -> Tensor:
    refuse_out("logcumsumexp", out)
    x = as_tensor_arg("logcumsumexp", input)
    refuse_kinds("logcumsumexp", x, "biu", "; logcumsumexp needs a floating point input")
    return _scan("logcumsumexp", LogCumSumExp, x, one_dim("logcumsumexp", dim, axis, x.ndim))
