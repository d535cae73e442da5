"""Forecast a monthly sales series one step ahead with an LSTM, against a naive baseline.

    uv run python -m v3_nn.train_lstm                      # the synthetic series
    uv run python -m v3_nn.train_lstm --csv sales.csv --column units

The synthetic series has 360 monthly points (30 years):

    y_t = 85 + 0.17 t + 12 sin(2π t / 12) + 4 sin(2π t / 6 + 1) + ε_t,   ε_t ~ N(0, 3²)

a linear trend, a yearly season with a half-year harmonic and Gaussian noise, so the
values run from about 70 to 160. The first 80% (288 points) train, the last 20% (72)
test, split in time order. A standard scaler is fitted on the training part only.
Each window of `--window` past points predicts the next one: an LSTM reads the
window and a Linear head maps its last hidden state to the prediction. The naive
baseline predicts that next month equals this month. Both errors are reported as
MSE in the series' own units.

Writes, under --out (default output/timeseries): metrics.json, predictions.csv and
forecast.png (the series, the split, both forecasts and the training loss).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

import v2_tensor as vt
import v3_nn as nn
from v3_nn import functional as F
from v3_nn.optim import Adam

TEST_FRACTION = 0.2
MIN_TRAIN_WINDOWS = 10


class SeriesError(ValueError):
    """The user's series cannot be used: missing column, non-numeric values, too short."""


def synthetic_sales(n: int = 360, seed: int = 0) -> np.ndarray:
    """Monthly sales: trend + yearly season + half-year harmonic + N(0, 3²) noise."""
    t = np.arange(n)
    noise = np.random.default_rng(seed).normal(0.0, 3.0, n)
    season = 12 * np.sin(2 * np.pi * t / 12) + 4 * np.sin(2 * np.pi * t / 6 + 1)
    return 85 + 0.17 * t + season + noise


def load_series(path: str, column: str) -> np.ndarray:
    """One numeric column of a CSV file, in file order; errors say what is wrong."""
    import pandas as pd

    if not os.path.isfile(path):
        raise SeriesError(f"--csv: no such file: {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise SeriesError(f"--csv: {path} is not a readable CSV file ({error})") from error
    if column not in frame.columns:
        raise SeriesError(f"--column: {column!r} is not a column of {path}; it has {list(frame)}")
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SeriesError(
            f"--column {column!r}: non-numeric value {frame[column].iloc[row]!r} at row {row}"
        )
    if values.isna().any():
        raise SeriesError(f"--column {column!r}: {int(values.isna().sum())} missing values")
    return values.to_numpy(dtype=np.float64)


def split(series: np.ndarray, window: int) -> int:
    """Number of training points (the first 80%), checking the series is long enough."""
    n_test = max(1, round(TEST_FRACTION * len(series)))
    n_train = len(series) - n_test
    needed = window + MIN_TRAIN_WINDOWS
    if n_train < needed:
        raise SeriesError(
            f"series of {len(series)} points is too short for --window {window}: its first "
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
) -> list[float]:
    """Adam on MSE over shuffled mini-batches of training windows; returns the epoch losses."""
    optimizer = Adam(model.parameters(), lr=lr)
    order_rng = np.random.default_rng(seed)
    losses = []
    progress = tqdm(range(epochs), desc="train", unit="epoch")
    for _ in progress:
        order = order_rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss = F.mse_loss(model(vt.tensor(x[batch])), vt.tensor(y[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(x))
        progress.set_postfix(loss=f"{losses[-1]:.4f}")
    return losses


def plot(
    path: Path,
    series: np.ndarray,
    n_train: int,
    targets: list[int],
    lstm: np.ndarray,
    naive: np.ndarray,
    losses: list[float],
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7), height_ratios=[3, 1.4])
    top.plot(series, color="0.6", lw=1, label="series")
    top.axvline(n_train - 0.5, color="k", ls="--", lw=1, label="train | test")
    top.plot(targets, naive, color="tab:orange", lw=1, label="naive (last value)")
    top.plot(targets, lstm, color="tab:blue", lw=1.5, label="LSTM")
    top.set(xlabel="month", ylabel="sales", title="One-step-ahead forecast on the test months")
    top.legend(loc="upper left")
    bottom.plot(np.arange(1, len(losses) + 1), losses)
    bottom.set(xlabel="epoch", ylabel="train MSE (scaled)", yscale="log")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run(args: argparse.Namespace) -> dict:
    if args.csv:
        series, source = load_series(args.csv, args.column), f"{args.csv}:{args.column}"
    else:
        series, source = synthetic_sales(seed=args.seed), "synthetic"
    n_train = split(series, args.window)
    mean, std = series[:n_train].mean(), series[:n_train].std()
    if std == 0:
        raise SeriesError("the training part of the series is constant: nothing to learn")
    print(f"{source}: {len(series)} points, train {n_train}, test {len(series) - n_train}")
    print(f"standard scaler fitted on the training part: mean {mean:.4f}, std {std:.4f}")
    scaled = (series - mean) / std

    vt.manual_seed(args.seed)
    model = Forecaster(args.hidden)
    x_train, y_train, _ = windows(scaled, args.window, range(args.window, n_train))
    started = time.perf_counter()
    losses = train(model, x_train, y_train, args.epochs, args.lr, args.batch_size, args.seed)
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
    metrics["ratio"] = metrics["lstm_mse"] / metrics["naive_mse"]

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    rows = ["month,true,lstm,naive"] + [
        f"{t},{a:.6f},{b:.6f},{c:.6f}"
        for t, a, b, c in zip(targets, truth, lstm, naive, strict=True)
    ]
    (out / "predictions.csv").write_text("\n".join(rows) + "\n")
    plot(out / "forecast.png", series, n_train, list(targets), lstm, naive, losses)
    print(
        f"test MSE: LSTM {metrics['lstm_mse']:.3f}, naive {metrics['naive_mse']:.3f} "
        f"(ratio {metrics['ratio']:.3f}); wrote {out}/metrics.json, predictions.csv, forecast.png"
    )
    return metrics


def parse_args(argv: list[str] | None = None) -> tuple[argparse.ArgumentParser, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", help="a CSV file with your own series (rows in time order)")
    parser.add_argument("--column", help="the numeric column of --csv to forecast")
    parser.add_argument("--window", type=int, default=30, help="past points per prediction")
    parser.add_argument("--hidden", type=int, default=32, help="LSTM hidden size")
    parser.add_argument("--epochs", type=int, default=60, help="passes over the windows")
    parser.add_argument("--lr", type=float, default=0.01, help="Adam learning rate")
    parser.add_argument("--batch-size", type=int, default=64, help="windows per Adam step")
    parser.add_argument(
        "--seed", type=int, default=0, help="synthetic noise, initial weights, batch order"
    )
    parser.add_argument("--out", default="output/timeseries", help="folder for the results")
    args = parser.parse_args(argv)
    if bool(args.csv) != bool(args.column):
        parser.error("--csv and --column go together")
    if args.window < 1 or args.hidden < 1 or args.epochs < 1 or args.batch_size < 1:
        parser.error("--window, --hidden, --epochs and --batch-size must be positive")
    return parser, args


def main(argv: list[str] | None = None) -> dict:
    parser, args = parse_args(argv)
    try:
        return run(args)
    except SeriesError as error:
        parser.error(str(error))


if __name__ == "__main__":
    main()
