"""Sliding windows over the last D axes: the geometry convolution, pooling and (un)fold share.

A window grid is fixed by its kernel, stride, dilation and (before, after) zero padding per
axis, the input's spatial size and the number of window positions per axis. For one kernel
offset (i, j, ...) the pixels it reads in every window form a strided grid of the padded
input, x_p[.., i*d_h + s_h*h, j*d_w + s_w*w], so every loop here runs over kernel offsets
(9 for a 3x3 kernel), never over pixels.

`Unfold` (im2col) copies every window into a column; `Fold` (col2im) adds columns back onto
the windows they came from. They are each other's adjoint, so each one's backward is the
other, and anything built from them with Tensor ops (convolution, transposed convolution,
F.unfold, F.fold) is differentiable as many times as one likes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from v2_tensor import Tensor
from v2_tensor.autograd import Function

Pads = tuple[tuple[int, int], ...]  # (before, after) per spatial axis


def as_tuple(value: int | Sequence[int], n: int, name: str, op: str) -> tuple[int, ...]:
    """An int or a sequence of n ints (torch's _single/_pair/_triple) as an n-tuple of ints."""
    values = (value,) * n if isinstance(value, int | np.integer) else tuple(value)
    if len(values) == 1:
        values *= n
    if len(values) != n or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values
    ):
        raise TypeError(f"{op}: {name} must be an int or {n} ints, got {value!r}")
    return tuple(int(v) for v in values)


def window_count(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    """Window positions along one axis: floor((L + pad - d(k-1) - 1) / s) + 1."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


@dataclass(frozen=True)
class Windows:
    """Where every window of a convolution or pooling lies (the last len(kernel) axes)."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    padding: Pads
    size: tuple[int, ...]  # the input's spatial size, unpadded
    out: tuple[int, ...]  # window positions per axis

    @property
    def dims(self) -> int:
        return len(self.kernel)

    @property
    def padded(self) -> tuple[int, ...]:
        return tuple(n + b + a for n, (b, a) in zip(self.size, self.padding, strict=True))

    def offsets(self) -> Iterator[tuple[tuple[int, ...], tuple[slice, ...]]]:
        """(kernel offset, grid): grid indexes the padded input's pixels that offset reads."""
        ranges = [range(k) for k in self.kernel]
        for offset in itertools.product(*ranges):
            yield (
                offset,
                tuple(
                    slice(i * d, i * d + s * (o - 1) + 1, s)
                    for i, d, s, o in zip(offset, self.dilation, self.stride, self.out, strict=True)
                ),
            )

    def pad(self, x: np.ndarray, value: float = 0.0) -> np.ndarray:
        """x with its last D axes padded by copies of value (x itself when there is no padding)."""
        if not any(b or a for b, a in self.padding):
            return x
        lead = x.shape[: x.ndim - self.dims]
        padded = np.full((*lead, *self.padded), value, x.dtype)
        padded[(..., *self.interior())] = x
        return padded

    def interior(self) -> tuple[slice, ...]:
        """The unpadded input inside the padded one."""
        return tuple(slice(b, b + n) for n, (b, _) in zip(self.size, self.padding, strict=True))

    def view(self, xp: np.ndarray) -> np.ndarray:
        """(..., *out, *kernel) view of every window of the padded input (no copy)."""
        spans = tuple(d * (k - 1) + 1 for k, d in zip(self.kernel, self.dilation, strict=True))
        axes = tuple(range(xp.ndim - self.dims, xp.ndim))
        windows = sliding_window_view(xp, spans, axis=axes)
        lead = (slice(None),) * (xp.ndim - self.dims)
        positions = zip(self.stride, self.out, strict=True)
        steps = tuple(slice(0, s * (o - 1) + 1, s) for s, o in positions)
        return windows[(*lead, *steps, *(slice(None, None, d) for d in self.dilation))]


def unfold_array(x: np.ndarray, windows: Windows) -> np.ndarray:
    """im2col: cols (C, *kernel, N, *out) of x (N, C, *size), every window a column."""
    view = windows.view(windows.pad(x))  # (N, C, *out, *kernel)
    d = windows.dims
    order = (1, *range(2 + d, 2 + 2 * d), 0, *range(2, 2 + d))
    return np.ascontiguousarray(view.transpose(order))  # the one copy


def fold_array(cols: np.ndarray, windows: Windows) -> np.ndarray:
    """col2im: the adjoint of unfold_array, each column added back onto its window."""
    channels, n = cols.shape[0], cols.shape[1 + windows.dims]
    grad = np.zeros((n, channels, *windows.padded), cols.dtype)
    for offset, grid in windows.offsets():
        grad[(slice(None), slice(None), *grid)] += cols[(slice(None), *offset)].swapaxes(0, 1)
    if not any(b or a for b, a in windows.padding):
        return grad
    return grad[(..., *windows.interior())]


class Unfold(Function):
    """x (N, C, *size) -> cols (C, *kernel, N, *out); backward: Fold, its adjoint."""

    @staticmethod
    def forward(ctx, x: np.ndarray, windows: Windows) -> np.ndarray:
        ctx.windows = windows
        return unfold_array(x, windows)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        return Fold.apply(grad, ctx.windows), None


class Fold(Function):
    """cols (C, *kernel, N, *out) -> x (N, C, *size), overlaps summed; backward: Unfold."""

    @staticmethod
    def forward(ctx, cols: np.ndarray, windows: Windows) -> np.ndarray:
        ctx.windows = windows
        return fold_array(cols, windows)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        return Unfold.apply(grad, ctx.windows), None


def columns(x: Tensor, windows: Windows) -> Tensor:
    """Unfold as a Tensor op: (C, *kernel, N, *out)."""
    return Unfold.apply(x, windows)


def uncolumns(cols: Tensor, windows: Windows) -> Tensor:
    """Fold as a Tensor op: (N, C, *size)."""
    return Fold.apply(cols, windows)


def kernel_volume(windows: Windows) -> int:
    return math.prod(windows.kernel)
