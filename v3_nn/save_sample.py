"""Write a test digit as a PNG, to look at or to feed back to `v3_nn.predict --image-path`.

    uv run python -m v3_nn.save_sample --index 3     # -> output/mnist/sample_3.png

The digit comes from the data set the checkpoint was trained on (else --source), as
white ink on black, one PNG pixel per image pixel unless --scale enlarges it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from v3_nn.checkpoint import load_config
from v3_nn.datasets import SOURCES
from v3_nn.predict import test_digit
from v3_nn.train_mlp import CHECKPOINT


def main(argv: list[str] | None = None) -> Path:
    from PIL import Image

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=int, required=True, help="which test digit")
    parser.add_argument("--output", type=Path, help="default: output/mnist/sample_INDEX.png")
    parser.add_argument("--scale", type=int, default=1, help="enlarge each pixel to scale x scale")
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT, help="decides the data set")
    parser.add_argument("--source", choices=SOURCES, help="data set when there is no checkpoint")
    parser.add_argument("--data-dir", help="the MNIST IDX folder (default: the one trained on)")
    parser.add_argument("--seed", type=int, default=0, help="unused: the test split is fixed")
    args = parser.parse_args(argv)
    if args.scale < 1:
        parser.error(f"--scale must be at least 1, got {args.scale}")

    source, data_dir = args.source, args.data_dir
    if source is None and args.checkpoint.is_file():
        try:
            config = load_config(args.checkpoint) or {}
        except ValueError as error:
            raise SystemExit(f"save_sample: {error}") from None
        source = config.get("source")
        data_dir = data_dir or config.get("data_dir")
    image, label, name = test_digit(source or "auto", data_dir, args.index, "save_sample")

    pixels = np.round(image * 255).astype(np.uint8)
    pixels = np.kron(pixels, np.ones((args.scale, args.scale), np.uint8))
    path = args.output or Path(f"output/mnist/sample_{args.index}.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    print(f"wrote {path}: test digit {args.index} (label {label}) of {name}")
    return path


if __name__ == "__main__":
    main()
