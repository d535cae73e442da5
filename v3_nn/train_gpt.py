"""Train a GPT from scratch on Tiny Shakespeare (or any UTF-8 text), on the CPU.

    uv run python -m v3_nn.train_gpt                          # a small GPT in a few minutes
    uv run python -m v3_nn.train_gpt --preset nanogpt-cpu     # nanoGPT's CPU recipe: val 1.88
    uv run python -m v3_nn.train_gpt --tokenizer bpe --vocab-size 1024
    uv run python -m v3_nn.train_gpt --data my_text.txt       # any UTF-8 text file
    uv run python -m v3_nn.train_gpt --resume                 # continue the run in --checkpoint
    uv run python -m v3_nn.sample --prompt "ROMEO:"           # then let it write

The model is v3_nn.gpt.GPT (pre-norm blocks of causal self-attention and a GELU MLP, a
weight-tied head, no biases, as nanoGPT trains it). The text is split 90/10 in file order;
the tokenizer (characters, or byte-pair encoding with --vocab-size tokens) is learned from
the training 90% only. Training is nanoGPT's: random windows of --block-size tokens,
AdamW (betas 0.9, 0.99; weight decay on the matrices only), a linear warmup then a cosine
decay of the learning rate from --lr to --min-lr at --max-iters, gradients clipped to norm
--grad-clip. Every --eval-interval iterations the train and validation losses are estimated
on --eval-iters fixed batches of each split, a few lines are sampled, and when the
validation loss is the best so far the checkpoint is written (atomically: model, optimizer,
scheduler, the batch generator's state, the iteration, the tokenizer and the settings), so
Ctrl-C or a crash leaves the last good one and --resume continues from it exactly, with the
losses an uninterrupted run would have had.

With no --data the text is Tiny Shakespeare through kagglehub (data set --kaggle-handle);
when Kaggle cannot be reached the script says so and trains on the Python standard
library's own source instead. At the end it writes to --out (default output/gpt):
metrics.json, metrics.csv (evaluations), steps.csv (loss and learning rate per iteration),
loss.png and sample.txt. Training stops at the first NaN or inf, keeping the checkpoint.
"""

from __future__ import annotations

import argparse
import math
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

import v2_tensor as vt
import v3_nn as nn
from v3_nn import cli
from v3_nn.text import SHAKESPEARE_HANDLE

CHECKPOINT = Path("models/gpt.safetensors")
FORMAT = "gradlab-gpt-1"
BETAS = (0.9, 0.99)
NANOGPT_CPU_VAL_LOSS = 1.88  # nanoGPT's README, for its CPU recipe (eval_iters 20)
PREVIEW_TOKENS = 120  # sampled at each evaluation, to watch the model learn

# Every setting of a run: its default here, and what a preset changes. A flag given on the
# command line wins over the preset, which wins over the default.
DEFAULTS: dict[str, Any] = {
    "tokenizer": "char",
    "vocab_size": None,  # bpe only: 1024
    "n_layer": 4,
    "n_head": 4,
    "n_embd": 64,
    "block_size": 64,
    "dropout": 0.0,
    "batch_size": 12,
    "max_iters": 1000,
    "lr": 2e-3,
    "min_lr": None,  # --lr / 10
    "warmup_iters": 100,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "eval_interval": 100,
    "eval_iters": 50,
    "seed": 1337,
}
PRESETS: dict[str, dict[str, Any]] = {
    # nanoGPT's README: train.py config/train_shakespeare_char.py --device=cpu --compile=False
    # --eval_iters=20 --log_interval=1 --block_size=64 --batch_size=12 --n_layer=4 --n_head=4
    # --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0 (we evaluate on 200)
    "nanogpt-cpu": {
        "tokenizer": "char",
        "n_layer": 4,
        "n_head": 4,
        "n_embd": 128,
        "block_size": 64,
        "dropout": 0.0,
        "batch_size": 12,
        "max_iters": 2000,
        "lr": 1e-3,
        "min_lr": 1e-4,
        "warmup_iters": 100,
        "weight_decay": 0.1,
        "grad_clip": 1.0,
        "eval_interval": 250,
        "eval_iters": 200,
    },
}
BPE_VOCAB = 1024


# ---- the learning rate ----------------------------------------------------------------------


def learning_rate(it: int, lr: float, min_lr: float, warmup: int, decay_iters: int) -> float:
    """nanoGPT's schedule: linear warmup to lr, then a cosine down to min_lr at decay_iters."""
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > decay_iters:
        return min_lr
    progress = (it - warmup) / (decay_iters - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (lr - min_lr)


def make_optimizer(model: Any, s: dict[str, Any], optim: Any = None) -> tuple[Any, Any]:
    """AdamW on the model's two groups (decay on matrices only) and its LambdaLR schedule;
    `optim` is the library's optim module (v3_nn.optim here, torch.optim in the benchmark)."""
    optim = optim or nn.optim
    optimizer = optim.AdamW(model.parameter_groups(s["weight_decay"]), lr=s["lr"], betas=BETAS)
    lr, min_lr = s["lr"], s["min_lr"]
    args = (lr, min_lr, s["warmup_iters"], s["max_iters"])
    schedule = optim.lr_scheduler.LambdaLR(optimizer, lambda it: learning_rate(it, *args) / lr)
    return optimizer, schedule


# ---- the checkpoint -------------------------------------------------------------------------


class Saved:
    """Which checkpoint this run can fall back on, for the messages that mention it."""

    def __init__(self, path: Path, iteration: int | None = None) -> None:
        self.path, self.iteration = path, iteration

    def kept(self) -> str:
        if self.iteration is None:
            return "No checkpoint was written"
        return f"The checkpoint {self.path} from iteration {self.iteration} is intact"


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A train_gpt checkpoint, or a one-line ScriptError saying what is wrong with the file."""
    if not path.is_file():
        raise cli.usage_error(f"--checkpoint {path}: no such file (train_gpt writes one)")
    try:
        state = vt.load(path)
    except (ValueError, OSError) as error:
        raise cli.ScriptError(str(error)) from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise cli.ScriptError(f"{path} is not a checkpoint written by v3_nn.train_gpt")
    return state


def model_from(state: dict[str, Any]) -> Any:
    from v3_nn.gpt import GPT, GPTConfig

    model = GPT(GPTConfig(**state["model_config"]))
    model.load_state_dict(state["model"])
    return model


# ---- data -----------------------------------------------------------------------------------


def load_text(args: Any, saved: dict[str, Any] | None) -> Any:
    """The corpus: --data, else (resuming) the one the run trained on, else Kaggle's."""
    from v3_nn import text

    try:
        if args.data is None and saved is not None:
            corpus = _reload(saved["data"], args)
        else:
            corpus = text.load_corpus(args.data, args.kaggle_handle, args.timeout)
    except ValueError as error:
        raise cli.ScriptError(str(error)) from None
    if saved is not None and corpus.sha256 != saved["data"]["sha256"]:
        raise cli.ScriptError(
            f"{corpus.source} is not the text this run trained on ({saved['data']['source']}, "
            f"sha256 {saved['data']['sha256'][:12]}...); resume with that text as --data"
        )
    return corpus


def _reload(recorded: dict[str, Any], args: Any) -> Any:
    from v3_nn import text

    place = recorded.get("path")
    if recorded["kind"] == "python-source":
        return text.python_source()
    if place and Path(place).is_file():
        return text.Corpus(text.read_text(place), recorded["source"], recorded["kind"], place)
    if recorded["kind"] == "kaggle" and place and Path(place).is_dir():
        return text.Corpus(text.kaggle_text(Path(place))[0], recorded["source"], "kaggle", place)
    if recorded["kind"] == "kaggle":
        return text.load_corpus(None, args.kaggle_handle, args.timeout)
    raise ValueError(f"{place}, the text this run trained on, is gone: pass it again as --data")


def tokenize(corpus: Any, s: dict[str, Any], saved: dict[str, Any] | None) -> tuple:
    """The tokenizer (learned from the training split, or the checkpoint's) and both splits
    as arrays of token ids."""
    from v3_nn import text
    from v3_nn.bpe import BytePairTokenizer

    train_text, val_text = text.split(corpus.text)
    if saved is not None:
        tokenizer = text.tokenizer_from_dict(saved["tokenizer"])
    elif s["tokenizer"] == "char":
        tokenizer = text.CharTokenizer.train(train_text)
    else:
        started = time.perf_counter()
        tokenizer = BytePairTokenizer.train(train_text, s["vocab_size"])
        print(
            f"tokenizer: {tokenizer.vocab_size} byte-pair tokens learned from the training "
            f"split in {time.perf_counter() - started:.1f} s"
        )
    if isinstance(tokenizer, text.CharTokenizer):
        unseen = tokenizer.unknown(val_text)
        if unseen:
            dropped = sum(val_text.count(ch) for ch in unseen)
            val_text = "".join(ch for ch in val_text if ch in tokenizer.stoi)
            shown = ", ".join(repr(ch) for ch in unseen[:8])
            print(
                f"[data] {dropped} validation character(s) never occur in the training split "
                f"({shown}); they are left out of the validation text"
            )
    splits = []
    for name, part in [("training (first 90%)", train_text), ("validation (last 10%)", val_text)]:
        ids = np.array(tokenizer.encode(part), dtype=np.int64)
        if len(ids) <= s["block_size"]:
            raise cli.ScriptError(
                f"{corpus.source}: the {name} split of the text is {len(ids)} "
                f"token{'s' if len(ids) != 1 else ''}, too short "
                f"for --block-size "
                f"{s['block_size']}: give a longer text or a smaller --block-size"
            )
        splits.append(ids)
    return tokenizer, splits[0], splits[1]


# ---- training -------------------------------------------------------------------------------


@vt.no_grad()
def estimate_loss(model: Any, batches: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The mean loss over fixed batches, in eval mode (no dropout)."""
    model.eval()
    losses = [model(vt.tensor(x), vt.tensor(y))[1].item() for x, y in batches]
    model.train()
    return float(np.mean(losses))


def prompt_start(tokenizer: Any, train_ids: np.ndarray) -> list[int]:
    """A newline (where a speech begins), or the text's first token if it has no newline."""
    from v3_nn.text import CharTokenizer

    if isinstance(tokenizer, CharTokenizer) and "\n" not in tokenizer.stoi:
        return [int(train_ids[0])]
    return tokenizer.encode("\n")


def sample(
    model: Any, tokenizer: Any, start: list[int], tokens: int, seed: int, **options: Any
) -> str:
    """tokens drawn from the model after `start`, with fixed dice (a vt.Generator of seed)."""
    was_training = model.training
    model.eval()
    dice = vt.Generator().manual_seed(seed)
    drawn = list(model.generate(vt.tensor([start]), tokens, generator=dice, **options))
    model.train(was_training)
    return tokenizer.decode([*start, *drawn])


def preview(model: Any, tokenizer: Any, start: list[int], tokens: int, seed: int) -> str:
    """A short sample from the current model, with the same dice at every evaluation."""
    return sample(model, tokenizer, start, tokens, seed)[len(tokenizer.decode(start)) :]


def stop_if_not_finite(value: float, what: str, it: int, s: dict, saved: Saved) -> None:
    if math.isfinite(value):
        return
    raise cli.ScriptError(
        f"training stopped: the {what} is {value} at iteration {it}; the data are token ids, "
        f"so the learning rate is too large: try a smaller --lr than {s['lr']:g}. "
        f"{saved.kept()}; nothing else was written."
    )


def train(
    model: Any,
    tokenizer: Any,
    train_ids: np.ndarray,
    val_ids: np.ndarray,
    s: dict[str, Any],
    checkpoint: Path,
    extra: dict[str, Any],
    resume: dict[str, Any] | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    """nanoGPT's loop: evaluate (and checkpoint if best) every eval_interval iterations, else
    one AdamW step on a random batch. Returns the history (every evaluation and step)."""
    from tqdm import tqdm

    from v3_nn import text
    from v3_nn.utils import clip_grad_norm_

    optimizer, schedule = make_optimizer(model, s)
    batches = vt.Generator().manual_seed(s["seed"])  # the training windows' dice
    eval_rng = np.random.default_rng([s["seed"], 1])  # the same eval windows every time
    eval_batches = {
        split: [
            text.get_batch(ids, s["block_size"], s["batch_size"], eval_rng)
            for _ in range(s["eval_iters"])
        ]
        for split, ids in [("train", train_ids), ("val", val_ids)]
    }
    start = prompt_start(tokenizer, train_ids)
    history: dict[str, list] = {k: [] for k in ("iter", "train_loss", "val_loss")}
    history.update(step_iter=[], step_loss=[], step_lr=[])
    first, best, seconds = 0, math.inf, 0.0
    saved = Saved(checkpoint)
    if resume is not None:
        optimizer.load_state_dict(resume["optimizer"])
        schedule.load_state_dict(resume["scheduler"])
        batches.set_state(resume["batch_rng"])
        vt.random.default_generator.set_state(resume["global_rng"])  # dropout's masks
        history = resume["history"]
        first, best, seconds = resume["iter"], resume["best_val_loss"], resume["seconds"]
        saved.iteration = first
    params = list(model.parameters())
    progress = tqdm(total=s["max_iters"], initial=first, desc="train", unit="it", disable=quiet)
    began = time.perf_counter() - seconds
    it = first
    try:
        for it in range(first, s["max_iters"] + 1):
            due = it % s["eval_interval"] == 0 or it == s["max_iters"]
            if due and not (resume is not None and it == first):  # resumed: evaluated already
                losses = {k: estimate_loss(model, b) for k, b in eval_batches.items()}
                for split, value in losses.items():
                    stop_if_not_finite(value, f"{split} loss", it, s, saved)
                for key, value in [("iter", it), ("train_loss", losses["train"])]:
                    history[key].append(value)
                history["val_loss"].append(losses["val"])
                improved = it > 0 and losses["val"] < best  # iteration 0 has learned nothing
                line = f"iter {it}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}"
                if improved:
                    best = losses["val"]
                    state = {
                        "format": FORMAT,
                        "model_config": model.config.to_dict(),
                        "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "scheduler": schedule.state_dict(),
                        "batch_rng": batches.get_state(),
                        "global_rng": vt.random.default_generator.get_state(),
                        "iter": it,
                        "best_val_loss": best,
                        "seconds": time.perf_counter() - began,
                        "history": history,
                        "settings": s,
                        "tokenizer": text.tokenizer_to_dict(tokenizer),
                        **extra,
                    }
                    save_checkpoint(checkpoint, state, saved, it)
                    line += f" (best: saved to {checkpoint})"
                progress.write(line)
                lines = preview(model, tokenizer, start, PREVIEW_TOKENS, s["seed"]).splitlines()
                progress.write("".join(f"  | {row}\n" for row in lines[:6]))
            if it == s["max_iters"]:
                break
            lr = optimizer.param_groups[0]["lr"]
            x, y = text.get_batch(train_ids, s["block_size"], s["batch_size"], batches.rng)
            _, loss = model(vt.tensor(x), vt.tensor(y))
            value = loss.item()
            stop_if_not_finite(value, "training loss", it, s, saved)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if s["grad_clip"] > 0:
                clip_grad_norm_(params, s["grad_clip"])
            optimizer.step()
            schedule.step()
            for key, item in [("step_iter", it), ("step_loss", value), ("step_lr", lr)]:
                history[key].append(item)
            progress.update()
            progress.set_postfix(loss=f"{value:.4f}", lr=f"{lr:.2e}")
    except KeyboardInterrupt:
        progress.close()
        where = "" if saved.iteration is None else ": --resume continues from it"
        raise cli.ScriptError(
            f"interrupted (Ctrl-C) at iteration {it}. {saved.kept()}{where}; the metrics "
            "were not written",
            cli.INTERRUPTED,
        ) from None
    progress.close()
    history["seconds"] = time.perf_counter() - began
    history["best_val_loss"], history["saved_iter"] = best, saved.iteration
    return history


def save_checkpoint(path: Path, state: dict[str, Any], saved: Saved, it: int) -> None:
    """Write the checkpoint atomically with Ctrl-C held back, then honour a Ctrl-C that came."""
    with cli._sigint_held() as interrupted:
        vt.save(state, path)
        saved.iteration = it
    if interrupted:
        raise KeyboardInterrupt


# ---- outputs --------------------------------------------------------------------------------


def plot_losses(history: dict[str, list], title: str, reference: float | None) -> Any:
    plt = cli.pyplot()
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.plot(history["step_iter"], history["step_loss"], color="0.75", lw=0.8, label="batch loss")
    ax.plot(history["iter"], history["train_loss"], "o-", label="train loss (estimated)")
    ax.plot(history["iter"], history["val_loss"], "s-", label="validation loss (estimated)")
    if reference is not None:
        ax.axhline(reference, color="k", ls="--", lw=1, label=f"nanoGPT's CPU recipe: {reference}")
    ax.set(xlabel="iteration", ylabel="cross-entropy (nats per token)", title=title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


# ---- the command line -----------------------------------------------------------------------

HANDLE = re.compile(r"^[^/\s]+/[^/\s]+(/versions/\d+)?$")


def kaggle_handle(text: str) -> str:
    if not HANDLE.match(text):
        raise argparse.ArgumentTypeError(
            f"expected 'owner/name' or 'owner/name/versions/N', got {text!r}"
        )
    return text


def dropout_rate(text: str) -> float:
    value = cli.nonnegative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, got {text!r}")
    return value


def nonnegative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be at least 0, got {value}")
    return value


SETTING_FLAGS: list[tuple[str, Any, str]] = [
    ("--tokenizer", None, "char: one token per character; bpe: byte-pair encoding"),
    ("--vocab-size", cli.positive_int, f"bpe vocabulary, at least 256 (default: {BPE_VOCAB})"),
    ("--n-layer", cli.positive_int, "transformer blocks"),
    ("--n-head", cli.positive_int, "attention heads (must divide --n-embd)"),
    ("--n-embd", cli.positive_int, "width of the residual stream"),
    ("--block-size", cli.positive_int, "tokens of context"),
    ("--dropout", dropout_rate, "dropout probability"),
    ("--batch-size", cli.positive_int, "windows per step"),
    ("--max-iters", cli.positive_int, "training iterations (the cosine ends here)"),
    ("--lr", cli.positive_float, "peak learning rate"),
    ("--min-lr", cli.positive_float, "final learning rate (default: --lr / 10)"),
    ("--warmup-iters", nonnegative_int, "iterations of linear warmup"),
    ("--weight-decay", cli.nonnegative_float, "AdamW's decoupled weight decay (matrices)"),
    ("--grad-clip", cli.nonnegative_float, "largest gradient norm (0: no clipping)"),
    ("--eval-interval", cli.positive_int, "iterations between evaluations"),
    ("--eval-iters", cli.positive_int, "batches per loss estimate"),
    ("--seed", cli.seed, "initial weights, batches, samples"),
]  # fmt: skip


def build_parser() -> Any:
    parser = cli.parser("train_gpt", "python -m v3_nn.train_gpt", __doc__)
    parser.add_argument(
        "--data",
        type=cli.existing_file,
        help="a UTF-8 text file to train on (default: Tiny Shakespeare from Kaggle)",
    )
    parser.add_argument(
        "--kaggle-handle",
        type=kaggle_handle,
        default=SHAKESPEARE_HANDLE,
        help="the Kaggle data set read when --data is not given",
    )
    parser.add_argument(
        "--timeout", type=cli.positive_float, default=5.0, help="seconds to wait for Kaggle"
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="a recipe of settings (flags given still win); nanogpt-cpu: 4x128 model, "
        "2000 iterations (default: none, the small settings below)",
    )
    for flag, kind, text in SETTING_FLAGS:
        key = flag[2:].replace("-", "_")
        shown = DEFAULTS[key]
        extra = {"choices": ["char", "bpe"]} if flag == "--tokenizer" else {"type": kind}
        help_text = text if "default" in text else f"{text} (default: {shown})"
        parser.add_argument(flag, default=None, help=help_text, **extra)
    parser.add_argument("--out", type=Path, default=Path("output/gpt"), help="output folder")
    parser.add_argument(
        "--checkpoint", type=Path, default=CHECKPOINT, help="where the best model is written"
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the run saved in --checkpoint, with its settings",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def resolve(args: Any) -> tuple[dict[str, Any], set[str]]:
    """The run's settings (flag > preset > default) and the keys the user chose."""
    chosen = {key for key in DEFAULTS if getattr(args, key) is not None}
    preset = PRESETS.get(args.preset, {})
    settings = {**DEFAULTS, **preset}
    settings.update({key: getattr(args, key) for key in chosen})
    if settings["tokenizer"] == "bpe" and settings["vocab_size"] is None:
        settings["vocab_size"] = BPE_VOCAB
    if settings["min_lr"] is None:
        settings["min_lr"] = settings["lr"] / 10
    settings["preset"] = args.preset
    return settings, chosen | set(preset) | ({"preset"} if args.preset else set())


def check_settings(parser: Any, s: dict[str, Any]) -> None:
    if s["tokenizer"] == "char" and s["vocab_size"] is not None:
        parser.error("--vocab-size is for --tokenizer bpe (a character vocabulary is the text's)")
    if s["tokenizer"] == "bpe" and s["vocab_size"] < 256:
        parser.error(
            f"--vocab-size {s['vocab_size']} is below 256: a byte-level BPE vocabulary starts "
            "with the 256 single bytes"
        )
    if s["n_embd"] % s["n_head"]:
        parser.error(f"--n-head {s['n_head']} must divide --n-embd {s['n_embd']}")
    if s["warmup_iters"] >= s["max_iters"]:
        parser.error(
            f"--warmup-iters {s['warmup_iters']} must be below --max-iters {s['max_iters']}"
        )
    if s["min_lr"] > s["lr"]:
        parser.error(f"--min-lr {s['min_lr']:g} is above --lr {s['lr']:g}")


def parse_args(argv: list[str] | None) -> Any:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.settings, args.chosen = resolve(args)
    check_settings(parser, args.settings)
    if args.resume and not args.checkpoint.is_file():
        parser.error(f"--resume: no checkpoint at {args.checkpoint} (pass --checkpoint PATH)")
    return args


def settings_for_resume(args: Any, saved: dict[str, Any]) -> dict[str, Any]:
    """The saved run's settings; a setting given on the command line must agree with them."""
    settings = saved["settings"]
    for key in sorted(args.chosen):
        if args.settings[key] != settings.get(key):
            flag = "--" + key.replace("_", "-")
            raise cli.usage_error(
                f"--resume continues the run in {args.checkpoint} with its own settings: "
                f"{flag} {args.settings[key]} differs from its {settings.get(key)} (drop "
                f"{flag}, or start a new run without --resume)"
            )
    if saved["iter"] >= settings["max_iters"]:
        raise cli.ScriptError(
            f"--resume: the run in {args.checkpoint} has finished its {settings['max_iters']} "
            "iterations; start a new run without --resume"
        )
    return settings


def count_parameters(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())


@cli.script("train_gpt")
def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    from v3_nn import text
    from v3_nn.gpt import GPT, GPTConfig

    with cli.Run() as run:
        out = run.folder(args.out, "--out")
        checkpoint = run.file(args.checkpoint, "--checkpoint")
        saved = read_checkpoint(checkpoint) if args.resume else None
        s = settings_for_resume(args, saved) if saved else args.settings
        corpus = load_text(args, saved)
        tokenizer, train_ids, val_ids = tokenize(corpus, s, saved)
        print(
            f"data: {corpus.source}: {len(corpus.text):,} characters; tokens: "
            f"{text.describe(tokenizer)}, {len(train_ids):,} train / {len(val_ids):,} val"
        )
        if saved is not None:
            model = model_from(saved)
            print(f"resuming at iteration {saved['iter']} of {s['max_iters']} from {checkpoint}")
        else:
            if checkpoint.exists():
                print(f"note: {checkpoint} will be replaced (--resume would continue it)")
            vt.manual_seed(s["seed"])
            config = GPTConfig(
                vocab_size=tokenizer.vocab_size,
                block_size=s["block_size"],
                n_layer=s["n_layer"],
                n_head=s["n_head"],
                n_embd=s["n_embd"],
                dropout=s["dropout"],
                bias=False,
            )
            model = GPT(config)
        n_params = count_parameters(model)
        print(f"model: GPT {model.config.to_dict()}, {n_params:,} parameters")
        data = {"source": corpus.source, "kind": corpus.kind, "path": corpus.path}
        extra = {"data": {**data, "sha256": corpus.sha256}}
        history = train(
            model, tokenizer, train_ids, val_ids, s, checkpoint, extra, saved, args.quiet
        )
        best = history["best_val_loss"]
        metrics = {
            **history,
            "best_iter": history["saved_iter"],
            "seconds_per_iter": history["seconds"] / max(1, s["max_iters"]),
            "parameters": n_params,
            "tokenizer": text.describe(tokenizer),
            "data": corpus.source,
            "settings": s,
            "checkpoint": checkpoint,
            "resumed_from": saved["iter"] if saved else None,
        }
        best_model = model_from(read_checkpoint(checkpoint))
        start = prompt_start(tokenizer, train_ids)
        text_out = sample(best_model, tokenizer, start, 500, s["seed"], temperature=0.8, top_k=200)
        run.json(out / "metrics.json", metrics)
        rows = zip(history["iter"], history["train_loss"], history["val_loss"], strict=True)
        run.csv(out / "metrics.csv", ["iter", "train_loss", "val_loss"], rows)
        steps = zip(history["step_iter"], history["step_loss"], history["step_lr"], strict=True)
        run.csv(out / "steps.csv", ["iter", "loss", "lr"], steps)
        reference = NANOGPT_CPU_VAL_LOSS if s["preset"] == "nanogpt-cpu" else None
        title = f"GPT {s['n_layer']}x{s['n_embd']} on {corpus.source[:60]}"
        run.figure(out / "loss.png", plot_losses(history, title, reference))
        run.text(out / "sample.txt", text_out)
        written = run.commit()
    print(
        f"best val loss {best:.4f} at iteration {metrics['best_iter']} "
        f"({history['seconds']:.0f} s); checkpoint {checkpoint}\n"
        f"wrote {', '.join(str(p) for p in written)}\n"
        f'next: python -m v3_nn.sample --checkpoint {checkpoint} --prompt "ROMEO:"'
    )
    return metrics


if __name__ == "__main__":
    main()
