"""Whole CNN training steps on 28x28 images: v3_nn against the same model in torch.

    uv run python benchmarks/bench_v3_cnn.py [--steps 30] [--batch-size 64] [--seed 0]

The network is Conv2d(1,16,3,pad 1)-ReLU-MaxPool2d(2)-Conv2d(16,32,3,pad 1)-ReLU-
MaxPool2d(2)-Flatten-Linear(1568,10), cross-entropy, SGD with momentum 0.9, float32, on one
thread each. Both start from the same weights and see the same random batches. Steps
alternate between the two libraries (which goes first alternates too); the table shows the
median and best wall time per step, the median CPU time (steadier on a shared machine) and
the ratios of medians v3_nn / torch. The losses after the last
step are printed: equal up to float32 rounding, so both did the same work. --profile runs
our steps under cProfile instead and prints where the time goes.
"""

import os

for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"  # before NumPy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import v2_tensor as vt  # noqa: E402
import v3_nn as nn  # noqa: E402
from v3_nn import functional as F  # noqa: E402
from v3_nn.optim import SGD  # noqa: E402
from v3_nn.train_cnn import build_cnn  # noqa: E402

LR, MOMENTUM, SIDE, CHANNELS = 0.01, 0.9, 28, [16, 32]


def torch_twin(ours: nn.Module) -> torch.nn.Module:
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(1568, 10),
    )
    model.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    return model


def ours_step(model: nn.Module, optimizer: SGD, images: np.ndarray, labels: np.ndarray) -> float:
    loss = F.cross_entropy(model(vt.tensor(images)), vt.tensor(labels))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def torch_step(model, optimizer, images: np.ndarray, labels: np.ndarray) -> float:
    loss = torch.nn.functional.cross_entropy(
        model(torch.from_numpy(images)), torch.from_numpy(labels)
    )
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="timed steps per library")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="cProfile our steps instead")
    parser.add_argument("--out", type=Path, default=Path("output/bench/bench_v3_cnn.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    vt.manual_seed(args.seed)
    ours = build_cnn(SIDE, CHANNELS)
    theirs = torch_twin(ours)
    runners = {
        "v3_nn": (ours_step, ours, SGD(ours.parameters(), lr=LR, momentum=MOMENTUM)),
        "torch": (
            torch_step,
            theirs,
            torch.optim.SGD(theirs.parameters(), lr=LR, momentum=MOMENTUM),
        ),
    }
    rng = np.random.default_rng(args.seed)
    batches = [
        (
            rng.random((args.batch_size, 1, SIDE, SIDE), dtype=np.float32),
            rng.integers(0, 10, args.batch_size),
        )
        for _ in range(args.steps + 2)
    ]
    for step, model, optimizer in runners.values():  # warm-up: first allocations
        for images, labels in batches[:2]:
            step(model, optimizer, images, labels)

    if args.profile:
        import cProfile
        import pstats

        step, model, optimizer = runners["v3_nn"]
        with cProfile.Profile() as profile:
            for images, labels in batches[2:]:
                step(model, optimizer, images, labels)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return

    wall: dict[str, list[float]] = {"v3_nn": [], "torch": []}
    cpu: dict[str, list[float]] = {"v3_nn": [], "torch": []}
    losses: dict[str, float] = {}
    for index, (images, labels) in enumerate(batches[2:]):
        order = ["v3_nn", "torch"] if index % 2 == 0 else ["torch", "v3_nn"]
        for name in order:
            step, model, optimizer = runners[name]
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            losses[name] = step(model, optimizer, images, labels)
            wall[name].append(time.perf_counter() - start_wall)
            cpu[name].append(time.process_time() - start_cpu)

    print(
        f"CNN training step: batch {args.batch_size} of {SIDE}x{SIDE}, SGD momentum "
        f"{MOMENTUM}, float32, 1 thread, {args.steps} steps each"
    )
    header = ("library", "wall median ms", "wall best ms", "CPU median ms", "last loss")
    print("{:<8} {:>15} {:>13} {:>14} {:>10}".format(*header))
    summary = {}
    for name in wall:
        row = {
            "wall_median_ms": 1000 * statistics.median(wall[name]),
            "wall_best_ms": 1000 * min(wall[name]),
            "cpu_median_ms": 1000 * statistics.median(cpu[name]),
            "last_loss": losses[name],
        }
        summary[name] = row
        print(
            f"{name:<8} {row['wall_median_ms']:>15.2f} {row['wall_best_ms']:>13.2f} "
            f"{row['cpu_median_ms']:>14.2f} {row['last_loss']:>10.6f}"
        )
    ratios = {
        key: summary["v3_nn"][key] / summary["torch"][key]
        for key in ("wall_median_ms", "cpu_median_ms")
    }
    print(
        f"ratio v3_nn / torch: {ratios['wall_median_ms']:.2f}x wall, "
        f"{ratios['cpu_median_ms']:.2f}x CPU time (medians of {args.steps}; target <= 2x)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**summary, "ratios": ratios, "steps": args.steps}, indent=2))


if __name__ == "__main__":
    main()
