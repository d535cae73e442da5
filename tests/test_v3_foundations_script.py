"""Smoke test of `python -m v3_nn.optimizers` with few steps: files written, every loss fell."""

import csv
import json

from v3_nn import optimizers

START_LOSS = optimizers.rosenbrock(*optimizers.START)  # 12.5


def test_optimizers_script_writes_its_outputs_and_every_optimizer_descends(tmp_path, capsys):
    summary = optimizers.main(["--steps", "400", "--out", str(tmp_path), "--adam-lr", "0.05"])
    assert START_LOSS == 12.5
    assert list(summary) == ["SGD", "Momentum", "RMSprop", "Adagrad", "Adam"]
    for name, row in summary.items():
        assert row["loss"] < 0.4 * START_LOSS, name
        assert row["distance_to_minimum"] < 2.3, name  # started 2.69 away
    # With momentum or Adam's normalised steps the valley floor is reached within 400 steps.
    assert summary["Momentum"]["loss"] < 0.5 and summary["Adam"]["loss"] < 0.5

    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["steps"] == 400 and saved["optimizers"]["Adam"]["lr"] == 0.05
    with open(tmp_path / "trajectories.csv") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 5 * 401
    assert float(rows[0]["x"]) == -1.5 and float(rows[0]["loss"]) == START_LOSS
    for name in ("trajectories.png", "loss.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    table = capsys.readouterr().out
    assert "distance" in table and all(name in table for name in summary)
