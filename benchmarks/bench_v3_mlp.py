"""Epochs of `v3_nn.train_mlp` on the offline 8x8 digits: v3_nn against the same model in torch.

    python benchmarks/bench_v3_mlp.py [--steps 15] [--memory] [--profile]

Both sides train the same network (Flatten, 64-256-128-10 with ReLU, cross-entropy, Adam
lr 1e-3, batches of 64, float32) from the same initial weights, one thread each. One timed
step here is one whole epoch: ours is train_mlp's own `train_epoch` over a shuffling
DataLoader, torch's the same loop written for torch over its own shuffled order (the first
epoch's order is the same, so the first losses agree to rounding).
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads
import numpy as np
import torch

import v2_tensor as vt
from v3_nn.data import DataLoader, TensorDataset
from v3_nn.datasets import load_uci_digits
from v3_nn.optim import Adam
from v3_nn.train_mlp import build_mlp, train_epoch

BATCH, LR, HIDDEN = 64, 1e-3, [256, 128]


def torch_twin(ours) -> torch.nn.Module:
    model = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(64, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )
    model.load_state_dict(harness.state_to_torch(ours.state_dict()))
    return model


def build(args, libraries: tuple[str, ...]) -> dict:
    data = load_uci_digits()
    vt.manual_seed(args.seed)
    ours = build_mlp(8, HIDDEN)
    steps = {}
    if "v3_nn" in libraries:
        optimizer = Adam(ours.parameters(), lr=LR)
        dataset = TensorDataset(data.train_images, data.train_labels)
        loader = DataLoader(dataset, batch_size=BATCH, shuffle=True, seed=args.seed)
        steps["v3_nn"] = lambda: train_epoch(ours, loader, optimizer)
    if "torch" in libraries:
        theirs = torch_twin(ours)
        their_opt = torch.optim.Adam(theirs.parameters(), lr=LR)
        images = torch.from_numpy(data.train_images)
        labels = torch.from_numpy(data.train_labels)
        rng = np.random.default_rng(args.seed)

        def their_epoch() -> float:
            order = torch.from_numpy(rng.permutation(len(labels)))
            total = 0.0
            for first in range(0, len(labels), BATCH):
                batch = order[first : first + BATCH]
                loss = torch.nn.functional.cross_entropy(theirs(images[batch]), labels[batch])
                their_opt.zero_grad()
                loss.backward()
                their_opt.step()
                total += loss.item() * len(batch)
            return total / len(labels)

        steps["torch"] = their_epoch
    return steps


if __name__ == "__main__":
    harness.main(
        "bench_v3_mlp",
        f"one epoch of train_mlp (digits 8x8, MLP 64-256-128-10, Adam, batch {BATCH})",
        build,
        ("v3_nn", "torch"),
        target=1.0,
        args=harness.parser(__doc__, steps=15, warmup=2).parse_args(),
    )
