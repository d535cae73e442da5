"""Train a small convolutional network on handwritten digits with Adam.

    uv run python -m v3_nn.train_cnn                    # MNIST if reachable, else 8x8 digits
    uv run python -m v3_nn.train_cnn --source digits    # straight to the offline digits

The network is, per entry of --channels (default 16 32), Conv2d(3x3, padding 1) -> ReLU ->
MaxPool2d(2), then Flatten -> Linear(..., 10), trained on cross-entropy with Adam and a
cosine-annealed learning rate: on 28x28 MNIST
that is the benchmark network of benchmarks/bench_v3_cnn.py. The data are the same as
train_mlp's: MNIST through kagglehub, or (announced) the 1,797 8x8 UCI digits that ship with
scikit-learn, split 80/20.

Writes, per epoch, the train loss, test loss and test accuracy to output/cnn/metrics.json
(lists under `epoch`, `train_loss`, `test_loss`, `test_accuracy`) and metrics.csv, the curves
to curves.png, and the trained weights with their config to models/cnn.npz.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tqdm import tqdm

import v2_tensor as vt
import v3_nn as nn
from v3_nn.checkpoint import save
from v3_nn.data import DataLoader, TensorDataset
from v3_nn.datasets import load_digit_data
from v3_nn.optim import Adam
from v3_nn.optim.lr_scheduler import CosineAnnealingLR
from v3_nn.train_mlp import (
    add_data_arguments,
    evaluate,
    plot_curves,
    source_kind,
    train_epoch,
    write_metrics,
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


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arguments(parser)
    parser.add_argument("--epochs", type=int, help="default: 2 on MNIST, 30 on the 8x8 digits")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam's learning rate")
    parser.add_argument(
        "--channels", type=int, nargs="+", default=[16, 32], help="channels per conv block"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("output/cnn"), help="metrics folder")
    parser.add_argument("--checkpoint", type=Path, default=Path("models/cnn.npz"))
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if min(1 if args.epochs is None else args.epochs, args.batch_size, *args.channels) < 1:
        parser.error("--epochs, --batch-size and --channels must be positive")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    vt.manual_seed(args.seed)
    data = load_digit_data(args.source, args.data_dir, timeout=args.timeout)
    epochs = args.epochs or (2 if data.side == 28 else 30)  # about a minute on a laptop CPU
    print(f"data: {data.source}, {len(data.train_labels)} train / {len(data.test_labels)} test")
    train_images, test_images = (
        data.train_images[:, None],
        data.test_images[:, None],
    )  # (N, 1, H, W)

    model = build_cnn(data.side, args.channels)
    print(model)
    optimizer = Adam(model.parameters(), lr=args.lr)
    schedule = CosineAnnealingLR(optimizer, T_max=epochs)  # settle at the end: steady accuracy
    loader = DataLoader(
        TensorDataset(train_images, data.train_labels),
        batch_size=args.batch_size,
        shuffle=True,
        seed=args.seed,
    )
    metrics: dict[str, list] = {"epoch": [], "train_loss": [], "test_loss": [], "test_accuracy": []}
    progress = tqdm(range(1, epochs + 1), desc="epochs", disable=args.quiet)
    for epoch in progress:
        train_loss = train_epoch(model, loader, optimizer)
        test_loss, accuracy = evaluate(model, test_images, data.test_labels)
        for key, value in zip(metrics, (epoch, train_loss, test_loss, accuracy), strict=True):
            metrics[key].append(value)
        schedule.step()
        progress.set_postfix(loss=f"{train_loss:.4f}", test_acc=f"{accuracy:.2%}")

    write_metrics(metrics, args.out)
    plot_curves(metrics, args.out / "curves.png", f"CNN on {data.source}")
    config = {
        "side": data.side,
        "channels": args.channels,
        "source": source_kind(data),
        "data": data.source,
        "epochs": epochs,
        "seed": args.seed,
        "test_accuracy": metrics["test_accuracy"][-1],
    }
    save(model.state_dict(), args.checkpoint, config=config)
    print(
        f"final: train loss {metrics['train_loss'][-1]:.4f}, "
        f"test loss {metrics['test_loss'][-1]:.4f}, "
        f"test accuracy {metrics['test_accuracy'][-1]:.2%}"
    )
    print(f"wrote {args.out}/metrics.json, metrics.csv, curves.png and {args.checkpoint}")
    return metrics


if __name__ == "__main__":
    main()
