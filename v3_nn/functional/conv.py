"""Convolution and transposed convolution as matrix multiplication (im2col), in 1, 2 and 3 D.

Gathering every window the kernel sees into the columns of a matrix turns a convolution
into one matmul for the whole batch (one per group):

    cols[(c, i, j), (n, h, w)] = x_pad[n, c, h*s_h + i*d_h, w*s_w + j*d_w]      (Unfold)
    y = W.reshape(O, C*kh*kw) @ cols + b

A transposed convolution is the adjoint of a convolution in its input: the same matmul
transposed, then col2im adds each column back onto the window it came from:

    cols = W.reshape(C_in, C_out*kh*kw)ᵀ @ x      y = Fold(cols) + b

Both are composed of Tensor ops (Unfold and Fold, each the other's backward, and matmul),
so their gradients come from the engine and are differentiable again: the gradient of a
convolution in its input is a transposed convolution, in its weight a product of columns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from v2_tensor import Tensor

from .padding import pad
from .windows import Windows, as_tuple, columns, uncolumns, window_count

PADDING_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def mode_pad(input: Tensor, pads: Sequence[tuple[int, int]], mode: str) -> Tensor:
    """Pad the last len(pads) axes by (before, after) in mode 'reflect', 'replicate' or
    'circular' (the padding of Conv's padding_mode; F.pad with the widths in torch's order)."""
    flat = [width for before_after in reversed(tuple(pads)) for width in before_after]
    return pad(input, flat, mode=mode)


def _check_conv_args(
    op: str, input, weight, bias, groups: int, dims: int, transposed: bool = False
) -> None:
    for name, value in (("input", input), ("weight", weight), ("bias", bias)):
        if not (isinstance(value, Tensor) or (name == "bias" and value is None)):
            raise TypeError(f"{op}: {name} must be a Tensor, not {type(value).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {op}, "
            f"but got input of size: {list(input.shape)}"
        )
    layout = "in_channels, out_channels / groups" if transposed else "out_channels, in_channels"
    if weight.ndim != dims + 2:
        raise RuntimeError(
            f"{op}: weight must be {dims + 2}D ({layout} / groups, kernel), got size "
            f"{list(weight.shape)}"
        )
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise RuntimeError(f"{op}: non-positive groups is not supported, got groups={groups!r}")
    if weight.shape[0] % groups:
        raise RuntimeError(
            f"{op}: given groups={groups}, expected weight to be divisible by {groups} at "
            f"dimension 0, but got weight of size {list(weight.shape)} instead"
        )
    channels = input.shape[-dims - 1]
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if channels != expected:
        raise RuntimeError(
            f"{op}: given groups={groups}, weight of size {list(weight.shape)}, expected "
            f"input{list(input.shape)} to have {expected} channels, but got "
            f"{channels} channels instead"
        )
    outputs = weight.shape[1] * groups if transposed else weight.shape[0]
    if bias is not None and bias.shape != (outputs,):
        raise RuntimeError(
            f"{op}: expected bias to be 1-dimensional with {outputs} elements, but got bias "
            f"of size {list(bias.shape)} instead"
        )
    dtypes = {t.dtype for t in (input, weight, bias) if t is not None}
    if len(dtypes) > 1:
        raise RuntimeError(
            f"{op}: input, weight and bias must share a dtype, got {sorted(map(str, dtypes))}"
        )
    if input.dtype.kind != "f":
        raise RuntimeError(f"{op}: not implemented for {input.dtype} input (floating point only)")
    if min(weight.shape[2:]) < 1:
        raise RuntimeError(
            f"{op}: kernel size should be greater than zero, got {tuple(weight.shape[2:])}"
        )


def conv_padding(
    op: str,
    padding: str | int | Sequence[int],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    error: type[Exception] = RuntimeError,
) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial axis; 'same' puts the odd pixel after, as torch does.

    torch's functional form raises RuntimeError for a bad string, its modules ValueError.
    """
    dims = len(kernel)
    if padding == "valid":
        return ((0, 0),) * dims
    if padding == "same":
        if any(s != 1 for s in stride):
            raise error(f"{op}: padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return tuple((t // 2, t - t // 2) for t in totals)
    if isinstance(padding, str):
        raise error(f"{op}: invalid padding string {padding!r}, should be 'same' or 'valid'")
    pads = as_tuple(padding, dims, "padding", op)
    if any(p < 0 for p in pads):
        raise RuntimeError(f"{op}: negative padding is not supported, got {pads}")
    return tuple((p, p) for p in pads)


def _positive(op: str, stride: tuple[int, ...], dilation: tuple[int, ...]) -> None:
    if any(s < 1 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported, got {stride}")
    if any(d < 1 for d in dilation):
        raise RuntimeError(f"{op}: dilation should be greater than zero, got {dilation}")


def _batched(input: Tensor, dims: int) -> Tensor:
    return input.unsqueeze(0) if input.ndim == dims + 1 else input


def _bias_shape(dims: int) -> tuple[int, ...]:
    return (-1,) + (1,) * dims


def _convolution(op, input, weight, bias, stride, padding, dilation, groups, dims: int) -> Tensor:
    _check_conv_args(op, input, weight, bias, groups, dims)
    stride = as_tuple(stride, dims, "stride", op)
    dilation = as_tuple(dilation, dims, "dilation", op)
    _positive(op, stride, dilation)
    kernel = tuple(weight.shape[2:])
    pads = conv_padding(op, padding, kernel, stride, dilation)
    size = tuple(input.shape[-dims:])
    padded = tuple(n + a + b for n, (a, b) in zip(size, pads, strict=True))
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True))
    if any(p < s for p, s in zip(padded, span, strict=True)):
        raise RuntimeError(
            f"{op}: calculated padded input size per channel: {padded}, (dilated) kernel size: "
            f"{span}; kernel size can't be greater than actual input size"
        )
    out = tuple(
        window_count(n, k, s, a + b, d)
        for n, k, s, (a, b), d in zip(size, kernel, stride, pads, dilation, strict=True)
    )
    windows = Windows(kernel, stride, dilation, pads, size, out)
    x = _batched(input, dims)
    n, out_channels = x.shape[0], weight.shape[0]
    cols = columns(x, windows).reshape(groups, -1, n * math.prod(out))  # (G, C/G*K, N*P)
    kernel_matrix = weight.reshape(groups, out_channels // groups, -1)  # (G, O/G, C/G*K)
    y = (kernel_matrix @ cols).reshape(out_channels, n, *out).transpose(0, 1)  # (N, O, *out)
    if bias is not None:
        y = y + bias.reshape(_bias_shape(dims))
    return y.squeeze(0) if input.ndim == dims + 1 else y


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


def conv3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: str | int | Sequence[int] = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
) -> Tensor:
    """torch.nn.functional.conv3d: input (N, C, D, H, W) or (C, D, H, W)."""
    return _convolution("conv3d", input, weight, bias, stride, padding, dilation, groups, dims=3)


def transposed_output_size(
    size: Sequence[int],
    kernel: Sequence[int],
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    output_padding: Sequence[int],
) -> tuple[int, ...]:
    """(L - 1) s - 2p + d (k - 1) + output_padding + 1 per axis."""
    return tuple(
        (n - 1) * s - 2 * p + d * (k - 1) + op + 1
        for n, k, s, p, d, op in zip(
            size, kernel, stride, padding, dilation, output_padding, strict=True
        )
    )


def _transposed_convolution(
    op, input, weight, bias, stride, padding, output_padding, groups, dilation, dims: int
) -> Tensor:
    _check_conv_args(op, input, weight, bias, groups, dims, transposed=True)
    if isinstance(padding, str):
        raise TypeError(f"{op}: padding must be an int or {dims} ints, not {padding!r}")
    stride = as_tuple(stride, dims, "stride", op)
    dilation = as_tuple(dilation, dims, "dilation", op)
    pads = as_tuple(padding, dims, "padding", op)
    output_padding = as_tuple(output_padding, dims, "output_padding", op)
    _positive(op, stride, dilation)
    if any(p < 0 for p in pads):
        raise RuntimeError(f"{op}: negative padding is not supported, got {pads}")
    if any(p < 0 for p in output_padding):
        raise RuntimeError(f"{op}: negative output_padding is not supported, got {output_padding}")
    if any(p >= max(s, d) for p, s, d in zip(output_padding, stride, dilation, strict=True)):
        raise RuntimeError(
            f"{op}: output padding must be smaller than either stride or dilation, but got "
            f"output_padding {output_padding}, stride {stride}, dilation {dilation}"
        )
    kernel = tuple(weight.shape[2:])
    size = tuple(input.shape[-dims:])
    out = transposed_output_size(size, kernel, stride, pads, dilation, output_padding)
    if min(out) < 1:
        raise RuntimeError(
            f"{op}: given input size per channel: {size}, calculated output size per channel: "
            f"{out}; output size is too small"
        )
    # the convolution whose input-adjoint this is maps out -> size
    windows = Windows(kernel, stride, dilation, tuple((p, p) for p in pads), out, size)
    x = _batched(input, dims)
    n, in_channels = x.shape[0], x.shape[1]
    out_channels = weight.shape[1] * groups
    x_matrix = x.transpose(0, 1).reshape(groups, in_channels // groups, -1)  # (G, Cin/G, N*P)
    kernel_matrix = weight.reshape(groups, in_channels // groups, -1)  # (G, Cin/G, Cout/G*K)
    cols = kernel_matrix.mT @ x_matrix  # (G, Cout/G*K, N*P)
    y = uncolumns(cols.reshape(out_channels, *kernel, n, *size), windows)  # (N, Cout, *out)
    if bias is not None:
        y = y + bias.reshape(_bias_shape(dims))
    return y.squeeze(0) if input.ndim == dims + 1 else y


def conv_transpose1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
) -> Tensor:
    """torch.nn.functional.conv_transpose1d: input (N, C_in, L), weight (C_in, C_out/groups, k)."""
    return _transposed_convolution(
        "conv_transpose1d",
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        1,
    )


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
) -> Tensor:
    """torch.nn.functional.conv_transpose2d: input (N, C_in, H, W), weight (C_in, C_out/groups,
    kh, kw); the output is (H - 1) s - 2p + d (k - 1) + output_padding + 1 high."""
    return _transposed_convolution(
        "conv_transpose2d",
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        2,
    )


def conv_transpose3d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    output_padding: int | Sequence[int] = 0,
    groups: int = 1,
    dilation: int | Sequence[int] = 1,
) -> Tensor:
    """torch.nn.functional.conv_transpose3d: input (N, C_in, D, H, W)."""
    return _transposed_convolution(
        "conv_transpose3d",
        input,
        weight,
        bias,
        stride,
        padding,
        output_padding,
        groups,
        dilation,
        3,
    )


# ---------------------------------------------------------------- unfold and fold


def _block_geometry(op: str, kernel_size, dilation, padding, stride) -> tuple:
    kernel = as_tuple(kernel_size, 2, "kernel_size", op)
    dilation = as_tuple(dilation, 2, "dilation", op)
    padding = as_tuple(padding, 2, "padding", op)
    stride = as_tuple(stride, 2, "stride", op)
    for name, values, low in (
        ("kernel_size", kernel, 1),
        ("dilation", dilation, 1),
        ("padding", padding, 0),
        ("stride", stride, 1),
    ):
        if min(values) < low:
            kind = "non-negative" if low == 0 else "greater than zero"
            raise RuntimeError(f"{op}: {name} should be {kind}, but got {name}={values}")
    return kernel, dilation, padding, stride


def _blocks(op: str, size, kernel, dilation, padding, stride) -> tuple[int, int]:
    blocks = tuple(
        window_count(n, k, s, 2 * p, d)
        for n, k, s, p, d in zip(size, kernel, stride, padding, dilation, strict=True)
    )
    if min(blocks) < 1:
        raise RuntimeError(
            f"{op}: given input with spatial size {tuple(size)}, kernel_size={kernel}, "
            f"dilation={dilation}, padding={padding}, calculated shape of the array of sliding "
            f"blocks as {blocks}, but its components must be at least one"
        )
    return blocks


def unfold(
    input: Tensor,
    kernel_size: int | Sequence[int],
    dilation: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    stride: int | Sequence[int] = 1,
) -> Tensor:
    """im2col: (N, C, H, W) -> (N, C * kh * kw, L), a column per sliding block (torch's order)."""
    op = "unfold"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if input.ndim < 3:
        raise IndexError(f"{op}: expected 3D or 4D input (a batch of images), got {input.shape}")
    if input.ndim > 4 or min(input.shape[1:]) < 1:
        raise RuntimeError(
            f"{op}: expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {list(input.shape)}"
        )
    kernel, dilation, padding, stride = _block_geometry(op, kernel_size, dilation, padding, stride)
    size = tuple(input.shape[-2:])
    blocks = _blocks(op, size, kernel, dilation, padding, stride)
    windows = Windows(kernel, stride, dilation, tuple((p, p) for p in padding), size, blocks)
    x = _batched(input, 2)
    n, c = x.shape[:2]
    cols = columns(x, windows).reshape(c * math.prod(kernel), n, math.prod(blocks))
    y = cols.transpose(0, 1)
    return y.squeeze(0) if input.ndim == 3 else y


def fold(
    input: Tensor,
    output_size: int | Sequence[int],
    kernel_size: int | Sequence[int],
    dilation: int | Sequence[int] = 1,
    padding: int | Sequence[int] = 0,
    stride: int | Sequence[int] = 1,
) -> Tensor:
    """col2im: (N, C * kh * kw, L) -> (N, C, H, W), overlapping values summed (unfold's adjoint)."""
    op = "fold"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, not {type(input).__name__}")
    if input.ndim not in (2, 3) or min(input.shape[1:]) < 1:
        raise RuntimeError(
            f"{op}: expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size "
            f"and non-zero dimensions for input, but got: {list(input.shape)}"
        )
    size = as_tuple(output_size, 2, "output_size", op)
    kernel, dilation, padding, stride = _block_geometry(op, kernel_size, dilation, padding, stride)
    x = input.unsqueeze(0) if input.ndim == 2 else input
    n, rows, length = x.shape
    volume = math.prod(kernel)
    if rows % volume:
        raise RuntimeError(
            f"{op}: expected size of input's dimension 1 to be divisible by the product of "
            f"kernel_size, but got input.size(1)={rows} and kernel_size={kernel}"
        )
    blocks = _blocks(op, size, kernel, dilation, padding, stride)
    if length != math.prod(blocks):
        raise RuntimeError(
            f"{op}: given output_size={size}, kernel_size={kernel}, dilation={dilation}, "
            f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match "
            f"the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
            f"{math.prod(blocks)}, but got input.size(2)={length}"
        )
    windows = Windows(kernel, stride, dilation, tuple((p, p) for p in padding), size, blocks)
    cols = x.transpose(0, 1).reshape(rows // volume, *kernel, n, *blocks)
    y = uncolumns(cols, windows)
    return y.squeeze(0) if input.ndim == 2 else y
