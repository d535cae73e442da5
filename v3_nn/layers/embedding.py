"""Embedding, as torch.nn.Embedding: a trainable lookup table of vectors."""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor

from .. import init
from ..functional.sparse import embedding
from ..module import Module, Parameter


class Embedding(Module):
    """weight[i] for each integer index i; weight ~ N(0, 1) as in torch.

    The row at padding_idx starts at zero and never receives a gradient.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} is out of range for "
                    f"{num_embeddings} embeddings"
                )
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        shape = (num_embeddings, embedding_dim)
        self.weight = Parameter(np.empty(shape, np.dtype(dtype or vt.float32)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with vt.no_grad():
                self.weight[self.padding_idx] = 0

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding whose weight is a copy of `embeddings` (trainable unless frozen)."""
        table = np.array(embeddings.array if isinstance(embeddings, Tensor) else embeddings)
        if table.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: expected a 2-D table, got {table.shape}")
        module = cls(*table.shape, padding_idx=padding_idx, dtype=table.dtype)
        with vt.no_grad():
            module.weight.copy_(vt.tensor(table))
        module.weight.requires_grad = not freeze
        return module

    def forward(self, input: Any) -> Tensor:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else text + f", padding_idx={self.padding_idx}"
