"""Padding modules, as torch.nn: ZeroPad, ConstantPad, ReflectionPad, ReplicationPad and
CircularPad in 1, 2 and 3 D, each F.pad with its mode (functional/padding.py).

`padding` is an int (the same width on every side) or torch's tuple (left, right[, top,
bottom[, front, back]]), stored as that tuple; negative widths crop.
"""

from __future__ import annotations

from collections.abc import Sequence

from v2_tensor import Tensor

from ..functional.padding import pad
from ..module import Module


def _widths(padding: int | Sequence[int], dims: int) -> tuple[int, ...]:
    return (padding,) * (2 * dims) if isinstance(padding, int) else tuple(padding)


class _ConstantPadNd(Module):
    dims: int

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__()
        self.padding = _widths(padding, self.dims)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with a constant value."""

    dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims with a constant value."""

    dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims with a constant value."""

    dims = 3


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad1d(_ZeroPadNd):
    """Pads the last dim with zeros."""

    dims = 1


class ZeroPad2d(_ZeroPadNd):
    """Pads the last 2 dims with zeros."""

    dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pads the last 3 dims with zeros."""

    dims = 3


class _ModePadNd(Module):
    dims: int
    mode: str
    check_dims = False  # CircularPad checks the input's dims itself, as torch's does

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__()
        self.padding = _widths(padding, self.dims)

    def forward(self, input: Tensor) -> Tensor:
        if self.check_dims and input.ndim not in (self.dims + 1, self.dims + 2):
            raise ValueError(
                f"{type(self).__name__}: expected {self.dims + 1}D or {self.dims + 2}D input "
                f"(got {input.ndim}D input)"
            )
        return pad(input, self.padding, self.mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Mirrors the last dim at its ends (the edge value is not repeated)."""

    dims, mode = 1, "reflect"


class ReflectionPad2d(_ModePadNd):
    """Mirrors the last 2 dims at their ends."""

    dims, mode = 2, "reflect"


class ReflectionPad3d(_ModePadNd):
    """Mirrors the last 3 dims at their ends."""

    dims, mode = 3, "reflect"


class ReplicationPad1d(_ModePadNd):
    """Repeats the edge values of the last dim."""

    dims, mode = 1, "replicate"


class ReplicationPad2d(_ModePadNd):
    """Repeats the edge values of the last 2 dims."""

    dims, mode = 2, "replicate"


class ReplicationPad3d(_ModePadNd):
    """Repeats the edge values of the last 3 dims."""

    dims, mode = 3, "replicate"


class CircularPad1d(_ModePadNd):
    """Wraps the last dim around (the end pads the start and the other way round)."""

    dims, mode, check_dims = 1, "circular", True


class CircularPad2d(_ModePadNd):
    """Wraps the last 2 dims around."""

    dims, mode, check_dims = 2, "circular", True


class CircularPad3d(_ModePadNd):
    """Wraps the last 3 dims around."""

    dims, mode, check_dims = 3, "circular", True
