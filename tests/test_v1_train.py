"""v1_scalar.create_data and v1_scalar.train: fast runs of both tasks that must learn."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from v1_scalar import create_data, train


def test_create_data_writes_the_documented_linear_relation(tmp_path, capsys):
    path = tmp_path / "reg.csv"
    create_data.main(["--out", str(path), "--rows", "50", "--noise", "0", "--seed", "3"])
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
    residual = noisy["y"] - noisy[["x1", "x2", "x3"]].to_numpy() @ create_data.TRUE_WEIGHTS
    assert residual.mean() == pytest.approx(create_data.TRUE_BIAS, abs=0.01)
    assert residual.std() == pytest.approx(0.1, rel=0.05)  # the documented noise std
    with pytest.raises(ValueError, match="rows must be >= 1, got 0"):
        create_data.make_regression(rows=0)
    with pytest.raises(SystemExit):
        create_data.main(["--out", str(path), "--noise", "-0.1"])
    assert "--noise >= 0, got 200 and -0.1" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_regression_creates_its_data_recovers_the_parameters_and_draws_a_graph(tmp_path):
    data, graph = tmp_path / "data" / "reg.csv", tmp_path / "graph.svg"
    metrics = train.main(["--data", str(data), "--out-dir", str(tmp_path), "--graph", str(graph)])
    assert data.exists()
    frame = pd.read_csv(data)
    features = np.column_stack([frame[["x1", "x2", "x3"]].to_numpy(), np.ones(len(frame))])
    least_squares = np.linalg.lstsq(features, frame["y"].to_numpy(), rcond=None)[0]
    learned = [metrics["learned"][name] for name in ("w1", "w2", "w3", "b")]
    np.testing.assert_allclose(learned, least_squares, atol=1e-4)  # SGD found the minimum
    assert metrics["final_loss"] < 0.0101 and metrics["initial_loss"] > 10
    assert metrics["max_abs_error"] < 0.01  # the README's figure for the default data
    saved = json.loads((tmp_path / "regression_metrics.json").read_text())
    assert saved["learned"]["w2"] == pytest.approx(-3.5, abs=0.03)
    history = pd.read_csv(tmp_path / "regression_history.csv")
    assert len(history) == 60 and history["loss"].iloc[-1] < history["loss"].iloc[0]
    assert (tmp_path / "regression_loss.png").read_bytes().startswith(b"\x89PNG")
    svg = graph.read_text()
    assert ">w1<" in svg and ">b<" in svg and svg.count(">*<") == 3 and svg.count(">**2<") == 1


def test_moons_reaches_full_training_accuracy(tmp_path):
    args = ["--task", "moons", "--samples", "20", "--epochs", "30", "--seed", "3"]
    metrics = train.main([*args, "--out-dir", str(tmp_path)])
    assert metrics["final_loss"] < metrics["initial_loss"] / 5
    assert metrics["accuracy"] == 1.0
    history = pd.read_csv(tmp_path / "moons_history.csv")
    assert list(history.columns) == ["epoch", "loss", "accuracy", "lr"]
    assert history["lr"].iloc[-1] == pytest.approx(1.0 * (1 - 0.9 * 29 / 30))
    assert json.loads((tmp_path / "moons_metrics.json").read_text())["accuracy"] == 1.0
    assert (tmp_path / "moons_boundary.png").exists()


def test_a_csv_without_create_datas_columns_is_refused_before_training(tmp_path):
    path = tmp_path / "other.csv"
    pd.DataFrame({"a": [1.0, 2.0], "y": [0.0, 1.0]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"columns \['x1', 'x2', 'x3', 'y'\] .* got \['a', 'y'\]"):
        train.main(["--data", str(path), "--out-dir", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()


def test_a_diverging_run_stops_with_a_message(tmp_path):
    data = create_data.write_regression(tmp_path / "reg.csv", rows=10)
    args = ["--data", str(data), "--lr", "100", "--epochs", "1000", "--out-dir", str(tmp_path)]
    with pytest.raises(SystemExit, match=r"loss overflowed in epoch \d+: .* --lr below 100.0"):
        train.main(args)
    assert not (tmp_path / "regression_history.csv").exists()


def test_bad_arguments_exit_with_a_message_before_any_work(tmp_path, capsys):
    with pytest.raises(SystemExit):
        train.main(["--epochs", "0"])
    assert "--epochs must be >= 1" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # not after a whole training run
        train.main(["--graph", str(tmp_path / "graph.jpg"), "--out-dir", str(tmp_path / "out")])
    assert "--graph: save_graph: path must end in .svg, .png or .pdf" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
