"""Pooling modules, as torch.nn: max, average, power-average, adaptive and unpooling, 1-3 D.

Each keeps torch's constructor arguments, attributes (as torch stores them: AvgPool1d and
the unpooling modules keep tuples, the others what they were given) and repr; the maths is
in functional/pooling.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from v2_tensor import Tensor

from ..functional import pooling as P
from ..functional.windows import as_tuple
from ..module import Module

Size = int | Sequence[int]
OptionalSize = int | None | Sequence[int | None]


class _MaxPoolNd(Module):
    pool: Callable[..., Tensor | tuple[Tensor, Tensor]]

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        dilation: Size = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return self.pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of (N, C, L) or (C, L); see torch.nn.MaxPool1d."""

    pool = staticmethod(P.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W) or (C, H, W); see torch.nn.MaxPool2d."""

    pool = staticmethod(P.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of (N, C, D, H, W) or (C, D, H, W); see torch.nn.MaxPool3d."""

    pool = staticmethod(P.max_pool3d)


class AvgPool1d(Module):
    """Mean over sliding windows of (N, C, L) or (C, L); see torch.nn.AvgPool1d."""

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = as_tuple(kernel_size, 1, "kernel_size", "AvgPool1d")
        self.stride = as_tuple(
            stride if stride is not None else kernel_size, 1, "stride", "AvgPool1d"
        )
        self.padding = as_tuple(padding, 1, "padding", "AvgPool1d")
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return P.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AvgPoolNd(Module):
    pool: Callable[..., Tensor]

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None = None,
        padding: Size = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return self.pool(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, H, W) or (C, H, W); see torch.nn.AvgPool2d."""

    pool = staticmethod(P.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, D, H, W) or (C, D, H, W); see torch.nn.AvgPool3d."""

    pool = staticmethod(P.avg_pool3d)


class _LPPoolNd(Module):
    pool: Callable[..., Tensor]

    def __init__(
        self,
        norm_type: float,
        kernel_size: Size,
        stride: Size | None = None,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        norm_type = float(self.norm_type)
        return self.pool(input, norm_type, self.kernel_size, self.stride, self.ceil_mode)

    def extra_repr(self) -> str:
        return (
            f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
            f"ceil_mode={self.ceil_mode}"
        )


class LPPool1d(_LPPoolNd):
    """Power-average pooling (sum x^p)^(1/p) over windows of (N, C, L) or (C, L)."""

    pool = staticmethod(P.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling over windows of (N, C, H, W) or (C, H, W)."""

    pool = staticmethod(P.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """Power-average pooling over windows of (N, C, D, H, W) or (C, D, H, W)."""

    pool = staticmethod(P.lp_pool3d)


class _AdaptiveAvgPoolNd(Module):
    pool: Callable[..., Tensor]

    def __init__(self, output_size: OptionalSize) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return self.pool(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Mean over output_size windows that tile the input (torch's floor/ceil bounds)."""

    pool = staticmethod(P.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Mean over output_size windows that tile the input (torch's floor/ceil bounds)."""

    pool = staticmethod(P.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Mean over output_size windows that tile the input (torch's floor/ceil bounds)."""

    pool = staticmethod(P.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(Module):
    pool: Callable[..., Tensor | tuple[Tensor, Tensor]]

    def __init__(self, output_size: OptionalSize, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return self.pool(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max over output_size windows that tile the input."""

    pool = staticmethod(P.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max over output_size windows that tile the input."""

    pool = staticmethod(P.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max over output_size windows that tile the input."""

    pool = staticmethod(P.adaptive_max_pool3d)


class _MaxUnpoolNd(Module):
    dims: int
    unpool: Callable[..., Tensor]

    def __init__(self, kernel_size: Size, stride: Size | None = None, padding: Size = 0) -> None:
        super().__init__()
        name = type(self).__name__
        self.kernel_size = as_tuple(kernel_size, self.dims, "kernel_size", name)
        self.stride = as_tuple(
            stride if stride is not None else kernel_size, self.dims, "stride", name
        )
        self.padding = as_tuple(padding, self.dims, "padding", name)

    def forward(
        self, input: Tensor, indices: Tensor, output_size: Sequence[int] | None = None
    ) -> Tensor:
        return self.unpool(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """The partial inverse of MaxPool1d: maxima back at their indices, zeros elsewhere."""

    dims = 1
    unpool = staticmethod(P.max_unpool1d)


class MaxUnpool2d(_MaxUnpoolNd):
    """The partial inverse of MaxPool2d: maxima back at their indices, zeros elsewhere."""

    dims = 2
    unpool = staticmethod(P.max_unpool2d)


class MaxUnpool3d(_MaxUnpoolNd):
    """The partial inverse of MaxPool3d: maxima back at their indices, zeros elsewhere."""

    dims = 3
    unpool = staticmethod(P.max_unpool3d)
