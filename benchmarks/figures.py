"""Regenerate every figure and printed result of the READMEs from one command.

    uv run python benchmarks/figures.py                 # all (long: every script and benchmark)
    uv run python benchmarks/figures.py --only v3-xor   # one entry (--list names them)
    uv run python benchmarks/figures.py --check         # run, but only report what would change
    uv run python benchmarks/figures.py --reuse         # rewrite from the last run's outputs
    uv run python benchmarks/figures.py --tiny          # try every entry quickly, write nothing

Each entry of FIGURES runs a script on its defaults (or a benchmark, or a few lines of code),
with BLAS on one thread so the numbers repeat, from the repository's root. What the run
prints is kept in output/figures/<entry>.<i>.txt beside the files the script writes into
output/; from those the entry renders the README text between `<!-- figures:MARK -->` and
`<!-- /figures:MARK -->` (a fenced block keeps its fence and gets new contents; anything
else is replaced as it is), and its images are copied into the stage's figures/ folder.
At the end it says which texts and images changed, with a diff of the texts.

The tests (tests/test_readme_commands.py) run every entry on its tiny settings and check that
what it renders has the form of what the README shows, that every marker belongs to an entry
and every README image to one entry's copies. The benchmarks are not run there: their entries
render from recorded runs in tests/data/benchmark_runs/ (a new benchmark entry adds its own:
`--tiny --only NAME` leaves its printed text in output/figures/tiny/ and its files in output/).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDS = Path("output/figures")  # what each run printed, relative to the root
MARK = re.compile(r"<!-- figures:([\w.-]+) -->(.*?)<!-- /figures:\1 -->", re.DOTALL)
SKIPPED = {"shared", "output", "data", "models", "node_modules", "venv"}  # not the project's
SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Outputs:
    """What an entry's commands left: their printed text, and the folder output/ is in."""

    printed: list[str]
    root: Path

    def json(self, path: str) -> dict:
        return json.loads((self.root / path).read_text())


@dataclass(frozen=True)
class Figure:
    name: str
    readme: str  # the README whose marks it renders, relative to the root
    # each command is python's arguments: ("-m", module, flags...), (file, flags...) or ("-c", code)
    commands: tuple[tuple[str, ...], ...]
    copies: dict[str, str] = field(default_factory=dict)  # output file -> figure, from the root
    render: Callable[[Outputs], dict[str, str]] = lambda outputs: {}
    tiny: tuple[str, ...] = ()  # flags the tests add to every command for a quick run
    benchmark: bool = False  # times things: run it on a quiet machine
    varies: tuple[str, ...] = ()  # patterns of a tiny run's text that may differ in form
    prose: tuple[str, ...] = ()  # marks of a model's free text: only their presence is tested
    needs: tuple[str, ...] = ()  # files the run reads that not every machine has


def lines(text: str, first: str, last: str | None = None, *, keep: str = "", drop: str = "") -> str:
    """The lines of text from the one starting with `first` to the one starting with `last`
    (or the end); if given, only those starting with a word of `keep`, none with one of
    `drop`."""
    chosen = text.splitlines()
    start = next(i for i, line in enumerate(chosen) if line.lstrip().startswith(first))
    chosen = chosen[start:]
    if last is not None:
        end = next(i for i, line in enumerate(chosen) if line.lstrip().startswith(last))
        chosen = chosen[: end + 1]
    if keep:
        chosen = [line for line in chosen if line.lstrip().startswith(tuple(keep.split()))]
    if drop:
        chosen = [line for line in chosen if not line.lstrip().startswith(tuple(drop.split()))]
    return "\n".join(chosen)


def line_value(text: str, start: str, pattern: str = r"[-+]?[\d.]+(?:e[-+]?\d+)?") -> str:
    """The first number (or pattern) after `start` on the line that starts with it."""
    line = next(line for line in text.splitlines() if line.lstrip().startswith(start))
    return re.search(pattern, line[line.index(start) + len(start) :]).group(0)


def _numbers(line: str) -> list[float]:
    return [float(x) for x in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", line)]


def _speed_row(ours: float, theirs: float, ratio: float, unit: str = "ms") -> str:
    """The cells of a row of the top README's Speed table: ours, the peer's, the ratio."""
    return f"{ours:.3g} {unit} | torch {theirs:.3g} {unit} | **{ratio:.2f}x torch**"


def _bench_v1(outputs: Outputs) -> dict[str, str]:
    data = outputs.json("output/v1/bench_v1.json")
    steps = data["steps"]
    peer = steps["micrograd/collector-on"]
    rows = [
        ("v1_scalar", "on", "gradlab/collector-on"),
        ("micrograd", "on (as users run it)", "micrograd/collector-on"),
        ("micrograd", "off", "micrograd/collector-off"),
        ("v1_scalar", "off", "gradlab/collector-off"),
        ("v1_scalar with micrograd's chained neuron", "on", "gradlab-chained/collector-on"),
    ]
    table = [
        "| engine | collector | median step | mean step | speed-up vs micrograd (median, mean) |",
        "|---|---|---|---|---|",
    ]
    for engine, collector, key in rows:
        row = steps[key]
        up = peer["median_wall"] / row["median_wall"], peer["mean_wall"] / row["mean_wall"]
        shown = "1x" if row is peer else f"{up[0]:.1f}x, {up[1]:.1f}x"
        table.append(
            f"| {engine} | {collector} | {row['median_wall']:.3f} s | {row['mean_wall']:.3f} s "
            f"| {shown} |"
        )
    memory = data["memory"]
    per_node = {e: m["backward_bytes"] / m["nodes"] for e, m in memory.items()}
    depth = data["depth"]
    ours = depth["gradlab"]
    theirs = depth["micrograd"]
    theirs_shown = (
        f"{theirs['seconds']:.2f} s" if theirs["ok"] else f"`{theirs.get('error', 'wrong')}`"
    )
    speed_up = peer["median_wall"] / steps["gradlab/collector-on"]["median_wall"]
    return {
        "bench-v1": "\n".join(table),
        "bench-v1.speed": (
            f"{steps['gradlab/collector-on']['median_wall']:.3f} s | micrograd "
            f"{peer['median_wall']:.3f} s | **{speed_up:.1f}x faster**"
        ),
        "bench-v1.memory": (
            f"{per_node['gradlab-chained']:.0f} B | micrograd {per_node['micrograd']:.0f} B | "
            f"**{data['memory_per_node_ratio_same_graph']:.2f}x**"
        ),
        "bench-v1.depth": f"{ours['seconds']:.2f} s | micrograd {theirs_shown} |",
    }


def _bench_v2_memory(outputs: Outputs) -> dict[str, str]:
    workloads = {
        "5 x tanh of 4000x4000 float64": "5 x tanh of a 4000x4000 float64 array",
        "MLP 784-256-10": "MLP 784-256-10, batch 128, float32",
    }
    table = [
        "| workload | library | peak during forward + backward | held after backward "
        "(loss alive) |",
        "|---|---|---|---|",
    ]
    printed = outputs.printed[0].splitlines()
    for title, shown in workloads.items():
        for i, library in enumerate(("v2_tensor", "torch")):
            line = next(x for x in printed if x.startswith(title) and x.split()[-3] == library)
            peak, held = _numbers(line.rsplit(library, 1)[1])
            first = " " if i else f" {shown} "  # the workload's name on its first row only
            table.append(f"|{first}| {library} | {peak:.1f} MB | {held:.1f} MB |")
    return {"bench-v2-memory": "\n".join(table)}


MLP_GRAPH = """\
import numpy as np
import v2_tensor as vt
from v2_tensor.graph import draw

rng = np.random.default_rng(0)
x = vt.tensor(rng.standard_normal((4, 3)))
y = vt.tensor([0, 2, 1, 0])
W1 = vt.tensor(rng.standard_normal((3, 5)) / np.sqrt(3), requires_grad=True)
b1 = vt.tensor(np.zeros(5), requires_grad=True)
W2 = vt.tensor(rng.standard_normal((5, 3)) / np.sqrt(5), requires_grad=True)
b2 = vt.tensor(np.zeros(3), requires_grad=True)
logits = (x @ W1 + b1).relu() @ W2 + b2
loss = -logits.log_softmax(dim=1)[vt.arange(4), y].mean()
names = {"x": x, "W1": W1, "b1": b1, "W2": W2, "b2": b2}
draw(loss, "output/figures/mlp_graph.svg", names=names)
print(f"loss {loss.item():.5f}")
"""


def _predict_transcript(outputs: Outputs) -> dict[str, str]:
    sample, prediction = outputs.printed
    shown = prediction.splitlines()[:6] + ["  ..."]  # the digit, the confidence, 0 to 3
    return {
        "v3-predict": "\n".join(
            [
                "$ uv run python -m v3_nn.save_sample --index 7",
                sample.strip(),
                "$ uv run python -m v3_nn.predict --image-path output/mnist/sample_7.png",
                *shown,
            ]
        )
    }


def _harness_table(outputs: Outputs, name: str) -> str:
    """One benchmark's record from benchmarks/harness.py: per library the median step with
    its interquartile range, CPU time and page faults; then the ratios and peak memory."""
    timed = outputs.json(f"output/benchmarks/{name}.json")
    memory = outputs.json(f"output/benchmarks/{name}_memory.json")
    rows = [f"{'library':<14}{'median ms':>10}{'IQR':>18}{'CPU ms':>9}{'faults':>8}{'peak MB':>9}"]
    for library, row in timed["libraries"].items():
        iqr = f"[{row['wall_q1_ms']:.2f}, {row['wall_q3_ms']:.2f}]"
        peak = memory["libraries"][library]["peak_mb"]
        rows.append(
            f"{library:<14}{row['wall_median_ms']:>10.2f}{iqr:>18}{row['cpu_median_ms']:>9.2f}"
            f"{row['minor_faults_median']:>8.0f}{peak:>9.1f}"
        )
    q1, q3 = timed["paired_ratio_iqr"]
    rows.append(
        f"ratio to torch {timed['ratio']:.2f}x (per-step pairs {timed['paired_ratio_median']:.2f}x"
        f" [{q1:.2f}, {q3:.2f}], CPU {timed['cpu_ratio']:.2f}x), peak memory {memory['ratio']:.2f}x"
    )
    return "\n".join(rows)


def _bench_speed(outputs: Outputs) -> dict[str, str]:
    """The top README's table of every training benchmark (run_all.py's all.md), and each
    stage benchmark's own table."""
    stage = {"v2_mlp": "bench-v2-mlp", "v3_lstm": "bench-v3-lstm", "v3_mlp": "bench-v3-mlp"}
    stage["v3_cnn"] = "bench-v3-cnn"
    rendered = {"bench-speed": (outputs.root / "output/benchmarks/all.md").read_text()}
    rendered |= {mark: _harness_table(outputs, name) for name, mark in stage.items()}
    return rendered


def _gpt_table(outputs: Outputs) -> dict[str, str]:
    """The evaluations of a train_gpt run as a table, one column per evaluation."""
    metrics = outputs.json("output/nanogpt-cpu/metrics.json")
    cells = {
        "iteration": [str(i) for i in metrics["iter"]],
        "train loss": [f"{x:.4f}" for x in metrics["train_loss"]],
        "validation loss": [f"{x:.4f}" for x in metrics["val_loss"]],
    }
    cells["validation loss"][-1] = f"**{cells['validation loss'][-1]}**"
    rows = [f"| {label} | " + " | ".join(values) + " |" for label, values in cells.items()]
    rows.insert(1, "|---" * (len(metrics["iter"]) + 1) + "|")
    return {"v3-gpt": "\n".join(rows)}


def _bench_gpt_train(outputs: Outputs) -> dict[str, str]:
    """The first and last rows of the twin's loss table, and its summary lines."""
    table = [line for line in outputs.printed[0].splitlines() if line.strip()]
    start = next(i for i, line in enumerate(table) if line.split()[0] == "iter")
    end = next(i for i, line in enumerate(table) if "iterations, float32" in line)
    head = [table[start], table[start + 1], table[end - 1]]
    return {
        "bench-gpt-train": "\n".join(
            [
                *head,
                "",
                *lines(outputs.printed[0], f"{table[end].split()[0]} iterations").splitlines(),
            ]
        )
    }


V0, V1, V2, V3 = "README.md", "v1_scalar/README.md", "v2_tensor/README.md", "v3_nn/README.md"
# the development machines' copy of Tiny Shakespeare (the README names it ../shared/...)
CORPUS = str(ROOT.parent / "shared" / "data" / "tinyshakespeare.txt")
SEEDS = tuple(str(seed) for seed in range(1, 11))  # of bench-gpt-seeds
GPT_TINY = (
    *("--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16"),
    *("--batch-size", "4", "--max-iters", "16", "--warmup-iters", "2"),
    *("--eval-interval", "2", "--eval-iters", "2"),
)
GAN_TINY = (
    *("--epochs", "1", "--batch-size", "32", "--samples", "50", "--classifier-epochs", "1"),
    *("--g-channels", "8", "4", "--d-channels", "4", "8"),
)

FIGURES = [
    Figure(
        "v1-walkthrough",
        V1,
        (("-m", "v1_scalar.walkthrough"),),
        {
            "output/v1/walkthrough.png": "v1_scalar/figures/walkthrough.png",
            "output/v1/walkthrough.svg": "v1_scalar/figures/walkthrough.svg",
        },
        lambda o: {"v1-walkthrough": lines(o.printed[0], "Backward pass", "dL/db1")},
    ),
    Figure(
        "v1-regression",
        V1,
        (("-m", "v1_scalar.train", "--quiet", "--graph", "output/v1/neuron_graph.png"),),
        {
            "output/v1/regression_loss.png": "v1_scalar/figures/regression_loss.png",
            "output/v1/neuron_graph.png": "v1_scalar/figures/neuron_graph.png",
        },
        lambda o: {
            "v1-regression-gap": line_value(o.printed[0], "largest gap to the least-squares fit"),
            "v1-regression-error": line_value(o.printed[0], "largest error to the true weights"),
        },
        tiny=("--epochs", "3"),
    ),
    Figure(
        "v1-moons",
        V1,
        (("-m", "v1_scalar.train", "--task", "moons", "--quiet"),),
        {
            "output/v1/moons_loss.png": "v1_scalar/figures/moons_loss.png",
            "output/v1/moons_boundary.png": "v1_scalar/figures/moons_boundary.png",
        },
        lambda o: {"v1-moons-accuracy": line_value(o.printed[0], "Training accuracy", r"\S+%")},
        tiny=("--epochs", "2", "--samples", "10"),
    ),
    Figure(
        "v2-mlp-graph",
        V2,
        (("-c", MLP_GRAPH),),
        {"output/figures/mlp_graph.svg": "v2_tensor/figures/mlp_graph.svg"},
    ),
    Figure(
        "v2-income",
        V2,
        (("-m", "v2_tensor.train", "--quiet"),),
        {"output/v2/income.png": "v2_tensor/figures/income.png"},
        lambda o: {"v2-income": lines(o.printed[0], "weights in USD", "test:")},
        tiny=("--epochs", "5", "--timeout", "1"),
    ),
    Figure(
        "v2-gender",
        V2,
        (("-m", "v2_tensor.train", "--task", "gender", "--quiet"),),
        {"output/v2/gender.png": "v2_tensor/figures/gender.png"},
        lambda o: {"v2-gender": f"`{lines(o.printed[0], 'accuracy:', 'accuracy:')}`"},
        tiny=("--epochs", "5", "--timeout", "1"),
    ),
    Figure(
        "v3-optimizers",
        V3,
        (("-m", "v3_nn.optimizers", "--quiet"),),
        {
            "output/optimizers/trajectories.png": "v3_nn/figures/rosenbrock_trajectories.png",
            "output/optimizers/loss.png": "v3_nn/figures/rosenbrock_loss.png",
        },
        lambda o: {"v3-optimizers": lines(o.printed[0], "optimizer", "Adam")},
        tiny=("--steps", "5"),
    ),
    Figure(
        "v3-lstm",
        V3,
        (("-m", "v3_nn.train_lstm", "--quiet"),),
        {"output/timeseries/forecast.png": "v3_nn/figures/lstm_forecast.png"},
        lambda o: {"v3-lstm": lines(o.printed[0], "test MSE").split(";")[0]},
        tiny=("--epochs", "1"),
    ),
    Figure(
        "v3-transformer",
        V3,
        (("-m", "v3_nn.train_transformer", "--quiet"),),
        {"output/transformer/attention.png": "v3_nn/figures/transformer_attention.png"},
        lambda o: {  # the accuracies and the first three of the five sequences it prints
            "v3-transformer": "\n".join(lines(o.printed[0], "fresh sequences").splitlines()[:4])
        },
        tiny=("--steps", "3", "--eval-size", "10"),
        varies=(r"\b(ok|WRONG)\b",),
    ),
    Figure(
        "v3-mlp",
        V3,
        (("-m", "v3_nn.train_mlp", "--source", "digits", "--quiet"),),
        {"output/mnist/curves.png": "v3_nn/figures/mnist_mlp_curves.png"},
        lambda o: {"v3-mlp": lines(o.printed[0], "data:", "final:", keep="data: final:")},
        tiny=("--epochs", "1", "--hidden", "8"),
    ),
    Figure(
        "v3-predict",  # uses the checkpoint of v3-mlp
        V3,
        (
            ("-m", "v3_nn.save_sample", "--index", "7"),
            ("-m", "v3_nn.predict", "--image-path", "output/mnist/sample_7.png"),
        ),
        render=_predict_transcript,
        varies=(r"^confidence: .*$", r" *#*$"),  # how sure a tiny model is
    ),
    Figure(
        "v3-xor",
        V3,
        (("-m", "v3_nn.train_xor", "--quiet"),),
        {"output/xor/xor.png": "v3_nn/figures/xor.png"},
        lambda o: {"v3-xor": lines(o.printed[0], "0 xor 0", "final loss")},
        tiny=("--epochs", "5"),
    ),
    Figure(
        "v3-cnn",
        V3,
        (("-m", "v3_nn.train_cnn", "--source", "digits", "--quiet"),),
        {"output/cnn/curves.png": "v3_nn/figures/cnn_curves.png"},
        lambda o: {"v3-cnn": lines(o.printed[0], "data:", "final:", keep="data: final:")},
        tiny=("--epochs", "1", "--channels", "4"),
    ),
    Figure(
        "v3-vae",
        V3,
        (("-m", "v3_nn.train_autoencoder", "--model", "vae", "--source", "digits", "--quiet"),),
        {
            "output/vae/reconstructions.png": "v3_nn/figures/vae_reconstructions.png",
            "output/vae/samples.png": "v3_nn/figures/vae_samples.png",
            "output/vae/latent.png": "v3_nn/figures/vae_latent.png",
        },
        lambda o: {"v3-vae": lines(o.printed[0], "final:", "final:")},
        tiny=("--epochs", "1", "--channels", "4", "8"),
    ),
    Figure(
        "v3-ae",
        V3,
        (("-m", "v3_nn.train_autoencoder", "--model", "ae", "--source", "digits", "--quiet"),),
        {"output/ae/reconstructions.png": "v3_nn/figures/ae_reconstructions.png"},
        lambda o: {"v3-ae": lines(o.printed[0], "final:", "final:")},
        tiny=("--epochs", "1", "--channels", "4", "8"),
    ),
    Figure(
        "v3-wgan-gp",
        V3,
        (("-m", "v3_nn.train_gan", "--loss", "wgan-gp", "--source", "digits", "--quiet"),),
        {
            "output/gan-wgan-gp/samples.png": "v3_nn/figures/wgan_gp_samples.png",
            "output/gan-wgan-gp/progression.png": "v3_nn/figures/wgan_gp_progression.png",
            "output/gan-wgan-gp/curves.png": "v3_nn/figures/wgan_gp_curves.png",
        },
        lambda o: {"v3-wgan-gp": lines(o.printed[0], "generated digits", "real test digits")},
        tiny=GAN_TINY,
    ),
    Figure(
        "v3-gan-bce",
        V3,
        (("-m", "v3_nn.train_gan", "--loss", "bce", "--source", "digits", "--quiet"),),
        {"output/gan-bce/samples.png": "v3_nn/figures/gan_bce_samples.png"},
        lambda o: {"v3-gan-bce": lines(o.printed[0], "generated digits", "generated digits")},
        tiny=GAN_TINY,
    ),
    Figure(
        "v3-gpt",
        V3,
        (
            (
                *("-m", "v3_nn.train_gpt", "--preset", "nanogpt-cpu", "--data", CORPUS),
                *("--out", "output/nanogpt-cpu", "--checkpoint", "models/nanogpt-cpu.safetensors"),
                "--quiet",
            ),
        ),
        {"output/nanogpt-cpu/loss.png": "v3_nn/figures/gpt_nanogpt_cpu_loss.png"},
        render=_gpt_table,
        tiny=GPT_TINY,
        needs=(CORPUS,),
    ),
    Figure(
        "v3-gpt-sample",  # uses the checkpoint of v3-gpt
        V3,
        (
            (
                *("-m", "v3_nn.sample", "--checkpoint", "models/nanogpt-cpu.safetensors"),
                *("--prompt", "ROMEO:", "--tokens", "500", "--temperature", "0.8"),
                *("--top-k", "200", "--seed", "1"),
            ),
        ),
        render=lambda o: {"v3-gpt-sample": o.printed[0].strip("\n")},
        tiny=("--tokens", "40"),
        prose=("v3-gpt-sample",),
        needs=(CORPUS,),  # through v3-gpt's checkpoint
    ),
    Figure(
        "bench-v1",
        V1,
        (("benchmarks/bench_v1.py",),),
        render=_bench_v1,
        tiny=("--rounds", "1", "--steps", "1", "--depth", "1000"),
        benchmark=True,
    ),
    Figure(
        "bench-speed",
        V0,
        (("benchmarks/run_all.py",),),
        render=_bench_speed,
        tiny=("--steps", "2", "--memory-steps", "1"),
        benchmark=True,
        # a ratio and a peak-memory cell name their target only where it is missed
        varies=(r"\*\*[\d.]+x\*\*( \(target [^)]*\))?", r"[\d.]+x( \(target [^)]*\))? \|$"),
    ),
    Figure(
        "bench-bpe",
        V3,
        (("benchmarks/bench_bpe.py",),),
        render=lambda o: {"bench-bpe": lines(o.printed[0], "text", "training time")},
        tiny=("--vocab-size", "300"),
        benchmark=True,
    ),
    Figure(
        "bench-gpt-train",
        V3,
        (("benchmarks/bench_gpt_train.py", "--iters", "200"),),
        render=_bench_gpt_train,
        tiny=("--iters", "8"),
        benchmark=True,
    ),
    Figure(
        "bench-gpt-seeds",  # 20 runs of 2,000 iterations: about 50 minutes on two cores
        V3,
        (
            ("benchmarks/gpt_seeds.py", "--engine", "v3_nn", "--seeds", *SEEDS, "--jobs", "2"),
            ("benchmarks/gpt_seeds.py", "--engine", "torch", "--seeds", *SEEDS, "--jobs", "2"),
            ("benchmarks/gpt_seeds.py", "--summary"),
        ),
        render=lambda o: {"bench-gpt-seeds": lines(o.printed[2], "nanoGPT CPU recipe")},
        tiny=("--tiny", "--iters", "3"),
        benchmark=True,
        needs=(CORPUS,),
    ),
    Figure(
        "bench-v2-memory",  # no tiny settings: it measures a 4000x4000 graph, in seconds
        V2,
        (("benchmarks/bench_v2_memory.py",),),
        render=_bench_v2_memory,
        benchmark=True,
    ),
]


# --- the README's marked text ----------------------------------------------------------------


def marks(text: str) -> dict[str, str]:
    """Every marked part of a README: mark name -> the text between the markers."""
    return {match.group(1): match.group(2) for match in MARK.finditer(text)}


def shown(old: str) -> str:
    """The text a mark shows: the inside of its fenced block, or the text itself."""
    inner = old.strip("\n")
    if inner.startswith("```"):
        return inner.split("\n", 1)[1].rsplit("```", 1)[0].strip("\n")
    return inner.strip()


def fill(old: str, new: str) -> str:
    """What goes between the markers: a fenced block keeps its fence lines, other text its
    surrounding white space."""
    inner = old.strip("\n")
    fence = inner.split("\n", 1)[0]
    if fence.startswith("```"):
        lead, tail = old[: len(old) - len(old.lstrip("\n"))], old[len(old.rstrip("\n")) :]
        return f"{lead}{fence}\n{new.strip(chr(10))}\n```{tail}"
    lead, tail = old[: len(old) - len(old.lstrip())], old[len(old.rstrip()) :]
    return f"{lead}{new.strip()}{tail}"


def rewrite(text: str, rendered: dict[str, str]) -> str:
    def replace(match: re.Match) -> str:
        name, old = match.group(1), match.group(2)
        if name not in rendered:
            return match.group(0)
        return f"<!-- figures:{name} -->{fill(old, rendered[name])}<!-- /figures:{name} -->"

    return MARK.sub(replace, text)


# --- running ---------------------------------------------------------------------------------


def marked_readmes() -> list[str]:
    """The READMEs with marks, relative to the root (an entry may mark text in several: its
    stage's README and the top one's Speed table)."""
    found = []
    for path in sorted(ROOT.rglob("README.md")):
        relative = path.relative_to(ROOT)
        hidden = any(part.startswith(".") or part in SKIPPED for part in relative.parts[:-1])
        if not hidden and MARK.search(path.read_text()):
            found.append(relative.as_posix())
    return found


def run(figure: Figure, reuse: bool, tiny: bool = False) -> Outputs:
    env = {**os.environ, **SINGLE_THREAD, "MPLBACKEND": "Agg"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    printed = []
    for i, command in enumerate(figure.commands):
        if tiny and command[0] != "-c":
            command = (*command, *figure.tiny)
        record = ROOT / RECORDS / ("tiny" if tiny else "") / f"{figure.name}.{i}.txt"
        if reuse:
            if not record.exists():
                raise RuntimeError(f"no earlier run: {record.relative_to(ROOT)} is missing")
            printed.append(record.read_text())
            continue
        shown = " ".join(c if "\n" not in c else "<code>" for c in command)
        print(f"[{figure.name}] python {shown}", flush=True)
        done = subprocess.run(
            [sys.executable, *command], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(f"python {shown} ended with exit code {done.returncode}")
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(done.stdout)
        printed.append(done.stdout)
    return Outputs(printed, ROOT)


def update(figures: Sequence[Figure], check: bool, reuse: bool, tiny: bool = False) -> int:
    """Run the entries, rewrite their marks and copy their images; 0 if nothing changed."""
    readmes = {readme: (ROOT / readme).read_text() for readme in marked_readmes()}
    original = dict(readmes)
    images, failed = [], []
    for figure in figures:
        try:
            outputs = run(figure, reuse, tiny)
            rendered = figure.render(outputs)
        except (RuntimeError, OSError, StopIteration, AttributeError, KeyError) as error:
            failed.append(f"{figure.name}: {error}")
            continue
        missing = set(rendered) - {mark for text in readmes.values() for mark in marks(text)}
        if missing:
            failed.append(f"{figure.name}: no README marks {sorted(missing)}")
        readmes = {readme: rewrite(text, rendered) for readme, text in readmes.items()}
        for source, target in figure.copies.items():
            new = ROOT / source
            if not new.exists():
                failed.append(f"{figure.name}: the run wrote no {source}")
                continue
            old = ROOT / target
            state = "new" if not old.exists() else "unchanged"
            if old.exists() and old.read_bytes() != new.read_bytes():
                state = "changed"
            images.append((target, state))
            if state != "unchanged" and not check:
                old.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(new, old)
    changed = 0
    for readme, text in readmes.items():
        before, after = marks(original[readme]), marks(text)
        for name in after:
            if before[name] != after[name]:
                changed += 1
                print(f"\n{readme}: {name} changed")
                diff = difflib.unified_diff(
                    before[name].strip("\n").splitlines(),
                    after[name].strip("\n").splitlines(),
                    "before",
                    "after",
                    lineterm="",
                )
                print("\n".join(f"    {line}" for line in diff))
        if text != original[readme] and not check:
            (ROOT / readme).write_text(text)
    print()
    for target, state in images:
        changed += state != "unchanged"
        print(f"{target}: {state}")
    verb = "would change" if check else "changed"
    print(f"\n{changed} text(s) and image(s) {verb}; {len(figures) - len(failed)} entries ran")
    for problem in failed:
        print(f"FAILED {problem}", file=sys.stderr)
    return 2 if failed else int(check and changed > 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="figures.py")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="these entries (see --list)")
    parser.add_argument("--check", action="store_true", help="report changes, write nothing")
    parser.add_argument("--reuse", action="store_true", help="render from the last run's outputs")
    parser.add_argument("--skip-benchmarks", action="store_true", help="leave the timings alone")
    parser.add_argument(
        "--tiny", action="store_true", help="on the tests' tiny settings, to try the entries out "
        "quickly (implies --check: the READMEs keep their full-run figures)"
    )  # fmt: skip
    parser.add_argument("--list", action="store_true", help="name every entry and stop")
    args = parser.parse_args(argv)
    if args.list:
        for figure in FIGURES:
            kind = "benchmark" if figure.benchmark else "script"
            print(f"{figure.name:<16} {kind:<10} {figure.readme}")
        return 0
    names = {figure.name for figure in FIGURES}
    unknown = sorted(set(args.only or ()) - names)
    if unknown:
        parser.error(f"no entries {unknown}; --list names them")
    chosen = [
        figure
        for figure in FIGURES
        if (args.only is None or figure.name in args.only)
        and not (args.skip_benchmarks and figure.benchmark)
    ]
    return update(chosen, args.check or args.tiny, args.reuse, args.tiny)


if __name__ == "__main__":
    sys.exit(main())
