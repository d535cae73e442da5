"""Forward + backward of an MLP 784-256-10 (batch 128, float32, ReLU, log-softmax
cross-entropy): v2_tensor against torch (CPU) and HIPS autograd, one thread each.

    uv run python benchmarks/bench_v2_mlp.py [--steps 60] [--seed 0]

The three run the same weights on the same batch, alternating step by step in one process;
the table shows the median time per step and the ratio to torch.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy loads its BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import autograd  # noqa: E402
import autograd.numpy as anp  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from autograd.scipy.special import logsumexp as anp_logsumexp  # noqa: E402

import v2_tensor as vt  # noqa: E402

BATCH, SIZES = 128, (784, 256, 10)


def make_problem(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    (n_in, n_hidden, n_out) = SIZES
    bound1, bound2 = 1 / np.sqrt(n_in), 1 / np.sqrt(n_hidden)
    return {
        "x": rng.standard_normal((BATCH, n_in)).astype(np.float32),
        "y": rng.integers(0, n_out, BATCH),
        "w1": rng.uniform(-bound1, bound1, (n_hidden, n_in)).astype(np.float32),
        "b1": rng.uniform(-bound1, bound1, n_hidden).astype(np.float32),
        "w2": rng.uniform(-bound2, bound2, (n_out, n_hidden)).astype(np.float32),
        "b2": rng.uniform(-bound2, bound2, n_out).astype(np.float32),
    }


def v2_step(problem: dict) -> Callable[[], tuple[float, list[np.ndarray]]]:
    x, y = vt.tensor(problem["x"]), problem["y"]
    rows = np.arange(BATCH)
    params = [vt.tensor(problem[k], requires_grad=True) for k in ("w1", "b1", "w2", "b2")]
    w1, b1, w2, b2 = params

    def step() -> tuple[float, list[np.ndarray]]:
        for p in params:
            p.grad = None
        hidden = (x @ w1.T + b1).relu()
        logits = hidden @ w2.T + b2
        loss = -logits.log_softmax(1)[rows, y].mean()
        loss.backward()
        return loss.item(), [p.grad.array for p in params]

    return step


def torch_step(problem: dict) -> Callable[[], tuple[float, list[np.ndarray]]]:
    x, y = torch.from_numpy(problem["x"]), torch.from_numpy(problem["y"])
    params = [torch.tensor(problem[k], requires_grad=True) for k in ("w1", "b1", "w2", "b2")]
    w1, b1, w2, b2 = params

    def step() -> tuple[float, list[np.ndarray]]:
        for p in params:
            p.grad = None
        hidden = torch.relu(x @ w1.T + b1)
        logits = hidden @ w2.T + b2
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        return loss.item(), [p.grad.numpy() for p in params]

    return step


def hips_step(problem: dict) -> Callable[[], tuple[float, list[np.ndarray]]]:
    x, y = problem["x"], problem["y"]
    rows = np.arange(BATCH)

    def loss_fn(params: list) -> float:
        w1, b1, w2, b2 = params
        hidden = anp.maximum(anp.dot(x, w1.T) + b1, 0.0)
        logits = anp.dot(hidden, w2.T) + b2
        log_probs = logits - anp_logsumexp(logits, axis=1, keepdims=True)
        return -anp.mean(log_probs[rows, y])

    value_and_grad = autograd.value_and_grad(loss_fn)
    params = [problem[k] for k in ("w1", "b1", "w2", "b2")]

    def step() -> tuple[float, list[np.ndarray]]:
        loss, grads = value_and_grad(params)
        return float(loss), list(grads)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="timed steps per framework")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and data")
    args = parser.parse_args()
    torch.set_num_threads(1)
    problem = make_problem(args.seed)
    steps = {"v2_tensor": v2_step(problem), "torch": torch_step(problem)}
    steps["HIPS autograd"] = hips_step(problem)

    reference_loss, reference_grads = steps["torch"]()
    for name, step in steps.items():  # same problem, same answer (float32 rounding apart)
        loss, grads = step()
        assert abs(loss - reference_loss) < 1e-4, (name, loss, reference_loss)
        for g, ref in zip(grads, reference_grads, strict=True):
            assert np.allclose(g, ref, atol=1e-5), name

    times: dict[str, list[float]] = {name: [] for name in steps}
    for i in range(args.warmup + args.steps):
        for name, step in steps.items():  # alternate, so load changes hit all three alike
            start = time.perf_counter()
            step()
            if i >= args.warmup:
                times[name].append(time.perf_counter() - start)

    torch_median = statistics.median(times["torch"])
    print(f"MLP {SIZES[0]}-{SIZES[1]}-{SIZES[2]}, batch {BATCH}, float32, 1 thread, "
          f"median of {args.steps} steps")  # fmt: skip
    print(f"{'framework':<15}{'ms/step':>10}{'vs torch':>10}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<15}{median * 1e3:>10.3f}{median / torch_median:>10.2f}")


if __name__ == "__main__":
    main()
