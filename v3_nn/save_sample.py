"""Write a test digit as a PNG, to look at or to feed back to `v3_nn.predict --image-path`.

    uv run python -m v3_nn.save_sample --index 3     # -> output/mnist/sample_3.png

The digit comes from the data set the checkpoint was trained on (else --source), as
white ink on black. Each image pixel becomes a --scale x --scale block: by default about
224 pixels a side, big enough to see (predict shrinks it back exactly). Writes
sample_INDEX.png into --out (default output/mnist).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from v3_nn import cli
from v3_nn.predict import test_digit
from v3_nn.train_mlp import CHECKPOINT, add_data_arguments

VISIBLE = 224  # pixels a side by default
MAX_SIDE = 4096  # pixels a side at most (a 4096x4096 grey PNG is 16 MiB in memory)


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("save_sample", "python -m v3_nn.save_sample", __doc__)
    parser.add_argument(
        "--index", type=int, required=True, help="which test digit (required: no default)"
    )
    parser.add_argument("--out", type=Path, default=Path("output/mnist"), help="output folder")
    parser.add_argument(
        "--scale",
        type=cli.positive_int,
        help=f"enlarge each pixel to scale x scale (default: about {VISIBLE} pixels a side: "
        f"28 for the 8x8 digits, 8 for MNIST)",
    )
    parser.add_argument(
        "--checkpoint", type=Path, default=CHECKPOINT, help="decides the data set, if it exists"
    )
    add_data_arguments(parser, for_checkpoint=True)
    parser.add_argument("--seed", type=cli.seed, default=0, help="unused: the test split is fixed")
    args = parser.parse_args(argv)
    if args.out.suffix and not args.out.is_dir():
        parser.error(
            f"--out {args.out} looks like a file name, but --out is the folder that "
            f"sample_{args.index}.png is written into"
        )
    return args


@cli.script("save_sample")
def main(argv: list[str] | None = None) -> Path:
    args = parse_args(argv)
    from PIL import Image

    source, data_dir = args.source, args.data
    if source is None and args.checkpoint.is_file():
        from v3_nn.checkpoint import load_config

        try:
            config = load_config(args.checkpoint) or {}
        except (ValueError, OSError) as error:
            raise cli.ScriptError(str(error)) from None
        source = config.get("source")
        data_dir = data_dir or config.get("data_dir")
    elif source is None:
        print(
            f"save_sample: no checkpoint at {args.checkpoint}: using --source auto", file=sys.stderr
        )
    with cli.Run() as run:
        out = run.folder(args.out, "--out", lock=False)  # one file, written atomically
        image, label, name = test_digit(source or "auto", data_dir, args.index, args.timeout)
        side = image.shape[0]
        scale = args.scale or max(1, round(VISIBLE / side))
        if side * scale > MAX_SIDE:
            raise cli.usage_error(
                f"--scale {scale} would make a {side * scale}x{side * scale} image; at most "
                f"{MAX_SIDE} pixels a side, so --scale {MAX_SIDE // side} or less for "
                f"{side}x{side} digits"
            )
        pixels = np.round(image * 255).astype(np.uint8)
        pixels = np.kron(pixels, np.ones((scale, scale), np.uint8))
        path = out / f"sample_{args.index}.png"
        png = io.BytesIO()
        Image.fromarray(pixels).save(png, format="PNG")
        run.data(path, png.getvalue())
        run.commit()
    print(
        f"wrote {path}: test digit {args.index} (label {label}) of {name}, {side * scale} px a side"
    )
    return path


if __name__ == "__main__":
    main()
