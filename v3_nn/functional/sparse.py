"""Embedding lookups, as torch.nn.functional.embedding and embedding_bag.

Both are gathers of rows of `weight`, so their gradient scatters back into those rows (the
engine sums repeated rows). torch's options: the row at padding_idx gets no gradient,
max_norm renormalises the looked-up rows of `weight` in place before the lookup, and
scale_grad_by_freq divides each row's gradient by how often its index occurs in the batch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.autograd import Function


def _indices(op: str, input: Any, num_embeddings: int) -> np.ndarray:
    indices = np.asarray(input.array if isinstance(input, Tensor) else input)
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"{op}: indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= num_embeddings):
        bad = indices[(indices < 0) | (indices >= num_embeddings)].flat[0]
        raise IndexError(f"{op}: index {bad} is out of range for {num_embeddings} embeddings")
    return indices


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    """torch's check: -num_embeddings <= padding_idx < num_embeddings, negative from the end."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError(
            f"Padding_idx must be within num_embeddings: padding_idx={padding_idx} for "
            f"{num_embeddings} embeddings"
        )
    return padding_idx % num_embeddings


def _refuse_sparse(op: str, sparse: bool) -> None:
    if sparse:
        raise NotImplementedError(
            f"{op}: sparse=True (sparse gradients) is not supported: v2_tensor has dense "
            "tensors only, so pass sparse=False (the gradient is then a dense tensor)"
        )


def _renorm_(weight: Tensor, indices: np.ndarray, max_norm: float, norm_type: float) -> None:
    """torch.embedding_renorm_: rows of weight used by `indices` whose norm_type-norm exceeds
    max_norm are scaled (in place, no gradient) to max_norm / (norm + 1e-7) of themselves."""
    rows = np.unique(indices)
    if rows.size == 0:
        return
    table = weight.array[rows]
    norms = np.linalg.norm(table, ord=norm_type, axis=1)
    over = norms > max_norm
    if not over.any():
        return
    scale = (max_norm / (norms[over] + 1e-7)).astype(weight.dtype)
    with vt.no_grad():
        weight[rows[over]] = weight[rows[over]] * vt.Tensor(scale[:, None])


def _scale_by_frequency(rows: Tensor, indices: np.ndarray, counted: np.ndarray) -> Tensor:
    """rows with their gradient divided by each index's count in `counted` (values kept)."""
    values, counts = np.unique(counted, return_counts=True)
    frequency = np.ones(indices.shape)
    present = np.isin(indices, values)
    frequency[present] = counts[np.searchsorted(values, indices[present])]
    inverse = vt.Tensor((1.0 / frequency).astype(rows.dtype)[..., None])
    fixed = rows.detach()
    return fixed + (rows - fixed) * inverse


class Embedding(Function):
    """out[..., :] = W[i, :]: rows of W gathered. Its gradient scatters back, the rows of G
    for equal indices summed: dW[j] = sum over positions p with i_p = j of G[p]. That sum is
    done by sorting (one stable argsort of the indices, then np.add.reduceat over each run of
    equal ones), where `np.add.at` (what weight[indices]'s backward uses) adds one row at a
    time. Its backward is a gather again, so the embedding is differentiable as often as one
    likes."""

    @staticmethod
    def forward(ctx, weight: np.ndarray, indices: np.ndarray) -> np.ndarray:
        ctx.indices, ctx.num = indices, weight.shape[0]
        return weight.take(indices, axis=0)

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple:
        return EmbeddingBackward.apply(grad, ctx.indices, ctx.num), None


class EmbeddingBackward(Function):
    """(G, i) -> dW, the rows of G summed into the rows of a zero W by index (sorted reduce)."""

    @staticmethod
    def forward(ctx, grad: np.ndarray, indices: np.ndarray, num: int) -> np.ndarray:
        ctx.indices = indices
        width = grad.shape[indices.ndim :]
        flat = indices.reshape(-1)
        rows = grad.reshape(flat.size, *width)
        out = np.zeros((num, *width), grad.dtype)
        if flat.size:
            order = np.argsort(flat, kind="stable")
            ordered = flat[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            out[ordered[starts]] = np.add.reduceat(rows[order], starts, axis=0)
        return out

    @staticmethod
    def backward(ctx, second: Tensor) -> tuple:
        return Embedding.apply(second, ctx.indices), None, None


def embedding(
    input: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of `weight` picked by the integer indices in `input`: out[..., :] = W[i, :].

    The row at padding_idx is looked up like any other but never receives a gradient.
    """
    _refuse_sparse("embedding", sparse)
    num_embeddings = weight.shape[0]
    indices = _indices("embedding", input, num_embeddings)
    padding_idx = _padding_index(padding_idx, num_embeddings)
    if max_norm is not None:
        _renorm_(weight, indices, max_norm, norm_type)
    rows = Embedding.apply(weight, indices)  # weight[indices], the reference it is tested against
    if scale_grad_by_freq:
        rows = _scale_by_frequency(rows, indices, indices)
    if padding_idx is None:
        return rows
    is_padding = vt.Tensor((indices == padding_idx)[..., None])
    return vt.where(is_padding, rows.detach(), rows)


def _bags(
    input: Any, offsets: Any, include_last_offset: bool, num_embeddings: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(flat indices, first position of each bag, length of each bag), checked as torch."""
    ndim = input.ndim if isinstance(input, Tensor | np.ndarray) else np.ndim(input)
    if ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a "
                "mini-batch of fixed length sequences. However, found offsets of type "
                f"{type(offsets).__name__}"
            )
        indices = _indices("embedding_bag", input, num_embeddings)
        bags, length = indices.shape
        return indices.reshape(-1), np.arange(bags) * length, np.full(bags, length)
    if ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    offsets = np.asarray(offsets.array if isinstance(offsets, Tensor) else offsets)
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    indices = _indices("embedding_bag", input, num_embeddings)
    if offsets.size and offsets[0] != 0:
        raise RuntimeError(
            "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start "
            f"from position 0. However, got {offsets[0]}"
        )
    if offsets.size and offsets[-1] > indices.size:
        raise RuntimeError(
            f"offsets[-1] can not be greater than input's length {indices.size} but got "
            f"offsets[-1] of {offsets[-1]}"
        )
    starts = offsets[:-1] if include_last_offset else offsets
    ends = offsets[1:] if include_last_offset else np.append(offsets[1:], indices.size)
    return indices, starts.astype(np.int64), (ends - starts).astype(np.int64)


def embedding_bag(
    input: Any,
    weight: Tensor,
    offsets: Any = None,
    max_norm: float | None = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Tensor | None = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """The sum, mean or max of the embedding rows of each bag, (bags, embedding_dim).

    Bags are the rows of a 2-D input, or the runs of a 1-D input that start at `offsets`.
    Entries equal to padding_idx are left out (of the mean's count too); an empty bag gives
    zeros. per_sample_weights (input's shape, mode='sum' only) weight each row.
    """
    _refuse_sparse("embedding_bag", sparse)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if scale_grad_by_freq and mode == "max":
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    num_embeddings = weight.shape[0]
    padding_idx = _padding_index(padding_idx, num_embeddings)
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(
                "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}')."
            )
        input_shape = tuple(np.shape(input.array if isinstance(input, Tensor) else input))
        if tuple(per_sample_weights.shape) != input_shape:
            raise ValueError(
                f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) is "
                f"not None, then it must have the same shape as the input ({input_shape})"
            )
    indices, starts, lengths = _bags(input, offsets, include_last_offset, num_embeddings)
    if max_norm is not None:
        _renorm_(weight, indices, max_norm, norm_type)
    width = max(int(lengths.max(initial=0)), 1)
    position = starts[:, None] + np.arange(width)[None, :]  # (bags, width)
    valid = np.arange(width)[None, :] < lengths[:, None]
    position = np.where(valid, position, 0)
    tokens = indices[position] if indices.size else np.zeros_like(position)
    if padding_idx is not None:
        valid &= tokens != padding_idx
    rows = weight[tokens]  # (bags, width, embedding_dim)
    if scale_grad_by_freq:
        rows = _scale_by_frequency(rows, tokens, indices)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1)[position].unsqueeze(-1)
    keep = vt.Tensor(valid[..., None])
    if mode == "max":
        best = vt.where(keep, rows, -np.inf).amax(dim=1)
        return vt.where(vt.Tensor(valid.any(axis=1)[:, None]), best, 0.0)
    total = vt.where(keep, rows, 0.0).sum(dim=1)
    if mode == "sum":
        return total
    count = np.maximum(valid.sum(axis=1), 1).astype(weight.dtype)[:, None]
    return total / vt.Tensor(count)
