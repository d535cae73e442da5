"""How ops read their arguments, as torch reads them: one place for each convention.

The table in `ops/__init__.py` builds most public functions from a Function and one of the
conventions here: `unary` (integer inputs computed in the default float dtype, as torch's
exp and sin), `same_dtype` (the input's dtype kept, as neg and abs), `binary` (two operands
promoted to one dtype, shapes checked to broadcast) and `reduction` (`dim`, or its NumPy
alias `axis`, `keepdim` and `dtype=`). Ops with arguments of their own have a function
beside their Function, which the table names instead.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes
from ..function import Function
from ..tensor import Tensor
from .dims import normalize_dims

Operand = Tensor | float | int | bool


def refuse_out(op: str, out: Any) -> None:
    """torch's out= writes a result into a given tensor; here results are always new."""
    if out is not None:
        raise TypeError(f"{op}: out= is not supported; assign the result instead (x = {op}(...))")


def as_tensor_arg(op: str, x: Any, name: str = "input") -> Tensor:
    """A tensor argument: torch's functions take no lists, arrays or numbers in its place."""
    if isinstance(x, Tensor):
        return x
    raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def floating(x: Tensor) -> Tensor:
    """Integer and bool inputs of exp, log, ... are computed in the default float dtype."""
    return x if x.array.dtype.kind == "f" else x.to(dtypes.get_default_dtype())


def broadcast_shape(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy's rule: align trailing dims; each pair must match or one of them be 1."""
    result = []
    for i in range(1, builtins.max(len(a), len(b)) + 1):
        m = a[-i] if i <= len(a) else 1
        n = b[-i] if i <= len(b) else 1
        if m != n and m != 1 and n != 1:
            raise RuntimeError(
                f"{op}: the size of tensor a ({m}) must match the size of tensor b ({n}) at "
                f"non-singleton dimension {builtins.max(len(a), len(b)) - i} (shapes {a} and {b})"
            )
        result.append(m if n == 1 else n)
    return tuple(reversed(result))


def operands(op: str, a: Any, b: Any) -> tuple[Operand, Operand]:
    """The two operands as torch sees them: shapes checked, cast to the promoted dtype."""
    if isinstance(a, Tensor):  # the common cases first: they need no conversion
        if isinstance(b, Tensor):
            if a.array.shape != b.array.shape:
                broadcast_shape(op, a.array.shape, b.array.shape)
            if a.array.dtype is b.array.dtype:
                return a, b
        elif type(b) in (float, int) and a.array.dtype.kind == "f":
            return a, b  # a Python scalar keeps a float tensor's dtype
    elif type(a) in (float, int) and isinstance(b, Tensor) and b.array.dtype.kind == "f":
        return a, b
    a, b = _as_operand(op, a), _as_operand(op, b)
    a_is_tensor, b_is_tensor = isinstance(a, Tensor), isinstance(b, Tensor)
    if a_is_tensor and b_is_tensor:
        if a.array.shape != b.array.shape:
            broadcast_shape(op, a.array.shape, b.array.shape)
    elif not (a_is_tensor or b_is_tensor):
        raise TypeError(
            f"{op}: expected a Tensor operand, got {type(a).__name__} and {type(b).__name__}"
        )
    dtype = dtypes.result_dtype(a, b)
    return cast_operand(a, dtype), cast_operand(b, dtype)


def _as_operand(op: str, x: Any) -> Operand:
    if isinstance(x, Tensor | builtins.bool | builtins.int | builtins.float):
        return x
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray | list | tuple):
        return Tensor(dtypes.to_array(x))
    raise TypeError(f"{op}: unsupported operand type {type(x).__name__}")


def cast_operand(x: Operand, dtype: np.dtype) -> Operand:
    """A tensor in `dtype`; a Python scalar as the number of that dtype's kind."""
    if isinstance(x, Tensor):
        return x if x.array.dtype == dtype else x.to(dtype)
    if dtype.kind == "f":
        return builtins.float(x)
    if dtype.kind in "iu":
        return builtins.int(x)
    return x


def unary(name: str, function: type[Function]) -> Callable:
    def op(input: Tensor, *, out: Any = None) -> Tensor:
        refuse_out(name, out)
        return function.apply(floating(as_tensor_arg(name, input)))

    return op


def same_dtype(name: str, function: type[Function]) -> Callable:
    def op(input: Tensor, *, out: Any = None) -> Tensor:
        refuse_out(name, out)
        return function.apply(as_tensor_arg(name, input))

    return op


def binary(name: str, function: type[Function]) -> Callable:
    def op(input: Any, other: Any, *, out: Any = None) -> Tensor:
        refuse_out(name, out)
        return function.apply(*operands(name, input, other))

    return op


def read_dims(op: str, x: Tensor, dim: Any, axis: Any) -> tuple[int, ...]:
    """The reduced dims from `dim` or its NumPy alias `axis` (torch accepts both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: got both dim and its alias axis")
        dim = axis
    return normalize_dims(op, dim, x.array.ndim)


def with_dtype(op: str, x: Tensor, dtype: Any) -> Tensor:
    """x cast to the dtype= a reduction was asked to compute in."""
    return x if dtype is None else x.to(dtypes.as_dtype(dtype))


def reduction(name: str, function: type[Function], float_only: bool = False) -> Callable:
    """f(input, dim=None, keepdim=False, *, dtype=None): over every dim by default."""

    def op(
        input: Tensor,
        dim: Any = None,
        keepdim: builtins.bool = False,
        *,
        dtype: Any = None,
        axis: Any = None,
        out: Any = None,
    ) -> Tensor:
        refuse_out(name, out)
        x = with_dtype(name, as_tensor_arg(name, input), dtype)
        if float_only and x.array.dtype.kind != "f":
            raise RuntimeError(
                f"{name}: could not infer output dtype; input dtype must be floating point, "
                f"got {x.dtype} (pass dtype=...)"
            )
        return function.apply(x, read_dims(name, x, dim, axis), keepdim)

    return op


# ---- helpers added with the elementwise, reduction and random op groups --------------------


def refuse_kinds(op: str, x: Tensor, kinds: str, what: str = "") -> None:
    """torch has no kernel of `op` for these dtype kinds ('b' bool, 'iu' integers): it raises
    NotImplementedError (a RuntimeError), as here."""
    if x.array.dtype.kind in kinds:
        raise NotImplementedError(
            f'"{op}" not implemented for {x.dtype} tensors{what} (shape {x.shape})'
        )


def tensor_operands(op: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """torch.atan2, hypot, maximum, ... take two tensors: a Python number is a TypeError."""
    for name, x in (("input", a), ("other", b)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return operands(op, a, b)


def float_operands(op: str, a: Any, b: Any) -> tuple[Operand, Operand]:
    """Two operands promoted as torch does, then integers and bools to the default float
    dtype (atan2, copysign, xlogy: floating-point functions of two arguments)."""
    a, b = operands(op, a, b)
    if not any(isinstance(x, Tensor) and x.array.dtype.kind == "f" for x in (a, b)):
        floating_dtype = dtypes.get_default_dtype()
        a, b = cast_operand(a, floating_dtype), cast_operand(b, floating_dtype)
    return a, b


def one_dim(op: str, dim: Any, axis: Any, ndim: int) -> int:
    """A required single dim (cumsum, median(dim), ...) from `dim` or its alias `axis`."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}(): got both dim and its alias axis")
        dim = axis
    if dim is None:
        raise TypeError(f'{op}() missing 1 required positional argument: "dim"')
    from .dims import normalize_dim

    return normalize_dim(op, dim, ndim)
