"""Train a small Transformer encoder to reverse (or sort) sequences of digits.

    uv run python -m v3_nn.train_transformer [--task reverse|sort] [--steps N] [--seed S]

Every batch is fresh random digits, so the score on new sequences is generalisation, not
memory. Reversing is a pure routing task: output position i must copy input position
L-1-i, which only attention can fetch; the heatmap of the trained attention shows it as an
anti-diagonal. Writes into --out (default output/transformer), at the end of the run:
metrics.json, history.csv (loss and batch accuracy per step) and attention.png. Training
stops, writing nothing, at the first NaN or inf.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
import v3_nn as nn
import v3_nn.functional as F
from v3_nn import cli

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


def plot_attention(maps: np.ndarray, tokens: np.ndarray) -> Any:
    plt = cli.pyplot()
    n_layers, n_heads = maps.shape[:2]
    fig, axes = plt.subplots(
        n_layers,
        n_heads,
        figsize=(2.6 * n_heads + 1.2, 3.0 * n_layers + 0.6),
        squeeze=False,
        layout="constrained",
    )
    labels = [str(t) for t in tokens]
    for (layer, head), ax in np.ndenumerate(axes):
        image = ax.imshow(maps[layer, head], cmap="viridis", vmin=0.0, vmax=1.0)
        ax.set_title(f"layer {layer}, head {head}", fontsize=9)
        ax.set_xticks(range(len(tokens)), labels, fontsize=7)
        ax.set_yticks(range(len(tokens)), labels, fontsize=7)
        ax.set_xlabel("key position (its digit)", fontsize=8)
        ax.set_ylabel("query position (its digit)", fontsize=8)
    fig.suptitle(f"attention weights for input {''.join(labels)}")
    fig.colorbar(image, ax=axes, label="attention weight", shrink=0.8)
    return fig


def _digits(tokens: np.ndarray) -> str:
    return "".join(map(str, tokens))


def parse_args(argv: list[str] | None = None) -> Any:
    parser = cli.parser("train_transformer", "python -m v3_nn.train_transformer", __doc__)
    parser.add_argument(
        "--task", choices=["reverse", "sort"], default="reverse", help="what to learn"
    )
    parser.add_argument("--seq-len", type=cli.positive_int, default=10, help="digits per sequence")
    parser.add_argument(
        "--steps", type=cli.positive_int, default=500, help="training steps (batches)"
    )
    parser.add_argument(
        "--batch-size", type=cli.positive_int, default=64, help="sequences per step"
    )
    parser.add_argument("--d-model", type=cli.positive_int, default=64, help="embedding width")
    parser.add_argument(
        "--nhead", type=cli.positive_int, default=4, help="heads; must divide --d-model"
    )
    parser.add_argument("--layers", type=cli.positive_int, default=2, help="encoder layers")
    parser.add_argument(
        "--dim-feedforward", type=cli.positive_int, default=128, help="feed-forward width"
    )
    parser.add_argument(
        "--lr", type=cli.positive_float, default=2e-3, help="Adam's peak learning rate"
    )
    parser.add_argument(
        "--eval-size", type=cli.positive_int, default=2000, help="fresh sequences to score"
    )
    parser.add_argument("--seed", type=cli.seed, default=0, help="weights and the random digits")
    parser.add_argument(
        "--out", type=Path, default=Path("output/transformer"), help="output folder"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.d_model % args.nhead:
        parser.error(f"--nhead {args.nhead} must divide --d-model {args.d_model}")
    return args


@cli.script("train_transformer")
def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    from tqdm import tqdm

    from v3_nn.optim import Adam

    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        vt.manual_seed(args.seed)
        rng = np.random.default_rng(args.seed)
        model = DigitTransformer(
            args.d_model, args.nhead, args.layers, args.dim_feedforward, max_len=args.seq_len
        )
        optimizer = Adam(model.parameters(), lr=args.lr)
        warmup = max(1, args.steps // 20)

        history = []
        start = time.perf_counter()
        progress = tqdm(
            range(1, args.steps + 1), desc=f"transformer ({args.task})", disable=args.quiet
        )
        for step in progress:
            # linear warm-up, then cosine decay to zero
            decay = 0.5 * (1 + math.cos(math.pi * step / args.steps))
            optimizer.param_groups[0]["lr"] = args.lr * min(step / warmup, decay)
            x, y = make_batch(rng, args.batch_size, args.seq_len, args.task)
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
            value = loss.item()
            cli.check_finite(value, "loss", f"step {step}", f"--lr than {args.lr:g}")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            accuracy = float((logits.array.argmax(-1) == y).mean())
            history.append((step, value, accuracy))
            progress.set_postfix(loss=f"{value:.4f}", acc=f"{accuracy:.3f}")
        progress.close()
        train_seconds = time.perf_counter() - start
        for name, parameter in model.named_parameters():
            if not np.isfinite(parameter.array).all():
                cli.check_finite(np.nan, f"parameter {name}", "the end", f"--lr than {args.lr:g}")

        eval_x, eval_y = make_batch(rng, args.eval_size, args.seq_len, args.task)
        token_accuracy, sequence_accuracy, predictions = evaluate(model, eval_x, eval_y)
        print(
            f"fresh sequences: token accuracy {token_accuracy:.4f}, "
            f"sequence accuracy {sequence_accuracy:.4f}"
        )
        for tokens, target, predicted in zip(eval_x[:5], eval_y[:5], predictions[:5], strict=True):
            mark = "ok" if (predicted == target).all() else "WRONG"
            print(
                f"  {_digits(tokens)} -> {_digits(predicted)}  (target {_digits(target)}, {mark})"
            )

        metrics = {
            "task": args.task,
            "seq_len": args.seq_len,
            "steps": args.steps,
            "lr": args.lr,
            "first_loss": history[0][1],
            "final_loss": history[-1][1],
            "token_accuracy": token_accuracy,
            "sequence_accuracy": sequence_accuracy,
            "eval_size": args.eval_size,
            "train_seconds": round(train_seconds, 2),
            "seed": args.seed,
        }
        run.figure(
            out / "attention.png", plot_attention(model.attention_maps(eval_x[0]), eval_x[0])
        )
        run.csv(out / "history.csv", ["step", "loss", "batch_token_accuracy"], history)
        run.json(out / "metrics.json", metrics)
        written = run.commit()
    print("wrote " + ", ".join(str(path) for path in written))
    return metrics


if __name__ == "__main__":
    main()
