"""Embedding and EmbeddingBag, as torch.nn: trainable lookup tables of vectors."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor
from v2_tensor.device import as_device

from .. import init
from ..functional.sparse import _padding_index, _refuse_sparse, embedding, embedding_bag
from ..module import Module, Parameter


def _table(num_embeddings: int, embedding_dim: int, weight: Any, dtype: Any):
    """The weight Parameter: a given table (shared, as torch's _weight) or a new one."""
    if weight is None:
        shape = (num_embeddings, embedding_dim)
        return Parameter(np.empty(shape, np.dtype(dtype or vt.get_default_dtype()))), True
    weight = weight if isinstance(weight, Tensor) else vt.Tensor(np.asarray(weight))
    if tuple(weight.shape) != (num_embeddings, embedding_dim):
        raise AssertionError(
            "Shape of weight does not match num_embeddings and embedding_dim: "
            f"{tuple(weight.shape)} for ({num_embeddings}, {embedding_dim})"
        )
    return Parameter(weight), False


def _pretrained(embeddings: Any) -> Tensor:
    table = embeddings if isinstance(embeddings, Tensor) else vt.Tensor(np.asarray(embeddings))
    if table.ndim != 2:
        raise AssertionError(
            f"Embeddings parameter is expected to be 2-dimensional, got shape {table.shape}"
        )
    return table


class Embedding(Module):
    """weight[i] for each integer index i; weight ~ N(0, 1) as in torch.

    The row at padding_idx starts at zero and never receives a gradient; max_norm rescales
    the rows looked up (in place) to at most that norm; scale_grad_by_freq divides a row's
    gradient by its index's count in the batch; sparse=True is refused (no sparse tensors).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        as_device(device)
        super().__init__()
        _refuse_sparse("Embedding", sparse)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        self.weight, fresh = _table(num_embeddings, embedding_dim, _weight, dtype)
        self.weight.requires_grad = not _freeze
        if fresh:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with vt.no_grad():
                self.weight[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding whose weight is `embeddings` (sharing its memory, as torch's; its
        padding row is kept as it is), trainable unless frozen."""
        table = _pretrained(embeddings)
        return cls(
            *table.shape,
            _weight=table,
            _freeze=freeze,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
        )

    def forward(self, input: Any) -> Tensor:
        return embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            text += ", sparse=True"
        return text


class EmbeddingBag(Module):
    """The sum, mean (default) or max of the embeddings of each bag of indices (the rows of
    a 2-D input, or the runs of a 1-D input starting at `offsets`): one gather and one
    masked reduction. forward(input, offsets=None, per_sample_weights=None)."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Any = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        as_device(device)
        super().__init__()
        _refuse_sparse("EmbeddingBag", sparse)
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        self.weight, fresh = _table(num_embeddings, embedding_dim, _weight, dtype)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset
        if fresh:
            self.reset_parameters()

    reset_parameters = Embedding.reset_parameters
    _fill_padding_idx_with_zero = Embedding._fill_padding_idx_with_zero

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        table = _pretrained(embeddings)
        bag = cls(
            *table.shape,
            _weight=table,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            mode=mode,
            sparse=sparse,
            include_last_offset=include_last_offset,
            padding_idx=padding_idx,
        )
        bag.weight.requires_grad = not freeze
        return bag

    def forward(
        self, input: Any, offsets: Any = None, per_sample_weights: Tensor | None = None
    ) -> Tensor:
        return embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        text += f", mode='{self.mode}'"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text
