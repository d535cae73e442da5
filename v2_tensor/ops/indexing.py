"""Indexing (x[...], x[...] = v), gather and scatter, each with its adjoint.

`x[index]` with slices, ints, None and Ellipsis is a view of x (NumPy's basic indexing);
integer arrays and bool masks copy. `x[index] = value` is `index_put` written back in place
(v2_tensor.inplace), so it works on tensors in a graph as torch's does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor
from .arithmetic import where
from .conventions import as_tensor_arg
from .dims import normalize_dim
from .joins import Pad


class GetItem(Function):
    is_view = True  # for basic indexing; an index array makes a copy, as in torch

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, index: tuple) -> np.ndarray:
        ctx.shape, ctx.index = x.shape, index
        if not any(item is Ellipsis for item in index):
            index = (*index, Ellipsis)  # so x[0] of a vector is a 0-d view, not a scalar copy
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


class IndexPut(Function):
    """x with x[index] replaced by value (broadcast to the selection): the value of
    `x[index] = value`."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, steps: tuple, value: Any) -> np.ndarray:
        ctx.steps = steps
        out = x.copy()
        _select(out, steps[:-1])[steps[-1]] = value
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x_needs, _, value_needs = ctx.needs_input_grad
        grad_x = IndexPut.apply(grad, ctx.steps, 0.0) if x_needs else None
        grad_value = None
        if value_needs:  # the engine sums the selection back to the value's shape
            grad_value = grad
            for step in ctx.steps:
                grad_value = GetItem.apply(grad_value, step)
        return grad_x, None, grad_value


def _select(array: np.ndarray, steps: tuple) -> np.ndarray:
    for step in steps:
        array = array[step]  # integers and slices only: a view
    return array


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
        ctx.dim, ctx.index, ctx.src_shape = dim, index, src.shape
        out = np.zeros(shape, dtype=src.dtype)
        np.add.at(out, _positions(dim, index), src[_leading(index.shape)])
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return _to_source(Gather.apply(grad, ctx.dim, ctx.index), ctx.src_shape), None, None, None


def _to_source(grad: Tensor, shape: tuple) -> Tensor:
    """The gradient of a scatter's src: src's elements beyond the index's shape got none."""
    if grad.shape == shape:
        return grad
    return Pad.apply(grad, tuple((0, n - m) for n, m in zip(shape, grad.shape, strict=True)), 0.0)


class Scatter(Function):
    """x with x[index[i] along dim] = src[i] (torch.scatter; with repeated positions the last
    write wins, where torch leaves the winner unspecified)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int, index: np.ndarray, src: Any) -> np.ndarray:
        ctx.dim, ctx.index, ctx.shape = dim, index, x.shape
        ctx.src_shape = np.shape(src)
        out = x.copy()
        values = src[_leading(index.shape)] if isinstance(src, np.ndarray) and src.ndim else src
        out[_positions(dim, index)] = values
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x_needs, _, _, src_needs = ctx.needs_input_grad
        grad_x = grad_src = None
        if x_needs:  # the overwritten positions get nothing
            grad_x = Scatter.apply(grad, ctx.dim, ctx.index, 0.0)
        if src_needs:
            grad_src = _to_source(Gather.apply(grad, ctx.dim, ctx.index), ctx.src_shape)
        return grad_x, None, None, grad_src


def _positions(dim: int, index: np.ndarray) -> tuple:
    """gather's full index: result position i reads x at i with dim replaced by index[i]."""
    positions = list(np.indices(index.shape, sparse=True))
    positions[dim] = index
    return tuple(positions)


def _leading(shape: tuple) -> tuple:
    """The leading block of that shape (src may be larger than index in scatter ops)."""
    return tuple(slice(0, n) for n in shape)


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
            item = item.array
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


def _torch_steps(index: tuple) -> tuple[tuple, ...]:
    """The index as NumPy indexes applied one after the other, in torch's order.

    torch selects the integer indices first and then applies the index arrays to what is
    left; NumPy counts an integer as one more index array, which moves the arrays' result
    dims to the front when a slice separates the two (x[0, :, [1, 2]] has shape (4, 2) in
    torch and (2, 4) in NumPy for x of shape (3, 4, 5)). So with both present, the integers
    (and the slices, None, Ellipsis) go first and the arrays second.
    """
    arrays = any(isinstance(item, np.ndarray) for item in index)
    if not arrays or not any(_is_int(item) for item in index):
        return (index,)
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
    return (tuple(basic), tuple(advanced))


def getitem(input: Tensor, index: Any) -> Tensor:
    """x[index] with slices, None, Ellipsis, negative ints, integer arrays and bool masks."""
    index = _normalize_index(index)
    try:
        out = input
        for step in _torch_steps(index):
            out = GetItem.apply(out, step)
        return out
    except IndexError as error:
        raise IndexError(
            f"index {_describe(index)} does not fit a tensor of shape {input.shape}: {error}"
        ) from None


def index_put(input: Tensor, index: Any, value: Any) -> Tensor:
    """A copy of input with input[index] = value (value broadcast and cast to input's dtype)."""
    index = _normalize_index(index)
    steps = _torch_steps(index)
    if isinstance(value, Tensor):
        value = value.to(input.dtype)
    elif not isinstance(value, int | float | bool):
        value = Tensor(np.asarray(value, dtype=input.dtype))
    try:
        selection = _select(input.array, steps[:-1])[steps[-1]]
        np.broadcast_to(value.array if isinstance(value, Tensor) else value, selection.shape)
    except IndexError as error:
        raise IndexError(
            f"index {_describe(index)} does not fit a tensor of shape {input.shape}: {error}"
        ) from None
    except ValueError:
        raise RuntimeError(
            f"setitem: cannot assign a value of shape {np.shape(value)} to "
            f"x{_describe(index)} of shape {selection.shape} (tensor shape {input.shape})"
        ) from None
    return IndexPut.apply(input, steps, value)


def gather(input: Tensor, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = x[index[i][j]][j] for dim=0 (torch.gather): index has x's number of dims."""
    d = normalize_dim("gather", dim, input.ndim)
    index = _index_array("gather", input, d, index)
    if input.ndim == 0:
        return Gather.apply(input.reshape(1), 0, index.reshape(1)).reshape(())
    return Gather.apply(input, d, index)


def _index_array(op: str, x: Tensor, dim: int, index: Any, src: Any = None) -> np.ndarray:
    """gather's and scatter's index: integers, x's number of dims, in range along dim."""
    index = np.asarray(index.array if isinstance(index, Tensor) else index)
    if (
        index.dtype.kind not in "iu"
        or index.ndim != x.ndim
        and not (x.ndim == 0 and index.ndim < 2)
    ):
        raise RuntimeError(
            f"{op}: index must be an integer tensor with {x.ndim} dims, got {index.dtype} with "
            f"shape {index.shape}"
        )
    length = x.shape[dim] if x.ndim else 1  # a 0-d tensor has one element along dim 0
    too_large = any(n > x.shape[i] for i, n in enumerate(index.shape) if i != dim and x.ndim)
    if src is not None and any(n > m for n, m in zip(index.shape, np.shape(src), strict=False)):
        too_large = True
    if too_large or (index.size and (index.min() < -length or index.max() >= length)):
        raise RuntimeError(
            f"{op}: index of shape {index.shape} is out of range for dim {dim} of shape {x.shape}"
        )
    return np.where(index < 0, index + length, index) if index.size and index.min() < 0 else index


def scatter(
    input: Tensor, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: Any = None
) -> Tensor:
    """A copy of input with src (or the scalar value) written at index along dim."""
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        if reduce == "add":
            source = src if src is not None else value
            return scatter_add(input, dim, index, _full_like_index(input, index, source))
        raise NotImplementedError(
            "scatter: reduce='multiply' is not supported (use scatter_reduce)"
        )
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: expected src (a tensor) or value (a number)")
    d = normalize_dim("scatter", dim, input.ndim)
    index = _index_array("scatter", input, d, index, src if isinstance(src, Tensor) else None)
    if isinstance(src, Tensor):
        src = src.to(input.dtype)
    return Scatter.apply(input, d, index, src)


def _full_like_index(x: Tensor, index: Any, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    shape = np.shape(index.array if isinstance(index, Tensor) else index)
    return Tensor(np.full(shape, value, dtype=x.dtype))


def scatter_add(input: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """input plus src[i] added at index[i] along dim (repeated positions accumulate)."""
    d = normalize_dim("scatter_add", dim, input.ndim)
    src = as_tensor_arg("scatter_add", src).to(input.dtype)
    index = _index_array("scatter_add", input, d, index, src)
    return input + ScatterAdd.apply(src, d, index, input.shape)


def masked_fill(input: Tensor, mask: Any, value: Any) -> Tensor:
    """input with value where mask holds (mask broadcasts; input's dtype is kept)."""
    mask = mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask))
    if mask.dtype != np.bool_:
        raise RuntimeError(f"masked_fill: expected a bool mask, got {mask.dtype}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(
                "masked_fill only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.ndim} dimension(s)"
            )
        value = value.to(input.dtype)
    else:
        value = Tensor(np.asarray(value, dtype=input.dtype))
    result = where(mask, value, input)
    if result.shape != input.shape:
        raise RuntimeError(
            f"masked_fill: mask of shape {mask.shape} does not broadcast to the input's shape "
            f"{input.shape}"
        )
    return result


def index_fill(input: Tensor, dim: int, index: Any, value: Any) -> Tensor:
    """input with every position along dim listed in the 1-D index set to value."""
    d = normalize_dim("index_fill", dim, input.ndim)
    index = np.asarray(index.array if isinstance(index, Tensor) else index)
    if index.dtype.kind not in "iu" or index.ndim > 1:
        raise IndexError(f"index_fill: index must be a 1-D integer tensor, got {index.dtype}")
    length = input.shape[d] if input.ndim else 1
    if index.size and (index.min() < -length or index.max() >= length):
        raise IndexError(f"index_fill: index out of range for dim {d} of shape {input.shape}")
    selection = [slice(None)] * input.ndim
    if input.ndim:
        selection[d] = index.reshape(-1)
    return index_put(input, tuple(selection), value)


def _describe(index: tuple) -> str:
    return "[" + ", ".join(_describe_item(item) for item in index) + "]"


def _describe_item(item: Any) -> str:
    if not isinstance(item, np.ndarray):
        return repr(item)
    kind = "bool mask" if item.dtype == np.bool_ else "index array"
    return f"{kind} of shape {item.shape}"
