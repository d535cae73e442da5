"""Smoke tests of train_mlp, predict, save_sample and train_xor with tiny settings."""

import json
import re

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
        for scale in ("1", "4", None):  # None: the visible default, 28 x 8 = 224 px
            out = tmp_path / f"scale_{scale}"
            argv = ["--index", str(index), "--checkpoint", str(checkpoint), "--out", str(out)]
            png = save_sample.main(argv + (["--scale", scale] if scale else []))
            assert png == out / f"sample_{index}.png"
            by_image = predict.main(["--image-path", str(png), "--checkpoint", str(checkpoint)])
            assert by_image.argmax() == by_index.argmax()
            np.testing.assert_allclose(by_image, by_index, atol=1e-2)  # 8-bit pixels
    from PIL import Image

    with Image.open(tmp_path / "scale_None" / "sample_0.png") as image:
        assert image.size == (224, 224)
    assert "224 px a side" in capsys.readouterr().out


def test_predict_errors_are_clear(trained, tmp_path, capsys):
    _, checkpoint, _ = trained
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"not an image at all")
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(checkpoint.read_bytes()[:100])
    other = tmp_path / "other.npz"
    nn.save({"0.weight": np.zeros((3, 3))}, other, config={"side": 8, "hidden": [4]})
    cases = [
        (predict, ["--index", "0", "--checkpoint", str(tmp_path / "none.npz")], 2,
         "predict: error: no checkpoint at .*python -m v3_nn.train_mlp"),
        (predict, ["--image-path", str(tmp_path / "none.png")], 2,
         "argument --image-path: no such file"),
        (predict, ["--image-path", str(garbage)], 1, "cannot read .*garbage.png as an image"),
        (predict, ["--index", "100000"], 2, "--index 100000 is out of range for 359 test digits"),
        (predict, ["--index", "0", "--checkpoint", str(truncated)], 1,
         "predict: error: .*truncated.npz is not a readable"),
        (predict, ["--index", "0", "--checkpoint", str(other)], 1,
         "other.npz does not hold the MLP.*Missing key"),
        (save_sample, ["--index", "0", "--checkpoint", str(truncated)], 1,
         "save_sample: error: .*truncated.npz is not a readable"),
        (save_sample, ["--index", "-400"], 2, "save_sample: error: --index -400 is out of range"),
    ]  # fmt: skip
    for script, argv, code, message in cases:
        if "--checkpoint" not in argv:
            argv = [*argv, "--checkpoint", str(checkpoint)]
        with pytest.raises(SystemExit) as exit_info:
            script.main([*argv, "--out", str(tmp_path / "o")] if script is save_sample else argv)
        err = capsys.readouterr().err.strip()
        assert exit_info.value.code == code, (argv, err)
        assert re.search(message, err) and len(err.splitlines()) == 1, (argv, err)
    assert not (tmp_path / "o").exists()


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
            "--data",
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
    png = save_sample.main(["--index", "2", "--out", str(tmp_path / "s"), *common])
    assert "(label 4) of MNIST" in capsys.readouterr().out
    np.testing.assert_allclose(predict.main(["--image-path", str(png), *common]), probs, atol=1e-2)


def test_train_mlp_reports_an_unreadable_data_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train_mlp.main(["--data", str(tmp_path), "--quiet", "--out", str(tmp_path / "o")])
    assert exit_info.value.code == 1
    assert "train_mlp: error: --data " in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_train_xor_fits_the_four_points(tmp_path, capsys):
    metrics = train_xor.main(["--epochs", "300", "--quiet", "--out", str(tmp_path)])
    assert metrics["loss"][-1] < 0.05 < metrics["loss"][0]
    np.testing.assert_array_equal(np.round(metrics["predictions"]), [0, 1, 1, 0])
    assert "1 xor 1 = 0" in capsys.readouterr().out
    assert json.loads((tmp_path / "metrics.json").read_text())["targets"] == [0, 1, 1, 0]
    assert (tmp_path / "history.csv").read_text().count("\n") == 301
    assert (tmp_path / "xor.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("script", [train_mlp, predict, save_sample, train_xor])
def test_scripts_have_help_and_a_seed(script, capsys):
    with pytest.raises(SystemExit) as exit_info:
        script.main(["--help"])
    assert exit_info.value.code == 0
    assert "--seed" in capsys.readouterr().out


# ---- predict on what people draw ----------------------------------------------------------


@pytest.fixture(scope="module")
def drawn(trained, tmp_path_factory):
    """Test digit 7 as save_sample writes it (light ink on black, 32x32) and its prediction."""
    from PIL import Image

    _, checkpoint, _ = trained
    folder = tmp_path_factory.mktemp("drawn")
    save_sample.main(["--index", "7", "--scale", "4", "--checkpoint", str(checkpoint),
                      "--out", str(folder)])  # fmt: skip
    with Image.open(folder / "sample_7.png") as image:
        ink = np.asarray(image, dtype=np.uint8)
    reference = predict.main(["--image-path", str(folder / "sample_7.png"),
                              "--checkpoint", str(checkpoint)])  # fmt: skip
    return checkpoint, folder, ink, reference


def predict_png(checkpoint, path, *flags):
    return predict.main(["--image-path", str(path), "--checkpoint", str(checkpoint), *flags])


def test_dark_ink_on_paper_is_inverted_and_says_so(drawn, capsys):
    from PIL import Image

    checkpoint, folder, ink, reference = drawn
    capsys.readouterr()
    Image.fromarray(255 - ink).save(folder / "paper.png")
    np.testing.assert_allclose(predict_png(checkpoint, folder / "paper.png"), reference, atol=1e-6)
    assert "dark ink on a light page, inverted" in capsys.readouterr().err
    predict_png(checkpoint, folder / "paper.png", "--invert", "no")
    assert "warning: the image looks like dark ink on a light page" in capsys.readouterr().err
    inverted = predict_png(checkpoint, folder / "sample_7.png", "--invert", "yes")
    assert not np.allclose(inverted, reference, atol=1e-3)


def test_a_transparent_background_is_filled_with_the_page_colour(drawn, capsys):
    from PIL import Image

    checkpoint, folder, ink, reference = drawn
    rgba = np.zeros(ink.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = ink  # black strokes, as opaque as the digit is bright; the rest transparent
    Image.fromarray(rgba, mode="RGBA").save(folder / "strokes.png")
    capsys.readouterr()
    np.testing.assert_allclose(
        predict_png(checkpoint, folder / "strokes.png"), reference, atol=1e-2
    )
    err = capsys.readouterr().err
    assert "transparent pixels filled with the page colour (white)" in err and "inverted" in err
    rgba[..., :3] = 255  # white strokes on transparent: the page is black
    Image.fromarray(rgba, mode="RGBA").save(folder / "white_strokes.png")
    got = predict_png(checkpoint, folder / "white_strokes.png")
    np.testing.assert_allclose(got, reference, atol=1e-2)


def test_a_non_square_image_is_padded_not_stretched(drawn):
    from PIL import Image

    checkpoint, folder, ink, _ = drawn
    wide = np.zeros((32, 48), dtype=np.uint8)
    wide[:, 8:40] = ink
    Image.fromarray(wide).save(folder / "wide.png")
    square = np.zeros((48, 48), dtype=np.uint8)
    square[8:40, 8:40] = ink  # what padding to a square, centred, must give
    Image.fromarray(square).save(folder / "square.png")
    np.testing.assert_allclose(
        predict_png(checkpoint, folder / "wide.png"),
        predict_png(checkpoint, folder / "square.png"),
        atol=1e-6,
    )


@pytest.mark.parametrize(
    ("name", "pixels", "message"),
    [
        ("white", np.full((20, 20), 255, np.uint8), "is blank: every pixel is grey level 255"),
        ("grey", np.full((5, 9), 128, np.uint8), "is blank: every pixel is grey level 128"),
        ("clear", np.zeros((8, 8, 4), np.uint8), "is fully transparent: there is nothing"),
    ],
)
def test_blank_images_are_refused(drawn, capsys, name, pixels, message):
    from PIL import Image

    checkpoint, folder, _, _ = drawn
    Image.fromarray(pixels).save(folder / f"{name}.png")
    with pytest.raises(SystemExit) as exit_info:
        predict_png(checkpoint, folder / f"{name}.png")
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and message in err and len(err.splitlines()) == 1


def test_the_confidence_line_says_when_the_model_is_unsure(drawn, capsys):
    checkpoint, folder, _, reference = drawn
    capsys.readouterr()
    predict_png(checkpoint, folder / "sample_7.png")
    assert "\nconfidence: " in capsys.readouterr().out
    unsure = np.array([0.05, 0.4, 0.35, 0.2, 0, 0, 0, 0, 0, 0])
    assert predict.confidence(unsure).startswith(
        "confidence: low: the model is unsure, 1 (0.40) or 2"
    )
    assert predict.confidence(np.eye(10)[3] * 0.95 + 0.005).startswith("confidence: high (0.95)")
    assert "moderate (0.70; next is" in predict.confidence(np.array([0.7, 0.3, *[0] * 8]))
