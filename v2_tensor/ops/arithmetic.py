"""Elementwise ops of two operands: + - * / ** maximum minimum where, comparisons, logic, bits.

Operands broadcast; a backward returns each gradient in the broadcast shape and the engine
sums it back to the operand's shape.
"""

from __future__ import annotations

import builtins
import math
from typing import Any

import numpy as np

from .. import dtypes
from ..function import Context, Function
from ..tensor import Tensor
from .conventions import (
    broadcast_shape,
    cast_operand,
    float_operands,
    operands,
    refuse_out,
    tensor_operands,
)
from .fill import zero_gradient

_QUIET = {"divide": "ignore", "invalid": "ignore", "over": "ignore"}  # NumPy's warnings off


class Add(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        with np.errstate(**_QUIET):  # inf + -inf is nan, silently as in torch
            return np.add(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad, grad


class Sub(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        with np.errstate(**_QUIET):
            return np.subtract(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        with np.errstate(**_QUIET):  # inf * 0 is nan, silently as in torch
            return np.multiply(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = ctx.needs_input_grad
        return (grad * b if a_needs else None, grad * a if b_needs else None)


class Div(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # x/0: ±inf, nan
            return np.true_divide(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = ctx.needs_input_grad
        return (
            grad / b if a_needs else None,
            -grad * a / (b * b) if b_needs else None,  # d(a/b)/db = -a/b²
        )


class Pow(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b, out = ctx.saved_tensors
        a_needs, b_needs = ctx.needs_input_grad
        grad_a = grad_b = None
        if a_needs:
            if isinstance(b, Tensor):  # d(a^b)/da = b a^(b-1), taken as 0 where b == 0 (torch)
                grad_a = where(b == 0, 0.0, grad * b * a ** (b - 1))
            else:
                grad_a = zero_gradient(grad) if b == 0 else grad * b * a ** (b - 1)
        if b_needs:
            # d(a^b)/db = a^b log(a), taken as 0 where a == 0 and b >= 0 (torch's convention)
            log_a = a.log() if isinstance(a, Tensor) else Tensor(np.log(np.asarray(a, b.dtype)))
            zero = (a == 0) & (b >= 0)
            grad_b = where(zero, 0.0, grad * out * log_a)
        return grad_a, grad_b


class Neg(Function):
    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return np.negative(a)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        return -grad


class Maximum(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return _split_ties(grad, a, b, (a < b).array, (a > b).array)


class Minimum(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return _split_ties(grad, a, b, (a > b).array, (a < b).array)


def _split_ties(grad: Tensor, a: Any, b: Any, a_loses: np.ndarray, b_loses: np.ndarray) -> tuple:
    """The gradient goes to the selected operand, half to each on a tie, as torch's formula
    (which also sends the whole of it to both where one of them is nan)."""
    tie = (a == b).array
    share_a = Tensor(np.where(tie, 0.5, np.where(a_loses, 0.0, 1.0)).astype(grad.dtype))
    share_b = Tensor(np.where(tie, 0.5, np.where(b_loses, 0.0, 1.0)).astype(grad.dtype))
    return grad * share_a, grad * share_b


class Where(Function):
    @staticmethod
    def forward(ctx: Context, condition: np.ndarray, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(condition)
        return _select(condition, a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (condition,) = ctx.saved_tensors
        _, a_needs, b_needs = ctx.needs_input_grad
        # the gradient is selected, never multiplied by a mask (inf * 0 would be nan)
        return (
            None,
            where(condition, grad, 0.0) if a_needs else None,
            where(condition, 0.0, grad) if b_needs else None,
        )


def add(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    """input + alpha * other."""
    refuse_out("add", out)
    if alpha != 1:
        other = mul(other, alpha)
    return Add.apply(*operands("add", input, other))


def sub(input: Any, other: Any, *, alpha: Any = 1, out: Any = None) -> Tensor:
    """input - alpha * other."""
    refuse_out("sub", out)
    _refuse_bool_subtraction(input, other)
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(*operands("sub", input, other))


def _refuse_bool_subtraction(input: Any, other: Any) -> None:
    """torch has no subtraction of booleans, neither two bool tensors nor one and a number."""
    bools = [isinstance(x, bool) or (isinstance(x, Tensor) and x.dtype == np.bool_)
             for x in (input, other)]  # fmt: skip
    if all(isinstance(x, Tensor) for x in (input, other)) and all(bools):
        raise NotImplementedError(
            "sub: subtraction, the `-` operator, with two bool tensors is not supported; use "
            "the `^` or `logical_xor()` operator instead"
        )
    if any(bools):
        raise NotImplementedError(
            "sub: subtraction, the `-` operator, with a bool tensor is not supported; to "
            "invert a mask use the `~` or `logical_not()` operator instead"
        )


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """other - alpha * input."""
    return sub(other, input, alpha=alpha)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 / tensor2."""
    return add(input, div(tensor1, tensor2), alpha=value)


def lerp(input: Any, end: Any, weight: Any, *, out: Any = None) -> Tensor:
    """input + weight * (end - input), the linear interpolation from input to end (input,
    end and a tensor weight of one float dtype, as torch)."""
    refuse_out("lerp", out)
    for name, x in (("end", end), ("weight", weight)):
        if isinstance(x, Tensor) and isinstance(input, Tensor) and x.dtype != input.dtype:
            raise RuntimeError(
                f"lerp: expected dtype {input.dtype} for `{name}` but got dtype {x.dtype}"
            )
    if isinstance(input, Tensor) and input.dtype.kind != "f":
        raise NotImplementedError(f'"lerp" not implemented for {input.dtype} tensors')
    return add(input, mul(sub(end, input), weight))


def mul(input: Any, other: Any, *, out: Any = None) -> Tensor:
    refuse_out("mul", out)
    return Mul.apply(*operands("mul", input, other))


def div(input: Any, other: Any, *, rounding_mode: str | None = None, out: Any = None) -> Tensor:
    """input / other: true division (integers give the default float dtype), or rounded
    towards zero (rounding_mode='trunc') or down ('floor'), as torch.div."""
    refuse_out("div", out)
    a, b = operands("div", input, other)
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"{rounding_mode!r}"
        )
    integral = not any(isinstance(x, Tensor) and x.array.dtype.kind == "f" for x in (a, b))
    if integral and rounding_mode is None:
        floating = dtypes.get_default_dtype()
        a, b = cast_operand(a, floating), cast_operand(b, floating)
    if rounding_mode is None:
        return Div.apply(a, b)
    return RoundedDiv.apply(a, b, rounding_mode)


class RoundedDiv(Function):
    """a / b rounded towards zero or down: piecewise constant, so its gradient is zero."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any, mode: str) -> np.ndarray:
        dtype = np.result_type(a, b)  # (a Python number takes the tensor's dtype)
        if dtype.kind in "iub":
            if np.any(np.asarray(b) == 0):
                raise RuntimeError("div: ZeroDivisionError (integer division by zero)")
            if mode == "floor":
                return np.asarray(np.floor_divide(a, b), dtype)
            quotient = np.floor_divide(np.abs(a), np.abs(np.asarray(b, dtype)))
            negative = (np.asarray(a) < 0) != (np.asarray(b) < 0)
            return np.asarray(np.where(negative, -quotient, quotient), dtype)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if mode == "trunc":
                return np.asarray(np.trunc(np.true_divide(a, b)))
            # floor_divide works from fmod, as torch does: 1.0 // 0.1 is 9.0, not 10.0
            return np.asarray(np.floor_divide(a, b))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a_needs, b_needs, _ = ctx.needs_input_grad
        return (
            zero_gradient(grad) if a_needs else None,
            zero_gradient(grad) if b_needs else None,
            None,
        )


def pow(input: Any, exponent: Any, *, out: Any = None) -> Tensor:  # noqa: A001
    refuse_out("pow", out)
    return Pow.apply(*operands("pow", input, exponent))


def maximum(input: Any, other: Any, *, out: Any = None) -> Tensor:
    refuse_out("maximum", out)
    return Maximum.apply(*tensor_operands("maximum", input, other))


def minimum(input: Any, other: Any, *, out: Any = None) -> Tensor:
    refuse_out("minimum", out)
    return Minimum.apply(*tensor_operands("minimum", input, other))


def _select(condition: np.ndarray, a: Any, b: Any) -> np.ndarray:
    """np.where(condition, a, b). Where one side is +0 and the other a float array of the
    condition's shape (a ReLU's backward, a masked gradient), an integer mask of all-ones
    and zeros ANDed with its bits selects instead: the same result bit for bit (inf, NaN and
    -0.0 kept), in a third to a tenth of np.where's time."""
    for keep, x, zero in ((condition, a, b), (None, b, a)):
        if (
            type(zero) in (int, float)
            and zero == 0
            and math.copysign(1.0, zero) > 0
            and isinstance(x, np.ndarray)
            and x.dtype.kind == "f"
            and x.shape == condition.shape
        ):
            keep = ~condition if keep is None else condition
            bits = np.dtype(f"int{8 * x.itemsize}")
            mask = np.negative(keep.view(np.int8)).astype(bits)  # -1: every bit set
            return np.bitwise_and(x.view(bits), mask).view(x.dtype)
    return np.where(condition, a, b)


def where(condition: Any, input: Any = None, other: Any = None) -> Any:
    """input where condition holds, else other (all three broadcast together); with only a
    condition, the indices where it holds, as torch.where(condition)."""
    condition = condition.array if isinstance(condition, Tensor) else np.asarray(condition)
    if input is None and other is None:
        return tuple(Tensor(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(condition)))
    if condition.dtype != np.bool_:
        raise RuntimeError(f"where: condition must be a bool tensor, got {condition.dtype}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = Tensor(dtypes.to_array(input))  # where(mask, 1.0, 0.0): the scalars' dtype
    a, b = operands("where", input, other)
    a_shape, b_shape = _shape_of(a), _shape_of(b)
    if not condition.shape == a_shape == b_shape:
        broadcast_shape("where", condition.shape, broadcast_shape("where", a_shape, b_shape))
    return Where.apply(condition, a, b)


def _shape_of(x: Any) -> tuple[int, ...]:
    return x.array.shape if isinstance(x, Tensor) else ()


def _raw(x: Any) -> Any:
    return x.array if isinstance(x, Tensor) else x


def _compare(op: str, ufunc: np.ufunc, a: Any, b: Any, out: Any = None) -> Tensor:
    """Comparisons and logical ops give bool tensors and no gradient."""
    refuse_out(op, out)
    a, b = operands(op, a, b)
    return Tensor(np.asarray(ufunc(_raw(a), _raw(b))))


def eq(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _compare("eq", np.equal, input, other, out)


def ne(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _compare("ne", np.not_equal, input, other, out)


def lt(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _compare("lt", np.less, input, other, out)


def le(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _compare("le", np.less_equal, input, other, out)


def gt(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _compare("gt", np.greater, input, other, out)


def ge(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _compare("ge", np.greater_equal, input, other, out)


def logical_and(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _compare("logical_and", np.logical_and, input, other, out)


def logical_or(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _compare("logical_or", np.logical_or, input, other, out)


def logical_xor(input: Any, other: Any, *, out: Any = None) -> Tensor:
    return _compare("logical_xor", np.logical_xor, input, other, out)


def logical_not(input: Tensor, *, out: Any = None) -> Tensor:
    refuse_out("logical_not", out)
    return Tensor(np.logical_not(input.array))


def _bitwise(op: str, ufunc: np.ufunc, a: Any, b: Any) -> Tensor:
    """Bits of integer tensors (on bool tensors, the logical op); floats are refused."""
    a, b = operands(op, a, b)
    for x in (a, b):
        if (isinstance(x, Tensor) and x.array.dtype.kind == "f") or isinstance(x, builtins.float):
            raise RuntimeError(f"{op}: not implemented for floating point operands")
    return Tensor(np.asarray(ufunc(_raw(a), _raw(b))))


def bitwise_and(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_and", np.bitwise_and, input, other)


def bitwise_or(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_or", np.bitwise_or, input, other)


def bitwise_xor(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_xor", np.bitwise_xor, input, other)


def bitwise_left_shift(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_left_shift", np.left_shift, input, other)


def bitwise_right_shift(input: Any, other: Any) -> Tensor:
    return _bitwise("bitwise_right_shift", np.right_shift, input, other)


def bitwise_not(input: Tensor) -> Tensor:
    if input.array.dtype.kind == "f":
        raise RuntimeError("bitwise_not: not implemented for floating point tensors")
    return Tensor(np.invert(input.array))


# ---- more functions of two operands -----------------------------------------------------------


def _needs(ctx: Context) -> tuple[bool, bool]:
    return ctx.needs_input_grad[0], ctx.needs_input_grad[1]


class Atan2(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.asarray(np.arctan2(a, b))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = _needs(ctx)
        scale = grad / (a * a + b * b)  # d atan2(a, b) = (b da - a db) / (a² + b²)
        return (scale * b if a_needs else None, -scale * a if b_needs else None)


class Fmod(Function):
    """a - trunc(a / b) b: the remainder with the sign of a (C's fmod)."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        _refuse_integer_zero("fmod", a, b)
        ctx.save_for_backward(a, b)
        with np.errstate(**_QUIET):
            return np.asarray(np.fmod(a, b))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = _needs(ctx)
        return (
            grad if a_needs else None,
            -grad * div(a, b, rounding_mode="trunc") if b_needs else None,
        )


class Remainder(Function):
    """a - floor(a / b) b: the remainder with the sign of b (Python's %)."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        _refuse_integer_zero("remainder", a, b)
        ctx.save_for_backward(a, b)
        with np.errstate(**_QUIET):
            return np.asarray(np.remainder(a, b))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = _needs(ctx)
        return (
            grad if a_needs else None,
            -grad * div(a, b, rounding_mode="floor") if b_needs else None,
        )


class RemainderOfNumber(Remainder):
    """remainder(number, tensor): torch defines no derivative for this form."""

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        raise RuntimeError(
            "derivative for remainder(number, tensor) is not implemented (as in torch); write "
            "number - floor(number / tensor) * tensor for a gradient"
        )


def _refuse_integer_zero(op: str, a: Any, b: Any) -> None:
    if np.result_type(a, b).kind in "iu" and np.any(np.asarray(b) == 0):
        raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")


class FloorDivide(Function):
    """floor(a / b), torch.floor_divide and //: torch defines no derivative for it."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        return RoundedDiv.forward(ctx, a, b, "floor")

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        raise RuntimeError(
            "derivative for floor_divide is not implemented (it is flat almost everywhere; "
            "use div(a, b, rounding_mode='floor') for a zero gradient)"
        )


class Copysign(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        out = np.asarray(np.copysign(a, b))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, out = ctx.saved_tensors
        a_needs, b_needs = _needs(ctx)
        grad_a = None
        if a_needs:  # ±1: does the sign flip? (0 at a = 0, as torch)
            grad_a = grad * where(a == 0, 0.0, out / a.where(a != 0, 1.0))
        return grad_a, (zero_gradient(grad) if b_needs else None)


class Hypot(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        out = np.asarray(np.hypot(a, b))
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b, out = ctx.saved_tensors
        a_needs, b_needs = _needs(ctx)
        scale = grad / out  # d√(a² + b²) = (a da + b db) / √(a² + b²)
        return (scale * a if a_needs else None, scale * b if b_needs else None)


class LogAddExp(Function):
    """log(eᵃ + eᵇ) (base 2 with log2(2ᵃ + 2ᵇ)), computed as max + log1p(e^-|a - b|)."""

    base: float = math.e

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        ufunc = np.logaddexp if ctx.function.base == math.e else np.logaddexp2
        return np.asarray(ufunc(a, b))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = _needs(ctx)
        base = ctx.function.base
        # d/da = eᵃ / (eᵃ + eᵇ) = 1 / (1 + e^(b - a)), and the same in base 2
        return (
            grad / (1 + base ** (b - a)) if a_needs else None,
            grad / (1 + base ** (a - b)) if b_needs else None,
        )


class LogAddExp2(LogAddExp):
    base = 2.0


class XLogY(Function):
    """x log y, taken as 0 where x = 0 (unless y is nan)."""

    @staticmethod
    def forward(ctx: Context, x: Any, y: Any) -> np.ndarray:
        ctx.save_for_backward(x, y)
        dtype = np.result_type(x, y)  # (a Python number takes the tensor's dtype)
        with np.errstate(**_QUIET):
            out = np.asarray(np.multiply(x, np.log(np.asarray(y, dtype))), dtype)
            return np.where((np.asarray(x) == 0) & ~np.isnan(y), 0, out).astype(out.dtype)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        x, y = ctx.saved_tensors
        x_needs, y_needs = _needs(ctx)
        grad_x = grad_y = None
        if x_needs:  # log y, as torch: 0 where x = 0 and y <= 0
            grad_x = where((x == 0) & (y <= 0), 0.0, xlogy(grad, y))
        if y_needs:
            grad_y = grad * x / y
        return grad_x, grad_y


class Fmax(Function):
    """The larger of a and b, ignoring a nan (the other is taken); a tie goes to a, as torch."""

    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.fmax(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return _fmax_fmin_grads(ctx, grad, a.array, b.array, (a > b).array)


class Fmin(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.fmin(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return _fmax_fmin_grads(ctx, grad, a.array, b.array, (a < b).array)


def _fmax_fmin_grads(
    ctx: Context, grad: Tensor, a: np.ndarray, b: np.ndarray, a_wins: np.ndarray
) -> tuple:
    """All to the chosen operand (a where b is nan, b where only a is), half each on a tie."""
    a_needs, b_needs = _needs(ctx)
    share = np.where(a == b, 0.5, np.where(np.isnan(b), 1.0, np.where(np.isnan(a), 0.0, a_wins)))
    share_a = Tensor(share.astype(grad.dtype))
    return (grad * share_a if a_needs else None, grad * (1.0 - share_a) if b_needs else None)


def _no_bool(op: str, a: Any, b: Any) -> None:
    if all(
        isinstance(x, builtins.bool) or (isinstance(x, Tensor) and x.dtype == np.bool_)
        for x in (a, b)
    ):
        raise NotImplementedError(f'"{op}" not implemented for bool tensors')


def _first_is_tensor(op: str, a: Any) -> None:
    if not isinstance(a, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(a).__name__}")


def atan2(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    """The angle of the point (other, input): atan(input / other) in the right quadrant."""
    refuse_out("atan2", out)
    tensor_operands("atan2", input, other)
    return Atan2.apply(*float_operands("atan2", input, other))


def fmod(input: Tensor, other: Any, *, out: Any = None) -> Tensor:
    refuse_out("fmod", out)
    _first_is_tensor("fmod", input)
    a, b = operands("fmod", input, other)
    _no_bool("fmod", a, b)
    return Fmod.apply(a, b)


def remainder(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """input - floor(input / other) * other: Python's %, the sign of the divisor."""
    refuse_out("remainder", out)
    a, b = operands("remainder", input, other)
    _no_bool("remainder", a, b)
    return (Remainder if isinstance(a, Tensor) else RemainderOfNumber).apply(a, b)


def floor_divide(input: Any, other: Any, *, out: Any = None) -> Tensor:
    """floor(input / other), torch.floor_divide and //; integers stay integers."""
    refuse_out("floor_divide", out)
    a, b = operands("floor_divide", input, other)
    _no_bool("floor_divide", a, b)
    return FloorDivide.apply(a, b)


def copysign(input: Tensor, other: Any, *, out: Any = None) -> Tensor:
    """|input| with the sign of other (also of -0.0)."""
    refuse_out("copysign", out)
    _first_is_tensor("copysign", input)
    return Copysign.apply(*float_operands("copysign", input, other))


def _float_pair(op: str, input: Any, other: Any) -> tuple[Tensor, Tensor]:
    a, b = tensor_operands(op, input, other)
    if a.array.dtype.kind != "f":
        raise NotImplementedError(f'"{op}" not implemented for {a.dtype} tensors')
    return a, b


def hypot(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    """√(input² + other²), without overflow."""
    refuse_out("hypot", out)
    return Hypot.apply(*_float_pair("hypot", input, other))


def logaddexp(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    refuse_out("logaddexp", out)
    return LogAddExp.apply(*_float_pair("logaddexp", input, other))


def logaddexp2(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    refuse_out("logaddexp2", out)
    return LogAddExp2.apply(*_float_pair("logaddexp2", input, other))


def xlogy(input: Any, other: Any, *, out: Any = None) -> Tensor:
    refuse_out("xlogy", out)
    return XLogY.apply(*float_operands("xlogy", input, other))


def fmax(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    """maximum that ignores nan: where one operand is nan the other is taken."""
    refuse_out("fmax", out)
    return Fmax.apply(*tensor_operands("fmax", input, other))


def fmin(input: Tensor, other: Tensor, *, out: Any = None) -> Tensor:
    refuse_out("fmin", out)
    return Fmin.apply(*tensor_operands("fmin", input, other))


def neg(input: Tensor, *, out: Any = None) -> Tensor:
    refuse_out("neg", out)
    x = input if isinstance(input, Tensor) else _as_tensor("neg", input)
    if x.array.dtype == np.bool_:
        raise NotImplementedError(
            "neg: negation, the `-` operator, on a bool tensor is not supported; to invert a "
            "mask use the `~` or `logical_not()` operator instead"
        )
    return Neg.apply(x)


def _as_tensor(op: str, x: Any) -> Tensor:
    from .conventions import as_tensor_arg

    return as_tensor_arg(op, x)


# ---- closeness and equality: bool answers, no gradient -----------------------------------------


def isclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: builtins.bool = False,
) -> Tensor:
    """|input - other| <= atol + rtol |other| elementwise (equal infinities are close)."""
    a, b = tensor_operands("isclose", input, other)
    if input.dtype != other.dtype:
        raise RuntimeError(
            f"isclose: {input.dtype} did not match {other.dtype} (both tensors need one dtype)"
        )
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose: rtol and atol must be non-negative, got {rtol} and {atol}")
    x, y = a.array, b.array
    if x.dtype == np.bool_:
        x, y = x.astype(np.int64), y.astype(np.int64)
    with np.errstate(**_QUIET):
        return Tensor(np.asarray(np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan)))


def allclose(
    input: Tensor,
    other: Tensor,
    rtol: float = 1e-05,
    atol: float = 1e-08,
    equal_nan: builtins.bool = False,
) -> builtins.bool:
    """Are all elements close (isclose)? A Python bool."""
    return builtins.bool(isclose(input, other, rtol, atol, equal_nan).array.all())


def equal(input: Tensor, other: Tensor) -> builtins.bool:
    """The same shape and the same values (dtypes may differ, as torch)."""
    for name, x in (("input", input), ("other", other)):
        if not isinstance(x, Tensor):
            raise TypeError(f"equal(): argument '{name}' must be Tensor, not {type(x).__name__}")
    if input.shape != other.shape:
        return False
    return builtins.bool(np.array_equal(input.array, other.array))


def float_power(input: Any, exponent: Any, *, out: Any = None) -> Tensor:
    """input ** exponent computed in float64, whatever the dtypes (torch.float_power)."""
    refuse_out("float_power", out)
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): expected a Tensor operand")
    a, b = (
        x.to(dtypes.float64) if isinstance(x, Tensor) else builtins.float(x)
        for x in (input, exponent)
    )
    return Pow.apply(*operands("float_power", a, b))


def float_power_(input: Tensor, exponent: Any) -> Tensor:
    """In place: only a float64 tensor can hold float_power's result, as in torch."""
    if input.dtype != dtypes.float64:
        raise RuntimeError(
            f"float_power_: the base has dtype {input.dtype} but the operation's result "
            "requires dtype float64"
        )
    from ..inplace import apply_inplace

    return apply_inplace("float_power_", input, float_power, exponent)
