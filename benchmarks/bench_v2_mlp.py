"""Forward + backward of an MLP 784-256-10 (batch 128, float32, ReLU, log-softmax
cross-entropy): v2_tensor against torch (CPU) and HIPS autograd, one thread each.

    python benchmarks/bench_v2_mlp.py [--steps 200] [--memory] [--profile]

The three run the same weights on the same batch, alternating step by step in one process;
a step is the forward pass, the loss and the backward pass (no optimizer), gradients set to
None first. The table shows the median time per step and the ratio to torch.
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads
import numpy as np
import torch

import v2_tensor as vt

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


def v2_step(problem: dict):
    x, y = vt.tensor(problem["x"]), problem["y"]
    rows = np.arange(BATCH)
    params = [vt.tensor(problem[k], requires_grad=True) for k in ("w1", "b1", "w2", "b2")]
    w1, b1, w2, b2 = params

    def step() -> float:
        for p in params:
            p.grad = None
        hidden = (x @ w1.T + b1).relu()
        logits = hidden @ w2.T + b2
        loss = -logits.log_softmax(1)[rows, y].mean()
        loss.backward()
        return loss.item()

    return step


def torch_step(problem: dict):
    x, y = torch.from_numpy(problem["x"]), torch.from_numpy(problem["y"])
    params = [torch.tensor(problem[k], requires_grad=True) for k in ("w1", "b1", "w2", "b2")]
    w1, b1, w2, b2 = params

    def step() -> float:
        for p in params:
            p.grad = None
        hidden = torch.relu(x @ w1.T + b1)
        logits = hidden @ w2.T + b2
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        return loss.item()

    return step


def hips_step(problem: dict):
    import autograd
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp

    x, y = problem["x"], problem["y"]
    rows = np.arange(BATCH)

    def loss_fn(params: list) -> float:
        w1, b1, w2, b2 = params
        hidden = anp.maximum(anp.dot(x, w1.T) + b1, 0.0)
        logits = anp.dot(hidden, w2.T) + b2
        log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
        return -anp.mean(log_probs[rows, y])

    value_and_grad = autograd.value_and_grad(loss_fn)
    params = [problem[k] for k in ("w1", "b1", "w2", "b2")]

    def step() -> float:
        loss, _ = value_and_grad(params)
        return float(loss)

    return step


def build(args, libraries: tuple[str, ...]) -> dict:
    problem = make_problem(args.seed)
    makers = {"v2_tensor": v2_step, "HIPS autograd": hips_step, "torch": torch_step}
    return {name: makers[name](problem) for name in makers if name in libraries}


if __name__ == "__main__":
    harness.main(
        "bench_v2_mlp",
        f"MLP {SIZES[0]}-{SIZES[1]}-{SIZES[2]} forward + backward, batch {BATCH}",
        build,
        ("v2_tensor", "HIPS autograd", "torch"),
        target=1.0,
        args=harness.parser(__doc__, steps=200, warmup=10).parse_args(),
    )
