"""Smoke test of v3_nn.train_cnn on the offline 8x8 digits with tiny settings."""

import json

import numpy as np
import pytest

from v3_nn.checkpoint import load, load_config
from v3_nn.train_cnn import build_cnn, main


def test_train_cnn_learns_the_digits(tmp_path, capsys):
    out, checkpoint = tmp_path / "cnn", tmp_path / "cnn.npz"
    argv = [
        "--source",
        "digits",
        "--epochs",
        "3",
        "--channels",
        "8",
        "16",
        "--lr",
        "0.01",
        "--quiet",
    ]
    metrics = main([*argv, "--out", str(out), "--checkpoint", str(checkpoint)])
    assert metrics["train_loss"][-1] < 0.5 * metrics["train_loss"][0]
    assert metrics["test_accuracy"][-1] > 0.9
    assert json.loads((out / "metrics.json").read_text()) == metrics
    assert (out / "metrics.csv").read_text().startswith("epoch,train_loss,test_loss,test_accuracy")
    assert (out / "curves.png").stat().st_size > 0
    assert "test accuracy" in capsys.readouterr().out
    config = load_config(checkpoint)
    assert config["channels"] == [8, 16] and config["test_accuracy"] == metrics["test_accuracy"][-1]
    model = build_cnn(config["side"], config["channels"])
    model.load_state_dict(load(checkpoint))
    assert np.isfinite(model[0].weight.array).all()


@pytest.mark.parametrize(
    "flag", [["--epochs", "0"], ["--batch-size", "-1"], ["--channels", "8", "0"]]
)
def test_non_positive_sizes_are_refused(flag, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--source", "digits", *flag])
    assert exit_info.value.code == 2
    assert f"argument {flag[0]}: must be at least 1" in capsys.readouterr().err
