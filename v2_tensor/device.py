"""Devices: v2_tensor computes on the CPU with NumPy, so "cpu" is the one device.

`device("cuda")` can be named, as in torch on a machine without a GPU, but putting a tensor
there is a RuntimeError that says why; `cuda.is_available()` and `accelerator.is_available()`
are False, so `"cuda" if torch.cuda.is_available() else "cpu"` picks the CPU.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

# torch's device types: naming one is fine, using any but "cpu" is refused
KNOWN_TYPES = [
    "cpu",
    "cuda",
    "ipu",
    "xpu",
    "mkldnn",
    "opengl",
    "opencl",
    "ideep",
    "hip",
    "ve",
    "fpga",
    "maia",
    "xla",
    "lazy",
    "vulkan",
    "mps",
    "meta",
    "hpu",
    "mtia",
    "privateuseone",
]


class device:  # noqa: N801  (torch's name)
    """A device name, as torch.device: `device("cpu")`, `device("cuda", 0)`, `device("cuda:1")`."""

    __slots__ = ("type", "index")

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string or a device, got {type!r}")
        name, _, number = type.partition(":")
        if name not in KNOWN_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(KNOWN_TYPES)} device type at start of device "
                f"string: {type}"
            )
        if number:
            if index is not None or not number.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(number)
        if index is not None and (not isinstance(index, int) or index < 0):
            raise RuntimeError(f"Device index must not be negative, got {index!r}")
        object.__setattr__(self, "type", name)
        object.__setattr__(self, "index", index)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("device objects are immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"


CPU = device("cpu")


def as_device(value: Any) -> device:
    """The CPU for every way of naming it ("cpu", "cpu:0", device("cpu"), None); any other
    device is refused with a RuntimeError naming it."""
    if value is None:
        return CPU
    if isinstance(value, int) and not isinstance(value, bool):
        value = device("cuda", value)  # torch reads a bare int as a CUDA ordinal
    result = device(value)
    if result.type != "cpu":
        raise RuntimeError(
            f"device '{result}' is not available: v2_tensor computes on the CPU with NumPy, so "
            "'cpu' is its one device (pick it with `'cuda' if cuda.is_available() else 'cpu'`)"
        )
    return CPU


def is_device(value: Any) -> bool:
    """True for the values that name a device as an argument of `to()` ('cpu', device(...))."""
    if isinstance(value, device):
        return True
    return isinstance(value, str) and value.partition(":")[0] in KNOWN_TYPES


def _false() -> bool:
    return False


def _zero() -> int:
    return 0


def _no_generator(seed: int) -> None:
    """torch seeds CUDA generators lazily, so without a GPU this does nothing; so here."""


cuda = SimpleNamespace(
    is_available=_false,
    device_count=_zero,
    is_initialized=_false,
    manual_seed=_no_generator,
    manual_seed_all=_no_generator,
)
accelerator = SimpleNamespace(is_available=_false, device_count=_zero)
backends = SimpleNamespace(mps=SimpleNamespace(is_available=_false, is_built=_false))
