"""Elementwise functions of one tensor, each with its derivative, plus dtype casts and clone."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes
from ..function import Context, Function
from ..tensor import Tensor
from .arithmetic import where
from .conventions import as_tensor_arg, floating, operands, refuse_kinds, refuse_out
from .fill import zero_gradient


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
        out = np.sign(x)
        return np.where(np.isnan(x), 0, out).astype(x.dtype) if x.dtype.kind == "f" else out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        return zero_gradient(grad)  # piecewise constant


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
        from .arithmetic import Maximum, Minimum

        result = input
        if min is not None:
            result = Maximum.apply(*operands("clamp", result, min))
        if max is not None:
            result = Minimum.apply(*operands("clamp", result, max))
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


# ---- trigonometric and hyperbolic functions ---------------------------------------------------
# Each forward runs under np.errstate: outside its domain torch returns nan (or ±inf) silently.

_QUIET = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}


class Tan(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(**_QUIET):
            out = np.tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (1 + out * out)  # d(tan x)/dx = 1 + tan² x


class Asin(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):
            return np.arcsin(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * (1 - x * x).rsqrt()  # 1 / √(1 - x²)


class Acos(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):
            return np.arccos(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return -grad * (1 - x * x).rsqrt()  # -1 / √(1 - x²)


class Atan(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / (x * x + 1)  # 1 / (1 + x²)


class Sinh(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):
            return np.sinh(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * x.cosh()


class Cosh(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):
            return np.cosh(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * x.sinh()


class Asinh(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * (x * x + 1).rsqrt()  # 1 / √(x² + 1)


class Acosh(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):
            return np.arccosh(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * (x * x - 1).rsqrt()  # 1 / √(x² - 1)


class Atanh(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):
            return np.arctanh(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / (1 - x * x)  # 1 / (1 - x²)


# ---- powers, exponentials and logarithms ------------------------------------------------------


class Rsqrt(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(**_QUIET):
            out = 1 / np.sqrt(x)
        ctx.save_for_backward(out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return -0.5 * grad * out * out * out  # d(x^-1/2)/dx = -x^(-3/2) / 2


class Reciprocal(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(**_QUIET):
            out = np.reciprocal(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return -grad * (out * out)  # d(1/x)/dx = -1/x²


class Log2(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):
            return np.log2(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2))


class Log10(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):
            return np.log10(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(10))


class Log1p(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):
            return np.log1p(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(**_QUIET):
            out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (out + 1)  # d(eˣ - 1)/dx = eˣ


class Exp2(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(**_QUIET):
            out = np.exp2(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * out * math.log(2)  # d(2ˣ)/dx = 2ˣ ln 2


# ---- the error function and the logit ---------------------------------------------------------

_TWO_OVER_ROOT_PI = 2 / math.sqrt(math.pi)


class Erf(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        from scipy import special  # (imported on first use: it takes a while)

        return special.erf(x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * _TWO_OVER_ROOT_PI * (-(x * x)).exp()  # 2/√π e^(-x²)


class Erfc(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        from scipy import special

        return special.erfc(x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * -_TWO_OVER_ROOT_PI * (-(x * x)).exp()  # -2/√π e^(-x²)


class Erfinv(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        from scipy import special

        with np.errstate(**_QUIET):
            out = special.erfinv(x).astype(x.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (out,) = ctx.saved_tensors
        return grad * (math.sqrt(math.pi) / 2) * (out * out).exp()  # √π/2 e^(erfinv(x)²)


class Logit(Function):
    """log(x / (1 - x)), with x first limited to [eps, 1 - eps] when eps is given."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, eps: float | None) -> np.ndarray:
        ctx.save_for_backward(x)
        ctx.eps = eps
        z = x if eps is None else np.clip(x, eps, 1 - eps)
        with np.errstate(**_QUIET):
            return np.log(z / (1 - z)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        inside = grad / (x * (1 - x))  # d logit/dx = 1 / (x (1 - x))
        if ctx.eps is None:  # torch: nan outside [0, 1]
            outside = Tensor((x.array < 0) | (x.array > 1))
            return where(outside, math.nan, inside), None
        clipped = Tensor((x.array < ctx.eps) | (x.array > 1 - ctx.eps))
        return where(clipped, 0.0, inside), None  # the clip is flat: no gradient


# ---- rounding: piecewise constant, so no gradient (frac passes it on) ------------------------


class Rounding(Function):
    """floor, ceil, trunc, round (with decimals as torch: x·10ᵈ rounded half to even, then
    divided back): each is flat almost everywhere, so its gradient is zero, as torch's."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, rule: str, decimals: int) -> np.ndarray:
        if rule != "round" or decimals == 0:
            return _ROUNDING[rule](x)
        with np.errstate(**_QUIET):
            if decimals > 0:
                scale = x.dtype.type(10.0**decimals)
                return np.rint(x * scale) / scale
            scale = x.dtype.type(10.0**-decimals)
            return np.rint(x / scale) * scale

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return zero_gradient(grad), None, None


_ROUNDING = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.rint}


class Frac(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return x - np.trunc(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        return grad  # x - trunc(x): the trunc is flat


class NanToNum(Function):
    @staticmethod
    def forward(
        ctx: Context, x: np.ndarray, nan: float, posinf: float | None, neginf: float | None
    ) -> np.ndarray:
        ctx.save_for_backward(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        return grad * x.isfinite(), None, None, None  # as torch: the replaced values are flat


def _float_input(op: str, input: Any, out: Any) -> Tensor:
    refuse_out(op, out)
    return floating(as_tensor_arg(op, input))


def logit(input: Tensor, eps: float | None = None, *, out: Any = None) -> Tensor:
    """log(p / (1 - p)); with eps, p is first limited to [eps, 1 - eps] (torch.logit)."""
    return Logit.apply(_float_input("logit", input, out), eps)


def square(input: Tensor, *, out: Any = None) -> Tensor:
    """input * input (input ** 2): integers stay integers, bools become int64, as torch."""
    refuse_out("square", out)
    x = as_tensor_arg("square", input)
    if x.array.dtype == np.bool_:
        x = x.to(dtypes.int64)
    from .arithmetic import Pow

    return Pow.apply(x, 2)


def _rounding(rule: str) -> Any:
    def op(input: Tensor, *, out: Any = None) -> Tensor:
        refuse_out(rule, out)
        x = as_tensor_arg(rule, input)
        refuse_kinds(rule, x, "b")
        if x.array.dtype.kind in "iu":
            return Tensor(x.array.copy())  # an integer is its own floor (a new tensor, as torch)
        return Rounding.apply(x, rule, 0)

    return op


floor = _rounding("floor")
ceil = _rounding("ceil")
trunc = _rounding("trunc")


def round(input: Tensor, *, decimals: int = 0, out: Any = None) -> Tensor:  # noqa: A001
    """Round half to even (torch.round), to `decimals` places if given."""
    refuse_out("round", out)
    x = as_tensor_arg("round", input)
    refuse_kinds("round", x, "b")
    if x.array.dtype.kind in "iu":
        if decimals:
            refuse_kinds("round", x, "iu", " with decimals")
        return Tensor(x.array.copy())
    return Rounding.apply(x, "round", decimals)


def frac(input: Tensor, *, out: Any = None) -> Tensor:
    refuse_out("frac", out)
    x = as_tensor_arg("frac", input)
    refuse_kinds("frac", x, "biu")
    return Frac.apply(x)


def nan_to_num(
    input: Tensor,
    nan: float = 0.0,
    posinf: float | None = None,
    neginf: float | None = None,
    *,
    out: Any = None,
) -> Tensor:
    """nan, +inf and -inf replaced (by 0 and the dtype's largest and smallest values)."""
    refuse_out("nan_to_num", out)
    x = as_tensor_arg("nan_to_num", input)
    if x.array.dtype.kind != "f":
        return Tensor(x.array.copy())
    return NanToNum.apply(x, nan, posinf, neginf)


def _classify(name: str, test: Any) -> Any:
    """isnan, isinf, ...: bool tensors (no gradient); integers are always finite."""

    def op(input: Tensor, *, out: Any = None) -> Tensor:
        refuse_out(name, out)
        x = as_tensor_arg(name, input)
        if x.array.dtype.kind != "f":
            return Tensor(np.full(x.shape, name == "isfinite"))
        return Tensor(np.asarray(test(x.array)))

    op.__name__ = name
    return op


isnan = _classify("isnan", np.isnan)
isinf = _classify("isinf", np.isinf)
isfinite = _classify("isfinite", np.isfinite)
isposinf = _classify("isposinf", np.isposinf)
isneginf = _classify("isneginf", np.isneginf)


def signbit(input: Tensor, *, out: Any = None) -> Tensor:
    refuse_out("signbit", out)
    x = as_tensor_arg("signbit", input)
    return Tensor(np.asarray(np.signbit(x.array) if x.array.dtype != np.bool_ else x.array & False))


def sign(input: Tensor, *, out: Any = None) -> Tensor:
    """-1, 0 or 1 in the input's dtype (a bool is its own sign); gradient zero."""
    refuse_out("sign", out)
    x = as_tensor_arg("sign", input)
    if x.array.dtype == np.bool_:
        return Tensor(x.array.copy())
    return Sign.apply(x)


def abs(input: Tensor, *, out: Any = None) -> Tensor:  # noqa: A001
    refuse_out("abs", out)
    x = as_tensor_arg("abs", input)
    refuse_kinds("abs", x, "b")
    return Abs.apply(x)


def positive(input: Tensor) -> Tensor:
    """input itself (torch.positive, unary +); refused for bool tensors, as torch."""
    x = as_tensor_arg("positive", input)
    refuse_kinds("positive", x, "b")
    return x


# ---- gamma functions, sinc, angle units --------------------------------------------------------


class Lgamma(Function):
    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        from scipy import special

        ctx.save_for_backward(x)
        out = special.gammaln(x).astype(x.dtype, copy=False)
        return np.where(x == -np.inf, np.inf, out)  # |Γ(-inf)| -> inf, as torch

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return grad * Polygamma.apply(x, 0)  # d ln Γ(x)/dx = ψ(x)


class Polygamma(Function):
    """ψ⁽ⁿ⁾(x), the n-th derivative of the digamma function ψ = Γ'/Γ (n = 0: digamma)."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray, n: int) -> np.ndarray:
        from scipy import special

        ctx.save_for_backward(x)
        ctx.n = n
        with np.errstate(**_QUIET):
            out = special.psi(x) if n == 0 else special.polygamma(n, x)
        return np.asarray(out).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (x,) = ctx.saved_tensors
        return grad * Polygamma.apply(x, ctx.n + 1), None  # d ψ⁽ⁿ⁾/dx = ψ⁽ⁿ⁺¹⁾


class Sinc(Function):
    """sin(πx) / (πx), 1 at 0."""

    @staticmethod
    def forward(ctx: Context, x: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(x)
        with np.errstate(**_QUIET):  # sinc(±inf) is nan, silently
            return np.sinc(x)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        px = x * math.pi
        # d/dx sin(πx)/(πx) = (πx cos πx - sin πx) / (π x²), taken as 0 at x = 0 (torch)
        slope = (px * px.cos() - px.sin()) / (px * x)
        return grad * where(Tensor(x.array == 0), 0.0, slope)


def digamma(input: Tensor, *, out: Any = None) -> Tensor:
    """ψ(x) = d ln Γ(x)/dx."""
    return Polygamma.apply(_float_input("digamma", input, out), 0)


def polygamma(n: int, input: Tensor, *, out: Any = None) -> Tensor:
    """ψ⁽ⁿ⁾(x) for n = 0, 1, 2, ..."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got {n})")
    return Polygamma.apply(_float_input("polygamma", input, out), n)


def deg2rad(input: Tensor, *, out: Any = None) -> Tensor:
    return _float_input("deg2rad", input, out) * (math.pi / 180)


def rad2deg(input: Tensor, *, out: Any = None) -> Tensor:
    return _float_input("rad2deg", input, out) * (180 / math.pi)


def polygamma_of(input: Tensor, n: int) -> Tensor:
    """polygamma with the tensor first: Tensor.polygamma(n) and polygamma_(n)."""
    return polygamma(n, input)
