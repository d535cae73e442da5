"""Classify one digit with the MLP that `v3_nn.train_mlp` saved.

    uv run python -m v3_nn.predict --index 3              # test digit 3 of the training data set
    uv run python -m v3_nn.predict --image-path digit.png  # any image, e.g. from save_sample

Prints the predicted digit, its probability, how sure the model is, and the whole
distribution. An image is made to look like the training digits (light ink on a dark
page, square, scaled to [0, 1]) before it is shrunk to the model's side (8 or 28 pixels):
a transparent background is filled with the page colour, dark ink on light paper is
inverted (--invert auto; yes or no to decide yourself), a non-square picture is padded to
a square, and a blank or single-colour image is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
from v3_nn import cli
from v3_nn.train_mlp import CHECKPOINT, add_data_arguments, build_mlp, load_data

UNIFORM = 0.02  # a grey-level spread below this is a blank image (about 5 of 255 levels)
SURE, UNSURE = 0.9, 0.6  # top probability for "high" confidence; below UNSURE, "unsure"


def load_model(path: Path) -> tuple[Any, dict[str, Any]]:
    """The trained MLP (in eval mode) and its config; a clear error if there is none."""
    from v3_nn.checkpoint import load, load_config

    if path.is_dir():
        raise cli.usage_error(f"--checkpoint {path} is a folder, not a checkpoint file")
    if not path.is_file():
        raise cli.usage_error(
            f"no checkpoint at {path}; create it with `uv run python -m v3_nn.train_mlp`"
        )
    try:
        config = load_config(path)
        state = load(path)
    except (ValueError, OSError) as error:
        raise cli.ScriptError(str(error)) from None
    if config is None or "side" not in config or "hidden" not in config:
        raise cli.ScriptError(f"{path} has no MLP config; was it written by v3_nn.train_mlp?")
    broken = [name for name, array in state.items() if not np.isfinite(array).all()]
    if broken:
        raise cli.ScriptError(
            f"{path} holds NaN or inf weights ({', '.join(broken)}): the training run that "
            "wrote it diverged; train again with a smaller --lr"
        )
    model = build_mlp(config["side"], config["hidden"])
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise cli.ScriptError(
            f"{path} does not hold the MLP its config describes: {error}"
        ) from None
    return model.eval(), config


def read_image(path: Path, side: int, invert: str = "auto") -> tuple[np.ndarray, list[str]]:
    """A (side, side) float32 array in [0, 1], light ink on dark, and notes on what was done."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            rgba = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise cli.ScriptError(f"cannot read {path} as an image: {error}") from None
    grey = rgba[..., :3] @ np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma, as Pillow's "L"
    alpha = rgba[..., 3]
    notes = []
    if alpha.min() < 1.0:
        if alpha.max() == 0.0:
            raise cli.ScriptError(f"{path} is fully transparent: there is nothing to classify")
        ink = float(np.sum(grey * alpha) / np.sum(alpha))  # the drawn pixels' mean grey level
        page = 1.0 if ink < 0.5 else 0.0  # dark strokes were drawn on a light page, and back
        grey = alpha * grey + (1.0 - alpha) * page
        notes.append(
            f"transparent pixels filled with the page colour ({'white' if page else 'black'})"
        )
    spread = float(grey.max() - grey.min())
    if spread < UNIFORM:
        raise cli.ScriptError(
            f"{path} is blank: every pixel is grey level {round(float(grey.mean()) * 255)} of 255, "
            "so there is no digit to classify"
        )
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    light_page = float(np.median(border)) > 0.5
    if invert == "yes" or (invert == "auto" and light_page):
        grey = 1.0 - grey
        if invert == "auto":
            notes.append(
                "dark ink on a light page, inverted to light on dark as the model was trained"
            )
    elif light_page:  # --invert no
        notes.append(
            "warning: the image looks like dark ink on a light page, but the model was trained "
            "on light ink on dark; --invert auto would invert it"
        )
    height, width = grey.shape
    if height != width:
        size = max(height, width)
        page = float(np.median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])))
        square = np.full((size, size), page)
        top, left = (size - height) // 2, (size - width) // 2
        square[top : top + height, left : left + width] = grey
        grey = square
        notes.append(f"{width}x{height} padded to {size}x{size} with the page colour, centred")
    if grey.shape != (side, side):
        shrunk = Image.fromarray(grey.astype(np.float32), mode="F")
        grey = np.asarray(shrunk.resize((side, side), Image.Resampling.BOX), dtype=np.float64)
    if float(grey.max() - grey.min()) < UNIFORM:
        raise cli.ScriptError(
            f"{path}: shrunk to the model's {side}x{side} pixels the drawing is too faint to see"
        )
    return np.clip(grey, 0.0, 1.0).astype(np.float32), notes


def test_digit(
    source: str, data_dir: str | None, index: int, timeout: float = 5.0
) -> tuple[np.ndarray, int, str]:
    """Test image `index`, its label and the data set's name."""
    if data_dir is not None and not Path(data_dir).is_dir():
        raise cli.ScriptError(f"the MNIST folder {data_dir} is gone; pass --data DIR")
    data = load_data(source, data_dir, timeout)
    count = len(data.test_labels)
    if not -count <= index < count:
        raise cli.usage_error(f"--index {index} is out of range for {count} test digits")
    return data.test_images[index], int(data.test_labels[index]), data.source


@vt.no_grad()
def probabilities(model: Any, image: np.ndarray) -> np.ndarray:
    return model(vt.tensor(image[None].astype(np.float32))).softmax(dim=1).array[0]


def confidence(probs: np.ndarray) -> str:
    """One line that says how sure the model is, and when it is not, between which digits."""
    first, second = np.argsort(probs)[::-1][:2]
    top, runner_up = float(probs[first]), float(probs[second])
    if top >= SURE:
        return f"confidence: high ({top:.2f})"
    if top >= UNSURE:
        return f"confidence: moderate ({top:.2f}; next is {second} at {runner_up:.2f})"
    return (
        f"confidence: low: the model is unsure, {first} ({top:.2f}) or {second} "
        f"({runner_up:.2f}); an image unlike the training digits gets such answers"
    )


def report(probs: np.ndarray, label: int | None = None) -> str:
    digit = int(probs.argmax())
    lines = [f"predicted digit: {digit} (probability {probs[digit]:.4f})", confidence(probs)]
    if label is not None:
        lines.append(f"true label: {label}")
    lines += [f"  {d}: {p:.4f} {'#' * round(40 * p)}" for d, p in enumerate(probs)]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("predict", "python -m v3_nn.predict", __doc__)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--index", type=int, help="a test digit of the data set (no default: this or --image-path)"
    )
    which.add_argument(
        "--image-path",
        type=cli.existing_file,
        help="an image file: PNG, JPEG, ... (no default: this or --index)",
    )
    parser.add_argument(
        "--invert",
        choices=("auto", "yes", "no"),
        default="auto",
        help="invert the image's grey levels: auto does it for dark ink on a light page",
    )
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT, help="the trained MLP")
    add_data_arguments(parser, for_checkpoint=True)
    parser.add_argument(
        "--seed", type=cli.seed, default=0, help="unused: inference is deterministic"
    )
    return parser.parse_args(argv)


@cli.script("predict")
def main(argv: list[str] | None = None) -> np.ndarray:
    import sys

    args = parse_args(argv)
    model, config = load_model(args.checkpoint)
    label = None
    if args.index is not None:
        data_dir = args.data or config.get("data_dir")
        image, label, _ = test_digit(
            args.source or config["source"], data_dir, args.index, args.timeout
        )
    else:
        image, notes = read_image(args.image_path, config["side"], args.invert)
        for note in notes:
            print(f"predict: {note}", file=sys.stderr)
    probs = probabilities(model, image)
    print(report(probs, label), flush=True)
    return probs


if __name__ == "__main__":
    main()
