"""Smoke test of `python -m v3_nn.train_transformer` with tiny settings."""

import json

from v3_nn import train_transformer


def test_train_transformer_learns_to_reverse(tmp_path):
    metrics = train_transformer.main(
        [
            "--steps", "80", "--seq-len", "5", "--d-model", "32", "--nhead", "2",
            "--layers", "1", "--dim-feedforward", "32", "--lr", "5e-3",
            "--eval-size", "200", "--out", str(tmp_path),
        ]
    )  # fmt: skip
    assert metrics["final_loss"] < 0.5 * metrics["first_loss"]
    assert metrics["token_accuracy"] > 0.5  # chance is 0.1
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics
    assert (tmp_path / "attention.png").stat().st_size > 1000
    assert (tmp_path / "history.csv").read_text().count("\n") == 81
