"""New tensors: from data, constants, ranges and random draws from the library's generator.

Every factory takes torch's `dtype=`, `device=` (the CPU) and `requires_grad=`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes, random
from ..device import as_device
from ..tensor import Tensor


def _shape(op: str, size: tuple) -> tuple[int, ...]:
    """zeros(2, 3) and zeros((2, 3)) both mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], tuple | list):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, int | np.integer | Tensor):
            raise TypeError(f"{op}: sizes must be ints, got {size}")
        if int(n) < 0:
            raise RuntimeError(f"{op}: sizes must be non-negative, got {size}")
    return tuple(int(n) for n in size)


def _make(array: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
    as_device(device)
    return Tensor(array, requires_grad=requires_grad)


def _dtype(dtype: Any, default: np.dtype | None = None) -> np.dtype:
    if dtype is not None:
        return dtypes.as_dtype(dtype)
    return dtypes.get_default_dtype() if default is None else default


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf Tensor holding a copy of `data` (Python floats give the default float dtype).
    Nested lists may hold one-element tensors, which count with their dtype, as in torch (to
    join bigger tensors, use stack or cat)."""
    if isinstance(data, Tensor):
        data = data.array
    elif isinstance(data, list | tuple) and _holds_tensors(data):
        data, inferred = _tensor_items(data)
        dtype = inferred if dtype is None else dtype
    return _make(dtypes.to_array(data, dtype), device, requires_grad)


def _holds_tensors(data: list | tuple) -> bool:
    """Does the list hold a tensor at its top level, or as its first leaf?"""
    if any(isinstance(item, Tensor) for item in data):
        return True
    first: Any = data
    while isinstance(first, list | tuple) and first:
        first = first[0]
    return isinstance(first, Tensor)


def _tensor_items(data: Any) -> tuple[Any, np.dtype]:
    """The nested list with each one-element tensor replaced by its number, and the dtype
    torch infers: floats win over integers over bools; within a kind the dtypes promote, a
    Python float counting as the default float dtype and a Python int as int64."""
    kinds: dict[str, np.dtype] = {}

    def note(dtype: np.dtype) -> None:
        kind = "f" if dtype.kind == "f" else ("b" if dtype.kind == "b" else "i")
        kinds[kind] = dtype if kind not in kinds else np.promote_types(kinds[kind], dtype)

    def walk(item: Any) -> Any:
        if isinstance(item, list | tuple):
            return [walk(x) for x in item]
        if isinstance(item, Tensor):
            if item.array.size != 1:
                error = TypeError if item.dtype.kind in "biu" else ValueError
                raise error(
                    f"tensor(): only one-element tensors can be elements of the data, got one "
                    f"of shape {item.shape} (join tensors with stack or cat)"
                )
            note(item.dtype)
            return item.array.item()
        if isinstance(item, np.generic):
            note(item.dtype)
        elif isinstance(item, bool):
            note(dtypes.bool)
        elif isinstance(item, int):
            note(dtypes.int64)
        elif isinstance(item, float):
            note(dtypes.get_default_dtype())
        return item

    items = walk(data)
    inferred = kinds.get("f", kinds.get("i", kinds.get("b", dtypes.get_default_dtype())))
    return items, inferred


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """data as a Tensor, sharing memory where it can (a Tensor, or an array of that dtype)."""
    as_device(device)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)):
        return from_numpy(data)
    return tensor(data, dtype)


def asarray(
    obj: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    copy: bool | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """obj as a Tensor, as torch.asarray: the same memory when it can be (a Tensor, an array),
    a copy when copy=True; copy=False refuses (ValueError) where a copy would be needed."""
    as_device(device)
    target = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(obj, Tensor | np.ndarray):
        source = obj.dtype if isinstance(obj, Tensor) else obj.dtype
        if copy is False and target is not None and target != source:
            raise ValueError(f"asarray: can't alias a tensor of dtype {source} into dtype {target}")
        if isinstance(obj, Tensor):
            result = obj if target is None or target == source else obj.to(target)
            if copy:
                result = Tensor(result.array.copy())
        else:
            result = from_numpy(obj.copy() if copy else obj) if target in (None, source) else None
            if result is None:
                result = Tensor(obj.astype(target))
        if requires_grad:
            result.requires_grad_(True)
        return result
    if copy is False:
        raise ValueError(f"asarray: can't alias {type(obj).__name__} into a tensor (copy=False)")
    return tensor(obj, target, requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor on the same memory as `array` (a change to one is seen in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    dtypes.as_dtype(array.dtype)
    return Tensor(array)


def zeros(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.zeros(_shape("zeros", size), _dtype(dtype)), device, requires_grad)


def ones(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.ones(_shape("ones", size), _dtype(dtype)), device, requires_grad)


def empty(*size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    return _make(np.empty(_shape("empty", size), _dtype(dtype)), device, requires_grad)


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of one value; its dtype follows the value (bool, int64 or float) as torch."""
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = np.bool_
        elif isinstance(fill_value, int | np.integer):
            dtype = dtypes.int64
    shape = _shape("full", (size,) if isinstance(size, int) else tuple(size))
    return _make(np.full(shape, fill_value, _dtype(dtype)), device, requires_grad)


def zeros_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _make(np.zeros(input.shape, _dtype(dtype, input.dtype)), device, requires_grad)


def ones_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _make(np.ones(input.shape, _dtype(dtype, input.dtype)), device, requires_grad)


def empty_like(
    input: Tensor, *, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    return _make(np.empty(input.shape, _dtype(dtype, input.dtype)), device, requires_grad)


def full_like(
    input: Tensor,
    fill_value: Any,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    array = np.full(input.shape, fill_value, _dtype(dtype, input.dtype))
    return _make(array, device, requires_grad)


def _float_dtype(op: str, dtype: Any, default: np.dtype | None = None) -> np.dtype:
    """The dtype of continuous draws: a float dtype (torch has no integer kernel for them)."""
    result = _dtype(dtype, default)
    if result.kind != "f":
        raise NotImplementedError(f"{op}: draws a floating point tensor, not {result}")
    return result


def _draw_shape(op: str, size: tuple, keyword: Any) -> tuple[int, ...]:
    if keyword is not None:
        if size:
            raise TypeError(f"{op}(): got the size both positionally and as size=")
        size = (keyword,)
    if not size:
        raise TypeError(f"{op}() missing its size: {op}(2, 3) or {op}((2, 3)) or {op}(size=...)")
    return _shape(op, size)


def rand(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **keywords: Any,
) -> Tensor:
    """Uniform on [0, 1)."""
    shape = _draw_shape("rand", size, _size_keyword("rand", keywords))
    dtype = _float_dtype("rand", dtype)
    draws = random.source(generator).random(shape, dtype=np.float64)
    return _make(draws.astype(dtype, copy=False), device, requires_grad)


def randn(
    *size: Any,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    **keywords: Any,
) -> Tensor:
    """Standard normal."""
    shape = _draw_shape("randn", size, _size_keyword("randn", keywords))
    dtype = _float_dtype("randn", dtype)
    draws = random.source(generator).standard_normal(shape, dtype=np.float64)
    return _make(draws.astype(dtype, copy=False), device, requires_grad)


def _size_keyword(op: str, keywords: dict) -> Any:
    size = keywords.pop("size", None)
    out = keywords.pop("out", None)
    keywords.pop("layout", None)
    keywords.pop("pin_memory", None)
    if keywords:
        raise TypeError(f"{op}() got an unexpected keyword argument {next(iter(keywords))!r}")
    if out is not None:
        raise TypeError(f"{op}: out= is not supported; assign the result instead")
    return size


def rand_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    generator: Any = None,
) -> Tensor:
    dtype = _float_dtype("rand_like", dtype, input.dtype)
    return rand(
        input.shape, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad
    )


def randn_like(
    input: Tensor,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    generator: Any = None,
) -> Tensor:
    dtype = _float_dtype("randn_like", dtype, input.dtype)
    return randn(
        input.shape, generator=generator, dtype=dtype, device=device, requires_grad=requires_grad
    )


def randint(*args: Any, **kwargs: Any) -> Tensor:
    """Integers uniform on [low, high): randint(high, size), randint(low, high, size), or the
    same as keywords, as torch.randint (int64 unless dtype= says otherwise)."""
    generator = kwargs.pop("generator", None)
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    requires_grad = kwargs.pop("requires_grad", False)
    low = kwargs.pop("low", None)
    high = kwargs.pop("high", None)
    size = kwargs.pop("size", None)
    if kwargs.pop("out", None) is not None:
        raise TypeError("randint: out= is not supported; assign the result instead")
    if kwargs:
        raise TypeError(f"randint() got an unexpected keyword argument {next(iter(kwargs))!r}")
    positional = list(args)
    if size is None and positional and isinstance(positional[-1], tuple | list):
        size = positional.pop()
    if len(positional) == 2:
        low, high = positional
    elif len(positional) == 1:
        if high is None:
            high = positional[0]
        else:
            low = positional[0]
    elif positional:
        raise TypeError(f"randint(): too many positional arguments {tuple(args)}")
    if high is None or size is None:
        raise TypeError("randint(): expected high and a tuple size, as randint(high, (2, 3))")
    if not isinstance(size, tuple | list):
        raise TypeError(
            f"randint(): argument 'size' must be tuple of ints, not {type(size).__name__}"
        )
    low = 0 if low is None else low
    if low >= high:
        raise RuntimeError(
            f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )
    dtype = _dtype(dtype, dtypes.int64)
    if dtype.kind in "iub":
        limits = np.iinfo(dtype) if dtype.kind != "b" else np.iinfo(np.uint8)
        if low < limits.min or high - 1 > limits.max or (dtype.kind == "b" and high > 2):
            raise RuntimeError(
                f"randint: from={low} or to - 1={high - 1} is out of bounds for {dtype}"
            )
    if requires_grad and dtype.kind != "f":
        raise RuntimeError(
            "randint: only Tensors of floating point dtype can require gradients (pass a "
            "float dtype=)"
        )
    array = random.source(generator).integers(low, high, size=_shape("randint", tuple(size)))
    return _make(array.astype(dtype), device, requires_grad)


def randperm(
    n: int,
    *,
    generator: Any = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random permutation of 0 .. n-1 (int64 unless dtype= says otherwise)."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"randperm(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"randperm: trying to create tensor with negative dimension {n}")
    dtype = _dtype(dtype, dtypes.int64)
    if requires_grad and dtype.kind != "f":
        raise RuntimeError("randperm: only Tensors of floating point dtype can require gradients")
    permutation = random.source(generator).permutation(int(n))
    return _make(permutation.astype(dtype), device, requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """start, start + step, ... below end; int64 when every argument is an int, else the
    default float dtype."""
    if end is None:
        start, end = 0, start
    start, end, step = (v.item() if isinstance(v, Tensor) else v for v in (start, end, step))
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange: upper bound and larger bound inconsistent with step sign (start {start}, "
            f"end {end}, step {step})"
        )
    integral = all(isinstance(v, int | np.integer) for v in (start, end, step))
    dtype = _dtype(dtype, dtypes.int64 if integral else None)
    count = max(int(np.ceil((end - start) / step)), 0)
    return _make((start + step * np.arange(count)).astype(dtype), device, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return _make(np.linspace(start, end, steps).astype(_dtype(dtype)), device, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    return _make(np.eye(n, m, dtype=_dtype(dtype)), device, requires_grad)
