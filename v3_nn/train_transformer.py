"""Train a small Transformer encoder to reverse (or sort) sequences of digits.

    uv run python -m v3_nn.train_transformer [--task reverse|sort] [--steps N] [--seed S]

Every batch is fresh random digits, so the score on new sequences is generalisation, not
memory. Reversing is a pure routing task: output position i must copy input position
L-1-i, which only attention can fetch; the heatmap of the trained attention shows it as an
anti-diagonal. Writes output/transformer/metrics.json, history.csv, attention.png.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F
from v3_nn.optim import Adam

VOCAB = 10  # the digits 0..9


def make_batch(
    rng: np.random.Generator, batch_size: int, seq_len: int, task: str
) -> tuple[np.ndarray, np.ndarray]:
    """Random digit sequences (B, L) and their targets: reversed or sorted."""
    x = rng.integers(0, VOCAB, size=(batch_size, seq_len))
    y = x[:, ::-1] if task == "reverse" else np.sort(x, axis=1)
    return x, np.ascontiguousarray(y)


class DigitTransformer(nn.Module):
    """Embedding · √d + sinusoidal positions -> TransformerEncoder -> per-token class logits."""

    def __init__(
        self, d_model: int, nhead: int, num_layers: int, dim_feedforward: int, max_len: int
    ) -> None:
        super().__init__()
        self.d_model = d_model
        self.embed = nn.Embedding(VOCAB, d_model)
        self.position = nn.PositionalEncoding(d_model, max_len, dropout=0.0, batch_first=True)
        layer = nn.TransformerEncoderLayer(
            d_model, nhead, dim_feedforward, dropout=0.0, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, num_layers)
        self.head = nn.Linear(d_model, VOCAB)

    def embed_tokens(self, tokens: np.ndarray) -> vt.Tensor:
        return self.position(self.embed(tokens))

    def forward(self, tokens: np.ndarray) -> vt.Tensor:
        return self.head(self.encoder(self.embed_tokens(tokens)))

    def attention_maps(self, tokens: np.ndarray) -> np.ndarray:
        """Per-layer, per-head attention weights (layers, H, L, L) for one sequence (L,)."""
        x = self.embed_tokens(tokens[None])
        maps = []
        with vt.no_grad():
            for layer in self.encoder.layers:
                attn_in = layer.norm1(x) if layer.norm_first else x
                _, weights = layer.self_attn(attn_in, attn_in, attn_in, average_attn_weights=False)
                maps.append(weights.numpy()[0])
                x = layer(x)
        return np.stack(maps)


def evaluate(
    model: DigitTransformer, x: np.ndarray, y: np.ndarray
) -> tuple[float, float, np.ndarray]:
    """Token accuracy, whole-sequence accuracy and the predictions."""
    model.eval()
    with vt.no_grad():
        predictions = model(x).numpy().argmax(axis=-1)
    model.train()
    correct = predictions == y
    return float(correct.mean()), float(correct.all(axis=1).mean()), predictions


def plot_attention(maps: np.ndarray, tokens: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_layers, n_heads = maps.shape[:2]
    fig, axes = plt.subplots(
        n_layers, n_heads, figsize=(2.6 * n_heads, 2.6 * n_layers), squeeze=False
    )
    labels = [str(t) for t in tokens]
    for (layer, head), ax in np.ndenumerate(axes):
        ax.imshow(maps[layer, head], cmap="viridis", vmin=0.0, vmax=1.0)
        ax.set_title(f"layer {layer}, head {head}", fontsize=9)
        ax.set_xticks(range(len(tokens)), labels, fontsize=7)
        ax.set_yticks(range(len(tokens)), labels, fontsize=7)
        ax.set_xlabel("key position (its digit)", fontsize=8)
        ax.set_ylabel("query position (its digit)", fontsize=8)
    fig.suptitle(f"attention weights for input {''.join(labels)}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _digits(tokens: np.ndarray) -> str:
    return "".join(map(str, tokens))


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", choices=["reverse", "sort"], default="reverse")
    parser.add_argument("--seq-len", type=_positive, default=10)
    parser.add_argument("--steps", type=_positive, default=500, help="training steps (batches)")
    parser.add_argument("--batch-size", type=_positive, default=64)
    parser.add_argument("--d-model", type=_positive, default=64)
    parser.add_argument("--nhead", type=_positive, default=4, help="must divide --d-model")
    parser.add_argument("--layers", type=_positive, default=2)
    parser.add_argument("--dim-feedforward", type=_positive, default=128)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument(
        "--eval-size", type=_positive, default=2000, help="fresh sequences to score"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("output/transformer"))
    args = parser.parse_args(argv)
    if args.d_model % args.nhead:
        parser.error(f"--nhead {args.nhead} must divide --d-model {args.d_model}")
    return args


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    vt.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)

    model = DigitTransformer(
        args.d_model, args.nhead, args.layers, args.dim_feedforward, max_len=args.seq_len
    )
    optimizer = Adam(model.parameters(), lr=args.lr)
    warmup = max(1, args.steps // 20)

    history = []
    start = time.perf_counter()
    progress = tqdm(range(1, args.steps + 1), desc=f"transformer ({args.task})")
    for step in progress:
        # linear warm-up, then cosine decay to zero
        decay = 0.5 * (1 + math.cos(math.pi * step / args.steps))
        optimizer.param_groups[0]["lr"] = args.lr * min(step / warmup, decay)
        x, y = make_batch(rng, args.batch_size, args.seq_len, args.task)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        accuracy = float((logits.array.argmax(-1) == y).mean())
        history.append((step, loss.item(), accuracy))
        progress.set_postfix(loss=f"{loss.item():.4f}", acc=f"{accuracy:.3f}")
    train_seconds = time.perf_counter() - start

    eval_x, eval_y = make_batch(rng, args.eval_size, args.seq_len, args.task)
    token_accuracy, sequence_accuracy, predictions = evaluate(model, eval_x, eval_y)
    print(
        f"fresh sequences: token accuracy {token_accuracy:.4f}, "
        f"sequence accuracy {sequence_accuracy:.4f}"
    )
    for tokens, target, predicted in zip(eval_x[:5], eval_y[:5], predictions[:5], strict=True):
        mark = "ok" if (predicted == target).all() else "WRONG"
        print(f"  {_digits(tokens)} -> {_digits(predicted)}  (target {_digits(target)}, {mark})")

    plot_attention(model.attention_maps(eval_x[0]), eval_x[0], args.out / "attention.png")
    with open(args.out / "history.csv", "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["step", "loss", "batch_token_accuracy"])
        writer.writerows(history)
    metrics = {
        "task": args.task,
        "seq_len": args.seq_len,
        "steps": args.steps,
        "first_loss": history[0][1],
        "final_loss": history[-1][1],
        "token_accuracy": token_accuracy,
        "sequence_accuracy": sequence_accuracy,
        "eval_size": args.eval_size,
        "train_seconds": round(train_seconds, 2),
        "seed": args.seed,
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"wrote {args.out}/metrics.json, history.csv and attention.png")
    return metrics


if __name__ == "__main__":
    main()
