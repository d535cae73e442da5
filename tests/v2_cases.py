"""Table tests against torch: one call written as a function of the library, run with torch and
with v2_tensor; both must return the same thing (values, dtypes, shapes, namedtuple fields) or
both must raise, v2_tensor with torch's exception type (or a subclass of it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import v2_tensor as vt


def outcome(lib: Any, fn: Callable) -> tuple[Any, BaseException | None]:
    try:
        return fn(lib), None
    except Exception as error:  # noqa: BLE001  (the point is to compare what is raised)
        return None, error


def dtype_name(dtype: Any) -> str:
    """'float32', 'int64', 'bool' for a torch or a NumPy dtype."""
    return str(dtype).removeprefix("torch.")


def assert_same(fn: Callable, *, rtol: float = 1e-6, atol: float = 1e-12, values: bool = True):
    """fn(torch) and fn(v2_tensor) agree: the same result, or the same kind of exception."""
    expected, torch_error = outcome(torch, fn)
    got, our_error = outcome(vt, fn)
    if torch_error is not None:
        assert our_error is not None, (
            f"torch raised {type(torch_error).__name__}({torch_error}), v2_tensor returned {got!r}"
        )
        assert isinstance(our_error, type(torch_error)), (
            f"torch raised {type(torch_error).__name__}({torch_error}); v2_tensor raised "
            f"{type(our_error).__name__}({our_error})"
        )
        return
    assert our_error is None, f"v2_tensor raised {our_error!r}; torch returned {expected!r}"
    assert_matches(got, expected, rtol=rtol, atol=atol, values=values)


def assert_matches(got: Any, expected: Any, *, rtol: float, atol: float, values: bool = True):
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, vt.Tensor), f"expected a Tensor, got {type(got).__name__}"
        assert dtype_name(got.dtype) == dtype_name(expected.dtype), (got.dtype, expected.dtype)
        assert tuple(got.shape) == tuple(expected.shape), (got.shape, expected.shape)
        assert got.requires_grad == expected.requires_grad, "requires_grad differs"
        if values:
            np.testing.assert_allclose(
                np.asarray(got.detach().array, dtype=float),
                expected.detach().numpy().astype(float),
                rtol=rtol,
                atol=atol,
                equal_nan=True,
            )
    elif isinstance(expected, tuple | list):
        assert isinstance(got, tuple | list), f"expected a sequence, got {type(got).__name__}"
        assert len(got) == len(expected)
        if hasattr(expected, "_fields") or hasattr(expected, "n_fields"):
            fields = getattr(expected, "_fields", None) or [
                name for name in ("values", "indices", "min", "max") if hasattr(expected, name)
            ]
            for name in fields:
                assert hasattr(got, name), f"the result has no field {name!r}"
        for g, e in zip(got, expected, strict=True):
            assert_matches(g, e, rtol=rtol, atol=atol, values=values)
    else:
        assert type(got) is type(expected), (type(got), type(expected), got, expected)
        if values:
            if isinstance(expected, float):
                np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
            else:
                assert got == expected, (got, expected)


def tensor(L: Any, data: Any, dtype: str = "float64", **kwargs: Any) -> Any:
    """L.tensor(data, dtype=L.<dtype>), for either library."""
    return L.tensor(data, dtype=getattr(L, dtype), **kwargs)
