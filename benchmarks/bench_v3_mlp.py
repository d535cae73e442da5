"""One epoch of `v3_nn.train_mlp` on the offline 8x8 digits: v3_nn against the same model in torch.

    uv run python benchmarks/bench_v3_mlp.py [--repeats 7] [--seed 0]

Both sides train the same network (Flatten, 64-256-128-10 with ReLU, cross-entropy, Adam
lr 1e-3, batches of 64, float32) from the same initial weights over the same shuffled
order, on one thread each. Each repeat times one fresh epoch of each, alternating which
goes first; the table shows the medians of wall-clock and CPU time (the steadier figure
on a busy machine) and the ratios v3_nn / torch. The mean training losses of the two are
printed too: equal up to float32 rounding, so both did the same work.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy is imported

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import v2_tensor as vt  # noqa: E402
from v3_nn.data import DataLoader, TensorDataset  # noqa: E402
from v3_nn.datasets import load_uci_digits  # noqa: E402
from v3_nn.optim import Adam  # noqa: E402
from v3_nn.train_mlp import build_mlp, train_epoch  # noqa: E402

BATCH, LR, HIDDEN = 64, 1e-3, [256, 128]


def torch_twin(ours) -> torch.nn.Module:
    model = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(64, 256),
        torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
        torch.nn.ReLU(),
        torch.nn.Linear(128, 10),
    )
    model.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    return model


class Timer:
    """Wall-clock and CPU seconds of a with-block."""

    def __enter__(self) -> "Timer":
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def ours_epoch(data, seed: int) -> tuple[Timer, float]:
    vt.manual_seed(seed)
    model = build_mlp(8, HIDDEN)
    optimizer = Adam(model.parameters(), lr=LR)
    loader = DataLoader(
        TensorDataset(data.train_images, data.train_labels),
        batch_size=BATCH,
        shuffle=True,
        seed=seed,
    )
    with Timer() as timer:
        loss = train_epoch(model, loader, optimizer)
    return timer, loss


def torch_epoch(data, seed: int) -> tuple[Timer, float]:
    vt.manual_seed(seed)
    model = torch_twin(build_mlp(8, HIDDEN))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    images, labels = torch.from_numpy(data.train_images), torch.from_numpy(data.train_labels)
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(labels)))
    total = 0.0
    with Timer() as timer:
        for first in range(0, len(labels), BATCH):
            batch = order[first : first + BATCH]
            loss = torch.nn.functional.cross_entropy(model(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
    return timer, total / len(labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = load_uci_digits()
    ours_epoch(data, args.seed)  # warm-up: imports, first allocations
    torch_epoch(data, args.seed)

    timers: dict[str, list[Timer]] = {"v3_nn": [], "torch": []}
    losses = {}
    runners = {"v3_nn": ours_epoch, "torch": torch_epoch}
    for repeat in range(args.repeats):
        names = ["v3_nn", "torch"] if repeat % 2 == 0 else ["torch", "v3_nn"]
        for name in names:
            timer, losses[name] = runners[name](data, args.seed)
            timers[name].append(timer)

    steps = -(-len(data.train_labels) // BATCH)
    print(f"one epoch: {len(data.train_labels)} digits, {steps} Adam steps of {BATCH}, 1 thread")
    print(f"mean training loss: v3_nn {losses['v3_nn']:.6f}, torch {losses['torch']:.6f}")
    print(f"median of {args.repeats} (ms/epoch)   v3_nn     torch   ratio")
    for clock in ("wall", "cpu"):
        ours, theirs = (
            1000 * statistics.median(getattr(t, clock) for t in timers[name])
            for name in ("v3_nn", "torch")
        )
        label = "wall clock" if clock == "wall" else "CPU time"
        print(f"{label:<25} {ours:>8.1f} {theirs:>9.1f} {ours / theirs:>7.2f}")


if __name__ == "__main__":
    main()
