"""Training steps of an LSTMCell loop (pytorch/examples time_sequence_prediction), v3_nn
against torch, one thread each.

    python benchmarks/bench_lstm_cell.py [--steps 10] [--memory] [--profile]

The example's Sequence model: LSTMCell(1, 51) - LSTMCell(51, 51) - Linear(51, 1), stepped by
hand over 1,000 time steps of a batch of 97 sine waves (`for x_t in input.split(1, dim=1)`,
the outputs joined with cat), MSE loss. The example trains with LBFGS, which evaluates this
same forward and backward up to 20 times per step; here one step is one forward, one
backward and an Adam update (lr 0.01), so the figure is the cost of one evaluation. float32
(the example uses float64), same weights through state_dict, same waves.
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads
import numpy as np
import torch

import v2_tensor as vt
import v3_nn as nn
from v3_nn import functional as F
from v3_nn.optim import Adam

HIDDEN, BATCH, LENGTH = 51, 97, 1000


def _model(lib):
    cat = torch.cat if lib is torch.nn else vt.cat
    zeros = torch.zeros if lib is torch.nn else vt.zeros

    class Sequence(lib.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm1 = lib.LSTMCell(1, HIDDEN)
            self.lstm2 = lib.LSTMCell(HIDDEN, HIDDEN)
            self.linear = lib.Linear(HIDDEN, 1)

        def forward(self, input):
            outputs = []
            h_t = zeros(input.size(0), HIDDEN)
            c_t = zeros(input.size(0), HIDDEN)
            h_t2 = zeros(input.size(0), HIDDEN)
            c_t2 = zeros(input.size(0), HIDDEN)
            for input_t in input.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                outputs += [self.linear(h_t2)]
            return cat(outputs, dim=1)

    return Sequence()


def build(args, libraries: tuple[str, ...]) -> dict:
    vt.manual_seed(args.seed)
    ours = _model(nn)
    rng = np.random.default_rng(args.seed)  # the example's waves: sin of shifted ramps
    shifts = rng.integers(-80, 80, (BATCH, 1))
    waves = np.sin((np.arange(LENGTH + 1) + shifts) / 20.0).astype(np.float32)
    x, y = waves[:, :-1], waves[:, 1:]
    steps = {}
    if "v3_nn" in libraries:
        opt = Adam(ours.parameters(), lr=0.01)
        our_x, our_y = vt.tensor(x), vt.tensor(y)

        def our_step() -> float:
            opt.zero_grad()
            loss = F.mse_loss(ours(our_x), our_y)
            loss.backward()
            opt.step()
            return loss.item()

        steps["v3_nn"] = our_step
    if "torch" in libraries:
        theirs = _model(torch.nn)
        theirs.load_state_dict(harness.state_to_torch(ours.state_dict()))
        their_opt = torch.optim.Adam(theirs.parameters(), lr=0.01)
        their_x, their_y = torch.from_numpy(x), torch.from_numpy(y)

        def their_step() -> float:
            their_opt.zero_grad()
            loss = torch.nn.functional.mse_loss(theirs(their_x), their_y)
            loss.backward()
            their_opt.step()
            return loss.item()

        steps["torch"] = their_step
    return steps


if __name__ == "__main__":
    harness.main(
        "bench_lstm_cell",
        f"LSTMCell loop: 2 cells of {HIDDEN}, {LENGTH} steps, batch {BATCH}, MSE + Adam",
        build,
        ("v3_nn", "torch"),
        target=1.5,
        args=harness.parser(__doc__, steps=10, warmup=2).parse_args(),
    )
