"""Transformer encoder layers and the sinusoidal positional encoding, as in torch.nn.

Post-norm (the paper's layout, torch's default) and pre-norm (norm_first=True):

    x = LayerNorm(x + SelfAttention(x));  x = LayerNorm(x + FeedForward(x))
    x = x + SelfAttention(LayerNorm(x));  x = x + FeedForward(LayerNorm(x))

with FeedForward(x) = W₂ act(W₁ x + b₁) + b₂ and dropout after every sub-block.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np

import v2_tensor as vt

from .. import functional as F
from ..module import Module
from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """torch.nn.TransformerEncoderLayer: self-attention then a feed-forward block.

    Submodules carry torch's names (self_attn, linear1, dropout, linear2, norm1, norm2,
    dropout1, dropout2) so state_dict() moves both ways.
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[vt.Tensor], vt.Tensor] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise RuntimeError(
                    f"TransformerEncoderLayer: activation should be relu/gelu, not {activation}"
                )
            activation = _ACTIVATIONS[activation]
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation

    def forward(
        self,
        src: vt.Tensor,
        src_mask: vt.Tensor | None = None,
        src_key_padding_mask: vt.Tensor | None = None,
        is_causal: bool = False,
    ) -> vt.Tensor:
        """src: (S, N, E), (N, S, E) with batch_first, or unbatched (S, E)."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal) -> vt.Tensor:
        x, _ = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            need_weights=False,
            is_causal=is_causal,
        )
        return self.dropout1(x)

    def _ff_block(self, x: vt.Tensor) -> vt.Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """torch.nn.TransformerEncoder: num_layers deep copies of encoder_layer, then `norm`.

    Like torch, every layer starts from the same weights (copies of encoder_layer's).
    enable_nested_tensor and mask_check are accepted so torch code runs unchanged; they
    change nothing, as there is no nested-tensor fast path here.
    """

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        src: vt.Tensor,
        mask: vt.Tensor | None = None,
        src_key_padding_mask: vt.Tensor | None = None,
        is_causal: bool | None = None,
    ) -> vt.Tensor:
        output = src
        for layer in self.layers:
            output = layer(
                output,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=bool(is_causal),
            )
        return output if self.norm is None else self.norm(output)


def sinusoidal_encoding(max_len: int, d_model: int) -> np.ndarray:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)),  PE[pos, 2i+1] = cos(pos / 10000^(2i/d))."""
    position = np.arange(max_len, dtype=np.float64)[:, None]
    frequency = np.exp(np.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2] = np.sin(position * frequency)
    pe[:, 1::2] = np.cos(position * frequency[: d_model // 2])
    return pe


class PositionalEncoding(Module):
    """Adds the fixed sinusoidal encoding of "Attention Is All You Need", then dropout.

    Input (S, N, E), (N, S, E) with batch_first, or unbatched (S, E). The table is the
    buffer `pe` of shape (max_len, d_model).
    """

    def __init__(
        self, d_model: int, max_len: int = 5000, dropout: float = 0.1, batch_first: bool = False
    ) -> None:
        super().__init__()
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.dropout = Dropout(dropout)
        self.register_buffer(
            "pe", vt.Tensor(sinusoidal_encoding(max_len, d_model).astype(np.float32))
        )

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}, batch_first={self.batch_first}"

    def forward(self, x: vt.Tensor) -> vt.Tensor:
        if x.ndim not in (2, 3) or x.shape[-1] != self.d_model:
            raise ValueError(
                f"PositionalEncoding: expected (S, N, {self.d_model}), (N, S, {self.d_model}) or "
                f"(S, {self.d_model}) input, got {tuple(x.shape)}"
            )
        seq_dim = 1 if self.batch_first and x.ndim == 3 else 0
        seq_len = x.shape[seq_dim]
        if seq_len > self.max_len:
            raise ValueError(
                f"PositionalEncoding: sequence of length {seq_len} is longer than "
                f"max_len={self.max_len}"
            )
        pe = self.pe[:seq_len]
        if x.ndim == 3 and seq_dim == 0:
            pe = pe.unsqueeze(1)
        return self.dropout(x + pe)
