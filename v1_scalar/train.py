"""Train a model built from Values, full batch, with SGD.

    uv run python -m v1_scalar.train                 # a linear neuron on the regression CSV
    uv run python -m v1_scalar.train --task moons    # micrograd's demo: MLP(2, [16, 16, 1])

regression: y = x·w + b + noise from `v1_scalar.create_data` (written first if missing);
a Neuron(3, nonlin=False) minimises the mean squared error and recovers w and b.
moons: two interleaved half-circles (scikit-learn's make_moons); an MLP minimises the
mean hinge loss max(0, 1 - y·score) plus 1e-4·sum(p²), with the learning rate decaying
linearly to a tenth, as in micrograd's demo, and reaches 100% training accuracy.

Writes {task}_history.csv, {task}_metrics.json and {task}_loss.png (and for moons
moons_boundary.png) under --out-dir; --graph PATH draws one sample's loss graph.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure  # drawn with Agg, no display or pyplot state needed
from sklearn.datasets import make_moons
from tqdm import tqdm

from v1_scalar.create_data import DEFAULT_PATH, TRUE_BIAS, TRUE_WEIGHTS, write_regression
from v1_scalar.engine import Value
from v1_scalar.graph import graph_format, save_graph
from v1_scalar.nn import MLP, Module, Neuron
from v1_scalar.optim import SGD

DEFAULTS = {"regression": {"epochs": 60, "lr": 0.1}, "moons": {"epochs": 100, "lr": 1.0}}


@dataclass
class Task:
    description: str
    model: Module
    loss: Callable[[], tuple[Value, dict[str, float]]]  # full-batch loss, extra metrics
    sample_loss: Callable[[], Value]  # the loss of the first sample alone, for --graph
    decay_lr: bool  # lr falls linearly from lr to lr/10 over the epochs


def regression_task(data_path: Path) -> Task:
    if not data_path.exists():
        write_regression(data_path)
        print(f"Created {data_path} (python -m v1_scalar.create_data writes it with options)")
    frame = pd.read_csv(data_path)
    features = [f"x{i + 1}" for i in range(len(TRUE_WEIGHTS))]
    if list(frame.columns) != [*features, "y"]:
        raise ValueError(
            f"train: {data_path} must have the columns {[*features, 'y']} that "
            f"v1_scalar.create_data writes, got {list(frame.columns)}"
        )
    x_rows, targets = frame[features].to_numpy().tolist(), frame["y"].tolist()
    model = Neuron(len(features), nonlin=False)
    for i, w in enumerate(model.w):
        w.label = f"w{i + 1}"
    model.b.label = "b"

    def squared_error(x: list[float] | list[Value], y: float | Value) -> Value:
        return (model(x) - y) ** 2

    def loss() -> tuple[Value, dict[str, float]]:
        total = sum(squared_error(x, y) for x, y in zip(x_rows, targets, strict=True))
        return total * (1.0 / len(targets)), {}

    return Task(
        description=f"a linear neuron on {len(targets)} rows of {data_path} (mean squared error)",
        model=model,
        loss=loss,
        sample_loss=lambda: squared_error(
            [Value(v, label=f"x{i + 1}") for i, v in enumerate(x_rows[0])],
            Value(targets[0], label="y"),
        ),
        decay_lr=False,
    )


def moons_task(samples: int, seed: int) -> tuple[Task, list[list[float]], list[float]]:
    points, labels = make_moons(n_samples=samples, noise=0.1, random_state=seed)
    x_data, y_data = points.tolist(), (labels * 2.0 - 1.0).tolist()  # Python floats: fast
    model = MLP(2, [16, 16, 1])

    def hinge(score: Value, y: float) -> Value:
        return (1 + -y * score).relu()

    def loss() -> tuple[Value, dict[str, float]]:
        scores = [model([Value(a), Value(b)]) for a, b in x_data]
        data_loss = sum(hinge(s, y) for s, y in zip(scores, y_data, strict=True))
        data_loss = data_loss * (1.0 / len(scores))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        correct = sum((s.data > 0) == (y > 0) for s, y in zip(scores, y_data, strict=True))
        return data_loss + reg_loss, {"accuracy": correct / len(scores)}

    task = Task(
        description=f"MLP(2, [16, 16, 1]) on {samples} two-moons points (hinge loss + 1e-4 L2)",
        model=model,
        loss=loss,
        sample_loss=lambda: hinge(model([Value(a) for a in x_data[0]]), y_data[0]),
        decay_lr=True,
    )
    return task, x_data, y_data


def train(task: Task, epochs: int, lr: float) -> list[dict[str, float]]:
    """Full-batch SGD; one history row per epoch, measured before that epoch's update."""
    optimizer = SGD(task.model.parameters(), lr=lr)
    history = []
    bar = tqdm(range(epochs), unit="epoch", dynamic_ncols=True)
    for k in bar:
        if task.decay_lr:
            optimizer.lr = lr * (1.0 - 0.9 * k / epochs)
        try:
            loss, metrics = task.loss()
            finite = math.isfinite(loss.data)
        except OverflowError:
            finite = False
        if not finite:
            bar.close()
            raise SystemExit(
                f"train: the loss overflowed in epoch {k + 1}: training diverged; "
                f"try an --lr below {lr}"
            )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append({"epoch": k + 1, "loss": loss.data, **metrics, "lr": optimizer.lr})
        shown = "".join(f"  {name} {value:.1%}" for name, value in metrics.items())
        tqdm.write(f"epoch {k + 1:4d}/{epochs}  loss {loss.data:.6f}{shown}")
        bar.set_postfix(loss=f"{loss.data:.4f}", **{n: f"{v:.0%}" for n, v in metrics.items()})
    return history


def plot_loss(history: list[dict[str, float]], title: str, path: Path) -> None:
    epochs = [row["epoch"] for row in history]
    fig = Figure(figsize=(6, 3.6))
    ax = fig.subplots()
    ax.plot(epochs, [row["loss"] for row in history], color="tab:blue", label="loss")
    ax.set(xlabel="epoch", ylabel="loss", yscale="log", title=title)
    ax.grid(alpha=0.3)
    if "accuracy" in history[0]:
        acc = ax.twinx()
        acc.plot(epochs, [row["accuracy"] for row in history], color="tab:orange")
        acc.set_ylabel("training accuracy", color="tab:orange")
        acc.set_ylim(0, 1.02)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def plot_boundary(model: MLP, x_data: list[list[float]], y_data: list[float], path: Path) -> None:
    points = np.array(x_data)
    lo, hi = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 30), np.linspace(lo[1], hi[1], 30))
    grid = np.column_stack([gx.ravel(), gy.ravel()]).tolist()
    scores = np.array([model(point).data for point in grid])
    fig = Figure(figsize=(5, 4))
    ax = fig.subplots()
    ax.contourf(gx, gy, scores.reshape(gx.shape) > 0, cmap="coolwarm", alpha=0.4)
    ax.scatter(points[:, 0], points[:, 1], c=y_data, cmap="coolwarm", s=20, edgecolors="k")
    ax.set(title="decision boundary after training", xlabel="x1", ylabel="x2")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Train on the v1 scalar engine (regression or two moons).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--task", choices=("regression", "moons"), default="regression")
    parser.add_argument("--epochs", type=int, help="default 60 (regression), 100 (moons)")
    parser.add_argument(
        "--lr", type=float, help="learning rate: default 0.1 (regression), 1.0 (moons)"
    )
    parser.add_argument(
        "--seed", type=int, default=1337, help="initial weights, moons data (default 1337)"
    )
    parser.add_argument("--samples", type=int, default=100, help="moons points (default 100)")
    parser.add_argument("--data", type=Path, default=DEFAULT_PATH, help="regression CSV")
    parser.add_argument("--out-dir", type=Path, default=Path("output/v1"), help="default output/v1")
    parser.add_argument("--graph", type=Path, help="draw one sample's loss graph (.svg/.png/.pdf)")
    args = parser.parse_args(argv)
    for name, value in DEFAULTS[args.task].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.epochs < 1 or args.samples < 2 or not args.lr > 0:
        parser.error("--epochs must be >= 1, --samples >= 2 and --lr > 0")
    if args.graph:
        try:
            graph_format(args.graph)
        except ValueError as error:
            parser.error(f"--graph: {error}")
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    random.seed(args.seed)  # Neuron draws its weights from Python's random, as micrograd
    if args.task == "regression":
        task = regression_task(args.data)
    else:
        task, x_data, y_data = moons_task(args.samples, args.seed)
    n_params = len(task.model.parameters())
    print(f"Training {task.description}: {n_params} parameters, {args.epochs} epochs, lr {args.lr}")

    start = time.perf_counter()
    history = train(task, args.epochs, args.lr)
    seconds = time.perf_counter() - start
    final_loss, final_metrics = task.loss()  # after the last update
    metrics = {
        "task": args.task,
        "epochs": args.epochs,
        "lr": args.lr,
        "seed": args.seed,
        "parameters": n_params,
        "seconds": round(seconds, 3),
        "initial_loss": history[0]["loss"],
        "final_loss": final_loss.data,
        **final_metrics,
    }
    print(f"\nLoss {history[0]['loss']:.6f} -> {final_loss.data:.6f} in {seconds:.1f} s")
    if args.task == "regression":
        learned = [w.data for w in task.model.w] + [task.model.b.data]
        true = [*TRUE_WEIGHTS, TRUE_BIAS]
        names = [f"w{i + 1}" for i in range(len(TRUE_WEIGHTS))] + ["b"]
        print(f"{'parameter':>9} {'true':>8} {'learned':>9} {'error':>9}")
        for name, t, v in zip(names, true, learned, strict=True):
            print(f"{name:>9} {t:+8.4f} {v:+9.4f} {v - t:+9.4f}")
        metrics["true"] = dict(zip(names, true, strict=True))
        metrics["learned"] = dict(zip(names, learned, strict=True))
        metrics["max_abs_error"] = max(abs(v - t) for t, v in zip(true, learned, strict=True))
    else:
        print(f"Training accuracy {final_metrics['accuracy']:.1%} of {args.samples} points")

    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    written = [out / f"{args.task}_history.csv", out / f"{args.task}_metrics.json"]
    pd.DataFrame(history).to_csv(written[0], index=False)
    written[1].write_text(json.dumps(metrics, indent=2) + "\n")
    written.append(out / f"{args.task}_loss.png")
    plot_loss(history, f"v1 scalar engine: {args.task}", written[-1])
    if args.task == "moons":
        written.append(out / "moons_boundary.png")
        plot_boundary(task.model, x_data, y_data, written[-1])
    if args.graph:
        sample = task.sample_loss()
        sample.backward()
        written.append(save_graph(sample, args.graph))
    print("Wrote " + ", ".join(str(p) for p in written))
    return metrics


if __name__ == "__main__":
    main()
