"""default_collate and default_convert, as torch.utils.data._utils.collate.

`default_collate(samples)` turns a list of samples into a batch, field by field: Tensors and
NumPy arrays stack along a new first dimension, Python floats become a float64 tensor,
ints an int64 one (bools a bool one), NumPy scalars a tensor of their dtype, strings stay a
list; dicts, named tuples, tuples and lists are collated per field (tuples become lists, as
in torch). `default_convert(sample)` only turns NumPy arrays and scalars into Tensors
(sharing memory, as from_numpy), for loaders that do not batch (batch_size=None).
`collate(batch, collate_fn_map=...)` is the general walk, for custom per-type rules.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from typing import Any

import numpy as np

import v2_tensor as vt

__all__ = ["collate", "default_collate", "default_collate_fn_map", "default_convert"]

np_str_obj_array_pattern = re.compile("[SaUO]")
default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_convert(data: Any) -> Any:
    """NumPy arrays and scalars in `data` as Tensors (arrays shared); containers recursed."""
    if isinstance(data, vt.Tensor):
        return data
    if isinstance(data, np.ndarray):
        if np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return vt.as_tensor(data)
    if isinstance(data, np.generic) and not isinstance(data, np.str_ | np.bytes_):
        return vt.as_tensor(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return type(data)({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a named tuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, str | bytes):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(
    batch: list[Any] | tuple[Any, ...],
    *,
    collate_fn_map: dict[type | tuple[type, ...], Callable] | None = None,
) -> Any:
    """Collate `batch` (a list of samples) with the rule for its elements' type in
    `collate_fn_map`, recursing into dicts, named tuples and sequences."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        fields = {
            key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem
        }
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update(fields)
                return clone
            return elem_type(fields)
        except TypeError:
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return elem_type(
            *(
                collate(samples, collate_fn_map=collate_fn_map)
                for samples in zip(*batch, strict=False)
            )
        )
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(sample) == size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        # each field's samples as a tuple, as torch (strings come back in it as they are)
        transposed = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch, strict=True)]
        if isinstance(elem, tuple):
            return transposed
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, field in enumerate(transposed):
                    clone[i] = field
                return clone
            return elem_type(transposed)
        except TypeError:
            return transposed
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def collate_tensor_fn(batch: list[vt.Tensor], *, collate_fn_map: Any = None) -> vt.Tensor:
    shapes = {tuple(t.shape) for t in batch}
    if len(shapes) > 1:
        raise RuntimeError(
            f"default_collate: stack expects each tensor to be equal size, but got shapes "
            f"{sorted(shapes)} in one batch (pad them, or pass a collate_fn)"
        )
    if any(t.requires_grad for t in batch):
        return vt.stack(batch)  # keeps the graph, as torch's stack does
    return vt.Tensor(np.stack([t.array for t in batch]))


def collate_numpy_array_fn(batch: list[np.ndarray], *, collate_fn_map: Any = None) -> vt.Tensor:
    if np_str_obj_array_pattern.search(batch[0].dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(batch[0].dtype))
    return collate([vt.as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch: list[np.generic], *, collate_fn_map: Any = None) -> vt.Tensor:
    return vt.as_tensor(np.array(batch))


def collate_float_fn(batch: list[float], *, collate_fn_map: Any = None) -> vt.Tensor:
    return vt.tensor(batch, dtype=vt.float64)


def collate_int_fn(batch: list[int], *, collate_fn_map: Any = None) -> vt.Tensor:
    return vt.tensor(batch)


def collate_str_fn(batch: list[str], *, collate_fn_map: Any = None) -> list[str]:
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    vt.Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch: list[Any]) -> Any:
    """A list of samples as one batch (see the module's docstring for the rules)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)
