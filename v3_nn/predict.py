"""Classify one digit with the MLP that `v3_nn.train_mlp` saved.

    uv run python -m v3_nn.predict --index 3              # test digit 3 of the training data set
    uv run python -m v3_nn.predict --image-path digit.png  # any image, e.g. from save_sample

Prints the predicted digit, its probability and the whole distribution. An image is
read as greyscale, resized to the model's side (8 or 28 pixels) and scaled to [0, 1]
with white ink on black, as in the training data (--invert for dark ink on paper).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
from v2_tensor.kaggle import DatasetUnavailable
from v3_nn.checkpoint import load, load_config
from v3_nn.datasets import load_digit_data
from v3_nn.train_mlp import CHECKPOINT, build_mlp


def load_model(path: Path) -> tuple[Any, dict[str, Any]]:
    """The trained MLP (in eval mode) and its config; a clear error if there is none."""
    if not path.is_file():
        raise SystemExit(
            f"predict: no checkpoint at {path}; create it with `uv run python -m v3_nn.train_mlp`"
        )
    try:
        config = load_config(path)
        state = load(path)
    except ValueError as error:
        raise SystemExit(f"predict: {error}") from None
    if config is None or "side" not in config or "hidden" not in config:
        raise SystemExit(f"predict: {path} has no MLP config; was it written by v3_nn.train_mlp?")
    model = build_mlp(config["side"], config["hidden"])
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        message = f"predict: {path} does not hold the MLP its config describes: {error}"
        raise SystemExit(message) from None
    return model.eval(), config


def read_image(path: Path, side: int, invert: bool) -> np.ndarray:
    """A (side, side) float array in [0, 1] from any image file pillow can read."""
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise SystemExit(f"predict: no image file at {path}")
    try:
        with Image.open(path) as image:
            grey = image.convert("L")
            if grey.size != (side, side):
                grey = grey.resize((side, side), Image.Resampling.BOX)
            pixels = np.asarray(grey, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError) as error:
        raise SystemExit(f"predict: cannot read {path} as an image: {error}") from None
    return 1.0 - pixels if invert else pixels


def test_digit(
    source: str, data_dir: str | None, index: int, script: str = "predict"
) -> tuple[np.ndarray, int, str]:
    """Test image `index`, its label and the data set's name; `script` prefixes errors."""
    try:
        data = load_digit_data(source, data_dir)
    except (DatasetUnavailable, FileNotFoundError, ValueError) as error:
        raise SystemExit(f"{script}: {error} (pass --data-dir DIR for local MNIST files)") from None
    count = len(data.test_labels)
    if not -count <= index < count:
        raise SystemExit(f"{script}: --index {index} is out of range for {count} test digits")
    return data.test_images[index], int(data.test_labels[index]), data.source


@vt.no_grad()
def probabilities(model: Any, image: np.ndarray) -> np.ndarray:
    return model(vt.tensor(image[None].astype(np.float32))).softmax(dim=1).array[0]


def report(probs: np.ndarray, label: int | None = None) -> str:
    digit = int(probs.argmax())
    lines = [f"predicted digit: {digit} (probability {probs[digit]:.4f})"]
    if label is not None:
        lines.append(f"true label: {label}")
    lines += [f"  {d}: {p:.4f} {'#' * round(40 * p)}" for d, p in enumerate(probs)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> np.ndarray:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--index", type=int, help="a test digit of the training data set")
    which.add_argument("--image-path", type=Path, help="an image file (PNG, JPEG, ...)")
    parser.add_argument("--invert", action="store_true", help="for dark ink on a light background")
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    parser.add_argument("--data-dir", help="the MNIST IDX folder (default: the one trained on)")
    parser.add_argument("--seed", type=int, default=0, help="unused: inference is deterministic")
    args = parser.parse_args(argv)

    model, config = load_model(args.checkpoint)
    label = None
    if args.index is not None:
        data_dir = args.data_dir or config.get("data_dir")
        image, label, _ = test_digit(config["source"], data_dir, args.index)
    else:
        image = read_image(args.image_path, config["side"], args.invert)
    probs = probabilities(model, image)
    print(report(probs, label))
    return probs


if __name__ == "__main__":
    main()
