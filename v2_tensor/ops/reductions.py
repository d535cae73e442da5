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
from .conventions import (
    as_tensor_arg,
    floating,
    one_dim,
    read_dims,
    refuse_kinds,
    refuse_out,
    with_dtype,
)
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
    def forward(
        ctx: Context, x: np.ndarray, dims: tuple, keepdim: bool, keep_dtype: bool = False
    ) -> np.ndarray:
        _remember(ctx, x, dims, keepdim)
        return x.sum(axis=dims, keepdims=keepdim, dtype=_integer_result(x, keep_dtype))

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
        if x.size == 0 and (not dims or builtins.any(x.shape[d] == 0 for d in dims)):
            if len(dims) == x.ndim:
                raise RuntimeError(
                    f"{ctx.name.lower()}: the tensor has no elements (shape {x.shape}); give the "
                    "reduction a dim"
                )
            raise IndexError(
                f"{ctx.name.lower()}: expected the reduced dims {dims} of shape {x.shape} to "
                "have non-zero size"
            )
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
    """torch has no integer kernel of var, std, softmax, ...: NotImplementedError."""
    if x.array.dtype.kind != "f":
        raise NotImplementedError(f"{op}: needs a floating point tensor, got {x.dtype}")


def max(  # noqa: A001
    input: Tensor,
    dim: int | Tensor | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    out: Any = None,
) -> Any:
    """max() of all elements, (values, indices) along `dim`, or with a tensor in place of
    `dim` the elementwise maximum, as torch.max."""
    refuse_out("max", out)
    if isinstance(dim, Tensor):
        return maximum(input, dim)
    dim = dim if axis is None else axis
    if dim is None:
        return Amax.apply(input, tuple(range(input.ndim)), False)
    return _extreme_along_dim("max", MaxAlongDim, input, dim, keepdim)


def min(  # noqa: A001
    input: Tensor,
    dim: int | Tensor | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    out: Any = None,
) -> Any:
    """min() of all elements, (values, indices) along `dim`, or with a tensor in place of
    `dim` the elementwise minimum, as torch.min."""
    refuse_out("min", out)
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
    input: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    out: Any = None,
) -> Tensor:
    refuse_out("argmax", out)
    return _arg_extreme("argmax", np.argmax, input, dim if axis is None else axis, keepdim)


def argmin(
    input: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    out: Any = None,
) -> Tensor:
    refuse_out("argmin", out)
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
    out: Any = None,
) -> Tensor:
    """Variance with Bessel's correction by default (correction=1, i.e. unbiased=True)."""
    refuse_out("var", out)
    return _spread_of("var", Var, input, dim, unbiased, keepdim, correction, axis)


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: bool = True,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    axis: Any = None,
    out: Any = None,
) -> Tensor:
    """The square root of var, with torch's gradient: 0 where all elements are equal."""
    refuse_out("std", out)
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


def logsumexp(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, out: Any = None
) -> Tensor:
    """log Σ exp(x) over dim, computed as max + log Σ exp(x - max): no overflow (integers
    are computed in the default float dtype, as torch)."""
    refuse_out("logsumexp", out)
    input = floating(as_tensor_arg("logsumexp", input))
    return LogSumExp.apply(input, read_dims("logsumexp", input, dim, axis), keepdim)


def softmax(input: Tensor, dim: Any, dtype: Any = None, *, out: Any = None) -> Tensor:
    refuse_out("softmax", out)
    x = with_dtype("softmax", input, dtype)
    _require_float("softmax", x)
    return Softmax.apply(x, normalize_dims("softmax", dim, x.ndim))


def log_softmax(input: Tensor, dim: Any, dtype: Any = None, *, out: Any = None) -> Tensor:
    refuse_out("log_softmax", out)
    x = with_dtype("log_softmax", input, dtype)
    _require_float("log_softmax", x)
    return LogSoftmax.apply(x, normalize_dims("log_softmax", dim, x.ndim))


# ---- products, counts and truth ---------------------------------------------------------------


def _integer_result(x: np.ndarray, keep_dtype: bool = False) -> Any:
    """The accumulator dtype torch uses: integers and bools sum and multiply in int64, unless
    the op was given a dtype= (x is then already in it, and the result keeps it)."""
    if keep_dtype:
        return x.dtype
    return np.int64 if x.dtype.kind in "biu" else None


class Prod(Function):
    """Π over one dim (dim None: over every element)."""

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, dim: int | None, keepdim: bool, keep_dtype: bool = False
    ) -> np.ndarray:
        dims = tuple(range(x.ndim)) if dim is None else (dim,)
        _remember(ctx, x, dims, keepdim)
        out = np.prod(x, axis=dims, keepdims=keepdim, dtype=_integer_result(x, keep_dtype))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, out = ctx.saved_tensors
        g = _spread(grad, ctx)
        if not (x.array == 0).any():  # ∂/∂x_i Π x = Π x / x_i
            return g * _spread(out, ctx) / x, None, None
        # with zeros, the product of the others: exclusive products from both ends
        from .scans import product_of_others

        if len(ctx.dims) == 1:
            return g * product_of_others(x, ctx.dims[0]), None, None
        return g * product_of_others(x.reshape(-1), 0).reshape(x.shape), None, None


def prod(
    input: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    out: Any = None,
) -> Tensor:
    """The product of all elements, or along one dim; integers and bools give int64."""
    refuse_out("prod", out)
    x = with_dtype("prod", as_tensor_arg("prod", input), dtype)
    if axis is not None or dim is not None:
        if isinstance(dim if axis is None else axis, tuple | list):
            raise TypeError("prod(): argument 'dim' must be int, not a tuple (one dim at a time)")
        d = one_dim("prod", dim, axis, x.ndim)
        if x.ndim == 0:
            return Prod.apply(x, None, False, keep_dtype=dtype is not None)
        return Prod.apply(x, d, keepdim, keep_dtype=dtype is not None)
    return Prod.apply(x, None, False, keep_dtype=dtype is not None)


def _truth(op: str, reduce: Callable) -> Callable:
    def truth(
        input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, out: Any = None
    ) -> Tensor:
        refuse_out(op, out)
        x = as_tensor_arg(op, input)
        dims = read_dims(op, x, dim, axis)
        result = reduce(x.array.astype(bool), axis=dims, keepdims=keepdim)
        # as torch: a uint8 tensor answers in uint8, everything else in bool
        return Tensor(np.asarray(result, dtype=np.uint8 if x.dtype == np.uint8 else np.bool_))

    truth.__name__ = op
    truth.__doc__ = f"Is {'any' if op == 'any' else 'every'} element nonzero (over dim)?"
    return truth


any = _truth("any", np.any)  # noqa: A001
all = _truth("all", np.all)  # noqa: A001


def count_nonzero(input: Tensor, dim: Any = None) -> Tensor:
    """The number of nonzero elements (over dim, an int or a tuple), as int64."""
    x = as_tensor_arg("count_nonzero", input)
    dims = normalize_dims("count_nonzero", dim, x.ndim)
    return Tensor(np.asarray(np.count_nonzero(x.array, axis=dims), dtype=np.int64))


# ---- means, sums and spreads that skip nan, and both at once ----------------------------------


class NanSum(Function):
    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, dims: tuple, keepdim: bool, keep_dtype: bool = False
    ) -> np.ndarray:
        _remember(ctx, x, dims, keepdim)
        ctx.save_for_backward(x)
        return np.nansum(x, axis=dims, keepdims=keepdim, dtype=_integer_result(x, keep_dtype))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        return _spread(grad, ctx) * x.isnan().logical_not(), None, None  # nan counts as 0


def sum(  # noqa: A001
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    out: Any = None,
) -> Tensor:
    """Σ over dim (every dim by default); integers and bools sum in int64 unless dtype= is
    given, as torch."""
    refuse_out("sum", out)
    x = with_dtype("sum", as_tensor_arg("sum", input), dtype)
    return Sum.apply(x, read_dims("sum", x, dim, axis), keepdim, keep_dtype=dtype is not None)


def mean(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    out: Any = None,
) -> Tensor:
    """Σ / n over dim (every dim by default); integer inputs need dtype=, as in torch."""
    refuse_out("mean", out)
    x = with_dtype("mean", as_tensor_arg("mean", input), dtype)
    refuse_kinds("mean", x, "biu", "; mean needs a floating point input (pass dtype=...)")
    return Mean.apply(x, read_dims("mean", x, dim, axis), keepdim)


def nansum(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    out: Any = None,
) -> Tensor:
    """sum with nan taken as 0."""
    refuse_out("nansum", out)
    x = with_dtype("nansum", as_tensor_arg("nansum", input), dtype)
    return NanSum.apply(x, read_dims("nansum", x, dim, axis), keepdim, keep_dtype=dtype is not None)


def nanmean(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    out: Any = None,
) -> Tensor:
    """The mean of the elements that are not nan (nan where there are none)."""
    refuse_out("nanmean", out)
    x = with_dtype("nanmean", as_tensor_arg("nanmean", input), dtype)
    refuse_kinds("nanmean", x, "biu", "; nanmean needs a floating point input")
    dims = read_dims("nanmean", x, dim, axis)
    count = Tensor(np.sum(~np.isnan(x.array), axis=dims, keepdims=keepdim).astype(x.dtype))
    with np.errstate(invalid="ignore", divide="ignore"):
        return NanSum.apply(x, dims, keepdim) / count


def var_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = True,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    axis: Any = None,
) -> tuple[Tensor, Tensor]:
    """(var, mean) over the same dims, as torch.var_mean."""
    x = as_tensor_arg("var_mean", input)
    refuse_kinds("var_mean", x, "biu", "; var_mean needs a floating point input")
    if not isinstance(unbiased, bool):
        dim, unbiased = unbiased, True
    variance = var(x, dim, unbiased, keepdim, correction=correction, axis=axis)
    return variance, Mean.apply(x, read_dims("var_mean", x, dim, axis), keepdim)


def std_mean(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = True,
    keepdim: bool = False,
    *,
    correction: int | None = None,
    axis: Any = None,
) -> tuple[Tensor, Tensor]:
    """(std, mean) over the same dims, as torch.std_mean."""
    x = as_tensor_arg("std_mean", input)
    refuse_kinds("std_mean", x, "biu", "; std_mean needs a floating point input")
    if not isinstance(unbiased, bool):
        dim, unbiased = unbiased, True
    spread = std(x, dim, unbiased, keepdim, correction=correction, axis=axis)
    return spread, Mean.apply(x, read_dims("std_mean", x, dim, axis), keepdim)


# ---- order statistics -------------------------------------------------------------------------

aminmax_result = namedtuple("aminmax", ["min", "max"])


def aminmax(
    input: Tensor, *, dim: int | None = None, keepdim: bool = False, out: Any = None
) -> aminmax_result:
    """(amin, amax) in one call; over every element when dim is None."""
    refuse_out("aminmax", out)
    x = as_tensor_arg("aminmax", input)
    if dim is not None and (isinstance(dim, builtins.bool) or not isinstance(dim, int)):
        raise TypeError(f"aminmax(): argument 'dim' must be int, not {type(dim).__name__}")
    if dim is None:
        if x.array.size == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has "
                "no identity"
            )
        dims = tuple(range(x.ndim))
    else:
        dims = (normalize_dim("aminmax", dim, x.ndim),)
        if x.ndim and x.shape[dims[0]] == 0:
            raise IndexError(
                f"aminmax(): expected reduction dim {dim} to have non-zero size (shape {x.shape})"
            )
        dims = dims if x.ndim else ()
    return aminmax_result(Amin.apply(x, dims, keepdim), Amax.apply(x, dims, keepdim))


class MedianAll(Function):
    """The lower median of all elements (nan if any is nan, or with nan_skip the lower median
    of the rest); the gradient is shared evenly by the elements equal to it, as torch's."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, skip_nan: bool) -> np.ndarray:
        flat = x.reshape(-1)
        nans = np.isnan(flat) if x.dtype.kind == "f" else np.zeros(flat.shape, bool)
        ordered = np.sort(flat[~nans]) if skip_nan else np.sort(flat)
        if ordered.size == 0 or (not skip_nan and nans.any()):
            out = np.asarray(np.nan if x.dtype.kind == "f" else 0, dtype=x.dtype)
        else:
            out = np.asarray(ordered[(ordered.size - 1) // 2])
        ctx.save_for_backward(x == out if not np.isnan(out) else np.isnan(x))
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (chosen,) = ctx.saved_tensors
        share = chosen.array / builtins.max(int(chosen.array.sum()), 1)
        return grad * Tensor(share.astype(grad.dtype)), None


class MedianAlongDim(Function):
    """The lower median along dim and its index; the gradient goes to that index."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int, keepdim: bool, skip_nan: bool) -> tuple:
        _remember(ctx, x, (dim,), keepdim)
        n = x.shape[dim]
        order = np.argsort(x, axis=dim, kind="stable")  # nan sorts last
        nans = np.isnan(x) if x.dtype.kind == "f" else np.zeros(x.shape, bool)
        count = nans.sum(axis=dim, keepdims=True)
        if skip_nan:  # the lower median of the values that are not nan
            position = np.maximum(n - count - 1, 0) // 2
        else:  # torch: a slice with a nan has median nan, at its first nan
            position = np.where(count > 0, n - count, (n - 1) // 2)
        indices = np.take_along_axis(order, position, axis=dim)
        values = np.take_along_axis(x, indices, axis=dim)
        ctx.dim, ctx.indices = dim, indices
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return values, indices.astype(np.int64)

    @staticmethod
    def backward(ctx: Context, grad: Tensor, _: Tensor) -> tuple:
        grad_x = scatter_into_zeros(_spread(grad, ctx), ctx.dim, ctx.indices, ctx.shape)
        return grad_x, None, None, None


def _median(op: str, input: Tensor, dim: Any, keepdim: bool, skip_nan: bool) -> Any:
    x = as_tensor_arg(op, input)
    refuse_kinds(op, x, "b")
    if dim is None:
        return MedianAll.apply(x, skip_nan)
    d = normalize_dim(op, dim, x.ndim)
    if x.ndim == 0:
        x, keepdim = x.reshape(1), False
    if x.shape[d] == 0:
        raise IndexError(f"{op}(): expected reduction dim {d} to have non-zero size ({x.shape})")
    return values_indices(*MedianAlongDim.apply(x, d, keepdim, skip_nan))


def median(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, out: Any = None
) -> Any:
    """The lower median (the smaller of the two middle values for an even count): a tensor
    for all elements, or (values, indices) along dim, as torch.median."""
    refuse_out("median", out)
    return _median("median", input, dim if axis is None else axis, keepdim, skip_nan=False)


def nanmedian(
    input: Tensor, dim: Any = None, keepdim: bool = False, *, axis: Any = None, out: Any = None
) -> Any:
    """median ignoring nan."""
    refuse_out("nanmedian", out)
    return _median("nanmedian", input, dim if axis is None else axis, keepdim, skip_nan=True)
