"""train_lstm: a tiny run learns, writes its files; a user's CSV gets clear errors."""

import json

import numpy as np
import pytest

from v3_nn import train_lstm


def test_train_lstm_smoke(tmp_path):
    metrics = train_lstm.main(
        ["--epochs", "8", "--hidden", "8", "--window", "12", "--out", str(tmp_path), "--quiet"]
    )
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved == json.loads(json.dumps(metrics))
    assert {"lstm_mse", "naive_mse"} <= set(saved)
    assert saved["final_epoch_loss"] < 0.5 * saved["first_epoch_loss"]
    assert saved["n_train"] == 288 and saved["n_test"] == 72
    assert saved["lstm_mse"] < 0.8 * saved["naive_mse"]  # even 8 epochs beat the baseline
    rows = (tmp_path / "predictions.csv").read_text().splitlines()
    assert rows[0] == "month,true,lstm,naive" and len(rows) == 1 + 72
    # the CSV holds the test months in original units; both MSEs are computed from it
    month, true, lstm, naive = np.loadtxt(tmp_path / "predictions.csv", delimiter=",", skiprows=1).T
    series = train_lstm.synthetic_sales()
    np.testing.assert_array_equal(month, np.arange(288, 360))
    np.testing.assert_allclose(true, series[288:], atol=1e-6)
    np.testing.assert_allclose(naive, series[287:-1], atol=1e-6)  # last value before each month
    assert np.mean((lstm - true) ** 2) == pytest.approx(saved["lstm_mse"], rel=1e-6)
    assert np.mean((naive - true) ** 2) == pytest.approx(saved["naive_mse"], rel=1e-6)
    assert (tmp_path / "forecast.png").stat().st_size > 0


def test_synthetic_series_has_the_documented_shape():
    series = train_lstm.synthetic_sales()
    assert series.shape == (360,)
    assert 60 < series.min() < 80 and 150 < series.max() < 170


def test_scaler_is_fitted_on_the_training_part_only(tmp_path):
    metrics = train_lstm.main(["--epochs", "1", "--hidden", "4", "--out", str(tmp_path)])
    train_part = train_lstm.synthetic_sales()[:288]
    assert metrics["scaler_mean"] == pytest.approx(train_part.mean())
    assert metrics["scaler_std"] == pytest.approx(train_part.std())


def test_runs_on_a_user_csv(tmp_path):
    t = np.arange(80)
    values = 50 + 10 * np.sin(2 * np.pi * t / 12)
    path = tmp_path / "sales.csv"
    path.write_text("month,units\n" + "\n".join(f"{i},{v}" for i, v in zip(t, values, strict=True)))
    metrics = train_lstm.main(
        [
            "--data",
            str(path),
            "--column",
            "units",
            "--window",
            "6",
            "--epochs",
            "2",
            "--hidden",
            "4",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert metrics["n_train"] == 64 and metrics["n_test"] == 16
    assert metrics["source"].endswith("sales.csv:units")


@pytest.mark.parametrize(
    "content, column, code, message",
    [
        (None, "units", 2, "argument --data: no such file"),
        ("month,units\n1,3\n", "sales", 2, "--column 'sales' is not a column"),
        ("units\n" + "1\n" * 20 + "many\n" + "2\n" * 30, "units", 1,
         "line 22, column 'units': 'many' is not a number"),
        ("units\n" + "1\n" * 20 + "inf\n" + "2\n" * 30, "units", 1,
         "line 22, column 'units': 'inf' is not a finite number"),
        ("units\n" + "1\n" * 20 + "\n" + ",\n" + "2\n" * 30, "units", 1,
         "line 23, column 'units': '' is not a number"),
        ("units\n" + "1.5\n" * 40, "units", 2, "--window 30 is too long"),
        ("units\n", "units", 1, "has a header line but no data rows"),
        ("", "units", 1, "is empty"),
    ],
)  # fmt: skip
def test_user_csv_errors(tmp_path, capsys, content, column, code, message):
    path = tmp_path / "series.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(SystemExit) as exit_info:
        train_lstm.main(["--data", str(path), "--column", column, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert exit_info.value.code == code and message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "o").exists()
