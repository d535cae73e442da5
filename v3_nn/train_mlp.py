"""Train an MLP classifier on handwritten digits with Adam.

    uv run python -m v3_nn.train_mlp                    # MNIST if reachable, else 8x8 digits
    uv run python -m v3_nn.train_mlp --source digits    # straight to the offline digits
    uv run python -m v3_nn.train_mlp --data DIR         # the four MNIST IDX files in DIR

The network is Flatten -> Linear(side², 256) -> ReLU -> Linear(256, 128) -> ReLU ->
Linear(128, 10), trained on cross-entropy. MNIST (28x28) comes through kagglehub; when
Kaggle cannot be reached the script says so and uses the 1,797 8x8 UCI digits that ship
with scikit-learn (80% train, 20% test). Pixels are in [0, 1].

Writes, at the end of the run, the per-epoch train loss, test loss and test accuracy to
--out (default output/mnist): metrics.json (lists under `epoch`, `train_loss`,
`test_loss`, `test_accuracy`), metrics.csv and curves.png, and the trained weights with
their config to --checkpoint (default models/mnist_mlp.safetensors, read by `v3_nn.predict`).
Training stops at the first NaN or inf and then writes nothing, so a good checkpoint
is never replaced by a broken one.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
import v3_nn as nn
from v3_nn import cli
from v3_nn import functional as F

CHECKPOINT = Path("models/mnist_mlp.safetensors")
CLASSES = 10
METRICS = ("epoch", "train_loss", "test_loss", "test_accuracy")


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


def train_epoch(
    model: nn.Module, loader: Any, optimizer: Any, epoch: int = 1, lr_flag: str = "--lr"
) -> float:
    """One pass over the training data; the mean training loss. Stops at a NaN or inf."""
    total, count = 0.0, 0
    for step, (images, labels) in enumerate(loader, start=1):
        loss = F.cross_entropy(model(images), labels)
        value = loss.item()
        cli.check_finite(value, "training loss", f"epoch {epoch}, batch {step}", lr_flag)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += value * len(labels.array)
        count += len(labels.array)
    check_parameters(model, f"the end of epoch {epoch}", lr_flag)
    return total / count


def check_parameters(model: nn.Module, where: str, lr_flag: str) -> None:
    for name, parameter in model.named_parameters():
        if not np.isfinite(parameter.array).all():
            cli.check_finite(float("nan"), f"parameter {name}", where, lr_flag)


def fit(
    model: nn.Module,
    data: Any,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    quiet: bool,
    cosine: bool = False,
) -> dict[str, list]:
    """Adam (cosine-annealed if asked) over shuffled batches; per-epoch metrics lists."""
    from tqdm import tqdm

    from v3_nn.data import DataLoader, TensorDataset
    from v3_nn.optim import Adam
    from v3_nn.optim.lr_scheduler import CosineAnnealingLR

    optimizer = Adam(model.parameters(), lr=lr)
    schedule = CosineAnnealingLR(optimizer, T_max=epochs) if cosine else None
    loader = DataLoader(
        TensorDataset(data.train_images, data.train_labels),
        batch_size=batch_size,
        shuffle=True,
        seed=seed,
    )
    lr_flag = f"--lr than {lr:g}"
    metrics: dict[str, list] = {key: [] for key in METRICS}
    progress = tqdm(range(1, epochs + 1), desc="epochs", disable=quiet)
    for epoch in progress:
        train_loss = train_epoch(model, loader, optimizer, epoch, lr_flag)
        test_loss, accuracy = evaluate(model, data.test_images, data.test_labels)
        cli.check_finite(test_loss, "test loss", f"epoch {epoch}", lr_flag)
        for key, value in zip(METRICS, (epoch, train_loss, test_loss, accuracy), strict=True):
            metrics[key].append(value)
        if schedule is not None:
            schedule.step()
        progress.set_postfix(loss=f"{train_loss:.4f}", test_acc=f"{accuracy:.2%}")
    progress.close()
    return metrics


def plot_curves(metrics: dict[str, list], title: str) -> Any:
    plt = cli.pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(metrics["epoch"], metrics["train_loss"], label="train")
    left.plot(metrics["epoch"], metrics["test_loss"], label="test")
    left.set(xlabel="epoch", ylabel="cross-entropy", yscale="log", title="loss (log scale)")
    left.grid(alpha=0.3)
    left.legend()
    right.plot(metrics["epoch"], np.array(metrics["test_accuracy"]) * 100)
    right.set(xlabel="epoch", ylabel="test accuracy (%)", title="accuracy")
    right.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def source_kind(data: Any) -> str:
    """'mnist' or 'digits': how predict and save_sample find the same test set again."""
    return "mnist" if data.side == 28 else "digits"


def add_data_arguments(parser: Any, for_checkpoint: bool = False) -> None:
    """The data options of the digit scripts (train_mlp, train_cnn, predict, save_sample).

    for_checkpoint: the defaults are the data set the checkpoint was trained on.
    """
    from v3_nn.datasets import SOURCES

    if for_checkpoint:
        source_help = "data set (default: the one the checkpoint was trained on)"
        data_help = "the MNIST IDX folder (default: the one the checkpoint was trained on)"
    else:
        source_help = "data set: auto is MNIST if reachable, else the 8x8 digits (default: auto)"
        data_help = "a folder holding the four MNIST IDX files (default: Kaggle's copy)"
    parser.add_argument(
        "--source", choices=SOURCES, default=None if for_checkpoint else "auto", help=source_help
    )
    parser.add_argument("--data", type=cli.existing_folder, help=data_help)
    parser.add_argument(
        "--timeout", type=cli.positive_float, default=5.0, help="seconds to wait for Kaggle"
    )


def load_data(source: str, folder: str | Path | None, timeout: float) -> Any:
    """The digits, or a one-line ScriptError naming the file and what is wrong with it."""
    from v2_tensor.kaggle import DatasetUnavailable
    from v3_nn.datasets import load_digit_data

    try:
        return load_digit_data(source, folder, timeout=timeout)
    except FileNotFoundError as error:
        raise cli.ScriptError(f"--data {folder}: {error}") from None
    except (DatasetUnavailable, ValueError) as error:
        raise cli.ScriptError(str(error)) from None


def run_id() -> str:
    """Names one run in its metrics and its checkpoint, so the two can be matched."""
    import os

    return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("train_mlp", "python -m v3_nn.train_mlp", __doc__)
    add_data_arguments(parser)
    parser.add_argument(
        "--epochs", type=cli.positive_int, help="default: 5 on MNIST, 40 on the 8x8 digits"
    )
    parser.add_argument("--batch-size", type=cli.positive_int, default=64, help="batch size")
    parser.add_argument("--lr", type=cli.positive_float, default=1e-3, help="Adam's learning rate")
    parser.add_argument(
        "--hidden", type=cli.positive_int, nargs="+", default=[256, 128], help="hidden widths"
    )
    parser.add_argument("--seed", type=cli.seed, default=0, help="initial weights, batch order")
    parser.add_argument("--out", type=Path, default=Path("output/mnist"), help="output folder")
    parser.add_argument(
        "--checkpoint", type=Path, default=CHECKPOINT, help="where the trained model goes"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return check_data_arguments(parser, parser.parse_args(argv))


def check_data_arguments(parser: Any, args: Any) -> Any:
    if args.data is not None and args.source == "digits":
        parser.error("--data names an MNIST folder; it does not go with --source digits")
    return args


@cli.script("train_mlp")
def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        checkpoint = run.file(args.checkpoint, "--checkpoint")
        data = load_data(args.source, args.data, args.timeout)
        epochs = args.epochs or (5 if data.side == 28 else 40)  # about a minute on a laptop CPU
        print(f"data: {data.source}, {len(data.train_labels)} train / {len(data.test_labels)} test")
        vt.manual_seed(args.seed)
        model = build_mlp(data.side, args.hidden)
        metrics = fit(model, data, epochs, args.batch_size, args.lr, args.seed, args.quiet)
        config = {
            "side": data.side,
            "hidden": args.hidden,
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
        run.figure(out / "curves.png", plot_curves(metrics, f"MLP on {data.source}"))
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
