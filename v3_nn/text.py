"""Text for the language-model scripts: the corpus, a character tokenizer, random batches.

The corpus is Tiny Shakespeare through kagglehub (the cache first, a bounded wait), or any
UTF-8 file given with --data. When Kaggle cannot be reached the scripts say so and train on
an offline corpus that every machine with Python has: the standard library's own source
files, read in a fixed order up to the size of Tiny Shakespeare. `v3_nn.bpe` is the other
tokenizer; both turn text into token ids and each id back into its bytes, which is what
streaming a sample needs.
"""

from __future__ import annotations

import csv
import hashlib
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from v2_tensor.kaggle import DatasetUnavailable, announce_fallback, dataset_path

from .bpe import BytePairTokenizer

# The most widely used Tiny Shakespeare on Kaggle (char-rnn's input.txt as the Hugging Face
# tiny_shakespeare splits: train.csv, validation.csv and test.csv, one `text` cell each).
SHAKESPEARE_HANDLE = "thedevastator/the-bards-best-a-character-modeling-dataset"
KAGGLE_SPLITS = ("train", "validation", "test")  # in file order: 90%, then 5% and 5%
OFFLINE_CHARACTERS = 1_115_394  # as many as Tiny Shakespeare has
TRAIN_FRACTION = 0.9


@dataclass(frozen=True)
class Corpus:
    text: str
    source: str  # what it is, in words
    kind: str  # "file", "kaggle" or "python-source"
    path: str | None = None  # the file it was read from, when there is one

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def read_text(path: str | Path) -> str:
    """A UTF-8 text file's text; ValueError (naming the file) if it is empty or not text."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ValueError(f"{path} cannot be read: {error.strerror}") from None
    if not raw.strip():
        raise ValueError(f"{path} is empty: expected UTF-8 text to train on")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{path} is not UTF-8 text (byte {error.start} is 0x{raw[error.start]:02x})"
        ) from None
    if "\x00" in text:
        raise ValueError(f"{path} looks binary (it holds NUL bytes), not like text")
    return text


def kaggle_text(folder: Path) -> tuple[str, Path]:
    """The text of the Kaggle data set in folder: its largest .txt file, or its train,
    validation and test CSV files' `text` cells joined in that order (the whole file)."""
    texts = sorted(folder.rglob("*.txt"), key=lambda p: (-p.stat().st_size, str(p)))
    if texts:
        return read_text(texts[0]), texts[0]
    parts = []
    for split in KAGGLE_SPLITS:
        found = sorted(folder.rglob(f"{split}.csv"))
        if not found:
            raise ValueError(f"{folder} holds no .txt file and no {split}.csv")
        csv.field_size_limit(2**31 - 1)  # one cell holds the whole split
        with open(found[0], newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
        if not rows or "text" not in rows[0]:
            raise ValueError(f"{found[0]} has no `text` column")
        parts.append("".join(row["text"] for row in rows))
    return "".join(parts), found[0].parent


def python_source(characters: int = OFFLINE_CHARACTERS) -> Corpus:
    """The standard library's own .py files (its top folder, by name), joined up to
    `characters`: English comments and docstrings in code, on every machine with Python."""
    folder = Path(sysconfig.get_paths()["stdlib"])
    parts, total, used = [], 0, 0
    for path in sorted(folder.glob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        parts.append(text)
        total, used = total + len(text), used + 1
        if total >= characters:
            break
    if not parts:
        raise ValueError(f"no readable Python source files in {folder} to fall back to")
    text = "".join(parts)[:characters]
    source = (
        f"the Python standard library's source ({used} files of {folder}, {len(text):,} characters)"
    )
    return Corpus(text, source, "python-source")


def load_corpus(data: str | Path | None, handle: str, timeout: float) -> Corpus:
    """--data's text, else Tiny Shakespeare from Kaggle, else (announced) python_source()."""
    if data is not None:
        return Corpus(read_text(data), str(data), "file", str(Path(data).resolve()))
    try:
        text, where = kaggle_text(dataset_path(handle, timeout=timeout))
    except (DatasetUnavailable, ValueError) as error:
        fallback = python_source()
        unavailable = error if isinstance(error, DatasetUnavailable) else DatasetUnavailable(error)
        announce_fallback(handle, unavailable, fallback.source, data_flag="--data PATH")
        return fallback
    return Corpus(text, f"Tiny Shakespeare (Kaggle {handle})", "kaggle", str(where))


def split(text: str, fraction: float = TRAIN_FRACTION) -> tuple[str, str]:
    """The first 90% of the text trains, the last 10% is held out (file order, as nanoGPT)."""
    n = int(len(text) * fraction)
    return text[:n], text[n:]


class CharTokenizer:
    """One token per character of a fixed alphabet (sorted), as nanoGPT's shakespeare_char."""

    def __init__(self, chars: str) -> None:
        self.chars = chars
        self.stoi = {ch: i for i, ch in enumerate(chars)}

    @classmethod
    def train(cls, text: str) -> CharTokenizer:
        return cls("".join(sorted(set(text))))

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def unknown(self, text: str) -> list[str]:
        """The characters of text outside the alphabet, sorted."""
        return sorted(set(text) - set(self.stoi))

    def encode(self, text: str) -> list[int]:
        missing = self.unknown(text)
        if missing:
            shown = ", ".join(repr(ch) for ch in missing[:10])
            raise ValueError(
                f"{len(missing)} character(s) are not in the vocabulary of "
                f"{self.vocab_size}: {shown}"
            )
        return [self.stoi[ch] for ch in text]

    def decode(self, ids: Any) -> str:
        return "".join(self.chars[int(i)] for i in ids)

    def token_bytes(self, i: int) -> bytes:
        return self.chars[i].encode("utf-8")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "char", "chars": self.chars}


Tokenizer = CharTokenizer | BytePairTokenizer


def tokenizer_to_dict(tokenizer: Tokenizer) -> dict[str, Any]:
    if isinstance(tokenizer, CharTokenizer):
        return tokenizer.to_dict()
    return {"kind": "bpe", "bpe": tokenizer.to_dict()}


def tokenizer_from_dict(state: dict[str, Any]) -> Tokenizer:
    if state.get("kind") == "char":
        return CharTokenizer(state["chars"])
    if state.get("kind") == "bpe":
        return BytePairTokenizer.from_dict(state["bpe"])
    raise ValueError(f"unknown tokenizer kind {state.get('kind')!r}")


def describe(tokenizer: Tokenizer) -> str:
    if isinstance(tokenizer, CharTokenizer):
        return f"characters ({tokenizer.vocab_size})"
    return f"byte-pair encoding ({tokenizer.vocab_size} tokens)"


def get_batch(
    data: np.ndarray, block_size: int, batch_size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """batch_size windows of block_size tokens at random starts, and the same windows shifted
    by one token: the targets, each the token that follows its input. Both are contiguous
    (as torch.stack gives them), so torch's .view takes them too."""
    starts = rng.integers(0, len(data) - block_size, size=batch_size)
    windows = data[starts[:, None] + np.arange(block_size + 1)]
    return np.ascontiguousarray(windows[:, :-1]), np.ascontiguousarray(windows[:, 1:])
