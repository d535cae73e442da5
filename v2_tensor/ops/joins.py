"""Joining and splitting: cat, stack, split, chunk, unbind, pad."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..dtypes import result_dtype
from ..function import Context, Function
from ..tensor import Tensor
from .dims import normalize_dim


class Cat(Function):
    @staticmethod
    def forward(ctx: Context, *parts: np.ndarray, dim: int) -> np.ndarray:
        ctx.dim = dim
        ctx.bounds = np.cumsum([p.shape[dim] for p in parts])[:-1].tolist()
        return np.concatenate(parts, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return tuple(Split.apply(grad, ctx.bounds, ctx.dim))


class Stack(Function):
    @staticmethod
    def forward(ctx: Context, *parts: np.ndarray, dim: int) -> np.ndarray:
        ctx.dim = dim
        return np.stack(parts, axis=dim)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return tuple(Unbind.apply(grad, ctx.dim))


class Split(Function):
    """Pieces of x along dim, cut before each position in `bounds` (views of x)."""

    is_view = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, bounds: list[int], dim: int) -> tuple:
        ctx.dim = dim
        return tuple(np.split(x, bounds, axis=dim))

    @staticmethod
    def backward(ctx: Context, *grads: Tensor) -> tuple:
        return Cat.apply(*grads, dim=ctx.dim), None, None


class Unbind(Function):
    is_view = True

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dim: int) -> tuple:
        ctx.dim = dim
        moved = np.moveaxis(x, dim, 0)
        return tuple(moved[i, ...] for i in range(moved.shape[0]))  # views, also when 0-d

    @staticmethod
    def backward(ctx: Context, *grads: Tensor) -> tuple:
        return Stack.apply(*grads, dim=ctx.dim), None


class Pad(Function):
    """Constant padding; a negative width crops instead (torch's F.pad semantics)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, widths: tuple, value: float) -> np.ndarray:
        ctx.widths = widths
        crop = tuple(
            slice(max(-before, 0), n - max(-after, 0))
            for (before, after), n in zip(widths, x.shape, strict=True)
        )
        grow = [(max(before, 0), max(after, 0)) for before, after in widths]
        return np.pad(x[crop], grow, constant_values=value)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        # padding by the negated widths crops the padding off and restores cropped zeros
        return Pad.apply(grad, tuple((-b, -a) for b, a in ctx.widths), 0.0), None, None


def _joinable(op: str, tensors: Sequence[Tensor]) -> list[Tensor]:
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(t).__name__}")
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = result_dtype(np.empty(1, dtype), t) if t.dtype != dtype else dtype
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim; all other dims must match."""
    tensors = _joinable("cat", tensors)
    if any(t.ndim == 0 for t in tensors):
        raise RuntimeError("cat: zero-dimensional tensors cannot be concatenated (use stack)")
    d = normalize_dim("cat", dim, tensors[0].ndim)
    first = tensors[0].shape
    for i, t in enumerate(tensors):
        if t.ndim != len(first) or any(
            n != m for k, (n, m) in enumerate(zip(t.shape, first, strict=True)) if k != d
        ):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dim {d}: tensor 0 has shape {first} "
                f"and tensor {i} has shape {t.shape}"
            )
    return Cat.apply(*tensors, dim=d)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dim."""
    tensors = _joinable("stack", tensors)
    d = normalize_dim("stack", dim, tensors[0].ndim + 1)
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack: expects each tensor to be equal size, but got {tensors[0].shape} at "
                f"entry 0 and {t.shape} at entry {i}"
            )
    return Stack.apply(*tensors, dim=d)


def split(x: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of size `split_size` (the last may be smaller), or of the given sizes."""
    d = normalize_dim("split", dim, x.ndim)
    length = x.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0 or (size == 0 and length):
            raise RuntimeError(
                f"split: split_size must be positive for dim {d} of size {length}, got {size}"
            )
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise RuntimeError(f"split: sizes {sizes} do not add up to dim {d} of shape {x.shape}")
    bounds = np.cumsum(sizes)[:-1].tolist()
    return Split.apply(x, bounds, d)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """At most `chunks` pieces of equal size ceil(n / chunks), as torch.chunk."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    length = x.shape[normalize_dim("chunk", dim, x.ndim)]
    return split(x, max(-(-length // chunks), 1), dim)


def unbind(x: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of x along dim, each without that dim."""
    if x.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dim to unbind")
    return Unbind.apply(x, normalize_dim("unbind", dim, x.ndim))


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant", value: float = 0.0) -> Tensor:
    """Constant padding; `pad` = (left, right) for the last dim, then the one before, ...;
    negative widths crop."""
    if mode != "constant":
        raise NotImplementedError(f"pad: only mode='constant' is supported, got {mode!r}")
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise RuntimeError(f"pad: {pad} must have an even length of at most 2 * {x.ndim}")
    widths = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        widths[x.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    return Pad.apply(x, tuple(widths), value)


# ---- tensor_split and the NumPy-style splits and stacks ------------------------------------


def tensor_split(input: Tensor, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces along dim: `sections` pieces as equal as can be (the first n % sections one
    longer), or cut before each of the given indices. Each piece is a view of its own."""
    from .indexing import GetItem  # (indexing imports this module)

    if input.ndim == 0:
        raise RuntimeError(
            "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
        )
    d = normalize_dim("tensor_split", dim, input.ndim)
    length = input.shape[d]
    cuts = indices_or_sections
    if isinstance(cuts, Tensor):
        if cuts.dtype != np.int64 or cuts.ndim > 1:
            raise RuntimeError(
                "tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                f"one-dimensional int64 tensor, but got a tensor with {cuts.ndim} dims of "
                f"{cuts.dtype}"
            )
        cuts = int(cuts.item()) if cuts.ndim == 0 else cuts.array.tolist()
    if isinstance(cuts, int | np.integer):
        sections = int(cuts)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        size, extra = divmod(length, sections)
        starts = [i * size + min(i, extra) for i in range(sections + 1)]
    else:
        starts = [0, *(int(i) for i in cuts), length]
    pieces = []
    for begin, end in zip(starts[:-1], starts[1:], strict=True):
        begin = min(max(begin if begin >= 0 else begin + length, 0), length)
        end = min(max(end if end >= 0 else end + length, 0), length)
        where = (slice(None),) * d + (slice(begin, max(begin, end)),)
        pieces.append(GetItem.apply(input, where))
    return tuple(pieces)


def _split_along(op: str, x: Tensor, cuts: Any, dim: int, least: int) -> tuple[Tensor, ...]:
    if x.ndim < least:
        raise RuntimeError(
            f"torch.{op} requires a tensor with at least {least} dimension, but got a tensor "
            f"with {x.ndim} dimensions!"
        )
    if isinstance(cuts, int) and cuts != 0 and x.shape[dim] % cuts:
        raise RuntimeError(
            f"torch.{op} attempted to split along dimension {dim}, but the size of the "
            f"dimension {x.shape[dim]} is not divisible by the split_size {cuts}!"
        )
    return tensor_split(x, cuts, dim)


def hsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    dim = 1 if input.ndim > 1 else 0
    return _split_along("hsplit", input, indices_or_sections, dim, 1)


def vsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    return _split_along("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input: Tensor, indices_or_sections: Any) -> tuple[Tensor, ...]:
    return _split_along("dsplit", input, indices_or_sections, 2, 3)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Joined along the second dim (the first for 1-D tensors), as NumPy's hstack."""
    from .layout import atleast_1d

    parts = atleast_1d(list(tensors))
    return cat(parts, 0 if all(t.ndim == 1 for t in parts) else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Rows joined: 1-D tensors become rows (1, n) first."""
    from .layout import atleast_2d

    return cat(atleast_2d(list(tensors)), 0)


row_stack = vstack


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Joined along the third dim, after atleast_3d."""
    from .layout import atleast_3d

    return cat(atleast_3d(list(tensors)), 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Columns joined: 0-d and 1-D tensors become columns (n, 1) first."""
    parts = [
        t.reshape(t.array.size, 1) if t.ndim <= 1 else t for t in _joinable("column_stack", tensors)
    ]
    return cat(parts, 1)
