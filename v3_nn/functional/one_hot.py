"""torch.nn.functional.one_hot: class indices to rows of the identity."""

from __future__ import annotations

import numpy as np

from v2_tensor import Tensor


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 (*, num_classes) with a 1 at each index; num_classes=-1 means max + 1."""
    indices = tensor.array if isinstance(tensor, Tensor) else None
    if indices is None or indices.dtype != np.int64:
        kind = type(tensor).__name__ if indices is None else indices.dtype
        raise RuntimeError(
            f"one_hot is only applicable to index tensor of type LongTensor (int64), got {kind}"
        )
    if num_classes == -1:
        if indices.size == 0:
            raise RuntimeError("one_hot: can not infer total number of classes from empty tensor.")
        num_classes = int(indices.max()) + 1
    if indices.size:
        if indices.min() < 0:
            raise RuntimeError(f"one_hot: class values must be non-negative, got {indices.min()}")
        if indices.max() >= num_classes:
            raise RuntimeError(
                f"one_hot: class values must be smaller than num_classes ({num_classes}), got "
                f"{indices.max()}"
            )
    elif num_classes < 0:
        raise RuntimeError(f"one_hot: num_classes must be non-negative, got {num_classes}")
    return Tensor((indices[..., None] == np.arange(num_classes)).astype(np.int64))
