"""Write text with a GPT trained by v3_nn.train_gpt, printing each token as it is drawn.

    uv run python -m v3_nn.sample --prompt "ROMEO:"
    uv run python -m v3_nn.sample --checkpoint models/gpt.safetensors --prompt "ROMEO:" \\
        --tokens 500 --temperature 0.8 --top-k 200 --seed 1

The prompt is encoded with the checkpoint's own tokenizer (characters or byte pairs) and
printed, then each new token: the model reads the last block_size tokens, its logits for
the next one are divided by --temperature (below 1: safer, above 1: wilder), cut to the
--top-k most likely, and one token is drawn from their softmax. Byte-pair tokens are
decoded incrementally, so a character split across two tokens prints whole once its last
byte arrives. --seed fixes the draws: the same command prints the same text.
"""

from __future__ import annotations

import codecs
import sys
from pathlib import Path
from typing import Any

from v3_nn import cli
from v3_nn.train_gpt import CHECKPOINT


def parse_args(argv: list[str] | None) -> Any:
    parser = cli.parser("sample", "python -m v3_nn.sample", __doc__)
    parser.add_argument(
        "--checkpoint",
        type=cli.existing_file,
        default=CHECKPOINT,
        help="a checkpoint written by v3_nn.train_gpt",
    )
    parser.add_argument("--prompt", default="\n", help="the text to continue (default: a newline)")
    parser.add_argument("--tokens", type=cli.positive_int, default=500, help="tokens to write")
    parser.add_argument(
        "--temperature", type=cli.positive_float, default=0.8, help="divides the logits"
    )
    parser.add_argument(
        "--top-k", type=cli.positive_int, default=200, help="draw among the k likeliest tokens"
    )
    parser.add_argument("--seed", type=cli.seed, default=1337, help="the draws")
    return parser.parse_args(argv)


def encode_prompt(tokenizer: Any, prompt: str) -> list[int]:
    from v3_nn.text import CharTokenizer

    if isinstance(tokenizer, CharTokenizer):
        unknown = tokenizer.unknown(prompt)
        if unknown:
            shown = " ".join(repr(ch) for ch in unknown[:10])
            raise cli.usage_error(
                f"--prompt holds {len(unknown)} character(s) this model's vocabulary never saw: "
                f"{shown} (it knows these {tokenizer.vocab_size}: {tokenizer.chars!r})"
            )
    ids = tokenizer.encode(prompt)
    if not ids:
        raise cli.usage_error("--prompt is empty: give the model some text to continue")
    return ids


def stream(model: Any, tokenizer: Any, ids: list[int], args: Any, out: Any) -> str:
    """Print the prompt, then each token as it is drawn (flushed); returns the new text."""
    import v2_tensor as vt

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    out.write(decoder.decode(b"".join(tokenizer.token_bytes(i) for i in ids)))
    out.flush()
    written = []
    tokens = model.generate(
        vt.tensor([ids]),
        args.tokens,
        temperature=args.temperature,
        top_k=args.top_k,
        generator=vt.Generator().manual_seed(args.seed),
    )
    for token in tokens:
        piece = decoder.decode(tokenizer.token_bytes(token))
        if piece:
            out.write(piece)
            out.flush()
            written.append(piece)
    tail = decoder.decode(b"", final=True)
    out.write(tail + "\n")
    out.flush()
    return "".join(written) + tail


@cli.script("sample")
def main(argv: list[str] | None = None) -> str:
    args = parse_args(argv)
    from v3_nn.text import tokenizer_from_dict
    from v3_nn.train_gpt import model_from, read_checkpoint

    state = read_checkpoint(Path(args.checkpoint))
    model = model_from(state)
    model.eval()
    tokenizer = tokenizer_from_dict(state["tokenizer"])
    ids = encode_prompt(tokenizer, args.prompt)
    return stream(model, tokenizer, ids, args, sys.stdout)


if __name__ == "__main__":
    main()
