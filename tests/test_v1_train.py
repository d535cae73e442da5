"""v1_scalar.create_data and v1_scalar.train: fast runs of both tasks that must learn."""

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from v1_scalar import create_data, train


def test_create_data_writes_the_documented_linear_relation(tmp_path, capsys):
    path = create_data.main(["--out", str(tmp_path), "--rows", "50", "--noise", "0", "--seed", "3"])
    assert path == tmp_path / "regression.csv"
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["x1", "x2", "x3", "y"] and len(frame) == 50
    expected = (
        frame[["x1", "x2", "x3"]].to_numpy() @ create_data.TRUE_WEIGHTS + create_data.TRUE_BIAS
    )
    assert frame["y"].to_numpy() == pytest.approx(expected, abs=1e-8)
    assert (
        "y = x·w + b + noise with w1 = +2.00, w2 = -3.50, w3 = +1.50, b = +0.50, noise std 0.0"
        in capsys.readouterr().out
    )
    noisy = create_data.make_regression(rows=4000, noise=0.1, seed=1)
    x = np.column_stack([noisy["x1"], noisy["x2"], noisy["x3"]])
    residual = noisy["y"] - x @ create_data.TRUE_WEIGHTS
    assert residual.mean() == pytest.approx(create_data.TRUE_BIAS, abs=0.01)
    assert residual.std() == pytest.approx(0.1, rel=0.05)  # the documented noise std
    with pytest.raises(ValueError, match="rows must be >= 1, got 0"):
        create_data.make_regression(rows=0)
    with pytest.raises(SystemExit) as exit_info:
        create_data.main(["--out", str(tmp_path), "--noise", "-0.1"])
    assert exit_info.value.code == 2
    assert "argument --noise: must be a finite number >= 0, got '-0.1'" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_regression_creates_its_data_recovers_the_parameters_and_draws_a_graph(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)  # no --data: the default file, made here by create_data
    graph = tmp_path / "graph.svg"
    metrics = train.main(["--out", str(tmp_path), "--graph", str(graph), "--quiet"])
    data = tmp_path / create_data.DEFAULT_PATH
    assert data.exists() and f"Created {create_data.DEFAULT_PATH}" in capsys.readouterr().out
    frame = pd.read_csv(data)
    features = np.column_stack([frame[["x1", "x2", "x3"]].to_numpy(), np.ones(len(frame))])
    least_squares = np.linalg.lstsq(features, frame["y"].to_numpy(), rcond=None)[0]
    learned = [metrics["learned"][name] for name in ("w1", "w2", "w3", "b")]
    np.testing.assert_allclose(learned, least_squares, atol=1e-4)  # SGD found the minimum
    assert metrics["max_abs_gap_to_least_squares"] < 1e-4
    assert metrics["least_squares"]["w2"] == pytest.approx(least_squares[1])
    assert metrics["final_loss"] < 0.0101 and metrics["initial_loss"] > 10
    assert metrics["max_abs_error"] < 0.01  # the README's figure for the default data
    assert metrics["true"] == {"w1": 2.0, "w2": -3.5, "w3": 1.5, "b": 0.5}
    saved = json.loads((tmp_path / "regression_metrics.json").read_text())
    assert saved["learned"]["w2"] == pytest.approx(-3.5, abs=0.03)
    history = pd.read_csv(tmp_path / "regression_history.csv")
    assert len(history) == 60 and history["loss"].iloc[-1] < history["loss"].iloc[0]
    assert (tmp_path / "regression_loss.png").read_bytes().startswith(b"\x89PNG")
    svg = graph.read_text()
    assert ">w1<" in svg and ">b<" in svg and svg.count(">*<") == 3 and svg.count(">**2<") == 1
    assert not (tmp_path / "run.lock").exists()


def test_a_users_csv_is_compared_with_its_own_least_squares_fit(tmp_path, capsys):
    """A perfect linear fit of any columns: no 'true' weights, a gap near zero (not 4.5)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 2))
    y = 3.0 * x[:, 0] - 1.0 * x[:, 1] + 2.0
    path = tmp_path / "mine.csv"
    pd.DataFrame({"height": x[:, 0], "age": x[:, 1], "y": y}).to_csv(path, index=False)
    metrics = train.main(["--data", str(path), "--out", str(tmp_path / "o"), "--epochs", "200",
                          "--quiet"])  # fmt: skip
    out = capsys.readouterr().out
    assert "true" not in metrics and "max_abs_error" not in metrics and "true" not in out
    assert metrics["features"] == ["height", "age"]
    assert metrics["least_squares"] == pytest.approx({"w1": 3.0, "w2": -1.0, "b": 2.0})
    assert metrics["max_abs_gap_to_least_squares"] < 1e-3
    assert metrics["least_squares_mse"] < 1e-20 and metrics["final_loss"] < 1e-6
    assert "w1 height" in out and "largest gap to the least-squares fit" in out


def test_moons_reaches_full_training_accuracy(tmp_path):
    args = ["--task", "moons", "--samples", "20", "--epochs", "30", "--seed", "3", "--quiet"]
    metrics = train.main([*args, "--out", str(tmp_path)])
    assert metrics["final_loss"] < metrics["initial_loss"] / 5
    assert metrics["accuracy"] == 1.0
    history = pd.read_csv(tmp_path / "moons_history.csv")
    assert list(history.columns) == ["epoch", "loss", "accuracy", "lr"]
    assert history["lr"].iloc[-1] == pytest.approx(1.0 * (1 - 0.9 * 29 / 30))
    assert json.loads((tmp_path / "moons_metrics.json").read_text())["accuracy"] == 1.0
    assert (tmp_path / "moons_boundary.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "moons_loss.png").read_bytes().startswith(b"\x89PNG")


def test_the_numpy_boundary_is_the_networks_own_score():
    import random

    from v1_scalar.engine import Value
    from v1_scalar.nn import MLP

    random.seed(0)
    model = MLP(2, [4, 4, 1])
    points = [[0.3, -1.2], [2.0, 0.5], [-0.7, 0.1]]
    expected = [model([Value(a), Value(b)]).data for a, b in points]
    np.testing.assert_allclose(train.mlp_scores(model, points), expected, rtol=1e-12)


def test_a_diverging_run_stops_with_a_message_and_writes_nothing(tmp_path, capsys):
    data = create_data.write_regression(tmp_path / "reg.csv", rows=10)
    out = tmp_path / "out"
    args = ["--data", str(data), "--lr", "100", "--epochs", "1000", "--out", str(out), "--quiet"]
    with pytest.raises(SystemExit) as exit_info:
        train.main(args)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert re.search(r"the (loss|parameter \S+) is (inf|nan) at epoch \d+", err)
    assert (
        "the data are finite, so the learning rate is too large: try a smaller --lr than 100" in err
    )
    assert not out.exists()
