"""Dtypes (NumPy's), conversion of Python data to arrays, and torch's type promotion rules."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)  # noqa: A001  (torch's name)

default_float = float32
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def as_dtype(dtype: Any) -> np.dtype:
    """A NumPy dtype from anything NumPy understands ('float32', np.float32, float64...)."""
    try:
        result = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"not a dtype: {dtype!r}") from error
    if result.kind not in _CATEGORY:
        raise TypeError(f"unsupported dtype {result}: only bool, integer and float tensors exist")
    return result


def to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """A new array holding `data`: arrays keep their dtype, Python floats become float32."""
    if isinstance(data, str | bytes):
        raise TypeError(f"tensor: data must be numbers or bools, got {type(data).__name__}")
    from_python = not isinstance(data, np.ndarray | np.generic) and not hasattr(data, "__array__")
    try:
        array = np.array(data, dtype=None if dtype is None else as_dtype(dtype))
    except TypeError as error:
        raise TypeError(
            f"tensor: cannot make a tensor from {type(data).__name__}: {error}"
        ) from None
    except ValueError as error:  # ragged nesting, or strings that are not numbers
        raise ValueError(f"tensor: cannot make a tensor from this data: {error}") from None
    if array.dtype.kind not in _CATEGORY:
        raise TypeError(
            f"tensor: data must be numbers or bools, got {array.dtype} from {type(data).__name__}"
        )
    if dtype is None and from_python and array.dtype == float64:
        array = array.astype(default_float)
    return array


def result_dtype(a: Any, b: Any) -> np.dtype:
    """torch's promotion for a binary op between tensors (`.dtype`, `.ndim`) and Python scalars.

    Higher category wins (bool < int < float); a Python scalar or a 0-d tensor only decides the
    dtype when its category is higher than that of the dimensioned operand.
    """
    ranked = []
    for x in (a, b):
        if hasattr(x, "dtype") and isinstance(x.dtype, np.dtype):
            ranked.append((2 if x.ndim else 1, x.dtype))
        else:
            ranked.append((0, _scalar_dtype(x)))
    (priority_a, dtype_a), (priority_b, dtype_b) = ranked
    category_a, category_b = _CATEGORY[dtype_a.kind], _CATEGORY[dtype_b.kind]
    if category_a == category_b:
        if priority_a == priority_b:
            return np.promote_types(dtype_a, dtype_b)
        return dtype_a if priority_a > priority_b else dtype_b
    winner_priority, winner = max(ranked, key=lambda item: _CATEGORY[item[1].kind])
    if winner_priority == 0:  # a Python scalar: the default dtype of its category
        return default_float if winner.kind == "f" else winner
    return winner


def _scalar_dtype(x: Any) -> np.dtype:
    if isinstance(x, builtins.bool | np.bool_):
        return bool
    if isinstance(x, int | np.integer):
        return int64
    if isinstance(x, float | np.floating):
        return float64
    raise TypeError(f"unsupported operand type {type(x).__name__}")
