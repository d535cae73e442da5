"""Gradient clipping, as torch.nn.utils: clip_grad_norm_, clip_grad_value_, get_total_norm.

    total = || (||g_1||_p, ..., ||g_n||_p) ||_p      g_i <- g_i min(1, max_norm / (total + 1e-6))

The gradients are scaled in place (their version counters move, as torch's); the total
norm comes back as a Tensor of the gradients' dtype, as torch returns it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor

Parameters = Tensor | Iterable[Tensor]


def _as_list(parameters: Parameters) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _vector_norm(array: np.ndarray, norm_type: float) -> np.ndarray:
    """torch.linalg.vector_norm of the flattened array, in its dtype."""
    flat = np.abs(array.reshape(-1))
    if norm_type == math.inf:
        return flat.max(initial=0).astype(array.dtype)
    if norm_type == -math.inf:
        return flat.min(initial=math.inf).astype(array.dtype)
    if norm_type == 0:
        return np.asarray(np.count_nonzero(flat), dtype=array.dtype)
    if norm_type == 1:
        return flat.sum(dtype=array.dtype)
    if norm_type == 2:
        return np.sqrt(np.dot(flat, flat)).astype(array.dtype)
    return (flat**norm_type).sum(dtype=array.dtype) ** (1.0 / norm_type)


def get_total_norm(
    tensors: Parameters,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """The p-norm of the tensors' p-norms: the norm of all of them seen as one vector."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return vt.tensor(0.0)
    norms = [_vector_norm(t.array, norm_type) for t in tensors]
    dtype = np.result_type(*norms)
    total = _vector_norm(np.stack([n.astype(dtype) for n in norms]), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return vt.Tensor(np.asarray(total, dtype=dtype))


def clip_grads_with_norm_(
    parameters: Parameters, max_norm: float, total_norm: Tensor, foreach: bool | None = None
) -> None:
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6)), in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    total = total_norm.array if isinstance(total_norm, Tensor) else np.asarray(total_norm)
    coef = np.minimum(float(max_norm) / (total + 1e-6), 1.0).astype(total.dtype)
    with vt.no_grad():
        for grad in grads:
            grad.mul_(vt.Tensor(np.asarray(coef)))


def clip_grad_norm_(
    parameters: Parameters,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients of `parameters` in place so that their total p-norm (all of them
    as one vector) is at most max_norm; returns the total norm before clipping. `foreach`
    is accepted (there is one implementation here)."""
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(
    parameters: Parameters,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> Tensor:
    """Deprecated spelling of clip_grad_norm_, as in torch."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
        "`torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Parameters, clip_value: float, foreach: Any = None) -> None:
    """Clamp every gradient to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with vt.no_grad():
        for param in _as_list(parameters):
            if param.grad is not None:
                param.grad.clamp_(-clip_value, clip_value)
