"""Conv1d/2d/3d and ConvTranspose1d/2d/3d, as torch.nn (the maths lives in functional/conv.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.device import as_device

from .. import init
from ..functional.conv import (
    PADDING_MODES,
    conv1d,
    conv2d,
    conv3d,
    conv_padding,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
    mode_pad,
    transposed_output_size,
)
from ..functional.windows import as_tuple
from ..module import Module, Parameter


class _ConvNd(Module):
    """Weight (out_channels, in_channels / groups, *kernel_size), bias (out_channels,); a
    transposed convolution's weight is (in_channels, out_channels / groups, *kernel_size).

    Initialised as torch does: kaiming_uniform_(a=sqrt(5)) on the weight, which is
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.shape[1] * prod(kernel_size)
    (in_channels / groups, or out_channels / groups when transposed), and the same bound
    for the bias.
    """

    dims: int
    transposed = False
    conv: Callable[..., Tensor]

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: str | int | Sequence[int] = 0,
        dilation: int | Sequence[int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
        *,
        output_padding: int | Sequence[int] = 0,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        as_device(device or "cpu")
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name}: {arg} must be a positive int, got {value!r}")
        if not isinstance(groups, int | np.integer) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must "
                f"be divisible by groups ({groups})"
            )
        if self.transposed and padding_mode != "zeros":
            raise ValueError(
                f'{name}: only "zeros" padding mode is supported, got {padding_mode!r}'
            )
        if padding_mode != "zeros" and padding_mode not in PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of 'zeros', 'reflect', 'replicate', "
                f"'circular', but got padding_mode={padding_mode!r}"
            )
        if self.transposed and isinstance(padding, str):
            raise ValueError(
                f"{name}: padding must be an int or {self.dims} ints; {padding!r} is not "
                "supported for transposed convolutions"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = as_tuple(kernel_size, self.dims, "kernel_size", name)
        self.stride = as_tuple(stride, self.dims, "stride", name)
        self.dilation = as_tuple(dilation, self.dims, "dilation", name)
        if min(self.kernel_size + self.stride + self.dilation) < 1:
            raise ValueError(
                f"{name}: kernel_size {self.kernel_size}, stride {self.stride} and dilation "
                f"{self.dilation} must be positive"
            )
        self.padding = (
            padding if isinstance(padding, str) else as_tuple(padding, self.dims, "padding", name)
        )
        self.output_padding = as_tuple(output_padding, self.dims, "output_padding", name)
        # resolved (before, after) per axis; also raises for a bad string or 'same' with stride
        self._pads = conv_padding(
            name, padding, self.kernel_size, self.stride, self.dilation, error=ValueError
        )
        self.groups = int(groups)
        self.padding_mode = padding_mode
        dtype = np.dtype(dtype or vt.get_default_dtype())
        channels = (in_channels, out_channels // groups)
        if not self.transposed:
            channels = (out_channels, in_channels // groups)
        self.weight = Parameter(np.empty((*channels, *self.kernel_size), dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode == "zeros":
            padding = self.padding
        else:  # pad explicitly, then convolve without padding (as torch does)
            input, padding = mode_pad(input, self._pads, self.padding_mode), 0
        return self.conv(
            input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups
        )

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self.dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.dims:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1D convolution over (N, C_in, L) or (C_in, L); see torch.nn.Conv1d."""

    dims = 1
    conv = staticmethod(conv1d)


class Conv2d(_ConvNd):
    """2D convolution over (N, C_in, H, W) or (C_in, H, W); see torch.nn.Conv2d."""

    dims = 2
    conv = staticmethod(conv2d)


class Conv3d(_ConvNd):
    """3D convolution over (N, C_in, D, H, W) or (C_in, D, H, W); see torch.nn.Conv3d."""

    dims = 3
    conv = staticmethod(conv3d)


class _ConvTransposeNd(_ConvNd):
    """The adjoint of a convolution in its input (the gradient of conv with respect to x).

    Torch's argument order: (in_channels, out_channels, kernel_size, stride=1, padding=0,
    output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros').
    forward(input, output_size=None): output_size (the spatial size, optionally with the
    batch and channel dims in front) picks the output_padding that gives that size.
    """

    transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | Sequence[int],
        stride: int | Sequence[int] = 1,
        padding: int | Sequence[int] = 0,
        output_padding: int | Sequence[int] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | Sequence[int] = 1,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            padding_mode,
            device,
            dtype,
            output_padding=output_padding,
        )

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple:
        """torch's rule: output_padding = output_size - the smallest output size."""
        if output_size is None:
            return self.output_padding
        dims = self.dims
        non_spatial = 2 if input.ndim == dims + 2 else 1
        output_size = [int(n) for n in output_size]
        if len(output_size) == non_spatial + dims:
            output_size = output_size[non_spatial:]
        if len(output_size) != dims:
            raise ValueError(
                f"ConvTranspose{dims}D: for {input.ndim}D input, output_size must have {dims} "
                f"or {non_spatial + dims} elements (got {len(output_size)})"
            )
        size = input.shape[non_spatial:]
        smallest = transposed_output_size(
            size, self.kernel_size, self.stride, self.padding, self.dilation, (0,) * dims
        )
        largest = [n + s - 1 for n, s in zip(smallest, self.stride, strict=True)]
        for want, low, high in zip(output_size, smallest, largest, strict=True):
            if not low <= want <= high:
                raise ValueError(
                    f"requested an output size of {tuple(output_size)}, but valid sizes range "
                    f"from {list(smallest)} to {largest} (for an input of {tuple(size)})"
                )
        return tuple(want - low for want, low in zip(output_size, smallest, strict=True))

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        output_padding = self._output_padding(input, output_size)
        return self.conv(
            input,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            output_padding,
            self.groups,
            self.dilation,
        )


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1D convolution over (N, C_in, L) or (C_in, L); see torch.nn.ConvTranspose1d."""

    dims = 1
    conv = staticmethod(conv_transpose1d)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2D convolution over (N, C_in, H, W) or (C_in, H, W)."""

    dims = 2
    conv = staticmethod(conv_transpose2d)


class ConvTranspose3d(_ConvTransposeNd):
    """Transposed 3D convolution over (N, C_in, D, H, W) or (C_in, D, H, W)."""

    dims = 3
    conv = staticmethod(conv_transpose3d)
