"""Memory of a training step, v2_tensor against torch: peak and after backward.

Each measurement runs in a fresh process (so one library's allocations and imports never
count against the other's), after the imports and the inputs exist; the figures are resident
memory (RSS) above that baseline: the peak during forward + backward, and what is still held
after backward while the loss tensor stays alive (as normal training code keeps it).

    uv run python benchmarks/bench_v2_memory.py

Workloads: five tanh layers over a 4000x4000 float64 array (a deep elementwise graph, the
size where memory shows), and the MLP 784-256-10 of bench_v2_mlp.py (batch 128, float32).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from resident import MB, peak, reset_peak, rss

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")


def measure(library: str, workload: str) -> dict[str, float]:
    """Run in this process: build the inputs, then one forward + backward."""
    import numpy as np

    if library == "torch":
        import torch as lib

        def leaf(array, grad):
            return lib.tensor(array, requires_grad=grad)
    else:
        import v2_tensor as lib

        def leaf(array, grad):
            return lib.tensor(array, requires_grad=grad)

    rng = np.random.default_rng(0)
    if workload == "tanh":
        x = leaf(rng.standard_normal((4000, 4000)), True)

        def step():
            h = x
            for _ in range(5):
                h = h.tanh()
            return h.sum()
    else:
        x = leaf(rng.standard_normal((128, 784)).astype(np.float32), False)
        w1 = leaf(rng.standard_normal((784, 256)).astype(np.float32) * 0.05, True)
        w2 = leaf(rng.standard_normal((256, 10)).astype(np.float32) * 0.05, True)
        labels = rng.integers(0, 10, 128)

        def step():
            logits = (x @ w1).relu() @ w2
            return -logits.log_softmax(1)[lib.arange(128), lib.tensor(labels)].mean()

    base = rss()
    reset_peak()
    loss = step()
    loss.backward()
    after = rss()
    return {"peak_mb": (peak() - base) / MB, "after_backward_mb": (after - base) / MB}


def run(library: str, workload: str) -> dict[str, float]:
    code = (
        "import json, sys; sys.path.insert(0, 'benchmarks'); import bench_v2_memory as b; "
        f"print(json.dumps(b.measure({library!r}, {workload!r})))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    print("resident memory above the baseline (MB), one fresh process per figure")
    print(f"{'workload':34} {'library':10} {'peak':>8} {'after backward':>15}")
    for workload, title in (("tanh", "5 x tanh of 4000x4000 float64"), ("mlp", "MLP 784-256-10")):
        figures = {library: run(library, workload) for library in ("v2_tensor", "torch")}
        for library, got in figures.items():
            print(f"{title:34} {library:10} {got['peak_mb']:8.1f} {got['after_backward_mb']:15.1f}")
        ours, theirs = figures["v2_tensor"], figures["torch"]
        print(f"{'':34} {'ratio':10} {ours['peak_mb'] / theirs['peak_mb']:8.2f}")


if __name__ == "__main__":
    main()
