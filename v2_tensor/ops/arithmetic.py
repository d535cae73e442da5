"""Elementwise ops of two operands: + - * / ** maximum minimum where, comparisons, logic, bits.

Operands broadcast; a backward returns each gradient in the broadcast shape and the engine
sums it back to the operand's shape.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import dtypes
from ..function import Context, Function
from ..tensor import Tensor
from .conventions import broadcast_shape, cast_operand, operands, refuse_out


class Add(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        return np.add(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad, grad


class Sub(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        return np.subtract(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
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
        with np.errstate(divide="ignore", invalid="ignore"):  # x/0 is ±inf or nan, silently
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
                grad_a = grad * 0.0 if b == 0 else grad * b * a ** (b - 1)
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
        return _split_ties(grad, a, b, (a > b).array)


class Minimum(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return _split_ties(grad, a, b, (a < b).array)


def _split_ties(grad: Tensor, a: Any, b: Any, a_wins: np.ndarray) -> tuple:
    """The gradient goes to the selected operand; on a tie each gets half (torch's rule)."""
    share_a = Tensor((a_wins + 0.5 * (a == b).array).astype(grad.dtype))
    return grad * share_a, grad * (1.0 - share_a)


class Where(Function):
    @staticmethod
    def forward(ctx: Context, condition: np.ndarray, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(condition)
        return np.where(condition, a, b)

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
    if isinstance(input, Tensor) and input.dtype == np.bool_:
        raise RuntimeError("sub: subtraction with two bool tensors is not supported")
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(*operands("sub", input, other))


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """other - alpha * input."""
    return sub(other, input, alpha=alpha)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 * tensor2."""
    return add(input, mul(tensor1, tensor2), alpha=value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """input + value * tensor1 / tensor2."""
    return add(input, div(tensor1, tensor2), alpha=value)


def lerp(input: Any, end: Any, weight: Any) -> Tensor:
    """input + weight * (end - input), the linear interpolation from input to end."""
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
        raise ValueError(
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
        if np.result_type(a, b).kind in "iub":
            if np.any(np.asarray(b) == 0):
                raise RuntimeError("div: ZeroDivisionError (integer division by zero)")
            if mode == "floor":
                return np.asarray(np.floor_divide(a, b))
            quotient = np.abs(a) // np.abs(b)
            return np.asarray(
                np.where((np.asarray(a) < 0) != (np.asarray(b) < 0), -quotient, quotient)
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.trunc if mode == "trunc" else np.floor)(np.true_divide(a, b))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a_needs, b_needs, _ = ctx.needs_input_grad
        return (grad * 0.0 if a_needs else None, grad * 0.0 if b_needs else None, None)


def pow(input: Any, exponent: Any, *, out: Any = None) -> Tensor:  # noqa: A001
    refuse_out("pow", out)
    return Pow.apply(*operands("pow", input, exponent))


def maximum(input: Any, other: Any, *, out: Any = None) -> Tensor:
    refuse_out("maximum", out)
    return Maximum.apply(*operands("maximum", input, other))


def minimum(input: Any, other: Any, *, out: Any = None) -> Tensor:
    refuse_out("minimum", out)
    return Minimum.apply(*operands("minimum", input, other))


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


def _compare(op: str, ufunc: np.ufunc, a: Any, b: Any) -> Tensor:
    """Comparisons and logical ops give bool tensors and no gradient."""
    a, b = operands(op, a, b)
    return Tensor(np.asarray(ufunc(_raw(a), _raw(b))))


def eq(input: Any, other: Any) -> Tensor:
    return _compare("eq", np.equal, input, other)


def ne(input: Any, other: Any) -> Tensor:
    return _compare("ne", np.not_equal, input, other)


def lt(input: Any, other: Any) -> Tensor:
    return _compare("lt", np.less, input, other)


def le(input: Any, other: Any) -> Tensor:
    return _compare("le", np.less_equal, input, other)


def gt(input: Any, other: Any) -> Tensor:
    return _compare("gt", np.greater, input, other)


def ge(input: Any, other: Any) -> Tensor:
    return _compare("ge", np.greater_equal, input, other)


def logical_and(input: Any, other: Any) -> Tensor:
    return _compare("logical_and", np.logical_and, input, other)


def logical_or(input: Any, other: Any) -> Tensor:
    return _compare("logical_or", np.logical_or, input, other)


def logical_xor(input: Any, other: Any) -> Tensor:
    return _compare("logical_xor", np.logical_xor, input, other)


def logical_not(input: Tensor) -> Tensor:
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
