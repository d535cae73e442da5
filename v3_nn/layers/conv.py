"""Conv1d and Conv2d, as torch.nn (the im2col maths lives in functional/conv.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor

from .. import init
from ..functional.conv import PADDING_MODES, as_tuple, conv1d, conv2d, conv_padding, mode_pad
from ..module import Module, Parameter


class _ConvNd(Module):
    """Weight (out_channels, in_channels / groups, *kernel_size), bias (out_channels,).

    Initialised as torch does: kaiming_uniform_(a=sqrt(5)) on the weight, which is
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * prod(kernel_size),
    and the same bound for the bias.
    """

    dims: int
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
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        for arg, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(value, int | np.integer) or value < 1:
                raise ValueError(f"{name}: {arg} must be a positive int, got {value!r}")
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels ({in_channels}) and out_channels ({out_channels}) must "
                f"be divisible by groups ({groups})"
            )
        if padding_mode != "zeros" and padding_mode not in PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of 'zeros', 'reflect', 'replicate', "
                f"'circular', but got padding_mode={padding_mode!r}"
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
        # resolved (before, after) per axis; also raises for a bad string or 'same' with stride
        self._pads = conv_padding(name, padding, self.kernel_size, self.stride, self.dilation)
        self.groups = groups
        self.padding_mode = padding_mode
        dtype = np.dtype(dtype or vt.float32)
        weight_shape = (out_channels, in_channels // groups, *self.kernel_size)
        self.weight = Parameter(np.empty(weight_shape, dtype))
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
