"""Indexing (x[...], x[...] = v), gather and scatter, each with its adjoint.

`x[index]` with slices, ints, None and Ellipsis is a view of x (NumPy's basic indexing);
integer arrays and bool masks copy. `x[index] = value` is `index_put` written back in place
(v2_tensor.inplace), so it works on tensors in a graph as torch's does.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor
from .arithmetic import where
from .conventions import as_tensor_arg, broadcast_shape
from .dims import normalize_dim
from .joins import Pad, pad


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


class BoolScalar:
    """A Python (or 0-d tensor) bool in an index: torch reads it as a new dim of size 1 indexed
    by [0] (True) or by [] (False), an index array like any other."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = bool(value)

    def __repr__(self) -> str:
        return repr(self.value)


def _normalize_index(index: Any) -> tuple:
    """A tuple index NumPy understands: tensors, lists and nested tuples become arrays, 0-d
    integer arrays become ints (torch reads them as ints), bools become BoolScalar."""
    if type(index) is list and _sequence_as_tuple(index):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated; use "
            "x[tuple(seq)] instead of x[seq] (torch reads it as a tuple for now, and so does "
            "v2_tensor)",
            UserWarning,
            stacklevel=3,
        )
        index = tuple(index)
    items = index if isinstance(index, tuple) else (index,)
    result = []
    for item in items:
        if isinstance(item, Tensor):
            item = item.array
        elif isinstance(item, bool | np.bool_):
            result.append(BoolScalar(item))
            continue
        elif isinstance(item, list | tuple):
            item = np.asarray(item)
        elif isinstance(item, slice):
            if item.step is not None and item.step <= 0:
                if item.step == 0:
                    raise ValueError("slice step cannot be zero")
                raise ValueError(
                    f"index {item}: step must be greater than zero (torch has no negative "
                    "steps; use flip)"
                )
        elif not (
            item is None or item is Ellipsis or isinstance(item, int | np.integer | np.ndarray)
        ):
            raise IndexError(
                "only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                f"Variables are valid indices (got {type(item).__name__})"
            )
        if isinstance(item, np.ndarray):
            if item.dtype.kind not in "iub":
                if item.size == 0 and item.dtype.kind == "f":  # x[[]]: an empty index list
                    item = item.astype(np.int64)
                else:
                    raise IndexError(
                        f"index: tensors used as indices must be long, int, byte or bool "
                        f"tensors, got {item.dtype}"
                    )
            if item.ndim == 0:
                if item.dtype.kind == "b":
                    result.append(BoolScalar(item))
                    continue
                item = int(item)
        result.append(item)
    return tuple(result)


def _sequence_as_tuple(index: list) -> bool:
    """torch's rule for a list index: read as a tuple of indices when it holds a slice, None,
    Ellipsis, a tensor or a sequence (x[[0, slice(None)]] is x[0, :])."""
    if len(index) >= 32:
        return False
    return any(
        item is None
        or item is Ellipsis
        or isinstance(item, slice | Tensor | np.ndarray | list | tuple)
        for item in index
    )


def _is_int(item: Any) -> bool:
    return isinstance(item, int | np.integer)


def _expand_ellipsis(index: tuple, ndim: int) -> tuple:
    """The index with `...` written as the slices it stands for: NumPy counts an ellipsis as
    separating two index arrays even when it spans no dim, torch does not."""
    position = next((i for i, item in enumerate(index) if item is Ellipsis), None)
    if position is None:
        return index
    consumed = 0
    for item in index:
        if isinstance(item, np.ndarray):
            consumed += item.ndim if item.dtype.kind == "b" else 1
        elif not (item is None or item is Ellipsis or isinstance(item, BoolScalar)):
            consumed += 1
    width = ndim - consumed
    if width < 0:
        return index  # too many indices: NumPy raises the IndexError
    return (*index[:position], *(slice(None),) * width, *index[position + 1 :])


def _torch_steps(index: tuple, ndim: int) -> tuple[tuple, ...]:
    """The index as NumPy indexes applied one after the other, in torch's order.

    torch selects the integer indices first and then applies the index arrays to what is
    left; NumPy counts an integer as one more index array, which moves the arrays' result
    dims to the front when a slice separates the two (x[0, :, [1, 2]] has shape (4, 2) in
    torch and (2, 4) in NumPy for x of shape (3, 4, 5)). So with both present, the integers
    (and the slices, None, Ellipsis) go first and the arrays second. A bool (x[True]) is a
    new dim (None) in the first step and an index array ([0], or [] for False) in the second.
    """
    arrays = bools = False
    for item in index:
        if isinstance(item, np.ndarray):
            arrays = True
        elif isinstance(item, BoolScalar):
            bools = True
    if not (arrays or bools):
        return (index,)
    index = _expand_ellipsis(index, ndim)
    if not bools and not any(_is_int(item) for item in index):
        return (index,)
    basic, advanced = [], []
    for item in index:
        if isinstance(item, np.ndarray):
            basic.extend([slice(None)] * (item.ndim if item.dtype.kind == "b" else 1))
            advanced.append(item)
        elif isinstance(item, BoolScalar):
            basic.append(None)
            advanced.append(np.zeros(1 if item.value else 0, np.intp))
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
        for step in _torch_steps(index, input.ndim):
            out = GetItem.apply(out, step)
        return out
    except IndexError as error:
        raise IndexError(
            f"index {_describe(index)} does not fit a tensor of shape {input.shape}: {error}"
        ) from None


def index_put(input: Tensor, index: Any, value: Any, accumulate: bool = False) -> Tensor:
    """A copy of input with input[index] = value (value broadcast and cast to input's dtype);
    with accumulate=True, value added there instead (repeated positions add up)."""
    index = _normalize_index(index)
    steps = _torch_steps(index, input.ndim)
    if isinstance(value, Tensor):
        value = value.to(input.dtype)
    elif not isinstance(value, int | float | bool):
        value = Tensor(np.asarray(value, dtype=input.dtype))
    try:
        selection = _select(input.array, steps[:-1])[steps[-1]]
        if isinstance(value, Tensor) and value.ndim > selection.ndim:
            value = _drop_leading_ones(value, selection.ndim)
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
    if accumulate:
        return input + _added_at(input, steps, value, selection.shape)
    return IndexPut.apply(input, steps, value)


def _added_at(x: Tensor, steps: tuple, value: Any, shape: tuple) -> Tensor:
    """zeros of x's shape with value (broadcast to the selection's shape) added at the
    selection, the steps undone from the last (each step's adjoint is IndexScatter)."""
    value = value if isinstance(value, Tensor) else Tensor(np.asarray(value, x.dtype))
    grad = value if value.shape == shape else value.expand(shape)
    for k in range(len(steps) - 1, -1, -1):
        grad = IndexScatter.apply(grad, steps[k], _select(x.array, steps[:k]).shape)
    return grad


def _drop_leading_ones(value: Tensor, ndim: int) -> Tensor:
    """torch lets a value have extra leading dims of size 1 (x[0] = ones(1, 4))."""
    extra = value.ndim - ndim
    if all(n == 1 for n in value.shape[:extra]):
        return value.reshape(value.shape[extra:])
    return value


def gather(input: Tensor, dim: int, index: Any, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = x[index[i][j]][j] for dim=0 (torch.gather): index has x's number of dims."""
    d = normalize_dim("gather", dim, input.ndim)
    index = _index_array("gather", input, d, index)
    if input.ndim == 0:
        return Gather.apply(input.reshape(1), 0, index.reshape(1)).reshape(())
    return Gather.apply(input, d, index)


def _index_array(op: str, x: Tensor, dim: int, index: Any, src: Any = None) -> np.ndarray:
    """gather's and scatter's index: integers, x's number of dims, in range along dim (torch
    refuses negative positions here, unlike in x[index])."""
    index = np.asarray(index.array if isinstance(index, Tensor) else index)
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): expected dtype int32/int64 for index, got {index.dtype}")
    if index.ndim != x.ndim and not (x.ndim == 0 and index.ndim < 2):
        raise RuntimeError(
            f"{op}: index must be an integer tensor with {x.ndim} dims, got {index.dtype} with "
            f"shape {index.shape}"
        )
    if src is not None and np.ndim(src) != index.ndim:
        raise RuntimeError(
            f"{op}: index tensor must have the same number of dimensions as src tensor (index "
            f"shape {index.shape}, src shape {np.shape(src)})"
        )
    length = x.shape[dim] if x.ndim else 1  # a 0-d tensor has one element along dim 0
    too_large = any(n > x.shape[i] for i, n in enumerate(index.shape) if i != dim and x.ndim)
    if src is not None and any(n > m for n, m in zip(index.shape, np.shape(src), strict=False)):
        too_large = True
    if too_large:
        raise RuntimeError(
            f"{op}: expected index {list(index.shape)} to be no larger than self "
            f"{list(x.shape)} apart from dimension {dim}"
            + ("" if src is None else f" and to be no larger size than src {list(np.shape(src))}")
        )
    if index.size and (index.min() < 0 or index.max() >= length):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(
            f"{op}: index {bad} is out of bounds for dimension {dim} with size {length}"
        )
    return index


def _same_dtype_src(op: str, x: Tensor, src: Any) -> Tensor:
    src = as_tensor_arg(op, src, "src")
    if src.dtype != x.dtype:
        raise RuntimeError(
            f"{op}(): expected self.dtype to be equal to src.dtype, got {x.dtype} and {src.dtype}"
        )
    return src


def scatter(
    input: Tensor, dim: int, index: Any, src: Any = None, value: Any = None, *, reduce: Any = None
) -> Tensor:
    """A copy of input with src (or the scalar value) written at index along dim; with
    reduce='add' or 'multiply', combined with what is there instead."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: expected src (a tensor) or value (a number)")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        source = _full_like_index(input, index, src)
        return scatter_reduce(input, dim, index, source, "sum" if reduce == "add" else "prod")
    d = normalize_dim("scatter", dim, input.ndim)
    if isinstance(src, Tensor):
        src = _same_dtype_src("scatter", input, src)
    index = _index_array("scatter", input, d, index, src if isinstance(src, Tensor) else None)
    return Scatter.apply(input, d, index, src)


def _full_like_index(x: Tensor, index: Any, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        return value
    shape = np.shape(index.array if isinstance(index, Tensor) else index)
    return Tensor(np.full(shape, value, dtype=x.dtype))


def scatter_add(input: Tensor, dim: int, index: Any, src: Tensor) -> Tensor:
    """input plus src[i] added at index[i] along dim (repeated positions accumulate)."""
    d = normalize_dim("scatter_add", dim, input.ndim)
    src = _same_dtype_src("scatter_add", input, src)
    index = _index_array("scatter_add", input, d, index, src)
    return input + ScatterAdd.apply(src, d, index, input.shape)


_REDUCE = {"sum": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


class ScatterReduce(Function):
    """input with src[i] combined into position index[i] along dim by sum, prod, mean, amax or
    amin; with include_self=False the positions written to forget input's value."""

    @staticmethod
    def forward(
        ctx: Context,
        x: np.ndarray,
        dim: int,
        index: np.ndarray,
        src: np.ndarray,
        reduce: str,
        include_self: bool,
    ) -> np.ndarray:
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        ctx.src_shape = src.shape
        positions = _positions(dim, index)
        values = src[_leading(index.shape)]
        ufunc = _REDUCE.get(reduce, np.add)
        out = x.copy()
        if not include_self and values.size:  # where something is scattered, start afresh
            first = {"sum": 0, "mean": 0, "prod": 1, "amax": values.min(), "amin": values.max()}
            out[positions] = first[reduce]
        ufunc.at(out, positions, values)
        if reduce == "mean":
            count = np.full(x.shape, 1 if include_self else 0, np.int64)
            np.add.at(count, positions, 1)
            count = np.maximum(count, 1)
            out = out / count if out.dtype.kind == "f" else out // count
        ctx.save_for_backward(x, src, out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, src, out = ctx.saved_tensors
        dim, index, reduce, include_self = ctx.dim, ctx.index, ctx.reduce, ctx.include_self
        src = src[_leading(index.shape)] if src.shape != index.shape else src
        # torch's scatter_reduce_backward, formula by formula
        if reduce == "sum":
            grad_x, grad_src = grad, grad.gather(dim, Tensor(index))
        elif reduce == "mean":
            ones = Tensor(np.ones(index.shape, grad.dtype))
            start = Tensor((np.ones if include_self else np.zeros)(grad.shape, grad.dtype))
            count = start.scatter_add(dim, index, ones)
            count = count.masked_fill(count == 0, 1)
            grad_x, grad_src = grad / count, (grad / count).gather(dim, Tensor(index))
        elif reduce == "prod":
            # the product of the others, computed without dividing by a zero factor
            kept = x.masked_fill(x == 0, 1)
            grad_x = grad * ScatterReduce.apply(kept, dim, index, src, "prod", include_self) / kept
            zero = src == 0
            zeros_there = Tensor(np.zeros(grad.shape, grad.dtype)).scatter_add(
                dim, index, zero.to(grad.dtype)
            )
            single = zero & (zeros_there.gather(dim, Tensor(index)) == 1)
            others = ScatterReduce.apply(
                x, dim, index, src.masked_fill(single, 1), "prod", include_self
            )
            grad_src = where(
                single,
                (grad * others).gather(dim, Tensor(index)),
                (grad * out).gather(dim, Tensor(index)) / src.masked_fill(zero, 1),
            )
        else:  # amax, amin: shared evenly among the elements equal to the result
            value = out.gather(dim, Tensor(index))
            x_is = (x == out).to(grad.dtype)
            src_is = (src == value).to(grad.dtype)
            share = grad / x_is.scatter_add(dim, index, src_is)
            grad_x, grad_src = x_is * share, src_is * share.gather(dim, Tensor(index))
        if not include_self:  # the overwritten input got nothing
            grad_x = grad_x.scatter(dim, index, 0.0)
        return grad_x, None, None, _to_source(grad_src, ctx.src_shape), None, None


def scatter_reduce(
    input: Tensor, dim: int, index: Any, src: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """torch.scatter_reduce: src combined into input at index along dim by `reduce`."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(
            f"scatter_reduce: reduce argument must be either sum, prod, mean, amax or amin, got "
            f"{reduce}"
        )
    if not isinstance(src, Tensor):
        raise TypeError(
            f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}"
        )
    d = normalize_dim("scatter_reduce", dim, input.ndim)
    src = _same_dtype_src("scatter_reduce", input, src)
    index = _index_array("scatter_reduce", input, d, index, src)
    if input.ndim == 0:
        return ScatterReduce.apply(
            input.reshape(1), 0, index.reshape(-1), src.reshape(-1), reduce, include_self
        ).reshape(())
    return ScatterReduce.apply(input, d, index, src, reduce, include_self)


# ---- index_select and friends: an index vector along one dim ------------------------------


def _index_vector(op: str, x: Tensor, dim: int, index: Any, error: type, kinds: str) -> np.ndarray:
    """A 0-d or 1-d integer index along dim, in range (no negative positions, as torch)."""
    index = np.asarray(index.array if isinstance(index, Tensor) else index)
    if index.dtype.kind not in "iu" or (kinds == "long" and index.dtype != np.int64):
        wanted = "int64" if kinds == "long" else "int32 or int64"
        raise (IndexError if op == "index_fill" else RuntimeError)(
            f"{op}(): expected dtype {wanted} for index, got {index.dtype}"
        )
    if index.ndim > 1:
        raise error(f"{op}(): index is supposed to be a vector, got shape {index.shape}")
    length = x.shape[dim] if x.ndim else 1
    if index.size and (index.min() < 0 or index.max() >= length):
        bad = index.min() if index.min() < 0 else index.max()
        raise error(f"{op}(): index {bad} is out of bounds for dimension {dim} with size {length}")
    return index.reshape(-1)


def _along(dim: int, index: np.ndarray) -> tuple:
    return (slice(None),) * dim + (index,)


class IndexSelect(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        return x[_along(dim, index)]

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        zeros = Tensor(np.zeros(ctx.shape, grad.dtype))  # repeated picks accumulate
        return IndexAdd.apply(zeros, ctx.dim, ctx.index, grad, 1), None, None


class IndexAdd(Function):
    """x with alpha * source[i] added at position index[i] along dim."""

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, dim: int, index: np.ndarray, source: np.ndarray, alpha: Any
    ) -> np.ndarray:
        ctx.dim, ctx.index, ctx.alpha = dim, index, alpha
        out = x.copy()
        np.add.at(out, _along(dim, index), source if alpha == 1 else alpha * source)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        grad_source = None
        if ctx.needs_input_grad[3]:
            grad_source = IndexSelect.apply(grad, ctx.dim, ctx.index)
            grad_source = grad_source if ctx.alpha == 1 else grad_source * ctx.alpha
        return grad, None, None, grad_source, None


class IndexCopy(Function):
    """x with the slices at index along dim replaced by source's."""

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, dim: int, index: np.ndarray, source: np.ndarray
    ) -> np.ndarray:
        ctx.dim, ctx.index = dim, index
        out = x.copy()
        out[_along(dim, index)] = source
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x_needs, _, _, source_needs = ctx.needs_input_grad
        grad_x = grad_source = None
        if x_needs:  # the replaced slices get nothing
            zeros = Tensor(np.zeros(IndexSelect.apply(grad, ctx.dim, ctx.index).shape, grad.dtype))
            grad_x = IndexCopy.apply(grad, ctx.dim, ctx.index, zeros)
        if source_needs:
            grad_source = IndexSelect.apply(grad, ctx.dim, ctx.index)
        return grad_x, None, None, grad_source


def index_select(input: Tensor, dim: int, index: Any) -> Tensor:
    """The slices of input at the positions `index` (a vector) along dim, in that order."""
    d = normalize_dim("index_select", dim, input.ndim)
    positions = _index_vector("index_select", input, d, index, IndexError, "int")
    if input.ndim == 0:
        return IndexSelect.apply(input.reshape(1), 0, positions).reshape(())
    return IndexSelect.apply(input, d, positions)


def _check_source(op: str, x: Tensor, dim: int, index: np.ndarray, source: Tensor) -> None:
    if source.dtype != x.dtype:
        raise RuntimeError(
            f"{op}(): self ({x.dtype}) and source ({source.dtype}) must have the same scalar type"
        )
    if x.ndim == 0 or source.ndim == 0:
        if source.array.size != index.size or x.ndim > 1 or source.ndim > 1:
            raise RuntimeError(f"{op}(): source shape {source.shape} does not fit self {x.shape}")
        return
    if source.ndim != x.ndim or any(
        n != m for i, (n, m) in enumerate(zip(source.shape, x.shape, strict=True)) if i != dim
    ):
        raise RuntimeError(
            f"{op}(): source tensor shape must match self tensor shape, excluding the specified "
            f"dimension. Got self.shape = {list(x.shape)} source.shape = {list(source.shape)}"
        )
    if source.shape[dim] != index.size:
        raise RuntimeError(
            f"{op}(): number of indices ({index.size}) should be equal to source.size(dim): "
            f"({source.shape[dim]}), for dim: {dim}"
        )


def index_add(input: Tensor, dim: int, index: Any, source: Tensor, *, alpha: Any = 1) -> Tensor:
    """input with alpha * source's slices added at the positions index along dim (repeated
    positions accumulate)."""
    d = normalize_dim("index_add", dim, input.ndim)
    positions = _index_vector("index_add", input, d, index, RuntimeError, "int")
    source = as_tensor_arg("index_add", source, "source")
    _check_source("index_add", input, d, positions, source)
    if input.ndim == 0:
        return IndexAdd.apply(input.reshape(1), 0, positions, source.reshape(-1), alpha).reshape(())
    return IndexAdd.apply(input, d, positions, source, alpha)


def index_copy(input: Tensor, dim: int, index: Any, source: Tensor) -> Tensor:
    """input with the slices at the positions index along dim replaced by source's."""
    d = normalize_dim("index_copy", dim, input.ndim)
    positions = _index_vector("index_copy", input, d, index, IndexError, "long")
    source = as_tensor_arg("index_copy", source, "source")
    _check_source("index_copy", input, d, positions, source)
    if input.ndim == 0:
        return IndexCopy.apply(input.reshape(1), 0, positions, source.reshape(-1)).reshape(())
    return IndexCopy.apply(input, d, positions, source)


# ---- masks, flat positions and nonzero ------------------------------------------------------


def _bool_mask(op: str, mask: Any) -> Tensor:
    mask = mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask))
    if mask.dtype != np.bool_:
        raise RuntimeError(f"{op}: expected a bool mask (BoolTensor), got {mask.dtype}")
    return mask


def masked_select(input: Tensor, mask: Any) -> Tensor:
    """The elements where mask holds, as a 1-D tensor (input and mask broadcast together)."""
    mask = _bool_mask("masked_select", mask)
    shape = broadcast_shape("masked_select", input.shape, mask.shape)
    x = input if input.shape == shape else input.expand(shape)
    return getitem(x, np.broadcast_to(mask.array, shape))


class MaskedScatter(Function):
    """x with the positions where mask holds filled, in order, from source's first elements."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, mask: np.ndarray, source: np.ndarray) -> np.ndarray:
        ctx.mask, ctx.source_shape = mask, source.shape
        out = x.copy()
        out[mask] = source.reshape(-1)[: int(mask.sum())]
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x_needs, _, source_needs = ctx.needs_input_grad
        mask = Tensor(ctx.mask)
        grad_x = grad.masked_fill(mask, 0.0) if x_needs else None
        grad_source = None
        if source_needs:  # the first k elements of source went to the k masked positions
            taken = grad[mask]
            unused = int(np.prod(ctx.source_shape)) - taken.shape[0]
            grad_source = pad(taken, (0, unused)).reshape(ctx.source_shape)
        return grad_x, None, grad_source


def masked_scatter(input: Tensor, mask: Any, source: Tensor) -> Tensor:
    mask = _bool_mask("masked_scatter", mask)
    source = as_tensor_arg("masked_scatter", source, "source")
    if source.dtype != input.dtype:
        raise RuntimeError(
            f"masked_scatter: expected self and source to have same dtypes but got "
            f"{input.dtype} and {source.dtype}"
        )
    shape = broadcast_shape("masked_scatter", input.shape, mask.shape)
    x = input if input.shape == shape else input.expand(shape)
    mask_array = np.broadcast_to(mask.array, shape)
    if int(mask_array.sum()) > source.array.size:
        raise RuntimeError(
            f"masked_scatter: number of elements of source ({source.array.size}) < number of "
            f"ones in mask ({int(mask_array.sum())})"
        )
    return MaskedScatter.apply(x, mask_array, source)


def _flat_positions(op: str, x: Tensor, index: Any) -> np.ndarray:
    """take's and put's index: int64 positions in the flattened tensor (negative from the end)."""
    index = np.asarray(index.array if isinstance(index, Tensor) else index)
    if index.dtype != np.int64:
        raise RuntimeError(f"{op}(): expected a long tensor for index, but got {index.dtype}")
    n = x.array.size
    if index.size and (index.min() < -n or index.max() >= n):
        bad = index.min() if index.min() < -n else index.max()
        raise IndexError(
            f"{op}: out of range: tried to access index {bad} on a tensor of {n} elements"
        )
    return index % n if index.size and index.min() < 0 else index


def take(input: Tensor, index: Any) -> Tensor:
    """input read as 1-D at the positions index; the result has index's shape."""
    positions = _flat_positions("take", input, index)
    return getitem(input.reshape(-1), positions)


def take_along_dim(input: Tensor, indices: Any, dim: int | None = None) -> Tensor:
    """gather with input and indices broadcast together except along dim (dim=None: both
    flattened)."""
    indices = indices if isinstance(indices, Tensor) else Tensor(np.asarray(indices))
    if indices.dtype.kind not in "iu":
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be int64 but got {indices.dtype}"
        )
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    if indices.ndim != input.ndim:
        raise RuntimeError(
            "torch.take_along_dim(): input and indices should have the same number of "
            f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
            "dimensions for indices"
        )
    d = normalize_dim("take_along_dim", dim, input.ndim)
    x_shape, i_shape = list(input.shape), list(indices.shape)
    x_shape[d] = i_shape[d] = 1
    common = broadcast_shape("take_along_dim", tuple(x_shape), tuple(i_shape))
    x_target = (*common[:d], input.shape[d], *common[d + 1 :])
    i_target = (*common[:d], indices.shape[d], *common[d + 1 :])
    x = input if input.shape == x_target else input.expand(x_target)
    positions = np.broadcast_to(indices.array, i_target)
    if positions.size and positions.min() < 0:  # take_along_dim reads negatives from the end
        positions = np.where(positions < 0, positions + input.shape[d], positions)
    return gather(x, d, positions)


def put(input: Tensor, index: Any, source: Tensor, accumulate: bool = False) -> Tensor:
    """input read as 1-D with source written (or added) at the positions index."""
    positions = _flat_positions("put", input, index)
    source = as_tensor_arg("put", source, "source")
    if source.array.size != positions.size:
        raise IndexError(
            "put_(): expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.array.size}, index.numel() = {positions.size}"
        )
    if source.dtype != input.dtype:
        raise RuntimeError(
            "put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{input.dtype} and source.dtype = {source.dtype}"
        )
    flat, values = input.reshape(-1), source.reshape(-1)
    if accumulate:
        return index_add(flat, 0, positions.reshape(-1), values).reshape(input.shape)
    return index_put(flat, (positions.reshape(-1),), values).reshape(input.shape)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Any:
    """The indices of the nonzero elements: one row per element (n, ndim), or with
    as_tuple=True one index tensor per dim (torch.where(condition)'s form)."""
    array = input.array
    if as_tuple:
        if array.ndim == 0:
            return (Tensor(np.zeros(int(array != 0), np.int64)),)
        return tuple(Tensor(i.astype(np.int64)) for i in np.nonzero(array))
    if array.ndim == 0:
        return Tensor(np.zeros((int(array != 0), 0), np.int64))
    return Tensor(np.argwhere(array).astype(np.int64))


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)


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
    if index.dtype != np.int64:
        raise IndexError(f"index_fill_(): expected dtype int64 for index, got {index.dtype}")
    if index.ndim > 1:
        raise RuntimeError(f"index_fill: index has to be a vector/scalar, got shape {index.shape}")
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
