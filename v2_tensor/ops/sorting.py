"""Sorting and searching: sort, argsort, msort, topk, kthvalue, searchsorted, bucketize,
unique, unique_consecutive, histc and bincount.

The values that sort, topk and kthvalue return are `gather(x, dim, indices)`, so their
gradient is gather's: each output's gradient goes back to the element it was picked from.
Sorting is stable (ties keep their order, descending too; NaN counts as the largest), which
is what torch's CPU sort does. The searching and counting ops give integer tensors and have
no gradient, as in torch.
"""

from __future__ import annotations

import builtins
from collections import namedtuple
from typing import Any

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor
from .dims import normalize_dim
from .indexing import Gather
from .unary import Clone

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])


def stable_argsort(x: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    """The order that sorts x along dim, ties in their original order (also descending)."""
    if not descending:
        return np.argsort(x, axis=dim, kind="stable")
    # sort the reversed array ascending and read the order backwards: ties stay in order
    order = np.argsort(np.flip(x, dim), axis=dim, kind="stable")
    return x.shape[dim] - 1 - np.flip(order, dim)


def _picked(x: Tensor, dim: int, order: np.ndarray) -> tuple[Tensor, Tensor]:
    """(x's elements at `order` along dim, order as int64): the values are gather's output."""
    order = order.astype(np.int64, copy=False)
    return Gather.apply(x, dim, order), Tensor(order)


def sort(
    input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool | None = False
) -> SortResult:
    """(values, indices) of input sorted along dim."""
    d = normalize_dim("sort", dim, input.ndim)
    if input.ndim == 0:
        return SortResult(Clone.apply(input), Tensor(np.zeros((), np.int64)))
    return SortResult(*_picked(input, d, stable_argsort(input.array, d, descending)))


def argsort(
    input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False
) -> Tensor:
    """The indices that sort input along dim."""
    d = normalize_dim("argsort", dim, input.ndim)
    if input.ndim == 0:
        return Tensor(np.zeros((), np.int64))
    return Tensor(stable_argsort(input.array, d, descending).astype(np.int64))


def msort(input: Tensor) -> Tensor:
    """input sorted along its first dim."""
    return sort(input, 0).values


def topk(
    input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> TopkResult:
    """(values, indices) of the k largest (or smallest) elements along dim, in order."""
    d = normalize_dim("topk", dim, input.ndim)
    length = input.shape[d] if input.ndim else 1
    if not 0 <= k <= length:
        raise RuntimeError(
            f"topk: selected index k out of range (k = {k}, dim {d} has size {length})"
        )
    if input.ndim == 0:
        return TopkResult(Clone.apply(input), Tensor(np.zeros((), np.int64)))
    order = stable_argsort(input.array, d, largest)
    return TopkResult(*_picked(input, d, np.take(order, np.arange(k), axis=d)))


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> KthvalueResult:
    """(value, index) of the k-th smallest element along dim (k counts from 1)."""
    d = normalize_dim("kthvalue", dim, input.ndim)
    length = input.shape[d] if input.ndim else 1
    if not 1 <= k <= length:
        raise RuntimeError(
            f"kthvalue(): selected number k out of range for dimension {d} (k = {k}, size {length})"
        )
    if input.ndim == 0:
        return KthvalueResult(Clone.apply(input), Tensor(np.zeros((), np.int64)))
    order = np.take(stable_argsort(input.array, d, False), [k - 1], axis=d)
    values, indices = _picked(input, d, order)
    if not keepdim:
        values, indices = values.squeeze(d), indices.squeeze(d)
    return KthvalueResult(values, indices)


# ---- searching ---------------------------------------------------------------------------


def _values_of(op: str, x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.array
    if isinstance(x, int | float | bool | np.number):
        return np.asarray(x)
    raise TypeError(f"{op}: expected a Tensor or a number, got {type(x).__name__}")


def searchsorted(
    sorted_sequence: Tensor,
    input: Any,
    *,
    out_int32: bool = False,
    right: bool = False,
    side: str | None = None,
    sorter: Any = None,
    out: Any = None,
) -> Tensor:
    """For each value, the index where it would be inserted into the sorted last dim of
    sorted_sequence to keep it sorted: before equal elements (side='left'), or after them
    (right=True or side='right')."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(
                f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}"
            )
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of "
                "left while right was True"
            )
        right = side == "right"
    boundaries = sorted_sequence.array
    values = _values_of("searchsorted", input)
    if boundaries.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have at least 1 dim")
    if boundaries.ndim > 1 and (
        values.ndim != boundaries.ndim or values.shape[:-1] != boundaries.shape[:-1]
    ):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(boundaries.shape)} and input value tensor "
            f"{list(values.shape)}"
        )
    order = None
    if sorter is not None:
        order = np.asarray(sorter.array if isinstance(sorter, Tensor) else sorter)
        if order.shape != boundaries.shape or order.dtype != np.int64:
            raise RuntimeError(
                "torch.searchsorted(): sorter must be an int64 tensor of the boundaries' shape "
                f"{list(boundaries.shape)}, got {order.dtype} {list(order.shape)}"
            )
        boundaries = np.take_along_axis(boundaries, order, axis=-1)
    which = "right" if right else "left"
    if boundaries.ndim == 1:
        result = np.searchsorted(boundaries, values, side=which)
    else:
        rows = boundaries.reshape(-1, boundaries.shape[-1])
        wanted = values.reshape(rows.shape[0], -1)
        result = np.stack(
            [np.searchsorted(r, w, side=which) for r, w in zip(rows, wanted, strict=True)]
        ).reshape(values.shape)
    return Tensor(np.asarray(result, np.int32 if out_int32 else np.int64))


def bucketize(
    input: Any, boundaries: Tensor, *, out_int32: bool = False, right: bool = False
) -> Tensor:
    """The bucket of each value: i with boundaries[i-1] < x <= boundaries[i] (right=False) or
    boundaries[i-1] <= x < boundaries[i] (right=True)."""
    if boundaries.ndim != 1:
        raise RuntimeError(
            f"bucketize: boundaries tensor must be 1 dimension, got {boundaries.ndim}"
        )
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


# ---- unique ----------------------------------------------------------------------------------


class Unique(Function):
    """The distinct values (and where each element went, and how often each value came):
    like torch's, the output records the input but its derivative is not implemented."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int | None, consecutive: bool) -> tuple:
        return (_consecutive if consecutive else _distinct)(x, dim)

    @staticmethod
    def backward(ctx: Context, *grads: Tensor) -> tuple:
        raise NotImplementedError("the derivative for 'unique' is not implemented")


def _distinct(x: np.ndarray, dim: int | None) -> tuple:
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=dim)
    inverse = inverse.reshape(x.shape if dim is None else -1)
    return values, inverse.astype(np.int64), counts.astype(np.int64)


def _consecutive(x: np.ndarray, dim: int | None) -> tuple:
    rows = x.reshape(-1, 1) if dim is None else np.moveaxis(x, dim, 0).reshape(x.shape[dim], -1)
    starts = np.ones(rows.shape[0], bool)
    starts[1:] = np.any(rows[1:] != rows[:-1], axis=1)
    inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), rows.shape[0]))
    if dim is None:
        values = x.reshape(-1)[starts]
        inverse = inverse.reshape(x.shape)
    else:
        values = np.compress(starts, x, axis=dim)
    return values, inverse.astype(np.int64), counts.astype(np.int64)


def _unique(op: str, x: Tensor, inverse: bool, counts: bool, dim: Any, consecutive: bool) -> Any:
    d = None if dim is None else normalize_dim(op, dim, x.ndim)
    if d is not None and x.ndim == 0:
        raise IndexError(f"{op}: a 0-d tensor has no dim {dim}")
    values, where, count = Unique.apply(x, d, consecutive)
    result = (values, *([where] if inverse else []), *([count] if counts else []))
    return result[0] if len(result) == 1 else result


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The sorted distinct elements (or slices along dim); with return_inverse, the index of
    each element's value; with return_counts, how often each value occurs."""
    return _unique("unique", input, return_inverse, return_counts, dim, False)


def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None
) -> Any:
    """unique over runs: each group of equal consecutive elements (or slices) kept once."""
    return _unique("unique_consecutive", input, return_inverse, return_counts, dim, True)


# ---- counting --------------------------------------------------------------------------------


def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of the elements in `bins` equal-width bins over [min, max] (the data's range
    when min == max); elements outside are ignored, the last bin includes max."""
    x = input.array
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{input.dtype}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    low, high = float(min), float(max)
    if low > high:
        raise RuntimeError("torch.histc: max must be larger than min")
    if low == high and x.size:
        low, high = float(x.min()), float(x.max())
    if low == high:
        low, high = low - 1, high + 1
    low_, high_ = np.asarray(low, x.dtype), np.asarray(high, x.dtype)
    inside = x[(x >= low_) & (x <= high_)]
    # torch's rule, in the input's dtype: bin = (x - min) * bins / (max - min), max in the last
    position = ((inside - low_) * np.asarray(bins, x.dtype) / (high_ - low_)).astype(np.int64)
    position = np.minimum(position, bins - 1)
    return Tensor(np.bincount(position, minlength=bins).astype(x.dtype))


class BinCount(Function):
    """How often each value 0, 1, ... occurs (or its summed weights); not differentiable,
    as in torch."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, weights: Any, length: int) -> np.ndarray:
        if weights is None:
            return np.bincount(x, minlength=length).astype(np.int64)
        dtype = np.float32 if weights.dtype == np.float32 else np.float64
        return np.bincount(x, weights.astype(np.float64), minlength=length).astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        raise RuntimeError("the derivative for bincount is not implemented")


def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    x = input.array
    if x.dtype.kind not in "iub":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{input.dtype}'")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != x.shape[0]):
        raise RuntimeError("bincount: weights should be 1-d and have the same length as input")
    length = builtins.max(int(x.max()) + 1 if x.size else 0, minlength)
    return BinCount.apply(input, weights, length)
