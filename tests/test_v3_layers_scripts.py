"""Smoke tests of train_mlp, predict, save_sample and train_xor with tiny settings."""

import json

import numpy as np
import pytest

import v3_nn as nn
from v3_nn import predict, save_sample, train_mlp, train_xor


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A checkpoint from 3 epochs on the offline 8x8 digits, and its metrics."""
    folder = tmp_path_factory.mktemp("mnist")
    checkpoint = folder / "mlp.npz"
    argv = ["--source", "digits", "--epochs", "3", "--quiet", "--out", str(folder)]
    metrics = train_mlp.main([*argv, "--checkpoint", str(checkpoint)])
    return folder, checkpoint, metrics


def test_train_mlp_learns_and_writes_metrics_plot_and_checkpoint(trained):
    folder, checkpoint, metrics = trained
    assert metrics["epoch"] == [1, 2, 3]
    assert metrics["train_loss"][-1] < 0.5 * metrics["train_loss"][0]
    assert metrics["test_loss"][-1] < metrics["test_loss"][0]
    assert metrics["test_accuracy"][-1] > 0.85  # chance is 0.10
    assert json.loads((folder / "metrics.json").read_text()) == metrics
    rows = (folder / "metrics.csv").read_text().splitlines()
    assert rows[0] == "epoch,train_loss,test_loss,test_accuracy" and len(rows) == 4
    assert (folder / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert checkpoint.is_file()


def test_predict_by_index_prints_the_distribution(trained, capsys):
    _, checkpoint, _ = trained
    probs = predict.main(["--index", "5", "--checkpoint", str(checkpoint)])
    assert probs.shape == (10,) and abs(probs.sum() - 1) < 1e-5
    out = capsys.readouterr().out
    assert f"predicted digit: {probs.argmax()}" in out and "true label:" in out
    assert out.count("\n  ") == 10


def test_save_sample_then_predict_image_gives_the_same_answer(trained, tmp_path, capsys):
    _, checkpoint, _ = trained
    for index in (0, 7, 42):
        by_index = predict.main(["--index", str(index), "--checkpoint", str(checkpoint)])
        for scale in (1, 4):
            png = tmp_path / f"digit_{index}_{scale}.png"
            save_sample.main(
                [
                    "--index",
                    str(index),
                    "--checkpoint",
                    str(checkpoint),
                    "--output",
                    str(png),
                    "--scale",
                    str(scale),
                ]
            )
            by_image = predict.main(["--image-path", str(png), "--checkpoint", str(checkpoint)])
            assert by_image.argmax() == by_index.argmax()
            np.testing.assert_allclose(by_image, by_index, atol=1e-2)  # 8-bit pixels


def test_predict_errors_are_clear(trained, tmp_path):
    _, checkpoint, _ = trained
    with pytest.raises(SystemExit, match="no checkpoint at .*python -m v3_nn.train_mlp"):
        predict.main(["--index", "0", "--checkpoint", str(tmp_path / "none.npz")])
    with pytest.raises(SystemExit, match="no image file at"):
        predict.main(["--image-path", str(tmp_path / "none.png"), "--checkpoint", str(checkpoint)])
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"not an image at all")
    with pytest.raises(SystemExit, match="cannot read .*garbage.png as an image"):
        predict.main(["--image-path", str(garbage), "--checkpoint", str(checkpoint)])
    with pytest.raises(SystemExit, match="--index 100000 is out of range for 359 test digits"):
        predict.main(["--index", "100000", "--checkpoint", str(checkpoint)])
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(checkpoint.read_bytes()[:100])
    with pytest.raises(SystemExit, match="predict: .*truncated.npz is not a readable"):
        predict.main(["--index", "0", "--checkpoint", str(truncated)])
    other = tmp_path / "other.npz"
    nn.save({"0.weight": np.zeros((3, 3))}, other, config={"side": 8, "hidden": [4]})
    with pytest.raises(SystemExit, match=r"(?s)other.npz does not hold the MLP.*Missing key"):
        predict.main(["--index", "0", "--checkpoint", str(other)])
    with pytest.raises(SystemExit, match="save_sample: .*truncated.npz is not a readable"):
        save_sample.main(["--index", "0", "--checkpoint", str(truncated)])
    with pytest.raises(SystemExit, match="save_sample: --index -400 is out of range"):
        save_sample.main(["--index", "-400", "--checkpoint", str(checkpoint)])


def idx_file(path, magic: int, array: np.ndarray) -> None:
    sizes = b"".join(n.to_bytes(4, "big") for n in array.shape)
    path.write_bytes(magic.to_bytes(4, "big") + sizes + array.astype(np.uint8).tobytes())


def test_a_model_trained_on_a_local_mnist_folder_finds_it_again(tmp_path, capsys):
    # The folder is recorded in the checkpoint, so predict and save_sample never go to Kaggle.
    rng = np.random.default_rng(0)
    for prefix, n in [("train", 8), ("t10k", 3)]:
        idx_file(tmp_path / f"{prefix}-images-idx3-ubyte", 0x803, rng.integers(0, 256, (n, 28, 28)))
        idx_file(
            tmp_path / f"{prefix}-labels-idx1-ubyte", 0x801, np.array([7, 1, 4, 0, 2, 5, 9, 3][:n])
        )
    checkpoint = tmp_path / "mlp.npz"
    common = ["--checkpoint", str(checkpoint)]
    train_mlp.main(
        [
            "--data-dir",
            str(tmp_path),
            "--epochs",
            "1",
            "--hidden",
            "8",
            "--quiet",
            "--out",
            str(tmp_path / "out"),
            *common,
        ]
    )
    probs = predict.main(["--index", "2", *common])
    assert probs.shape == (10,) and "true label: 4" in capsys.readouterr().out
    png = save_sample.main(["--index", "2", "--output", str(tmp_path / "s.png"), *common])
    assert "(label 4) of MNIST" in capsys.readouterr().out
    np.testing.assert_allclose(predict.main(["--image-path", str(png), *common]), probs, atol=1e-2)


def test_train_mlp_reports_an_unreadable_data_folder(tmp_path):
    with pytest.raises(SystemExit, match="train_mlp: no train-images idx3 file under"):
        train_mlp.main(["--data-dir", str(tmp_path), "--quiet", "--out", str(tmp_path)])


def test_train_xor_fits_the_four_points(tmp_path, capsys):
    metrics = train_xor.main(["--steps", "300", "--quiet", "--out", str(tmp_path)])
    assert metrics["loss"][-1] < 0.05 < metrics["loss"][0]
    np.testing.assert_array_equal(np.round(metrics["predictions"]), [0, 1, 1, 0])
    assert "1 xor 1 = 0" in capsys.readouterr().out
    assert json.loads((tmp_path / "metrics.json").read_text())["targets"] == [0, 1, 1, 0]


@pytest.mark.parametrize(
    ("script", "argv", "message"),
    [
        (train_mlp, ["--epochs", "0"], "--epochs must be at least 1, got 0"),
        (train_mlp, ["--batch-size", "-2"], "--batch-size must be at least 1, got -2"),
        (train_mlp, ["--hidden", "16", "0"], "--hidden must be at least 1, got 0"),
        (train_xor, ["--steps", "0"], "--steps must be at least 1, got 0"),
        (save_sample, ["--index", "0", "--scale", "0"], "--scale must be at least 1, got 0"),
    ],
)
def test_scripts_refuse_counts_below_one(script, argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        script.main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize("script", [train_mlp, predict, save_sample, train_xor])
def test_scripts_have_help_and_a_seed(script, capsys):
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--help"])
    assert exit_info.value.code == 0
    assert "--seed" in capsys.readouterr().out
