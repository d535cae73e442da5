"""v1_scalar against micrograd 0.1.0 on micrograd's own demo workload.

MLP(2, [16, 16, 1]) on 100 two-moons points, full batch, hinge loss + 1e-4 L2, SGD: the
same driver code (benchmarks/bench_v1_worker.py) for both engines, each run in its own
process, the processes alternating round by round; the table shows the median and the
mean over all timed steps (CPython's collector runs a full collection every few steps,
so the mean is the throughput). micrograd is timed as users run it (garbage collector
on) and, for reference, with the collector off; gradlab-chained is gradlab with
micrograd's neuron (a chain of binary additions), so that both graphs have the same
nodes. Then memory per graph node (tracemalloc, one demo graph) and the deepest chain
each engine can backpropagate.

    uv run python benchmarks/bench_v1.py [--rounds 3] [--steps 6]
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).with_name("bench_v1_worker.py")
STEP_CONFIGS = [
    ("gradlab", "on"),
    ("micrograd", "on"),
    ("micrograd", "off"),
    ("gradlab", "off"),
    ("gradlab-chained", "on"),
]
PEER = ("micrograd", "on")


def run_worker(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(WORKER), *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"worker {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def time_steps(rounds: int, steps: int) -> dict[tuple[str, str], dict[str, list[float]]]:
    """Per-step wall and CPU seconds of every configuration, processes alternating."""
    times = {config: {"wall": [], "cpu": []} for config in STEP_CONFIGS}
    for r in range(rounds):
        for engine, collector in STEP_CONFIGS if r % 2 == 0 else STEP_CONFIGS[::-1]:
            args = ["--engine", engine, "--measure", "steps", "--steps", str(steps)]
            result = run_worker(*args, "--collector", collector)
            times[(engine, collector)]["wall"] += result["step_seconds"]
            times[(engine, collector)]["cpu"] += result["step_cpu_seconds"]
            shown = ", ".join(f"{t:.3f}" for t in result["step_seconds"])
            print(f"round {r + 1}: {engine:15} collector {collector:3}  {shown} s", flush=True)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--steps", type=int, default=6, help="timed steps per process (default 6)")
    parser.add_argument("--depth", type=int, default=100_000, help="chain depth (default 1e5)")
    parser.add_argument("--out", type=Path, default=Path("output/v1/bench_v1.json"))
    args = parser.parse_args()

    times = time_steps(args.rounds, args.steps)
    summary = {
        config: {
            "median_wall": statistics.median(t["wall"]),
            "mean_wall": statistics.fmean(t["wall"]),
            "median_cpu": statistics.median(t["cpu"]),
            "mean_cpu": statistics.fmean(t["cpu"]),
        }
        for config, t in times.items()
    }
    peer = summary[PEER]
    print(
        f"\nmicrograd's demo step, {args.rounds} rounds x {args.steps} steps (seconds; "
        "speed-up = micrograd with its collector on / this row)"
    )
    print(
        f"{'engine':16} {'collector':9} {'median':>7} {'mean':>7} {'cpu med':>8} "
        f"{'cpu mean':>8} {'speed-up med/mean':>18}"
    )
    for (engine, collector), row in summary.items():
        up_median = peer["median_wall"] / row["median_wall"]
        up_mean = peer["mean_wall"] / row["mean_wall"]
        print(
            f"{engine:16} {collector:9} {row['median_wall']:7.3f} {row['mean_wall']:7.3f} "
            f"{row['median_cpu']:8.3f} {row['mean_cpu']:8.3f} "
            f"{up_median:8.1f}x /{up_mean:6.1f}x"
        )

    engines = ("gradlab", "gradlab-chained", "micrograd")
    memory = {e: run_worker("--engine", e, "--measure", "memory") for e in engines}
    print("\nmemory held by one demo graph (tracemalloc)")
    print(f"{'engine':16} {'nodes':>7} {'bytes/node fwd':>15} {'+backward':>10} {'total KiB':>10}")
    for engine, m in memory.items():
        fwd, bwd = m["forward_bytes"] / m["nodes"], m["backward_bytes"] / m["nodes"]
        print(
            f"{engine:16} {m['nodes']:7d} {fwd:15.0f} {bwd:10.0f} "
            f"{m['backward_bytes'] / 1024:10.0f}"
        )
    per_node = {e: memory[e]["backward_bytes"] / memory[e]["nodes"] for e in engines}
    node_ratio = per_node["gradlab-chained"] / per_node["micrograd"]
    graph_ratio = memory["gradlab"]["backward_bytes"] / memory["micrograd"]["backward_bytes"]
    print(
        f"per node, same graph (gradlab-chained / micrograd): {node_ratio:.2f}; "
        f"per demo graph (gradlab / micrograd): {graph_ratio:.2f}"
    )

    depth_args = ("--measure", "depth", "--depth", str(args.depth))
    depth = {e: run_worker("--engine", e, *depth_args) for e in ("gradlab", "micrograd")}
    print(
        f"\nbackward through a chain of {args.depth} multiplications "
        f"(recursion limit {depth['gradlab']['recursion_limit']})"
    )
    for engine, d in depth.items():
        outcome = f"ok in {d['seconds']:.2f} s" if d["ok"] else d.get("error", "wrong gradient")
        print(f"{engine:16} {outcome}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "steps": {f"{e}/collector-{c}": {**times[(e, c)], **summary[(e, c)]} for e, c in times},
        "memory": memory,
        "memory_per_node_ratio_same_graph": node_ratio,
        "memory_per_demo_graph_ratio": graph_ratio,
        "depth": depth,
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
