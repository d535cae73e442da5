"""Learn XOR with a [2, 8, 1] network: the smallest problem a linear model cannot solve.

    uv run python -m v3_nn.train_xor

Linear(2, 8) -> Tanh -> Linear(8, 1) gives one logit; BCEWithLogitsLoss and Adam fit
the four points. Prints the four predicted probabilities and writes the loss curve
and predictions to output/xor/metrics.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

import v2_tensor as vt
import v3_nn as nn
from v3_nn.optim import Adam

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
TARGETS = np.array([[0], [1], [1], [0]], dtype=np.float32)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--lr", type=float, default=0.05, help="Adam's learning rate")
    parser.add_argument("--hidden", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("output/xor"))
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    for flag, value in {"--steps": args.steps, "--hidden": args.hidden}.items():
        if value < 1:
            parser.error(f"{flag} must be at least 1, got {value}")

    vt.manual_seed(args.seed)
    model = nn.Sequential(nn.Linear(2, args.hidden), nn.Tanh(), nn.Linear(args.hidden, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = Adam(model.parameters(), lr=args.lr)
    x, y = vt.tensor(INPUTS), vt.tensor(TARGETS)
    losses = []
    for _ in tqdm(range(args.steps), desc="steps", disable=args.quiet):
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    with vt.no_grad():
        probs = model(x).sigmoid().array[:, 0]
    for (a, b), target, p in zip(INPUTS.astype(int), TARGETS[:, 0].astype(int), probs, strict=True):
        print(f"{a} xor {b} = {target}   predicted {p:.4f}")
    print(f"final loss {losses[-1]:.5f} after {args.steps} steps")
    metrics = {"loss": losses, "predictions": probs.tolist(), "targets": TARGETS[:, 0].tolist()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "metrics.json").write_text(json.dumps(metrics))
    return metrics


if __name__ == "__main__":
    main()
