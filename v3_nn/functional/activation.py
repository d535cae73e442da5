"""Activation functions, as torch.nn.functional: each one is a line of maths on Tensors.

Every activation is composed of v2_tensor ops, so it is differentiable twice (and more);
the exact GELU is fused for speed (gelu_erf.py), with `gelu_composed` as its reference.
Branches are chosen with `where`, never by multiplying with a mask, so the gradient at a
kink is the one torch's kernel picks (its value at x = 0 or x = threshold is in each
docstring), and the branch not taken never sees an input that would overflow.

`inplace=True` writes the result into the input through v2_tensor's in-place machinery
(`x.relu_()`, or `apply_inplace` for the others): version counter, leaf checks and
autograd as for any in-place op.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.inplace import apply_inplace
from v3_nn.functional.gelu_erf import gelu_erf


def _maybe_inplace(name: str, input: Tensor, inplace: bool, compute: Callable, *args: Any):
    """compute(input, *args), written into input when inplace (torch's `name_`)."""
    if inplace:
        return apply_inplace(name + "_", input, compute, *args)
    return compute(input, *args)


def _torch_gradient(value: Tensor, differentiated: Tensor) -> Tensor:
    """`value`'s values with `differentiated`'s derivatives: for the few torch kernels whose
    backward uses a constant rounded to float32 while the forward does not (hardsigmoid's
    1/6, celu's 1/alpha), so that both our values and our gradients are torch's."""
    return differentiated + (value - differentiated).detach()


# ---- rectifiers ---------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); gradient 0 at x = 0."""
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def _leaky_relu(x: Tensor, negative_slope: float) -> Tensor:
    return vt.where(x > 0, x, x * negative_slope)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else slope * x (so the derivative at 0 is the slope, as in torch)."""
    return _maybe_inplace("leaky_relu", input, inplace, _leaky_relu, negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def _hardtanh(x: Tensor, min_val: float, max_val: float) -> Tensor:
    return x.clamp(min_val, max_val)  # gradient strictly inside (0 at both bounds), as torch


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """clamp(x, min_val, max_val); gradient 1 strictly inside, 0 at and beyond the bounds."""
    if min_val > max_val:
        raise ValueError(
            f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})"
        )
    return _maybe_inplace("hardtanh", input, inplace, _hardtanh, min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) = hardtanh(x, 0, 6): gradient 0 at 0 and at 6."""
    return _maybe_inplace("relu6", input, inplace, _hardtanh, 0.0, 6.0)


def _threshold(x: Tensor, threshold: float, value: float) -> Tensor:
    return vt.where(x > threshold, x, value)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value; gradient 0 at x = threshold."""
    return _maybe_inplace("threshold", input, inplace, _threshold, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _maybe_inplace("threshold", input, True, _threshold, threshold, value)


def _prelu_weight(input: Tensor, weight: Tensor) -> Tensor:
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() == 1:
        return weight.reshape(()) if weight.ndim else weight
    if weight.ndim != 1 or weight.numel() != channels:
        raise RuntimeError(
            "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{weight.numel()} and channel size = {channels}."
        )
    return weight.reshape(channels, *([1] * (input.ndim - 2)))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else a x with a learned per channel (dim 1); at 0 the gradient is a."""
    if input.ndim == 0 and weight.numel() != 1:
        raise RuntimeError("prelu: Not allow zero-dim input tensor.")
    return vt.where(input > 0, input, _prelu_weight(input, weight) * input)


def _rrelu_training(x: Tensor, lower: float, upper: float) -> Tensor:
    # each x <= 0 gets its own slope r ~ U(lower, upper); the gradient there is r
    draws = vt.random.generator().uniform(lower, upper, size=x.shape)
    noise = np.where(x.array <= 0, draws, 1.0).astype(x.dtype)
    return x * vt.Tensor(noise)


def rrelu(
    input: Tensor,
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Randomized leaky ReLU: in training a random slope per negative element from
    U(lower, upper) (v2_tensor's generator); in eval the fixed slope (lower + upper) / 2."""
    if lower > upper:
        raise RuntimeError(
            f"rrelu: lower bound should be less than or equal to upper bound, got lower={lower} "
            f"and upper={upper}"
        )
    if training:
        return _maybe_inplace("rrelu", input, inplace, _rrelu_training, lower, upper)
    return _maybe_inplace("rrelu", input, inplace, _leaky_relu, (lower + upper) / 2)


def rrelu_(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False
) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


# ---- exponential linear units ------------------------------------------------------------


def _elu(x: Tensor, alpha: float, scale: float, input_scale: float) -> Tensor:
    """torch's elu kernel: scale x for x > 0, else (alpha scale)(e^(input_scale x) - 1).
    At x = 0 the negative branch is taken, so the gradient there is alpha scale input_scale."""
    positive = x > 0
    negative_part = vt.where(positive, 0.0, x)  # e^x is never evaluated where x > 0
    negative = (alpha * scale) * (negative_part * input_scale).expm1()
    return vt.where(positive, x * scale, negative)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (e^x - 1) otherwise; gradient alpha at 0."""
    return _maybe_inplace("elu", input, inplace, _elu, alpha, 1.0, 1.0)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale (x for x > 0, alpha (e^x - 1) otherwise), with Klambauer et al.'s constants."""
    return _maybe_inplace("selu", input, inplace, _elu, SELU_ALPHA, SELU_SCALE, 1.0)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)); gradient 1 at 0."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    # torch's forward scales the input by 1/alpha, its backward by 1/float32(alpha)
    return _maybe_inplace("celu", input, inplace, _celu, alpha)


def _celu(x: Tensor, alpha: float) -> Tensor:
    exact = _elu(x, alpha, 1.0, 1.0 / alpha)
    return _torch_gradient(exact, _elu(x, alpha, 1.0, 1.0 / float(np.float32(alpha))))


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


# ---- smooth activations -------------------------------------------------------------------


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x)."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    return input.tanh()


def _softplus_stable(x: Tensor) -> Tensor:
    """log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), never overflowing; derivative sigmoid(x)
    everywhere, 1/2 at 0 (the branches are chosen so that their slopes add up there)."""
    positive = x > 0
    return vt.where(positive, x, 0.0) + vt.where(positive, -x, x).exp().log1p()


def logsigmoid(input: Tensor) -> Tensor:
    """log sigmoid(x) = min(x, 0) - log(1 + e^-|x|) (torch's formula); gradient 1/2 at 0."""
    negative = input < 0
    return vt.where(negative, input, 0.0) - vt.where(negative, input, -input).exp().log1p()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold (torch's cut-off)."""
    scaled = input * beta
    linear = scaled > threshold
    safe = vt.where(linear, 0.0, scaled)  # e^(beta x) only where it is used
    return vt.where(linear, input, safe.exp().log1p() / beta)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigmoid(x) (the swish)."""
    return _maybe_inplace("silu", input, inplace, lambda x: x * x.sigmoid())


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x tanh(softplus(x)), the softplus without torch's threshold, as torch's mish."""
    return _maybe_inplace("mish", input, inplace, lambda x: x * _softplus_stable(x).tanh())


def _hardswish(x: Tensor) -> Tensor:
    # torch's kernel: 0 up to -3, x (x + 3) / 6 strictly between, x from 3 on; so the
    # gradient is x/3 + 1/2 on the open interval, 0 at -3 and 1 at 3
    return vt.where(x <= -3, 0.0, vt.where(x < 3, x * (x + 3) / 6, x))


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x relu6(x + 3) / 6."""
    return _maybe_inplace("hardswish", input, inplace, _hardswish)


# torch's hardsigmoid backward multiplies by 1/6 rounded to float32 (a `1.0f / 6.0f` in its
# kernel), in float64 too, while its forward divides by 6
_ONE_SIXTH_FLOAT32 = float(np.float32(1.0) / np.float32(6.0))


def _hardsigmoid(x: Tensor) -> Tensor:
    shifted = (x + 3).clamp(0, 6)
    return _torch_gradient(shifted / 6, shifted * _ONE_SIXTH_FLOAT32)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3), 0 at and beyond ±3."""
    return _maybe_inplace("hardsigmoid", input, inplace, _hardsigmoid)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    return input - input.tanh()


def _check_lambd(op: str, lambd: float) -> None:
    if lambd < 0:
        raise RuntimeError(f"{op}: lambda must be greater or equal to 0, but found to be {lambd}.")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - lambd above lambd, x + lambd below -lambd, 0 between (gradient 0 at ±lambd)."""
    _check_lambd("softshrink", lambd)
    return vt.where(input > lambd, input - lambd, vt.where(input < -lambd, input + lambd, 0.0))


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > lambd, else 0 (gradient 0 at ±lambd)."""
    inside = (input >= -lambd).logical_and(input <= lambd)
    return vt.where(inside, 0.0, input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a sigmoid(b), with a and b the two halves of input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.size(dim)
    if size % 2:
        raise RuntimeError(
            f"glu: Halving dimension must be even, but dimension {dim} is size {size}"
        )
    a, b = input.chunk(2, dim=dim)
    return a * b.sigmoid()


# ---- GELU -------------------------------------------------------------------------------

_SQRT_HALF = math.sqrt(0.5)


def gelu_composed(input: Tensor) -> Tensor:
    """x Phi(x) = x (1 + erf(x / sqrt 2)) / 2 in Tensor ops: the reference the fused exact GELU
    (gelu_erf.py) is tested against."""
    return input * (0.5 * (1.0 + vt.erf(input * _SQRT_HALF)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) exactly (erf), or with torch's tanh approximation when approximate='tanh'."""
    if approximate == "none":
        # the blocked float32 CDF, kept for the backward (gelu_erf.py); gelu_composed is
        # the reference it is tested against
        return gelu_erf(input)
    if approximate == "tanh":
        # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return 0.5 * input * (1.0 + inner.tanh())
    raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")


# ---- softmax family -----------------------------------------------------------------------


def implicit_dim(ndim: int) -> int:
    """torch's legacy choice of softmax dim when none is given: 0 for 0-, 1- and 3-D, else 1."""
    warnings.warn(
        "Implicit dimension choice for softmax has been deprecated; pass dim explicitly",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """e^x / sum(e^x) along dim, computed stably by the engine (in `dtype` if given)."""
    return input.softmax(dim=implicit_dim(input.ndim) if dim is None else dim, dtype=dtype)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """softmax(-x) along dim."""
    return (-input).softmax(dim=implicit_dim(input.ndim) if dim is None else dim, dtype=dtype)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """x - logsumexp(x) along dim."""
    return input.log_softmax(dim=implicit_dim(input.ndim) if dim is None else dim, dtype=dtype)
