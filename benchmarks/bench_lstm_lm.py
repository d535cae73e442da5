"""Training steps of a word-level 2-layer LSTM language model (pytorch/examples
word_language_model), v3_nn against torch, one thread each.

    python benchmarks/bench_lstm_lm.py [--steps 30] [--memory] [--profile]

The example's RNNModel('LSTM') and training loop at its default sizes, with a vocabulary of
10,000 words: Embedding(10000, 200) - Dropout(0.2) - LSTM(200, 200, num_layers=2,
dropout=0.2) - Dropout(0.2) - Linear(200, 10000) - log_softmax, nll_loss over sequences of
35 words in 20 columns (batch 20, sequence-first), the hidden state carried from batch to
batch and detached, clip_grad_norm_(0.25), then the example's plain SGD by hand
(`p.data.add_(p.grad, alpha=-lr)`, lr 20), float32. Same weights through state_dict, same
random word ids. The dropout masks differ between the libraries (each draws its own): same
cost, losses not equal.
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads
import numpy as np
import torch

import v2_tensor as vt
import v3_nn as nn
from v3_nn import functional as F
from v3_nn.utils import clip_grad_norm_

VOCAB, EMBED, HIDDEN, LAYERS, SEQ, BATCH = 10_000, 200, 200, 2, 35, 20
DROPOUT, CLIP, LR = 0.2, 0.25, 20.0


def _model(lib):
    """The example's RNNModel (LSTM, untied), written once for both libraries."""
    functional = torch.nn.functional if lib is torch.nn else F

    class RNNModel(lib.Module):
        def __init__(self) -> None:
            super().__init__()
            self.drop = lib.Dropout(DROPOUT)
            self.encoder = lib.Embedding(VOCAB, EMBED)
            self.rnn = lib.LSTM(EMBED, HIDDEN, LAYERS, dropout=DROPOUT)
            self.decoder = lib.Linear(HIDDEN, VOCAB)

        def forward(self, input, hidden):
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output).view(-1, VOCAB)
            return functional.log_softmax(decoded, dim=1), hidden

    model = RNNModel()
    if lib is nn:  # the example's init_weights: U(-0.1, 0.1) encoder and decoder, zero bias
        rng = np.random.default_rng(0)
        model.encoder.weight.data.array[...] = rng.uniform(-0.1, 0.1, (VOCAB, EMBED))
        model.decoder.weight.data.array[...] = rng.uniform(-0.1, 0.1, (VOCAB, HIDDEN))
        model.decoder.bias.data.array[...] = 0
    return model


def build(args, libraries: tuple[str, ...]) -> dict:
    vt.manual_seed(args.seed)
    torch.manual_seed(args.seed)
    ours = _model(nn)
    rng = np.random.default_rng(args.seed)
    data = [rng.integers(0, VOCAB, (SEQ + 1, BATCH)) for _ in range(8)]
    zeros = np.zeros((LAYERS, BATCH, HIDDEN), np.float32)
    steps = {}
    if "v3_nn" in libraries:
        our_data = [(vt.tensor(d[:-1]), vt.tensor(d[1:].reshape(-1))) for d in data]
        state = {"count": 0, "hidden": (vt.tensor(zeros), vt.tensor(zeros))}

        def our_step() -> float:
            x, y = our_data[state["count"] % len(our_data)]
            state["count"] += 1
            hidden = tuple(h.detach() for h in state["hidden"])  # repackage_hidden
            ours.zero_grad()
            output, state["hidden"] = ours(x, hidden)
            loss = F.nll_loss(output, y)
            loss.backward()
            clip_grad_norm_(ours.parameters(), CLIP)
            for p in ours.parameters():
                p.data.add_(p.grad, alpha=-LR)
            return loss.item()

        steps["v3_nn"] = our_step
    if "torch" in libraries:
        theirs = _model(torch.nn)
        theirs.load_state_dict(harness.state_to_torch(ours.state_dict()))
        their_data = [(torch.from_numpy(d[:-1]), torch.from_numpy(d[1:].reshape(-1))) for d in data]
        their = {"count": 0, "hidden": (torch.from_numpy(zeros), torch.from_numpy(zeros))}

        def their_step() -> float:
            x, y = their_data[their["count"] % len(their_data)]
            their["count"] += 1
            hidden = tuple(h.detach() for h in their["hidden"])
            theirs.zero_grad()
            output, their["hidden"] = theirs(x, hidden)
            loss = torch.nn.functional.nll_loss(output, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(theirs.parameters(), CLIP)
            for p in theirs.parameters():
                p.data.add_(p.grad, alpha=-LR)
            return loss.item()

        steps["torch"] = their_step
    return steps


if __name__ == "__main__":
    harness.main(
        "bench_lstm_lm",
        f"word LSTM LM: vocab {VOCAB}, {LAYERS} x LSTM({EMBED}, {HIDDEN}), seq {SEQ}, batch "
        f"{BATCH}, clip {CLIP}, SGD",
        build,
        ("v3_nn", "torch"),
        target=1.2,
        args=harness.parser(__doc__, steps=30, warmup=3).parse_args(),
        note="dropout: each library draws its own masks (same cost, losses not equal)",
        loss_tolerance=0.2,
    )
