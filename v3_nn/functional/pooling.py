"""Pooling over the same sliding windows as convolution (see windows.py), in 1, 2 and 3 D.

Max pooling takes the maximum of each window axis by axis (separably) and routes each
output's gradient to the first maximum of its window (torch's tie rule); average pooling spreads it
evenly over the window. Both are fused NumPy kernels whose backward is an op of its own:
max pooling's backward routes dy to the argmax (a linear map of dy whose adjoint selects at
the argmax, and the other way round), average pooling's spreads dy / divisor (whose adjoint
is the average pool itself). So every pool here is differentiable as often as one likes.

Adaptive average pooling is a product with one averaging matrix per axis,
y = A_h @ x @ A_wᵀ, and adaptive max pooling a gather at the argmax of each window: both are
Tensor ops whose gradients the engine gives.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function

from .windows import Windows, as_tuple

Size = int | Sequence[int]


# ---------------------------------------------------------------- max pooling kernels


def max_windows(x: np.ndarray, windows: Windows) -> tuple[np.ndarray, np.ndarray]:
    """(max, argmax offset) of every window, the input padded with its dtype's lowest value.

    Separable: the max over the kernel's offsets along the last axis, then over those maxima
    along the axis before, and so on (k_h + k_w passes for a 2-d window, not k_h k_w). A
    later candidate takes over only if it is larger, or NaN, so ties go to the first maximum
    of the window in row-major order and NaN propagates (torch's rule; per axis it picks the
    same pixel as one running max over the whole window). The NaN test is only made where a
    first pass found NaN in some window.
    """
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = windows.pad(x, lowest)
    y, argmax = _separable_max(xp, windows, nan=False)
    if x.dtype.kind == "f" and np.isnan(y).any():
        y, argmax = _separable_max(xp, windows, nan=True)
    return y, argmax


def _separable_max(xp: np.ndarray, windows: Windows, nan: bool) -> tuple[np.ndarray, np.ndarray]:
    offset = np.min_scalar_type(math.prod(windows.kernel) - 1)
    y, argmax, inner = xp, None, 1  # inner: the number of offsets of the axes reduced so far
    for axis in reversed(range(windows.dims)):
        k, d = windows.kernel[axis], windows.dilation[axis]
        s, o = windows.stride[axis], windows.out[axis]
        lead = (slice(None),) * (2 + axis)
        parts = [y[(*lead, slice(i * d, i * d + s * (o - 1) + 1, s))] for i in range(k)]
        best, which = parts[0], np.zeros(parts[0].shape, offset)
        for i, candidate in enumerate(parts[1:], start=1):
            takes_over = candidate > best
            if nan:
                takes_over |= np.isnan(candidate)
            best = np.maximum(best, candidate)  # NaN-propagating, like the rule above
            # the last candidate to take over is the largest i that did (np.where and masked
            # copies are several times slower than this arithmetic on small integers)
            which = np.maximum(which, takes_over.view(np.uint8) * offset.type(i))
        if argmax is not None:  # add the offset within the reduced axes, of the slice chosen
            inners = [argmax[(*lead, slice(i * d, i * d + s * (o - 1) + 1, s))] for i in range(k)]
            chosen = inners[0]
            for i, candidate in enumerate(inners[1:], start=1):
                picked = (which == i).view(np.uint8)  # unsigned wrap-around makes this exact:
                chosen = chosen + picked * (candidate - chosen)  # candidate where picked
            which = which * offset.type(inner) + chosen
        y, argmax, inner = best, which, inner * k
    return (y.copy() if y is xp else y), argmax


def window_sums(x: np.ndarray, windows: Windows) -> np.ndarray:
    """The sum of every zero-padded window."""
    xp = windows.pad(x)
    y = np.zeros((*x.shape[:2], *windows.out), x.dtype)
    for _, grid in windows.offsets():
        y += xp[(slice(None), slice(None), *grid)]
    return y


class MaxPool(Function):
    """(y, argmax): the max of each window of the input padded with -inf, and its offset
    (max_windows: ties go to the first maximum in the window, NaN propagates)."""

    @staticmethod
    def forward(ctx, x, windows: Windows):
        y, argmax = max_windows(x, windows)
        ctx.save_for_backward(argmax)
        ctx.windows = windows
        return y, argmax

    @staticmethod
    def backward(ctx, grad_y, _grad_argmax):
        (argmax,) = ctx.saved_tensors
        return MaxPoolRoute.apply(grad_y, argmax.array, ctx.windows), None


class MaxPoolRoute(Function):
    """dx: each dy added onto the argmax of its window (max pooling's backward)."""

    @staticmethod
    def forward(ctx, dy, argmax: np.ndarray, windows: Windows):
        ctx.argmax, ctx.windows = argmax, windows
        spans = (d * (k - 1) + 1 for k, d in zip(windows.kernel, windows.dilation, strict=True))
        disjoint = all(s >= span for s, span in zip(windows.stride, spans, strict=True))
        grad_xp = np.zeros((*dy.shape[:2], *windows.padded), dy.dtype)
        finite = bool(np.isfinite(dy).all())
        for k, (_, grid) in enumerate(windows.offsets()):
            target = grad_xp[(slice(None), slice(None), *grid)]
            # dy goes to the argmax of its window only: multiplied by the mask, three times
            # faster than np.where, unless dy holds an inf or NaN (times a 0: NaN); selected then
            is_max = argmax == k
            routed = dy * is_max if finite else np.where(is_max, dy, dy.dtype.type(0))
            if disjoint:  # no pixel is in two windows: write
                target[...] = routed
            else:
                target += routed
        return grad_xp[(..., *windows.interior())]

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolSelect.apply(grad, ctx.argmax, ctx.windows), None, None


class MaxPoolSelect(Function):
    """y[o] = x at the argmax of window o: the adjoint of MaxPoolRoute."""

    @staticmethod
    def forward(ctx, x, argmax: np.ndarray, windows: Windows):
        ctx.argmax, ctx.windows = argmax, windows
        xp = windows.pad(x)
        y = np.zeros(argmax.shape, x.dtype)
        for k, (_, grid) in enumerate(windows.offsets()):
            np.copyto(y, xp[(slice(None), slice(None), *grid)], where=argmax == k)
        return y

    @staticmethod
    def backward(ctx, grad):
        return MaxPoolRoute.apply(grad, ctx.argmax, ctx.windows), None, None


# ---------------------------------------------------------------- average pooling kernels


class AvgPool(Function):
    """y = sum of each zero-padded window / divisor."""

    @staticmethod
    def forward(ctx, x, windows: Windows, divisor: np.ndarray):
        ctx.windows, ctx.divisor = windows, divisor
        return window_sums(x, windows) / divisor

    @staticmethod
    def backward(ctx, grad):
        return AvgPoolSpread.apply(grad, ctx.windows, ctx.divisor), None, None


class AvgPoolSpread(Function):
    """dx: each window pixel gets dy / divisor back (the adjoint of AvgPool)."""

    @staticmethod
    def forward(ctx, dy, windows: Windows, divisor: np.ndarray):
        ctx.windows, ctx.divisor = windows, divisor
        share = dy / divisor
        grad_xp = np.zeros((*dy.shape[:2], *windows.padded), share.dtype)
        for _, grid in windows.offsets():
            grad_xp[(slice(None), slice(None), *grid)] += share
        return grad_xp[(..., *windows.interior())]

    @staticmethod
    def backward(ctx, grad):
        return AvgPool.apply(grad, ctx.windows, ctx.divisor), None, None


# ---------------------------------------------------------------- geometry and checks


def pool_output_size(
    size: int, kernel: int, stride: int, pad: int, dilation: int, ceil: bool
) -> int:
    """torch's pooling output length; with ceil_mode the last window must start inside the input."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1 + (stride - 1 if ceil else 0)
    out = span // stride + 1
    if ceil and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _check_pool_input(op: str, input, dims: int, floating: bool = False) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"{op}: expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input, "
            f"but got input of size: {list(input.shape)}"
        )
    if input.dtype.kind != "f" and (floating or input.dtype.kind not in "iu"):
        raise NotImplementedError(f'"{op}" not implemented for {input.dtype} input')


def _pool_windows(op, input, kernel_size, stride, padding, dilation, ceil_mode, dims) -> Windows:
    """Checked window geometry, as torch validates pooling (ceil_mode's extra padding included)."""
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
    size = tuple(input.shape[-dims:])
    out = tuple(
        pool_output_size(n, k, s, p, d, ceil_mode)
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation, strict=True)
    )
    if min(out) < 1:
        raise RuntimeError(
            f"{op}: given input size {tuple(input.shape)}, calculated output size {out} "
            "is too small"
        )
    # padding after: p, plus whatever a ceil_mode window needs beyond it
    pads = tuple(
        (p, p + max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p)))
        for n, o, k, s, p, d in zip(size, out, kernel, stride, padding, dilation, strict=True)
    )
    return Windows(kernel, stride, dilation, pads, size, out)


def _batched(input: Tensor, dims: int) -> Tensor:
    return input.unsqueeze(0) if input.ndim == dims + 1 else input


def _unbatched(y: Tensor, input: Tensor, dims: int) -> Tensor:
    return y.squeeze(0) if input.ndim == dims + 1 else y


def _flat_positions(offset_index: np.ndarray, windows: Windows) -> np.ndarray:
    """torch's indices: the position of each window's argmax in the flattened input plane."""
    per_axis = np.unravel_index(offset_index.astype(np.int64), windows.kernel)
    flat = np.zeros(offset_index.shape, np.int64)
    dims = windows.dims
    for axis, i in enumerate(per_axis):
        shape = [1] * offset_index.ndim
        shape[offset_index.ndim - dims + axis] = windows.out[axis]
        start = (np.arange(windows.out[axis]) * windows.stride[axis]).reshape(shape)
        position = start + i * windows.dilation[axis] - windows.padding[axis][0]
        flat = flat * windows.size[axis] + position
    return flat


# ---------------------------------------------------------------- max pooling


def _max_pool(op, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, dims):
    windows = _pool_windows(op, input, kernel_size, stride, padding, dilation, ceil_mode, dims)
    x = _batched(input, dims)
    if x.dtype.kind != "f":  # integer max pooling: values only, no gradient
        y, argmax = (Tensor(a) for a in max_windows(x.array, windows))
    else:
        y, argmax = MaxPool.apply(x, windows)
    y = _unbatched(y, input, dims)
    if not return_indices:
        return y
    return y, _unbatched(Tensor(_flat_positions(argmax.array, windows)), input, dims)


def max_pool1d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """torch.nn.functional.max_pool1d over (N, C, L) or (C, L)."""
    return _max_pool(
        "max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1
    )


def max_pool2d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """torch.nn.functional.max_pool2d over (N, C, H, W) or (C, H, W)."""
    return _max_pool(
        "max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2
    )


def max_pool3d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    dilation: Size = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """torch.nn.functional.max_pool3d over (N, C, D, H, W) or (C, D, H, W)."""
    return _max_pool(
        "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3
    )


# ---------------------------------------------------------------- average pooling


def _window_counts(size: int, out: int, kernel: int, stride: int, pad: int) -> tuple:
    """Per output position: window length inside [-pad, size + pad) and inside [0, size)."""
    start = np.arange(out) * stride - pad
    end = np.minimum(start + kernel, size + pad)
    return end - start, np.minimum(end, size) - np.maximum(start, 0)


def _avg_pool(
    op, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, dims
) -> Tensor:
    windows = _pool_windows(op, input, kernel_size, stride, padding, 1, ceil_mode, dims)
    if dims == 3 and any(n < k for n, k in zip(windows.size, windows.kernel, strict=True)):
        raise RuntimeError(  # torch's 3D average pool asks this of the unpadded input
            f"{op}: input image {windows.size} smaller than kernel size {windows.kernel}"
        )
    if divisor_override is not None:
        if not isinstance(divisor_override, int | np.integer) or divisor_override == 0:
            raise RuntimeError(f"{op}: divisor must be not zero, got {divisor_override!r}")
        divisor = np.full(windows.out, divisor_override, dtype=np.float64)
    else:
        divisor = np.ones((), np.float64)
        for n, o, k, s, (p, _) in zip(
            windows.size,
            windows.out,
            windows.kernel,
            windows.stride,
            windows.padding,
            strict=True,
        ):
            full, inside = _window_counts(n, o, k, s, p)
            divisor = np.multiply.outer(divisor, full if count_include_pad else inside)
    x = _batched(input, dims)
    if x.dtype.kind != "f":  # integer average pooling rounds towards zero, as torch's
        total = window_sums(x.array.astype(np.int64), windows)
        y = Tensor(np.trunc(total / divisor).astype(x.dtype))
    else:
        y = AvgPool.apply(x, windows, divisor.astype(x.dtype))
    return _unbatched(y, input, dims)


def avg_pool1d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """torch.nn.functional.avg_pool1d over (N, C, L) or (C, L)."""
    return _avg_pool(
        "avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1
    )


def avg_pool2d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """torch.nn.functional.avg_pool2d; the divisor counts padding only if count_include_pad."""
    return _avg_pool(
        "avg_pool2d",
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
        2,
    )


def avg_pool3d(
    input: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """torch.nn.functional.avg_pool3d over (N, C, D, H, W) or (C, D, H, W)."""
    return _avg_pool(
        "avg_pool3d",
        input,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
        3,
    )


# ---------------------------------------------------------------- power-average pooling


def _lp_pool(op, input, norm_type, kernel_size, stride, ceil_mode, dims) -> Tensor:
    """torch's formula: (sum over the window of x^p)^(1/p), from an average pool of x^p."""
    if norm_type == 0:
        raise ValueError(f"norm_type must be a non-zero value, but got {norm_type}")
    max_pool = (max_pool1d, max_pool2d, max_pool3d)[dims - 1]
    if norm_type == math.inf:
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    kernel = as_tuple(kernel_size, dims, "kernel_size", op)
    out = _avg_pool(op, input.pow(norm_type), kernel, stride, 0, ceil_mode, True, None, dims)
    # sign has no gradient: detached, an inf arriving where out = 0 stays 0 (torch's zeros)
    return (out.sign().detach() * out.abs().relu() * math.prod(kernel)).pow(1.0 / norm_type)


def lp_pool1d(
    input: Tensor,
    norm_type: float,
    kernel_size: Size,
    stride: Size | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """torch.nn.functional.lp_pool1d: the p-norm of each window."""
    return _lp_pool("lp_pool1d", input, norm_type, kernel_size, stride, ceil_mode, 1)


def lp_pool2d(
    input: Tensor,
    norm_type: float,
    kernel_size: Size,
    stride: Size | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """torch.nn.functional.lp_pool2d: the p-norm of each window."""
    return _lp_pool("lp_pool2d", input, norm_type, kernel_size, stride, ceil_mode, 2)


def lp_pool3d(
    input: Tensor,
    norm_type: float,
    kernel_size: Size,
    stride: Size | None = None,
    ceil_mode: bool = False,
) -> Tensor:
    """torch.nn.functional.lp_pool3d: the p-norm of each window."""
    return _lp_pool("lp_pool3d", input, norm_type, kernel_size, stride, ceil_mode, 3)


# ---------------------------------------------------------------- adaptive pooling


def adaptive_bounds(size: int, out: int) -> tuple[np.ndarray, np.ndarray]:
    """torch's windows: output i covers [floor(i * size / out), ceil((i + 1) * size / out))."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def adaptive_average_matrix(size: int, out: int, dtype: np.dtype) -> np.ndarray:
    """A (out, size): row i averages the inputs of window i."""
    start, end = adaptive_bounds(size, out)
    inside = (np.arange(size) >= start[:, None]) & (np.arange(size) < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _adaptive_sizes(op: str, input: Tensor, output_size, dims: int) -> tuple[int, ...]:
    if output_size is None or isinstance(output_size, int | np.integer):
        sizes = (output_size,) * dims
    else:
        sizes = tuple(output_size)
    if len(sizes) != dims:
        raise RuntimeError(f"{op}: output_size must be {dims}, got {output_size!r}")
    out = tuple(n if o is None else o for n, o in zip(input.shape[-dims:], sizes, strict=True))
    if not all(isinstance(o, int | np.integer) and not isinstance(o, bool) for o in out):
        raise TypeError(f"{op}: output_size must be ints (or None), got {output_size!r}")
    if min(out) < 0:
        raise RuntimeError(
            f"{op}: elements of output_size must be greater than or equal to 0 but received "
            f"{output_size!r}"
        )
    if min(input.shape[-dims:]) < 1 or (input.ndim == dims + 2 and input.shape[1] < 1):
        raise RuntimeError(
            f"{op}: expected input to have non-zero size for non-batch dimensions, but input "
            f"has sizes {list(input.shape)}"
        )
    return tuple(int(o) for o in out)


def _adaptive_avg_pool(op: str, input: Tensor, output_size, dims: int) -> Tensor:
    _check_pool_input(op, input, dims, floating=True)
    out = _adaptive_sizes(op, input, output_size, dims)
    y = input
    for axis, (n, o) in enumerate(zip(input.shape[-dims:], out, strict=True)):
        matrix = Tensor(adaptive_average_matrix(n, o, input.dtype))
        y = _along_axis(y, input.ndim - dims + axis, matrix)
    return y


def _along_axis(x: Tensor, axis: int, matrix: Tensor) -> Tensor:
    """matrix (m, n) applied along one axis of x (whose size there is n): a matmul."""
    if axis == x.ndim - 1:
        return x @ matrix.T
    lead, trail = x.shape[:axis], x.shape[axis + 1 :]
    folded = x.reshape(*lead, x.shape[axis], math.prod(trail))
    return (matrix @ folded).reshape(*lead, matrix.shape[0], *trail)


def adaptive_avg_pool1d(input: Tensor, output_size: int | Sequence[int]) -> Tensor:
    """torch.nn.functional.adaptive_avg_pool1d over (N, C, L) or (C, L)."""
    if output_size is None:
        raise TypeError("adaptive_avg_pool1d: output_size must be an int, not None")
    return _adaptive_avg_pool("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_avg_pool2d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """torch.nn.functional.adaptive_avg_pool2d; None in output_size keeps that input size."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size: int | Sequence[int | None]) -> Tensor:
    """torch.nn.functional.adaptive_avg_pool3d over (N, C, D, H, W) or (C, D, H, W)."""
    return _adaptive_avg_pool("adaptive_avg_pool3d", input, output_size, 3)


def _adaptive_argmax(x: np.ndarray, out: tuple[int, ...]) -> np.ndarray:
    """Flat position (in the input plane) of the first maximum of every adaptive window.

    Each axis's windows are padded to the longest one by repeating their last element,
    which never changes a running maximum that only a larger value (or NaN) takes over.
    """
    dims = len(out)
    size = x.shape[-dims:]
    taps = []  # per axis: (out, longest window) input positions
    for n, o in zip(size, out, strict=True):
        start, end = adaptive_bounds(n, o)
        longest = int((end - start).max()) if o else 1
        taps.append(np.minimum(start[:, None] + np.arange(longest), end[:, None] - 1))
    best = best_at = None
    for choice in np.ndindex(*(t.shape[1] for t in taps)):
        grids = np.ix_(*(t[:, j] for t, j in zip(taps, choice, strict=True)))
        flat = np.ravel_multi_index(grids, size) if dims else 0
        candidate = x[(..., *grids)]
        if best is None:
            best, best_at = candidate.copy(), np.broadcast_to(flat, candidate.shape).copy()
            continue
        takes_over = (candidate > best) | np.isnan(candidate)
        best = np.where(takes_over, candidate, best)
        best_at = np.where(takes_over, flat, best_at)
    return best_at


def _adaptive_max_pool(op: str, input: Tensor, output_size, return_indices: bool, dims: int):
    _check_pool_input(op, input, dims, floating=True)
    out = _adaptive_sizes(op, input, output_size, dims)
    x = _batched(input, dims)
    lead = x.shape[:2]
    if min(out) == 0:
        y = x.reshape(*lead, -1)[..., :0].reshape(*lead, *out)
        indices = Tensor(np.zeros((*lead, *out), np.int64))
    else:
        positions = _adaptive_argmax(x.array, out)  # (N, C, *out)
        y = vt.gather(x.reshape(*lead, -1), 2, positions.reshape(*lead, -1)).reshape(*lead, *out)
        indices = Tensor(positions.astype(np.int64))
    y = _unbatched(y, input, dims)
    return (y, _unbatched(indices, input, dims)) if return_indices else y


def adaptive_max_pool1d(
    input: Tensor, output_size: int | Sequence[int], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """torch.nn.functional.adaptive_max_pool1d over (N, C, L) or (C, L)."""
    if output_size is None:
        raise TypeError("adaptive_max_pool1d: output_size must be an int, not None")
    return _adaptive_max_pool("adaptive_max_pool1d", input, output_size, return_indices, 1)


def adaptive_max_pool2d(
    input: Tensor, output_size: int | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """torch.nn.functional.adaptive_max_pool2d; indices are flat in the H*W plane."""
    return _adaptive_max_pool("adaptive_max_pool2d", input, output_size, return_indices, 2)


def adaptive_max_pool3d(
    input: Tensor, output_size: int | Sequence[int | None], return_indices: bool = False
) -> Tensor | tuple[Tensor, Tensor]:
    """torch.nn.functional.adaptive_max_pool3d; indices are flat in the D*H*W volume."""
    return _adaptive_max_pool("adaptive_max_pool3d", input, output_size, return_indices, 3)


# ---------------------------------------------------------------- unpooling


def _unpool_output_size(
    input: Tensor, kernel, stride, padding, output_size, dims: int
) -> tuple[int, ...]:
    default = [
        (input.shape[-dims + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(dims)
    ]
    if output_size is None:
        return tuple(default)
    output_size = [int(n) for n in output_size]
    if len(output_size) == dims + 2:
        output_size = output_size[2:]
    if len(output_size) != dims:
        raise ValueError(
            f"output_size should be a sequence containing {dims} or {dims + 2} elements, but it "
            f"has a length of '{len(output_size)}'"
        )
    for d in range(dims):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < output_size[d] < high:
            raise ValueError(
                f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {low} and '
                f"{high})"
            )
    return tuple(output_size)


def _max_unpool(op, input, indices, kernel_size, stride, padding, output_size, dims) -> Tensor:
    _check_pool_input(op, input, dims, floating=True)
    kernel = as_tuple(kernel_size, dims, "kernel_size", op)
    stride = kernel if stride is None else as_tuple(stride, dims, "stride", op)
    padding = as_tuple(padding, dims, "padding", op)
    index = np.asarray(indices.array if isinstance(indices, Tensor) else indices)
    if index.dtype != np.int64:
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got {index.dtype}")
    if index.shape != tuple(input.shape):
        raise RuntimeError(
            f"{op}: expected shape of indices to be same as that of the input tensor "
            f"({list(input.shape)}) but got indices tensor with shape: {list(index.shape)}"
        )
    out = _unpool_output_size(input, kernel, stride, padding, output_size, dims)
    plane = math.prod(out)
    if index.size and (index.min() < 0 or index.max() >= plane):
        bad = index[(index < 0) | (index >= plane)].flat[0]
        raise RuntimeError(
            f"{op}: found an invalid max index: {bad} (output volumes are of size "
            f"{'x'.join(map(str, out))})"
        )
    x = _batched(input, dims)
    lead = x.shape[:2]
    flat = vt.zeros(*lead, plane, dtype=x.dtype)
    y = flat.scatter(2, index.reshape(*lead, -1), x.reshape(*lead, -1)).reshape(*lead, *out)
    return _unbatched(y, input, dims)


def max_unpool1d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """torch.nn.functional.max_unpool1d: max_pool1d's values put back at their indices."""
    return _max_unpool("max_unpool1d", input, indices, kernel_size, stride, padding, output_size, 1)


def max_unpool2d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """torch.nn.functional.max_unpool2d: zeros except the pooled maxima, at their indices."""
    return _max_unpool("max_unpool2d", input, indices, kernel_size, stride, padding, output_size, 2)


def max_unpool3d(
    input: Tensor,
    indices: Tensor,
    kernel_size: Size,
    stride: Size | None = None,
    padding: Size = 0,
    output_size: Sequence[int] | None = None,
) -> Tensor:
    """torch.nn.functional.max_unpool3d."""
    return _max_unpool("max_unpool3d", input, indices, kernel_size, stride, padding, output_size, 3)
