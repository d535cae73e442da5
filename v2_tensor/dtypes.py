"""Dtypes (NumPy's, under torch's names), the default float dtype, and torch's promotion rules.

A dtype is a `numpy.dtype`: `vt.float32 == np.float32`, and an array's dtype is the tensor's.
torch's aliases name the same objects: `vt.float` is float32, `vt.double` float64, `vt.half`
float16, `vt.long` int64, `vt.int` int32, `vt.short` int16.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001  (torch's names)
float64 = double = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)  # noqa: A001

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_default_float = float32
_TORCH_NAMES = {
    float16: "torch.HalfTensor",
    float32: "torch.FloatTensor",
    float64: "torch.DoubleTensor",
    uint8: "torch.ByteTensor",
    int8: "torch.CharTensor",
    int16: "torch.ShortTensor",
    int32: "torch.IntTensor",
    int64: "torch.LongTensor",
    bool: "torch.BoolTensor",
}
_TYPE_NAMES = {name: dtype for dtype, name in _TORCH_NAMES.items()}


def get_default_dtype() -> np.dtype:
    """The dtype of Python floats and of float factories (float32 unless set otherwise)."""
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Make `dtype` (float32 or float64, or float16 as torch allows) the default float dtype."""
    global _default_float
    result = as_dtype(dtype)
    if result.kind != "f":
        raise TypeError(f"set_default_dtype: only floating point dtypes are allowed, got {result}")
    _default_float = result


def as_dtype(dtype: Any) -> np.dtype:
    """A supported dtype from a dtype, a NumPy type, a name ('float32') or a Python type."""
    if isinstance(dtype, str) and dtype in _TYPE_NAMES:
        return _TYPE_NAMES[dtype]
    try:
        result = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"not a dtype: {dtype!r}") from error
    if result.kind not in _CATEGORY or result.byteorder == ">":
        raise TypeError(
            f"unsupported dtype {result}: v2_tensor has bool, uint8, int8/16/32/64 and "
            "float16/32/64 tensors"
        )
    return result


def is_dtype(value: Any) -> builtins.bool:
    """True for the values that name a dtype as an argument (`x.to(vt.float64)`, not 'cpu')."""
    return isinstance(value, np.dtype) or (
        isinstance(value, type) and issubclass(value, np.generic)
    )


def torch_type_name(dtype: np.dtype) -> str:
    """The legacy name `x.type()` returns, such as 'torch.FloatTensor'."""
    return _TORCH_NAMES[dtype]


def is_floating_point(dtype: np.dtype) -> builtins.bool:
    return dtype.kind == "f"


def finfo(dtype: Any = None) -> np.finfo:
    """Machine limits of a float dtype (eps, max, min, tiny, resolution, bits), as torch.finfo."""
    result = get_default_dtype() if dtype is None else as_dtype(dtype)
    if result.kind != "f":
        raise TypeError(f"finfo: expected a floating point dtype, got {result}")
    return np.finfo(result)


def iinfo(dtype: Any) -> np.iinfo:
    """Limits of an integer dtype (min, max, bits), as torch.iinfo."""
    result = as_dtype(dtype)
    if result.kind not in "iu":
        raise TypeError(f"iinfo: expected an integer dtype, got {result}")
    return np.iinfo(result)


def to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """A new array holding `data`: arrays keep their dtype, Python floats take the default."""
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
    if dtype is None and from_python and _beyond_int64(data, array):
        raise ValueError(
            f"tensor: an integer beyond int64's range [{-(2**63)}, {2**63 - 1}] "
            "(give dtype=uint64 or a float dtype to keep it)"
        )
    if array.dtype.kind not in _CATEGORY:
        raise TypeError(
            f"tensor: data must be numbers or bools, got {array.dtype} from {type(data).__name__}"
        )
    if dtype is None and from_python and array.dtype == float64:
        array = array.astype(_default_float)
    return array


def _beyond_int64(data: Any, array: np.ndarray) -> bool:
    """Python ints past int64 with no float beside them, which torch refuses (NumPy makes them
    uint64, float64 or objects). Only looked for when the array hints at one."""
    hint = array.dtype.kind in "uO" or (
        array.dtype.kind == "f" and array.size and np.abs(array).max() >= 2**63
    )
    if not hint:
        return False
    ints, floats, todo = [], False, [data]
    while todo:
        item = todo.pop()
        if isinstance(item, list | tuple):
            todo.extend(item)
        elif isinstance(item, builtins.float):
            floats = True
        elif isinstance(item, builtins.int) and not isinstance(item, builtins.bool):
            ints.append(item)
    return not floats and any(not -(2**63) <= i < 2**63 for i in ints)


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
        return _default_float if winner.kind == "f" else winner
    return winner


def can_cast(source: np.dtype, target: np.dtype) -> builtins.bool:
    """May an in-place op write a `source` result into a `target` tensor? (torch.can_cast:
    never down a category, float to int or int to bool; within a category always.)"""
    return _CATEGORY[source.kind] <= _CATEGORY[target.kind]


def _scalar_dtype(x: Any) -> np.dtype:
    if isinstance(x, builtins.bool | np.bool_):
        return bool
    if isinstance(x, builtins.int | np.integer):
        return int64
    if isinstance(x, builtins.float | np.floating):
        return float64
    raise TypeError(f"unsupported operand type {type(x).__name__}")
