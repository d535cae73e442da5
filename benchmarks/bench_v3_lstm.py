"""Whole LSTM training steps (the model of train_lstm), v3_nn against torch, one thread each.

    python benchmarks/bench_v3_lstm.py [--steps 200] [--memory] [--profile]

LSTM(1, 32) over 30 time steps, batch 64, a Linear head on the last hidden state, MSE loss
and Adam. Both start from the same weights and see the same batch; each timed step is
forward, backward and the optimizer update.
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads
import numpy as np
import torch

import v2_tensor as vt
import v3_nn
from v3_nn import functional as F
from v3_nn.optim import Adam

BATCH, STEPS, HIDDEN = 64, 30, 32


def _model(lib):
    class Model(lib.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = lib.LSTM(1, HIDDEN, batch_first=True)
            self.head = lib.Linear(HIDDEN, 1)

        def forward(self, x):
            _, (h_n, _) = self.lstm(x)
            return self.head(h_n[-1])

    return Model()


def build(args, libraries: tuple[str, ...]) -> dict:
    vt.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((BATCH, STEPS, 1)).astype(np.float32)
    y = rng.standard_normal((BATCH, 1)).astype(np.float32)
    ours = _model(v3_nn)
    steps = {}
    if "v3_nn" in libraries:
        our_opt = Adam(ours.parameters(), lr=1e-3)
        our_x, our_y = vt.tensor(x), vt.tensor(y)

        def our_step() -> float:
            loss = F.mse_loss(ours(our_x), our_y)
            our_opt.zero_grad()
            loss.backward()
            our_opt.step()
            return loss.item()

        steps["v3_nn"] = our_step
    if "torch" in libraries:
        theirs = _model(torch.nn)
        theirs.load_state_dict(harness.state_to_torch(ours.state_dict()))
        their_opt = torch.optim.Adam(theirs.parameters(), lr=1e-3)
        their_x, their_y = torch.from_numpy(x), torch.from_numpy(y)

        def their_step() -> float:
            loss = torch.nn.functional.mse_loss(theirs(their_x), their_y)
            their_opt.zero_grad()
            loss.backward()
            their_opt.step()
            return loss.item()

        steps["torch"] = their_step
    return steps


if __name__ == "__main__":
    harness.main(
        "bench_v3_lstm",
        f"LSTM(1, {HIDDEN}) + Linear, {STEPS} time steps, batch {BATCH}, MSE + Adam",
        build,
        ("v3_nn", "torch"),
        target=1.25,
        args=harness.parser(__doc__, steps=200, warmup=10).parse_args(),
    )
