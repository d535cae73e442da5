"""One engine, one process: micrograd's demo step timed, graph memory, deepest backward.

Run by benchmarks/bench_v1.py, which starts one of these per measurement so that no
engine pays for another's garbage. Prints one JSON object on stdout.

    python benchmarks/bench_v1_worker.py --engine gradlab --measure steps --steps 5
    (engines: gradlab, gradlab-chained, micrograd; measures: steps, memory, depth)
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy is imported

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

from sklearn.datasets import make_moons  # noqa: E402

ENGINES = ("gradlab", "gradlab-chained", "micrograd")


def load(engine):
    """Value and MLP of an engine. gradlab-chained is gradlab with micrograd's neuron:
    w·x + b as a chain of binary additions instead of one sum node, so that its graph
    has exactly micrograd's nodes (the engine compared node for node)."""
    if engine == "micrograd":
        from micrograd.engine import Value
        from micrograd.nn import MLP

        return Value, MLP
    from v1_scalar import nn
    from v1_scalar.engine import Value

    if engine == "gradlab-chained":
        nn.Neuron.__call__ = chained_neuron_call
    return Value, nn.MLP


def chained_neuron_call(self, x):
    act = sum((wi * xi for wi, xi in zip(self.w, x, strict=True)), self.b)
    return act.relu() if self.nonlin else act


# ---- micrograd's demo, driven the same way for both engines -------------------------------


def demo_setup(Value, MLP, seed=1337):
    random.seed(seed)
    X, y = make_moons(n_samples=100, noise=0.1, random_state=seed)
    return MLP(2, [16, 16, 1]), X, y * 2 - 1


def demo_loss(Value, model, X, y):
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores, strict=True)]
    return total_loss, sum(accuracy) / len(accuracy)


def demo_step(Value, model, X, y, k):
    total_loss, acc = demo_loss(Value, model, X, y)
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss, acc


# ---- measurements -----------------------------------------------------------------------


def count_nodes(root):
    """Nodes reachable from root through _prev, without recursion (works on both engines)."""
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def measure_steps(engine, steps, collector):
    Value, MLP = load(engine)
    model, X, y = demo_setup(Value, MLP)
    if collector == "off":
        gc.disable()
    total_loss = None
    demo_step(Value, model, X, y, 0)  # warm-up
    wall, cpu = [], []
    for k in range(1, steps + 1):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        total_loss, acc = demo_step(Value, model, X, y, k)
        wall.append(time.perf_counter() - start_wall)
        cpu.append(time.process_time() - start_cpu)
    return {"step_seconds": wall, "step_cpu_seconds": cpu, "loss": total_loss.data, "accuracy": acc}


def measure_memory(engine):
    """Bytes one demo graph holds: after the forward pass, and after backward."""
    Value, MLP = load(engine)
    model, X, y = demo_setup(Value, MLP)
    gc.collect()
    gc.disable()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    total_loss, _ = demo_loss(Value, model, X, y)
    after_forward = tracemalloc.get_traced_memory()[0]
    total_loss.backward()
    after_backward = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return {
        "nodes": count_nodes(total_loss) - len(model.parameters()),  # the nodes this step built
        "forward_bytes": after_forward - before,
        "backward_bytes": after_backward - before,
    }


def measure_depth(engine, depth):
    """Backward through a chain of `depth` multiplications at the default recursion limit."""
    Value, _ = load(engine)
    x, w = Value(0.5), Value(1.0)
    v = x
    for _ in range(depth):
        v = v * w
    start = time.perf_counter()
    try:
        v.backward()
    except RecursionError:
        return {"depth": depth, "ok": False, "error": "RecursionError"}
    seconds = time.perf_counter() - start
    return {"depth": depth, "ok": x.grad == 1.0 and w.grad == depth * 0.5, "seconds": seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=ENGINES, required=True)
    parser.add_argument("--measure", choices=("steps", "memory", "depth"), required=True)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--collector", choices=("on", "off"), default="on")
    parser.add_argument("--depth", type=int, default=100_000)
    args = parser.parse_args()
    if args.measure == "steps":
        result = measure_steps(args.engine, args.steps, args.collector)
    elif args.measure == "memory":
        result = measure_memory(args.engine)
    else:
        result = measure_depth(args.engine, args.depth)
    result["recursion_limit"] = sys.getrecursionlimit()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
