"""A byte-level byte-pair-encoding tokenizer, trained from scratch (as GPT-2's).

Text is UTF-8 bytes, so any string has an encoding and decoding gives it back exactly. A
regex first splits the text into pieces (words with their leading space, runs of digits,
runs of punctuation, whitespace), and merges never cross a piece's boundary. Training starts
from the 256 single bytes and repeatedly merges the most frequent adjacent pair of tokens
into a new token, until the vocabulary has the size asked for:

    tokenizer = BytePairTokenizer.train(text, vocab_size=1024)
    ids = tokenizer.encode("ROMEO: Wherefore art thou?")
    assert tokenizer.decode(ids) == "ROMEO: Wherefore art thou?"

Encoding applies the learned merges in the order they were learned (lowest rank first),
which reproduces training's segmentation. Special tokens (such as "<|endoftext|>") get ids
after the merges and are matched whole, never split. `save`/`load` use a JSON file.

Training counts each distinct piece once with its frequency and keeps, for every pair, the
pieces it occurs in: a merge then rewrites only the pieces that contain the pair, so a
1,024-token vocabulary on a megabyte of text takes seconds, not the hours of a recount.
"""

from __future__ import annotations

import heapq
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

# GPT-2's pre-split, with \p{L} (letters) and \p{N} (numbers) written for Python's re:
# contractions, a word with its leading space, a number, other symbols, then whitespace.
LETTER, NUMBER = r"[^\W\d_]", r"\d"
PATTERN = (
    r"'s|'t|'re|'ve|'m|'ll|'d"
    rf"| ?{LETTER}+| ?{NUMBER}+| ?(?:(?!{LETTER}|{NUMBER})[^\s])+"
    r"|\s+(?!\S)|\s+"
)
FORMAT = "gradlab-bpe-1"

Pair = tuple[int, int]


class BytePairTokenizer:
    """Merges (pairs of token ids, in the order learned) and special tokens."""

    def __init__(self, merges: Iterable[Pair], special_tokens: Iterable[str] = ()) -> None:
        self.merges: list[Pair] = [tuple(pair) for pair in merges]
        self.ranks = {pair: rank for rank, pair in enumerate(self.merges)}
        self.vocab = {i: bytes([i]) for i in range(256)}
        for rank, (a, b) in enumerate(self.merges):
            self.vocab[256 + rank] = self.vocab[a] + self.vocab[b]
        first_special = 256 + len(self.merges)
        self.special = {token: first_special + i for i, token in enumerate(special_tokens)}
        self.special_by_id = {i: token for token, i in self.special.items()}
        self._splitter = re.compile(PATTERN)
        self._special_splitter = (
            re.compile("(" + "|".join(map(re.escape, sorted(self.special, key=len)[::-1])) + ")")
            if self.special
            else None
        )
        self._cache: dict[str, list[int]] = {}

    @property
    def vocab_size(self) -> int:
        return 256 + len(self.merges) + len(self.special)

    # ---- training ---------------------------------------------------------------------------

    @classmethod
    def train(
        cls, text: str, vocab_size: int, special_tokens: Iterable[str] = ()
    ) -> BytePairTokenizer:
        """Learn vocab_size - 256 - len(special_tokens) merges from text (fewer if the text
        runs out of pairs that occur twice)."""
        special_tokens = list(special_tokens)
        merges_wanted = vocab_size - 256 - len(special_tokens)
        if merges_wanted < 0:
            raise ValueError(
                f"vocab_size must be at least 256 (the single bytes) plus the {len(special_tokens)}"
                f" special tokens, got {vocab_size}"
            )
        pieces = Counter(re.findall(PATTERN, _without_specials(text, special_tokens)))
        words = [list(piece.encode("utf-8")) for piece in pieces]
        counts = list(pieces.values())
        pair_counts: Counter[Pair] = Counter()
        where: defaultdict[Pair, set[int]] = defaultdict(set)
        for index, word in enumerate(words):
            for pair in zip(word, word[1:], strict=False):
                pair_counts[pair] += counts[index]
                where[pair].add(index)
        heap = [(-count, pair) for pair, count in pair_counts.items()]
        heapq.heapify(heap)
        merges: list[Pair] = []
        while len(merges) < merges_wanted and heap:
            negative, pair = heapq.heappop(heap)
            if pair_counts.get(pair, 0) != -negative:
                continue  # a stale entry: the count changed since it was pushed
            if -negative < 2:
                break  # merging a pair seen once compresses nothing worth a token
            new_id = 256 + len(merges)
            merges.append(pair)
            changed: Counter[Pair] = Counter()
            for index in where.pop(pair):
                word, count = words[index], counts[index]
                for old in zip(word, word[1:], strict=False):
                    changed[old] -= count
                word[:] = _merge(word, pair, new_id)
                for new in zip(word, word[1:], strict=False):
                    changed[new] += count
                    where[new].add(index)
            for changed_pair, delta in changed.items():
                if delta:
                    pair_counts[changed_pair] += delta
                    if pair_counts[changed_pair] > 0:
                        heapq.heappush(heap, (-pair_counts[changed_pair], changed_pair))
                    else:
                        del pair_counts[changed_pair]
            pair_counts.pop(pair, None)
        return cls(merges, special_tokens)

    # ---- encoding and decoding -------------------------------------------------------------

    def encode(self, text: str, allowed_special: str | Iterable[str] = "all") -> list[int]:
        """Token ids of text. Special tokens in the text are encoded as themselves when
        allowed ("all", or a set of them), else as plain text."""
        allowed = set(self.special) if allowed_special == "all" else set(allowed_special)
        ids: list[int] = []
        parts = self._special_splitter.split(text) if self._special_splitter else [text]
        for part in parts:
            if part in allowed:
                ids.append(self.special[part])
                continue
            for piece in self._splitter.findall(part):
                ids.extend(self._encode_piece(piece))
        return ids

    def _encode_piece(self, piece: str) -> list[int]:
        cached = self._cache.get(piece)
        if cached is not None:
            return cached
        tokens = list(piece.encode("utf-8"))
        while len(tokens) > 1:
            pair = min(
                zip(tokens, tokens[1:], strict=False),
                key=lambda p: self.ranks.get(p, len(self.ranks)),
            )
            if pair not in self.ranks:
                break
            tokens = _merge(tokens, pair, 256 + self.ranks[pair])
        if len(self._cache) < 100_000:
            self._cache[piece] = tokens
        return tokens

    def decode(self, ids: Iterable[int], errors: str = "replace") -> str:
        """The text of token ids (exact for ids that encode() made; a sequence cut inside a
        character decodes with U+FFFD there, unless errors='strict')."""
        chunks = []
        for i in ids:
            i = int(i)
            if i in self.special_by_id:
                chunks.append(self.special_by_id[i].encode("utf-8"))
            elif i in self.vocab:
                chunks.append(self.vocab[i])
            else:
                raise ValueError(
                    f"decode: token id {i} is outside the vocabulary of {self.vocab_size}"
                )
        return b"".join(chunks).decode("utf-8", errors=errors)

    def token_bytes(self, i: int) -> bytes:
        return self.special_by_id[i].encode() if i in self.special_by_id else self.vocab[i]

    # ---- saving -------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {"format": FORMAT, "merges": self.merges, "special_tokens": list(self.special)}

    @classmethod
    def from_dict(cls, state: dict) -> BytePairTokenizer:
        if state.get("format") != FORMAT:
            raise ValueError(f"not a gradlab BPE tokenizer (format {state.get('format')!r})")
        return cls(state["merges"], state.get("special_tokens", ()))

    def save(self, path: str | os.PathLike) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict()))
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> BytePairTokenizer:
        try:
            state = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as error:
            raise ValueError(f"{path}: cannot read a tokenizer: {error}") from None
        return cls.from_dict(state)


def _merge(tokens: list[int], pair: Pair, new_id: int) -> list[int]:
    """tokens with every non-overlapping occurrence of pair (left to right) as new_id."""
    out, i, first, second = [], 0, pair[0], pair[1]
    length = len(tokens)
    while i < length:
        if i + 1 < length and tokens[i] == first and tokens[i + 1] == second:
            out.append(new_id)
            i += 2
        else:
            out.append(tokens[i])
            i += 1
    return out


def _without_specials(text: str, special_tokens: list[str]) -> str:
    """Training text with special tokens cut out, so no merge learns their pieces."""
    for token in special_tokens:
        text = text.replace(token, " ")
    return text
