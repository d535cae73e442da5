"""Training steps of the classic MNIST CNN (pytorch/examples mnist), v3_nn against torch.

    python benchmarks/bench_mnist_cnn.py [--steps 40] [--memory] [--profile]

The network of pytorch/examples' mnist/main.py: Conv2d(1, 32, 3) - ReLU - Conv2d(32, 64, 3) -
ReLU - max_pool2d(2) - Dropout(0.25) - flatten - Linear(9216, 128) - ReLU - Dropout(0.5) -
Linear(128, 10) - log_softmax, nll_loss, Adadelta(lr=1.0), batches of 64 images 28x28,
float32. Both libraries start from the same weights (through state_dict) and see the same
batches (random images normalised as the example's, random labels). The two libraries'
dropout masks differ (each draws its own), which changes no cost: the losses printed agree
to a few per cent, not to rounding.
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads
import numpy as np
import torch

import v2_tensor as vt
import v3_nn as nn
from v3_nn import functional as F
from v3_nn.optim import Adadelta

BATCH = 64


def _net(lib):
    """The example's Net, written once for both libraries (lib is torch.nn or v3_nn)."""
    functional = torch.nn.functional if lib is torch.nn else F
    flatten = torch.flatten if lib is torch.nn else vt.flatten

    class Net(lib.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = lib.Conv2d(1, 32, 3, 1)
            self.conv2 = lib.Conv2d(32, 64, 3, 1)
            self.dropout1 = lib.Dropout(0.25)
            self.dropout2 = lib.Dropout(0.5)
            self.fc1 = lib.Linear(9216, 128)
            self.fc2 = lib.Linear(128, 10)

        def forward(self, x):
            x = functional.relu(self.conv1(x))
            x = functional.relu(self.conv2(x))
            x = functional.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = flatten(x, 1)
            x = functional.relu(self.fc1(x))
            x = self.dropout2(x)
            return functional.log_softmax(self.fc2(x), dim=1)

    return Net()


def build(args, libraries: tuple[str, ...]) -> dict:
    vt.manual_seed(args.seed)
    torch.manual_seed(args.seed)
    ours = _net(nn)
    rng = np.random.default_rng(args.seed)
    data = [
        (
            ((rng.random((BATCH, 1, 28, 28), dtype=np.float32) - 0.1307) / 0.3081),
            rng.integers(0, 10, BATCH),
        )
        for _ in range(8)
    ]
    steps = {}
    if "v3_nn" in libraries:
        opt = Adadelta(ours.parameters(), lr=1.0)
        our_data = [(vt.tensor(x), vt.tensor(y)) for x, y in data]
        count = [0]

        def our_step() -> float:
            x, y = our_data[count[0] % len(our_data)]
            count[0] += 1
            opt.zero_grad()
            loss = F.nll_loss(ours(x), y)
            loss.backward()
            opt.step()
            return loss.item()

        steps["v3_nn"] = our_step
    if "torch" in libraries:
        theirs = _net(torch.nn)
        theirs.load_state_dict(harness.state_to_torch(ours.state_dict()))
        their_opt = torch.optim.Adadelta(theirs.parameters(), lr=1.0)
        their_data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]
        their_count = [0]

        def their_step() -> float:
            x, y = their_data[their_count[0] % len(their_data)]
            their_count[0] += 1
            their_opt.zero_grad()
            loss = torch.nn.functional.nll_loss(theirs(x), y)
            loss.backward()
            their_opt.step()
            return loss.item()

        steps["torch"] = their_step
    return steps


if __name__ == "__main__":
    harness.main(
        "bench_mnist_cnn",
        f"MNIST CNN (conv 32, conv 64, pool, dropout, fc 9216-128-10), batch {BATCH}, Adadelta",
        build,
        ("v3_nn", "torch"),
        target=1.3,
        args=harness.parser(__doc__, steps=30, warmup=3).parse_args(),
        note="dropout: each library draws its own masks (same cost, losses not equal)",
        loss_tolerance=0.2,
    )
