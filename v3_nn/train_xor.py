"""Learn XOR with a [2, 8, 1] network: the smallest problem a linear model cannot solve.

    uv run python -m v3_nn.train_xor [--epochs 500] [--lr 0.05] [--hidden 8] [--seed 0]

Linear(2, 8) -> Tanh -> Linear(8, 1) gives one logit; BCEWithLogitsLoss and Adam fit
the four points, one full-batch step per epoch. Prints the four predicted probabilities
and writes into --out (default output/xor), at the end of the run: metrics.json (the loss
per epoch, the predictions), history.csv (the loss per epoch) and xor.png (the loss curve
and the learned probability over the unit square). Training stops, writing nothing, at
the first NaN or inf.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
import v3_nn as nn
from v3_nn import cli

INPUTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
TARGETS = np.array([[0], [1], [1], [0]], dtype=np.float32)


def plot(model: nn.Module, losses: list[float]) -> Any:
    plt = cli.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(np.arange(1, len(losses) + 1), losses)
    left.set(xlabel="epoch", ylabel="binary cross-entropy", yscale="log", title="training loss")
    left.grid(alpha=0.3)
    grid = np.linspace(-0.25, 1.25, 151, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    with vt.no_grad():
        points = vt.tensor(np.column_stack([gx.ravel(), gy.ravel()]))
        probability = model(points).sigmoid().array.reshape(gx.shape)
    shade = right.contourf(gx, gy, probability, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
    right.contour(gx, gy, probability, levels=[0.5], colors="k", linewidths=1.5)
    for target, marker, name in ((0, "o", "xor = 0"), (1, "s", "xor = 1")):
        chosen = INPUTS[TARGETS[:, 0] == target]
        right.scatter(
            chosen[:, 0], chosen[:, 1], marker=marker, s=90, c="w", edgecolors="k", label=name
        )
    right.plot([], [], "k", lw=1.5, label="p = 0.5")
    right.legend(loc="center", fontsize=8)
    fig.colorbar(shade, ax=right, label="predicted probability of 1")
    right.set(xlabel="a", ylabel="b", title="learned p(a xor b = 1)")
    fig.tight_layout()
    return fig


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("train_xor", "python -m v3_nn.train_xor", __doc__)
    parser.add_argument("--epochs", type=cli.positive_int, default=500, help="full-batch steps")
    parser.add_argument("--lr", type=cli.positive_float, default=0.05, help="Adam's learning rate")
    parser.add_argument("--hidden", type=cli.positive_int, default=8, help="hidden units")
    parser.add_argument("--seed", type=cli.seed, default=0, help="initial weights")
    parser.add_argument("--out", type=Path, default=Path("output/xor"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


@cli.script("train_xor")
def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    from tqdm import tqdm

    from v3_nn.optim import Adam

    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        vt.manual_seed(args.seed)
        model = nn.Sequential(nn.Linear(2, args.hidden), nn.Tanh(), nn.Linear(args.hidden, 1))
        loss_fn = nn.BCEWithLogitsLoss()
        optimizer = Adam(model.parameters(), lr=args.lr)
        x, y = vt.tensor(INPUTS), vt.tensor(TARGETS)
        losses = []
        for epoch in tqdm(range(1, args.epochs + 1), desc="epochs", disable=args.quiet):
            loss = loss_fn(model(x), y)
            value = loss.item()
            cli.check_finite(value, "loss", f"epoch {epoch}", f"--lr than {args.lr:g}")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            for name, parameter in model.named_parameters():
                if not np.isfinite(parameter.array).all():
                    where = f"epoch {epoch}"
                    cli.check_finite(np.nan, f"parameter {name}", where, f"--lr than {args.lr:g}")
            losses.append(value)
        with vt.no_grad():
            probs = model(x).sigmoid().array[:, 0]
        cli.check_finite(float(np.sum(probs)), "predictions", "the end", f"--lr than {args.lr:g}")
        for (a, b), target, p in zip(
            INPUTS.astype(int), TARGETS[:, 0].astype(int), probs, strict=True
        ):
            print(f"{a} xor {b} = {target}   predicted {p:.4f}")
        print(f"final loss {losses[-1]:.5f} after {args.epochs} epochs")
        metrics = {
            "loss": losses,
            "predictions": probs.tolist(),
            "targets": TARGETS[:, 0].tolist(),
            "epochs": args.epochs,
            "lr": args.lr,
            "hidden": args.hidden,
            "seed": args.seed,
        }
        run.json(out / "metrics.json", metrics)
        run.csv(out / "history.csv", ["epoch", "loss"], enumerate(losses, start=1))
        run.figure(out / "xor.png", plot(model, losses))
        written = run.commit()
    print("wrote " + ", ".join(str(path) for path in written))
    return metrics


if __name__ == "__main__":
    main()
