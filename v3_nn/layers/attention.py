"""MultiheadAttention, as torch.nn.MultiheadAttention.

    head_h = Attention(Q W_qʰ, K W_kʰ, V W_vʰ)        MultiHead(Q, K, V) = [head_1 … head_H] W_o

The h heads are one reshape: project to E = H·D features, view them as (N, H, L, D), attend
once over the batched heads, and fold the heads back to (N, L, E) before the output Linear.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor.device import as_device

from .. import functional as F
from .. import init
from ..functional.attention import attention
from ..module import Module, Parameter
from .linear import Linear


class MultiheadAttention(Module):
    """Multi-head attention with torch's parameters, state_dict keys, masks and init.

    Parameters: `in_proj_weight` (3E, E) and `in_proj_bias` (3E) pack the query, key and value
    projections; when kdim or vdim differ from embed_dim they are `q_proj_weight` (E, E),
    `k_proj_weight` (E, kdim) and `v_proj_weight` (E, vdim) instead. `out_proj` is a Linear.
    Masks follow torch: in `key_padding_mask` and a boolean `attn_mask`, True means "ignore";
    float masks are added to the scores. A query whose keys are all masked gets zero weights
    (torch's need_weights path gives NaN there).
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        as_device(device)
        super().__init__()
        if not all(isinstance(n, int | np.integer) for n in (embed_dim, num_heads)):
            raise TypeError(
                f"MultiheadAttention: embed_dim and num_heads must be ints, "
                f"got {embed_dim!r} and {num_heads!r}"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"MultiheadAttention: embed_dim and num_heads must be positive, "
                f"got {embed_dim} and {num_heads}"
            )
        if embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim {embed_dim} is not divisible by "
                f"num_heads {num_heads}"
            )
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads

        dtype = np.dtype(dtype or vt.get_default_dtype())
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype))
        else:
            self.q_proj_weight = Parameter(np.empty((embed_dim, embed_dim), dtype))
            self.k_proj_weight = Parameter(np.empty((embed_dim, self.kdim), dtype))
            self.v_proj_weight = Parameter(np.empty((embed_dim, self.vdim), dtype))
        self.in_proj_bias = Parameter(np.empty(3 * embed_dim, dtype)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        if add_bias_kv:
            self.bias_k = Parameter(np.empty((1, 1, embed_dim), dtype))
            self.bias_v = Parameter(np.empty((1, 1, embed_dim), dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"

    def forward(
        self,
        query: vt.Tensor,
        key: vt.Tensor,
        value: vt.Tensor,
        key_padding_mask: vt.Tensor | None = None,
        need_weights: bool = True,
        attn_mask: vt.Tensor | None = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[vt.Tensor, vt.Tensor | None]:
        """(L, N, E) inputs, or (N, L, E) with batch_first, or unbatched (L, E).

        Returns the output in the layout of `query` and, if need_weights, the weights
        (N, L, S), or (N, H, L, S) with average_attn_weights=False (no N when unbatched).
        """
        batched = self._check_inputs(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "MultiheadAttention: is_causal is a hint that attn_mask is the causal mask; "
                "pass the mask too (for example an upper-triangular bool mask)"
            )
        self_attention = query is key and key is value
        if not batched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif not self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        N, L, E = query.shape
        S = key.shape[1]

        q, k, v = self._in_projection(query, key, value, self_attention)
        bias = self._mask_bias(attn_mask, key_padding_mask, N, L, S, query.dtype, need_weights)
        if self.bias_k is not None:
            k = vt.cat([k, self.bias_k.expand(N, 1, E)], dim=1)
            v = vt.cat([v, self.bias_v.expand(N, 1, E)], dim=1)
            bias = _pad_key(bias)
        q, k, v = (self._split_heads(x) for x in (q, k, v))
        if self.add_zero_attn:
            zeros = vt.zeros(N, self.num_heads, 1, self.head_dim, dtype=k.dtype)
            k, v = vt.cat([k, zeros], dim=2), vt.cat([v, zeros], dim=2)
            bias = _pad_key(bias)

        dropout_p = self.dropout if self.training else 0.0
        heads, weights = attention(q, k, v, bias, dropout_p)
        output = self.out_proj(heads.transpose(1, 2).reshape(N, L, E))

        if not batched:
            output = output.squeeze(0)
        elif not self.batch_first:
            output = output.transpose(0, 1)
        if not need_weights:
            return output, None
        if average_attn_weights:
            weights = weights.mean(dim=1)
        return output, weights if batched else weights.squeeze(0)

    def _in_projection(
        self, query: vt.Tensor, key: vt.Tensor, value: vt.Tensor, self_attention: bool
    ) -> tuple[vt.Tensor, vt.Tensor, vt.Tensor]:
        """Q W_qᵀ + b_q, K W_kᵀ + b_k, V W_vᵀ + b_v; one matmul for self-attention."""
        E, b = self.embed_dim, self.in_proj_bias
        if self._qkv_same_embed_dim and self_attention:
            return tuple(F.linear(query, self.in_proj_weight, b).chunk(3, dim=-1))
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            weights = (w[:E], w[E : 2 * E], w[2 * E :])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        biases = (None, None, None) if b is None else (b[:E], b[E : 2 * E], b[2 * E :])
        return tuple(
            F.linear(x, w, bias)
            for x, w, bias in zip((query, key, value), weights, biases, strict=True)
        )

    def _split_heads(self, x: vt.Tensor) -> vt.Tensor:
        """(N, L, E) -> (N, H, L, D)."""
        N, L, _ = x.shape
        return x.reshape(N, L, self.num_heads, self.head_dim).transpose(1, 2)

    def _mask_bias(
        self,
        attn_mask: vt.Tensor | None,
        key_padding_mask: vt.Tensor | None,
        N: int,
        L: int,
        S: int,
        dtype: np.dtype,
        strict: bool,
    ) -> vt.Tensor | None:
        """attn_mask and key_padding_mask as one additive bias broadcastable to (N, H, L, S).

        A float32 mask is cast to a float64 query's dtype, as torch's fused path does; torch's
        need_weights path (strict) refuses it, and so does this one."""
        bias = None
        if attn_mask is not None:
            expected = [(L, S), (N * self.num_heads, L, S)]
            if tuple(attn_mask.shape) not in expected:
                raise RuntimeError(
                    f"MultiheadAttention: attn_mask of shape {tuple(attn_mask.shape)} should be "
                    f"{expected[0]} or {expected[1]}"
                )
            heads = (1, 1) if attn_mask.ndim == 2 else (N, self.num_heads)
            bias = _additive(attn_mask, "attn_mask", dtype, strict).reshape(*heads, L, S)
        if key_padding_mask is not None:
            if tuple(key_padding_mask.shape) != (N, S):
                raise ValueError(
                    f"MultiheadAttention: key_padding_mask of shape "
                    f"{tuple(key_padding_mask.shape)} should be {(N, S)}"
                )
            padding = _additive(key_padding_mask, "key_padding_mask", dtype, strict)
            padding = padding.reshape(N, 1, 1, S)
            bias = padding if bias is None else bias + padding
        return bias

    def _check_inputs(self, query, key, value, key_padding_mask, attn_mask) -> bool:
        shapes = f"query {tuple(query.shape)}, key {tuple(key.shape)}, value {tuple(value.shape)}"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(
                "MultiheadAttention: expected query, key and value all 3-D (batched) or all 2-D "
                f"(unbatched), got {shapes}"
            )
        batched = query.ndim == 3
        if query.shape[-1] != self.embed_dim:
            raise ValueError(
                f"MultiheadAttention: query has {query.shape[-1]} features, expected "
                f"embed_dim={self.embed_dim}"
            )
        if key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise ValueError(
                f"MultiheadAttention: expected key and value with kdim={self.kdim} and "
                f"vdim={self.vdim} features, got {shapes}"
            )
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(
                f"MultiheadAttention: key and value must agree in all but the last dim, {shapes}"
            )
        batch_dim = 0 if self.batch_first else 1
        if batched and query.shape[batch_dim] != key.shape[batch_dim]:
            raise ValueError(f"MultiheadAttention: query and key batch sizes differ, {shapes}")
        if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
            raise ValueError(
                f"MultiheadAttention: key_padding_mask must be {query.ndim - 1}-D for "
                f"{query.ndim}-D query, got shape {tuple(key_padding_mask.shape)}"
            )
        return batched


def _additive(mask: vt.Tensor, name: str, dtype: np.dtype, strict: bool) -> vt.Tensor:
    """A bool mask (True = masked out) as 0/-inf; a float mask as it is (cast to dtype)."""
    if not isinstance(mask, vt.Tensor):
        mask = vt.Tensor(np.asarray(mask))
    if mask.dtype == np.bool_:
        return vt.Tensor(np.where(mask.array, -np.inf, 0.0).astype(dtype))
    if mask.dtype == dtype:
        return mask
    if np.issubdtype(mask.dtype, np.floating):
        if not strict and mask.dtype == np.float32:
            return mask.to(dtype)
        raise RuntimeError(
            f"MultiheadAttention: a float {name} must match the query dtype, got {mask.dtype} "
            f"and {dtype} (with need_weights=False a float32 mask is also taken, as in torch)"
        )
    raise TypeError(f"MultiheadAttention: {name} must be bool or floating point, got {mask.dtype}")


def _pad_key(bias: vt.Tensor | None) -> vt.Tensor | None:
    """One more key column that every query may attend (bias_k / add_zero_attn)."""
    if bias is None:
        return None
    return vt.cat([bias, vt.zeros(*bias.shape[:-1], 1, dtype=bias.dtype)], dim=-1)
