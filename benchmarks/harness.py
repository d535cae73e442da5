"""What the training benchmarks share: one BLAS thread, alternating timing, a clean table, a
JSON record, and a fresh-process peak-memory mode.

A benchmark script defines `build(args, libraries) -> dict[name, step]`, one step function
per library (each a whole training step returning its loss as a float; the first name is
ours, the last is torch), and calls `main(...)`. Then:

    python benchmarks/bench_x.py               time: steps alternate between the libraries
    python benchmarks/bench_x.py --memory      peak resident memory of each training loop
    python benchmarks/bench_x.py --profile     cProfile of our steps (where the time goes)

Timing: after the warm-up steps, the libraries take turns step by step (which one goes first
alternates too), so a change of load on a shared machine hits both alike. The table gives per
library the median wall time with its interquartile range, the median CPU time and the minor
page faults per step; the ratio is ours over torch's median, and beside it the median and IQR
of the per-step ratios (each of our steps over the torch step next to it), the figure least
moved by drift. Everything goes to output/benchmarks/<script>.json too.

Memory: each library runs in a fresh process of its own; once the models, optimizer and data
exist (and each engine has run one tiny backward, so that its lazy start-up is not counted),
the peak resident set (VmHWM) is reset to the current RSS through /proc/self/clear_refs, the
training loop runs, and the figure is the peak above that baseline: activations, gradients,
optimizer state and whatever the allocator keeps. Linux only.
"""

from __future__ import annotations

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy (or torch) loads its BLAS

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this checkout's packages (and tests/), before any install

import numpy as np  # noqa: E402
import torch  # noqa: E402
from resident import MB, peak, reset_peak, rss  # noqa: E402

torch.set_num_threads(1)

Step = Callable[[], float]
Builder = Callable[[argparse.Namespace, tuple[str, ...]], dict[str, Step]]


def parser(doc: str, steps: int, warmup: int) -> argparse.ArgumentParser:
    """The flags every benchmark takes (a script may add its own)."""
    p = argparse.ArgumentParser(
        description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--steps", type=int, default=steps, help=f"timed steps each (default {steps})")
    p.add_argument("--warmup", type=int, default=warmup, help="untimed steps each, first")
    p.add_argument("--seed", type=int, default=0, help="seed of weights and data")
    p.add_argument("--memory", action="store_true", help="peak memory instead of time")
    p.add_argument("--memory-steps", type=int, default=5, help="training steps in --memory")
    p.add_argument("--profile", action="store_true", help="cProfile our steps instead")
    p.add_argument("--out", type=Path, help="JSON record (default output/benchmarks/<name>.json)")
    p.add_argument("--_child", help=argparse.SUPPRESS)  # the library a --memory child runs
    return p


def main(name: str, title: str, build: Builder, libraries: tuple[str, ...], target: float,
         args: argparse.Namespace, memory_target: float = 1.2, note: str = "",
         loss_tolerance: float = 1e-3) -> dict:  # fmt: skip
    """Run the benchmark the flags ask for; returns (and records) its figures."""
    if args._child:
        print(json.dumps(_memory_child(build, args, args._child)))
        return {}
    suffix = "_memory" if args.memory else ""
    out = args.out or ROOT / "output" / "benchmarks" / f"{name}{suffix}.json"
    if args.memory:
        record = _memory(name, title, libraries, args, memory_target)
    elif args.profile:
        _profile(build(args, libraries[:1])[libraries[0]], args)
        return {}
    else:
        record = _time(title, build(args, libraries), args, target, note, loss_tolerance)
    record.update(benchmark=name, conditions=conditions())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(record, indent=2) + "\n")
    print(f"(figures written to {_shown(out)})")
    return record


def conditions() -> dict:
    """What the figures were measured on."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()} {platform.system()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "load_average_1min": load,
        "threads": 1,
    }


# ---- timing --------------------------------------------------------------------------------


def quartiles(samples: list[float]) -> tuple[float, float, float]:
    q1, median, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return q1, median, q3


def _time(title: str, steps: dict[str, Step], args, target: float, note: str,
          loss_tolerance: float) -> dict:  # fmt: skip
    names = list(steps)
    losses = {n: steps[n]() for n in names}  # one step each: same problem, same answer
    first = losses[names[-1]]
    for loss in losses.values():
        if not abs(loss - first) <= loss_tolerance * max(1.0, abs(first)):
            print(f"warning: first losses differ: {losses}")
            break
    for _ in range(args.warmup):
        for n in names:
            steps[n]()
    wall: dict[str, list[float]] = {n: [] for n in names}
    cpu: dict[str, list[float]] = {n: [] for n in names}
    faults: dict[str, list[int]] = {n: [] for n in names}
    for i in range(args.steps):
        for n in names if i % 2 == 0 else names[::-1]:
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            w0, c0 = time.perf_counter(), time.process_time()
            losses[n] = steps[n]()
            wall[n].append(time.perf_counter() - w0)
            cpu[n].append(time.process_time() - c0)
            faults[n].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
    ours, torch_name = names[0], names[-1]
    print(f"{title}; 1 thread, float32, {args.steps} alternating steps after {args.warmup} warm-up")
    if note:
        print(note)
    print(
        f"{'library':<14}{'wall ms':>10}{'IQR':>17}{'CPU ms':>10}{'faults':>8}{'loss':>11}"
        f"{'ratio':>7}"
    )
    record: dict = {"title": title, "steps": args.steps, "warmup": args.warmup, "libraries": {}}
    torch_median = statistics.median(wall[torch_name])
    for n in names:
        q1, med, q3 = quartiles(wall[n])
        row = {
            "wall_median_ms": 1e3 * med,
            "wall_q1_ms": 1e3 * q1,
            "wall_q3_ms": 1e3 * q3,
            "wall_best_ms": 1e3 * min(wall[n]),
            "cpu_median_ms": 1e3 * statistics.median(cpu[n]),
            "minor_faults_median": statistics.median(faults[n]),
            "last_loss": losses[n],
            "ratio_to_torch": med / torch_median,
        }
        record["libraries"][n] = row
        print(
            f"{n:<14}{row['wall_median_ms']:>10.2f}   [{row['wall_q1_ms']:>6.2f}, "
            f"{row['wall_q3_ms']:>6.2f}]{row['cpu_median_ms']:>10.2f}"
            f"{row['minor_faults_median']:>8.0f}{row['last_loss']:>11.5f}"
            f"{row['ratio_to_torch']:>7.2f}"
        )
    paired = [a / b for a, b in zip(wall[ours], wall[torch_name], strict=True)]
    p1, pm, p3 = quartiles(paired)
    cpu_ratio = statistics.median(cpu[ours]) / statistics.median(cpu[torch_name])
    record.update(
        ratio=record["libraries"][ours]["ratio_to_torch"],
        paired_ratio_median=pm,
        paired_ratio_iqr=[p1, p3],
        cpu_ratio=cpu_ratio,
        target=target,
        met=record["libraries"][ours]["ratio_to_torch"] <= target,
    )
    verdict = "met" if record["met"] else "NOT met"
    print(
        f"ratio {ours} / torch: {record['ratio']:.2f}x (medians), per-step pairs {pm:.2f}x "
        f"[IQR {p1:.2f}, {p3:.2f}], CPU {cpu_ratio:.2f}x; target <= {target:.2f}x: {verdict}"
    )
    return record


def _profile(step: Step, args) -> None:
    import cProfile
    import pstats

    for _ in range(max(args.warmup, 2)):
        step()
    with cProfile.Profile() as profile:
        for _ in range(args.steps):
            step()
    stats = pstats.Stats(profile)
    print(f"cProfile of {args.steps} steps, sorted by own time:")
    stats.sort_stats("tottime").print_stats(30)


# ---- memory --------------------------------------------------------------------------------


def _warm_engine(library: str) -> None:
    """One tiny backward, so an engine's lazy start-up (torch's autograd threads) is in the
    baseline rather than in the training loop's figure."""
    if library == "torch":
        torch.ones(2, requires_grad=True).sum().backward()
    elif library in ("v2_tensor", "v3_nn"):
        import v2_tensor as vt

        vt.ones(2, requires_grad=True).sum().backward()


def _memory_child(build: Builder, args, library: str) -> dict:
    steps = build(args, (library,))
    step = steps[library]
    _warm_engine(library)
    gc.collect()
    base = rss()
    reset_peak()
    for _ in range(args.memory_steps):
        step()
    top, after = peak(), rss()
    return {"peak_mb": (top - base) / MB, "after_mb": (after - base) / MB, "base_mb": base / MB}


def _memory(name: str, title: str, libraries: tuple[str, ...], args, target: float) -> dict:
    script = Path(sys.argv[0]).resolve()
    flags = [a for a in sys.argv[1:] if a != "--memory"]  # the same workload, every flag
    figures = {}
    for library in libraries:
        done = subprocess.run(
            [sys.executable, str(script), "--_child", library, *flags],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"memory run of {library} failed:\n{done.stderr}")
        figures[library] = json.loads(done.stdout.strip().splitlines()[-1])
    ours, theirs = libraries[0], libraries[-1]
    ratio = figures[ours]["peak_mb"] / figures[theirs]["peak_mb"]
    print(f"{title}: peak resident memory of {args.memory_steps} training steps above the")
    print("baseline (models, optimizer, data built), one fresh process per library")
    print(f"{'library':<14}{'peak MB':>10}{'held after MB':>15}{'baseline MB':>13}")
    for library, got in figures.items():
        print(
            f"{library:<14}{got['peak_mb']:>10.1f}{got['after_mb']:>15.1f}{got['base_mb']:>13.1f}"
        )
    verdict = "met" if ratio <= target else "NOT met"
    print(f"ratio {ours} / torch: {ratio:.2f}x; target <= {target:.2f}x: {verdict}")
    return {
        "title": title,
        "memory_steps": args.memory_steps,
        "libraries": figures,
        "ratio": ratio,
        "target": target,
        "met": ratio <= target,
    }


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def state_to_torch(ours_state: dict) -> dict:
    """A v3_nn state_dict as torch tensors (copies), for the twin's load_state_dict."""
    return {k: torch.from_numpy(np.array(v.numpy(), copy=True)) for k, v in ours_state.items()}
