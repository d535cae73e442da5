"""Indexing (x[...]) and gather, each the adjoint of a scatter into zeros."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import grad_mode
from ..function import Context, Function
from ..tensor import Tensor
from .dims import normalize_dim


class GetItem(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, index: tuple) -> np.ndarray:
        ctx.shape, ctx.index = x.shape, index
        return x[index]

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return IndexScatter.apply(grad, ctx.index, ctx.shape), None


class IndexScatter(Function):
    """zeros(shape) with `grad` added at x[index]; repeated integer indices accumulate."""

    @staticmethod
    def forward(ctx: Context, grad: np.ndarray, index: tuple, shape: tuple) -> np.ndarray:
        ctx.index = index
        out = np.zeros(shape, dtype=grad.dtype)
        if _has_integer_array(index):
            np.add.at(out, index, grad)
        else:
            out[index] = grad
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return GetItem.apply(grad, ctx.index), None, None


class Gather(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return x[_positions(dim, index)]

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return scatter_into_zeros(grad, ctx.dim, ctx.index, ctx.shape), None, None


class ScatterAdd(Function):
    """zeros(shape) with src[i] added at position index[i] along dim (gather's adjoint)."""

    @staticmethod
    def forward(
        ctx: Context, src: np.ndarray, dim: int, index: np.ndarray, shape: tuple
    ) -> np.ndarray:
        ctx.dim, ctx.index = dim, index
        out = np.zeros(shape, dtype=src.dtype)
        np.add.at(out, _positions(dim, index), src)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return Gather.apply(grad, ctx.dim, ctx.index), None, None, None


def _positions(dim: int, index: np.ndarray) -> tuple:
    """gather's full index: result position i reads x at i with dim replaced by index[i]."""
    positions = list(np.indices(index.shape, sparse=True))
    positions[dim] = index
    return tuple(positions)


def scatter_into_zeros(src: Tensor, dim: int, index: np.ndarray, shape: tuple) -> Tensor:
    return ScatterAdd.apply(src, dim, index, shape)


def _has_integer_array(index: tuple) -> bool:
    return any(isinstance(i, np.ndarray) and i.dtype.kind in "iu" for i in index)


def _normalize_index(index: Any) -> tuple:
    """A tuple index NumPy understands: tensors and lists become arrays, 0-d integer arrays
    become ints (torch reads them as ints)."""
    items = index if isinstance(index, tuple) else (index,)
    result = []
    for item in items:
        if isinstance(item, Tensor):
            item = item.data
        elif isinstance(item, list | bool | np.bool_):  # torch reads True as a 0-d mask
            item = np.asarray(item)
        if isinstance(item, np.ndarray):
            if item.dtype.kind not in "iub":
                raise IndexError(
                    f"index: tensors used as indices must be integer or bool, got {item.dtype}"
                )
            if item.ndim == 0 and item.dtype.kind in "iu":
                item = int(item)
        result.append(item)
    return tuple(result)


def _is_int(item: Any) -> bool:
    return isinstance(item, int | np.integer)


def _torch_steps(index: tuple) -> list[tuple]:
    """The index as NumPy indexes applied one after the other, in torch's order.

    torch selects the integer indices first and then applies the index arrays to what is
    left; NumPy counts an integer as one more index array, which moves the arrays' result
    dims to the front when a slice separates the two (x[0, :, [1, 2]] has shape (4, 2) in
    torch and (2, 4) in NumPy for x of shape (3, 4, 5)). So with both present, the integers
    (and the slices, None, Ellipsis) go first and the arrays second.
    """
    arrays = any(isinstance(item, np.ndarray) for item in index)
    if not arrays or not any(_is_int(item) for item in index):
        return [index]
    basic, advanced = [], []
    for item in index:
        if isinstance(item, np.ndarray):
            basic.extend([slice(None)] * (item.ndim if item.dtype.kind == "b" else 1))
            advanced.append(item)
        elif _is_int(item):
            basic.append(item)
        else:
            basic.append(item)
            advanced.append(Ellipsis if item is Ellipsis else slice(None))
    return [tuple(basic), tuple(advanced)]


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index] with slices, None, Ellipsis, negative ints, integer arrays and bool masks."""
    index = _normalize_index(index)
    try:
        out = x
        for step in _torch_steps(index):
            out = GetItem.apply(out, step)
        return out
    except IndexError as error:
        raise IndexError(
            f"index {_describe(index)} does not fit a tensor of shape {x.shape}: {error}"
        ) from None


def setitem(x: Tensor, index: Any, value: Any) -> None:
    """x[index] = value, in place; refused where it would bypass autograd."""
    value_requires_grad = isinstance(value, Tensor) and value.requires_grad
    if grad_mode.is_grad_enabled() and (x.requires_grad or value_requires_grad):
        raise RuntimeError(
            f"setitem: in-place assignment into a tensor of shape {x.shape} that requires grad "
            "(or of a value that does) is not supported: build a new tensor with where/cat, "
            "or assign under no_grad()"
        )
    index = _normalize_index(index)
    array = value.data if isinstance(value, Tensor) else value
    *selections, last = _torch_steps(index)
    try:
        target = x.data
        for step in selections:
            target = target[step]  # integers and slices only: a view into x
        target[last] = array
    except IndexError as error:
        raise IndexError(
            f"index {_describe(index)} does not fit a tensor of shape {x.shape}: {error}"
        ) from None
    except ValueError as error:
        raise ValueError(
            f"setitem: cannot assign a value of shape {np.shape(array)} to "
            f"x{_describe(index)} of a tensor of shape {x.shape}: {error}"
        ) from None


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """out[i][j] = x[index[i][j]][j] for dim=0 (torch.gather): index has x's number of dims."""
    d = normalize_dim("gather", dim, x.ndim)
    index = np.asarray(index.data if isinstance(index, Tensor) else index)
    if index.dtype.kind not in "iu" or index.ndim != x.ndim:
        raise RuntimeError(
            f"gather: index must be an integer tensor with {x.ndim} dims, got {index.dtype} "
            f"with shape {index.shape}"
        )
    length = x.shape[d] if x.ndim else 1  # a 0-d tensor has one element along dim 0
    too_large = any(n > x.shape[i] for i, n in enumerate(index.shape) if i != d)
    if too_large or (index.size and (index.min() < 0 or index.max() >= length)):
        raise IndexError(
            f"gather: index of shape {index.shape} is out of range for dim {d} of shape {x.shape}"
        )
    if x.ndim == 0:
        return Gather.apply(x.reshape(1), 0, index.reshape(1)).reshape(())
    return Gather.apply(x, d, index)


def _describe(index: tuple) -> str:
    return "[" + ", ".join(_describe_item(item) for item in index) + "]"


def _describe_item(item: Any) -> str:
    if not isinstance(item, np.ndarray):
        return repr(item)
    kind = "bool mask" if item.dtype == np.bool_ else "index array"
    return f"{kind} of shape {item.shape}"
