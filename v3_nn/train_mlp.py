"""Train an MLP classifier on handwritten digits with Adam.

    uv run python -m v3_nn.train_mlp                    # MNIST if reachable, else 8x8 digits
    uv run python -m v3_nn.train_mlp --source digits    # straight to the offline digits

The network is Flatten -> Linear(side², 256) -> ReLU -> Linear(256, 128) -> ReLU ->
Linear(128, 10), trained on cross-entropy. MNIST (28x28) comes through kagglehub; when
Kaggle cannot be reached the script says so and uses the 1,797 8x8 UCI digits that ship
with scikit-learn (80% train, 20% test). Pixels are in [0, 1].

Writes, per epoch, the train loss, test loss and test accuracy to
output/mnist/metrics.json (lists under `epoch`, `train_loss`, `test_loss`,
`test_accuracy`) and metrics.csv, the curves to curves.png, and the trained weights with
their config to models/mnist_mlp.npz (read by `v3_nn.predict`).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

import v2_tensor as vt
import v3_nn as nn
from v2_tensor.kaggle import DatasetUnavailable
from v3_nn import functional as F
from v3_nn.checkpoint import save
from v3_nn.data import DataLoader, TensorDataset
from v3_nn.datasets import SOURCES, DigitData, load_digit_data
from v3_nn.optim import Adam

CHECKPOINT = Path("models/mnist_mlp.npz")
CLASSES = 10


def build_mlp(side: int, hidden: list[int]) -> nn.Sequential:
    """Flatten, then Linear + ReLU per hidden width, then a Linear to the 10 class logits."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = side * side
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, CLASSES))


@vt.no_grad()
def evaluate(
    model: nn.Module, images: np.ndarray, labels: np.ndarray, batch_size: int = 1000
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy over a data set, in eval mode."""
    model.eval()
    total_loss, correct = 0.0, 0
    for start in range(0, len(labels), batch_size):
        logits = model(vt.tensor(images[start : start + batch_size]))
        target = labels[start : start + batch_size]
        total_loss += F.cross_entropy(logits, target, reduction="sum").item()
        correct += int((logits.array.argmax(axis=1) == target).sum())
    model.train()
    return total_loss / len(labels), correct / len(labels)


def train_epoch(model: nn.Module, loader: DataLoader, optimizer: Adam) -> float:
    """One pass over the training data; returns the mean training loss."""
    total, count = 0.0, 0
    for images, labels in loader:
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels.array)
        count += len(labels.array)
    return total / count


def write_metrics(metrics: dict[str, list], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=2))
    with open(folder / "metrics.csv", "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(metrics)
        writer.writerows(zip(*metrics.values(), strict=True))


def plot_curves(metrics: dict[str, list], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(metrics["epoch"], metrics["train_loss"], label="train")
    left.plot(metrics["epoch"], metrics["test_loss"], label="test")
    left.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="loss")
    left.legend()
    right.plot(metrics["epoch"], np.array(metrics["test_accuracy"]) * 100)
    right.set(xlabel="epoch", ylabel="test accuracy (%)", title="accuracy")
    right.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def source_kind(data: DigitData) -> str:
    """'mnist' or 'digits': how predict and save_sample find the same test set again."""
    return "mnist" if data.side == 28 else "digits"


def add_data_arguments(parser: argparse.ArgumentParser) -> None:
    """The data options of the digit scripts (train_mlp, train_cnn)."""
    parser.add_argument(
        "--source", choices=SOURCES, default="auto", help="data set (default: auto)"
    )
    parser.add_argument("--data-dir", help="a folder holding the MNIST IDX files")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for Kaggle")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_data_arguments(parser)
    parser.add_argument("--epochs", type=int, help="default: 5 on MNIST, 40 on the 8x8 digits")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate")
    parser.add_argument("--hidden", type=int, nargs="+", default=[256, 128], help="hidden widths")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("output/mnist"), help="metrics folder")
    parser.add_argument("--checkpoint", type=Path, default=CHECKPOINT)
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    counts = {
        "--epochs": args.epochs,
        "--batch-size": args.batch_size,
        "--hidden": min(args.hidden),
    }
    for flag, value in counts.items():
        if value is not None and value < 1:
            parser.error(f"{flag} must be at least 1, got {value}")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    vt.manual_seed(args.seed)
    try:
        data = load_digit_data(args.source, args.data_dir, timeout=args.timeout)
    except (DatasetUnavailable, FileNotFoundError, ValueError) as error:
        raise SystemExit(f"train_mlp: {error}") from None
    epochs = args.epochs or (5 if data.side == 28 else 40)  # about a minute on a laptop CPU
    print(f"data: {data.source}, {len(data.train_labels)} train / {len(data.test_labels)} test")

    model = build_mlp(data.side, args.hidden)
    optimizer = Adam(model.parameters(), lr=args.lr)
    loader = DataLoader(
        TensorDataset(data.train_images, data.train_labels),
        batch_size=args.batch_size,
        shuffle=True,
        seed=args.seed,
    )
    metrics: dict[str, list] = {"epoch": [], "train_loss": [], "test_loss": [], "test_accuracy": []}
    progress = tqdm(range(1, epochs + 1), desc="epochs", disable=args.quiet)
    for epoch in progress:
        train_loss = train_epoch(model, loader, optimizer)
        test_loss, accuracy = evaluate(model, data.test_images, data.test_labels)
        for key, value in zip(metrics, (epoch, train_loss, test_loss, accuracy), strict=True):
            metrics[key].append(value)
        progress.set_postfix(loss=f"{train_loss:.4f}", test_acc=f"{accuracy:.2%}")

    write_metrics(metrics, args.out)
    plot_curves(metrics, args.out / "curves.png", f"MLP on {data.source}")
    config = {
        "side": data.side,
        "hidden": args.hidden,
        "source": source_kind(data),
        "data_dir": str(Path(args.data_dir).resolve()) if args.data_dir else None,
        "data": data.source,
        "epochs": epochs,
        "seed": args.seed,
        "test_accuracy": metrics["test_accuracy"][-1],
    }
    save(model.state_dict(), args.checkpoint, config=config)
    print(
        f"final: train loss {train_loss:.4f}, test loss {test_loss:.4f}, "
        f"test accuracy {accuracy:.2%}"
    )
    print(f"wrote {args.out}/metrics.json, metrics.csv, curves.png and {args.checkpoint}")
    return metrics


if __name__ == "__main__":
    main()
