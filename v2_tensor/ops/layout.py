"""Shape and layout beyond reshape and permute: flips, rolls, repeats, triangles, diagonals,
sliding windows, moved dims, broadcasting, atleast_nd and meshgrid.

torch's views are views here too (the result shares the input's memory and version counter,
and writing into it writes into the input): diagonal, narrow, select, unfold, unflatten,
movedim, swapaxes, broadcast_to, broadcast_tensors, atleast_*d and meshgrid. flip, roll,
rot90, tril, triu, repeat, tile and diag copy, as torch's do.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor
from .conventions import as_tensor_arg, broadcast_shape
from .dims import normalize_dim
from .indexing import GetItem, index_select
from .shape import Permute, Reshape, expand, reshape, sizes, transpose
from .unary import Clone


def dim_list(op: str, dims: Any, ndim: int) -> tuple[int, ...]:
    """Dims in the order given, each in range and none twice (torch's flip, movedim)."""
    dims = tuple(dims) if isinstance(dims, tuple | list) else (dims,)
    result = tuple(normalize_dim(op, d, ndim) for d in dims)
    for i, d in enumerate(result):
        if d in result[:i]:
            raise RuntimeError(f"{op}: dim {d} appears multiple times in the list of dims")
    return result


def strided_view(x: np.ndarray, shape: tuple, strides: tuple) -> np.ndarray:
    """A view of x's memory with the given shape and strides (in bytes) from x's first
    element; its base is the array that owns the memory, so the engine sees a view."""
    root = x if x.base is None else x.base
    try:
        start = x.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        view = np.ndarray(shape, x.dtype, buffer=root, offset=start, strides=strides)
    except (AttributeError, TypeError, ValueError):  # memory owned by a non-array object
        view = np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)
    if not x.flags.writeable:
        view.flags.writeable = False
    return view


# ---- flips, rolls, rotations -------------------------------------------------------------


class Flip(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        ctx.dims = dims
        return np.flip(x, dims).copy()  # torch's flip copies

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return Flip.apply(grad, ctx.dims), None  # a flip is its own inverse


def flip(input: Tensor, *dims: Any) -> Tensor:
    """The elements in reverse order along each of dims (a copy, as torch's flip)."""
    if len(dims) == 1 and isinstance(dims[0], tuple | list):
        dims = tuple(dims[0])
    dims = dim_list("flip", dims, input.ndim)
    if input.ndim == 0:
        return Clone.apply(input)
    return Flip.apply(input, dims)


def fliplr(input: Tensor) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {input.shape}")
    return Flip.apply(input, (1,))


def flipud(input: Tensor) -> Tensor:
    if input.ndim < 1:
        raise RuntimeError(f"flipud: input must be >= 1-d, got shape {input.shape}")
    return Flip.apply(input, (0,))


class Roll(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, shifts: Any, dims: Any) -> np.ndarray:
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, axis=dims)  # dims None: the flattened tensor rolls

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        shifts = tuple(-s for s in ctx.shifts) if ctx.dims is not None else -ctx.shifts
        return Roll.apply(grad, shifts, ctx.dims), None, None  # rolled back


def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Elements shifted along dims, wrapping around (with dims=None, over the flattened tensor)."""
    shift_list = tuple(shifts) if isinstance(shifts, tuple | list) else (shifts,)
    if dims is None:
        if len(shift_list) != 1:
            raise RuntimeError(
                f"roll: shifts and dimensions must align. shifts: {len(shift_list)}, dims: 0"
            )
        return Roll.apply(input, int(shift_list[0]), None)
    dim_tuple = tuple(dims) if isinstance(dims, tuple | list) else (dims,)
    if len(shift_list) != len(dim_tuple):
        raise RuntimeError(
            f"roll: shifts and dimensions must align. shifts: {len(shift_list)}, dims: "
            f"{len(dim_tuple)}"
        )
    normalized = tuple(normalize_dim("roll", d, input.ndim) for d in dim_tuple)
    if input.ndim == 0:
        return Clone.apply(input)
    return Roll.apply(input, tuple(int(s) for s in shift_list), normalized)


def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotation by 90° k times in the plane of dims, from the first towards the second:
    flips and a transpose, as torch computes it."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {input.ndim}")
    a, b = (normalize_dim("rot90", d, input.ndim) for d in dims)
    if a == b:
        raise RuntimeError(
            f"rot90: expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}"
        )
    k %= 4
    if k == 1:
        return transpose(Flip.apply(input, (b,)), a, b)
    if k == 2:
        return Flip.apply(input, (a, b))
    if k == 3:
        return transpose(Flip.apply(input, (a,)), a, b)
    return Clone.apply(input)


# ---- repeats --------------------------------------------------------------------------------


class Repeat(Function):
    """x tiled `repeats` times along each dim (new leading dims for extra repeats)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, repeats: tuple[int, ...]) -> np.ndarray:
        ctx.shape, ctx.repeats = x.shape, repeats
        padded = x.reshape((1,) * (len(repeats) - x.ndim) + x.shape)
        ctx.padded = padded.shape
        return np.tile(padded, repeats)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        # the copies of each element lie at (copy r, position n) along each dim: sum over r
        split = [size for pair in zip(ctx.repeats, ctx.padded, strict=True) for size in pair]
        copies = tuple(range(0, 2 * len(ctx.repeats), 2))
        return grad.reshape(split).sum(copies).reshape(ctx.shape), None


def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """x.repeat(2, 3): the tensor tiled along each dim (torch's Tensor.repeat, a copy)."""
    repeats = sizes("repeat", repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError(
            "repeat: number of dimensions of repeat dims can not be smaller than number of "
            f"dimensions of tensor (repeats {list(repeats)}, shape {list(input.shape)})"
        )
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"repeat: trying to create tensor with negative dimension: {repeats}")
    return Repeat.apply(input, repeats)


def tile(input: Tensor, dims: Any) -> Tensor:
    """repeat with missing leading repeats taken as 1 (torch.tile, NumPy's tile)."""
    dims = sizes("tile", (dims,) if isinstance(dims, int) else tuple(dims))
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def repeat_interleave(
    input: Tensor, repeats: Any = None, dim: int | None = None, *, output_size: int | None = None
) -> Tensor:
    """Each element repeated `repeats` times (an int, or one count per element along dim),
    the copies next to each other; over the flattened tensor when dim is None. With only a
    tensor of counts, the indices 0, 1, ... each repeated that many times."""
    if repeats is None:  # torch.repeat_interleave(counts)
        counts = _repeat_counts(input, np.size(input.array))
        return Tensor(np.repeat(np.arange(counts.size), counts))
    x = input if dim is not None else reshape(input, -1)
    d = 0 if dim is None else normalize_dim("repeat_interleave", dim, x.ndim)
    if x.ndim == 0:
        x = reshape(x, 1)
    length = x.shape[d]
    counts = _repeat_counts(repeats, length)
    if counts.size == 1:
        counts = np.full(length, counts.reshape(()))
    index = np.repeat(np.arange(length), counts)
    if output_size is not None and output_size != index.size:
        raise RuntimeError(
            f"repeat_interleave: allocated size {output_size} does not match the required "
            f"size {index.size}"
        )
    return index_select(x, d, Tensor(index))


def _repeat_counts(repeats: Any, length: int) -> np.ndarray:
    counts = np.asarray(repeats.array if isinstance(repeats, Tensor) else repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1:
        raise RuntimeError(
            f"repeat_interleave: repeats must be an int or a 0-d or 1-d integer tensor, got "
            f"{counts.dtype} with shape {counts.shape}"
        )
    if counts.size and counts.min() < 0:
        raise RuntimeError("repeat_interleave: repeats must be non-negative")
    if counts.ndim == 1 and counts.size not in (1, length):
        raise RuntimeError(
            "repeat_interleave: repeats must have the same size as input along dim, but got "
            f"repeats.size(0) = {counts.size} and input.size(0) = {length}"
        )
    return counts


# ---- triangles and diagonals -----------------------------------------------------------------


class Tril(Function):
    """The lower triangle of the last two dims (on and below diagonal k), zeros above."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, diagonal: int) -> np.ndarray:
        ctx.diagonal = diagonal
        return np.tril(x, diagonal)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return Tril.apply(grad, ctx.diagonal), None


class Triu(Function):
    """The upper triangle of the last two dims (on and above diagonal k), zeros below."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, diagonal: int) -> np.ndarray:
        ctx.diagonal = diagonal
        return np.triu(x, diagonal)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return Triu.apply(grad, ctx.diagonal), None


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"tril: input tensor must have at least 2 dimensions, got {input.shape}")
    return Tril.apply(input, int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"triu: input tensor must have at least 2 dimensions, got {input.shape}")
    return Triu.apply(input, int(diagonal))


def _diagonal_of(x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
    """NumPy's diagonal view (the diagonal's dim last, as torch), writeable when x is."""
    view = np.diagonal(x, offset, dim1, dim2)
    if x.flags.writeable:
        view.flags.writeable = True
    return view


class Diagonal(Function):
    is_view = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
        ctx.shape, ctx.dtype, ctx.args = x.shape, x.dtype, (offset, dim1, dim2)
        return _diagonal_of(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        zeros = Tensor(np.zeros(ctx.shape, grad.dtype))  # the gradient lies on the diagonal
        return DiagonalScatter.apply(zeros, grad, *ctx.args), None, None, None


class DiagonalScatter(Function):
    """x with its diagonal (offset, dim1, dim2) replaced by src (torch.diagonal_scatter)."""

    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, src: np.ndarray, offset: int, dim1: int, dim2: int
    ) -> np.ndarray:
        ctx.args = (offset, dim1, dim2)
        out = x.copy()
        _diagonal_of(out, offset, dim1, dim2)[...] = src
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x_needs, src_needs = ctx.needs_input_grad[:2]
        grad_x = grad_src = None
        if x_needs:  # the replaced diagonal gets nothing
            zeros = Tensor(np.zeros(Diagonal.apply(grad, *ctx.args).shape, grad.dtype))
            grad_x = DiagonalScatter.apply(grad, zeros, *ctx.args)
        if src_needs:
            grad_src = Diagonal.apply(grad, *ctx.args)
        return grad_x, grad_src, None, None, None


class DiagEmbed(Function):
    """Matrices (in dims dim1, dim2 of the result) with x's last dim on diagonal `offset`."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
        ctx.args = (offset, dim1, dim2)
        n = x.shape[-1] + abs(offset)
        shape = list(x.shape[:-1])
        for d in sorted((dim1, dim2)):
            shape.insert(d, n)
        out = np.zeros(shape, x.dtype)
        _diagonal_of(out, offset, dim1, dim2)[...] = x
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return Diagonal.apply(grad, *ctx.args), None, None, None


def _diagonal_dims(op: str, ndim: int, dim1: int, dim2: int) -> tuple[int, int]:
    a, b = normalize_dim(op, dim1, ndim), normalize_dim(op, dim2, ndim)
    if a == b:
        raise RuntimeError(f"{op}: diagonal dimensions cannot be identical {dim1}, {dim2}")
    return a, b


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal `offset` of the matrices in dims dim1, dim2, as a last dim (a view)."""
    if input.ndim < 2:
        raise RuntimeError(f"diagonal: expected a tensor with >= 2 dims, got {input.shape}")
    a, b = _diagonal_dims("diagonal", input.ndim, dim1, dim2)
    return Diagonal.apply(input, int(offset), a, b)


def diagonal_scatter(
    input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1
) -> Tensor:
    a, b = _diagonal_dims("diagonal_scatter", input.ndim, dim1, dim2)
    expected = np.diagonal(input.array, offset, a, b).shape
    src = as_tensor_arg("diagonal_scatter", src, "src")
    if src.shape != expected:
        raise RuntimeError(
            f"diagonal_scatter: src must have the shape of the diagonal {expected}, got {src.shape}"
        )
    return DiagonalScatter.apply(input, src.to(input.dtype), int(offset), a, b)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    if input.ndim < 1:
        raise RuntimeError("diag_embed: expected a tensor with >= 1 dim")
    a, b = _diagonal_dims("diag_embed", input.ndim + 1, dim1, dim2)
    return DiagEmbed.apply(input, int(offset), a, b)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's diagonal matrix, or a matrix's diagonal as a new vector (a copy)."""
    if input.ndim == 1:
        return DiagEmbed.apply(input, int(diagonal), 0, 1)
    if input.ndim == 2:
        return Clone.apply(Diagonal.apply(input, int(diagonal), 0, 1))
    raise RuntimeError(f"diag(): supports 1D or 2D tensors, got {input.ndim}D")


def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    return DiagEmbed.apply(reshape(input, -1), int(offset), 0, 1)


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's diagonal."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Diagonal.apply(input, 0, 0, 1).sum()


# ---- views: narrow, select, unfold, unflatten, movedim -------------------------------------


def narrow(input: Tensor, dim: int, start: Any, length: int) -> Tensor:
    """The `length` elements along dim from `start` (a view)."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor")
    d = normalize_dim("narrow", dim, input.ndim)
    size = input.shape[d]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(
            f"narrow: start out of range (expected to be in range of [{-size}, {size}], but "
            f"got {start})"
        )
    start %= size if size else 1
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative")
    if start + length > size:
        raise RuntimeError(
            f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size})"
        )
    return GetItem.apply(input, (slice(None),) * d + (slice(start, start + length),))


def select(input: Tensor, dim: int, index: Any) -> Tensor:
    """x[..., index, ...] at dim (a view without that dim)."""
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor")
    d = normalize_dim("select", dim, input.ndim)
    size, index = input.shape[d], int(index)
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input.shape)} at "
            f"dimension {d}"
        )
    return GetItem.apply(input, (slice(None),) * d + (index % size,))


class Unfold(Function):
    """Windows of `size` elements every `step` along dim, as a new last dim (a strided view;
    torch's Tensor.unfold)."""

    is_view = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int, size: int, step: int) -> np.ndarray:
        ctx.shape, ctx.args = x.shape, (dim, size, step)
        count = (x.shape[dim] - size) // step + 1
        shape = (*x.shape[:dim], count, *x.shape[dim + 1 :], size)
        strides = list(x.strides)
        strides[dim] *= step
        view = strided_view(x, shape, (*strides, x.strides[dim]))
        if step < size and count > 1:
            # overlapping windows: in-place writes are refused (torch writes an element once
            # per window holding it, so its result depends on the order of the writes)
            view.flags.writeable = False
        return view

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return UnfoldBackward.apply(grad, ctx.shape, *ctx.args), None, None, None


class UnfoldBackward(Function):
    """Unfold's adjoint: each window's gradient added back where the window was."""

    @staticmethod
    def forward(
        ctx: Context, grad: np.ndarray, shape: tuple, dim: int, size: int, step: int
    ) -> np.ndarray:
        ctx.args = (dim, size, step)
        out = np.zeros(shape, grad.dtype)
        count = grad.shape[dim]
        for i in range(size):  # element i of window j sits at j * step + i
            where = [slice(None)] * len(shape)
            where[dim] = slice(i, i + step * (count - 1) + 1, step)
            out[tuple(where)] += grad[..., i]
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return Unfold.apply(grad, *ctx.args), None, None, None, None


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    d = normalize_dim("unfold", dimension, input.ndim)
    length = input.shape[d] if input.ndim else 1
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(
            f"unfold: maximum size for tensor at dimension {d} is {length} but size is {size}"
        )
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if input.ndim == 0:
        return Reshape.apply(input, (size,))
    return Unfold.apply(input, d, size, step)


def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dim `dim` split into dims of the given sizes (one may be -1): a view."""
    d = normalize_dim("unflatten", dim, input.ndim)
    sizes = tuple(int(n) for n in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    known = math.prod(n for n in sizes if n != -1)
    length = input.shape[d]
    if sizes.count(-1) > 1 or (
        length != known if -1 not in sizes else known == 0 or length % known
    ):
        raise RuntimeError(
            f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
            f"({length}) in the input tensor"
        )
    if -1 in sizes:
        sizes = tuple(length // known if n == -1 else n for n in sizes)
    return Reshape.apply(input, (*input.shape[:d], *sizes, *input.shape[d + 1 :]))


def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Dims `source` moved to positions `destination`, the others kept in order (a view)."""
    src = dim_list("movedim", source, input.ndim)
    dst = dim_list("movedim", destination, input.ndim)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    order: list[int | None] = [None] * input.ndim
    for s, t in zip(src, dst, strict=True):
        order[t] = s
    rest = iter(d for d in range(input.ndim) if d not in src)
    return Permute.apply(input, tuple(next(rest) if o is None else o for o in order))


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return transpose(input, dim0, dim1)


def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:
    """The tensor itself when its memory is in row-major order, otherwise a row-major copy."""
    return input if input.array.flags.c_contiguous else Clone.apply(input)


def is_contiguous(input: Tensor, memory_format: Any = None) -> bool:
    return bool(input.array.flags.c_contiguous)


def ravel(input: Tensor) -> Tensor:
    return reshape(input, -1)


# ---- broadcasting ------------------------------------------------------------------------------


def broadcast_shapes(*shapes: Any) -> tuple[int, ...]:
    """The shape that tensors of the given shapes broadcast to (RuntimeError if none)."""
    result: tuple[int, ...] = ()
    for shape in shapes:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        result = broadcast_shape("broadcast_shapes", result, shape)
    return result


def broadcast_to(input: Tensor, size: Any) -> Tensor:
    return expand(input, size)


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """Every tensor expanded (a view) to the shape they broadcast to together."""
    tensors = tuple(as_tensor_arg("broadcast_tensors", t) for t in tensors)
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


# ---- atleast_nd and meshgrid ---------------------------------------------------------------------


def _each(op: str, tensors: tuple, make: Any) -> Any:
    """atleast_nd's calling convention: one tensor in, one out; several (or a list), a tuple."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return make(tensors[0])
    items = tensors[0] if len(tensors) == 1 else tensors
    return tuple(make(as_tensor_arg(op, t)) for t in items)


def atleast_1d(*tensors: Any) -> Any:
    return _each("atleast_1d", tensors, lambda t: reshape(t, 1) if t.ndim == 0 else t)


def atleast_2d(*tensors: Any) -> Any:
    def make(t: Tensor) -> Tensor:
        return reshape(t, (1,) * (2 - t.ndim) + t.shape) if t.ndim < 2 else t

    return _each("atleast_2d", tensors, make)


def atleast_3d(*tensors: Any) -> Any:
    def make(t: Tensor) -> Tensor:  # as NumPy: (n,) -> (1, n, 1), (m, n) -> (m, n, 1)
        if t.ndim == 0:
            return reshape(t, (1, 1, 1))
        if t.ndim == 1:
            return reshape(t, (1, t.shape[0], 1))
        return reshape(t, (*t.shape, 1)) if t.ndim == 2 else t

    return _each("atleast_3d", tensors, make)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: output i varies along dim i ('ij') or, for the
    first two, along the other one ('xy', as NumPy's default). Each output is a view."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(
            f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}'
        )
    tensors = tuple(as_tensor_arg("meshgrid", t) for t in tensors)
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(
                f"meshgrid: expected 0D or 1D tensors in the tensor list, got shape {t.shape}"
            )
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    places = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        places[0], places[1] = 1, 0
    counts = [t.array.size for t in tensors]
    shape = [0] * len(tensors)
    for place, count in zip(places, counts, strict=True):
        shape[place] = count
    return tuple(
        expand(reshape(t, tuple(-1 if d == place else 1 for d in range(len(shape)))), shape)
        for t, place in zip(tensors, places, strict=True)
    )
