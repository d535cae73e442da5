"""Convolution as matrix multiplication (im2col).

Gathering every window the kernel sees into the columns of a matrix turns a
convolution into one matmul for the whole batch (one per group):

    cols[(c, i, j), (n, h, w)] = x_pad[n, c, h*s_h + i*d_h, w*s_w + j*d_w]
    y = W.reshape(O, C*kh*kw) @ cols + b

The backward pass is the same matmul transposed (dW = dy @ cols^T, dcols = W^T @ dy)
followed by col2im, which adds each column gradient back onto the input window it came
from, one kernel offset (i, j) at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from v2_tensor import Tensor
from v2_tensor.autograd import Function, once_differentiable

Pair = tuple[int, int]
Padding4 = tuple[int, int, int, int]  # (top, bottom, left, right)


def as_tuple(value: int | Sequence[int], n: int, name: str, op: str) -> tuple[int, ...]:
    """An int or a sequence of n ints (torch's _pair/_single) as an n-tuple of ints."""
    values = (value,) * n if isinstance(value, int | np.integer) else tuple(value)
    if len(values) == 1:
        values *= n
    if len(values) != n or not all(isinstance(v, int | np.integer) for v in values):
        raise TypeError(f"{op}: {name} must be an int or {n} ints, got {value!r}")
    return tuple(int(v) for v in values)


def output_size(size: int, kernel: int, stride: int, pad_total: int, dilation: int) -> int:
    """Number of window positions along one axis: floor((L + pad - d(k-1) - 1) / s) + 1."""
    return (size + pad_total - dilation * (kernel - 1) - 1) // stride + 1


def pad_spatial(x: np.ndarray, padding: Padding4, value: float = 0.0) -> np.ndarray:
    """x with its last two axes padded by (top, bottom, left, right) copies of value."""
    top, bottom, left, right = padding
    if not any(padding):
        return x
    h, w = x.shape[-2:]
    padded = np.full((*x.shape[:-2], h + top + bottom, w + left + right), value, x.dtype)
    padded[..., top : top + h, left : left + w] = x
    return padded


def sliding_windows(xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair) -> np.ndarray:
    """View (N, C, Ho, Wo, kh, kw) of every kernel window over the padded input (no copy)."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    return sliding_window_view(xp, span, axis=(-2, -1))[:, :, ::sh, ::sw, ::dh, ::dw]


def kernel_offsets(
    kernel: Pair, stride: Pair, dilation: Pair, out: Pair
) -> Iterator[tuple[int, int, tuple]]:
    """(i, j, grid) per kernel offset: grid indexes x_pad[.., i*d_h + s_h*h, j*d_w + s_w*w]."""
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = kernel, stride, dilation, out
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
        for j in range(kw):
            yield i, j, (..., rows, slice(j * dw, j * dw + sw * (wo - 1) + 1, sw))


def add_windows(
    window_grad: np.ndarray, padded_shape: tuple[int, ...], stride: Pair, dilation: Pair
) -> np.ndarray:
    """col2im: adjoint of sliding_windows, window_grad laid out (N, C, kh, kw, Ho, Wo).

    One slice-add per kernel offset accumulates every window, overlapping ones included.
    """
    kernel, out = window_grad.shape[2:4], window_grad.shape[4:]
    grad = np.zeros(padded_shape, window_grad.dtype)
    for i, j, grid in kernel_offsets(kernel, stride, dilation, out):
        grad[grid] += window_grad[:, :, i, j]
    return grad


def unpad_spatial(xp: np.ndarray, padding: Padding4, size: Pair) -> np.ndarray:
    """The interior of a padded array: inverse of pad_spatial."""
    top, _, left, _ = padding
    return xp[..., top : top + size[0], left : left + size[1]]


def im2col(xp: np.ndarray, kernel: Pair, stride: Pair, dilation: Pair, groups: int) -> np.ndarray:
    """cols (G, C/G*kh*kw, N*Ho*Wo): a row per weight, a column per output pixel of the batch."""
    windows = sliding_windows(xp, kernel, stride, dilation)  # (N, C, Ho, Wo, kh, kw)
    n, _, ho, wo = windows.shape[:4]
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(groups, -1, n * ho * wo)


class Conv2dFunction(Function):
    """y = W @ im2col(x) + b, with the padding, stride, dilation and groups of torch's conv2d.

    The whole batch is one matrix product per group (a few large BLAS calls rather than one
    per sample, which matters most when BLAS runs on several threads).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride: Pair, padding: Padding4, dilation: Pair, groups: int):
        n, _, h, w = x.shape
        out_channels, _, kh, kw = weight.shape
        xp = pad_spatial(x, padding)
        cols = im2col(xp, (kh, kw), stride, dilation, groups)  # (G, K, N*Ho*Wo)
        ho = output_size(h, kh, stride[0], padding[0] + padding[1], dilation[0])
        wo = output_size(w, kw, stride[1], padding[2] + padding[3], dilation[1])
        kernel_matrix = weight.reshape(groups, out_channels // groups, -1)  # (G, O/G, K)
        y = (kernel_matrix @ cols).reshape(out_channels, n, ho, wo)
        if bias is not None:
            y += bias.reshape(-1, 1, 1, 1)
        ctx.save_for_backward(cols, weight)
        ctx.geometry = (x.shape, xp.shape, stride, padding, dilation, groups)
        return y.transpose(1, 0, 2, 3)  # (N, O, Ho, Wo)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_y):
        cols, weight = (t.array for t in ctx.saved_tensors)
        x_shape, padded_shape, stride, padding, dilation, groups = ctx.geometry
        need_x, need_weight, need_bias = ctx.needs_input_grad[:3]
        dy = grad_y.array
        n, out_channels, ho, wo = dy.shape
        # (G, O/G, N*Ho*Wo): the output gradient laid out like the columns
        dy_matrix = dy.transpose(1, 0, 2, 3).reshape(groups, out_channels // groups, -1)
        grad_x = grad_weight = grad_bias = None
        if need_x:
            # dcols = W^T @ dy, then col2im adds each column back onto its window
            kernel_matrix = weight.reshape(groups, out_channels // groups, -1)
            dcols = kernel_matrix.swapaxes(-1, -2) @ dy_matrix  # (G, K, N*Ho*Wo)
            dcols = dcols.reshape(x_shape[1], *weight.shape[2:], n, ho, wo)  # (C, kh, kw, N, ..)
            grad_xp = add_windows(dcols.transpose(3, 0, 1, 2, 4, 5), padded_shape, stride, dilation)
            grad_x = unpad_spatial(grad_xp, padding, x_shape[2:])
        if need_weight:  # dW = dy @ cols^T
            grad_weight = (dy_matrix @ cols.swapaxes(-1, -2)).reshape(weight.shape)
        if need_bias:
            grad_bias = dy.sum((0, 2, 3))
        return grad_x, grad_weight, grad_bias, None, None, None, None


class SeparableMap2dFunction(Function):
    """y = A @ x @ B^T along the last two axes, so dx = A^T @ dy @ B (pads, averages)."""

    @staticmethod
    def forward(ctx, x, a: np.ndarray, b: np.ndarray):
        ctx.matrices = (a, b)
        return a @ x @ b.T

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_y):
        a, b = ctx.matrices
        return a.T @ grad_y.array @ b, None, None


PADDING_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def mode_pad(input: Tensor, pads: Sequence[tuple[int, int]], mode: str) -> Tensor:
    """Pad the last len(pads) axes by 'reflect', 'replicate' or 'circular' (torch's F.pad modes).

    Each padded row is a copy of one input row, so padding is a selection matrix on each side:
    x_pad = R @ x @ C^T with R = I[np.pad(arange(H), pads_h, mode)].
    """
    one_dim = len(pads) == 1
    x = input.unsqueeze(-2) if one_dim else input
    pads = ((0, 0), *pads) if one_dim else tuple(pads)
    largest = {"reflect": -1, "circular": 0, "replicate": np.inf}[mode]  # pad <= size + this
    for n, pad in zip(x.shape[-2:], pads, strict=True):
        if max(pad) > n + largest:
            raise RuntimeError(f"{mode} padding {pad} is too large for an input axis of size {n}")
    row, col = (
        np.eye(n, dtype=x.dtype)[np.pad(np.arange(n), pad, mode=PADDING_MODES[mode])]
        for n, pad in zip(x.shape[-2:], pads, strict=True)
    )
    y = SeparableMap2dFunction.apply(x, row, col)
    return y.squeeze(-2) if one_dim else y


def _check_conv_args(op: str, input, weight, bias, groups: int, dims: int) -> None:
    for name, value in (("input", input), ("weight", weight), ("bias", bias)):
        if not (isinstance(value, Tensor) or (name == "bias" and value is None)):
            raise TypeError(f"{op}: {name} must be a Tensor, not {type(value).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {op}, "
            f"but got input of size: {list(input.shape)}"
        )
    if weight.ndim != dims + 2:
        raise RuntimeError(
            f"{op}: weight must be {dims + 2}D (out_channels, in_channels / groups, kernel), "
            f"got size {list(weight.shape)}"
        )
    if not isinstance(groups, int | np.integer) or groups < 1 or weight.shape[0] % groups:
        raise RuntimeError(
            f"{op}: groups={groups!r} must be a positive int dividing out_channels "
            f"{weight.shape[0]}"
        )
    channels = input.shape[-dims - 1]
    if channels != weight.shape[1] * groups:
        raise RuntimeError(
            f"{op}: given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
            f"{channels} channels instead"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise RuntimeError(
            f"{op}: bias of size {list(bias.shape)} does not match out_channels {weight.shape[0]}"
        )
    dtypes = {t.dtype for t in (input, weight, bias) if t is not None}
    if len(dtypes) > 1:
        raise RuntimeError(
            f"{op}: input, weight and bias must share a dtype, got {sorted(map(str, dtypes))}"
        )
    if input.dtype.kind != "f":
        raise RuntimeError(f"{op}: not implemented for {input.dtype} input (floating point only)")


def conv_padding(
    op: str,
    padding: str | int | Sequence[int],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial axis; 'same' puts the odd pixel after, as torch does."""
    dims = len(kernel)
    if padding == "valid":
        return ((0, 0),) * dims
    if padding == "same":
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, str):
        raise ValueError(f"{op}: invalid padding string {padding!r}, should be 'same' or 'valid'")
    pads = as_tuple(padding, dims, "padding", op)
    if any(p < 0 for p in pads):
        raise RuntimeError(f"{op}: negative padding is not supported, got {pads}")
    return tuple((p, p) for p in pads)


def _convolution(op, input, weight, bias, stride, padding, dilation, groups, dims: int) -> Tensor:
    _check_conv_args(op, input, weight, bias, groups, dims)
    stride = as_tuple(stride, dims, "stride", op)
    dilation = as_tuple(dilation, dims, "dilation", op)
    if any(s < 1 for s in stride) or any(d < 1 for d in dilation):
        raise RuntimeError(f"{op}: stride {stride} and dilation {dilation} must be positive")
    kernel = tuple(weight.shape[2:])
    if min(kernel) < 1:
        raise RuntimeError(f"{op}: kernel size should be greater than zero, got {kernel}")
    pads = conv_padding(op, padding, kernel, stride, dilation)
    padded = tuple(n + a + b for n, (a, b) in zip(input.shape[-dims:], pads, strict=True))
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    if any(p < s for p, s in zip(padded, span, strict=True)):
        raise RuntimeError(
            f"{op}: calculated padded input size per channel: {padded}, (dilated) kernel size: "
            f"{span}; kernel size can't be greater than actual input size"
        )
    unbatched = input.ndim == dims + 1
    x = input.unsqueeze(0) if unbatched else input
    if dims == 1:  # a length-L signal is a 1 x L image
        x, weight = x.unsqueeze(-2), weight.unsqueeze(-2)
        stride, dilation, pads = (1, *stride), (1, *dilation), ((0, 0), *pads)
    (top, bottom), (left, right) = pads
    y = Conv2dFunction.apply(x, weight, bias, stride, (top, bottom, left, right), dilation, groups)
    if dims == 1:
        y = y.squeeze(-2)
    return y.squeeze(0) if unbatched else y


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: str | int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> Tensor:
    """torch.nn.functional.conv2d: input (N, C, H, W) or (C, H, W), weight (O, C/groups, kh, kw)."""
    return _convolution("conv2d", input, weight, bias, stride, padding, dilation, groups, dims=2)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: str | int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> Tensor:
    """torch.nn.functional.conv1d: input (N, C, L) or (C, L), weight (O, C/groups, k)."""
    return _convolution("conv1d", input, weight, bias, stride, padding, dilation, groups, dims=1)
