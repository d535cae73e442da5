"""Whole LSTM training steps, v3_nn against torch, one thread each, alternating in one run.

    uv run python benchmarks/bench_v3_lstm.py [--steps 200] [--seed 0]

The model of train_lstm: LSTM(1, 32) over 30 time steps, batch 64, a Linear head on
the last hidden state, MSE loss and Adam. Both start from the same weights and see the
same batch; each timed step is forward, backward and the optimizer update. The
table gives the median step time of each library and the ratio ours / torch.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import v2_tensor as vt  # noqa: E402
import v3_nn  # noqa: E402
from v3_nn import functional as F  # noqa: E402
from v3_nn.optim import Adam  # noqa: E402

BATCH, STEPS, HIDDEN = 64, 30, 32


class Ours(v3_nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = v3_nn.LSTM(1, HIDDEN, batch_first=True)
        self.head = v3_nn.Linear(HIDDEN, 1)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])


class Theirs(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = torch.nn.LSTM(1, HIDDEN, batch_first=True)
        self.head = torch.nn.Linear(HIDDEN, 1)

    def forward(self, x):
        _, (h_n, _) = self.lstm(x)
        return self.head(h_n[-1])


def timed(step) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call (CPU time is steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="timed steps per library")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    vt.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x = rng.standard_normal((BATCH, STEPS, 1)).astype(np.float32)
    y = rng.standard_normal((BATCH, 1)).astype(np.float32)

    ours = Ours()
    theirs = Theirs()
    theirs.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )
    our_opt = Adam(ours.parameters(), lr=1e-3)
    their_opt = torch.optim.Adam(theirs.parameters(), lr=1e-3)
    our_x, our_y = vt.tensor(x), vt.tensor(y)
    their_x, their_y = torch.from_numpy(x), torch.from_numpy(y)

    def our_step() -> None:
        loss = F.mse_loss(ours(our_x), our_y)
        our_opt.zero_grad()
        loss.backward()
        our_opt.step()

    def their_step() -> None:
        loss = torch.nn.functional.mse_loss(theirs(their_x), their_y)
        their_opt.zero_grad()
        loss.backward()
        their_opt.step()

    for _ in range(args.warmup):
        our_step()
        their_step()
    our_times, their_times = [], []
    for _ in range(args.steps):
        our_times.append(timed(our_step))
        their_times.append(timed(their_step))

    print(f"LSTM(1, {HIDDEN}) + Linear, {STEPS} steps, batch {BATCH}, MSE + Adam, 1 thread")
    print(f"{'median step (ms)':<18}{'v3_nn':>10}{'torch':>10}{'ratio':>8}")
    for column, label in ((0, "wall clock"), (1, "CPU time")):
        ours_ms = 1e3 * statistics.median(t[column] for t in our_times)
        theirs_ms = 1e3 * statistics.median(t[column] for t in their_times)
        print(f"{label:<18}{ours_ms:>10.3f}{theirs_ms:>10.3f}{ours_ms / theirs_ms:>8.2f}")
    print("target: ratio v3_nn / torch <= 2.0")


if __name__ == "__main__":
    main()
