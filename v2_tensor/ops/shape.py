"""Ops that rearrange elements without changing them: reshape, permute, expand and friends.

They are views where torch's are (and NumPy's are): the result shares the input's memory
and version counter, and writing into it writes into the input.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..function import Context, Function
from ..tensor import Tensor
from .dims import normalize_dim, normalize_dims


class Reshape(Function):
    is_view = True  # when NumPy can reshape without a copy; otherwise a copy, as torch's

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad.reshape(ctx.shape), None


class Permute(Function):
    is_view = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad.permute(tuple(np.argsort(ctx.dims).tolist())), None  # the inverse permutation


class Expand(Function):
    is_view = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad, None  # the engine sums the copies back to the input's shape


class ViewAsDtype(Function):
    """The same bytes read as another dtype (x.view(dtype)): not differentiable, as torch."""

    is_view = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        return x.view(dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        raise RuntimeError("view(dtype) is not differentiable")


def sizes(op: str, args: tuple) -> tuple[int, ...]:
    """Accept both f(2, 3) and f((2, 3)), as torch does."""
    if len(args) == 1 and isinstance(args[0], tuple | list):
        args = tuple(args[0])
    for n in args:
        if isinstance(n, bool) or not isinstance(n, int | np.integer | Tensor):
            raise TypeError(f"{op}: sizes must be ints, got {args}")
    return tuple(int(n) for n in args)


def _target_shape(op: str, x: Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    known = math.prod(n for n in shape if n != -1)
    free = shape.count(-1)
    if (
        free > 1
        or any(n < -1 for n in shape)
        or (x.array.size != known if free == 0 else known == 0 or x.array.size % known)
    ):
        raise RuntimeError(f"{op}: shape {list(shape)} is invalid for input of size {x.array.size}")
    return shape


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (-1 infers one size): a view when the layout allows,
    otherwise a copy, as torch.reshape."""
    shape = _target_shape("reshape", input, sizes("reshape", shape))
    if shape == input.array.shape:
        return input
    return Reshape.apply(input, shape)


def view(input: Tensor, *shape: Any) -> Tensor:
    """A view in a new shape; refused (as torch refuses) when the layout needs a copy. With a
    dtype instead of a shape, the same bytes read as that dtype."""
    if len(shape) == 1 and (dtypes.is_dtype(shape[0]) or isinstance(shape[0], str)):
        return _view_as_dtype(input, dtypes.as_dtype(shape[0]))
    shape = _target_shape("view", input, sizes("view", shape))
    try:
        np.reshape(input.array, shape, copy=False)
    except ValueError:
        raise RuntimeError(
            f"view: size {list(shape)} is not compatible with the input's size {input.shape} "
            "and stride (at least one dimension spans across two contiguous subspaces); use "
            ".reshape(...) instead"
        ) from None
    return Reshape.apply(input, shape)


def _view_as_dtype(x: Tensor, dtype: np.dtype) -> Tensor:
    old, new = x.array.dtype.itemsize, dtype.itemsize
    if old != new and (x.ndim == 0 or not x.array.flags.c_contiguous or x.shape[-1] * old % new):
        raise RuntimeError(
            f"view: cannot view a tensor of shape {x.shape} and dtype {x.dtype} as {dtype}: the "
            "last dimension must be contiguous and its size in bytes divisible by the new "
            "element size"
        )
    return ViewAsDtype.apply(x, dtype)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    if input.ndim == 0:
        return reshape(input, 1)
    start = normalize_dim("flatten", start_dim, input.ndim)
    end = normalize_dim("flatten", end_dim, input.ndim)
    if start > end:
        raise RuntimeError("flatten: start_dim cannot come after end_dim")
    shape = input.shape
    return reshape(input, (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :]))


def permute(input: Tensor, *dims: Any) -> Tensor:
    dims = sizes("permute", dims)
    normalized = tuple(normalize_dim("permute", d, input.ndim) for d in dims)
    if len(dims) != input.ndim or sorted(normalized) != list(range(input.ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the {input.ndim} dims")
    return Permute.apply(input, normalized)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    a = normalize_dim("transpose", dim0, input.ndim)
    b = normalize_dim("transpose", dim1, input.ndim)
    if input.ndim < 2 or a == b:
        return Permute.apply(input, tuple(range(input.ndim)))
    dims = list(range(input.ndim))
    dims[a], dims[b] = dims[b], dims[a]
    return Permute.apply(input, tuple(dims))


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix (a 0-d or 1-d tensor is returned as it is), as torch's t()."""
    if input.ndim > 2:
        raise RuntimeError(f"t(): expects a tensor with <= 2 dims, got shape {input.shape}")
    return transpose(input, 0, -1)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    d = normalize_dim("unsqueeze", dim, input.ndim + 1)
    return Reshape.apply(input, (*input.shape[:d], 1, *input.shape[d:]))


def squeeze(input: Tensor, dim: Any = None) -> Tensor:
    """Drop size-1 dims (all of them, or those of `dim` that have size 1, as torch)."""
    dims = normalize_dims("squeeze", dim, input.ndim)
    shape = tuple(n for i, n in enumerate(input.shape) if not (i in dims and n == 1))
    return Reshape.apply(input, shape)


def expand(input: Tensor, *sizes_: Any) -> Tensor:
    """A broadcast view: -1 keeps a dim, size-1 dims stretch, new dims may lead."""
    wanted = sizes("expand", sizes_)
    extra = len(wanted) - input.ndim
    if extra < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(wanted)}) must be greater or equal to "
            f"the number of dimensions in the tensor ({input.ndim})"
        )
    shape = tuple(
        input.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(wanted)
    )
    for i, n in enumerate(input.shape):
        if n != 1 and n != shape[extra + i]:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({shape[extra + i]}) must match the "
                f"existing size ({n}) at non-singleton dimension {extra + i}; target sizes "
                f"{list(wanted)}, tensor sizes {list(input.shape)}"
            )
    if any(n < 0 for n in shape):
        raise RuntimeError(f"expand: invalid size in {list(wanted)}")
    return Expand.apply(input, shape)


def mT(input: Tensor) -> Tensor:  # noqa: N802  (torch's name)
    if input.ndim < 2:
        raise RuntimeError(f"mT: expects a tensor with >= 2 dims, got shape {input.shape}")
    return transpose(input, -2, -1)


def T(input: Tensor) -> Tensor:  # noqa: N802
    return Permute.apply(input, tuple(range(input.ndim - 1, -1, -1)))
