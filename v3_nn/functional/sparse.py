"""Embedding lookup, as torch.nn.functional.embedding."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` picked by the integer indices in `input`: out[..., :] = W[i, :].

    The row at padding_idx is looked up like any other but never receives a gradient.
    """
    indices = np.asarray(input.array if isinstance(input, Tensor) else input)
    num_embeddings = weight.shape[0]
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= num_embeddings):
        bad = indices[(indices < 0) | (indices >= num_embeddings)].flat[0]
        raise IndexError(f"embedding: index {bad} is out of range for {num_embeddings} embeddings")
    rows = weight[indices]
    if padding_idx is None:
        return rows
    if padding_idx < 0:
        padding_idx += num_embeddings
    is_padding = vt.Tensor((indices == padding_idx)[..., None])
    return vt.where(is_padding, rows.detach(), rows)
