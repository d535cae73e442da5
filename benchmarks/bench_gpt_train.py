"""The GPT's training curve under v3_nn and under torch: same weights, same batches, same steps.

    uv run python benchmarks/bench_gpt_train.py [--iters 300] [--data PATH] [--plot FILE.png]

The model of `train_gpt --preset nanogpt-cpu` (4 blocks, 4 heads, 128 wide, 64 characters of
context, batch 12, no biases) in float32, one thread each. The torch twin
(tests/gpt_torch.py, the same modules under the same names) starts from our initial weights
through state_dict. Both get the same random windows of Tiny Shakespeare (characters, the
training 90%), the same AdamW groups (decay on matrices only), the same LambdaLR warmup and
cosine (train_gpt.make_optimizer, handed torch.optim for the twin, over --iters), the same
clipping to norm 1. Steps alternate, ours then theirs, each timed (forward, backward, clip,
step). Prints every 25th loss of both, the largest |difference| over the whole run, and the
median step times with their ratio (ours / torch's), then a one-line summary to paste.

The speed of one GPT step on its own is benchmarks/bench_gpt.py's subject; this one is about
the two curves being one.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import v2_tensor as vt  # noqa: E402
from tests.gpt_torch import twin_of  # noqa: E402
from v3_nn import text  # noqa: E402
from v3_nn.gpt import GPT, GPTConfig  # noqa: E402
from v3_nn.train_gpt import PRESETS, make_optimizer  # noqa: E402
from v3_nn.utils import clip_grad_norm_  # noqa: E402

CORPUS = ROOT / ".." / "shared" / "data" / "tinyshakespeare.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iters", type=int, default=300)
    parser.add_argument("--data", type=Path, default=CORPUS)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--plot", type=Path, help="a PNG of both curves and their difference")
    args = parser.parse_args()
    if args.iters <= 5:
        parser.error(f"--iters must be above 5 (the first 5 steps are not timed), got {args.iters}")
    torch.set_num_threads(1)

    s = {**PRESETS["nanogpt-cpu"], "max_iters": args.iters, "seed": args.seed}
    s["warmup_iters"] = min(s["warmup_iters"], args.iters // 3)
    train_text, _ = text.split(text.read_text(args.data))
    tokenizer = text.CharTokenizer.train(train_text)
    data = np.array(tokenizer.encode(train_text), dtype=np.int64)

    vt.manual_seed(args.seed)
    config = GPTConfig(vocab_size=tokenizer.vocab_size, block_size=s["block_size"],
                       n_layer=s["n_layer"], n_head=s["n_head"], n_embd=s["n_embd"],
                       dropout=0.0, bias=False)  # fmt: skip
    ours = GPT(config)
    theirs = twin_of(ours, torch.float32)
    our_opt, our_schedule = make_optimizer(ours, s)
    their_opt, their_schedule = make_optimizer(theirs, s, optim=torch.optim)
    our_params, their_params = list(ours.parameters()), list(theirs.parameters())
    rng = np.random.default_rng(args.seed)

    def our_step(x, y):
        loss = ours(vt.tensor(x), vt.tensor(y))[1]
        our_opt.zero_grad()
        loss.backward()
        clip_grad_norm_(our_params, s["grad_clip"])
        our_opt.step()
        our_schedule.step()
        return loss.item()

    def their_step(x, y):
        loss = theirs(torch.from_numpy(x), torch.from_numpy(y))[1]
        their_opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(their_params, s["grad_clip"])
        their_opt.step()
        their_schedule.step()
        return loss.item()

    losses, seconds = {"v3_nn": [], "torch": []}, {"v3_nn": [], "torch": []}
    print(f"{'iter':>5} {'v3_nn':>9} {'torch':>9} {'|diff|':>9}")
    for it in range(args.iters):
        x, y = text.get_batch(data, s["block_size"], s["batch_size"], rng)
        for name, step in [("v3_nn", our_step), ("torch", their_step)]:
            started = time.perf_counter()
            losses[name].append(step(x, y))
            seconds[name].append(time.perf_counter() - started)
        if it % 25 == 0 or it == args.iters - 1:
            a, b = losses["v3_nn"][-1], losses["torch"][-1]
            print(f"{it:>5} {a:>9.4f} {b:>9.4f} {abs(a - b):>9.2e}", flush=True)

    ours_curve, theirs_curve = np.array(losses["v3_nn"]), np.array(losses["torch"])
    diff = np.abs(ours_curve - theirs_curve)
    worst = int(diff.argmax())
    ours_ms = 1000 * statistics.median(seconds["v3_nn"][5:])
    theirs_ms = 1000 * statistics.median(seconds["torch"][5:])
    print(
        f"\n{args.iters} iterations, float32, one thread: largest |loss difference| "
        f"{diff.max():.2e} (iteration {worst}: {ours_curve[worst]:.5f} vs "
        f"{theirs_curve[worst]:.5f}); final losses {ours_curve[-1]:.4f} vs "
        f"{theirs_curve[-1]:.4f}"
    )
    print(
        f"median step: v3_nn {ours_ms:.1f} ms, torch {theirs_ms:.1f} ms, "
        f"ratio {ours_ms / theirs_ms:.2f}x torch"
    )
    print(
        f"summary: bench_gpt_train {args.iters} iters float32 1 thread: max |loss diff| "
        f"{diff.max():.1e}, step v3_nn {ours_ms:.1f} ms / torch {theirs_ms:.1f} ms = "
        f"{ours_ms / theirs_ms:.2f}x"
    )
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True,
                                          height_ratios=[3, 1.3])  # fmt: skip
        top.plot(ours_curve, lw=1, label="v3_nn")
        top.plot(theirs_curve, lw=1, ls="--", label="torch")
        top.set(ylabel="batch loss", title="GPT 4x128 on Tiny Shakespeare, same batches")
        top.legend()
        bottom.semilogy(np.maximum(diff, 1e-9), lw=0.8, color="k")
        bottom.set(xlabel="iteration", ylabel="|difference|")
        fig.tight_layout()
        fig.savefig(args.plot, dpi=110)
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
