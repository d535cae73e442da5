"""Sampling from distributions given by tensors: normal, bernoulli, multinomial, poisson and
randint_like, drawn from the global generator or a `generator=` (v2_tensor.random).

A draw is not a differentiable function of its parameters: as torch, the result of normal,
bernoulli and poisson records the op when a parameter requires grad, and its gradient with
respect to every parameter is zero.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import random
from ..device import as_device
from ..function import Context, Function
from ..tensor import Tensor
from .conventions import broadcast_shape, refuse_kinds, refuse_out
from .creation import _dtype, _shape, randint
from .fill import zero_gradient


class Draw(Function):
    """Samples whose distribution was set by the tensor arguments: zero gradient for each."""

    @staticmethod
    def forward(ctx: Context, values: np.ndarray, *parameters: Any) -> np.ndarray:
        return values

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return (
            None,
            *[zero_gradient(grad) if needed else None for needed in ctx.needs_input_grad[1:]],
        )


def _drawn(values: np.ndarray, *parameters: Any) -> Tensor:
    return Draw.apply(Tensor(values), *[p for p in parameters if isinstance(p, Tensor)])


def normal(
    mean: Any,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Any = None,
    out: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal draws, in torch's four forms: normal(mean_tensor, std_tensor), normal(mean_tensor,
    std=1.0), normal(mean, std_tensor) (the tensors broadcast, and give the dtype), and
    normal(mean, std, size) of numbers."""
    refuse_out("normal", out)
    as_device(device)
    rng = random.source(generator)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError(
                "normal(): with a number mean and std, give the size: normal(mean, std, size)"
            )
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        shape = _shape("normal", tuple(size) if isinstance(size, tuple | list) else (size,))
        array = rng.normal(mean, std, shape).astype(_dtype(dtype), copy=False)
        return Tensor(array, requires_grad=requires_grad)
    if size is not None:
        raise TypeError("normal(): size is only for a number mean and a number std")
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    for t in tensors:
        refuse_kinds("normal", t, "biu")
    if isinstance(std, Tensor):
        if std.array.size and np.any(std.array < 0):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
    shape = tensors[0].shape
    if len(tensors) == 2:
        shape = broadcast_shape("normal", mean.shape, std.shape)
    result_dtype = tensors[0].dtype if len(tensors) == 1 else np.result_type(mean.dtype, std.dtype)
    m = mean.array if isinstance(mean, Tensor) else mean
    s = std.array if isinstance(std, Tensor) else std
    values = (m + s * rng.standard_normal(shape)).astype(result_dtype, copy=False)
    return _drawn(values, mean, std)


def bernoulli(input: Tensor, p: Any = None, *, generator: Any = None, out: Any = None) -> Tensor:
    """1 with probability input (elementwise), else 0, in input's dtype; with a number p, each
    element is 1 with probability p."""
    refuse_out("bernoulli", out)
    if p is None:
        refuse_kinds("bernoulli", input, "biu")
        probability = input.array
    else:
        if isinstance(p, Tensor):
            raise TypeError("bernoulli(): p must be a number here (for tensor p use bernoulli_)")
        probability = p
    if np.any((np.asarray(probability) < 0) | (np.asarray(probability) > 1)):
        raise RuntimeError(
            f"bernoulli: expected probabilities in [0, 1], got values from "
            f"{np.min(probability)} to {np.max(probability)}"
        )
    draws = random.source(generator).random(input.shape) < probability
    return _drawn(draws.astype(input.dtype), input)


def poisson(input: Tensor, generator: Any = None) -> Tensor:
    """A Poisson draw with each element's rate, in input's dtype."""
    refuse_kinds("poisson", input, "biu")
    if np.any(input.array < 0):
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative")
    draws = random.source(generator).poisson(input.array)
    return _drawn(draws.astype(input.dtype), input)


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Any = None,
    out: Any = None,
) -> Tensor:
    """num_samples category indices per row of (unnormalised) probabilities; without
    replacement each index at most once (categories of probability 0 come last)."""
    refuse_out("multinomial", out)
    p = input.array
    if p.dtype.kind != "f":
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {input.dtype}"
        )
    if p.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {p.shape}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples ({num_samples})")
    categories = p.shape[-1]
    if not replacement and num_samples > categories:
        raise RuntimeError(
            f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without "
            f"replacement ({num_samples} > {categories})"
        )
    rows = p.reshape(-1, categories).astype(np.float64)
    if not np.all(np.isfinite(rows)) or np.any(rows < 0):
        raise RuntimeError(
            "multinomial: probability tensor contains either `inf`, `nan` or element < 0"
        )
    totals = rows.sum(-1)
    if np.any(totals <= 0):
        raise RuntimeError(
            "multinomial: invalid multinomial distribution (sum of probabilities <= 0)"
        )
    rng = random.source(generator)
    if replacement:  # inverse CDF: the first category whose cumulative weight exceeds u
        cdf = np.cumsum(rows, -1)
        u = rng.random((rows.shape[0], num_samples)) * totals[:, None]
        picks = np.stack(
            [np.searchsorted(c, row, side="right") for c, row in zip(cdf, u, strict=True)]
        )
        picks = np.minimum(picks, categories - 1)
    else:  # the exponential race: the num_samples smallest E_i / p_i win, in order
        with np.errstate(divide="ignore"):
            keys = rows / rng.standard_exponential(rows.shape)
        picks = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    return Tensor(picks.reshape(*p.shape[:-1], num_samples).astype(np.int64))


def randint_like(
    input: Tensor,
    low: int = 0,
    high: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    generator: Any = None,
) -> Tensor:
    """Integers uniform on [low, high) in input's shape (and dtype unless dtype= is given):
    randint_like(input, high) or randint_like(input, low, high)."""
    if high is None:
        low, high = 0, low
    return randint(
        low,
        high,
        input.shape,
        generator=generator,
        dtype=_dtype(dtype, input.dtype),
        device=device,
        requires_grad=requires_grad,
    )


def _geometric_check(p: float) -> None:
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")


def geometric(input: Tensor, p: float, *, generator: Any = None) -> Tensor:
    """The number of Bernoulli(p) trials up to and including the first success (>= 1)."""
    _geometric_check(p)
    return _overwrite(input, random.source(generator).geometric(p, input.shape))


def log_normal(
    input: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Any = None
) -> Tensor:
    """exp(N(mean, std²)) draws."""
    refuse_kinds("log_normal_", input, "biu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _overwrite(input, random.source(generator).lognormal(mean, std, input.shape))


def cauchy(
    input: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Any = None
) -> Tensor:
    """median + sigma tan(π (u - 1/2)) draws, u uniform on [0, 1)."""
    refuse_kinds("cauchy_", input, "biu")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    u = random.source(generator).random(input.shape)
    return _overwrite(input, median + sigma * np.tan(math.pi * (u - 0.5)))


def _overwrite(input: Tensor, values: np.ndarray) -> Tensor:
    from .fill import Overwrite

    return Overwrite.apply(input, np.asarray(values))
