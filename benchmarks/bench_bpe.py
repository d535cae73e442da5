"""Byte-pair encoding: v3_nn.bpe against the `tokenizers` library, same vocabulary, same text.

    uv run python benchmarks/bench_bpe.py [--vocab-size 1024] [--data PATH]

Both learn a byte-level BPE of --vocab-size tokens (the 256 bytes plus merges) from Tiny
Shakespeare's training 90%, both with GPT-2's pre-split regex (ours: v3_nn.bpe.PATTERN;
theirs: the ByteLevel pre-tokenizer, no prefix space). Then both encode the held-out 10% and
the training text. Prints tokens per byte of each (fewer is better compression), ours over
theirs, and the training time of each (`tokenizers` is Rust and multi-threaded; ours is
Python).
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's v3_nn, not an installed one

from v3_nn import text  # noqa: E402
from v3_nn.bpe import BytePairTokenizer  # noqa: E402

CORPUS = ROOT / ".." / "shared" / "data" / "tinyshakespeare.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocab-size", type=int, default=1024)
    parser.add_argument("--data", type=Path, default=CORPUS)
    args = parser.parse_args()
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    train, held_out = text.split(text.read_text(args.data))
    started = time.perf_counter()
    ours = BytePairTokenizer.train(train, vocab_size=args.vocab_size)
    our_seconds = time.perf_counter() - started

    started = time.perf_counter()
    theirs = Tokenizer(models.BPE())
    theirs.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=args.vocab_size,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    theirs.train_from_iterator([train], trainer)
    their_seconds = time.perf_counter() - started

    print(f"{args.data.name}: vocabulary {args.vocab_size} (ours has {ours.vocab_size}, "
          f"theirs {theirs.get_vocab_size()})")  # fmt: skip
    print(f"{'text':<27} {'v3_nn.bpe':>10} {'tokenizers':>11} {'ours/theirs':>12}")
    for name, part in [("held-out 10%", held_out), ("training 90%", train)]:
        size = len(part.encode("utf-8"))
        our_rate = len(ours.encode(part)) / size
        their_rate = len(theirs.encode(part).ids) / size
        assert ours.decode(ours.encode(part)) == part
        print(f"{name + ' (tokens/byte)':<27} {our_rate:>10.4f} {their_rate:>11.4f} "
              f"{our_rate / their_rate:>12.4f}")  # fmt: skip
    print(f"training time: v3_nn.bpe {our_seconds:.2f} s, tokenizers {their_seconds:.2f} s")


if __name__ == "__main__":
    main()
