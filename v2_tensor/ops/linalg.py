"""Matrix multiplication with torch's rules for 1-D, 2-D and batched operands."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Context, Function
from ..tensor import Tensor


class MatMul(Function):
    @staticmethod
    def forward(ctx: Context, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a, b)
        if a.ndim > 2 and b.ndim == 2:  # a stack of rows times one matrix: one 2-D product
            return np.matmul(a.reshape(-1, a.shape[-1]), b).reshape(*a.shape[:-1], b.shape[-1])
        return np.matmul(a, b)

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> tuple:
        a, b = ctx.saved_tensors
        a_needs, b_needs = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # C = AB: dA = dC Bᵀ, dB = Aᵀ dC
            return (grad @ b.T if a_needs else None, a.T @ grad if b_needs else None)
        if a.ndim > 2 and b.ndim == 2:  # the same with A's batch dims folded into its rows
            rows, grad_rows = a.reshape(-1, a.shape[-1]), grad.reshape(-1, grad.shape[-1])
            return (grad @ b.T if a_needs else None, rows.T @ grad_rows if b_needs else None)
        # 1-D operands act as a row (a) or a column (b) that the result then drops
        a2 = a if a.ndim > 1 else a.unsqueeze(0)
        b2 = b if b.ndim > 1 else b.unsqueeze(-1)
        g2 = grad
        if a.ndim == 1:
            g2 = g2.unsqueeze(-2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            g2 = g2.unsqueeze(-1)
        # batch dims that broadcast come back summed by the engine
        grad_a = grad_b = None
        if a_needs:
            grad_a = g2 @ b2.mT
            grad_a = grad_a.squeeze(-2) if a.ndim == 1 else grad_a
        if b_needs:
            grad_b = a2.mT @ g2
            grad_b = grad_b.squeeze(-1) if b.ndim == 1 else grad_b
        return grad_a, grad_b


def matmul(input: Any, other: Any) -> Tensor:
    a = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    b = other if isinstance(other, Tensor) else Tensor(np.asarray(other))
    x, y = a.array, b.array
    if x.ndim == 0 or y.ndim == 0:
        raise RuntimeError(
            f"matmul: both arguments need at least 1 dim, got shapes {x.shape} and {y.shape}"
        )
    inner = y.shape[-2 if y.ndim > 1 else 0]
    if x.shape[-1] != inner:
        raise RuntimeError(
            f"matmul: shapes {x.shape} and {y.shape} cannot be multiplied "
            f"({x.shape[-1]} != {inner})"
        )
    if x.ndim > 2 or y.ndim > 2:
        try:
            np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dims of shapes {x.shape} and {y.shape} cannot be broadcast"
            ) from None
    if x.dtype != y.dtype:  # as torch: no silent float64 product inside a float32 model
        raise RuntimeError(
            f"matmul: both operands need the same dtype, got {x.dtype} (shape {x.shape}) "
            f"and {y.dtype} (shape {y.shape}); convert one with .to(dtype)"
        )
    return MatMul.apply(a, b)
