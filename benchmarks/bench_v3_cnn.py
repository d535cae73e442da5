"""Whole CNN training steps on 28x28 images (the model of train_cnn): v3_nn against torch.

    python benchmarks/bench_v3_cnn.py [--steps 40] [--memory] [--profile]

Conv2d(1,16,3,pad 1)-ReLU-MaxPool2d(2)-Conv2d(16,32,3,pad 1)-ReLU-MaxPool2d(2)-Flatten-
Linear(1568,10), cross-entropy, SGD with momentum 0.9, batch 64, float32, one thread each.
Both start from the same weights and see the same random batches.
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads
import numpy as np
import torch

import v2_tensor as vt
from v3_nn import functional as F
from v3_nn.optim import SGD
from v3_nn.train_cnn import build_cnn

LR, MOMENTUM, SIDE, CHANNELS, BATCH = 0.01, 0.9, 28, [16, 32], 64


def torch_twin(ours) -> torch.nn.Module:
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(1568, 10),
    )
    model.load_state_dict(harness.state_to_torch(ours.state_dict()))
    return model


def build(args, libraries: tuple[str, ...]) -> dict:
    vt.manual_seed(args.seed)
    ours = build_cnn(SIDE, CHANNELS)
    rng = np.random.default_rng(args.seed)
    data = [
        (rng.random((BATCH, 1, SIDE, SIDE), dtype=np.float32), rng.integers(0, 10, BATCH))
        for _ in range(8)
    ]
    steps = {}
    if "v3_nn" in libraries:
        opt = SGD(ours.parameters(), lr=LR, momentum=MOMENTUM)
        our_data = [(vt.tensor(x), vt.tensor(y)) for x, y in data]
        count = [0]

        def our_step() -> float:
            x, y = our_data[count[0] % len(our_data)]
            count[0] += 1
            loss = F.cross_entropy(ours(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss.item()

        steps["v3_nn"] = our_step
    if "torch" in libraries:
        theirs = torch_twin(ours)
        their_opt = torch.optim.SGD(theirs.parameters(), lr=LR, momentum=MOMENTUM)
        their_data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]
        their_count = [0]

        def their_step() -> float:
            x, y = their_data[their_count[0] % len(their_data)]
            their_count[0] += 1
            loss = torch.nn.functional.cross_entropy(theirs(x), y)
            their_opt.zero_grad()
            loss.backward()
            their_opt.step()
            return loss.item()

        steps["torch"] = their_step
    return steps


if __name__ == "__main__":
    harness.main(
        "bench_v3_cnn",
        f"CNN conv 16, conv 32 (pad 1, pool 2 each), Linear(1568, 10), batch {BATCH}, SGD "
        f"momentum {MOMENTUM}",
        build,
        ("v3_nn", "torch"),
        target=1.25,
        args=harness.parser(__doc__, steps=40, warmup=3).parse_args(),
    )
