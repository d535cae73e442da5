"""Pooling over the same sliding windows as convolution (see conv.py).

Max pooling routes each output's gradient to the first maximum of its window
(torch's tie rule); average pooling spreads it evenly over the window; adaptive
average pooling is a product of two averaging matrices, y = A_h @ x @ A_w^T.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from v2_tensor import Tensor
from v2_tensor.autograd import Function, once_differentiable

from .conv import (
    Padding4,
    Pair,
    SeparableMap2dFunction,
    as_tuple,
    kernel_offsets,
    pad_spatial,
    unpad_spatial,
)


def pool_output_size(
    size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool
) -> int:
    """torch's pooling output length; with ceil_mode the last window must start inside the input."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil else 0)
    out = span // stride + 1
    if ceil and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_padding(
    size: Pair, out: Pair, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair
) -> Padding4:
    """(top, bottom, left, right) so that every one of the out windows lies inside the padding."""
    extra = [
        max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
        for n, o, k, s, p, d in zip(size, out, kernel, stride, padding, dilation, strict=True)
    ]
    return padding[0], padding[0] + extra[0], padding[1], padding[1] + extra[1]


class MaxPool2dFunction(Function):
    """(y, argmax): the max of each window of the input padded with -inf, and its offset in it.

    A running max over the kernel offsets, with torch's rule: a later value takes over if it
    is larger or NaN, so ties go to the first maximum in the window and NaN propagates.
    """

    @staticmethod
    def forward(ctx, x, kernel: Pair, stride: Pair, padding: Padding4, dilation: Pair, out: Pair):
        xp = pad_spatial(x, padding, -np.inf)
        offsets = kernel_offsets(kernel, stride, dilation, out)
        _, _, first = next(offsets)
        y = xp[first].copy()
        argmax = np.zeros(y.shape, np.min_scalar_type(kernel[0] * kernel[1] - 1))
        for k, (_, _, grid) in enumerate(offsets, start=1):
            candidate = xp[grid]
            takes_over = (candidate > y) | np.isnan(candidate)
            np.maximum(y, candidate, out=y)  # NaN-propagating, like the rule above
            # k exceeds every earlier offset, so this sets argmax = k exactly where taken over
            np.maximum(argmax, takes_over * argmax.dtype.type(k), out=argmax)
        ctx.save_for_backward(argmax)
        ctx.geometry = (x.shape, xp.shape, kernel, stride, padding, dilation)
        return y, argmax

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_y, _grad_argmax):
        (argmax,) = (t.array for t in ctx.saved_tensors)
        x_shape, padded_shape, kernel, stride, padding, dilation = ctx.geometry
        dy = grad_y.array
        finite = np.isfinite(dy).all()
        spans = (d * (size - 1) + 1 for size, d in zip(kernel, dilation, strict=True))
        disjoint = all(s >= span for s, span in zip(stride, spans, strict=True))
        grad_xp = np.zeros(padded_shape, dy.dtype)
        for k, (_, _, grid) in enumerate(kernel_offsets(kernel, stride, dilation, dy.shape[2:])):
            is_max = argmax == k  # dy goes to the argmax of its window only
            if not finite:  # route with where: 0 * inf would be NaN
                grad_xp[grid] += np.where(is_max, dy, dy.dtype.type(0))
            elif disjoint:  # no pixel is in two windows: write in place instead of adding
                np.multiply(dy, is_max, out=grad_xp[grid])
            else:
                grad_xp[grid] += dy * is_max
        return unpad_spatial(grad_xp, padding, x_shape[2:]), None, None, None, None, None


def _window_counts(size: int, out: int, kernel: int, stride: int, pad: int) -> tuple:
    """Per output position: window length inside [-pad, size + pad) and inside [0, size)."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    return end - start, np.minimum(end, size) - np.maximum(start, 0)


class AvgPool2dFunction(Function):
    """y = sum of each zero-padded window / divisor; each window pixel gets dy / divisor back."""

    @staticmethod
    def forward(ctx, x, kernel: Pair, stride: Pair, padding: Padding4, divisor: np.ndarray):
        xp = pad_spatial(x, padding)
        y = np.zeros((*x.shape[:2], *divisor.shape), x.dtype)
        for _, _, grid in kernel_offsets(kernel, stride, (1, 1), divisor.shape):
            y += xp[grid]
        ctx.geometry = (x.shape, xp.shape, kernel, stride, padding, divisor)
        return y / divisor

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_y):
        x_shape, padded_shape, kernel, stride, padding, divisor = ctx.geometry
        share = grad_y.array / divisor
        grad_xp = np.zeros(padded_shape, share.dtype)
        for _, _, grid in kernel_offsets(kernel, stride, (1, 1), divisor.shape):
            grad_xp[grid] += share
        return unpad_spatial(grad_xp, padding, x_shape[2:]), None, None, None, None


def adaptive_average_matrix(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """A (out, size): row i averages x[floor(i*size/out) : ceil((i+1)*size/out)]."""
    i = np.arange(out)
    start = (i * size) // out
    end = -((-(i + 1) * size) // out)
    inside = (np.arange(size) >= start[:, None]) & (np.arange(size) < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _check_pool_input(op: str, input, dims: int) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"{op}: expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input, "
            f"but got input of size: {list(input.shape)}"
        )
    if input.dtype.kind != "f":
        raise RuntimeError(f"{op}: not implemented for {input.dtype} input (floating point only)")


def _pool_geometry(op, input, kernel_size, stride, padding, dilation, ceil_mode, dims: int):
    """Checked (kernel, stride, padding, dilation, out) tuples, as torch validates pooling."""
    _check_pool_input(op, input, dims)
    kernel = as_tuple(kernel_size, dims, "kernel_size", op)
    stride = kernel if stride is None or stride == [] else as_tuple(stride, dims, "stride", op)
    padding = as_tuple(padding, dims, "padding", op)
    dilation = as_tuple(dilation, dims, "dilation", op)
    if min(kernel + stride + dilation) < 1:
        raise RuntimeError(
            f"{op}: kernel_size {kernel}, stride {stride} and dilation {dilation} must be positive"
        )
    for p, k in zip(padding, kernel, strict=True):
        if not 0 <= p <= k // 2:  # torch's bound: half the kernel, whatever the dilation
            raise RuntimeError(
                f"{op}: pad should be at most half of kernel size, but got pad={p} and "
                f"kernel_size={k}"
            )
    size = input.shape[-dims:]
    out = tuple(
        pool_output_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation, strict=True)
    )
    if min(out) < 1:
        raise RuntimeError(
            f"{op}: given input size {tuple(input.shape)}, calculated output size {out} "
            "is too small"
        )
    return kernel, stride, padding, dilation, out


def _as_image(input: Tensor, dims: int) -> Tensor:
    """(N, C, H, W) view of a batched or unbatched 1D or 2D input."""
    x = input.unsqueeze(0) if input.ndim == dims + 1 else input
    return x.unsqueeze(-2) if dims == 1 else x


def _from_image(y: Tensor, input: Tensor, dims: int) -> Tensor:
    y = y.squeeze(-2) if dims == 1 else y
    return y.squeeze(0) if input.ndim == dims + 1 else y


def _max_pool(op, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, dims):
    kernel, stride, pad, dilation, out = _pool_geometry(
        op, input, kernel_size, stride, padding, dilation, ceil_mode, dims
    )
    size = input.shape[-dims:]
    if dims == 1:  # a length-L signal is a 1 x L image
        kernel, stride, dilation, out, size = (
            (1, *t) for t in (kernel, stride, dilation, out, size)
        )
        pad = (0, *pad)
    padding4 = _pool_padding(size, out, kernel, stride, pad, dilation)
    y, argmax = MaxPool2dFunction.apply(
        _as_image(input, dims), kernel, stride, padding4, dilation, out
    )
    y = _from_image(y, input, dims)
    if not return_indices:
        return y
    # torch's indices: position of the max in the flattened (unpadded) input plane
    i, j = np.divmod(argmax.array.astype(np.int64), kernel[1])
    rows = np.arange(out[0]).reshape(-1, 1) * stride[0] + i * dilation[0] - pad[0]
    cols = np.arange(out[1]) * stride[1] + j * dilation[1] - pad[1]
    return y, _from_image(Tensor(rows * size[1] + cols), input, dims)


def max_pool2d(
    input: Tensor,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """torch.nn.functional.max_pool2d over (N, C, H, W) or (C, H, W)."""
    return _max_pool(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2
    )


def max_pool1d(
    input: Tensor,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """torch.nn.functional.max_pool1d over (N, C, L) or (C, L)."""
    return _max_pool(
        "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1
    )


def avg_pool2d(
    input: Tensor,
    kernel_size: int | Sequence[int],
    stride: int | Sequence[int] | None = None,
    padding: int | Sequence[int] = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """torch.nn.functional.avg_pool2d; the divisor counts padding only if count_include_pad."""
    op = "avg_pool2d"
    kernel, stride, pad, _, out = _pool_geometry(
        op, input, kernel_size, stride, padding, 1, ceil_mode, dims=2
    )
    size = input.shape[-2:]
    if divisor_override is not None:
        if not isinstance(divisor_override, int | np.integer) or divisor_override == 0:
            raise RuntimeError(f"{op}: divisor_override must be a non-zero int")
        divisor = np.full(out, divisor_override, dtype=input.dtype)
    else:
        (full_h, inside_h), (full_w, inside_w) = (
            _window_counts(n, o, k, s, p)
            for n, o, k, s, p in zip(size, out, kernel, stride, pad, strict=True)
        )
        counts_h, counts_w = (full_h, full_w) if count_include_pad else (inside_h, inside_w)
        divisor = np.outer(counts_h, counts_w).astype(input.dtype)
    padding4 = _pool_padding(size, out, kernel, stride, pad, (1, 1))
    y = AvgPool2dFunction.apply(_as_image(input, 2), kernel, stride, padding4, divisor)
    return _from_image(y, input, 2)


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """torch.nn.functional.adaptive_avg_pool2d; None in output_size keeps that input size."""
    op = "adaptive_avg_pool2d"
    _check_pool_input(op, input, 2)
    sizes = (output_size, output_size) if isinstance(output_size, int | None) else output_size
    sizes = tuple(sizes)
    if len(sizes) != 2:
        raise TypeError(f"{op}: output_size must be an int or 2 ints, got {output_size!r}")
    out = tuple(n if o is None else o for n, o in zip(input.shape[-2:], sizes, strict=True))
    if not all(isinstance(o, int | np.integer) and o >= 1 for o in out):
        raise RuntimeError(f"{op}: output_size must be positive, got {output_size!r}")
    if min(input.shape[-2:]) < 1:
        raise RuntimeError(f"{op}: input of size {list(input.shape)} has an empty plane")
    x = _as_image(input, 2)
    a_h, a_w = (
        adaptive_average_matrix(n, o, x.dtype) for n, o in zip(x.shape[-2:], out, strict=True)
    )
    y = SeparableMap2dFunction.apply(x, a_h, a_w)  # y = A_h @ x @ A_w^T
    return _from_image(y, input, 2)
