"""Handwritten digits for the v3_nn scripts: MNIST through kagglehub, or the 8x8 UCI digits.

MNIST comes as IDX files (a big-endian header, then raw bytes), parsed here. When Kaggle
cannot be reached the scripts fall back, announced on stderr, to the 8x8 digits that ship
inside scikit-learn (no download), split once into train and test with a fixed seed.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from v2_tensor.kaggle import DatasetUnavailable, announce_fallback, dataset_path

MNIST_HANDLE = "hojjatk/mnist-dataset"
IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions: (count, rows, columns)
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension: (count,)
DIGITS_TEST_FRACTION = 0.2
DIGITS_SPLIT_SEED = 0  # fixed, so "test digit N" is the same digit in every script and run
SOURCES = ("auto", "mnist", "digits")
MNIST_SIDE = 28


@dataclass(frozen=True)
class DigitData:
    """Images as float32 in [0, 1] shaped (N, side, side); labels as int64 in 0..9."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    side: int
    source: str


def read_idx(path: str | Path, magic: int) -> np.ndarray:
    """Parse one IDX file of unsigned bytes (plain or .gz) whose header must start with `magic`.

    Header: a 4-byte big-endian magic (0x0000, type 0x08 = ubyte, number of dimensions),
    then one 4-byte big-endian size per dimension, then the bytes in C order.
    """
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        raise ValueError(
            f"{path}: not a readable .gz file (truncated or corrupt?): {error}"
        ) from None
    if len(raw) < 4:
        raise ValueError(f"{path}: {len(raw)} bytes is too short for an IDX header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise ValueError(f"{path}: bad IDX magic number 0x{found:08x}, expected 0x{magic:08x}")
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} of {header} bytes)")
    shape = tuple(int(size) for size in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: IDX header says shape {shape} ({expected} bytes of data), "
            f"but the file holds {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def _find(folder: Path, stem: str) -> Path:
    # Kaggle's copies name files like 'train-images.idx3-ubyte' or 'train-images-idx3-ubyte',
    # sometimes inside a folder of the same name, sometimes gzipped.
    kind, idx = stem.rsplit("-", 1)
    candidates = sorted(
        p for p in folder.rglob(f"{kind}*{idx}*") if p.is_file() and "ubyte" in p.name
    )
    if not candidates:
        raise FileNotFoundError(f"no {kind} {idx} file under {folder}")
    return candidates[0]


def load_mnist(folder: str | Path) -> DigitData:
    """MNIST from a folder holding the four IDX files (searched recursively)."""
    folder = Path(folder)
    arrays = {}
    for split, prefix in [("train", "train"), ("test", "t10k")]:
        image_file = _find(folder, f"{prefix}-images-idx3")
        label_file = _find(folder, f"{prefix}-labels-idx1")
        images = read_idx(image_file, IMAGES_MAGIC)
        labels = read_idx(label_file, LABELS_MAGIC)
        if images.shape[1:] != (MNIST_SIDE, MNIST_SIDE):
            height, width = images.shape[1:]
            raise ValueError(
                f"{image_file}: the images are {height}x{width} pixels; "
                f"MNIST's are {MNIST_SIDE}x{MNIST_SIDE}"
            )
        if len(images) == 0:
            raise ValueError(f"{image_file}: holds no images, so the {split} set is empty")
        if len(images) != len(labels):
            raise ValueError(
                f"MNIST {split}: {len(images)} images but {len(labels)} labels "
                f"({image_file}, {label_file})"
            )
        if labels.max() > 9:
            index = int(np.argmax(labels > 9))
            raise ValueError(
                f"{label_file}: label {labels[index]} at index {index} is not a digit 0-9"
            )
        arrays[split] = (images.astype(np.float32) / 255.0, labels.astype(np.int64))
    return DigitData(*arrays["train"], *arrays["test"], side=MNIST_SIDE, source=f"MNIST ({folder})")


def load_uci_digits() -> DigitData:
    """The 1,797 8x8 UCI digits from scikit-learn (pixels 0..16), 20% held out for testing."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0
    labels = digits.target.astype(np.int64)
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(labels))
    n_test = round(DIGITS_TEST_FRACTION * len(labels))
    test, train = order[:n_test], order[n_test:]
    return DigitData(
        images[train],
        labels[train],
        images[test],
        labels[test],
        side=8,
        source="UCI 8x8 digits (scikit-learn)",
    )


def load_digit_data(
    source: str = "auto", data_dir: str | Path | None = None, timeout: float = 5.0
) -> DigitData:
    """The digits the scripts train and test on.

    source="auto": MNIST from `data_dir`, else through kagglehub (waiting at most `timeout`
    seconds), else the 8x8 UCI digits, announced on stderr. "mnist" insists on MNIST and
    raises DatasetUnavailable; "digits" goes straight to the offline 8x8 digits.
    """
    if source not in SOURCES:
        raise ValueError(f"load_digit_data: source must be one of {SOURCES}, got {source!r}")
    if source == "digits":
        return load_uci_digits()
    if data_dir is not None:
        return load_mnist(data_dir)
    try:
        return load_mnist(dataset_path(MNIST_HANDLE, timeout=timeout))
    except (DatasetUnavailable, FileNotFoundError, ValueError) as error:
        if source == "mnist":
            raise DatasetUnavailable(f"MNIST could not be loaded: {error}") from error
        unavailable = error if isinstance(error, DatasetUnavailable) else DatasetUnavailable(error)
        announce_fallback(
            MNIST_HANDLE,
            unavailable,
            "the 8x8 UCI digits bundled with scikit-learn",
            data_flag="--data DIR (the folder holding the four IDX files)",
        )
        return load_uci_digits()
