"""Elementwise functions of one tensor, each with its derivative, plus dtype casts and clone."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes
from ..function import Context, Function
from ..tensor import Tensor
from .arithmetic import where
from .conventions import as_tensor_arg, operands, refuse_out


class Exp(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * out  # d(e^x)/dx = e^x


class Log(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf, log(-1) = nan
            return np.log(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / x


class Sqrt(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad / (2 * out)  # d(√x)/dx = 1 / (2√x)


class Tanh(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)  # d(tanh x)/dx = 1 - tanh² x


class Sigmoid(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        # σ(x) = 1/(1+e^-x) for x >= 0 and e^x/(1+e^x) below: e^-|x| never overflows
        e = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1, e) / (1 + e)
        ctx.save_for_backward(out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)  # σ' = σ(1-σ)


class Relu(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return where(out > 0, grad, 0.0)  # selected, so an inf gradient at 0 gives 0, not nan


class Abs(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * x.sign()  # d|x|/dx = sign(x), as torch: inf * 0 = nan at 0


class Sign(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return np.sign(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        return grad * 0.0  # piecewise constant


class Sin(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.sin(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * x.cos()


class Cos(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.cos(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return -grad * x.sin()


class Clamp(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, low: Any, high: Any) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.bounds = low, high
        return np.clip(x, low, high)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        low, high = ctx.bounds
        inside = np.ones(x.shape, dtype=bool)  # strictly inside, as torch: none at a bound
        if low is not None:
            inside &= x.array > low
        if high is not None:
            inside &= x.array < high
        return where(Tensor(inside), grad, 0.0), None, None


class Cast(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        ctx.source = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad.to(ctx.source), None


class Clone(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        return grad


def relu(input: Tensor) -> Tensor:
    if input.array.dtype == np.bool_:
        raise RuntimeError("relu: not implemented for bool tensors")
    return Relu.apply(input)


def clamp(input: Tensor, min: Any = None, max: Any = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """Limit input to [min, max]; the gradient passes strictly inside (none at a bound, as
    torch). Tensor bounds broadcast and act as maximum(input, min) then minimum(., max)."""
    refuse_out("clamp", out)
    input = as_tensor_arg("clamp", input)
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from .arithmetic import maximum, minimum

        result = input
        if min is not None:
            result = maximum(*operands("clamp", result, min))
        if max is not None:
            result = minimum(*operands("clamp", result, max))
        return result
    if input.array.dtype.kind in "iub" and any(isinstance(b, float) for b in (min, max)):
        input = input.to(dtypes.get_default_dtype())  # a float bound promotes, as torch
    return Clamp.apply(input, min, max)


def clamp_min(input: Tensor, min: Any) -> Tensor:  # noqa: A002
    return clamp(input, min=min)


def clamp_max(input: Tensor, max: Any) -> Tensor:  # noqa: A002
    return clamp(input, max=max)


def cast(x: Tensor, dtype: Any) -> Tensor:
    """x in another dtype; gradients flow back cast to x's dtype."""
    dtype = dtypes.as_dtype(dtype)
    if x.array.dtype == dtype:
        return x
    if x._requires_grad and dtype.kind != "f":
        return Tensor(x.array.astype(dtype))
    return Cast.apply(x, dtype)


def clone(input: Tensor, *, memory_format: Any = None) -> Tensor:
    return Clone.apply(as_tensor_arg("clone", input))
