"""Train a model built from Values, full batch, with SGD.

    uv run python -m v1_scalar.train                  # a linear neuron on the regression CSV
    uv run python -m v1_scalar.train --data my.csv    # ... on your CSV: column y from the others
    uv run python -m v1_scalar.train --task moons     # micrograd's demo: MLP(2, [16, 16, 1])

regression: a Neuron(k, nonlin=False) minimises the mean squared error of column y given
the other k columns of the CSV, and is compared with the least-squares fit of that CSV:
the minimum gradient descent should reach. Without --data the CSV is data/v1/regression.csv
from v1_scalar.create_data (written first if missing), and the true weights that generated
it are shown as well.
moons: two interleaved half-circles (scikit-learn's make_moons); an MLP minimises the
mean hinge loss max(0, 1 - y·score) plus 1e-4·sum(p²), with the learning rate decaying
linearly to a tenth, as in micrograd's demo, and reaches 100% training accuracy.

Writes {task}_history.csv, {task}_metrics.json and {task}_loss.png (and for moons
moons_boundary.png) into --out, all at the end of the run; --graph PATH draws one
sample's loss graph. Training stops, writing nothing, at the first NaN or inf.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from v1_scalar import cli
from v1_scalar.create_data import DEFAULT_PATH, TRUE_BIAS, TRUE_WEIGHTS, write_regression
from v1_scalar.engine import Value
from v1_scalar.nn import MLP, Module, Neuron
from v1_scalar.optim import SGD

DEFAULTS = {"regression": {"epochs": 60, "lr": 0.1}, "moons": {"epochs": 100, "lr": 1.0}}
GRAPH_SUFFIXES = (".svg", ".png", ".pdf")


@dataclass
class Task:
    description: str
    model: Module
    loss: Callable[[], tuple[Value, dict[str, float]]]  # full-batch loss, extra metrics
    sample_loss: Callable[[], Value]  # the loss of the first sample alone, for --graph
    decay_lr: bool  # lr falls linearly from lr to lr/10 over the epochs
    info: dict[str, Any] = field(default_factory=dict)  # what the report and plots need


def read_regression_csv(path: Path) -> tuple[list[str], list[list[float]], list[float]]:
    """Feature names, feature rows and targets of a CSV with a column y and numeric others."""
    columns = cli.read_numbers(path)
    if "y" not in columns:
        raise cli.ScriptError(
            f"{path} has no column 'y' (the target); its columns: {list(columns)}"
        )
    features = [name for name in columns if name != "y"]
    if not features:
        raise cli.ScriptError(f"{path} has only the column 'y': no feature columns to learn from")
    rows = len(columns["y"])
    if rows <= len(features):
        raise cli.ScriptError(
            f"{path} has {rows} rows for {len(features)} features and a bias: at least "
            f"{len(features) + 1} are needed to determine the fit"
        )
    x_rows = [list(values) for values in zip(*(columns[n] for n in features), strict=True)]
    return features, x_rows, columns["y"]


def least_squares(x_rows: list[list[float]], targets: list[float]) -> tuple[list[float], float]:
    """The weights and bias of the least-squares fit, and its mean squared error."""
    import numpy as np

    design = np.column_stack([np.array(x_rows), np.ones(len(targets))])
    solution, *_ = np.linalg.lstsq(design, np.array(targets), rcond=None)
    mse = float(np.mean((design @ solution - np.array(targets)) ** 2))
    return solution.tolist(), mse


def regression_task(data_path: Path, features: list[str], x_rows, targets) -> Task:
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
            [Value(v, label=name) for name, v in zip(features, x_rows[0], strict=True)],
            Value(targets[0], label="y"),
        ),
        decay_lr=False,
        info={"features": features, "x": x_rows, "y": targets},
    )


def moons_task(samples: int, seed: int) -> Task:
    from sklearn.datasets import make_moons  # seconds to import: only for this task

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

    return Task(
        description=f"MLP(2, [16, 16, 1]) on {samples} two-moons points (hinge loss + 1e-4 L2)",
        model=model,
        loss=loss,
        sample_loss=lambda: hinge(model([Value(a) for a in x_data[0]]), y_data[0]),
        decay_lr=True,
        info={"x": x_data, "y": y_data},
    )


def train(task: Task, epochs: int, lr: float, quiet: bool = False) -> list[dict[str, float]]:
    """Full-batch SGD; one history row per epoch, measured before that epoch's update.

    Stops with a ScriptError at the first loss or parameter that is NaN or inf.
    """
    from tqdm import tqdm

    optimizer = SGD(task.model.parameters(), lr=lr)
    history = []
    bar = tqdm(range(epochs), unit="epoch", dynamic_ncols=True, disable=quiet)
    try:
        for k in bar:
            if task.decay_lr:
                optimizer.lr = lr * (1.0 - 0.9 * k / epochs)
            try:
                loss, metrics = task.loss()
                value = loss.data
            except OverflowError:
                value = math.inf
            cli.check_finite(value, "loss", f"epoch {k + 1}", f"--lr than {lr:g}")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            for i, p in enumerate(optimizer.params):
                if not math.isfinite(p.data):
                    name = f"parameter {p.label or i}"
                    cli.check_finite(p.data, name, f"epoch {k + 1}", f"--lr than {lr:g}")
            history.append({"epoch": k + 1, "loss": value, **metrics, "lr": optimizer.lr})
            if not quiet:
                shown = "".join(f"  {name} {v:.1%}" for name, v in metrics.items())
                tqdm.write(f"epoch {k + 1:4d}/{epochs}  loss {value:.6f}{shown}")
                bar.set_postfix(loss=f"{value:.4f}", **{n: f"{v:.0%}" for n, v in metrics.items()})
    finally:
        bar.close()
    return history


def plot_regression(history: list[dict[str, float]], task: Task, floor: float, title: str):
    plt = cli.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot([row["epoch"] for row in history], [row["loss"] for row in history], label="loss")
    left.axhline(floor, color="k", ls="--", lw=1, label=f"least-squares fit: {floor:.4g}")
    left.set(xlabel="epoch", ylabel="mean squared error", yscale="log", title="training loss")
    left.grid(alpha=0.3)
    left.legend()
    model = task.model
    predicted = [model(x).data for x in task.info["x"]]
    targets = task.info["y"]
    right.scatter(targets, predicted, s=12)
    low, high = min(*targets, *predicted), max(*targets, *predicted)
    right.plot([low, high], [low, high], "k--", lw=1, label="prediction = y")
    right.set(xlabel="y in the CSV", ylabel="predicted y", title="after training, every row")
    right.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_moons_loss(history: list[dict[str, float]], title: str):
    plt = cli.pyplot()
    epochs = [row["epoch"] for row in history]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    (loss_line,) = ax.plot(epochs, [row["loss"] for row in history], color="tab:blue")
    ax.set(xlabel="epoch", yscale="log", title=title)
    ax.set_ylabel("loss (hinge + L2), log scale", color="tab:blue")
    ax.grid(alpha=0.3)
    acc = ax.twinx()
    (acc_line,) = acc.plot(epochs, [row["accuracy"] for row in history], color="tab:orange")
    acc.set_ylabel("training accuracy", color="tab:orange")
    acc.set_ylim(0, 1.02)
    ax.legend(
        [loss_line, acc_line], ["loss (left axis)", "accuracy (right axis)"], loc="center right"
    )
    fig.tight_layout()
    return fig


def mlp_scores(model: MLP, points: Any) -> Any:
    """The MLP's output for every row of points, computed with NumPy from its weights."""
    import numpy as np

    x = np.asarray(points, dtype=np.float64)
    for layer in model.layers:
        weight = np.array([[w.data for w in neuron.w] for neuron in layer.neurons])
        bias = np.array([neuron.b.data for neuron in layer.neurons])
        x = x @ weight.T + bias
        if layer.neurons[0].nonlin:
            x = np.maximum(x, 0.0)
    return x[:, 0]


def plot_boundary(model: MLP, x_data: list[list[float]], y_data: list[float]):
    import numpy as np
    from matplotlib.lines import Line2D

    plt = cli.pyplot()
    points, labels = np.array(x_data), np.array(y_data)
    lo, hi = points.min(axis=0) - 0.5, points.max(axis=0) + 0.5
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 300), np.linspace(lo[1], hi[1], 300))
    scores = mlp_scores(model, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(6.5, 5))
    shade = ax.contourf(
        gx, gy, np.clip(scores, -2, 2), levels=np.linspace(-2, 2, 17), cmap="RdBu_r", alpha=0.6
    )
    ax.contour(gx, gy, scores, levels=[0.0], colors="k", linewidths=1.5)
    for value, colour, name in ((-1.0, "tab:blue", "class -1"), (1.0, "tab:red", "class +1")):
        chosen = points[labels == value]
        ax.scatter(chosen[:, 0], chosen[:, 1], s=22, color=colour, edgecolors="k", label=name)
    handles, names = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="k", lw=1.5))
    ax.legend(handles, [*names, "decision boundary (score 0)"], loc="lower left", fontsize=8)
    fig.colorbar(shade, ax=ax, label="network score (clipped to ±2)")
    ax.set(title="decision boundary after training", xlabel="x1", ylabel="x2")
    fig.tight_layout()
    return fig


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("train", "python -m v1_scalar.train", __doc__)
    parser.add_argument(
        "--task", choices=("regression", "moons"), default="regression", help="what to learn"
    )
    parser.add_argument(
        "--data",
        type=cli.existing_file,
        help="regression CSV: a header line, a column y and numeric feature columns "
        f"(default: {DEFAULT_PATH}, written by create_data if missing)",
    )
    parser.add_argument(
        "--epochs", type=cli.positive_int, help="default: 60 for regression, 100 for moons"
    )
    parser.add_argument(
        "--lr", type=cli.positive_float, help="learning rate (default: 0.1 regression, 1.0 moons)"
    )
    parser.add_argument(
        "--samples", type=cli.positive_int, help="moons points, at least 2 (default: 100)"
    )
    parser.add_argument(
        "--seed", type=cli.seed, default=1337, help="initial weights and the moons data"
    )
    parser.add_argument("--out", type=Path, default=Path("output/v1"), help="output folder")
    parser.add_argument(
        "--graph",
        type=cli.file_with_suffix(*GRAPH_SUFFIXES),
        help="also draw one sample's loss graph to this .svg/.png/.pdf file (default: none)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar or epoch lines")
    args = parser.parse_args(argv)
    for name, value in DEFAULTS[args.task].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.task == "moons" and args.data is not None:
        parser.error("--data is for --task regression; moons makes its own points")
    if args.task == "regression" and args.samples is not None:
        parser.error("--samples is for --task moons; regression uses every row of --data")
    if args.samples is None:
        args.samples = 100
    elif args.samples < 2:
        parser.error(f"argument --samples: must be at least 2, got {args.samples}")
    return args


def regression_report(task: Task, generated: bool) -> dict[str, Any]:
    """Print learned against least squares (and the truth, for generated data); metrics."""
    learned = [w.data for w in task.model.w] + [task.model.b.data]
    (*ls_w, ls_b), ls_mse = least_squares(task.info["x"], task.info["y"])
    fit = [*ls_w, ls_b]
    names = [f"w{i + 1}" for i in range(len(task.model.w))] + ["b"]
    columns = [*task.info["features"], "(bias)"]
    truth = [*TRUE_WEIGHTS, TRUE_BIAS] if generated else None
    header = f"{'parameter':>14} {'learned':>10} {'least sq.':>10} {'gap':>9}"
    print(header + (f" {'true':>8} {'error':>9}" if truth else ""))
    for i, name in enumerate(names):
        line = f"{name + ' ' + columns[i]:>14} {learned[i]:+10.4f} {fit[i]:+10.4f}"
        line += f" {learned[i] - fit[i]:+9.2e}"
        if truth:
            line += f" {truth[i]:+8.4f} {learned[i] - truth[i]:+9.4f}"
        print(line)
    metrics: dict[str, Any] = {
        "features": task.info["features"],
        "learned": dict(zip(names, learned, strict=True)),
        "least_squares": dict(zip(names, fit, strict=True)),
        "least_squares_mse": ls_mse,
        "max_abs_gap_to_least_squares": max(abs(a - b) for a, b in zip(learned, fit, strict=True)),
    }
    gap = metrics["max_abs_gap_to_least_squares"]
    print(f"largest gap to the least-squares fit of the CSV: {gap:.2e}")
    if truth:
        metrics["true"] = dict(zip(names, truth, strict=True))
        metrics["max_abs_error"] = max(abs(a - b) for a, b in zip(learned, truth, strict=True))
        print(
            f"largest error to the true weights that generated it: {metrics['max_abs_error']:.4f} "
            "(the noise's sampling error)"
        )
    return metrics


@cli.script("train")
def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        if args.graph:
            run.file(args.graph, "--graph")
        generated = args.task == "regression" and args.data is None
        if args.task == "regression":
            data_path = args.data or DEFAULT_PATH
            if generated and not data_path.exists():
                write_regression(data_path)
                print(
                    f"Created {data_path} (python -m v1_scalar.create_data writes it with options)"
                )
            features, x_rows, targets = read_regression_csv(data_path)
            random.seed(args.seed)  # Neuron draws its weights from Python's random, as micrograd
            task = regression_task(data_path, features, x_rows, targets)
        else:
            random.seed(args.seed)
            task = moons_task(args.samples, args.seed)
        n_params = len(task.model.parameters())
        print(f"Training {task.description}: {n_params} parameters, {args.epochs} epochs, ", end="")
        print(f"lr {args.lr}")

        start = time.perf_counter()
        history = train(task, args.epochs, args.lr, args.quiet)
        seconds = time.perf_counter() - start
        final_loss, final_metrics = task.loss()  # after the last update
        cli.check_finite(final_loss.data, "loss", "the end", f"--lr than {args.lr:g}")
        metrics: dict[str, Any] = {
            "task": args.task,
            "data": str(data_path) if args.task == "regression" else "make_moons",
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
        title = f"v1 scalar engine: {args.task}"
        if args.task == "regression":
            metrics.update(regression_report(task, generated))
            figure = plot_regression(
                history, task, metrics["least_squares_mse"], f"{title}, {data_path}"
            )
            run.figure(out / "regression_loss.png", figure)
        else:
            print(f"Training accuracy {final_metrics['accuracy']:.1%} of {args.samples} points")
            run.figure(out / "moons_loss.png", plot_moons_loss(history, title))
            run.figure(
                out / "moons_boundary.png",
                plot_boundary(task.model, task.info["x"], task.info["y"]),
            )
        run.csv(
            out / f"{args.task}_history.csv", list(history[0]), [row.values() for row in history]
        )
        run.json(out / f"{args.task}_metrics.json", metrics)
        if args.graph:
            from v1_scalar.graph import save_graph

            sample = task.sample_loss()
            sample.backward()
            run.action(args.graph, lambda path: save_graph(sample, path))
        written = run.commit()
    print("Wrote " + ", ".join(str(p) for p in written))
    return metrics


if __name__ == "__main__":
    main()
