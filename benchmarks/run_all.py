"""Every training benchmark in sequence, time and peak memory, into one JSON and one table.

    python benchmarks/run_all.py [--steps N] [--only gpt,mnist_cnn] [--no-memory]

Each benchmark runs as its own process (time: its libraries alternating step by step; memory:
a fresh process per library, as `--memory` does), writes its JSON under output/benchmarks/,
and prints one summary line. At the end output/benchmarks/all.json holds every record and
output/benchmarks/all.md a markdown table in the README's Speed-table shape: ratio of
medians, the per-step paired ratio with its IQR, median ms ours / torch, minor page faults
per step, and the peak-memory ratio, each against its target. Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "output" / "benchmarks"

# (name, script, what it is) in the README's order
BENCHMARKS = [
    ("gpt", "bench_gpt.py", "nanoGPT CPU recipe: 4 layers, n_embd 128, block 64, batch 12, AdamW"),
    ("mnist_cnn", "bench_mnist_cnn.py", "MNIST CNN: 2 convs, pool, dropout, 2 linears, Adadelta"),
    ("lstm_lm", "bench_lstm_lm.py", "2-layer LSTM LM, emb/hidden 200, seq 35, batch 20, vocab 10k"),
    ("lstm_cell", "bench_lstm_cell.py", "LSTMCell loop, 1,000 steps, hidden 51, batch 97"),
    ("v2_mlp", "bench_v2_mlp.py", "MLP 784-256-10 forward + backward, batch 128 (v2_tensor)"),
    ("v3_mlp", "bench_v3_mlp.py", "one epoch of train_mlp (digits, Adam)"),
    ("v3_lstm", "bench_v3_lstm.py", "LSTM(1, 32) training step, 30 steps, batch 64, Adam"),
    ("v3_cnn", "bench_v3_cnn.py", "CNN training step, batch 64 of 28x28, SGD momentum"),
]  # fmt: skip


def _run(script: str, flags: list[str], out: Path) -> dict | None:
    command = [sys.executable, str(HERE / script), *flags, "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    sys.stderr.write(done.stdout)
    if done.returncode != 0 or not out.exists():
        sys.stderr.write(done.stderr)
        return None
    return json.loads(out.read_text())


def summary(name: str, timed: dict | None, memory: dict | None) -> str:
    """One line: ratio, paired ratio [IQR], ms ours/torch, faults, memory ratio."""
    parts = [f"{name}:"]
    if timed:
        libs = list(timed["libraries"].values())
        q1, q3 = timed["paired_ratio_iqr"]
        parts.append(
            f"time {timed['ratio']:.2f}x (pairs {timed['paired_ratio_median']:.2f}x "
            f"[{q1:.2f}, {q3:.2f}]; {libs[0]['wall_median_ms']:.1f} / "
            f"{libs[-1]['wall_median_ms']:.1f} ms; faults {libs[0]['minor_faults_median']:.0f} / "
            f"{libs[-1]['minor_faults_median']:.0f}; target {timed['target']:.2f}x "
            f"{'met' if timed['met'] else 'NOT met'})"
        )
    if memory:
        parts.append(
            f"memory {memory['ratio']:.2f}x (target {memory['target']:.2f}x "
            f"{'met' if memory['met'] else 'NOT met'})"
        )
    return " ".join(parts)


def table(rows: list[tuple[str, str, str, dict | None, dict | None]]) -> str:
    lines = [
        "| benchmark | command | ours ms | torch ms | ratio | per-step ratio [IQR] | "
        "faults/step ours / torch | peak memory ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, script, what, timed, memory in rows:
        cells = [what, f"`python benchmarks/{script}` (`--memory`)"]
        if timed:
            libs = list(timed["libraries"].values())
            q1, q3 = timed["paired_ratio_iqr"]
            mark = "" if timed["met"] else " (target {:.2f}x)".format(timed["target"])
            cells += [
                f"{libs[0]['wall_median_ms']:.1f}",
                f"{libs[-1]['wall_median_ms']:.1f}",
                f"**{timed['ratio']:.2f}x**{mark}",
                f"{timed['paired_ratio_median']:.2f}x [{q1:.2f}, {q3:.2f}]",
                f"{libs[0]['minor_faults_median']:.0f} / {libs[-1]['minor_faults_median']:.0f}",
            ]
        else:
            cells += ["failed"] + [""] * 4
        if memory:
            mark = "" if memory["met"] else " (target {:.2f}x)".format(memory["target"])
            cells.append(f"{memory['ratio']:.2f}x{mark}")
        else:
            cells.append("")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, help="timed steps each (default: each script's own)")
    p.add_argument("--only", help="comma-separated names: " + ",".join(b[0] for b in BENCHMARKS))
    p.add_argument("--memory-steps", type=int, help="training steps of each memory run")
    p.add_argument("--no-memory", action="store_true", help="time only")
    args = p.parse_args()
    chosen = set(args.only.split(",")) if args.only else None
    flags = ["--steps", str(args.steps)] if args.steps else []
    OUT.mkdir(parents=True, exist_ok=True)
    rows, lines = [], []
    for name, script, what in BENCHMARKS:
        if chosen and name not in chosen:
            continue
        timed = _run(script, flags, OUT / f"{name}.json")
        memory_flags = [
            "--memory",
            *(["--memory-steps", str(args.memory_steps)] if args.memory_steps else []),
        ]
        memory = None if args.no_memory else _run(script, memory_flags, OUT / f"{name}_memory.json")
        rows.append((name, script, what, timed, memory))
        lines.append(summary(name, timed, memory))
        print(lines[-1], flush=True)
    record = {name: {"time": timed, "memory": memory} for name, _, _, timed, memory in rows}
    (OUT / "all.json").write_text(json.dumps(record, indent=2) + "\n")
    (OUT / "all.md").write_text(table(rows))
    print("\n".join(["", *lines, "", f"(written to {OUT / 'all.json'} and {OUT / 'all.md'})"]))


if __name__ == "__main__":
    main()
