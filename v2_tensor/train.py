"""Linear and logistic regression on the gender table, trained by gradient descent on v2_tensor.

    uv run python -m v2_tensor.train                 # Income from Gender, Age, Height
    uv run python -m v2_tensor.train --task gender   # Gender from Height, Weight

Features are scaled to [0, 1] with the minimum and maximum of the training split
only; the income target is standardised with the training split's mean and
standard deviation. The regression's weights are checked against NumPy's
least-squares solution of the same scaled problem. Writes into --out (default
output/v2), all at the end of the run: <task>_metrics.json, <task>_loss.csv (the loss
per epoch) and <task>.png; --graph PATH draws the final step's graph. Training stops,
writing nothing, at the first NaN or inf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import v2_tensor as vt

from . import cli

if TYPE_CHECKING:
    from .data import GenderData

FEATURES = {"income": ("male", "age", "height_cm"), "gender": ("height_cm", "weight_kg")}
# Below 2 / (largest Hessian eigenvalue), which features in [0, 1] bound by 8 for the mean
# squared error and by 1 for the logistic loss: gradient descent cannot diverge.
DEFAULT_LR = {"income": 0.2, "gender": 1.0}
MIN_TRAIN_ROWS, MIN_TEST_ROWS = 10, 2
GRAPH_SUFFIXES = (".svg", ".png", ".pdf", ".dot")


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


def fit(
    x: np.ndarray, y: np.ndarray, loss_fn, lr: float, epochs: int, desc: str, quiet: bool = False
) -> Fit:
    """Full-batch gradient descent on loss_fn(x @ w + b, y) from w = 0, b = 0, in float64.

    Stops with a ScriptError at the first loss or weight that is NaN or inf.
    """
    from tqdm import tqdm

    inputs, target = vt.tensor(x), vt.tensor(y)
    weight = vt.zeros(x.shape[1], dtype=vt.float64, requires_grad=True)
    bias = vt.zeros((), dtype=vt.float64, requires_grad=True)
    losses = []

    def data_finite() -> bool:
        return bool(np.isfinite(x).all() and np.isfinite(y).all())

    progress = tqdm(range(epochs), desc=desc, unit="epoch", mininterval=0.5, disable=quiet)
    for epoch in progress:
        loss = loss_fn(inputs @ weight + bias, target)
        value = loss.item()
        cli.check_finite(value, "loss", f"epoch {epoch + 1}", f"--lr than {lr:g}", data_finite)
        weight.grad = bias.grad = None
        loss.backward()
        with vt.no_grad():  # the update is not part of the graph, as in torch
            weight -= lr * weight.grad
            bias -= lr * bias.grad
        worst = float(np.max(np.abs(np.append(weight.array, bias.array))))
        cli.check_finite(worst, "largest weight", f"epoch {epoch + 1}", f"--lr than {lr:g}")
        losses.append(value)
        if epoch % 100 == 0:
            progress.set_postfix(loss=f"{losses[-1]:.4g}", refresh=False)
    progress.close()
    return Fit(weight.detach().numpy().copy(), float(bias), losses, loss)


def regression_metrics(truth: np.ndarray, prediction: np.ndarray) -> dict[str, float]:
    error = prediction - truth
    return {
        "mse": float(np.mean(error**2)),
        "mae": float(np.mean(np.abs(error))),
        "r2": float(1 - np.sum(error**2) / np.sum((truth - truth.mean()) ** 2)),
    }


def income_task(p: Problem, lr: float, epochs: int, quiet: bool) -> tuple[dict, Fit, Any]:
    """Linear regression of standardised income; its weights checked against least squares."""
    y = p.data.frame["income_usd"].to_numpy(np.float64)
    mean, std = y[p.train].mean(), y[p.train].std() or 1.0
    y_train = (y[p.train] - mean) / std
    result = fit(p.x_train, y_train, mse, lr, epochs, "linear regression", quiet)
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
    floor = float(np.mean((design @ least_squares - y_train) ** 2))
    figure = plot_income(result.losses, floor, y[p.test], predict(ours, p.x_test), p.data.source)
    return metrics, result, figure


def gender_task(p: Problem, lr: float, epochs: int, quiet: bool) -> tuple[dict, Fit, Any]:
    """Logistic regression of male (1) against female (0); accuracy beside the majority rate."""
    male = (p.data.frame["gender"] == "male").to_numpy(np.float64)
    result = fit(
        p.x_train, male[p.train], bce_with_logits, lr, epochs, "logistic regression", quiet
    )

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
    figure = plot_gender(result, p.x_test, male[p.test], p.data.source)
    return metrics, result, figure


def print_weights(names: tuple[str, ...], ours: np.ndarray, least_squares: np.ndarray) -> None:
    print("weights in USD (income change across the feature's training range):")
    print(f"  {'':10} {'gradient descent':>17} {'least squares':>14} {'gap':>10}")
    for name, mine, theirs in zip(names, ours, least_squares, strict=True):
        print(f"  {name:10} {mine:17.2f} {theirs:14.2f} {abs(mine - theirs):10.3g}")


def plot_income(
    losses: list[float], floor: float, truth: np.ndarray, prediction: np.ndarray, source: str
) -> Any:
    plt = cli.pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(np.arange(1, len(losses) + 1), losses, label="gradient descent")
    left.axhline(floor, color="k", ls="--", lw=1, label=f"least squares: {floor:.4f}")
    left.set(xlabel="epoch", ylabel="MSE of standardised income", yscale="log")
    left.set(title="training loss (log scale)")
    left.grid(alpha=0.3)
    left.legend()
    right.scatter(truth, prediction, s=14)
    low, high = min(truth.min(), prediction.min()), max(truth.max(), prediction.max())
    right.plot([low, high], [low, high], "k--", linewidth=1, label="prediction = income")
    right.set(xlabel="income (USD)", ylabel="predicted income (USD)", title="held-out rows")
    right.legend()
    figure.suptitle(f"linear regression of income, {source} data")
    figure.tight_layout()
    return figure


def plot_gender(result: Fit, x: np.ndarray, male: np.ndarray, source: str) -> Any:
    plt = cli.pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(np.arange(1, len(result.losses) + 1), result.losses)
    left.axhline(np.log(2), color="0.5", ls=":", lw=1, label="ln 2: the loss at zero weights")
    left.set(xlabel="epoch", ylabel="binary cross-entropy", title="training loss")
    left.grid(alpha=0.3)
    left.legend()
    for value, label in [(0, "female"), (1, "male")]:
        right.scatter(x[male == value, 0], x[male == value, 1], s=14, label=label)
    (w0, w1), b = result.weight, result.bias
    if w1 != 0:  # the boundary w0 h + w1 w + b = 0
        right.plot([0, 1], [-b / w1, -(w0 + b) / w1], "k--", linewidth=1, label="boundary")
    right.set(xlim=(-0.05, 1.05), ylim=(-0.05, 1.05), title="held-out rows")
    right.set(xlabel="height (scaled)", ylabel="weight (scaled)")
    right.legend()
    figure.suptitle(f"logistic regression of gender, {source} data")
    figure.tight_layout()
    return figure


def run(args: Any) -> dict:
    """Preflight, load, split, scale, train; then write metrics JSON, loss CSV, plot PNG."""
    from .data import load_gender

    lr = DEFAULT_LR[args.task] if args.lr is None else args.lr
    with cli.Run() as outputs:
        out = outputs.folder(args.out, "--out")
        if args.graph:
            outputs.file(args.graph, "--graph")
        data = load_gender(args.data, seed=args.seed, timeout=args.timeout)
        print(f"data: {data.source} ({data.origin}), {len(data.frame)} rows")
        problem = prepare(data, args.task, args.test_fraction, args.seed)
        if len(problem.train) < MIN_TRAIN_ROWS or len(problem.test) < MIN_TEST_ROWS:
            raise cli.usage_error(
                f"--test-fraction {args.test_fraction} splits {len(data.frame)} rows into "
                f"{len(problem.train)} for training and {len(problem.test)} for testing; at "
                f"least {MIN_TRAIN_ROWS} and {MIN_TEST_ROWS} are needed"
            )
        task = income_task if args.task == "income" else gender_task
        metrics, result, figure = task(problem, lr, args.epochs, args.quiet)
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
        outputs.figure(out / f"{args.task}.png", figure, dpi=100)
        outputs.json(out / f"{args.task}_metrics.json", results)
        outputs.csv(out / f"{args.task}_loss.csv", ["epoch", "loss"], enumerate(result.losses))
        if args.graph:
            from .graph import draw, to_dot

            try:
                to_dot(result.last_loss)  # a graph too large to draw fails here, not half-way
            except ValueError as error:
                raise cli.ScriptError(f"--graph: {error}") from None
            outputs.action(args.graph, lambda path: draw(result.last_loss, path))
        written = outputs.commit()
    print("wrote " + ", ".join(str(path) for path in written))
    return results


def parse_args(argv: list[str] | None = None) -> Any:
    parser = cli.parser("train", "python -m v2_tensor.train", __doc__)
    parser.add_argument("--task", choices=sorted(FEATURES), default="income", help="what to learn")
    parser.add_argument(
        "--data",
        type=cli.existing_file,
        help="a local CSV in gender.csv's format (default: Kaggle, else a synthetic table)",
    )
    parser.add_argument(
        "--timeout", type=cli.positive_float, default=5.0, help="seconds to wait for Kaggle"
    )
    parser.add_argument("--epochs", type=cli.positive_int, default=3000, help="full-batch steps")
    parser.add_argument(
        "--lr", type=cli.positive_float, help="learning rate (default: 0.2 income, 1.0 gender)"
    )
    parser.add_argument(
        "--test-fraction", type=cli.probability, default=0.25, help="share of rows held out"
    )
    parser.add_argument("--seed", type=cli.seed, default=0, help="data split and synthetic data")
    parser.add_argument(
        "--graph",
        type=cli.file_with_suffix(*GRAPH_SUFFIXES),
        help="also draw the final loss's graph to this .svg/.png/.pdf/.dot file (default: none)",
    )
    parser.add_argument("--out", type=Path, default=Path("output/v2"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser.parse_args(argv)


@cli.script("train")
def main(argv: list[str] | None = None) -> dict:
    return run(parse_args(argv))


if __name__ == "__main__":
    main()
