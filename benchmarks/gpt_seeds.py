"""The nanoGPT CPU recipe under many seeds, by v3_nn and by torch: where does 1.88 lie?

    uv run python benchmarks/gpt_seeds.py --engine v3_nn --seeds 1 2 3 [--jobs 2]
    uv run python benchmarks/gpt_seeds.py --engine torch --seeds 1 2 3 [--jobs 2]
    uv run python benchmarks/gpt_seeds.py --summary

nanoGPT's README gives one figure for its CPU recipe, a validation loss of 1.88: one seed,
estimated on 20 random batches. How far a run lands from it depends on the seed (the
initial weights and the random windows) and on the estimate's own noise, so the question
"does v3_nn reach it?" is one about distributions: this trains the recipe under each seed
and scores every final model the same way, without the estimate's noise.

- v3_nn: each run is `python -m v3_nn.train_gpt --preset nanogpt-cpu --seed S` itself
  (evaluating at the start and the end only, which does not change the training).
- torch: nanoGPT's train.py loop written in torch on the twin model (tests/gpt_torch.py):
  `torch.manual_seed(S)`, GPT-2's initialisation drawn by torch, windows drawn by
  `torch.randint`, `torch.optim.AdamW` on the same two groups, the learning rate of each
  iteration set on the groups as nanoGPT does, `clip_grad_norm_` at 1.
- Both: the characters of the first 90% of the text, float32, one thread per run.
- The score: the mean loss over every character of the held-out 10%, each predicted once,
  in consecutive windows of block_size characters (the expectation of nanoGPT's estimate:
  its random windows give every position the same chance, and each window's contexts are
  0 to block_size - 1 characters long, as here). v3_nn's runs also record train_gpt's own
  estimate (200 fixed batches).

Each run writes <out>/<engine>-<seed>.json when it ends, so runs can be spread over
processes (--jobs) or sessions; --summary tabulates whatever is there.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from multiprocessing import get_context  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from v3_nn import text  # noqa: E402
from v3_nn.train_gpt import BETAS, NANOGPT_CPU_VAL_LOSS, PRESETS, learning_rate  # noqa: E402

CORPUS = ROOT / ".." / "shared" / "data" / "tinyshakespeare.txt"
TINY = {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 16, "warmup_iters": 1}


def recipe(args: argparse.Namespace) -> dict:
    s = {**PRESETS["nanogpt-cpu"], **(TINY if args.tiny else {})}
    if args.iters is not None:
        s["max_iters"] = args.iters
    return s


def windows(ids: np.ndarray, block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every token of ids but the first as a target once: consecutive windows and their
    targets, shifted by one."""
    n = (len(ids) - 1) // block_size
    return (ids[: n * block_size].reshape(n, block_size),
            ids[1 : n * block_size + 1].reshape(n, block_size))  # fmt: skip


def held_out_loss(loss_of, ids: np.ndarray, block_size: int, batch: int = 64) -> float:
    """The mean loss over every window of ids; loss_of(x, y) is a batch's mean loss."""
    x, y = windows(ids, block_size)
    total = sum(loss_of(x[i : i + batch], y[i : i + batch]) * len(x[i : i + batch])
                for i in range(0, len(x), batch))  # fmt: skip
    return total / len(x)


def v3_run(seed: int, s: dict, data: Path, val_ids: np.ndarray) -> dict:
    import v2_tensor as vt
    from v3_nn.train_gpt import main as train_gpt
    from v3_nn.train_gpt import model_from, read_checkpoint

    with tempfile.TemporaryDirectory() as folder:
        checkpoint = Path(folder) / "gpt.safetensors"
        flags = {"seed": seed, "data": data, "out": Path(folder) / "out",
                 "checkpoint": checkpoint, "eval-interval": s["max_iters"]}  # fmt: skip
        flags |= {key.replace("_", "-"): s[key] for key in (*TINY, "max_iters")}
        argv = ["--preset", "nanogpt-cpu", "--quiet"]
        argv += [word for key, value in flags.items() for word in (f"--{key}", str(value))]
        with contextlib.redirect_stdout(io.StringIO()):  # its report names the temporary files
            metrics = train_gpt(argv)
        model = model_from(read_checkpoint(checkpoint))
    model.eval()

    @vt.no_grad()
    def loss_of(x, y):
        return model(vt.tensor(x), vt.tensor(y))[1].item()

    return {
        "val_loss": held_out_loss(loss_of, val_ids, s["block_size"]),
        "estimate_200_batches": metrics["val_loss"][-1],
        "train_last_100": float(np.mean(metrics["step_loss"][-100:])),
    }


def gpt2_init_(model, n_layer: int) -> None:
    """GPT-2's initialisation as nanoGPT applies it: N(0, 0.02) for every linear and
    embedding weight, zero biases, N(0, 0.02 / sqrt(2 n_layer)) for the residual projections."""
    from torch import nn

    for module in model.modules():
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, 0.0, 0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)
    for name, param in model.named_parameters():
        if name.endswith("c_proj.weight"):
            nn.init.normal_(param, 0.0, 0.02 / math.sqrt(2 * n_layer))


def torch_run(seed: int, s: dict, train_ids: np.ndarray, val_ids: np.ndarray, vocab: int) -> dict:
    import torch

    from tests.gpt_torch import GPT
    from v3_nn.gpt import GPTConfig

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    config = GPTConfig(vocab_size=vocab, block_size=s["block_size"], n_layer=s["n_layer"],
                       n_head=s["n_head"], n_embd=s["n_embd"], dropout=0.0, bias=False)  # fmt: skip
    model = GPT(config)
    gpt2_init_(model, s["n_layer"])
    optimizer = torch.optim.AdamW(model.parameter_groups(s["weight_decay"]), lr=s["lr"],
                                  betas=BETAS)  # fmt: skip
    data, T, losses = torch.from_numpy(train_ids), s["block_size"], []
    for it in range(s["max_iters"]):
        lr = learning_rate(it, s["lr"], s["min_lr"], s["warmup_iters"], s["max_iters"])
        for group in optimizer.param_groups:
            group["lr"] = lr
        starts = torch.randint(len(data) - T, (s["batch_size"],))
        x = torch.stack([data[i : i + T] for i in starts])
        y = torch.stack([data[i + 1 : i + 1 + T] for i in starts])
        _, loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), s["grad_clip"])
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
    model.eval()

    @torch.no_grad()
    def loss_of(x, y):
        return model(torch.from_numpy(x), torch.from_numpy(y))[1].item()

    return {
        "val_loss": held_out_loss(loss_of, val_ids, T),
        "train_last_100": float(np.mean(losses[-100:])),
    }


def one_run(engine: str, seed: int, s: dict, data: Path, out: Path) -> dict:
    train_text, val_text = text.split(text.read_text(data))
    tokenizer = text.CharTokenizer.train(train_text)
    train_ids = np.array(tokenizer.encode(train_text), dtype=np.int64)
    val_ids = np.array(tokenizer.encode(val_text), dtype=np.int64)
    began = time.perf_counter()
    if engine == "v3_nn":
        result = v3_run(seed, s, data, val_ids)
    else:
        result = torch_run(seed, s, train_ids, val_ids, tokenizer.vocab_size)
    result = {"engine": engine, "seed": seed, **result, "settings": s,
              "seconds": time.perf_counter() - began}  # fmt: skip
    (out / f"{engine}-{seed}.json").write_text(json.dumps(result, indent=1))
    print(f"{engine} seed {seed}: held-out loss {result['val_loss']:.4f} "
          f"({result['seconds']:.0f} s)", flush=True)  # fmt: skip
    return result


def summary(out: Path) -> None:
    runs: dict[str, list[dict]] = {}
    for path in sorted(out.glob("*.json")):
        run = json.loads(path.read_text())
        runs.setdefault(run["engine"], []).append(run)
    for group in runs.values():
        group.sort(key=lambda run: run["seed"])
    if not runs:
        raise SystemExit(f"gpt_seeds: no runs in {out}: run --engine v3_nn or torch first")
    iters = {run["settings"]["max_iters"] for group in runs.values() for run in group}
    print(f"nanoGPT CPU recipe, {', '.join(map(str, sorted(iters)))} iterations; "
          f"final loss on every held-out character")  # fmt: skip
    print(f"{'engine':<7} {'runs':>4} {'mean':>7} {'std':>7} {'min':>7} {'max':>7}  "
          f"at or below {NANOGPT_CPU_VAL_LOSS}")  # fmt: skip
    means = {}
    for engine, group in sorted(runs.items(), reverse=True):
        values = [run["val_loss"] for run in group]
        spread = statistics.stdev(values) if len(values) > 1 else math.nan
        means[engine] = (statistics.mean(values), spread, len(values))
        below = sum(v <= NANOGPT_CPU_VAL_LOSS for v in values)
        print(f"{engine:<7} {len(values):>4} {means[engine][0]:>7.4f} {spread:>7.4f} "
              f"{min(values):>7.4f} {max(values):>7.4f}  {below} of {len(values)}")  # fmt: skip
    if {"v3_nn", "torch"} <= means.keys():
        (a, sa, na), (b, sb, nb) = means["v3_nn"], means["torch"]
        error = math.sqrt(sa**2 / na + sb**2 / nb)
        print(f"v3_nn - torch: {a - b:+.4f} (standard error {error:.4f})")
    for engine, group in sorted(runs.items(), reverse=True):
        seeds = " ".join(f"{run['seed']}:{run['val_loss']:.4f}" for run in group)
        print(f"{engine} by seed: {seeds}")
    estimates = [run["estimate_200_batches"] for run in runs.get("v3_nn", [])]
    if estimates:
        print(f"v3_nn, train_gpt's own estimate (200 fixed batches): mean "
              f"{statistics.mean(estimates):.4f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["v3_nn", "torch"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1337])
    parser.add_argument("--jobs", type=int, default=1, help="runs at a time, one thread each")
    parser.add_argument("--iters", type=int, help="iterations (default: the recipe's 2,000)")
    parser.add_argument("--tiny", action="store_true", help="a 1-block, 16-wide model")
    parser.add_argument("--data", type=Path, default=CORPUS)
    parser.add_argument("--out", type=Path, help="default: output/gpt_seeds (_tiny with --tiny)")
    parser.add_argument("--summary", action="store_true", help="tabulate the runs in --out")
    args = parser.parse_args()
    args.out = args.out or Path("output/gpt_seeds_tiny" if args.tiny else "output/gpt_seeds")
    if args.summary:
        return summary(args.out)
    if args.engine is None:
        parser.error("give --engine v3_nn or --engine torch (or --summary)")
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    args.out.mkdir(parents=True, exist_ok=True)
    s = recipe(args)
    jobs = [(args.engine, seed, s, args.data, args.out) for seed in args.seeds]
    if args.jobs == 1:
        for job in jobs:
            one_run(*job)
        return None
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        for future in [pool.submit(one_run, *job) for job in jobs]:
            future.result()
    return None


if __name__ == "__main__":
    main()
