"""Activation functions, as torch.nn.functional: each one is a line of maths on Tensors."""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.special import erf

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function, once_differentiable


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0). `inplace` is accepted for torch compatibility; the result is a new tensor."""
    return input.relu()


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else slope * x (so the derivative at 0 is the slope, as in torch)."""
    return vt.where(input > 0, input, input * negative_slope)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x)."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


class _GeluErf(Function):
    """gelu(x) = x Phi(x), Phi the standard normal CDF; gelu'(x) = Phi(x) + x phi(x)."""

    @staticmethod
    def forward(ctx, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return x * 0.5 * (1.0 + erf(x / math.sqrt(2.0)))

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: Tensor) -> np.ndarray:
        x = ctx.saved_tensors[0].array
        cdf = 0.5 * (1.0 + erf(x / math.sqrt(2.0)))
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        return grad.array * (cdf + x * pdf)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) exactly (erf), or with torch's tanh approximation when approximate='tanh'."""
    if approximate == "none":
        return _GeluErf.apply(input)
    if approximate == "tanh":
        # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1.0 + inner.tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def implicit_dim(ndim: int) -> int:
    """torch's legacy choice of softmax dim when none is given: 0 for 0-, 1- and 3-D, else 1."""
    warnings.warn(
        "Implicit dimension choice for softmax has been deprecated; pass dim explicitly",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """e^x / sum(e^x) along dim, computed stably by the engine."""
    return input.softmax(dim=implicit_dim(input.ndim) if dim is None else dim)


def log_softmax(input: Tensor, dim: int | None = None) -> Tensor:
    """x - logsumexp(x) along dim."""
    return input.log_softmax(dim=implicit_dim(input.ndim) if dim is None else dim)
