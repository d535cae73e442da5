"""Train a small convolutional network on handwritten digits with Adam.

    uv run python -m v3_nn.train_cnn                    # MNIST if reachable, else 8x8 digits
    uv run python -m v3_nn.train_cnn --source digits    # straight to the offline digits

The network is, per entry of --channels (default 16 32), Conv2d(3x3, padding 1) -> ReLU ->
MaxPool2d(2), then Flatten -> Linear(..., 10), trained on cross-entropy with Adam and a
cosine-annealed learning rate: on 28x28 MNIST that is the benchmark network of
benchmarks/bench_v3_cnn.py. The data are the same as train_mlp's: MNIST through kagglehub
(or --data DIR), or (announced) the 1,797 8x8 UCI digits that ship with scikit-learn,
split 80/20.

Writes, at the end of the run, the per-epoch train loss, test loss and test accuracy to
--out (default output/cnn): metrics.json (lists under `epoch`, `train_loss`, `test_loss`,
`test_accuracy`), metrics.csv and curves.png, and the trained weights with their config
to --checkpoint (default models/cnn.safetensors). Training stops at the first NaN or inf and then
writes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import v2_tensor as vt
import v3_nn as nn
from v3_nn import cli
from v3_nn.train_mlp import (
    METRICS,
    add_data_arguments,
    check_data_arguments,
    fit,
    load_data,
    plot_curves,
    run_id,
    source_kind,
)

CLASSES = 10


def build_cnn(side: int, channels: list[int]) -> nn.Sequential:
    """Conv(3x3, same size) + ReLU + MaxPool(2) per width, then a Linear to the class logits."""
    layers: list[nn.Module] = []
    width = 1
    for out_channels in channels:
        layers += [nn.Conv2d(width, out_channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        width, side = out_channels, side // 2
    if side < 1:
        raise ValueError(f"build_cnn: {len(channels)} poolings shrink the image to nothing")
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(width * side * side, CLASSES))


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("train_cnn", "python -m v3_nn.train_cnn", __doc__)
    add_data_arguments(parser)
    parser.add_argument(
        "--epochs", type=cli.positive_int, help="default: 2 on MNIST, 30 on the 8x8 digits"
    )
    parser.add_argument("--batch-size", type=cli.positive_int, default=32, help="batch size")
    parser.add_argument("--lr", type=cli.positive_float, default=2e-3, help="Adam's learning rate")
    parser.add_argument(
        "--channels", type=cli.positive_int, nargs="+", default=[16, 32], help="channels per block"
    )
    parser.add_argument("--seed", type=cli.seed, default=0, help="initial weights, batch order")
    parser.add_argument("--out", type=Path, default=Path("output/cnn"), help="output folder")
    parser.add_argument(
        "--checkpoint",
        type=Path,
        default=Path("models/cnn.safetensors"),
        help="where the model goes",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return check_data_arguments(parser, parser.parse_args(argv))


@cli.script("train_cnn")
def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        checkpoint = run.file(args.checkpoint, "--checkpoint")
        data = load_data(args.source, args.data, args.timeout)
        if data.side >> len(args.channels) < 1:
            raise cli.usage_error(
                f"--channels: {len(args.channels)} blocks halve the {data.side}x{data.side} "
                f"images {len(args.channels)} times, to nothing; use at most "
                f"{data.side.bit_length() - 1} blocks"
            )
        epochs = args.epochs or (2 if data.side == 28 else 30)  # about a minute on a laptop CPU
        print(f"data: {data.source}, {len(data.train_labels)} train / {len(data.test_labels)} test")
        images = replace(  # (N, 1, H, W): one input channel
            data, train_images=data.train_images[:, None], test_images=data.test_images[:, None]
        )
        vt.manual_seed(args.seed)
        model = build_cnn(data.side, args.channels)
        print(model)
        metrics = fit(
            model, images, epochs, args.batch_size, args.lr, args.seed, args.quiet, cosine=True
        )
        config = {
            "side": data.side,
            "channels": args.channels,
            "source": source_kind(data),
            "data_dir": str(Path(args.data).resolve()) if args.data else None,
            "data": data.source,
            "epochs": epochs,
            "lr": args.lr,
            "seed": args.seed,
            "test_accuracy": metrics["test_accuracy"][-1],
            "run": run_id(),
        }
        run.json(out / "metrics.json", metrics)
        run.csv(out / "metrics.csv", list(METRICS), zip(*metrics.values(), strict=True))
        run.figure(out / "curves.png", plot_curves(metrics, f"CNN on {data.source}"))
        run.json(out / "run.json", {"checkpoint": checkpoint, **config})
        state = model.state_dict()
        run.action(checkpoint, lambda path: nn.save(state, path, config=config))
        written = run.commit()
    print(
        f"final: train loss {metrics['train_loss'][-1]:.4f}, "
        f"test loss {metrics['test_loss'][-1]:.4f}, "
        f"test accuracy {metrics['test_accuracy'][-1]:.2%}"
    )
    print("wrote " + ", ".join(str(path) for path in written))
    return metrics


if __name__ == "__main__":
    main()
