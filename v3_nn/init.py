"""Weight initialisation, as torch.nn.init: each function fills a tensor in place and returns it.

Every fill is an in-place Tensor op under no_grad (`uniform_`, `normal_`, `fill_`, `copy_`),
so version counters move as in torch and a Parameter stays the same object. Random draws
come from v2_tensor's seeded generator (`v2_tensor.manual_seed`), or from `generator=` (a
`v2_tensor.Generator`, or a NumPy Generator). The streams are NumPy's, not torch's: the
distributions are torch's, the numbers are not. A NumPy array is filled in place too.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

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


def _tensor(tensor: Tensorish) -> vt.Tensor:
    """The Tensor to fill: the tensor itself, or a Tensor on the given array's memory."""
    return vt.Tensor(tensor) if isinstance(tensor, np.ndarray) else tensor


def calculate_fan_in_and_fan_out(tensor: Tensorish) -> tuple[int, int]:
    """(in * k, out * k) for a weight shaped (out, in, *kernel), k = prod(kernel)."""
    shape = tuple(tensor.shape)
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
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode!r} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _rng(generator: Any) -> np.random.Generator:
    if isinstance(generator, np.random.Generator):
        return generator
    return vt.random.source(generator)


def _write(tensor: Tensorish, values: np.ndarray) -> Tensorish:
    """Copy values into tensor in place (cast to its dtype), as an in-place op under no_grad."""
    with vt.no_grad():
        _tensor(tensor).copy_(vt.Tensor(np.asarray(values)))
    return tensor


def uniform_(tensor: Tensorish, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensorish:
    """Fill with draws from U(a, b)."""
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
        )
    return _write(tensor, _rng(generator).uniform(a, b, size=tuple(tensor.shape)))


def normal_(
    tensor: Tensorish, mean: float = 0.0, std: float = 1.0, generator: Any = None
) -> Tensorish:
    """Fill with draws from N(mean, std^2)."""
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    return _write(tensor, _rng(generator).normal(mean, std, size=tuple(tensor.shape)))


def trunc_normal_(
    tensor: Tensorish,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Any = None,
) -> Tensorish:
    """Fill with draws from N(mean, std^2) restricted to [a, b], by torch's rejection sampling:
    normal draws redrawn until inside when [a, b] holds more than 30% of the mass, else
    uniform proposals on [a, b] accepted with probability exp(-(x-mean)^2/(2 std^2)) / peak."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn(
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
            "The distribution of values may be incorrect.",
            stacklevel=2,
        )
    rng, shape = _rng(generator), tuple(tensor.shape)

    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
        values = rng.normal(mean, std, size=shape)
        outside = (values < a) | (values > b)
        while outside.any():
            values[outside] = rng.normal(mean, std, size=int(outside.sum()))
            outside = (values < a) | (values > b)
    else:
        log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2
        values = rng.uniform(a, b, size=shape)
        pending = np.ones(shape, dtype=bool)
        while pending.any():
            proposals = rng.uniform(a, b, size=int(pending.sum()))
            log_accept = -0.5 * ((proposals - mean) / std) ** 2 - log_peak
            accepted = np.log(rng.uniform(size=proposals.size)) <= log_accept
            index = np.flatnonzero(pending)
            values.flat[index[accepted]] = proposals[accepted]
            pending.flat[index[accepted]] = False
    return _write(tensor, values)


def constant_(tensor: Tensorish, val: float) -> Tensorish:
    with vt.no_grad():
        _tensor(tensor).fill_(val)
    return tensor


def ones_(tensor: Tensorish) -> Tensorish:
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensorish) -> Tensorish:
    with vt.no_grad():
        _tensor(tensor).zero_()
    return tensor


def eye_(tensor: Tensorish) -> Tensorish:
    """The identity matrix (ones on the diagonal of a 2-D tensor of any shape)."""
    if len(tensor.shape) != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _write(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensorish, groups: int = 1) -> Tensorish:
    """The Dirac delta: a convolution with this (3-, 4- or 5-D) weight keeps its input's
    channels (per group), one 1 at the kernel centre of each channel pair."""
    shape = tuple(tensor.shape)
    if len(shape) not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if shape[0] % groups:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = shape[0] // groups
    values = np.zeros(shape)
    centre = tuple(n // 2 for n in shape[2:])
    for g in range(groups):
        for d in range(min(per_group, shape[1])):
            values[(g * per_group + d, d, *centre)] = 1
    return _write(tensor, values)


def xavier_uniform_(tensor: Tensorish, gain: float = 1.0, generator: Any = None) -> Tensorish:
    """Glorot: U(-a, a), a = sqrt(3) std, std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensorish, gain: float = 1.0, generator: Any = None) -> Tensorish:
    """Glorot: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _empty(tensor: Tensorish) -> bool:
    if 0 in tuple(tensor.shape):
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


def kaiming_uniform_(
    tensor: Tensorish,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensorish:
    """He: U(-b, b), b = sqrt(3) gain / sqrt(fan), fan chosen by `mode`."""
    if _empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Tensorish,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensorish:
    """He: N(0, std^2), std = gain / sqrt(fan), fan chosen by `mode`."""
    if _empty(tensor):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensorish, gain: float = 1.0, generator: Any = None) -> Tensorish:
    """A (semi-)orthogonal matrix (the tensor seen as rows x the rest) times gain: Q of the QR
    decomposition of a normal matrix, its columns' signs fixed by R's diagonal (Saxe et al.)."""
    shape = tuple(tensor.shape)
    if len(shape) < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if math.prod(shape) == 0:
        return tensor
    rows = shape[0]
    cols = math.prod(shape) // rows
    flattened = _rng(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _write(tensor, (q * gain).reshape(shape))


def sparse_(
    tensor: Tensorish, sparsity: float, std: float = 0.01, generator: Any = None
) -> Tensorish:
    """N(0, std^2) with ceil(sparsity * rows) random entries of each column set to zero."""
    if len(tensor.shape) != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    rng = _rng(generator)
    values = rng.normal(0.0, std, size=(rows, cols))
    zeros = math.ceil(sparsity * rows)
    for col in range(cols):
        values[rng.permutation(rows)[:zeros], col] = 0
    return _write(tensor, values)
