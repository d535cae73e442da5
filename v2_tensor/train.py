"""Linear and logistic regression on the gender table, trained by gradient descent on v2_tensor.

    uv run python -m v2_tensor.train                 # Income from Gender, Age, Height
    uv run python -m v2_tensor.train --task gender   # Gender from Height, Weight

Features are scaled to [0, 1] with the minimum and maximum of the training split
only; the income target is standardised with the training split's mean and
standard deviation. The regression's weights are checked against NumPy's
least-squares solution of the same scaled problem. Metrics go to
``output/v2/<task>_metrics.json``, the loss curve to ``<task>_loss.csv``, a plot
to ``<task>.png``.
"""

import argparse
import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from tqdm import tqdm  # noqa: E402

import v2_tensor as vt  # noqa: E402

from .data import GenderData, load_gender  # noqa: E402
from .graph import FORMATS, draw  # noqa: E402

FEATURES = {"income": ("male", "age", "height_cm"), "gender": ("height_cm", "weight_kg")}
# Below 2 / (largest Hessian eigenvalue), which features in [0, 1] bound by 8 for the mean
# squared error and by 1 for the logistic loss: gradient descent cannot diverge.
DEFAULT_LR = {"income": 0.2, "gender": 1.0}


@dataclass(frozen=True)
class Problem:
    """The table, its split (row indices) and the features scaled with the training rows."""

    data: GenderData
    train: np.ndarray
    test: np.ndarray
    x_train: np.ndarray
    x_test: np.ndarray


@dataclass(frozen=True)
class Fit:
    weight: np.ndarray
    bias: float
    losses: list[float]
    last_loss: vt.Tensor  # the final step's loss, whose graph --graph draws


def split(rows: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a shuffled train/test split, at least one row on each side."""
    order = np.random.default_rng(seed).permutation(rows)
    test = min(max(1, round(test_fraction * rows)), rows - 1)
    return order[test:], order[:test]


def min_max_scaler(x: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """x -> (x - min) / (max - min) per column, min and max from x; a constant column -> 0."""
    low, spread = x.min(axis=0), np.ptp(x, axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    return lambda rows: (rows - low) / spread


def prepare(data: GenderData, task: str, test_fraction: float, seed: int) -> Problem:
    frame = data.frame.assign(male=(data.frame["gender"] == "male").astype(np.float64))
    x = frame[list(FEATURES[task])].to_numpy(np.float64)
    train, test = split(len(x), test_fraction, seed)
    scale = min_max_scaler(x[train])
    return Problem(data, train, test, scale(x[train]), scale(x[test]))


def bce_with_logits(logits: vt.Tensor, target: vt.Tensor) -> vt.Tensor:
    # -t log s(z) - (1 - t) log(1 - s(z)) = softplus(z) - t z, and softplus(z) = log(e^0 + e^z)
    # is a log-sum-exp: stable for large |z|, with gradient s(z) everywhere (also at z = 0,
    # where relu(z) + log(1 + e^-|z|) would give 0 through its two kinks)
    softplus = vt.stack([vt.zeros_like(logits), logits]).logsumexp(dim=0)
    return (softplus - target * logits).mean()


def mse(prediction: vt.Tensor, target: vt.Tensor) -> vt.Tensor:
    return ((prediction - target) ** 2).mean()


def fit(x: np.ndarray, y: np.ndarray, loss_fn, lr: float, epochs: int, desc: str) -> Fit:
    """Full-batch gradient descent on loss_fn(x @ w + b, y) from w = 0, b = 0, in float64."""
    inputs, target = vt.tensor(x), vt.tensor(y)
    weight = vt.zeros(x.shape[1], dtype=vt.float64, requires_grad=True)
    bias = vt.zeros((), dtype=vt.float64, requires_grad=True)
    losses = []
    progress = tqdm(range(epochs), desc=desc, unit="epoch", mininterval=0.5)
    for epoch in progress:
        loss = loss_fn(inputs @ weight + bias, target)
        weight.grad = bias.grad = None
        loss.backward()
        with vt.no_grad():  # the update is not part of the graph, as in torch
            weight -= lr * weight.grad
            bias -= lr * bias.grad
        losses.append(loss.item())
        if epoch % 100 == 0:
            progress.set_postfix(loss=f"{losses[-1]:.4g}", refresh=False)
    return Fit(weight.detach().numpy().copy(), float(bias), losses, loss)


def regression_metrics(truth: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    error = prediction - truth
    return {
        "mse": float(np.mean(error**2)),
        "mae": float(np.mean(np.abs(error))),
        "r2": float(1 - np.sum(error**2) / np.sum((truth - truth.mean()) ** 2)),
    }


def income_task(p: Problem, lr: float, epochs: int, out: Path) -> tuple[dict, Fit]:
    """Linear regression of standardised income; its weights checked against least squares."""
    y = p.data.frame["income_usd"].to_numpy(np.float64)
    mean, std = y[p.train].mean(), y[p.train].std() or 1.0
    y_train = (y[p.train] - mean) / std
    result = fit(p.x_train, y_train, mse, lr, epochs, "linear regression")
    ours = np.append(result.weight, result.bias)
    design = np.column_stack([p.x_train, np.ones(len(p.train))])
    least_squares = np.linalg.lstsq(design, y_train, rcond=None)[0]

    def predict(coefficients: np.ndarray, x: np.ndarray) -> np.ndarray:
        return (x @ coefficients[:-1] + coefficients[-1]) * std + mean

    metrics = {
        "least_squares": {"weight": least_squares[:-1].tolist(), "bias": least_squares[-1]},
        "max_gap_to_least_squares": float(np.max(np.abs(ours - least_squares))),
        "train": regression_metrics(y[p.train], predict(ours, p.x_train)),
        "test": regression_metrics(y[p.test], predict(ours, p.x_test)),
        "test_least_squares": regression_metrics(y[p.test], predict(least_squares, p.x_test)),
    }
    print_weights(FEATURES["income"] + ("bias",), ours * std, least_squares * std)
    print("test: MSE {mse:.4g}  MAE {mae:.4g} USD  R^2 {r2:.3f}".format(**metrics["test"]))
    plot_income(out / "income.png", result.losses, y[p.test], predict(ours, p.x_test))
    return metrics, result


def gender_task(p: Problem, lr: float, epochs: int, out: Path) -> tuple[dict, Fit]:
    """Logistic regression of male (1) against female (0); accuracy beside the majority rate."""
    male = (p.data.frame["gender"] == "male").to_numpy(np.float64)
    result = fit(p.x_train, male[p.train], bce_with_logits, lr, epochs, "logistic regression")

    def accuracy(x: np.ndarray, truth: np.ndarray) -> float:
        return float(np.mean((x @ result.weight + result.bias > 0) == truth))

    train, test = accuracy(p.x_train, male[p.train]), accuracy(p.x_test, male[p.test])
    majority = float(max(male[p.train].mean(), 1 - male[p.train].mean()))
    metrics = {
        "train": {"accuracy": train},
        "test": {"accuracy": test},
        "majority_class_rate": majority,
    }
    print(f"accuracy: train {train:.3f}  test {test:.3f}  (majority class {majority:.3f})")
    plot_gender(out / "gender.png", result, p.x_test, male[p.test])
    return metrics, result


def print_weights(names: tuple[str, ...], ours: np.ndarray, least_squares: np.ndarray) -> None:
    print("weights in USD (income change across the feature's training range):")
    print(f"  {'':10} {'gradient descent':>17} {'least squares':>14} {'gap':>10}")
    for name, mine, theirs in zip(names, ours, least_squares, strict=True):
        print(f"  {name:10} {mine:17.2f} {theirs:14.2f} {abs(mine - theirs):10.3g}")


def plot_income(path: Path, losses: list[float], truth: np.ndarray, prediction: np.ndarray) -> None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(losses)
    left.set(xlabel="epoch", ylabel="MSE of standardised income", title="training loss")
    left.set_ylim(bottom=0)
    right.scatter(truth, prediction, s=14)
    low, high = min(truth.min(), prediction.min()), max(truth.max(), prediction.max())
    right.plot([low, high], [low, high], "k--", linewidth=1)
    right.set(xlabel="income (USD)", ylabel="predicted income (USD)", title="held-out split")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def plot_gender(path: Path, result: Fit, x: np.ndarray, male: np.ndarray) -> None:
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(result.losses)
    left.set(xlabel="epoch", ylabel="binary cross-entropy", title="training loss")
    for value, label in [(0, "female"), (1, "male")]:
        right.scatter(x[male == value, 0], x[male == value, 1], s=14, label=label)
    (w0, w1), b = result.weight, result.bias
    if w1 != 0:  # the boundary w0 h + w1 w + b = 0
        right.plot([0, 1], [-b / w1, -(w0 + b) / w1], "k--", linewidth=1, label="boundary")
    right.set(xlim=(-0.05, 1.05), ylim=(-0.05, 1.05), title="held-out split")
    right.set(xlabel="height (scaled)", ylabel="weight (scaled)")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def run(args: argparse.Namespace) -> dict:
    """Load, split, scale, train; write metrics JSON, loss CSV, plot PNG (and the graph)."""
    lr = DEFAULT_LR[args.task] if args.lr is None else args.lr
    try:
        data = load_gender(args.data, seed=args.seed)
    except (FileNotFoundError, ValueError) as error:  # a bad --data file: its message, no traceback
        raise SystemExit(f"error: {error}") from None
    print(f"data: {data.source} ({data.origin}), {len(data.frame)} rows")
    problem = prepare(data, args.task, args.test_fraction, args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    task = income_task if args.task == "income" else gender_task
    metrics, result = task(problem, lr, args.epochs, out)
    results = {
        "task": args.task,
        "data": {"source": data.source, "origin": data.origin, "rows": len(data.frame)},
        "split": {"train": len(problem.train), "test": len(problem.test), "seed": args.seed},
        "features": list(FEATURES[args.task]),
        "epochs": args.epochs,
        "lr": lr,
        "loss": {"first": result.losses[0], "last": result.losses[-1]},
        "weight": result.weight.tolist(),
        "bias": result.bias,
        **metrics,
    }
    (out / f"{args.task}_metrics.json").write_text(json.dumps(results, indent=2) + "\n")
    with open(out / f"{args.task}_loss.csv", "w", newline="") as file:
        csv.writer(file).writerows([("epoch", "loss"), *enumerate(result.losses)])
    if args.graph:
        print(f"graph of the final loss: {draw(result.last_loss, args.graph)}")
    print(f"metrics, loss curve and plot in {out}/")
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m v2_tensor.train", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--task", choices=sorted(FEATURES), default="income")
    parser.add_argument("--data", help="a local CSV in gender.csv's format (default: Kaggle)")
    parser.add_argument("--epochs", type=int, default=3000)
    parser.add_argument(
        "--lr", type=float, help="learning rate (default: 0.2 for income, 1.0 for gender)"
    )
    parser.add_argument("--test-fraction", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=0, help="data split and synthetic data")
    parser.add_argument("--graph", help="draw the final loss's graph to this .svg/.png/.pdf")
    parser.add_argument("--out", default="output/v2", help="folder for metrics and plots")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")
    if not 0 < args.test_fraction < 1:
        parser.error("--test-fraction must be between 0 and 1")
    if args.graph and Path(args.graph).suffix.lstrip(".").lower() not in FORMATS:
        parser.error(f"--graph {args.graph}: the suffix must be one of {', '.join(FORMATS)}")
    return args


def main(argv: list[str] | None = None) -> dict:
    return run(parse_args(argv))


if __name__ == "__main__":
    main()
