"""Elementwise binary ops with broadcasting: + - * / ** maximum minimum where, comparisons."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..broadcast import broadcast_shape, unbroadcast
from ..dtypes import result_dtype, to_array
from ..function import Context, Function
from ..tensor import Tensor

Operand = Tensor | float | int | bool


def operands(op: str, a: Any, b: Any) -> tuple[Operand, Operand]:
    """The two operands as torch sees them: shapes checked, cast to the promoted dtype."""
    if isinstance(a, Tensor):  # the common cases first: they need no conversion
        if isinstance(b, Tensor):
            if a.data.shape != b.data.shape:
                broadcast_shape(op, a.data.shape, b.data.shape)
            if a.data.dtype is b.data.dtype:
                return a, b
        elif isinstance(b, float | int) and a.data.dtype.kind == "f":
            return a, b  # a Python scalar keeps a float tensor's dtype
    a, b = _as_operand(op, a), _as_operand(op, b)
    a_is_tensor, b_is_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_is_tensor and b_is_tensor:
        if a.data.shape != b.data.shape:
            broadcast_shape(op, a.data.shape, b.data.shape)
        if np.bool_ in (a.data.dtype.type, b.data.dtype.type):
            return a, b  # a bool mask: NumPy then promotes as torch does
    elif not (a_is_tensor or b_is_tensor):
        raise TypeError(
            f"{op}: expected a Tensor operand, got {type(a).__name__} and {type(b).__name__}"
        )
    elif (a if a_is_tensor else b).data.dtype.kind == "f":
        return a, b
    dtype = result_dtype(a, b)
    return _cast(a, dtype), _cast(b, dtype)


def _as_operand(op: str, x: Any) -> Operand:
    if isinstance(x, Tensor | bool | int | float):
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray | list | tuple):
        return Tensor(np.asarray(x))
    raise TypeError(f"{op}: unsupported operand type {type(x).__name__}")


def _cast(x: Operand, dtype: np.dtype) -> Operand:
    if isinstance(x, Tensor) and x.data.dtype != dtype:
        return x.to(dtype)
    return x


class Add(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.shapes = np.shape(a), np.shape(b)
        return a + b

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a_needs, b_needs = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        return (
            unbroadcast(grad, a_shape) if a_needs else None,
            unbroadcast(grad, b_shape) if b_needs else None,
        )


class Sub(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.shapes = np.shape(a), np.shape(b)
        return a - b

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a_needs, b_needs = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        return (
            unbroadcast(grad, a_shape) if a_needs else None,
            unbroadcast(-grad, b_shape) if b_needs else None,
        )


class Mul(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = ctx.needs_input_grad
        return (
            unbroadcast(grad * b, a.shape) if a_needs else None,
            unbroadcast(grad * a, b.shape) if b_needs else None,
        )


class Div(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = ctx.needs_input_grad
        return (
            unbroadcast(grad / b, a.shape) if a_needs else None,
            unbroadcast(-grad * a / (b * b), b.shape) if b_needs else None,  # d(a/b)/db = -a/b²
        )


class Pow(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        out = a**b
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b, out = ctx.saved_tensors
        a_needs, b_needs = ctx.needs_input_grad
        grad_a = grad_b = None
        if a_needs:
            if isinstance(b, Tensor):  # d(a^b)/da = b a^(b-1), taken as 0 where b == 0 (torch)
                grad_a = unbroadcast(where(b == 0, 0.0, grad * b * a ** (b - 1)), a.shape)
            else:
                grad_a = grad * 0.0 if b == 0 else grad * b * a ** (b - 1)
        if b_needs:
            # d(a^b)/db = a^b log(a), taken as 0 where a == 0 and b >= 0 (torch's convention)
            log_a = a.log() if isinstance(a, Tensor) else Tensor(np.log(np.asarray(a, b.dtype)))
            zero = (a == 0) & (b >= 0)
            grad_b = unbroadcast(where(zero, 0.0, grad * out * log_a), b.shape)
        return grad_a, grad_b


class Neg(Function):
    @staticmethod
    def forward(ctx: Context, a: np.ndarray) -> np.ndarray:
        return -a

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
        return _split_ties(ctx, grad, a, b, (a > b).data)


class Minimum(Function):
    @staticmethod
    def forward(ctx: Context, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(a, b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        return _split_ties(ctx, grad, a, b, (a < b).data)


def _split_ties(ctx: Context, grad: Tensor, a: Any, b: Any, a_wins: np.ndarray) -> tuple:
    """The gradient goes to the selected operand; on a tie each gets half (torch's rule)."""
    ties = (a == b).data
    share_a = Tensor((a_wins + 0.5 * ties).astype(grad.dtype))
    a_needs, b_needs = ctx.needs_input_grad
    return (
        unbroadcast(grad * share_a, np.shape(a)) if a_needs else None,
        unbroadcast(grad * (1.0 - share_a), np.shape(b)) if b_needs else None,
    )


class Where(Function):
    @staticmethod
    def forward(ctx: Context, condition: np.ndarray, a: Any, b: Any) -> np.ndarray:
        ctx.save_for_backward(condition)
        ctx.shapes = np.shape(a), np.shape(b)
        return np.where(condition, a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        (condition,) = ctx.saved_tensors
        _, a_needs, b_needs = ctx.needs_input_grad
        a_shape, b_shape = ctx.shapes
        return (
            None,
            unbroadcast(where(condition, grad, 0.0), a_shape) if a_needs else None,
            unbroadcast(where(condition, 0.0, grad), b_shape) if b_needs else None,
        )


def add(a: Any, b: Any) -> Tensor:
    return Add.apply(*operands("add", a, b))


def sub(a: Any, b: Any) -> Tensor:
    return Sub.apply(*operands("sub", a, b))


def mul(a: Any, b: Any) -> Tensor:
    return Mul.apply(*operands("mul", a, b))


def div(a: Any, b: Any) -> Tensor:
    a, b = operands("div", a, b)
    if not any(isinstance(x, Tensor) and x.dtype.kind == "f" for x in (a, b)):
        a, b = _cast(a, np.dtype(np.float32)), _cast(b, np.dtype(np.float32))  # true division
    return Div.apply(a, b)


def pow(a: Any, b: Any) -> Tensor:  # noqa: A001
    return Pow.apply(*operands("pow", a, b))


def neg(a: Tensor) -> Tensor:
    return Neg.apply(a)


def maximum(a: Any, b: Any) -> Tensor:
    return Maximum.apply(*operands("maximum", a, b))


def minimum(a: Any, b: Any) -> Tensor:
    return Minimum.apply(*operands("minimum", a, b))


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """a where condition holds, else b (all three broadcast together)."""
    condition = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if condition.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got {condition.dtype}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(to_array(a))  # where(mask, 1.0, 0.0): the scalars' default dtype
    a, b = operands("where", a, b)
    a_shape, b_shape = _shape_of(a), _shape_of(b)
    if not condition.shape == a_shape == b_shape:
        broadcast_shape("where", condition.shape, broadcast_shape("where", a_shape, b_shape))
    return Where.apply(condition, a, b)


def _compare(op: str, ufunc: np.ufunc, a: Any, b: Any) -> Tensor:
    """Comparisons give bool tensors and no gradient."""
    a, b = operands(op, a, b)
    return Tensor(np.asarray(ufunc(_raw(a), _raw(b))))


def _shape_of(x: Operand) -> tuple[int, ...]:
    return x.data.shape if isinstance(x, Tensor) else ()


def _raw(x: Operand) -> Any:
    return x.data if isinstance(x, Tensor) else x


def eq(a: Any, b: Any) -> Tensor:
    return _compare("eq", np.equal, a, b)


def ne(a: Any, b: Any) -> Tensor:
    return _compare("ne", np.not_equal, a, b)


def lt(a: Any, b: Any) -> Tensor:
    return _compare("lt", np.less, a, b)


def le(a: Any, b: Any) -> Tensor:
    return _compare("le", np.less_equal, a, b)


def gt(a: Any, b: Any) -> Tensor:
    return _compare("gt", np.greater, a, b)


def ge(a: Any, b: Any) -> Tensor:
    return _compare("ge", np.greater_equal, a, b)


def logical_and(a: Any, b: Any) -> Tensor:
    return _compare("logical_and", np.logical_and, a, b)


def logical_or(a: Any, b: Any) -> Tensor:
    return _compare("logical_or", np.logical_or, a, b)


def logical_xor(a: Any, b: Any) -> Tensor:
    return _compare("logical_xor", np.logical_xor, a, b)


def logical_not(a: Tensor) -> Tensor:
    return Tensor(np.logical_not(a.data))
