"""Training steps of nanoGPT's CPU recipe, v3_nn against torch eager, one thread each.

    python benchmarks/bench_gpt.py [--steps 40] [--memory] [--profile]

The model and settings of nanoGPT's shakespeare-char run on a CPU (`--device=cpu
--compile=False --block_size=64 --batch_size=12 --n_layer=4 --n_head=4 --n_embd=128
--dropout=0.0`, bias False as its train.py defaults): a GPT of 4 layers, 4 heads, n_embd 128,
context 64, vocabulary 65, batches of 12 sequences. A step is nanoGPT's: forward with the
loss, backward, clip_grad_norm_(1.0), AdamW (lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on
the matrices), zero_grad(set_to_none=True). Our model is v3_nn.gpt.GPT, torch's its twin
tests/gpt_torch.py, with the same weights (through state_dict) and the same batches of
Tiny Shakespeare characters (random ids when the text is not there), float32.
"""

from __future__ import annotations

import harness  # first: it pins BLAS to one thread before NumPy loads
import numpy as np
import torch

import v2_tensor as vt
from tests.gpt_torch import GPT as TorchGPT
from v3_nn.gpt import GPT, GPTConfig
from v3_nn.optim import AdamW
from v3_nn.utils import clip_grad_norm_

CONFIG = dict(n_layer=4, n_head=4, n_embd=128, block_size=64, vocab_size=65, dropout=0.0)
BATCH, LR, BETAS, WEIGHT_DECAY, CLIP = 12, 1e-3, (0.9, 0.99), 0.1, 1.0
TEXTS = [  # ../shared/data of a checkout (or of the worktree's main checkout)
    harness.ROOT / ".." / "shared" / "data" / "tinyshakespeare.txt",
    harness.ROOT / ".." / ".." / "shared" / "data" / "tinyshakespeare.txt",
]


def batches(seed: int, count: int, block: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(x, y) pairs of (BATCH, block) ids, y the next characters, as nanoGPT's get_batch."""
    rng = np.random.default_rng(seed)
    for path in TEXTS:
        if path.exists():
            text = path.read_text()
            chars = sorted(set(text))
            ids = np.array([chars.index(c) for c in text[:200_000]], dtype=np.int64)
            break
    else:
        ids = rng.integers(0, CONFIG["vocab_size"], 200_000)
    out = []
    for _ in range(count):
        starts = rng.integers(0, len(ids) - block - 1, BATCH)
        x = np.stack([ids[s : s + block] for s in starts])
        y = np.stack([ids[s + 1 : s + 1 + block] for s in starts])
        out.append((x, y))
    return out


def build(args, libraries: tuple[str, ...]) -> dict:
    vt.manual_seed(args.seed)
    config = GPTConfig(**CONFIG, bias=args.bias)
    ours = GPT(config)
    data = batches(args.seed, 16, config.block_size)
    steps = {}
    if "v3_nn" in libraries:
        opt = AdamW(ours.parameter_groups(WEIGHT_DECAY), lr=LR, betas=BETAS)
        our_data = [(vt.tensor(x), vt.tensor(y)) for x, y in data]
        count = [0]

        def our_step() -> float:
            x, y = our_data[count[0] % len(our_data)]
            count[0] += 1
            _, loss = ours(x, y)
            loss.backward()
            clip_grad_norm_(ours.parameters(), CLIP)
            opt.step()
            opt.zero_grad(set_to_none=True)
            return loss.item()

        steps["v3_nn"] = our_step
    if "torch" in libraries:
        theirs = TorchGPT(config)
        theirs.load_state_dict(harness.state_to_torch(ours.state_dict()))
        their_opt = torch.optim.AdamW(theirs.parameter_groups(WEIGHT_DECAY), lr=LR, betas=BETAS)
        their_data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in data]
        their_count = [0]

        def their_step() -> float:
            x, y = their_data[their_count[0] % len(their_data)]
            their_count[0] += 1
            _, loss = theirs(x, y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(theirs.parameters(), CLIP)
            their_opt.step()
            their_opt.zero_grad(set_to_none=True)
            return loss.item()

        steps["torch"] = their_step
    return steps


if __name__ == "__main__":
    p = harness.parser(__doc__, steps=40, warmup=5)
    p.add_argument("--bias", action="store_true", help="biases in Linear and LayerNorm")
    args = p.parse_args()
    harness.main(
        "bench_gpt",
        f"GPT {CONFIG['n_layer']} layers, {CONFIG['n_head']} heads, n_embd {CONFIG['n_embd']}, "
        f"block {CONFIG['block_size']}, batch {BATCH}, AdamW + clip {CLIP}",
        build,
        ("v3_nn", "torch"),
        target=1.3,
        args=args,
    )
