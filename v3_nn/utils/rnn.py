"""Packed sequences, as torch.nn.utils.rnn: a batch of sequences of different lengths.

A PackedSequence keeps only the real steps, time-major: `data` holds step 0 of every
sequence, then step 1 of those at least 2 long, ... (sequences sorted longest first), and
`batch_sizes[t]` says how many sequences have a step t. RNN, LSTM and GRU take one and run
each sequence only over its own length, so padding never enters a state.

    lengths [3, 1, 2]  ->  sorted_indices [0, 2, 1],  batch_sizes [3, 2, 1]
    data rows:  a0 c0 b0 | a1 c1 | a2

Packing and padding are indexing ops, so gradients flow through them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

import v2_tensor as vt
from v2_tensor import Tensor


def _int64(values: Any) -> np.ndarray:
    return np.asarray(values.array if isinstance(values, Tensor) else values, dtype=np.int64)


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    if permutation is None:
        return None
    order = _int64(permutation)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return vt.Tensor(inverse)


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """(data, batch_sizes, sorted_indices, unsorted_indices), as torch's: batch_sizes,
    sorted_indices (the original position of each sorted sequence) and unsorted_indices (its
    inverse, derived when not given) are int64 Tensors; the indices are None when the batch
    came sorted."""

    def __new__(
        cls,
        data: Tensor,
        batch_sizes: Any = None,
        sorted_indices: Any = None,
        unsorted_indices: Any = None,
    ) -> PackedSequence:
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required")
        if sorted_indices is not None and not isinstance(sorted_indices, Tensor):
            sorted_indices = vt.Tensor(_int64(sorted_indices))
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        elif not isinstance(unsorted_indices, Tensor):
            unsorted_indices = vt.Tensor(_int64(unsorted_indices))
        batch_sizes = vt.Tensor(_int64(batch_sizes))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data: Tensor) -> PackedSequence:
        return self._replace(data=data)

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The data moved/cast as Tensor.to does (the indices stay int64)."""
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._with_data(data)

    def cpu(self) -> PackedSequence:
        return self

    def cuda(self, *args: Any, **kwargs: Any) -> PackedSequence:
        return self._with_data(self.data.cuda(*args, **kwargs))

    def double(self) -> PackedSequence:
        return self._with_data(self.data.double())

    def float(self) -> PackedSequence:
        return self._with_data(self.data.float())

    def half(self) -> PackedSequence:
        return self._with_data(self.data.half())

    def long(self) -> PackedSequence:
        return self._with_data(self.data.long())

    def int(self) -> PackedSequence:
        return self._with_data(self.data.int())

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def _check_lengths(lengths: np.ndarray, batch: int, enforce_sorted: bool) -> None:
    if lengths.ndim != 1 or lengths.size != batch:
        raise RuntimeError(
            f"Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} "
            f"(batch_size={batch})"
        )
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' "
            "that is <= 0"
        )
    if enforce_sorted and np.any(np.diff(lengths) > 0):
        raise RuntimeError(
            "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
            "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
            "to sidestep this requirement if you do not need ONNX exportability."
        )


def pack_padded_sequence(
    input: Tensor, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True
) -> PackedSequence:
    """Pack a padded batch, (T, B, *) or (B, T, *) with batch_first, of the given lengths."""
    lengths = _int64(lengths)
    batch = input.shape[0 if batch_first else 1]
    _check_lengths(lengths, batch, enforce_sorted)
    steps = input.shape[1 if batch_first else 0]
    if lengths.max() > steps:
        raise RuntimeError(
            f"pack_padded_sequence: a length of {lengths.max()} is longer than the padded "
            f"input's {steps} steps (input of shape {tuple(input.shape)})"
        )
    sorted_indices = None
    order = np.arange(batch)
    if not enforce_sorted:
        order = np.argsort(-lengths, kind="stable")
        lengths = lengths[order]
        sorted_indices = vt.Tensor(order)
    batch_sizes = (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(axis=1)
    time = np.concatenate([np.full(n, t) for t, n in enumerate(batch_sizes)])
    rows = order[np.concatenate([np.arange(n) for n in batch_sizes])]
    data = input[rows, time] if batch_first else input[time, rows]
    return PackedSequence(data, batch_sizes, sorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence,
    batch_first: bool = False,
    padding_value: float = 0.0,
    total_length: int | None = None,
) -> tuple[Tensor, Tensor]:
    """The padded batch, (T, B, *) or (B, T, *), and the lengths (int64), in the original
    order of the sequences; T is total_length if given."""
    data, batch_sizes, _, unsorted_indices = sequence
    sizes = _int64(batch_sizes)
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{steps}"
            )
        steps = total_length
    batch = int(sizes[0])
    # position of step t of sorted sequence b in the data rows, or the padding row
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    where = np.full((steps, batch), data.shape[0], dtype=np.int64)
    for t, (offset, size) in enumerate(zip(offsets, sizes, strict=True)):
        where[t, :size] = offset + np.arange(size)
    lengths = (sizes[:, None] > np.arange(batch)[None, :]).sum(axis=0)
    if unsorted_indices is not None:
        order = _int64(unsorted_indices)
        where, lengths = where[:, order], lengths[order]
    padding = vt.full((1, *data.shape[1:]), padding_value, dtype=data.dtype)
    padded = vt.cat([data, padding])[where]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, vt.Tensor(lengths.astype(np.int64))


def pad_sequence(
    sequences: Sequence[Tensor] | Tensor,
    batch_first: bool = False,
    padding_value: float = 0.0,
    padding_side: str = "right",
) -> Tensor:
    """Stack sequences of shapes (L_i, *) into (T, B, *) (or (B, T, *)), T = max L_i, padding
    after each sequence (or before it, padding_side='left')."""
    if padding_side not in ("left", "right"):
        raise ValueError(
            f"Expected padding_side to be one of left or right, but got {padding_side}."
        )
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    steps = max(seq.shape[0] for seq in sequences)
    rows = []
    for seq in sequences:
        fill = vt.full((steps - seq.shape[0], *seq.shape[1:]), padding_value, dtype=seq.dtype)
        rows.append(vt.cat([seq, fill] if padding_side == "right" else [fill, seq]))
    return vt.stack(rows, dim=0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences of shapes (L_i, *)."""
    lengths = [seq.shape[0] for seq in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(
    padded_sequences: Tensor, lengths: Any, batch_first: bool = False
) -> list[Tensor]:
    """The list of sequences of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[b, :n] for b, n in enumerate(_int64(lengths).tolist())]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences of a PackedSequence, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
