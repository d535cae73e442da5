"""Write the synthetic regression data set that `python -m v1_scalar.train` learns from.

    y = 2.0·x1 - 3.5·x2 + 1.5·x3 + 0.5 + noise,   x ~ N(0, 1),   noise ~ N(0, 0.1²)

A linear neuron trained on it converges to the least-squares fit, which misses the true
weights and bias by the noise's sampling error: a standard error of about
noise/sqrt(rows), 0.007 for the defaults, whose fit is off by at most 0.0096.

    uv run python -m v1_scalar.create_data [--rows 200] [--noise 0.1] [--seed 0] [--out data/v1]

Writes regression.csv (columns x1, x2, x3, y) into --out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from v1_scalar import cli

TRUE_WEIGHTS = (2.0, -3.5, 1.5)
TRUE_BIAS = 0.5
FILENAME = "regression.csv"
DEFAULT_FOLDER = Path("data/v1")
DEFAULT_PATH = DEFAULT_FOLDER / FILENAME


def make_regression(rows: int = 200, noise: float = 0.1, seed: int = 0) -> dict[str, Any]:
    """Columns x1, x2, x3 (standard normal) and y = x·TRUE_WEIGHTS + TRUE_BIAS + noise."""
    import numpy as np

    if rows < 1:
        raise ValueError(f"make_regression: rows must be >= 1, got {rows}")
    if noise < 0:
        raise ValueError(f"make_regression: noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, len(TRUE_WEIGHTS)))
    y = x @ np.array(TRUE_WEIGHTS) + TRUE_BIAS + noise * rng.standard_normal(rows)
    columns = {f"x{i + 1}": x[:, i] for i in range(len(TRUE_WEIGHTS))}
    return {**columns, "y": y}


def regression_csv(rows: int = 200, noise: float = 0.1, seed: int = 0) -> str:
    columns = make_regression(rows, noise, seed)
    lines = zip(*([f"{v:.10g}" for v in column] for column in columns.values()), strict=True)
    return cli.csv_text(list(columns), lines)


def write_regression(
    path: str | Path = DEFAULT_PATH, rows: int = 200, noise: float = 0.1, seed: int = 0
) -> Path:
    """Write the CSV to path (atomically: a reader never sees half a file)."""
    path = Path(path)
    with cli.Run() as run:
        run.folder(path.parent, "--out", lock=False)  # one file, written atomically
        run.text(path, regression_csv(rows, noise, seed))
        run.commit()
    return path


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("create_data", "python -m v1_scalar.create_data", __doc__)
    parser.add_argument("--rows", type=cli.positive_int, default=200, help="number of rows")
    parser.add_argument("--noise", type=cli.nonnegative_float, default=0.1, help="noise std")
    parser.add_argument("--seed", type=cli.seed, default=0, help="random seed")
    parser.add_argument("--out", type=Path, default=DEFAULT_FOLDER, help=f"folder for {FILENAME}")
    return parser.parse_args(argv)


@cli.script("create_data")
def main(argv: list[str] | None = None) -> Path:
    args = parse_args(argv)
    path = write_regression(args.out / FILENAME, args.rows, args.noise, args.seed)
    weights = ", ".join(f"w{i + 1} = {w:+.2f}" for i, w in enumerate(TRUE_WEIGHTS))
    print(f"Wrote {args.rows} rows to {path}")
    print(f"  y = x·w + b + noise with {weights}, b = {TRUE_BIAS:+.2f}, noise std {args.noise}")
    return path


if __name__ == "__main__":
    main()
