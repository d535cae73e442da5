"""Weight initialisation, as torch.nn.init: each function fills a tensor in place and returns it.

Random draws come from v2_tensor's seeded generator (`v2_tensor.manual_seed`), or from the
NumPy Generator passed as `generator`. Values keep the tensor's dtype.
"""

from __future__ import annotations

import math

import numpy as np

import v2_tensor as vt

Tensorish = vt.Tensor | np.ndarray  # init functions fill either in place

_LINEAR_FNS = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps activations' variance steady through `nonlinearity` (torch's table)."""
    if nonlinearity in _LINEAR_FNS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))  # gain = sqrt(2 / (1 + a^2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _array(tensor: Tensorish) -> np.ndarray:
    return tensor if isinstance(tensor, np.ndarray) else tensor.array


def calculate_fan_in_and_fan_out(tensor: Tensorish) -> tuple[int, int]:
    """(in * k, out * k) for a weight shaped (out, in, *kernel), k = prod(kernel)."""
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, "
            f"got shape {shape}"
        )
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


# torch's private name, kept so ported reset_parameters() code runs unchanged.
_calculate_fan_in_and_fan_out = calculate_fan_in_and_fan_out


def _correct_fan(tensor: Tensorish, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode!r} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor: Tensorish, values: float | np.ndarray) -> Tensorish:
    _array(tensor)[...] = values
    return tensor


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    return vt.random.generator() if generator is None else generator


def uniform_(
    tensor: Tensorish, a: float = 0.0, b: float = 1.0, generator: np.random.Generator | None = None
) -> Tensorish:
    """Fill with draws from U(a, b)."""
    if a > b:
        raise ValueError(f"uniform_: expects a <= b, got a={a}, b={b}")
    return _fill(tensor, _rng(generator).uniform(a, b, size=_array(tensor).shape))


def normal_(
    tensor: Tensorish,
    mean: float = 0.0,
    std: float = 1.0,
    generator: np.random.Generator | None = None,
) -> Tensorish:
    """Fill with draws from N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal_: expects std >= 0.0, got std={std}")
    return _fill(tensor, _rng(generator).normal(mean, std, size=_array(tensor).shape))


def constant_(tensor: Tensorish, val: float) -> Tensorish:
    return _fill(tensor, val)


def ones_(tensor: Tensorish) -> Tensorish:
    return _fill(tensor, 1.0)


def zeros_(tensor: Tensorish) -> Tensorish:
    return _fill(tensor, 0.0)


def xavier_uniform_(
    tensor: Tensorish, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensorish:
    """Glorot: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(
    tensor: Tensorish, gain: float = 1.0, generator: np.random.Generator | None = None
) -> Tensorish:
    """Glorot: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(
    tensor: Tensorish,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensorish:
    """He: U(-b, b) with b = gain * sqrt(3 / fan), fan chosen by `mode`."""
    if 0 in _array(tensor).shape:
        return tensor
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _correct_fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensorish,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> Tensorish:
    """He: N(0, std^2) with std = gain / sqrt(fan), fan chosen by `mode`."""
    if 0 in _array(tensor).shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)
