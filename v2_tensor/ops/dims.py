"""Checking `dim` arguments the way torch does (negative dims count from the end)."""

from __future__ import annotations

from typing import Any


def normalize_dim(op: str, dim: Any, ndim: int) -> int:
    """One dim in [0, ndim); a 0-d tensor accepts dims 0 and -1, as in torch."""
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-size}, {size - 1}], "
            f"but got {dim})"
        )
    return dim % size


def normalize_dims(op: str, dim: Any, ndim: int) -> tuple[int, ...]:
    """The reduced dims, sorted: None (or an empty tuple, as in torch) means all of them."""
    if dim is None or (isinstance(dim, tuple | list) and len(dim) == 0):
        return tuple(range(ndim))
    dims = dim if isinstance(dim, tuple | list) else (dim,)
    result = tuple(sorted({normalize_dim(op, d, ndim) for d in dims}))
    if len(result) != len(dims):
        raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims")
    return tuple(d for d in result if d < ndim)


def kept_shape(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a reduction with keepdim=True: size 1 in every reduced dim."""
    return tuple(1 if i in dims else n for i, n in enumerate(shape))
