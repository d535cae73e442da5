"""v2_tensor.train: both tasks learn; regression lands on least squares; outputs are written."""

import csv
import json
import re

import numpy as np
import pytest

from v2_tensor import tensor
from v2_tensor.data import COLUMNS, synthetic_gender
from v2_tensor.train import bce_with_logits, main, min_max_scaler, parse_args, split

pytestmark = pytest.mark.usefixtures("offline")  # no Kaggle (tests/conftest.py)


def test_income_regression_reaches_least_squares(tmp_path, capsys):
    out = tmp_path / "out"
    results = main(["--epochs", "1000", "--lr", "0.4", "--out", str(out), "--seed", "1", "--quiet"])
    assert results["data"]["source"] == "synthetic"
    assert "Falling back to a synthetic table" in capsys.readouterr().err
    assert results["max_gap_to_least_squares"] < 1e-6
    assert results["loss"]["last"] < 0.2 * results["loss"]["first"]
    assert results["test"]["r2"] > 0.8
    assert results["test"]["r2"] == pytest.approx(results["test_least_squares"]["r2"], abs=1e-6)
    assert results["test"]["mae"] < 8000
    assert results["split"] == {"train": 98, "test": 33, "seed": 1}

    saved = json.loads((out / "income_metrics.json").read_text())
    assert saved["test"] == results["test"]
    with open(out / "income_loss.csv") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["epoch", "loss"] and len(rows) == 1001
    assert float(rows[-1][1]) == pytest.approx(results["loss"]["last"])
    assert (out / "income.png").read_bytes().startswith(b"\x89PNG")


def test_gender_classification_beats_the_majority(tmp_path):
    out = tmp_path / "out"
    results = main(["--task", "gender", "--epochs", "500", "--out", str(out), "--quiet"])
    assert results["loss"]["last"] < 0.7 * results["loss"]["first"]
    assert results["test"]["accuracy"] >= 0.7
    assert results["train"]["accuracy"] > results["majority_class_rate"] + 0.15
    assert json.loads((out / "gender_metrics.json").read_text())["lr"] == 1.0
    assert (out / "gender.png").read_bytes().startswith(b"\x89PNG")


def test_local_data_and_graph(tmp_path):
    frame = synthetic_gender(rows=60, seed=7)
    lines = [", ".join(COLUMNS) + ","]
    lines += [", ".join(f"{v:g}" if isinstance(v, float) else v for v in row) + "," for row in
              frame.itertuples(index=False)]  # fmt: skip
    path = tmp_path / "gender.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    graph = tmp_path / "loss.dot"
    results = main(["--data", str(path), "--epochs", "50", "--out", str(tmp_path / "o"),
                    "--graph", str(graph)])  # fmt: skip
    assert results["data"] == {"source": "local", "origin": str(path), "rows": 60}
    assert "MatMul" in graph.read_text()


def test_bad_data_file_stops_with_its_message(tmp_path, capsys):
    path = tmp_path / "broken.csv"
    path.write_text("Gender, Age\r\n male, 30\r\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["--data", str(path), "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 1
    assert re.search(r"^train: error: .*broken\.csv: missing column", capsys.readouterr().err)
    with pytest.raises(SystemExit) as exit_info:
        main(["--data", str(tmp_path / "absent.csv"), "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 2
    assert "argument --data: no such file: " in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_bce_with_logits_is_stable_and_right():
    logits = tensor(np.array([-1000.0, -3.0, 0.0, 2.5, 1000.0]))
    target = tensor(np.array([1.0, 0.0, 1.0, 1.0, 0.0]))
    z, t = logits.numpy(), target.numpy()
    expected = np.mean(np.logaddexp(0, z) - t * z)
    assert bce_with_logits(logits, target).item() == pytest.approx(expected, rel=1e-12)


def test_split_and_scaler_use_training_rows_only():
    train, test = split(10, 0.3, seed=0)
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(10))
    assert len(test) == 3
    x = np.array([[1.0, 5.0], [3.0, 5.0], [2.0, 5.0]])
    scale = min_max_scaler(x[:2])
    np.testing.assert_allclose(scale(x), [[0.0, 0.0], [1.0, 0.0], [0.5, 0.0]])


def test_cli_checks_its_arguments(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--help"])
    assert exit_info.value.code == 0
    assert "--graph" in capsys.readouterr().out
    bad_cases = (
        ["--epochs", "0"],
        ["--test-fraction", "1"],
        ["--task", "age"],
        ["--graph", "g.jpg"],
        ["--lr", "0"],
        ["--timeout", "nan"],
    )
    for bad in bad_cases:
        with pytest.raises(SystemExit) as exit_info:
            parse_args(bad)
        assert exit_info.value.code == 2
