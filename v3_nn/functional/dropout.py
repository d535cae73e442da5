"""Inverted dropout, as torch.nn.functional.dropout."""

from __future__ import annotations

import v2_tensor as vt
from v2_tensor import Tensor


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the survivors by 1 / (1 - p).

    The expectation is unchanged, so evaluation (training=False) is the identity.
    The mask is drawn from v2_tensor.random.generator(). `inplace` is accepted for
    torch compatibility; the result is always a new tensor.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = vt.random.generator().random(input.shape) >= p
    return input * vt.Tensor((keep / (1.0 - p)).astype(input.dtype))
