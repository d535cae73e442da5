"""Transformer, its encoder and decoder stacks and layers, and the sinusoidal positional
encoding, as in torch.nn.

Post-norm (the paper's layout, torch's default) and pre-norm (norm_first=True):

    x = LayerNorm(x + SelfAttention(x));  x = LayerNorm(x + FeedForward(x))
    x = x + SelfAttention(LayerNorm(x));  x = x + FeedForward(LayerNorm(x))

with FeedForward(x) = W₂ act(W₁ x + b₁) + b₂ and dropout after every sub-block. A decoder
layer has a cross-attention block between the two, its queries from x and its keys and
values from the encoder's output (`memory`):

    x = LayerNorm(x + SelfAttention(x));  x = LayerNorm(x + CrossAttention(x, memory));  ...
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np

import v2_tensor as vt
from v2_tensor.device import as_device

from .. import functional as F
from ..init import xavier_uniform_
from ..module import Module
from .attention import MultiheadAttention
from .containers import ModuleList
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


def _activation(activation: str | Callable) -> Callable:
    """torch's _get_activation_fn: "relu" or "gelu" name a function; a callable (or a Module,
    which then becomes a submodule) is used as it is."""
    if isinstance(activation, str):
        if activation not in _ACTIVATIONS:
            raise RuntimeError(f"activation should be relu/gelu, not {activation}")
        return _ACTIVATIONS[activation]
    return activation


def generate_square_subsequent_mask(size: int, device=None, dtype=None) -> vt.Tensor:
    """The causal mask of torch: -inf above the diagonal (a query may not see later keys),
    0 on and below it, in the default float dtype unless `dtype` is given."""
    as_device(device)
    dtype = vt.get_default_dtype() if dtype is None else vt.dtypes.as_dtype(dtype)
    return vt.Tensor(np.triu(np.full((size, size), -np.inf), 1).astype(dtype))


def _detect_is_causal_mask(mask, is_causal: bool | None, size: int) -> bool:
    """torch's rule: is_causal=None means "is `mask` exactly the causal mask?"."""
    if is_causal is not None or mask is None:
        return is_causal is True
    if tuple(mask.shape) != (size, size):
        return False
    causal = generate_square_subsequent_mask(size, dtype=mask.dtype)
    return bool(np.array_equal(np.asarray(mask.array), causal.array))


def _seq_len(x: vt.Tensor, batch_first: bool) -> int:
    return x.shape[0] if x.ndim == 2 or not batch_first else x.shape[1]


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
        device=None,
        dtype=None,
    ) -> None:
        as_device(device)
        super().__init__()
        activation = _activation(activation)
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
        self.activation_relu_or_gelu = (
            1 if activation is F.relu else 2 if activation is F.gelu else 0
        )
        if dtype is not None:
            self.to(dtype)

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
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = False  # no nested tensors here
        self.mask_check = mask_check

    def forward(
        self,
        src: vt.Tensor,
        mask: vt.Tensor | None = None,
        src_key_padding_mask: vt.Tensor | None = None,
        is_causal: bool | None = None,
    ) -> vt.Tensor:
        output = src
        first = self.layers[0] if len(self.layers) else None
        batch_first = getattr(getattr(first, "self_attn", None), "batch_first", False)
        is_causal = _detect_is_causal_mask(mask, is_causal, _seq_len(src, batch_first))
        for layer in self.layers:
            output = layer(
                output,
                src_mask=mask,
                src_key_padding_mask=src_key_padding_mask,
                is_causal=is_causal,
            )
        return output if self.norm is None else self.norm(output)


class TransformerDecoderLayer(Module):
    """torch.nn.TransformerDecoderLayer: self-attention, cross-attention over `memory`, then
    the feed-forward block. Submodules carry torch's names (self_attn, multihead_attn,
    linear1, dropout, linear2, norm1, norm2, norm3, dropout1, dropout2, dropout3)."""

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
        device=None,
        dtype=None,
    ) -> None:
        as_device(device)
        super().__init__()
        activation = _activation(activation)
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = activation
        if dtype is not None:
            self.to(dtype)

    def forward(
        self,
        tgt: vt.Tensor,
        memory: vt.Tensor,
        tgt_mask: vt.Tensor | None = None,
        memory_mask: vt.Tensor | None = None,
        tgt_key_padding_mask: vt.Tensor | None = None,
        memory_key_padding_mask: vt.Tensor | None = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> vt.Tensor:
        """tgt (T, N, E) and memory (S, N, E), batch first (N, T, E), or unbatched (T, E)."""
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal
            )
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(
                x
                + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            )
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal) -> vt.Tensor:
        x = self.self_attn(
            x,
            x,
            x,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout1(x)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal) -> vt.Tensor:
        x = self.multihead_attn(
            x,
            memory,
            memory,
            attn_mask=attn_mask,
            key_padding_mask=key_padding_mask,
            is_causal=is_causal,
            need_weights=False,
        )[0]
        return self.dropout2(x)

    def _ff_block(self, x: vt.Tensor) -> vt.Tensor:
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoder(Module):
    """torch.nn.TransformerDecoder: num_layers deep copies of decoder_layer, then `norm`."""

    def __init__(
        self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(decoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(
        self,
        tgt: vt.Tensor,
        memory: vt.Tensor,
        tgt_mask: vt.Tensor | None = None,
        memory_mask: vt.Tensor | None = None,
        tgt_key_padding_mask: vt.Tensor | None = None,
        memory_key_padding_mask: vt.Tensor | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> vt.Tensor:
        output = tgt
        first = self.layers[0] if len(self.layers) else None
        batch_first = getattr(getattr(first, "self_attn", None), "batch_first", False)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, _seq_len(tgt, batch_first))
        for layer in self.layers:
            output = layer(
                output,
                memory,
                tgt_mask=tgt_mask,
                memory_mask=memory_mask,
                tgt_key_padding_mask=tgt_key_padding_mask,
                memory_key_padding_mask=memory_key_padding_mask,
                tgt_is_causal=tgt_is_causal,
                memory_is_causal=memory_is_causal,
            )
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """torch.nn.Transformer: an encoder stack (with a final LayerNorm, `encoder.norm`) and a
    decoder stack (`decoder.norm`), every weight matrix xavier-uniform as torch's
    _reset_parameters. `custom_encoder` / `custom_decoder` replace either stack."""

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[vt.Tensor], vt.Tensor] = "relu",
        custom_encoder: Module | None = None,
        custom_decoder: Module | None = None,
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device=None,
        dtype=None,
    ) -> None:
        as_device(device)
        super().__init__()
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps)
        layer_kwargs = dict(batch_first=batch_first, norm_first=norm_first, bias=bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            encoder_layer = TransformerEncoderLayer(*layer_args, **layer_kwargs)
            encoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, encoder_norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            decoder_layer = TransformerDecoderLayer(*layer_args, **layer_kwargs)
            decoder_norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
            self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, decoder_norm)
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first
        if dtype is not None:
            self.to(dtype)

    def _reset_parameters(self) -> None:
        for param in self.parameters():
            if param.ndim > 1:
                xavier_uniform_(param)

    generate_square_subsequent_mask = staticmethod(generate_square_subsequent_mask)

    def forward(
        self,
        src: vt.Tensor,
        tgt: vt.Tensor,
        src_mask: vt.Tensor | None = None,
        tgt_mask: vt.Tensor | None = None,
        memory_mask: vt.Tensor | None = None,
        src_key_padding_mask: vt.Tensor | None = None,
        tgt_key_padding_mask: vt.Tensor | None = None,
        memory_key_padding_mask: vt.Tensor | None = None,
        src_is_causal: bool | None = None,
        tgt_is_causal: bool | None = None,
        memory_is_causal: bool = False,
    ) -> vt.Tensor:
        """src (S, N, E) and tgt (T, N, E) (batch first: (N, S, E), (N, T, E); or unbatched)
        -> (T, N, E): the decoder's output over the encoded src."""
        batched = src.ndim == 3
        batch_dim = 0 if self.batch_first else 1
        if batched and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise RuntimeError(
                "the batch number of src and tgt must be equal (src "
                f"{tuple(src.shape)}, tgt {tuple(tgt.shape)}, batch_first={self.batch_first})"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                f"the feature number of src and tgt must be equal to d_model={self.d_model} "
                f"(src {tuple(src.shape)}, tgt {tuple(tgt.shape)})"
            )
        memory = self.encoder(
            src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal
        )
        return self.decoder(
            tgt,
            memory,
            tgt_mask=tgt_mask,
            memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask,
            tgt_is_causal=tgt_is_causal,
            memory_is_causal=memory_is_causal,
        )


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
