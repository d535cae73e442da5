"""Five optimizers race down the Rosenbrock valley: uv run python -m v3_nn.optimizers.

f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 has its minimum f = 0 at (1, 1), at the end of a
long, curved, flat-bottomed valley: easy to find, slow to follow. Each optimizer starts
at (-1.5, 2) and takes the same number of steps on a v3_nn Parameter, with gradients from
v2_tensor's backward. Prints a table of where each one stopped and writes into --out
(default output/optimizers), at the end of the run: summary.json, trajectories.csv,
trajectories.png and loss.png. A run stops, writing nothing, at the first NaN or inf.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
from v3_nn import Parameter, cli, optim

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


def descend(name: str, lr: float, steps: int, progress: Any) -> np.ndarray:
    """Run one optimizer from START; rows of (x, y, f(x, y)) before each step and at the end."""
    make, _, settings = OPTIMIZERS[name]
    point = Parameter(np.array(START, dtype=np.float64))
    optimizer = make([point], lr=lr, **settings)
    path = []
    flag = f"--{name.lower()}-lr than {lr:g}"
    for step in range(steps):
        optimizer.zero_grad()
        loss = rosenbrock(point[0], point[1])
        value = loss.item()
        cli.check_finite(value, f"{name}'s loss", f"step {step + 1}", flag)
        path.append((*point.array, value))
        loss.backward()
        optimizer.step()
        progress.update()
    end = float(rosenbrock(*point.array))
    cli.check_finite(end, f"{name}'s loss", f"step {steps + 1}", flag)
    path.append((*point.array, end))
    return np.array(path)


def plot_trajectories(paths: dict[str, np.ndarray]) -> Any:
    plt = cli.pyplot()
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
    return fig


def plot_losses(paths: dict[str, np.ndarray]) -> Any:
    plt = cli.pyplot()
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, path in paths.items():
        ax.semilogy(np.maximum(path[:, 2], 1e-30), label=name)
    ax.set(xlabel="step", ylabel="f(x, y), log scale", title="Rosenbrock loss per step")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("optimizers", "python -m v3_nn.optimizers", __doc__)
    parser.add_argument("--steps", type=cli.positive_int, default=3000, help="steps per optimizer")
    for name, (_, lr, _) in OPTIMIZERS.items():
        parser.add_argument(
            f"--{name.lower()}-lr",
            type=cli.positive_float,
            default=lr,
            help=f"{name}'s learning rate",
        )
    parser.add_argument(
        "--seed", type=cli.seed, default=0, help="seeds v2_tensor (the run is deterministic)"
    )
    parser.add_argument("--out", type=Path, default=Path("output/optimizers"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


@cli.script("optimizers")
def main(argv: list[str] | None = None) -> dict[str, dict]:
    args = parse_args(argv)
    from tqdm import tqdm

    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        vt.manual_seed(args.seed)
        paths, summary = {}, {}
        total = args.steps * len(OPTIMIZERS)
        with tqdm(total=total, desc="optimizers", unit="step", disable=args.quiet) as progress:
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
        run.json(out / "summary.json", {"start": START, "steps": args.steps, "optimizers": summary})
        rows = [
            [name, step, *row]
            for name, path in paths.items()
            for step, row in enumerate(path.tolist())
        ]
        run.csv(out / "trajectories.csv", ["optimizer", "step", "x", "y", "loss"], rows)
        run.figure(out / "trajectories.png", plot_trajectories(paths))
        run.figure(out / "loss.png", plot_losses(paths))
        written = run.commit()
    print("wrote " + ", ".join(str(path) for path in written))
    return summary


if __name__ == "__main__":
    main()
