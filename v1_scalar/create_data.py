"""Write the synthetic regression data set that `python -m v1_scalar.train` learns from.

    y = 2.0·x1 - 3.5·x2 + 1.5·x3 + 0.5 + noise,   x ~ N(0, 1),   noise ~ N(0, 0.1²)

A linear neuron trained on it converges to the least-squares fit, which misses the true
weights and bias by the noise's sampling error: a standard error of about
noise/sqrt(rows), 0.007 for the defaults, whose fit is off by at most 0.0096.

    uv run python -m v1_scalar.create_data [--rows 200] [--noise 0.1] [--seed 0]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

TRUE_WEIGHTS = (2.0, -3.5, 1.5)
TRUE_BIAS = 0.5
DEFAULT_PATH = Path("data/v1/regression.csv")


def make_regression(rows: int = 200, noise: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """Columns x1, x2, x3 (standard normal) and y = x·TRUE_WEIGHTS + TRUE_BIAS + noise."""
    if rows < 1:
        raise ValueError(f"make_regression: rows must be >= 1, got {rows}")
    if noise < 0:
        raise ValueError(f"make_regression: noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, len(TRUE_WEIGHTS)))
    y = x @ np.array(TRUE_WEIGHTS) + TRUE_BIAS + noise * rng.standard_normal(rows)
    columns = {f"x{i + 1}": x[:, i] for i in range(len(TRUE_WEIGHTS))}
    return pd.DataFrame({**columns, "y": y})


def write_regression(
    path: str | Path = DEFAULT_PATH, rows: int = 200, noise: float = 0.1, seed: int = 0
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    make_regression(rows, noise, seed).to_csv(path, index=False, float_format="%.10g")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write v1's synthetic regression CSV.")
    parser.add_argument("--out", default=str(DEFAULT_PATH), help=f"(default {DEFAULT_PATH})")
    parser.add_argument("--rows", type=int, default=200, help="number of rows (default 200)")
    parser.add_argument("--noise", type=float, default=0.1, help="noise std (default 0.1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.noise < 0:
        parser.error(f"--rows must be >= 1 and --noise >= 0, got {args.rows} and {args.noise}")
    path = write_regression(args.out, args.rows, args.noise, args.seed)
    weights = ", ".join(f"w{i + 1} = {w:+.2f}" for i, w in enumerate(TRUE_WEIGHTS))
    print(f"Wrote {args.rows} rows to {path}")
    print(f"  y = x·w + b + noise with {weights}, b = {TRUE_BIAS:+.2f}, noise std {args.noise}")


if __name__ == "__main__":
    main()
