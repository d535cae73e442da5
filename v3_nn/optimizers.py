"""Five optimizers race down the Rosenbrock valley: uv run python -m v3_nn.optimizers.

f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 has its minimum f = 0 at (1, 1), at the end of a
long, curved, flat-bottomed valley: easy to find, slow to follow. Each optimizer starts
at (-1.5, 2) and takes the same number of steps on a v3_nn Parameter, with gradients from
v2_tensor's backward. Writes output/optimizers/{summary.json, trajectories.csv,
trajectories.png, loss.png} and prints a table of where each one stopped.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import v2_tensor as vt  # noqa: E402
from v3_nn import Parameter, optim  # noqa: E402

START = (-1.5, 2.0)
MINIMUM = (1.0, 1.0)

# name -> (optimizer class, default learning rate, other settings). Picked by a coarse sweep
# (factors of 2-3) for a good end point in 3,000 steps without wild first jumps: SGD's rate
# is bounded by the valley's steep walls (curvature ~1,900 at the start, so lr < 2/1900);
# Adagrad's first step moves each coordinate by about lr.
OPTIMIZERS = {
    "SGD": (optim.SGD, 1e-3, {}),
    "Momentum": (optim.SGD, 5e-4, {"momentum": 0.9}),
    "RMSprop": (optim.RMSprop, 5e-3, {}),
    "Adagrad": (optim.Adagrad, 0.5, {}),
    "Adam": (optim.Adam, 5e-2, {}),
}


def rosenbrock(x, y):
    """(1 - x)^2 + 100 (y - x^2)^2, for Tensors and NumPy arrays alike."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def descend(name: str, lr: float, steps: int, progress: tqdm) -> np.ndarray:
    """Run one optimizer from START; rows of (x, y, f(x, y)) before each step and at the end."""
    make, _, settings = OPTIMIZERS[name]
    point = Parameter(np.array(START, dtype=np.float64))
    optimizer = make([point], lr=lr, **settings)
    path = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = rosenbrock(point[0], point[1])
        path.append((*point.array, loss.item()))
        loss.backward()
        optimizer.step()
        progress.update()
    path.append((*point.array, float(rosenbrock(*point.array))))
    return np.array(path)


def plot_trajectories(paths: dict[str, np.ndarray], file: Path) -> None:
    xs, ys = np.meshgrid(np.linspace(-2, 2, 400), np.linspace(-1, 3, 400))
    fig, ax = plt.subplots(figsize=(8, 7))
    ax.contour(
        xs,
        ys,
        rosenbrock(xs, ys),
        levels=np.logspace(-1, 3, 9),
        colors="0.75",
        linewidths=0.8,
    )
    for name, path in paths.items():
        ax.plot(path[:, 0], path[:, 1], lw=1.4, label=name)
        ax.plot(*path[-1, :2], "o", ms=5, color=ax.lines[-1].get_color())
    ax.plot(*START, "ks", ms=7, label="start (-1.5, 2)")
    ax.plot(*MINIMUM, "r*", ms=14, label="minimum (1, 1)")
    ax.set(xlim=(-2, 2), ylim=(-1, 3), xlabel="x", ylabel="y")
    ax.set_title(f"Rosenbrock function: {len(next(iter(paths.values()))) - 1} steps each")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(file, dpi=120)
    plt.close(fig)


def plot_losses(paths: dict[str, np.ndarray], file: Path) -> None:
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, path in paths.items():
        ax.semilogy(np.maximum(path[:, 2], 1e-30), label=name)
    ax.set(xlabel="step", ylabel="f(x, y)", title="Rosenbrock loss per step")
    ax.legend()
    fig.tight_layout()
    fig.savefig(file, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="steps per optimizer (3000)")
    for name, (_, lr, _) in OPTIMIZERS.items():
        parser.add_argument(
            f"--{name.lower()}-lr", type=float, default=lr, help=f"{name}'s learning rate ({lr:g})"
        )
    parser.add_argument(
        "--seed", type=int, default=0, help="seeds v2_tensor (the run is deterministic)"
    )
    parser.add_argument("--out", type=Path, default=Path("output/optimizers"), help="output folder")
    args = parser.parse_args(argv)
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    vt.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    paths, summary = {}, {}
    with tqdm(total=args.steps * len(OPTIMIZERS), desc="optimizers", unit="step") as progress:
        for name in OPTIMIZERS:
            lr = getattr(args, f"{name.lower()}_lr")
            paths[name] = path = descend(name, lr, args.steps, progress)
            x, y, loss = path[-1]
            summary[name] = {
                "lr": lr,
                **OPTIMIZERS[name][2],
                "x": x,
                "y": y,
                "loss": loss,
                "distance_to_minimum": float(np.hypot(x - MINIMUM[0], y - MINIMUM[1])),
            }

    header = ("optimizer", "lr", "final x", "final y", "f(x, y)", "distance")
    print("\n{:<10} {:>8} {:>10} {:>10} {:>10} {:>10}".format(*header))
    for name, row in summary.items():
        print(
            f"{name:<10} {row['lr']:>8g} {row['x']:>10.5f} {row['y']:>10.5f} "
            f"{row['loss']:>10.3g} {row['distance_to_minimum']:>10.3g}"
        )

    with open(args.out / "summary.json", "w") as file:
        json.dump({"start": START, "steps": args.steps, "optimizers": summary}, file, indent=2)
    with open(args.out / "trajectories.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["optimizer", "step", "x", "y", "loss"])
        for name, path in paths.items():
            writer.writerows([name, step, *row] for step, row in enumerate(path.tolist()))
    plot_trajectories(paths, args.out / "trajectories.png")
    plot_losses(paths, args.out / "loss.png")
    print(f"wrote {args.out}/summary.json, trajectories.csv, trajectories.png, loss.png")
    return summary


if __name__ == "__main__":
    main()
