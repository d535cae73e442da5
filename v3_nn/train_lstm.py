"""Forecast a monthly sales series one step ahead with an LSTM, against a naive baseline.

    uv run python -m v3_nn.train_lstm                       # the synthetic series
    uv run python -m v3_nn.train_lstm --data sales.csv --column units

The synthetic series has 360 monthly points (30 years):

    y_t = 85 + 0.17 t + 12 sin(2π t / 12) + 4 sin(2π t / 6 + 1) + ε_t,   ε_t ~ N(0, 3²)

a linear trend, a yearly season with a half-year harmonic and Gaussian noise, so the
values run from about 70 to 160. The first 80% (288 points) train, the last 20% (72)
test, split in time order. A standard scaler is fitted on the training part only.
Each window of `--window` past points predicts the next one: an LSTM reads the
window and a Linear head maps its last hidden state to the prediction. The naive
baseline predicts that next month equals this month. Both errors are reported as
MSE in the series' own units.

Writes into --out (default output/timeseries), at the end of the run: metrics.json,
predictions.csv and forecast.png (the series, the split, both forecasts and the training
loss). Training stops, writing nothing, at the first NaN or inf.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
import v3_nn as nn
from v3_nn import cli
from v3_nn import functional as F

TEST_FRACTION = 0.2
MIN_TRAIN_WINDOWS = 10


def synthetic_sales(n: int = 360, seed: int = 0) -> np.ndarray:
    """Monthly sales: trend + yearly season + half-year harmonic + N(0, 3²) noise."""
    t = np.arange(n)
    noise = np.random.default_rng(seed).normal(0.0, 3.0, n)
    season = 12 * np.sin(2 * np.pi * t / 12) + 4 * np.sin(2 * np.pi * t / 6 + 1)
    return 85 + 0.17 * t + season + noise


def load_series(path: Path, column: str) -> np.ndarray:
    """One numeric column of a CSV file, in file order; errors name the file, line, column."""
    header, rows = cli.read_csv(path)
    if column not in header:
        raise cli.usage_error(f"--column {column!r} is not a column of {path}; it has {header}")
    index = header.index(column)
    return np.array([cli.to_number(fields[index], path, line, column) for line, fields in rows])


def split(series: np.ndarray, window: int) -> int:
    """Number of training points (the first 80%), checking the series is long enough."""
    n_test = max(1, round(TEST_FRACTION * len(series)))
    n_train = len(series) - n_test
    needed = window + MIN_TRAIN_WINDOWS
    if n_train < needed:
        raise cli.usage_error(
            f"--window {window} is too long for a series of {len(series)} points: its first "
            f"80% must hold at least {needed} points (window + {MIN_TRAIN_WINDOWS} targets)"
        )
    return n_train


def windows(
    scaled: np.ndarray, window: int, targets: range
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The `window` points before each target, measured from the last of them.

    Returns inputs (N, window, 1), the step from the last point to the target (N, 1)
    and the last points (N, 1). Taking the level out of every window lets the network
    learn the seasonal shape once, although the trend moves the test months above
    every level it saw in training.
    """
    x = np.stack([scaled[t - window : t] for t in targets])
    last = x[:, -1:]
    steps = scaled[list(targets)][:, None] - last
    return (x - last)[..., None].astype(np.float32), steps.astype(np.float32), last


class Forecaster(nn.Module):
    """LSTM over the window, Linear head on the last hidden state."""

    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x: vt.Tensor) -> vt.Tensor:
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])


def train(
    model: nn.Module,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    quiet: bool = False,
) -> list[float]:
    """Adam on MSE over shuffled mini-batches of training windows; returns the epoch losses.

    Stops with a ScriptError at the first loss or parameter that is NaN or inf.
    """
    from tqdm import tqdm

    from v3_nn.optim import Adam

    optimizer = Adam(model.parameters(), lr=lr)
    order_rng = np.random.default_rng(seed)
    losses = []
    progress = tqdm(range(epochs), desc="train", unit="epoch", disable=quiet)
    for epoch in progress:
        order = order_rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss = F.mse_loss(model(vt.tensor(x[batch])), vt.tensor(y[batch]))
            value = loss.item()
            cli.check_finite(value, "loss", f"epoch {epoch + 1}", f"--lr than {lr:g}")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += value * len(batch)
        for name, parameter in model.named_parameters():
            if not np.isfinite(parameter.array).all():
                cli.check_finite(
                    np.nan, f"parameter {name}", f"epoch {epoch + 1}", f"--lr than {lr:g}"
                )
        losses.append(total / len(x))
        progress.set_postfix(loss=f"{losses[-1]:.4f}")
    progress.close()
    return losses


def plot(
    series: np.ndarray,
    n_train: int,
    targets: list[int],
    lstm: np.ndarray,
    naive: np.ndarray,
    losses: list[float],
) -> Any:
    plt = cli.pyplot()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), height_ratios=[3, 1.4])
    top.plot(series, color="0.6", lw=1, label="series")
    top.axvline(n_train - 0.5, color="k", ls="--", lw=1, label="train | test")
    top.plot(targets, naive, color="tab:orange", lw=1, label="naive (last value)")
    top.plot(targets, lstm, color="tab:blue", lw=1.5, label="LSTM")
    top.set(xlabel="month", ylabel="sales", title="One-step-ahead forecast on the test months")
    top.legend(loc="upper left")
    bottom.plot(np.arange(1, len(losses) + 1), losses)
    bottom.set(xlabel="epoch", ylabel="train MSE (scaled)", yscale="log", title="training loss")
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def run(args: Any) -> dict:
    with cli.Run() as outputs:
        out = outputs.folder(args.out, "--out")
        if args.data:
            series, source = load_series(args.data, args.column), f"{args.data}:{args.column}"
        else:
            series, source = synthetic_sales(seed=args.seed), "synthetic"
        n_train = split(series, args.window)
        mean, std = series[:n_train].mean(), series[:n_train].std()
        if std == 0:
            raise cli.ScriptError(f"{source}: the training part of the series is constant")
        print(f"{source}: {len(series)} points, train {n_train}, test {len(series) - n_train}")
        print(f"standard scaler fitted on the training part: mean {mean:.4f}, std {std:.4f}")
        scaled = (series - mean) / std

        vt.manual_seed(args.seed)
        model = Forecaster(args.hidden)
        x_train, y_train, _ = windows(scaled, args.window, range(args.window, n_train))
        started = time.perf_counter()
        losses = train(
            model, x_train, y_train, args.epochs, args.lr, args.batch_size, args.seed, args.quiet
        )
        seconds = time.perf_counter() - started

        targets = range(n_train, len(series))
        x_test, _, last = windows(scaled, args.window, targets)
        model.eval()
        with vt.no_grad():
            step = model(vt.tensor(x_test)).numpy().astype(np.float64)
        lstm = (last + step)[:, 0] * std + mean
        truth = series[n_train:]
        naive = series[n_train - 1 : -1]
        metrics = {
            "lstm_mse": float(np.mean((lstm - truth) ** 2)),
            "naive_mse": float(np.mean((naive - truth) ** 2)),
            "source": source,
            "n_train": n_train,
            "n_test": len(truth),
            "scaler_mean": float(mean),
            "scaler_std": float(std),
            "window": args.window,
            "hidden": args.hidden,
            "epochs": args.epochs,
            "lr": args.lr,
            "seed": args.seed,
            "first_epoch_loss": losses[0],
            "final_epoch_loss": losses[-1],
            "train_seconds": round(seconds, 2),
        }
        cli.check_finite(metrics["lstm_mse"], "test MSE", "the end", f"--lr than {args.lr:g}")
        metrics["ratio"] = (
            metrics["lstm_mse"] / metrics["naive_mse"] if metrics["naive_mse"] else None
        )
        outputs.json(out / "metrics.json", metrics)
        outputs.csv(
            out / "predictions.csv",
            ["month", "true", "lstm", "naive"],
            (
                [t, f"{a:.6f}", f"{b:.6f}", f"{c:.6f}"]
                for t, a, b, c in zip(targets, truth, lstm, naive, strict=True)
            ),
        )
        outputs.figure(
            out / "forecast.png", plot(series, n_train, list(targets), lstm, naive, losses)
        )
        written = outputs.commit()
    ratio = "n/a" if metrics["ratio"] is None else f"{metrics['ratio']:.3f}"
    print(
        f"test MSE: LSTM {metrics['lstm_mse']:.3f}, naive {metrics['naive_mse']:.3f} "
        f"(ratio {ratio}); wrote " + ", ".join(str(path) for path in written)
    )
    return metrics


def parse_args(argv: list[str] | None = None) -> Any:
    parser = cli.parser("train_lstm", "python -m v3_nn.train_lstm", __doc__)
    parser.add_argument(
        "--data",
        type=cli.existing_file,
        help="a CSV file with your own series, rows in time order (default: the synthetic one)",
    )
    parser.add_argument("--column", help="the numeric column of --data to forecast (default: none)")
    parser.add_argument(
        "--window", type=cli.positive_int, default=30, help="past points per prediction"
    )
    parser.add_argument("--hidden", type=cli.positive_int, default=32, help="LSTM hidden size")
    parser.add_argument(
        "--epochs", type=cli.positive_int, default=60, help="passes over the windows"
    )
    parser.add_argument("--lr", type=cli.positive_float, default=0.01, help="Adam's learning rate")
    parser.add_argument(
        "--batch-size", type=cli.positive_int, default=64, help="windows per Adam step"
    )
    parser.add_argument(
        "--seed", type=cli.seed, default=0, help="synthetic noise, initial weights, batch order"
    )
    parser.add_argument("--out", type=Path, default=Path("output/timeseries"), help="output folder")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if (args.data is None) != (args.column is None):
        parser.error("--data and --column go together")
    return args


@cli.script("train_lstm")
def main(argv: list[str] | None = None) -> dict:
    return run(parse_args(argv))


if __name__ == "__main__":
    main()
