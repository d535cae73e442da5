"""Tensor.new_*: new tensors that take their dtype (and device) from an existing one."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from . import creation


def _like(self: Tensor, dtype: Any) -> Any:
    return self.dtype if dtype is None else dtype


def new_zeros(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return creation.zeros(
        *size, dtype=_like(self, dtype), device=device, requires_grad=requires_grad
    )


def new_ones(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return creation.ones(
        *size, dtype=_like(self, dtype), device=device, requires_grad=requires_grad
    )


def new_empty(
    self: Tensor, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return creation.empty(
        *size, dtype=_like(self, dtype), device=device, requires_grad=requires_grad
    )


def new_full(
    self: Tensor,
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return creation.full(
        size, fill_value, dtype=_like(self, dtype), device=device, requires_grad=requires_grad
    )


def new_tensor(
    self: Tensor, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A new leaf holding a copy of data, in this tensor's dtype unless dtype is given."""
    return creation.tensor(
        data, dtype=_like(self, dtype), device=device, requires_grad=requires_grad
    )
