"""A decoder-only transformer (GPT), written with v3_nn modules, readable in one sitting.

    tokens (B, T) -> token embedding + position embedding
                  -> n_layer x [ x + attention(LayerNorm(x)); x + MLP(LayerNorm(x)) ]
                  -> LayerNorm -> logits = x Wᵀ, W the token embedding (weight tying)

Attention is causal: position t attends to positions <= t only, so the logits at t predict
token t + 1 and one forward pass trains on every position of the sequence at once. The MLP
widens to 4 n_embd with an exact GELU. Initialisation is GPT-2's: every weight N(0, 0.02),
biases zero, and the projections that write into the residual stream (the attention's and
the MLP's output layers) N(0, 0.02 / sqrt(2 n_layer)), so the residual's variance does not
grow with depth.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import v2_tensor as vt

from . import functional as F
from . import init
from .layers.containers import ModuleList
from .layers.dropout import Dropout
from .layers.embedding import Embedding
from .layers.linear import Linear
from .layers.normalization import LayerNorm
from .module import Module


@dataclass
class GPTConfig:
    vocab_size: int = 65
    block_size: int = 64  # the longest context the model sees
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0
    bias: bool = True  # biases in the Linear and LayerNorm layers

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class CausalSelfAttention(Module):
    """n_head heads of softmax(q kᵀ / sqrt(d) + causal mask) v, from one fused q, k, v layer."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(
                f"GPT: n_embd {config.n_embd} must be a multiple of n_head {config.n_head}"
            )
        self.n_head, self.dropout = config.n_head, config.dropout
        self.c_attn = Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)
        self.c_proj = Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.resid_dropout = Dropout(config.dropout)

    def forward(self, x: vt.Tensor) -> vt.Tensor:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        dropout = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=dropout, is_causal=True)
        y = y.transpose(1, 2).reshape(B, T, C)  # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class MLP(Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.c_fc = Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.c_proj = Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = Dropout(config.dropout)

    def forward(self, x: vt.Tensor) -> vt.Tensor:
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x))))


class Block(Module):
    """Pre-norm: each sublayer reads a normalised copy and adds its result to the stream."""

    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x: vt.Tensor) -> vt.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(Module):
    def __init__(self, config: GPTConfig) -> None:
        super().__init__()
        self.config = config
        self.wte = Embedding(config.vocab_size, config.n_embd)
        self.wpe = Embedding(config.block_size, config.n_embd)
        self.drop = Dropout(config.dropout)
        self.blocks = ModuleList([Block(config) for _ in range(config.n_layer)])
        self.ln_f = LayerNorm(config.n_embd, bias=config.bias)
        self.lm_head = Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight  # one matrix embeds tokens and reads them out
        self._init_weights()

    def _init_weights(self) -> None:
        residual_std = 0.02 / math.sqrt(2 * self.config.n_layer)
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                init.normal_(param, 0.0, residual_std)
            elif name.endswith(".weight") and param.ndim == 2:
                init.normal_(param, 0.0, 0.02)
            elif name.endswith(".bias"):
                init.zeros_(param)

    def forward(
        self, idx: vt.Tensor, targets: vt.Tensor | None = None
    ) -> tuple[vt.Tensor, vt.Tensor | None]:
        """Logits (B, T, vocab) for token ids (B, T), and the mean cross-entropy of predicting
        `targets` (the ids shifted by one) when they are given."""
        B, T = idx.shape
        if self.config.block_size < T:
            raise ValueError(
                f"GPT: a sequence of {T} tokens is longer than block_size {self.config.block_size}"
            )
        positions = vt.arange(T, device=idx.device)
        x = self.drop(self.wte(idx) + self.wpe(positions))
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.view(B * T, -1), targets.view(B * T))
        return logits, loss

    def parameter_groups(self, weight_decay: float) -> list[dict[str, Any]]:
        """AdamW groups: weight decay on the matrices (embeddings, linear weights) only,
        none on biases and LayerNorm gains, as GPT-2 trains."""
        matrices = [p for p in self.parameters() if p.ndim >= 2]
        vectors = [p for p in self.parameters() if p.ndim < 2]
        return [
            {"params": matrices, "weight_decay": weight_decay},
            {"params": vectors, "weight_decay": 0.0},
        ]

    @vt.no_grad()
    def generate(
        self,
        idx: vt.Tensor,
        max_new_tokens: int,
        temperature: float = 1.0,
        top_k: int | None = None,
        generator: vt.Generator | None = None,
    ) -> Iterator[int]:
        """Sample tokens one at a time after the context idx (1, T), yielding each as it is
        drawn: logits of the last position / temperature, kept to the top_k, softmax, draw."""
        if temperature <= 0:
            raise ValueError(f"generate: temperature must be positive, got {temperature}")
        context = idx.array[0].tolist()
        rng = vt.random.source(generator)
        for _ in range(max_new_tokens):
            window = vt.tensor([context[-self.config.block_size :]])
            logits = self(window)[0][0, -1].array.astype("float64") / temperature
            if top_k is not None and top_k < logits.size:
                cutoff = logits[logits.argsort()[-top_k]]
                logits[logits < cutoff] = -math.inf
            probs = vt.tensor(logits).softmax(0).array
            token = int(rng.choice(probs.size, p=probs / probs.sum()))
            context.append(token)
            yield token
