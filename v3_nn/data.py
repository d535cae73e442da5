"""Datasets and mini-batches, as torch.utils.data: Dataset, TensorDataset, DataLoader."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

import v2_tensor as vt


class Dataset:
    """Anything with `__getitem__(index)` returning one sample and `__len__`."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")


class TensorDataset(Dataset):
    """Sample i is `(t[i] for t in tensors)`; every tensor has the same first dimension."""

    def __init__(self, *tensors: vt.Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        self.tensors = tuple(
            t if isinstance(t, vt.Tensor) else vt.Tensor(np.asarray(t)) for t in tensors
        )
        sizes = [t.array.shape[0] if t.array.ndim else None for t in self.tensors]
        if None in sizes or len(set(sizes)) != 1:
            shapes = [t.array.shape for t in self.tensors]
            raise ValueError(f"TensorDataset: size mismatch between tensors, shapes {shapes}")

    def __getitem__(self, index: int | np.ndarray) -> tuple[vt.Tensor, ...]:
        return tuple(vt.Tensor(t.array[index]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].array.shape[0]


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into one batch, field by field (torch's default_collate).

    Tensors and arrays stack along a new first axis; Python ints become int64 and floats
    float64; tuples and lists are collated per field into a list (as torch), dicts per key.
    """
    first = samples[0]
    if isinstance(first, tuple | list):
        if any(len(sample) != len(first) for sample in samples):
            raise RuntimeError("default_collate: each sample in a batch must have the same size")
        return [default_collate(field) for field in zip(*samples, strict=True)]
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, vt.Tensor):
        return vt.Tensor(np.stack([sample.array for sample in samples]))
    if isinstance(first, bool | int | float | np.ndarray | np.number):
        return vt.Tensor(np.stack([np.asarray(sample) for sample in samples]))
    raise TypeError(f"default_collate: cannot batch samples of type {type(first).__name__}")


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size`, optionally reshuffled every epoch.

    Shuffling draws from `generator` (a NumPy Generator), or from a private Generator
    seeded with `seed`, or else from v2_tensor's global one (`v2_tensor.manual_seed`):
    each way, the same seed gives the same sequence of epochs.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        *,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: np.random.Generator | None = None,
        seed: int | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(
                f"DataLoader: batch_size should be a positive integer, got {batch_size!r}"
            )
        if generator is not None and seed is not None:
            raise ValueError("DataLoader: pass either generator or seed, not both")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn or default_collate
        self.generator = np.random.default_rng(seed) if seed is not None else generator

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return (self.generator or vt.random.generator()).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            indices = order[start : start + self.batch_size]
            if isinstance(self.dataset, TensorDataset) and self.collate_fn is default_collate:
                # One fancy index per tensor instead of stacking samples one by one.
                yield list(self.dataset[indices])
            else:
                yield self.collate_fn([self.dataset[int(i)] for i in indices])
