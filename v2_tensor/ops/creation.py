"""New tensors: constants, ranges and random draws from the library's generator."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import random
from ..dtypes import as_dtype, default_float, int64
from ..tensor import Tensor


def _shape(size: tuple) -> tuple[int, ...]:
    """zeros(2, 3) and zeros((2, 3)) both mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"sizes must be non-negative ints, got {size}")
    return tuple(int(n) for n in size)


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor(array, requires_grad=requires_grad)


def _dtype(dtype: Any, default: np.dtype = default_float) -> np.dtype:
    return default if dtype is None else as_dtype(dtype)


def zeros(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(_shape(size), _dtype(dtype)), requires_grad)


def ones(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(_shape(size), _dtype(dtype)), requires_grad)


def empty(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.empty(_shape(size), _dtype(dtype)), requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of one value; its dtype follows the value (bool, int64 or float32) as torch."""
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = np.bool_
        elif isinstance(fill_value, int | np.integer):
            dtype = int64
    return _make(np.full(_shape((size,)), fill_value, _dtype(dtype)), requires_grad)


def zeros_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(x.shape, _dtype(dtype, x.dtype)), requires_grad)


def ones_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(x.shape, _dtype(dtype, x.dtype)), requires_grad)


def full_like(x: Tensor, fill_value: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.full(x.shape, fill_value, _dtype(dtype, x.dtype)), requires_grad)


def rand(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    dtype = _dtype(dtype)
    array = random.generator().random(_shape(size), dtype=np.float64).astype(dtype, copy=False)
    return _make(array, requires_grad)


def randn(*size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal."""
    dtype = _dtype(dtype)
    draws = random.generator().standard_normal(_shape(size), dtype=np.float64)
    return _make(draws.astype(dtype, copy=False), requires_grad)


def rand_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(x.shape, dtype=_dtype(dtype, x.dtype), requires_grad=requires_grad)


def randn_like(x: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(x.shape, dtype=_dtype(dtype, x.dtype), requires_grad=requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), dtype: Any = None) -> Tensor:
    """Integers uniform on [low, high) (randint(high, size=...) starts at 0)."""
    if high is None:
        low, high = 0, low
    array = random.generator().integers(low, high, size=_shape((size,)))
    return Tensor(array.astype(_dtype(dtype, int64)))


def randperm(n: int, dtype: Any = None) -> Tensor:
    return Tensor(random.generator().permutation(n).astype(_dtype(dtype, int64)))


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, ... below end; int64 when every argument is an int, else float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    integral = all(isinstance(v, int | np.integer) for v in (start, end, step))
    dtype = _dtype(dtype, int64 if integral else default_float)
    count = max(int(np.ceil((end - start) / step)), 0)
    return _make((start + step * np.arange(count)).astype(dtype), requires_grad)


def linspace(start: float, end: float, steps: int, dtype: Any = None) -> Tensor:
    return Tensor(np.linspace(start, end, steps).astype(_dtype(dtype)))


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.eye(n, m, dtype=_dtype(dtype)), requires_grad)
