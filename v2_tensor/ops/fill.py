"""The out-of-place twins of the filling in-place ops: fill_, zero_, copy_ and the samplers
(normal_, uniform_, bernoulli_, exponential_, random_). Each result ignores the old values,
so the old tensor gets no gradient; a tensor fill value or copy source gets the gradient of
the positions it filled."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random
from ..function import Context, Function
from ..tensor import Tensor


class Fill(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, value: Any) -> np.ndarray:
        return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        # the old values get a zero gradient (as torch's); a 0-d tensor value gets the sum
        return _nothing(ctx, grad), grad


class Copy(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, src: np.ndarray) -> np.ndarray:
        return np.broadcast_to(src, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return _nothing(ctx, grad), grad


class Overwrite(Function):
    """x replaced by given values (a sampler's draws)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, values: np.ndarray) -> np.ndarray:
        return values.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return _nothing(ctx, grad), None


def zero_gradient(grad: Tensor) -> Tensor:
    """The gradient of a piecewise-constant op: zeros (not grad * 0, which is nan for inf)."""
    return Fill.apply(grad, 0)


def _nothing(ctx: Context, grad: Tensor) -> Tensor | None:
    """Zeros for the overwritten tensor, when it needs a gradient."""
    return zero_gradient(grad) if ctx.needs_input_grad[0] else None


def fill(input: Tensor, value: Any) -> Tensor:
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} "
            "dimensions"
        )
    if isinstance(value, Tensor):
        value = value.to(input.dtype)
    return Fill.apply(input, value)


def zero(input: Tensor) -> Tensor:
    return Fill.apply(input, 0)


def copy(input: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """src broadcast to input's shape and cast to its dtype."""
    if not isinstance(src, Tensor):
        src = Tensor(np.asarray(src))
    try:
        np.broadcast_shapes(src.shape, input.shape)
    except ValueError:
        raise RuntimeError(
            f"copy_: the source of shape {src.shape} does not broadcast to the destination's "
            f"shape {input.shape}"
        ) from None
    if np.broadcast_shapes(src.shape, input.shape) != input.shape:
        raise RuntimeError(
            f"copy_: the source of shape {src.shape} does not broadcast to the destination's "
            f"shape {input.shape}"
        )
    return Copy.apply(input, src)


def _draws(input: Tensor, values: np.ndarray) -> Tensor:
    return Overwrite.apply(input, values)


def _require_float(op: str, x: Tensor, error: type[Exception] = NotImplementedError) -> None:
    """Continuous draws need a float tensor: torch has no integer kernel (NotImplementedError;
    exponential_ says RuntimeError)."""
    if x.array.dtype.kind != "f":
        raise error(f"{op}: expected a floating point tensor, got {x.dtype}")


def normal(input: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    _require_float("normal_", input)
    if std < 0:
        raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
    return _draws(input, random.source(generator).normal(mean, std, input.shape))


def uniform(input: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
    _require_float("uniform_", input)
    if a > b:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
        )
    return _draws(input, random.source(generator).uniform(a, b, input.shape))


def bernoulli(input: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """1 with probability p (a number or a tensor of probabilities), else 0."""
    probability = p.array if isinstance(p, Tensor) else p
    if np.any((np.asarray(probability) < 0) | (np.asarray(probability) > 1)):
        raise RuntimeError("bernoulli_ expects p to be in [0, 1]")
    draws = random.source(generator).random(input.shape) < probability
    return _draws(input, draws)


def exponential(input: Tensor, lambd: float = 1.0, *, generator: Any = None) -> Tensor:
    _require_float("exponential_", input, RuntimeError)
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _draws(input, random.source(generator).exponential(1.0 / lambd, input.shape))


def random_(
    input: Tensor, from_: int = 0, to: int | None = None, *, generator: Any = None
) -> Tensor:
    """Integers uniform on [from, to): random_(to) is [0, to), random_() is [0, the dtype's
    largest exactly representable integer], as torch."""
    if to is None:
        from_, to = (0, from_) if from_ else (0, _default_top(input.dtype))
    if from_ >= to:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}"
        )
    if input.dtype.kind in "iu":
        limits = np.iinfo(input.dtype)
        if from_ < limits.min or to - 1 > limits.max:
            raise RuntimeError(f"random_: to - 1 ({to - 1}) is out of bounds for {input.dtype}")
    return _draws(input, random.source(generator).integers(from_, to, input.shape))


def _default_top(dtype: np.dtype) -> int:
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1) + 1
    if dtype.kind == "b":
        return 2
    return int(np.iinfo(dtype).max) + 1
